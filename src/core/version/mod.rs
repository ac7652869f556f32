//! The version rule whole: which version does an image get?
//!
//! | File | What it holds |
//! |---|---|
//! | [`resolve`] | the one entry point: a container's app version, per build kind |
//! | [`build_version`] | the version a Dockerfile image is built as and tagged with (`--version`, build args, the Dockerfile) |
//! | [`dockerfile`] | a Dockerfile's `ARG CONTAINER_APP_VERSION`, read as BuildKit reads it |
//! | [`nix_expr`] | a `default.nix`'s own `version = "...";` and `tag = "...";`, read by a small Nix lexer |
//! | [`nix_image`] | the one rule for a Nix image's version (the file, the Dockerfile, the nixpkgs package) |
//! | [`flake_image`] | the version of a flake output, which only an evaluation tells |
//! | [`normalize`] | how versions compare (`v` or not), what a tag says of a version, and normalized release versions |

pub mod build_version;
pub mod dockerfile;
pub mod flake_image;
pub mod nix_expr;
pub mod nix_image;
pub mod normalize;
pub mod resolve;
