//! Which containers `check-versions` checks: every container of the
//! repository, or only `--container-names`; less `--skip`; and with
//! `--base`, only those changed since it (every one when
//! `service-versions.yaml` changed). Also the origin's conventions, which
//! are the defaults of the list arguments.
//!
//! Names in the list arguments are treated by what they do:
//!
//! - `--container-names` chooses what is checked: a name that is not a
//!   container of the repository is an error (a typo would check nothing).
//! - `--skip`, `--service-names` and `--nix-packages` describe the
//!   repository's conventions: a name the repository lacks is ignored, so
//!   the defaults fit any repository and one list serves every branch. A
//!   name that is not among the defaults is said in the log, which is where
//!   a typo shows.

use std::collections::BTreeSet;

use eyre::bail;

use crate::core::check::service_versions::{SERVICE_VERSIONS_FILE, ServiceNames};
use crate::core::container::discovery::{CONTAINERS_DIR, ContainerEntry};
use crate::core::container::names::ContainerName;
use crate::core::version::nix_image::PackageMap;

/// `--skip`: the origin's containers without a version to check.
pub const DEFAULT_SKIP: &[&str] = &["kubectl", "nettest"];

/// `--service-names`: the origin's containers whose service in
/// `service-versions.yaml` is named otherwise.
pub const DEFAULT_SERVICE_NAMES: &[&str] = &["quartz=docs", "kiwix-serve=kiwix"];

/// `--nix-packages`: the origin's containers whose Nix image takes its
/// version from nixpkgs.
pub const DEFAULT_NIX_PACKAGES: &[&str] = &["authentik=authentik"];

/// What changed since `--base`, from the changed paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// `service-versions.yaml` changed: every container is checked.
    Every,
    /// The containers with a changed file (sorted; deleted ones included,
    /// [`select`] keeps those of the repository).
    Only(BTreeSet<ContainerName>),
}

/// What changed, from one path per line (the repository's relative paths,
/// as [`crate::core::git::CHANGED_SINCE_SCRIPT`] prints them).
pub fn changed(paths: &str) -> Changed {
    let mut containers = BTreeSet::new();
    for path in paths.lines() {
        if path == SERVICE_VERSIONS_FILE {
            return Changed::Every;
        }
        let folder = path
            .strip_prefix(CONTAINERS_DIR)
            .and_then(|p| p.strip_prefix('/'))
            .and_then(|p| p.split_once('/'))
            .map(|(folder, _)| folder);
        if let Some(name) = folder.and_then(|f| ContainerName::parse(f).ok()) {
            containers.insert(name);
        }
    }
    Changed::Only(containers)
}

/// Every `--container-names` entry must be a container of the repository.
pub fn check_chosen(catalog: &[ContainerEntry], chosen: &[ContainerName]) -> eyre::Result<()> {
    for name in chosen {
        if !catalog.iter().any(|e| &e.name == name) {
            let known: Vec<&str> = catalog.iter().map(|e| e.name.as_str()).collect();
            bail!(
                "--container-names names `{name}`, which is not a container of --src.\n\
                 Containers: {}",
                known.join(", ")
            );
        }
    }
    Ok(())
}

/// The log lines for the names of `--skip`, `--service-names` and
/// `--nix-packages` that the repository lacks (for `--nix-packages`, that
/// name no container with a `default.nix`) and the defaults do not hold.
pub fn ignored_names(
    catalog: &[ContainerEntry],
    skip: &[ContainerName],
    services: &ServiceNames,
    packages: &PackageMap,
) -> Vec<String> {
    let container = |name: &ContainerName| catalog.iter().any(|e| &e.name == name);
    let with_nix = |name: &ContainerName| catalog.iter().any(|e| &e.name == name && e.files.nix);
    let mut lines = ignored(
        "--skip",
        skip.iter(),
        DEFAULT_SKIP,
        container,
        "a container",
    );
    lines.extend(ignored(
        "--service-names",
        services.containers(),
        DEFAULT_SERVICE_NAMES,
        container,
        "a container",
    ));
    lines.extend(ignored(
        "--nix-packages",
        packages.containers(),
        DEFAULT_NIX_PACKAGES,
        with_nix,
        "a container with a default.nix",
    ));
    lines
}

/// The log lines for the `names` of `flag` that are not `present` and
/// that its `defaults` (entries `name` or `name=...`) do not hold.
fn ignored<'a>(
    flag: &str,
    names: impl Iterator<Item = &'a ContainerName>,
    defaults: &[&str],
    present: impl Fn(&ContainerName) -> bool,
    kind: &str,
) -> Vec<String> {
    names
        .filter(|name| !present(name))
        .filter(|name| {
            !defaults
                .iter()
                .any(|d| d.split('=').next() == Some(name.as_str()))
        })
        .map(|name| format!("{flag} names `{name}`, which is not {kind} of --src: ignored."))
        .collect()
}

/// The containers to check, in the catalog's order: those chosen (all when
/// `chosen` is empty), less the skipped ones, and with `changed`, only
/// those it names.
pub fn select(
    catalog: Vec<ContainerEntry>,
    chosen: &[ContainerName],
    skip: &[ContainerName],
    changed: Option<&Changed>,
) -> Vec<ContainerEntry> {
    catalog
        .into_iter()
        .filter(|e| chosen.is_empty() || chosen.contains(&e.name))
        .filter(|e| !skip.contains(&e.name))
        .filter(|e| match changed {
            None | Some(Changed::Every) => true,
            Some(Changed::Only(names)) => names.contains(&e.name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::container::discovery::discover;

    fn names(items: &[&str]) -> Vec<ContainerName> {
        items
            .iter()
            .map(|n| ContainerName::parse(n).unwrap())
            .collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn catalog() -> Vec<ContainerEntry> {
        discover([
            "containers/authentik/default.nix",
            "containers/miniflux/Dockerfile",
            "containers/nettest/Dockerfile",
            "containers/nettest/default.nix",
            "containers/quartz/Dockerfile",
        ])
    }

    fn selected(entries: &[ContainerEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn changed_paths_name_containers_and_the_service_list_names_every_one() {
        let only = changed(
            "containers/miniflux/Dockerfile\ncontainers/quartz/content/index.md\n\
             containers/README.md\nREADME.md\ncontainers/Bad/Dockerfile\n\
             nixos/ringtail/flake.lock\n",
        );
        assert_eq!(
            only,
            Changed::Only(names(&["miniflux", "quartz"]).into_iter().collect())
        );
        assert_eq!(
            changed("containers/miniflux/Dockerfile\nservice-versions.yaml\n"),
            Changed::Every
        );
        assert_eq!(
            changed("docs/service-versions.yaml\n"),
            Changed::Only(BTreeSet::new())
        );
        assert_eq!(changed(""), Changed::Only(BTreeSet::new()));
    }

    #[test]
    fn selection_chooses_then_skips_then_keeps_what_changed() {
        let all = selected(&select(catalog(), &[], &names(DEFAULT_SKIP), None)).join(",");
        assert_eq!(all, "authentik,miniflux,quartz");
        let chosen = select(
            catalog(),
            &names(&["quartz", "nettest"]),
            &names(&["nettest"]),
            None,
        );
        assert_eq!(selected(&chosen), ["quartz"]);
        let changed_ones = Changed::Only(names(&["miniflux", "gone"]).into_iter().collect());
        let since = select(catalog(), &[], &[], Some(&changed_ones));
        assert_eq!(selected(&since), ["miniflux"]);
        let every = select(catalog(), &[], &[], Some(&Changed::Every));
        assert_eq!(every.len(), 4);
    }

    #[test]
    fn chosen_names_must_exist() {
        assert!(check_chosen(&catalog(), &names(&["quartz"])).is_ok());
        let err = check_chosen(&catalog(), &names(&["nope"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--container-names names `nope`, which is not a container of --src.\n\
             Containers: authentik, miniflux, nettest, quartz"
        );
    }

    #[test]
    fn unknown_names_of_the_conventions_are_ignored_and_only_the_given_ones_said() {
        let defaults = ignored_names(
            &catalog(),
            &names(DEFAULT_SKIP),
            &ServiceNames::parse(&strings(DEFAULT_SERVICE_NAMES), "--service-names").unwrap(),
            &PackageMap::parse(&strings(DEFAULT_NIX_PACKAGES), "--nix-packages").unwrap(),
        );
        assert!(defaults.is_empty(), "{defaults:?}");
        let given = ignored_names(
            &catalog(),
            &names(&["kubectl", "mnflux"]),
            &ServiceNames::parse(&strings(&["grafana=monitoring"]), "--service-names").unwrap(),
            &PackageMap::parse(&strings(&["miniflux=miniflux"]), "--nix-packages").unwrap(),
        );
        assert_eq!(
            given,
            [
                "--skip names `mnflux`, which is not a container of --src: ignored.",
                "--service-names names `grafana`, which is not a container of --src: ignored.",
                "--nix-packages names `miniflux`, which is not a container with a default.nix of \
                 --src: ignored.",
            ]
        );
    }
}
