//! An in-process stand-in for the Dagger engine, for testing the module
//! protocol and every pipeline without an engine.
//!
//! [`Engine`] implements dagger-sdk's `GraphQLClient`. It answers
//! `currentFunctionCall` from a scripted call, serves Directory reads
//! (`directory`, `entries`, `exists`, `glob`, `file.contents`) from a real
//! fixture folder, mints IDs that round-trip through `load<Type>FromID(id:)`, records
//! every query and validates it against the engine's schema
//! (`../shared/dagger/schema-v0.21.8.graphqls`, or `$DAGGER_SCHEMA`) when the
//! file is present.
//!
//! Everything else the module asks for is kept as a *chain*: the calls that
//! built an object, rendered as text such as
//! `$src.directory(path: "containers/miniflux").dockerBuild`, with arguments
//! sorted by name and IDs replaced by the chains they stand for. Tests assert
//! on those chains: they are exactly the pipeline the engine would run.
#![allow(dead_code)]

pub mod chains;
pub mod cli;
pub mod http;
mod interpret;
pub mod loopback;
pub mod origin_repo;
pub mod registry;
pub mod schema;
pub mod skip;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use dagger_sdk::core::graphql_client::{GraphQLClient, GraphQLError};
use dagger_sdk::{Query, Selection};
use serde_json::Value;

use interpret::ExecStep;
#[allow(unused_imports)] // not every test file uses every re-export
pub use interpret::{Obj, Refusal, engine_kept};

/// The module's own crate root (fixtures live under it).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The name the test harness knows test `test` by in this test binary:
/// its module path (`module_path!()` of the test's file,
/// `<binary>::<file>`) without the binary's name, for running one test
/// again in a child process (`<binary> <name> --exact`).
pub fn test_name(module_path: &str, test: &str) -> String {
    match module_path.split_once("::") {
        Some((_binary, module)) => format!("{module}::{test}"),
        None => test.to_owned(),
    }
}

/// The example ops repository: this repository's root, which holds the
/// example images (`containers/`) and their nixpkgs pin (`flake.nix`,
/// `flake.lock`); the `--src` of most tests.
pub fn examples_root() -> PathBuf {
    crate_root()
}

/// The commit the tests pass as `--commit-sha` (tags take its first
/// seven characters, `0123456`).
pub const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

/// What the recording engine answers for the push of a `publishNix` call
/// (`publish` of the imported archive).
pub const NIX_PUSHED: &str =
    "pushed@sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// A `publishNix` call of the container `name` of the example ops
/// repository at [`SHA`], with no other argument.
pub fn publish_nix(name: &str) -> Engine {
    Engine::call("publishNix")
        .dir_arg("src", examples_root())
        .arg("containerName", serde_json::json!(name))
        .arg("commitSha", serde_json::json!(SHA))
}

/// How a call ended, as the engine saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Returned {
    /// `returnValue`, with the JSON text.
    Value(String),
    /// `returnError`, with the message.
    Error(String),
}

#[derive(Default)]
pub(crate) struct State {
    pub parent_name: String,
    pub function: String,
    pub args: Vec<(String, String)>,
    /// Minted IDs: `harness:<index>` -> object.
    pub minted: Vec<Obj>,
    pub queries: Vec<String>,
    pub schema_errors: Vec<String>,
    pub returned: Vec<Returned>,
    /// Answers for leaf fields the harness cannot compute (`stdout`, ...),
    /// by field name.
    pub stubs: HashMap<String, Value>,
    /// Answers for a leaf field on objects whose chain contains a needle,
    /// before [`State::stubs`]: `(field, needle, answer)`, where the answer
    /// is a value or the engine's error message.
    pub stubs_where: Vec<(String, String, Result<Value, String>)>,
    /// Every stubbed leaf the module asked for, as its full chain
    /// (`$src...publish(address: "...")`): the side effects it caused.
    pub leaves: Vec<String>,
    /// How the module's execs end: `(needle, answer)`, the answer for the
    /// exec whose chain contains the needle (`""`: every other exec).
    pub exec_answers: Vec<(String, ExecAnswer)>,
    /// Every `withExec` chained so far, by the chain it ends.
    pub exec_steps: Vec<(String, ExecStep)>,
    /// What the module told its user (its log).
    pub log: blumeops_ci::module::log::Log,
}

/// How one exec ends: its exit status and what it printed. The harness
/// answers it as the engine does: a status its `expect` allows is a value
/// (`exitCode`, `stdout`, `stderr`); any other (under the default `expect`,
/// any but 0; under every `expect`, 128-191, a signal) is an error with
/// the engine's `EXEC_ERROR` extensions.
#[derive(Debug, Clone)]
pub struct ExecAnswer {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The scripted engine. Cheap to clone: clones share state.
#[derive(Clone, Default)]
pub struct Engine {
    pub(crate) state: Arc<Mutex<State>>,
}

/// What one run of the module produced.
#[derive(Debug)]
pub struct Outcome {
    /// What `serve` returned (Err means the process would exit non-zero).
    pub served: Result<(), String>,
    pub returned: Vec<Returned>,
    pub queries: Vec<String>,
}

impl Engine {
    /// An engine asking the module to register itself.
    pub fn registration() -> Engine {
        Engine::default()
    }

    /// An engine calling `function` (wire name, e.g. `buildNix`) on BlumeopsCi.
    pub fn call(function: &str) -> Engine {
        let engine = Engine::default();
        {
            let mut s = engine.state();
            s.parent_name = "BlumeopsCi".into();
            s.function = function.into();
        }
        engine
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("harness state lock")
    }

    /// Overrides the parent object's name (for protocol error tests).
    pub fn parent(self, name: &str) -> Engine {
        self.state().parent_name = name.into();
        self
    }

    /// Adds an argument as the engine sends it: JSON text.
    pub fn arg(self, name: &str, value: Value) -> Engine {
        self.state().args.push((name.into(), value.to_string()));
        self
    }

    /// Adds an argument whose JSON text is given verbatim (even invalid).
    pub fn raw_arg(self, name: &str, json_text: &str) -> Engine {
        self.state().args.push((name.into(), json_text.into()));
        self
    }

    /// Adds a Directory argument backed by a real folder; its chain renders
    /// as `$<name>`.
    pub fn dir_arg(self, name: &str, folder: impl AsRef<Path>) -> Engine {
        let id = self.mint(Obj::Dir {
            root: folder.as_ref().to_path_buf(),
            rel: PathBuf::new(),
            chain: format!("${name}"),
        });
        self.arg(name, Value::String(id))
    }

    /// Adds a File argument backed by a real file; its chain renders as
    /// `$<name>`.
    pub fn file_arg(self, name: &str, path: impl AsRef<Path>) -> Engine {
        let id = self.mint(Obj::File {
            path: path.as_ref().to_path_buf(),
            chain: format!("${name}"),
        });
        self.arg(name, Value::String(id))
    }

    /// Adds a Secret argument; its chain renders as `$<name>`. The harness
    /// never sees a plaintext: like the engine, it only hands out an ID.
    pub fn secret_arg(self, name: &str) -> Engine {
        let id = self.mint(Obj::Other {
            chain: format!("${name}"),
        });
        self.arg(name, Value::String(id))
    }

    /// Answers every leaf field `field` of a non-fixture object with `value`.
    pub fn stub(self, field: &str, value: Value) -> Engine {
        self.state().stubs.insert(field.into(), value);
        self
    }

    /// Ends every command the module runs with this outcome (see
    /// [`ExecAnswer`] for how the engine reports it).
    pub fn exec_answers(self, exit_code: i32, stdout: &str, stderr: &str) -> Engine {
        self.exec_answers_where("", exit_code, stdout, stderr)
    }

    /// Ends the commands whose chain contains `needle` (e.g. one exec of
    /// several) with this outcome.
    pub fn exec_answers_where(
        self,
        needle: &str,
        exit_code: i32,
        stdout: &str,
        stderr: &str,
    ) -> Engine {
        self.state().exec_answers.push((
            needle.into(),
            ExecAnswer {
                exit_code,
                stdout: stdout.into(),
                stderr: stderr.into(),
            },
        ));
        self
    }

    /// Answers the leaf `field` with `value` on objects whose chain
    /// contains `needle` (e.g. the `stdout` of one exec of several).
    pub fn stub_where(self, field: &str, needle: &str, value: Value) -> Engine {
        self.state()
            .stubs_where
            .push((field.into(), needle.into(), Ok(value)));
        self
    }

    /// Makes every leaf field `field` whose chain contains `needle` fail
    /// with `message`, as the engine's error (e.g. the second of two
    /// `publish` calls). The attempt is recorded with the leaves.
    pub fn fail(self, field: &str, needle: &str, message: &str) -> Engine {
        self.state()
            .stubs_where
            .push((field.into(), needle.into(), Err(message.into())));
        self
    }

    pub(crate) fn mint(&self, obj: Obj) -> String {
        let mut s = self.state();
        s.minted.push(obj);
        format!("harness:{}", s.minted.len() - 1)
    }

    /// What the module told its user, line by line.
    pub fn log(&self) -> Vec<String> {
        self.state().log.lines()
    }

    /// The chain an ID stands for (`None` for an unknown ID).
    pub fn chain_of(&self, id: &str) -> Option<String> {
        let index: usize = id.strip_prefix("harness:")?.parse().ok()?;
        self.state().minted.get(index).map(Obj::chain)
    }

    /// The dagger-sdk root, wired to this engine.
    pub fn query(&self) -> Query {
        Query {
            proc: None,
            selection: Selection::default(),
            graphql_client: Arc::new(self.clone()),
        }
    }

    /// The chains of the stubbed leaves asked for whose field is `field`
    /// (e.g. every `publish`).
    pub fn leaves(&self, field: &str) -> Vec<String> {
        let marker = format!(".{field}");
        self.state()
            .leaves
            .iter()
            .filter(|c| {
                c.rsplit_once(&marker)
                    .is_some_and(|(_, rest)| rest.is_empty() || rest.starts_with('('))
            })
            .cloned()
            .collect()
    }

    /// Runs the module's `serve` against this engine.
    pub async fn run(&self) -> Outcome {
        let log = self.state().log.clone();
        let served = blumeops_ci::serve(&self.query(), blumeops_ci::functions::FUNCTIONS, &log)
            .await
            .map_err(|e| format!("{e:#}"));
        let s = self.state();
        assert!(
            s.schema_errors.is_empty(),
            "queries that the engine's schema rejects:\n{}",
            s.schema_errors.join("\n")
        );
        Outcome {
            served,
            returned: s.returned.clone(),
            queries: s.queries.clone(),
        }
    }

    /// Runs a call that must succeed, and returns the chain of the object
    /// it returned (or the string, for a String result).
    pub async fn returned_chain(&self) -> String {
        let outcome = self.run().await;
        assert_eq!(
            outcome.served,
            Ok(()),
            "the call failed: {:?}",
            outcome.returned
        );
        match outcome.returned.as_slice() {
            [Returned::Value(json)] => {
                let text: String =
                    serde_json::from_str(json).expect("returnValue is a JSON string");
                self.chain_of(&text).unwrap_or(text)
            }
            other => panic!("expected one returnValue, got {other:?}"),
        }
    }

    /// Runs a call that must fail, and returns the message the user sees.
    pub async fn returned_error(&self) -> String {
        let outcome = self.run().await;
        assert!(
            outcome.served.is_err(),
            "the call succeeded: {:?}",
            outcome.returned
        );
        match outcome.returned.as_slice() {
            [Returned::Error(message)] => message.clone(),
            other => panic!("expected one returnError, got {other:?}"),
        }
    }

    /// Runs a call that must be refused before any engine work, and
    /// returns the message the user sees: the engine saw only the call
    /// being read and the error returned (the error's ID and
    /// `returnError`), three queries in all. `case` names the input in a
    /// failure.
    pub async fn refused_before_engine_work(&self, case: &str) -> String {
        let message = self.returned_error().await;
        let queries = self.state.lock().unwrap().queries.clone();
        assert_eq!(
            queries.len(),
            3,
            "{case} reached the engine ({message}): {queries:#?}"
        );
        message
    }
}

impl Engine {
    /// Records, validates and answers one query: the `data`, or the
    /// engine's error.
    pub(crate) fn answer(&self, query: &str) -> Result<Value, Refusal> {
        self.state().queries.push(query.to_owned());
        if let Some(errors) = schema::validate(query) {
            self.state()
                .schema_errors
                .push(format!("{query}\n{errors}"));
            return Err(format!("harness: query fails schema validation: {errors}").into());
        }
        interpret::execute(self, query)
    }
}

#[async_trait]
impl GraphQLClient for Engine {
    async fn query(&self, query: &str) -> Result<Option<Value>, GraphQLError> {
        self.answer(query).map(Some).map_err(domain_error)
    }
}

/// The error as dagger-sdk's client makes it of the engine's answer: the
/// first error's message, and every error with its extensions.
fn domain_error(refusal: Refusal) -> GraphQLError {
    let field = serde_json::from_value(refusal.json()).expect("a GraphQL error message");
    GraphQLError::DomainError {
        message: refusal.message,
        fields: vec![field],
    }
}

impl Refusal {
    /// The entry of a GraphQL response's `errors` list.
    pub fn json(&self) -> Value {
        let mut error = serde_json::json!({ "message": self.message });
        if let Some(extensions) = &self.extensions {
            error["extensions"] = extensions.clone();
        }
        error
    }
}
