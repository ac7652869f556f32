//! The module's own release: the prebuilt runtime image.
//!
//! | File | What it holds |
//! |---|---|
//! | [`crate_digest`] | the digest of the module's own crate files (the pin file's key) |
//! | [`runtime_release`] | the runtime image: its build, name, tags and pin |
//! | `release-build.sh` | the static, reproducible musl build of the binary |

pub mod crate_digest;
pub mod runtime_release;
