//! The documented install (docs/how-to.md, "Install the module in the ops
//! repository"): the ops repository's root `dagger.json` is
//! `examples/installed.dagger.json` with a commit of this repository in
//! place of `<commit sha>`, naming the module as its *blueprint*. Nothing
//! else is added to the ops repository: no submodule, no `.dagger/`.
//!
//! What the engine does with that file is read from its source, at both
//! ends of the supported range (github.com/dagger/dagger, tags v0.20.1 and
//! v0.21.8; the same code on branch backport-0.21), and re-implemented
//! here as data rules ([`engine_refusals`]), each citing where it is:
//!
//! 1. `core/modules/config.go`, `ParseModuleConfig`: a dagger.json whose
//!    `engineVersion` is newer than the engine is refused ("module requires
//!    dagger vX, but you have vY"); the ops repository's file, the module's
//!    and the shim's are all parsed, so each must be at most the oldest
//!    engine of the range.
//! 2. `core/schema/modulesource.go`, `initFromModConfig`: a blueprint
//!    excludes `sdk`, `dependencies` and `source` ("blueprint and sdk
//!    can't both be set", ...). The blueprint is a `ModuleConfigDependency`
//!    (`name`, `source`, `pin`).
//! 3. `moduleSourceAsModule` (v0.21.8; `createBaseModule` at v0.20.1): the
//!    module runs the blueprint's source (`execSrc`/`src` = the blueprint)
//!    under the ops repository's name (`NameField: originalSrc.ModuleName`)
//!    with the ops repository as its context (`ContextSource:
//!    originalSrc`), and looks its main object up by the blueprint's own
//!    name (`OriginalName`; `core/module.go`, `ObjectByOriginalName`):
//!    the binary registers ToCamel of this repository's dagger.json name.
//! 4. `core/modulesource.go`, `ResolveDepToSource`, parent git / dep
//!    local: the blueprint's `sdk.source` (`./rust-module-runtime`) is
//!    loaded from the blueprint's own git repository at the blueprint's
//!    commit (`refPin: parentSrc.Git.Commit`), so the shim and the crate
//!    both come from this repository at the pin.
//! 5. `LoadContextDir` / `loadContextFromSource` (local source): a
//!    `defaultPath` is joined to the context source's dagger.json folder,
//!    the ops repository's root, so a left-out `--src` is that repository.
//! 6. `loadModuleSourceContext`: a blueprint config has no SDK, so its
//!    source subpath is empty and its upload includes the dagger.json and
//!    `.` ("`.` ends up matching nothing"): the ops repository is not
//!    uploaded with the module; `--src` loads it when a function runs.
//! 7. `moduleResolveLockPolicy`: a ref naming a commit (40 hex digits) is
//!    pinned; the `pin` field is that commit.
//!
//! Loading it in a real engine (fetching this repository from GitHub, the
//! shim's Python runtime) is `ci/e2e`'s check with `E2E_BLUEPRINT`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::cli::{call as cli, outcome};
use crate::harness::crate_root;
use crate::harness::schema::OLDEST;
use blumeops_ci::module::register::MAIN_OBJECT;
use regex::Regex;
use serde_json::{Value, json};

/// The placeholder the template holds where the user writes the commit.
const PLACEHOLDER: &str = "<commit sha>";
/// The module's git address in the template.
const ADDRESS: &str = "github.com/eblume/blumeops-ci";
/// A commit to fill the template with.
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `strcase.ToCamel` of a dagger.json name, as the engine names the main
/// object (`blumeops-ci` -> `BlumeopsCi`).
fn to_camel(name: &str) -> String {
    name.split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `semver.Compare(a, b) <= 0` for `vX.Y.Z` versions.
fn at_most(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.trim_start_matches('v')
            .split('.')
            .map(|p| p.parse().unwrap())
            .collect()
    };
    parse(a) <= parse(b)
}

/// The template with `commit` in place of the placeholder: the file the
/// docs tell the user to write.
fn installed_config(commit: &str) -> String {
    std::fs::read_to_string(crate_root().join("examples/installed.dagger.json"))
        .unwrap()
        .replace(PLACEHOLDER, commit)
}

/// What an engine of version `engine` refuses in the ops repository's
/// dagger.json `config`, loading the module from this checkout (as it is
/// at the pin): rules 1-4 and 7 of the module docs.
fn engine_refusals(config: &Value, engine: &str) -> Vec<String> {
    let mut refusals = Vec::new();
    let own = json_file(&crate_root().join("dagger.json"));
    // Rule 1, for the three files the engine parses.
    for (what, file) in [
        ("the ops repository's dagger.json", config.clone()),
        ("the module's dagger.json", own.clone()),
        (
            "the shim's dagger.json",
            json_file(
                &crate_root()
                    .join(own["sdk"]["source"].as_str().unwrap_or("."))
                    .join("dagger.json"),
            ),
        ),
    ] {
        let v = file["engineVersion"].as_str().unwrap_or("");
        if !at_most(v, engine) {
            refusals.push(format!(
                "{what}: module requires dagger {v}, but you have {engine}"
            ));
        }
    }
    // Rule 2.
    let Some(blueprint) = config.get("blueprint") else {
        refusals.push("no blueprint".into());
        return refusals;
    };
    for field in ["sdk", "dependencies", "source"] {
        if config.get(field).is_some() {
            refusals.push(format!("blueprint and {field} can't both be set"));
        }
    }
    // Rule 7.
    let source = blueprint["source"].as_str().unwrap_or("");
    let Some((address, commit)) = source.split_once('@') else {
        refusals.push(format!("`{source}` names no commit"));
        return refusals;
    };
    if address != ADDRESS {
        refusals.push(format!("`{address}` is not the module's repository"));
    }
    if !Regex::new("^[0-9a-f]{40}$").unwrap().is_match(commit) {
        refusals.push(format!(
            "`{commit}` is not a commit: the blueprint would float"
        ));
    }
    if blueprint["pin"].as_str() != Some(commit) {
        refusals.push(format!(
            "the pin {} is not the commit {commit}",
            blueprint["pin"]
        ));
    }
    // Rule 3: the main object is found by the blueprint's name.
    if to_camel(own["name"].as_str().unwrap_or("")) != MAIN_OBJECT {
        refusals.push(format!(
            "the binary registers {MAIN_OBJECT}, not ToCamel of the module's name"
        ));
    }
    // Rule 4: the SDK is a local path inside the module's repository.
    let sdk = own["sdk"]["source"].as_str().unwrap_or("");
    let shim = crate_root().join(sdk);
    if !sdk.starts_with("./")
        || !shim.join("dagger.json").is_file()
        || !shim.join("pyproject.toml").is_file()
    {
        refusals.push(format!(
            "the SDK `{sdk}` is not the shim inside the module's repository"
        ));
    }
    refusals
}

#[test]
fn the_template_names_the_module_at_a_commit_and_nothing_else() {
    let template = json_file(&crate_root().join("examples/installed.dagger.json"));
    let own = json_file(&crate_root().join("dagger.json"));
    assert_eq!(
        template["name"], own["name"],
        "calls and .env keys keep the module's name"
    );
    assert_eq!(template["engineVersion"], json!(OLDEST));
    assert_eq!(
        own["engineVersion"],
        json!(OLDEST),
        "dagger.json declares the oldest engine"
    );
    assert_eq!(
        template["blueprint"]["source"],
        json!(format!("{ADDRESS}@{PLACEHOLDER}"))
    );
    let keys: Vec<&String> = template.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["blueprint", "engineVersion", "name"]);
    // As the template stands it names no commit: the rules refuse it.
    let refusals = engine_refusals(&template, OLDEST);
    assert!(
        refusals.iter().any(|r| r.contains("is not a commit")),
        "{refusals:?}"
    );
}

#[test]
fn every_engine_of_the_range_accepts_the_installed_file() {
    let config: Value = serde_json::from_str(&installed_config(COMMIT)).unwrap();
    for engine in [OLDEST, "v0.21.8", "v0.21.11"] {
        assert_eq!(
            engine_refusals(&config, engine),
            Vec::<String>::new(),
            "engine {engine}"
        );
    }
    // An engine older than the range refuses it, naming the version.
    let refusals = engine_refusals(&config, "v0.20.0");
    assert!(
        refusals[0].contains("requires dagger v0.20.1, but you have v0.20.0"),
        "{refusals:?}"
    );
    // A moving ref (a branch) is no pin.
    let floating: Value = serde_json::from_str(&installed_config("main")).unwrap();
    assert!(!engine_refusals(&floating, OLDEST).is_empty());
}

/// The shim builds from the module's own repository at the pin (rule 4):
/// the files it takes (`CRATE_FILES` in its main.py) make a complete,
/// locked crate at the repository's root.
#[test]
fn cargo_reads_the_crate_the_shim_takes_from_the_module_repository() {
    let main = std::fs::read_to_string(
        crate_root().join("rust-module-runtime/src/rust_module_runtime/main.py"),
    )
    .unwrap();
    let line = main
        .lines()
        .find(|l| l.starts_with("CRATE_FILES = ["))
        .expect("main.py declares CRATE_FILES");
    let patterns: Vec<String> =
        serde_json::from_str(line.trim_start_matches("CRATE_FILES = ")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let filtered = dir.path().join("crate");
    std::fs::create_dir_all(&filtered).unwrap();
    for pattern in patterns {
        match pattern.strip_suffix("/**") {
            Some(folder) if crate_root().join(folder).is_dir() => {
                copy_tree(&crate_root().join(folder), &filtered.join(folder))
            }
            Some(_) => {}
            None if crate_root().join(&pattern).is_file() => {
                std::fs::copy(crate_root().join(&pattern), filtered.join(&pattern)).unwrap();
            }
            None => {}
        }
    }
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(&filtered)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo cannot read the crate the shim hands it:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let bin = metadata["packages"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"][0] == "bin")
        .cloned()
        .expect("the crate has its binary");
    assert_eq!(bin["name"], "blumeops-ci");
}

/// Copies `from` to `to`, leaving out `target/` and `.git`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// An ops repository shaped like the origin's (`tests/fixtures/
/// origin-ops-repo`), with the module installed as documented (the root
/// dagger.json) and the example's CI (workflows and `ci/containers-ci`),
/// pushed and then cloned as a plain `actions/checkout` does (no
/// submodules): (the folder, the clone).
fn clean_checkout() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    crate::harness::origin_repo::assemble(&origin);
    for part in ["ci", ".github", ".forgejo"] {
        copy_tree(
            &crate_root().join("examples/ops-repo").join(part),
            &origin.join(part),
        );
    }
    std::fs::write(origin.join("dagger.json"), installed_config(COMMIT)).unwrap();
    git(&origin, &["init", "-q"]);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-qm", "install blumeops-ci"]);
    let checkout = dir.path().join("checkout");
    git(
        dir.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    (dir, checkout)
}

/// Done when (issue #20): from a clean checkout, the repository's CI
/// (`ci/containers-ci`, as its workflows run it, unchanged) makes calls
/// the engine accepts: the installed dagger.json passes the engine's rules
/// at both ends of the range, and every `dagger call` the script makes
/// runs through the stand-in Dagger CLI (`tests/harness/cli.rs`) on that
/// checkout without `-m`, with `--src=.` the checkout.
#[tokio::test]
async fn an_origin_shaped_repository_passes_its_ci_from_a_clean_checkout() {
    let (dir, checkout) = clean_checkout();
    assert!(!checkout.join(".dagger").exists() && !checkout.join(".gitmodules").exists());
    let config = json_file(&checkout.join("dagger.json"));
    for engine in [OLDEST, "v0.21.8"] {
        assert_eq!(
            engine_refusals(&config, engine),
            Vec::<String>::new(),
            "engine {engine}"
        );
    }

    // A `dagger` on PATH that records each command line.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(
        bin.join("dagger"),
        "#!/bin/sh\n\
         echo \"dagger $*\" >>\"$DAGGER_LOG\"\n\
         case \" $* \" in *' changed-containers '*) echo '[\"miniflux\",\"ntfy\"]' ;; esac\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("dagger"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = dir.path().join("dagger.log");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new("bash")
            .arg("ci/containers-ci")
            .args(args)
            .current_dir(&checkout)
            .env("PATH", &path)
            .env("DAGGER_LOG", &log)
            .env_remove("BLUMEOPS_CI")
            .env_remove("_EXPERIMENTAL_DAGGER_RUNNER_HOST")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ci/containers-ci {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let head = git(&checkout, &["rev-parse", "HEAD"]);
    run(&["list"], &[("EVENT", "push"), ("BASE_SHA", "")]);
    run(&["build", "miniflux"], &[]);
    run(&["build", "ntfy"], &[]);

    let lines = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = lines.lines().collect();
    assert!(lines.len() >= 4, "{lines:?}");
    for line in lines {
        assert!(!line.contains(" -m "), "the install needs no -m: {line}");
        let engine = cli(line, &checkout)
            // changed-containers' git, in the engine
            .exec_answers_where("diff", 0, "containers/miniflux/Dockerfile\n", "")
            // build-nix: the flake registry's nixpkgs, then the archive
            .exec_answers_where(
                "\"metadata\"",
                0,
                r#"{"locked": {"type": "github", "owner": "NixOS", "repo": "nixpkgs",
                   "rev": "0123456789abcdef0123456789abcdef01234567",
                   "narHash": "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4="},
                   "url": "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"}"#,
                "",
            )
            .exec_answers(0, "archive image.tar", "");
        let result = outcome(&engine).await;
        assert!(result.is_ok(), "`{line}` (at {head}) fails: {result:?}");
    }
}
