//! `check-versions`: do a container's versions agree with each other and
//! with what is deployed? The rules are [`crate::core::check::version_check`]'s,
//! which containers are checked [`crate::core::check::scope`]'s; this reads
//! the files (a glob, `service-versions.yaml`, one batched read of the
//! build files), runs one git script for `--base`, and when a Nix image's
//! version is nixpkgs', asks the pinned nixpkgs once for every package
//! involved.

use std::collections::BTreeMap;

use eyre::bail;

use crate::arguments::{
    CHANGED_SINCE, CONTAINER_NAMES, NIX_PACKAGES, SERVICE_NAMES, SKIP, SRC_TO_CHECK,
};
use crate::core::check::scope::{self, Changed};
use crate::core::check::service_versions::{self, SERVICE_VERSIONS_FILE, ServiceNames};
use crate::core::check::version_check::{self, NOT_COMPARED, Pending};
use crate::core::container::discovery::CONTAINERS_DIR;
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
    let chosen = names(&call.args.strings(&CONTAINER_NAMES), "--container-names")?;
    let skip = names(&call.args.strings(&SKIP), "--skip")?;
    let services = ServiceNames::parse(&call.args.strings(&SERVICE_NAMES), "--service-names")?;
    let packages = PackageMap::parse(&call.args.strings(&NIX_PACKAGES), "--nix-packages")?;
    let base = match call.args.opt_string(&CHANGED_SINCE)? {
        Some(raw) => Some(git::parse_revision("--base", &raw)?),
        None => None,
    };
    let nix = Nix::from_args(&call)?;
    let src = call.args.directory(&call.query, &SRC_TO_CHECK)?;
    let src_id = call.args.object_id(&SRC_TO_CHECK)?;

    let catalog = repo::catalog(&src).await?;
    if catalog.is_empty() {
        bail!(
            "there is no container to check: no folder under {CONTAINERS_DIR}/ has a Dockerfile \
             or default.nix.\nIs --src the root of the ops repository (the folder that holds \
             {CONTAINERS_DIR}/)?"
        );
    }
    scope::check_chosen(&catalog, &chosen)?;
    for line in scope::ignored_names(&catalog, &skip, &services, &packages) {
        call.log.say(line);
    }
    let skipped: Vec<&str> = catalog
        .iter()
        .filter(|e| skip.contains(&e.name))
        .map(|e| e.name.as_str())
        .collect();
    if !skipped.is_empty() {
        call.log
            .say(format!("not checked (--skip): {}.", skipped.join(", ")));
    }
    let changed = match &base {
        None => None,
        Some(base) => {
            let args = std::slice::from_ref(base);
            let paths = run_git_script(&call.query, &src, CHANGED_SINCE_SCRIPT, args).await?;
            Some(scope::changed(&paths))
        }
    };
    let entries = scope::select(catalog, &chosen, &skip, changed.as_ref());
    if let (Some(base), Some(changed)) = (&base, &changed) {
        let checked: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        let line = match changed {
            Changed::Every => {
                format!("{SERVICE_VERSIONS_FILE} changed since {base}: checking every container.")
            }
            Changed::Only(_) if checked.is_empty() => {
                let message = format!("no container to check changed since {base}.");
                call.log.say(&message);
                return Ok(Output::Text(message));
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

    let deployed = if src.exists(SERVICE_VERSIONS_FILE).await? {
        let paths = [SERVICE_VERSIONS_FILE.to_owned()];
        let text = graphql::read_files(&call.query.graphql_client, &src_id, &paths)
            .await?
            .remove(0);
        Some(service_versions::parse(&text)?)
    } else {
        call.log.say(NOT_COMPARED);
        None
    };
    let texts = repo::read_build_files(&call.query, &src_id, &entries).await?;
    let pending: Vec<Pending> = entries
        .iter()
        .zip(&texts)
        .map(|(entry, texts)| {
            let name = &entry.name;
            let deployed = version_check::deployed(deployed.as_ref(), name, services.service(name));
            version_check::read_sources(name, texts, &packages, deployed)
        })
        .collect();

    let mut attrs = Vec::new();
    for attr in pending.iter().filter_map(Pending::nixpkgs_attr) {
        // A container named like no valid attribute simply has no package.
        if let Ok(attr) = AttrPath::parse(attr)
            && !attrs.contains(&attr)
        {
            attrs.push(attr);
        }
    }
    let (nixpkgs_versions, which) = if attrs.is_empty() {
        (BTreeMap::new(), "nixpkgs")
    } else {
        let nixpkgs = nix.pin(&call, &src).await?;
        (
            nix.versions(&call, &src, &nixpkgs, &attrs).await?,
            nixpkgs.which(),
        )
    };

    let rows: Vec<_> = pending
        .into_iter()
        .map(|p| p.finish(&nixpkgs_versions, which))
        .collect();
    let report = version_check::check(&rows);
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
