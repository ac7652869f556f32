//! The registry client when the registry misbehaves: stopped between two
//! calls and halfway through a paged tag listing, slow, answering `500` or
//! `503`, answering malformed JSON, and credentials that stop working
//! (a cached token the registry no longer accepts, a password changed).
//!
//! The registry is the real one (Debian's `docker-registry`, see
//! `tests/harness/registry.rs`); the faults come from real HTTP exchanges:
//! the registry process is killed, or a small proxy in front of it delays
//! or answers chosen requests itself.
//!
//! Every case must end in an error that names the registry and says what
//! to do, never in a tag reported present that is not, and never in a hang:
//! the client's own timeouts end each call, and [`bounded`] fails a test
//! that would wait longer (a guard, not a speed check: no duration is
//! asserted).

use crate::harness::registry as support;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::registry::{
    DelayProxy, FaultProxy, Login, PagingProxy, REPO, TAG, TestRegistry, USER, creds,
    http_response, text,
};
use blumeops_ci::registry::{Credentials, RETRY_BACKOFF, RegistryClient, Scheme};
use blumeops_ci::signing::{Blob, OCI_CONFIG};

macro_rules! require_tools {
    () => {
        if !support::tools_available() {
            return;
        }
    };
}

/// How many attempts a request that may be retried gets.
const ATTEMPTS: usize = RETRY_BACKOFF.len() + 1;

/// Runs `call`, failing the test if it has not ended after a minute: the
/// client's timeouts must end every call long before.
async fn bounded<F: Future>(call: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), call)
        .await
        .expect("the call hung: the client's timeouts did not end it")
}

/// A plain-HTTP client for `host` (a proxy in front of a test registry).
fn client_for(host: &str) -> RegistryClient {
    RegistryClient::new(host, None)
        .unwrap()
        .with_scheme(Scheme::Http)
}

/// The body of a distribution error answer.
fn registry_error(code: &str, message: &str) -> String {
    serde_json::json!({"errors": [{"code": code, "message": message}]}).to_string()
}

// ---- stopped mid-run -------------------------------------------------------

#[tokio::test]
async fn a_registry_stopped_between_two_calls_is_a_clear_error_until_it_is_back() {
    require_tools!();
    let mut registry = TestRegistry::start(false, Login::Htpasswd);
    let client = registry.client(creds());
    let digest = bounded(client.manifest_digest(REPO, TAG)).await.unwrap();
    assert!(digest.is_some());

    registry.stop();
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!("checking {}/{REPO}:{TAG} failed", registry.host)),
        "{err}"
    );
    assert!(
        err.contains(&format!("connection refused (tried {ATTEMPTS} times)")),
        "{err}"
    );
    assert!(
        err.contains("Is the registry running, and is --registry="),
        "{err}"
    );
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(
        err.contains("listing the tags of") && err.contains("connection refused"),
        "{err}"
    );

    // The same client works again once the registry is back.
    registry.restart();
    assert_eq!(
        bounded(client.manifest_digest(REPO, TAG)).await.unwrap(),
        digest
    );
}

#[tokio::test]
async fn a_registry_stopped_during_a_paged_listing_fails_the_whole_listing() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let more: Vec<String> = (0..25).map(|i| format!("v1.{i}.0-abcdef0")).collect();
    registry.retag(REPO, TAG, &more).await;
    // The registry dies right after the first page went out; the proxy in
    // front of it (like nginx in front of a registry) answers 502 from then on.
    let stop = registry.stopper();
    let proxy = PagingProxy::start_with(&registry.host, move |pages| {
        if pages == 1 {
            stop();
        }
    });
    let client = client_for(&proxy.host).with_page_size(10);
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert_eq!(proxy.pages(), 1, "only the first page was served");
    assert!(
        err.contains(&format!("listing the tags of {}/{REPO} failed", proxy.host)),
        "{err}"
    );
    assert!(
        err.contains("502 Bad Gateway: UNAVAILABLE"),
        "the registry's own words: {err}"
    );
    assert!(
        err.contains(&format!("(tried {ATTEMPTS} times)")),
        "502 is retried: {err}"
    );
    assert!(err.contains("try again later"), "{err}");
    // Not a partial list: the 10 tags of the first page are not returned
    // as if they were all (the call is an error, checked above).
}

// ---- slow --------------------------------------------------------------------

#[tokio::test]
async fn a_registry_slower_than_the_timeout_is_a_timeout_error_not_a_hang() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let slow = DelayProxy::start(&registry.host, Duration::from_secs(5));
    let client = client_for(&slow.host)
        .with_timeouts(Duration::from_secs(2), Duration::from_millis(500))
        .unwrap();
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!(
            "checking {}/{REPO}:{TAG} failed: timed out after 0.5s waiting for {}",
            slow.host, slow.host
        )),
        "{err}"
    );
    assert!(
        !err.contains("tried"),
        "a timeout is not retried (it would only be waited for again): {err}"
    );
    assert!(err.contains("Is the registry up and reachable"), "{err}");
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(err.contains("timed out after 0.5s waiting for"), "{err}");

    // The proxy does forward: a delay the timeout allows gets the answer.
    let lagging = DelayProxy::start(&registry.host, Duration::from_millis(100));
    let patient = client_for(&lagging.host)
        .with_timeouts(Duration::from_secs(5), Duration::from_secs(20))
        .unwrap();
    assert_eq!(
        bounded(patient.manifest_digest(REPO, TAG)).await.unwrap(),
        Some(registry.skopeo_digest(REPO, TAG))
    );
}

// ---- error answers -----------------------------------------------------------

#[tokio::test]
async fn a_500_is_a_clear_error_at_once_and_never_a_tag() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let proxy = FaultProxy::start(&registry.host, |head, _| {
        let body = if head.target.contains("/tags/") {
            registry_error("DENIED", "requested access to the resource is denied")
        } else {
            registry_error("UNKNOWN", "filesystem: disk quota exceeded")
        };
        Some(http_response(500, "", &body))
    });
    let client = client_for(&proxy.host);
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.split(" / ").next().unwrap(),
        format!(
            "checking {host}/{REPO}:{TAG} failed: {host} answered 500 Internal Server Error. \
             The registry has a problem; try again later, or look at its logs.",
            host = proxy.host
        )
    );
    assert_eq!(proxy.requests().len(), 1, "a 500 is not retried");

    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(
        err.contains(&format!(
            "{} answered 500 Internal Server Error: DENIED: requested access to the resource \
             is denied.",
            proxy.host
        )),
        "{err}"
    );
    assert_eq!(
        proxy.requests().len(),
        2,
        "a 500 saying denied is not retried"
    );
}

#[tokio::test]
async fn a_503_is_retried_a_few_times_then_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let unavailable = || {
        http_response(
            503,
            "",
            &registry_error("UNAVAILABLE", "registry is restarting"),
        )
    };

    // Two 503s, then the registry answers: the caller sees the answer.
    let proxy = FaultProxy::start(&registry.host, move |_, n| (n < 2).then(unavailable));
    let digest = bounded(client_for(&proxy.host).manifest_digest(REPO, TAG))
        .await
        .unwrap();
    assert_eq!(digest, Some(registry.skopeo_digest(REPO, TAG)));
    assert_eq!(proxy.requests().len(), 3);

    // Always 503: a few attempts, then an error that says so.
    let proxy = FaultProxy::start(&registry.host, move |_, _| Some(unavailable()));
    let client = client_for(&proxy.host);
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(
        err.contains(&format!(
            "{} answered 503 Service Unavailable: UNAVAILABLE: registry is restarting (tried \
             {ATTEMPTS} times). The registry has a problem; try again later",
            proxy.host
        )),
        "{err}"
    );
    assert_eq!(proxy.requests().len(), ATTEMPTS);
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("503 Service Unavailable (tried"), "{err}");
}

#[tokio::test]
async fn a_404_is_an_absent_tag_and_is_not_retried() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let proxy = FaultProxy::start(&registry.host, |_, _| None);
    let client = client_for(&proxy.host);
    assert_eq!(
        bounded(client.manifest_digest(REPO, "v9.9.9-fedcba9"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(proxy.requests().len(), 1);
}

// ---- malformed answers -------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_a_clear_error_not_a_list() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let proxy = FaultProxy::start(&registry.host, |head, _| {
        head.target.contains("/tags/list").then(|| {
            http_response(
                200,
                "",
                r#"{"name":"blumeops/nettest","tags":["v0.1.0-0123"#,
            )
        })
    });
    let err = text(
        bounded(client_for(&proxy.host).tags(REPO))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!(
            "listing the tags of {host}/{REPO} failed: the registry's answer is not a tag list",
            host = proxy.host
        )),
        "{err}"
    );
    assert!(
        err.contains("it starts with `{") && err.contains("v0.1.0-0123`"),
        "the answer is quoted: {err}"
    );
    assert!(
        err.contains(&format!("Is --registry={} an OCI registry?", proxy.host)),
        "{err}"
    );
    assert_eq!(proxy.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_manifest_answer_without_a_digest_is_an_error_not_a_present_tag() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    // A web server that says 200 to everything (no Docker-Content-Digest).
    let proxy = FaultProxy::start(&registry.host, |_, _| {
        Some(http_response(200, "", "<html>welcome</html>"))
    });
    let err = text(
        bounded(client_for(&proxy.host).manifest_digest(REPO, "v9.9.9-fedcba9"))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("without a valid Docker-Content-Digest header"),
        "{err}"
    );
    assert!(
        err.contains(&format!("Is --registry={} an OCI registry?", proxy.host)),
        "{err}"
    );
}

#[tokio::test]
async fn an_answer_that_is_not_http_is_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let proxy = FaultProxy::start(&registry.host, |_, _| {
        Some("SSH-2.0-OpenSSH_9.2\r\n\r\n".to_owned())
    });
    let err = text(
        bounded(client_for(&proxy.host).manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!("checking {}/{REPO}:{TAG} failed", proxy.host)),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "Is --registry={} an OCI registry, reachable from here?",
            proxy.host
        )),
        "{err}"
    );
    assert_eq!(proxy.requests().len(), 1, "not retried");
}

// ---- credentials that stop working -------------------------------------------

#[tokio::test]
async fn a_cached_token_the_registry_refuses_is_replaced_once() {
    require_tools!();
    let mut registry = TestRegistry::start(false, Login::Token);
    let client = registry.client(creds());
    let digest = bounded(client.manifest_digest(REPO, TAG)).await.unwrap();
    assert!(digest.is_some());
    let tokens = || registry.tokens.as_ref().unwrap().requests();
    let before = tokens();

    // Every token issued so far is void (expired, or the key rolled).
    registry.rotate_token_key();
    assert_eq!(
        bounded(client.manifest_digest(REPO, TAG)).await.unwrap(),
        digest
    );
    assert_eq!(
        registry.tokens.as_ref().unwrap().requests() - before,
        1,
        "one new token"
    );
}

#[tokio::test]
async fn a_revoked_login_behind_a_cached_token_is_a_clear_error() {
    require_tools!();
    let mut registry = TestRegistry::start(false, Login::Token);
    let client = registry.client(creds());
    assert!(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap()
            .is_some()
    );

    // The cached token is void, and the password no longer gets a new one.
    registry.set_password("rotated-Pa55word");
    registry.rotate_token_key();
    let tokens = registry.tokens.as_ref().unwrap();
    let before = tokens.requests();
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!(
            "checking {}/{REPO}:{TAG} failed: wrong credentials: the token service of {}",
            registry.host, registry.host
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("refused user `{USER}` (401 Unauthorized)")),
        "{err}"
    );
    assert!(
        err.contains("Check --registry-username and --registry-password"),
        "{err}"
    );
    assert_eq!(tokens.requests() - before, 1, "asked once, not in a loop");
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(err.contains("wrong credentials"), "{err}");
    assert!(!err.contains("rotated-Pa55word"), "{err}");
}

#[tokio::test]
async fn a_password_changed_between_two_calls_is_a_clear_error() {
    require_tools!();
    let mut registry = TestRegistry::start(false, Login::Htpasswd);
    let client = registry.client(creds());
    assert!(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap()
            .is_some()
    );

    registry.set_password("rotated-Pa55word");
    let err = text(
        bounded(client.manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        err.split(" / ").next().unwrap(),
        format!(
            "checking {host}/{REPO}:{TAG} failed: wrong credentials: {host} refused user \
             `{USER}` (401 Unauthorized). Check --registry-username and --registry-password, \
             and that the user may read {REPO}.",
            host = registry.host
        )
    );
    let err = text(bounded(client.tags(REPO)).await.unwrap_err());
    assert!(err.contains("wrong credentials"), "{err}");

    // The registry is up and the change is real: the new password works.
    let renewed = registry.client(Some(Credentials::new(USER, "rotated-Pa55word")));
    assert!(
        bounded(renewed.manifest_digest(REPO, TAG))
            .await
            .unwrap()
            .is_some()
    );
}

// ---- a call that is cut off --------------------------------------------------

#[tokio::test]
async fn a_registry_that_drops_the_connection_is_retried_then_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    // The first request's connection is closed without a word (a registry
    // crashing mid-request); the next one is answered.
    let dropped = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&dropped);
    let proxy = FaultProxy::start(&registry.host, move |_, n| {
        (n == 0).then(|| {
            count.fetch_add(1, Ordering::SeqCst);
            String::new()
        })
    });
    let digest = bounded(client_for(&proxy.host).manifest_digest(REPO, TAG))
        .await
        .unwrap();
    assert_eq!(digest, Some(registry.skopeo_digest(REPO, TAG)));
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(proxy.requests().len(), 2);

    // Always dropped: a few attempts, then an error that says what happened.
    let proxy = FaultProxy::start(&registry.host, |_, _| Some(String::new()));
    let err = text(
        bounded(client_for(&proxy.host).manifest_digest(REPO, TAG))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains(&format!(
            "{} closed the connection before it answered (connection closed before message \
             completed) (tried {ATTEMPTS} times). Is the registry running (or restarting)?",
            proxy.host
        )),
        "{err}"
    );
}

/// A blob is pushed once: the client asks whether the registry has it
/// first, and a second push of the same blob sends only that question (seen
/// through a proxy, which would not forward an upload's body anyway). An
/// answer to the question that is neither yes nor no (a `500`) is an error,
/// never a blob taken as present.
#[tokio::test]
async fn a_blob_the_registry_has_is_not_pushed_again() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let direct = client_for(&registry.host);
    let blob = Blob::new(
        OCI_CONFIG,
        br#"{"architecture":"amd64","os":"linux"}"#.to_vec(),
    );
    let digest = &blob.descriptor.digest;
    assert!(!bounded(direct.blob_exists(REPO, digest)).await.unwrap());
    bounded(direct.push_blob(REPO, &blob)).await.unwrap();
    assert!(bounded(direct.blob_exists(REPO, digest)).await.unwrap());

    let proxy = FaultProxy::start(&registry.host, |_, _| None);
    bounded(client_for(&proxy.host).push_blob(REPO, &blob))
        .await
        .unwrap();
    assert_eq!(
        proxy.requests(),
        [format!("HEAD /v2/{REPO}/blobs/{digest}")],
        "only the question"
    );

    let failing = FaultProxy::start(&registry.host, |head, _| {
        (head.method == "HEAD").then(|| http_response(500, "", ""))
    });
    let err = text(
        bounded(client_for(&failing.host).blob_exists(REPO, digest))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("500 Internal Server Error"), "{err}");
}
