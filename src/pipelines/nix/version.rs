//! `nix-version`: the version of a nixpkgs package, evaluated in the Nix
//! image against the repository's pin.

use crate::arguments::{PACKAGE, SRC};
use crate::core::nix::nixpkgs::AttrPath;
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::environment::Nix;

pub async fn nix_version(call: Invocation) -> eyre::Result<Output> {
    let attr = AttrPath::parse(&call.args.string(&PACKAGE)?)?;
    let nix = Nix::from_args(&call)?;
    // Without --src (the origin's nix-version took none), no repository is
    // read: an empty folder stands in, so the flake registry's nixpkgs
    // (unless --nixpkgs), and the log says why.
    let (src, nixpkgs) = match call.args.opt_object_id(&SRC) {
        Some(_) => {
            let src = call.args.directory(&call.query, &SRC)?;
            let nixpkgs = nix.pin(&call, &src).await?;
            (src, nixpkgs)
        }
        None => {
            let empty = call.query.directory();
            let nixpkgs = nix.settle(&call, &empty, None, Some(NO_SRC_NOTE)).await?;
            (empty, nixpkgs)
        }
    };
    let version = nix.version_of(&call, &src, &nixpkgs, &attr).await?;
    Ok(Output::Text(version))
}

/// What the log says when nix-version runs without `--src`.
const NO_SRC_NOTE: &str = "nixpkgs: nix-version without --src reads no repository (as the \
     Python module's did), so no lock pins it; pass --src=. to use the repository's pin \
     (its root flake.lock, else nixos/ringtail/flake.lock).";
