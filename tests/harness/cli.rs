//! A stand-in for the Dagger CLI: a `dagger call` command line, as a user
//! types it, turned into the call the engine would make. The function and
//! each `--flag=value` are checked against the function table (a panic
//! names what the real CLI would refuse) and passed as the CLI passes
//! them: a directory for a Directory flag, a secret for `env:NAME`, a file
//! for a File flag, a list for comma-separated values.

use std::path::Path;

use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::{CoreObject, Default, Type};
use blumeops_ci::module::spec::FunctionSpec;
use serde_json::json;

use super::{Engine, Returned};

/// The password the stand-in's secrets read as (`plaintext`).
pub const SECRET_PLAINTEXT: &str = "password-of-the-test";

/// `line` (`dagger call FUNCTION --flag=value ... [chain]`) as the CLI
/// would pass it to the module, typed in `root`: relative paths are
/// `root`'s, and a left-out `--src` with a default path is `root` (as when
/// the module is installed there); a left-out required `--src` panics, as
/// the CLI refuses it. `-m` and the chained calls are ignored.
pub fn call(line: &str, root: &Path) -> Engine {
    call_with_secret(line, root, SECRET_PLAINTEXT)
}

/// Like [`call`], with the plaintext `env:NAME` secrets read as.
pub fn call_with_secret(line: &str, root: &Path, plaintext: &str) -> Engine {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "call")
        .unwrap_or_else(|| panic!("`{line}` is no `dagger call` line"));
    let mut rest = &words[at + 1..];
    while let Some(["-m", _, tail @ ..]) = Some(rest) {
        rest = tail;
    }
    let name = rest[0];
    let function: &FunctionSpec = FUNCTIONS
        .iter()
        .find(|f| f.cli_name() == name)
        .unwrap_or_else(|| panic!("`{line}`: no function `{name}`"));
    let mut engine = Engine::call(function.name);
    let mut given_src = false;
    for word in &rest[1..] {
        let Some(flag) = word.strip_prefix("--") else {
            break; // a chained call (`export --path=...`) starts here
        };
        let (flag, value) = flag.split_once('=').unwrap_or((flag, "true"));
        let spec = function
            .args
            .iter()
            .find(|a| a.flag() == format!("--{flag}"))
            .unwrap_or_else(|| panic!("`{line}`: `{name}` has no --{flag}"));
        engine = match spec.ty {
            Type::Object(CoreObject::Directory) => {
                given_src = true;
                engine.dir_arg(spec.name, root.join(value))
            }
            Type::Object(CoreObject::Secret) => engine
                .secret_arg(spec.name)
                .stub("plaintext", json!(plaintext)),
            Type::Object(CoreObject::File) => engine.file_arg(spec.name, root.join(value)),
            Type::Object(CoreObject::Container) => panic!("no Container arguments"),
            Type::StringList => engine.arg(spec.name, json!(value.split(',').collect::<Vec<_>>())),
            Type::Boolean => engine.arg(spec.name, json!(value == "true")),
            Type::Integer => engine.arg(spec.name, json!(value.parse::<i64>().unwrap())),
            Type::String => engine.arg(spec.name, json!(value)),
        };
    }
    if !given_src && let Some(src) = function.arg("src") {
        match src.default {
            // The engine's defaultPath: the repository the module is installed in.
            Default::Path { .. } => engine = engine.dir_arg("src", root),
            Default::Null => {}
            _ => panic!("`{line}`: the CLI refuses it, `{name}` requires --src"),
        }
    }
    engine
}

/// Runs `engine`: what `dagger call` prints (a String result, or the chain
/// of a returned object), or the error the user sees.
pub async fn outcome(engine: &Engine) -> Result<String, String> {
    let outcome = engine.run().await;
    match outcome.returned.as_slice() {
        [Returned::Value(json)] => {
            let text: String = serde_json::from_str(json).expect("returnValue is a JSON string");
            Ok(engine.chain_of(&text).unwrap_or(text))
        }
        [Returned::Error(message)] => Err(message.clone()),
        other => panic!("expected one returnValue or returnError, got {other:?}"),
    }
}
