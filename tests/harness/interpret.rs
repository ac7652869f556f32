//! Executes a query document against the harness's object model.

use std::path::{Path, PathBuf};

use apollo_compiler::ast::{Definition, Document, Field, Selection, Value as Ast};
use serde_json::{Map, Value};

use super::{Engine, ExecAnswer, Returned};

/// Why the engine refused a query: its message, and for a failed exec the
/// GraphQL error's `extensions` (`_type: EXEC_ERROR`, ...), as the engine
/// sends them.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub message: String,
    pub extensions: Option<Value>,
}

impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        Refusal {
            message,
            extensions: None,
        }
    }
}

/// A `withExec` the module chained: its argv and `expect`.
#[derive(Debug, Clone)]
pub struct ExecStep {
    pub args: Vec<String>,
    pub expect: String,
}

/// An object the module can hold a reference to.
#[derive(Debug, Clone)]
pub enum Obj {
    Root,
    FunctionCall,
    /// A Directory backed by a fixture folder (`root/rel`).
    Dir {
        root: PathBuf,
        rel: PathBuf,
        chain: String,
    },
    /// A File of a fixture folder.
    File {
        path: PathBuf,
        chain: String,
    },
    /// Anything else: known only by the calls that made it.
    Other {
        chain: String,
    },
}

impl Obj {
    pub fn chain(&self) -> String {
        match self {
            Obj::Root => String::new(),
            Obj::FunctionCall => "currentFunctionCall".into(),
            Obj::Dir { chain, .. } | Obj::File { chain, .. } | Obj::Other { chain } => {
                chain.clone()
            }
        }
    }
}

pub fn execute(engine: &Engine, query: &str) -> Result<Value, Refusal> {
    let doc =
        Document::parse(query, "query.graphql").map_err(|e| format!("harness: {}", e.errors))?;
    let mut data = Map::new();
    for def in &doc.definitions {
        if let Definition::OperationDefinition(op) = def {
            select(engine, &Obj::Root, &op.selection_set, &mut data)?;
        }
    }
    Ok(Value::Object(data))
}

fn select(
    engine: &Engine,
    obj: &Obj,
    selections: &[Selection],
    out: &mut Map<String, Value>,
) -> Result<(), Refusal> {
    for selection in selections {
        match selection {
            Selection::Field(field) => {
                let key = field.alias.as_ref().unwrap_or(&field.name).to_string();
                out.insert(key, resolve(engine, obj, field)?);
            }
            // `... on Directory`: the harness's objects know what they are.
            Selection::InlineFragment(fragment) => {
                select(engine, obj, &fragment.selection_set, out)?
            }
            Selection::FragmentSpread(_) => {
                return Err(String::from("harness: fragment spreads are not used").into());
            }
        }
    }
    Ok(())
}

/// The value of `field` on `obj`, with its sub-selection applied.
fn resolve(engine: &Engine, obj: &Obj, field: &Field) -> Result<Value, Refusal> {
    let name = field.name.as_str();
    let child = match (obj, name) {
        (Obj::Root, "currentFunctionCall") => Obj::FunctionCall,
        // `load<Type>FromID(id:)`, how the module loads an object (the
        // field every engine of its range serves it), or `node(id:)`.
        (Obj::Root, name)
            if name == "node" || (name.starts_with("load") && name.ends_with("FromID")) =>
        {
            let id = string_arg(field, "id")?;
            lookup(engine, &id)?
        }
        // `directory`: a new, empty Directory (an empty fixture folder).
        (Obj::Root, "directory") => {
            let root = std::env::temp_dir().join("blumeops-ci-harness-empty-directory");
            std::fs::create_dir_all(&root).map_err(|e| format!("harness: {e}"))?;
            Obj::Dir {
                root,
                rel: PathBuf::new(),
                chain: "directory".into(),
            }
        }
        (Obj::FunctionCall, _) => return Ok(call_field(engine, field)?),
        // `sync` runs the object's execs, as any field that needs their
        // outcome does; `id` runs nothing.
        (_, "sync") => {
            if let Some(refusal) = exec_refusal(engine, &obj.chain())? {
                return Err(refusal);
            }
            let obj = obj.clone();
            return Ok(Value::String(engine.mint(obj)));
        }
        (_, "id") => {
            let obj = obj.clone();
            return Ok(Value::String(engine.mint(obj)));
        }
        (_, "withExec") => {
            let chain = extend(engine, &obj.chain(), field);
            engine
                .state()
                .exec_steps
                .push((chain.clone(), exec_step(field)));
            Obj::Other { chain }
        }
        (Obj::Dir { .. }, _) | (Obj::File { .. }, _) => match fixture_field(engine, obj, field)? {
            Answer::Value(v) => return Ok(v),
            Answer::Object(o) => o,
        },
        _ => Obj::Other {
            chain: extend(engine, &obj.chain(), field),
        },
    };
    if field.selection_set.is_empty() {
        let chain = child.chain();
        if matches!(name, "stdout" | "stderr" | "exitCode" | "combinedOutput")
            && let Some(answer) = exec_leaf(engine, &obj.chain(), name)?
        {
            engine.state().leaves.push(chain);
            return answer;
        }
        let mut s = engine.state();
        let answer = s
            .stubs_where
            .iter()
            .find(|(field, needle, _)| field == name && chain.contains(needle.as_str()))
            .map(|(_, _, answer)| answer.clone())
            .or_else(|| s.stubs.get(name).cloned().map(Ok))
            .ok_or_else(|| format!("harness: no stub for leaf `{name}` of `{chain}`"))?;
        s.leaves.push(chain);
        return answer.map_err(Refusal::from);
    }
    let mut out = Map::new();
    select(engine, &child, &field.selection_set, &mut out)?;
    Ok(Value::Object(out))
}

enum Answer {
    Value(Value),
    Object(Obj),
}

fn fixture_field(engine: &Engine, obj: &Obj, field: &Field) -> Result<Answer, String> {
    let name = field.name.as_str();
    let chain = extend(engine, &obj.chain(), field);
    match obj {
        Obj::Dir { root, rel, .. } => {
            let here = root.join(rel);
            Ok(match name {
                "directory" => {
                    let path = string_arg(field, "path")?;
                    let rel = rel.join(path.trim_start_matches("./"));
                    if !root.join(&rel).is_dir() {
                        return Err(format!(
                            "harness: stat {}: no such directory",
                            rel.display()
                        ));
                    }
                    Answer::Object(Obj::Dir {
                        root: root.clone(),
                        rel,
                        chain,
                    })
                }
                "file" => {
                    let path = here.join(string_arg(field, "path")?);
                    Answer::Object(Obj::File { path, chain })
                }
                "exists" => {
                    Answer::Value(Value::Bool(here.join(string_arg(field, "path")?).exists()))
                }
                "entries" => {
                    let dir = match opt_string_arg(field, "path") {
                        Some(p) => here.join(p),
                        None => here,
                    };
                    Answer::Value(entries(&dir)?)
                }
                "glob" => Answer::Value(glob(&here, &string_arg(field, "pattern")?)),
                _ => Answer::Object(Obj::Other { chain }),
            })
        }
        Obj::File { path, .. } => Ok(match name {
            "contents" => Answer::Value(Value::String(
                std::fs::read_to_string(path)
                    .map_err(|e| format!("harness: read {}: {e}", path.display()))?,
            )),
            "name" => Answer::Value(Value::String(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )),
            "size" => Answer::Value(Value::from(
                std::fs::metadata(path)
                    .map_err(|e| format!("harness: {e}"))?
                    .len(),
            )),
            _ => Answer::Object(Obj::Other { chain }),
        }),
        _ => unreachable!("only fixture objects"),
    }
}

fn call_field(engine: &Engine, field: &Field) -> Result<Value, String> {
    let mut s = engine.state();
    match field.name.as_str() {
        "parentName" => Ok(Value::String(s.parent_name.clone())),
        "name" => Ok(Value::String(s.function.clone())),
        "parent" => Ok(Value::String("{}".into())),
        "inputArgs" => Ok(Value::Array(
            s.args
                .iter()
                .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
                .collect(),
        )),
        "returnValue" => {
            let value = string_arg(field, "value")?;
            s.returned.push(Returned::Value(value));
            Ok(Value::Null)
        }
        "returnError" => {
            drop(s);
            let id = string_arg(field, "error")?;
            let chain = lookup(engine, &id)?.chain();
            engine
                .state()
                .returned
                .push(Returned::Error(error_message(&chain)));
            Ok(Value::Null)
        }
        other => Err(format!("harness: currentFunctionCall has no `{other}`")),
    }
}

/// The message of an `error(message: "...")` chain.
fn error_message(chain: &str) -> String {
    let start = chain
        .find("error(message: ")
        .map(|i| i + "error(message: ".len());
    let Some(start) = start else {
        return chain.to_owned();
    };
    let mut de = serde_json::Deserializer::from_str(&chain[start..]).into_iter::<String>();
    de.next()
        .and_then(Result::ok)
        .unwrap_or_else(|| chain.to_owned())
}

fn lookup(engine: &Engine, id: &str) -> Result<Obj, String> {
    let index: Option<usize> = id.strip_prefix("harness:").and_then(|n| n.parse().ok());
    index
        .and_then(|i| engine.state().minted.get(i).cloned())
        .ok_or_else(|| format!("harness: unknown ID {id:?}"))
}

/// `chain.field(args)` with the arguments sorted and IDs expanded.
fn extend(engine: &Engine, chain: &str, field: &Field) -> String {
    let mut args: Vec<(String, String)> = field
        .arguments
        .iter()
        .map(|a| (a.name.to_string(), render(engine, &a.value)))
        .collect();
    args.sort();
    let mut step = field.name.to_string();
    if !args.is_empty() {
        let inner: Vec<String> = args.into_iter().map(|(n, v)| format!("{n}: {v}")).collect();
        step = format!("{step}({})", inner.join(", "));
    }
    if chain.is_empty() {
        step
    } else {
        format!("{chain}.{step}")
    }
}

fn render(engine: &Engine, value: &Ast) -> String {
    match value {
        Ast::String(s) => match lookup(engine, s) {
            Ok(obj) if s.starts_with("harness:") => obj.chain(),
            _ => serde_json::to_string(s).expect("string"),
        },
        Ast::List(items) => {
            let inner: Vec<String> = items.iter().map(|v| render(engine, v)).collect();
            format!("[{}]", inner.join(", "))
        }
        Ast::Object(fields) => {
            let mut inner: Vec<String> = fields
                .iter()
                .map(|(n, v)| format!("{n}: {}", render(engine, v)))
                .collect();
            inner.sort();
            format!("{{{}}}", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn string_arg(field: &Field, name: &str) -> Result<String, String> {
    opt_string_arg(field, name)
        .ok_or_else(|| format!("harness: `{}` needs a string `{name}`", field.name))
}

fn opt_string_arg(field: &Field, name: &str) -> Option<String> {
    field
        .arguments
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| match &*a.value {
            Ast::String(s) => Some(s.clone()),
            _ => None,
        })
}

/// Directory entries as the engine lists them: sorted, folders with `/`.
fn entries(dir: &Path) -> Result<Value, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("harness: stat {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .collect();
    names.sort();
    Ok(Value::from(names))
}

/// Paths under `dir` matching `pattern` (`*` within one path segment),
/// relative to `dir`, sorted.
fn glob(dir: &Path, pattern: &str) -> Value {
    let segments: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let mut found = Vec::new();
    walk(dir, "", &segments, &mut found);
    found.sort();
    Value::from(found)
}

fn walk(dir: &Path, prefix: &str, segments: &[&str], found: &mut Vec<String>) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !wildcard(first, &name) {
            continue;
        }
        let path = format!("{prefix}{name}");
        if rest.is_empty() {
            found.push(path);
        } else if entry.path().is_dir() {
            walk(&entry.path(), &format!("{path}/"), rest, found);
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn wildcard(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.starts_with(head)
                && (0..=name.len() - head.len())
                    .filter(|&i| name.is_char_boundary(head.len() + i))
                    .any(|i| wildcard(tail, &name[head.len() + i..]))
        }
    }
}

/// The 100 KiB the engine keeps of each output of a failed exec.
const MAX_EXEC_ERROR_OUTPUT: usize = 100 * 1024;

/// What `withExec(args: ..., expect: ...)` asks for.
fn exec_step(field: &Field) -> ExecStep {
    let mut step = ExecStep {
        args: Vec::new(),
        expect: "SUCCESS".into(),
    };
    for arg in &field.arguments {
        match (arg.name.as_str(), &*arg.value) {
            ("args", Ast::List(items)) => {
                step.args = items
                    .iter()
                    .filter_map(|v| match &**v {
                        Ast::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
            }
            ("expect", Ast::Enum(e)) => step.expect = e.to_string(),
            _ => {}
        }
    }
    step
}

/// The last exec chained into `chain` (the one whose outcome a leaf of the
/// object reads), with the chain it ends.
fn last_exec(engine: &Engine, chain: &str) -> Option<(String, ExecStep)> {
    engine
        .state()
        .exec_steps
        .iter()
        .filter(|(c, _)| chain == c || chain.starts_with(&format!("{c}.")))
        .max_by_key(|(c, _)| c.len())
        .cloned()
}

/// The scripted outcome of the exec that ends `exec_chain`.
/// (An answer for a needle the chain contains wins over the default one.)
fn exec_answer(engine: &Engine, exec_chain: &str) -> Result<ExecAnswer, String> {
    let s = engine.state();
    let matching = |specific: bool| {
        s.exec_answers.iter().find(|(needle, _)| {
            needle.is_empty() != specific && exec_chain.contains(needle.as_str())
        })
    };
    matching(true)
        .or_else(|| matching(false))
        .map(|(_, answer)| answer.clone())
        .ok_or_else(|| format!("harness: no exec answer for `{exec_chain}`"))
}

/// Whether the engine accepts exit status `code` under `expect`: SUCCESS
/// only 0; ANY and FAILURE never 128-191 (a signal), as the engine's
/// `ReturnTypes.ReturnCodes` has it.
fn allowed(code: i32, expect: &str) -> bool {
    let signalled = (128..=191).contains(&code);
    match expect {
        "ANY" => (0..=255).contains(&code) && !signalled,
        "FAILURE" => (1..=255).contains(&code) && !signalled,
        _ => code == 0,
    }
}

/// The engine's error for the last exec of `chain`, when its exit status
/// is not one its `expect` allows.
fn exec_refusal(engine: &Engine, chain: &str) -> Result<Option<Refusal>, String> {
    let Some((exec_chain, step)) = last_exec(engine, chain) else {
        return Ok(None);
    };
    let answer = exec_answer(engine, &exec_chain)?;
    if allowed(answer.exit_code, &step.expect) {
        return Ok(None);
    }
    Ok(Some(Refusal {
        message: format!(
            "process \"{}\" did not complete successfully: exit code: {}",
            step.args.join(" "),
            answer.exit_code
        ),
        extensions: Some(serde_json::json!({
            "_type": "EXEC_ERROR",
            "cmd": step.args,
            "exitCode": answer.exit_code,
            "stdout": engine_kept(&answer.stdout),
            "stderr": engine_kept(&answer.stderr),
        })),
    }))
}

/// A leaf that reads the last exec's outcome (`stdout`, `stderr`,
/// `exitCode`), or its failure; `None` when `chain` runs no exec.
fn exec_leaf(
    engine: &Engine,
    chain: &str,
    name: &str,
) -> Result<Option<Result<Value, Refusal>>, String> {
    let Some((exec_chain, _)) = last_exec(engine, chain) else {
        return Ok(None);
    };
    if let Some(refusal) = exec_refusal(engine, chain)? {
        return Ok(Some(Err(refusal)));
    }
    let answer = exec_answer(engine, &exec_chain)?;
    Ok(Some(Ok(match name {
        "exitCode" => Value::from(answer.exit_code),
        "stdout" => Value::from(answer.stdout),
        "stderr" => Value::from(answer.stderr),
        _ => Value::from(format!("{}{}", answer.stdout, answer.stderr)),
    })))
}

/// What the engine keeps of a failed exec's output: trimmed, at most the
/// last 100 KiB, whose first bytes are overwritten with `[omitting N
/// bytes]...` when it was cut (as `engineutil.ReadSnapshotPath` does).
pub fn engine_kept(output: &str) -> String {
    let bytes = output.as_bytes();
    if bytes.len() < MAX_EXEC_ERROR_OUTPUT {
        return output.trim().to_owned();
    }
    let omitted = bytes.len() - MAX_EXEC_ERROR_OUTPUT;
    let mut kept = bytes[omitted..].to_vec();
    let marker = format!("[omitting {omitted} bytes]...");
    kept[..marker.len()].copy_from_slice(marker.as_bytes());
    String::from_utf8_lossy(&kept).trim().to_owned()
}
