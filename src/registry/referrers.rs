//! OCI 1.1 referrers on the wire: listing the manifests that refer to a
//! digest (`GET /v2/<repository>/referrers/<digest>`, or, where the
//! registry has no referrers API and answers `404`, the tag-schema
//! fallback: the index tagged `sha256-<hex>`), and attaching one (its
//! blobs, the manifest `PUT` by digest, then, unless the registry answered
//! with `OCI-Subject`, the fallback index updated with it).
//!
//! The fallback index is read, extended and written back: two writers at
//! the same moment could lose one entry (the distribution spec has no
//! conditional `PUT`); a re-run puts it back.

use eyre::eyre;
use reqwest::{Method, StatusCode};

use super::body::body_summary;
use super::client::{RegistryClient, RequestContext};
use super::grammar::{check_repository, is_digest};
use crate::signing::{
    AttestationManifest, Descriptor, Index, OCI_INDEX, OCI_MANIFEST, merge_referrers_index,
    referrers_tag,
};

/// What attaching did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attached {
    /// Something new was pushed.
    Added,
    /// It was all there already (a re-run).
    AlreadyPresent,
}

impl RegistryClient {
    /// The descriptors of the manifests that refer to `digest` in
    /// `repository`: the referrers API's answer, or the fallback tag's
    /// index, or none.
    pub async fn referrers(&self, repository: &str, digest: &str) -> eyre::Result<Vec<Descriptor>> {
        check_repository(repository)?;
        let tag = referrers_tag(digest).map_err(|e| eyre!("{e}"))?;
        let context = RequestContext {
            action: format!(
                "listing the referrers of {}/{repository}@{digest}",
                self.host()
            ),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/referrers/{digest}"))?;
        let (response, attempts) = self
            .send(&context, Method::GET, &url, Some(OCI_INDEX))
            .await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&context, &url, &e, 1))?;
        let index_bytes = if status.is_success() {
            body.to_vec()
        } else if status == StatusCode::NOT_FOUND {
            // No referrers API: the tag-schema fallback.
            match self.manifest(repository, &tag).await? {
                Some(fetched) => fetched.bytes,
                None => return Ok(Vec::new()),
            }
        } else {
            return Err(self.unexpected(&context, status, &body_summary(&body), attempts));
        };
        let index = Index::parse(&index_bytes).map_err(|e| {
            eyre!(
                "{} failed: the referrers list is not an image index ({e}).",
                context.action
            )
        })?;
        Ok(index.manifests)
    }

    /// Attaches `attestation` (made for `subject`) in `repository`.
    pub async fn attach(
        &self,
        repository: &str,
        subject: &Descriptor,
        attestation: &AttestationManifest,
    ) -> eyre::Result<Attached> {
        if !is_digest(&subject.digest) {
            return Err(eyre!("`{}` is not a digest", subject.digest));
        }
        let digest = &attestation.descriptor.digest;
        let mut outcome = Attached::AlreadyPresent;
        let mut indexed = false;
        if self.manifest(repository, digest).await?.is_none() {
            for blob in &attestation.blobs {
                self.push_blob(repository, blob).await?;
            }
            let pushed = self
                .push_manifest(repository, digest, OCI_MANIFEST, &attestation.manifest)
                .await?;
            indexed = pushed.subject_indexed;
            outcome = Attached::Added;
        }
        if indexed {
            return Ok(outcome);
        }
        let tag = referrers_tag(&subject.digest).map_err(|e| eyre!("{e}"))?;
        let existing = self.manifest(repository, &tag).await?;
        let merged = merge_referrers_index(
            existing.as_ref().map(|m| m.bytes.as_slice()),
            &attestation.descriptor,
        )
        .map_err(|e| {
            eyre!(
                "attaching to {}/{repository}@{} failed: {e} (tag {tag}); it is left as it is.",
                self.host(),
                subject.digest
            )
        })?;
        if let Some(index) = merged {
            self.push_manifest(repository, &tag, OCI_INDEX, &index.to_bytes())
                .await?;
            outcome = Attached::Added;
        }
        Ok(outcome)
    }
}
