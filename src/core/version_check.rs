//! `check-versions`: do the versions a container declares agree?
//!
//! Each container has up to three sources: its Dockerfile's
//! `CONTAINER_APP_VERSION`, its Nix version (`version = "...";` in
//! `default.nix`, else what the pinned nixpkgs has for its package), and a
//! `VERSION` file beside them. They are compared after removing a leading
//! `v`. Every problem is collected, so one run shows them all.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::discovery::build_file_path;
use super::names::ContainerName;
use super::variant::Variant;
use super::versions::BuildTexts;
use super::{dockerfile, nix};

/// One source of a container's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The container has no such source (no Dockerfile, say).
    Absent,
    /// The source declares this version.
    Version(String),
    /// The source exists but yields no version; the reason, for the report.
    Missing(String),
    /// The source has no version of its own and takes another's (a
    /// `default.nix` without `version` whose package nixpkgs lacks: the Nix
    /// image is tagged with the Dockerfile's version). Not compared.
    Inherited(&'static str),
}

/// The sources of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub dockerfile: Source,
    pub nix: Source,
    pub version_file: Source,
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
    fn sources(&self) -> [(&'static str, &Source); 3] {
        [
            ("Dockerfile", &self.dockerfile),
            ("nix", &self.nix),
            ("VERSION", &self.version_file),
        ]
    }

    /// The status, and a line per problem.
    pub fn check(&self) -> (Status, Vec<String>) {
        let mut problems = Vec::new();
        for (what, source) in self.sources() {
            if let Source::Missing(why) = source {
                problems.push(format!("{}: {what}: {why}", self.name));
            }
        }
        let versions: Vec<(&str, &str)> = self
            .sources()
            .into_iter()
            .filter_map(|(what, s)| match s {
                Source::Version(v) => Some((what, v.as_str())),
                _ => None,
            })
            .collect();
        let differ = versions.windows(2).any(|w| bare(w[0].1) != bare(w[1].1));
        if differ {
            let list: Vec<String> = versions.iter().map(|(w, v)| format!("{w} {v}")).collect();
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
pub fn check(rows: &[Row]) -> Report {
    let header = ["CONTAINER", "DOCKERFILE", "NIX", "VERSION FILE", "STATUS"].map(String::from);
    let mut cells = vec![header];
    let mut problems = Vec::new();
    for row in rows {
        let (status, mut found) = row.check();
        problems.append(&mut found);
        cells.push([
            row.name.clone(),
            cell(&row.dockerfile),
            cell(&row.nix),
            cell(&row.version_file),
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
    Report { table, problems }
}

fn cell(source: &Source) -> String {
    match source {
        Source::Absent => "-".into(),
        Source::Version(v) => v.clone(),
        Source::Missing(_) => "(missing)".into(),
        Source::Inherited(from) => format!("(= {from})"),
    }
}

/// The version without its leading `v`.
fn bare(version: &str) -> &str {
    version.strip_prefix('v').unwrap_or(version)
}

/// The version in a `VERSION` file: its first line, trimmed.
pub fn version_file(text: &str) -> Source {
    match text.lines().next().map(str::trim) {
        Some(v) if !v.is_empty() => Source::Version(v.to_owned()),
        _ => Source::Missing("the VERSION file is empty".into()),
    }
}

/// One container's sources before nixpkgs is asked: the nix version is
/// either known from `default.nix` or still an attribute to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    row: Row,
    /// The nixpkgs attribute whose version is the nix version.
    nixpkgs_attr: Option<String>,
}

/// Reads a container's sources from its files: `texts` (Dockerfile and
/// default.nix), `version_file` (the text of `VERSION`, when it exists),
/// and the nixpkgs attribute to ask when `default.nix` sets no version
/// (`attr`, from `--nix-packages`, else the container's name).
pub fn read_sources(
    name: &ContainerName,
    texts: &BuildTexts,
    version_file_text: Option<&str>,
    attr: Option<&str>,
) -> Pending {
    let dockerfile = match &texts.dockerfile {
        None => Source::Absent,
        Some(text) => {
            let path = build_file_path(name, Variant::Dockerfile);
            match dockerfile::app_version(text, &path) {
                Ok(v) => Source::Version(v),
                Err(e) => Source::Missing(first_line(&e.to_string())),
            }
        }
    };
    let (nix, nixpkgs_attr) = match texts.nix.as_deref().map(nix::nix_version) {
        None => (Source::Absent, None),
        Some(Some(v)) => (Source::Version(v), None),
        Some(None) => (
            Source::Absent,
            Some(attr.unwrap_or(name.as_str()).to_owned()),
        ),
    };
    Pending {
        row: Row {
            name: name.to_string(),
            dockerfile,
            nix,
            version_file: version_file_text.map_or(Source::Absent, version_file),
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
    /// it has no such package). A package nixpkgs lacks leaves the Nix
    /// image with the Dockerfile's version when there is one (as
    /// publish-nix tags it), and is a missing version otherwise.
    pub fn finish(self, nixpkgs: &BTreeMap<String, Option<String>>) -> Row {
        let Pending {
            mut row,
            nixpkgs_attr,
        } = self;
        if let Some(attr) = nixpkgs_attr {
            row.nix = match (nixpkgs.get(&attr).cloned().flatten(), &row.dockerfile) {
                (Some(v), _) => Source::Version(v),
                (None, Source::Version(_)) => Source::Inherited("Dockerfile"),
                (None, _) => Source::Missing(format!(
                    "default.nix sets no version and nixpkgs has no package `{attr}`; add \
                     `version = \"...\";` or pass --nix-packages={}=<attribute>",
                    row.name
                )),
            };
        }
        row
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// Parses `--nix-packages` entries `container=attr`.
pub fn parse_nix_packages(raw: &[String]) -> eyre::Result<Vec<(String, String)>> {
    raw.iter()
        .map(|entry| match entry.split_once('=') {
            Some((c, a)) if !c.is_empty() && !a.is_empty() => Ok((c.to_owned(), a.to_owned())),
            _ => eyre::bail!(
                "--nix-packages entry `{}` is not container=attribute (e.g. ntfy=ntfy-sh).",
                super::text::excerpt(entry)
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, dockerfile: Source, nix: Source, version_file: Source) -> Row {
        Row {
            name: name.into(),
            dockerfile,
            nix,
            version_file,
        }
    }

    fn v(s: &str) -> Source {
        Source::Version(s.into())
    }

    #[test]
    fn agreeing_sources_are_ok_after_removing_the_v() {
        let report = check(&[
            row("ntfy", v("2.14.0"), v("v2.14.0"), Source::Absent),
            row(
                "nettest",
                v("0.1.0"),
                Source::Inherited("Dockerfile"),
                Source::Absent,
            ),
            row("jq", Source::Absent, v("1.7.1"), v("1.7.1")),
        ]);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(
            report.table,
            "CONTAINER  DOCKERFILE  NIX             VERSION FILE  STATUS\n\
             ntfy       2.14.0      v2.14.0         -             ok\n\
             nettest    0.1.0       (= Dockerfile)  -             ok\n\
             jq         -           1.7.1           1.7.1         ok\n"
        );
    }

    #[test]
    fn every_problem_is_listed() {
        let report = check(&[
            row("a", v("1.0"), v("1.1"), Source::Absent),
            row(
                "b",
                Source::Missing("no ARG".into()),
                Source::Absent,
                Source::Absent,
            ),
            row("c", v("2.0"), Source::Absent, v("2.1")),
        ]);
        assert_eq!(
            report.problems,
            [
                "a: versions differ: Dockerfile 1.0, nix 1.1",
                "b: Dockerfile: no ARG",
                "c: versions differ: Dockerfile 2.0, VERSION 2.1",
            ]
        );
        assert!(report.table.contains("mismatch") && report.table.contains("missing"));
    }

    fn texts(dockerfile: Option<&str>, nix: Option<&str>) -> BuildTexts {
        BuildTexts {
            dockerfile: dockerfile.map(str::to_owned),
            nix: nix.map(str::to_owned),
        }
    }

    #[test]
    fn sources_come_from_the_files_then_from_nixpkgs() {
        let name = ContainerName::parse("ntfy").unwrap();
        let files = texts(
            Some("ARG CONTAINER_APP_VERSION=2.14.0\nFROM alpine\n"),
            Some("{ pkgs }: pkgs.hello"),
        );
        let pending = read_sources(&name, &files, Some("v2.14.0\n"), Some("ntfy-sh"));
        assert_eq!(pending.nixpkgs_attr(), Some("ntfy-sh"));
        let nixpkgs = BTreeMap::from([("ntfy-sh".to_owned(), Some("2.13.0".to_owned()))]);
        let row = pending.finish(&nixpkgs);
        assert_eq!(row.dockerfile, v("2.14.0"));
        assert_eq!(row.nix, v("2.13.0"));
        assert_eq!(row.version_file, v("v2.14.0"));
        assert_eq!(row.check().0, Status::Mismatch);

        // nixpkgs lacks the package: the nix image takes the Dockerfile's version.
        let pending = read_sources(&name, &files, None, None);
        assert_eq!(pending.nixpkgs_attr(), Some("ntfy"));
        let row = pending.finish(&BTreeMap::from([("ntfy".to_owned(), None)]));
        assert_eq!(row.nix, Source::Inherited("Dockerfile"));

        // ... and with no Dockerfile, the version is missing.
        let only_nix = texts(None, Some("{ pkgs }: pkgs.hello"));
        let row = read_sources(&name, &only_nix, None, None).finish(&BTreeMap::new());
        assert!(matches!(&row.nix, Source::Missing(why) if why.contains("--nix-packages=ntfy=")));

        // A literal version needs no nixpkgs; a broken Dockerfile is a missing version.
        let literal = texts(
            Some("FROM alpine\n"),
            Some("{ }: let version = \"1.0\"; in 1"),
        );
        let pending = read_sources(&name, &literal, None, None);
        assert_eq!(pending.nixpkgs_attr(), None);
        let row = pending.finish(&BTreeMap::new());
        assert_eq!(row.nix, v("1.0"));
        assert!(
            matches!(&row.dockerfile, Source::Missing(why) if why.contains("CONTAINER_APP_VERSION"))
        );
    }

    #[test]
    fn version_files_and_package_mappings() {
        assert_eq!(version_file("1.2.3\n"), v("1.2.3"));
        assert!(matches!(version_file("\n"), Source::Missing(_)));
        assert_eq!(
            parse_nix_packages(&["ntfy=ntfy-sh".into()]).unwrap(),
            [("ntfy".to_owned(), "ntfy-sh".to_owned())]
        );
        assert!(parse_nix_packages(&["ntfy".into()]).is_err());
    }
}
