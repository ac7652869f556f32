//! How `build-nix` runs `nix-build` in the Nix image, and what its result
//! means: the exact script, its arguments, and the errors its exit
//! statuses stand for. `tests/nix_real.rs` runs this script with real Nix.
//!
//! The script fetches the pinned nixpkgs (its hash checked, see
//! [`super::nixpkgs`]), builds `containers/<name>/default.nix` with
//! `NIX_PATH=nixpkgs=<that path>`, and copies the image out of the store to
//! a plain folder: a File inside the `/nix` cache volume would not be part
//! of the container the engine returns. Nix image builders give one of two
//! shapes, both accepted:
//!
//! - a docker-archive tarball, gzipped or not (`dockerTools.buildImage`,
//!   `buildLayeredImage`): copied;
//! - an executable that writes one to stdout (`streamLayeredImage`): run.
//!
//! Either way the result must be a tar with a `manifest.json`, or the
//! build fails naming what it is instead.

use eyre::bail;

use super::exit_status::{TAIL_LINES, tail};
use super::names::ContainerName;
use super::text::excerpt;

/// The image the Nix functions run in, unless `--nix-image` says otherwise.
pub const DEFAULT_NIX_IMAGE: &str = "nixos/nix:2.33.3";

/// Where the repository is mounted in the Nix image (and the workdir).
pub const REPO_MOUNT: &str = "/src";

/// Where the script leaves the image archive: outside `/nix`, so that it
/// is part of the container.
pub const OUT_DIR: &str = "/out";

/// `NIX_CONFIG` in the Nix image: the new CLI and flakes enabled. The
/// image's own nix.conf stands otherwise (its build users, and Nix's
/// sandbox fallback where the engine allows no namespaces).
pub const NIX_CONFIG: &str = "experimental-features = nix-command flakes";

/// The cache volume that holds `/nix` for `image`: one per image, so two
/// Nix versions never share a store database.
pub fn store_volume(image: &str) -> String {
    format!("blumeops-ci-nix-store-{image}")
}

/// `--nix-image`: an image reference, by tag or digest.
pub fn parse_nix_image(raw: &str) -> eyre::Result<String> {
    let valid = !raw.is_empty()
        && raw.len() <= 512
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"./:@_-".contains(&b))
        && !raw.starts_with(['-', '.', ':', '@']);
    if !valid {
        bail!(
            "--nix-image `{}` is not an image reference (e.g. {DEFAULT_NIX_IMAGE}, or \
             nixos/nix:2.33.3@sha256:<digest> to pin it).",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// Exit statuses of [`BUILD_SCRIPT`] (anything else is Nix's own).
mod exit {
    pub const FETCH: i32 = 10;
    pub const BUILD: i32 = 11;
    pub const OUTPUTS: i32 = 12;
    pub const DIRECTORY: i32 = 13;
    pub const STREAM: i32 = 14;
    pub const NOT_AN_IMAGE: i32 = 15;
}

/// `sh -c BUILD_SCRIPT sh <nixpkgs expr> <default.nix> <out dir> <name>
/// <format>`, run in the repository. `format` is `as-built` (a gzipped
/// archive stays gzipped) or `tar` (always an uncompressed tar, for
/// `Container.import`). Prints one line: `<shape> <file name>`, where shape
/// is `archive` or `stream` and the file is in `<out dir>`. When one of its
/// own checks fails it exits with one of the `exit` statuses and prints
/// what it found on stdout (stderr is Nix's progress and errors).
pub const BUILD_SCRIPT: &str = r#"set -eu
nixpkgs_expr=$1 nix_file=$2 out_dir=$3 name=$4 format=$5
nixpkgs=$(nix --extra-experimental-features nix-command eval --raw --impure --expr "$nixpkgs_expr") || exit 10
export NIX_PATH="nixpkgs=$nixpkgs"
outputs=$(nix-build --no-out-link "$nix_file") || exit 11
[ "$(printf '%s\n' "$outputs" | wc -l)" -eq 1 ] || { printf '%s\n' "$outputs"; exit 12; }
out=$outputs
mkdir -p "$out_dir"
if [ -d "$out" ]; then
  echo "$out"; exit 13
elif [ -x "$out" ]; then
  shape=stream file="$out_dir/$name.tar"
  "$out" >"$file" || exit 14
else
  shape=archive file="$out_dir/$name.tar"
  cp "$out" "$file"
fi
chmod 644 "$file"
if [ "$(head -c 2 "$file" | od -An -tx1 | tr -d ' \n')" = 1f8b ]; then
  if [ "$format" = tar ]; then
    gzip -dc <"$file" >"$file.plain"; mv "$file.plain" "$file"
  else
    mv "$file" "$file.gz"; file="$file.gz"
  fi
fi
if ! tar -tf "$file" 2>/dev/null | grep -qxE '(\./)?manifest\.json'; then
  printf '%s\n' "$out"
  if [ -n "$(tar -tf "$file" 2>/dev/null | head -n 1)" ]; then echo tar; else echo other; fi
  exit 15
fi
echo "$shape ${file##*/}"
"#;

/// What `build-nix` hands back: the archive as the builder made it, or an
/// uncompressed tar (what `publish-nix` imports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    AsBuilt,
    Tar,
}

/// The arguments of [`BUILD_SCRIPT`] for `name`, with nixpkgs given as
/// the expression that fetches it.
pub fn build_argv(nixpkgs_expr: &str, name: &ContainerName, format: ArchiveFormat) -> Vec<String> {
    super::shell::sh_c(
        BUILD_SCRIPT,
        [
            nixpkgs_expr.into(),
            super::discovery::build_file_path(name, super::variant::Variant::Nix),
            OUT_DIR.into(),
            name.as_str().into(),
            match format {
                ArchiveFormat::AsBuilt => "as-built",
                ArchiveFormat::Tar => "tar",
            }
            .into(),
        ],
    )
}

/// What the build left in [`OUT_DIR`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The file name (`<name>.tar.gz` or `<name>.tar`).
    pub file: String,
    /// The builder streamed the image (`streamLayeredImage`).
    pub streamed: bool,
}

/// Reads the script's result line.
pub fn parse_result(stdout: &str) -> eyre::Result<Built> {
    let line = stdout.lines().last().unwrap_or_default();
    match line.split_once(' ') {
        Some((shape @ ("archive" | "stream"), file)) if !file.is_empty() && !file.contains('/') => {
            Ok(Built {
                file: file.to_owned(),
                streamed: shape == "stream",
            })
        }
        _ => bail!(
            "the Nix build printed `{}` where the name of the image archive was expected",
            excerpt(stdout)
        ),
    }
}

/// The error a failed [`BUILD_SCRIPT`] stands for, written for the person
/// who ran `build-nix`, from the script's stdout (what its checks found)
/// and stderr (Nix's errors). `nixpkgs` describes the pin, `nix_file` the
/// file that was built.
pub fn script_error(
    exit_code: i32,
    stdout: &str,
    stderr: &str,
    nixpkgs: &str,
    nix_file: &str,
) -> String {
    let tail = tail(stderr, TAIL_LINES);
    match exit_code {
        exit::FETCH => fetch_error(stderr, nixpkgs),
        exit::BUILD => format!("nix-build {nix_file} failed:\n{tail}"),
        exit::OUTPUTS => format!(
            "{nix_file} builds several outputs:\n{}\nIt must evaluate to one image \
             (pkgs.dockerTools.buildLayeredImage {{ ... }}, buildImage or streamLayeredImage).",
            stdout.trim_end()
        ),
        exit::DIRECTORY => format!(
            "{nix_file} builds a folder ({}), not an image.\nMake it evaluate to \
             pkgs.dockerTools.buildLayeredImage {{ ... }} (or buildImage, streamLayeredImage).",
            stdout.trim()
        ),
        exit::STREAM => format!(
            "{nix_file} builds an executable, run as streamLayeredImage's image stream, and it \
             failed:\n{tail}"
        ),
        exit::NOT_AN_IMAGE => {
            let mut lines = stdout.lines();
            let out = lines.next().unwrap_or_default();
            let what = match lines.next() {
                Some("tar") => "a tar archive without a manifest.json",
                _ => "not a tar archive",
            };
            format!(
                "{nix_file} builds {out}, which is {what}, so not a docker image archive.\n\
                 Make it evaluate to pkgs.dockerTools.buildLayeredImage {{ ... }} (or buildImage, \
                 streamLayeredImage)."
            )
        }
        code => format!("the Nix build exited with status {code}:\n{tail}"),
    }
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
    fn the_result_line_names_the_file() {
        assert_eq!(
            parse_result("archive nettest.tar.gz\n").unwrap(),
            Built {
                file: "nettest.tar.gz".into(),
                streamed: false
            }
        );
        assert!(parse_result("stream jq.tar").unwrap().streamed);
        for bad in ["", "archive", "archive ../x", "zip x.zip"] {
            assert!(parse_result(bad).is_err(), "{bad}");
        }
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
            notimg.contains("a tar archive without a manifest.json"),
            "{notimg}"
        );
        let other = script_error(15, "/nix/store/y\nother\n", "", "", "f");
        assert!(other.contains("not a tar archive"), "{other}");
    }

    #[test]
    fn nix_images() {
        assert_eq!(
            parse_nix_image(DEFAULT_NIX_IMAGE).unwrap(),
            DEFAULT_NIX_IMAGE
        );
        assert!(parse_nix_image("nixos/nix:2.33.3@sha256:0123abcd").is_ok());
        for bad in ["", "a b", "-x", "x;rm", "x\ny"] {
            assert!(parse_nix_image(bad).is_err(), "{bad:?}");
        }
    }
}
