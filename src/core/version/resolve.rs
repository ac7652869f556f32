//! The app version of a container, for one variant: the single entry point
//! that `version`, `tags`, `publish` and the nix functions all use.
//!
//! - Dockerfile: `ARG CONTAINER_APP_VERSION=...` ([`crate::core::version::dockerfile`]).
//! - Nix: `version = "...";` in `default.nix`, else the Dockerfile's
//!   version, else the pinned nixpkgs version of the container's package
//!   ([`crate::core::version::nix_image`], the rule `check-versions` uses too).

use eyre::bail;

use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::version::dockerfile;
use crate::core::version::nix_image::{self, DeclaredIn, NixImage, NixVersion, PackageMap};
use crate::core::version::normalize::{bare, normalize_version, same};

/// Checks publish-nix's `--version` (`given`) against the version the Nix
/// image really has (`built`, from `from`): a Nix build cannot be given
/// another version, so a different one would make the tag lie. The same
/// version (`v` or not) is fine: the Python module's command lines always
/// passed it.
pub fn given_for_nix(given: &str, built: &str, from: &str) -> eyre::Result<()> {
    if same(given, built) {
        return Ok(());
    }
    bail!(
        "--version={} is not the version of the Nix image, {} ({from}): a Nix build cannot be \
         given another version, so the image would be {} tagged v{}.\nLeave --version out, or \
         change the version where it is declared ({from}).",
        crate::core::text::excerpt(given),
        crate::core::text::excerpt(built),
        crate::core::text::excerpt(built),
        crate::core::text::excerpt(bare(given))
    )
}

/// The text of a container's build files (`None`: the file does not exist).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildTexts {
    pub dockerfile: Option<String>,
    pub nix: Option<String>,
}

/// A container's version, or what is still needed to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppVersion {
    /// Read from a build file (`from` is its path, for messages).
    Known { version: String, from: String },
    /// Nothing in the repository says: the version is nixpkgs' `<attr>.version`.
    NeedsNixpkgs { attr: String },
}

/// Resolves the version of `name`'s `variant` from its build files;
/// `packages` names the nixpkgs package of a Nix image that needs one.
pub fn resolve(
    name: &ContainerName,
    variant: BuildKind,
    texts: &BuildTexts,
    packages: &PackageMap,
) -> eyre::Result<AppVersion> {
    match variant {
        BuildKind::Dockerfile => {
            let path = build_file_path(name, BuildKind::Dockerfile);
            let Some(text) = texts.dockerfile.as_deref() else {
                bail!("{path} does not exist: container `{name}` has no Dockerfile.");
            };
            Ok(AppVersion::Known {
                version: dockerfile::app_version(text, &path)?,
                from: path,
            })
        }
        BuildKind::Nix => resolve_nix(
            name,
            &build_file_path(name, BuildKind::Nix),
            texts,
            packages,
        ),
    }
}

/// Resolves the version of `name`'s Nix image built from the file at
/// `nix_path` (its `default.nix`, or another file of the repository),
/// whose text is `texts.nix`; `packages` names its nixpkgs package.
pub fn resolve_nix(
    name: &ContainerName,
    nix_path: &str,
    texts: &BuildTexts,
    packages: &PackageMap,
) -> eyre::Result<AppVersion> {
    let Some(text) = texts.nix.as_deref() else {
        bail!("{nix_path} does not exist: container `{name}` has no default.nix.");
    };
    let image = NixImage {
        name,
        nix: text,
        dockerfile: texts.dockerfile.as_deref(),
    };
    Ok(match nix_image::resolve(&image, packages)? {
        NixVersion::Literal { version, from } => AppVersion::Known {
            version,
            from: match from {
                DeclaredIn::Dockerfile => from.file(name),
                // Read in the Nix file, which may be another than default.nix.
                _ => nix_path.to_owned(),
            },
        },
        NixVersion::NeedsNixpkgs { attr } => AppVersion::NeedsNixpkgs { attr },
    })
}

impl AppVersion {
    /// The version, checked to make a valid tag, with where it came from;
    /// an error while it still needs nixpkgs.
    pub fn known(&self, name: &ContainerName) -> eyre::Result<(&str, &str)> {
        match self {
            AppVersion::Known { version, from } => {
                normalize_version(version, from)?;
                Ok((version, from))
            }
            AppVersion::NeedsNixpkgs { attr } => bail!(
                "{} sets no `version = \"...\";` and container `{name}` has no Dockerfile \
                 version, so its version is nixpkgs' `{attr}.version`, which this function \
                 does not evaluate.\n`dagger call publish-nix --src=. --container-name={name} \
                 --commit-sha=<sha> --dry-run` evaluates it and prints the tags publish-nix \
                 would push; to fix it in the repository, add `version = \"<version>\";` to {0}.",
                build_file_path(name, BuildKind::Nix)
            ),
        }
    }
}

/// What `publish-nix` says when a Nix image's version was to come from
/// nixpkgs (`attr`), and `nixpkgs` (named by `which`, shown as `shown`) has
/// no such package with a version: the same advice as `version` and
/// `check-versions`, the version in the Nix file. `given` is `--version`,
/// which cannot stand in for it.
pub fn nixpkgs_lacks_version(
    name: &ContainerName,
    nix_path: &str,
    attr: &str,
    which: &str,
    shown: &str,
    given: Option<&str>,
) -> String {
    let given = match given {
        Some(v) => format!(
            " --version={} cannot stand in for it: a Nix build cannot be given a version, it \
             states its own.",
            crate::core::text::excerpt(v)
        ),
        None => String::new(),
    };
    format!(
        "{nix_path} sets no `version = \"...\";` and container `{name}` has no Dockerfile \
         version, so its version was to be nixpkgs' `{attr}.version`, but {which} has no \
         package `{attr}` with a version ({shown}).{given}\nAdd `version = \"<version>\";` to \
         {nix_path}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build files of an example container under containers/.
    macro_rules! example {
        ($name:literal, dockerfile) => {
            BuildTexts {
                dockerfile: Some(
                    include_str!(concat!("../../../containers/", $name, "/Dockerfile")).into(),
                ),
                nix: None,
            }
        };
        ($name:literal, nix) => {
            BuildTexts {
                dockerfile: None,
                nix: Some(
                    include_str!(concat!("../../../containers/", $name, "/default.nix")).into(),
                ),
            }
        };
        ($name:literal, both) => {
            BuildTexts {
                dockerfile: example!($name, dockerfile).dockerfile,
                nix: example!($name, nix).nix,
            }
        };
    }

    fn known(name: &str, variant: BuildKind, texts: &BuildTexts) -> (String, String) {
        let name = ContainerName::parse(name).unwrap();
        match resolve(&name, variant, texts, &PackageMap::default()).unwrap() {
            AppVersion::Known { version, from } => (version, from),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn every_example_container_resolves() {
        let dockerfile = |name, texts: BuildTexts| known(name, BuildKind::Dockerfile, &texts).0;
        assert_eq!(
            dockerfile("transmission", example!("transmission", dockerfile)),
            "4.1.1-r1"
        );
        assert_eq!(
            dockerfile("miniflux", example!("miniflux", dockerfile)),
            "2.2.17"
        );
        assert_eq!(
            dockerfile("navidrome", example!("navidrome", dockerfile)),
            "v0.60.3"
        );
        assert_eq!(
            dockerfile("prometheus", example!("prometheus", dockerfile)),
            "3.8.2"
        );
        assert_eq!(
            dockerfile("homepage-nginx", example!("homepage-nginx", dockerfile)),
            "1.29.3"
        );
        assert_eq!(dockerfile("loki", example!("loki", dockerfile)), "3.5.7");
        assert_eq!(dockerfile("nettest", example!("nettest", both)), "0.1.0");
    }

    #[test]
    fn nix_takes_its_own_version_then_the_dockerfiles_then_needs_nixpkgs() {
        assert_eq!(
            known("ntfy", BuildKind::Nix, &example!("ntfy", both)),
            ("2.14.0".into(), "containers/ntfy/default.nix".into())
        );
        assert_eq!(
            known("nettest", BuildKind::Nix, &example!("nettest", both)),
            ("0.1.0".into(), "containers/nettest/Dockerfile".into())
        );
        let jq = ContainerName::parse("jq").unwrap();
        let resolved = resolve(
            &jq,
            BuildKind::Nix,
            &example!("jq", nix),
            &PackageMap::default(),
        )
        .unwrap();
        assert_eq!(resolved, AppVersion::NeedsNixpkgs { attr: "jq".into() });
        let err = resolved.known(&jq).unwrap_err().to_string();
        assert!(
            err.contains("`jq.version`") && err.contains("containers/jq/default.nix"),
            "{err}"
        );
        // It says where the version is evaluated, and what publish-nix pushes.
        assert!(
            err.contains(
                "`dagger call publish-nix --src=. --container-name=jq --commit-sha=<sha> \
                 --dry-run` evaluates it"
            ),
            "{err}"
        );
    }

    #[test]
    fn publish_nix_without_nixpkgs_version_says_to_add_one_and_never_pinned_of_unpinned() {
        let jq = ContainerName::parse("jq").unwrap();
        let message = nixpkgs_lacks_version(
            &jq,
            "containers/jq/default.nix",
            "jq",
            "the unpinned nixpkgs (the flake registry's)",
            "https://x/n.tar.gz (no hash), from the flake registry",
            None,
        );
        assert!(
            message.ends_with("\nAdd `version = \"<version>\";` to containers/jq/default.nix.")
        );
        assert!(!message.contains("pinned nixpkgs has"), "{message}");
        assert!(!message.contains("--version"), "{message}");
        let with_given =
            nixpkgs_lacks_version(&jq, "p.nix", "jq", "the pinned nixpkgs", "x", Some("1.0"));
        assert!(
            with_given.contains("--version=1.0 cannot stand in for it"),
            "{with_given}"
        );
    }

    #[test]
    fn a_version_that_makes_no_tag_names_its_file() {
        let name = ContainerName::parse("x").unwrap();
        let texts = BuildTexts {
            dockerfile: Some("ARG CONTAINER_APP_VERSION=1.0+build\n".into()),
            nix: None,
        };
        let resolved =
            resolve(&name, BuildKind::Dockerfile, &texts, &PackageMap::default()).unwrap();
        let err = resolved.known(&name).unwrap_err().to_string();
        assert!(
            err.contains("containers/x/Dockerfile") && err.contains("`+`"),
            "{err}"
        );
    }

    #[test]
    fn a_nix_image_is_tagged_only_with_its_own_version() {
        assert!(given_for_nix("v2.14.0", "2.14.0", "containers/ntfy/default.nix").is_ok());
        let err = given_for_nix("2.15.0", "2.14.0", "containers/ntfy/default.nix")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--version=2.15.0 is not the version of the Nix image, 2.14.0")
                && err.contains("would be 2.14.0 tagged v2.15.0"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_build_file_is_an_error() {
        let name = ContainerName::parse("x").unwrap();
        let none = PackageMap::default();
        assert!(resolve(&name, BuildKind::Dockerfile, &BuildTexts::default(), &none).is_err());
        assert!(resolve(&name, BuildKind::Nix, &BuildTexts::default(), &none).is_err());
    }
}
