//! `release-runtime` through the recording engine: the exact pipeline (a
//! static binary built per platform in the pinned Rust image, on the
//! pinned base, published as one multi-platform image tagged by the crate
//! digest), dry runs, the already-published path against a real registry
//! (see `tests/harness/registry.rs`), and the crate digest it computes
//! from `--src` against `ci/crate-digest` (sha256sum) on real folders.
//! Also: the constants it shares with the runtime shim are the shim's.

use crate::harness::registry as support;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::registry::{PASSWORD, TestRegistry, USER};
use crate::harness::{Engine, crate_root};
use blumeops_ci::core::release::crate_digest::CRATE_FILES;
use blumeops_ci::core::release::runtime_release::{
    BASE_IMAGE, BINARY_PATH, BUILD_SCRIPT, PLATFORMS, RUST_IMAGE,
};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::spec::CachePolicy;
use serde_json::json;

const PUSHED: &str =
    "pushed@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// ci/crate-digest's answer for `dir`.
fn script_digest(dir: &Path) -> String {
    let out = Command::new("bash")
        .arg(crate_root().join("ci/crate-digest"))
        .arg(dir)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "ci/crate-digest failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The crate digest `release-runtime --dry-run` computes from `--src`.
async fn module_digest(dir: &Path) -> String {
    let output = Engine::call("releaseRuntime")
        .dir_arg("src", dir)
        .arg("dryRun", json!(true))
        .returned_chain()
        .await;
    output
        .lines()
        .find_map(|l| l.strip_prefix("crate digest: "))
        .unwrap_or_else(|| panic!("no crate digest in {output}"))
        .to_owned()
}

/// A copy of the repository's crate files, with some files that are not.
fn crate_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = crate_root();
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "docs/explanation.md",
    ] {
        copy(&root.join(f), &dir.path().join(f));
    }
    copy_tree(&root.join("src"), &dir.path().join("src"));
    copy_tree(
        &root.join("rust-module-runtime"),
        &dir.path().join("rust-module-runtime"),
    );
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target: PathBuf = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            copy(&entry.path(), &target);
        }
    }
}

#[tokio::test]
async fn the_crate_digest_is_the_scripts_on_this_repository() {
    let digest = module_digest(&crate_root()).await;
    assert_eq!(digest, script_digest(&crate_root()));
}

#[tokio::test]
async fn the_crate_digest_follows_the_crate_files_and_nothing_else() {
    let dir = crate_copy();
    let path = dir.path();
    let base = module_digest(path).await;
    assert_eq!(base, script_digest(path));

    // Not crate files: nothing changes.
    std::fs::write(path.join("README.md"), "changed").unwrap();
    std::fs::write(path.join("docs/explanation.md"), "changed").unwrap();
    std::fs::write(
        path.join("rust-module-runtime/src/rust_module_runtime/prebuilt.json"),
        "{}",
    )
    .unwrap();
    std::fs::create_dir_all(path.join("examples")).unwrap();
    std::fs::write(path.join("examples/new"), "x").unwrap();
    assert_eq!(module_digest(path).await, base);
    assert_eq!(script_digest(path), base);

    // One byte, one name, one added file: each changes it, and both agree.
    let mut seen = vec![base];
    let main = path.join("src/main.rs");
    let mut bytes = std::fs::read(&main).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&main, bytes).unwrap();
    assert_new_digest(path, &mut seen).await;
    std::fs::rename(
        path.join("src/core/text.rs"),
        path.join("src/core/text2.rs"),
    )
    .unwrap();
    assert_new_digest(path, &mut seen).await;
    std::fs::create_dir_all(path.join("src/core/extra")).unwrap();
    std::fs::write(path.join("src/core/extra/new.rs"), "").unwrap();
    assert_new_digest(path, &mut seen).await;
}

/// The module's digest of `path` is the script's, and none seen before.
async fn assert_new_digest(path: &Path, seen: &mut Vec<String>) {
    let digest = module_digest(path).await;
    assert_eq!(digest, script_digest(path));
    assert!(!seen.contains(&digest), "{digest} did not change");
    seen.push(digest);
}

#[tokio::test]
async fn a_dry_run_computes_the_digest_and_builds_nothing() {
    let engine = Engine::call("releaseRuntime")
        .dir_arg("src", crate_root())
        .arg("dryRun", json!(true))
        .arg("tags", json!(["latest"]));
    let output = engine.returned_chain().await;
    let digest = script_digest(&crate_root());
    let hex = digest.strip_prefix("sha256:").unwrap();
    assert_eq!(
        output,
        format!(
            "registry.ops.eblu.me/blumeops/blumeops-ci-runtime:crate-{hex}\n\
             registry.ops.eblu.me/blumeops/blumeops-ci-runtime:latest\n\
             dry run: nothing was built or pushed\n\
             crate digest: {digest}\n\
             no pin: a dry run pushes nothing"
        )
    );
    let queries = engine.state.lock().unwrap().queries.clone();
    assert!(
        queries
            .iter()
            .all(|q| !q.contains("withExec") && !q.contains("publish(")),
        "{queries:#?}"
    );
}

/// The runtime image of one platform, as the chain the engine would run.
fn platform_chain(platform: &str, rust_target: &str, digest: &str) -> String {
    let include = CRATE_FILES
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let binary = format!(
        "container(platform: \"{platform}\").from(address: \"{RUST_IMAGE}\")\
         .withExec(args: [\"rustup\", \"target\", \"add\", \"{rust_target}\"])\
         .withDirectory(path: \"/build\", source: $src.filter(include: [{include}]))\
         .withWorkdir(path: \"/build\")\
         .withEnvVariable(name: \"CARGO_TARGET_DIR\", value: \"/target\")\
         .withExec(args: [\"sh\", \"{BUILD_SCRIPT}\", \"{rust_target}\", \"/out/blumeops-ci\"])\
         .file(path: \"/out/blumeops-ci\")"
    );
    format!(
        "container(platform: \"{platform}\").from(address: \"{BASE_IMAGE}\")\
         .withFile(path: \"{BINARY_PATH}\", permissions: 493, source: {binary})\
         .withLabel(name: \"org.opencontainers.image.title\", value: \"blumeops-ci-runtime\")\
         .withLabel(name: \"dev.blumeops-ci.crate-digest\", value: \"{digest}\")\
         .withEntrypoint(args: [\"{BINARY_PATH}\"])"
    )
}

fn release(registry: &TestRegistry, ca: &Path) -> Engine {
    Engine::call("releaseRuntime")
        .dir_arg("src", crate_root())
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD))
        .file_arg("registryCa", ca)
        .stub("publish", json!(PUSHED))
}

#[tokio::test]
async fn a_release_builds_both_platforms_and_publishes_one_image() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = release(&registry, &ca);
    let output = engine.returned_chain().await;
    let digest = script_digest(&crate_root());
    let hex = digest.strip_prefix("sha256:").unwrap();
    assert_eq!(
        output,
        format!("{PUSHED}\ncrate digest: {digest}\npin {digest} {PUSHED}")
    );
    let host = &registry.host;
    let variants: Vec<String> = PLATFORMS
        .iter()
        .map(|p| platform_chain(p.platform, p.rust_target, &digest))
        .collect();
    assert_eq!(
        engine.leaves("publish"),
        [format!(
            "container.withRegistryAuth(address: \"{host}\", secret: $registryPassword, \
             username: \"{USER}\")\
             .publish(address: \"{host}/blumeops/blumeops-ci-runtime:crate-{hex}\", \
             platformVariants: [{}])",
            variants.join(", ")
        )]
    );
    for q in &engine.state.lock().unwrap().queries {
        assert!(!q.contains(PASSWORD), "the password is in a query: {q}");
    }
}

#[tokio::test]
async fn a_released_crate_is_not_built_again_and_its_image_is_pinned() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let digest = script_digest(&crate_root());
    let hex = digest.strip_prefix("sha256:").unwrap();
    let repo = "blumeops/blumeops-ci-runtime";
    let tag = format!("crate-{hex}");
    registry.push(repo, &tag);
    let index = registry.skopeo_digest(repo, &tag);
    let engine = release(&registry, &ca);
    let output = engine.returned_chain().await;
    let image = format!("{}/{repo}:{tag}@{index}", registry.host);
    assert!(
        output.starts_with(&format!("{image}\nalready published: ")),
        "{output}"
    );
    assert!(
        output.ends_with(&format!("\ncrate digest: {digest}\npin {digest} {image}")),
        "{output}"
    );
    assert!(engine.leaves("publish").is_empty());
    let queries = engine.state.lock().unwrap().queries.clone();
    assert!(queries.iter().all(|q| !q.contains("withExec")), "built");
}

#[tokio::test]
async fn bad_input_is_refused_before_any_engine_work() {
    for (arg, value, expected) in [
        ("tags", json!(["has:colon"]), "--tags: `has:colon`"),
        (
            "registry",
            json!("https://ghcr.io"),
            "--registry `https://ghcr.io` has a scheme",
        ),
        ("namespace", json!("Eblume"), "--namespace"),
    ] {
        let engine = Engine::call("releaseRuntime")
            .dir_arg("src", crate_root())
            .arg(arg, value);
        let message = engine.refused_before_engine_work(arg).await;
        assert!(message.starts_with(expected), "{arg}: {message}");
    }
}

#[tokio::test]
async fn a_src_that_is_not_the_crate_is_named() {
    let engine = Engine::call("releaseRuntime")
        .dir_arg("src", crate_root().join("docs"))
        .arg("dryRun", json!(true));
    let message = engine.returned_error().await;
    assert!(message.starts_with("--src has no Cargo.toml"), "{message}");
}

#[test]
fn release_runtime_has_side_effects_and_is_never_cached() {
    let spec = FUNCTIONS
        .iter()
        .find(|f| f.name == "releaseRuntime")
        .unwrap();
    assert_eq!(spec.cache, CachePolicy::Never);
}

/// A line of the shim's main.py: the shared constants must be equal.
#[test]
fn the_constants_shared_with_the_runtime_shim_are_the_shims() {
    let main_py = std::fs::read_to_string(
        crate_root().join("rust-module-runtime/src/rust_module_runtime/main.py"),
    )
    .unwrap();
    let has_line = |line: &str| main_py.lines().any(|l| l == line);
    let crate_files = CRATE_FILES
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    for line in [
        format!("RUST_IMAGE = \"{RUST_IMAGE}\""),
        format!("BASE_IMAGE = \"{BASE_IMAGE}\""),
        format!("CRATE_FILES = [{crate_files}]"),
        "BINARY = \"blumeops-ci\"".to_owned(),
        "BINARY_PATH = f\"/usr/local/bin/{BINARY}\"".to_owned(),
    ] {
        assert!(has_line(&line), "main.py has no line {line}");
    }
    assert_eq!(BINARY_PATH, "/usr/local/bin/blumeops-ci");
    assert!(crate_root().join(BUILD_SCRIPT).is_file(), "{BUILD_SCRIPT}");
}
