//! `flake-lock`, `flake-update` and `validate-workflows` through the
//! recording engine: the exact pipelines (image, `/nix` cache volume and
//! its seed, env, repository mount, workdir, the exact exec arguments, the
//! returned file), and how each tool's outcome reaches the user. The flake
//! script runs for real in `tests/real/flake_real.rs`; `forgejo-runner` is not
//! available here, so its command line and output are scripted from its
//! source (`internal/app/cmd/validate.go`).

use crate::harness::chains::{exec, nix_container_of, q};
use crate::harness::{Engine, crate_root, examples_root};
use blumeops_ci::core::nix::build::DEFAULT_NIX_IMAGE;
use blumeops_ci::core::nix::flake::{self, FlakeCommand, LOCK_SCRIPT};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::spec::CachePolicy;
use blumeops_ci::pipelines::exec::FRESH_VARIABLE;
use serde_json::json;

fn fixture() -> std::path::PathBuf {
    crate_root().join("tests/fixtures/flakes")
}

/// The value the call gave [`FRESH_VARIABLE`] in `chain` (its only
/// varying part), and the chain with it replaced by `<fresh>`.
fn fresh_value(chain: &str) -> (String, String) {
    let marker = format!("withEnvVariable(name: {}, value: \"", q(FRESH_VARIABLE));
    let start = chain.find(&marker).expect("the exec is made fresh") + marker.len();
    let len = chain[start..].find('"').unwrap();
    let value = chain[start..start + len].to_owned();
    (value.clone(), chain.replacen(&value, "<fresh>", 1))
}

fn flake(function: &str, src: &std::path::Path) -> Engine {
    Engine::call(function).dir_arg("src", src)
}

const UPDATED: &str = "warning: updating lock file '/src/nixos/ringtail/flake.lock':\n\
                       • Updated input 'stand-in':\n    'path:/x?narHash=sha256-a' (2026-01-01)\n  \
                       → 'path:/x?narHash=sha256-b' (2026-02-01)\n";

#[tokio::test]
async fn flake_lock_runs_in_the_flake_folder_and_returns_its_lock() {
    let engine = flake("flakeLock", &fixture()).exec_answers(0, "", "");
    let chain = engine.returned_chain().await;
    let (value, chain) = fresh_value(&chain);
    assert_eq!(
        chain,
        format!(
            "{}.withWorkdir(path: \"/src/nixos/ringtail\")\
             .withEnvVariable(name: {}, value: \"<fresh>\"){}\
             .file(path: \"/src/nixos/ringtail/flake.lock\")",
            nix_container_of(DEFAULT_NIX_IMAGE),
            q(FRESH_VARIABLE),
            exec(&flake::lock_argv(FlakeCommand::Lock))
        )
    );
    assert_eq!(
        flake::lock_argv(FlakeCommand::Lock),
        ["sh", "-c", LOCK_SCRIPT, "sh", "lock"]
    );
    assert!(
        value.chars().all(|c| c.is_ascii_digit() || c == '-') && value.len() > 10,
        "{value}"
    );
    assert_eq!(engine.log(), ["nixos/ringtail/flake.lock: unchanged"]);
}

#[tokio::test]
async fn flake_update_at_the_root_with_another_image_says_what_changed() {
    let image = "nixos/nix:2.33.3@sha256:0123abcd";
    let engine = flake("flakeUpdate", &examples_root())
        .arg("flakePath", json!("."))
        .arg("nixImage", json!(image))
        .exec_answers(0, "", UPDATED);
    let (_, chain) = fresh_value(&engine.returned_chain().await);
    assert_eq!(
        chain,
        format!(
            "{}.withWorkdir(path: \"/src\")\
             .withEnvVariable(name: {}, value: \"<fresh>\"){}\
             .file(path: \"/src/flake.lock\")",
            nix_container_of(image),
            q(FRESH_VARIABLE),
            exec(&flake::lock_argv(FlakeCommand::Update))
        )
    );
    assert_eq!(
        engine.log(),
        [
            "flake.lock: written",
            "  • Updated input 'stand-in':",
            "  'path:/x?narHash=sha256-a' (2026-01-01)",
            "  → 'path:/x?narHash=sha256-b' (2026-02-01)",
        ]
    );
}

#[tokio::test]
async fn every_call_asks_nix_again() {
    let mut values = Vec::new();
    for _ in 0..2 {
        let engine = flake("flakeUpdate", &fixture()).exec_answers(0, "", "");
        values.push(fresh_value(&engine.returned_chain().await).0);
    }
    assert_ne!(values[0], values[1], "two calls would share a cached exec");
    let policy = |name: &str| FUNCTIONS.iter().find(|f| f.name == name).unwrap().cache;
    assert_eq!(policy("flakeLock"), CachePolicy::Never);
    assert_eq!(policy("flakeUpdate"), CachePolicy::Never);
    assert_eq!(policy("validateWorkflows"), CachePolicy::Default);
}

#[tokio::test]
async fn nix_failures_are_explained() {
    // (exit status, Nix's stderr, what the user reads first)
    let cases = [
        (
            1,
            "error: syntax error, unexpected ';'\n\n       at /nix/store/x-source/flake.nix:1:25:",
            "`nix flake update` failed on nixos/ringtail/flake.nix (exit status 1): Nix could not \
             evaluate or lock it.\nerror: syntax error, unexpected ';'",
        ),
        (
            1,
            "error: unable to download 'https://api.github.com/repos/NixOS/nixpkgs/commits/nixos-unstable': Couldn't resolve host name (6)",
            "`nix flake update` could not fetch an input of nixos/ringtail/flake.nix:\nerror: unable to download",
        ),
        (
            flake::NO_LOCK_EXIT,
            "",
            "`nix flake update` left no nixos/ringtail/flake.lock: nixos/ringtail/flake.nix declares no inputs",
        ),
        (
            137,
            "Killed",
            "`nix flake update` in nixos/ringtail was killed by signal 9 (SIGKILL, exit status 137)",
        ),
    ];
    for (code, stderr, expected) in cases {
        let message = flake("flakeUpdate", &fixture())
            .exec_answers(code, "", stderr)
            .returned_error()
            .await;
        assert!(message.starts_with(expected), "{code}: {message}");
    }
}

#[tokio::test]
async fn a_lock_nix_declined_to_write_is_not_returned() {
    let message = flake("flakeLock", &fixture())
        .exec_answers(
            0,
            "",
            "warning: will not write lock file of flake 'path:/src/nixos/ringtail' because it has an unlocked input ('git+file:///x')",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with("`nix flake lock` did not write nixos/ringtail/flake.lock:"),
        "{message}"
    );
}

#[tokio::test]
async fn a_folder_without_flake_nix_or_outside_the_repository_runs_nothing() {
    let cases = [
        (
            "nixos",
            "--flake-path `nixos` has no flake.nix: nixos/flake.nix does not exist in --src.",
        ),
        (
            "../ringtail",
            "--flake-path `../ringtail` is not a folder inside the repository",
        ),
        (
            "/etc/nixos",
            "--flake-path `/etc/nixos` is not a folder inside the repository",
        ),
    ];
    for (path, expected) in cases {
        let engine = flake("flakeLock", &fixture()).arg("flakePath", json!(path));
        let message = engine.returned_error().await;
        assert!(message.starts_with(expected), "{path}: {message}");
        assert!(engine.state.lock().unwrap().exec_steps.is_empty(), "{path}");
    }
    // The default folder, in a repository that has no such flake.
    let message = flake("flakeUpdate", &examples_root())
        .returned_error()
        .await;
    assert!(
        message.starts_with("--flake-path `nixos/ringtail` has no flake.nix"),
        "{message}"
    );
}

fn validate(src: &std::path::Path) -> Engine {
    Engine::call("validateWorkflows").dir_arg("src", src)
}

const VALIDATED: &str = ".forgejo/workflows/containers.yml workflow schema validation OK\n";

#[tokio::test]
async fn validate_workflows_runs_the_validator_over_the_repository() {
    // The example CI to copy holds .forgejo/workflows/.
    let engine =
        validate(&examples_root().join("examples/ops-repo")).exec_answers(0, VALIDATED, "");
    assert_eq!(engine.returned_chain().await, VALIDATED.trim_end());
    let steps: Vec<String> = engine
        .state
        .lock()
        .unwrap()
        .exec_steps
        .iter()
        .map(|(chain, _)| chain.clone())
        .collect();
    assert_eq!(
        steps,
        [
            "container.from(address: \"code.forgejo.org/forgejo/runner:12.7.0\")\
          .withMountedDirectory(path: \"/src\", source: $src).withWorkdir(path: \"/src\")\
          .withExec(args: [\"forgejo-runner\", \"validate\", \"--directory\", \".\"])"
        ]
    );
    let check = FUNCTIONS
        .iter()
        .find(|f| f.name == "validateWorkflows")
        .unwrap();
    assert!(check.check, "validate-workflows only verifies");
}

#[tokio::test]
async fn another_runner_version_is_another_image() {
    let engine = validate(&fixture())
        .arg("runnerVersion", json!("11.1.2"))
        .exec_answers(0, VALIDATED, "");
    engine.returned_chain().await;
    let state = engine.state.lock().unwrap();
    assert!(
        state.exec_steps[0]
            .0
            .starts_with("container.from(address: \"code.forgejo.org/forgejo/runner:11.1.2\")"),
        "{:?}",
        state.exec_steps
    );
}

#[tokio::test]
async fn a_schema_failure_is_an_error_carrying_the_validator_output() {
    let stdout = "action.yml action schema validation OK\n\
                  .forgejo/workflows/ci.yml workflow schema validation failed:\n\
                  Line: 5 Column 5: Failed to match job-factory: Line: 5 Column 5: Unknown Property ruins-on\n";
    let message = validate(&fixture())
        .exec_answers(
            1,
            stdout,
            "Error: .forgejo/workflows/ci.yml workflow schema validation failed",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with(
            "1 of 2 Forgejo Actions files fail the schema of forgejo-runner 12.7.0: \
             .forgejo/workflows/ci.yml.\n"
        ),
        "{message}"
    );
    assert!(message.contains("Unknown Property ruins-on"), "{message}");
    assert!(
        message.contains("action.yml action schema validation OK"),
        "{message}"
    );
}

#[tokio::test]
async fn a_runner_without_validate_directory_says_to_pick_a_newer_one() {
    let message = validate(&fixture())
        .arg("runnerVersion", json!("9.1.0"))
        .exec_answers(
            1,
            "",
            "Error: unknown flag: --directory\nUsage:\n  forgejo-runner validate [flags]",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with("forgejo-runner 9.1.0 has no `validate --directory`"),
        "{message}"
    );
}

#[tokio::test]
async fn no_workflows_or_a_bad_version_runs_nothing() {
    let empty = tempfile::tempdir().unwrap();
    let engine = validate(empty.path());
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("--src has no workflow to validate: .forgejo/workflows/ holds no"),
        "{message}"
    );
    assert!(engine.state.lock().unwrap().exec_steps.is_empty());

    for bad in ["v12.7.0", "12.7.0; rm -rf /", "latest"] {
        let engine = validate(&fixture()).arg("runnerVersion", json!(bad));
        let message = engine.returned_error().await;
        assert!(
            message.starts_with("--runner-version `"),
            "{bad}: {message}"
        );
        assert!(engine.state.lock().unwrap().exec_steps.is_empty());
    }
}
