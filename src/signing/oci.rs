//! The OCI data the signatures and attestations are made of: descriptors,
//! image manifests and image indexes (the [image spec]), the digest of a
//! blob, and a blob with its descriptor, ready to push.
//!
//! [image spec]: https://github.com/opencontainers/image-spec

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// An OCI image configuration.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The empty descriptor's media type (image spec 1.1), the config of an
/// artifact manifest.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The empty descriptor's content: `{}`.
pub const EMPTY_JSON: &[u8] = b"{}";

/// `sha256:<64 lowercase hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The 64 hex digits of a `sha256:` digest, or `None` for anything else.
pub fn sha256_hex(digest: &str) -> Option<&str> {
    digest.strip_prefix("sha256:").filter(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// The tag-schema form of a digest, shared by cosign's `.sig` tags and the
/// referrers fallback: `sha256-<hex>`.
pub fn digest_tag(digest: &str) -> Result<String, String> {
    let hex = sha256_hex(digest).ok_or_else(|| {
        format!(
            "`{}` is not a sha256 digest",
            crate::core::text::excerpt(digest)
        )
    })?;
    Ok(format!("sha256-{hex}"))
}

/// A content descriptor: what a manifest or index says about a blob or
/// another manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The content's media type.
    pub media_type: String,
    /// `sha256:<hex>` of the content.
    pub digest: String,
    /// The content's length in bytes.
    pub size: u64,
    /// What an artifact manifest holds (OCI 1.1), in a referrers index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// The descriptor of `bytes` as `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_owned(),
            digest: sha256_digest(bytes),
            size: bytes.len() as u64,
            artifact_type: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// A blob and its descriptor, to push before the manifest that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// What the manifest says about it.
    pub descriptor: Descriptor,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Blob {
    /// `bytes` as a blob of `media_type`.
    pub fn new(media_type: &str, bytes: Vec<u8>) -> Blob {
        Blob {
            descriptor: Descriptor::of(media_type, &bytes),
            bytes,
        }
    }
}

/// An OCI image manifest (also an artifact manifest: `artifactType`,
/// `subject`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`OCI_MANIFEST`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// What the artifact holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The configuration blob.
    pub config: Descriptor,
    /// The layers.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (OCI 1.1 referrers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Manifest {
    /// The manifest's bytes, as pushed (compact JSON; its digest is the
    /// digest of these bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serializes")
    }

    /// A manifest from a registry's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an OCI image manifest: {e}"))
    }
}

/// An OCI image index: here, the referrers of a manifest (the referrers
/// API's answer, or the tag-schema fallback's content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Always 2.
    pub schema_version: u32,
    /// [`OCI_INDEX`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The manifests listed (required: a manifest is not an index).
    pub manifests: Vec<Descriptor>,
}

impl Index {
    /// An index of `manifests`.
    pub fn new(manifests: Vec<Descriptor>) -> Index {
        Index {
            schema_version: 2,
            media_type: Some(OCI_INDEX.to_owned()),
            manifests,
        }
    }

    /// The index's bytes, as pushed.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an index always serializes")
    }

    /// An index from a registry's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Index, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not an OCI image index: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_the_empty_descriptor() {
        // The image spec's own value for the empty descriptor.
        assert_eq!(
            sha256_digest(EMPTY_JSON),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let d = sha256_digest(b"");
        assert_eq!(
            sha256_hex(&d),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(sha256_hex("sha256:ABC"), None);
        assert_eq!(sha256_hex("sha512:00"), None);
    }

    #[test]
    fn manifests_round_trip_and_skip_empty_fields() {
        let config = Descriptor::of(OCI_EMPTY, EMPTY_JSON);
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST.to_owned()),
            artifact_type: None,
            config,
            layers: vec![],
            subject: None,
            annotations: BTreeMap::new(),
        };
        let bytes = manifest.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            !text.contains("subject") && !text.contains("annotations"),
            "{text}"
        );
        assert_eq!(Manifest::parse(&bytes).unwrap(), manifest);
        assert!(Manifest::parse(b"[]").is_err());
        let index = Index::new(vec![]);
        assert_eq!(Index::parse(&index.to_bytes()).unwrap(), index);
    }
}
