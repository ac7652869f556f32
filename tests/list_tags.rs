//! `list-tags` through the recording engine, reading tags from a real
//! registry (TLS, htpasswd; see `tests/support/registry.rs`). The git
//! script's own behaviour is tested for real in `tests/git_real.rs`; here
//! its answer is scripted and the pipeline around it is checked.

mod harness;
#[path = "support/registry.rs"]
mod support;

use harness::{Engine, examples_root};
use serde_json::json;
use support::{Login, PASSWORD, TestRegistry, USER};

fn list_tags(registry: &TestRegistry, ca: &std::path::Path) -> Engine {
    Engine::call("listTags")
        .dir_arg("src", examples_root())
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD))
        .file_arg("registryCa", ca)
}

#[tokio::test]
async fn tags_are_newest_first_and_marked_by_their_commit() {
    if !support::tools_available() {
        return;
    }
    let registry = TestRegistry::start(true, Login::Htpasswd);
    for tag in [
        "v0.10.0-abcdef0",
        "v0.9.0-1234567",
        "v0.2.0",
        "latest",
        "v0.10.0-abcdef0-nix",
    ] {
        registry.push(support::REPO, tag);
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, registry.ca_pem()).unwrap();

    let engine = list_tags(&registry, &ca)
        .arg("containerName", json!("nettest"))
        .arg("limit", json!(4))
        .exec_answers(0, "0123456 main\n1234567 branch\nabcdef0 main\n", "");
    let output = engine.returned_chain().await;
    assert_eq!(
        output,
        format!(
            "{}/blumeops/nettest\n  v0.10.0-abcdef0      [main]\n  v0.10.0-abcdef0-nix  [main]\n  \
             v0.9.0-1234567       [branch]\n  v0.2.0               [unknown]\n",
            registry.host
        )
    );
    // The git script got the main branch and each commit once.
    let state = engine.state.lock().unwrap();
    let script = state
        .minted
        .iter()
        .map(|o| o.chain())
        .find(|c| c.contains("withExec(args: [\"sh\""))
        .unwrap();
    assert!(
        script.ends_with("\"sh\", \"main\", \"1234567\", \"abcdef0\"])"),
        "{script}"
    );
    assert!(state.queries.iter().all(|q| !q.contains(PASSWORD)));
}

#[tokio::test]
async fn an_empty_repository_is_listed_as_such_without_running_git() {
    if !support::tools_available() {
        return;
    }
    let registry = TestRegistry::start(true, Login::Htpasswd);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, registry.ca_pem()).unwrap();
    let engine = list_tags(&registry, &ca).arg("containerName", json!("miniflux"));
    let output = engine.returned_chain().await;
    assert_eq!(
        output,
        format!("{}/blumeops/miniflux\n  (no version tags)\n", registry.host)
    );
    let state = engine.state.lock().unwrap();
    assert!(state.minted.iter().all(|o| !o.chain().contains("withExec")));
}

#[tokio::test]
async fn a_registry_that_is_down_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let message = Engine::call("listTags")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("miniflux"))
        .arg("registry", json!(format!("127.0.0.1:{port}")))
        .returned_error()
        .await;
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(message.contains("running"), "{message}");
}

#[tokio::test]
async fn a_bad_limit_is_refused() {
    let message = Engine::call("listTags")
        .dir_arg("src", examples_root())
        .arg("limit", json!(0))
        .returned_error()
        .await;
    assert!(
        message.starts_with("--limit must be a positive number"),
        "{message}"
    );
}
