//! The image cosign stores a key-based signature in: tagged
//! `sha256-<hex>.sig` (the signed manifest's digest, `:` made `-`) in the
//! image's repository, an OCI image manifest with
//!
//! - a config: the OCI image configuration go-containerregistry writes for
//!   an empty image with these layers appended (empty architecture and OS,
//!   zero times, one history entry and one `diff_id` per layer; a layer is
//!   stored uncompressed, so its `diff_id` is its digest);
//! - one layer per signature, of media type
//!   `application/vnd.dev.cosign.simplesigning.v1+json`, holding the
//!   simple-signing payload, with the base64 ECDSA signature in the
//!   annotation `dev.cosignproject.cosign/signature`.
//!
//! Signing again appends a layer, as cosign does, unless a layer already
//! holds the same payload signed by the same key (a re-run adds no second
//! signature). Layers other signers left (keyless signatures, with their
//! certificate and bundle annotations) are kept as they are.

use std::collections::BTreeMap;

use base64ct::{Base64, Encoding};

use super::key::{PublicKey, SigningKey};
use super::oci::{Blob, Descriptor, Manifest, OCI_CONFIG, OCI_MANIFEST, digest_tag};

/// The media type of a signature layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

/// The tag of the signatures of `digest`: `sha256-<hex>.sig`.
pub fn signature_tag(digest: &str) -> Result<String, String> {
    Ok(format!("{}.sig", digest_tag(digest)?))
}

/// One signature: its payload, and its layer's annotations (the signature
/// among them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLayer {
    /// The signed payload (the layer's content).
    pub payload: Vec<u8>,
    /// The layer's annotations.
    pub annotations: BTreeMap<String, String>,
}

impl SignatureLayer {
    /// `payload` signed with `key`.
    pub fn sign(payload: Vec<u8>, key: &SigningKey) -> SignatureLayer {
        let signature = Base64::encode_string(&key.sign(&payload));
        SignatureLayer {
            payload,
            annotations: BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), signature)]),
        }
    }

    /// The signature (DER), when the annotation holds valid base64.
    pub fn signature(&self) -> Option<Vec<u8>> {
        Base64::decode_vec(self.annotations.get(SIGNATURE_ANNOTATION)?.trim()).ok()
    }

    /// Whether `key` signed this payload.
    pub fn signed_by(&self, key: &PublicKey) -> bool {
        self.signature()
            .is_some_and(|signature| key.verify(&self.payload, &signature))
    }
}

/// The signature image of `layers`: its config and layer blobs (to push
/// first) and its manifest.
#[derive(Debug, Clone)]
pub struct SignatureImage {
    /// The config blob.
    pub config: Blob,
    /// One blob per signature.
    pub layers: Vec<Blob>,
    /// The manifest's bytes (media type [`OCI_MANIFEST`]).
    pub manifest: Vec<u8>,
}

/// The image holding `layers`, in order.
pub fn signature_image(layers: &[SignatureLayer]) -> SignatureImage {
    let blobs: Vec<Blob> = layers
        .iter()
        .map(|layer| {
            let mut blob = Blob::new(SIMPLE_SIGNING_MEDIA_TYPE, layer.payload.clone());
            blob.descriptor.annotations = layer.annotations.clone();
            blob
        })
        .collect();
    let zero = "0001-01-01T00:00:00Z";
    let config = serde_json::json!({
        "architecture": "",
        "created": zero,
        "history": blobs.iter().map(|_| serde_json::json!({"created": zero})).collect::<Vec<_>>(),
        "os": "",
        "rootfs": {
            "type": "layers",
            "diff_ids": blobs.iter().map(|b| b.descriptor.digest.clone()).collect::<Vec<_>>(),
        },
        "config": {},
    });
    let config = Blob::new(OCI_CONFIG, serde_json::to_vec(&config).expect("json"));
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(OCI_MANIFEST.to_owned()),
        artifact_type: None,
        config: config.descriptor.clone(),
        layers: blobs.iter().map(|b| b.descriptor.clone()).collect(),
        subject: None,
        annotations: BTreeMap::new(),
    };
    SignatureImage {
        config,
        layers: blobs,
        manifest: manifest.to_bytes(),
    }
}

/// The layers after adding `new` (signed by `key`) to `existing`, or `None`
/// when a layer of `existing` already holds the same payload signed by
/// `key`: nothing to push.
pub fn add_signature(
    existing: Vec<SignatureLayer>,
    new: SignatureLayer,
    key: &PublicKey,
) -> Option<Vec<SignatureLayer>> {
    if existing
        .iter()
        .any(|layer| layer.payload == new.payload && layer.signed_by(key))
    {
        return None;
    }
    let mut layers = existing;
    layers.push(new);
    Some(layers)
}

/// The signature layers of a signature image's manifest, with each layer's
/// payload from `payload_of` (the registry's blob, by descriptor). Layers
/// of other media types are left out.
pub fn layers_of(
    manifest: &Manifest,
    mut payload_of: impl FnMut(&Descriptor) -> Result<Vec<u8>, String>,
) -> Result<Vec<SignatureLayer>, String> {
    manifest
        .layers
        .iter()
        .filter(|d| d.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
        .map(|d| {
            Ok(SignatureLayer {
                payload: payload_of(d)?,
                annotations: d.annotations.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_of_a_digest() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            signature_tag(&digest).unwrap(),
            format!("sha256-{}.sig", "ab".repeat(32))
        );
        assert!(signature_tag("sha256:xyz").is_err());
        assert!(signature_tag("latest").is_err());
    }

    #[test]
    fn the_image_lists_a_layer_per_signature_with_its_diff_id() {
        let layers = vec![SignatureLayer {
            payload: b"payload".to_vec(),
            annotations: BTreeMap::from([(SIGNATURE_ANNOTATION.to_owned(), "c2ln".to_owned())]),
        }];
        let image = signature_image(&layers);
        let manifest = Manifest::parse(&image.manifest).unwrap();
        assert_eq!(manifest.layers.len(), 1);
        assert_eq!(manifest.layers[0].media_type, SIMPLE_SIGNING_MEDIA_TYPE);
        assert_eq!(manifest.layers[0].annotations[SIGNATURE_ANNOTATION], "c2ln");
        assert_eq!(manifest.config.media_type, OCI_CONFIG);
        let config: serde_json::Value = serde_json::from_slice(&image.config.bytes).unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"][0],
            crate::signing::sha256_digest(b"payload")
        );
        assert_eq!(config["history"].as_array().unwrap().len(), 1);
        // Read back through `layers_of`.
        let read = layers_of(&manifest, |d| {
            assert_eq!(d.digest, image.layers[0].descriptor.digest);
            Ok(b"payload".to_vec())
        })
        .unwrap();
        assert_eq!(read, layers);
    }
}
