//! Which Nix expression a `build-nix` or `publish-nix` call builds (the
//! container's `default.nix`, `--nix-file` or `--flake-output`, see
//! [`NixRecipe`]), that `--src` has it, and the version of its image. The
//! rules are in [`crate::core::nix::build`].

use dagger_sdk::Directory;
use eyre::bail;

use crate::arguments::{FLAKE_LOCK, FLAKE_OUTPUT, NIX_FILE, NIXPKGS, NIXPKGS_INPUT, SRC};
use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::nix::build::recipe::FLAKE_FILE;
use crate::core::nix::build::{self, NixRecipe, REPO_MOUNT};
use crate::core::version::flake_image::{self, flake_app_version};
use crate::core::version::nix_image::PackageMap;
use crate::core::version::resolve::{self, AppVersion, BuildTexts};
use crate::module::args::Invocation;
use crate::module::graphql;

use super::environment::Nix;
use crate::pipelines::describe;
use crate::pipelines::exec;
use crate::pipelines::repo;

/// The target of the call, checked before any engine work: `--nix-file`
/// or `--flake-output` (and the nixpkgs arguments a flake output refuses),
/// else `containers/<name>/default.nix`.
pub fn from_args(call: &Invocation, name: &ContainerName) -> eyre::Result<NixRecipe> {
    let args = &call.args;
    let target = NixRecipe::parse(
        name,
        args.opt_string(&NIX_FILE)?.as_deref(),
        args.opt_string(&FLAKE_OUTPUT)?.as_deref(),
    )?;
    target.check_nixpkgs_args(
        &args.string(&FLAKE_LOCK)?,
        &args.string(&NIXPKGS_INPUT)?,
        args.opt_string(&NIXPKGS)?.as_deref(),
    )?;
    Ok(target)
}

/// Fails unless `src` has what `target` builds: the container's
/// `default.nix` (else the error lists the containers that have one), the
/// `--nix-file`, or a `flake.nix` at its root.
pub async fn require(src: &Directory, target: &NixRecipe) -> eyre::Result<()> {
    /// A Nix file, as a --nix-file example.
    const EXAMPLE: &str = "packages/ollama-container.nix";
    let path = match target {
        NixRecipe::Container(name) => {
            repo::require(src, name, BuildKind::Nix).await?;
            return Ok(());
        }
        NixRecipe::File(path) => path.as_str(),
        NixRecipe::FlakeOutput(_) => FLAKE_FILE,
    };
    if src.exists(path).await? {
        return Ok(());
    }
    match target {
        NixRecipe::FlakeOutput(_) => bail!(
            "--flake-output reads the flake at the root of --src, and --src has no {FLAKE_FILE}.\n\
             Is --src the root of the ops repository? Without a flake, name a Nix file with \
             --nix-file (e.g. {EXAMPLE})."
        ),
        _ => bail!(
            "--nix-file `{path}` does not exist in --src: give the file's path relative to \
             --src (e.g. {EXAMPLE})."
        ),
    }
}

/// The version of the image `target` builds, published as `name`: for a
/// file, as the repository states it ([`resolve::resolve_nix`]); for a
/// flake output, as Nix evaluates it ([`flake_app_version`]), which
/// `given` (`--version`) names when the output has none.
pub async fn app_version(
    call: &Invocation,
    src: &Directory,
    nix: &Nix,
    name: &ContainerName,
    target: &NixRecipe,
    given: Option<&str>,
) -> eyre::Result<AppVersion> {
    match target {
        NixRecipe::Container(name) => describe::app_version(call, name, BuildKind::Nix).await,
        NixRecipe::File(path) => {
            require(src, target).await?;
            let (nix, dockerfile) = read(call, src, Some(path), name).await?;
            // Named like the container: publish-nix has no --nix-packages.
            let packages = PackageMap::default();
            resolve::resolve_nix(name, path, &BuildTexts { dockerfile, nix }, &packages)
        }
        NixRecipe::FlakeOutput(attr) => {
            require(src, target).await?;
            let container = nix.container(call, src).await?;
            let argv = flake_image::flake_version_command(REPO_MOUNT, attr);
            let outcome = exec::run(&call.query, &container, argv, "`nix-instantiate`").await?;
            if outcome.exit_code != 0 {
                bail!(build::evaluation_error(
                    &target.to_string(),
                    &outcome.stderr
                ));
            }
            let image = flake_image::parse_flake_image(&outcome.stdout)?;
            let (_, dockerfile) = read(call, src, None, name).await?;
            let dockerfile_path = build_file_path(name, BuildKind::Dockerfile);
            let dockerfile = dockerfile.as_deref().map(|t| (t, dockerfile_path.as_str()));
            flake_app_version(attr, &image, dockerfile, name.as_str(), given)
        }
    }
}

/// The text of `file` (when given) and of `containers/<name>/Dockerfile`
/// (when the repository has one), in one read.
async fn read(
    call: &Invocation,
    src: &Directory,
    file: Option<&str>,
    name: &ContainerName,
) -> eyre::Result<(Option<String>, Option<String>)> {
    let dockerfile_path = build_file_path(name, BuildKind::Dockerfile);
    let has_dockerfile = src.exists(dockerfile_path.as_str()).await?;
    let paths: Vec<String> = file
        .map(str::to_owned)
        .into_iter()
        .chain(has_dockerfile.then_some(dockerfile_path))
        .collect();
    let src_id = call.args.object_id(&SRC)?;
    let mut texts = graphql::read_files(&call.query.graphql_client, &src_id, &paths)
        .await?
        .into_iter();
    let file_text = file.and_then(|_| texts.next());
    Ok((file_text, texts.next()))
}
