//! Which version a Dockerfile image is built as and tagged with, from the
//! three places that can say: `--version`, a `CONTAINER_APP_VERSION` build
//! argument, and the Dockerfile's own `ARG CONTAINER_APP_VERSION=...`.
//!
//! A tag must not lie: the image is built as the version its tag names.
//! `--version` that differs from the Dockerfile's builds that version (the
//! build argument is passed, in the style of the Dockerfile's value: with a
//! leading `v` only when the Dockerfile's has one); `--version` and a
//! `--build-args CONTAINER_APP_VERSION=...` that disagree are refused.
//! Versions are compared without one leading `v`, as everywhere.

use eyre::bail;

use crate::core::text::excerpt;
use crate::core::version::dockerfile::VERSION_ARG;
use crate::core::version::normalize::{bare, same};

/// The version an image is built as, and what it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildVersion {
    /// The version the tag and the version label carry (as given; the tag
    /// adds a leading `v` when it lacks one).
    pub version: String,
    /// Where it came from, for messages: `--version`, `--build-args` or
    /// the Dockerfile's path.
    pub from: String,
    /// A `CONTAINER_APP_VERSION` value to pass as a build argument so that
    /// the image really is [`BuildVersion::version`].
    pub build_arg: Option<String>,
    /// What the user should be told about it, when anything.
    pub note: Option<String>,
}

/// The version of a Dockerfile image: `given` (`--version`), `build_arg`
/// (a `CONTAINER_APP_VERSION` build argument) and `declared` (the
/// Dockerfile's value; `dockerfile` is its path). `None` when none says.
pub fn resolve(
    given: Option<&str>,
    build_arg: Option<&str>,
    declared: Option<&str>,
    dockerfile: &str,
) -> eyre::Result<Option<BuildVersion>> {
    let version = |version: &str, from: &str| BuildVersion {
        version: version.to_owned(),
        from: from.to_owned(),
        build_arg: None,
        note: None,
    };
    Ok(Some(match (given, build_arg, declared) {
        (Some(given), Some(arg), _) if !same(given, arg) => bail!(
            "--version={} and --build-args {VERSION_ARG}={} disagree: the image would be built \
             as {} and tagged v{}.\nGive one of them (the build argument alone also names the \
             tag).",
            excerpt(given),
            excerpt(arg),
            excerpt(arg),
            excerpt(bare(given))
        ),
        (Some(given), Some(_), _) => version(given, "--version"),
        (None, Some(arg), _) => version(arg, "--build-args"),
        (Some(given), None, Some(declared)) if same(given, declared) => version(given, "--version"),
        (Some(given), None, Some(declared)) => {
            let arg = in_style_of(given, declared);
            BuildVersion {
                build_arg: Some(arg.clone()),
                note: Some(format!(
                    "building version {given} (--version) instead of {dockerfile}'s {declared}: \
                     passing the build argument {VERSION_ARG}={arg}"
                )),
                ..version(given, "--version")
            }
        }
        (Some(given), None, None) => BuildVersion {
            note: Some(format!(
                "{dockerfile} declares no {VERSION_ARG}: the version {given} (--version) names \
                 the tag and the label only; the build itself is the Dockerfile's as it is"
            )),
            ..version(given, "--version")
        },
        (None, None, Some(declared)) => version(declared, dockerfile),
        (None, None, None) => return Ok(None),
    }))
}

/// The error of a publish that has no version for its tag.
pub fn missing(dockerfile: &str) -> eyre::Report {
    eyre::eyre!(
        "there is no version for the tag: {dockerfile} declares no `ARG {VERSION_ARG}=<version>`.\n\
         Either add it to the Dockerfile (before the first FROM, e.g. `ARG {VERSION_ARG}=1.2.3`), \
         or pass --version=<version>."
    )
}

/// What `build` logs when nothing names the image's version (the
/// Dockerfile declares none, no build argument gives one): why the image
/// gets no version label, and how to give it one.
pub fn unlabelled(dockerfile: &str) -> String {
    format!(
        "the image gets no version label: {dockerfile} declares no `ARG {VERSION_ARG}=<version>` \
         (add one before the first FROM, e.g. `ARG {VERSION_ARG}=1.2.3`, or pass \
         --build-args={VERSION_ARG}=<version>)"
    )
}

/// `given` with a leading `v` exactly when `declared` has one, so a
/// Dockerfile that writes `v0.60.3` gets `v0.60.4`, one that writes
/// `2.2.17` gets `2.2.18`.
fn in_style_of(given: &str, declared: &str) -> String {
    if declared.starts_with('v') {
        format!("v{}", bare(given))
    } else {
        bare(given).to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "containers/miniflux/Dockerfile";

    fn got(given: Option<&str>, arg: Option<&str>, declared: Option<&str>) -> Option<BuildVersion> {
        resolve(given, arg, declared, FILE).unwrap()
    }

    #[test]
    fn the_dockerfile_names_the_version_when_nothing_else_does() {
        let v = got(None, None, Some("2.2.17")).unwrap();
        assert_eq!((v.version.as_str(), v.from.as_str()), ("2.2.17", FILE));
        assert_eq!((v.build_arg, v.note), (None, None));
        assert_eq!(got(None, None, None), None);
    }

    #[test]
    fn a_different_version_is_built_not_just_tagged() {
        let v = got(Some("2.2.18"), None, Some("2.2.17")).unwrap();
        assert_eq!(v.version, "2.2.18");
        assert_eq!(v.build_arg.as_deref(), Some("2.2.18"));
        assert!(v.note.unwrap().contains("CONTAINER_APP_VERSION=2.2.18"));
        // In the Dockerfile's style.
        let v = got(Some("0.60.4"), None, Some("v0.60.3")).unwrap();
        assert_eq!(v.build_arg.as_deref(), Some("v0.60.4"));
        let v = got(Some("v2.2.18"), None, Some("2.2.17")).unwrap();
        assert_eq!(v.build_arg.as_deref(), Some("2.2.18"));
    }

    #[test]
    fn the_same_version_changes_nothing() {
        // The origin's CI passed the Dockerfile's own version.
        let v = got(Some("v2.2.17"), None, Some("2.2.17")).unwrap();
        assert_eq!((v.build_arg, v.note), (None, None));
        assert_eq!(v.from, "--version");
    }

    #[test]
    fn a_build_argument_names_the_version() {
        let v = got(None, Some("3.0.0"), Some("2.2.17")).unwrap();
        assert_eq!(
            (v.version.as_str(), v.from.as_str()),
            ("3.0.0", "--build-args")
        );
        assert_eq!(v.build_arg, None, "it is passed already");
        let v = got(Some("v3.0.0"), Some("3.0.0"), None).unwrap();
        assert_eq!(v.version, "v3.0.0");
        let err = resolve(Some("2.2.18"), Some("3.0.0"), None, FILE)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--version=2.2.18 and --build-args"),
            "{err}"
        );
        assert!(err.contains("built as 3.0.0 and tagged v2.2.18"), "{err}");
    }

    #[test]
    fn without_a_declared_version_the_given_one_is_told_apart() {
        let v = got(Some("1.0.0"), None, None).unwrap();
        assert_eq!(v.build_arg, None);
        assert!(
            v.note
                .unwrap()
                .contains("declares no CONTAINER_APP_VERSION")
        );
        let err = missing(FILE).to_string();
        assert!(
            err.contains("declares no `ARG CONTAINER_APP_VERSION=<version>`")
                && err.contains("--version=<version>"),
            "{err}"
        );
    }

    #[test]
    fn an_unlabelled_image_is_told_why_and_how_to_label_it() {
        let said = unlabelled(FILE);
        assert_eq!(
            said,
            "the image gets no version label: containers/miniflux/Dockerfile declares no \
             `ARG CONTAINER_APP_VERSION=<version>` (add one before the first FROM, e.g. \
             `ARG CONTAINER_APP_VERSION=1.2.3`, or pass \
             --build-args=CONTAINER_APP_VERSION=<version>)"
        );
    }
}
