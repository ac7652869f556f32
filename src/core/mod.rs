//! The project's rules, in plain Rust: no dagger-sdk here, and no engine in
//! the tests. Every function that needs a rule calls the one implementation
//! that lives in this module tree.
//!
//! - [`build_options`]: build args, target, Dockerfile path, platforms, OCI labels.
//! - [`names`]: what a container name may be.
//! - [`variant`]: Dockerfile or Nix.
//! - [`discovery`]: which folders under `containers/` are containers.
//! - [`text`]: how user input is quoted in errors.
//! - [`tags`]: commit and release tags, and what a valid tag is.
//! - [`ordering`]: version tags, newest first.
//! - [`publish`]: push or not, and what publish returns.
//! - [`image_ref`]: `<registry>/<namespace>/<name>:<tag>` and its defaults.
//! - [`dockerfile`]: a Dockerfile's `ARG CONTAINER_APP_VERSION`, read as BuildKit reads it.
//! - [`versions`]: the one entry point for a container's version, per variant.
//! - [`version_check`]: do a container's versions agree (check-versions).
//! - [`git`]: the git scripts of the ops helpers and their output.
//! - [`listing`]: the `containers` table.
//! - [`nix`]: a `default.nix`'s `version = "...";`, and where a Nix image's version comes from.
//! - [`nixpkgs`]: the nixpkgs pin from `flake.lock`, and the Nix expressions that fetch and query it.
//! - [`nix_build`]: the `nix-build` script of `build-nix` and what its result means.
//! - [`shell`]: how a script and its arguments become an exec's argv.
//! - [`crate_digest`]: the digest of the module's own crate files (the pin file's key).
//! - [`runtime_release`]: the prebuilt runtime image: its build, name, tags and pin.

pub mod build_options;
pub mod crate_digest;
pub mod discovery;
pub mod dockerfile;
pub mod git;
pub mod image_ref;
pub mod listing;
pub mod names;
pub mod nix;
pub mod nix_build;
pub mod nixpkgs;
pub mod ordering;
pub mod publish;
pub mod runtime_release;
pub mod shell;
pub mod tags;
pub mod text;
pub mod variant;
pub mod version_check;
pub mod versions;
