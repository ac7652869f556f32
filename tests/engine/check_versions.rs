//! `check-versions` through the recording engine: the example containers
//! agree (and, without a service-versions.yaml, deployed versions are not
//! compared); the repository shaped like the origin's
//! (`tests/fixtures/origin-ops-repo/`) reports exactly its documented
//! problems in one run; `--base` runs the git script and checks only what
//! changed; the list arguments and their defaults. The nixpkgs evaluation
//! itself runs for real in `tests/real/nix_real.rs`, the git script in
//! `tests/real/git_real.rs`.

use std::path::{Path, PathBuf};

use crate::harness::{Engine, examples_root};
use blumeops_ci::core::check::version_check::NOT_COMPARED;
use blumeops_ci::core::git::{CHANGED_SINCE_SCRIPT, GIT_IMAGE};
use serde_json::json;

fn check(src: &Path) -> Engine {
    Engine::call("checkVersions").dir_arg("src", src)
}

/// The repository shaped like the origin's.
fn origin() -> PathBuf {
    crate::harness::origin_repo::origin_ops_repo()
}

/// check-versions on it, with its host's flake.lock (it has none at the root).
fn check_origin() -> Engine {
    check(&origin()).arg("flakeLock", json!("nixos/ringtail/flake.lock"))
}

/// Needles for the two kinds of exec: git's and Nix's.
const GIT: &str = "alpine/git";
const NIX: &str = "nixos/nix";

/// nixpkgs' answer to the one evaluation the call makes.
fn nixpkgs_says(engine: Engine, versions: serde_json::Value) -> Engine {
    engine.exec_answers_where(NIX, 0, &versions.to_string(), "")
}

/// The execs the call ran whose chain holds `needle`, by their `stdout` leaf.
fn execs(engine: &Engine, needle: &str) -> Vec<String> {
    let leaves = engine.state.lock().unwrap().leaves.clone();
    leaves
        .into_iter()
        .filter(|l| l.contains(needle) && l.ends_with(".stdout"))
        .collect()
}

/// The Nix evaluations the call made.
fn evaluations(engine: &Engine) -> Vec<String> {
    execs(engine, NIX)
}

/// The problems of a failed call: the lines between the first line and the
/// table.
fn problems(message: &str) -> Vec<&str> {
    message
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .skip(1)
        .map(str::trim)
        .collect()
}

/// A row of the table, its cells split at whitespace.
fn row<'a>(table: &'a str, name: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("no row {name} in\n{table}"))
        .split_whitespace()
        .collect()
}

/// The origin's problems, as its README.md documents them.
const ORIGIN_PROBLEMS: &[&str] = &[
    "navidrome: deployed: service-versions.yaml line 39: `navidrome` has no current-version \
     (null): set it to the deployed version",
    "prometheus: versions differ: Dockerfile 3.8.2, deployed 3.8.1",
    "teslamate: Dockerfile: containers/teslamate/Dockerfile has no `ARG \
     CONTAINER_APP_VERSION=<version>`. Add one before the first FROM, e.g. `ARG \
     CONTAINER_APP_VERSION=1.2.3`.",
    "transmission: deployed: service-versions.yaml has no entry `transmission`: add one (`- \
     name: transmission` with its current-version), or pass \
     --service-names=transmission=<service> when the service is named otherwise",
];

#[tokio::test]
async fn the_example_containers_agree_and_deployed_versions_are_not_compared() {
    let engine = nixpkgs_says(check(&examples_root()), json!({"jq": "1.7.1"}));
    let table = engine.returned_chain().await;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("CONTAINER"), "{table}");
    assert_eq!(
        row(&table, "jq"),
        ["jq", "-", "1.7.1", "(not", "compared)", "ok"]
    );
    assert_eq!(
        row(&table, "ntfy"),
        ["ntfy", "2.14.0", "2.14.0", "(not", "compared)", "ok"]
    );
    // nettest is skipped by default.
    assert!(!table.contains("nettest"), "{table}");
    assert_eq!(lines.last(), Some(&NOT_COMPARED), "{table}");
    assert!(
        lines[1..lines.len() - 1].iter().all(|l| l.ends_with(" ok")),
        "{table}"
    );
    // The log says it too, and what was skipped; the defaults that name
    // containers this repository lacks (kubectl, quartz, ...) say nothing.
    let log = engine.log();
    assert_eq!(log[..2], ["not checked (--skip): nettest.", NOT_COMPARED]);
    assert!(
        log[2].starts_with("nixpkgs: ") && log[2].ends_with("from flake.lock (input nixpkgs)"),
        "{log:?}"
    );
    // One evaluation, for the one package the repository does not version.
    let evaluations = evaluations(&engine);
    assert_eq!(evaluations.len(), 1, "{evaluations:#?}");
    assert!(
        evaluations[0].contains(r#""attrs", "jq""#),
        "{}",
        evaluations[0]
    );
}

#[tokio::test]
async fn the_origin_shaped_repository_reports_exactly_its_documented_problems() {
    let engine = nixpkgs_says(check_origin(), json!({"authentik": "2025.4.1"}));
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("the versions are missing or disagree (4 problems):\n  "),
        "{message}"
    );
    assert_eq!(problems(&message), ORIGIN_PROBLEMS, "{message}");

    // Then the table, with every row checked.
    let table = message.split("\n\n").nth(1).unwrap();
    assert_eq!(
        row(table, "quartz"),
        ["quartz", "4.5.2", "-", "4.5.2", "ok"]
    );
    assert_eq!(
        row(table, "kiwix-serve"),
        ["kiwix-serve", "3.7.0", "-", "3.7.0", "ok"]
    );
    assert_eq!(
        row(table, "miniflux"),
        ["miniflux", "2.2.17", "-", "v2.2.17", "ok"]
    );
    assert_eq!(
        row(table, "authentik"),
        ["authentik", "-", "2025.4.1", "2025.4.1", "ok"]
    );
    assert_eq!(
        row(table, "ntfy"),
        ["ntfy", "2.14.0", "2.14.0", "2.14.0", "ok"]
    );
    assert_eq!(
        row(table, "navidrome"),
        ["navidrome", "v0.60.3", "-", "(missing)", "missing"]
    );
    assert_eq!(
        row(table, "prometheus"),
        ["prometheus", "3.8.2", "-", "3.8.1", "mismatch"]
    );
    assert_eq!(
        row(table, "teslamate"),
        ["teslamate", "(missing)", "-", "2.1.1", "missing"]
    );
    assert!(!table.contains("kubectl") && !table.contains("nettest"));
    assert!(!table.contains(NOT_COMPARED));
    let log = engine.log();
    assert_eq!(log[0], "not checked (--skip): kubectl, nettest.");
    assert!(
        log[1].ends_with("from nixos/ringtail/flake.lock (input nixpkgs)"),
        "{log:?}"
    );

    // authentik's version is nixpkgs' (authentik=authentik by default), from
    // the host's lock.
    let evaluations = evaluations(&engine);
    assert_eq!(evaluations.len(), 1, "{evaluations:#?}");
    assert!(
        evaluations[0].contains(r#""attrs", "authentik""#),
        "{}",
        evaluations[0]
    );
}

#[tokio::test]
async fn base_checks_only_the_containers_changed_since_it() {
    let engine = check_origin().exec_answers_where(
        GIT,
        0,
        "README.md\ncontainers/miniflux/Dockerfile\ncontainers/quartz/content/index.md\n",
        "",
    );
    let engine = engine.arg("base", json!("origin/main"));
    let table = engine.returned_chain().await;
    let names: Vec<&str> = table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["miniflux", "quartz"], "{table}");
    assert!(
        engine
            .log()
            .contains(&"changed since origin/main: checking miniflux, quartz.".to_owned()),
        "{:?}",
        engine.log()
    );
    // The script, in the pinned git image, over the repository.
    let git = execs(&engine, GIT);
    assert_eq!(git.len(), 1, "{git:#?}");
    let expected = format!(
        "container.from(address: {image})\
         .withMountedDirectory(path: \"/src\", source: $src).withWorkdir(path: \"/src\")\
         .withExec(args: [\"sh\", \"-c\", {script}, \"sh\", \"origin/main\"]",
        image = serde_json::to_string(GIT_IMAGE).unwrap(),
        script = serde_json::to_string(CHANGED_SINCE_SCRIPT).unwrap(),
    );
    assert!(git[0].starts_with(&expected), "{}", git[0]);
    // Neither container needs nixpkgs.
    assert!(evaluations(&engine).is_empty());
}

#[tokio::test]
async fn base_checks_every_container_when_service_versions_changed() {
    let engine = nixpkgs_says(
        check_origin()
            .arg("base", json!("origin/main"))
            .exec_answers_where(GIT, 0, "service-versions.yaml\n", ""),
        json!({"authentik": "2025.4.1"}),
    );
    let message = engine.returned_error().await;
    assert_eq!(problems(&message), ORIGIN_PROBLEMS, "{message}");
    assert!(
        engine.log().contains(
            &"service-versions.yaml changed since origin/main: checking every container."
                .to_owned()
        ),
        "{:?}",
        engine.log()
    );
}

#[tokio::test]
async fn base_with_nothing_to_check_passes() {
    // Only a skipped container and files outside containers/ changed.
    let engine = check_origin()
        .arg("base", json!("origin/main"))
        .exec_answers_where(
            GIT,
            0,
            "containers/kubectl/Dockerfile\nnixos/ringtail/flake.lock\n",
            "",
        );
    assert_eq!(
        engine.returned_chain().await,
        "no container to check changed since origin/main."
    );
    assert!(
        engine
            .log()
            .contains(&"no container to check changed since origin/main.".to_owned())
    );
}

#[tokio::test]
async fn base_reports_what_git_could_not_do() {
    for (status, stderr, expected) in [
        (3, "", "--src has no git history"),
        (
            4,
            "origin/main\n",
            "git has no revision `origin/main` in --src",
        ),
        (
            5,
            "origin/main\n",
            "git finds no common ancestor of `origin/main` and HEAD in --src",
        ),
    ] {
        let message = check_origin()
            .arg("base", json!("origin/main"))
            .exec_answers_where(GIT, status, "", stderr)
            .returned_error()
            .await;
        assert!(message.starts_with(expected), "{message}");
    }
    let engine = check_origin().arg("base", json!("-x"));
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("--base `-x` is not a git revision"),
        "{message}"
    );
    assert!(execs(&engine, GIT).is_empty());
}

#[tokio::test]
async fn skip_names_and_mappings_replace_the_defaults() {
    // Only ntfy: its default.nix has a version, so no Nix evaluation.
    let engine = check_origin()
        .arg("containerNames", json!(["ntfy", "kubectl"]))
        .arg("skip", json!(["kubectl"]));
    let table = engine.returned_chain().await;
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(engine.state.lock().unwrap().leaves.is_empty());

    // Without the default skip list, nettest is checked, and has no entry.
    let message = check_origin()
        .arg("containerNames", json!(["nettest"]))
        .arg("skip", json!([]))
        .returned_error()
        .await;
    assert_eq!(
        problems(&message),
        [
            "nettest: deployed: service-versions.yaml has no entry `nettest`: add one (`- name: \
          nettest` with its current-version), or pass --service-names=nettest=<service> when \
          the service is named otherwise"
        ],
        "{message}"
    );
    // nettest's Nix image takes its Dockerfile's version.
    assert!(message.contains("(= Dockerfile)"), "{message}");

    // --service-names replaces the defaults: quartz is then looked up as itself.
    let message = check_origin()
        .arg("containerNames", json!(["quartz", "transmission"]))
        .arg("serviceNames", json!(["transmission=torrents"]))
        .returned_error()
        .await;
    let found = problems(&message);
    assert_eq!(found.len(), 2, "{message}");
    assert!(
        found[0].starts_with("quartz: deployed: service-versions.yaml has no entry `quartz`"),
        "{message}"
    );
    assert!(
        found[1].ends_with("(container `transmission` is service `torrents` by --service-names)"),
        "{message}"
    );

    // --nix-packages names the package nixpkgs is asked for.
    let engine = nixpkgs_says(
        check_origin()
            .arg("containerNames", json!(["authentik"]))
            .arg("nixPackages", json!(["authentik=authentik_2025"])),
        json!({"authentik_2025": "2025.4.1"}),
    );
    let table = engine.returned_chain().await;
    assert_eq!(row(&table, "authentik")[2], "2025.4.1", "{table}");
    assert!(evaluations(&engine)[0].contains(r#""attrs", "authentik_2025""#));
}

#[tokio::test]
async fn unknown_names_of_the_conventions_are_ignored_and_logged() {
    let engine = check_origin()
        .arg("containerNames", json!(["ntfy"]))
        .arg("skip", json!(["kubectl", "nettst"]))
        .arg("serviceNames", json!(["quartz=docs", "grafana=monitoring"]))
        .arg("nixPackages", json!(["miniflux=miniflux"]));
    engine.returned_chain().await;
    assert_eq!(
        engine.log(),
        [
            "--skip names `nettst`, which is not a container of --src: ignored.",
            "--service-names names `grafana`, which is not a container of --src: ignored.",
            "--nix-packages names `miniflux`, which is not a container with a default.nix of \
             --src: ignored.",
            "not checked (--skip): kubectl.",
        ]
    );
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_engine_work() {
    for (arg, value, expected) in [
        (
            "containerNames",
            json!(["nope"]),
            "--container-names names `nope`, which is not a container of --src.",
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
        (
            "serviceNames",
            json!(["quartz"]),
            "--service-names entry `quartz` is not container=service (e.g. quartz=docs).",
        ),
        (
            "serviceNames",
            json!(["quartz=docs", "quartz=site"]),
            "--service-names maps `quartz` twice",
        ),
        (
            "skip",
            json!(["Kubectl"]),
            "--skip: `Kubectl` is not a valid container name",
        ),
    ] {
        let message = check_origin().arg(arg, value).returned_error().await;
        assert!(message.starts_with(expected), "{arg}: {message}");
    }
}

/// A copy of the origin-shaped repository to break.
fn origin_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::harness::origin_repo::assemble(dir.path());
    dir
}

#[tokio::test]
async fn a_broken_service_versions_file_names_its_line() {
    let repo = origin_copy();
    std::fs::write(
        repo.path().join("service-versions.yaml"),
        "services:\n  - name: docs\n    current-version: 4.5.2\n  - type: argocd\n",
    )
    .unwrap();
    let message = check(repo.path()).returned_error().await;
    assert_eq!(
        message,
        "service-versions.yaml line 4: an entry of `services` has no `name`: give it `name: \
         <service>`."
    );
}

#[tokio::test]
async fn no_service_versions_file_is_said_not_failed() {
    let repo = origin_copy();
    std::fs::remove_file(repo.path().join("service-versions.yaml")).unwrap();
    let engine = nixpkgs_says(
        check(repo.path()).arg("flakeLock", json!("nixos/ringtail/flake.lock")),
        json!({"authentik": "2025.4.1"}),
    );
    let message = engine.returned_error().await;
    // Only teslamate's missing ARG is left.
    assert_eq!(problems(&message).len(), 1, "{message}");
    assert!(message.trim_end().ends_with(NOT_COMPARED), "{message}");
    assert!(engine.log().contains(&NOT_COMPARED.to_owned()));
}

/// The origin's layout keeps no root flake.lock: without --flake-lock,
/// check-versions (and `dagger check`) takes nixpkgs from
/// nixos/ringtail/flake.lock, the lock of the default --flake-path (the
/// nixpkgs the origin's Nix host built with), and the log names it; the
/// flake registry is not asked.
#[tokio::test]
async fn without_a_root_lock_the_host_lock_pins_nixpkgs_and_the_log_names_it() {
    let engine = nixpkgs_says(check(&origin()), json!({"authentik": "2025.4.1"}));
    let message = engine.returned_error().await;
    assert_eq!(problems(&message), ORIGIN_PROBLEMS, "{message}");
    let log = engine.log();
    assert!(
        log.iter().any(|l| l
            == "nixpkgs: https://github.com/NixOS/nixpkgs/archive/\
                1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz \
                (sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=), from \
                nixos/ringtail/flake.lock (input nixpkgs)"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("no root flake.lock, so nixos/ringtail/flake.lock pins it")),
        "{log:?}"
    );
    assert!(!log.join("\n").contains("unpinned"), "{log:?}");
    let execs = execs(&engine, NIX);
    assert!(
        execs.iter().all(|e| !e.contains("\"metadata\"")),
        "the registry was asked: {execs:#?}"
    );
}

/// Without that lock either, check-versions still runs, with the flake
/// registry's nixpkgs, and the log says it is unpinned and what was looked
/// for.
#[tokio::test]
async fn without_any_lock_the_registry_answers_and_the_check_still_runs() {
    let repo = origin_copy();
    std::fs::remove_file(repo.path().join("nixos/ringtail/flake.lock")).unwrap();
    let metadata = json!({
        "locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs",
            "rev": "0123456789abcdef0123456789abcdef01234567",
            "narHash": "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4="},
        "url": "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"
    });
    let engine = check(repo.path())
        .exec_answers_where("\"metadata\"", 0, &metadata.to_string(), "")
        .exec_answers_where(
            "nix-instantiate",
            0,
            &json!({"authentik": "2025.4.1"}).to_string(),
            "",
        );
    let message = engine.returned_error().await;
    assert_eq!(problems(&message), ORIGIN_PROBLEMS, "{message}");
    let log = engine.log().join("\n");
    assert!(log.contains("unpinned"), "{log}");
    assert!(
        log.contains("no root flake.lock and no nixos/ringtail/flake.lock"),
        "{log}"
    );
}
