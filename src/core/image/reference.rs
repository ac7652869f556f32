//! `verify --image`: a full image reference, `<registry>/<repository>:<tag>`
//! or `<registry>/<repository>@sha256:<hex>`, read into its parts.

use eyre::bail;

use super::image_ref::Registry;
use super::tag::Tag;
use crate::core::text::excerpt;

/// An image in a registry, by tag or by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    pub registry: Registry,
    /// The repository path (`blumeops/nettest`).
    pub repository: String,
    /// The tag, or the digest (`sha256:<hex>`).
    pub reference: String,
}

/// Reads `raw` (the argument `arg`, for messages).
pub fn parse(arg: &str, raw: &str) -> eyre::Result<ImageReference> {
    let example = "registry.ops.eblu.me/blumeops/nettest:v0.1.0-0123456 (or @sha256:<digest>)";
    let shown = excerpt(raw);
    let (name, reference) = if let Some((name, digest)) = raw.split_once('@') {
        let hex = digest.strip_prefix("sha256:").unwrap_or_default();
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            bail!(
                "{arg} `{shown}`: `{}` is not a sha256 digest (sha256:<64 hex>).",
                excerpt(digest)
            );
        }
        (name, digest.to_owned())
    } else {
        match raw.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Tag::parse(tag)?.as_str().to_owned()),
            _ => bail!(
                "{arg} `{shown}` names no tag or digest: say which image to check, e.g. {example}."
            ),
        }
    };
    let Some((host, repository)) = name.split_once('/') else {
        bail!("{arg} `{shown}` names no registry: give the full reference, e.g. {example}.");
    };
    if !(host.contains('.') || host.contains(':') || host == "localhost") {
        bail!(
            "{arg} `{shown}` names no registry (`{}` is not a host): give the full reference, \
             e.g. {example}.",
            excerpt(host)
        );
    }
    let repository_ok = repository.split('/').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
            && part.as_bytes()[0].is_ascii_alphanumeric()
    });
    if !repository_ok || repository.len() > 255 {
        bail!(
            "{arg} `{shown}`: `{}` is not a repository name (lowercase letters, digits, `.`, \
             `_`, `-`, in parts separated by `/`).",
            excerpt(repository)
        );
    }
    Ok(ImageReference {
        registry: Registry::parse(host)?,
        repository: repository.to_owned(),
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:393d08d9fb2254847c0fecba71d3b3198b477a9a897b08eab941fc16f5f025ee";

    #[test]
    fn a_tag_or_a_digest_with_the_registry_and_its_port() {
        let r = parse("--image", "127.0.0.1:5000/blumeops/nettest:v0.1.0-0123456").unwrap();
        assert_eq!(r.registry.as_str(), "127.0.0.1:5000");
        assert_eq!(r.repository, "blumeops/nettest");
        assert_eq!(r.reference, "v0.1.0-0123456");
        let r = parse(
            "--image",
            &format!("registry.ops.eblu.me/blumeops/nettest@{DIGEST}"),
        )
        .unwrap();
        assert_eq!(r.registry.as_str(), "registry.ops.eblu.me");
        assert_eq!(r.reference, DIGEST);
        // A host is a name with a dot, a port, or localhost.
        for host in ["zot:5000", "localhost", "localhost:5000"] {
            let r = parse("--image", &format!("{host}/blumeops/nettest:v1")).unwrap();
            assert_eq!(r.registry.as_str(), host);
        }
        // A repository of up to 255 characters.
        let longest = format!("{}/{}", "a".repeat(127), "b".repeat(127));
        let r = parse("--image", &format!("r.example/{longest}:v1")).unwrap();
        assert_eq!(r.repository, longest);
        assert!(parse("--image", &format!("r.example/{longest}c:v1")).is_err());
    }

    #[test]
    fn what_is_missing_is_named() {
        let err = |raw: &str| parse("--image", raw).unwrap_err().to_string();
        assert!(err("registry.ops.eblu.me/blumeops/nettest").contains("names no tag or digest"));
        assert!(err("127.0.0.1:5000/nettest").contains("names no tag or digest"));
        assert!(err("blumeops/nettest:v1").contains("`blumeops` is not a host"));
        assert!(err("nettest:v1").contains("names no registry"));
        assert!(err("r.example/Blume/nettest:v1").contains("is not a repository name"));
        assert!(err("r.example/blumeops/nettest@sha256:abc").contains("is not a sha256 digest"));
        assert!(err("r.example/blumeops/nettest:-x").contains("is not a valid image tag"));
    }
}
