//! The dagger-sdk calls behind each function, one file per capability.
//! Rules come from [`crate::core`]; these files only chain engine calls.

pub mod build;
pub mod check_versions;
pub mod describe;
pub mod exec;
pub mod flakes;
pub mod nix;
pub mod ops;
pub mod publish;
pub mod registry_access;
pub mod release;
pub mod repo;
pub mod signing;
pub mod verify;
pub mod workflows;
