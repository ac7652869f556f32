//! `check-versions` through the recording engine: the example containers
//! agree; a mismatch, a missing ARG and a disagreeing VERSION file are all
//! reported in one run; `--skip`, `--container-names` and `--nix-packages`.
//! The nixpkgs evaluation itself runs for real in `tests/nix_real.rs`.

mod harness;

use std::path::Path;

use harness::{Engine, examples_root};
use serde_json::json;

fn check(src: &Path) -> Engine {
    Engine::call("checkVersions").dir_arg("src", src)
}

/// nixpkgs' answer to the one evaluation the call makes.
fn nixpkgs_says(engine: Engine, versions: serde_json::Value) -> Engine {
    engine.exec_answers(0, &versions.to_string(), "")
}

/// A copy of the example containers to break.
fn examples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(examples_root().join("containers")).unwrap() {
        let from = entry.unwrap().path();
        let to = dir
            .path()
            .join("containers")
            .join(from.file_name().unwrap());
        std::fs::create_dir_all(&to).unwrap();
        for file in std::fs::read_dir(&from).unwrap() {
            let file = file.unwrap().path();
            std::fs::copy(&file, to.join(file.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(
        examples_root().join("flake.lock"),
        dir.path().join("flake.lock"),
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn the_example_containers_agree() {
    let engine = nixpkgs_says(
        check(&examples_root()),
        json!({"jq": "1.7.1", "nettest": null}),
    );
    let table = engine.returned_chain().await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("CONTAINER"), "{table}");
    for (name, row) in [
        (
            "jq",
            "jq                   -           1.7.1           -             ok",
        ),
        (
            "nettest",
            "nettest              0.1.0       (= Dockerfile)  -             ok",
        ),
        (
            "ntfy",
            "ntfy                 2.14.0      2.14.0          -             ok",
        ),
    ] {
        let line = lines.iter().find(|l| l.starts_with(name)).unwrap();
        assert_eq!(
            line.split_whitespace().collect::<Vec<_>>(),
            row.split_whitespace().collect::<Vec<_>>()
        );
    }
    assert!(lines.iter().skip(1).all(|l| l.ends_with(" ok")), "{table}");
    // One evaluation, for both packages the repository does not version.
    let leaves = engine.state.lock().unwrap().leaves.clone();
    let evaluations: Vec<&String> = leaves.iter().filter(|l| l.ends_with(".stdout")).collect();
    assert_eq!(evaluations.len(), 1, "{evaluations:#?}");
    assert!(
        evaluations[0].contains(r#""attrs", "jq nettest""#),
        "{}",
        evaluations[0]
    );
}

#[tokio::test]
async fn every_problem_is_reported_in_one_run() {
    let repo = examples();
    let c = repo.path().join("containers");
    std::fs::write(
        c.join("ntfy/default.nix"),
        "{ pkgs ? import <nixpkgs> {} }:\nlet version = \"2.15.0\"; in pkgs.hello\n",
    )
    .unwrap();
    std::fs::write(c.join("miniflux/Dockerfile"), "FROM alpine:3.20\n").unwrap();
    std::fs::write(c.join("loki/VERSION"), "3.4.0\n").unwrap();
    let message = nixpkgs_says(check(repo.path()), json!({"jq": "1.7.1", "nettest": null}))
        .returned_error()
        .await;
    assert!(
        message.starts_with("the versions do not agree (3 problems):\n  "),
        "{message}"
    );
    assert!(
        message.contains("ntfy: versions differ: Dockerfile 2.14.0, nix 2.15.0"),
        "{message}"
    );
    assert!(message.contains("miniflux: Dockerfile: containers/miniflux/Dockerfile has no `ARG CONTAINER_APP_VERSION=<version>`"), "{message}");
    assert!(
        message.contains("loki: versions differ: Dockerfile "),
        "{message}"
    );
    assert!(message.contains(", VERSION 3.4.0"), "{message}");
    // Then the table, with every row.
    assert!(message.contains("\n\nCONTAINER "), "{message}");
    assert!(
        message
            .lines()
            .any(|l| l.starts_with("miniflux") && l.ends_with("missing")),
        "{message}"
    );
}

#[tokio::test]
async fn skip_names_and_package_mappings() {
    // Only ntfy, with its nixpkgs package named: no Nix evaluation needed
    // because default.nix has a version.
    let engine = check(&examples_root())
        .arg("containerNames", json!(["ntfy", "jq"]))
        .arg("skip", json!(["jq"]));
    let table = engine.returned_chain().await;
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(engine.state.lock().unwrap().leaves.is_empty());

    let engine = nixpkgs_says(
        check(&examples_root())
            .arg("containerNames", json!(["jq"]))
            .arg("nixPackages", json!(["jq=jq-bin"])),
        json!({"jq-bin": "1.8.0"}),
    );
    let table = engine.returned_chain().await;
    assert!(table.lines().nth(1).unwrap().contains("1.8.0"), "{table}");
}

#[tokio::test]
async fn unknown_names_are_refused_with_the_list() {
    for (arg, value, expected) in [
        (
            "containerNames",
            json!(["nope"]),
            "--container-names names `nope`, which is not a container of --src.",
        ),
        (
            "skip",
            json!(["nope"]),
            "--skip names `nope`, which is not a container of --src.",
        ),
        (
            "nixPackages",
            json!(["miniflux=miniflux"]),
            "--nix-packages names `miniflux`, which is not a container with a default.nix of --src.",
        ),
        (
            "nixPackages",
            json!(["jq"]),
            "--nix-packages entry `jq` is not container=attribute",
        ),
        (
            "nixPackages",
            json!(["jq=a b"]),
            "--nix-packages: `a b` is not a nixpkgs attribute path",
        ),
    ] {
        let message = check(&examples_root())
            .arg(arg, value)
            .returned_error()
            .await;
        assert!(message.starts_with(expected), "{arg}: {message}");
    }
}
