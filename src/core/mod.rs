//! The project's rules, in plain Rust: no dagger-sdk here, and no engine in
//! the tests. Every function that needs a rule calls the one implementation
//! that lives in this module tree, a folder per concern:
//!
//! | Entry | What it holds |
//! |---|---|
//! | [`container`] | what a container is: its name, how it is built (Dockerfile or Nix), discovery, the `containers` table, build options, `container=value` lists |
//! | [`version`] | the version rule whole: which version an image gets, from a Dockerfile, a `default.nix`, nixpkgs or a flake output |
//! | [`image`] | image references and tags: commit and release tags, their order, push or not |
//! | [`nix`] | the nixpkgs pin, what `build-nix` builds and its script, `flake-lock`/`flake-update` |
//! | [`check`] | `check-versions`: its scope, the deployed `service-versions.yaml`, the verdict |
//! | [`sbom`] | the CycloneDX SBOM of a Nix image: store paths, NAR hashes, package URLs, the closure |
//! | [`git`] | the git scripts of the ops helpers and their output (`list-tags`' history) |
//! | [`release`] | the prebuilt runtime image: the crate digest, its build script, name, tags and pin |
//! | [`command`] | how a script becomes an exec's argv, and what an exit status means |
//! | [`workflows`] | `forgejo-runner validate` for `validate-workflows`, and its verdict |
//! | [`text`] | how user input is quoted in errors |

pub mod check;
pub mod command;
pub mod container;
pub mod git;
pub mod image;
pub mod nix;
pub mod release;
pub mod sbom;
pub mod text;
pub mod version;
pub mod workflows;
