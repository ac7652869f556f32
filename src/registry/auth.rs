//! Authentication: the registry login ([`super::credentials::Credentials`]), and the answer to
//! a `401`.
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
//! The login itself, and what the client remembers, are
//! [`super::credentials`]'s; the password is read only there, and never
//! appears in an error, a log line or `Debug` output.

use std::net::IpAddr;

use eyre::{bail, eyre};
use reqwest::header;
use reqwest::{Method, Response, StatusCode, Url};

use super::body::{body_summary, parse_token};
use super::client::{RegistryClient, RequestContext, Scheme};
use super::failure::tried;
use super::headers::{Challenge, parse_challenges};
use crate::core::text::excerpt;

/// The `Authorization` of one request.
enum Auth {
    Basic,
    Bearer(String),
}

impl RegistryClient {
    /// Sends a request, answering one authentication challenge: the
    /// response is anything but a `401`/`403`, with the number of attempts
    /// its last step took (see [`Self::execute`]).
    pub(super) async fn send(
        &self,
        context: &RequestContext<'_>,
        method: Method,
        url: &Url,
        accept: Option<&str>,
    ) -> eyre::Result<(Response, usize)> {
        self.send_with(context, method, url, "pull", |request| match accept {
            Some(accept) => request.header(header::ACCEPT, accept),
            None => request,
        })
        .await
    }

    /// [`Self::send`] for any request: `actions` is the token scope's
    /// (`pull`, or `pull,push` for a write), and `build` adds the headers
    /// and body (called again for each attempt).
    pub(super) async fn send_with(
        &self,
        context: &RequestContext<'_>,
        method: Method,
        url: &Url,
        actions: &str,
        build: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> eyre::Result<(Response, usize)> {
        let scope = format!("repository:{}:{actions}", context.repository);
        let mut auth = self.cached_auth(&scope);
        let mut fresh = false;
        loop {
            let (response, attempts) = self
                .execute(context, &method, url, || {
                    let request = build(self.http.request(method.clone(), url.clone()));
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
                auth = Some(self.authenticate(context, &challenges, &scope).await?);
                fresh = true;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                self.forget(&scope);
                return Err(self.refused(context, status, auth.is_some(), None));
            }
            return Ok((response, attempts));
        }
    }

    /// `request` with the `Authorization` that `auth` says.
    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        auth: Option<&Auth>,
    ) -> reqwest::RequestBuilder {
        match (auth, &self.credentials) {
            (Some(Auth::Bearer(token)), _) => request.bearer_auth(token),
            (Some(Auth::Basic), Some(c)) => c.sign(request),
            _ => request,
        }
    }

    /// What worked before for `scope`: its token, or Basic.
    fn cached_auth(&self, scope: &str) -> Option<Auth> {
        let cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = cache.tokens.get(scope) {
            return Some(Auth::Bearer(token.clone()));
        }
        (cache.basic && self.credentials.is_some()).then_some(Auth::Basic)
    }

    /// Drops the token of `scope`, which the registry refused.
    fn forget(&self, scope: &str) {
        let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
        cache.tokens.remove(scope);
    }

    /// Answers a `401`'s challenges: Bearer first (scoped), then Basic.
    async fn authenticate(
        &self,
        context: &RequestContext<'_>,
        challenges: &[Challenge],
        scope: &str,
    ) -> eyre::Result<Auth> {
        if let Some(bearer) = challenges.iter().find(|c| c.scheme == "bearer") {
            let token = self.fetch_token(context, bearer, scope).await?;
            let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            cache.tokens.insert(scope.to_owned(), token.clone());
            return Ok(Auth::Bearer(token));
        }
        if challenges.iter().any(|c| c.scheme == "basic") {
            if self.credentials.is_none() {
                return Err(self.refused(context, StatusCode::UNAUTHORIZED, false, None));
            }
            let mut cache = self.auth.lock().unwrap_or_else(|p| p.into_inner());
            cache.basic = true;
            return Ok(Auth::Basic);
        }
        match challenges.first() {
            Some(other) => bail!(
                "{} failed: the registry asks for `{}` authentication; blumeops-ci speaks Basic \
                 and Bearer only.",
                context.action,
                excerpt(&other.scheme)
            ),
            None => bail!(
                "{} failed: the registry answered 401 Unauthorized without a usable \
                 WWW-Authenticate header, so there is no way to log in. Is --registry={} an OCI \
                 registry?",
                context.action,
                self.host()
            ),
        }
    }

    /// A token from a Bearer challenge's realm.
    async fn fetch_token(
        &self,
        context: &RequestContext<'_>,
        challenge: &Challenge,
        scope: &str,
    ) -> eyre::Result<String> {
        let Some(realm) = challenge.param("realm") else {
            bail!(
                "{} failed: the registry asks for a Bearer token but names no token service \
                 (no `realm` in its WWW-Authenticate header).",
                context.action
            );
        };
        let mut url = match Url::parse(realm) {
            Ok(url) if matches!(url.scheme(), "https" | "http") => url,
            _ => bail!(
                "{} failed: the registry's token service `{}` is not an http(s) URL.",
                context.action,
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
                    context.action,
                    excerpt(realm)
                );
            }
        }
        let (response, attempts) = self
            .execute(context, &Method::GET, &url, || {
                let request = self.http.get(url.clone());
                match &self.credentials {
                    Some(c) => c.sign(request),
                    None => request,
                }
            })
            .await?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(context, &url, &e, 1))?;
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.refused(context, status, self.credentials.is_some(), Some(realm)));
        }
        if !status.is_success() {
            bail!(
                "{} failed: the registry's token service {} answered {status}{}{}.",
                context.action,
                excerpt(realm),
                body_summary(&body),
                tried(attempts)
            );
        }
        parse_token(&body).map_err(|why| {
            eyre!(
                "{} failed: the registry's token service {} gave no token ({why}).",
                context.action,
                excerpt(realm)
            )
        })
    }

    /// The error for a `401`/`403` that a login did not (or could not) cure;
    /// `token_service` names the realm when it was the one refusing.
    fn refused(
        &self,
        context: &RequestContext<'_>,
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
                context.action
            ),
            Some(c) if logged_in || status == StatusCode::UNAUTHORIZED => eyre!(
                "{} failed: wrong credentials: {who} refused user `{}` ({status}). Check \
                 --registry-username and --registry-password, and that the user may read {}.",
                context.action,
                excerpt(c.username()),
                context.repository
            ),
            Some(c) => eyre!(
                "{} failed: {who} denies access ({status}) without asking for a login, so \
                 user `{}` was not tried. Check that the registry lets that user read {}.",
                context.action,
                excerpt(c.username()),
                context.repository
            ),
        }
    }
}

/// Whether `host` (a name or an IP address, maybe in brackets) is this
/// machine.
fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::credentials::Credentials;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("registry.ops.eblu.me"));
        assert!(!is_loopback_host("10.0.0.1"));
    }

    fn context() -> RequestContext<'static> {
        RequestContext {
            action: "checking r.example/a:v1".into(),
            repository: "a",
        }
    }

    fn with_login() -> RegistryClient {
        RegistryClient::new("r.example", Some(Credentials::new("zot-ci", "pass"))).unwrap()
    }

    #[test]
    fn the_client_remembers_what_worked_per_scope() {
        let client = with_login();
        let scope = "repository:a:pull";
        // Nothing yet: the first request goes out anonymously.
        assert!(client.cached_auth(scope).is_none());
        // A registry that wanted Basic gets the login up front...
        client.auth.lock().unwrap().basic = true;
        assert!(matches!(client.cached_auth(scope), Some(Auth::Basic)));
        // ... but only when there is a login to send.
        let anonymous = RegistryClient::new("r.example", None).unwrap();
        anonymous.auth.lock().unwrap().basic = true;
        assert!(anonymous.cached_auth(scope).is_none());
        // A token is kept for its scope, and a refused one is forgotten.
        let token = |client: &RegistryClient, scope| match client.cached_auth(scope) {
            Some(Auth::Bearer(token)) => Some(token),
            _ => None,
        };
        client
            .auth
            .lock()
            .unwrap()
            .tokens
            .insert(scope.into(), "t1".into());
        assert_eq!(token(&client, scope).as_deref(), Some("t1"));
        assert_eq!(token(&client, "repository:b:pull"), None);
        client.forget(scope);
        assert_eq!(token(&client, scope), None);
        assert!(matches!(client.cached_auth(scope), Some(Auth::Basic)));
    }

    #[test]
    fn a_token_realm_is_http_s_and_never_gets_the_password_in_cleartext() {
        let token_error = |client: &RegistryClient, realm: &str| {
            let bearer = Challenge {
                scheme: "bearer".into(),
                params: vec![("realm".into(), realm.into())],
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime
                .block_on(client.fetch_token(&context(), &bearer, "repository:a:pull"))
                .unwrap_err()
                .to_string()
        };
        let not_http = "is not an http(s) URL";
        let cleartext = "the password would travel unencrypted";
        let https = with_login();
        // Refused before any request is made.
        for realm in ["ftp://token.invalid/t", "file:///etc/passwd"] {
            let err = token_error(&https, realm);
            assert!(err.contains(not_http), "{realm}: {err}");
        }
        let err = token_error(&https, "http://token.invalid/t");
        assert!(err.contains(cleartext), "{err}");
        // Asked (and failing here, where no token service answers): an
        // https realm, an http one on this machine, an http one when the
        // client was told to use plain HTTP, or one with no password to send.
        let plain = with_login().with_scheme(Scheme::Http);
        let anonymous = RegistryClient::new("r.example", None).unwrap();
        for (client, realm) in [
            (&https, "https://token.invalid/t"),
            (&https, "http://127.0.0.1:1/t"),
            (&plain, "http://token.invalid/t"),
            (&anonymous, "http://token.invalid/t"),
        ] {
            let err = token_error(client, realm);
            assert!(
                err.starts_with("checking r.example/a:v1 failed")
                    && !err.contains(not_http)
                    && !err.contains(cleartext),
                "{realm}: {err}"
            );
        }
    }

    #[test]
    fn a_refusal_says_whether_the_login_was_wrong_or_never_asked_for() {
        let refused = |client: &RegistryClient, status, logged_in| {
            client
                .refused(&context(), status, logged_in, None)
                .to_string()
        };
        let client = with_login();
        let wrong = "wrong credentials: r.example refused user `zot-ci`";
        assert!(refused(&client, StatusCode::UNAUTHORIZED, false).contains(wrong));
        assert!(refused(&client, StatusCode::FORBIDDEN, true).contains(wrong));
        assert!(refused(&client, StatusCode::UNAUTHORIZED, true).contains(wrong));
        let err = refused(&client, StatusCode::FORBIDDEN, false);
        assert!(
            err.contains("denies access (403 Forbidden) without asking for a login"),
            "{err}"
        );
        let anonymous = RegistryClient::new("r.example", None).unwrap();
        assert!(
            refused(&anonymous, StatusCode::UNAUTHORIZED, false)
                .contains("no password given for a protected registry")
        );
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
}
