//! Ordering tags the way a person expects: `v9` before `v10`, semver where
//! the version parses as semver, a natural order (numbers compared as
//! numbers) where it does not, and a commit found only where the tag rule
//! puts it, in the final `-<hex7>` position.

use std::cmp::Ordering;

use crate::core::image::tags::{NIX_SUFFIX, SHORT_SHA_LEN};

/// A version tag taken apart: `v<version>[-<sha7>][-nix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTag<'a> {
    /// The whole tag.
    pub tag: &'a str,
    /// The version, with its `v` (`v2.2.17`).
    pub version: &'a str,
    /// The short commit, when the tag is a commit tag.
    pub commit: Option<&'a str>,
    /// Whether this is the Nix image's tag.
    pub nix: bool,
}

/// Takes a version tag apart; `None` for tags that are not version tags
/// (`latest`, `main`, ...): a version tag starts with `v` and a digit.
pub fn parse_tag(tag: &str) -> Option<ParsedTag<'_>> {
    let mut rest = tag;
    if !rest.starts_with('v') || !rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let nix = match rest.strip_suffix(NIX_SUFFIX) {
        Some(stripped) => {
            rest = stripped;
            true
        }
        None => false,
    };
    let mut commit = None;
    if let Some((version, last)) = rest.rsplit_once('-') {
        let is_sha = last.len() == SHORT_SHA_LEN
            && last
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        // `version` keeps at least the `v` and the digit the tag starts with.
        if is_sha {
            commit = Some(last);
            rest = version;
        }
    }
    Some(ParsedTag {
        tag,
        version: rest,
        commit,
        nix,
    })
}

/// Compares two versions (with or without their `v`), oldest first. A total
/// order: two versions compare equal only when they are the same text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    VersionKey::new(a).cmp(&VersionKey::new(b))
}

/// Sorts version tags newest first; among tags of one version, the
/// Dockerfile image's before the Nix image's, then by text. Tags that are
/// not version tags are dropped.
pub fn sort_newest_first<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<ParsedTag<'a>> {
    let mut parsed: Vec<(VersionKey, ParsedTag<'a>)> = tags
        .into_iter()
        .filter_map(parse_tag)
        .map(|p| (VersionKey::new(p.version), p))
        .collect();
    parsed.sort_by(|(ka, a), (kb, b)| {
        kb.cmp(ka)
            .then(a.nix.cmp(&b.nix))
            .then_with(|| a.tag.cmp(b.tag))
    });
    parsed.into_iter().map(|(_, p)| p).collect()
}

/// The sort key of a version. Comparing keys (rather than mixing two
/// comparisons) keeps the order total, which `sort` requires.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct VersionKey {
    /// `major.minor.patch` for semver, else the whole version, in chunks.
    release: Vec<Chunk>,
    /// Semver's rule: a pre-release sorts before its release.
    pre: Pre,
    /// The text itself, as the last tie-break.
    text: String,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    /// `1.0.0-rc.1`: its chunks, compared naturally.
    Some(Vec<Chunk>),
    /// No pre-release part (sorts after any pre-release).
    None,
}

/// A run of digits or a run of anything else.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chunk {
    /// Compared by value: leading zeros stripped, then length, then digits.
    Number {
        len: usize,
        digits: String,
    },
    Text(String),
}

impl VersionKey {
    fn new(version: &str) -> Self {
        let bare = version.strip_prefix('v').unwrap_or(version);
        let (release, pre) = match semver::Version::parse(bare) {
            Ok(v) => {
                let release = chunks(&format!("{}.{}.{}", v.major, v.minor, v.patch));
                let pre = if v.pre.is_empty() {
                    Pre::None
                } else {
                    Pre::Some(chunks(v.pre.as_str()))
                };
                (release, pre)
            }
            Err(_) => (chunks(bare), Pre::None),
        };
        VersionKey {
            release,
            pre,
            text: version.to_owned(),
        }
    }
}

fn chunks(s: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(first) = rest.chars().next() {
        let digit = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        out.push(if digit {
            let digits = run.trim_start_matches('0').to_owned();
            Chunk::Number {
                len: digits.len(),
                digits,
            }
        } else {
            Chunk::Text(run.to_owned())
        });
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn newest_first(tags: &[&str]) -> Vec<String> {
        sort_newest_first(tags.iter().copied())
            .into_iter()
            .map(|p| p.tag.to_owned())
            .collect()
    }

    #[test]
    fn v10_is_newer_than_v9() {
        assert_eq!(
            newest_first(&["v9.0.0-aaaaaaa", "v10.0.0-bbbbbbb", "v1.10.0", "v1.9.0"]),
            ["v10.0.0-bbbbbbb", "v9.0.0-aaaaaaa", "v1.10.0", "v1.9.0"]
        );
    }

    #[test]
    fn semver_prereleases_sort_before_the_release() {
        assert_eq!(compare_versions("v1.0.0-rc.1", "v1.0.0"), Ordering::Less);
        assert_eq!(
            compare_versions("1.0.0-rc.2", "1.0.0-rc.10"),
            Ordering::Less
        );
        assert_eq!(compare_versions("4.1.1-r2", "4.1.1-r10"), Ordering::Less);
    }

    #[test]
    fn non_semver_versions_sort_naturally() {
        assert_eq!(compare_versions("v1.2", "v1.10"), Ordering::Less);
        assert_eq!(compare_versions("2024.01.15", "2024.1.16"), Ordering::Less);
        assert_eq!(compare_versions("1.29.3", "1.29.3.1"), Ordering::Less);
        assert_eq!(compare_versions("v0.60.3", "0.60.3"), Ordering::Greater);
    }

    #[test]
    fn the_commit_is_only_the_final_hex7() {
        let p = parse_tag("v2.2.17-0123abc-nix").unwrap();
        assert_eq!(
            (p.version, p.commit, p.nix),
            ("v2.2.17", Some("0123abc"), true)
        );
        let p = parse_tag("v4.1.1-r1-deadbee").unwrap();
        assert_eq!((p.version, p.commit), ("v4.1.1-r1", Some("deadbee")));
        // Date-like versions: no part is a 7-digit hex run at the end.
        let p = parse_tag("v2025.11.24").unwrap();
        assert_eq!((p.version, p.commit), ("v2025.11.24", None));
        let p = parse_tag("v20251124-1200").unwrap();
        assert_eq!(p.commit, None);
        // Upper-case hex is not a tag this module writes.
        assert_eq!(parse_tag("v1.0.0-DEADBEE").unwrap().commit, None);
        // A legacy release tag.
        let p = parse_tag("v1.2.3-nix").unwrap();
        assert_eq!((p.version, p.commit, p.nix), ("v1.2.3", None, true));
    }

    #[test]
    fn non_version_tags_are_dropped() {
        assert_eq!(
            newest_first(&["latest", "main", "v", "vnext", "v1"]),
            ["v1"]
        );
    }

    #[test]
    fn dockerfile_tag_before_nix_tag_of_the_same_version() {
        assert_eq!(
            newest_first(&["v1.0.0-abcdef0-nix", "v1.0.0-abcdef0"]),
            ["v1.0.0-abcdef0", "v1.0.0-abcdef0-nix"]
        );
    }

    proptest! {
        #[test]
        fn the_order_is_total(a in "v?[0-9a-z.-]{0,12}", b in "v?[0-9a-z.-]{0,12}", c in "v?[0-9a-z.-]{0,12}") {
            let ab = compare_versions(&a, &b);
            prop_assert_eq!(ab, compare_versions(&b, &a).reverse());
            prop_assert_eq!(ab == Ordering::Equal, a == b);
            if ab != Ordering::Greater && compare_versions(&b, &c) != Ordering::Greater {
                prop_assert_ne!(compare_versions(&a, &c), Ordering::Greater);
            }
        }

        #[test]
        fn semver_agrees_on_releases(a in (0u64..50, 0u64..50, 0u64..50), b in (0u64..50, 0u64..50, 0u64..50)) {
            let (va, vb) = (format!("{}.{}.{}", a.0, a.1, a.2), format!("{}.{}.{}", b.0, b.1, b.2));
            prop_assert_eq!(compare_versions(&va, &vb), a.cmp(&b));
        }

        #[test]
        fn sorting_never_panics(tags in proptest::collection::vec(".{0,20}", 0..30)) {
            let _ = sort_newest_first(tags.iter().map(String::as_str));
        }
    }
}
