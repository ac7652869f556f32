//! The Nix image the Nix functions run in: its arguments (which nixpkgs,
//! which image), the nixpkgs pin, evaluations and builds. Nix runs over the
//! repository, with nixpkgs pinned by the repository's `flake.lock`
//! ([`crate::core::nix::nixpkgs`]) and `/nix` on a cache volume, so a second
//! build of an unchanged container downloads and builds nothing. The script
//! and the meaning of its result live in [`crate::core::nix::build`].

use std::collections::BTreeMap;

use dagger_sdk::{
    CacheSharingMode, Container, ContainerWithMountedCacheOptsBuilder, Directory, File,
};
use eyre::bail;

use crate::arguments::{FLAKE_LOCK, NIX_IMAGE, NIXPKGS, NIXPKGS_INPUT, SRC};
use crate::core::container::names::ContainerName;
use crate::core::nix::build::{self, ArchiveFormat, NIX_CONFIG, NixRecipe, OUT_DIR, REPO_MOUNT};
use crate::core::nix::nixpkgs::{self, AttrPath, Nixpkgs};
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::pipelines::exec;

/// The Nix arguments every Nix function shares, checked before any engine
/// work: which nixpkgs, and which Nix image.
pub struct Nix {
    image: String,
    lock_path: String,
    input: String,
    override_: Option<String>,
}

impl Nix {
    pub fn from_args(call: &Invocation) -> eyre::Result<Nix> {
        let args = &call.args;
        let override_ = args.opt_string(&NIXPKGS)?;
        if let Some(raw) = &override_ {
            nixpkgs::parse_override(raw)?;
        }
        let input = args.string(&NIXPKGS_INPUT)?;
        nixpkgs::parse_input_path(&input)?;
        Ok(Nix {
            image: build::parse_nix_image(&args.string(&NIX_IMAGE)?)?,
            lock_path: nixpkgs::parse_lock_path(&args.string(&FLAKE_LOCK)?)?,
            input,
            override_,
        })
    }

    /// The nixpkgs of this call, in the order of [`nixpkgs::choose`]:
    /// `--nixpkgs`, else the lock `--flake-lock` names, else the root
    /// `flake.lock`, else the default flake path's lock, else (nothing pins
    /// it) what the Nix image's flake registry resolves `nixpkgs` to now.
    /// The log says which, and where it came from.
    pub async fn pin(&self, call: &Invocation, src: &Directory) -> eyre::Result<Nixpkgs> {
        let override_ = self.override_.as_deref();
        let mut found = None;
        for candidate in nixpkgs::lock_candidates(override_, &self.lock_path) {
            if src.exists(candidate.as_str()).await? {
                found = Some(candidate);
                break;
            }
        }
        let text = match &found {
            Some(path) => Some(
                graphql::read_files(
                    &call.query.graphql_client,
                    &call.args.object_id(&SRC)?,
                    std::slice::from_ref(path),
                )
                .await?
                .remove(0),
            ),
            None => None,
        };
        self.settle(call, src, found.as_deref().zip(text.as_deref()), None)
            .await
    }

    /// The nixpkgs [`nixpkgs::choose`] picks given the lock `found` (its
    /// path and text), said in the log; `no_lock_note` replaces the note
    /// on why no lock pins it (nix-version without `--src` looks for none).
    pub async fn settle(
        &self,
        call: &Invocation,
        src: &Directory,
        found: Option<(&str, &str)>,
        no_lock_note: Option<&str>,
    ) -> eyre::Result<Nixpkgs> {
        let override_ = self.override_.as_deref();
        let (nixpkgs, note) = match nixpkgs::choose(override_, &self.lock_path, &self.input, found)?
        {
            nixpkgs::Choice::Pinned { nixpkgs, note } => (nixpkgs, note),
            nixpkgs::Choice::Registry { note } => (
                self.resolve_registry(call, src).await?,
                Some(no_lock_note.map_or(note, str::to_owned)),
            ),
        };
        call.log.say(format!("nixpkgs: {nixpkgs}"));
        if let Some(note) = note {
            call.log.say(note);
        }
        if nixpkgs.unpinned {
            call.log.say(nixpkgs::UNPINNED_ADVICE);
        }
        Ok(nixpkgs)
    }

    /// The nixpkgs `target` is built with: [`Nix::pin`] for a file; none
    /// for a flake output, whose flake.lock pins its own (the log says so).
    pub async fn pin_for(
        &self,
        call: &Invocation,
        src: &Directory,
        target: &NixRecipe,
    ) -> eyre::Result<Option<Nixpkgs>> {
        if target.needs_nixpkgs() {
            return Ok(Some(self.pin(call, src).await?));
        }
        call.log.say(format!(
            "nixpkgs: the flake's own, as the flake.lock of --src pins it ({target} of \
             path:{REPO_MOUNT})"
        ));
        Ok(None)
    }

    /// What the flake registry of the Nix image resolves `nixpkgs` to,
    /// locked: asked again every hour (see [`nixpkgs::registry_hour`]).
    async fn resolve_registry(&self, call: &Invocation, src: &Directory) -> eyre::Result<Nixpkgs> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let container = self
            .container(call, src)
            .await?
            .with_env_variable(nixpkgs::REGISTRY_HOUR_ENV, nixpkgs::registry_hour(now));
        let argv = nixpkgs::REGISTRY_COMMAND.map(str::to_owned).to_vec();
        let outcome = exec::run(
            &call.query,
            &container,
            argv,
            "`nix flake metadata nixpkgs`",
        )
        .await?;
        if outcome.exit_code != 0 {
            bail!(build::fetch_error(
                &outcome.stderr,
                &format!("the flake registry's `nixpkgs` in {}", self.image)
            ));
        }
        nixpkgs::from_registry(&outcome.stdout, &self.image)
    }

    /// The Nix image with the repository ([`in_image`]).
    pub async fn container(&self, call: &Invocation, src: &Directory) -> eyre::Result<Container> {
        in_image(call, &self.image, src).await
    }

    /// The versions nixpkgs has for `attrs`, in one evaluation (`None`:
    /// no such package, or no version).
    pub async fn versions(
        &self,
        call: &Invocation,
        src: &Directory,
        nixpkgs: &Nixpkgs,
        attrs: &[AttrPath],
    ) -> eyre::Result<BTreeMap<String, Option<String>>> {
        let container = self.container(call, src).await?;
        let argv = nixpkgs::version_command(nixpkgs, REPO_MOUNT, attrs);
        let outcome = exec::run(&call.query, &container, argv, "`nix-instantiate`").await?;
        if outcome.exit_code != 0 {
            bail!(build::fetch_error(&outcome.stderr, &nixpkgs.to_string()));
        }
        nixpkgs::parse_versions(&outcome.stdout)
    }

    /// The version of one package, or an error naming it.
    pub async fn version_of(
        &self,
        call: &Invocation,
        src: &Directory,
        nixpkgs: &Nixpkgs,
        attr: &AttrPath,
    ) -> eyre::Result<String> {
        let versions = self
            .versions(call, src, nixpkgs, std::slice::from_ref(attr))
            .await?;
        match versions.get(attr.as_str()).cloned().flatten() {
            Some(v) if !v.is_empty() => Ok(v),
            _ => bail!(
                "{} has no package `{attr}` with a version ({nixpkgs}).\n\
                 Check the attribute path (e.g. ntfy-sh, python3Packages.requests).",
                nixpkgs.which()
            ),
        }
    }

    /// Builds `target` (with `nixpkgs` as `<nixpkgs>` for a file) as the
    /// image `name`, and returns the image archive, copied out of the store.
    pub async fn build(
        &self,
        call: &Invocation,
        src: &Directory,
        nixpkgs: Option<&Nixpkgs>,
        target: &NixRecipe,
        name: &ContainerName,
        format: ArchiveFormat,
    ) -> eyre::Result<File> {
        let (ran, archive) = self
            .build_archive(call, src, nixpkgs, target, name, format)
            .await?;
        Ok(ran.file(archive))
    }

    /// Builds `target` (with `nixpkgs` as `<nixpkgs>` for a file) as the
    /// image `name`: the container after the build (its `/nix` the store
    /// that built the image), and the path of the image archive in it.
    pub async fn build_archive(
        &self,
        call: &Invocation,
        src: &Directory,
        nixpkgs: Option<&Nixpkgs>,
        target: &NixRecipe,
        name: &ContainerName,
        format: ArchiveFormat,
    ) -> eyre::Result<(Container, String)> {
        let container = self.container(call, src).await?;
        let nixpkgs_expr = nixpkgs.map(|n| n.expr(REPO_MOUNT));
        let argv = build::build_argv(target, nixpkgs_expr.as_deref(), name, format);
        let command = format!("nix-build of {target}");
        let (ran, outcome) = exec::run_keeping(&call.query, &container, argv, &command).await?;
        if outcome.exit_code != 0 {
            bail!(build::script_error(
                outcome.exit_code,
                &outcome.stdout,
                &outcome.stderr,
                &nixpkgs.map(ToString::to_string).unwrap_or_default(),
                &target.to_string(),
            ));
        }
        let built = build::parse_result(&outcome.stdout)?;
        Ok((ran, format!("{OUT_DIR}/{}", built.file)))
    }

    /// The image Nix runs in (`--nix-image`).
    pub fn image(&self) -> &str {
        &self.image
    }
}

/// The Nix image `image` (checked by [`build::parse_nix_image`]) with
/// the repository at [`REPO_MOUNT`] and `/nix` on the store's cache volume,
/// seeded from the image's own `/nix` (where Nix itself is installed).
/// Nix's own locks keep concurrent builds on one engine correct, so the
/// volume is shared.
pub async fn in_image(call: &Invocation, image: &str, src: &Directory) -> eyre::Result<Container> {
    let query = &call.query;
    let base = query.container().from(image);
    let seed = base.directory("/nix").id().await?;
    let opts = ContainerWithMountedCacheOptsBuilder::default()
        .source(seed)
        .sharing(CacheSharingMode::Shared)
        .build()
        .expect("every field has a default");
    Ok(base
        .with_mounted_cache_opts("/nix", query.cache_volume(build::store_volume(image)), opts)
        .with_env_variable("NIX_CONFIG", NIX_CONFIG)
        .with_mounted_directory(REPO_MOUNT, src.clone())
        .with_workdir(REPO_MOUNT))
}
