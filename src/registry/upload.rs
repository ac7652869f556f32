//! The write side of the distribution API, for signatures and attestations:
//! a blob pushed in one piece (`HEAD` to skip one the registry has, then
//! `POST /v2/<repository>/blobs/uploads/` and `PUT <location>?digest=`),
//! and a manifest `PUT` by tag or by digest with its media type. Writes
//! ask for the `pull,push` token scope and are never retried (see
//! `retry.rs`); the `Location` of an upload must stay on the registry.

use eyre::{bail, eyre};
use reqwest::{Method, StatusCode, header};

use super::body::body_summary;
use super::client::{RegistryClient, RequestContext};
use super::grammar::{check_repository, is_digest};
use crate::core::image::tag::Tag;
use crate::core::text::excerpt;
use crate::signing::Blob;

/// What the registry said to a manifest `PUT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedManifest {
    /// The manifest's digest (`Docker-Content-Digest`, or computed).
    pub digest: String,
    /// Whether the registry answered with `OCI-Subject`: it has the
    /// referrers API and indexed the manifest's subject itself.
    pub subject_indexed: bool,
}

impl RegistryClient {
    /// Whether `repository` holds the blob `digest`.
    pub async fn blob_exists(&self, repository: &str, digest: &str) -> eyre::Result<bool> {
        check_repository(repository)?;
        let context = RequestContext {
            action: format!("checking blob {digest} in {}/{repository}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/blobs/{digest}"))?;
        let (response, attempts) = self.send(&context, Method::HEAD, &url, None).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(false),
            s if s.is_success() => Ok(true),
            s => Err(self.unexpected(&context, s, "", attempts)),
        }
    }

    /// Pushes `blob` to `repository`, unless it is there already.
    pub async fn push_blob(&self, repository: &str, blob: &Blob) -> eyre::Result<()> {
        let digest = &blob.descriptor.digest;
        if self.blob_exists(repository, digest).await? {
            return Ok(());
        }
        let context = RequestContext {
            action: format!("pushing blob {digest} to {}/{repository}", self.host()),
            repository,
        };
        let start = self.url(&format!("/v2/{repository}/blobs/uploads/"))?;
        let (response, attempts) = self
            .send_with(&context, Method::POST, &start, "pull,push", |r| {
                r.header(header::CONTENT_LENGTH, "0")
            })
            .await?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status != StatusCode::ACCEPTED {
            let body = response.bytes().await.unwrap_or_default();
            return Err(self.unexpected(&context, status, &body_summary(&body), attempts));
        }
        let Some(location) = location else {
            bail!(
                "{} failed: the registry started an upload but gave no Location to send it to.",
                context.action
            );
        };
        let mut url = start.join(&location).map_err(|e| {
            eyre!(
                "{} failed: the upload Location `{}` is not a URL ({e}).",
                context.action,
                excerpt(&location)
            )
        })?;
        if url.origin() != start.origin() {
            bail!(
                "{} failed: the registry sends the upload to another server ({}); the client \
                 does not send it there with the registry's credentials.",
                context.action,
                excerpt(url.as_str())
            );
        }
        url.query_pairs_mut().append_pair("digest", digest);
        let bytes = blob.bytes.clone();
        let (response, attempts) = self
            .send_with(&context, Method::PUT, &url, "pull,push", |r| {
                r.header(header::CONTENT_TYPE, "application/octet-stream")
                    .body(bytes.clone())
            })
            .await?;
        let status = response.status();
        if status != StatusCode::CREATED {
            let body = response.bytes().await.unwrap_or_default();
            return Err(self.unexpected(&context, status, &body_summary(&body), attempts));
        }
        Ok(())
    }

    /// Puts `bytes` (a manifest of `media_type`) in `repository` under
    /// `reference`, a tag or the manifest's own digest.
    pub async fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> eyre::Result<PushedManifest> {
        check_repository(repository)?;
        if !is_digest(reference) {
            Tag::parse(reference)?;
        }
        let context = RequestContext {
            action: format!("pushing {}/{repository}:{reference}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/manifests/{reference}"))?;
        let body = bytes.to_vec();
        let (response, attempts) = self
            .send_with(&context, Method::PUT, &url, "pull,push", |r| {
                r.header(header::CONTENT_TYPE, media_type)
                    .body(body.clone())
            })
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        if status != StatusCode::CREATED {
            let body = response.bytes().await.unwrap_or_default();
            return Err(self.unexpected(&context, status, &body_summary(&body), attempts));
        }
        let computed = crate::signing::sha256_digest(bytes);
        let digest = headers
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|d| is_digest(d))
            .unwrap_or(&computed);
        if digest != computed {
            bail!(
                "{} failed: the registry stored the manifest as {digest}, but its bytes are \
                 {computed}: the registry changed it. Signatures and referrers would name the \
                 wrong digest.",
                context.action
            );
        }
        Ok(PushedManifest {
            digest: computed,
            subject_indexed: headers.contains_key("oci-subject"),
        })
    }
}
