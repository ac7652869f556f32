//! Image tags: the one rule for what `publish` pushes.
//!
//! - Commit tags, pushed on every merge: `v<version>-<sha7>` for the
//!   Dockerfile image, `v<version>-<sha7>-nix` for the Nix image.
//! - Legacy release tags, from a git tag `NAME-vX.Y.Z`: `vX.Y.Z` and
//!   `vX.Y.Z-nix`, with the strict `^v\d+\.\d+\.\d+$` check of the module
//!   this one replaces.
//!
//! A `v` is added only when the version lacks one (`2.2.17` → `v2.2.17`,
//! `v0.60.3` stays). A version that cannot make a valid OCI tag is an
//! error, never a mangled tag.

use std::fmt;

use eyre::bail;

use crate::core::container::kind::BuildKind;
use crate::core::image::tag::{MAX_TAG_LEN, Tag};
use crate::core::text::excerpt;
use crate::core::version::normalize::normalize_version;

/// The length of the short SHA in a commit tag.
pub const SHORT_SHA_LEN: usize = 7;

/// The suffix that marks the Nix image's tags.
pub const NIX_SUFFIX: &str = "-nix";

/// A commit, given as 7 to 40 hex digits (lowercased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSha(String);

impl CommitSha {
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        let hex = raw.len() >= SHORT_SHA_LEN
            && raw.len() <= 40
            && raw.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex {
            bail!(
                "`{}` is not a commit SHA: --commit-sha takes 7 to 40 hex digits, such as the \
                 output of `git rev-parse HEAD`. Resolve a branch or tag name to its commit first.",
                excerpt(raw)
            );
        }
        Ok(CommitSha(raw.to_ascii_lowercase()))
    }

    /// The commit as given (lowercased).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 7 hex digits, as they appear in a tag.
    pub fn short(&self) -> &str {
        &self.0[..SHORT_SHA_LEN]
    }

    /// The full 40-digit SHA, when that is what was given.
    pub fn full(&self) -> Option<&str> {
        (self.0.len() == 40).then_some(self.0.as_str())
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The immutable tag of one commit's image: `v<version>-<sha7>`, plus
/// `-nix` for the Nix image.
pub fn commit_tag(
    version: &str,
    source: &str,
    commit: &CommitSha,
    variant: BuildKind,
) -> eyre::Result<Tag> {
    let version = normalize_version(version, source)?;
    with_suffix(format!("{version}-{}", commit.short()), variant, source)
}

/// Every tag `publish` pushes, in push order: the immutable commit tag,
/// then the moving `extra` tags (e.g. `latest`), each checked, duplicates
/// dropped.
pub fn publish_tags(
    version: &str,
    source: &str,
    commit: &CommitSha,
    variant: BuildKind,
    extra: &[String],
) -> eyre::Result<Vec<Tag>> {
    let immutable = commit_tag(version, source, commit, variant)?;
    Ok(with_moving_tags(immutable, &moving_tags(extra)?))
}

/// The moving `--tags`, each checked.
pub fn moving_tags(extra: &[String]) -> eyre::Result<Vec<Tag>> {
    extra
        .iter()
        .map(|raw| Tag::parse(raw).map_err(|e| eyre::eyre!("--tags: {e}")))
        .collect()
}

/// Every tag to push, in push order: `immutable`, then the moving tags,
/// duplicates dropped.
pub fn with_moving_tags(immutable: Tag, moving: &[Tag]) -> Vec<Tag> {
    let mut tags = vec![immutable];
    for tag in moving {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    tags
}

/// The legacy release tag `vX.Y.Z` (`vX.Y.Z-nix`), from the version of a
/// release git tag `NAME-vX.Y.Z`. Only a strict `vX.Y.Z` is accepted.
pub fn legacy_tag(release: &str, variant: BuildKind) -> eyre::Result<Tag> {
    if !is_strict_release(release) {
        bail!(
            "`{}` is not a release version: the release scheme (git tag NAME-vX.Y.Z) needs \
             exactly v<major>.<minor>.<patch>, e.g. v1.4.0.",
            excerpt(release)
        );
    }
    with_suffix(release.to_owned(), variant, "the release tag")
}

fn with_suffix(mut tag: String, variant: BuildKind, source: &str) -> eyre::Result<Tag> {
    if variant == BuildKind::Nix {
        tag.push_str(NIX_SUFFIX);
    }
    if tag.len() > MAX_TAG_LEN {
        bail!(
            "the tag made from the version in {source} would be {} characters long; an image \
             tag holds at most {MAX_TAG_LEN}. Shorten the version.",
            tag.len()
        );
    }
    Tag::parse(&tag)
}

/// `^v\d+\.\d+\.\d+$`.
fn is_strict_release(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn sha() -> CommitSha {
        CommitSha::parse(SHA).unwrap()
    }

    fn tag(version: &str, variant: BuildKind) -> String {
        commit_tag(version, "test", &sha(), variant)
            .unwrap()
            .to_string()
    }

    #[test]
    fn commit_tags_of_the_example_versions() {
        assert_eq!(tag("2.2.17", BuildKind::Dockerfile), "v2.2.17-0123456");
        assert_eq!(tag("v0.60.3", BuildKind::Dockerfile), "v0.60.3-0123456");
        assert_eq!(tag("4.1.1-r1", BuildKind::Dockerfile), "v4.1.1-r1-0123456");
        assert_eq!(tag("2.2.17", BuildKind::Nix), "v2.2.17-0123456-nix");
        assert_eq!(tag("v0.60.3", BuildKind::Nix), "v0.60.3-0123456-nix");
    }

    #[test]
    fn a_commit_tag_may_be_exactly_128_characters() {
        // v + version + -0123456 (8) [+ -nix (4)]: 128 is the OCI limit.
        let fits = commit_tag(&"1".repeat(119), "x", &sha(), BuildKind::Dockerfile).unwrap();
        assert_eq!(fits.as_str().len(), 128);
        let fits_nix = commit_tag(&"1".repeat(115), "x", &sha(), BuildKind::Nix).unwrap();
        assert_eq!(fits_nix.as_str().len(), 128);
        for (version, variant) in [(120, BuildKind::Dockerfile), (116, BuildKind::Nix)] {
            let err = commit_tag(&"1".repeat(version), "x", &sha(), variant).unwrap_err();
            assert!(
                err.to_string().contains("would be 129 characters long"),
                "{err}"
            );
        }
    }

    #[test]
    fn commit_sha_accepts_7_to_40_hex_and_lowercases() {
        assert_eq!(CommitSha::parse("ABCDEF1").unwrap().short(), "abcdef1");
        assert_eq!(CommitSha::parse("ABCDEF12").unwrap().as_str(), "abcdef12");
        assert_eq!(
            CommitSha::parse("ABCDEF12").unwrap().to_string(),
            "abcdef12"
        );
        assert_eq!(CommitSha::parse(SHA).unwrap().full(), Some(SHA));
        assert_eq!(CommitSha::parse("abcdef12").unwrap().full(), None);
        for bad in [
            "",
            "abc",
            "main",
            "refs/heads/main",
            "0123456g",
            &format!("{SHA}0"),
            " 0123456",
        ] {
            let err = CommitSha::parse(bad).unwrap_err().to_string();
            assert!(err.contains("--commit-sha"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_version_that_makes_no_tag_is_an_error() {
        for bad in ["", "v", "1.0 beta", "1.0/2", "1.0+build", "ü", "1.0\n"] {
            assert!(
                normalize_version(bad, "containers/x/Dockerfile").is_err(),
                "{bad:?}"
            );
        }
        let err = normalize_version("1.0+build", "containers/x/Dockerfile")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("containers/x/Dockerfile") && err.contains("`+`"),
            "{err}"
        );
        let long = "1".repeat(125);
        assert!(commit_tag(&long, "x", &sha(), BuildKind::Dockerfile).is_err());
    }

    #[test]
    fn publish_pushes_the_commit_tag_first_then_the_moving_tags() {
        let extra = [
            "latest".to_owned(),
            "stable".to_owned(),
            "latest".to_owned(),
        ];
        let tags = publish_tags("2.2.17", "x", &sha(), BuildKind::Dockerfile, &extra).unwrap();
        let tags: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(tags, ["v2.2.17-0123456", "latest", "stable"]);
        let err = publish_tags("1", "x", &sha(), BuildKind::Nix, &["a:b".into()]).unwrap_err();
        assert!(err.to_string().starts_with("--tags: `a:b`"), "{err}");
    }

    #[test]
    fn legacy_tags_are_strict() {
        assert_eq!(
            legacy_tag("v1.2.3", BuildKind::Dockerfile)
                .unwrap()
                .as_str(),
            "v1.2.3"
        );
        assert_eq!(
            legacy_tag("v1.2.3", BuildKind::Nix).unwrap().as_str(),
            "v1.2.3-nix"
        );
        for bad in [
            "1.2.3",
            "v1.2",
            "v1.2.3-r1",
            "v1.2.3.4",
            "v1..3",
            "va.b.c",
            "v1.2.3 ",
        ] {
            assert!(legacy_tag(bad, BuildKind::Dockerfile).is_err(), "{bad}");
        }
    }

    #[test]
    fn extra_tags_follow_the_oci_grammar() {
        for ok in ["latest", "_x", "v1.2.3-nix", &"a".repeat(128)] {
            assert!(Tag::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".x", "-x", "a:b", "a/b", &"a".repeat(129)] {
            assert!(Tag::parse(bad).is_err(), "{bad}");
        }
    }

    fn oci_tag() -> regex::Regex {
        regex::Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").unwrap()
    }

    proptest! {
        #[test]
        fn tag_parse_agrees_with_the_spec_regex(s in "[a-zA-Z0-9_.:/+ -]{0,130}") {
            prop_assert_eq!(Tag::parse(&s).is_ok(), oci_tag().is_match(&s));
        }

        #[test]
        fn every_commit_tag_is_valid_and_ends_in_the_short_sha(
            version in "[a-zA-Z0-9_.-]{1,40}", nix in any::<bool>()
        ) {
            let variant = if nix { BuildKind::Nix } else { BuildKind::Dockerfile };
            let made = commit_tag(&version, "x", &sha(), variant);
            // Every such version makes a tag (at most 53 characters), but a
            // bare `v`, which is no version.
            if version == "v" {
                prop_assert!(made.is_err());
            } else {
                let t = made.map_err(|e| TestCaseError::fail(format!("{version:?}: {e}")))?;
                prop_assert!(oci_tag().is_match(t.as_str()));
                // The module's doc: `v` added only when the version lacks one.
                let v = if version.starts_with('v') { String::new() } else { "v".to_owned() };
                let end = if nix { "-0123456-nix" } else { "-0123456" };
                prop_assert_eq!(t.as_str(), format!("{v}{version}{end}"));
            }
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = CommitSha::parse(&s);
            let _ = normalize_version(&s, "x");
            let _ = legacy_tag(&s, BuildKind::Nix);
        }
    }
}
