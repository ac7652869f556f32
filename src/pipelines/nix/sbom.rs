//! `sbom-nix`, and the SBOM that `publish-nix --sbom` pushes: the
//! CycloneDX document of what a Nix image holds. The build is
//! `build-nix`'s (the same exec, so a built image is not built again); the
//! closure step ([`crate::core::sbom::closure`]) runs in the container after the
//! build, whose `/nix` is the store that built the image; the document is
//! made by [`crate::core::sbom::cyclonedx`].

use dagger_sdk::{Container, File, Query};
use eyre::{WrapErr, bail};

use crate::arguments::{CONTAINER_NAME, NIX_FILE, SRC};
use crate::core::container::names::ContainerName;
use crate::core::image::tag::Tag;
use crate::core::nix::build::{ArchiveFormat, NixRecipe};
use crate::core::nix::nixpkgs::Nixpkgs;
use crate::core::sbom::closure;
use crate::core::sbom::cyclonedx::{self, SbomInput};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::environment::Nix;
use super::recipe as nix_recipe;
use crate::pipelines::exec;
use crate::pipelines::publish::{Image, PushDestination};

pub async fn sbom_nix(call: Invocation) -> eyre::Result<Output> {
    let name = ContainerName::parse(&call.args.string(&CONTAINER_NAME)?)?;
    let nix = Nix::from_args(&call)?;
    // A file (default.nix or --nix-file); a flake output has no nixpkgs
    // pin of ours for the SBOM's metadata, and is not offered here.
    let target = NixRecipe::parse(&name, call.args.opt_string(&NIX_FILE)?.as_deref(), None)?;
    let src = call.args.directory(&call.query, &SRC)?;
    nix_recipe::require(&src, &target).await?;
    let nixpkgs = nix.pin(&call, &src).await?;
    let (built, archive) = nix
        .build_archive(
            &call,
            &src,
            Some(&nixpkgs),
            &target,
            &name,
            ArchiveFormat::AsBuilt,
        )
        .await?;
    let document = image_sbom(&call, &nix, &built, &archive, &nixpkgs, &name, &target).await?;
    Ok(Output::File(sbom_file(&call.query, &name, document)))
}

/// The SBOM of the image archive at `archive` in `built` (the container
/// that built it from `target`, with the store that did).
pub async fn image_sbom(
    call: &Invocation,
    nix: &Nix,
    built: &Container,
    archive: &str,
    nixpkgs: &Nixpkgs,
    name: &ContainerName,
    target: &NixRecipe,
) -> eyre::Result<String> {
    let what = format!("the image of {target}");
    let argv = closure::image_closure_argv(archive);
    let command = format!("the closure step of the SBOM of {what}");
    let outcome = exec::run(&call.query, built, argv, &command).await?;
    if outcome.exit_code != 0 {
        bail!(closure::script_error(
            outcome.exit_code,
            &outcome.stderr,
            &what
        ));
    }
    let closure = closure::parse(&outcome.stdout)
        .wrap_err_with(|| format!("reading the closure of {what}"))?;
    call.log.say(format!(
        "SBOM of {what}: {} store paths with their NAR hashes",
        closure.paths.len()
    ));
    if !closure.absent.is_empty() {
        let absent: Vec<&str> = closure.absent.iter().map(|p| p.as_str()).collect();
        call.log.say(format!(
            "{} store paths in the image are not in the Nix store, nor in a binary cache (a base \
             image's layers built elsewhere?): the SBOM lists them without a NAR hash or \
             references: {}",
            absent.len(),
            absent.join(", ")
        ));
    }
    Ok(cyclonedx::document(&SbomInput {
        image: name.as_str(),
        closure: &closure,
        nixpkgs,
        nix_image: nix.image(),
    }))
}

/// The document as a File named `<name>.cdx.json`.
pub fn sbom_file(query: &Query, name: &ContainerName, document: String) -> File {
    let file = cyclonedx::file_name(name.as_str());
    query
        .directory()
        .with_new_file(file.clone(), document)
        .file(file)
}

/// Pushes `document` as an image of one file ([`cyclonedx::SBOM_PATH`]) under
/// `tag` ([`cyclonedx::sbom_tag`]), beside the image it describes, with the
/// image's push settings; returns what was pushed, as `publish-nix` says it.
pub async fn push_sbom(
    call: &Invocation,
    target: &PushDestination,
    tag: &Tag,
    name: &ContainerName,
    document: String,
) -> eyre::Result<String> {
    let file = sbom_file(&call.query, name, document);
    let image = call.query.container().with_file(cyclonedx::SBOM_PATH, file);
    target
        .push(&call.query, std::slice::from_ref(tag), || async {
            Ok(Image::Single(image))
        })
        .await
}
