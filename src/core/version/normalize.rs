//! How versions compare and what counts as one: `2.2.17` and `v2.2.17`
//! are one version, an image tag may stand for a version (not `latest`, not
//! a content hash), and a version becomes part of a tag with one leading
//! `v`. A leaf: every other file of the version rule, and the tags, use it.

use eyre::bail;

use crate::core::image::tag::tag_problem;
use crate::core::text::excerpt;

/// `version` without one leading `v`: how versions are compared
/// everywhere (`2.2.17` and `v2.2.17` are one version).
pub fn bare(version: &str) -> &str {
    version.strip_prefix('v').unwrap_or(version)
}

/// Whether two versions are the same after removing one leading `v`.
pub fn same(a: &str, b: &str) -> bool {
    bare(a) == bare(b)
}

/// Nix's base-32 alphabet, the characters of a store path's hash.
const NIX_BASE32: &str = "0123456789abcdfghijklmnpqrsvwxyz";

/// Whether `tag` is the tag the image builders give an image without a
/// `tag`: the hash part of a store path (32 characters of Nix's base-32),
/// which changes with the content and is no version.
pub fn is_content_hash(tag: &str) -> bool {
    tag.len() == 32 && tag.chars().all(|c| NIX_BASE32.contains(c))
}

/// The version an image's tag stands for: the tag, unless it is a content
/// hash ([`is_content_hash`]) or `latest`.
pub fn tag_version(tag: &str) -> Option<&str> {
    (!tag.is_empty() && tag != "latest" && !is_content_hash(tag)).then_some(tag)
}

/// `version` with a leading `v`, added only when it lacks one. Rejects a
/// version that could not be part of a tag, naming `source` (where the
/// version came from) in the error.
pub fn normalize_version(version: &str, source: &str) -> eyre::Result<String> {
    let normalized = if version.starts_with('v') {
        version.to_owned()
    } else {
        format!("v{version}")
    };
    if version.is_empty() || version == "v" {
        bail!("the version from {source} is empty: set it to the app's version, e.g. 1.2.3.");
    }
    if let Some(why) = tag_problem(&normalized) {
        bail!(
            "the version `{}` from {source} cannot be part of an image tag: {why}. Use \
             letters, digits, `.`, `_` and `-` only (e.g. 1.2.3 or 4.1.1-r1).",
            excerpt(version)
        );
    }
    Ok(normalized)
}
