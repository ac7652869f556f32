//! Signing and attesting against a real registry (Debian's
//! `docker-registry` with TLS and htpasswd, or token auth; see
//! `tests/harness/registry.rs`), checked by an independent verifier written
//! here, apart from the module's signing code: its own HTTP calls (reqwest,
//! not the module's client), its own reading of the formats (serde_json
//! values, not the module's types), its own PAE, and openssl for every
//! ECDSA check (`openssl dgst -sha256 -verify`), as cosign checks a
//! key-based signature. It accepts what the module signed, and refuses
//! another key and a tag moved to an unsigned image.

use crate::harness::registry as support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::harness::registry::{Login, PASSWORD, REPO, TAG, TestRegistry, USER, creds};
use crate::harness::{Engine, SHA, examples_root};
use base64ct::{Base64, Encoding};
use blumeops_ci::registry::{Attached, RegistryClient};
use blumeops_ci::signing::{
    BaseImage, Blob, BuildKind, OCI_CONFIG, OCI_MANIFEST, PROVENANCE_PREDICATE_TYPE,
    ProvenanceInput, PublicKey, SBOM_PREDICATE_TYPE, SigningKey, Statement, provenance_statement,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const KEY_PASSWORD: &[u8] = b"correct horse battery staple";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signing")
}

fn signing_key() -> SigningKey {
    SigningKey::from_pem(
        &std::fs::read(fixtures().join("cosign.key")).unwrap(),
        Some(KEY_PASSWORD),
    )
    .unwrap()
}

fn public_key(name: &str) -> PublicKey {
    PublicKey::from_pem(&std::fs::read(fixtures().join(name)).unwrap()).unwrap()
}

const SBOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#;

fn provenance(digest: &str, client: &RegistryClient) -> Statement {
    let input = ProvenanceInput {
        module_version: env!("CARGO_PKG_VERSION").into(),
        module_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        source_repository: "https://github.com/eblume/blumeops".into(),
        source_commit: "89abcdef0123456789abcdef0123456789abcdef".into(),
        container: "nettest".into(),
        build_kind: BuildKind::Dockerfile,
        build_args: BTreeMap::from([("VERSION".into(), "0.1.0".into())]),
        base_images: vec![BaseImage {
            reference: "docker.io/library/busybox:1.36".into(),
            digest: None,
        }],
        nixpkgs: None,
    };
    provenance_statement(&client.docker_reference(REPO), digest, &input).unwrap()
}

/// Signs `REPO:TAG` and attaches its SBOM and provenance; twice, the
/// second time adding nothing. The digest signed.
async fn sign_and_attest(client: &RegistryClient) -> String {
    let key = signing_key();
    let digest = client.manifest_digest(REPO, TAG).await.unwrap().unwrap();
    assert_eq!(
        client.sign(REPO, &digest, &key).await.unwrap(),
        Attached::Added
    );
    let subject = client.descriptor(REPO, &digest).await.unwrap().unwrap();
    let sbom = Statement::sbom(&client.docker_reference(REPO), &digest, SBOM).unwrap();
    for statement in [&sbom, &provenance(&digest, client)] {
        assert_eq!(
            client
                .attest(REPO, &subject, statement, &key)
                .await
                .unwrap(),
            Attached::Added
        );
    }
    // A re-run: nothing new.
    assert_eq!(
        client.sign(REPO, &digest, &key).await.unwrap(),
        Attached::AlreadyPresent
    );
    for statement in [&sbom, &provenance(&digest, client)] {
        assert_eq!(
            client
                .attest(REPO, &subject, statement, &key)
                .await
                .unwrap(),
            Attached::AlreadyPresent
        );
    }
    digest
}

/// The predicate types of the two attestations, sorted.
fn both_types() -> Vec<String> {
    let mut types = [SBOM_PREDICATE_TYPE, PROVENANCE_PREDICATE_TYPE].map(String::from);
    types.sort();
    types.to_vec()
}

// ---- The independent verifier ------------------------------------------

/// The test's own registry client: plain HTTPS calls with Basic auth.
struct Http {
    base: String,
    http: reqwest::Client,
}

impl Http {
    fn new(registry: &TestRegistry) -> Http {
        let ca = reqwest::Certificate::from_pem(&registry.ca_pem()).unwrap();
        Http {
            base: format!("https://{}/v2/{REPO}", registry.host),
            http: reqwest::Client::builder()
                .add_root_certificate(ca)
                .build()
                .unwrap(),
        }
    }

    /// The status and body of `GET <base><path>`.
    async fn get(&self, path: &str, accept: &str) -> (u16, Vec<u8>) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .basic_auth(USER, Some(PASSWORD))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.bytes().await.unwrap().to_vec())
    }

    async fn manifest(&self, reference: &str) -> Option<Vec<u8>> {
        let accept = "application/vnd.oci.image.manifest.v1+json, \
                      application/vnd.oci.image.index.v1+json, \
                      application/vnd.docker.distribution.manifest.v2+json";
        let (status, body) = self.get(&format!("/manifests/{reference}"), accept).await;
        match status {
            200 => Some(body),
            404 => None,
            s => panic!("GET manifest {reference}: {s}"),
        }
    }

    async fn blob(&self, digest: &str) -> Vec<u8> {
        let (status, body) = self.get(&format!("/blobs/{digest}"), "*/*").await;
        assert_eq!(status, 200, "GET blob {digest}");
        assert_eq!(sha256(&body), digest, "the blob does not match its digest");
        body
    }
}

fn sha256(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// Checks `REPO:tag` as cosign checks a key-based signature: the digest
/// the tag points to, its `sha256-<hex>.sig` image, a simple-signing
/// payload naming that digest and repository, signed by `public`.
async fn independent_verify(
    http: &Http,
    identity: &str,
    tag: &str,
    public: &Path,
) -> Result<String, String> {
    let image = http.manifest(tag).await.ok_or("no such tag")?;
    let digest = sha256(&image);
    let hex = digest.strip_prefix("sha256:").unwrap();
    let sig = http
        .manifest(&format!("sha256-{hex}.sig"))
        .await
        .ok_or_else(|| format!("no signature image for {digest}"))?;
    let sig: Value = serde_json::from_slice(&sig).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for layer in sig["layers"].as_array().ok_or("no layers")? {
        if layer["mediaType"] != "application/vnd.dev.cosign.simplesigning.v1+json" {
            continue;
        }
        let payload = http.blob(layer["digest"].as_str().unwrap()).await;
        let claim: Value = serde_json::from_slice(&payload).map_err(|e| e.to_string())?;
        if claim["critical"]["type"] != "cosign container image signature"
            || claim["critical"]["image"]["docker-manifest-digest"] != digest.as_str()
            || claim["critical"]["identity"]["docker-reference"] != identity
        {
            continue;
        }
        let Some(signature) = layer["annotations"]["dev.cosignproject.cosign/signature"].as_str()
        else {
            continue;
        };
        let signature = Base64::decode_vec(signature).map_err(|e| e.to_string())?;
        if support::openssl_verifies(dir.path(), public, &payload, &signature) {
            return Ok(digest);
        }
    }
    Err(format!(
        "no layer of the signature image of {digest} verifies"
    ))
}

/// The attestations of `digest`, read as a client without the referrers
/// API reads them (the registry has none: checked), each statement's
/// subject, type and DSSE signature checked (PAE computed here, openssl
/// verifying): the predicate types found.
async fn independent_attestations(http: &Http, digest: &str, public: &Path) -> Vec<String> {
    let (status, _) = http
        .get(
            &format!("/referrers/{digest}"),
            "application/vnd.oci.image.index.v1+json",
        )
        .await;
    assert_eq!(
        status, 404,
        "docker-registry 2.8 was expected to lack the referrers API"
    );
    let hex = digest.strip_prefix("sha256:").unwrap();
    let index = http
        .manifest(&format!("sha256-{hex}"))
        .await
        .expect("no fallback index");
    let index: Value = serde_json::from_slice(&index).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let dir = tempfile::tempdir().unwrap();
    let mut types = Vec::new();
    for entry in index["manifests"].as_array().unwrap() {
        let manifest_digest = entry["digest"].as_str().unwrap();
        let bytes = http
            .manifest(manifest_digest)
            .await
            .expect("listed referrer missing");
        assert_eq!(sha256(&bytes), manifest_digest);
        let manifest: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(manifest["artifactType"], "application/vnd.in-toto+json");
        assert_eq!(manifest["subject"]["digest"], digest);
        assert_eq!(entry["artifactType"], manifest["artifactType"]);
        let layer = &manifest["layers"][0];
        assert_eq!(layer["mediaType"], "application/vnd.dsse.envelope.v1+json");
        let envelope: Value =
            serde_json::from_slice(&http.blob(layer["digest"].as_str().unwrap()).await).unwrap();
        let payload_type = envelope["payloadType"].as_str().unwrap();
        assert_eq!(payload_type, "application/vnd.in-toto+json");
        let payload = Base64::decode_vec(envelope["payload"].as_str().unwrap()).unwrap();
        let statement: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(statement["subject"][0]["digest"]["sha256"], hex);
        let mut pae = format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .into_bytes();
        pae.extend_from_slice(&payload);
        let signature =
            Base64::decode_vec(envelope["signatures"][0]["sig"].as_str().unwrap()).unwrap();
        assert!(
            support::openssl_verifies(dir.path(), public, &pae, &signature),
            "the DSSE signature of {manifest_digest} does not verify"
        );
        let predicate_type = statement["predicateType"].as_str().unwrap().to_owned();
        assert_eq!(
            entry["annotations"]["in-toto.io/predicate-type"],
            predicate_type.as_str()
        );
        types.push(predicate_type);
    }
    types.sort();
    types
}

#[tokio::test]
async fn the_independent_verifier_accepts_what_the_module_signed_and_refuses_the_rest() {
    if !support::tools_available() {
        return;
    }
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let client = registry.client(creds());
    let digest = sign_and_attest(&client).await;
    let http = Http::new(&registry);
    let identity = client.docker_reference(REPO);
    let public = fixtures().join("p256-public.pem");
    let other = fixtures().join("other-p256-public.pem");

    // The signature, as cosign checks it.
    assert_eq!(
        independent_verify(&http, &identity, TAG, &public).await,
        Ok(digest.clone())
    );
    assert!(
        independent_verify(&http, &identity, TAG, &other)
            .await
            .is_err()
    );
    // Signed for this repository only.
    assert!(
        independent_verify(&http, "elsewhere.example/blumeops/nettest", TAG, &public)
            .await
            .is_err()
    );
    // One signature, after two runs.
    let hex = digest.strip_prefix("sha256:").unwrap();
    let sig: Value =
        serde_json::from_slice(&http.manifest(&format!("sha256-{hex}.sig")).await.unwrap())
            .unwrap();
    assert_eq!(sig["layers"].as_array().unwrap().len(), 1);
    assert_eq!(sig["config"]["mediaType"], OCI_CONFIG);

    // The attestations: SBOM and provenance, once each.
    assert_eq!(
        independent_attestations(&http, &digest, &public).await,
        both_types()
    );

    // The module's own verification agrees.
    let verified = client
        .verify_image(REPO, TAG, &public_key("p256-public.pem"))
        .await
        .unwrap();
    assert_eq!(verified.digest, digest);
    let mut types: Vec<_> = verified
        .attestations
        .iter()
        .map(|a| a.predicate_type.clone())
        .collect();
    types.sort();
    assert_eq!(types, both_types());
    let err = client
        .verify_image(REPO, TAG, &public_key("other-p256-public.pem"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no valid signature by the given public key"),
        "{err}"
    );

    // The tag moved to an unsigned image: refused by both.
    let config = Blob::new(
        OCI_CONFIG,
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
            .to_vec(),
    );
    client.push_blob(REPO, &config).await.unwrap();
    let unsigned = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": config.descriptor.digest, "size": config.descriptor.size},
        "layers": [],
    });
    let unsigned = serde_json::to_vec(&unsigned).unwrap();
    client
        .push_manifest(REPO, TAG, OCI_MANIFEST, &unsigned)
        .await
        .unwrap();
    let moved = independent_verify(&http, &identity, TAG, &public)
        .await
        .unwrap_err();
    assert!(moved.contains("no signature image"), "{moved}");
    let err = client
        .verify_image(REPO, TAG, &public_key("p256-public.pem"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is not signed"), "{err}");
}

#[tokio::test]
async fn signing_with_token_auth_asks_for_push_scope() {
    if !support::tools_available() {
        return;
    }
    let registry = TestRegistry::start(true, Login::Token);
    let client = registry.client(creds());
    let digest = sign_and_attest(&client).await;
    let verified = client
        .verify_image(REPO, &digest, &public_key("p256-public.pem"))
        .await
        .unwrap();
    assert_eq!(verified.attestations.len(), 2);
}

// ---- `publish --signing-key`, through the recording engine ---------------

/// `publish` of nettest at `commit` (at [`SHA`], its commit tag is
/// [`TAG`], which the test registry starts with) to `registry`, signing
/// with the encrypted cosign key; the engine's push answers `pushed`.
fn signed_publish(registry: &TestRegistry, ca: &Path, commit: &str, pushed: &str) -> Engine {
    let engine = Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .arg("commitSha", json!(commit));
    signed_push(engine, registry, ca, pushed)
}

/// `engine`'s call, pushing to `registry` (the engine's push answers
/// `pushed`) and signing with the encrypted cosign key.
fn signed_push(engine: Engine, registry: &TestRegistry, ca: &Path, pushed: &str) -> Engine {
    let key = std::fs::read_to_string(fixtures().join("cosign.key")).unwrap();
    engine
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(USER))
        .arg("sourceUrl", json!("https://github.com/eblume/blumeops"))
        .file_arg("registryCa", ca)
        .secret_arg("registryPassword")
        .secret_arg("signingKeyPassword")
        .secret_arg("signingKey")
        .stub_where(
            "plaintext",
            "$signingKeyPassword.",
            json!(std::str::from_utf8(KEY_PASSWORD).unwrap()),
        )
        .stub_where("plaintext", "$signingKey.", json!(key))
        .stub_where("plaintext", "$registryPassword.", json!(PASSWORD))
        .stub("publish", json!(pushed))
}

#[tokio::test]
async fn publish_signs_what_it_pushed_and_the_independent_verifier_accepts_it() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    // Another commit, so that publish finds its commit tag new; the image
    // the engine's push would have left is the registry's busybox, by
    // digest.
    let commit = "89abcdef0123456789abcdef0123456789abcdef";
    let digest = registry.skopeo_digest(REPO, TAG);
    let pushed = format!("{}/{REPO}:v0.1.0-89abcde@{digest}", registry.host);
    let engine = signed_publish(&registry, &ca, commit, &pushed);
    assert_eq!(engine.returned_chain().await, pushed);
    assert_eq!(engine.leaves("publish").len(), 1);
    let log = engine.log().join("\n");
    let identity = format!("{}/{REPO}", registry.host);
    assert!(
        log.contains(&format!("signed {identity}@{digest} (key ")),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "attached the attestation {PROVENANCE_PREDICATE_TYPE}"
        )),
        "{log}"
    );

    let http = Http::new(&registry);
    let public = fixtures().join("p256-public.pem");
    assert_eq!(
        independent_verify(&http, &identity, &digest, &public).await,
        Ok(digest.clone())
    );
    assert_eq!(
        independent_attestations(&http, &digest, &public).await,
        [PROVENANCE_PREDICATE_TYPE]
    );
    // What the provenance says, read by the module's own verification.
    let verified = registry
        .client(creds())
        .verify_image(REPO, &digest, &public_key("p256-public.pem"))
        .await
        .unwrap();
    let predicate = &verified.attestations[0].statement.predicate;
    let external = &predicate["buildDefinition"]["externalParameters"];
    assert_eq!(external["container"], "nettest");
    assert_eq!(external["source"]["commit"], commit);
    assert_eq!(
        external["source"]["repository"],
        "https://github.com/eblume/blumeops"
    );
}

/// `publish-nix --sbom` of nettest's Nix image at `commit` to `registry`,
/// signing with the encrypted cosign key; the engine's pushes (the image,
/// then its `sbom-` image) answer `pushed`, and the closure step prints a
/// one-path closure.
fn signed_publish_nix(registry: &TestRegistry, ca: &Path, commit: &str, pushed: &str) -> Engine {
    const ONIG: &str = "/nix/store/hgy31yr4hzmmz3va8mmgl4qsy6j18b66-oniguruma-6.9.9-lib";
    let closure = format!(
        "{ONIG}\n1b6cc64a79d20f3d9482602c8e723b18225d9409cf63964d9d20b1329096858f\n480\n\n0\n"
    );
    let engine = Engine::call("publishNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .arg("commitSha", json!(commit))
        .arg("sbom", json!(true));
    signed_push(engine, registry, ca, pushed)
        .exec_answers_where("image_store_paths", 0, &closure, "")
        .exec_answers_where("\"tar\"]", 0, "archive nettest.tar", "")
}

/// A Nix image: `publish-nix --sbom` signs what it pushed and attaches its
/// SBOM and its provenance, which the independent verifier reads back and
/// checks, and `verify` lists.
#[tokio::test]
async fn publish_nix_signs_its_image_and_attaches_the_sbom_and_the_provenance() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let commit = "fedcba9876543210fedcba9876543210fedcba98";
    let digest = registry.skopeo_digest(REPO, TAG);
    let pushed = format!("{}/{REPO}:v0.1.0-fedcba9-nix@{digest}", registry.host);
    let engine = signed_publish_nix(&registry, &ca, commit, &pushed);
    let returned = engine.returned_chain().await;
    assert!(returned.starts_with(&pushed), "{returned}");
    let log = engine.log().join("\n");
    let identity = format!("{}/{REPO}", registry.host);
    assert!(
        log.contains(&format!("signed {identity}@{digest} (key ")),
        "{log}"
    );
    for kind in [SBOM_PREDICATE_TYPE, PROVENANCE_PREDICATE_TYPE] {
        assert!(
            log.contains(&format!("attached the attestation {kind}")),
            "{kind}: {log}"
        );
    }

    let http = Http::new(&registry);
    let public = fixtures().join("p256-public.pem");
    assert_eq!(
        independent_verify(&http, &identity, &digest, &public).await,
        Ok(digest.clone())
    );
    let mut kinds = independent_attestations(&http, &digest, &public).await;
    kinds.sort();
    let mut expected = vec![
        PROVENANCE_PREDICATE_TYPE.to_owned(),
        SBOM_PREDICATE_TYPE.to_owned(),
    ];
    expected.sort();
    assert_eq!(kinds, expected);

    // `verify` lists both, for a Nix image.
    let output = verify_call(&ca, &format!("{identity}@{digest}"), "p256-public.pem")
        .arg("require", json!(["provenance", "sbom"]))
        .returned_chain()
        .await;
    for kind in [SBOM_PREDICATE_TYPE, PROVENANCE_PREDICATE_TYPE] {
        assert!(
            output.contains(&format!(
                "attestation {kind}: subject {identity}@{digest}, signature verified"
            )),
            "{kind}: {output}"
        );
    }
}

#[tokio::test]
async fn an_already_published_image_is_signed_once_and_a_rerun_adds_nothing() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let digest = registry.skopeo_digest(REPO, TAG);
    let identity = format!("{}/{REPO}", registry.host);
    let engine = signed_publish(&registry, &ca, SHA, "never pushed");
    let output = engine.returned_chain().await;
    assert!(output.contains("already published"), "{output}");
    assert!(engine.leaves("publish").is_empty());
    let log = engine.log().join("\n");
    assert!(
        log.contains(&format!("signed {identity}@{digest}")),
        "{log}"
    );

    let again = signed_publish(&registry, &ca, SHA, "never pushed");
    again.returned_chain().await;
    let log = again.log().join("\n");
    assert!(
        log.contains(&format!(
            "signature already present: {identity}@{digest} is signed by key"
        )),
        "{log}"
    );
    assert!(log.contains("is already attached"), "{log}");

    let http = Http::new(&registry);
    let public = fixtures().join("p256-public.pem");
    assert_eq!(
        independent_verify(&http, &identity, TAG, &public).await,
        Ok(digest.clone())
    );
    let hex = digest.strip_prefix("sha256:").unwrap();
    let sig: Value =
        serde_json::from_slice(&http.manifest(&format!("sha256-{hex}.sig")).await.unwrap())
            .unwrap();
    assert_eq!(sig["layers"].as_array().unwrap().len(), 1);
    assert_eq!(
        independent_attestations(&http, &digest, &public).await,
        [PROVENANCE_PREDICATE_TYPE]
    );
}

#[tokio::test]
async fn a_dry_run_checks_the_key_and_says_it_would_sign() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = signed_publish(&registry, &ca, SHA, "never pushed").arg("dryRun", json!(true));
    let output = engine.returned_chain().await;
    assert!(
        output.ends_with("dry run: nothing was built or pushed"),
        "{output}"
    );
    let log = engine.log().join("\n");
    assert!(
        log.contains("dry run: the signing key is valid (key "),
        "{log}"
    );
    assert!(engine.leaves("publish").is_empty());
    let digest = registry.skopeo_digest(REPO, TAG);
    let hex = digest.strip_prefix("sha256:").unwrap();
    let http = Http::new(&registry);
    assert_eq!(http.manifest(&format!("sha256-{hex}.sig")).await, None);
}

/// `verify` of `image` with `public` (a file of the signing fixtures),
/// through the recording engine.
fn verify_call(ca: &Path, image: &str, public: &str) -> Engine {
    Engine::call("verify")
        .arg("image", json!(image))
        .file_arg("publicKey", fixtures().join(public))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD))
        .file_arg("registryCa", ca)
}

#[tokio::test]
async fn verify_lists_what_publish_attached_and_refuses_a_wrong_key_or_a_missing_type() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    // A Dockerfile image, as publish signs it: provenance only.
    let engine = signed_publish(&registry, &ca, SHA, "never pushed");
    engine.returned_chain().await;
    let digest = registry.skopeo_digest(REPO, TAG);
    let identity = format!("{}/{REPO}", registry.host);
    let image = format!("{identity}:{TAG}");
    let output = verify_call(&ca, &image, "p256-public.pem")
        .returned_chain()
        .await;
    let key_id = public_key("p256-public.pem").key_id();
    assert_eq!(
        output,
        format!(
            "verified {identity}@{digest}\nsignature: key {key_id}\nattestation \
             {PROVENANCE_PREDICATE_TYPE}: subject {identity}@{digest}, signature verified"
        )
    );
    // By digest too.
    let by_digest = verify_call(&ca, &format!("{identity}@{digest}"), "p256-public.pem")
        .returned_chain()
        .await;
    assert_eq!(by_digest, output);

    // Asked for an SBOM it lacks: refused, naming it.
    let err = verify_call(&ca, &image, "p256-public.pem")
        .arg("require", json!(["provenance", "sbom"]))
        .returned_error()
        .await;
    assert!(
        err.contains(&format!(
            "has no verified attestation of type {SBOM_PREDICATE_TYPE}"
        )),
        "{err}"
    );
    // Another key: refused.
    let err = verify_call(&ca, &image, "other-p256-public.pem")
        .returned_error()
        .await;
    assert!(
        err.contains("no valid signature by the given public key"),
        "{err}"
    );

    // A Nix image with its SBOM (attached as publish-nix --sbom attaches
    // it): both listed, both required.
    let client = registry.client(creds());
    let subject = client.descriptor(REPO, &digest).await.unwrap().unwrap();
    let sbom = Statement::sbom(&client.docker_reference(REPO), &digest, SBOM).unwrap();
    client
        .attest(REPO, &subject, &sbom, &signing_key())
        .await
        .unwrap();
    let output = verify_call(&ca, &image, "p256-public.pem")
        .arg("require", json!(["provenance", "sbom"]))
        .returned_chain()
        .await;
    for kind in [SBOM_PREDICATE_TYPE, PROVENANCE_PREDICATE_TYPE] {
        assert!(
            output.contains(&format!(
                "attestation {kind}: subject {identity}@{digest}, signature verified"
            )),
            "{output}"
        );
    }

    // An unsigned image: refused.
    let err = verify_call(&ca, &format!("{identity}:no-such-tag"), "p256-public.pem")
        .returned_error()
        .await;
    assert!(err.contains("the registry has no such image"), "{err}");
}
