//! What `build-nix` and `publish-nix` build: a Nix file of the repository
//! (the container's `default.nix`, or `--nix-file`), called the way
//! nixpkgs calls a package, or an output of the repository's flake
//! (`--flake-output`). Each is one Nix expression of this crate, a
//! function of two strings passed with `--argstr`: `repo` (the
//! repository's folder) and `target` (the file's path in it, or the
//! output's attribute path). Nothing the user gives becomes Nix code.

use std::fmt;

use eyre::{bail, eyre};

use crate::core::container::build_options::relative_path;
use crate::core::container::discovery::build_file_path;
use crate::core::container::kind::BuildKind;
use crate::core::container::names::ContainerName;
use crate::core::nix::nixpkgs::{AttrPath, DEFAULT_FLAKE_LOCK, DEFAULT_NIXPKGS_INPUT};
use crate::core::text::excerpt;

/// The flake `--flake-output` reads: the repository's own, at its root.
pub const FLAKE_FILE: &str = "flake.nix";

/// A file, built with nixpkgs' `callPackage`: its arguments come from the
/// pinned nixpkgs (`pkgs` too, which nixpkgs has as an attribute of
/// itself), so a file written `{ pkgs ? import <nixpkgs> {} }:`, `{ pkgs,
/// ... }:` or `{ dockerTools, jq }:` builds alike. A file that is not a
/// function is taken as it is.
pub const FILE_EXPR: &str = r#"{ repo, target }:
let
  pkgs = import <nixpkgs> { config = { }; overlays = [ ]; };
  image = import (/. + "${repo}/${target}");
in
if builtins.isFunction image then pkgs.callPackage image { } else image
"#;

/// An output of the repository's flake (`path:` the folder: it is no git
/// checkout in the Nix image), found as `nix build .#<target>` finds it:
/// `packages.<system>.<target>`, else `legacyPackages.<system>.<target>`,
/// else `<target>` itself. The flake.lock must pin every input: nothing is
/// locked or updated on the way (`builtins.getFlake` writes no lock file).
pub const FLAKE_EXPR: &str = r#"{ repo, target }:
let
  outputs = builtins.getFlake "path:${repo}";
  system = builtins.currentSystem;
  names = builtins.filter builtins.isString (builtins.split "[.]" target);
  find = set: path:
    if path == [ ] then { found = true; value = set; }
    else let name = builtins.head path; in
      if builtins.isAttrs set && set ? ${name} then find set.${name} (builtins.tail path)
      else { found = false; };
  tried = [ ([ "packages" system ] ++ names) ([ "legacyPackages" system ] ++ names) names ];
  found = builtins.filter (t: t.found) (map (find outputs) tried);
in
if found == [ ] then
  throw "blumeops-ci: the flake of --src has no output `${target}` (neither packages.${system}.${target}, legacyPackages.${system}.${target} nor ${target})"
else (builtins.head found).value
"#;

/// The mark of the messages [`FLAKE_EXPR`] throws.
pub(super) const THROWN: &str = "blumeops-ci: ";

/// The Nix expression an image is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NixRecipe {
    /// `containers/<name>/default.nix`, the container's own.
    Container(ContainerName),
    /// `--nix-file`: another file of the repository (relative to it).
    File(String),
    /// `--flake-output`: an output of the repository's flake.
    FlakeOutput(AttrPath),
}

impl NixRecipe {
    /// The target of a call: `--nix-file` or `--flake-output` when one is
    /// given (not both), else the container's `default.nix`.
    pub fn parse(
        name: &ContainerName,
        nix_file: Option<&str>,
        flake_output: Option<&str>,
    ) -> eyre::Result<NixRecipe> {
        match (nix_file, flake_output) {
            (Some(_), Some(_)) => bail!(
                "--nix-file and --flake-output both name the image to build: give one of them \
                 (or neither, for containers/{name}/default.nix)."
            ),
            (Some(file), None) => Ok(NixRecipe::File(relative_path(file).ok_or_else(|| {
                eyre!(
                    "--nix-file `{}` is not a path inside the repository: give it relative to \
                     --src, without `..` (e.g. packages/ollama-container.nix).",
                    excerpt(file)
                )
            })?)),
            (None, Some(output)) => NixRecipe::parse_flake_output(output),
            (None, None) => Ok(NixRecipe::Container(name.clone())),
        }
    }

    /// `--flake-output`: an attribute path, checked as nixpkgs attribute
    /// paths are (Nix identifiers separated by dots).
    pub fn parse_flake_output(raw: &str) -> eyre::Result<NixRecipe> {
        AttrPath::parse(raw).map(NixRecipe::FlakeOutput).map_err(|_| {
            eyre!(
                "--flake-output `{}` is not an attribute path of the flake's outputs: names of \
                 letters, digits, `_`, `-` and `'`, separated by dots (e.g. attic-server-image, \
                 for packages.<system>.attic-server-image, or packages.x86_64-linux.ollama-container).",
                excerpt(raw)
            )
        })
    }

    /// The file built, relative to the repository (none for a flake output).
    pub fn file(&self) -> Option<String> {
        match self {
            NixRecipe::Container(name) => Some(build_file_path(name, BuildKind::Nix)),
            NixRecipe::File(path) => Some(path.clone()),
            NixRecipe::FlakeOutput(_) => None,
        }
    }

    /// Whether the build needs the pinned nixpkgs as `<nixpkgs>` (a file
    /// does; a flake output has its flake.lock).
    pub fn needs_nixpkgs(&self) -> bool {
        !matches!(self, NixRecipe::FlakeOutput(_))
    }

    /// The Nix expression that evaluates to the image.
    pub fn expression(&self) -> &'static str {
        match self {
            NixRecipe::Container(_) | NixRecipe::File(_) => FILE_EXPR,
            NixRecipe::FlakeOutput(_) => FLAKE_EXPR,
        }
    }

    /// The expression's `target` argument: the file, or the attribute path.
    pub fn argument(&self) -> String {
        match self {
            NixRecipe::FlakeOutput(attr) => attr.to_string(),
            other => other.file().unwrap_or_default(),
        }
    }

    /// Refuses the nixpkgs arguments where they do not apply: a flake
    /// output is built with its flake's own flake.lock, so `--flake-lock`,
    /// `--nixpkgs-input` and `--nixpkgs` (when they differ from their
    /// defaults) would be silently ignored.
    pub fn check_nixpkgs_args(
        &self,
        flake_lock: &str,
        nixpkgs_input: &str,
        nixpkgs: Option<&str>,
    ) -> eyre::Result<()> {
        if !matches!(self, NixRecipe::FlakeOutput(_)) {
            return Ok(());
        }
        let given: Vec<&str> = [
            (flake_lock != DEFAULT_FLAKE_LOCK).then_some("--flake-lock"),
            (nixpkgs_input != DEFAULT_NIXPKGS_INPUT).then_some("--nixpkgs-input"),
            nixpkgs.is_some().then_some("--nixpkgs"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if given.is_empty() {
            return Ok(());
        }
        bail!(
            "{} {} not apply to --flake-output: a flake output is built with the flake's own \
             flake.lock, which pins its nixpkgs.\nLeave {} out; to build with another nixpkgs, \
             change the flake's input and run `nix flake lock`.",
            given.join(" and "),
            if given.len() == 1 { "does" } else { "do" },
            if given.len() == 1 { "it" } else { "them" },
        )
    }
}

impl fmt::Display for NixRecipe {
    /// How messages name it: the file, or ``flake output `<attr>` ``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NixRecipe::FlakeOutput(attr) => write!(f, "flake output `{attr}`"),
            other => f.write_str(&other.file().unwrap_or_default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> ContainerName {
        ContainerName::parse(s).unwrap()
    }

    #[test]
    fn the_container_file_is_the_default() {
        let target = NixRecipe::parse(&name("jq"), None, None).unwrap();
        assert_eq!(target, NixRecipe::Container(name("jq")));
        assert_eq!(target.to_string(), "containers/jq/default.nix");
        assert_eq!(target.argument(), "containers/jq/default.nix");
        assert_eq!(target.expression(), FILE_EXPR);
        assert!(target.needs_nixpkgs());
    }

    #[test]
    fn a_nix_file_is_a_path_inside_the_repository() {
        let target = NixRecipe::parse(&name("ollama"), Some("./packages//ollama.nix"), None);
        assert_eq!(
            target.unwrap(),
            NixRecipe::File("packages/ollama.nix".into())
        );
        for bad in ["", "/etc/x.nix", "../x.nix", "a/../../x.nix", "a\nb"] {
            let err = NixRecipe::parse(&name("x"), Some(bad), None)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("--nix-file `"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn a_flake_output_is_an_attribute_path() {
        let target = NixRecipe::parse(
            &name("x"),
            None,
            Some("packages.x86_64-linux.ollama-container"),
        )
        .unwrap();
        assert_eq!(
            target.to_string(),
            "flake output `packages.x86_64-linux.ollama-container`"
        );
        assert_eq!(target.expression(), FLAKE_EXPR);
        assert!(!target.needs_nixpkgs() && target.file().is_none());
        for bad in ["", "a;b", "a.\"b\"", "${x}", "a b", "#x", "path:/src#x"] {
            let err = NixRecipe::parse(&name("x"), None, Some(bad))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("--flake-output `"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn one_target_at_a_time() {
        let err = NixRecipe::parse(&name("x"), Some("a.nix"), Some("a"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("give one of them"), "{err}");
    }

    #[test]
    fn nixpkgs_arguments_do_not_apply_to_a_flake_output() {
        let flake = NixRecipe::parse_flake_output("img").unwrap();
        assert!(
            flake
                .check_nixpkgs_args(DEFAULT_FLAKE_LOCK, DEFAULT_NIXPKGS_INPUT, None)
                .is_ok()
        );
        let err = flake
            .check_nixpkgs_args(
                "nixos/host/flake.lock",
                DEFAULT_NIXPKGS_INPUT,
                Some("/nix/store/x"),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--flake-lock and --nixpkgs do not apply to --flake-output"),
            "{err}"
        );
        let file = NixRecipe::File("a.nix".into());
        assert!(
            file.check_nixpkgs_args("x.lock", "np", Some("/nix/store/x"))
                .is_ok()
        );
    }

    #[test]
    fn the_expressions_take_their_values_as_arguments() {
        for expr in [FILE_EXPR, FLAKE_EXPR] {
            assert!(expr.starts_with("{ repo, target }:\n"), "{expr}");
        }
        assert!(FLAKE_EXPR.contains(THROWN));
    }
}
