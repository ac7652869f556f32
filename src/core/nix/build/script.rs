//! The build script: the exact `sh` script `build-nix` and `publish-nix`
//! run in the Nix image, its arguments, and the line it prints.

use eyre::bail;

use crate::core::command::shell::sh_c;
use crate::core::container::names::ContainerName;
use crate::core::nix::build::OUT_DIR;
use crate::core::nix::build::recipe::NixRecipe;
use crate::core::text::excerpt;

/// Exit statuses of [`BUILD_SCRIPT`] (anything else is Nix's own).
pub(super) mod exit {
    pub const FETCH: i32 = 10;
    pub const BUILD: i32 = 11;
    pub const OUTPUTS: i32 = 12;
    pub const DIRECTORY: i32 = 13;
    pub const STREAM: i32 = 14;
    pub const NOT_AN_IMAGE: i32 = 15;
    pub const COPY_TO_BUILD: i32 = 16;
    pub const COPY_TO_RUN: i32 = 17;
}

/// `sh -c BUILD_SCRIPT sh <nixpkgs expr> <build expr> <target> <out dir>
/// <name> <format>`, run in the repository (its folder is `$PWD`).
///
/// - `nixpkgs expr` evaluates to nixpkgs' store path, which becomes
///   `<nixpkgs>` (`NIX_PATH`); empty for a flake output, whose flake.lock
///   pins its own nixpkgs.
/// - `build expr` is the target's Nix expression
///   ([`NixRecipe::expression`]), a function of `repo` (the repository's
///   folder) and `target` (a file, or a flake output), passed to it with
///   `--argstr`: user input is never part of Nix code.
/// - `format` is `as-built` (a gzipped archive stays gzipped) or `tar`
///   (always an uncompressed tar, for `Container.import`).
///
/// The build's output is one of:
///
/// - a docker-archive, gzipped or not (`dockerTools.buildImage`,
///   `buildLayeredImage`): copied;
/// - an executable that writes one to stdout (`streamLayeredImage`): run;
/// - a nix2container image, whose output is the image's JSON description
///   (`{"version":1,"image-config":...,"layers":[...]}`): its `copyTo`
///   passthru (nix2container's skopeo, with its `nix:` transport) is built
///   and writes a docker-archive of it, `<name>:latest`, layer for layer.
///
/// The image file is left in `<out dir>` (outside `/nix`). The script
/// prints one line: `<shape> <file name>`, where shape is `archive`,
/// `stream` or `nix2container`. When one of its own checks fails it exits
/// with one of the `exit` statuses and prints what it found on stdout
/// (stderr is Nix's progress and errors).
pub const BUILD_SCRIPT: &str = r#"set -eu
nixpkgs_expr=$1 build_expr=$2 target=$3 out_dir=$4 name=$5 format=$6
if [ -n "$nixpkgs_expr" ]; then
  nixpkgs=$(nix --extra-experimental-features nix-command eval --raw --impure --expr "$nixpkgs_expr") || exit 10
  export NIX_PATH="nixpkgs=$nixpkgs"
fi
build() {
  nix-build --no-out-link --expr "$build_expr" --argstr repo "$PWD" --argstr target "$target" "$@"
}
outputs=$(build) || exit 11
[ "$(printf '%s\n' "$outputs" | wc -l)" -eq 1 ] || { printf '%s\n' "$outputs"; exit 12; }
out=$outputs
mkdir -p "$out_dir"
file="$out_dir/$name.tar"
rm -f "$file" "$file.gz"
if [ -d "$out" ]; then
  echo "$out"; exit 13
elif [ -x "$out" ]; then
  shape=stream
  "$out" >"$file" || exit 14
elif [ "$(head -c 1 "$out")" = '{' ] && grep -q '"image-config"' "$out"; then
  shape=nix2container
  copy=$(build -A copyTo) || { echo "$out"; exit 16; }
  [ -x "$copy/bin/copy-to" ] || { echo "$out"; echo "$copy"; exit 16; }
  TMPDIR=${TMPDIR:-/tmp} "$copy/bin/copy-to" "docker-archive:$file:$name:latest" >&2 || exit 17
else
  shape=archive
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

/// The arguments of [`BUILD_SCRIPT`] that build `target` as the image
/// `name`. `nixpkgs_expr` is the expression that fetches the pinned
/// nixpkgs ([`crate::core::nix::nixpkgs::Nixpkgs::expr`]): given for a file,
/// `None` for a flake output (its flake.lock pins it).
pub fn build_argv(
    target: &NixRecipe,
    nixpkgs_expr: Option<&str>,
    name: &ContainerName,
    format: ArchiveFormat,
) -> Vec<String> {
    sh_c(
        BUILD_SCRIPT,
        [
            nixpkgs_expr.unwrap_or_default().into(),
            target.expression().into(),
            target.argument(),
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

/// How the builder handed over the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A docker-archive (`buildImage`, `buildLayeredImage`).
    Archive,
    /// An executable that streamed one (`streamLayeredImage`).
    Stream,
    /// A nix2container image, copied to a docker-archive by its `copyTo`.
    Nix2container,
}

/// What the build left in [`OUT_DIR`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The file name (`<name>.tar.gz` or `<name>.tar`).
    pub file: String,
    pub shape: Shape,
}

/// Reads the script's result line.
pub fn parse_result(stdout: &str) -> eyre::Result<Built> {
    let line = stdout.lines().last().unwrap_or_default();
    let shape = |word: &str| match word {
        "archive" => Some(Shape::Archive),
        "stream" => Some(Shape::Stream),
        "nix2container" => Some(Shape::Nix2container),
        _ => None,
    };
    match line.split_once(' ') {
        Some((word, file)) if !file.is_empty() && !file.contains('/') => {
            if let Some(shape) = shape(word) {
                return Ok(Built {
                    file: file.to_owned(),
                    shape,
                });
            }
        }
        _ => {}
    }
    bail!(
        "the Nix build printed `{}` where the name of the image archive was expected",
        excerpt(stdout)
    )
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
                shape: Shape::Archive,
            }
        );
        assert_eq!(parse_result("stream jq.tar").unwrap().shape, Shape::Stream);
        assert_eq!(
            parse_result("Copying blob...\nnix2container attic.tar")
                .unwrap()
                .shape,
            Shape::Nix2container
        );
        for bad in ["", "archive", "archive ../x", "zip x.zip", "nix2container "] {
            assert!(parse_result(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_values_are_arguments_not_script() {
        let name = ContainerName::parse("jq").unwrap();
        let target = NixRecipe::File("packages/a b;$(x).nix".into());
        let argv = build_argv(&target, Some("e"), &name, ArchiveFormat::Tar);
        assert_eq!(argv[2], BUILD_SCRIPT);
        assert_eq!(
            argv[4..],
            [
                "e",
                target.expression(),
                "packages/a b;$(x).nix",
                OUT_DIR,
                "jq",
                "tar"
            ]
        );
        let flake = NixRecipe::parse_flake_output("attic-server-image").unwrap();
        let argv = build_argv(&flake, None, &name, ArchiveFormat::AsBuilt);
        assert_eq!(argv[4], "");
        assert_eq!(argv[6], "attic-server-image");
    }
}
