//! `validate-workflows`: `forgejo-runner validate` over the repository, in
//! the runner's image. The command and the meaning of its outcome live in
//! [`crate::core::workflows`].

use eyre::bail;

use crate::arguments::{RUNNER_VERSION, SRC_TO_VALIDATE};
use crate::core::workflows::{self, REPO_MOUNT, WORKFLOWS_DIR};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::exec;

pub async fn validate_workflows(call: Invocation) -> eyre::Result<Output> {
    let version = workflows::parse_runner_version(&call.args.string(&RUNNER_VERSION)?)?;
    let src = call.args.directory(&call.query, &SRC_TO_VALIDATE)?;
    let entries = src.glob(format!("{WORKFLOWS_DIR}/*")).await?;
    workflows::require_workflows(&entries)?;
    let container = call
        .query
        .container()
        .from(workflows::runner_image(&version))
        .with_mounted_directory(REPO_MOUNT, src)
        .with_workdir(REPO_MOUNT);
    let outcome = exec::run(
        &call.query,
        &container,
        workflows::validate_argv(),
        "forgejo-runner validate",
    )
    .await?;
    match workflows::verdict(
        &version,
        outcome.exit_code,
        &outcome.stdout,
        &outcome.stderr,
    ) {
        Ok(output) => Ok(Output::Text(output)),
        Err(message) => bail!(message),
    }
}
