//! Package URLs (purls) for Nix store paths.
//!
//! `pkg:nix/<name>@<version>?outputhash=<store path hash>`: the name and
//! version as `builtins.parseDrvName` reads the store path's name, and the
//! store path's hash as a qualifier, so that two builds of one version are
//! told apart. `nix` is a candidate purl type, not yet in the purl
//! specification; this is the form Syft gives Nix store paths. Without a
//! version, `@` and the version are left out.
//!
//! Encoding, as the purl specification says: every character but
//! `A-Za-z0-9.-_~` and `:` is percent-encoded (UTF-8 bytes, upper-case hex).

use crate::core::sbom::store_path::{StorePath, parse_drv_name};

/// The purl of `path`.
pub fn nix_purl(path: &StorePath) -> String {
    let parsed = parse_drv_name(path.name());
    let mut purl = format!("pkg:nix/{}", encode(parsed.name));
    if !parsed.version.is_empty() {
        purl.push('@');
        purl.push_str(&encode(parsed.version));
    }
    purl.push_str("?outputhash=");
    purl.push_str(&encode(path.hash()));
    purl
}

/// `s` percent-encoded for a purl component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sbom::store_path::parse_drv_name;

    fn path(name: &str) -> StorePath {
        StorePath::parse(&format!(
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-{name}"
        ))
        .unwrap()
    }

    #[test]
    fn a_store_path_gives_name_version_and_hash() {
        assert_eq!(
            nix_purl(&path("jq-1.7.1-bin")),
            "pkg:nix/jq@1.7.1-bin?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
        assert_eq!(
            nix_purl(&path("source")),
            "pkg:nix/source?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
    }

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            nix_purl(&path("gtk+3-3.24.43")),
            "pkg:nix/gtk%2B3@3.24.43?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
        assert_eq!(encode("a?b=c d@e/f%"), "a%3Fb%3Dc%20d%40e%2Ff%25");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("1:2.3~rc_1"), "1:2.3~rc_1");
    }

    use proptest::prelude::*;

    fn decode(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        out
    }

    proptest! {
        /// Only unreserved characters and `:` stay; decoding gives the input back.
        #[test]
        fn encoding_round_trips(s in ".{0,16}") {
            let encoded = encode(&s);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:%".contains(&b)));
            prop_assert_eq!(decode(&encoded), s.as_bytes());
        }

        /// A purl of a store path reads back as its parseDrvName parts.
        #[test]
        fn purls_read_back(name in "[a-zA-Z0-9+_?=][a-zA-Z0-9+._?=-]{0,16}") {
            let path = StorePath::parse(&format!("/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-{name}")).unwrap();
            let purl = nix_purl(&path);
            let rest = purl.strip_prefix("pkg:nix/").unwrap();
            let (id, qualifiers) = rest.split_once('?').unwrap();
            prop_assert_eq!(qualifiers, "outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2");
            let parsed = parse_drv_name(path.name());
            let (n, v) = id.split_once('@').unwrap_or((id, ""));
            prop_assert_eq!(decode(n), parsed.name.as_bytes());
            prop_assert_eq!(decode(v), parsed.version.as_bytes());
        }
    }
}
