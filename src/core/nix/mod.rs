//! Nix: the nixpkgs pin, what the Nix functions build, and the flake lock.
//!
//! | Entry | What it holds |
//! |---|---|
//! | [`nixpkgs`] | the nixpkgs pin (from `flake.lock`, `--nixpkgs` or the flake registry), and the Nix expressions that fetch and query it |
//! | [`build`] | what `build-nix` builds (a file, a flake output), its script, and what its result means |
//! | [`flake`] | the `nix flake lock`/`update` script of `flake-lock` and `flake-update`, and its outcome |

pub mod build;
pub mod flake;
pub mod nixpkgs;
