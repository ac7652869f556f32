//! Everything through the recording engine (`tests/harness/`): the module
//! protocol, every pipeline and function, the bad-input catalogue, the
//! module's real binary served an engine over HTTP, and the drop-in and
//! install layouts. One test binary, so the harness is compiled once.

#[path = "../harness/mod.rs"]
mod harness;

mod bad_input;
mod build;
mod check_versions;
mod engine_model;
mod flakes;
mod installed_layout;
mod list_tags;
mod nix;
mod ops;
mod origin_drop_in;
mod output_samples;
mod protocol;
mod publish;
mod release;
mod roundtrips;
mod sbom;
mod secrets;
mod user_defaults;
mod versions;
