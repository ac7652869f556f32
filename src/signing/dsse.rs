//! DSSE, the Dead Simple Signing Envelope (secure-systems-lab/dsse, v1):
//! the signature covers the pre-authentication encoding
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! ```
//!
//! (`LEN`: the byte length in ASCII decimal), never the bare payload, so a
//! signature cannot be replayed as another type's. The envelope is
//! `{"payloadType", "payload" (base64), "signatures": [{"keyid", "sig"
//! (base64 ASN.1 DER ECDSA)}]}`, as cosign writes it for `cosign attest`.

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

use super::key::{PublicKey, SigningKey};

/// The media type of a DSSE envelope (cosign's attestation layers).
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The bytes a DSSE signature covers.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// What the payload is.
    pub payload_type: String,
    /// The payload, base64.
    pub payload: String,
    /// Its signatures.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signing key's id (informative).
    #[serde(default)]
    pub keyid: String,
    /// The signature, base64.
    pub sig: String,
}

impl Envelope {
    /// `payload` of `payload_type`, signed with `key`.
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Envelope {
        let signature = key.sign(&pae(payload_type, payload));
        Envelope {
            payload_type: payload_type.to_owned(),
            payload: Base64::encode_string(payload),
            signatures: vec![EnvelopeSignature {
                keyid: key.public_key().key_id(),
                sig: Base64::encode_string(&signature),
            }],
        }
    }

    /// The envelope's JSON, as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an envelope always serializes")
    }

    /// An envelope from its JSON.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope ({e})"))
    }

    /// The payload's bytes.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, String> {
        Base64::decode_vec(&self.payload).map_err(|_| "its payload is not base64".to_owned())
    }

    /// Whether one of the signatures is `key`'s, over this payload and type.
    pub fn signed_by(&self, key: &PublicKey) -> bool {
        let Ok(payload) = self.payload_bytes() else {
            return false;
        };
        let message = pae(&self.payload_type, &payload);
        self.signatures
            .iter()
            .any(|s| Base64::decode_vec(&s.sig).is_ok_and(|sig| key.verify(&message, &sig)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_the_specs_encoding() {
        // The DSSE protocol document's example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }
}
