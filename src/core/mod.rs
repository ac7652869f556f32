//! The project's rules, in plain Rust: no dagger-sdk here, and no engine in
//! the tests. Every function that needs a rule calls the one implementation
//! that lives in this module tree.
//!
//! - [`build_version`]: the version a Dockerfile image is built as and tagged with.
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
//! - [`nix_image_version`]: the one rule for a Nix image's version.
//! - [`mapping`]: list arguments of `container=value` entries.
//! - [`version_check`]: do a container's versions agree, with each other and with what is deployed (check-versions).
//! - [`check_scope`]: which containers check-versions checks, and its defaults.
//! - [`service_versions`]: `service-versions.yaml`, the list of deployed versions.
//! - [`exit_status`]: what a command's exit status means when a signal ended it.
//! - [`git`]: the git scripts of the ops helpers and their output.
//! - [`listing`]: the `containers` table.
//! - [`nix`]: a `default.nix`'s own `version = "...";`.
//! - [`nixpkgs`]: the nixpkgs pin (from `flake.lock`, `--nixpkgs` or the flake registry), and the Nix expressions that fetch and query it.
//! - [`nix_build`]: what `build-nix` builds (a file, a flake output), its script, and what its result means.
//! - [`shell`]: how a script and its arguments become an exec's argv.
//! - [`flake`]: the `nix flake lock`/`update` script of `flake-lock` and `flake-update`, and its outcome.
//! - [`workflows`]: `forgejo-runner validate` for `validate-workflows`, and its verdict.
//! - [`crate_digest`]: the digest of the module's own crate files (the pin file's key).
//! - [`runtime_release`]: the prebuilt runtime image: its build, name, tags and pin.
//! - [`store_path`]: Nix store paths, and `builtins.parseDrvName`.
//! - [`nar_hash`]: NAR hashes in hexadecimal and in Nix's base 32.
//! - [`purl`]: package URLs of store paths (`pkg:nix/...`).
//! - [`closure`]: the script that finds the store paths a Nix image holds and their closure.
//! - [`sbom`]: the CycloneDX SBOM of a Nix image.

pub mod build_options;
pub mod build_version;
pub mod check_scope;
pub mod closure;
pub mod crate_digest;
pub mod discovery;
pub mod dockerfile;
pub mod exit_status;
pub mod flake;
pub mod git;
pub mod image_ref;
pub mod listing;
pub mod mapping;
pub mod names;
pub mod nar_hash;
pub mod nix;
pub mod nix_build;
pub mod nix_image_version;
pub mod nixpkgs;
pub mod ordering;
pub mod publish;
pub mod purl;
pub mod runtime_release;
pub mod sbom;
pub mod service_versions;
pub mod shell;
pub mod store_path;
pub mod tags;
pub mod text;
pub mod variant;
pub mod version_check;
pub mod versions;
pub mod workflows;
