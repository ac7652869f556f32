//! Signing keys and public keys: what a PEM file holds, read into an ECDSA
//! P-256 key, or refused with a [`KeyError`] that says what was found.
//!
//! A private key may be:
//!
//! - `ENCRYPTED SIGSTORE PRIVATE KEY` (cosign since 2.0) or `ENCRYPTED
//!   COSIGN PRIVATE KEY` (older cosign): the JSON envelope of
//!   `encrypted.rs`, opened with the password, holding PKCS#8 DER;
//! - `PRIVATE KEY`: unencrypted PKCS#8 (`openssl genpkey`, `cosign
//!   import-key-pair` input);
//! - `EC PRIVATE KEY`: unencrypted SEC1 (`openssl ecparam -genkey`, whose
//!   `EC PARAMETERS` block before it is skipped).
//!
//! Whatever the wrapping, the key must be ECDSA on P-256, the curve cosign
//! makes keys on; RSA, Ed25519 and other curves are named and refused. A
//! public key's PEM (`PUBLIC KEY`, SubjectPublicKeyInfo, as `cosign.pub`)
//! is read by [`PublicKey::from_pem`].

use std::fmt;

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey as EcdsaKey, VerifyingKey};
use p256::pkcs8::der::pem;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding, PrivateKeyInfo};
use zeroize::Zeroizing;

use super::encrypted;
use super::key_error::{KEY_ARG, KeyError, KeyErrorKind, PASSWORD_ARG};
use super::oci::sha256_digest;

const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";

/// An ECDSA P-256 private key. `Debug` shows the public half only; the key
/// never leaves this type except as signatures.
pub struct SigningKey(EcdsaKey);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public_key_id", &self.public_key().key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key in the PEM text `pem`, opened with `password` where it is
    /// encrypted (an empty password is a password: cosign allows it).
    pub fn from_pem(pem: &[u8], password: Option<&[u8]>) -> Result<SigningKey, KeyError> {
        let (label, der) = first_key_block(pem)?;
        let secret = match label.as_str() {
            "ENCRYPTED SIGSTORE PRIVATE KEY" | "ENCRYPTED COSIGN PRIVATE KEY" => {
                let Some(password) = password else {
                    return Err(KeyError::new(
                        KeyErrorKind::PasswordNeeded,
                        format!(
                            "the signing key is an encrypted cosign key and no password was \
                             given: pass it in {PASSWORD_ARG} (the password given to `cosign \
                             generate-key-pair`)."
                        ),
                    ));
                };
                let plain = encrypted::decrypt(&der, password)?;
                from_pkcs8(&plain)?
            }
            "PRIVATE KEY" => from_pkcs8(&der)?,
            "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&der).map_err(|_| {
                // Another curve's SEC1 key fails here too: say what is wanted.
                invalid(&format!(
                    "its `EC PRIVATE KEY` block is not a valid P-256 key (a key on another \
                     curve, or damaged). {KEY_ARG} takes an ECDSA P-256 key"
                ))
            })?,
            "RSA PRIVATE KEY" => return Err(other_type("an RSA key (PKCS#1)")),
            "OPENSSH PRIVATE KEY" => {
                return Err(KeyError::new(
                    KeyErrorKind::UnsupportedFormat,
                    format!(
                        "the signing key is an OpenSSH private key; {KEY_ARG} takes a cosign \
                         key (`cosign generate-key-pair`) or an ECDSA P-256 key in PKCS#8 PEM."
                    ),
                ));
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::new(
                    KeyErrorKind::UnsupportedFormat,
                    format!(
                        "the signing key is a password-protected PKCS#8 key (`ENCRYPTED \
                         PRIVATE KEY`), which this module does not open. Import it into a \
                         cosign key with `cosign import-key-pair --key <file>` and pass \
                         that, with its password in {PASSWORD_ARG}."
                    ),
                ));
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" | "EC PUBLIC KEY" | "CERTIFICATE" => {
                return Err(KeyError::new(
                    KeyErrorKind::PublicKeyGiven,
                    format!(
                        "the signing key is a public key (`{label}`), not the private key: \
                         pass the private key (cosign.key) in {KEY_ARG}, and keep the public \
                         one (cosign.pub) for verifying."
                    ),
                ));
            }
            other => {
                return Err(KeyError::new(
                    KeyErrorKind::UnsupportedFormat,
                    format!(
                        "the signing key's PEM block is `{}`, not a private key this module \
                         reads: pass a cosign key (`ENCRYPTED SIGSTORE PRIVATE KEY`) or an \
                         ECDSA P-256 `PRIVATE KEY` in {KEY_ARG}.",
                        crate::core::text::excerpt(other)
                    ),
                ));
            }
        };
        Ok(SigningKey(EcdsaKey::from(secret)))
    }

    /// The ASN.1 DER ECDSA signature of `message` (SHA-256, RFC 6979
    /// nonces: the same key and message always give the same signature).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let signature: Signature = self.0.sign(message);
        signature.to_der().as_bytes().to_vec()
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(*self.0.verifying_key())
    }
}

/// An ECDSA P-256 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// The key in a `PUBLIC KEY` PEM (SubjectPublicKeyInfo), as `cosign.pub`.
    pub fn from_pem(pem: &[u8]) -> Result<PublicKey, KeyError> {
        let (label, der) = first_key_block(pem)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::new(
                KeyErrorKind::UnsupportedFormat,
                format!(
                    "the public key's PEM block is `{}`; pass the `PUBLIC KEY` file \
                     (cosign.pub, or `openssl pkey -pubout`).",
                    crate::core::text::excerpt(&label)
                ),
            ));
        }
        VerifyingKey::from_public_key_der(&der)
            .map(PublicKey)
            .map_err(|_| {
                KeyError::new(
                    KeyErrorKind::OtherKeyType,
                    "the public key is not an ECDSA P-256 key (or is damaged); cosign keys \
                     are P-256.",
                )
            })
    }

    /// The key as a `PUBLIC KEY` PEM (the form of `cosign.pub`).
    pub fn to_pem(&self) -> String {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .expect("a P-256 key always encodes")
    }

    /// Whether `signature` (ASN.1 DER) is this key's ECDSA signature of
    /// `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_der(signature).is_ok_and(|sig| self.0.verify(message, &sig).is_ok())
    }

    /// The key's id in DSSE signatures: `sha256:<hex>` of its
    /// SubjectPublicKeyInfo DER (informative: verifiers match by key).
    pub fn key_id(&self) -> String {
        let der = self
            .0
            .to_public_key_der()
            .expect("a P-256 key always encodes");
        sha256_digest(der.as_bytes())
    }
}

fn invalid(why: &str) -> KeyError {
    KeyError::new(
        KeyErrorKind::InvalidKey,
        format!("the signing key is not usable: {why}."),
    )
}

fn other_type(found: &str) -> KeyError {
    KeyError::new(
        KeyErrorKind::OtherKeyType,
        format!(
            "the signing key is {found}, not an ECDSA P-256 key: cosign signatures here are \
             ECDSA P-256 with SHA-256. Make a key with `cosign generate-key-pair`."
        ),
    )
}

/// A P-256 secret key from PKCS#8 DER, or what the DER holds instead.
fn from_pkcs8(der: &[u8]) -> Result<p256::SecretKey, KeyError> {
    let info = PrivateKeyInfo::try_from(der)
        .map_err(|_| invalid("its PKCS#8 structure does not parse (damaged)"))?;
    let algorithm = info.algorithm.oid.to_string();
    if algorithm != EC_PUBLIC_KEY {
        return Err(other_type(match algorithm.as_str() {
            "1.2.840.113549.1.1.1" => "an RSA key",
            "1.2.840.113549.1.1.10" => "an RSA-PSS key",
            "1.3.101.112" => "an Ed25519 key",
            "1.3.101.113" => "an Ed448 key",
            "1.3.101.110" | "1.3.101.111" => "an X25519/X448 key-agreement key",
            "1.2.840.10040.4.1" => "a DSA key",
            _ => "a key of an algorithm this module does not know",
        }));
    }
    let curve = info.algorithm.parameters_oid().map(|oid| oid.to_string());
    match curve.as_deref() {
        Ok(P256) => {}
        Ok("1.3.132.0.34") => return Err(other_type("an ECDSA key on P-384")),
        Ok("1.3.132.0.35") => return Err(other_type("an ECDSA key on P-521")),
        Ok("1.3.132.0.10") => return Err(other_type("an ECDSA key on secp256k1")),
        _ => return Err(other_type("an EC key on a curve other than P-256")),
    }
    p256::SecretKey::from_pkcs8_der(der).map_err(|_| {
        invalid("its P-256 key does not parse (damaged, or its public half does not match)")
    })
}

/// The label and DER of the first PEM block of `text` that is not `EC
/// PARAMETERS` (text around the blocks, as openssl and editors leave it,
/// is skipped).
fn first_key_block(text: &[u8]) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let text = String::from_utf8_lossy(text);
    let mut rest: &str = &text;
    let mut saw_block = false;
    while let Some(start) = rest.find("-----BEGIN ") {
        saw_block = true;
        let block = &rest[start..];
        let label_end = block["-----BEGIN ".len()..]
            .find("-----")
            .map(|i| i + "-----BEGIN ".len());
        let Some(label_end) = label_end else { break };
        let label = &block["-----BEGIN ".len()..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Err(corrupt_pem(&format!(
                "its `BEGIN {}` has no matching END line",
                crate::core::text::excerpt(label)
            )));
        };
        let whole = &block[..end + end_marker.len()];
        rest = &block[end + end_marker.len()..];
        if label == "EC PARAMETERS" {
            continue;
        }
        let normalized = Zeroizing::new(format!("{}\n", whole.replace("\r\n", "\n").trim()));
        let (found, der) = pem::decode_vec(normalized.as_bytes()).map_err(|_| {
            corrupt_pem(&format!(
                "its `{}` block is not valid base64 PEM",
                crate::core::text::excerpt(label)
            ))
        })?;
        return Ok((found.to_owned(), Zeroizing::new(der)));
    }
    if saw_block {
        return Err(corrupt_pem("its BEGIN line is cut short"));
    }
    Err(KeyError::new(
        KeyErrorKind::NotPem,
        format!(
            "the key is not PEM text: no `-----BEGIN ...-----` line. Pass the key file's \
             contents (cosign.key for {KEY_ARG}, cosign.pub for a public key), not a path \
             or a base64 of it."
        ),
    ))
}

fn corrupt_pem(why: &str) -> KeyError {
    KeyError::new(
        KeyErrorKind::CorruptPem,
        format!("the key's PEM is damaged: {why}. Pass the key file whole and unchanged."),
    )
}
