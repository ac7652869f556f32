//! `containers`, `version` and `tags`: what the repository holds, and the
//! versions and tags the rules give it. Two round trips each: one `glob`
//! for the catalog, one batched read of the build files.

use crate::arguments::{COMMIT_SHA, CONTAINER_NAME, SRC, TAGS, VARIANT, VERSION};
use crate::core::container::discovery::{self, ContainerEntry};
use crate::core::container::kind::BuildKind;
use crate::core::container::listing;
use crate::core::container::names::ContainerName;
use crate::core::image::tags::{self, CommitSha};
use crate::core::version::nix_image::PackageMap;
use crate::core::version::resolve::{self, AppVersion};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::repo;

pub async fn containers(call: Invocation) -> eyre::Result<Output> {
    let src = call.args.directory(&call.query, &SRC)?;
    let entries = repo::catalog(&src).await?;
    if entries.is_empty() {
        eyre::bail!(
            "no folder under {}/ has a Dockerfile or a default.nix.\n\
             Is --src the root of the ops repository (the folder that holds {0}/)?",
            discovery::CONTAINERS_DIR
        );
    }
    let texts = repo::read_build_files(&call.query, &call.args.object_id(&SRC)?, &entries).await?;
    Ok(Output::Text(listing::render(&entries, &texts)))
}

pub async fn version(call: Invocation) -> eyre::Result<Output> {
    let (name, variant) = name_and_variant(&call)?;
    let resolved = app_version(&call, &name, variant).await?;
    Ok(Output::Text(resolved.known(&name)?.0.to_owned()))
}

pub async fn tags(call: Invocation) -> eyre::Result<Output> {
    let (name, variant) = name_and_variant(&call)?;
    let commit = CommitSha::parse(&call.args.string(&COMMIT_SHA)?)?;
    let extra = call.args.strings(&TAGS);
    let tags = match call.args.opt_string(&VERSION)? {
        Some(v) => {
            let src = call.args.directory(&call.query, &SRC)?;
            repo::require(&src, &name, variant).await?;
            tags::publish_tags(&v, "--version", &commit, variant, &extra)?
        }
        None => {
            let resolved = app_version(&call, &name, variant).await?;
            let (version, from) = resolved.known(&name)?;
            tags::publish_tags(version, from, &commit, variant, &extra)?
        }
    };
    let lines: Vec<&str> = tags.iter().map(|t| t.as_str()).collect();
    Ok(Output::Text(lines.join("\n")))
}

/// `--container-name` and `--variant`, checked before any engine work.
fn name_and_variant(call: &Invocation) -> eyre::Result<(ContainerName, BuildKind)> {
    let name = ContainerName::parse(&call.args.string(&CONTAINER_NAME)?)?;
    let variant = call.args.string(&VARIANT)?.parse()?;
    Ok((name, variant))
}

/// The version of one container's variant, read from `--src`.
pub async fn app_version(
    call: &Invocation,
    name: &ContainerName,
    variant: BuildKind,
) -> eyre::Result<AppVersion> {
    let src = call.args.directory(&call.query, &SRC)?;
    let entry: ContainerEntry = repo::require(&src, name, variant).await?;
    let texts = repo::read_build_files(&call.query, &call.args.object_id(&SRC)?, &[entry]).await?;
    // Named like the container: these functions have no --nix-packages.
    resolve::resolve(name, variant, &texts[0], &PackageMap::default())
}
