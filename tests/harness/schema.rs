//! Validation of every recorded query against the engine's GraphQL schema.
//!
//! The schema file is not part of the project: it is read from
//! `$DAGGER_SCHEMA`, else `../shared/dagger/schema-v0.21.8.graphqls` beside
//! the checkout. Without it, validation is skipped with one notice on
//! stderr, and every other assertion still runs.

use std::path::PathBuf;
use std::sync::OnceLock;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};

/// The engine's schema, parsed and validated once, or `None` when the file
/// is absent (with the notice above).
pub fn schema() -> Option<&'static Valid<Schema>> {
    static SCHEMA: OnceLock<Option<Valid<Schema>>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let path = std::env::var_os("DAGGER_SCHEMA")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    super::crate_root().join("../shared/dagger/schema-v0.21.8.graphqls")
                });
            let Ok(sdl) = std::fs::read_to_string(&path) else {
                eprintln!(
                    "note: {} is absent, so queries are NOT validated against the engine schema \
                     (set DAGGER_SCHEMA to a schema.graphqls to enable it)",
                    path.display()
                );
                return None;
            };
            let schema = Schema::parse_and_validate(sdl, &path).unwrap_or_else(|e| {
                panic!("{} is not a valid schema: {}", path.display(), e.errors)
            });
            Some(schema)
        })
        .as_ref()
}

/// Whether the schema is present (tests that need it may say so).
pub fn available() -> bool {
    schema().is_some()
}

/// The validation errors of `query`, or `None` when it is valid (or when
/// there is no schema to check against).
pub fn validate(query: &str) -> Option<String> {
    let schema = schema()?;
    ExecutableDocument::parse_and_validate(schema, query, "query.graphql")
        .err()
        .map(|e| e.errors.to_string())
}
