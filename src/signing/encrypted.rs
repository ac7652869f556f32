//! The encrypted private key of `cosign generate-key-pair`: the body of an
//! `ENCRYPTED SIGSTORE PRIVATE KEY` (or the older `ENCRYPTED COSIGN PRIVATE
//! KEY`) PEM block is JSON,
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<base64>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<base64>"},
//!  "ciphertext":"<base64>"}
//! ```
//!
//! (go-securesystemslib's `encrypted` package, which cosign uses): a
//! 32-byte key from scrypt(password, salt, N, r, p), and the PKCS#8 DER
//! sealed with NaCl's secretbox (XSalsa20-Poly1305; the 16-byte tag before
//! the ciphertext). Like cosign, only the three scrypt parameter sets that
//! package writes are accepted (N = 2^15, 2^16 or 2^17, r = 8, p = 1): a
//! key file cannot make the module spend unbounded memory or time.

use base64ct::{Base64, Encoding};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::key_error::{KeyError, KeyErrorKind, PASSWORD_ARG};

/// The scrypt parameters accepted: (log2 N, r, p).
pub const ACCEPTED_SCRYPT_PARAMS: [(u8, u32, u32); 3] = [(15, 8, 1), (16, 8, 1), (17, 8, 1)];

#[derive(Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Deserialize)]
struct Kdf {
    name: String,
    params: Params,
    salt: String,
}

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn corrupt(why: &str) -> KeyError {
    KeyError::new(
        KeyErrorKind::CorruptEncryptedKey,
        format!(
            "the encrypted signing key is damaged: {why}. Pass the private key file \
             `cosign generate-key-pair` wrote (cosign.key), whole and unchanged."
        ),
    )
}

fn base64_field(name: &str, value: &str) -> Result<Vec<u8>, KeyError> {
    Base64::decode_vec(value).map_err(|_| corrupt(&format!("its `{name}` is not base64")))
}

/// The PKCS#8 DER inside an encrypted cosign key's JSON `body`, opened with
/// `password`.
pub fn decrypt(body: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        // Only the kind and the position: serde's message may quote content.
        corrupt(&format!(
            "its JSON does not read ({:?} error at line {} column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if envelope.kdf.name != "scrypt" || envelope.cipher.name != "nacl/secretbox" {
        return Err(KeyError::new(
            KeyErrorKind::UnsupportedKdf,
            format!(
                "the encrypted signing key uses kdf `{}` and cipher `{}`; cosign keys use \
                 `scrypt` and `nacl/secretbox`, the only ones this module reads. Make the \
                 key with `cosign generate-key-pair`.",
                crate::core::text::excerpt(&envelope.kdf.name),
                crate::core::text::excerpt(&envelope.cipher.name)
            ),
        ));
    }
    let Params { n, r, p } = envelope.kdf.params;
    let log_n = ACCEPTED_SCRYPT_PARAMS
        .iter()
        .find(|(log_n, pr, pp)| n == 1u64 << log_n && r == u64::from(*pr) && p == u64::from(*pp))
        .map(|(log_n, _, _)| *log_n)
        .ok_or_else(|| {
            KeyError::new(
                KeyErrorKind::UnsupportedKdf,
                format!(
                    "the encrypted signing key asks for scrypt with N={n}, r={r}, p={p}; \
                     cosign (and this module) accept only N=32768, 65536 or 131072 with r=8 \
                     and p=1, so a key file cannot demand unbounded memory. Make the key \
                     with `cosign generate-key-pair`."
                ),
            )
        })?;
    let salt = base64_field("salt", &envelope.kdf.salt)?;
    let nonce = base64_field("nonce", &envelope.cipher.nonce)?;
    let ciphertext = base64_field("ciphertext", &envelope.ciphertext)?;
    if nonce.len() != 24 {
        return Err(corrupt(&format!(
            "its nonce is {} bytes, not 24",
            nonce.len()
        )));
    }
    let params = scrypt::Params::new(log_n, 8, 1, 32)
        .map_err(|_| corrupt("its scrypt parameters are invalid"))?;
    let mut key = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, &salt, &params, key.as_mut_slice())
        .map_err(|_| corrupt("scrypt refused its parameters"))?;
    let cipher = XSalsa20Poly1305::new(Key::from_slice(key.as_slice()));
    cipher
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .map(Zeroizing::new)
        .map_err(|_| {
            KeyError::new(
                KeyErrorKind::WrongPassword,
                format!(
                    "wrong password for the signing key: it does not open the encrypted \
                     key (or the key file was altered). Pass the password the key was made \
                     with in {PASSWORD_ARG} (cosign's COSIGN_PASSWORD)."
                ),
            )
        })
}
