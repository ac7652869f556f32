//! The drop-in: the Python module's command lines, as its users typed them
//! (docs/how-to.md, "Migrate from the Python module"), run unchanged on a
//! repository shaped like its ops repository (`tests/fixtures/origin-ops-repo`:
//! no root flake.lock, a host's lock, Dockerfiles without the version ARG,
//! service-versions.yaml), with the module installed in it as the origin
//! was (so a left-out `--src` is that repository). Each line either works
//! or fails with the error the docs describe.
//!
//! The lines go through a small stand-in for the Dagger CLI
//! (`tests/harness/cli.rs`): the function and each `--flag=value` are
//! checked against the function table and passed as the CLI passes them (a
//! directory for `--src`, a secret for `env:NAME`, a list for
//! comma-separated values). What the engine would
//! run is scripted: the flake registry's nixpkgs, Nix's answers, the
//! validator's, and a real registry (Debian's `docker-registry`) stands in
//! for registry.ops.eblu.me where a line reads or pushes to one.

use crate::harness::registry as support;

use std::path::PathBuf;

use crate::harness::cli::{call as cli, call_with_secret, outcome};
use crate::harness::{Engine, SHA};
use serde_json::json;

fn repo() -> PathBuf {
    crate::harness::origin_repo::origin_ops_repo()
}

/// What `nix flake metadata --json nixpkgs` prints in the Nix image.
const REGISTRY: &str = r#"{"locked": {"type": "github", "owner": "NixOS",
    "repo": "nixpkgs", "rev": "0123456789abcdef0123456789abcdef01234567",
    "narHash": "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4="},
    "url": "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"}"#;

/// The execs a Nix line runs, answered as the engine would.
fn nix_answers(engine: Engine) -> Engine {
    engine
        .exec_answers_where("\"metadata\"", 0, REGISTRY, "")
        .exec_answers_where("nix-instantiate", 0, r#"{"authentik":"2025.4.1"}"#, "")
        .exec_answers(0, "archive image.tar", "")
}

#[tokio::test]
async fn build_builds_any_dockerfile_the_repository_has() {
    for name in ["miniflux", "teslamate", "kubectl", "quartz"] {
        let line = format!("dagger call build --src=. --container-name={name}");
        let chain = outcome(&cli(&line, &repo())).await.unwrap();
        assert!(chain.contains(".dockerBuild("), "{line}: {chain}");
    }
}

#[tokio::test]
async fn build_nix_and_nix_version_work_without_a_root_lock_and_say_so() {
    let engine = nix_answers(cli(
        "dagger call build-nix --src=. --container-name=ntfy export --path=./ntfy.tar.gz",
        &repo(),
    ));
    let chain = outcome(&engine).await.unwrap();
    assert!(
        chain.ends_with(".file(path: \"/out/image.tar\")"),
        "{chain}"
    );
    // No root lock: the host's lock pins nixpkgs, as on the origin's Nix
    // host, and the log names it.
    let log = engine.log();
    assert!(
        log[0].ends_with("from nixos/ringtail/flake.lock (input nixpkgs)")
            && log[1].contains("no root flake.lock, so nixos/ringtail/flake.lock pins it"),
        "{log:?}"
    );

    // The origin's nix-version had no --src, and read no repository: the
    // flake registry answered, as it does here, and the log says how to
    // get the repository's pin.
    let engine = nix_answers(cli("dagger call nix-version --package=authentik", &repo()));
    assert_eq!(outcome(&engine).await.unwrap(), "2025.4.1");
    let log = engine.log();
    assert!(
        log[0].contains("from the flake registry") && log[1].contains("pass --src=."),
        "{log:?}"
    );

    // Pinning it with the host's lock, read from --src.
    let engine = nix_answers(cli(
        "dagger call nix-version --src=. --package=authentik --flake-lock=nixos/ringtail/flake.lock",
        &repo(),
    ));
    assert_eq!(outcome(&engine).await.unwrap(), "2025.4.1");
    assert!(engine.log()[0].ends_with("from nixos/ringtail/flake.lock (input nixpkgs)"));
}

#[tokio::test]
async fn publish_takes_the_origins_line_and_needs_a_version_only_where_none_is_declared() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    // The registry of the test stands in for registry.ops.eblu.me.
    let to_test_registry = format!(
        "--registry={} --registry-username={} --registry-ca={}",
        registry.host,
        support::USER,
        ca.display()
    );
    let line = format!(
        "dagger call publish --src=. --container-name=miniflux --version=2.2.17 \
         --commit-sha={SHA} --registry-password=env:ZOT_CI_API_KEY {to_test_registry}"
    );
    let engine = call_with_secret(&line, &repo(), support::PASSWORD)
        .stub("publish", json!("pushed@sha256:1"));
    assert_eq!(outcome(&engine).await.unwrap(), "pushed@sha256:1");
    assert!(engine.leaves("publish")[0].ends_with("/blumeops/miniflux:v2.2.17-0123456\")"));

    // teslamate declares no version: the error says both ways to give one...
    let line = format!(
        "dagger call publish --src=. --container-name=teslamate --commit-sha={SHA} \
         --registry-password=env:ZOT_CI_API_KEY {to_test_registry}"
    );
    let message = outcome(&call_with_secret(&line, &repo(), support::PASSWORD))
        .await
        .unwrap_err();
    assert!(message.contains("--version=<version>"), "{message}");
    // ...and the origin's line, which always passed --version, works.
    let line = format!(
        "dagger call publish --src=. --container-name=teslamate --version=2.1.1 \
         --commit-sha={SHA} --registry-password=env:ZOT_CI_API_KEY {to_test_registry}"
    );
    let engine = call_with_secret(&line, &repo(), support::PASSWORD)
        .stub("publish", json!("pushed@sha256:2"));
    assert_eq!(outcome(&engine).await.unwrap(), "pushed@sha256:2");
}

#[tokio::test]
async fn publish_nix_replaces_the_skopeo_step() {
    let line = format!(
        "dagger call publish-nix --src=. --container-name=authentik --commit-sha={SHA} --dry-run"
    );
    let engine = nix_answers(cli(&line, &repo()));
    let output = outcome(&engine).await.unwrap();
    assert!(
        output.starts_with("registry.ops.eblu.me/blumeops/authentik:v2025.4.1-0123456-nix"),
        "{output}"
    );
}

#[tokio::test]
async fn the_flake_helpers_and_the_workflow_check_take_the_origins_lines() {
    for line in [
        "dagger call flake-lock --src=. --flake-path=nixos/ringtail",
        "dagger call flake-update --src=. --flake-path=nixos/ringtail",
    ] {
        let engine = cli(line, &repo()).exec_answers(0, "", "");
        let chain = outcome(&engine).await.unwrap();
        assert!(
            chain.ends_with(".file(path: \"/src/nixos/ringtail/flake.lock\")"),
            "{line}: {chain}"
        );
    }
    let engine = cli(
        "dagger call validate-workflows --src=. --runner-version=12.7.0",
        &repo(),
    )
    .exec_answers(0, ".forgejo/workflows/containers.yml is valid\n", "");
    let output = outcome(&engine).await.unwrap();
    assert!(output.contains("containers.yml"), "{output}");
}

#[tokio::test]
async fn check_versions_reports_the_repositorys_real_problems() {
    let engine = nix_answers(cli("dagger call check-versions --src=.", &repo()));
    let message = outcome(&engine).await.unwrap_err();
    assert!(
        message.starts_with("the versions are missing or disagree (4 problems):"),
        "{message}"
    );
}

#[tokio::test]
async fn the_helpers_list_and_describe_the_repository() {
    let listing = outcome(&cli("dagger call containers --src=.", &repo()))
        .await
        .unwrap();
    assert!(
        listing.contains("teslamate") && listing.contains("authentik"),
        "{listing}"
    );
    let tags = outcome(&cli(
        &format!("dagger call tags --src=. --container-name=navidrome --commit-sha={SHA}"),
        &repo(),
    ))
    .await
    .unwrap();
    assert_eq!(tags, "v0.60.3-0123456");
    let changed = cli(
        "dagger call changed-containers --src=. --base=origin/main",
        &repo(),
    )
    .exec_answers(
        0,
        "containers/miniflux/Dockerfile\n--\ncontainers/miniflux/Dockerfile\n",
        "",
    );
    assert_eq!(outcome(&changed).await.unwrap(), r#"["miniflux"]"#);
}

/// Every line above names functions and flags the table has: the
/// stand-in CLI panics otherwise, so a renamed flag fails here first.
#[test]
fn the_stand_in_cli_refuses_what_the_real_one_would() {
    let result = std::panic::catch_unwind(|| cli("dagger call build --no-such=1", &repo()));
    assert!(result.is_err());
}
