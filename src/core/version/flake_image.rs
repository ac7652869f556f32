//! The version of a Nix image that no file states: what an image's tag
//! says, and the version of a flake output, which only Nix can tell.
//!
//! A flake output's version is, in order: its `version` attribute (an
//! image given one, `... // { version = "1.2.3"; }`); else the tag its
//! builder gives it (`imageTag`, which dockerTools and nix2container images
//! carry) when that is a version ([`tag_version`]); else the version of
//! `containers/<name>/Dockerfile` when the repository has one; else there
//! is none, and `--version` must say (elsewhere `--version` may only repeat
//! the image's own version).

use eyre::{bail, eyre};
use serde::Deserialize;

use crate::core::nix::build::recipe::FLAKE_EXPR;
use crate::core::nix::nixpkgs::AttrPath;
use crate::core::text::excerpt;
use crate::core::version::dockerfile;
use crate::core::version::normalize::{is_content_hash, tag_version};
use crate::core::version::resolve::AppVersion;

/// The `nix-instantiate --eval --strict --json` expression that reads a
/// flake output's `version` and `imageTag` (each `null` when it has none,
/// or it is no string), with the same arguments as [`FLAKE_EXPR`].
pub fn flake_version_expr() -> String {
    format!(
        "{{ repo, target }}@args:\n\
         let\n  \
           image = ({}) args;\n  \
           string = value: if builtins.isString value then value else null;\n\
         in\n\
         {{ version = string (image.version or null); tag = string (image.imageTag or null); }}\n",
        FLAKE_EXPR.trim_end()
    )
}

/// The command that evaluates [`flake_version_expr`] for `attr` of the
/// flake at `repo_root`.
pub fn flake_version_command(repo_root: &str, attr: &AttrPath) -> Vec<String> {
    [
        "nix-instantiate",
        "--eval",
        "--strict",
        "--json",
        "--read-write-mode",
        "--expr",
        &flake_version_expr(),
        "--argstr",
        "repo",
        repo_root,
        "--argstr",
        "target",
        attr.as_str(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// What the evaluation says of a flake output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FlakeImage {
    /// Its `version` attribute.
    pub version: Option<String>,
    /// Its `imageTag`.
    pub tag: Option<String>,
}

/// Reads [`flake_version_command`]'s output.
pub fn parse_flake_image(stdout: &str) -> eyre::Result<FlakeImage> {
    serde_json::from_str(stdout.trim()).map_err(|e| {
        eyre!(
            "nix-instantiate printed something other than the flake output's version and tag \
             ({e}): {}",
            excerpt(stdout)
        )
    })
}

/// The version of the flake output `attr` published as `name`: its
/// `version`, else its tag when that is a version, else the Dockerfile's
/// (`dockerfile` is its text and path, when `containers/<name>/` has one),
/// else `given` (`--version`), which nothing then contradicts.
pub fn flake_app_version(
    attr: &AttrPath,
    image: &FlakeImage,
    dockerfile: Option<(&str, &str)>,
    name: &str,
    given: Option<&str>,
) -> eyre::Result<AppVersion> {
    let from = |what: &str| format!("flake output `{attr}` ({what})");
    if let Some(version) = image.version.as_deref().filter(|v| !v.trim().is_empty()) {
        return Ok(AppVersion::Known {
            version: version.trim().to_owned(),
            from: from("its version attribute"),
        });
    }
    if let Some(tag) = image.tag.as_deref().and_then(tag_version) {
        return Ok(AppVersion::Known {
            version: tag.to_owned(),
            from: from("its image tag"),
        });
    }
    if let Some((text, path)) = dockerfile
        && let Some(version) = dockerfile::declared_app_version(text, path)?
    {
        return Ok(AppVersion::Known {
            version,
            from: path.to_owned(),
        });
    }
    if let Some(version) = given {
        return Ok(AppVersion::Known {
            version: version.to_owned(),
            from: "--version".to_owned(),
        });
    }
    let tag = match image.tag.as_deref() {
        Some(tag) if is_content_hash(tag) => format!("its tag `{tag}` is a content hash"),
        Some(tag) => format!("its tag is `{}`", excerpt(tag)),
        None => "it has no imageTag".to_owned(),
    };
    bail!(
        "flake output `{attr}` has no version: it has no `version` attribute, {tag}, and \
         containers/{name}/Dockerfile declares none.\nGive the image a tag (`tag = \"1.2.3\";` \
         in its buildImage), or pass --version."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr() -> AttrPath {
        AttrPath::parse("attic-server-image").unwrap()
    }

    fn image(version: Option<&str>, tag: Option<&str>) -> FlakeImage {
        FlakeImage {
            version: version.map(Into::into),
            tag: tag.map(Into::into),
        }
    }

    #[test]
    fn content_hashes_and_latest_are_no_version() {
        assert!(is_content_hash("v75vk8z5mn6dn02k64bplp9avrqkg943"));
        // e, o, t and u are not in Nix's base-32.
        assert!(!is_content_hash("v75vk8z5mn6dn02k64bplp9avrqkg94e"));
        assert!(!is_content_hash("1.2.3"));
        assert_eq!(tag_version("0.1.2"), Some("0.1.2"));
        for none in ["", "latest", "ky3gbxx13lbl0rfk0i51rsk1w6p1kv0l"] {
            assert_eq!(tag_version(none), None, "{none}");
        }
    }

    #[test]
    fn version_then_tag_then_dockerfile() {
        let known = |image: &FlakeImage, dockerfile| match flake_app_version(
            &attr(),
            image,
            dockerfile,
            "attic",
            Some("9.9"),
        )
        .unwrap()
        {
            AppVersion::Known { version, from } => (version, from),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            known(&image(Some("1.0"), Some("0.1.2")), None),
            (
                "1.0".into(),
                "flake output `attic-server-image` (its version attribute)".into()
            )
        );
        assert_eq!(
            known(&image(None, Some("0.1.2")), None),
            (
                "0.1.2".into(),
                "flake output `attic-server-image` (its image tag)".into()
            )
        );
        let dockerfile = Some((
            "ARG CONTAINER_APP_VERSION=2.0\nFROM x\n",
            "containers/attic/Dockerfile",
        ));
        assert_eq!(
            known(
                &image(None, Some("v75vk8z5mn6dn02k64bplp9avrqkg943")),
                dockerfile
            ),
            ("2.0".into(), "containers/attic/Dockerfile".into())
        );
        // --version names it when nothing else does.
        assert_eq!(
            known(&image(None, Some("v75vk8z5mn6dn02k64bplp9avrqkg943")), None),
            ("9.9".into(), "--version".into())
        );
    }

    #[test]
    fn no_version_says_how_to_give_one() {
        let err = flake_app_version(
            &attr(),
            &image(None, Some("v75vk8z5mn6dn02k64bplp9avrqkg943")),
            None,
            "attic",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("flake output `attic-server-image` has no version")
                && err.contains("is a content hash")
                && err.contains("--version"),
            "{err}"
        );
        // A tag that is neither a version nor a content hash is quoted.
        let err = flake_app_version(&attr(), &image(None, Some("latest")), None, "attic", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("its tag is `latest`"), "{err}");
        // No tag at all.
        let err = flake_app_version(&attr(), &image(None, None), None, "attic", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("it has no imageTag"), "{err}");
    }

    #[test]
    fn the_evaluation_is_read_as_json() {
        assert_eq!(
            parse_flake_image("{\"tag\":\"0.1.2\",\"version\":null}\n").unwrap(),
            image(None, Some("0.1.2"))
        );
        assert!(parse_flake_image("{\"tag\":}").is_err());
    }

    #[test]
    fn the_attribute_path_is_an_argument() {
        let argv = flake_version_command("/src", &attr());
        assert_eq!(
            argv[argv.len() - 6..],
            [
                "--argstr",
                "repo",
                "/src",
                "--argstr",
                "target",
                "attic-server-image"
            ]
        );
        assert!(flake_version_expr().starts_with("{ repo, target }@args:\n"));
    }
}
