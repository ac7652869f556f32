//! Reading content back: a manifest (by tag or digest) with its media type,
//! and a blob by digest, each checked against its digest before use, so a
//! registry (or anything between) cannot swap what a signature covers.

use eyre::{bail, eyre};
use reqwest::{Method, StatusCode, header};

use super::body::body_summary;
use super::client::{MANIFEST_MEDIA_TYPES, RegistryClient, RequestContext};
use super::grammar::{check_repository, is_digest};
use crate::core::image::tag::Tag;
use crate::signing::{OCI_INDEX, OCI_MANIFEST, sha256_digest};

/// A manifest as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// Its media type (`Content-Type`).
    pub media_type: String,
    /// `sha256:<hex>` of its bytes.
    pub digest: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl RegistryClient {
    /// The manifest `repository:reference` (a tag or a digest), or `None`
    /// when the registry has none.
    pub async fn manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> eyre::Result<Option<FetchedManifest>> {
        check_repository(repository)?;
        let by_digest = is_digest(reference);
        if !by_digest {
            Tag::parse(reference)?;
        }
        let separator = if by_digest { "@" } else { ":" };
        let context = RequestContext {
            action: format!("reading {}/{repository}{separator}{reference}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/manifests/{reference}"))?;
        let accept = [&MANIFEST_MEDIA_TYPES[..], &[OCI_INDEX, OCI_MANIFEST]]
            .concat()
            .join(", ");
        let (response, attempts) = self
            .send(&context, Method::GET, &url, Some(&accept))
            .await?;
        let status = response.status();
        let media_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&context, &url, &e, 1))?;
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.unexpected(&context, status, &body_summary(&bytes), attempts));
        }
        let digest = sha256_digest(&bytes);
        if by_digest && digest != reference {
            bail!(
                "{} failed: the registry's manifest has the digest {digest}, not the one asked \
                 for. Refusing content that does not match its digest.",
                context.action
            );
        }
        Ok(Some(FetchedManifest {
            media_type,
            digest,
            bytes: bytes.to_vec(),
        }))
    }

    /// The blob `digest` of `repository`, checked against its digest.
    pub async fn blob(&self, repository: &str, digest: &str) -> eyre::Result<Vec<u8>> {
        check_repository(repository)?;
        if !is_digest(digest) {
            bail!("`{digest}` is not a digest");
        }
        let context = RequestContext {
            action: format!("reading blob {digest} of {}/{repository}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/blobs/{digest}"))?;
        let (response, attempts) = self.send(&context, Method::GET, &url, None).await?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&context, &url, &e, 1))?;
        if !status.is_success() {
            return Err(self.unexpected(&context, status, &body_summary(&bytes), attempts));
        }
        if sha256_digest(&bytes) != digest {
            return Err(eyre!(
                "{} failed: the content the registry sent does not match the digest. Refusing it.",
                context.action
            ));
        }
        Ok(bytes.to_vec())
    }
}
