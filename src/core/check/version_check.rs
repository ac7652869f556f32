//! `check-versions`: do a container's versions agree with each other and
//! with what is deployed? The rules, as the origin's check had them:
//!
//! - a Dockerfile declares `ARG CONTAINER_APP_VERSION=<version>`;
//! - a `default.nix` yields a version, by the one rule for a Nix image's
//!   version ([`crate::core::version::nix_image`]): declared, else the
//!   Dockerfile's, else nixpkgs' for the container's package;
//! - the container has a build file (discovery already makes sure of it);
//! - `service-versions.yaml` has an entry for the container (under its
//!   service name) whose `current-version` is not null;
//! - every version found agrees with the others after removing one
//!   leading `v`.
//!
//! Every problem of every container is collected, so one run shows them all.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::core::check::service_versions::{SERVICE_VERSIONS_FILE, ServiceVersions};
use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::text::{excerpt, first_line};
use crate::core::version::dockerfile;
use crate::core::version::nix_image::{self, DeclaredIn, NixImage, NixVersion, PackageMap};
use crate::core::version::normalize;
use crate::core::version::resolve::BuildTexts;

/// What one column of the `check-versions` table holds for a container
/// (its Dockerfile, its `default.nix`, the deployed version): a version to
/// compare, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComparedVersion {
    /// The container has no such source (no Dockerfile, say).
    Absent,
    /// The source says this version.
    Version(String),
    /// The source should say a version and does not; why, for the report.
    Missing(String),
    /// The source's version is another's (a `default.nix` without
    /// `version` takes the Dockerfile's, as `publish-nix` tags it). Not
    /// compared again.
    Inherited(&'static str),
    /// Not compared: the repository has no `service-versions.yaml`.
    NotCompared,
}

/// The sources of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub dockerfile: ComparedVersion,
    pub nix: ComparedVersion,
    /// `current-version` of its entry in `service-versions.yaml`.
    pub deployed: ComparedVersion,
}

/// The status of one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Mismatch,
    Missing,
}

/// The table and the problems, one line each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub table: String,
    pub problems: Vec<String>,
}

impl Row {
    fn sources(&self) -> [(&'static str, &ComparedVersion); 3] {
        [
            ("Dockerfile", &self.dockerfile),
            ("nix", &self.nix),
            ("deployed", &self.deployed),
        ]
    }

    /// The status, and a line per problem.
    pub fn check(&self) -> (Status, Vec<String>) {
        let mut problems = Vec::new();
        if self.dockerfile == ComparedVersion::Absent && self.nix == ComparedVersion::Absent {
            problems.push(format!(
                "{}: there is no Dockerfile or default.nix: add one",
                self.name
            ));
        }
        for (what, source) in self.sources() {
            if let ComparedVersion::Missing(why) = source {
                problems.push(format!("{}: {what}: {why}", self.name));
            }
        }
        let found: Vec<(&str, &str)> = self
            .sources()
            .into_iter()
            .filter_map(|(what, s)| match s {
                ComparedVersion::Version(v) => Some((what, v.as_str())),
                _ => None,
            })
            .collect();
        let differ = found.windows(2).any(|w| !normalize::same(w[0].1, w[1].1));
        if differ {
            let list: Vec<String> = found.iter().map(|(w, v)| format!("{w} {v}")).collect();
            problems.push(format!(
                "{}: versions differ: {}",
                self.name,
                list.join(", ")
            ));
        }
        let status = if differ {
            Status::Mismatch
        } else if problems.is_empty() {
            Status::Ok
        } else {
            Status::Missing
        };
        (status, problems)
    }
}

/// Checks every row: the table, and every problem of every container.
/// When deployed versions were not compared, the table ends saying so.
pub fn check(rows: &[Row]) -> Report {
    let header = ["CONTAINER", "DOCKERFILE", "NIX", "DEPLOYED", "STATUS"].map(String::from);
    let mut cells = vec![header];
    let mut problems = Vec::new();
    for row in rows {
        let (status, mut found) = row.check();
        problems.append(&mut found);
        cells.push([
            row.name.clone(),
            cell(&row.dockerfile),
            cell(&row.nix),
            cell(&row.deployed),
            match status {
                Status::Ok => "ok",
                Status::Mismatch => "mismatch",
                Status::Missing => "missing",
            }
            .to_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut table = String::new();
    for row in &cells {
        let mut line = String::new();
        for (c, text) in row.iter().enumerate() {
            write!(line, "{text:<w$}  ", w = widths[c]).expect("String");
        }
        table.push_str(line.trim_end());
        table.push('\n');
    }
    if rows
        .iter()
        .any(|r| r.deployed == ComparedVersion::NotCompared)
    {
        table.push_str(NOT_COMPARED);
        table.push('\n');
    }
    Report { table, problems }
}

/// What the table and the log say when the repository has no
/// `service-versions.yaml`.
pub const NOT_COMPARED: &str = "Deployed versions were not compared: --src has no \
                                service-versions.yaml at its root.";

fn cell(source: &ComparedVersion) -> String {
    match source {
        ComparedVersion::Absent => "-".into(),
        ComparedVersion::Version(v) => v.clone(),
        ComparedVersion::Missing(_) => "(missing)".into(),
        ComparedVersion::Inherited(from) => format!("(= {from})"),
        ComparedVersion::NotCompared => "(not compared)".into(),
    }
}

/// The deployed version of `container`, whose service is named `service`:
/// its entry's `current-version` in `file` (`None`: the repository has no
/// `service-versions.yaml`).
pub fn deployed(
    file: Option<&ServiceVersions>,
    container: &ContainerName,
    service: &str,
) -> ComparedVersion {
    let Some(file) = file else {
        return ComparedVersion::NotCompared;
    };
    let service_shown = excerpt(service);
    match file.get(service) {
        None => ComparedVersion::Missing(format!(
            "{SERVICE_VERSIONS_FILE} has no entry `{service_shown}`: add one (`- name: \
             {service_shown}` with its current-version){}",
            if service == container.as_str() {
                format!(
                    ", or pass --service-names={container}=<service> when the service is \
                     named otherwise"
                )
            } else {
                format!(
                    " (container `{container}` is service `{service_shown}` by --service-names)"
                )
            }
        )),
        Some(entry) => match &entry.current_version {
            None => ComparedVersion::Missing(format!(
                "{SERVICE_VERSIONS_FILE} line {}: `{service_shown}` has no current-version \
                 (null): set it to the deployed version",
                entry.line
            )),
            Some(v) => ComparedVersion::Version(v.clone()),
        },
    }
}

/// One container's sources before nixpkgs is asked: the nix version is
/// either known from the repository or still an attribute to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    row: Row,
    /// The nixpkgs attribute whose version is the nix version.
    nixpkgs_attr: Option<String>,
}

/// Reads a container's sources: its build files (`texts`), the package
/// map the Nix version rule takes, and its deployed version
/// ([`deployed`]).
pub fn read_sources(
    name: &ContainerName,
    texts: &BuildTexts,
    packages: &PackageMap,
    deployed: ComparedVersion,
) -> Pending {
    let dockerfile = match &texts.dockerfile {
        None => ComparedVersion::Absent,
        Some(text) => {
            let path = build_file_path(name, BuildKind::Dockerfile);
            match dockerfile::app_version(text, &path) {
                Ok(v) => ComparedVersion::Version(v),
                Err(e) => ComparedVersion::Missing(first_line(&e.to_string()).to_owned()),
            }
        }
    };
    let mut nixpkgs_attr = None;
    let nix = match texts.nix.as_deref() {
        None => ComparedVersion::Absent,
        Some(text) => {
            let image = NixImage {
                name,
                nix: text,
                dockerfile: texts.dockerfile.as_deref(),
            };
            match nix_image::resolve(&image, packages) {
                Ok(NixVersion::Literal {
                    from: DeclaredIn::Dockerfile,
                    ..
                }) => ComparedVersion::Inherited("Dockerfile"),
                Ok(NixVersion::Literal { version, .. }) => ComparedVersion::Version(version),
                Ok(NixVersion::NeedsNixpkgs { attr }) => {
                    nixpkgs_attr = Some(attr);
                    ComparedVersion::Absent
                }
                // A broken Dockerfile version: its problem is reported
                // once, in its own column; the Nix image would take it.
                Err(_) if matches!(dockerfile, ComparedVersion::Missing(_)) => {
                    ComparedVersion::Inherited("Dockerfile")
                }
                Err(e) => ComparedVersion::Missing(first_line(&e.to_string()).to_owned()),
            }
        }
    };
    Pending {
        row: Row {
            name: name.to_string(),
            dockerfile,
            nix,
            deployed,
        },
        nixpkgs_attr,
    }
}

impl Pending {
    /// The nixpkgs attribute this container still needs the version of.
    pub fn nixpkgs_attr(&self) -> Option<&str> {
        self.nixpkgs_attr.as_deref()
    }

    /// The row, given the versions nixpkgs has (per attribute; `None` when
    /// it has no such package, which is a missing version).
    /// `which` names that nixpkgs in messages (pinned or not:
    /// [`crate::core::nix::nixpkgs::Nixpkgs::which`]).
    pub fn finish(self, nixpkgs: &BTreeMap<String, Option<String>>, which: &str) -> Row {
        let Pending {
            mut row,
            nixpkgs_attr,
        } = self;
        if let Some(attr) = nixpkgs_attr {
            row.nix = match nixpkgs.get(&attr).cloned().flatten() {
                Some(v) if !v.is_empty() => ComparedVersion::Version(v),
                _ => ComparedVersion::Missing(format!(
                    "default.nix sets no version, {}, and {which} has no package \
                     `{attr}`: add `version = \"...\";` to containers/{}/default.nix, or pass \
                     --nix-packages={1}=<attribute>",
                    if row.dockerfile == ComparedVersion::Absent {
                        "there is no Dockerfile"
                    } else {
                        "neither does the Dockerfile"
                    },
                    row.name
                )),
            };
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::check::service_versions;

    fn row(
        name: &str,
        dockerfile: ComparedVersion,
        nix: ComparedVersion,
        deployed: ComparedVersion,
    ) -> Row {
        Row {
            name: name.into(),
            dockerfile,
            nix,
            deployed,
        }
    }

    fn v(s: &str) -> ComparedVersion {
        ComparedVersion::Version(s.into())
    }

    fn name(s: &str) -> ContainerName {
        ContainerName::parse(s).unwrap()
    }

    #[test]
    fn agreeing_sources_are_ok_after_removing_one_v() {
        let report = check(&[
            row("ntfy", v("2.14.0"), v("v2.14.0"), v("2.14.0")),
            row(
                "nettest",
                v("0.1.0"),
                ComparedVersion::Inherited("Dockerfile"),
                v("v0.1.0"),
            ),
            row("jq", ComparedVersion::Absent, v("1.7.1"), v("1.7.1")),
        ]);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(
            report.table,
            "CONTAINER  DOCKERFILE  NIX             DEPLOYED  STATUS\n\
             ntfy       2.14.0      v2.14.0         2.14.0    ok\n\
             nettest    0.1.0       (= Dockerfile)  v0.1.0    ok\n\
             jq         -           1.7.1           1.7.1     ok\n"
        );
        // Only one `v` goes.
        let (status, _) = row("x", v("vv1"), ComparedVersion::Absent, v("1")).check();
        assert_eq!(status, Status::Mismatch);
    }

    #[test]
    fn every_problem_is_listed() {
        let report = check(&[
            row("a", v("1.0"), v("1.1"), v("1.0")),
            row(
                "b",
                ComparedVersion::Missing("no ARG".into()),
                ComparedVersion::Absent,
                ComparedVersion::Missing("no entry".into()),
            ),
            row("c", v("2.0"), ComparedVersion::Absent, v("2.1")),
            row(
                "d",
                ComparedVersion::Absent,
                ComparedVersion::Absent,
                v("1"),
            ),
        ]);
        assert_eq!(
            report.problems,
            [
                "a: versions differ: Dockerfile 1.0, nix 1.1, deployed 1.0",
                "b: Dockerfile: no ARG",
                "b: deployed: no entry",
                "c: versions differ: Dockerfile 2.0, deployed 2.1",
                "d: there is no Dockerfile or default.nix: add one",
            ]
        );
        assert!(report.table.contains("mismatch") && report.table.contains("missing"));
    }

    #[test]
    fn without_service_versions_the_table_says_so() {
        let report = check(&[row(
            "a",
            v("1"),
            ComparedVersion::Absent,
            ComparedVersion::NotCompared,
        )]);
        assert!(report.problems.is_empty());
        assert_eq!(
            report.table,
            format!(
                "CONTAINER  DOCKERFILE  NIX  DEPLOYED        STATUS\n\
                 a          1           -    (not compared)  ok\n{NOT_COMPARED}\n"
            )
        );
    }

    #[test]
    fn deployed_versions_come_from_the_entry_of_the_service() {
        let file = service_versions::parse(
            "services:\n  - name: docs\n    current-version: 4.5.2\n  - name: navidrome\n    current-version: null\n",
        )
        .unwrap();
        assert_eq!(deployed(Some(&file), &name("quartz"), "docs"), v("4.5.2"));
        assert_eq!(
            deployed(None, &name("quartz"), "docs"),
            ComparedVersion::NotCompared
        );
        let ComparedVersion::Missing(null) = deployed(Some(&file), &name("navidrome"), "navidrome")
        else {
            panic!()
        };
        assert_eq!(
            null,
            "service-versions.yaml line 4: `navidrome` has no current-version (null): set it \
             to the deployed version"
        );
        let ComparedVersion::Missing(absent) = deployed(Some(&file), &name("loki"), "loki") else {
            panic!()
        };
        assert!(
            absent.starts_with("service-versions.yaml has no entry `loki`: add one")
                && absent.ends_with(
                    "or pass --service-names=loki=<service> when the service is named otherwise"
                ),
            "{absent}"
        );
        let ComparedVersion::Missing(mapped) = deployed(Some(&file), &name("kiwix-serve"), "kiwix")
        else {
            panic!()
        };
        assert!(
            mapped.ends_with("(container `kiwix-serve` is service `kiwix` by --service-names)"),
            "{mapped}"
        );
    }

    fn texts(dockerfile: Option<&str>, nix: Option<&str>) -> BuildTexts {
        BuildTexts {
            dockerfile: dockerfile.map(str::to_owned),
            nix: nix.map(str::to_owned),
        }
    }

    #[test]
    fn the_nix_version_follows_the_one_rule() {
        let ntfy = name("ntfy");
        let none = PackageMap::default();
        let deployed = || v("2.14.0");

        // Declared in default.nix: compared.
        let files = texts(
            Some("ARG CONTAINER_APP_VERSION=2.14.0\nFROM alpine\n"),
            Some("{ version = \"2.13.0\"; }"),
        );
        let pending = read_sources(&ntfy, &files, &none, deployed());
        assert_eq!(pending.nixpkgs_attr(), None);
        let row = pending.finish(&BTreeMap::new(), "the pinned nixpkgs");
        assert_eq!(row.nix, v("2.13.0"));
        assert_eq!(row.check().0, Status::Mismatch);

        // Not declared: the Dockerfile's, before nixpkgs is asked.
        let files = texts(
            Some("ARG CONTAINER_APP_VERSION=2.14.0\nFROM alpine\n"),
            Some("{ pkgs }: pkgs.hello"),
        );
        let pending = read_sources(&ntfy, &files, &none, deployed());
        assert_eq!(pending.nixpkgs_attr(), None);
        let row = pending.finish(&BTreeMap::new(), "the pinned nixpkgs");
        assert_eq!(row.nix, ComparedVersion::Inherited("Dockerfile"));
        assert_eq!(row.check(), (Status::Ok, vec![]));

        // Neither: nixpkgs' version of the mapped package.
        let packages = PackageMap::parse(&["ntfy=ntfy-sh".into()], "--nix-packages").unwrap();
        let files = texts(Some("FROM alpine\n"), Some("{ pkgs }: pkgs.hello"));
        let pending = read_sources(&ntfy, &files, &packages, deployed());
        assert_eq!(pending.nixpkgs_attr(), Some("ntfy-sh"));
        let nixpkgs = BTreeMap::from([("ntfy-sh".to_owned(), Some("2.14.0".to_owned()))]);
        let row = pending.clone().finish(&nixpkgs, "the pinned nixpkgs");
        assert_eq!(row.nix, v("2.14.0"));
        // The Dockerfile still lacks its ARG.
        let (status, problems) = row.check();
        assert_eq!(status, Status::Missing);
        assert!(
            problems[0].starts_with("ntfy: Dockerfile: containers/ntfy/Dockerfile has no `ARG CONTAINER_APP_VERSION=<version>`"),
            "{problems:?}"
        );
        // ... and nixpkgs lacks the package: a missing version.
        let row = pending.clone().finish(
            &BTreeMap::from([("ntfy-sh".to_owned(), None)]),
            "the pinned nixpkgs",
        );
        let ComparedVersion::Missing(why) = &row.nix else {
            panic!("{row:?}")
        };
        assert!(
            why.starts_with("default.nix sets no version, neither does the Dockerfile, and the pinned nixpkgs has no package `ntfy-sh`")
                && why.ends_with("--nix-packages=ntfy=<attribute>"),
            "{why}"
        );
        // ... as is an empty version from nixpkgs.
        let row = pending.clone().finish(
            &BTreeMap::from([("ntfy-sh".to_owned(), Some(String::new()))]),
            "the pinned nixpkgs",
        );
        assert!(
            matches!(&row.nix, ComparedVersion::Missing(why) if why.starts_with("default.nix sets no version")),
            "{row:?}"
        );
        // An unpinned nixpkgs is never called pinned.
        let registry = crate::core::nix::nixpkgs::Nixpkgs {
            source: crate::core::nix::nixpkgs::NixpkgsSource::UncheckedUrl(
                "https://x/n.tar.gz".into(),
            ),
            origin: "the flake registry".into(),
            unpinned: true,
        };
        let row = pending.finish(
            &BTreeMap::from([("ntfy-sh".to_owned(), None)]),
            registry.which(),
        );
        let ComparedVersion::Missing(why) = &row.nix else {
            panic!("{row:?}")
        };
        assert!(
            why.contains(
                "and the unpinned nixpkgs (the flake registry's) has no package `ntfy-sh`"
            ),
            "{why}"
        );
    }

    #[test]
    fn a_broken_dockerfile_is_one_problem() {
        let files = texts(
            Some("ARG CONTAINER_APP_VERSION=${X}\n"),
            Some("{ pkgs }: pkgs.hello"),
        );
        let row = read_sources(&name("jq"), &files, &PackageMap::default(), v("1"))
            .finish(&BTreeMap::new(), "the pinned nixpkgs");
        assert_eq!(row.nix, ComparedVersion::Inherited("Dockerfile"));
        let (status, problems) = row.check();
        assert_eq!(status, Status::Missing);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("substitution"), "{problems:?}");
    }
}
