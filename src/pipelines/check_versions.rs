//! `check-versions`: do a container's versions agree with each other and
//! with what is deployed? The rules are [`crate::core::check::version_check`]'s,
//! which containers are checked [`crate::core::check::scope`]'s; this reads
//! the files (a glob, `service-versions.yaml`, one batched read of the
//! build files), runs one git script for `--base`, and when a Nix image's
//! version is nixpkgs', asks the pinned nixpkgs once for every package
//! involved.

use std::collections::BTreeMap;

use dagger_sdk::Directory;
use eyre::bail;

use crate::arguments::{
    CHANGED_SINCE, CONTAINER_NAMES, NIX_PACKAGES, SERVICE_NAMES, SKIP, SRC_TO_CHECK,
};
use crate::core::check::scope::{self, Changed};
use crate::core::check::service_versions::{
    self, SERVICE_VERSIONS_FILE, ServiceNames, ServiceVersions,
};
use crate::core::check::version_check::{self, NOT_COMPARED, Pending};
use crate::core::container::discovery::{CONTAINERS_DIR, ContainerEntry};
use crate::core::container::names::ContainerName;
use crate::core::git::{self, CHANGED_SINCE_SCRIPT};
use crate::core::nix::nixpkgs::AttrPath;
use crate::core::version::nix_image::PackageMap;
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::module::output::Output;

use super::nix::environment::Nix;
use super::ops::run_git_script;
use super::repo;

pub async fn check_versions(call: Invocation) -> eyre::Result<Output> {
    let request = Request::from_args(&call)?;
    let entries = match in_scope(&call, &request).await? {
        Scope::Check(entries) => entries,
        Scope::NothingChanged(message) => return Ok(Output::Text(message)),
    };
    let deployed = read_deployed(&call, &request).await?;
    let texts = repo::read_build_files(&call.query, &request.src_id, &entries).await?;
    let pending: Vec<Pending> = entries
        .iter()
        .zip(&texts)
        .map(|(entry, texts)| {
            let name = &entry.name;
            let services = &request.services;
            let deployed = version_check::deployed(deployed.as_ref(), name, services.service(name));
            version_check::read_sources(name, texts, &request.packages, deployed)
        })
        .collect();
    let (nixpkgs_versions, which) = nixpkgs_versions(&call, &request, &pending).await?;
    let rows: Vec<_> = pending
        .into_iter()
        .map(|p| p.finish(&nixpkgs_versions, which))
        .collect();
    report(&rows)
}

/// The arguments of a `check-versions` call, each checked before any engine
/// work.
struct Request {
    chosen: Vec<ContainerName>,
    skip: Vec<ContainerName>,
    services: ServiceNames,
    packages: PackageMap,
    /// `--base`: check only what changed since this revision.
    base: Option<String>,
    nix: Nix,
    src: Directory,
    src_id: String,
}

impl Request {
    fn from_args(call: &Invocation) -> eyre::Result<Request> {
        let chosen = names(&call.args.strings(&CONTAINER_NAMES), "--container-names")?;
        let skip = names(&call.args.strings(&SKIP), "--skip")?;
        let services = ServiceNames::parse(&call.args.strings(&SERVICE_NAMES), "--service-names")?;
        let packages = PackageMap::parse(&call.args.strings(&NIX_PACKAGES), "--nix-packages")?;
        let base = match call.args.opt_string(&CHANGED_SINCE)? {
            Some(raw) => Some(git::parse_revision("--base", &raw)?),
            None => None,
        };
        let nix = Nix::from_args(call)?;
        let src = call.args.directory(&call.query, &SRC_TO_CHECK)?;
        let src_id = call.args.object_id(&SRC_TO_CHECK)?;
        Ok(Request {
            chosen,
            skip,
            services,
            packages,
            base,
            nix,
            src,
            src_id,
        })
    }
}

/// Which containers a call checks.
enum Scope {
    Check(Vec<ContainerEntry>),
    /// `--base` given and nothing in scope changed: the message to return.
    NothingChanged(String),
}

/// The containers of `--src`, narrowed by `--container-names`, `--skip`
/// and `--base`, each narrowing logged.
async fn in_scope(call: &Invocation, request: &Request) -> eyre::Result<Scope> {
    let catalog = repo::catalog(&request.src).await?;
    if catalog.is_empty() {
        bail!(
            "there is no container to check: no folder under {CONTAINERS_DIR}/ has a Dockerfile \
             or default.nix.\nIs --src the root of the ops repository (the folder that holds \
             {CONTAINERS_DIR}/)?"
        );
    }
    let Request {
        chosen,
        skip,
        services,
        packages,
        ..
    } = request;
    scope::check_chosen(&catalog, chosen)?;
    for line in scope::ignored_names(&catalog, skip, services, packages) {
        call.log.say(line);
    }
    log_skipped(call, &catalog, skip);
    let changed = match &request.base {
        None => None,
        Some(base) => Some(changed_since(call, &request.src, base).await?),
    };
    let entries = scope::select(catalog, chosen, skip, changed.as_ref());
    if let (Some(base), Some(changed)) = (&request.base, &changed) {
        let checked: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let line = match changed {
            Changed::Every => {
                format!("{SERVICE_VERSIONS_FILE} changed since {base}: checking every container.")
            }
            Changed::Only(_) if checked.is_empty() => {
                let message = format!("no container to check changed since {base}.");
                call.log.say(&message);
                return Ok(Scope::NothingChanged(message));
            }
            Changed::Only(_) => {
                format!("changed since {base}: checking {}.", checked.join(", "))
            }
        };
        call.log.say(line);
    }
    if entries.is_empty() {
        bail!("there is no container to check: --skip leaves none.");
    }
    Ok(Scope::Check(entries))
}

/// Says which containers `--skip` leaves out, if any.
fn log_skipped(call: &Invocation, catalog: &[ContainerEntry], skip: &[ContainerName]) {
    let skipped: Vec<&str> = catalog
        .iter()
        .filter(|e| skip.contains(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    if !skipped.is_empty() {
        call.log
            .say(format!("not checked (--skip): {}.", skipped.join(", ")));
    }
}

/// What changed since `base`, from one git script over `--src`.
async fn changed_since(call: &Invocation, src: &Directory, base: &str) -> eyre::Result<Changed> {
    let args = [base.to_owned()];
    let paths = run_git_script(&call.query, src, CHANGED_SINCE_SCRIPT, &args).await?;
    Ok(scope::changed(&paths))
}

/// `service-versions.yaml`, parsed; `None` (and said) when the repository
/// has none.
async fn read_deployed(
    call: &Invocation,
    request: &Request,
) -> eyre::Result<Option<ServiceVersions>> {
    if !request.src.exists(SERVICE_VERSIONS_FILE).await? {
        call.log.say(NOT_COMPARED);
        return Ok(None);
    }
    let paths = [SERVICE_VERSIONS_FILE.to_owned()];
    let text = graphql::read_files(&call.query.graphql_client, &request.src_id, &paths)
        .await?
        .remove(0);
    Ok(Some(service_versions::parse(&text)?))
}

/// The nixpkgs versions the pending rows need, asked of nixpkgs in one
/// evaluation (none when no row needs one), and which nixpkgs answered.
async fn nixpkgs_versions(
    call: &Invocation,
    request: &Request,
    pending: &[Pending],
) -> eyre::Result<(BTreeMap<String, Option<String>>, &'static str)> {
    let mut attrs = Vec::new();
    for attr in pending.iter().filter_map(Pending::nixpkgs_attr) {
        // A container named like no valid attribute simply has no package.
        if let Ok(attr) = AttrPath::parse(attr)
            && !attrs.contains(&attr)
        {
            attrs.push(attr);
        }
    }
    if attrs.is_empty() {
        return Ok((BTreeMap::new(), "nixpkgs"));
    }
    let Request { nix, src, .. } = request;
    let nixpkgs = nix.pin(call, src).await?;
    Ok((
        nix.versions(call, src, &nixpkgs, &attrs).await?,
        nixpkgs.which(),
    ))
}

/// The table, or the error that lists every problem above it.
fn report(rows: &[version_check::Row]) -> eyre::Result<Output> {
    let report = version_check::check(rows);
    if !report.problems.is_empty() {
        bail!(
            "the versions are missing or disagree ({} problem{}):\n  {}\n\n{}",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.problems.join("\n  "),
            report.table,
        );
    }
    Ok(Output::Text(report.table))
}

/// Container names from a list argument, each checked.
fn names(raw: &[String], flag: &str) -> eyre::Result<Vec<ContainerName>> {
    raw.iter()
        .map(|n| ContainerName::parse(n).map_err(|e| eyre::eyre!("{flag}: {e}")))
        .collect()
}
