//! SLSA provenance v1 (slsa.dev/provenance/v1) of an image the module
//! built: the predicate of a [`PROVENANCE_PREDICATE_TYPE`] statement.
//!
//! - `buildDefinition.buildType`: [`BUILD_TYPE`], this module's build;
//! - `externalParameters`: what the caller chose: the source repository and
//!   commit, the container, how it was built (Dockerfile or Nix) and the
//!   build arguments;
//! - `resolvedDependencies`: the source (`git+<repository>`, digest
//!   `gitCommit`), each base image (`oci://<reference>`, by `sha256` where
//!   the module knows its digest, by reference alone otherwise), and the
//!   nixpkgs pin (its URL, and its `sha256` where pinned);
//! - `runDetails.builder`: this module (`id` [`BUILDER_REPOSITORY`]`@v<version>`,
//!   `version` its version and commit).
//!
//! No timestamps: the same build gives the same statement, so a re-run
//! signs the same bytes and attaches nothing new.
//!
//! [`ProvenanceInput`] is plain data that a pipeline fills.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::statement::{PROVENANCE_PREDICATE_TYPE, Statement};

/// The module's repository, the builder's id (with `@v<version>`).
pub const BUILDER_REPOSITORY: &str = "https://github.com/eblume/blumeops-ci";
/// The build type: this module's, documented in docs/explanation.md.
pub const BUILD_TYPE: &str = "https://github.com/eblume/blumeops-ci/blob/main/docs/explanation.md#signed-and-attested-images";

/// How the image was built: the one type the rules and the pipelines use.
pub use crate::core::container::kind::BuildKind;

/// A base image: the reference the build named, and its digest when the
/// module resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseImage {
    /// As the Dockerfile names it (`docker.io/library/alpine:3.20`).
    pub reference: String,
    /// `sha256:<hex>`, when known.
    pub digest: Option<String>,
}

/// The nixpkgs a Nix image was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NixpkgsPin {
    /// Where it was fetched from (the pin's tarball URL, or a flake ref).
    pub url: String,
    /// Its revision, when known.
    pub rev: Option<String>,
    /// The pinned `sha256` (Nix's hash of the unpacked tree), when pinned.
    pub sha256: Option<String>,
}

/// What a pipeline knows about one build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceInput {
    /// This module's version (`CARGO_PKG_VERSION`).
    pub module_version: String,
    /// This module's commit, when known.
    pub module_commit: Option<String>,
    /// The ops repository's URL.
    pub source_repository: String,
    /// The ops repository's commit.
    pub source_commit: String,
    /// The container's name.
    pub container: String,
    /// How it was built.
    pub build_kind: BuildKind,
    /// The build arguments.
    pub build_args: BTreeMap<String, String>,
    /// The base images.
    pub base_images: Vec<BaseImage>,
    /// The nixpkgs pin, for a Nix image.
    pub nixpkgs: Option<NixpkgsPin>,
}

/// The builder's id: `https://github.com/eblume/blumeops-ci@v<version>`.
pub fn builder_id(module_version: &str) -> String {
    format!("{BUILDER_REPOSITORY}@v{module_version}")
}

/// The provenance predicate of `input`.
pub fn provenance_predicate(input: &ProvenanceInput) -> Value {
    let kind = input.build_kind.as_str();
    let mut dependencies = vec![json!({
        "uri": format!("git+{}", input.source_repository),
        "digest": {"gitCommit": input.source_commit},
    })];
    for base in &input.base_images {
        let mut dep = Map::new();
        dep.insert("uri".into(), json!(format!("oci://{}", base.reference)));
        if let Some(hex) = base
            .digest
            .as_deref()
            .and_then(|d| d.strip_prefix("sha256:"))
        {
            dep.insert("digest".into(), json!({"sha256": hex}));
        }
        dependencies.push(Value::Object(dep));
    }
    if let Some(pin) = &input.nixpkgs {
        let mut dep = Map::new();
        dep.insert("name".into(), json!("nixpkgs"));
        dep.insert("uri".into(), json!(pin.url));
        let mut digest = Map::new();
        if let Some(sha256) = &pin.sha256 {
            digest.insert("sha256".into(), json!(sha256));
        }
        if let Some(rev) = &pin.rev {
            digest.insert("gitCommit".into(), json!(rev));
        }
        if !digest.is_empty() {
            dep.insert("digest".into(), Value::Object(digest));
        }
        dependencies.push(Value::Object(dep));
    }
    let mut version = Map::new();
    version.insert("blumeops-ci".into(), json!(input.module_version));
    if let Some(commit) = &input.module_commit {
        version.insert("commit".into(), json!(commit));
    }
    json!({
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": {
                "source": {
                    "repository": input.source_repository,
                    "commit": input.source_commit,
                },
                "container": input.container,
                "kind": kind,
                "buildArgs": input.build_args,
            },
            "internalParameters": {},
            "resolvedDependencies": dependencies,
        },
        "runDetails": {
            "builder": {
                "id": builder_id(&input.module_version),
                "version": version,
            },
            "metadata": {},
        },
    })
}

/// The provenance statement about `digest` in `repository`.
pub fn provenance_statement(
    repository: &str,
    digest: &str,
    input: &ProvenanceInput,
) -> Result<Statement, String> {
    Statement::new(
        repository,
        digest,
        PROVENANCE_PREDICATE_TYPE,
        provenance_predicate(input),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProvenanceInput {
        ProvenanceInput {
            module_version: "0.1.0".into(),
            module_commit: Some("c0ffee".into()),
            source_repository: "https://github.com/eblume/blumeops".into(),
            source_commit: "0123456789abcdef0123456789abcdef01234567".into(),
            container: "nettest".into(),
            build_kind: BuildKind::Dockerfile,
            build_args: BTreeMap::from([("VERSION".into(), "1.2.3".into())]),
            base_images: vec![
                BaseImage {
                    reference: "docker.io/library/alpine:3.20".into(),
                    digest: Some(format!("sha256:{}", "aa".repeat(32))),
                },
                BaseImage {
                    reference: "scratch-builder:latest".into(),
                    digest: None,
                },
            ],
            nixpkgs: None,
        }
    }

    #[test]
    fn the_predicate_records_builder_source_container_args_and_bases() {
        let p = provenance_predicate(&input());
        let def = &p["buildDefinition"];
        assert_eq!(def["buildType"], BUILD_TYPE);
        assert_eq!(def["externalParameters"]["container"], "nettest");
        assert_eq!(def["externalParameters"]["kind"], "dockerfile");
        assert_eq!(def["externalParameters"]["buildArgs"]["VERSION"], "1.2.3");
        let deps = def["resolvedDependencies"].as_array().unwrap();
        assert_eq!(deps[0]["uri"], "git+https://github.com/eblume/blumeops");
        assert_eq!(
            deps[0]["digest"]["gitCommit"],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(deps[1]["uri"], "oci://docker.io/library/alpine:3.20");
        assert_eq!(deps[1]["digest"]["sha256"], "aa".repeat(32));
        assert!(deps[2].get("digest").is_none(), "{}", deps[2]);
        let builder = &p["runDetails"]["builder"];
        assert_eq!(
            builder["id"],
            "https://github.com/eblume/blumeops-ci@v0.1.0"
        );
        assert_eq!(builder["version"]["commit"], "c0ffee");
        // Deterministic: the same input, the same bytes.
        assert_eq!(p, provenance_predicate(&input()));
    }

    #[test]
    fn a_nix_build_records_its_nixpkgs_pin() {
        let mut nix = input();
        nix.build_kind = BuildKind::Nix;
        nix.base_images.clear();
        nix.nixpkgs = Some(NixpkgsPin {
            url: "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz".into(),
            rev: Some("abc".into()),
            sha256: Some("0sha".into()),
        });
        let p = provenance_predicate(&nix);
        let deps = p["buildDefinition"]["resolvedDependencies"]
            .as_array()
            .unwrap();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[1]["name"], "nixpkgs");
        assert_eq!(deps[1]["digest"]["sha256"], "0sha");
        assert_eq!(deps[1]["digest"]["gitCommit"], "abc");
        let s =
            provenance_statement("r.io/a", &format!("sha256:{}", "11".repeat(32)), &nix).unwrap();
        assert_eq!(s.predicate_type, PROVENANCE_PREDICATE_TYPE);
    }
}
