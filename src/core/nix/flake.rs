//! `flake-lock` and `flake-update`: which flake, the exact script that runs
//! `nix flake lock` or `nix flake update` in its folder (in the Nix image,
//! over the repository), and what its outcome means. `tests/real/flake_real.rs`
//! runs this script with real Nix.
//!
//! The script runs with the flake's folder as its working directory (set by
//! the pipeline, so the folder never passes through a shell or a flake
//! reference, where `#` and `?` mean something), and leaves `flake.lock`
//! there. Nix copies the flake to the store to read it: `--src` carries no
//! `.git`, so the flake is a `path:` flake made of that folder.

use eyre::bail;

use crate::core::command::exit_status::{TAIL_LINES, tail};
use crate::core::container::build_options::relative_path;
use crate::core::nix::build::REPO_MOUNT;
use crate::core::text::excerpt;

/// The flake `flake-lock` and `flake-update` work on, unless `--flake-path`
/// says otherwise (the origin's default: a host flake of the ops repository).
pub const DEFAULT_FLAKE_PATH: &str = "nixos/ringtail";

/// Which `nix flake` command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlakeCommand {
    /// `nix flake lock`: locks the inputs the lock lacks, keeps the others.
    Lock,
    /// `nix flake update`: every input to its newest version.
    Update,
}

impl FlakeCommand {
    /// The `nix flake` subcommand.
    pub fn subcommand(self) -> &'static str {
        match self {
            FlakeCommand::Lock => "lock",
            FlakeCommand::Update => "update",
        }
    }
}

/// Exit status of [`LOCK_SCRIPT`] when Nix succeeded but left no
/// `flake.lock` (anything else is Nix's own).
pub const NO_LOCK_EXIT: i32 = 20;

/// `sh -c LOCK_SCRIPT sh <lock|update>`, run in the flake's folder: the
/// `nix flake` command with the flake's `nixConfig` accepted (as the
/// origin ran it), then a check that Nix left a `flake.lock` (it writes
/// none for a flake without inputs).
pub const LOCK_SCRIPT: &str = r#"set -eu
nix flake "$1" --accept-flake-config
[ -f flake.lock ] || exit 20
"#;

/// The arguments of [`LOCK_SCRIPT`] for `command`.
pub fn lock_argv(command: FlakeCommand) -> Vec<String> {
    crate::core::command::shell::sh_c(LOCK_SCRIPT, [command.subcommand().to_owned()])
}

/// `--flake-path`: the folder of a `flake.nix`, relative to the repository
/// (`.` for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlakePath(String);

impl FlakePath {
    /// Checks `raw` with the rule every path inside the repository follows
    /// ([`relative_path`]); `.` (or `./`) is the root.
    pub fn parse(raw: &str) -> eyre::Result<FlakePath> {
        let root = !raw.is_empty()
            && !raw.starts_with('/')
            && raw.split('/').all(|part| part.is_empty() || part == ".");
        match relative_path(raw) {
            Some(path) => Ok(FlakePath(path)),
            None if root => Ok(FlakePath(".".to_owned())),
            None => bail!(
                "--flake-path `{}` is not a folder inside the repository: give the folder of the \
                 flake.nix relative to --src, without `..` (default: {DEFAULT_FLAKE_PATH}; `.` for \
                 a flake at the root).",
                excerpt(raw)
            ),
        }
    }

    /// The folder, relative to the repository (`.` for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A file of the flake's folder, relative to the repository
    /// (`nixos/ringtail/flake.lock`, `flake.lock` at the root).
    pub fn file(&self, name: &str) -> String {
        match self.0.as_str() {
            "." => name.to_owned(),
            dir => format!("{dir}/{name}"),
        }
    }

    /// The folder where the repository is mounted in the Nix image: the
    /// script's working directory.
    pub fn workdir(&self) -> String {
        match self.0.as_str() {
            "." => REPO_MOUNT.to_owned(),
            dir => format!("{REPO_MOUNT}/{dir}"),
        }
    }

    /// The `flake.lock` the script leaves, in the Nix image.
    pub fn lock_in_image(&self) -> String {
        format!("{REPO_MOUNT}/{}", self.file("flake.lock"))
    }

    /// The error for a folder of `--src` without a `flake.nix`.
    pub fn missing_error(&self) -> String {
        format!(
            "--flake-path `{}` has no flake.nix: {} does not exist in --src.\n\
             Give the folder of the flake, relative to the repository root (default: \
             {DEFAULT_FLAKE_PATH}; `.` for a flake at the root), and check that --src is the \
             repository (e.g. --src=.).",
            excerpt(&self.0),
            excerpt(&self.file("flake.nix"))
        )
    }
}

/// The error a failed [`LOCK_SCRIPT`] stands for: what failed, why (the
/// end of Nix's stderr), and what to do.
pub fn script_error(
    command: FlakeCommand,
    flake: &FlakePath,
    exit_code: i32,
    stderr: &str,
) -> String {
    let nix = format!("nix flake {}", command.subcommand());
    let flake_nix = flake.file("flake.nix");
    let tail = tail(stderr, TAIL_LINES);
    if exit_code == NO_LOCK_EXIT {
        return format!(
            "`{nix}` left no {}: {flake_nix} declares no inputs, and Nix writes no lock file \
             for a flake without inputs.\nAdd the inputs to lock (e.g. inputs.nixpkgs.url = \
             \"github:NixOS/nixpkgs/nixos-unstable\";), or check --flake-path.",
            flake.file("flake.lock")
        );
    }
    let fetching = [
        "unable to download",
        "resolve host",
        "HTTP error",
        "unable to fetch",
    ]
    .iter()
    .any(|needle| stderr.contains(needle));
    if fetching {
        format!(
            "`{nix}` could not fetch an input of {flake_nix}:\n{tail}\n\
             Check the input's URL in {flake_nix}, and that the Dagger engine can reach it \
             (a network or DNS failure is worth a second try)."
        )
    } else {
        format!(
            "`{nix}` failed on {flake_nix} (exit status {exit_code}): Nix could not evaluate \
             or lock it.\n{tail}\n\
             Fix the error above in {flake_nix} (running `{nix}` in {} shows the same).",
            flake.as_str()
        )
    }
}

/// What a successful run of [`LOCK_SCRIPT`] must still be refused for:
/// Nix declined to write the lock file (an unlocked input, which Nix 2.8
/// only warns about), so the returned `flake.lock` would be stale.
pub fn unwritten_error(command: FlakeCommand, flake: &FlakePath, stderr: &str) -> Option<String> {
    let line = stderr
        .lines()
        .find(|l| l.contains("will not write lock file"))?;
    Some(format!(
        "`nix flake {}` did not write {}: {}\n\
         An input of {} is not locked (a path or URL Nix cannot pin): give it a locked form \
         (e.g. a github: reference or a tarball with a narHash).",
        command.subcommand(),
        flake.file("flake.lock"),
        line.trim().trim_start_matches("warning: "),
        flake.file("flake.nix")
    ))
}

/// What Nix says it did to the lock file, from its stderr: `None` when it
/// did not write it (nothing changed), else the lines under its `creating
/// lock file` or `updating lock file` warning (`• Updated input
/// 'nixpkgs':`, the old and the new reference), trimmed.
pub fn changes(stderr: &str) -> Option<Vec<String>> {
    let mut lines = stderr
        .lines()
        .skip_while(|l| !(l.contains("creating lock file") || l.contains("updating lock file")));
    lines.next()?;
    Some(
        lines
            .take_while(|l| l.starts_with('•') || l.starts_with(' '))
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn flake_paths_stay_inside_the_repository() {
        let ringtail = FlakePath::parse("./nixos//ringtail/").unwrap();
        assert_eq!(ringtail.as_str(), "nixos/ringtail");
        assert_eq!(ringtail.file("flake.nix"), "nixos/ringtail/flake.nix");
        assert_eq!(ringtail.workdir(), "/src/nixos/ringtail");
        assert_eq!(ringtail.lock_in_image(), "/src/nixos/ringtail/flake.lock");
        for root in [".", "./", "./."] {
            let flake = FlakePath::parse(root).unwrap();
            assert_eq!(flake.as_str(), ".");
            assert_eq!(flake.file("flake.nix"), "flake.nix");
            assert_eq!(flake.workdir(), "/src");
            assert_eq!(flake.lock_in_image(), "/src/flake.lock");
        }
        for bad in ["", "/etc", "../x", "nixos/../../x", "a\\b", "a\nb", "/"] {
            let err = FlakePath::parse(bad).unwrap_err().to_string();
            assert!(
                err.starts_with("--flake-path `") && err.contains("is not a folder inside"),
                "{bad:?}: {err}"
            );
        }
        let missing = FlakePath::parse("nixos/ringtail").unwrap().missing_error();
        assert!(
            missing.starts_with(
                "--flake-path `nixos/ringtail` has no flake.nix: nixos/ringtail/flake.nix does \
                 not exist in --src."
            ),
            "{missing}"
        );
    }

    #[test]
    fn the_script_takes_the_command_as_its_argument() {
        assert_eq!(
            lock_argv(FlakeCommand::Update),
            ["sh", "-c", LOCK_SCRIPT, "sh", "update"]
        );
        assert_eq!(lock_argv(FlakeCommand::Lock)[4], "lock");
    }

    #[test]
    fn errors_say_what_failed_and_what_to_do() {
        let flake = FlakePath::parse("nixos/ringtail").unwrap();
        let none = script_error(FlakeCommand::Lock, &flake, NO_LOCK_EXIT, "");
        assert!(
            none.starts_with("`nix flake lock` left no nixos/ringtail/flake.lock:"),
            "{none}"
        );
        let fetch = script_error(
            FlakeCommand::Update,
            &flake,
            1,
            "error: unable to download 'https://api.github.com/...': Couldn't resolve host name (6)",
        );
        assert!(
            fetch.starts_with(
                "`nix flake update` could not fetch an input of nixos/ringtail/flake.nix:"
            ),
            "{fetch}"
        );
        let syntax = script_error(
            FlakeCommand::Lock,
            &flake,
            1,
            "error: syntax error, unexpected ';'",
        );
        assert!(
            syntax
                .starts_with("`nix flake lock` failed on nixos/ringtail/flake.nix (exit status 1)")
                && syntax.contains("unexpected ';'"),
            "{syntax}"
        );
        let stale = unwritten_error(
            FlakeCommand::Lock,
            &flake,
            "warning: will not write lock file of flake 'path:/src' because it has an unlocked input ('path:/x')",
        )
        .unwrap();
        assert!(
            stale.starts_with(
                "`nix flake lock` did not write nixos/ringtail/flake.lock: will not write"
            ),
            "{stale}"
        );
        assert_eq!(
            unwritten_error(FlakeCommand::Lock, &flake, "warning: creating lock file"),
            None
        );
    }

    #[test]
    fn changes_are_the_lines_under_the_lock_file_warning() {
        let stderr = "unpacking...\nwarning: updating lock file '/src/flake.lock':\n\
                      • Updated input 'nixpkgs':\n    'github:NixOS/nixpkgs/a' (2024-01-01)\n  \
                      → 'github:NixOS/nixpkgs/b' (2024-02-01)\nsomething else\n";
        assert_eq!(
            changes(stderr).unwrap(),
            [
                "• Updated input 'nixpkgs':",
                "'github:NixOS/nixpkgs/a' (2024-01-01)",
                "→ 'github:NixOS/nixpkgs/b' (2024-02-01)"
            ]
        );
        assert_eq!(changes(""), None);
        assert_eq!(
            changes("warning: creating lock file '/src/flake.lock'\n"),
            Some(vec![])
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = FlakePath::parse(&s);
            let _ = changes(&s);
            let flake = FlakePath::parse("a").unwrap();
            let _ = script_error(FlakeCommand::Lock, &flake, 1, &s);
            let _ = unwritten_error(FlakeCommand::Update, &flake, &s);
        }
    }
}
