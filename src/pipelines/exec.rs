//! Running a command whose failure is the user's to read: the exit code,
//! stdout and stderr come back together (one round trip after the
//! container's ID), instead of an engine error that hides the output.

use dagger_sdk::{Container, ContainerWithExecOptsBuilder, Query, ReturnType};
use serde_json::Value;

use crate::module::graphql;

/// What a command printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutcome {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `args` in `container`, whatever its exit code.
pub async fn run(
    query: &Query,
    container: &Container,
    args: Vec<String>,
) -> eyre::Result<ExecOutcome> {
    Ok(run_keeping(query, container, args).await?.1)
}

/// Like [`run`], and also returns the container after the command, to
/// read the files it wrote.
pub async fn run_keeping(
    query: &Query,
    container: &Container,
    args: Vec<String>,
) -> eyre::Result<(Container, ExecOutcome)> {
    let opts = ContainerWithExecOptsBuilder::default()
        .expect(ReturnType::Any)
        .build()
        .expect("every field has a default");
    let ran = container.with_exec_opts(args, opts);
    let id = ran.id().await?;
    let node = graphql::select_on(
        &query.graphql_client,
        &id.0,
        "Container",
        "exitCode stdout stderr",
    )
    .await?;
    let text = |field: &str| {
        node.get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let outcome = ExecOutcome {
        exit_code: node.get("exitCode").and_then(Value::as_i64).unwrap_or(-1) as i32,
        stdout: text("stdout"),
        stderr: text("stderr"),
    };
    Ok((ran, outcome))
}
