//! How `build-nix` and `publish-nix` build an image in the Nix image, one
//! file per concern:
//!
//! - [`recipe`]: what is built, a Nix file (the container's `default.nix`,
//!   or `--nix-file`) called with nixpkgs' `callPackage`, or an output of
//!   the repository's flake (`--flake-output`), and the Nix expression of
//!   each;
//! - [`script`]: the exact build script, its arguments, and the line it
//!   prints; `tests/real/nix_real.rs` runs it with real Nix;
//! - [`errors`]: what its exit statuses and Nix's errors mean.
//!
//! A flake output's version, which only an evaluation tells, is part of the
//! version rule: [`crate::core::version::flake_image`].
//!
//! The script fetches the pinned nixpkgs for a file (its hash checked, see
//! [`crate::core::nix::nixpkgs`]), builds the target, and copies the image out of the
//! store to a plain folder: a File inside the `/nix` cache volume would not
//! be part of the container the engine returns. Nix image builders give
//! one of three shapes, all accepted: a docker-archive (gzipped or not), an
//! executable that streams one, or nix2container's JSON description of the
//! image, which the image's own `copyTo` turns into a docker-archive.
//! Either way the result must be a tar with a `manifest.json`, or the
//! build fails naming what it is instead.

pub mod errors;
pub mod recipe;
pub mod script;

pub use errors::{evaluation_error, fetch_error, script_error};
pub use recipe::NixRecipe;
pub use script::{ArchiveFormat, BUILD_SCRIPT, Built, Shape, build_argv, parse_result};

use eyre::bail;

use crate::core::text::excerpt;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_nix_image_has_its_own_store_volume() {
        assert_eq!(
            store_volume("nixos/nix:2.28.3"),
            "blumeops-ci-nix-store-nixos/nix:2.28.3"
        );
        assert_ne!(
            store_volume("nixos/nix:2.28.3"),
            store_volume("nixos/nix:2.31.2")
        );
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
