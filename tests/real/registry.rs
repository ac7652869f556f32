//! The registry client against a real registry: Debian's `docker-registry`
//! (the CNCF distribution registry), started per test on a free port, with
//! and without TLS, with htpasswd (Basic) and token (Bearer) auth, images
//! pushed with `skopeo`. See `tests/harness/registry.rs`.
//!
//! Without the tools the tests print why and skip, unless `CI` is set, where
//! they fail (`ci/install-test-deps` installs them).

use crate::harness::registry as support;

use std::net::TcpListener;
use std::time::Duration;

use crate::harness::registry::{Login, PagingProxy, REPO, TAG, TestRegistry, USER, creds, text};
use blumeops_ci::registry::{Credentials, RegistryClient, Scheme};

macro_rules! require_tools {
    () => {
        if !support::tools_available() {
            return;
        }
    };
}

#[tokio::test]
async fn a_present_tag_gives_the_digest_skopeo_sees_and_a_missing_one_none() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let client = registry.client(creds());
    let digest = client.manifest_digest(REPO, TAG).await.unwrap();
    assert_eq!(digest, Some(registry.skopeo_digest(REPO, TAG)));
    assert!(digest.unwrap().starts_with("sha256:"));
    assert_eq!(
        client
            .manifest_digest(REPO, "v9.9.9-fedcba9")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        client
            .manifest_digest("blumeops/never-pushed", TAG)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn tags_of_a_repository_and_of_an_unknown_one() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Htpasswd);
    registry.push(REPO, "latest");
    let client = registry.client(creds());
    let mut tags = client.tags(REPO).await.unwrap();
    tags.sort();
    assert_eq!(tags, ["latest", TAG]);
    assert_eq!(
        client.tags("blumeops/never-pushed").await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn a_wrong_password_is_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let client = registry.client(Some(Credentials::new(USER, "not-the-password")));
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(err.contains("wrong credentials"), "{err}");
    assert!(
        err.contains(USER) && err.contains(&registry.host) && err.contains(REPO),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
    let err = text(client.tags(REPO).await.unwrap_err());
    assert!(err.contains("wrong credentials"), "{err}");
}

#[tokio::test]
async fn no_password_for_a_protected_registry_is_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let client = registry.client(None);
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(err.contains("no password given"), "{err}");
    assert!(err.contains("--registry-password"), "{err}");
    assert!(err.contains(&registry.host) && err.contains(REPO), "{err}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_tls_error() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Htpasswd);
    // No test CA: the registry's certificate chains to nothing trusted.
    let client = RegistryClient::new(&registry.host, creds()).unwrap();
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(err.contains("certificate not trusted"), "{err}");
    assert!(err.contains(&registry.host), "{err}");
    assert!(err.contains("--registry-ca"), "{err}");
}

/// The Dagger engine installs its CAs in the system trust store of every
/// container it runs, the module's own included. The client trusts a CA
/// there without `--registry-ca`, and a CA given with `--registry-ca` adds
/// to the store instead of replacing it. The registry's CA reaches the
/// client only through the system store (`SSL_CERT_FILE`, in a child run).
#[tokio::test]
async fn a_ca_in_the_system_trust_store_is_trusted() {
    const TEST: &str = "a_ca_in_the_system_trust_store_is_trusted";
    if let Some(values) = support::system_trust_child() {
        let [host, digest, other_ca] = values.as_slice() else {
            panic!("unexpected values from the parent: {values:?}");
        };
        let client = RegistryClient::new(host, creds()).unwrap();
        let found = client.manifest_digest(REPO, TAG).await.map_err(text);
        assert_eq!(found.unwrap(), Some(digest.clone()));
        assert_eq!(client.tags(REPO).await.map_err(text).unwrap(), [TAG]);
        // Another CA, as --registry-ca: the system store still counts.
        let client = RegistryClient::new(host, creds())
            .unwrap()
            .with_root_ca_pem(&std::fs::read(other_ca).unwrap())
            .unwrap();
        let found = client.manifest_digest(REPO, TAG).await.map_err(text);
        assert_eq!(found.unwrap(), Some(digest.clone()));
        return;
    }
    let Some((registry, dir, ca)) = support::trusted_registry() else {
        return;
    };
    let other = dir.path().join("other");
    support::make_tls(&other);
    let other_ca = other.join("certs/ca.crt");
    let digest = registry.skopeo_digest(REPO, TAG);
    support::rerun_with_system_trust(
        module_path!(),
        TEST,
        &ca,
        &[&registry.host, &digest, other_ca.to_str().unwrap()],
    );
}

/// A system trust store that cannot be read is an error that names it,
/// when the client is made (here `SSL_CERT_FILE` names a missing file, in a
/// child run).
#[test]
fn an_unreadable_system_trust_store_is_a_clear_error() {
    const TEST: &str = "an_unreadable_system_trust_store_is_a_clear_error";
    let missing = std::env::temp_dir().join("blumeops-ci-no-such-dir/ca.pem");
    if support::system_trust_child().is_some() {
        let err = text(RegistryClient::new("127.0.0.1:5000", creds()).unwrap_err());
        assert!(
            err.contains("could not read the system's trusted CA certificates"),
            "{err}"
        );
        assert!(
            err.contains(&missing.display().to_string()) && err.contains("SSL_CERT_FILE"),
            "{err}"
        );
        return;
    }
    support::rerun_with_system_trust(module_path!(), TEST, &missing, &[]);
}

/// So is a trust store with no certificate the client can use (here
/// `SSL_CERT_FILE` names a file whose one certificate is not DER): the
/// error says which file, and reqwest's reason.
#[test]
fn a_system_trust_store_without_a_usable_certificate_is_a_clear_error() {
    const TEST: &str = "a_system_trust_store_without_a_usable_certificate_is_a_clear_error";
    if let Some(values) = support::system_trust_child() {
        let err = text(RegistryClient::new("127.0.0.1:5000", creds()).unwrap_err());
        assert!(
            err.contains("could not read the system's trusted CA certificates")
                && err.contains(&values[0])
                && err.contains("zero valid certificates"),
            "{err}"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-ca.pem");
    std::fs::write(
        &file,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let shown = file.display().to_string();
    support::rerun_with_system_trust(module_path!(), TEST, &file, &[&shown]);
}

#[tokio::test]
async fn https_to_a_plain_http_registry_is_a_clear_tls_error() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let client = RegistryClient::new(&registry.host, None).unwrap();
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(
        err.contains("TLS failure") && err.contains("plain-HTTP"),
        "{err}"
    );
}

#[tokio::test]
async fn a_plain_http_registry_works_when_asked_for() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let client = RegistryClient::new(&registry.host, None)
        .unwrap()
        .with_scheme(Scheme::Http);
    assert_eq!(
        client.manifest_digest(REPO, TAG).await.unwrap(),
        Some(registry.skopeo_digest(REPO, TAG))
    );
    assert_eq!(client.tags(REPO).await.unwrap(), [TAG]);
}

#[tokio::test]
async fn a_plain_http_registry_with_htpasswd_works_when_asked_for() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Htpasswd);
    let client = registry.client(creds());
    assert_eq!(
        client.manifest_digest(REPO, TAG).await.unwrap(),
        Some(registry.skopeo_digest(REPO, TAG))
    );
    assert_eq!(client.tags(REPO).await.unwrap(), [TAG]);
}

#[tokio::test]
async fn tags_are_listed_across_pages() {
    require_tools!();
    let registry = TestRegistry::start(false, Login::Open);
    let more: Vec<String> = (0..25).map(|i| format!("v1.{i}.0-abcdef0")).collect();
    registry.retag(REPO, TAG, &more).await;
    let proxy = PagingProxy::start(&registry.host);
    let client = RegistryClient::new(&proxy.host, None)
        .unwrap()
        .with_scheme(Scheme::Http)
        .with_page_size(10);
    let tags = client.tags(REPO).await.unwrap();
    assert_eq!(proxy.pages(), 3, "26 tags in pages of 10");
    let mut expected = more.clone();
    expected.push(TAG.to_owned());
    expected.sort();
    assert_eq!(tags, expected, "every tag once, in the pages' order");
    // Without a page size, the (paging) registry decides: one page here.
    let all = RegistryClient::new(&proxy.host, None)
        .unwrap()
        .with_scheme(Scheme::Http)
        .tags(REPO)
        .await
        .unwrap();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_registry_that_is_down_is_a_clear_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = RegistryClient::new(&format!("127.0.0.1:{port}"), creds()).unwrap();
    // Refused, retried a few times (RETRY_BACKOFF), then said.
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(err.contains("connection refused (tried 3 times)"), "{err}");
    assert!(err.contains("Is the registry running"), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
}

#[tokio::test]
async fn a_registry_that_never_answers_times_out() {
    // The kernel accepts the connection; nobody ever reads or answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    for scheme in [Scheme::Http, Scheme::Https] {
        let client = RegistryClient::new(&host, None)
            .unwrap()
            .with_scheme(scheme)
            .with_timeouts(Duration::from_millis(500), Duration::from_millis(800))
            .unwrap();
        // Ended by the client's request timeout, and not retried.
        let err = text(client.tags(REPO).await.unwrap_err());
        assert!(!err.contains("tried"), "{err}");
        assert!(err.contains("timed out"), "{scheme:?}: {err}");
        assert!(err.contains(&host), "{err}");
    }
    drop(listener);
}

#[tokio::test]
async fn bearer_tokens_are_fetched_once_per_repository() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Token);
    let tokens = registry.tokens.as_ref().unwrap();
    let client = registry.client(creds());
    let expected = registry.skopeo_digest(REPO, TAG);
    let before = tokens.requests();
    assert_eq!(
        client.manifest_digest(REPO, TAG).await.unwrap(),
        Some(expected)
    );
    assert_eq!(
        client
            .manifest_digest(REPO, "v9.9.9-fedcba9")
            .await
            .unwrap(),
        None
    );
    assert_eq!(client.tags(REPO).await.unwrap(), [TAG]);
    assert_eq!(
        tokens.requests() - before,
        1,
        "one token for {REPO}, then cached"
    );
    assert!(
        client
            .tags("blumeops/never-pushed")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(tokens.requests() - before, 2, "a new scope, a new token");
}

#[tokio::test]
async fn bearer_with_a_wrong_password_is_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Token);
    let client = registry.client(Some(Credentials::new(USER, "not-the-password")));
    let err = text(client.manifest_digest(REPO, TAG).await.unwrap_err());
    assert!(
        err.contains("wrong credentials") && err.contains(USER),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
}

#[tokio::test]
async fn bearer_without_a_password_is_a_clear_error() {
    require_tools!();
    let registry = TestRegistry::start(true, Login::Token);
    // The token server gives anonymous tokens that grant nothing.
    let client = registry.client(None);
    let err = text(client.tags(REPO).await.unwrap_err());
    assert!(err.contains("no password given"), "{err}");
    assert!(err.contains("--registry-password"), "{err}");
}
