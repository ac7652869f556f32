//! Reading the nixpkgs input of a `flake.lock`: its nodes, `follows`
//! lists (resolved once each, loops and depth refused), and the locked
//! source (`github`, `tarball`, `path`) with its NAR hash.

use std::collections::BTreeMap;
use std::fmt;

use eyre::{bail, eyre};
use serde::Deserialize;
use serde_json::Value;

use crate::core::nix::nixpkgs::NixpkgsSource;
use crate::core::text::excerpt;

/// The flake.lock versions whose node format this reader knows (Nix 2.4
/// and later write 7; 5 and 6 have the same nodes).
const LOCK_VERSIONS: std::ops::RangeInclusive<u64> = 5..=7;

#[derive(Deserialize)]
struct LockFile {
    version: Option<u64>,
    root: String,
    nodes: BTreeMap<String, Node>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(default)]
    inputs: BTreeMap<String, InputRef>,
    locked: Option<BTreeMap<String, Value>>,
}

/// An input of a node: a node name, or a `follows` path from the root.
#[derive(Deserialize)]
#[serde(untagged)]
enum InputRef {
    Node(String),
    Follows(Vec<String>),
}

/// The locked source of the flake input `input` (`nixpkgs`, or a path of
/// inputs such as `home-manager/nixpkgs`), following `follows` references.
pub fn from_lock(text: &str, lock_path: &str, input: &str) -> eyre::Result<NixpkgsSource> {
    let unreadable = |e: &dyn fmt::Display| {
        eyre!(
            "{lock_path} is not a flake.lock Nix can read ({e}).\nRegenerate it with `nix flake lock`."
        )
    };
    let value: Value = serde_json::from_str(text).map_err(|e| unreadable(&e))?;
    // A derived `Deserialize` struct would also take a JSON array of its
    // fields, which Nix does not read.
    let objects = value.as_object().is_some_and(|lock| {
        lock.get("nodes")
            .and_then(Value::as_object)
            .is_none_or(|nodes| nodes.values().all(Value::is_object))
    });
    if !objects {
        return Err(unreadable(
            &"the lock and each of its nodes must be JSON objects",
        ));
    }
    let lock = LockFile::deserialize(value).map_err(|e| unreadable(&e))?;
    if let Some(v) = lock.version
        && !LOCK_VERSIONS.contains(&v)
    {
        bail!(
            "{lock_path} has version {v}; blumeops-ci reads versions {}-{}.\n\
             Regenerate it with a current Nix (`nix flake lock`), or pass --nixpkgs.",
            LOCK_VERSIONS.start(),
            LOCK_VERSIONS.end()
        );
    }
    let path = parse_input_path(input)?;
    let name = Follows::new(&lock, lock_path).resolve(&path)?;
    let node = &lock.nodes[&name];
    let locked = node.locked.as_ref().ok_or_else(|| {
        eyre!(
            "{lock_path}: input `{}` (node `{}`) is not locked.\nRun `nix flake lock`.",
            excerpt(input),
            excerpt(&name)
        )
    })?;
    locked_source(locked, lock_path, &excerpt(input))
}

/// `--nixpkgs-input`: input names separated by `/`.
pub fn parse_input_path(input: &str) -> eyre::Result<Vec<&str>> {
    let parts: Vec<&str> = input.split('/').collect();
    let valid = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
    };
    if parts.iter().all(|p| valid(p)) {
        Ok(parts)
    } else {
        bail!(
            "--nixpkgs-input `{}` is not a flake input name (e.g. nixpkgs, or home-manager/nixpkgs \
             for an input of an input).",
            excerpt(input)
        )
    }
}

/// How deep `follows` may lead through other `follows` (Nix writes one or
/// two levels); deeper is an error rather than a stack overflow.
const MAX_FOLLOWS_DEPTH: usize = 64;

/// The nodes that `follows` lists lead to, each list resolved once: a
/// list resolved while it is being resolved is a loop, and a lock whose
/// lists name each other many times takes steps in proportion to its size.
struct Follows<'a> {
    lock: &'a LockFile,
    lock_path: &'a str,
    /// The node of each list resolved so far; `None` while resolving it.
    resolved: BTreeMap<&'a [String], Option<String>>,
    depth: usize,
}

impl<'a> Follows<'a> {
    fn new(lock: &'a LockFile, lock_path: &'a str) -> Follows<'a> {
        Follows {
            lock,
            lock_path,
            resolved: BTreeMap::new(),
            depth: 0,
        }
    }

    /// The node that the input path `path` (from the root) leads to.
    fn resolve(&mut self, path: &[&str]) -> eyre::Result<String> {
        let (lock, lock_path) = (self.lock, self.lock_path);
        let mut current = lock.root.clone();
        for (i, input) in path.iter().enumerate() {
            let node = lock.nodes.get(&current).ok_or_else(|| {
                eyre!(
                    "{lock_path} names node `{}`, which it does not define.\nRegenerate it with `nix flake lock`.",
                    excerpt(&current)
                )
            })?;
            current = match node.inputs.get(*input) {
                Some(InputRef::Node(name)) => name.clone(),
                Some(InputRef::Follows(to)) => self.follow(to, &path[..=i])?,
                None => {
                    let at = if i == 0 {
                        "the flake".to_owned()
                    } else {
                        format!("input `{}`", excerpt(&path[..i].join("/")))
                    };
                    let known: Vec<&str> = node.inputs.keys().map(String::as_str).collect();
                    bail!(
                        "{lock_path}: {at} has no input `{}` (it has: {}).\n\
                         Pass --nixpkgs-input=<the input that is nixpkgs>.",
                        excerpt(input),
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            excerpt(&known.join(", "))
                        }
                    );
                }
            };
        }
        if !lock.nodes.contains_key(&current) {
            bail!(
                "{lock_path} names node `{}`, which it does not define.\nRegenerate it with `nix flake lock`.",
                excerpt(&current)
            );
        }
        Ok(current)
    }

    /// The node the `follows` list `to` of input `from` leads to.
    fn follow(&mut self, to: &'a [String], from: &[&str]) -> eyre::Result<String> {
        match self.resolved.get(to) {
            Some(Some(node)) => return Ok(node.clone()),
            Some(None) => bail!(
                "{}: the `follows` of input `{}` loop: `{}` leads back to itself.\n\
                 Regenerate the lock with `nix flake lock`.",
                self.lock_path,
                excerpt(&from.join("/")),
                excerpt(&to.join("/"))
            ),
            None if self.depth >= MAX_FOLLOWS_DEPTH => bail!(
                "{}: the `follows` of input `{}` lead through more than {MAX_FOLLOWS_DEPTH} \
                 other `follows`.\nRegenerate the lock with `nix flake lock`.",
                self.lock_path,
                excerpt(&from.join("/"))
            ),
            None => {}
        }
        self.resolved.insert(to, None);
        self.depth += 1;
        let path: Vec<&str> = to.iter().map(String::as_str).collect();
        let node = self.resolve(&path);
        self.depth -= 1;
        let node = node?;
        self.resolved.insert(to, Some(node.clone()));
        Ok(node)
    }
}

/// A `locked` object of type `github`, `tarball` or `path`.
pub(super) fn locked_source(
    locked: &BTreeMap<String, Value>,
    lock_path: &str,
    input: &str,
) -> eyre::Result<NixpkgsSource> {
    let field = |name: &str| -> eyre::Result<&str> {
        let problem = match locked.get(name) {
            Some(Value::String(value)) => return Ok(value),
            None => "no",
            Some(_) => "a non-string",
        };
        bail!(
            "{lock_path}: the locked `{input}` has {problem} `{name}`.\n\
             Regenerate it with `nix flake lock`."
        )
    };
    let kind = field("type")?;
    let nar_hash = parse_nar_hash(field("narHash")?, lock_path)?;
    let safe = |what: &str, value: &str| -> eyre::Result<String> {
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_graphic()) {
            bail!(
                "{lock_path}: the locked `{input}` has a malformed {what} `{}`.",
                excerpt(value)
            );
        }
        Ok(value.to_owned())
    };
    let url = match kind {
        "github" => {
            let host = match locked.get("host") {
                None => "github.com",
                Some(_) => field("host")?,
            };
            let [host, owner, repo, rev] = [
                ("host", host),
                ("owner", field("owner")?),
                ("repo", field("repo")?),
                ("rev", field("rev")?),
            ]
            .map(|(what, v)| safe(what, v));
            let (host, owner, repo, rev) = (host?, owner?, repo?, rev?);
            if rev.len() != 40 || !rev.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!(
                    "{lock_path}: the locked `{input}` has rev `{}`, not a 40-digit commit.",
                    excerpt(&rev)
                );
            }
            format!("https://{host}/{owner}/{repo}/archive/{rev}.tar.gz")
        }
        "tarball" => safe("url", field("url")?)?,
        "path" => {
            return Ok(NixpkgsSource::Path {
                path: safe("path", field("path")?)?,
                nar_hash,
            });
        }
        other => bail!(
            "{lock_path}: input `{input}` is locked as type `{}`, which blumeops-ci cannot fetch \
             in the build container; it reads github, tarball and path inputs.\n\
             Point the input at github:NixOS/nixpkgs/<branch> (or a tarball URL) and run \
             `nix flake lock`, or pass --nixpkgs.",
            excerpt(other)
        ),
    };
    Ok(NixpkgsSource::Tarball { url, nar_hash })
}

/// A lock's `narHash`: SRI SHA-256 (`sha256-<44 base64 chars>`).
fn parse_nar_hash(raw: &str, lock_path: &str) -> eyre::Result<String> {
    let b64 = raw.strip_prefix("sha256-").unwrap_or_default();
    let valid = b64.len() == 44
        && b64.ends_with('=')
        && b64[..43]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    if !valid {
        bail!(
            "{lock_path}: narHash `{}` is not a SHA-256 SRI hash (sha256-<base64>).\n\
             Regenerate the lock with `nix flake lock`.",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}
