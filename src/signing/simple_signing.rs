//! The payload cosign signs for a container image: a "simple signing"
//! JSON document naming the repository and the manifest digest,
//!
//! ```json
//! {"critical":{"identity":{"docker-reference":"registry.example/team/app"},
//!   "image":{"docker-manifest-digest":"sha256:..."},
//!   "type":"cosign container image signature"},"optional":null}
//! ```
//!
//! byte for byte as cosign writes it (sigstore's `payload.Cosign`, Go's
//! `encoding/json`: fields in this order, no spaces). The
//! `docker-reference` is the repository without tag or digest (cosign's
//! default), with its registry host.

use serde::{Deserialize, Serialize};

/// The `critical.type` of a cosign image signature.
pub const SIGNATURE_TYPE: &str = "cosign container image signature";

#[derive(Serialize, Deserialize)]
struct Payload {
    critical: Critical,
    optional: Option<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Serialize, Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// What a simple-signing payload claims: this repository, this digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIdentity {
    /// `critical.identity.docker-reference`.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`.
    pub digest: String,
}

/// The payload signed for `digest` in `docker_reference`
/// (`registry.example/team/app`).
pub fn payload(docker_reference: &str, digest: &str) -> Vec<u8> {
    let payload = Payload {
        critical: Critical {
            identity: Identity {
                docker_reference: docker_reference.to_owned(),
            },
            image: Image {
                docker_manifest_digest: digest.to_owned(),
            },
            kind: SIGNATURE_TYPE.to_owned(),
        },
        optional: None,
    };
    serde_json::to_vec(&payload).expect("a payload always serializes")
}

/// What a payload claims, or why it is not a cosign image signature's.
pub fn parse_payload(bytes: &[u8]) -> Result<SignedIdentity, String> {
    let payload: Payload = serde_json::from_slice(bytes)
        .map_err(|e| format!("the payload is not a simple-signing document ({e})"))?;
    if payload.critical.kind != SIGNATURE_TYPE {
        return Err(format!(
            "the payload's type is `{}`, not `{SIGNATURE_TYPE}`",
            crate::core::text::excerpt(&payload.critical.kind)
        ));
    }
    Ok(SignedIdentity {
        docker_reference: payload.critical.identity.docker_reference,
        digest: payload.critical.image.docker_manifest_digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn the_payload_is_cosigns_bytes() {
        // Written out by hand from sigstore's payload.Cosign and Go's
        // encoding/json (field order, no spaces, `null` optional).
        let expected = format!(
            "{{\"critical\":{{\"identity\":{{\"docker-reference\":\"registry.ops.eblu.me/\
             blumeops/nettest\"}},\"image\":{{\"docker-manifest-digest\":\"{DIGEST}\"}},\
             \"type\":\"cosign container image signature\"}},\"optional\":null}}"
        );
        let bytes = payload("registry.ops.eblu.me/blumeops/nettest", DIGEST);
        assert_eq!(String::from_utf8(bytes.clone()).unwrap(), expected);
        assert_eq!(
            parse_payload(&bytes).unwrap(),
            SignedIdentity {
                docker_reference: "registry.ops.eblu.me/blumeops/nettest".into(),
                digest: DIGEST.into()
            }
        );
    }

    #[test]
    fn other_documents_are_not_payloads() {
        assert!(parse_payload(b"{}").is_err());
        let other = br#"{"critical":{"identity":{"docker-reference":"a"},"image":{"docker-manifest-digest":"b"},"type":"atomic container signature"},"optional":{"k":"v"}}"#;
        assert!(parse_payload(other).unwrap_err().contains("atomic"));
    }
}
