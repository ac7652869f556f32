//! The Nix functions: Nix runs in the Nix image, over the repository.
//!
//! | File | What it holds |
//! |---|---|
//! | [`environment`] | the shared [`environment::Nix`]: its arguments, the nixpkgs pin, evaluations and builds |
//! | [`recipe`] | what is built (a file, or a flake output, which pins its own nixpkgs) and its version |
//! | [`version`] | `nix-version` |
//! | [`build`] | `build-nix` |
//! | [`publish`] | `publish-nix` |
//! | [`sbom`] | `sbom-nix`, and the SBOM `publish-nix --sbom` pushes |

pub mod build;
pub mod environment;
pub mod publish;
pub mod recipe;
pub mod sbom;
pub mod version;
