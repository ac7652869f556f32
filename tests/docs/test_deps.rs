//! `ci/install-test-deps` installs every tool that `bash ci/test` and the
//! tests run, so that the test command works on a stock Debian machine
//! (with Rust from rustup and network access, which the README states).
//!
//! The tools are found where they are called, not listed by hand:
//! - the command words of `ci/test` and of every `ci/<script>` it runs (and
//!   `ci/crate-digest`, which the runtime shim's tests run), outside
//!   comments and heredocs, and the tool a `${VAR:-tool}` default names;
//! - `Command::new("tool")` in `tests/` and `src/`, and the absolute
//!   `/bin/tool`, `/usr/bin/tool` paths the tests and their Nix fixtures
//!   run.
//!
//! Each tool must come from a package `ci/install-test-deps` installs (or
//! one of their dependencies), from Debian's base system (an Essential or
//! `required` package, on every Debian machine), or be one the README says
//! the script cannot install (Rust's, from rustup). Which package holds a
//! tool is [`PACKAGE_OF`], Debian's own answer, checked against `dpkg -S`
//! wherever this machine has the tool from Debian. A tool in none of these
//! fails the test, naming the file that calls it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Debian package of each tool the tests and scripts call that is not
/// in the base system (Debian 12: `dpkg -S`, `apt-file search`).
const PACKAGE_OF: &[(&str, &str)] = &[
    ("apt-get", "apt"),
    ("busybox", "busybox-static"),
    ("docker-registry", "docker-registry"),
    ("git", "git"),
    ("htpasswd", "apache2-utils"),
    ("nix", "nix-bin"),
    ("nix-build", "nix-bin"),
    ("nix-instantiate", "nix-bin"),
    ("nix-store", "nix-bin"),
    ("openssl", "openssl"),
    ("python3", "python3"),
    ("shellcheck", "shellcheck"),
    ("skopeo", "skopeo"),
    ("time", "time"),
    ("umoci", "umoci"),
];

/// Tools of Debian's base system (Essential or `required` packages:
/// bash, coreutils, dash, dpkg, findutils, grep, sed, tar, util-linux),
/// on every Debian machine.
const BASE: &[&str] = &[
    "bash",
    "basename",
    "cat",
    "chmod",
    "cp",
    "cut",
    "date",
    "dirname",
    "dpkg-query",
    "env",
    "find",
    "flock",
    "grep",
    "head",
    "id",
    "ln",
    "mkdir",
    "mktemp",
    "mv",
    "readlink",
    "realpath",
    "rm",
    "sed",
    "sh",
    "sha256sum",
    "sleep",
    "sort",
    "tail",
    "tar",
    "tee",
    "touch",
    "tr",
    "uniq",
    "wc",
    "xargs",
];

/// Tools the script cannot install, which the README states: Rust's, from
/// rustup.
const FROM_RUSTUP: &[&str] = &["cargo", "rustc", "rustup"];

/// Tools a script calls only where the usual way is not available, with
/// why.
const FALLBACKS: &[(&str, &str)] = &[
    (
        "shasum",
        "ci/crate-digest's fallback where sha256sum is missing (macOS)",
    ),
    (
        "sudo",
        "ci/install-test-deps runs apt-get through it only when not root (the README says so)",
    ),
];

/// Shell keywords and builtins: not tools.
const SHELL_WORDS: &[&str] = &[
    "!",
    "[",
    "[[",
    "]]",
    "break",
    "case",
    "cd",
    "continue",
    "declare",
    "do",
    "done",
    "echo",
    "elif",
    "else",
    "esac",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fi",
    "for",
    "function",
    "if",
    "in",
    "local",
    "mapfile",
    "printf",
    "pwd",
    "read",
    "readarray",
    "return",
    "set",
    "shift",
    "source",
    "test",
    "then",
    "trap",
    "true",
    "type",
    "unset",
    "until",
    "wait",
    "while",
    "{",
    "}",
];

/// The packages `ci/install-test-deps` installs: its `packages=(...)`.
fn installed_packages() -> BTreeSet<String> {
    let text = std::fs::read_to_string(crate_root().join("ci/install-test-deps"))
        .expect("ci/install-test-deps is readable");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("packages=("))
        .expect("ci/install-test-deps has a line packages=(...)");
    let inner = line
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .expect("packages=(...) on one line")
        .0;
    inner.split_whitespace().map(str::to_owned).collect()
}

/// The scripts ci/test runs (`ci/<name>` words, followed from script to
/// script), and ci/crate-digest (run by the runtime shim's tests).
fn scripts() -> Vec<PathBuf> {
    let root = crate_root();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut todo = vec![root.join("ci/test"), root.join("ci/crate-digest")];
    while let Some(path) = todo.pop() {
        if seen.contains(&path) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for word in code_lines(&text)
            .iter()
            .flat_map(|l| l.split(|c: char| c.is_whitespace() || c == '$' || c == '('))
        {
            if let Some(name) = word.strip_prefix("ci/") {
                let name: String = name
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
                let next = root.join("ci").join(&name);
                if !name.is_empty() && next.is_file() {
                    todo.push(next);
                }
            }
        }
        seen.push(path);
    }
    seen.sort();
    seen
}

/// The lines of a shell script that are code: no comment lines, no
/// heredoc bodies (`<<'PY'` ... `PY`), and no trailing ` # comment`.
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut heredoc: Option<String> = None;
    for line in text.lines() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        let code = strip_comment(line);
        if let Some(at) = code.find("<<") {
            let rest = code[at + 2..].trim_start_matches('-').trim_start();
            let word: String = rest
                .trim_start_matches(['\'', '"'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() && !rest.starts_with('<') {
                heredoc = Some(word);
            }
        }
        out.push(code);
    }
    out
}

/// The simple commands of a line: split at `|`, `&&`, `||`, `;`, `(`,
/// `)`, `` ` `` and `$(` outside quotes (and at `$(` inside double
/// quotes, which starts a command), with `[[ ... ]]` tests left out.
fn segments(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = vec![String::new()];
    let (mut single, mut double) = (false, false);
    // For each open `(` or `$(`: whether it opened inside double quotes.
    let mut open: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if single {
            single = c != '\'';
            out.last_mut().unwrap().push(c);
        } else if c == '$' && next == Some('(') {
            out.push(String::new());
            open.push(double);
            double = false;
            i += 1;
        } else if double {
            double = c != '"';
            out.last_mut().unwrap().push(c);
        } else if c == '[' && next == Some('[') {
            let rest: String = chars[i..].iter().collect();
            let end = rest
                .find("]]")
                .map_or(chars.len(), |e| i + rest[..e].chars().count() + 1);
            i = end;
        } else if c == '(' {
            out.push(String::new());
            open.push(false);
        } else if c == ')' {
            out.push(String::new());
            double = open.pop().unwrap_or(false);
        } else if matches!(c, '|' | '&' | ';' | '`') {
            out.push(String::new());
        } else {
            single = c == '\'';
            double = c == '"';
            out.last_mut().unwrap().push(c);
        }
        i += 1;
    }
    out
}

/// `line` up to a `#` that starts a comment (after blank space, outside
/// quotes).
fn strip_comment(line: &str) -> String {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return line[..i].to_owned(),
            _ => {}
        }
        prev = c;
    }
    line.to_owned()
}

/// The command words of a script: the first word of each simple command
/// (after `VAR=value` assignments), split at `|`, `&&`, `||`, `;`, `(`,
/// `$(`, `!` and the shell keywords; and the tools named by `${VAR:-tool}`
/// defaults. Words that are not plain names (`"$venv/bin/x"`, `ci/venv`)
/// are left out: they are the repository's own scripts or computed.
fn script_commands(text: &str) -> BTreeSet<String> {
    let lines = code_lines(text);
    let functions: BTreeSet<String> = lines
        .iter()
        .filter_map(|l| {
            l.trim()
                .split_once("() {")
                .map(|(n, _)| n.trim().to_owned())
        })
        .collect();
    let mut out = BTreeSet::new();
    for line in &lines {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(":-") {
            let tool: String = rest[at + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if rest[at + 2..][tool.len()..].starts_with('}') && is_tool_name(&tool) {
                out.insert(tool);
            }
            rest = &rest[at + 2..];
        }
        for segment in segments(line) {
            let mut words = segment.split_whitespace().peekable();
            // A loop's, a case's or a declaration's words are values.
            if words.peek().is_some_and(|w| {
                matches!(
                    *w,
                    "for"
                        | "case"
                        | "select"
                        | "local"
                        | "declare"
                        | "export"
                        | "readonly"
                        | "unset"
                        | "read"
                )
            }) {
                continue;
            }
            while let Some(w) = words.peek() {
                let is_assignment = w.split_once('=').is_some_and(|(n, _)| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
                if is_assignment
                    || SHELL_WORDS.contains(w)
                    || w.starts_with(['<', '>'])
                    || w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('>')
                {
                    words.next();
                    continue;
                }
                break;
            }
            // `command -v tool` asks whether a tool exists; it runs nothing.
            if let Some(word) = words.next()
                && word != "command"
                && is_tool_name(word)
                && !functions.contains(word)
            {
                out.insert(word.to_owned());
            }
        }
    }
    out
}

fn is_tool_name(word: &str) -> bool {
    !word.is_empty()
        && word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
        && !word.ends_with('.')
}

/// The tools a Rust or Nix file runs: `Command::new("tool")`, and (in the
/// tests and their fixtures) `"/bin/tool"` or `"/usr/bin/tool"`.
fn source_commands(text: &str, with_paths: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for piece in text.split("Command::new(\"").skip(1) {
        if let Some((tool, _)) = piece.split_once('"')
            && is_tool_name(tool)
        {
            out.insert(tool.to_owned());
        }
    }
    if with_paths {
        for prefix in ["\"/bin/", "\"/usr/bin/", "\"/usr/sbin/", "\"/sbin/"] {
            for piece in text.split(prefix).skip(1) {
                if let Some((tool, _)) = piece.split_once('"')
                    && is_tool_name(tool)
                {
                    out.insert(tool.to_owned());
                }
            }
        }
    }
    out
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a readable folder").path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Every tool, with the files that call it.
fn tools() -> BTreeMap<String, BTreeSet<String>> {
    let root = crate_root();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |tools: BTreeSet<String>, path: &Path| {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for tool in tools {
            found.entry(tool).or_default().insert(name.clone());
        }
    };
    for script in scripts() {
        add(
            script_commands(&std::fs::read_to_string(&script).unwrap()),
            &script,
        );
    }
    let mut rust = Vec::new();
    files_under(&root.join("tests"), "rs", &mut rust);
    for path in rust {
        let text = std::fs::read_to_string(&path).unwrap();
        // This file names tools in its tables, not as commands it runs.
        if path.ends_with("tests/docs/test_deps.rs") {
            continue;
        }
        add(source_commands(&text, true), &path);
    }
    let mut src = Vec::new();
    files_under(&root.join("src"), "rs", &mut src);
    for path in src {
        add(
            source_commands(&std::fs::read_to_string(&path).unwrap(), false),
            &path,
        );
    }
    let mut nix = Vec::new();
    files_under(&root.join("tests/fixtures/nix"), "nix", &mut nix);
    for path in nix {
        add(
            source_commands(&std::fs::read_to_string(&path).unwrap(), true),
            &path,
        );
    }
    found
}

/// `dpkg -S` of where the tool is on this machine (with and without
/// `/usr`, for merged-/usr systems): its Debian package, when dpkg knows
/// the file.
fn dpkg_package(tool: &str) -> Option<String> {
    let paths = [
        format!("/usr/bin/{tool}"),
        format!("/bin/{tool}"),
        format!("/usr/sbin/{tool}"),
        format!("/sbin/{tool}"),
    ];
    for path in paths.iter().filter(|p| Path::new(p).exists()) {
        let output = Command::new("dpkg").args(["-S", path]).output().ok()?;
        if !output.status.success() {
            continue;
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text.lines().find(|l| !l.starts_with("diversion by"))?;
        let package = line.split_once(':')?.0;
        return Some(package.split(',').next()?.trim().to_owned());
    }
    None
}

/// Whether dpkg knows `package` as Essential or of priority `required`.
fn dpkg_base(package: &str) -> Option<bool> {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${Essential} ${Priority}", package])
        .output()
        .ok()?;
    output.status.success().then(|| {
        let text = String::from_utf8_lossy(&output.stdout);
        text.starts_with("yes") || text.ends_with("required")
    })
}

/// The direct dependencies of the listed packages, from dpkg (which
/// installs them with the package): `python3` brings `python3-minimal`.
fn dependencies(packages: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for package in packages {
        let Ok(output) = Command::new("dpkg-query")
            .args(["-W", "-f=${Depends},${Pre-Depends}", package])
            .output()
        else {
            continue;
        };
        for dep in String::from_utf8_lossy(&output.stdout).split([',', '|']) {
            let name = dep.split_whitespace().next().unwrap_or("");
            let name = name.split(':').next().unwrap_or("");
            if !name.is_empty() {
                out.insert(name.to_owned());
            }
        }
    }
    out
}

fn has_dpkg() -> bool {
    Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_install_script_names_a_package_for_every_tool_the_tests_run() {
    let packages = installed_packages();
    let map: BTreeMap<&str, &str> = PACKAGE_OF.iter().copied().collect();
    let found = tools();
    let mut problems = Vec::new();
    for (tool, files) in &found {
        let files = files.iter().cloned().collect::<Vec<_>>().join(", ");
        if BASE.contains(&tool.as_str())
            || FROM_RUSTUP.contains(&tool.as_str())
            || FALLBACKS.iter().any(|(t, _)| t == tool)
        {
            continue;
        }
        match map.get(tool.as_str()) {
            None => problems.push(format!(
                "`{tool}` (run by {files}) is no tool this test knows: add it to PACKAGE_OF in \
                 tests/docs/test_deps.rs with its Debian package, and the package to \
                 ci/install-test-deps (or to BASE, if an Essential package has it)"
            )),
            Some(package) if *package == "apt" => {}
            Some(package) if !packages.contains(*package) => problems.push(format!(
                "`{tool}` (run by {files}) comes from the Debian package {package}, which \
                 ci/install-test-deps does not install: add it to its packages=(...)"
            )),
            Some(_) => {}
        }
    }
    // `python3 -m venv` needs Debian's python3-venv (ensurepip).
    let venv_users: Vec<String> = scripts()
        .into_iter()
        .filter(|s| {
            code_lines(&std::fs::read_to_string(s).unwrap())
                .iter()
                .any(|l| l.contains("-m venv"))
        })
        .map(|s| s.strip_prefix(crate_root()).unwrap().display().to_string())
        .collect();
    assert!(!venv_users.is_empty(), "ci/venv runs `python3 -m venv`");
    if !packages.contains("python3-venv") {
        problems.push(format!(
            "{} run `python3 -m venv`, which needs the Debian package python3-venv: add it to \
             ci/install-test-deps",
            venv_users.join(", ")
        ));
    }
    assert!(
        problems.is_empty(),
        "ci/install-test-deps misses what the tests run:\n  {}",
        problems.join("\n  ")
    );
}

/// The tool table is Debian's: wherever this machine has a tool from a
/// Debian package, `dpkg -S` names the same package (or, for a base tool,
/// an Essential or `required` one). A listed package that dpkg installs
/// brings its dependencies, which count as installed too.
#[test]
fn the_tool_table_agrees_with_dpkg() {
    if !has_dpkg() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI=true but dpkg-query is missing: the tests run on Debian"
        );
        eprintln!("note: no dpkg here, the tool table is not checked against it");
        return;
    }
    let packages = installed_packages();
    let with_deps: BTreeSet<String> = packages.union(&dependencies(&packages)).cloned().collect();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (tool, package) in PACKAGE_OF {
        let Some(real) = dpkg_package(tool) else {
            continue; // not from Debian here (e.g. a git or python3 of its own)
        };
        checked += 1;
        let same = real == *package
            || (with_deps.contains(&real) && packages.contains(*package))
            || dependencies(&BTreeSet::from([package.to_string()])).contains(&real);
        if !same {
            problems.push(format!(
                "{tool}: the table says {package}, dpkg -S says {real}"
            ));
        }
    }
    for tool in BASE {
        let Some(real) = dpkg_package(tool) else {
            continue;
        };
        checked += 1;
        if dpkg_base(&real) != Some(true) {
            problems.push(format!(
                "{tool}: listed as a base tool, but its package {real} is not Essential or \
                 required"
            ));
        }
    }
    assert!(checked > 10, "dpkg knew only {checked} of the tools");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_extraction_finds_command_words_and_skips_the_rest() {
    let script = r#"#!/usr/bin/env bash
# shellcheck is named in a comment only
set -euo pipefail
python=${PYTHON:-python3}
out=$(git -C x rev-parse HEAD | tr -d '\n') # not-a-tool here
if ! command -v flock >/dev/null; then
  LC_ALL=C sort -z <file
fi
helper() { umoci unpack; }
helper
"$venv/bin/actionlint" -config-file x
ci/venv name pkg
cat <<'PY'
import os
skopeo = 1
PY
echo "== cargo fmt --check"
"#;
    let got: Vec<String> = script_commands(script).into_iter().collect();
    assert_eq!(got, ["cat", "git", "python3", "sort", "tr", "umoci"]);
    let rust = r#"Command::new("openssl").arg("x"); let p = Path::new("/bin/busybox");"#;
    let got: Vec<String> = source_commands(rust, true).into_iter().collect();
    assert_eq!(got, ["busybox", "openssl"]);
}
