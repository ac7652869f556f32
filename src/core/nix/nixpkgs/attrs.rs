//! Asking nixpkgs for versions: attribute paths (validated, passed as
//! data) and the one `nix-instantiate` evaluation for many of them.

use std::collections::BTreeMap;
use std::fmt;

use eyre::{bail, eyre};

use crate::core::nix::nixpkgs::Nixpkgs;
use crate::core::text::excerpt;

/// A nixpkgs attribute path, such as `ntfy-sh` or `python3Packages.requests`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttrPath(String);

impl AttrPath {
    /// Checks `raw` as dot-separated Nix identifiers (letters, digits, `_`,
    /// `'`, `-`; not starting with a digit, `'` or `-`). Nothing else can
    /// reach a Nix expression.
    pub fn parse(raw: &str) -> eyre::Result<AttrPath> {
        let ident = |p: &str| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        };
        if raw.len() <= 256 && raw.split('.').all(ident) {
            Ok(AttrPath(raw.to_owned()))
        } else {
            bail!(
                "`{}` is not a nixpkgs attribute path: names of letters, digits, `_`, `-` and \
                 `'`, separated by dots (e.g. ntfy-sh or python3Packages.requests).",
                excerpt(raw)
            )
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The expression `nix-instantiate --eval --strict --json` evaluates for
/// the versions of `attrs`, passed as `--argstr attrs "<a> <b> ..."`: a JSON
/// object from each attribute path to its `version`, or `null` when nixpkgs
/// has no such attribute (or it has no version).
pub fn version_expr(nixpkgs: &Nixpkgs, repo_root: &str) -> String {
    format!(
        "{{ attrs }}:\n\
         let\n  \
           pkgs = import ({}) {{ config = {{ }}; overlays = [ ]; }};\n  \
           names = builtins.filter (a: builtins.isString a && a != \"\") (builtins.split \" \" attrs);\n  \
           get = set: path: if path == [ ] then set\n    \
             else let name = builtins.head path; in\n      \
               if builtins.isAttrs set && set ? ${{name}} then get set.${{name}} (builtins.tail path) else null;\n  \
           version = attr: let v = get pkgs (builtins.filter builtins.isString (builtins.split \"\\\\.\" attr));\n    \
             in if builtins.isAttrs v && v ? version then v.version else null;\n\
         in builtins.listToAttrs (map (attr: {{ name = attr; value = version attr; }}) names)\n",
        nixpkgs.expr(repo_root)
    )
}

/// The `nix-instantiate` arguments that evaluate [`version_expr`] for
/// `attrs`.
pub fn version_command(nixpkgs: &Nixpkgs, repo_root: &str, attrs: &[AttrPath]) -> Vec<String> {
    let list: Vec<&str> = attrs.iter().map(AttrPath::as_str).collect();
    [
        "nix-instantiate",
        "--eval",
        "--strict",
        "--json",
        "--read-write-mode",
        "--argstr",
        "attrs",
        &list.join(" "),
        "--expr",
        &version_expr(nixpkgs, repo_root),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The versions in `nix-instantiate`'s JSON output, per attribute path
/// (`None`: nixpkgs has no such attribute, or it has no version).
pub fn parse_versions(stdout: &str) -> eyre::Result<BTreeMap<String, Option<String>>> {
    let map: BTreeMap<String, Option<String>> =
        serde_json::from_str(stdout.trim()).map_err(|e| {
            eyre!(
                "nix-instantiate printed something other than the versions ({e}): {}",
                excerpt(stdout)
            )
        })?;
    Ok(map
        .into_iter()
        .map(|(k, v)| (k, v.map(|s| s.trim().to_owned())))
        .collect())
}
