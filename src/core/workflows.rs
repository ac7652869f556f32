//! `validate-workflows`: Forgejo's own schema check of the repository's
//! Actions files, `forgejo-runner validate`, run in the runner's image.
//!
//! `forgejo-runner validate --directory <dir>` (runner v11.1 and later,
//! `internal/app/cmd/validate.go`) explores `<dir>` as a checked-out
//! repository, without cloning it: every `.forgejo/workflows/**/*.{yml,yaml}`
//! is checked as a workflow and every `action.{yml,yaml}` anywhere in the
//! tree as an action. It prints one line per file, `<path> workflow schema
//! validation OK` or `<path> workflow schema validation failed:` followed by
//! the schema errors, and exits 1 when a file fails (runners before that
//! exited 0, so the output is read too). The image
//! (`code.forgejo.org/forgejo/runner:<version>`) has the binary on `PATH`
//! as `forgejo-runner` (`/bin/forgejo-runner`), no entrypoint, and runs as
//! uid 1000.

use eyre::bail;

use crate::core::command::exit_status::{TAIL_LINES, tail};
use crate::core::text::excerpt;

/// The Forgejo runner's image, without its tag.
pub const RUNNER_IMAGE: &str = "code.forgejo.org/forgejo/runner";

/// The runner version `validate-workflows` uses, unless `--runner-version`
/// says otherwise (the origin's).
pub const DEFAULT_RUNNER_VERSION: &str = "12.7.0";

/// Where the workflows live in the repository.
pub const WORKFLOWS_DIR: &str = ".forgejo/workflows";

/// Where the repository is mounted in the runner's image (the workdir).
pub const REPO_MOUNT: &str = "/src";

/// The command: the repository (the working directory) explored as a
/// checkout. It takes no user value.
pub fn validate_argv() -> Vec<String> {
    ["forgejo-runner", "validate", "--directory", "."]
        .map(str::to_owned)
        .to_vec()
}

/// `--runner-version`: a release of the runner, as its image is tagged
/// (`12.7.0`, `12.7`, `12`, `12.7.0-rc1`).
pub fn parse_runner_version(raw: &str) -> eyre::Result<String> {
    let (release, suffix) = raw.split_once('-').unwrap_or((raw, ""));
    let parts: Vec<&str> = release.split('.').collect();
    let valid = raw.len() <= 64
        && (1..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && (!raw.contains('-')
            || (!suffix.is_empty()
                && suffix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.')));
    if !valid {
        let hint = if raw.starts_with(['v', 'V']) {
            " Leave out the `v`: the image tags are plain versions."
        } else {
            ""
        };
        bail!(
            "--runner-version `{}` is not a Forgejo runner version: give the version of a \
             {RUNNER_IMAGE} image, e.g. {DEFAULT_RUNNER_VERSION}.{hint}",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// The runner's image for `version` (checked by [`parse_runner_version`]).
pub fn runner_image(version: &str) -> String {
    format!("{RUNNER_IMAGE}:{version}")
}

/// The workflow files among the entries of `.forgejo/workflows/` (paths
/// relative to the repository, folders ending in `/`), or the error that
/// there is nothing to validate.
pub fn require_workflows(entries: &[String]) -> eyre::Result<Vec<&str>> {
    let files: Vec<&str> = entries
        .iter()
        .map(String::as_str)
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .collect();
    if files.is_empty() {
        bail!(
            "--src has no workflow to validate: {WORKFLOWS_DIR}/ holds no .yml or .yaml file \
             (or does not exist).\nPass the repository root (e.g. --src=.), whose \
             {WORKFLOWS_DIR}/ holds the Forgejo Actions workflows."
        );
    }
    Ok(files)
}

/// How the validator's line for a file that fails ends (the schema errors
/// follow on the next lines).
const FAILED: &str = " schema validation failed:";

/// How its line for a file that passes ends.
const PASSED: &str = " schema validation OK";

/// What the validator's run means: its output on success, else the error
/// for the person who ran `validate-workflows`, carrying that output.
pub fn verdict(
    version: &str,
    exit_code: i32,
    stdout: &str,
    stderr: &str,
) -> Result<String, String> {
    let failed: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_suffix(FAILED))
        .map(|file| file.rsplit_once(' ').map_or(file, |(path, _kind)| path))
        .collect();
    if exit_code == 0 && failed.is_empty() {
        return Ok(stdout.trim_end().to_owned());
    }
    if failed.is_empty() {
        if stderr.contains("unknown flag: --directory")
            || stderr.contains("unknown command \"validate\"")
        {
            return Err(format!(
                "forgejo-runner {version} has no `validate --directory`, which \
                 validate-workflows runs.\nPass a newer --runner-version (default: \
                 {DEFAULT_RUNNER_VERSION}).\n{}",
                tail(stderr, TAIL_LINES)
            ));
        }
        return Err(format!(
            "forgejo-runner {version} validate failed (exit status {exit_code}):\n{}\n{}",
            stdout.trim_end(),
            tail(stderr, TAIL_LINES)
        ));
    }
    let checked = stdout
        .lines()
        .filter(|l| l.ends_with(FAILED) || l.ends_with(PASSED))
        .count();
    Err(format!(
        "{} of {checked} Forgejo Actions files fail the schema of forgejo-runner {version}: {}.\n\
         Fix them as the validator says below; a workflow that fails the schema is not run.\n\n{}",
        failed.len(),
        failed.join(", "),
        stdout.trim_end()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn runner_versions_are_image_tags() {
        for good in ["12.7.0", "12.7", "12", "11.0.0-rc1", "12.7.0-rc.2"] {
            assert_eq!(parse_runner_version(good).unwrap(), good);
        }
        for bad in [
            "",
            "v12.7.0",
            "12.7.0.1",
            "12..0",
            "latest",
            "12.7.0-",
            "12.7.0;rm -rf /",
            "12.7.0 ",
            "12.7.0\n",
            "-12",
            "12.7.0-a_b",
            ":12",
            "12.7.0@sha256:00",
        ] {
            let err = parse_runner_version(bad).unwrap_err().to_string();
            assert!(err.starts_with("--runner-version `"), "{bad:?}: {err}");
        }
        assert!(
            parse_runner_version("v12.7.0")
                .unwrap_err()
                .to_string()
                .contains("Leave out the `v`")
        );
        assert_eq!(
            runner_image("12.7.0"),
            "code.forgejo.org/forgejo/runner:12.7.0"
        );
        assert_eq!(
            validate_argv(),
            ["forgejo-runner", "validate", "--directory", "."]
        );
    }

    #[test]
    fn workflows_must_exist() {
        let entries = vec![
            ".forgejo/workflows/ci.yml".to_owned(),
            ".forgejo/workflows/README.md".to_owned(),
            ".forgejo/workflows/old/".to_owned(),
            ".forgejo/workflows/release.yaml".to_owned(),
        ];
        assert_eq!(
            require_workflows(&entries).unwrap(),
            [
                ".forgejo/workflows/ci.yml",
                ".forgejo/workflows/release.yaml"
            ]
        );
        let err = require_workflows(&[".forgejo/workflows/README.md".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--src has no workflow to validate"),
            "{err}"
        );
        assert!(require_workflows(&[]).is_err());
    }

    const OK: &str = ".forgejo/workflows/ci.yml workflow schema validation OK\n";

    #[test]
    fn the_verdict_carries_the_validator_output() {
        assert_eq!(verdict("12.7.0", 0, OK, ""), Ok(OK.trim_end().to_owned()));
        let stdout = format!(
            "action.yml action schema validation OK\n{OK}.forgejo/workflows/bad.yml workflow \
             schema validation failed:\nUnknown Property ruins-on\n"
        );
        let err = verdict(
            "12.7.0",
            1,
            &stdout,
            "Error: .forgejo/workflows/bad.yml ...",
        )
        .unwrap_err();
        assert!(
            err.starts_with(
                "1 of 3 Forgejo Actions files fail the schema of forgejo-runner 12.7.0: \
                 .forgejo/workflows/bad.yml.\n"
            ),
            "{err}"
        );
        assert!(err.ends_with("Unknown Property ruins-on"), "{err}");
        // A runner that exits 0 on failure (before v11.1) still fails.
        assert!(verdict("11.0.0", 0, &stdout, "").is_err());
    }

    #[test]
    fn an_old_runner_or_a_crash_is_said_as_such() {
        let old = verdict(
            "9.0.0",
            1,
            "",
            "Error: unknown flag: --directory\nUsage: ...",
        )
        .unwrap_err();
        assert!(
            old.starts_with("forgejo-runner 9.0.0 has no `validate --directory`"),
            "{old}"
        );
        let older = verdict(
            "6.0.0",
            1,
            "",
            "Error: unknown command \"validate\" for \"forgejo-runner\"",
        )
        .unwrap_err();
        assert!(older.contains("has no `validate --directory`"), "{older}");
        let other = verdict("12.7.0", 2, "", "panic: boom").unwrap_err();
        assert!(
            other.starts_with("forgejo-runner 12.7.0 validate failed (exit status 2):"),
            "{other}"
        );
        assert!(other.ends_with("panic: boom"), "{other}");
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*", code in -1i32..300) {
            let _ = parse_runner_version(&s);
            let _ = verdict("12.7.0", code, &s, &s);
            let _ = require_workflows(std::slice::from_ref(&s));
        }
    }
}
