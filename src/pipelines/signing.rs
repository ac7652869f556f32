//! Signing what `publish` and `publish-nix` push: `--signing-key` (and
//! `--signing-key-password`) read from their Secrets and parsed before
//! anything is built, then, after the push, the image's cosign signature
//! and its attestations (SLSA provenance; the SBOM of a Nix image) pushed
//! by the module's own registry client (the rules: `crate::signing`; the
//! registry calls: `crate::registry::signatures`).
//!
//! The key's and the password's plaintexts are read from the engine only
//! here, into memory (wiped when dropped), as `--registry-password` is in
//! [`super::registry_access`]: they appear in no query, log line, error or
//! exec argument.

use dagger_sdk::{Id, Query, Secret};
use eyre::{WrapErr, bail, eyre};
use zeroize::Zeroizing;

use crate::arguments::{SIGNING_KEY, SIGNING_KEY_PASSWORD};
use crate::core::nix::nixpkgs::{Nixpkgs, NixpkgsSource};
use crate::module::args::Args;
use crate::module::graphql;
use crate::module::log::Log;
use crate::registry::{Attached, RegistryClient};
use crate::signing::{NixpkgsPin, ProvenanceInput, SigningKey, Statement, provenance_statement};

/// `--signing-key` and `--signing-key-password`, as Secret IDs.
pub struct SigningSecrets {
    key: Id,
    password: Option<Id>,
}

impl SigningSecrets {
    /// The signing arguments of a call: `None` when no key was given.
    pub fn from_args(args: &Args) -> eyre::Result<Option<SigningSecrets>> {
        let key = args.opt_object_id(&SIGNING_KEY).map(Id);
        let password = args.opt_object_id(&SIGNING_KEY_PASSWORD).map(Id);
        match (key, password) {
            (Some(key), password) => Ok(Some(SigningSecrets { key, password })),
            (None, Some(_)) => bail!(
                "--signing-key-password was given without --signing-key: nothing would be \
                 signed.\nPass the key too (e.g. --signing-key=env:COSIGN_PRIVATE_KEY), or leave \
                 the password out to publish unsigned."
            ),
            (None, None) => Ok(None),
        }
    }

    /// Reads the key and its password from the engine and parses the key.
    pub async fn load(&self, query: &Query) -> eyre::Result<SigningKey> {
        let pem = Zeroizing::new(
            graphql::load::<Secret>(query, self.key.0.clone())
                .plaintext()
                .await
                .wrap_err("could not read --signing-key")?,
        );
        let password = match &self.password {
            Some(id) => Some(Zeroizing::new(
                graphql::load::<Secret>(query, id.0.clone())
                    .plaintext()
                    .await
                    .wrap_err("could not read --signing-key-password")?,
            )),
            None => None,
        };
        SigningKey::from_pem(pem.as_bytes(), password.as_ref().map(|p| p.as_bytes()))
            .map_err(|e| eyre!("--signing-key: {e}\nNothing was built or pushed."))
    }
}

/// What is attached to a signed image besides its signature.
pub enum Attestation {
    /// The SLSA provenance of its build.
    Provenance(Box<ProvenanceInput>),
    /// Its CycloneDX SBOM (the document's JSON).
    Sbom(String),
}

/// Signs `digest` in `repository` with `key` (unless this key's signature
/// is there already) and attaches `attestations`, each signed with it; what
/// happened goes to `log`. `reference` names the image in the log.
pub async fn sign_and_attest(
    client: &RegistryClient,
    repository: &str,
    digest: &str,
    key: &SigningKey,
    attestations: &[Attestation],
    log: &Log,
) -> eyre::Result<()> {
    let image = client.docker_reference(repository);
    let key_id = key.public_key().key_id();
    match client.sign(repository, digest, key).await? {
        Attached::Added => log.say(format!("signed {image}@{digest} (key {key_id})")),
        Attached::AlreadyPresent => log.say(format!(
            "signature already present: {image}@{digest} is signed by key {key_id}"
        )),
    }
    let subject = client
        .descriptor(repository, digest)
        .await?
        .ok_or_else(|| eyre!("the registry has no manifest {image}@{digest} to attest"))?;
    for attestation in attestations {
        let statement = match attestation {
            Attestation::Provenance(input) => provenance_statement(&image, digest, input),
            Attestation::Sbom(document) => Statement::sbom(&image, digest, document),
        }
        .map_err(|e| eyre!("{e}"))?;
        let what = &statement.predicate_type;
        match client.attest(repository, &subject, &statement, key).await? {
            Attached::Added => log.say(format!(
                "attached the attestation {what} to {image}@{digest}"
            )),
            Attached::AlreadyPresent => log.say(format!(
                "the attestation {what} of {image}@{digest} is already attached"
            )),
        }
    }
    Ok(())
}

/// The nixpkgs pin as the provenance records it: where it came from, and
/// its NAR hash where it is pinned.
pub fn nixpkgs_pin(nixpkgs: &Nixpkgs) -> NixpkgsPin {
    let (url, sha256) = match &nixpkgs.source {
        NixpkgsSource::Tarball { url, nar_hash } => (url.clone(), Some(nar_hash.clone())),
        NixpkgsSource::Path { path, nar_hash } => (path.clone(), Some(nar_hash.clone())),
        NixpkgsSource::UncheckedUrl(url) => (url.clone(), None),
        NixpkgsSource::StorePath(path) => (path.clone(), None),
    };
    NixpkgsPin {
        url,
        rev: None,
        sha256,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_pin_records_its_hash_and_an_unchecked_url_none() {
        let locked = Nixpkgs {
            source: NixpkgsSource::Tarball {
                url: "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz".into(),
                nar_hash: "sha256-AAAA".into(),
            },
            origin: "flake.lock (input nixpkgs)".into(),
            unpinned: false,
        };
        let pin = nixpkgs_pin(&locked);
        assert_eq!(
            pin.url,
            "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz"
        );
        assert_eq!(pin.sha256.as_deref(), Some("sha256-AAAA"));
        let unchecked = Nixpkgs {
            source: NixpkgsSource::UncheckedUrl("https://example.org/nixpkgs.tar.gz".into()),
            origin: "--nixpkgs".into(),
            unpinned: false,
        };
        assert_eq!(nixpkgs_pin(&unchecked).sha256, None);
    }
}
