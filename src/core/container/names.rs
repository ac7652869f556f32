//! Container names: one folder under `containers/`, and one path component
//! of an OCI repository name (`<registry>/<namespace>/<name>`).

use std::fmt;

use eyre::bail;

use crate::core::text::excerpt;

/// The rule, as shown to the person whose name broke it.
pub const NAME_RULE: &str = "a container name is one folder under containers/ and one OCI \
     repository path component: lowercase letters and digits, with single `.`, `_`, `__` or \
     runs of `-` between them (e.g. `nettest`, `kube-state-metrics`, `node_exporter`)";

/// The longest container name: the longest folder name most file systems
/// hold (`NAME_MAX`).
pub const MAX_NAME_LEN: usize = 255;

/// A valid container name. The only way to get one is [`ContainerName::parse`],
/// so every path and image reference built from it is safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContainerName(String);

impl ContainerName {
    /// Checks `raw` against the OCI path-component grammar
    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        if raw.is_empty() {
            bail!(
                "the container name is empty.\nPass --container-name=<folder under containers/>; {NAME_RULE}."
            );
        }
        if raw.len() > MAX_NAME_LEN {
            bail!(
                "`{}` is not a valid container name: it is {} characters long, and a folder \
                 name holds at most {MAX_NAME_LEN}.",
                excerpt(raw),
                raw.len()
            );
        }
        if !is_path_component(raw) {
            bail!(
                "`{}` is not a valid container name: {NAME_RULE}.",
                excerpt(raw)
            );
        }
        Ok(ContainerName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContainerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OCI distribution spec's path component, checked by hand: it is
/// short, and a hand-written scan cannot be slow on long input.
fn is_path_component(s: &str) -> bool {
    let bytes = s.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        // One run of [a-z0-9]+.
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == bytes.len() {
            return true;
        }
        // One separator: `.`, `_`, `__` or `-+`.
        match bytes[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if bytes.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_real_names() {
        for ok in [
            "nettest",
            "miniflux",
            "kube-state-metrics",
            "node_exporter",
            "a",
            "a__b",
            "a--b",
            "v2.ui",
            "0x",
        ] {
            assert_eq!(ContainerName::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_what_oci_or_a_path_forbids() {
        for bad in [
            "", ".", "..", "/", "a/b", "../etc", "Nettest", "net test", "-a", "a-", "a_", "a___b",
            "a..b", "a._b", "é", "a\n", "*",
        ] {
            let err = ContainerName::parse(bad).unwrap_err().to_string();
            assert!(err.contains("container name"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_name_longer_than_a_folder_name_is_refused_briefly() {
        assert!(ContainerName::parse(&"a".repeat(MAX_NAME_LEN)).is_ok());
        // Found by tests/engine/bad_input.rs: a 1 MiB name was valid, and every
        // message that names the container repeated it whole.
        let err = ContainerName::parse(&"a".repeat(1 << 20))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1048576 characters long") && err.len() < 300,
            "{err}"
        );
    }

    #[test]
    fn the_error_shows_the_rule_and_the_input() {
        let err = ContainerName::parse("Miniflux").unwrap_err().to_string();
        assert!(
            err.contains("`Miniflux`") && err.contains("lowercase"),
            "{err}"
        );
    }

    fn oci_component() -> regex::Regex {
        regex::Regex::new(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$").unwrap()
    }

    proptest! {
        #[test]
        fn agrees_with_the_spec_regex(s in "[a-z0-9._/A-Z-]{0,12}") {
            prop_assert_eq!(ContainerName::parse(&s).is_ok(), oci_component().is_match(&s));
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = ContainerName::parse(&s);
        }
    }
}
