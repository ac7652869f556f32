//! What a container is: a folder under `containers/` with a `Dockerfile`
//! and/or a `default.nix`.
//!
//! | File | What it holds |
//! |---|---|
//! | [`names`] | what a container name may be |
//! | [`kind`] | how a container is built: Dockerfile or Nix ([`kind::BuildKind`]) |
//! | [`discovery`] | which folders under `containers/` are containers |
//! | [`listing`] | the `containers` table |
//! | [`build_options`] | build args, target, Dockerfile path, platforms, OCI labels |
//! | [`mapping`] | list arguments of `container=value` entries |

pub mod build_options;
pub mod discovery;
pub mod kind;
pub mod listing;
pub mod mapping;
pub mod names;
