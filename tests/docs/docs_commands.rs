//! Every `dagger call` command line in the docs is checked against the
//! function table (`blumeops_ci::functions::FUNCTIONS`), and the calls
//! chained after it against the engine's GraphQL schema, so a renamed
//! function or flag, or a forgotten required argument, fails the tests
//! instead of a reader.
//!
//! # Where it looks
//!
//! `README.md`, every `docs/*.md` (the generated `reference.md` and
//! `bad-input.md` too: they are cheap to scan), and everything under
//! `examples/ops-repo/`: its Markdown files, its shell scripts (named
//! `.sh`/`.bash`, or with a `sh`/`bash` shebang) and its workflows
//! (`.yml`/`.yaml`).
//!
//! - Markdown: every line of a fenced or indented code block (a line ending
//!   in `\` joined with the next), and every inline code span.
//! - Scripts and workflows: every line outside comments (continuations
//!   joined; in a workflow, the text after `run:` and the lines of `run: |`
//!   blocks). Comments are prose and are not checked.
//!
//! # What counts as a command line
//!
//! - `dagger [dagger flags] call [call flags] FUNCTION [ARGS] [CHAIN]`,
//!   where `dagger` is the command word (the first word of a simple command,
//!   after `VAR=value` assignments; also inside `$(...)`). `dagger` with
//!   another subcommand (`dagger check`), and a bare `dagger call` that names
//!   the CLI in prose, are not calls and are left alone.
//! - In a shell script, a shell function whose body runs
//!   `dagger ... call ... "$@"` is a wrapper: `WRAPPER FUNCTION ARGS` in that
//!   script is checked as `dagger call FUNCTION ARGS` (the `call` of
//!   `examples/ops-repo/ci/containers-ci`).
//! - An inline code span that starts with a function's CLI name followed by
//!   a `--flag` (`nix-version --package=jq`): prose naming a call, checked
//!   like the arguments of `dagger call`.
//!
//! # What is checked
//!
//! 1. dagger's own flags, before and after `call` (`--progress=plain`,
//!    `-m <module>`, ...), are flags the Dagger CLI has;
//! 2. FUNCTION is in the table, by its CLI name (`build-nix`);
//! 3. each `--flag` is an argument of that function, as `--flag=value` or
//!    `--flag value` (a Boolean flag takes no separate value);
//! 4. every argument without a default (`Default::Required`) is given;
//! 5. what follows the arguments is a chain of calls on the returned type
//!    (`export --path=./x.tar`, `as-tarball`, `with-exec --args=...`): each
//!    is a field of that GraphQL type in the engine's schema, with its flags
//!    and required arguments checked the same way; nothing may follow a
//!    function that returns a String. Each chain is checked against the
//!    schema of both ends of the engine range (v0.20.1, v0.21.8), found as
//!    the harness finds them (`tests/harness/schema.rs`): a missing file
//!    fails the run under `CI=true`, naming it; elsewhere this step is
//!    skipped and the test says "schemas missing: chained calls not checked".
//!
//! `--src` is required on every function that reads `containers/`, so a
//! call typed in a clone of this repository (whose root is an example ops
//! repository) or in an ops repository is checked by rule 4 alone.
//!
//! Values are not checked: quotes, `$(...)`, `$VAR`, `env:X` and
//! `<placeholder>` are all fine.
//!
//! # Conventions for doc writers
//!
//! - `...` as a word means "arguments left out": `publish ... --dry-run` is
//!   checked for its flags, not for its required arguments. `...` in place of
//!   the function (`dagger call -m $BLUMEOPS_CI ... --src=.`) checks that
//!   each flag is an argument of some function.
//! - A shell array expansion (`"${args[@]}"`, `"$@"`) among the arguments
//!   counts as `...`: a line that builds its arguments in arrays is checked
//!   for its literal function and flags only. A function given by a variable
//!   or an array (`dagger call "$fn"`, `dagger call "$@"`) is not checked.
//! - **A command of another module** (the ops repository's own module, or
//!   the Python module's command line a migration replaces): put
//!   `<!-- another module -->` alone on a line before its code block or
//!   paragraph; its commands are not checked.
//! - **A command shown because it fails**: put the HTML comment
//!   `<!-- fails -->` alone on a line before its code block (blank lines in
//!   between are fine), or before the paragraph whose inline code shows it.
//!   Every command there must then *fail* this check; one that passes is
//!   reported, so the marker cannot outlive the reason for it. Only
//!   commands the function table rejects need it: a call that fails when it
//!   runs (a bad container name) passes this check and needs no marker.
//!
//! Every problem in every file is reported at once, each with `file:line`,
//! the command and what is wrong, so one run lists all the fixes. To see
//! which command lines were found, run
//! `DOCS_COMMANDS_LIST=1 cargo test --test docs_commands -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::{Type, kebab_case};
use blumeops_ci::module::spec::FunctionSpec;

use crate::harness::schema;

/// The module's own crate root (what `harness/schema.rs` resolves from).
fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The marker for a command shown because it fails (see the module docs).
const FAILS_MARKER: &str = "<!-- fails -->";

/// Marks the next code block or paragraph as calls of another module (the
/// ops repository's own, `-m <its folder>`), or of the Python module this
/// one replaces: their functions are not this module's, and they are not
/// checked.
const OTHER_MODULE_MARKER: &str = "<!-- another module -->";

/// The `dagger call` command lines the extraction found in each file when
/// this floor was set (67 in all, 66 of them checkable): a broken
/// extraction finds fewer. A floor, not a count: docs gain commands. Lower
/// (or move) a file's floor only when its commands were removed (or moved)
/// on purpose.
const FOUND_FLOOR: &[(&str, usize)] = &[
    ("README.md", 2),
    ("docs/bad-input.md", 1),
    ("docs/benchmarks.md", 9),
    ("docs/explanation.md", 3),
    ("docs/how-to.md", 38),
    ("docs/troubleshooting.md", 1),
    ("docs/tutorial.md", 7),
    ("examples/ops-repo/ci/containers-ci", 6),
];

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

/// Every command line of README.md, docs/*.md and examples/ops-repo/ passes
/// the checks above (or fails them, where marked `<!-- fails -->`).
#[test]
fn every_documented_command_line_matches_the_function_table() {
    let root = crate_root();
    let schemas = schema::schemas();
    let mut report = Report::default();
    for path in documented_files(&root) {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let found = commands_in(&name, &text);
        report.check_all(&name, &found, schemas);
    }
    eprintln!("{}", report.summary(!schemas.is_empty()));
    assert!(
        report.files_with_commands.contains("README.md"),
        "no `dagger call` command line was found in README.md, which shows the main one: \
         the extraction in tests/docs/docs_commands.rs is broken, or the README lost its example"
    );
    let short: Vec<String> = FOUND_FLOOR
        .iter()
        .filter(|(file, floor)| report.found_in(file) < *floor)
        .map(|(file, floor)| {
            format!(
                "{file}: {} command line(s) found, at least {floor} expected",
                report.found_in(file)
            )
        })
        .collect();
    assert!(
        short.is_empty(),
        "the extraction found fewer `dagger call` command lines than the docs hold:\n{}\n\
         Either the extraction in tests/docs_commands.rs is broken, or commands were removed \
         or moved on purpose: then lower or move that file's floor in FOUND_FLOOR.",
        short.join("\n")
    );
    assert!(
        report.problems.is_empty(),
        "{} problem(s) in the documented command lines, checked against src/functions/{}.\n\
         Fix each line below; a command shown *because* it fails goes after a line \
         `{FAILS_MARKER}` (see tests/docs/docs_commands.rs).\n\n{}",
        report.problems.len(),
        if !schemas.is_empty() {
            " and the engine's GraphQL schemas"
        } else {
            ""
        },
        report.problems.join("\n")
    );
}

/// The checker itself, on made-up docs: what it accepts.
#[test]
fn the_checker_accepts_the_documented_forms() {
    let ok = [
        // `--flag=value`, `--flag value`, quoted and substituted values,
        // dagger's flags on either side of `call`, `-m X` before `call`.
        "    dagger call build --src=. --container-name=nettest",
        "    dagger call build --container-name nettest --src .",
        "    dagger --progress=plain call -m ../blumeops-ci build --src=. --container-name=\"$name\"",
        "    dagger -m github.com/x/y@main call build --src=. --container-name=<name>",
        "    dagger call -m $BLUMEOPS_CI publish --src=. --container-name=x --commit-sha=$(git rev-parse HEAD) \\\n        --registry-password=env:KEY --dry-run",
        // A Boolean flag takes no separate value, so `--dry-run` is followed
        // by more flags.
        "    dagger call publish --dry-run --container-name x --commit-sha abc1234 --src=d",
        // Elided arguments and elided functions.
        "Prose naming `publish ... --dry-run` and `dagger call -m X ... --src=.`.",
        // Prose naming the CLI, another subcommand, a non-dagger command.
        "`dagger call` prints it; `dagger check` runs checks; `docker load < x.tar`.",
        // Inside a substitution, after an assignment and a pipe.
        "    X=1 out=$(dagger call containers --src=. | tr -d '\\n')",
    ];
    for text in ok {
        let problems = problems_in(text);
        assert!(
            problems.is_empty(),
            "expected no problem in\n{text}\ngot:\n{}",
            problems.join("\n")
        );
    }
}

/// The checker itself, on made-up docs: what it reports, with where.
#[test]
fn the_checker_reports_every_problem_with_its_place() {
    let text = r#"# Title

    dagger call biuld --container-name=x
    dagger call -m . build --contaner-name=x

And `publish --dry-run` in prose.

```sh
dagger --no-such-flag call containers
dagger call tags --container-name=x --commit-sha=abc1234 --src=d stdout
dagger call containers
```
"#;
    let all = problems_in(text).join("\n");
    for expected in [
        "t.md:3:",
        "no function `biuld`",
        "t.md:4:",
        "`build` has no flag --contaner-name",
        "`build` needs --container-name",
        "t.md:6:",
        "`publish` needs --commit-sha",
        "t.md:9:",
        "--no-such-flag is not a flag of the Dagger CLI",
        "t.md:10:",
        "`tags` returns String: nothing can be chained after it",
        "t.md:11:",
        "`containers` needs --src",
    ] {
        assert!(all.contains(expected), "`{expected}` not in:\n{all}");
    }
}

/// Chained calls are checked against the schema's types (when the schema is
/// present; otherwise this test has nothing to check and says so).
#[test]
fn the_checker_follows_chained_calls_through_the_schema() {
    if !schema::available() {
        return; // skip_or_fail said why (and failed under CI)
    }
    let fine = r#"
    dagger call -m . build --src=. --container-name=x export --path=./x.tar
    dagger call -m . build --src=. --container-name=x with-exec --args=ls,-l stdout
    dagger call -m . build-nix --src=. --container-name=x contents
    dagger call -m . build --src=. --container-name=x as-tarball export --path x.tar
"#;
    assert_eq!(problems_in(fine), Vec::<String>::new());
    let wrong = r#"
    dagger call -m . build --src=. --container-name=x exprot --path=./x.tar
    dagger call -m . build --src=. --container-name=x export
    dagger call -m . build-nix --src=. --container-name=x export --path=x --nope
"#;
    let all = problems_in(wrong).join("\n");
    for expected in [
        "`exprot` is not a function of Container",
        "`Container.export` needs --path",
        "`File.export` has no flag --nope",
    ] {
        assert!(all.contains(expected), "`{expected}` not in:\n{all}");
    }
}

/// A chained flag that no engine of the range knows is reported (the
/// check cannot pass a typo), and without the schemas under `CI=true` the
/// run fails naming the files and the variable that points at them.
#[test]
fn a_bad_chained_flag_fails_and_missing_schemas_fail_under_ci() {
    if schema::available() {
        let all =
            problems_in("    dagger call -m . build --container-name=x export --pth=./x.tar\n")
                .join("\n");
        assert!(
            all.contains("`Container.export` has no flag --pth"),
            "{all}"
        );
    }
    // The chained-call test in a child run of this binary, with the
    // schemas pointed at a folder that does not exist.
    let missing = tempfile::tempdir().unwrap().path().join("no-schemas");
    let test = crate::harness::test_name(
        module_path!(),
        "the_checker_follows_chained_calls_through_the_schema",
    );
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test.as_str(), "--nocapture"])
        .env("CI", "true")
        .env(schema::DIR_VARIABLE, &missing)
        .env_remove(schema::FILE_VARIABLE)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the run passed without schemas:\n{text}"
    );
    for tag in schema::ENDS {
        let file = missing.join(format!("schema-{tag}.graphqls"));
        assert!(
            text.contains(&file.display().to_string()),
            "{tag} not named:\n{text}"
        );
    }
    assert!(text.contains(schema::DIR_VARIABLE), "{text}");
}

/// The `<!-- fails -->` marker excuses a failing command, and is itself
/// reported when the command passes.
#[test]
fn a_failing_example_needs_the_marker_and_the_marker_needs_a_failure() {
    let marked_block = "<!-- fails -->\n\n    dagger call build\n";
    assert_eq!(problems_in(marked_block), Vec::<String>::new());
    let marked_prose = "<!-- fails -->\nIt needs a name: `dagger call build` fails.\n";
    assert_eq!(problems_in(marked_prose), Vec::<String>::new());
    let marked_but_fine =
        "<!-- fails -->\n\n    dagger call -m . build --src=. --container-name=x\n";
    let all = problems_in(marked_but_fine).join("\n");
    assert!(all.contains("t.md:3:"), "{all}");
    assert!(all.contains("is marked `<!-- fails -->`"), "{all}");
    // The marker covers only the next block.
    let two_blocks = "<!-- fails -->\n\n    dagger call build\n\nText.\n\n    dagger call build\n";
    let all = problems_in(two_blocks).join("\n");
    assert!(all.contains("t.md:7:") && !all.contains("t.md:3:"), "{all}");
}

/// Calls of another module (the ops repository's own) are not checked,
/// once marked; the marker covers the next block or paragraph only.
#[test]
fn the_other_module_marker_skips_the_next_block_only() {
    let plain = "    dagger call -m ci/dagger build-docs --src=. --version=dev\n";
    assert!(!problems_in(plain).is_empty());
    let marked = format!("{OTHER_MODULE_MARKER}\n\n{plain}");
    assert_eq!(problems_in(&marked), Vec::<String>::new());
    let inline = format!("{OTHER_MODULE_MARKER}\nIt runs `dagger call build-docs --version=x`.\n");
    assert_eq!(problems_in(&inline), Vec::<String>::new());
    let two = format!("{marked}\nText.\n\n{plain}");
    let all = problems_in(&two).join("\n");
    assert!(all.contains("t.md:7:") && !all.contains("t.md:3:"), "{all}");
}

/// Shell wrappers and arrays: `call FUNCTION ...` through a function that
/// runs `dagger call "$@"` is checked; arguments from arrays are elided.
#[test]
fn the_checker_sees_through_a_shell_wrapper() {
    let script = r#"#!/usr/bin/env bash
call() {
  local module=()
  dagger --progress=plain call ${module[@]+"${module[@]}"} "$@"
}
x=$(call changed-containers --src=. --head=HEAD | tr -d '\n')
call build "${args[@]}"
call buidl --src=.
"#;
    let mut report = Report::default();
    report.check_all("ci/x", &commands_in("ci/x", script), schema::schemas());
    let all = report.problems.join("\n");
    assert!(
        all.contains("ci/x:6:") && all.contains("`changed-containers` needs --base"),
        "{all}"
    );
    assert!(
        all.contains("ci/x:8:") && all.contains("no function `buidl`"),
        "{all}"
    );
    assert_eq!(report.problems.len(), 2, "{all}");
    assert_eq!(
        (
            report.checked,
            report.wrapped,
            report.elided,
            report.unknowable
        ),
        (3, 3, 1, 1)
    );
}

// ---------------------------------------------------------------------------
// Which files
// ---------------------------------------------------------------------------

/// README.md, docs/*.md and every Markdown file, shell script and workflow
/// under examples/ops-repo/, sorted.
fn documented_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let docs = std::fs::read_dir(root.join("docs")).expect("docs/ is readable");
    for entry in docs {
        let path = entry.expect("docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut stack = vec![root.join("examples/ops-repo")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("examples/ entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if kind_of(&path.display().to_string(), &read_head(&path)) != FileKind::Other {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn read_head(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| {
            let end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
            String::from_utf8_lossy(&b[..end]).into_owned()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Markdown,
    Shell,
    Workflow,
    Other,
}

/// What a file is, by its name and first line.
fn kind_of(name: &str, first_line: &str) -> FileKind {
    if name.ends_with(".md") {
        FileKind::Markdown
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        FileKind::Workflow
    } else if name.ends_with(".sh")
        || name.ends_with(".bash")
        || (first_line.starts_with("#!")
            && ["/sh", "/bash", " sh", " bash"]
                .iter()
                .any(|s| first_line.trim_end().ends_with(s)))
    {
        FileKind::Shell
    } else {
        FileKind::Other
    }
}

// ---------------------------------------------------------------------------
// Finding the command lines
// ---------------------------------------------------------------------------

/// One command line found in a file.
#[derive(Debug, Clone)]
struct Found {
    line: usize,
    /// The command as written (continuations joined), for the report.
    text: String,
    /// The words after `dagger` (`call build --src=. ...`), raw (quotes kept).
    words: Vec<String>,
    /// Marked `<!-- fails -->`: it must fail the check.
    expect_fail: bool,
    /// Called through a shell function that wraps `dagger call`.
    wrapped: bool,
}

/// The command lines of a file, by its kind.
fn commands_in(name: &str, text: &str) -> Vec<Found> {
    match kind_of(name, text.lines().next().unwrap_or("")) {
        FileKind::Markdown => markdown_commands(text),
        FileKind::Workflow => shell_commands(text, true),
        FileKind::Shell | FileKind::Other => shell_commands(text, false),
    }
}

/// A run of lines to scan as shell: `(first line number, text)`.
type Logical = (usize, String);

/// Join the lines that end in `\` with the next; numbers are 1-based.
fn join_continuations(lines: &[(usize, &str)]) -> Vec<Logical> {
    let mut out: Vec<Logical> = Vec::new();
    let mut open: Option<Logical> = None;
    for &(n, line) in lines {
        let trimmed = line.trim_end();
        let (body, continues) = match trimmed.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (trimmed, false),
        };
        let current = match open.take() {
            Some((start, mut text)) => {
                text.push(' ');
                text.push_str(body.trim_start());
                (start, text)
            }
            None => (n, body.to_owned()),
        };
        if continues {
            open = Some(current);
        } else {
            out.push(current);
        }
    }
    out.extend(open);
    out
}

fn indent_width(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

/// The opening fence of a fenced code block: its character and length.
fn fence(line: &str) -> Option<(char, usize)> {
    if indent_width(line) > 3 {
        return None;
    }
    let t = line.trim_start();
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let len = t.chars().take_while(|&x| x == c).count();
    (len >= 3).then_some((c, len))
}

/// The command lines of a Markdown text: code blocks and inline code spans.
fn markdown_commands(text: &str) -> Vec<Found> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Found> = Vec::new();
    let mut pending_fail = false;
    let mut paragraph: Vec<(usize, &str)> = Vec::new();
    let mut paragraph_fail = false;
    // The first command of the next block or paragraph when
    // OTHER_MODULE_MARKER came before it.
    let mut other_from: Option<usize> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        if let Some((c, len)) = fence(line) {
            flush(&mut paragraph, paragraph_fail, &mut out);
            settle_other(&mut out, &mut other_from);
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() {
                let closing = fence(lines[i]).is_some_and(|(c2, len2)| {
                    c2 == c && len2 >= len && lines[i].trim().chars().all(|x| x == c)
                });
                if closing {
                    break;
                }
                code.push((i + 1, lines[i]));
                i += 1;
            }
            i += 1;
            out.extend(code_commands(&code, pending_fail));
            settle_other(&mut out, &mut other_from);
            pending_fail = false;
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut paragraph, paragraph_fail, &mut out);
            settle_other(&mut out, &mut other_from);
            i += 1;
            continue;
        }
        if trimmed == FAILS_MARKER {
            flush(&mut paragraph, paragraph_fail, &mut out);
            pending_fail = true;
            i += 1;
            continue;
        }
        if trimmed == OTHER_MODULE_MARKER {
            flush(&mut paragraph, paragraph_fail, &mut out);
            other_from = Some(out.len());
            i += 1;
            continue;
        }
        if indent_width(line) >= 4 && paragraph.is_empty() {
            // An indented code block (it cannot interrupt a paragraph): up to
            // the first line indented less, blank lines included.
            let mut code = Vec::new();
            while i < lines.len() && (lines[i].trim().is_empty() || indent_width(lines[i]) >= 4) {
                code.push((i + 1, lines[i]));
                i += 1;
            }
            out.extend(code_commands(&code, pending_fail));
            settle_other(&mut out, &mut other_from);
            pending_fail = false;
            continue;
        }
        if paragraph.is_empty() {
            paragraph_fail = pending_fail;
            pending_fail = false;
        }
        paragraph.push((i + 1, line));
        i += 1;
    }
    flush(&mut paragraph, paragraph_fail, &mut out);
    settle_other(&mut out, &mut other_from);
    out
}

/// Drops the commands found since [`OTHER_MODULE_MARKER`] (from `from`):
/// they call another module, whose functions are not in the table.
fn settle_other(out: &mut Vec<Found>, from: &mut Option<usize>) {
    if let Some(start) = *from
        && out.len() > start
    {
        out.truncate(start);
        *from = None;
    }
}

/// The commands of a paragraph's inline code spans; empties the paragraph.
fn flush(paragraph: &mut Vec<(usize, &str)>, expect_fail: bool, out: &mut Vec<Found>) {
    for (n, span) in inline_spans(paragraph) {
        out.extend(span_commands(n, &span, expect_fail));
    }
    paragraph.clear();
}

/// The inline code spans of a paragraph, with the line each starts on.
fn inline_spans(paragraph: &[(usize, &str)]) -> Vec<(usize, String)> {
    let mut spans = Vec::new();
    // The open span: its backtick count, start line, text so far.
    let mut open: Option<(usize, usize, String)> = None;
    for &(n, line) in paragraph {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        if let Some((_, _, text)) = open.as_mut() {
            text.push(' ');
        }
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' && open.is_none() {
                i += 2;
                continue;
            }
            if c == '`' {
                let run = chars[i..].iter().take_while(|&&x| x == '`').count();
                i += run;
                match open.take() {
                    None => open = Some((run, n, String::new())),
                    Some((len, start, text)) if len == run => spans.push((start, text)),
                    Some((len, start, mut text)) => {
                        text.extend(std::iter::repeat_n('`', run));
                        open = Some((len, start, text));
                    }
                }
                continue;
            }
            if let Some((_, _, text)) = open.as_mut() {
                text.push(c);
            }
            i += 1;
        }
    }
    spans
}

/// The commands of a code block's lines.
fn code_commands(code: &[(usize, &str)], expect_fail: bool) -> Vec<Found> {
    let mut out = Vec::new();
    for (n, text) in join_continuations(code) {
        out.extend(line_commands(n, &text, &[], expect_fail));
    }
    out
}

/// The commands of an inline code span: `dagger ...` anywhere in it, or the
/// span as a whole when it names a function with flags (`tags --src=.`).
fn span_commands(n: usize, span: &str, expect_fail: bool) -> Vec<Found> {
    let found = line_commands(n, span, &[], expect_fail);
    if !found.is_empty() {
        return found;
    }
    let words: Vec<String> = words_of(&tokenize(span));
    let names_a_call = words.len() >= 2
        && FUNCTIONS.iter().any(|f| f.cli_name() == unquote(&words[0]))
        && unquote(&words[1]).starts_with("--");
    if names_a_call {
        let mut call = vec!["call".to_owned()];
        call.extend(words);
        vec![Found {
            line: n,
            text: span.trim().to_owned(),
            words: call,
            expect_fail,
            wrapped: false,
        }]
    } else {
        Vec::new()
    }
}

/// The commands of a shell script or workflow, wrappers included.
fn shell_commands(text: &str, workflow: bool) -> Vec<Found> {
    let numbered: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .map(|(n, l)| {
            if !workflow {
                return (n, l);
            }
            // The shell of a `run:` key; other lines are scanned as they are
            // (a YAML key line has no command word `dagger`).
            let t = l.trim_start();
            let t = t.strip_prefix("- ").unwrap_or(t).trim_start();
            (n, t.strip_prefix("run:").unwrap_or(l))
        })
        .collect();
    let logical = join_continuations(&numbered);
    // First pass: the shell functions that wrap `dagger call "$@"`.
    let mut wrappers: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for (_, line) in &logical {
        if let Some(name) = function_definition(line) {
            current = Some(name);
        } else if line.trim_end() == "}" {
            current = None;
        }
        if let Some(name) = &current {
            let wraps = line_commands(0, line, &[], false)
                .iter()
                .any(|f| function_slot(&f.words).is_some_and(is_all_args));
            if wraps && !wrappers.contains(name) {
                wrappers.push(name.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (n, line) in &logical {
        out.extend(line_commands(*n, line, &wrappers, false));
    }
    out
}

/// `name() {` or `function name {`: the name of the shell function defined.
fn function_definition(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.strip_prefix("function ").unwrap_or(t).trim_start();
    let name: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let rest = t[name.len()..].trim_start();
    (!name.is_empty()
        && (rest.starts_with("()")
            || (line.trim().starts_with("function ") && rest.starts_with('{'))))
    .then_some(name)
}

/// The word in the function's place, after `call` and dagger's flags.
fn function_slot(words: &[String]) -> Option<&str> {
    let mut i = 0;
    let mut after_call = false;
    while i < words.len() {
        let w = unquote(&words[i]);
        if is_array(&words[i]) && !is_all_args(&words[i]) {
            i += 1;
        } else if !after_call && w == "call" {
            after_call = true;
            i += 1;
        } else if w.starts_with('-') {
            i += if dagger_flag(&w).is_some_and(|v| v) && !w.contains('=') {
                2
            } else {
                1
            };
        } else {
            return after_call.then_some(words[i].as_str());
        }
    }
    None
}

/// The commands in one logical shell line: `dagger ...`, and `WRAPPER ...`
/// for the given wrappers, also inside `$(...)`.
fn line_commands(n: usize, text: &str, wrappers: &[String], expect_fail: bool) -> Vec<Found> {
    let tokens = tokenize(text);
    let mut out = Vec::new();
    let mut segment: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    for tok in &tokens {
        match tok {
            Tok::Word(w) => {
                for inner in substitutions(w) {
                    out.extend(line_commands(n, &inner, wrappers, expect_fail));
                }
                segment.push(w.clone());
            }
            Tok::Op(_) => segments.push(std::mem::take(&mut segment)),
        }
    }
    segments.push(segment);
    for segment in segments {
        let mut i = 0;
        while i < segment.len() && is_command_prefix(&segment[i]) {
            i += 1;
        }
        let Some(first) = segment.get(i) else {
            continue;
        };
        let first = unquote(first);
        let rest = segment[i + 1..].to_vec();
        let (words, wrapped) = if first == "dagger" {
            (rest, false)
        } else if wrappers.contains(&first) {
            let mut words = vec!["call".to_owned()];
            words.extend(rest);
            (words, true)
        } else {
            continue;
        };
        out.push(Found {
            line: n,
            text: segment[i..].join(" "),
            words,
            expect_fail,
            wrapped,
        });
    }
    out
}

/// A word that may come before the command word: `VAR=value`, or a shell
/// keyword such as `if`, `then`, `!`.
fn is_command_prefix(word: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "if", "then", "elif", "else", "do", "while", "until", "!", "{", "time", "exec", "command",
    ];
    if KEYWORDS.contains(&word) {
        return true;
    }
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

// ---------------------------------------------------------------------------
// A small shell tokenizer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word, raw: quotes, `$(...)` and escapes kept as written.
    Word(String),
    /// What separates simple commands: `|`, `&&`, `;`, `(`, ...
    Op(String),
}

fn words_of(tokens: &[Tok]) -> Vec<String> {
    tokens
        .iter()
        .take_while(|t| matches!(t, Tok::Word(_)))
        .map(|t| match t {
            Tok::Word(w) => w.clone(),
            Tok::Op(_) => unreachable!(),
        })
        .collect()
}

/// Split shell text into words and operators, as far as the checks need:
/// quotes, `$(...)`, `${...}`, backticks and `\` escapes stay inside their
/// word; a `#` starting a word ends the line; redirections (`> f`, `2>&1`,
/// `< f`) are dropped with their target. A `<placeholder>` is a word.
fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut skip_next_word = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            break;
        }
        // A <placeholder> word.
        if c == '<' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '>' || x == '<' || x.is_whitespace())
                .map(|p| i + 1 + p);
            if let Some(end) = end
                && chars[end] == '>'
                && end > i + 1
                && chars.get(end + 1).is_none_or(|x| x.is_whitespace())
            {
                out.push(Tok::Word(chars[i..=end].iter().collect()));
                i = end + 1;
                continue;
            }
        }
        // Redirections: [digits](>|>>|<|<<|<<<|>&|<&|&>|&>>)[target].
        let digits = chars[i..].iter().take_while(|x| x.is_ascii_digit()).count();
        let j = i + digits;
        let redirect = match (chars.get(j), chars.get(j + 1)) {
            (Some('>' | '<'), _) => true,
            (Some('&'), Some('>')) if digits == 0 => true,
            _ => false,
        };
        if redirect {
            let mut k = j;
            while k < chars.len() && matches!(chars[k], '>' | '<' | '&' | '|') {
                k += 1;
            }
            if k < chars.len() && !chars[k].is_whitespace() {
                // The target is attached (`2>/dev/null`, `2>&1`).
                let (_, end) = read_word(&chars, k);
                i = end;
            } else {
                skip_next_word = true;
                i = k;
            }
            continue;
        }
        // Operators.
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if ["&&", "||", "|&", ";;", ";&"].contains(&two.as_str()) {
            out.push(Tok::Op(two));
            i += 2;
            continue;
        }
        if matches!(c, '|' | ';' | '&' | '(' | ')') {
            out.push(Tok::Op(c.to_string()));
            i += 1;
            continue;
        }
        let (word, end) = read_word(&chars, i);
        i = end;
        if skip_next_word {
            skip_next_word = false;
        } else {
            out.push(Tok::Word(word));
        }
    }
    out
}

/// One word from `start`: up to unquoted whitespace or `|;&()`.
fn read_word(chars: &[char], start: usize) -> (String, usize) {
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            c if c.is_whitespace() => break,
            '|' | ';' | '&' | '(' | ')' => break,
            '\\' => i += 2,
            '\'' => i = skip_single(chars, i),
            '"' => i = skip_double(chars, i),
            '`' => i = skip_to(chars, i + 1, '`'),
            '$' if chars.get(i + 1) == Some(&'(') => i = skip_paren(chars, i + 1),
            '$' if chars.get(i + 1) == Some(&'{') => i = skip_brace(chars, i + 1),
            _ => i += 1,
        }
    }
    let end = i.min(chars.len());
    (chars[start..end].iter().collect(), end)
}

/// From an opening `'`: the index after its closing `'`.
fn skip_single(chars: &[char], open: usize) -> usize {
    skip_to(chars, open + 1, '\'')
}

/// From `from`: the index after the next `close`.
fn skip_to(chars: &[char], from: usize, close: char) -> usize {
    chars[from.min(chars.len())..]
        .iter()
        .position(|&c| c == close)
        .map_or(chars.len(), |p| from + p + 1)
}

/// From an opening `"`: the index after its closing `"`.
fn skip_double(chars: &[char], open: usize) -> usize {
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            '$' if chars.get(i + 1) == Some(&'(') => i = skip_paren(chars, i + 1),
            '`' => i = skip_to(chars, i + 1, '`'),
            _ => i += 1,
        }
    }
    chars.len()
}

/// From an opening `(`: the index after its matching `)`.
fn skip_paren(chars: &[char], open: usize) -> usize {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '(' => {
                depth += 1;
                i += 1;
            }
            ')' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return i;
                }
            }
            '\\' => i += 2,
            '\'' => i = skip_single(chars, i),
            '"' => i = skip_double(chars, i),
            _ => i += 1,
        }
    }
    chars.len()
}

/// From an opening `{`: the index after its matching `}`.
fn skip_brace(chars: &[char], open: usize) -> usize {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            '\\' => i += 1,
            '\'' => {
                i = skip_single(chars, i);
                continue;
            }
            '"' => {
                i = skip_double(chars, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// The texts of the `$(...)` substitutions of a word (outermost only; the
/// caller scans them again for deeper ones).
fn substitutions(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '\'' => i = skip_single(&chars, i),
            '$' if chars.get(i + 1) == Some(&'(') => {
                let end = skip_paren(&chars, i + 1);
                let inner_end = end.saturating_sub(1).max(i + 2);
                out.push(chars[i + 2..inner_end].iter().collect());
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The word as the command receives it, near enough for names: quotes and
/// `\` escapes removed.
fn unquote(word: &str) -> String {
    let mut out = String::new();
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {}
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// `"${a[@]}"`, `${a[@]+"${a[@]}"}`, `"$@"`, `$*`: words that stand for any
/// number of words.
fn is_array(word: &str) -> bool {
    word.contains("[@]") || word.contains("[*]") || is_all_args(word)
}

/// `"$@"` or `$*`: a function's own arguments.
fn is_all_args(word: &str) -> bool {
    matches!(unquote(word).as_str(), "$@" | "$*" | "${@}" | "${*}")
}

// ---------------------------------------------------------------------------
// Checking a command
// ---------------------------------------------------------------------------

/// The Dagger CLI's own flags (v0.21, `dagger --help`, `dagger call
/// --help`): `Some(true)` when it takes a value, `Some(false)` when not.
fn dagger_flag(flag: &str) -> Option<bool> {
    let name = flag.split_once('=').map_or(flag, |(n, _)| n);
    const WITH_VALUE: &[&str] = &[
        "-m",
        "--mod",
        "--progress",
        "-o",
        "--output",
        "-c",
        "--command",
        "--interactive-command",
        "--lock",
        "--model",
        "--allow-llm",
        "--x-release",
        "-W",
        "--workspace",
    ];
    const WITHOUT: &[&str] = &[
        "-j",
        "--json",
        "-d",
        "--debug",
        "-i",
        "--interactive",
        "-E",
        "--no-exit",
        "-M",
        "--no-mod",
        "-q",
        "--quiet",
        "-s",
        "--silent",
        "-v",
        "--verbose",
        "-w",
        "--web",
        "-y",
        "--auto-apply",
        "--eager-runtime",
        "-h",
        "--help",
    ];
    if WITH_VALUE.contains(&name) {
        Some(true)
    } else if WITHOUT.contains(&name)
        || (name.len() > 2 && name.starts_with("-v") && name[1..].chars().all(|c| c == 'v'))
        || (name.len() > 2 && name.starts_with("-q") && name[1..].chars().all(|c| c == 'q'))
    {
        Some(false)
    } else {
        None
    }
}

/// Something that can be called with flags: a module function or a field of
/// an engine type.
struct Callable {
    /// How the report names it: `` `build` ``, `` `Container.export` ``.
    what: String,
    args: Vec<Arg>,
    returns: Returns,
}

struct Arg {
    /// `--container-name`
    flag: String,
    boolean: bool,
    required: bool,
}

enum Returns {
    /// An object type, by its GraphQL name: calls may be chained on it.
    Object(String),
    /// A scalar (or list of scalars), by the name the report uses.
    Scalar(String),
}

impl Callable {
    fn from_spec(f: &FunctionSpec) -> Callable {
        Callable {
            what: format!("`{}`", f.cli_name()),
            args: f
                .args
                .iter()
                .map(|a| Arg {
                    flag: a.flag(),
                    boolean: a.ty == Type::Boolean,
                    required: !a.is_optional(),
                })
                .collect(),
            returns: match f.returns {
                Type::Object(o) => Returns::Object(o.graphql_name().to_owned()),
                t => Returns::Scalar(t.display_name().to_owned()),
            },
        }
    }

    fn from_field(schema: &Schema, type_name: &str, field_name: &str) -> Option<Callable> {
        let field = schema.type_field(type_name, field_name).ok()?;
        Some(Callable {
            what: format!("`{type_name}.{}`", kebab_case(field_name)),
            args: field
                .arguments
                .iter()
                .map(|a| Arg {
                    flag: format!("--{}", kebab_case(&a.name)),
                    boolean: !a.ty.is_list() && a.ty.inner_named_type().as_str() == "Boolean",
                    required: a.ty.is_non_null() && a.default_value.is_none(),
                })
                .collect(),
            returns: returns_of(schema, field.ty.inner_named_type()),
        })
    }

    fn flags(&self) -> String {
        if self.args.is_empty() {
            return "it takes none".to_owned();
        }
        let flags: Vec<&str> = self.args.iter().map(|a| a.flag.as_str()).collect();
        format!("its flags: {}", flags.join(", "))
    }
}

fn returns_of(schema: &Schema, name: &str) -> Returns {
    match schema.types.get(name) {
        Some(ExtendedType::Object(_) | ExtendedType::Interface(_)) => {
            Returns::Object(name.to_owned())
        }
        _ => Returns::Scalar(name.to_owned()),
    }
}

/// The field names of an object or interface type of the schema.
fn field_names(schema: &Schema, type_name: &str) -> Vec<String> {
    match schema.types.get(type_name) {
        Some(ExtendedType::Object(o)) => o.fields.keys().map(|f| f.to_string()).collect(),
        Some(ExtendedType::Interface(t)) => t.fields.keys().map(|f| f.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// What checking one command found.
#[derive(Default, Clone)]
struct Checked {
    problems: Vec<String>,
    /// Not a call (`dagger check`, a bare `dagger call` in prose).
    not_a_call: bool,
    /// The function comes from a variable or an array: nothing checked.
    unknowable: bool,
    /// Arguments left out (`...`, an array): required ones not checked.
    elided: bool,
    /// A chain that could not be checked for want of the schema.
    chain_unchecked: bool,
}

/// Check the words after `dagger`.
fn check(words: &[String], schema: Option<&Schema>) -> Checked {
    let mut c = Checked::default();
    let mut i = 0;
    let mut after_call = false;
    // dagger's flags, `call`, dagger's flags again.
    loop {
        let Some(raw) = words.get(i) else {
            // `dagger`, `dagger call`: the CLI named in prose.
            c.not_a_call = true;
            return c;
        };
        let w = unquote(raw);
        if is_array(raw) && !is_all_args(raw) {
            // Dagger's flags from an array.
            i += 1;
            continue;
        }
        if w.starts_with('-') {
            match dagger_flag(&w) {
                Some(true) if !w.contains('=') => i += 2,
                Some(_) => i += 1,
                None => {
                    c.problems.push(if after_call {
                        format!(
                            "{w} is not a flag of the Dagger CLI, and the module has no \
                             constructor arguments: put function arguments after the function's name"
                        )
                    } else {
                        format!("{w} is not a flag of the Dagger CLI")
                    });
                    i += 1;
                }
            }
            continue;
        }
        if !after_call {
            if w != "call" {
                // Another subcommand (`dagger check`, `dagger functions`).
                c.not_a_call = true;
                return c;
            }
            after_call = true;
            i += 1;
            continue;
        }
        break;
    }
    // The function.
    let raw = &words[i];
    let name = unquote(raw);
    i += 1;
    if is_array(raw) || name.starts_with('$') {
        c.unknowable = true;
        return c;
    }
    if name == "..." || (name.starts_with('<') && name.ends_with('>')) {
        // Some function: each flag must be an argument of one.
        c.elided = true;
        for raw in &words[i..] {
            let w = unquote(raw);
            let flag = w.split_once('=').map_or(w.as_str(), |(n, _)| n);
            if flag.starts_with("--")
                && !FUNCTIONS
                    .iter()
                    .any(|f| f.args.iter().any(|a| a.flag() == flag))
            {
                c.problems
                    .push(format!("no function of the module has a flag {flag}"));
            }
        }
        return c;
    }
    let Some(spec) = FUNCTIONS.iter().find(|f| f.cli_name() == name) else {
        let names: Vec<String> = FUNCTIONS.iter().map(|f| f.cli_name()).collect();
        c.problems.push(format!(
            "no function `{name}` in src/functions/; the functions: {}",
            names.join(", ")
        ));
        return c;
    };
    let mut callable = Callable::from_spec(spec);
    let seen = check_args(&callable, words, &mut i, &mut c.problems);
    c.elided |= seen.elided;
    // The chain.
    while let Some(raw) = words.get(i) {
        let w = unquote(raw);
        if w == "..." || is_array(raw) {
            c.elided = true;
            break;
        }
        let type_name = match &callable.returns {
            Returns::Scalar(t) => {
                c.problems.push(format!(
                    "{} returns {t}: nothing can be chained after it, but `{w}` follows",
                    callable.what
                ));
                break;
            }
            Returns::Object(t) => t.clone(),
        };
        let Some(schema) = schema else {
            c.chain_unchecked = true;
            break;
        };
        let field = field_names(schema, &type_name)
            .into_iter()
            .find(|f| kebab_case(f) == w);
        let Some(field) = field else {
            c.problems.push(format!(
                "`{w}` is not a function of {type_name} (what {} returns) in the engine's schema",
                callable.what
            ));
            break;
        };
        callable = Callable::from_field(schema, &type_name, &field).expect("the field exists");
        i += 1;
        c.elided |= check_args(&callable, words, &mut i, &mut c.problems).elided;
    }
    c
}

/// What the flags of a call left out.
struct Seen {
    /// Arguments left out (`...`, an array): required ones not checked.
    elided: bool,
}

/// Check the flags from `words[*i]` on, up to the first word that is not a
/// flag (the next call of the chain).
fn check_args(
    callable: &Callable,
    words: &[String],
    i: &mut usize,
    problems: &mut Vec<String>,
) -> Seen {
    let mut given = BTreeSet::new();
    let mut elided = false;
    let mut help = false;
    while let Some(raw) = words.get(*i) {
        let w = unquote(raw);
        if w == "..." || is_array(raw) {
            elided = true;
            *i += 1;
            continue;
        }
        if !w.starts_with('-') {
            break;
        }
        if w == "--help" || w == "-h" {
            help = true;
            *i += 1;
            continue;
        }
        let (flag, inline_value) = match w.split_once('=') {
            Some((flag, _)) => (flag.to_owned(), true),
            None => (w.clone(), false),
        };
        match callable.args.iter().find(|a| a.flag == flag) {
            Some(arg) => {
                given.insert(flag.clone());
                if !inline_value && !arg.boolean {
                    if words.get(*i + 1).is_none() {
                        problems.push(format!("{flag} of {} needs a value", callable.what));
                    }
                    *i += 1;
                }
            }
            None => {
                problems.push(format!(
                    "{} has no flag {flag}; {}",
                    callable.what,
                    callable.flags()
                ));
                // Most likely `--flag value`: skip the value.
                if !inline_value
                    && words
                        .get(*i + 1)
                        .is_some_and(|v| !unquote(v).starts_with('-'))
                {
                    *i += 1;
                }
            }
        }
        *i += 1;
    }
    if !elided && !help {
        for arg in callable.args.iter().filter(|a| a.required) {
            if !given.contains(&arg.flag) {
                problems.push(format!(
                    "{} needs {} (it has no default): add it, or write `...` where \
                     arguments are left out",
                    callable.what, arg.flag
                ));
            }
        }
    }
    Seen { elided }
}

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Report {
    problems: Vec<String>,
    files_with_commands: BTreeSet<String>,
    /// The command lines found in each file (checkable or not).
    found: BTreeMap<String, usize>,
    checked: usize,
    wrapped: usize,
    elided: usize,
    unknowable: usize,
    chain_unchecked: usize,
    expected_failures: usize,
}

impl Report {
    /// Checks `found` against each engine schema of `schemas` (none: the
    /// chained calls are not checked): a problem that only some engines
    /// have names them.
    fn check_all(&mut self, file: &str, found: &[Found], schemas: &[schema::EngineSchema]) {
        for f in found {
            let c = if schemas.is_empty() {
                check(&f.words, None)
            } else {
                let runs: Vec<Checked> = schemas
                    .iter()
                    .map(|s| check(&f.words, Some(&*s.schema)))
                    .collect();
                let mut c = runs[0].clone();
                c.problems.clear();
                for (s, run) in schemas.iter().zip(&runs) {
                    for p in &run.problems {
                        let everywhere = runs.iter().all(|r| r.problems.contains(p));
                        let p = if everywhere {
                            p.clone()
                        } else {
                            format!("{p} (engine {})", s.tag)
                        };
                        if !c.problems.contains(&p) {
                            c.problems.push(p);
                        }
                    }
                }
                c
            };
            if c.not_a_call {
                continue;
            }
            self.files_with_commands.insert(file.to_owned());
            *self.found.entry(file.to_owned()).or_default() += 1;
            if c.unknowable {
                self.unknowable += 1;
                continue;
            }
            self.checked += 1;
            self.wrapped += usize::from(f.wrapped);
            self.elided += usize::from(c.elided);
            self.chain_unchecked += usize::from(c.chain_unchecked);
            let place = format!("{file}:{}: `{}`", f.line, f.text);
            if std::env::var_os("DOCS_COMMANDS_LIST").is_some() {
                eprintln!("checked {place}");
            }
            match (f.expect_fail, c.problems.is_empty()) {
                (false, true) => {}
                (true, false) => self.expected_failures += 1,
                (false, false) => {
                    self.problems
                        .push(format!("{place}\n    {}", c.problems.join("\n    ")));
                }
                (true, true) => self.problems.push(format!(
                    "{place}\n    is marked `{FAILS_MARKER}` but the check finds nothing wrong \
                     with it: remove the marker (it is only for commands the function table \
                     rejects; a call that fails when it runs needs none)"
                )),
            }
        }
    }

    /// The command lines found in `file` (its path from the crate root).
    fn found_in(&self, file: &str) -> usize {
        self.found.get(file).copied().unwrap_or(0)
    }

    fn summary(&self, schema: bool) -> String {
        let chain = if schema {
            "chained calls checked against the engine's schema".to_owned()
        } else {
            format!(
                "schemas missing: chained calls not checked ({} command(s) have them; set \
                 {} or provide ../shared/dagger/)",
                self.chain_unchecked,
                schema::DIR_VARIABLE
            )
        };
        format!(
            "docs_commands: {} command line(s) checked in {} file(s) ({} through a shell \
             wrapper; {} with arguments left out by `...` or a shell array, so their \
             required arguments are not checked; {} marked `{FAILS_MARKER}`); {} not \
             checkable (the function comes from a variable or an array); {chain}",
            self.checked,
            self.files_with_commands.len(),
            self.wrapped,
            self.elided,
            self.expected_failures,
            self.unknowable,
        )
    }
}

/// The problems the checker reports for a made-up Markdown text, as `t.md`.
fn problems_in(text: &str) -> Vec<String> {
    let mut report = Report::default();
    report.check_all("t.md", &commands_in("t.md", text), schema::schemas());
    report.problems
}
