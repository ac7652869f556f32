//! The verification rules `verify` applies to what the registry holds for
//! an image (fetched by `crate::registry`): the signature of its digest,
//! and its attestations' DSSE signatures and subjects. Each failure is a
//! [`VerifyErrorKind`], said with what is missing or invalid and where.

use std::fmt;

use super::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use super::key::PublicKey;
use super::signature_image::SignatureLayer;
use super::simple_signing::parse_payload;
use super::statement::Statement;

/// Why an image does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyErrorKind {
    /// No `sha256-<hex>.sig` image, or no signature layer in it.
    NoSignature,
    /// Signatures exist, but none by this key over this digest and
    /// repository.
    SignatureInvalid,
    /// An attestation's envelope or statement does not parse.
    AttestationMalformed,
    /// An attestation not signed by this key.
    AttestationSignatureInvalid,
    /// An attestation about another image.
    AttestationSubjectMismatch,
    /// A required attestation (a predicate type) is not attached.
    AttestationMissing,
}

/// An image that does not verify: the kind, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    /// Why.
    pub kind: VerifyErrorKind,
    message: String,
}

impl VerifyError {
    fn new(kind: VerifyErrorKind, message: String) -> VerifyError {
        VerifyError { kind, message }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VerifyError {}

/// Checks that one of `layers` (the signature image of `digest`) is
/// `key`'s signature of `digest` in `docker_reference` (the repository,
/// with the registry host). Layers by other keys, or for other images, are
/// passed over; the error says what was found.
pub fn verify_signature(
    layers: &[SignatureLayer],
    key: &PublicKey,
    docker_reference: &str,
    digest: &str,
) -> Result<(), VerifyError> {
    if layers.is_empty() {
        return Err(VerifyError::new(
            VerifyErrorKind::NoSignature,
            format!(
                "{docker_reference}@{digest} is not signed: no cosign signature is stored \
                 for that digest. Was it published with --signing-key, or did the tag move \
                 to another image?"
            ),
        ));
    }
    let mut why = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let n = i + 1;
        if !layer.signed_by(key) {
            why.push(format!("signature {n} is not by this key"));
            continue;
        }
        match parse_payload(&layer.payload) {
            Err(e) => why.push(format!("signature {n}: {e}")),
            Ok(id) if id.digest != digest => why.push(format!(
                "signature {n} is for another digest ({})",
                crate::core::text::excerpt(&id.digest)
            )),
            Ok(id) if id.docker_reference != docker_reference => why.push(format!(
                "signature {n} is for another repository ({})",
                crate::core::text::excerpt(&id.docker_reference)
            )),
            Ok(_) => return Ok(()),
        }
    }
    Err(VerifyError::new(
        VerifyErrorKind::SignatureInvalid,
        format!(
            "{docker_reference}@{digest} has no valid signature by the given public key: {}. \
             Check that the public key is the signing key's (cosign.pub).",
            why.join("; ")
        ),
    ))
}

/// An attestation that verified: its statement.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAttestation {
    /// The statement's predicate type.
    pub predicate_type: String,
    /// The statement.
    pub statement: Statement,
}

/// Checks one attestation (`envelope_bytes`, a DSSE envelope's JSON): an
/// in-toto statement, signed by `key`, about `digest`.
pub fn verify_attestation(
    envelope_bytes: &[u8],
    key: &PublicKey,
    digest: &str,
) -> Result<VerifiedAttestation, VerifyError> {
    let malformed = |why: String| {
        VerifyError::new(
            VerifyErrorKind::AttestationMalformed,
            format!("an attestation of {digest} is malformed: {why}"),
        )
    };
    let envelope = Envelope::parse(envelope_bytes).map_err(&malformed)?;
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(malformed(format!(
            "its payload type is `{}`, not `{IN_TOTO_PAYLOAD_TYPE}`",
            crate::core::text::excerpt(&envelope.payload_type)
        )));
    }
    let statement =
        Statement::parse(&envelope.payload_bytes().map_err(&malformed)?).map_err(&malformed)?;
    let predicate_type = statement.predicate_type.clone();
    if !envelope.signed_by(key) {
        return Err(VerifyError::new(
            VerifyErrorKind::AttestationSignatureInvalid,
            format!(
                "the `{}` attestation of {digest} is not signed by the given public key \
                 ({} signature(s), none verifies).",
                crate::core::text::excerpt(&predicate_type),
                envelope.signatures.len()
            ),
        ));
    }
    if !statement.is_about(digest) {
        return Err(VerifyError::new(
            VerifyErrorKind::AttestationSubjectMismatch,
            format!(
                "the `{}` attestation attached to {digest} is about another image (its \
                 subjects: {}).",
                crate::core::text::excerpt(&predicate_type),
                statement
                    .subject
                    .iter()
                    .map(|s| format!(
                        "{}@sha256:{}",
                        s.name,
                        s.digest.get("sha256").map_or("?", |d| d)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(VerifiedAttestation {
        predicate_type,
        statement,
    })
}

/// Checks that every predicate type of `required` is among `verified`.
pub fn require_attestations(
    verified: &[VerifiedAttestation],
    required: &[&str],
    digest: &str,
) -> Result<(), VerifyError> {
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|t| !verified.iter().any(|v| v.predicate_type == *t))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(VerifyError::new(
        VerifyErrorKind::AttestationMissing,
        format!(
            "{digest} has no verified attestation of type {}; found {}.",
            missing.join(", "),
            if verified.is_empty() {
                "none".to_owned()
            } else {
                verified
                    .iter()
                    .map(|v| v.predicate_type.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
    ))
}
