//! What a failed build means, written for the person who ran `build-nix`:
//! from the script's exit status, what its checks printed, and Nix's
//! errors (the failures Nix reports the same way for every user, a missing
//! callPackage argument, a flake output that does not exist, a flake.lock
//! that is out of date, a download whose hash changed, get their own
//! explanation).

use crate::core::command::exit_status::{TAIL_LINES, tail};
use crate::core::nix::build::recipe::THROWN;
use crate::core::nix::build::script::exit;

/// The error a failed [`crate::core::nix::build::BUILD_SCRIPT`] stands for. `nixpkgs`
/// describes the pin, `what` the image that was built (its file, or
/// ``flake output `<attr>` ``).
pub fn script_error(
    exit_code: i32,
    stdout: &str,
    stderr: &str,
    nixpkgs: &str,
    what: &str,
) -> String {
    let tail = tail(stderr, TAIL_LINES);
    let mut lines = stdout.lines();
    let out = lines.next().unwrap_or_default();
    match exit_code {
        exit::FETCH => fetch_error(stderr, nixpkgs),
        exit::BUILD => build_error(what, stderr),
        exit::OUTPUTS => format!(
            "{what} builds several outputs:\n{}\nIt must evaluate to one image \
             (pkgs.dockerTools.buildLayeredImage {{ ... }}, buildImage or streamLayeredImage).",
            stdout.trim_end()
        ),
        exit::DIRECTORY => format!(
            "{what} builds a folder ({}), not an image.\nMake it evaluate to \
             pkgs.dockerTools.buildLayeredImage {{ ... }} (or buildImage, streamLayeredImage), \
             or nix2container's buildImage.",
            stdout.trim()
        ),
        exit::STREAM => format!(
            "{what} builds an executable, run as streamLayeredImage's image stream, and it \
             failed:\n{tail}"
        ),
        exit::NOT_AN_IMAGE => {
            let kind = match lines.next() {
                Some("tar") => "a tar archive without a manifest.json",
                _ => "not a tar archive",
            };
            format!(
                "{what} builds {out}, which is {kind}, so neither a docker image archive, an \
                 image stream nor a nix2container image.\nMake it evaluate to \
                 pkgs.dockerTools.buildLayeredImage {{ ... }} (or buildImage, \
                 streamLayeredImage), or nix2container's buildImage."
            )
        }
        exit::COPY_TO_BUILD => {
            let why = match lines.next() {
                Some(copy) => format!("its copyTo ({copy}) has no bin/copy-to"),
                None => format!("its copyTo could not be built:\n{tail}"),
            };
            format!(
                "{what} builds a nix2container image description ({out}), which build-nix turns \
                 into an archive with the image's own copyTo, but {why}\nBuild the image with \
                 nix2container's buildImage, whose copyTo passthru is that tool."
            )
        }
        exit::COPY_TO_RUN => format!(
            "{what} builds a nix2container image, and its copyTo (nix2container's skopeo) \
             could not write it as a docker-archive:\n{tail}"
        ),
        code => format!("the Nix build exited with status {code}:\n{tail}"),
    }
}

/// The error of a failed `nix-build`: Nix's own words, after an
/// explanation when the failure is one of the known kinds.
fn build_error(what: &str, stderr: &str) -> String {
    let tail = tail(stderr, TAIL_LINES);
    if let Some(known) = known_failure(what, stderr) {
        return known;
    }
    if stderr.contains("hash mismatch in fixed-output derivation") {
        return format!(
            "nix-build {what} failed: a download in the build (a fixed-output derivation, such \
             as dockerTools.pullImage's base image) is not what its hash pins.\nIf the new \
             content is right, set the hash to the one Nix got (`got:` below); otherwise the \
             source changed under its pin.\n{tail}"
        );
    }
    format!("nix-build {what} failed:\n{tail}")
}

/// The error of a failed evaluation of `what` for its version
/// ([`crate::core::version::flake_image::flake_version_command`]).
pub fn evaluation_error(what: &str, stderr: &str) -> String {
    known_failure(what, stderr).unwrap_or_else(|| {
        format!(
            "Nix could not evaluate {what} for its version:\n{}",
            tail(stderr, TAIL_LINES)
        )
    })
}

/// The explanation of a failure that evaluating `what` reports the same
/// way for everyone: a flake output that does not exist, an argument
/// callPackage cannot fill, a flake.lock that locks too little.
fn known_failure(what: &str, stderr: &str) -> Option<String> {
    let tail = tail(stderr, TAIL_LINES);
    if let Some(thrown) = stderr
        .lines()
        .find_map(|line| line.split_once(THROWN).map(|(_, m)| m.trim_end()))
    {
        return Some(format!(
            "{thrown}.\nName one of its outputs (`nix flake show` lists them): the name of a \
             package of packages.<system>, or a full attribute path.\n{tail}"
        ));
    }
    if let Some(argument) = missing_argument(stderr) {
        return Some(format!(
            "{what} is called with nixpkgs' callPackage, and nixpkgs has nothing named \
             `{argument}` to give its argument `{argument}`.\nGive that argument a default \
             (`{argument} ? ...`), take it from pkgs, or fix its name.\n{tail}"
        ));
    }
    if stderr.contains("requires lock file changes") {
        return Some(format!(
            "the flake.lock of --src does not lock every input of its flake.nix, and \
             blumeops-ci does not lock them itself (that would build something unpinned).\nRun \
             `nix flake lock` at its root (without Nix: the flake-lock function, with \
             --flake-path=.) and commit flake.lock.\n{tail}"
        ));
    }
    None
}

/// The argument nixpkgs' callPackage could not fill, from its error
/// (`Function called without required argument "<name>" at ...`).
fn missing_argument(stderr: &str) -> Option<&str> {
    let (_, rest) = stderr.split_once("Function called without required argument ")?;
    let rest = rest.strip_prefix(['"', '\''])?;
    let name = &rest[..rest.find(['"', '\''])?];
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
    plain.then_some(name)
}

/// The error of a failed fetch (or evaluation) of the pinned nixpkgs:
/// Nix's hash mismatch gets its own explanation.
pub fn fetch_error(stderr: &str, nixpkgs: &str) -> String {
    let tail = tail(stderr, TAIL_LINES);
    if stderr.contains("hash mismatch") || stderr.contains("store path mismatch") {
        format!(
            "nixpkgs does not match the hash it is pinned with: {nixpkgs}.\n\
             The download (or folder) differs from what the lock recorded, so it was not used.\n\
             If the lock is right, the source changed under it; otherwise run `nix flake lock` \
             again and commit the new flake.lock.\n{tail}"
        )
    } else {
        format!(
            "could not fetch or evaluate nixpkgs ({nixpkgs}).\nCheck that the Dagger engine can \
             reach it.\n{tail}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_evaluation_says_what_could_not_be_evaluated_in_nix_s_words() {
        let message = evaluation_error(
            "flake output `nope`",
            "warning: Git tree is dirty\nerror: flake has no attribute 'nope'",
        );
        assert!(
            message.starts_with("Nix could not evaluate flake output `nope` for its version:\n")
                && message.ends_with("error: flake has no attribute 'nope'"),
            "{message}"
        );
    }

    #[test]
    fn errors_say_what_happened() {
        let mismatch = script_error(
            10,
            "",
            "error: hash mismatch in file downloaded",
            "u (h)",
            "f",
        );
        assert!(
            mismatch.starts_with("nixpkgs does not match the hash"),
            "{mismatch}"
        );
        let unreachable = script_error(10, "", "error: unable to download", "u (h)", "f");
        assert!(
            unreachable.starts_with("could not fetch or evaluate nixpkgs"),
            "{unreachable}"
        );
        let dir = script_error(
            13,
            "/nix/store/x-jq\n",
            "building...",
            "",
            "containers/jq/default.nix",
        );
        assert!(dir.contains("builds a folder (/nix/store/x-jq)"), "{dir}");
        let notimg = script_error(15, "/nix/store/y\ntar\n", "building...", "", "f");
        assert!(
            notimg.contains("a tar archive without a manifest.json")
                && notimg.contains("nor a nix2container image"),
            "{notimg}"
        );
        let other = script_error(15, "/nix/store/y\nother\n", "", "", "f");
        assert!(other.contains("not a tar archive"), "{other}");
    }

    #[test]
    fn nix2container_failures_name_copy_to() {
        let no_copy = script_error(
            16,
            "/nix/store/a-image-x.json\n",
            "error: attribute 'copyTo' missing",
            "",
            "f",
        );
        assert!(
            no_copy.starts_with(
                "f builds a nix2container image description (/nix/store/a-image-x.json)"
            ) && no_copy.contains("could not be built:\nerror: attribute 'copyTo' missing"),
            "{no_copy}"
        );
        let no_bin = script_error(16, "/nix/store/a\n/nix/store/b-copy\n", "", "", "f");
        assert!(
            no_bin.contains("its copyTo (/nix/store/b-copy) has no bin/copy-to"),
            "{no_bin}"
        );
        let failed = script_error(17, "", "FATA[0000] no space left", "", "f");
        assert!(
            failed.contains("could not write it as a docker-archive:\nFATA"),
            "{failed}"
        );
    }

    #[test]
    fn known_nix_failures_are_explained() {
        // Nix 2.8 and 2.33 print a throw after `error:` or on a line of its
        // own, below `… while calling the 'throw' builtin`.
        for stderr in [
            "error: blumeops-ci: the flake of --src has no output `nope` (neither a nor b)",
            "error:\n       … while calling the 'throw' builtin\n\n       error: blumeops-ci: the flake of --src has no output `nope` (neither a nor b)",
        ] {
            let message = script_error(11, "", stderr, "", "flake output `nope`");
            assert!(
                message.starts_with(
                    "the flake of --src has no output `nope` (neither a nor b).\nName one"
                ),
                "{message}"
            );
        }
        let missing = script_error(
            11,
            "",
            "error: evaluation aborted with the following error message: \
             'lib.customisation.callPackageWith: Function called without required argument \
             \"no-such-package\" at /src/containers/x/default.nix:2'",
            "",
            "containers/x/default.nix",
        );
        assert!(
            missing.starts_with(
                "containers/x/default.nix is called with nixpkgs' callPackage, and nixpkgs has \
                 nothing named `no-such-package`"
            ),
            "{missing}"
        );
        let lock = script_error(
            11,
            "",
            "error: flake 'path:/src' requires lock file changes but they're not allowed due to '--no-update-lock-file'",
            "",
            "flake output `x`",
        );
        assert!(lock.contains("Run `nix flake lock`"), "{lock}");
        let fod = script_error(
            11,
            "",
            "error: hash mismatch in fixed-output derivation '/nix/store/a.drv':\n  specified: sha256-A\n     got:    sha256-B",
            "",
            "packages/ollama.nix",
        );
        assert!(
            fod.starts_with("nix-build packages/ollama.nix failed: a download in the build")
                && fod.contains("got:    sha256-B"),
            "{fod}"
        );
        let plain = script_error(11, "", "error: undefined variable 'pkgz'", "", "f");
        assert_eq!(
            plain,
            "nix-build f failed:\nerror: undefined variable 'pkgz'"
        );
    }

    #[test]
    fn a_missing_argument_is_read_only_when_it_is_a_name() {
        assert_eq!(
            missing_argument("Function called without required argument \"jq\" at x"),
            Some("jq")
        );
        assert_eq!(
            missing_argument("Function called without required argument 'jq' at x"),
            Some("jq")
        );
        assert_eq!(
            missing_argument("Function called without required argument \"a b\" at x"),
            None
        );
        assert_eq!(
            missing_argument("Function called without required argument"),
            None
        );
    }
}
