//! `service-versions.yaml`, at the root of the ops repository: what is
//! deployed. A `services:` list of entries such as
//!
//! ```yaml
//! services:
//!   - name: docs
//!     type: argocd
//!     last-reviewed: 2026-02-14
//!     current-version: 4.5.2
//!     upstream-source: https://github.com/jackyzha0/quartz
//!     notes: the Quartz site (container quartz)
//! ```
//!
//! `check-versions` reads each entry's `name` (a string) and
//! `current-version` (a version, or null while unknown); every other key is
//! ignored. A version written as a YAML number (`current-version: 1.10`) is
//! kept as written, not as the number it reads as (`1.1`).

use std::collections::BTreeMap;

use eyre::bail;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::core::container::mapping;
use crate::core::container::names::ContainerName;
use crate::core::text::excerpt;

/// The file, relative to the repository root.
pub const SERVICE_VERSIONS_FILE: &str = "service-versions.yaml";

/// One entry of the `services:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `current-version`, as written; `None` when it is null or absent.
    pub current_version: Option<String>,
    /// The line (1-based) where the entry starts, for messages.
    pub line: usize,
}

/// The services of the file, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceVersions {
    services: BTreeMap<String, Service>,
}

impl ServiceVersions {
    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Service> {
        self.services.get(name)
    }

    /// How many services the file lists.
    pub fn len(&self) -> usize {
        self.services.len()
    }

    /// Whether the file lists no service.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
}

/// The service of each container whose service is named otherwise
/// (`--service-names`, `container=service`); every other container is the
/// service of its own name. [`ServiceNames::default`] maps nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceNames(BTreeMap<ContainerName, String>);

impl ServiceNames {
    /// Parses `container=service` entries; `flag` names the argument in the
    /// messages.
    pub fn parse(raw: &[String], flag: &str) -> eyre::Result<ServiceNames> {
        let pairs = mapping::parse(raw, flag, "container=service", "quartz=docs")?;
        Ok(ServiceNames(
            pairs
                .into_iter()
                .map(|(container, service)| (container, service.to_owned()))
                .collect(),
        ))
    }

    /// The service of `name`.
    pub fn service<'a>(&'a self, name: &'a ContainerName) -> &'a str {
        self.0.get(name).map_or(name.as_str(), String::as_str)
    }

    /// The containers it maps.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerName> {
        self.0.keys()
    }
}

/// Parses the text of `service-versions.yaml`. Malformed YAML, a file
/// without a `services:` list, an entry that is not a mapping or has no
/// string `name`, a name listed twice, or a `current-version` that is a
/// list or a mapping, are errors naming the line and what to write.
pub fn parse(text: &str) -> eyre::Result<ServiceVersions> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let at = e.marker();
        eyre::eyre!(
            "{SERVICE_VERSIONS_FILE} line {} column {}: it is not valid YAML: {}.\nFix the \
             file at that line (its shape: a `services:` list of entries with `name` and \
             `current-version`).",
            at.line(),
            at.col() + 1,
            e.info()
        )
    })?;
    let root = match docs.as_slice() {
        [] => bail!(
            "{SERVICE_VERSIONS_FILE} is empty: it must hold a `services:` list (write \
             `services: []` for none)."
        ),
        [root] => root,
        [_, second, ..] => bail!(
            "{SERVICE_VERSIONS_FILE} line {}: a second YAML document: the file must hold one \
             (remove the `---` before this line, and merge the two).",
            second.span.start.line()
        ),
    };
    let YamlData::Mapping(top) = &root.data else {
        bail!(
            "{SERVICE_VERSIONS_FILE} line {}: the top level is not a mapping: the file must \
             hold `services:`, a list of entries with `name` and `current-version`.",
            root.span.start.line()
        );
    };
    let Some((key, list)) = top.iter().find(|(k, _)| string(k) == Some("services")) else {
        bail!(
            "{SERVICE_VERSIONS_FILE} line {}: there is no `services:` key: the file must hold \
             `services:`, a list of entries with `name` and `current-version`.",
            root.span.start.line()
        );
    };
    let YamlData::Sequence(entries) = &list.data else {
        bail!(
            "{SERVICE_VERSIONS_FILE} line {}: `services` is {}, not a list: write each service \
             as a list item (`- name: <service>`), or `services: []` for none.",
            key.span.start.line(),
            kind(list)
        );
    };

    let mut services = BTreeMap::new();
    for entry in entries {
        let line = entry.span.start.line();
        let YamlData::Mapping(fields) = &entry.data else {
            bail!(
                "{SERVICE_VERSIONS_FILE} line {line}: an entry of `services` is {}, not a \
                 mapping: write it as `- name: <service>` with its `current-version`.",
                kind(entry)
            );
        };
        let field = |wanted: &str| fields.iter().find(|(k, _)| string(k) == Some(wanted));
        let name = match field("name") {
            None => bail!(
                "{SERVICE_VERSIONS_FILE} line {line}: an entry of `services` has no `name`: \
                 give it `name: <service>`."
            ),
            Some((_, value)) => match string(value) {
                Some(name) => name.to_owned(),
                None => bail!(
                    "{SERVICE_VERSIONS_FILE} line {}: the `name` of an entry of `services` is \
                     {}, not a string: write the service's name (quote it if YAML reads it as \
                     something else, e.g. name: \"2048\").",
                    value.span.start.line(),
                    kind(value)
                ),
            },
        };
        let current_version = match field("current-version") {
            None => None,
            Some((_, value)) => version(value, text)?,
        };
        let service = Service {
            current_version,
            line,
        };
        if let Some(first) = services.get(&name) {
            let first: &Service = first;
            bail!(
                "{SERVICE_VERSIONS_FILE} line {line}: `{}` is listed a second time (first on \
                 line {}): keep one entry per service.",
                excerpt(&name),
                first.line
            );
        }
        services.insert(name, service);
    }
    Ok(ServiceVersions { services })
}

/// The text of a string scalar.
fn string<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s),
        _ => None,
    }
}

/// A `current-version`: a string as it reads, a number or boolean as
/// written in the file, null as `None`.
fn version(node: &MarkedYaml<'_>, text: &str) -> eyre::Result<Option<String>> {
    Ok(match &node.data {
        YamlData::Value(Scalar::Null) => None,
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(_) => {
            // The span counts characters, not bytes.
            let written: String = text
                .chars()
                .skip(node.span.start.index())
                .take(node.span.len())
                .collect();
            Some(written)
        }
        _ => bail!(
            "{SERVICE_VERSIONS_FILE} line {}: a `current-version` is {}: write the deployed \
             version (e.g. current-version: \"1.2.3\"), or null while it is unknown.",
            node.span.start.line(),
            kind(node)
        ),
    })
}

/// What a node is, for messages.
fn kind(node: &MarkedYaml<'_>) -> &'static str {
    match &node.data {
        YamlData::Value(Scalar::Null) => "empty (null)",
        YamlData::Value(Scalar::String(_)) => "a string",
        YamlData::Value(Scalar::Boolean(_)) => "a boolean",
        YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => "a number",
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a mapping",
        YamlData::Tagged(..) => "a tagged value",
        YamlData::Representation(..) | YamlData::Alias(_) | YamlData::BadValue => {
            "a value YAML cannot read"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fixture shaped like the origin's ops repository.
    const ORIGIN: &str =
        include_str!("../../../tests/fixtures/origin-ops-repo/service-versions.yaml");

    fn version_of<'a>(parsed: &'a ServiceVersions, name: &str) -> Option<&'a str> {
        parsed.get(name)?.current_version.as_deref()
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_origin_shaped_fixture() {
        let parsed = parse(ORIGIN).unwrap();
        assert_eq!(version_of(&parsed, "docs"), Some("4.5.2"));
        assert_eq!(version_of(&parsed, "kiwix"), Some("3.7.0"));
        assert_eq!(version_of(&parsed, "miniflux"), Some("v2.2.17"));
        let navidrome = parsed.get("navidrome").unwrap();
        assert_eq!(navidrome.current_version, None);
        assert!(navidrome.line > 1);
        assert!(parsed.get("transmission").is_none());
        // Services deployed from upstream images are listed too.
        assert!(parsed.get("forgejo").is_some());
    }

    #[test]
    fn every_entry_shape_the_origin_writes() {
        let text = "\
# What runs where.
services:
  - name: loki
    type: argocd
    last-reviewed: 2026-01-10
    current-version: \"3.5.7\"
    upstream-source: https://github.com/grafana/loki
    notes: >-
      folded
      notes
  - {name: flow, current-version: 1.10}
  - name: int
    current-version: 7
  - name: tilde
    current-version: ~
  - name: absent
  - name: anchored
    current-version: &v 2.0.0
  - name: aliased
    current-version: *v
";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.len(), 7);
        assert_eq!(version_of(&parsed, "loki"), Some("3.5.7"));
        assert_eq!(
            version_of(&parsed, "flow"),
            Some("1.10"),
            "a number is kept as written"
        );
        assert_eq!(version_of(&parsed, "int"), Some("7"));
        assert_eq!(version_of(&parsed, "tilde"), None);
        assert_eq!(version_of(&parsed, "absent"), None);
        assert_eq!(version_of(&parsed, "anchored"), Some("2.0.0"));
        assert_eq!(version_of(&parsed, "aliased"), Some("2.0.0"));
        assert_eq!(parsed.get("loki").unwrap().line, 3);
        assert_eq!(parsed.get("flow").unwrap().line, 11);
        assert!(parse("services: []\n").unwrap().is_empty());
        assert!(!parsed.is_empty());
        // Other top-level keys are ignored.
        assert!(parse("version: 2\nservices: []\nextra: {a: 1}\n").is_ok());
    }

    #[test]
    fn malformed_yaml_names_the_line() {
        let message = err("services:\n  - name: a\n    current-version: [1.0\n");
        assert!(
            message.starts_with("service-versions.yaml line 4 column 1: it is not valid YAML: "),
            "{message}"
        );
        assert!(message.contains("Fix the file at that line"), "{message}");
        let message = err("services:\n  - name: a\n  name: b\n\t- x\n");
        assert!(
            message.starts_with("service-versions.yaml line "),
            "{message}"
        );
        let message = err("services:\n  - name: a\n    name: b\n");
        assert!(
            message.starts_with(
                "service-versions.yaml line 3 column 5: it is not valid YAML: duplicated key"
            ),
            "{message}"
        );
    }

    #[test]
    fn the_shape_is_checked_with_its_line() {
        assert_eq!(
            err("services:\n  docs: 1.0\n"),
            "service-versions.yaml line 1: `services` is a mapping, not a list: write each \
             service as a list item (`- name: <service>`), or `services: []` for none."
        );
        assert!(err("services:\n").contains("`services` is empty (null), not a list"));
        assert!(err("services: docs\n").contains("`services` is a string, not a list"));
        assert_eq!(
            err(
                "# deployed\nservices:\n  - name: docs\n    current-version: 1.0\n  - type: argocd\n    current-version: 2.0\n"
            ),
            "service-versions.yaml line 5: an entry of `services` has no `name`: give it \
             `name: <service>`."
        );
        assert!(
            err("services:\n  - name: 2048\n").starts_with(
                "service-versions.yaml line 2: the `name` of an entry of `services` is a number, not a string"
            )
        );
        assert!(err("services:\n  - name:\n").contains("is empty (null), not a string"));
        assert!(err("services:\n  - docs\n").starts_with(
            "service-versions.yaml line 2: an entry of `services` is a string, not a mapping"
        ));
        assert!(
            err("services:\n  - name: a\n    current-version: [1]\n")
                .starts_with("service-versions.yaml line 3: a `current-version` is a list")
        );
        assert_eq!(
            err("services:\n  - name: a\n  - name: b\n  - name: a\n"),
            "service-versions.yaml line 4: `a` is listed a second time (first on line 2): keep \
             one entry per service."
        );
        assert!(err("").starts_with("service-versions.yaml is empty"));
        assert!(err("# nothing yet\n").starts_with("service-versions.yaml is empty"));
        assert!(err("- name: a\n").contains("line 1: the top level is not a mapping"));
        assert!(err("other: 1\n").contains("line 1: there is no `services:` key"));
        let second = err("services: []\n---\nservices: []\n");
        assert!(
            second.starts_with("service-versions.yaml line 3: a second YAML document"),
            "{second}"
        );
    }

    #[test]
    fn service_names_map_containers_to_services() {
        let names = ServiceNames::parse(
            &["quartz=docs".into(), "kiwix-serve=kiwix".into()],
            "--service-names",
        )
        .unwrap();
        let quartz = ContainerName::parse("quartz").unwrap();
        let loki = ContainerName::parse("loki").unwrap();
        assert_eq!(names.service(&quartz), "docs");
        assert_eq!(names.service(&loki), "loki");
        assert_eq!(names.containers().count(), 2);
        let err = ServiceNames::parse(&["quartz".into()], "--service-names")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--service-names entry `quartz` is not container=service (e.g. quartz=docs)."
        );
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        text.push_str("services: []\n");
        assert!(
            err(&text).contains("it is not valid YAML"),
            "{}",
            err(&text)
        );
    }

    fn yaml_pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "services:",
            "\n",
            "  ",
            "- ",
            "name: ",
            "current-version: ",
            "docs",
            "1.0",
            "null",
            "~",
            "\"",
            "'",
            "[",
            "]",
            "{",
            "}",
            ",",
            ":",
            "&a ",
            "*a",
            "!!str ",
            "? ",
            "#",
            "---",
            "\t",
            "|",
            ">",
            "é",
            "\\",
            "%YAML 1.2\n",
        ]);
        prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics(text in ".*") {
            let _ = parse(&text);
        }

        #[test]
        fn never_panics_on_yaml_like_text(text in yaml_pieces()) {
            let _ = parse(&text);
        }

        #[test]
        fn reads_back_any_list_of_services(
            services in prop::collection::btree_map(
                "[a-z][a-z0-9-]{0,20}",
                proptest::option::of("[0-9][0-9A-Za-z.+-]{0,20}"),
                0..12,
            ),
        ) {
            let mut text = String::from(if services.is_empty() { "services: []\n" } else { "services:\n" });
            for (name, version) in &services {
                let version = version.as_ref().map_or("null".to_owned(), |v| format!("\"{v}\""));
                text.push_str(&format!(
                    "  - name: \"{name}\"\n    type: argocd\n    current-version: {version}\n    notes: x\n"
                ));
            }
            let parsed = parse(&text).unwrap();
            prop_assert_eq!(parsed.len(), services.len());
            for (name, version) in &services {
                prop_assert_eq!(version_of(&parsed, name), version.as_deref());
            }
        }
    }
}
