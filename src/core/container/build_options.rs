//! The options of a Dockerfile build, checked before any engine work:
//! `--build-args`, `--target`, `--dockerfile`, `--platform(s)`, and the
//! OCI labels every image gets.

use eyre::{bail, eyre};

use crate::core::container::names::ContainerName;
use crate::core::image::tags::CommitSha;
use crate::core::text::excerpt;
use crate::core::version::dockerfile::VERSION_ARG;

/// A `--build-args` entry, `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildArg {
    pub name: String,
    pub value: String,
}

/// Parses `--build-args`: each `KEY=VALUE`, `KEY` a shell-style name. A
/// key given twice keeps its last value, as `docker build` does.
pub fn parse_build_args(raw: &[String]) -> eyre::Result<Vec<BuildArg>> {
    let mut args: Vec<BuildArg> = Vec::new();
    for entry in raw {
        let Some((name, value)) = entry.split_once('=') else {
            bail!(
                "--build-args entry `{}` has no `=`: write KEY=VALUE, e.g. {VERSION_ARG}=1.2.3.",
                excerpt(entry)
            );
        };
        let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            bail!(
                "--build-args entry `{}`: `{}` is not a build argument name (letters, digits \
                 and `_`, not starting with a digit).",
                excerpt(entry),
                excerpt(name)
            );
        }
        if value.contains(['\n', '\r', '\0']) {
            bail!(
                "--build-args entry `{}`: the value contains a line break or NUL.",
                excerpt(entry)
            );
        }
        args.retain(|a: &BuildArg| a.name != name);
        args.push(BuildArg {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }
    Ok(args)
}

/// The version a `CONTAINER_APP_VERSION` build argument overrides, if any.
pub fn version_override(args: &[BuildArg]) -> Option<&str> {
    args.iter()
        .find(|a| a.name == VERSION_ARG)
        .map(|a| a.value.as_str())
}

/// `--dockerfile`: a path inside the container's folder (`Dockerfile.alpine`,
/// `docker/prod.Dockerfile`), returned normalised (no `./`).
pub fn parse_dockerfile_path(raw: &str) -> eyre::Result<String> {
    relative_path(raw).ok_or_else(|| {
        eyre::eyre!(
            "--dockerfile `{}` is not a path inside the container's folder: give it relative to \
             containers/<name>/, without `..`, e.g. --dockerfile=Dockerfile.alpine.",
            excerpt(raw)
        )
    })
}

/// `raw` as a path that stays inside the folder it is relative to,
/// normalised (no `./`, no empty parts); `None` when it is absolute, empty,
/// climbs out with `..`, or holds a backslash, newline or NUL.
pub fn relative_path(raw: &str) -> Option<String> {
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let inside = !raw.starts_with('/') && !parts.is_empty() && !parts.contains(&"..");
    (inside && !raw.contains(['\\', '\n', '\0'])).then(|| parts.join("/"))
}

/// `--target`: a build stage name.
pub fn parse_stage(raw: &str) -> eyre::Result<String> {
    let valid = !raw.is_empty()
        && raw.starts_with(|c: char| c.is_ascii_alphabetic())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !valid {
        bail!(
            "--target `{}` is not a build stage name (`FROM ... AS <name>`: letters, digits, \
             `_`, `.`, `-`).",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// A platform, `os/arch[/variant]` (`linux/amd64`, `linux/arm/v7`).
pub fn parse_platform(raw: &str) -> eyre::Result<String> {
    let parts: Vec<&str> = raw.split('/').collect();
    let valid = (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    if !valid {
        bail!(
            "`{}` is not a platform: write os/arch or os/arch/variant, e.g. linux/amd64, \
             linux/arm64 or linux/arm/v7.",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// `--platforms`: each checked, duplicates dropped, order kept.
pub fn parse_platforms(raw: &[String]) -> eyre::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for p in raw {
        let p = parse_platform(p).map_err(|e| eyre!("--platforms: {e}"))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// `--source-url`: where the image's source lives (an `https://` URL).
pub fn parse_source_url(raw: &str) -> eyre::Result<String> {
    let valid = (raw.starts_with("https://") || raw.starts_with("http://"))
        && raw.len() > "https://".len()
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        bail!(
            "--source-url `{}` is not a URL: give the repository's web address, e.g. \
             https://github.com/eblume/blumeops.",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// The OCI annotations every image gets, as `(label, value)` pairs in a
/// fixed order; the version only when it is known. Nothing
/// time-dependent: the same inputs give the same image.
pub fn oci_labels(
    name: &ContainerName,
    version: Option<&str>,
    commit: Option<&CommitSha>,
    source_url: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut labels = vec![("org.opencontainers.image.title", name.to_string())];
    if let Some(version) = version {
        labels.push(("org.opencontainers.image.version", version.to_owned()));
    }
    if let Some(commit) = commit {
        labels.push(("org.opencontainers.image.revision", commit.to_string()));
    }
    if let Some(url) = source_url {
        labels.push(("org.opencontainers.image.source", url.to_owned()));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_source_url_is_an_http_or_https_address_kept_as_given() {
        for ok in [
            "https://github.com/eblume/blumeops",
            "http://forge.ops.eblu.me/eblume/blumeops",
            "https://x",
        ] {
            assert_eq!(parse_source_url(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "github.com/eblume/blumeops",
            "ftp://example.com/x",
            "https://",
            "http://",
            "https://a b",
            "https://a\tb",
            "https://a\nb",
            "https://a\u{7}b",
        ] {
            let err = parse_source_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("--source-url `"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn build_args_are_key_value_and_the_last_one_wins() {
        let args = parse_build_args(&strings(&["A=1", "B=", "A=x=y", "_C9=3"])).unwrap();
        let pairs: Vec<(&str, &str)> = args.iter().map(|a| (&*a.name, &*a.value)).collect();
        assert_eq!(pairs, [("B", ""), ("A", "x=y"), ("_C9", "3")]);
        assert_eq!(version_override(&args), None);
        let args = parse_build_args(&strings(&["CONTAINER_APP_VERSION=9.9"])).unwrap();
        assert_eq!(version_override(&args), Some("9.9"));
    }

    #[test]
    fn bad_build_args_name_the_entry() {
        for (bad, says) in [
            ("A", "has no `=`"),
            ("=1", "not a build argument name"),
            ("1A=2", "not a build"),
            ("A B=1", "not a build"),
            ("A=1\n2", "line break"),
        ] {
            let err = parse_build_args(&strings(&[bad])).unwrap_err().to_string();
            assert!(
                err.starts_with("--build-args entry") && err.contains(says),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn dockerfile_paths_stay_inside_the_folder() {
        assert_eq!(
            parse_dockerfile_path("./Dockerfile.alpine").unwrap(),
            "Dockerfile.alpine"
        );
        assert_eq!(
            parse_dockerfile_path("docker//prod.Dockerfile").unwrap(),
            "docker/prod.Dockerfile"
        );
        for bad in [
            "",
            ".",
            "/etc/passwd",
            "../miniflux/Dockerfile",
            "a/../../b",
            "a\\b",
        ] {
            assert!(parse_dockerfile_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn platforms_and_targets() {
        assert_eq!(
            parse_platforms(&strings(&["linux/amd64", "linux/arm/v7", "linux/amd64"])).unwrap(),
            ["linux/amd64", "linux/arm/v7"]
        );
        for bad in [
            "amd64",
            "linux/",
            "Linux/amd64",
            "linux/amd64/v1/x",
            "linux amd64",
        ] {
            assert!(parse_platform(bad).is_err(), "{bad}");
        }
        assert!(parse_stage("build-stage.2").is_ok());
        for bad in ["", "-x", "a b", "$X"] {
            assert!(parse_stage(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_are_fixed_and_ordered() {
        let name = ContainerName::parse("miniflux").unwrap();
        let sha = CommitSha::parse("0123456789abcdef0123456789abcdef01234567").unwrap();
        let labels = oci_labels(
            &name,
            Some("2.2.17"),
            Some(&sha),
            Some("https://example.com/ops"),
        );
        assert_eq!(
            labels,
            [
                ("org.opencontainers.image.title", "miniflux".to_owned()),
                ("org.opencontainers.image.version", "2.2.17".to_owned()),
                ("org.opencontainers.image.revision", sha.to_string()),
                (
                    "org.opencontainers.image.source",
                    "https://example.com/ops".to_owned()
                ),
            ]
        );
        assert_eq!(oci_labels(&name, Some("1"), None, None).len(), 2);
        assert_eq!(oci_labels(&name, None, None, None).len(), 1);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = parse_build_args(std::slice::from_ref(&s));
            let _ = parse_dockerfile_path(&s);
            let _ = parse_platform(&s);
            let _ = parse_stage(&s);
            let _ = parse_source_url(&s);
        }
    }
}
