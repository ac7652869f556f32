//! `containers`, `version` and `tags` through the recording engine, on the
//! example containers of this repository.

use crate::harness::{Engine, SHA, examples_root};
use serde_json::json;

fn call(function: &str) -> Engine {
    Engine::call(function).dir_arg("src", examples_root())
}

fn version(name: &str, variant: &str) -> Engine {
    call("version")
        .arg("containerName", json!(name))
        .arg("variant", json!(variant))
}

fn tags(name: &str, variant: &str) -> Engine {
    call("tags")
        .arg("containerName", json!(name))
        .arg("commitSha", json!(SHA))
        .arg("variant", json!(variant))
}

#[tokio::test]
async fn containers_lists_every_example_with_its_build_files_and_version() {
    let listing = call("containers").returned_chain().await;
    let lines: Vec<&str> = listing.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{listing}");
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(name))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| panic!("{name} is not listed:\n{listing}"))
    };
    assert_eq!(row("miniflux"), "miniflux dockerfile 2.2.17");
    assert_eq!(row("navidrome"), "navidrome dockerfile v0.60.3");
    assert_eq!(row("transmission"), "transmission dockerfile 4.1.1-r1");
    assert_eq!(row("nettest"), "nettest dockerfile+nix 0.1.0");
    assert_eq!(row("ntfy"), "ntfy dockerfile+nix 2.14.0");
    assert_eq!(row("jq"), "jq nix (from nixpkgs: jq.version)");
}

#[tokio::test]
async fn containers_costs_two_round_trips_besides_the_protocol() {
    let outcome = call("containers").run().await;
    // read call, glob, one batched read of every build file, returnValue
    assert_eq!(outcome.queries.len(), 4, "{:#?}", outcome.queries);
}

#[tokio::test]
async fn version_reads_the_dockerfile_or_the_nix_file() {
    assert_eq!(
        version("miniflux", "dockerfile").returned_chain().await,
        "2.2.17"
    );
    assert_eq!(
        version("transmission", "dockerfile").returned_chain().await,
        "4.1.1-r1"
    );
    assert_eq!(version("ntfy", "nix").returned_chain().await, "2.14.0");
    // nettest's default.nix has no version: the Dockerfile's counts.
    assert_eq!(version("nettest", "nix").returned_chain().await, "0.1.0");
}

#[tokio::test]
async fn version_of_a_nix_only_container_without_a_version_says_what_to_add() {
    let message = version("jq", "nix").returned_error().await;
    assert!(
        message.contains("jq.version") && message.contains("containers/jq/default.nix"),
        "{message}"
    );
}

#[tokio::test]
async fn version_defaults_to_the_dockerfile_variant() {
    let outcome = call("version")
        .arg("containerName", json!("navidrome"))
        .returned_chain()
        .await;
    assert_eq!(outcome, "v0.60.3");
}

#[tokio::test]
async fn tags_are_exactly_what_publish_pushes() {
    assert_eq!(
        tags("miniflux", "dockerfile").returned_chain().await,
        "v2.2.17-0123456"
    );
    assert_eq!(
        tags("navidrome", "dockerfile").returned_chain().await,
        "v0.60.3-0123456"
    );
    assert_eq!(
        tags("nettest", "nix").returned_chain().await,
        "v0.1.0-0123456-nix"
    );
    let with_extra = tags("miniflux", "dockerfile")
        .arg("tags", json!(["latest"]))
        .arg("version", json!("2.3.0"))
        .returned_chain()
        .await;
    assert_eq!(with_extra, "v2.3.0-0123456\nlatest");
}

#[tokio::test]
async fn bad_input_is_refused_before_any_engine_work() {
    let cases = [
        (version("Miniflux", "dockerfile"), "container name"),
        (version("miniflux", "docker"), "--variant=dockerfile"),
        (
            tags("miniflux", "dockerfile").arg("commitSha", json!("main")),
            "--commit-sha",
        ),
    ];
    for (engine, expected) in cases {
        let message = engine.refused_before_engine_work(expected).await;
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn a_missing_container_lists_those_that_exist() {
    let message = tags("no-such", "nix").returned_error().await;
    assert!(
        message.starts_with("containers/no-such/default.nix does not exist"),
        "{message}"
    );
    assert!(message.contains("nettest"), "{message}");
    let message = version("jq", "dockerfile").returned_error().await;
    assert!(message.contains("has a default.nix"), "{message}");
}
