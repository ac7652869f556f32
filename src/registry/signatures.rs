//! Signing and attesting an image in its registry, and checking it: the
//! glue between the registry calls and the rules of `crate::signing`.
//!
//! - [`RegistryClient::sign`]: reads the `sha256-<hex>.sig` image, adds this
//!   key's signature of the digest unless it is there (a re-run adds no
//!   second one), pushes the blobs and the manifest.
//! - [`RegistryClient::attest`]: a statement in a DSSE envelope, attached
//!   as a referrer of the image.
//! - [`RegistryClient::verify_image`]: the signature of the digest a tag
//!   points to, and every attestation attached, signatures and subjects.
//!
//! The signed identity (`docker-reference`) is `<registry host>/<repository>`.

use std::collections::HashMap;

use eyre::eyre;

use super::client::RegistryClient;
use super::referrers::Attached;
use crate::signing::{
    ATTESTATION_ARTIFACT_TYPE, DSSE_MEDIA_TYPE, Descriptor, Envelope, IN_TOTO_PAYLOAD_TYPE,
    Manifest, OCI_MANIFEST, PublicKey, SignatureLayer, SigningKey, Statement, VerifiedAttestation,
    add_signature, attestation_manifest, layers_of, payload, signature_image, signature_tag,
    verify_attestation, verify_signature,
};

/// An image that verified.
#[derive(Debug, Clone)]
pub struct VerifiedImage {
    /// The digest checked (the one the tag pointed to).
    pub digest: String,
    /// Its attestations, each checked.
    pub attestations: Vec<VerifiedAttestation>,
}

impl RegistryClient {
    /// The identity cosign signs for `repository` here:
    /// `<registry host>/<repository>`.
    pub fn docker_reference(&self, repository: &str) -> String {
        format!("{}/{repository}", self.host())
    }

    /// The descriptor of `repository:reference` (a tag or digest), for a
    /// referrer's `subject`; `None` when there is no such manifest.
    pub async fn descriptor(
        &self,
        repository: &str,
        reference: &str,
    ) -> eyre::Result<Option<Descriptor>> {
        Ok(self
            .manifest(repository, reference)
            .await?
            .map(|m| Descriptor {
                media_type: if m.media_type.is_empty() {
                    OCI_MANIFEST.to_owned()
                } else {
                    m.media_type
                },
                size: m.bytes.len() as u64,
                digest: m.digest,
                artifact_type: None,
                annotations: Default::default(),
            }))
    }

    /// The cosign signatures stored for `digest` in `repository` (none
    /// when there is no `.sig` image).
    pub async fn signature_layers(
        &self,
        repository: &str,
        digest: &str,
    ) -> eyre::Result<Vec<SignatureLayer>> {
        let tag = signature_tag(digest).map_err(|e| eyre!("{e}"))?;
        let Some(fetched) = self.manifest(repository, &tag).await? else {
            return Ok(Vec::new());
        };
        let manifest = Manifest::parse(&fetched.bytes).map_err(|e| {
            eyre!(
                "the signature image {}:{tag} is not an image manifest ({e}).",
                self.docker_reference(repository)
            )
        })?;
        let mut payloads = HashMap::new();
        for layer in &manifest.layers {
            if !payloads.contains_key(&layer.digest) {
                let bytes = self.blob(repository, &layer.digest).await?;
                payloads.insert(layer.digest.clone(), bytes);
            }
        }
        layers_of(&manifest, |d| {
            payloads
                .get(&d.digest)
                .cloned()
                .ok_or_else(|| format!("layer {} was not read", d.digest))
        })
        .map_err(|e| eyre!("{e}"))
    }

    /// Signs `digest` in `repository` with `key`, as cosign stores a
    /// key-based signature. [`Attached::AlreadyPresent`] when this key's
    /// signature of it is there already.
    pub async fn sign(
        &self,
        repository: &str,
        digest: &str,
        key: &SigningKey,
    ) -> eyre::Result<Attached> {
        let tag = signature_tag(digest).map_err(|e| eyre!("{e}"))?;
        let existing = self.signature_layers(repository, digest).await?;
        let new = SignatureLayer::sign(payload(&self.docker_reference(repository), digest), key);
        let Some(layers) = add_signature(existing, new, &key.public_key()) else {
            return Ok(Attached::AlreadyPresent);
        };
        let image = signature_image(&layers);
        self.push_blob(repository, &image.config).await?;
        for layer in &image.layers {
            self.push_blob(repository, layer).await?;
        }
        self.push_manifest(repository, &tag, OCI_MANIFEST, &image.manifest)
            .await?;
        Ok(Attached::Added)
    }

    /// Attaches `statement`, signed with `key` in a DSSE envelope, to the
    /// image `subject` in `repository`.
    pub async fn attest(
        &self,
        repository: &str,
        subject: &Descriptor,
        statement: &Statement,
        key: &SigningKey,
    ) -> eyre::Result<Attached> {
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_bytes(), key);
        let attestation = attestation_manifest(subject, &envelope, &statement.predicate_type);
        self.attach(repository, subject, &attestation).await
    }

    /// Verifies `repository:reference` (a tag or a digest) against `key`:
    /// the signature of the digest it points to, and every in-toto
    /// attestation attached to it. The error names what is missing or
    /// invalid.
    pub async fn verify_image(
        &self,
        repository: &str,
        reference: &str,
        key: &PublicKey,
    ) -> eyre::Result<VerifiedImage> {
        let image = self.docker_reference(repository);
        let Some(subject) = self.descriptor(repository, reference).await? else {
            return Err(eyre!(
                "verifying {image}:{reference} failed: the registry has no such image."
            ));
        };
        let digest = subject.digest;
        let layers = self.signature_layers(repository, &digest).await?;
        verify_signature(&layers, key, &image, &digest).map_err(|e| eyre!("{e}"))?;
        let mut attestations = Vec::new();
        for referrer in self.referrers(repository, &digest).await? {
            if referrer.artifact_type.as_deref() != Some(ATTESTATION_ARTIFACT_TYPE) {
                continue;
            }
            let Some(fetched) = self.manifest(repository, &referrer.digest).await? else {
                return Err(eyre!(
                    "verifying {image}@{digest} failed: the attestation {} it lists is not in \
                     the registry.",
                    referrer.digest
                ));
            };
            let manifest = Manifest::parse(&fetched.bytes).map_err(|e| {
                eyre!(
                    "verifying {image}@{digest} failed: attestation {}: {e}",
                    referrer.digest
                )
            })?;
            for layer in manifest
                .layers
                .iter()
                .filter(|l| l.media_type == DSSE_MEDIA_TYPE)
            {
                let envelope = self.blob(repository, &layer.digest).await?;
                let verified =
                    verify_attestation(&envelope, key, &digest).map_err(|e| eyre!("{e}"))?;
                attestations.push(verified);
            }
        }
        Ok(VerifiedImage {
            digest,
            attestations,
        })
    }
}
