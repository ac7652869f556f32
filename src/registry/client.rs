//! The client and its calls: [`RegistryClient`] for one registry host, its
//! settings (scheme, extra CAs, timeouts, page size), and the two requests
//! the module makes: [`RegistryClient::manifest_digest`] (`HEAD` of a
//! manifest, for `publish`'s "is this tag already there") and
//! [`RegistryClient::tags`] (`GET` of the tag list, every page followed,
//! for `list-tags`).
//!
//! HTTPS by default; plain HTTP only when asked for with [`Scheme::Http`],
//! with no fallback from one to the other. Each request goes through the
//! login step (`auth.rs`), which goes through the retry step (`retry.rs`);
//! a transport failure is told by `failure.rs`.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use eyre::{bail, eyre};
use reqwest::header;
use reqwest::{Method, Response, StatusCode, Url};

use super::body::{body_summary, parse_tag_list, registry_error};
use super::credentials::{AuthCache, Credentials};
use super::failure::{Attempt, transport_error, tried};
use super::grammar::{check_repository, is_digest};
use super::headers::next_link;
use super::retry;
use super::trust::{build_http, parse_root_cas};
use crate::core::image::image_ref::Registry;
use crate::core::image::tag::Tag;
use crate::core::text::excerpt;

/// How long the client waits for a TCP (and TLS) connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one whole request may take by default, connection included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The manifest media types a tag may point to, in the `Accept` header of a
/// manifest request: an image index or manifest list (multi-platform), or a
/// single-platform manifest, OCI or Docker.
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// The most pages of a tag list the client follows, a guard against a
/// registry whose `Link` headers never end.
const MAX_PAGES: usize = 10_000;

/// How the client reaches the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// HTTPS, the default.
    #[default]
    Https,
    /// Plain HTTP: the password and tokens travel unencrypted. For a
    /// registry on this machine or a private test network only; never
    /// chosen by the client on its own.
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// A client for one registry host. Build it with [`RegistryClient::new`],
/// adjust it with the `with_*` methods, then ask it about repositories.
pub struct RegistryClient {
    registry: Registry,
    pub(super) scheme: Scheme,
    pub(super) credentials: Option<Credentials>,
    /// The CAs trusted besides the built-in ones (`with_root_ca_pem`).
    roots: Vec<reqwest::Certificate>,
    pub(super) connect_timeout: Duration,
    pub(super) request_timeout: Duration,
    page_size: Option<u32>,
    pub(super) http: reqwest::Client,
    /// What worked to log in, for the next request (`auth.rs`).
    pub(super) auth: Mutex<AuthCache>,
}

/// What one request is about (the action and the repository), for its
/// error messages and its token scope.
pub(super) struct RequestContext<'a> {
    /// What is being done, as an error starts: `checking <image>`.
    pub(super) action: String,
    /// The repository asked about.
    pub(super) repository: &'a str,
}

impl fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryClient")
            .field("registry", &self.registry.as_str())
            .field("scheme", &self.scheme)
            .field("credentials", &self.credentials)
            .field("extra_root_cas", &self.roots.len())
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl RegistryClient {
    /// A client for `registry_host` (`registry.ops.eblu.me`,
    /// `127.0.0.1:5000`: a host with an optional port, no scheme), over
    /// HTTPS trusting the system's CAs and the Mozilla roots (see
    /// `trust.rs`), with the default timeouts, logging in with `creds` when
    /// the registry asks for a login.
    pub fn new(registry_host: &str, creds: Option<Credentials>) -> eyre::Result<Self> {
        let registry = Registry::parse(registry_host)?;
        let http = build_http(&[], DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)?;
        Ok(RegistryClient {
            registry,
            scheme: Scheme::Https,
            credentials: creds,
            roots: Vec::new(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            page_size: None,
            http,
            auth: Mutex::new(AuthCache::default()),
        })
    }

    /// Also trusts the CA certificate(s) in `pem` (one or more PEM
    /// `CERTIFICATE` blocks), besides the system's trust store and the
    /// Mozilla roots, for a registry whose certificate a private CA signed.
    pub fn with_root_ca_pem(mut self, pem: &[u8]) -> eyre::Result<Self> {
        let certs = parse_root_cas(pem, self.host())?;
        self.roots.extend(certs);
        self.rebuild()
    }

    /// Uses `scheme` to reach the registry (HTTPS unless told otherwise;
    /// see [`Scheme::Http`] for what plain HTTP gives away).
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Changes the connection timeout and the timeout of a whole request.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> eyre::Result<Self> {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self.rebuild()
    }

    /// Asks for tag lists in pages of `n` tags (`?n=`); without it the
    /// registry picks the page size. Every page is fetched either way.
    pub fn with_page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }

    /// The digest (`sha256:...`) of the manifest `repository:tag` points to,
    /// or `None` when the registry has no such tag (or no such repository).
    /// Errors (unreachable, TLS, wrong or missing credentials, any other
    /// answer) name the registry and the image and say what to check.
    pub async fn manifest_digest(
        &self,
        repository: &str,
        tag: &str,
    ) -> eyre::Result<Option<String>> {
        check_repository(repository)?;
        let tag = Tag::parse(tag)?;
        let context = RequestContext {
            action: format!("checking {}/{repository}:{tag}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/manifests/{tag}"))?;
        let (response, attempts) = self
            .send(
                &context,
                Method::HEAD,
                &url,
                Some(&MANIFEST_MEDIA_TYPES.join(", ")),
            )
            .await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => {
                let digest = response
                    .headers()
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .map(str::trim)
                    .unwrap_or_default();
                if !is_digest(digest) {
                    bail!(
                        "{} failed: the registry answered {s} but without a valid \
                         Docker-Content-Digest header (got `{}`), so the digest is unknown. Is \
                         --registry={} an OCI registry?",
                        context.action,
                        excerpt(digest),
                        self.host()
                    );
                }
                Ok(Some(digest.to_owned()))
            }
            s => Err(self.unexpected(&context, s, "", attempts)),
        }
    }

    /// Every tag of `repository`, in the registry's order, all pages
    /// followed. A repository the registry does not know has no tags (an
    /// empty list, not an error).
    pub async fn tags(&self, repository: &str) -> eyre::Result<Vec<String>> {
        check_repository(repository)?;
        let context = RequestContext {
            action: format!("listing the tags of {}/{repository}", self.host()),
            repository,
        };
        let mut url = self.url(&format!("/v2/{repository}/tags/list"))?;
        if let Some(n) = self.page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        let mut tags = Vec::new();
        let mut seen = HashSet::new();
        for page in 0..MAX_PAGES {
            let (response, attempts) = self.send(&context, Method::GET, &url, None).await?;
            let status = response.status();
            let next = response
                .headers()
                .get_all(header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_link);
            let body = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&context, &url, &e, 1))?;
            if status == StatusCode::NOT_FOUND && page == 0 && registry_error(&body).is_some() {
                return Ok(Vec::new());
            }
            if !status.is_success() {
                return Err(self.unexpected(&context, status, &body_summary(&body), attempts));
            }
            let page_tags = parse_tag_list(&body).map_err(|why| {
                eyre!(
                    "{} failed: the registry's answer is not a tag list ({why}). Is \
                     --registry={} an OCI registry?",
                    context.action,
                    self.host()
                )
            })?;
            tags.extend(page_tags);
            let Some(next) = next else {
                return Ok(tags);
            };
            seen.insert(url.clone());
            url = self.next_page(&context, &url, &next)?;
            if seen.contains(&url) {
                bail!(
                    "{} failed: the registry's `Link` header leads back to a page already \
                     read ({url}), so the list never ends. This is a registry bug.",
                    context.action
                );
            }
        }
        bail!(
            "{} failed: the tag list goes on for more than {MAX_PAGES} pages; giving up.",
            context.action
        )
    }

    /// The registry host, as errors name it.
    /// Sends the request `build` makes, retried as [`retry::send`] allows:
    /// the last answer and how many attempts were made, or the transport
    /// failure said for the person at the terminal.
    pub(super) async fn execute(
        &self,
        context: &RequestContext<'_>,
        method: &Method,
        url: &Url,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> eyre::Result<(Response, usize)> {
        retry::send(method, build)
            .await
            .map_err(|(e, attempts)| self.transport_error(context, url, &e, attempts))
    }

    /// A transport failure of a request about `context`, after `attempts`
    /// attempts ([`transport_error`]).
    pub(super) fn transport_error(
        &self,
        context: &RequestContext<'_>,
        url: &Url,
        err: &reqwest::Error,
        attempts: usize,
    ) -> eyre::Report {
        let attempt = Attempt {
            action: &context.action,
            registry: self.host(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
        };
        transport_error(&attempt, url, err, attempts)
    }

    pub(super) fn host(&self) -> &str {
        self.registry.as_str()
    }

    fn rebuild(mut self) -> eyre::Result<Self> {
        self.http = build_http(&self.roots, self.connect_timeout, self.request_timeout)?;
        Ok(self)
    }

    pub(super) fn url(&self, path: &str) -> eyre::Result<Url> {
        let raw = format!("{}://{}{path}", self.scheme.as_str(), self.host());
        Url::parse(&raw).map_err(|e| eyre!("`{}` is not a valid URL: {e}", excerpt(&raw)))
    }

    /// The URL of the next page, from a `Link` target: relative to the
    /// current page, and on the same registry.
    fn next_page(
        &self,
        context: &RequestContext<'_>,
        current: &Url,
        link: &str,
    ) -> eyre::Result<Url> {
        let next = current.join(link).map_err(|e| {
            eyre!(
                "{} failed: the registry's `Link` header points to `{}`, which is not a URL \
                 ({e}).",
                context.action,
                excerpt(link)
            )
        })?;
        if next.origin() != current.origin() {
            bail!(
                "{} failed: the registry's next page is on another server ({}); the client \
                 does not follow it there with the registry's credentials.",
                context.action,
                excerpt(next.as_str())
            );
        }
        Ok(next)
    }

    /// The error for an answer the call did not expect (`detail`: what its
    /// body says), after `attempts` attempts.
    pub(super) fn unexpected(
        &self,
        context: &RequestContext<'_>,
        status: StatusCode,
        detail: &str,
        attempts: usize,
    ) -> eyre::Report {
        let hint = if status.is_server_error() {
            " The registry has a problem; try again later, or look at its logs."
        } else {
            ""
        };
        eyre!(
            "{} failed: {} answered {status}{detail}{}.{hint}",
            context.action,
            self.host(),
            tried(attempts)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_rejected_before_any_request() {
        let err = RegistryClient::new("https://r.io", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--registry"), "{err}");
        let client = RegistryClient::new("r.io", None).unwrap();
        let err = client
            .with_root_ca_pem(b"not a pem")
            .unwrap_err()
            .to_string();
        assert!(err.contains("r.io") && err.contains("CERTIFICATE"), "{err}");
    }

    #[tokio::test]
    async fn bad_names_are_rejected_before_any_request() {
        // The host does not exist: a request would fail differently.
        let client = RegistryClient::new("nowhere.invalid", None).unwrap();
        let err = client.manifest_digest("Bad/Repo", "v1").await.unwrap_err();
        assert!(err.to_string().contains("not a repository path"), "{err}");
        let err = client.manifest_digest("a/b", "../x").await.unwrap_err();
        assert!(err.to_string().contains("not a valid image tag"), "{err}");
        let err = client.tags("a//b").await.unwrap_err();
        assert!(err.to_string().contains("not a repository path"), "{err}");
    }
}
