//! What can be wrong with a signing key, told apart ([`KeyErrorKind`]) and
//! said for the person who passed it ([`KeyError`]). No message ever holds
//! the key or its password: only the PEM label found, the key type, the
//! KDF parameters (which are not secret) and what to do.

use std::fmt;

/// The argument that carries the signing key, as errors name it.
pub const KEY_ARG: &str = "--signing-key";
/// The argument that carries the key's password, as errors name it.
pub const PASSWORD_ARG: &str = "--signing-key-password";

/// Why a signing key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyErrorKind {
    /// No `-----BEGIN ...-----` block at all.
    NotPem,
    /// A PEM block whose base64 or framing is broken.
    CorruptPem,
    /// An encrypted cosign key, and no password given.
    PasswordNeeded,
    /// The password does not open the encrypted key.
    WrongPassword,
    /// The encrypted cosign key's JSON is broken or incomplete.
    CorruptEncryptedKey,
    /// An encrypted cosign key with a KDF or cipher this module does not
    /// accept (as cosign itself does not).
    UnsupportedKdf,
    /// A private key, but not an ECDSA P-256 one.
    OtherKeyType,
    /// A public key (or a certificate) where the private key belongs.
    PublicKeyGiven,
    /// A key format this module does not read (PKCS#8 with a password,
    /// OpenSSH).
    UnsupportedFormat,
    /// The DER inside is not a valid key.
    InvalidKey,
}

/// A refused signing (or public) key: the kind, and a message for the
/// person who passed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// Why.
    pub kind: KeyErrorKind,
    message: String,
}

impl KeyError {
    /// A `kind` error saying `message`.
    pub fn new(kind: KeyErrorKind, message: impl Into<String>) -> KeyError {
        KeyError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KeyError {}
