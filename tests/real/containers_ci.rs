//! `examples/ops-repo/ci/containers-ci` (and any other bash script of the
//! example ops repository, which users copy) must run under the bash 3.2
//! of a stock macOS as well as under bash 5.
//!
//! No bash 3.2 runs here: none can be installed from the registries this
//! project's machines reach (Debian ships bash 5.2 only, `bash-static`
//! included), and its source cannot be fetched. So what runs is:
//!
//! - a static check, [`bash_3_2_problems`], on every bash script under
//!   `examples/ops-repo/`: no array expanded without a guard (with `set -u`,
//!   bash before 4.4 calls an empty `"${a[@]}"` an unbound variable; write
//!   `${a[@]+"${a[@]}"}`), and no bash-4-only syntax (mapfile/readarray,
//!   associative arrays, namerefs, `${x,,}`, `;&`, `|&`, `&>>`, negative
//!   subscripts and lengths, `${x@Q}`, `{fd}>`, `[[ -v ]]`, ...), each rule
//!   with the bash version that brought the feature. (The rules were once
//!   tried against a bash 3.2.48 built from source, which rejected every
//!   one; that is not repeated here.)
//! - a run of the script's three modes with a stand-in `dagger` that
//!   records its arguments, under the `bash` on PATH (bash 5) only.
//!
//! Only a Mac (or another bash 3.2) can confirm the script runs there.

use crate::harness;

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::Regex;

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// The static check
// ---------------------------------------------------------------------------

/// Syntax that bash 3.2 does not have: (pattern, what it is, the bash that
/// brought it).
const BASH4_ONLY: &[(&str, &str, &str)] = &[
    (
        r"(^|[\s;&|(){}])(mapfile|readarray)(\s|$)",
        "mapfile/readarray",
        "4.0",
    ),
    (
        r"\b(declare|local|typeset|readonly)\s+-[A-Za-z]*A",
        "an associative array (declare -A)",
        "4.0",
    ),
    (
        r"\b(declare|local|typeset)\s+-[A-Za-z]*n",
        "a nameref (declare -n)",
        "4.3",
    ),
    (
        r"\b(declare|local|typeset)\s+-[A-Za-z]*[lu]",
        "a case attribute (declare -l/-u)",
        "4.0",
    ),
    (
        r"\b(declare|typeset)\s+-[A-Za-z]*g",
        "a global declaration (declare -g)",
        "4.2",
    ),
    (
        r"\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?(\^|,)",
        "case modification (${x,,}, ${x^^})",
        "4.0",
    ),
    (r";;?&", "a case fall-through (;& or ;;&)", "4.0"),
    (r"\|&", "|& (pipe with stderr)", "4.0"),
    (r"&>>", "&>> (append stdout and stderr)", "4.0"),
    (
        r"\$\{[A-Za-z_][A-Za-z0-9_]*\[\s*-|(^|[\s;])[A-Za-z_][A-Za-z0-9_]*\[\s*-[0-9]+\]=",
        "a negative array subscript",
        "4.3",
    ),
    (
        r"\$\{[A-Za-z_][A-Za-z0-9_]*(\[[@*]\])?:[^-+=?}:][^}:]*:\s*-",
        "a negative substring length (${x:0:-1})",
        "4.2",
    ),
    (
        r"\$\{[^}]*@[QEPAaKkUuL]\}",
        "a parameter transformation (${x@Q})",
        "4.4",
    ),
    (r"(^|[\s;&|])coproc(\s|$)", "coproc", "4.0"),
    (r"\bwait\s+-n\b", "wait -n", "4.3"),
    (
        r"\bshopt\s+-s\b.*\b(globstar|lastpipe|inherit_errexit|autocd|checkjobs|dirspell|direxpand|globasciiranges|localvar_inherit|localvar_unset|assoc_expand_once|patsub_replacement|compat[0-9]+)\b",
        "a shell option bash 3.2 lacks",
        "4.0 or later",
    ),
    (
        r"\$\{?(BASHPID|EPOCHSECONDS|EPOCHREALTIME|SRANDOM|BASH_ARGV0)\b",
        "a variable bash 3.2 lacks",
        "4.0 or later",
    ),
    (r"%\([^)]*\)T", "printf's %(...)T", "4.2"),
    (
        r"\{[A-Za-z_][A-Za-z0-9_]*\}[<>]",
        "an allocated file descriptor ({fd}>)",
        "4.1",
    ),
    (r"(\[\[|\[|\btest)\s+-v\s", "-v (is a variable set)", "4.2"),
    (r"\blocal\s+-\s*($|;)", "local -", "4.4"),
];

/// The problems bash 3.2 has with a bash script, one line each
/// (`name:line: ...`).
fn bash_3_2_problems(name: &str, script: &str) -> Vec<String> {
    let rules: Vec<(Regex, &str, &str)> = BASH4_ONLY
        .iter()
        .map(|(re, what, since)| (Regex::new(re).expect("a valid pattern"), *what, *since))
        .collect();
    // `${a[@]` or `${a[*]` (not `${#a[@]}`, not `${!a[@]}`, which are fine).
    let array = Regex::new(r"\$\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]").unwrap();
    let mut problems = Vec::new();
    for (i, line) in script.lines().enumerate() {
        let code = strip_comment(line);
        for (re, what, since) in &rules {
            if re.is_match(code) {
                problems.push(format!(
                    "{name}:{}: {what} needs bash {since}; bash 3.2 (macOS) has none: `{}`",
                    i + 1,
                    line.trim()
                ));
            }
        }
        // Array expansions: each must have an operator (`${a[@]+...}`,
        // `${a[@]:-}`) or sit inside one that has.
        let guarded: Vec<(usize, usize)> = array
            .find_iter(code)
            .filter(|m| has_operator(&code[m.end()..]))
            .map(|m| (m.start(), brace_end(code, m.start())))
            .collect();
        for m in array.find_iter(code) {
            let inside = guarded
                .iter()
                .any(|&(s, e)| m.start() >= s && m.start() < e);
            if !inside {
                let name_end = m.as_str().find('[').unwrap();
                let var = &m.as_str()[2..name_end];
                problems.push(format!(
                    "{name}:{}: `{}` is an unbound variable under set -u in bash < 4.4 \
                     (macOS's 3.2) when the array is empty: write ${{{var}[@]+\"${{{var}[@]}}\"}}: `{}`",
                    i + 1,
                    &code[m.start()..brace_end(code, m.start())],
                    line.trim()
                ));
            }
        }
    }
    problems
}

/// Whether what follows `${a[@]` is an operator that makes the expansion
/// safe for an empty array: `+`, `-`, `=`, `?`, with or without `:`.
fn has_operator(rest: &str) -> bool {
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    rest.starts_with(['+', '-', '=', '?'])
}

/// The index after the `}` that closes the `${` at `start`.
fn brace_end(code: &str, start: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return start + i + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// The line without its comment (a `#` that starts a word, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && (prev.is_whitespace() || i == 0) => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// The bash scripts of the example ops repository (by their shebang).
fn bash_scripts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![crate_root().join("examples/ops-repo")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("examples/ops-repo is readable") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path)
                && text
                    .lines()
                    .next()
                    .is_some_and(|l| l.starts_with("#!") && l.contains("bash"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every bash script under examples/ops-repo/ passes the bash 3.2 check.
#[test]
fn the_example_scripts_use_nothing_bash_3_2_lacks() {
    let scripts = bash_scripts();
    assert!(
        scripts.iter().any(|p| p.ends_with("ci/containers-ci")),
        "examples/ops-repo/ci/containers-ci was not found among the bash scripts: {scripts:?}"
    );
    let mut problems = Vec::new();
    for path in &scripts {
        let name = path
            .strip_prefix(crate_root())
            .unwrap()
            .display()
            .to_string();
        problems.extend(bash_3_2_problems(
            &name,
            &std::fs::read_to_string(path).unwrap(),
        ));
    }
    assert!(
        problems.is_empty(),
        "these lines would fail under macOS's bash 3.2 (fix them; see tests/real/containers_ci.rs):\n{}",
        problems.join("\n")
    );
}

/// The check finds the lines the script had before it was fixed (each an
/// `unbound variable` error under bash 3.2.48), and each bash-4 feature;
/// it accepts the guarded forms.
#[test]
fn the_bash_3_2_check_catches_what_bash_3_2_rejects() {
    let before = r#"
  dagger --progress=plain call "${module[@]}" "$@"
    call build --src=. --container-name="$name" "${labels[@]}"
    call publish "${target[@]}" "${source[@]}"
    call publish-nix "${target[@]}"
  echo "${a[*]}" ${b[@]:1}
"#;
    let problems = bash_3_2_problems("x", before);
    assert_eq!(problems.len(), 7, "{}", problems.join("\n"));
    for bad in [
        "mapfile -t lines < f",
        "readarray lines",
        "declare -A m=()",
        "local -n ref=x",
        "declare -l lower",
        "echo \"${x,,}\" ${y^}",
        "case a in a) echo ;& esac",
        "case a in a) echo ;;& esac",
        "cmd |& tee log",
        "cmd &>> log",
        "echo ${a[-1]}",
        "a[-1]=2",
        "echo ${x:1:-1}",
        "echo ${x@Q}",
        "coproc cat",
        "wait -n",
        "shopt -s globstar",
        "echo $EPOCHSECONDS",
        "printf '%(%F)T' -1",
        "exec {fd}>log",
        "[[ -v FOO ]]",
        "local -",
    ] {
        assert_eq!(bash_3_2_problems("x", bad).len(), 1, "not caught: {bad}");
    }
    for fine in [
        r#"dagger call ${module[@]+"${module[@]}"} "$@""#,
        r#"echo "${#a[@]}" "${!a[@]}" "${a[@]:-}" ${a[*]+"${a[*]}"}"#,
        r#"echo ${x:-1} ${x: -1} ${x:0:1} "$*""#,
        r#"local a=() b; a+=(x); [[ $x =~ ^a ]] && echo ok >/dev/null 2>&1 # mapfile |&"#,
    ] {
        let problems = bash_3_2_problems("x", fine);
        assert!(problems.is_empty(), "{fine}: {}", problems.join("\n"));
    }
}

// ---------------------------------------------------------------------------
// Running the script
// ---------------------------------------------------------------------------

/// A copy of the example ops repository as a git repository with one
/// commit, and a `dagger` stand-in on PATH that appends its arguments to a
/// log and prints `["nettest"]` for changed-containers.
struct Sandbox {
    dir: tempfile::TempDir,
    head: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        // An ops repository: the example CI to copy, and the example images.
        copy_dir(
            &crate_root().join("examples/ops-repo"),
            &dir.path().join("repo"),
        );
        copy_dir(
            &crate_root().join("containers"),
            &dir.path().join("repo/containers"),
        );
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let dagger = bin.join("dagger");
        std::fs::write(
            &dagger,
            "#!/bin/sh\n\
             printf '%s' dagger >>\"$DAGGER_LOG\"\n\
             for a in \"$@\"; do printf ' [%s]' \"$a\" >>\"$DAGGER_LOG\"; done\n\
             echo >>\"$DAGGER_LOG\"\n\
             case \" $* \" in *' changed-containers '*) echo '[\"nettest\"]' ;; esac\n\
             if [ -n \"${DAGGER_FAIL_ON:-}\" ]; then case \" $* \" in *\"$DAGGER_FAIL_ON\"*) \
             echo 'error: the module failed' >&2; exit 1 ;; esac; fi\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dagger, std::fs::Permissions::from_mode(0o755)).unwrap();
        let repo = dir.path().join("repo");
        // The module installed as the Python module was (a root dagger.json):
        // the calls need no -m unless BLUMEOPS_CI names the module.
        std::fs::copy(
            crate_root().join("examples/installed.dagger.json"),
            repo.join("dagger.json"),
        )
        .unwrap();
        for args in [
            &["init", "-q"][..],
            &["add", "-A"],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                "x",
            ],
        ] {
            let st = Command::new("git")
                .args(args)
                .current_dir(&repo)
                .status()
                .unwrap();
            assert!(st.success(), "git {args:?} failed in the sandbox");
        }
        let head = Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(&repo)
            .output()
            .unwrap();
        let head = String::from_utf8(head.stdout).unwrap().trim().to_owned();
        Sandbox { dir, head }
    }

    /// Run `ci/containers-ci ARGS` with `bash` and `env`: (exit code,
    /// stdout, the dagger calls, with the commit written as SHA).
    fn run(&self, bash: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let log = self.dir.path().join("dagger.log");
        let _ = std::fs::remove_file(&log);
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new(bash);
        cmd.arg("ci/containers-ci")
            .args(args)
            .current_dir(self.dir.path().join("repo"))
            .env("PATH", path)
            .env("DAGGER_LOG", &log);
        for var in [
            "EVENT",
            "BASE_SHA",
            "CONTAINER",
            "ZOT_CI_API_KEY",
            "REGISTRY",
            "NAMESPACE",
            "REGISTRY_USERNAME",
            "SOURCE_URL",
            "BLUMEOPS_CI",
            "DAGGER_FAIL_ON",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().expect("bash runs");
        let calls = std::fs::read_to_string(&log).unwrap_or_default();
        let stdout = String::from_utf8_lossy(&out.stdout).replace(&self.head, "SHA");
        (
            out.status.code().unwrap_or(-1),
            stdout,
            calls.replace(&self.head, "SHA"),
        )
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// One run of the script: what it shows, its arguments and environment,
/// and the exit code, stdout and dagger calls expected.
type Case = (
    &'static str,
    Vec<&'static str>,
    Vec<(&'static str, &'static str)>,
    i32,
    String,
    String,
);

/// The runs the test makes, under each bash.
fn cases() -> Vec<Case> {
    let p = "dagger [--progress=plain] [call]";
    vec![
        (
            "list on a new branch: every container",
            vec!["list"],
            vec![("EVENT", "push"), ("BASE_SHA", "")],
            0,
            "containers=[\"nettest\"]\nsha=SHA\n".to_owned(),
            format!("{p} [changed-containers] [--src=.] [--base={EMPTY_TREE}] [--head=SHA]\n"),
        ),
        (
            "list for a pull request: from where it left the base",
            vec!["list"],
            vec![("EVENT", "pull_request"), ("BASE_SHA", "HEAD")],
            0,
            "containers=[\"nettest\"]\nsha=SHA\n".to_owned(),
            format!("{p} [changed-containers] [--src=.] [--base=SHA] [--head=SHA]\n"),
        ),
        (
            "list after a force push: every container",
            vec!["list"],
            vec![
                ("EVENT", "push"),
                ("BASE_SHA", "1111111111111111111111111111111111111111"),
            ],
            0,
            "containers=[\"nettest\"]\nsha=SHA\n".to_owned(),
            format!("{p} [changed-containers] [--src=.] [--base={EMPTY_TREE}] [--head=SHA]\n"),
        ),
        (
            "list by hand",
            vec!["list"],
            vec![("EVENT", "workflow_dispatch"), ("CONTAINER", "jq")],
            0,
            "containers=[\"jq\"]\nsha=SHA\n".to_owned(),
            String::new(),
        ),
        (
            "build, no module, no source URL",
            vec!["build", "nettest"],
            vec![],
            0,
            String::new(),
            format!(
                "{p} [build] [--src=.] [--container-name=nettest] [--commit-sha=SHA]\n\
                 {p} [publish] [--src=.] [--container-name=nettest] [--commit-sha=SHA] [--dry-run]\n\
                 {p} [build-nix] [--src=.] [--container-name=nettest]\n\
                 {p} [publish-nix] [--src=.] [--container-name=nettest] [--commit-sha=SHA] \
                 [--dry-run]\n"
            ),
        ),
        (
            "build, the dry runs where to publish, with the source URL on the build only",
            vec!["build", "miniflux"],
            vec![
                ("BLUMEOPS_CI", "../m"),
                ("REGISTRY", "r:5000"),
                ("NAMESPACE", "n"),
                ("REGISTRY_USERNAME", "u"),
                ("SOURCE_URL", "https://x"),
            ],
            0,
            String::new(),
            format!(
                "{p} [-m] [../m] [build] [--src=.] [--container-name=miniflux] \
                 [--commit-sha=SHA] [--source-url=https://x]\n\
                 {p} [-m] [../m] [publish] [--src=.] [--container-name=miniflux] \
                 [--commit-sha=SHA] [--registry=r:5000] [--namespace=n] \
                 [--registry-username=u] [--dry-run]\n"
            ),
        ),
        (
            "build, the publish's dry run fails: so does the pull request's job",
            vec!["build", "nettest"],
            vec![("DAGGER_FAIL_ON", " publish ")],
            1,
            String::new(),
            format!(
                "{p} [build] [--src=.] [--container-name=nettest] [--commit-sha=SHA]\n\
                 {p} [publish] [--src=.] [--container-name=nettest] [--commit-sha=SHA] [--dry-run]\n"
            ),
        ),
        (
            "publish, every array empty but the target",
            vec!["publish", "nettest"],
            vec![("ZOT_CI_API_KEY", "k")],
            0,
            String::new(),
            format!(
                "{p} [publish] [--src=.] [--container-name=nettest] [--commit-sha=SHA] \
                 [--registry-password=env:ZOT_CI_API_KEY]\n\
                 {p} [publish-nix] [--src=.] [--container-name=nettest] [--commit-sha=SHA] \
                 [--registry-password=env:ZOT_CI_API_KEY]\n"
            ),
        ),
        (
            "publish with every option",
            vec!["publish", "miniflux"],
            vec![
                ("ZOT_CI_API_KEY", "k"),
                ("BLUMEOPS_CI", "../m"),
                ("REGISTRY", "r:5000"),
                ("NAMESPACE", "n"),
                ("REGISTRY_USERNAME", "u"),
                ("SOURCE_URL", "https://x"),
            ],
            0,
            String::new(),
            format!(
                "{p} [-m] [../m] [publish] [--src=.] [--container-name=miniflux] \
                 [--commit-sha=SHA] [--registry=r:5000] [--namespace=n] \
                 [--registry-username=u] [--registry-password=env:ZOT_CI_API_KEY] \
                 [--source-url=https://x]\n"
            ),
        ),
        (
            "publish without the secret",
            vec!["publish", "nettest"],
            vec![],
            1,
            String::new(),
            String::new(),
        ),
    ]
}

/// Without BLUMEOPS_CI and without a root dagger.json there is no module
/// to call: the script stops, saying how to name one, and calls nothing.
#[test]
fn without_a_module_the_script_says_how_to_name_one() {
    let sandbox = Sandbox::new();
    std::fs::remove_file(sandbox.dir.path().join("repo/dagger.json")).unwrap();
    let out = Command::new("bash")
        .args(["ci/containers-ci", "build", "nettest"])
        .current_dir(sandbox.dir.path().join("repo"))
        .env_remove("BLUMEOPS_CI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("BLUMEOPS_CI") && stderr.contains("@<commit sha>"),
        "{stderr}"
    );
}

/// The script's modes make the expected dagger calls under the `bash` on
/// PATH (no bash 3.2 can run here: see the module's docs).
#[test]
fn containers_ci_makes_the_expected_calls() {
    let shells = ["bash".to_owned()];
    let sandbox = Sandbox::new();
    let mut failures = Vec::new();
    for shell in &shells {
        let version = Command::new(shell)
            .args(["-c", "echo $BASH_VERSION"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|e| panic!("cannot run {shell}: {e}"));
        eprintln!("ci/containers-ci under {shell} (bash {version})");
        for (what, args, env, code, stdout, calls) in cases() {
            let got = sandbox.run(shell, &args, &env);
            if got != (code, stdout.clone(), calls.clone()) {
                failures.push(format!(
                    "{what}, under {shell} (bash {version}): ci/containers-ci {}\n  \
                     expected exit {code}, stdout {stdout:?}, calls {calls:?}\n  \
                     got      exit {}, stdout {:?}, calls {:?}",
                    args.join(" "),
                    got.0,
                    got.1,
                    got.2
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The pull request catches what the push to main would fail on: for a
/// container without a version, `ci/containers-ci build` makes the
/// publish's dry run, and that call, made by the module (through the
/// stand-in CLI and the recording engine), fails as the publish after the
/// merge would. A container with a version passes it, printing the
/// references main would publish.
#[tokio::test]
async fn a_container_without_a_version_fails_on_the_pull_request() {
    let sandbox = Sandbox::new();
    let repo = sandbox.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("containers/noversion")).unwrap();
    std::fs::write(
        repo.join("containers/noversion/Dockerfile"),
        "FROM alpine:3.22\n",
    )
    .unwrap();
    let mut outcomes = Vec::new();
    for name in ["noversion", "nettest"] {
        let (code, _, calls) = sandbox.run("bash", &["build", name], &[]);
        assert_eq!(code, 0, "{calls}");
        // The recorded call, as a command line (`[word]` -> `word`).
        let publish = calls
            .lines()
            .find(|l| l.contains("[publish]"))
            .unwrap_or_else(|| panic!("no publish dry run: {calls}"))
            .replace(['[', ']'], "")
            .replace("SHA", &sandbox.head);
        assert!(publish.ends_with(" --dry-run"), "{publish}");
        outcomes.push(harness::cli::outcome(&harness::cli::call(&publish, &repo)).await);
    }
    let message = outcomes[0].as_ref().unwrap_err();
    assert!(
        message.starts_with(
            "there is no version for the tag: containers/noversion/Dockerfile declares no \
             `ARG CONTAINER_APP_VERSION=<version>`."
        ),
        "{message}"
    );
    let head7 = &sandbox.head[..7];
    assert_eq!(
        outcomes[1].as_deref(),
        Ok(format!(
            "registry.ops.eblu.me/blumeops/nettest:v0.1.0-{head7}\n\
             dry run: nothing was built or pushed"
        )
        .as_str())
    );
}
