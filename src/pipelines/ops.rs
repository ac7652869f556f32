//! The ops helpers that read git history: `changed-containers` (and, with
//! the registry, `list-tags`). The scripts and their parsers live in
//! [`crate::core::git`]; here they are run in the pinned git image over
//! the repository, `.git` included.

use dagger_sdk::{Container, Directory, Query};

use crate::core::git::{self, CHANGED_SCRIPT, GIT_IMAGE, INSTALL_GIT};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::exec::{self, ExecOutcome};

/// Where the repository is mounted in the git image.
const REPO: &str = "/src";

pub async fn changed_containers(call: Invocation) -> eyre::Result<Output> {
    let base = git::parse_revision("--base", &call.args.string("base")?)?;
    let head = git::parse_revision("--head", &call.args.string("head")?)?;
    let src = call.args.directory(&call.query, "src")?;
    let output = run_git_script(&call.query, &src, CHANGED_SCRIPT, &[base, head]).await?;
    let names: Vec<String> = git::changed_containers(&output)
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    Ok(Output::Text(serde_json::to_string(&names)?))
}

/// Runs one of [`crate::core::git`]'s scripts as `sh -c SCRIPT sh ARGS...`
/// in the repository; its stdout, or the error its exit status means.
pub async fn run_git_script(
    query: &Query,
    src: &Directory,
    script: &str,
    args: &[String],
) -> eyre::Result<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        script.to_owned(),
        "sh".to_owned(),
    ];
    argv.extend(args.iter().cloned());
    let ExecOutcome {
        exit_code,
        stdout,
        stderr,
    } = exec::run(query, &git_container(query, src), argv).await?;
    if exit_code != 0 {
        eyre::bail!(git::script_error(exit_code, &stderr));
    }
    Ok(stdout)
}

/// The pinned git image with the repository mounted.
fn git_container(query: &Query, src: &Directory) -> Container {
    query
        .container()
        .from(GIT_IMAGE)
        .with_exec(INSTALL_GIT.to_vec())
        .with_mounted_directory(REPO, src.clone())
        .with_workdir(REPO)
}
