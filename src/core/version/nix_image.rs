//! The one rule for the version of a container's Nix image, used by
//! `version`, `tags`, `publish-nix` and `check-versions` alike:
//!
//! 1. the `version = "...";` that its `default.nix` declares;
//! 2. else the tag `default.nix` gives the image (`tag = "...";`), unless
//!    that is no version (`latest`; without a `tag` the builders use a
//!    content hash, no version either);
//! 3. else the version its Dockerfile declares (`ARG CONTAINER_APP_VERSION=...`);
//! 4. else the version nixpkgs has for its package: the attribute a
//!    [`PackageMap`] gives it, by default the container's own name.
//!
//! Steps 1 to 3 read the repository; they are `STEPS`, tried in order. A
//! new step that reads the repository is one function, one
//! [`DeclaredIn`] and one entry of `STEPS`. Step 4 needs nixpkgs, which
//! the caller evaluates ([`NixVersion::NeedsNixpkgs`]).

use std::collections::BTreeMap;

use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::mapping;
use crate::core::container::names::ContainerName;
use crate::core::nix::nixpkgs::AttrPath;
use crate::core::version::dockerfile;
use crate::core::version::nix_expr;

/// The build files of the container whose Nix image is versioned.
#[derive(Debug, Clone, Copy)]
pub struct NixImage<'a> {
    pub name: &'a ContainerName,
    /// The text of its `default.nix`.
    pub nix: &'a str,
    /// The text of its Dockerfile, when it has one.
    pub dockerfile: Option<&'a str>,
}

/// Where a version written in the repository was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeclaredIn {
    /// The `version = "...";` binding of the container's `default.nix`.
    DefaultNix,
    /// The `tag = "...";` the container's `default.nix` gives its image.
    ImageTag,
    /// The `ARG CONTAINER_APP_VERSION=...` of the container's Dockerfile.
    Dockerfile,
}

impl DeclaredIn {
    /// The file the version was read from (`containers/<name>/default.nix`).
    pub fn file(self, name: &ContainerName) -> String {
        match self {
            DeclaredIn::DefaultNix | DeclaredIn::ImageTag => build_file_path(name, BuildKind::Nix),
            DeclaredIn::Dockerfile => build_file_path(name, BuildKind::Dockerfile),
        }
    }
}

/// The version of a container's Nix image, or what is still needed to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NixVersion {
    /// Written in the repository.
    Literal {
        /// The version as written (no `v` added).
        version: String,
        /// Where it was read.
        from: DeclaredIn,
    },
    /// Nothing in the repository says: the version is nixpkgs'
    /// `<attr>.version`.
    NeedsNixpkgs {
        /// The nixpkgs attribute of the container's package.
        attr: String,
    },
}

/// One step of the rule: the version it finds, `None` to pass to the next.
type Step = fn(&NixImage<'_>) -> eyre::Result<Option<String>>;

/// The steps that read the repository, in order.
const STEPS: &[(DeclaredIn, Step)] = &[
    (DeclaredIn::DefaultNix, declared_in_default_nix),
    (DeclaredIn::ImageTag, image_tag_in_default_nix),
    (DeclaredIn::Dockerfile, declared_in_dockerfile),
];

/// The version of `image`: the first step that finds one, else the version
/// of the package `packages` gives the container, which nixpkgs knows.
///
/// A Dockerfile that declares no version passes to the next step; one whose
/// version is broken (variable substitution, an unclosed quote, a file
/// Docker cannot parse) is an error, as it is for the Dockerfile build.
pub fn resolve(image: &NixImage<'_>, packages: &PackageMap) -> eyre::Result<NixVersion> {
    for &(from, step) in STEPS {
        if let Some(version) = step(image)? {
            return Ok(NixVersion::Literal { version, from });
        }
    }
    Ok(NixVersion::NeedsNixpkgs {
        attr: packages.attr(image.name).to_owned(),
    })
}

fn declared_in_default_nix(image: &NixImage<'_>) -> eyre::Result<Option<String>> {
    Ok(nix_expr::nix_version(image.nix))
}

fn image_tag_in_default_nix(image: &NixImage<'_>) -> eyre::Result<Option<String>> {
    Ok(nix_expr::image_tag(image.nix))
}

fn declared_in_dockerfile(image: &NixImage<'_>) -> eyre::Result<Option<String>> {
    match image.dockerfile {
        None => Ok(None),
        Some(text) => dockerfile::declared_app_version(
            text,
            &build_file_path(image.name, BuildKind::Dockerfile),
        ),
    }
}

/// The nixpkgs package of each container whose package is not named like
/// it (`--nix-packages`, `container=attribute`). Every other container's
/// package is its own name; [`PackageMap::default`] maps nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageMap(BTreeMap<ContainerName, AttrPath>);

impl PackageMap {
    /// Parses `container=attribute` entries; `flag` names the argument in
    /// the messages.
    pub fn parse(raw: &[String], flag: &str) -> eyre::Result<PackageMap> {
        let mut map = BTreeMap::new();
        for (container, attr) in mapping::parse(raw, flag, "container=attribute", "ntfy=ntfy-sh")? {
            let attr = AttrPath::parse(attr).map_err(|e| eyre::eyre!("{flag}: {e}"))?;
            map.insert(container, attr);
        }
        Ok(PackageMap(map))
    }

    /// The nixpkgs attribute of `name`'s package.
    pub fn attr<'a>(&'a self, name: &'a ContainerName) -> &'a str {
        self.0.get(name).map_or(name.as_str(), AttrPath::as_str)
    }

    /// The containers it maps.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerName> {
        self.0.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(s: &str) -> ContainerName {
        ContainerName::parse(s).unwrap()
    }

    fn literal(version: &str, from: DeclaredIn) -> NixVersion {
        NixVersion::Literal {
            version: version.into(),
            from,
        }
    }

    fn needs(attr: &str) -> NixVersion {
        NixVersion::NeedsNixpkgs { attr: attr.into() }
    }

    /// `resolve` for `name`, with the identity package map.
    fn of(name: &ContainerName, nix: &str, dockerfile: Option<&str>) -> eyre::Result<NixVersion> {
        let image = NixImage {
            name,
            nix,
            dockerfile,
        };
        resolve(&image, &PackageMap::default())
    }

    macro_rules! example {
        ($name:literal, $file:literal) => {
            include_str!(concat!("../../../containers/", $name, "/", $file))
        };
    }

    #[test]
    fn resolves_every_example() {
        let ntfy = of(
            &name("ntfy"),
            example!("ntfy", "default.nix"),
            Some(example!("ntfy", "Dockerfile")),
        );
        assert_eq!(ntfy.unwrap(), literal("2.14.0", DeclaredIn::DefaultNix));
        let nettest = of(
            &name("nettest"),
            example!("nettest", "default.nix"),
            Some(example!("nettest", "Dockerfile")),
        );
        assert_eq!(nettest.unwrap(), literal("0.1.0", DeclaredIn::Dockerfile));
        let jq = of(&name("jq"), example!("jq", "default.nix"), None);
        assert_eq!(jq.unwrap(), needs("jq"));
    }

    #[test]
    fn the_order_is_default_nix_then_dockerfile_then_nixpkgs() {
        let jq = name("jq");
        let declared = "{ version = \"1.8\"; }";
        let argued = Some("ARG CONTAINER_APP_VERSION=1.7\n");
        assert_eq!(
            of(&jq, declared, argued).unwrap(),
            literal("1.8", DeclaredIn::DefaultNix)
        );
        assert_eq!(
            of(&jq, "{ }", argued).unwrap(),
            literal("1.7", DeclaredIn::Dockerfile)
        );
        // A Dockerfile without the ARG (a container being added) passes on.
        assert_eq!(of(&jq, "{ }", Some("FROM alpine\n")).unwrap(), needs("jq"));
        assert_eq!(of(&jq, "{ }", None).unwrap(), needs("jq"));
    }

    #[test]
    fn without_a_declared_version_the_image_tag_comes_before_the_dockerfile() {
        let ollama = name("ollama");
        let tagged =
            "{ pkgs, ... }:\npkgs.dockerTools.buildImage { name = \"ollama\"; tag = \"0.1.2\"; }";
        let argued = Some("ARG CONTAINER_APP_VERSION=0.1.1\n");
        assert_eq!(
            of(&ollama, tagged, argued).unwrap(),
            literal("0.1.2", DeclaredIn::ImageTag)
        );
        assert_eq!(
            of(&ollama, "{ version = \"0.1.3\"; tag = \"0.1.2\"; }", argued).unwrap(),
            literal("0.1.3", DeclaredIn::DefaultNix)
        );
        assert_eq!(
            of(&ollama, "{ tag = \"latest\"; }", argued).unwrap(),
            literal("0.1.1", DeclaredIn::Dockerfile)
        );
        assert_eq!(
            DeclaredIn::ImageTag.file(&ollama),
            "containers/ollama/default.nix"
        );
    }

    #[test]
    fn the_package_map_names_the_nixpkgs_attribute() {
        let packages = PackageMap::parse(&["ntfy=ntfy-sh".into()], "--nix-packages").unwrap();
        let ntfy = name("ntfy");
        let image = NixImage {
            name: &ntfy,
            nix: "{ }",
            dockerfile: None,
        };
        assert_eq!(resolve(&image, &packages).unwrap(), needs("ntfy-sh"));
        // Only when nothing in the repository says.
        let declared = NixImage {
            nix: "{ version = \"2\"; }",
            ..image
        };
        assert_eq!(
            resolve(&declared, &packages).unwrap(),
            literal("2", DeclaredIn::DefaultNix)
        );
        let jq = name("jq");
        assert_eq!(packages.attr(&jq), "jq");
        assert_eq!(packages.containers().collect::<Vec<_>>(), [&ntfy]);
    }

    #[test]
    fn a_broken_dockerfile_version_is_an_error_unless_default_nix_declares_one() {
        let jq = name("jq");
        let broken = Some("ARG CONTAINER_APP_VERSION=${X}\n");
        let err = of(&jq, "{ }", broken).unwrap_err().to_string();
        assert!(
            err.starts_with("containers/jq/Dockerfile line 1:") && err.contains("substitution"),
            "{err}"
        );
        assert_eq!(
            of(&jq, "{ version = \"1\"; }", broken).unwrap(),
            literal("1", DeclaredIn::DefaultNix)
        );
    }

    #[test]
    fn each_source_names_its_file() {
        let jq = name("jq");
        assert_eq!(
            DeclaredIn::DefaultNix.file(&jq),
            "containers/jq/default.nix"
        );
        assert_eq!(DeclaredIn::Dockerfile.file(&jq), "containers/jq/Dockerfile");
    }

    #[test]
    fn bad_package_maps_are_refused() {
        let parse = |raw: &str| PackageMap::parse(&[raw.to_owned()], "--nix-packages");
        assert!(parse("jq").is_err());
        let err = parse("jq=a;b").unwrap_err().to_string();
        assert!(
            err.starts_with("--nix-packages: `a;b` is not a nixpkgs attribute path"),
            "{err}"
        );
    }

    proptest! {
        /// Whatever the files hold, the rule answers (or names a broken
        /// Dockerfile) without panicking, and a declared version wins.
        #[test]
        fn declared_versions_win_and_nothing_panics(
            nix in ".{0,200}",
            dockerfile in proptest::option::of(".{0,200}"),
            version in "[0-9A-Za-z._+-]{1,20}",
        ) {
            let jq = name("jq");
            let _ = of(&jq, &nix, dockerfile.as_deref());
            let declared = format!("{{ version = \"{version}\"; }}");
            prop_assert_eq!(
                of(&jq, &declared, dockerfile.as_deref()).unwrap(),
                literal(&version, DeclaredIn::DefaultNix)
            );
        }
    }
}
