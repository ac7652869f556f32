//! `check-versions`: do the versions each container declares agree? The
//! rules are [`crate::core::version_check`]'s; this reads the files (a
//! glob and one batched read) and, only when a `default.nix` sets no
//! version, asks the pinned nixpkgs once for every package involved.

use std::collections::{BTreeMap, BTreeSet};

use eyre::bail;

use crate::core::discovery::{self, CONTAINERS_DIR, ContainerEntry};
use crate::core::names::ContainerName;
use crate::core::nixpkgs::AttrPath;
use crate::core::version_check::{self, Pending};
use crate::module::args::Invocation;
use crate::module::graphql;
use crate::module::output::Output;

use super::nix::Nix;
use super::repo;

/// The file beside the build files that may hold the version too.
const VERSION_FILE: &str = "VERSION";

pub async fn check_versions(call: Invocation) -> eyre::Result<Output> {
    let only = names(&call.args.strings("containerNames"), "--container-names")?;
    let skip = names(&call.args.strings("skip"), "--skip")?;
    let mut packages = BTreeMap::new();
    for (container, attr) in version_check::parse_nix_packages(&call.args.strings("nixPackages"))? {
        let in_flag = |e: eyre::Report| eyre::eyre!("--nix-packages: {e}");
        packages.insert(
            ContainerName::parse(&container).map_err(in_flag)?,
            AttrPath::parse(&attr).map_err(in_flag)?,
        );
    }
    let nix = Nix::from_args(&call)?;
    let src = call.args.directory(&call.query, "src")?;

    let catalog = repo::catalog(&src).await?;
    let mapped: Vec<ContainerName> = packages.keys().cloned().collect();
    let lists = [
        ("--container-names", &only, ""),
        ("--skip", &skip, ""),
        ("--nix-packages", &mapped, " with a default.nix"),
    ];
    for (flag, list, kind) in lists {
        for name in list {
            let found = catalog
                .iter()
                .any(|e| &e.name == name && (kind.is_empty() || e.files.nix));
            if !found {
                let known: Vec<&str> = catalog.iter().map(|e| e.name.as_str()).collect();
                bail!(
                    "{flag} names `{name}`, which is not a container{kind} of --src.\n\
                     Containers: {}",
                    known.join(", ")
                );
            }
        }
    }
    let entries: Vec<ContainerEntry> = catalog
        .into_iter()
        .filter(|e| (only.is_empty() || only.contains(&e.name)) && !skip.contains(&e.name))
        .collect();
    if entries.is_empty() {
        bail!(
            "there is no container to check: no folder under {CONTAINERS_DIR}/ has a Dockerfile \
             or default.nix{}.",
            if skip.is_empty() {
                ""
            } else {
                " that --skip leaves"
            }
        );
    }

    let src_id = call.args.object_id("src")?;
    let texts = repo::read_build_files(&call.query, &src_id, &entries).await?;
    let with_version_file: BTreeSet<String> = src
        .glob(format!("{CONTAINERS_DIR}/*/{VERSION_FILE}"))
        .await?
        .into_iter()
        .collect();
    // Each entry's VERSION file, when it has one; read in one round trip.
    let version_paths: Vec<Option<String>> = entries
        .iter()
        .map(|e| {
            let path = format!("{}/{VERSION_FILE}", discovery::folder_path(&e.name));
            with_version_file.contains(&path).then_some(path)
        })
        .collect();
    let existing: Vec<String> = version_paths.iter().flatten().cloned().collect();
    let mut version_texts = graphql::read_files(&call.query.graphql_client, &src_id, &existing)
        .await?
        .into_iter();

    let pending: Vec<Pending> = entries
        .iter()
        .zip(&texts)
        .zip(&version_paths)
        .map(|((entry, texts), path)| {
            let version_file = path.as_ref().and_then(|_| version_texts.next());
            let attr = packages.get(&entry.name).map(AttrPath::as_str);
            version_check::read_sources(&entry.name, texts, version_file.as_deref(), attr)
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
    let nixpkgs_versions = if attrs.is_empty() {
        BTreeMap::new()
    } else {
        let nixpkgs = nix.pin(&call, &src).await?;
        nix.versions(&call, &src, &nixpkgs, &attrs).await?
    };

    let rows: Vec<_> = pending
        .into_iter()
        .map(|p| p.finish(&nixpkgs_versions))
        .collect();
    let report = version_check::check(&rows);
    if !report.problems.is_empty() {
        bail!(
            "the versions do not agree ({} problem{}):\n  {}\n\n{}",
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
