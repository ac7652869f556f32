//! `list-tags` through the recording engine, reading tags from a real
//! registry (TLS, htpasswd; see `tests/harness/registry.rs`). The git
//! script's own behaviour is tested for real in `tests/real/git_real.rs`; here
//! its answer is scripted and the pipeline around it is checked.

use crate::harness::registry as support;

use crate::harness::registry::{Login, PASSWORD, TestRegistry, USER};
use crate::harness::{Engine, examples_root};
use serde_json::json;

/// `list-tags` against the registry `host`, logged in, trusting `ca` when
/// given (`--registry-ca`).
fn list_tags(host: &str, ca: Option<&std::path::Path>) -> Engine {
    let engine = Engine::call("listTags")
        .dir_arg("src", examples_root())
        .arg("registry", json!(host))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD));
    match ca {
        Some(ca) => engine.file_arg("registryCa", ca),
        None => engine,
    }
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

    let engine = list_tags(&registry.host, Some(&ca))
        .arg("containerName", json!("nettest"))
        .arg("limit", json!(4))
        .exec_answers(
            0,
            "base origin/main\n0123456 main\n1234567 branch\nabcdef0 main\n",
            "",
        );
    let output = engine.returned_chain().await;
    assert_eq!(
        output,
        format!(
            "{}/blumeops/nettest\n  v0.10.0-abcdef0      [main]\n  v0.10.0-abcdef0-nix  [main]\n  \
             v0.9.0-1234567       [branch]\n  v0.2.0\n",
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
    drop(state);
    // The log says which ref [main] means: the remote-tracking branch.
    assert_eq!(
        engine.log(),
        [
            "list-tags: [main] means the commit is on origin/main (the remote-tracking branch, \
          as fetched into --src)."
        ]
    );
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
    let engine = list_tags(&registry.host, Some(&ca)).arg("containerName", json!("miniflux"));
    let output = engine.returned_chain().await;
    assert_eq!(
        output,
        format!("{}/blumeops/miniflux\n  (no version tags)\n", registry.host)
    );
    let state = engine.state.lock().unwrap();
    assert!(state.minted.iter().all(|o| !o.chain().contains("withExec")));
}

/// The Dagger engine installs its CAs in the system trust store of the
/// module's container: `list-tags` reads from a registry signed by one of
/// them without `--registry-ca`. The registry's CA reaches the module only
/// through the system store (`SSL_CERT_FILE`, in a child run).
#[tokio::test]
async fn a_registry_ca_in_the_system_trust_store_needs_no_registry_ca() {
    const TEST: &str = "a_registry_ca_in_the_system_trust_store_needs_no_registry_ca";
    if let Some(values) = support::system_trust_child() {
        let [host] = values.as_slice() else {
            panic!("unexpected values from the parent: {values:?}");
        };
        let output = list_tags(host, None)
            .arg("containerName", json!("nettest"))
            .exec_answers(0, "0123456 main\n", "")
            .returned_chain()
            .await;
        assert_eq!(
            output,
            format!("{host}/blumeops/nettest\n  v0.1.0-0123456  [main]\n")
        );
        return;
    }
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    support::rerun_with_system_trust(module_path!(), TEST, &ca, &[&registry.host]);
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

/// As the origin showed them: 10 tags for one container, 4 per container
/// when listing every container, unless --limit says.
#[tokio::test]
async fn ten_tags_for_one_container_four_for_each_of_all() {
    if !support::tools_available() {
        return;
    }
    let registry = TestRegistry::start(true, Login::Htpasswd);
    for minor in 0..12 {
        registry.push(support::REPO, &format!("v1.{minor}.0"));
    }
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, registry.ca_pem()).unwrap();
    // A repository whose only container is nettest (support::REPO).
    let repo = tempfile::tempdir().unwrap();
    let nettest = repo.path().join("containers/nettest");
    std::fs::create_dir_all(&nettest).unwrap();
    std::fs::write(nettest.join("Dockerfile"), "FROM alpine\n").unwrap();

    let shown = |output: String| output.lines().skip(1).count();
    let one = list_tags(&registry.host, Some(&ca))
        .arg("containerName", json!("nettest"))
        .returned_chain()
        .await;
    assert_eq!(shown(one), 10);
    let all = Engine::call("listTags")
        .dir_arg("src", repo.path())
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD))
        .file_arg("registryCa", &ca)
        .returned_chain()
        .await;
    assert_eq!(shown(all.clone()), 4, "{all}");
    assert!(all.contains("v1.11.0"), "newest first: {all}");
}
