//! The ops helpers that read git history: `changed-containers`, and with
//! the registry, `list-tags`. The scripts and their parsers live in
//! [`crate::core::git`]; here they are run in the pinned git image over
//! the repository, `.git` included.

use std::collections::HashMap;

use dagger_sdk::{Container, Directory, Query};
use eyre::WrapErr;

use crate::arguments::{BASE, CONTAINER_NAME, HEAD, LIMIT, MAIN_BRANCH, NAMESPACE, SRC};
use crate::core::command::shell;
use crate::core::container::listing;
use crate::core::container::names::ContainerName;
use crate::core::git::{self, ANCESTRY_SCRIPT, CHANGED_SCRIPT, GIT_IMAGE};
use crate::core::image::image_ref::{Namespace, Repository};
use crate::core::image::ordering::{self, ParsedTag};
use crate::module::args::Invocation;
use crate::module::output::Output;

use super::exec::{self, ExecOutcome};
use super::registry_access::RegistryAccess;
use super::repo;

/// Where the repository is mounted in the git image.
const REPO: &str = "/src";

pub async fn changed_containers(call: Invocation) -> eyre::Result<Output> {
    let base = git::parse_revision("--base", &call.args.string(&BASE)?)?;
    let head = git::parse_revision("--head", &call.args.string(&HEAD)?)?;
    let src = call.args.directory(&call.query, &SRC)?;
    let output = run_git_script(&call.query, &src, CHANGED_SCRIPT, &[base, head]).await?;
    let names: Vec<String> = git::changed_containers(&output)
        .into_iter()
        .map(|n| n.to_string())
        .collect();
    Ok(Output::Text(serde_json::to_string(&names)?))
}

pub async fn list_tags(call: Invocation) -> eyre::Result<Output> {
    let access = RegistryAccess::from_args(&call.args)?;
    let namespace = Namespace::parse(&call.args.string(&NAMESPACE)?)?;
    let main = git::parse_revision("--main-branch", &call.args.string(&MAIN_BRANCH)?)?;
    let one = call.args.opt_string(&CONTAINER_NAME)?;
    let limit = match call.args.integer(&LIMIT) {
        None => listing::default_tag_limit(one.is_some()),
        Some(n) if n > 0 => n as usize,
        Some(_) => {
            eyre::bail!("--limit must be a positive number of tags per container, e.g. --limit=10.")
        }
    };
    let src = call.args.directory(&call.query, &SRC)?;
    let names = match one {
        Some(name) => vec![ContainerName::parse(&name)?],
        None => repo::catalog(&src)
            .await?
            .into_iter()
            .map(|e| e.name)
            .collect(),
    };

    let client = access.client(&call.query).await?;
    let mut listed: Vec<(Repository, Vec<String>)> = Vec::new();
    for name in names {
        let repository = Repository {
            registry: access.registry.clone(),
            namespace: namespace.clone(),
            name,
        };
        let tags = client
            .tags(&repository.path())
            .await
            .wrap_err_with(|| format!("could not list the tags of {repository}"))?;
        listed.push((repository, tags));
    }
    let newest: Vec<(&Repository, Vec<ParsedTag<'_>>)> = listed
        .iter()
        .map(|(r, tags)| {
            let mut sorted = ordering::sort_newest_first(tags.iter().map(String::as_str));
            sorted.truncate(limit);
            (r, sorted)
        })
        .collect();

    let mut commits: Vec<String> = newest
        .iter()
        .flat_map(|(_, tags)| tags.iter().filter_map(|t| t.commit.map(str::to_owned)))
        .collect();
    commits.sort();
    commits.dedup();
    let ancestry: HashMap<String, git::Ancestry> = if commits.is_empty() {
        HashMap::new()
    } else {
        let mut args = vec![main.clone()];
        args.extend(commits);
        let output = run_git_script(&call.query, &src, ANCESTRY_SCRIPT, &args).await?;
        let report = git::parse_ancestry(&output);
        if let Some(note) = report.base_note(&main) {
            call.log.say(note);
        }
        report.commits.into_iter().collect()
    };
    let sections: Vec<String> = newest
        .iter()
        .map(|(r, tags)| listing::render_tags(&r.to_string(), tags, &ancestry))
        .collect();
    Ok(Output::Text(sections.join("\n")))
}

/// Runs one of [`crate::core::git`]'s scripts as `sh -c SCRIPT sh ARGS...`
/// in the repository; its stdout, or the error its exit status means.
pub async fn run_git_script(
    query: &Query,
    src: &Directory,
    script: &str,
    args: &[String],
) -> eyre::Result<String> {
    let argv = shell::sh_c(script, args.iter().cloned());
    let ExecOutcome {
        exit_code,
        stdout,
        stderr,
    } = exec::run(query, &git_container(query, src), argv, "git").await?;
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
        .with_mounted_directory(REPO, src.clone())
        .with_workdir(REPO)
}
