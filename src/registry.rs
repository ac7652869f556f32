//! A small client for the OCI distribution API, for the two questions the
//! module asks a registry: does this tag exist, and with which digest
//! (`publish`, before it pushes an immutable tag), and which tags does a
//! repository have (`list-tags`).
//!
//! It speaks the read side of the [distribution spec]:
//!
//! - `HEAD /v2/<repository>/manifests/<tag>`, accepting OCI indexes and
//!   manifests and Docker manifest lists and v2 manifests; the digest comes
//!   from the `Docker-Content-Digest` header.
//! - `GET /v2/<repository>/tags/list[?n=<page size>]`, following
//!   `Link: <...>; rel="next"` pages (relative or absolute, same origin only).
//!
//! # Authentication
//!
//! Requests go out anonymously first; a `401` carries a `WWW-Authenticate`
//! challenge, which the client answers once:
//!
//! - `Basic realm="..."`: the request is sent again with the username and
//!   password (zot and the CNCF distribution registry with `htpasswd`).
//! - `Bearer realm="...",service="...",scope="..."`: a token is fetched from
//!   `realm?service=...&scope=...` (with the username and password when
//!   given, anonymously otherwise; the answer's `token` or `access_token`),
//!   and the request is sent again with `Authorization: Bearer` (zot with
//!   bearer auth, Harbor, GHCR, Docker Hub, distribution with `token` auth).
//!
//! What worked is remembered in the client: a registry that wanted Basic gets
//! the credentials up front afterwards, and tokens are cached per scope
//! (`repository:<repository>:pull`); a cached token the registry no longer
//! accepts is replaced once. A second `401`/`403` is an error that says
//! whether the credentials are wrong or missing. The password is sent to a
//! token realm over plain `http://` only when the realm is on this machine
//! (loopback) or the client was told to use plain HTTP anyway.
//!
//! # Transport
//!
//! HTTPS by default, trusting the Mozilla root certificates (webpki roots)
//! plus any CA given with [`RegistryClient::with_root_ca_pem`]. Plain HTTP is
//! used only when asked for with [`Scheme::Http`]; there is no fallback from
//! one to the other. Connections time out after
//! [`DEFAULT_CONNECT_TIMEOUT`], whole requests after
//! [`DEFAULT_REQUEST_TIMEOUT`] (see [`RegistryClient::with_timeouts`]).
//!
//! # Retries
//!
//! One policy, `retry_delay`, for every request (all of them reads: `HEAD`
//! and `GET`, token requests included). A request is sent again, after
//! [`RETRY_BACKOFF`], only when its failure says nothing about the request
//! itself: the connection was refused, could not be made or was dropped
//! before an answer (a registry restarting), or the answer was `502`, `503`
//! or `504` (a proxy in front of a registry that is down). Everything else
//! is final at once: `401`/`403` (a login question, answered once, see
//! above), `404`, `500` and every other answer, timeouts (a slow registry
//! would only be waited for again), TLS and DNS failures. An error after
//! retries says how many attempts were made.
//!
//! The password never appears in an error, a log line or `Debug` output.
//!
//! The HTTP mechanics are kept apart from the pure parsing (challenges,
//! `Link` headers, the tag list and token JSON, repository paths, digests),
//! which is tested without a network, and public so that `tests/fuzz.rs`
//! can drive it; `tests/registry.rs` runs the client against a real distribution
//! registry (`docker-registry`), with TLS, htpasswd and token auth.
//!
//! [distribution spec]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use eyre::{bail, eyre};
use reqwest::header;
use reqwest::{Method, Response, StatusCode, Url};
use serde_json::Value;

use crate::core::image_ref::Registry;
use crate::core::names::ContainerName;
use crate::core::tags::Tag;
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

/// The pauses before the second and third attempt of a request that may be
/// retried (see `retry_delay`): three attempts at most, about a second
/// and a quarter of waiting in all.
pub const RETRY_BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];

/// The most pages of a tag list the client follows, a guard against a
/// registry whose `Link` headers never end.
const MAX_PAGES: usize = 10_000;

/// A registry login. `Debug` shows the username only; the password is
/// readable only inside this module.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    /// A username and its password (or access token).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The username, as errors name it.
    pub fn username(&self) -> &str {
        &self.username
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

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
    scheme: Scheme,
    credentials: Option<Credentials>,
    roots: Vec<reqwest::Certificate>,
    connect_timeout: Duration,
    request_timeout: Duration,
    page_size: Option<u32>,
    http: reqwest::Client,
    auth: Mutex<AuthCache>,
}

/// What the client learned about the registry's authentication.
#[derive(Default)]
struct AuthCache {
    /// The registry asked for Basic auth: send the credentials up front.
    basic: bool,
    /// Bearer tokens, by scope.
    tokens: HashMap<String, String>,
}

/// The `Authorization` of one request.
enum Auth {
    Basic,
    Bearer(String),
}

/// One request's subject, for error messages and the token scope.
struct Target<'a> {
    /// What is being done, as an error starts: `checking <image>`.
    action: String,
    repository: &'a str,
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
    /// HTTPS, with the default timeouts, logging in with `creds` when the
    /// registry asks for a login.
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
    /// `CERTIFICATE` blocks), for a registry whose certificate a private CA
    /// signed.
    pub fn with_root_ca_pem(mut self, pem: &[u8]) -> eyre::Result<Self> {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            eyre!(
                "the CA certificate for {} is not valid PEM: {e}",
                self.host()
            )
        })?;
        if certs.is_empty() {
            bail!(
                "the CA certificate for {} holds no `-----BEGIN CERTIFICATE-----` block: pass \
                 the CA's certificate in PEM form.",
                self.host()
            );
        }
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
        let target = Target {
            action: format!("checking {}/{repository}:{tag}", self.host()),
            repository,
        };
        let url = self.url(&format!("/v2/{repository}/manifests/{tag}"))?;
        let (response, attempts) = self
            .send(
                &target,
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
                        target.action,
                        excerpt(digest),
                        self.host()
                    );
                }
                Ok(Some(digest.to_owned()))
            }
            s => Err(self.unexpected(&target, s, "", attempts)),
        }
    }

    /// Every tag of `repository`, in the registry's order, all pages
    /// followed. A repository the registry does not know has no tags (an
    /// empty list, not an error).
    pub async fn tags(&self, repository: &str) -> eyre::Result<Vec<String>> {
        check_repository(repository)?;
        let target = Target {
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
            let (response, attempts) = self.send(&target, Method::GET, &url, None).await?;
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
                .map_err(|e| self.transport_error(&target, &url, &e, 1))?;
            if status == StatusCode::NOT_FOUND && page == 0 && registry_error(&body).is_some() {
                return Ok(Vec::new());
            }
            if !status.is_success() {
                return Err(self.unexpected(&target, status, &body_summary(&body), attempts));
            }
            let page_tags = parse_tag_list(&body).map_err(|why| {
                eyre!(
                    "{} failed: the registry's answer is not a tag list ({why}). Is \
                     --registry={} an OCI registry?",
                    target.action,
                    self.host()
                )
            })?;
            tags.extend(page_tags);
            let Some(next) = next else {
                return Ok(tags);
            };
            seen.insert(url.clone());
            url = self.next_page(&target, &url, &next)?;
            if seen.contains(&url) {
                bail!(
                    "{} failed: the registry's `Link` header leads back to a page already \
                     read ({url}), so the list never ends. This is a registry bug.",
                    target.action
                );
            }
        }
        bail!(
            "{} failed: the tag list goes on for more than {MAX_PAGES} pages; giving up.",
            target.action
        )
    }

    fn host(&self) -> &str {
        self.registry.as_str()
    }

    fn rebuild(mut self) -> eyre::Result<Self> {
        self.http = build_http(&self.roots, self.connect_timeout, self.request_timeout)?;
        Ok(self)
    }

    fn url(&self, path: &str) -> eyre::Result<Url> {
        let raw = format!("{}://{}{path}", self.scheme.as_str(), self.host());
        Url::parse(&raw).map_err(|e| eyre!("`{}` is not a valid URL: {e}", excerpt(&raw)))
    }

    /// The URL of the next page, from a `Link` target: relative to the
    /// current page, and on the same registry.
    fn next_page(&self, target: &Target<'_>, current: &Url, link: &str) -> eyre::Result<Url> {
        let next = current.join(link).map_err(|e| {
            eyre!(
                "{} failed: the registry's `Link` header points to `{}`, which is not a URL \
                 ({e}).",
                target.action,
                excerpt(link)
            )
        })?;
        if next.origin() != current.origin() {
            bail!(
                "{} failed: the registry's next page is on another server ({}); the client \
                 does not follow it there with the registry's credentials.",
                target.action,
                excerpt(next.as_str())
            );
        }
        Ok(next)
    }

    /// Sends a request, answering one authentication challenge: the
    /// response is anything but a `401`/`403`, with the number of attempts
    /// its last step took (see [`Self::execute`]).
    async fn send(
        &self,
        target: &Target<'_>,
        method: Method,
        url: &Url,
        accept: Option<&str>,
    ) -> eyre::Result<(Response, usize)> {
        let scope = format!("repository:{}:pull", target.repository);
        let mut auth = self.cached_auth(&scope);
        let mut fresh = false;
        loop {
            let (response, attempts) = self
                .execute(target, &method, url, || {
                    let mut request = self.http.request(method.clone(), url.clone());
                    if let Some(accept) = accept {
                        request = request.header(header::ACCEPT, accept);
                    }
                    self.authorize(request, auth.as_ref())
                })
                .await?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !fresh {
                let challenges: Vec<Challenge> = response
                    .headers()
                    .get_all(header::WWW_AUTHENTICATE)
                    .iter()
                    .flat_map(|v| parse_challenges(&String::from_utf8_lossy(v.as_bytes())))
                    .collect();
                auth = Some(self.authenticate(target, &challenges, &scope).await?);
                fresh = true;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                self.forget(&scope);
                return Err(self.refused(target, status, auth.is_some(), None));
            }
            return Ok((response, attempts));
        }
    }

    /// Sends the request `build` makes, and sends it again after a pause
    /// while [`retry_delay`] allows: the last answer (whatever its status)
    /// and how many attempts were made, or the last transport failure as an
    /// error.
    async fn execute(
        &self,
        target: &Target<'_>,
        method: &Method,
        url: &Url,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> eyre::Result<(Response, usize)> {
        let mut attempt = 1;
        loop {
            let result = build().send().await;
            let outcome = match &result {
                Ok(response) => Outcome::Answer(response.status()),
                Err(e) => Outcome::Failed(Failure::of(e)),
            };
            let Some(delay) = retry_delay(method, outcome, attempt) else {
                return match result {
                    Ok(response) => Ok((response, attempt)),
                    Err(e) => Err(self.transport_error(target, url, &e, attempt)),
                };
            };
            drop(result);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        auth: Option<&Auth>,
    ) -> reqwest::RequestBuilder {
        match (auth, &self.credentials) {
            (Some(Auth::Bearer(token)), _) => request.bearer_auth(token),
            (Some(Auth::Basic), Some(c)) => request.basic_auth(&c.username, Some(&c.password)),
            _ => request,
        }
    }

    fn cached_auth(&self, scope: &str) -> Option<Auth> {
        let cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = cache.tokens.get(scope) {
            return Some(Auth::Bearer(token.clone()));
        }
        (cache.basic && self.credentials.is_some()).then_some(Auth::Basic)
    }

    fn forget(&self, scope: &str) {
        let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        cache.tokens.remove(scope);
    }

    /// Answers a `401`'s challenges: Bearer first (scoped), then Basic.
    async fn authenticate(
        &self,
        target: &Target<'_>,
        challenges: &[Challenge],
        scope: &str,
    ) -> eyre::Result<Auth> {
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let token = self.fetch_token(target, bearer, scope).await?;
            let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            cache.tokens.insert(scope.to_owned(), token.clone());
            return Ok(Auth::Bearer(token));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            if self.credentials.is_none() {
                return Err(self.refused(target, StatusCode::UNAUTHORIZED, false, None));
            }
            let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            cache.basic = true;
            return Ok(Auth::Basic);
        }
        match challenges.first() {
            Some(other) => bail!(
                "{} failed: the registry asks for `{}` authentication; blumeops-ci speaks Basic \
                 and Bearer only.",
                target.action,
                excerpt(&other.scheme)
            ),
            None => bail!(
                "{} failed: the registry answered 401 Unauthorized without a usable \
                 WWW-Authenticate header, so there is no way to log in. Is --registry={} an OCI \
                 registry?",
                target.action,
                self.host()
            ),
        }
    }

    /// A token from a Bearer challenge's realm.
    async fn fetch_token(
        &self,
        target: &Target<'_>,
        challenge: &Challenge,
        scope: &str,
    ) -> eyre::Result<String> {
        let Some(realm) = challenge.param("realm") else {
            bail!(
                "{} failed: the registry asks for a Bearer token but names no token service \
                 (no `realm` in its WWW-Authenticate header).",
                target.action
            );
        };
        let mut url = match Url::parse(realm) {
            Ok(url) if matches!(url.scheme(), "https" | "http") => url,
            _ => bail!(
                "{} failed: the registry's token service `{}` is not an http(s) URL.",
                target.action,
                excerpt(realm)
            ),
        };
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = challenge.param("service") {
                query.append_pair("service", service);
            }
            query.append_pair("scope", challenge.param("scope").unwrap_or(scope));
        }
        if self.credentials.is_some() {
            let cleartext = url.scheme() == "http"
                && self.scheme == Scheme::Https
                && !url.host_str().is_some_and(is_loopback_host);
            if cleartext {
                bail!(
                    "{} failed: the registry's token service {} is plain http://, and the \
                     password would travel unencrypted; refusing to send it. Configure the \
                     registry's token realm with https://.",
                    target.action,
                    excerpt(realm)
                );
            }
        }
        let (response, attempts) = self
            .execute(target, &Method::GET, &url, || {
                let request = self.http.get(url.clone());
                match &self.credentials {
                    Some(c) => request.basic_auth(&c.username, Some(&c.password)),
                    None => request,
                }
            })
            .await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(target, &url, &e, 1))?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.refused(target, status, self.credentials.is_some(), Some(realm)));
        }
        if !status.is_success() {
            bail!(
                "{} failed: the registry's token service {} answered {status}{}{}.",
                target.action,
                excerpt(realm),
                body_summary(&body),
                tried(attempts)
            );
        }
        parse_token(&body).map_err(|why| {
            eyre!(
                "{} failed: the registry's token service {} gave no token ({why}).",
                target.action,
                excerpt(realm)
            )
        })
    }

    /// The error for a `401`/`403` that a login did not (or could not) cure;
    /// `token_service` names the realm when it was the one refusing.
    fn refused(
        &self,
        target: &Target<'_>,
        status: StatusCode,
        logged_in: bool,
        token_service: Option<&str>,
    ) -> eyre::Report {
        let who = match token_service {
            Some(realm) => format!("the token service of {} ({})", self.host(), excerpt(realm)),
            None => self.host().to_owned(),
        };
        match &self.credentials {
            None => eyre!(
                "{} failed: no password given for a protected registry: {who} answered \
                 {status}. Pass --registry-password (and --registry-username).",
                target.action
            ),
            Some(c) if logged_in || status == StatusCode::UNAUTHORIZED => eyre!(
                "{} failed: wrong credentials: {who} refused user `{}` ({status}). Check \
                 --registry-username and --registry-password, and that the user may read {}.",
                target.action,
                excerpt(&c.username),
                target.repository
            ),
            Some(c) => eyre!(
                "{} failed: {who} denies access ({status}) without asking for a login, so \
                 user `{}` was not tried. Check that the registry lets that user read {}.",
                target.action,
                excerpt(&c.username),
                target.repository
            ),
        }
    }

    fn unexpected(
        &self,
        target: &Target<'_>,
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
            target.action,
            self.host(),
            tried(attempts)
        )
    }

    /// A transport failure, said for the person at the terminal, after
    /// `attempts` attempts.
    fn transport_error(
        &self,
        target: &Target<'_>,
        url: &Url,
        err: &reqwest::Error,
        attempts: usize,
    ) -> eyre::Report {
        // The causes under reqwest's own message (which holds the URL).
        let causes = std::error::Error::source(err).map_or_else(|| err.to_string(), error_chain);
        let cause = root_cause(err);
        let host = url.host_str().unwrap_or_default();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let action = &target.action;
        let registry = self.host();
        let tried = tried(attempts);
        match Failure::of(err) {
            failure @ (Failure::ConnectTimeout | Failure::Timeout) => {
                let (what, after) = if failure == Failure::ConnectTimeout {
                    ("connecting to", self.connect_timeout)
                } else {
                    ("waiting for", self.request_timeout)
                };
                eyre!(
                    "{action} failed: timed out after {}s {what} {host}{tried}. Is the registry \
                     up and reachable from here, and is --registry={registry} right?",
                    after.as_secs_f32()
                )
            }
            Failure::Refused => eyre!(
                "{action} failed: could not connect to {host}: connection refused{tried}. Is \
                 the registry running, and is --registry={registry} right?"
            ),
            Failure::Certificate => eyre!(
                "{action} failed: TLS failure: certificate not trusted: {host}'s certificate \
                 was rejected ({cause}). If the registry's certificate comes from a private CA, \
                 the client needs that CA; check also that --registry={registry} names the \
                 host the certificate is for."
            ),
            Failure::Tls => eyre!(
                "{action} failed: TLS failure talking to {host} ({cause}). Is it a plain-HTTP \
                 registry? The client speaks HTTPS unless told to use plain HTTP."
            ),
            Failure::Dns => eyre!(
                "{action} failed: could not resolve the host {host} ({cause}). Is \
                 --registry={registry} spelled right?"
            ),
            Failure::Dropped => eyre!(
                "{action} failed: {host} closed the connection before it answered ({cause}){tried}. \
                 Is the registry running (or restarting)? Try again in a moment, or look at its \
                 logs."
            ),
            Failure::Connect => eyre!(
                "{action} failed: could not connect to {host}{tried} ({causes}). Is the \
                 registry running and reachable, and is --registry={registry} right?"
            ),
            Failure::Other => eyre!(
                "{action} failed: the request to {url} failed: {causes}. Is \
                 --registry={registry} an OCI registry, reachable from here?"
            ),
        }
    }
}

/// Why a request got no answer, as the client tells failures apart (for
/// its messages and for [`retry_delay`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// No (whole) answer within the request timeout.
    Timeout,
    /// Nothing listens on the port.
    Refused,
    /// The server's certificate was not trusted.
    Certificate,
    /// Any other TLS failure (often: HTTPS to a plain-HTTP server).
    Tls,
    /// The host name does not resolve.
    Dns,
    /// The connection was reset or closed before an answer.
    Dropped,
    /// Any other failure to connect.
    Connect,
    /// Anything else (an answer that is not HTTP, ...).
    Other,
}

impl Failure {
    fn of(err: &reqwest::Error) -> Failure {
        use std::io::ErrorKind;
        let lower = error_chain(err).to_ascii_lowercase();
        if err.is_timeout() {
            return if err.is_connect() {
                Failure::ConnectTimeout
            } else {
                Failure::Timeout
            };
        }
        let io = io_kind(err);
        if io == Some(ErrorKind::ConnectionRefused) {
            Failure::Refused
        } else if lower.contains("certificate") {
            Failure::Certificate
        } else if lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("corrupt message")
        {
            Failure::Tls
        } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
            Failure::Dns
        } else if matches!(
            io,
            Some(
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        ) || lower.contains("connection closed before message completed")
        {
            Failure::Dropped
        } else if err.is_connect() {
            Failure::Connect
        } else {
            Failure::Other
        }
    }
}

/// What one attempt of a request came to, as [`retry_delay`] judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// An answer, with its status.
    Answer(StatusCode),
    /// No answer.
    Failed(Failure),
}

/// The retry policy of the client, in one place: the pause before sending
/// a request again after its `attempt`-th attempt (1 for the first) came to
/// `outcome`, or `None` when that outcome is final.
///
/// Only reads (`GET`, `HEAD`) are sent again, and only after a failure that
/// says nothing about the request itself: a connection refused, dropped or
/// not made (a registry restarting), or a `502`/`503`/`504` (a proxy in
/// front of a registry that is down), at most [`RETRY_BACKOFF`]`.len()`
/// times. Never after `401`/`403` (a login question, answered by `send`),
/// `404`, `500` or any other answer, a timeout (a slow registry would be
/// waited for again, for nothing), or a TLS or DNS failure.
fn retry_delay(method: &Method, outcome: Outcome, attempt: usize) -> Option<Duration> {
    let read = *method == Method::GET || *method == Method::HEAD;
    let transient = match outcome {
        Outcome::Answer(status) => matches!(
            status,
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
        ),
        Outcome::Failed(failure) => matches!(
            failure,
            Failure::Refused | Failure::Dropped | Failure::Connect
        ),
    };
    if !read || !transient {
        return None;
    }
    RETRY_BACKOFF.get(attempt.checked_sub(1)?).copied()
}

/// ` (tried N times)` after more than one attempt, for error messages.
fn tried(attempts: usize) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

fn build_http(
    roots: &[reqwest::Certificate],
    connect: Duration,
    request: Duration,
) -> eyre::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(concat!("blumeops-ci/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect)
        .timeout(request)
        .redirect(reqwest::redirect::Policy::limited(5));
    for root in roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder
        .build()
        .map_err(|e| eyre!("could not set up the HTTP client: {}", error_chain(&e)))
}

/// An error and its causes, `: `-joined, repeats dropped.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The innermost cause of an error (`invalid peer certificate: UnknownIssuer`).
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// The `io::ErrorKind` somewhere in an error's causes.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks a repository path against the distribution spec's grammar: one
/// or more path components (the container-name rule, [`ContainerName`]),
/// separated by `/`, at most 255 characters.
pub fn check_repository(repository: &str) -> eyre::Result<()> {
    if repository.len() > 255
        || repository
            .split('/')
            .any(|component| ContainerName::parse(component).is_err())
    {
        bail!(
            "`{}` is not a repository path: lowercase components of letters and digits, \
             joined by `.`, `_` or `-`, separated by `/` (e.g. blumeops/nettest).",
            excerpt(repository)
        );
    }
    Ok(())
}

/// `algorithm:encoded`, as in `sha256:0123...`, by the OCI grammar:
/// `[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
pub fn is_digest(s: &str) -> bool {
    let Some((algorithm, encoded)) = s.split_once(':') else {
        return false;
    };
    !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|component| {
            !component.is_empty()
                && component
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

// ---- pure parsing ------------------------------------------------------

/// One challenge of a `WWW-Authenticate` header: the scheme (lowercased)
/// and its parameters (names lowercased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The first parameter called `name` (lowercase).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The challenges of a `WWW-Authenticate` header value (RFC 7235:
/// `scheme param=value, param="quoted, \"escaped\"", Other ...`). Lenient:
/// what cannot be read is skipped, and it never panics.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let b = header.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip = |i: &mut usize, also_comma: bool| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || (also_comma && b[*i] == b',')) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..*i]).to_ascii_lowercase()
    };
    loop {
        skip(&mut i, true);
        if i >= b.len() {
            return out;
        }
        let scheme = token(&mut i);
        if scheme.is_empty() {
            i += 1;
            continue;
        }
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
        };
        loop {
            let save = i;
            skip(&mut i, true);
            let name = token(&mut i);
            skip(&mut i, false);
            if name.is_empty() || i >= b.len() || b[i] != b'=' {
                i = save;
                break;
            }
            i += 1;
            skip(&mut i, false);
            let value = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut raw = Vec::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    raw.push(b[i]);
                    i += 1;
                }
                i = (i + 1).min(b.len()); // the closing quote, if any
                String::from_utf8_lossy(&raw).into_owned()
            } else {
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b' ' | b'\t') {
                    i += 1;
                }
                String::from_utf8_lossy(&b[start..i]).into_owned()
            };
            challenge.params.push((name, value));
        }
        out.push(challenge);
    }
}

/// The target of the `rel="next"` link in a `Link` header value
/// (`<url>; rel="next", <url>; rel="prev"`), as written (maybe relative).
pub fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let target = after[..end].trim();
        let tail = &after[end + 1..];
        // The link's parameters run to the next comma outside quotes.
        let cut = split_unquoted(tail, ',')[0].len();
        let is_next = split_unquoted(&tail[..cut], ';').iter().any(|param| {
            param.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &tail[cut..];
    }
}

/// `s` cut at every `sep` that is not inside a double-quoted string
/// (where `\` escapes the next character).
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The tags of a tag-list page (`{"name": ..., "tags": [...]}`; a `null`
/// or missing `tags` is an empty page).
pub fn parse_tag_list(body: &[u8]) -> Result<Vec<String>, String> {
    let starts = || excerpt(&String::from_utf8_lossy(body));
    let page = json_object(body).map_err(|e| format!("{e}; it starts with `{}`", starts()))?;
    match page.get("tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(tags)) => tags
            .iter()
            .map(|t| match t {
                Value::String(tag) => Ok(tag.clone()),
                other => Err(format!(
                    "`tags` holds {}, not a string; it starts with `{}`",
                    json_kind(other),
                    starts()
                )),
            })
            .collect(),
        Some(other) => Err(format!(
            "`tags` is {}, not a list; it starts with `{}`",
            json_kind(other),
            starts()
        )),
    }
}

/// The token of a token service's answer: `token`, or `access_token`.
pub fn parse_token(body: &[u8]) -> Result<String, String> {
    let not_expected = |e: String| {
        format!(
            "the answer is not the expected JSON: {e}; it starts with `{}`",
            excerpt(&String::from_utf8_lossy(body))
        )
    };
    let answer = json_object(body).map_err(not_expected)?;
    let field = |name: &str| match answer.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(other) => Err(not_expected(format!(
            "`{name}` is {}, not a string",
            json_kind(other)
        ))),
    };
    let (token, access_token) = (field("token")?, field("access_token")?);
    token
        .or(access_token)
        .ok_or_else(|| "the answer has neither `token` nor `access_token`".to_owned())
}

/// `CODE: message` of a distribution error body
/// (`{"errors": [{"code": ..., "message": ...}]}`).
pub fn registry_error(body: &[u8]) -> Option<String> {
    let body = json_object(body).ok()?;
    let first = body.get("errors")?.as_array()?.first()?.as_object()?;
    let text = |name: &str| match first.get(name) {
        None => Some(""),
        Some(value) => value.as_str(),
    };
    Some(format!("{}: {}", text("code")?, text("message")?))
}

/// `body` as a JSON object. (A derived `Deserialize` struct would also
/// take a JSON array of its fields, `[["v1"]]` as a tag list.)
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_slice(body).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        other => Err(format!("it is {}, not a JSON object", json_kind(&other))),
    }
}

/// What a JSON value is, for messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What an error response's body says, as `: <summary>` (empty without a
/// body).
pub fn body_summary(body: &[u8]) -> String {
    match registry_error(body) {
        Some(summary) => format!(": {}", excerpt(&summary)),
        None if body.iter().all(u8::is_ascii_whitespace) => String::new(),
        None => format!(": {}", excerpt(String::from_utf8_lossy(body).trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn challenge(scheme: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            params: params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn challenges_of_real_registries() {
        // Docker Hub / distribution with token auth.
        assert_eq!(
            parse_challenges(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
            ),
            [challenge(
                "bearer",
                &[
                    ("realm", "https://auth.docker.io/token"),
                    ("service", "registry.docker.io"),
                    ("scope", "repository:library/busybox:pull"),
                ]
            )]
        );
        // distribution's htpasswd, zot.
        assert_eq!(
            parse_challenges(r#"Basic realm="Registry Realm""#),
            [challenge("basic", &[("realm", "Registry Realm")])]
        );
        // A token that no longer has the scope.
        let c = parse_challenges(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull",error="insufficient_scope""#,
        );
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
        assert_eq!(c[0].param("scope"), Some("repository:a/b:pull"));
    }

    #[test]
    fn challenge_syntax() {
        // Case-insensitive scheme and names, spaces around `=`, unquoted values.
        assert_eq!(
            parse_challenges("BEARER Realm = https://h/t , Service=reg"),
            [challenge(
                "bearer",
                &[("realm", "https://h/t"), ("service", "reg")]
            )]
        );
        // Commas and escaped quotes inside quoted strings.
        assert_eq!(
            parse_challenges(r#"Bearer realm="a, b",scope="x \"y\" \\z""#),
            [challenge(
                "bearer",
                &[("realm", "a, b"), ("scope", r#"x "y" \z"#)]
            )]
        );
        // Several challenges in one header.
        assert_eq!(
            parse_challenges(r#"Basic realm="r1", Bearer realm="r2",service="s", Negotiate"#),
            [
                challenge("basic", &[("realm", "r1")]),
                challenge("bearer", &[("realm", "r2"), ("service", "s")]),
                challenge("negotiate", &[]),
            ]
        );
        // Unterminated quote: the rest is the value.
        assert_eq!(
            parse_challenges(r#"Bearer realm="abc"#),
            [challenge("bearer", &[("realm", "abc")])]
        );
        assert_eq!(parse_challenges(""), []);
        assert_eq!(parse_challenges(" , ,"), []);
        assert_eq!(
            parse_challenges("Bearer realm=\"r\"")
                .first()
                .and_then(|c| c.param("service")),
            None
        );
    }

    #[test]
    fn next_links() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?n=10&last=b>; rel="next""#).as_deref(),
            Some("/v2/a/tags/list?n=10&last=b")
        );
        assert_eq!(
            next_link("<https://r.io/v2/a/tags/list?last=x>;rel=next").as_deref(),
            Some("https://r.io/v2/a/tags/list?last=x")
        );
        assert_eq!(
            next_link(r#"</p1>; rel="prev", </p3>; title="a, b"; rel="last next""#).as_deref(),
            Some("/p3")
        );
        assert_eq!(next_link(r#"</p1>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("<unterminated; rel=next"), None);
        // Found by tests/fuzz.rs: a `;` inside a quoted parameter does not
        // start a parameter.
        assert_eq!(next_link(r#"<a>; title="a, b; rel=next""#), None);
        assert_eq!(
            next_link(r#"<a>; title="x \"; rel=next", <b>; rel=next"#).as_deref(),
            Some("b")
        );
    }

    #[test]
    fn tag_lists() {
        assert_eq!(
            parse_tag_list(br#"{"name":"a/b","tags":["v1","latest"]}"#).unwrap(),
            ["v1", "latest"]
        );
        assert!(
            parse_tag_list(br#"{"name":"a/b","tags":null}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse_tag_list(br#"{"name":"a/b"}"#).unwrap().is_empty());
        let err = parse_tag_list(b"<html>not json</html>").unwrap_err();
        assert!(err.contains("<html>not json"), "{err}");
        assert!(parse_tag_list(br#"{"tags":[1,2]}"#).is_err());
        // Found by tests/fuzz.rs: a derived struct also reads a JSON array.
        let err = parse_tag_list(br#"[["v1"]]"#).unwrap_err();
        assert!(err.contains("not a JSON object"), "{err}");
        assert!(parse_tag_list(br#"{"tags":"v1"}"#).is_err());
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            parse_token(br#"{"token":"t1","expires_in":300}"#).unwrap(),
            "t1"
        );
        assert_eq!(parse_token(br#"{"access_token":"t2"}"#).unwrap(), "t2");
        assert_eq!(
            parse_token(br#"{"token":"","access_token":"t3"}"#).unwrap(),
            "t3"
        );
        assert!(
            parse_token(br#"{"expires_in":300}"#)
                .unwrap_err()
                .contains("neither")
        );
        assert!(
            parse_token(b"nope")
                .unwrap_err()
                .contains("not the expected JSON")
        );
        // Found by tests/fuzz.rs: an array is not a token answer.
        assert!(parse_token(br#"["t1"]"#).is_err());
        assert!(parse_token(br#"[null,"t2"]"#).is_err());
        assert!(parse_token(br#"{"token":5}"#).is_err());
    }

    #[test]
    fn registry_errors_and_summaries() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"a/b"}}]}"#;
        assert_eq!(
            registry_error(body).as_deref(),
            Some("NAME_UNKNOWN: repository name not known to registry")
        );
        assert_eq!(registry_error(b"404 page not found"), None);
        // Found by tests/fuzz.rs: arrays are not error bodies.
        assert_eq!(registry_error(br#"[[["CODE","msg"]]]"#), None);
        assert_eq!(registry_error(br#"{"errors":[["CODE","msg"]]}"#), None);
        assert_eq!(
            registry_error(br#"{"errors":[{"code":"DENIED"}]}"#).as_deref(),
            Some("DENIED: ")
        );
        assert_eq!(body_summary(b""), "");
        assert_eq!(body_summary(b"oops\n"), ": oops");
    }

    #[test]
    fn repositories_and_digests() {
        for ok in ["blumeops/nettest", "a", "a/b/c", "a.b_c__d-e--f/x0"] {
            assert!(check_repository(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "A/b", "a//b", "/a", "a/", "a/../b", "a?b", "-a", "a_", "a/b c",
            // Found by tests/fuzz.rs: mixed separators.
            "a-_b", "a_-b", "a.-b", "a-.b",
        ] {
            assert!(check_repository(bad).is_err(), "{bad}");
        }
        assert!(is_digest(
            "sha256:f05b15813ec77288b7f0821ec179cd95003c4293818904f23a12d2b842070239"
        ));
        assert!(is_digest("sha512+b64u.x_y-z:ab=_-"));
        // Found by tests/fuzz.rs: the algorithm's separators go between
        // components.
        for bad in [
            "",
            "sha256:",
            ":abc",
            "sha256",
            "sha256:a b",
            "SHA256:ab",
            "-:-",
            "sha256-:ab",
            "+sha:ab",
            "a..b:ab",
        ] {
            assert!(!is_digest(bad), "{bad}");
        }
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("registry.ops.eblu.me"));
        assert!(!is_loopback_host("10.0.0.1"));
    }

    #[test]
    fn only_reads_are_retried_and_only_after_transient_failures() {
        let first = Some(RETRY_BACKOFF[0]);
        for method in [Method::GET, Method::HEAD] {
            for status in [
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ] {
                assert_eq!(retry_delay(&method, Outcome::Answer(status), 1), first);
            }
            for failure in [Failure::Refused, Failure::Dropped, Failure::Connect] {
                assert_eq!(retry_delay(&method, Outcome::Failed(failure), 1), first);
            }
            // Final at once: answers about the request, and failures that
            // another attempt would only repeat (or wait for again).
            for status in [
                StatusCode::OK,
                StatusCode::NOT_FOUND,
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::NOT_IMPLEMENTED,
            ] {
                assert_eq!(
                    retry_delay(&method, Outcome::Answer(status), 1),
                    None,
                    "{status}"
                );
            }
            for failure in [
                Failure::ConnectTimeout,
                Failure::Timeout,
                Failure::Certificate,
                Failure::Tls,
                Failure::Dns,
                Failure::Other,
            ] {
                assert_eq!(
                    retry_delay(&method, Outcome::Failed(failure), 1),
                    None,
                    "{failure:?}"
                );
            }
        }
        // Writes are never sent twice, whatever happened.
        for method in [Method::PUT, Method::POST, Method::PATCH, Method::DELETE] {
            assert_eq!(
                retry_delay(&method, Outcome::Answer(StatusCode::SERVICE_UNAVAILABLE), 1),
                None
            );
            assert_eq!(
                retry_delay(&method, Outcome::Failed(Failure::Refused), 1),
                None
            );
        }
    }

    #[test]
    fn retries_are_few_with_a_growing_pause() {
        let refused = Outcome::Failed(Failure::Refused);
        let pauses: Vec<Duration> = (1..)
            .map_while(|attempt| retry_delay(&Method::GET, refused, attempt))
            .collect();
        assert_eq!(pauses, RETRY_BACKOFF);
        assert!(pauses.len() <= 3 && pauses.windows(2).all(|w| w[0] < w[1]));
        assert!(pauses.iter().sum::<Duration>() <= Duration::from_secs(2));
        assert_eq!(retry_delay(&Method::GET, refused, 0), None);
        assert_eq!(tried(1), "");
        assert_eq!(tried(3), " (tried 3 times)");
    }

    #[tokio::test]
    async fn transport_failures_are_told_apart() {
        // Nothing listens on a port just released: refused, retried.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let http = build_http(&[], Duration::from_secs(2), Duration::from_secs(2)).unwrap();
        let err = http
            .get(format!("http://127.0.0.1:{port}/v2/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(Failure::of(&err), Failure::Refused);
        // A server that accepts and closes without a word: dropped, retried.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let closer = std::thread::spawn(move || drop(listener.accept()));
        let err = http
            .get(format!("http://{addr}/v2/"))
            .send()
            .await
            .unwrap_err();
        closer.join().unwrap();
        assert_eq!(Failure::of(&err), Failure::Dropped, "{}", error_chain(&err));
    }

    #[test]
    fn the_password_never_shows() {
        let creds = Credentials::new("zot-ci", "s3cr3t-pass");
        assert!(!format!("{creds:?}").contains("s3cr3t"));
        let client = RegistryClient::new("registry.ops.eblu.me", Some(creds)).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("zot-ci"), "{debug}");
    }

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

    fn token() -> impl Strategy<Value = String> {
        "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".*", bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_challenges(&s);
            let _ = next_link(&s);
            let _ = parse_tag_list(&bytes);
            let _ = parse_token(&bytes);
            let _ = registry_error(&bytes);
            let _ = body_summary(&bytes);
            let _ = check_repository(&s);
            let _ = is_digest(&s);
        }

        #[test]
        fn challenges_round_trip(
            scheme in token(),
            params in proptest::collection::vec((token(), "[^\\x00-\\x1f\\x7f]{0,20}"), 0..5),
            spaced in any::<bool>(),
        ) {
            let rendered: Vec<String> = params
                .iter()
                .map(|(n, v)| {
                    let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
                    if spaced { format!("{n} = \"{escaped}\"") } else { format!("{n}=\"{escaped}\"") }
                })
                .collect();
            let header = format!("{scheme} {}", rendered.join(if spaced { " , " } else { "," }));
            let parsed = parse_challenges(&header);
            let expected = Challenge {
                scheme: scheme.to_ascii_lowercase(),
                params: params.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect(),
            };
            prop_assert_eq!(parsed, vec![expected]);
        }

        #[test]
        fn next_link_finds_the_target(target in "[^<>,\\s]{1,30}", before in any::<bool>()) {
            let header = if before {
                format!("</prev>; rel=\"prev\", <{target}>; rel=\"next\"")
            } else {
                format!("<{target}>; rel=next")
            };
            prop_assert_eq!(next_link(&header), Some(target));
        }
    }
}
