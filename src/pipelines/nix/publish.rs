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
use crate::pipelines::signing::{Attestation, nixpkgs_pin};
use crate::signing::ProvenanceInput;

use super::environment::Nix;
use super::recipe as nix_recipe;

pub async fn publish_nix(call: Invocation) -> eyre::Result<Output> {
    let name = ContainerName::parse(&call.args.string(&CONTAINER_NAME)?)?;
    let commit = CommitSha::parse(&call.args.string(&COMMIT_SHA)?)?;
    let target = PushDestination::from_args(&call, &name)?
        .with_signing(&call)
        .await?;
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
    let pushed = target
        .push_with(
            &call.query,
            if target.dry_run { &listed } else { &tags },
            || async {
                let nixpkgs = match pinned.clone() {
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
                let pin = nixpkgs.clone();
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
                Ok((Image::Single(image), (document, pin)))
            },
        )
        .await?;
    let (document, built_with) = match &pushed.made {
        Some((document, pin)) => (document.clone(), pin.clone()),
        None => (None, None),
    };
    if target.will_sign() {
        // Already published: nothing was built, so the pin is read again
        // (a flake output has none).
        let nixpkgs = match (&pushed.made, image_target.needs_nixpkgs()) {
            (Some(_), _) => built_with,
            (None, true) => match pinned.clone() {
                Some(p) => Some(p),
                None => nix.pin_for(&call, &src, &image_target).await?,
            },
            (None, false) => None,
        };
        let provenance = ProvenanceInput {
            module_version: env!("CARGO_PKG_VERSION").to_owned(),
            module_commit: None,
            source_repository: source_url.clone().unwrap_or_default(),
            source_commit: commit.as_str().to_owned(),
            container: name.as_str().to_owned(),
            build_kind: BuildKind::Nix,
            build_args: Default::default(),
            base_images: Vec::new(),
            nixpkgs: nixpkgs.as_ref().map(nixpkgs_pin),
        };
        let mut attestations = vec![Attestation::Provenance(Box::new(provenance))];
        if let Some(sbom) = &document {
            attestations.push(Attestation::Sbom(sbom.clone()));
            call.log.say(
                "the SBOM is attached to the image and also pushed as sbom-<tag>, kept for \
                 compatibility while signing is optional",
            );
        } else if sbom_tag.is_some() {
            call.log.say(
                "the SBOM attestation is not attached: the image was already published, so \
                 its SBOM was not made again (pass --overwrite to rebuild and attach it)",
            );
        }
        target.sign(&call.query, &pushed, &attestations).await?;
    }
    let text = match (&sbom_tag, document) {
        (Some(tag), Some(sbom)) => {
            let sbom_pushed = super::sbom::push_sbom(&call, &target, tag, &name, sbom).await?;
            format!("{}\n{sbom_pushed}", pushed.text)
        }
        _ => pushed.text,
    };
    Ok(Output::Text(text))
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
