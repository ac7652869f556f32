//! Signed, attested images: the formats and rules, with no dagger-sdk and
//! no network (the registry client, `crate::registry`, pushes and reads
//! what this module makes).
mod encrypted;
mod key;
mod key_error;
mod oci;
mod simple_signing;

pub use key::{PublicKey, SigningKey};
pub use key_error::{KEY_ARG, KeyError, KeyErrorKind, PASSWORD_ARG};
pub use oci::*;
pub use simple_signing::*;
