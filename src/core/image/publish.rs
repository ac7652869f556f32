//! What `publish` and `publish-nix` do with the tags, decided without an
//! engine: whether to push at all, and the text they return.
//!
//! The immutable commit tag is the one that matters: when the registry
//! already has it, a re-run of CI for the same commit pushes nothing and
//! says so, unless `--overwrite` asks for a new push.

use crate::core::image::image_ref::Repository;
use crate::core::image::tag::Tag;

/// Whether to push, given what the registry has under the immutable tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The tag is new: push every tag.
    Push,
    /// The tag exists (with this digest): push nothing.
    AlreadyPublished { digest: String },
    /// The tag exists, and `--overwrite` was given: push every tag.
    Overwrite { previous: String },
}

/// Decides from the registry's answer for the immutable tag.
pub fn decide(existing: Option<String>, overwrite: bool) -> Decision {
    match existing {
        None => Decision::Push,
        Some(digest) if overwrite => Decision::Overwrite { previous: digest },
        Some(digest) => Decision::AlreadyPublished { digest },
    }
}

/// The output when nothing was pushed because the immutable tag exists.
pub fn already_published(repository: &Repository, tag: &Tag, digest: &str) -> String {
    format!(
        "{}@{digest}\nalready published: {} exists, nothing was pushed (pass --overwrite to \
         push it again)",
        repository.tagged(tag),
        repository.tagged(tag)
    )
}

/// The output of `--dry-run`: the references a real run would push.
pub fn dry_run(repository: &Repository, tags: &[Tag]) -> String {
    let mut out: Vec<String> = tags.iter().map(|t| repository.tagged(t)).collect();
    out.push("dry run: nothing was built or pushed".to_owned());
    out.join("\n")
}

/// The error when a push fails after others succeeded: it names what is
/// already on the registry, so nothing published goes unreported.
pub fn partial_failure(pushed: &[String], failed: &str, why: &str) -> String {
    let mut message = format!("pushing {failed} failed: {why}");
    if !pushed.is_empty() {
        message.push_str("\nAlready pushed before the failure:\n");
        message.push_str(&pushed.join("\n"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::container::names::ContainerName;
    use crate::core::image::image_ref::{Namespace, Registry};

    fn repo() -> Repository {
        Repository {
            registry: Registry::parse("registry.ops.eblu.me").unwrap(),
            namespace: Namespace::parse("blumeops").unwrap(),
            name: ContainerName::parse("miniflux").unwrap(),
        }
    }

    #[test]
    fn an_existing_tag_is_not_pushed_again_unless_asked() {
        assert_eq!(decide(None, false), Decision::Push);
        assert_eq!(decide(None, true), Decision::Push);
        assert_eq!(
            decide(Some("sha256:ab".into()), false),
            Decision::AlreadyPublished {
                digest: "sha256:ab".into()
            }
        );
        assert_eq!(
            decide(Some("sha256:ab".into()), true),
            Decision::Overwrite {
                previous: "sha256:ab".into()
            }
        );
    }

    #[test]
    fn outputs_name_the_references() {
        let tag = Tag::parse("v2.2.17-0123456").unwrap();
        let text = already_published(&repo(), &tag, "sha256:ab");
        assert!(text.starts_with(
            "registry.ops.eblu.me/blumeops/miniflux:v2.2.17-0123456@sha256:ab\nalready published"
        ));
        let latest = Tag::parse("latest").unwrap();
        assert_eq!(
            dry_run(&repo(), &[tag, latest]),
            "registry.ops.eblu.me/blumeops/miniflux:v2.2.17-0123456\n\
             registry.ops.eblu.me/blumeops/miniflux:latest\n\
             dry run: nothing was built or pushed"
        );
        let err = partial_failure(&["a@sha256:1".into()], "b:latest", "denied");
        assert_eq!(
            err,
            "pushing b:latest failed: denied\nAlready pushed before the failure:\na@sha256:1"
        );
    }
}
