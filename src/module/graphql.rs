//! A few hand-written GraphQL documents, for where the typed dagger-sdk
//! builder costs round trips: it resolves every ID-typed argument with a
//! query of its own, while one document with aliases can ask for many
//! independent things at once.
//!
//! An object is loaded by its ID with `load<Type>FromID(id:)` ([`load`],
//! [`load_field`]), never with `node(id:)`, which dagger-sdk 0.21.11's
//! `Query::r#ref` and `load` send: the module declares the oldest engine it
//! supports as its `engineVersion` (v0.20.1), whose schema has no `node`,
//! and every newer engine up to v0.22 serves a module of that
//! `engineVersion` its view, which keeps the `load<Type>FromID` fields
//! (`core/schema/legacy_id.go`, `legacyIDView = BeforeVersion("v0.22.0")`).

use std::fmt::Write;

use dagger_sdk::Query;
use dagger_sdk::core::graphql_client::{DynGraphQLClient, GraphQLError};
use dagger_sdk::errors::DaggerError;
use dagger_sdk::loadable::Loadable;
use eyre::{WrapErr, eyre};
use serde_json::Value;

/// A GraphQL string literal. JSON's string syntax is a subset of GraphQL's,
/// so serde_json's escaping is exact.
pub fn string(s: &str) -> String {
    serde_json::to_string(s).expect("a str always serializes")
}

/// The root field that loads an object of GraphQL type `type_name` by its
/// ID in every engine of the supported range (`loadContainerFromID`).
pub fn load_field(type_name: &str) -> String {
    format!("load{type_name}FromID")
}

/// The object of type `T` with ID `id`, lazily (no round trip): the
/// replacement of dagger-sdk's `Query::r#ref`, through [`load_field`].
pub fn load<T: Loadable>(query: &Query, id: impl Into<String>) -> T {
    let selection = query
        .selection
        .select(&load_field(T::graphql_type()))
        .arg("id", id.into());
    T::from_query(query.proc.clone(), selection, query.graphql_client.clone())
}

/// A GraphQL list of string literals.
pub fn string_list(items: &[&str]) -> String {
    let inner: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// A chain of field selections ending in `id`, such as
/// `typeDef{withKind(kind: STRING_KIND){withOptional(optional: true){id}}}`.
#[derive(Debug, Default, Clone)]
pub struct Chain {
    steps: Vec<String>,
}

impl Chain {
    /// A chain starting at the root field `field(args)`; `args` is already
    /// GraphQL (`name: value, ...`), or empty.
    pub fn new(field: &str, args: &str) -> Chain {
        Chain::default().then(field, args)
    }

    /// Appends `field(args)`.
    pub fn then(mut self, field: &str, args: &str) -> Chain {
        if args.is_empty() {
            self.steps.push(field.to_owned());
        } else {
            self.steps.push(format!("{field}({args})"));
        }
        self
    }

    /// The selection, with `alias:` in front and `{id}` at the end.
    fn render_id(&self, alias: &str) -> String {
        let mut out = format!("{alias}: ");
        for step in &self.steps {
            out.push_str(step);
            out.push('{');
        }
        out.push_str("id");
        out.push_str(&"}".repeat(self.steps.len()));
        out
    }
}

/// Resolves the IDs of several independent chains in one query, returned in
/// the order given.
pub async fn resolve_ids(client: &DynGraphQLClient, chains: &[Chain]) -> eyre::Result<Vec<String>> {
    if chains.is_empty() {
        return Ok(Vec::new());
    }
    let mut doc = String::from("query{");
    for (i, chain) in chains.iter().enumerate() {
        if i > 0 {
            doc.push(' ');
        }
        write!(doc, "{}", chain.render_id(&format!("a{i}"))).expect("writing to a String");
    }
    doc.push('}');
    let data = run(client, &doc).await?;
    (0..chains.len())
        .map(|i| {
            dig_id(data.get(format!("a{i}")).unwrap_or(&Value::Null)).ok_or_else(|| {
                eyre!(
                    "the engine returned no ID for `{}`",
                    chains[i].steps.join(".")
                )
            })
        })
        .collect()
}

/// Reads the contents of several files of one directory (given by its ID)
/// in one query, in the order given. The typed builder would spend a
/// round trip per file.
pub async fn read_files(
    client: &DynGraphQLClient,
    dir_id: &str,
    paths: &[String],
) -> eyre::Result<Vec<String>> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let dir = string(dir_id);
    let mut doc = String::from("query{");
    for (i, path) in paths.iter().enumerate() {
        write!(
            doc,
            "{}a{i}: {}(id: {dir}){{file(path: {}){{contents}}}}",
            if i > 0 { " " } else { "" },
            load_field("Directory"),
            string(path)
        )
        .expect("writing to a String");
    }
    doc.push('}');
    let data = client
        .query(&doc)
        .await
        .wrap_err_with(|| format!("could not read {}", paths.join(", ")))?
        .ok_or_else(|| {
            eyre!(
                "the Dagger engine returned nothing for {}",
                paths.join(", ")
            )
        })?;
    (0..paths.len())
        .map(|i| {
            data.pointer(&format!("/a{i}/file/contents"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| eyre!("the Dagger engine returned no contents for {}", paths[i]))
        })
        .collect()
}

/// Selects `selection` (e.g. `exitCode stdout stderr`) on the object with
/// ID `id` of GraphQL type `type_name`, in one query; returns the object.
pub async fn select_on(
    client: &DynGraphQLClient,
    id: &str,
    type_name: &str,
    selection: &str,
) -> eyre::Result<Value> {
    let doc = format!(
        "query{{loaded: {}(id: {}){{{selection}}}}}",
        load_field(type_name),
        string(id)
    );
    let mut data = client.query(&doc).await?.unwrap_or(Value::Null);
    Ok(data
        .get_mut("loaded")
        .map(Value::take)
        .unwrap_or(Value::Null))
}

/// Runs a document, mapping transport and GraphQL errors to one message.
pub async fn run(client: &DynGraphQLClient, doc: &str) -> eyre::Result<Value> {
    client
        .query(doc)
        .await
        .wrap_err("the Dagger engine rejected a module protocol query")?
        .ok_or_else(|| eyre!("the Dagger engine answered a module protocol query with no data"))
}

/// Follows single-field objects down to the `id` string at the end of a chain.
fn dig_id(mut value: &Value) -> Option<String> {
    loop {
        match value {
            Value::String(s) => return Some(s.clone()),
            Value::Object(map) if map.len() == 1 => {
                value = map.values().next().expect("len is 1");
            }
            _ => return None,
        }
    }
}

/// What the engine said, without the client library's framing
/// (`failed to query dagger engine: domain error: ...`): the engine's own
/// message for an error it answered, the whole text otherwise.
pub fn engine_message(error: &DaggerError) -> String {
    match error {
        DaggerError::Query(GraphQLError::DomainError { message, .. }) => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_graphql() {
        assert_eq!(string("a \"b\"\n\\"), r#""a \"b\"\n\\""#);
    }

    #[test]
    fn a_chain_renders_nested_selections() {
        let chain = Chain::new("typeDef", "").then("withKind", "kind: STRING_KIND");
        assert_eq!(
            chain.render_id("a0"),
            "a0: typeDef{withKind(kind: STRING_KIND){id}}"
        );
    }

    #[test]
    fn objects_load_through_the_legacy_id_fields() {
        assert_eq!(load_field("Container"), "loadContainerFromID");
    }

    #[test]
    fn dig_id_follows_single_fields() {
        let v = serde_json::json!({"typeDef": {"withKind": {"id": "X"}}});
        assert_eq!(dig_id(&v).as_deref(), Some("X"));
    }
}
