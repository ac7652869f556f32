//! The verification rules of `blumeops_ci::signing` without a registry:
//! each failure kind on realistic inputs (a signature by another key, for
//! another digest or repository; an attestation by another key, about
//! another image, malformed, missing), adding a signature once, and
//! property tests of the payload and the PAE.

use std::path::PathBuf;

use base64ct::{Base64, Encoding};
use blumeops_ci::signing::{
    Envelope, IN_TOTO_PAYLOAD_TYPE, PROVENANCE_PREDICATE_TYPE, PublicKey, SBOM_PREDICATE_TYPE,
    SignatureLayer, SigningKey, Statement, VerifyErrorKind, add_signature, pae, parse_payload,
    payload, require_attestations, verify_attestation, verify_signature,
};
use proptest::prelude::*;

const REPO: &str = "registry.ops.eblu.me/blumeops/nettest";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/signing")
            .join(name),
    )
    .unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_pem(&fixture("p256-pkcs8.pem"), None).unwrap()
}

fn other_key() -> SigningKey {
    SigningKey::from_pem(&fixture("other-p256-pkcs8.pem"), None).unwrap()
}

fn digest(byte: u8) -> String {
    format!("sha256:{}", format!("{byte:02x}").repeat(32))
}

#[test]
fn a_signature_verifies_only_for_its_key_digest_and_repository() {
    let public = key().public_key();
    let good = SignatureLayer::sign(payload(REPO, &digest(1)), &key());
    assert!(verify_signature(std::slice::from_ref(&good), &public, REPO, &digest(1)).is_ok());

    let err = verify_signature(&[], &public, REPO, &digest(1)).unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::NoSignature);
    assert!(err.to_string().contains("is not signed"), "{err}");

    let by_other = SignatureLayer::sign(payload(REPO, &digest(1)), &other_key());
    let err =
        verify_signature(std::slice::from_ref(&by_other), &public, REPO, &digest(1)).unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::SignatureInvalid);
    assert!(err.to_string().contains("not by this key"), "{err}");

    let other_digest = SignatureLayer::sign(payload(REPO, &digest(2)), &key());
    let err = verify_signature(&[other_digest], &public, REPO, &digest(1)).unwrap_err();
    assert!(err.to_string().contains("another digest"), "{err}");

    let other_repo = SignatureLayer::sign(payload("r.io/x", &digest(1)), &key());
    let err = verify_signature(&[other_repo], &public, REPO, &digest(1)).unwrap_err();
    assert!(err.to_string().contains("another repository"), "{err}");

    // One good layer among others is enough (another signer's, say).
    assert!(verify_signature(&[by_other, good], &public, REPO, &digest(1)).is_ok());

    // A payload changed after signing.
    let mut tampered = SignatureLayer::sign(payload(REPO, &digest(1)), &key());
    tampered.payload = payload(REPO, &digest(3));
    assert!(verify_signature(&[tampered], &public, REPO, &digest(3)).is_err());
}

#[test]
fn a_signature_is_added_once_per_key_and_payload() {
    let k = key();
    let first = SignatureLayer::sign(payload(REPO, &digest(1)), &k);
    let layers = add_signature(vec![], first.clone(), &k.public_key()).unwrap();
    assert_eq!(layers.len(), 1);
    // RFC 6979: the same key and payload, the same signature; either way, no second layer.
    assert_eq!(add_signature(layers.clone(), first, &k.public_key()), None);
    // Another key's signature of the same payload is added beside it.
    let theirs = SignatureLayer::sign(payload(REPO, &digest(1)), &other_key());
    let both = add_signature(layers, theirs, &other_key().public_key()).unwrap();
    assert_eq!(both.len(), 2);
}

fn envelope(statement: &Statement, k: &SigningKey) -> Vec<u8> {
    Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_bytes(), k).to_bytes()
}

#[test]
fn attestations_verify_only_for_their_key_and_subject() {
    let public = key().public_key();
    let sbom = Statement::sbom(REPO, &digest(1), r#"{"bomFormat":"CycloneDX"}"#).unwrap();
    let verified = verify_attestation(&envelope(&sbom, &key()), &public, &digest(1)).unwrap();
    assert_eq!(verified.predicate_type, SBOM_PREDICATE_TYPE);

    let err = verify_attestation(&envelope(&sbom, &other_key()), &public, &digest(1)).unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::AttestationSignatureInvalid);
    assert!(err.to_string().contains(SBOM_PREDICATE_TYPE), "{err}");

    let err = verify_attestation(&envelope(&sbom, &key()), &public, &digest(2)).unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::AttestationSubjectMismatch);
    assert!(err.to_string().contains("about another image"), "{err}");

    // The payload type is signed too (PAE): changing it breaks the signature.
    let mut changed = Envelope::parse(&envelope(&sbom, &key())).unwrap();
    changed.payload_type = "application/json".into();
    let err = verify_attestation(&changed.to_bytes(), &public, &digest(1)).unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::AttestationMalformed);
    let mut swapped = Envelope::parse(&envelope(&sbom, &key())).unwrap();
    let other = Statement::sbom(REPO, &digest(1), r#"{"bomFormat":"CycloneDX","x":1}"#).unwrap();
    swapped.payload = Base64::encode_string(&other.to_bytes());
    assert_eq!(
        verify_attestation(&swapped.to_bytes(), &public, &digest(1))
            .unwrap_err()
            .kind,
        VerifyErrorKind::AttestationSignatureInvalid
    );

    for bad in [
        &b"not json"[..],
        br#"{"payloadType":"application/vnd.in-toto+json","payload":"!!","signatures":[]}"#,
    ] {
        assert_eq!(
            verify_attestation(bad, &public, &digest(1))
                .unwrap_err()
                .kind,
            VerifyErrorKind::AttestationMalformed
        );
    }

    let err = require_attestations(
        &[verified],
        &[SBOM_PREDICATE_TYPE, PROVENANCE_PREDICATE_TYPE],
        &digest(1),
    )
    .unwrap_err();
    assert_eq!(err.kind, VerifyErrorKind::AttestationMissing);
    assert!(err.to_string().contains(PROVENANCE_PREDICATE_TYPE), "{err}");
}

#[test]
fn the_public_key_round_trips_through_pem() {
    let public = key().public_key();
    assert_eq!(
        PublicKey::from_pem(public.to_pem().as_bytes()).unwrap(),
        public
    );
    assert_ne!(public.key_id(), other_key().public_key().key_id());
}

proptest! {
    #[test]
    fn payloads_read_back_what_they_claim(
        repo in "[a-z0-9]{1,12}(\\.[a-z]{2,5})?(:[0-9]{2,5})?(/[a-z0-9]{1,10}){1,3}",
        hex in "[0-9a-f]{64}",
    ) {
        let digest = format!("sha256:{hex}");
        let id = parse_payload(&payload(&repo, &digest)).unwrap();
        prop_assert_eq!(id.docker_reference, repo);
        prop_assert_eq!(id.digest, digest);
    }

    #[test]
    fn pae_frames_type_and_body_by_length(
        payload_type in "[ -~]{0,40}",
        body in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let encoded = pae(&payload_type, &body);
        let header = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), body.len());
        prop_assert_eq!(&encoded[..header.len()], header.as_bytes());
        prop_assert_eq!(&encoded[header.len()..], &body[..]);
    }

    #[test]
    fn parse_payload_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_payload(&bytes);
        let _ = Envelope::parse(&bytes);
        let _ = Statement::parse(&bytes);
    }
}
