//! The CycloneDX SBOM of a Nix image.
//!
//! | File | What it holds |
//! |---|---|
//! | [`cyclonedx`] | the SBOM document |
//! | [`closure`] | the script that finds the store paths a Nix image holds and their closure |
//! | [`store_path`] | Nix store paths, and `builtins.parseDrvName` |
//! | [`nar_hash`] | NAR hashes in hexadecimal and in Nix's base 32 |
//! | [`purl`] | package URLs of store paths (`pkg:nix/...`) |

pub mod closure;
pub mod cyclonedx;
pub mod nar_hash;
pub mod purl;
pub mod store_path;
