//! Running a command whose failure is the user's to read: the exit code,
//! stdout and stderr come back together, for the caller's own message.
//!
//! The exec runs with the engine's default `expect` (success only). The
//! engine caches every exec that its `expect` allows, so an exec allowed to
//! fail would have its failure cached as a result: a nixpkgs download that
//! failed once (a 503, a DNS blip) would fail again on every rerun. Under
//! the default, a failure is an error, which the engine does not cache, and
//! the error carries what the caller needs (`_type: EXEC_ERROR`, with
//! `exitCode`, `stdout` and `stderr`, each trimmed and cut to its last
//! 100 KiB, marked `[omitting N bytes]...`): [`run`] turns it back into an
//! [`ExecOutcome`]. A process killed by a signal (exit status 129-191) gets
//! one message for every command ([`crate::core::command::exit_status`]).

use dagger_sdk::Container;
use dagger_sdk::Query;
use dagger_sdk::core::gql_client::GraphQlExtension;
use dagger_sdk::core::graphql_client::GraphQLError;
use eyre::{bail, eyre};
use serde_json::Value;

use crate::core::command::exit_status;
use crate::module::graphql;

/// What a command printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `args` in `container`, and returns how it ended, unless a signal
/// killed it. `command` names it in that message (e.g. `nix-build of
/// containers/jq/default.nix`).
pub async fn run(
    query: &Query,
    container: &Container,
    args: Vec<String>,
    command: &str,
) -> eyre::Result<ExecOutcome> {
    Ok(run_keeping(query, container, args, command).await?.1)
}

/// Like [`run`], and also returns the container after the command, to
/// read the files it wrote (when it succeeded).
pub async fn run_keeping(
    query: &Query,
    container: &Container,
    args: Vec<String>,
    command: &str,
) -> eyre::Result<(Container, ExecOutcome)> {
    let ran = container.with_exec(args);
    let id = ran.id().await?;
    let doc = format!(
        "query{{ran: {}(id: {}){{stdout stderr}}}}",
        graphql::load_field("Container"),
        graphql::string(&id.0)
    );
    let outcome = match query.graphql_client.query(&doc).await {
        Ok(data) => {
            let node = data
                .as_ref()
                .and_then(|d| d.get("ran"))
                .cloned()
                .unwrap_or(Value::Null);
            let text = |field: &str| {
                node.get(field)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            ExecOutcome {
                exit_code: 0,
                stdout: text("stdout"),
                stderr: text("stderr"),
            }
        }
        Err(error) => match failed_exec(&error) {
            Some(outcome) => outcome,
            None => {
                return Err(eyre!("{}", engine_error(&error))
                    .wrap_err(format!("the Dagger engine could not run {command}")));
            }
        },
    };
    if let Some(message) = exit_status::killed_message(outcome.exit_code, command, &outcome.stderr)
    {
        bail!(message);
    }
    Ok((ran, outcome))
}

/// The outcome an EXEC_ERROR carries, when the engine's error is one.
fn failed_exec(error: &GraphQLError) -> Option<ExecOutcome> {
    let GraphQLError::DomainError { fields, .. } = error else {
        return None;
    };
    fields.iter().find_map(|field| match &field.extensions {
        Some(GraphQlExtension::ExecError {
            exit_code,
            stdout,
            stderr,
            ..
        }) => Some(ExecOutcome {
            exit_code: *exit_code,
            stdout: stdout.clone(),
            stderr: stderr.clone(),
        }),
        _ => None,
    })
}

/// The engine's own message for an error that is not an exec's.
fn engine_error(error: &GraphQLError) -> String {
    match error {
        GraphQLError::DomainError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The environment variable [`fresh`] sets.
pub const FRESH_VARIABLE: &str = "BLUMEOPS_CI_RUN";

/// `container` with [`FRESH_VARIABLE`] set to a value no earlier call had,
/// so that its next exec runs again. The engine caches an exec by its
/// inputs, also in a function registered `Never` (which re-runs only the
/// function's body, Dagger's "Function caching vs. layer caching"): a
/// command that reads outside state (the network) would otherwise hand
/// back what it printed the first time.
pub fn fresh(container: Container) -> Container {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    container.with_env_variable(FRESH_VARIABLE, format!("{now}-{}", std::process::id()))
}
