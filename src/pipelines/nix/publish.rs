//! `publish-nix`: build the Nix image, tag it by its version and commit,
//! and push it (with `--sbom`, its SBOM after it).

use dagger_sdk::Directory;
use eyre::bail;

use crate::arguments::{COMMIT_SHA, CONTAINER_NAME, LABELS, SBOM, SOURCE_URL, SRC, VERSION};
use crate::core::container::build_options;
use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::image::tag::Tag;
use crate::core::image::tags::{self, CommitSha};
use crate::core::nix::build::{ArchiveFormat, NixRecipe};
use crate::core::nix::nixpkgs::{AttrPath, Nixpkgs};
use crate::core::sbom::cyclonedx;
use crate::core::version::resolve::{self as versions, AppVersion};
use crate::module::args::Invocation;
use crate::module::output::Output;
use crate::pipelines::publish::{Image, PushDestination};

use super::environment::Nix;
use super::recipe as nix_recipe;

pub async fn publish_nix(call: Invocation) -> eyre::Result<Output> {
    let name = ContainerName::parse(&call.args.string(&CONTAINER_NAME)?)?;
    let commit = CommitSha::parse(&call.args.string(&COMMIT_SHA)?)?;
    let target = PushDestination::from_args(&call, &name)?;
    let nix = Nix::from_args(&call)?;
    let source_url = call
        .args
        .opt_string(&SOURCE_URL)?
        .map(|u| build_options::parse_source_url(&u))
        .transpose()?;
    let labels = call.args.bool(&LABELS);
    let image_target = nix_recipe::from_args(&call, &name)?;
    if call.args.bool(&SBOM) && !image_target.needs_nixpkgs() {
        bail!(
            "--sbom is not available with --flake-output: the SBOM records the nixpkgs that \
             built the image, and a flake output's nixpkgs is whatever its flake passes it, \
             which blumeops-ci does not know.\nPublish it without --sbom, or build the image \
             from a Nix file (containers/<name>/default.nix or --nix-file)."
        );
    }
    let src = call.args.directory(&call.query, &SRC)?;

    let given = call.args.opt_string(&VERSION)?;
    let (version, from, pinned) =
        image_version(&call, &src, &nix, &name, &image_target, given.as_deref()).await?;
    if let Some(given) = &given {
        versions::given_for_nix(given, &version, &from)?;
    }
    let tags = tags::publish_tags(&version, &from, &commit, BuildKind::Nix, &target.extra_tags)?;
    // --sbom: the SBOM of the archive that is pushed, pushed after it
    // (src/pipelines/nix/sbom.rs); a dry run lists its tag after the image's.
    let sbom_tag = call
        .args
        .bool(&SBOM)
        .then(|| cyclonedx::sbom_tag(&tags[0]))
        .transpose()?;
    let listed: Vec<Tag> = tags.iter().chain(&sbom_tag).cloned().collect();
    let (pushed, document) = target
        .push_with(
            &call.query,
            if target.dry_run { &listed } else { &tags },
            || async {
                let nixpkgs = match pinned {
                    Some(p) => Some(p),
                    None => nix.pin_for(&call, &src, &image_target).await?,
                };
                let (built, archive) = nix
                    .build_archive(
                        &call,
                        &src,
                        nixpkgs.as_ref(),
                        &image_target,
                        &name,
                        ArchiveFormat::Tar,
                    )
                    .await?;
                // A flake output has no nixpkgs pin, and no --sbom (above).
                let mut document = None;
                if let (Some(_), Some(nixpkgs)) = (&sbom_tag, &nixpkgs) {
                    let sbom = super::sbom::image_sbom(
                        &call,
                        &nix,
                        &built,
                        &archive,
                        nixpkgs,
                        &name,
                        &image_target,
                    )
                    .await?;
                    document = Some(sbom);
                }
                let mut image = call.query.container().import(built.file(archive));
                if labels {
                    let labels = build_options::oci_labels(
                        &name,
                        Some(&version),
                        Some(&commit),
                        source_url.as_deref(),
                    );
                    for (label, value) in labels {
                        image = image.with_label(label, value);
                    }
                }
                Ok((Image::Single(image), document))
            },
        )
        .await?;
    let pushed = match (&sbom_tag, document.flatten()) {
        (Some(tag), Some(sbom)) => {
            let sbom_pushed = super::sbom::push_sbom(&call, &target, tag, &name, sbom).await?;
            format!("{pushed}\n{sbom_pushed}")
        }
        _ => pushed,
    };
    Ok(Output::Text(pushed))
}

/// The version the image gets: the repository's (the Nix file, the
/// Dockerfile) or the flake output's, else nixpkgs' (then also the pin it
/// was read from, for the build). `--version` (`given`) may only repeat it
/// (`given_for_nix`), or name a flake output that has none.
async fn image_version(
    call: &Invocation,
    src: &Directory,
    nix: &Nix,
    name: &ContainerName,
    image_target: &NixRecipe,
    given: Option<&str>,
) -> eyre::Result<(String, String, Option<Nixpkgs>)> {
    match nix_recipe::app_version(call, src, nix, name, image_target, given).await? {
        AppVersion::Known { version, from } => Ok((version, from, None)),
        AppVersion::NeedsNixpkgs { attr } => {
            let attr = AttrPath::parse(&attr)?;
            let nixpkgs = nix.pin(call, src).await?;
            let versions = nix
                .versions(call, src, &nixpkgs, std::slice::from_ref(&attr))
                .await?;
            let Some(version) = versions
                .get(attr.as_str())
                .cloned()
                .flatten()
                .filter(|v| !v.is_empty())
            else {
                let nix_path = match image_target {
                    NixRecipe::File(path) => path.clone(),
                    _ => build_file_path(name, BuildKind::Nix),
                };
                bail!(versions::nixpkgs_lacks_version(
                    name,
                    &nix_path,
                    attr.as_str(),
                    nixpkgs.which(),
                    &nixpkgs.to_string(),
                    given,
                ));
            };
            Ok((version, format!("nixpkgs' {attr}.version"), Some(nixpkgs)))
        }
    }
}
