//! `build-nix`: the image of a Nix file or a flake output, built in the
//! Nix image and returned as it was built.

use crate::arguments::{CONTAINER_NAME, SRC};
use crate::core::container::names::ContainerName;
use crate::core::nix::build::ArchiveFormat;
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::environment::Nix;
use super::recipe as nix_recipe;

pub async fn build_nix(call: Invocation) -> eyre::Result<Output> {
    let name = ContainerName::parse(&call.args.string(&CONTAINER_NAME)?)?;
    let nix = Nix::from_args(&call)?;
    let target = nix_recipe::from_args(&call, &name)?;
    let src = call.args.directory(&call.query, &SRC)?;
    nix_recipe::require(&src, &target).await?;
    let nixpkgs = nix.pin_for(&call, &src, &target).await?;
    let file = nix
        .build(
            &call,
            &src,
            nixpkgs.as_ref(),
            &target,
            &name,
            ArchiveFormat::AsBuilt,
        )
        .await?;
    Ok(Output::File(file))
}
