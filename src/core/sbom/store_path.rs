//! Nix store paths, and the name and version Nix reads in them.
//!
//! A store path is `/nix/store/<hash>-<name>`: 32 characters of Nix's
//! base-32 alphabet, a dash, and a name of letters, digits and `+-._?=`
//! (Nix's own rule, `checkName`). [`parse_drv_name`] splits a name as
//! `builtins.parseDrvName` does.

use std::fmt;

use eyre::bail;

use crate::core::text::excerpt;

/// The store every path of the Nix images lives in.
pub const STORE_DIR: &str = "/nix/store";

/// Nix's base-32 alphabet (no `e`, `o`, `u`, `t`).
pub const NIX32_ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// How long the hash part of a store path is.
pub const HASH_LEN: usize = 32;

/// The longest name Nix gives a store path (`checkName`).
const MAX_NAME_LEN: usize = 211;

/// A store path, checked: `/nix/store/<hash>-<name>`, nothing after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePath(String);

impl StorePath {
    /// Checks `raw` as a top-level store path.
    pub fn parse(raw: &str) -> eyre::Result<StorePath> {
        let valid = raw
            .strip_prefix(STORE_DIR)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|base| {
                let (hash, name) = base.split_at_checked(HASH_LEN).unwrap_or(("", ""));
                hash.bytes().all(|b| NIX32_ALPHABET.contains(&b))
                    && hash.len() == HASH_LEN
                    && name.strip_prefix('-').is_some_and(valid_name)
            });
        if !valid {
            bail!(
                "`{}` is not a Nix store path (/nix/store/<32-character hash>-<name>)",
                excerpt(raw)
            );
        }
        Ok(StorePath(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hash part (the 32 characters after `/nix/store/`).
    pub fn hash(&self) -> &str {
        &self.0[STORE_DIR.len() + 1..][..HASH_LEN]
    }

    /// The name part (after the hash and its dash), e.g. `jq-1.7.1-bin`.
    pub fn name(&self) -> &str {
        &self.0[STORE_DIR.len() + 1 + HASH_LEN + 1..]
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A store path name as Nix allows it: 1 to 211 characters of letters,
/// digits and `+-._?=`, not starting with a dot.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._?=".contains(&b))
}

/// A name and version, as `builtins.parseDrvName` returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrvName<'a> {
    pub name: &'a str,
    /// Empty when the name has no version.
    pub version: &'a str,
}

/// Splits `s` as `builtins.parseDrvName` does: the name is everything up
/// to the first dash that is not followed by a letter, the version
/// everything after that dash (`nix-0.12pre12876` is `nix` and
/// `0.12pre12876`; `xf86-video-i810-1.7.4` is `xf86-video-i810` and
/// `1.7.4`; `jq-1.7.1-bin` is `jq` and `1.7.1-bin`). Without such a dash,
/// the whole string is the name and the version is empty. "Letter" is an
/// ASCII letter (Nix's `isalpha` in the C locale).
pub fn parse_drv_name(s: &str) -> DrvName<'_> {
    let bytes = s.as_bytes();
    for i in 0..bytes.len() {
        if bytes[i] == b'-' && i + 1 < bytes.len() && !bytes[i + 1].is_ascii_alphabetic() {
            return DrvName {
                name: &s[..i],
                version: &s[i + 1..],
            };
        }
    }
    DrvName {
        name: s,
        version: "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(input, name, version)`: the examples of Nix's manual and of its
    /// own tests (`lang/eval-okay-versions.nix`, `names.cc`), and the
    /// store path names of the Nix images.
    const CASES: &[(&str, &str, &str)] = &[
        ("nix-0.12pre12876", "nix", "0.12pre12876"),
        ("hello-1.0.2", "hello", "1.0.2"),
        ("hello", "hello", ""),
        ("915resolution-0.5.2", "915resolution", "0.5.2"),
        ("xf86-video-i810-1.7.4", "xf86-video-i810", "1.7.4"),
        (
            "name-that-ends-with-dash--1.0",
            "name-that-ends-with-dash",
            "-1.0",
        ),
        ("apache-httpd-2.0.48", "apache-httpd", "2.0.48"),
        ("ripgrep-1.2", "ripgrep", "1.2"),
        ("rip-grep-1.2", "rip-grep", "1.2"),
        ("7zip_archiver-0.2", "7zip_archiver", "0.2"),
        ("gcc-1-2", "gcc", "1-2"),
        ("bash--1-2", "bash", "-1-2"),
        ("xvidtune-?1-2", "xvidtune", "?1-2"),
        ("mpv-unstable-2021-05-03", "mpv-unstable", "2021-05-03"),
        ("jq-1.7.1-bin", "jq", "1.7.1-bin"),
        ("glibc-2.40-66", "glibc", "2.40-66"),
        (
            "python3.12-requests-2.32.3",
            "python3.12-requests",
            "2.32.3",
        ),
        ("source", "source", ""),
        ("trailing-", "trailing-", ""),
        ("-1.0", "", "1.0"),
        ("", "", ""),
    ];

    #[test]
    fn names_split_as_nix_splits_them() {
        for (input, name, version) in CASES {
            assert_eq!(parse_drv_name(input), DrvName { name, version }, "{input}");
        }
    }

    #[test]
    fn store_paths_are_checked() {
        let p =
            StorePath::parse("/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-jq-1.7.1-bin").unwrap();
        assert_eq!(p.hash(), "0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2");
        assert_eq!(p.name(), "jq-1.7.1-bin");
        assert_eq!(
            p.to_string(),
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-jq-1.7.1-bin"
        );
        for bad in [
            "",
            "/nix/store/",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-jq/bin/jq",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-.hidden",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8syshe-jq",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh-jq",
            "/gnu/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-jq",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-a b",
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-é",
        ] {
            assert!(StorePath::parse(bad).is_err(), "{bad:?}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        /// The split is at the first `-` followed by anything but an ASCII
        /// letter (a regular expression as the oracle), and nothing is lost.
        #[test]
        fn splits_at_the_first_dash_not_followed_by_a_letter(s in "[a-zA-Z0-9._?=+é-]{0,24}") {
            let parsed = parse_drv_name(&s);
            match regex::Regex::new("-[^A-Za-z]").unwrap().find(&s) {
                Some(m) => {
                    prop_assert_eq!(parsed.name, &s[..m.start()]);
                    prop_assert_eq!(parsed.version, &s[m.start() + 1..]);
                }
                None => prop_assert_eq!((parsed.name, parsed.version), (s.as_str(), "")),
            }
        }

        #[test]
        fn store_paths_are_the_grammar(hash in "[0-9a-z]{31,33}", name in "[a-zA-Z0-9+._?= /-]{0,12}") {
            let raw = format!("/nix/store/{hash}-{name}");
            let grammar = regex::Regex::new(
                "^/nix/store/[0-9abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*$",
            )
            .unwrap();
            prop_assert_eq!(StorePath::parse(&raw).is_ok(), grammar.is_match(&raw));
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = parse_drv_name(&s);
            let _ = StorePath::parse(&s);
        }
    }
}
