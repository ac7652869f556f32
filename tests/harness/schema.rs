//! Validation of every recorded query against the engine schemas of both
//! ends of the supported range, as each engine serves them to this module.
//!
//! The module declares the oldest engine it supports as its
//! `engineVersion` ([`OLDEST`], dagger.json), and the newest release whose
//! schema is published is [`NEWEST`]. The schema files are not part of the
//! project: `docs/docs-graphql/schema.graphqls` of github.com/dagger/dagger
//! at those tags, read from `$DAGGER_SCHEMA_DIR/schema-<tag>.graphqls`, else
//! `../shared/dagger/schema-<tag>.graphqls` beside the checkout;
//! `$DAGGER_SCHEMA` overrides the newest one alone. A missing file goes
//! through `skip_or_fail`: under `CI=true` the tests fail naming the file
//! and the variables; elsewhere validation is skipped with one notice.
//!
//! What each engine serves the module (its view, keyed on the module's
//! `engineVersion`, `engine/server/session.go`: `call.View(engineVersion)`):
//! - v0.20.1 serves its own schema, the file as it is;
//! - v0.21.x serves the v0.20.1 view of its schema: the published file
//!   (the latest view) plus the legacy ID surface, which
//!   `core/schema/legacy_id.go` installs for every view before v0.22.0
//!   (`legacyIDView = BeforeVersion("v0.22.0")`): for every object or
//!   interface with an ID whose name does not start with `_`, a scalar
//!   `<Type>ID` and the root field `load<Type>FromID(id: <Type>ID!): <Type>!`.
//!   No other field of v0.21.8 is gated on a version after v0.20.1 (its
//!   `View(AfterVersion(...))` gates all name v0.19.0 or older), so nothing
//!   else differs. [`served_view`] is that rule.

use std::path::PathBuf;
use std::sync::OnceLock;

use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};

use super::skip;

/// The oldest engine the module supports: its dagger.json `engineVersion`.
pub const OLDEST: &str = "v0.20.1";
/// The newest engine whose schema is checked.
pub const NEWEST: &str = "v0.21.8";
/// Both ends, oldest first.
pub const ENDS: [&str; 2] = [OLDEST, NEWEST];

/// Overrides the folder holding `schema-<tag>.graphqls` for both ends.
pub const DIR_VARIABLE: &str = "DAGGER_SCHEMA_DIR";
/// Overrides the newest end's file alone (the variable of old).
pub const FILE_VARIABLE: &str = "DAGGER_SCHEMA";

/// One end's schema, as that engine serves it to the module.
pub struct EngineSchema {
    pub tag: &'static str,
    pub path: PathBuf,
    pub schema: Valid<Schema>,
}

/// Where the schema of `tag` is read from.
pub fn path_of(tag: &str) -> PathBuf {
    if tag == NEWEST
        && let Some(file) = std::env::var_os(FILE_VARIABLE)
    {
        return PathBuf::from(file);
    }
    let dir = std::env::var_os(DIR_VARIABLE)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/dagger"));
    dir.join(format!("schema-{tag}.graphqls"))
}

/// The files of both ends, parsed and validated; empty when one is absent
/// and CI is not set (one notice on stderr). Under `CI=true` a missing file
/// fails the test that asked, naming it.
pub fn schemas() -> &'static [EngineSchema] {
    static SCHEMAS: OnceLock<Result<Vec<EngineSchema>, String>> = OnceLock::new();
    let loaded = SCHEMAS.get_or_init(|| load(&ENDS));
    match loaded {
        Ok(schemas) => schemas,
        Err(message) => {
            skip::skip_or_fail("engine schema validation", message);
            &[]
        }
    }
}

/// Loads the schemas of `tags`, or says which files are missing and how to
/// provide them.
pub fn load(tags: &[&'static str]) -> Result<Vec<EngineSchema>, String> {
    let mut missing = Vec::new();
    let mut schemas = Vec::new();
    for &tag in tags {
        let path = path_of(tag);
        match std::fs::read_to_string(&path) {
            Ok(sdl) => {
                let sdl = if tag == OLDEST {
                    sdl
                } else {
                    served_view(&sdl, &path)
                };
                let schema = Schema::parse_and_validate(sdl, &path).unwrap_or_else(|e| {
                    panic!("{} is not a valid schema: {}", path.display(), e.errors)
                });
                schemas.push(EngineSchema { tag, path, schema });
            }
            Err(e) => missing.push(format!("{} ({tag}: {e})", path.display())),
        }
    }
    if missing.is_empty() {
        return Ok(schemas);
    }
    Err(format!(
        "the engine schema(s) {} are missing, so the queries the module sends are NOT \
         validated: fetch docs/docs-graphql/schema.graphqls of github.com/dagger/dagger at \
         each tag as schema-<tag>.graphqls into one folder and set {DIR_VARIABLE} to it \
         ({FILE_VARIABLE} overrides the {NEWEST} file alone), or provide \
         ../shared/dagger/ beside the checkout",
        missing.join(", ")
    ))
}

/// The published (latest-view) schema `sdl` of a v0.21 engine, with the
/// legacy ID surface it serves a module whose engineVersion is before
/// v0.22.0 (see the module docs; `core/schema/legacy_id.go`).
pub fn served_view(sdl: &str, path: &std::path::Path) -> String {
    let schema = Schema::parse(sdl, path)
        .unwrap_or_else(|e| panic!("{} does not parse: {}", path.display(), e.errors));
    let mut extra = String::new();
    for (name, ty) in &schema.types {
        let has_id = match ty {
            ExtendedType::Object(o) => o.fields.contains_key("id"),
            ExtendedType::Interface(i) => i.fields.contains_key("id"),
            _ => false,
        };
        // `Node` is the server's own interface, not installed through the
        // hook that adds the legacy fields.
        if !has_id || name.as_str().starts_with('_') || name == "Node" {
            continue;
        }
        let scalar = format!("{name}ID");
        if !schema.types.contains_key(scalar.as_str()) {
            extra.push_str(&format!("scalar {scalar}\n"));
        }
        extra.push_str(&format!(
            "extend type Query {{ load{name}FromID(id: {scalar}!): {name}! }}\n"
        ));
    }
    format!("{sdl}\n{extra}")
}

/// Whether the schemas are present (tests that need them may say so).
pub fn available() -> bool {
    !schemas().is_empty()
}

/// The validation errors of `query` against each end, or `None` when every
/// end accepts it (or when there is no schema to check against).
pub fn validate(query: &str) -> Option<String> {
    validate_against(schemas(), query)
}

/// [`validate`] against the given schemas.
pub fn validate_against(schemas: &[EngineSchema], query: &str) -> Option<String> {
    let errors: Vec<String> = schemas
        .iter()
        .filter_map(|s| {
            ExecutableDocument::parse_and_validate(&s.schema, query, "query.graphql")
                .err()
                .map(|e| format!("engine {} ({}): {}", s.tag, s.path.display(), e.errors))
        })
        .collect();
    (!errors.is_empty()).then(|| errors.join("\n"))
}
