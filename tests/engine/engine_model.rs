//! What a real engine does that a naive stand-in would not, taught to the
//! recording engine (`tests/harness/`) and checked against the module:
//!
//! - an exec whose exit status its `expect` does not allow is an error
//!   with `_type: EXEC_ERROR` extensions (exit code, and stdout and stderr
//!   trimmed and cut to their last 100 KiB behind `[omitting N bytes]...`);
//!   under `expect: ANY` the status is a value, except 128-191 (a signal),
//!   which is an error under every `expect` (the engine's
//!   `ReturnTypes.ReturnCodes`, core/container.go, v0.21.8);
//! - the engine caches every exec its `expect` allows, so the module runs
//!   every command under the default `expect`: a failure is never cached;
//! - a command killed by a signal is explained in one line, not quoted as
//!   the engine's raw error;
//! - what the module and `--src` upload.

use crate::harness;

use crate::harness::{Engine, engine_kept, examples_root};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::Default;
use serde_json::{Value, json};

/// Runs `query` against `engine` as the module would, expecting an error.
fn refused(engine: &Engine, query: &str) -> harness::Refusal {
    engine
        .answer(query)
        .expect_err("the engine should refuse the query")
}

/// A container with one exec, `expect` as given, and its ID.
fn exec_id(engine: &Engine, expect: Option<&str>) -> String {
    let expect = expect.map(|e| format!(", expect: {e}")).unwrap_or_default();
    let query = format!(
        "query{{container{{from(address: \"alpine\"){{withExec(args: [\"sh\", \"-c\", \"exit 3\"]{expect}){{id}}}}}}}}"
    );
    let data = engine.answer(&query).expect("an id costs no exec");
    data.pointer("/container/from/withExec/id")
        .and_then(Value::as_str)
        .unwrap()
        .to_owned()
}

fn outcome_query(id: &str) -> String {
    format!("query{{node: loadContainerFromID(id: \"{id}\"){{exitCode stdout stderr}}}}")
}

#[test]
fn a_failed_exec_is_an_error_with_its_outcome_under_the_default_expect() {
    let engine = Engine::call("build").exec_answers(3, "out\n", "  err  \n");
    let id = exec_id(&engine, None);
    let refusal = refused(&engine, &outcome_query(&id));
    assert!(
        refusal
            .message
            .ends_with("did not complete successfully: exit code: 3"),
        "{}",
        refusal.message
    );
    assert_eq!(
        refusal.extensions,
        Some(json!({
            "_type": "EXEC_ERROR",
            "cmd": ["sh", "-c", "exit 3"],
            "exitCode": 3,
            "stdout": "out",
            "stderr": "err",
        }))
    );
}

#[test]
fn under_expect_any_the_exit_code_is_a_value_but_a_signal_is_not() {
    let engine = Engine::call("build").exec_answers(3, "out", "err");
    let id = exec_id(&engine, Some("ANY"));
    let data = engine.answer(&outcome_query(&id)).unwrap();
    assert_eq!(data["node"]["exitCode"], json!(3));

    let killed = Engine::call("build").exec_answers(137, "", "Killed");
    let id = exec_id(&killed, Some("ANY"));
    let refusal = refused(&killed, &outcome_query(&id));
    assert_eq!(refusal.extensions.unwrap()["exitCode"], json!(137));
}

#[test]
fn the_engine_keeps_the_last_100_kib_of_each_output() {
    assert_eq!(engine_kept("  short \n"), "short");
    let long = format!("{}THE END", "x".repeat(300 * 1024));
    let kept = engine_kept(&long);
    assert_eq!(kept.len(), 100 * 1024);
    assert!(
        kept.starts_with(&format!("[omitting {} bytes]...", long.len() - 100 * 1024)),
        "{}",
        &kept[..40]
    );
    assert!(kept.ends_with("THE END"));
}

/// Every exec the module chained, as the harness saw it.
fn execs(engine: &Engine) -> Vec<String> {
    engine
        .state()
        .exec_steps
        .iter()
        .map(|(chain, _)| chain.clone())
        .collect()
}

#[tokio::test]
async fn a_failed_nixpkgs_download_is_an_engine_error_so_a_rerun_tries_again() {
    let engine = Engine::call("buildNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .exec_answers(
            10,
            "",
            "error: unable to download 'https://github.com/NixOS/nixpkgs/archive/x.tar.gz': HTTP error 503",
        );
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("could not fetch or evaluate nixpkgs")
            && message.contains("HTTP error 503"),
        "{message}"
    );
    let execs = execs(&engine);
    assert!(!execs.is_empty());
    for exec in execs {
        let step = exec.rsplit(".withExec(").next().unwrap();
        assert!(
            !step.contains("expect:"),
            "an exec allowed to fail is cached by the engine, failure included: {step}"
        );
    }
}

#[tokio::test]
async fn the_tail_of_a_huge_build_log_reaches_the_user() {
    let log = format!(
        "{}error: builder for '/nix/store/x-nettest.drv' failed with exit code 1",
        "building...\n".repeat(40_000)
    );
    let message = Engine::call("buildNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .exec_answers(11, "", &log)
        .returned_error()
        .await;
    assert!(
        message.starts_with("nix-build containers/nettest/default.nix failed:")
            && message.ends_with("failed with exit code 1"),
        "{}",
        &message[..200.min(message.len())]
    );
    assert!(
        message.lines().count() <= 30,
        "{} lines",
        message.lines().count()
    );
}

#[tokio::test]
async fn a_build_killed_for_memory_is_said_in_one_line() {
    let message = Engine::call("buildNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .exec_answers(137, "", "building '/nix/store/x-nettest.drv'...\nKilled")
        .returned_error()
        .await;
    let first = message.lines().next().unwrap();
    assert!(
        first.starts_with(
            "nix-build of containers/nettest/default.nix was killed by signal 9 (SIGKILL, exit status 137): usually it ran out of memory"
        ),
        "{message}"
    );
    assert!(
        !message.contains("set -eu"),
        "the script is quoted: {message}"
    );
    assert!(message.ends_with("Killed"), "{message}");
}

#[tokio::test]
async fn a_git_script_killed_by_sigterm_is_named() {
    let message = Engine::call("changedContainers")
        .dir_arg("src", examples_root())
        .arg("base", json!("abc1234"))
        .exec_answers(143, "", "")
        .returned_error()
        .await;
    assert!(
        message.starts_with("git was killed by signal 15 (SIGTERM, exit status 143)"),
        "{message}"
    );
}

/// What the root of the repository leaves behind: git history and the
/// outputs the documented commands write there.
const ROOT_OUTPUTS: &[&str] = &[".git", "*.tar", "*.tar.gz", "result", "result-*"];

#[test]
fn the_module_upload_leaves_out_git_history_and_root_outputs() {
    let text = std::fs::read_to_string(harness::crate_root().join("dagger.json")).unwrap();
    let config: Value = serde_json::from_str(&text).unwrap();
    let include: Vec<&str> = config["include"]
        .as_array()
        .expect("dagger.json has an include list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for pattern in ROOT_OUTPUTS {
        assert!(
            include.contains(&format!("!{pattern}").as_str()),
            "dagger.json's include does not exclude {pattern}: every change to it reloads the module"
        );
    }
}

#[test]
fn src_leaves_out_root_outputs() {
    for function in FUNCTIONS {
        for arg in function.args {
            let (Default::Path { ignore, .. } | Default::RequiredDir { ignore }) = arg.default
            else {
                continue;
            };
            if ignore.first() == Some(&"*") {
                continue; // everything is left out but what is named
            }
            // .git stays for the functions that read history.
            for pattern in ROOT_OUTPUTS.iter().filter(|p| **p != ".git") {
                assert!(
                    ignore.contains(pattern),
                    "{}'s --{} uploads {pattern}",
                    function.cli_name(),
                    arg.name
                );
            }
        }
    }
    let build = FUNCTIONS.iter().find(|f| f.name == "build").unwrap();
    let src = build.arg("src").unwrap();
    assert!(matches!(src.default, Default::RequiredDir { ignore } if ignore.contains(&".git")));
}
