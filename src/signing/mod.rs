//! Signed, attested images: the formats and the rules, with no dagger-sdk
//! and no network. The registry client (`crate::registry`) pushes what this
//! module makes and fetches what it checks.
//!
//! Key-based signatures are cosign's, so `cosign verify --key cosign.pub`
//! and admission controllers that run it accept them; attestations are
//! in-toto statements in DSSE envelopes, attached as OCI 1.1 referrers (see
//! docs/explanation.md, "Signed and attested images").
//!
//! | file | what it holds |
//! |---|---|
//! | `key.rs` | [`SigningKey`] and [`PublicKey`]: the PEM forms read, the key types refused |
//! | `encrypted.rs` | cosign's encrypted key: scrypt and NaCl secretbox, the accepted KDF parameters |
//! | `key_error.rs` | [`KeyError`], [`KeyErrorKind`]: what can be wrong with a key |
//! | `oci.rs` | descriptors, manifests, indexes, digests |
//! | `simple_signing.rs` | the payload cosign signs for an image |
//! | `signature_image.rs` | the `sha256-<hex>.sig` image, and adding a signature to it once |
//! | `dsse.rs` | DSSE envelopes and their pre-authentication encoding |
//! | `statement.rs` | in-toto statements v1; the SBOM statement |
//! | `provenance.rs` | SLSA provenance v1 of a build, from [`ProvenanceInput`] |
//! | `referrers.rs` | the attestation manifest, and the referrers tag-schema fallback |
//! | `verify.rs` | the verification rules, each failure a [`VerifyErrorKind`] |
//!
//! Neither a key nor a password ever appears in an error, a log line or
//! `Debug` output: [`SigningKey`]'s `Debug` shows the public key's id only.

mod dsse;
mod encrypted;
mod key;
mod key_error;
mod oci;
mod provenance;
mod referrers;
mod signature_image;
mod simple_signing;
mod statement;
mod verify;

pub use dsse::{DSSE_MEDIA_TYPE, Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE, pae};
pub use encrypted::ACCEPTED_SCRYPT_PARAMS;
pub use key::{PublicKey, SigningKey};
pub use key_error::{KEY_ARG, KeyError, KeyErrorKind, PASSWORD_ARG};
pub use oci::{
    Blob, Descriptor, EMPTY_JSON, Index, Manifest, OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST,
    digest_tag, sha256_digest, sha256_hex,
};
pub use provenance::{
    BUILD_TYPE, BUILDER_REPOSITORY, BaseImage, BuildKind, NixpkgsPin, ProvenanceInput, builder_id,
    provenance_predicate, provenance_statement,
};
pub use referrers::{
    ATTESTATION_ARTIFACT_TYPE, AttestationManifest, COSIGN_PREDICATE_TYPE_ANNOTATION,
    PREDICATE_TYPE_ANNOTATION, attestation_manifest, merge_referrers_index, referrers_tag,
};
pub use signature_image::{
    SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, SignatureImage, SignatureLayer, add_signature,
    layers_of, signature_image, signature_tag,
};
pub use simple_signing::{SIGNATURE_TYPE, SignedIdentity, parse_payload, payload};
pub use statement::{
    PROVENANCE_PREDICATE_TYPE, SBOM_PREDICATE_TYPE, STATEMENT_TYPE, Statement, Subject,
    predicate_type_named,
};
pub use verify::{
    VerifiedAttestation, VerifyError, VerifyErrorKind, require_attestations, verify_attestation,
    verify_signature,
};
