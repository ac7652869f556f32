//! The module installed in an ops repository as the Python module was: its
//! checkout (a git submodule or subtree) at `.dagger/`, and at the
//! repository root the `dagger.json` of `examples/installed.dagger.json`,
//! which names `.dagger` as the module's source and the runtime shim in it
//! as the SDK. Then the origin's command lines need no `-m`, and
//! `dagger check` checks the ops repository.
//!
//! What the engine does with that file is read from its source (v0.21.8,
//! core/modulesource.go and core/modfunc.go): the SDK and the source are
//! paths relative to the dagger.json's folder, inside the context (the git
//! root); `--src`'s `defaultPath: "."` is relative to the dagger.json's
//! folder, the ops repository's root, loaded from the host without the
//! module's `include` filter. This test builds that layout from this
//! checkout and checks each of those facts, that cargo reads the crate from
//! the `.dagger` subfolder with exactly the files the shim gives it, and
//! that the module registers the main object the engine expects of the
//! name. That the shim takes the crate from `source_subpath()` is
//! `rust-module-runtime/tests/test_module_runtime.py`'s (ci/check-shim).
//! Loading it in a real engine is for `ci/e2e`.

mod harness;

use std::path::{Path, PathBuf};
use std::process::Command;

use blumeops_ci::module::register::MAIN_OBJECT;
use harness::{Engine, crate_root, examples_root};
use serde_json::{Value, json};

/// The crate files the runtime shim builds from (`CRATE_FILES` in its
/// main.py), as globs relative to the module's source folder.
fn shim_crate_files() -> Vec<String> {
    let main = std::fs::read_to_string(
        crate_root().join("rust-module-runtime/src/rust_module_runtime/main.py"),
    )
    .unwrap();
    let line = main
        .lines()
        .find(|l| l.starts_with("CRATE_FILES = ["))
        .expect("main.py declares CRATE_FILES");
    let list = line.trim_start_matches("CRATE_FILES = ");
    serde_json::from_str(list).expect("CRATE_FILES is a JSON-compatible list of strings")
}

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

/// An ops repository (the example's containers) with this checkout at
/// `.dagger/` and the template as its root dagger.json.
fn installed() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ops = dir.path().join("ops");
    copy_tree(&examples_root().join("containers"), &ops.join("containers"));
    let module = ops.join(".dagger");
    for part in ["Cargo.toml", "Cargo.lock", "dagger.json"] {
        std::fs::create_dir_all(&module).unwrap();
        std::fs::copy(crate_root().join(part), module.join(part)).unwrap();
    }
    copy_tree(&crate_root().join("src"), &module.join("src"));
    copy_tree(
        &crate_root().join("rust-module-runtime"),
        &module.join("rust-module-runtime"),
    );
    std::fs::copy(
        crate_root().join("examples/installed.dagger.json"),
        ops.join("dagger.json"),
    )
    .unwrap();
    (dir, ops)
}

#[test]
fn the_root_dagger_json_names_the_module_its_source_and_its_sdk() {
    let (_dir, ops) = installed();
    let config = json_file(&ops.join("dagger.json"));
    let own = json_file(&crate_root().join("dagger.json"));
    assert_eq!(config["name"], own["name"], "the module keeps its name");
    assert_eq!(to_camel(config["name"].as_str().unwrap()), MAIN_OBJECT);
    assert_eq!(config["engineVersion"], own["engineVersion"]);

    // Paths relative to the dagger.json's folder, inside the context.
    let source = ops.join(config["source"].as_str().unwrap());
    assert!(source.join("Cargo.toml").is_file(), "source: {source:?}");
    let sdk = config["sdk"]["source"].as_str().unwrap();
    assert!(sdk.starts_with("./"), "a local SDK path starts with `.`");
    let sdk = ops.join(sdk);
    assert_eq!(
        json_file(&sdk.join("dagger.json"))["sdk"]["source"],
        "python",
        "the SDK is the runtime shim, a Python-SDK module"
    );
    assert!(sdk.join("pyproject.toml").is_file());
    assert_eq!(
        sdk.canonicalize().unwrap(),
        source
            .join(own["sdk"]["source"].as_str().unwrap())
            .canonicalize()
            .unwrap(),
        "the SDK is the shim of the module's own checkout"
    );
    // The module upload leaves out what the shim does not build from.
    let include: Vec<&str> = config["include"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for heavy in [
        "!.dagger/.git",
        "!.dagger/examples",
        "!.dagger/tests",
        "!**/target",
    ] {
        assert!(include.contains(&heavy), "include lacks {heavy}");
    }
}

/// The shim builds from `source_subpath()` (`.dagger`) filtered to its
/// crate files: cargo finds a complete, locked crate there.
#[test]
fn cargo_reads_the_crate_from_the_source_subfolder_with_the_shims_files_only() {
    let (dir, ops) = installed();
    let module = ops.join(".dagger");
    let filtered = dir.path().join("crate");
    for pattern in shim_crate_files() {
        match pattern.strip_suffix("/**") {
            Some(folder) if module.join(folder).is_dir() => {
                copy_tree(&module.join(folder), &filtered.join(folder))
            }
            Some(_) => {}
            None if module.join(&pattern).is_file() => {
                std::fs::create_dir_all(&filtered).unwrap();
                std::fs::copy(module.join(&pattern), filtered.join(&pattern)).unwrap();
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
    let targets = &metadata["packages"][0]["targets"];
    let bin = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"][0] == "bin")
        .expect("the crate has its binary");
    assert_eq!(bin["name"], "blumeops-ci");
    assert!(Path::new(bin["src_path"].as_str().unwrap()).is_file());
}

/// `--src=.` from the root of the ops repository: the functions find its
/// containers (not the module checkout's own, under `.dagger/`); and registration
/// names the main object the engine derives from the dagger.json's name.
#[tokio::test]
async fn the_default_src_is_the_ops_repository_and_registration_matches_the_name() {
    let (_dir, ops) = installed();
    let listing = Engine::call("containers")
        .dir_arg("src", &ops)
        .returned_chain()
        .await;
    assert!(
        listing.contains("miniflux") && listing.contains("jq"),
        "{listing}"
    );
    let engine = Engine::registration();
    let outcome = engine.run().await;
    assert_eq!(outcome.served, Ok(()));
    let chain = outcome
        .queries
        .iter()
        .find(|q| q.contains(&format!("name: {}", json!(MAIN_OBJECT))))
        .is_some();
    assert!(chain, "registration names {MAIN_OBJECT}");
}
