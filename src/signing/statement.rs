//! In-toto statements, v1 (in-toto/attestation): `{"_type":
//! "https://in-toto.io/Statement/v1", "subject": [{"name", "digest":
//! {"sha256": <hex>}}], "predicateType", "predicate"}`. The subject is the
//! image: its repository with the registry host, and its manifest digest.
//! Two predicates are attached here: the image's CycloneDX SBOM
//! ([`SBOM_PREDICATE_TYPE`]) and its SLSA provenance
//! ([`PROVENANCE_PREDICATE_TYPE`], `provenance.rs`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::oci::sha256_hex;

/// The `_type` of an in-toto statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a CycloneDX SBOM (cosign's `--type cyclonedx`).
pub const SBOM_PREDICATE_TYPE: &str = "https://cyclonedx.org/bom";
/// The predicate type of SLSA provenance v1.
pub const PROVENANCE_PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";

/// The predicate type `verify --require` names: `provenance`, `sbom`, or
/// a predicate type URI as is.
pub fn predicate_type_named(name: &str) -> Result<String, String> {
    match name {
        "provenance" => Ok(PROVENANCE_PREDICATE_TYPE.to_owned()),
        "sbom" => Ok(SBOM_PREDICATE_TYPE.to_owned()),
        uri if uri.starts_with("https://") || uri.starts_with("http://") => Ok(uri.to_owned()),
        other => Err(format!(
            "`{other}` is not an attestation type: name `provenance` ({PROVENANCE_PREDICATE_TYPE}), \
             `sbom` ({SBOM_PREDICATE_TYPE}), or a predicate type URI."
        )),
    }
}

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// What the statement is about.
    pub subject: Vec<Subject>,
    /// What the predicate is.
    pub predicate_type: String,
    /// The predicate.
    pub predicate: Value,
}

/// A statement's subject: a name and its digests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The image's repository, with the registry host.
    pub name: String,
    /// `{"sha256": <hex>}`.
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// A statement of `predicate_type` about `digest` in `repository`.
    pub fn new(
        repository: &str,
        digest: &str,
        predicate_type: &str,
        predicate: Value,
    ) -> Result<Statement, String> {
        let hex = sha256_hex(digest).ok_or_else(|| {
            format!(
                "the image digest `{}` is not a sha256 digest",
                crate::core::text::excerpt(digest)
            )
        })?;
        Ok(Statement {
            statement_type: STATEMENT_TYPE.to_owned(),
            subject: vec![Subject {
                name: repository.to_owned(),
                digest: BTreeMap::from([("sha256".to_owned(), hex.to_owned())]),
            }],
            predicate_type: predicate_type.to_owned(),
            predicate,
        })
    }

    /// The SBOM statement: `cyclonedx`, the CycloneDX JSON document the
    /// module makes (`core::sbom::document`), as the predicate.
    pub fn sbom(repository: &str, digest: &str, cyclonedx: &str) -> Result<Statement, String> {
        let predicate: Value =
            serde_json::from_str(cyclonedx).map_err(|e| format!("the SBOM is not JSON ({e})"))?;
        Statement::new(repository, digest, SBOM_PREDICATE_TYPE, predicate)
    }

    /// The statement's JSON, the DSSE payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a statement always serializes")
    }

    /// A statement from a DSSE payload.
    pub fn parse(bytes: &[u8]) -> Result<Statement, String> {
        let statement: Statement = serde_json::from_slice(bytes)
            .map_err(|e| format!("the payload is not an in-toto statement ({e})"))?;
        if statement.statement_type != STATEMENT_TYPE {
            return Err(format!(
                "the statement's _type is `{}`, not `{STATEMENT_TYPE}`",
                crate::core::text::excerpt(&statement.statement_type)
            ));
        }
        Ok(statement)
    }

    /// Whether the statement is about `digest` (a `sha256:` digest).
    pub fn is_about(&self, digest: &str) -> bool {
        sha256_hex(digest).is_some_and(|hex| {
            self.subject
                .iter()
                .any(|s| s.digest.get("sha256").is_some_and(|d| d == hex))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_names_its_subject_by_digest() {
        let digest = format!("sha256:{}", "0f".repeat(32));
        let s = Statement::sbom("r.io/a/b", &digest, r#"{"bomFormat":"CycloneDX"}"#).unwrap();
        let json: Value = serde_json::from_slice(&s.to_bytes()).unwrap();
        assert_eq!(json["_type"], STATEMENT_TYPE);
        assert_eq!(json["predicateType"], SBOM_PREDICATE_TYPE);
        assert_eq!(json["subject"][0]["name"], "r.io/a/b");
        assert_eq!(json["subject"][0]["digest"]["sha256"], "0f".repeat(32));
        assert_eq!(json["predicate"]["bomFormat"], "CycloneDX");
        assert!(s.is_about(&digest));
        assert!(!s.is_about(&format!("sha256:{}", "1f".repeat(32))));
        assert_eq!(Statement::parse(&s.to_bytes()).unwrap(), s);
        assert!(Statement::new("r", "sha256:zz", SBOM_PREDICATE_TYPE, Value::Null).is_err());
        assert!(Statement::sbom("r", &digest, "not json").is_err());
        assert!(
            Statement::parse(br#"{"_type":"x","subject":[],"predicateType":"p","predicate":null}"#)
                .is_err()
        );
    }
}
