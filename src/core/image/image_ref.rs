//! Image references `<registry>/<namespace>/<name>:<tag>`, and the defaults
//! of the module this one replaces, in one place.

use std::fmt;

use eyre::bail;

use crate::core::container::names::ContainerName;
use crate::core::image::tag::Tag;
use crate::core::text::excerpt;

/// The registry images are pushed to unless `--registry` says otherwise.
pub const DEFAULT_REGISTRY: &str = "registry.ops.eblu.me";
/// The repository namespace under the registry.
pub const DEFAULT_NAMESPACE: &str = "blumeops";
/// The user CI authenticates as.
pub const DEFAULT_REGISTRY_USERNAME: &str = "zot-ci";

/// A registry host, with an optional port (`registry.ops.eblu.me`,
/// `127.0.0.1:5000`): no scheme, no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry(String);

impl Registry {
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        if let Some((scheme, _)) = raw.split_once("://") {
            bail!(
                "--registry `{}` has a scheme (`{}://`): pass the host only, e.g. \
                 --registry={}",
                excerpt(raw),
                excerpt(scheme),
                excerpt(raw.split_once("://").map(|(_, h)| h).unwrap_or_default())
            );
        }
        let (host, port) = match raw.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (raw, None),
        };
        // DNS names: labels of 1 to 63 characters, 253 in all.
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        // Digits only: `u16::from_str` would also take `+5000`.
        let port_ok = port.is_none_or(|p| {
            p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0)
        });
        if !host_ok || !port_ok {
            bail!(
                "--registry `{}` is not a registry host: pass a host name with an optional port, \
                 e.g. {DEFAULT_REGISTRY} or 127.0.0.1:5000.",
                excerpt(raw)
            );
        }
        Ok(Registry(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The repository namespace: one or more OCI path components joined by `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

impl Namespace {
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        if raw
            .split('/')
            .any(|part| ContainerName::parse(part).is_err())
        {
            bail!(
                "--namespace `{}` is not a repository namespace: one or more lowercase path \
                 components joined by `/`, e.g. {DEFAULT_NAMESPACE} or team/images.",
                excerpt(raw)
            );
        }
        Ok(Namespace(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where one container's images live: `<registry>/<namespace>/<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub registry: Registry,
    pub namespace: Namespace,
    pub name: ContainerName,
}

impl Repository {
    /// The repository's path on the registry (`blumeops/miniflux`), as the
    /// distribution API's `/v2/<path>/...` wants it.
    pub fn path(&self) -> String {
        format!("{}/{}", self.namespace.as_str(), self.name)
    }

    /// The reference of one tag.
    pub fn tagged(&self, tag: &Tag) -> String {
        format!("{self}:{tag}")
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry.as_str(), self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn repo(registry: &str, namespace: &str, name: &str) -> Repository {
        Repository {
            registry: Registry::parse(registry).unwrap(),
            namespace: Namespace::parse(namespace).unwrap(),
            name: ContainerName::parse(name).unwrap(),
        }
    }

    #[test]
    fn references_use_the_defaults() {
        let r = repo(DEFAULT_REGISTRY, DEFAULT_NAMESPACE, "miniflux");
        let tag = Tag::parse("v2.2.17-0123456").unwrap();
        assert_eq!(
            r.tagged(&tag),
            "registry.ops.eblu.me/blumeops/miniflux:v2.2.17-0123456"
        );
        assert_eq!(r.path(), "blumeops/miniflux");
        assert_eq!(
            repo("127.0.0.1:5000", "a/b", "x").to_string(),
            "127.0.0.1:5000/a/b/x"
        );
    }

    #[test]
    fn bad_registries_and_namespaces_are_rejected() {
        let err = Registry::parse("https://registry.ops.eblu.me")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--registry=registry.ops.eblu.me"), "{err}");
        for bad in [
            "",
            "a/b",
            "host:",
            "host:0",
            "host:99999",
            "-a.b",
            "a..b",
            "a b",
            // Found by tests/properties/fuzz.rs: `u16::from_str` takes a sign.
            "host:+5000",
        ] {
            assert!(Registry::parse(bad).is_err(), "{bad}");
        }
        // Found by tests/properties/fuzz.rs: names DNS cannot hold.
        let label = "a".repeat(63);
        assert!(Registry::parse(&format!("{label}.io")).is_ok());
        for bad in [
            format!("a{label}.io"),
            [label.as_str(); 5].join("."),
            "r".repeat(1 << 20),
        ] {
            assert!(Registry::parse(&bad).is_err(), "{}", bad.len());
        }
        for bad in ["", "/", "Blume", "a//b", "a/"] {
            assert!(Namespace::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = Registry::parse(&s);
            let _ = Namespace::parse(&s);
        }
    }
}
