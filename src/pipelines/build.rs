//! `build`: the Dockerfile build of one container.

use dagger_sdk::{Container, Directory};

use crate::core::discovery;
use crate::core::names::ContainerName;
use crate::core::variant::Variant;
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::repo;

pub async fn build(call: Invocation) -> eyre::Result<Output> {
    // The name is checked before any engine work.
    let name = ContainerName::parse(&call.args.string("containerName")?)?;
    let src = call.args.directory(&call.query, "src")?;
    Ok(Output::Container(dockerfile_build(&src, &name).await?))
}

/// `docker build` of `containers/<name>/`, with that folder as the context.
pub async fn dockerfile_build(src: &Directory, name: &ContainerName) -> eyre::Result<Container> {
    repo::require(src, name, Variant::Dockerfile).await?;
    Ok(src.directory(discovery::folder_path(name)).docker_build())
}
