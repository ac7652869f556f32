//! blumeops-ci: a Dagger module, written in Rust, that builds and publishes
//! the container images of an ops repository.
//!
//! - [`module`]: the Dagger module protocol (read the call, register,
//!   decode arguments, return).
//! - [`functions`]: the table that describes every function once.
//! - [`arguments`]: the catalogue of arguments the table and the pipelines
//!   share.
//! - [`pipelines`]: the dagger-sdk calls behind each function.
//! - [`core`]: the rules (containers, versions, tags), with no dagger-sdk.
//! - [`registry`]: an OCI distribution client (does a tag exist, which tags
//!   a repository has), with no dagger-sdk.
//! - [`signing`]: cosign-compatible signatures, in-toto attestations in
//!   DSSE envelopes, OCI referrers, and the rules that verify them, with no
//!   dagger-sdk.

pub mod arguments;
pub mod core;
pub mod functions;
pub mod module;
pub mod pipelines;
pub mod registry;
pub mod signing;

pub use module::serve;
