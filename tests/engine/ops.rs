//! The ops helpers through the recording engine: the git pipeline each
//! builds, and how its script's output and exit status reach the user.

use crate::harness::{Engine, examples_root};
use blumeops_ci::core::git::{CHANGED_SCRIPT, GIT_IMAGE};
use serde_json::json;

fn changed(base: &str) -> Engine {
    Engine::call("changedContainers")
        .dir_arg("src", examples_root())
        .arg("base", json!(base))
}

/// The chain of the container the git script ran in.
fn script_chain(engine: &Engine) -> String {
    let state = engine.state.lock().unwrap();
    let chains: Vec<String> = state.minted.iter().map(|o| o.chain()).collect();
    chains
        .into_iter()
        .find(|c| c.contains(".withExec(args: [\"sh\""))
        .expect("a script ran")
}

#[tokio::test]
async fn changed_containers_runs_the_git_script_in_the_pinned_image() {
    let output = "containers/miniflux/Dockerfile\ncontainers/gone/Dockerfile\n--\ncontainers/miniflux/Dockerfile\n";
    let engine = changed("abc1234").exec_answers(0, output, "");
    assert_eq!(engine.returned_chain().await, r#"["miniflux"]"#);
    let expected = format!(
        "container.from(address: {image})\
         .withMountedDirectory(path: \"/src\", source: $src).withWorkdir(path: \"/src\")\
         .withExec(args: [\"sh\", \"-c\", {script}, \"sh\", \"abc1234\", \"HEAD\"])",
        image = serde_json::to_string(GIT_IMAGE).unwrap(),
        script = serde_json::to_string(CHANGED_SCRIPT).unwrap(),
    );
    assert_eq!(script_chain(&engine), expected);
}

#[tokio::test]
async fn a_src_without_git_history_says_how_to_pass_it() {
    let message = changed("abc1234")
        .exec_answers(3, "", "")
        .returned_error()
        .await;
    assert!(message.starts_with("--src has no git history"), "{message}");
}

#[tokio::test]
async fn an_unknown_revision_is_named() {
    let message = changed("no-such")
        .exec_answers(4, "", "no-such\n")
        .returned_error()
        .await;
    assert!(
        message.starts_with("git has no revision `no-such`"),
        "{message}"
    );
}

#[tokio::test]
async fn an_option_like_revision_never_reaches_git() {
    let message = changed("--output=/tmp/x")
        .refused_before_engine_work("--base=--output=/tmp/x")
        .await;
    assert!(
        message.starts_with("--base `--output=/tmp/x` is not a git revision"),
        "{message}"
    );
}
