//! The OCI grammars the client checks: repository paths (before a request
//! is built from one) and digests (in the `Docker-Content-Digest` header of
//! an answer). Pure functions, public so that `tests/properties/fuzz.rs` can drive
//! them against the spec's regular expressions.

use eyre::bail;

use crate::core::container::names::ContainerName;
use crate::core::text::excerpt;

/// Checks a repository path against the distribution spec's grammar: one
/// or more path components (the container-name rule, [`ContainerName`]),
/// separated by `/`, at most 255 characters.
pub fn check_repository(repository: &str) -> eyre::Result<()> {
    if repository.len() > 255
        || repository
            .split('/')
            .any(|component| ContainerName::parse(component).is_err())
    {
        bail!(
            "`{}` is not a repository path: lowercase components of letters and digits, \
             joined by `.`, `_` or `-`, separated by `/` (e.g. blumeops/nettest).",
            excerpt(repository)
        );
    }
    Ok(())
}

/// `algorithm:encoded`, as in `sha256:0123...`, by the OCI grammar:
/// `[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
pub fn is_digest(s: &str) -> bool {
    let Some((algorithm, encoded)) = s.split_once(':') else {
        return false;
    };
    !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|component| {
            !component.is_empty()
                && component
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn repositories_and_digests() {
        for ok in ["blumeops/nettest", "a", "a/b/c", "a.b_c__d-e--f/x0"] {
            assert!(check_repository(ok).is_ok(), "{ok}");
        }
        // At most 255 characters.
        let longest = format!("{}/{}", "a".repeat(127), "b".repeat(127));
        assert_eq!(longest.len(), 255);
        assert!(check_repository(&longest).is_ok());
        assert!(check_repository(&format!("{longest}c")).is_err());
        for bad in [
            "", "A/b", "a//b", "/a", "a/", "a/../b", "a?b", "-a", "a_", "a/b c",
            // Found by tests/properties/fuzz.rs: mixed separators.
            "a-_b", "a_-b", "a.-b", "a-.b",
        ] {
            assert!(check_repository(bad).is_err(), "{bad}");
        }
        assert!(is_digest(
            "sha256:f05b15813ec77288b7f0821ec179cd95003c4293818904f23a12d2b842070239"
        ));
        assert!(is_digest("sha512+b64u.x_y-z:ab=_-"));
        // Found by tests/properties/fuzz.rs: the algorithm's separators go between
        // components.
        for bad in [
            "",
            "sha256:",
            ":abc",
            "sha256",
            "sha256:a b",
            "SHA256:ab",
            "-:-",
            "sha256-:ab",
            "+sha:ab",
            "a..b:ab",
        ] {
            assert!(!is_digest(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn never_panic(s in ".*") {
            let _ = check_repository(&s);
            let _ = is_digest(&s);
        }
    }
}
