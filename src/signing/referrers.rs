//! Attestations attached to an image as OCI 1.1 referrers, and the
//! referrers tag-schema fallback for registries without the referrers API.
//!
//! One artifact manifest per statement, in the form `cosign attest
//! --registry-referrers-mode=oci-1-1` writes for DSSE attestations:
//!
//! - `artifactType` `application/vnd.in-toto+json` (what the artifact is:
//!   an in-toto statement; what policy engines ask the referrers API for);
//! - `config`: the empty descriptor (`application/vnd.oci.empty.v1+json`,
//!   `{}`);
//! - one layer: the DSSE envelope, media type
//!   `application/vnd.dsse.envelope.v1+json` (cosign's attestation layers),
//!   with cosign's `predicateType` annotation;
//! - `subject`: the image's descriptor;
//! - the annotation `in-toto.io/predicate-type`, so the referrers list
//!   says which attestation is which without fetching it.
//!
//! No creation time: the same statement gives the same manifest and digest,
//! so a re-run attaches nothing new.
//!
//! Where the registry has no referrers API (the distribution registry 2.8,
//! Debian's `docker-registry`), the distribution spec's fallback: an image
//! index tagged `sha256-<hex of the subject digest>` lists the referrers'
//! descriptors; a client adds to what is there ([`merge_referrers_index`]).

use std::collections::BTreeMap;

use super::dsse::{DSSE_MEDIA_TYPE, Envelope, IN_TOTO_PAYLOAD_TYPE};
use super::oci::{
    Blob, Descriptor, EMPTY_JSON, Index, Manifest, OCI_EMPTY, OCI_MANIFEST, digest_tag,
};

/// The `artifactType` of an attestation manifest.
pub const ATTESTATION_ARTIFACT_TYPE: &str = IN_TOTO_PAYLOAD_TYPE;
/// The manifest annotation naming the statement's predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "in-toto.io/predicate-type";
/// Cosign's layer annotation naming the predicate type.
pub const COSIGN_PREDICATE_TYPE_ANNOTATION: &str = "predicateType";

/// An attestation ready to push: its blobs, then its manifest.
#[derive(Debug, Clone)]
pub struct AttestationManifest {
    /// The empty config, then the envelope.
    pub blobs: Vec<Blob>,
    /// The manifest's bytes (media type [`OCI_MANIFEST`]).
    pub manifest: Vec<u8>,
    /// The manifest's descriptor, as a referrers index lists it.
    pub descriptor: Descriptor,
}

/// The artifact manifest attaching `envelope` (about a statement of
/// `predicate_type`) to the image `subject`.
pub fn attestation_manifest(
    subject: &Descriptor,
    envelope: &Envelope,
    predicate_type: &str,
) -> AttestationManifest {
    let config = Blob::new(OCI_EMPTY, EMPTY_JSON.to_vec());
    let mut layer = Blob::new(DSSE_MEDIA_TYPE, envelope.to_bytes());
    layer.descriptor.annotations.insert(
        COSIGN_PREDICATE_TYPE_ANNOTATION.to_owned(),
        predicate_type.to_owned(),
    );
    let annotations = BTreeMap::from([(
        PREDICATE_TYPE_ANNOTATION.to_owned(),
        predicate_type.to_owned(),
    )]);
    let subject = Descriptor {
        media_type: subject.media_type.clone(),
        digest: subject.digest.clone(),
        size: subject.size,
        artifact_type: None,
        annotations: BTreeMap::new(),
    };
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: Some(ATTESTATION_ARTIFACT_TYPE.to_owned()),
        config: config.descriptor.clone(),
        layers: vec![layer.descriptor.clone()],
        subject: Some(subject),
        annotations: annotations.clone(),
    };
    let bytes = manifest.to_bytes();
    let mut descriptor = Descriptor::of(OCI_MANIFEST, &bytes);
    descriptor.artifact_type = Some(ATTESTATION_ARTIFACT_TYPE.to_owned());
    descriptor.annotations = annotations;
    AttestationManifest {
        blobs: vec![config, layer],
        manifest: bytes,
        descriptor,
    }
}

/// The fallback tag of `digest`'s referrers: `sha256-<hex>`.
pub fn referrers_tag(digest: &str) -> Result<String, String> {
    digest_tag(digest)
}

/// The fallback index after adding `referrer` to `existing` (the tag's
/// current content, when there is one), or `None` when it is listed
/// already. An existing tag that is not an index is an error: the tag
/// belongs to something else, and is not overwritten.
pub fn merge_referrers_index(
    existing: Option<&[u8]>,
    referrer: &Descriptor,
) -> Result<Option<Index>, String> {
    let mut index = match existing {
        None => Index::new(Vec::new()),
        Some(bytes) => Index::parse(bytes)
            .map_err(|e| format!("the referrers fallback tag holds something else: {e}"))?,
    };
    if index.manifests.iter().any(|d| d.digest == referrer.digest) {
        return Ok(None);
    }
    index.manifests.push(referrer.clone());
    Ok(Some(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{sha256_digest, sha256_hex};

    fn subject() -> Descriptor {
        Descriptor::of(OCI_MANIFEST, b"an image manifest")
    }

    fn envelope() -> Envelope {
        Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            payload: "e30=".into(),
            signatures: vec![],
        }
    }

    #[test]
    fn the_attestation_manifest_refers_to_its_subject() {
        let a = attestation_manifest(&subject(), &envelope(), "https://slsa.dev/provenance/v1");
        let m = Manifest::parse(&a.manifest).unwrap();
        assert_eq!(m.artifact_type.as_deref(), Some(IN_TOTO_PAYLOAD_TYPE));
        assert_eq!(m.subject.as_ref().unwrap().digest, subject().digest);
        assert_eq!(m.config.media_type, OCI_EMPTY);
        assert_eq!(
            m.config.digest,
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(m.layers[0].media_type, DSSE_MEDIA_TYPE);
        assert_eq!(a.descriptor.digest, sha256_digest(&a.manifest));
        assert_eq!(
            a.descriptor.annotations[PREDICATE_TYPE_ANNOTATION],
            "https://slsa.dev/provenance/v1"
        );
        assert_eq!(a.blobs[1].bytes, envelope().to_bytes());
        // The same statement, the same manifest.
        let again = attestation_manifest(&subject(), &envelope(), "https://slsa.dev/provenance/v1");
        assert_eq!(again.manifest, a.manifest);
    }

    #[test]
    fn the_fallback_index_grows_once_per_referrer() {
        let a = attestation_manifest(&subject(), &envelope(), "x").descriptor;
        let b = Descriptor::of(OCI_MANIFEST, b"another");
        let first = merge_referrers_index(None, &a).unwrap().unwrap();
        assert_eq!(first.manifests, std::slice::from_ref(&a));
        let bytes = first.to_bytes();
        assert_eq!(merge_referrers_index(Some(&bytes), &a).unwrap(), None);
        let second = merge_referrers_index(Some(&bytes), &b).unwrap().unwrap();
        assert_eq!(second.manifests, [a, b.clone()]);
        assert!(merge_referrers_index(Some(b"not json"), &b).is_err());
        let digest = subject().digest;
        assert_eq!(
            referrers_tag(&digest).unwrap(),
            format!("sha256-{}", sha256_hex(&digest).unwrap())
        );
        assert!(referrers_tag("nope").is_err());
    }
}
