//! `build-nix`, `nix-version` and `publish-nix` through the recording
//! engine: the exact pipelines (image, `/nix` cache volume and its seed,
//! env, repository mount, the exact exec arguments, the copy-out, import
//! and publish), and how Nix's outcome reaches the user. The script and
//! the Nix expressions themselves run for real in `tests/real/nix_real.rs`.

use crate::harness;
use crate::harness::registry as support;

use crate::harness::chains::{exec, nix_container, pinned, q};
use crate::harness::{Engine, NIX_PUSHED as PUSHED, SHA, examples_root, publish_nix};
use blumeops_ci::core::container::names::ContainerName;
use blumeops_ci::core::nix::build::recipe::{FILE_EXPR, FLAKE_EXPR};
use blumeops_ci::core::nix::build::{self as nix_build, ArchiveFormat, NixRecipe};
use blumeops_ci::core::nix::nixpkgs::{self, AttrPath};
use blumeops_ci::core::version::flake_image as image_version;
use serde_json::json;

fn build_nix(name: &str) -> Engine {
    Engine::call("buildNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
}

#[tokio::test]
async fn build_nix_builds_in_the_cached_store_and_copies_the_archive_out() {
    let engine = build_nix("nettest").exec_answers(0, "archive nettest.tar.gz\n", "");
    let chain = engine.returned_chain().await;
    let name = ContainerName::parse("nettest").unwrap();
    let target = NixRecipe::Container(name.clone());
    let argv = nix_build::build_argv(
        &target,
        Some(&pinned().expr("/src")),
        &name,
        ArchiveFormat::AsBuilt,
    );
    assert_eq!(
        argv[4..],
        [
            pinned().expr("/src"),
            FILE_EXPR.into(),
            "containers/nettest/default.nix".into(),
            "/out".into(),
            "nettest".into(),
            "as-built".into()
        ]
    );
    assert_eq!(
        chain,
        format!(
            "{}{}.file(path: \"/out/nettest.tar.gz\")",
            nix_container(),
            exec(&argv)
        )
    );
}

#[tokio::test]
async fn a_streamed_image_is_returned_as_captured() {
    let chain = build_nix("nettest")
        .exec_answers(0, "stream nettest.tar\n", "")
        .returned_chain()
        .await;
    assert!(
        chain.ends_with(".file(path: \"/out/nettest.tar\")"),
        "{chain}"
    );
}

#[tokio::test]
async fn nix_failures_are_explained() {
    // (exit status, the script's stdout, Nix's stderr, what the user reads)
    let cases = [
        (
            10,
            "",
            "error: hash mismatch in file downloaded from 'https://...'",
            "nixpkgs does not match the hash it is pinned with: https://github.com/NixOS/nixpkgs/archive/",
        ),
        (
            11,
            "",
            "error: undefined variable 'pkgz'",
            "nix-build containers/nettest/default.nix failed:\nerror: undefined variable 'pkgz'",
        ),
        (
            15,
            "/nix/store/abc-nettest\ntar\n",
            "building '/nix/store/abc-nettest.drv'...",
            "containers/nettest/default.nix builds /nix/store/abc-nettest, which is a tar archive without a manifest.json",
        ),
    ];
    for (code, stdout, stderr, expected) in cases {
        let message = build_nix("nettest")
            .exec_answers(code, stdout, stderr)
            .returned_error()
            .await;
        assert!(message.starts_with(expected), "{code}: {message}");
    }
}

#[tokio::test]
async fn a_container_without_default_nix_lists_those_that_have_one() {
    let message = build_nix("miniflux").returned_error().await;
    assert!(
        message.starts_with("containers/miniflux/default.nix does not exist"),
        "{message}"
    );
    assert!(
        message.contains("jq") && message.contains("nettest"),
        "{message}"
    );
}

#[tokio::test]
async fn bad_nix_arguments_are_refused_before_any_engine_work() {
    let cases = [
        (
            "nixImage",
            "nixos/nix;rm",
            "--nix-image `nixos/nix;rm` is not an image reference",
        ),
        (
            "flakeLock",
            "../flake.lock",
            "--flake-lock `../flake.lock` is not a path inside the repository",
        ),
        (
            "nixpkgs",
            "nixos-unstable",
            "--nixpkgs `nixos-unstable` is neither a tarball URL nor a store path",
        ),
    ];
    for (arg, value, expected) in cases {
        let message = build_nix("nettest")
            .arg(arg, json!(value))
            .refused_before_engine_work(arg)
            .await;
        assert!(message.starts_with(expected), "{arg}: {message}");
    }
}

/// A copy of the example repository without its flake.lock.
fn repo_without_lock() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let nettest = dir.path().join("containers/nettest");
    std::fs::create_dir_all(&nettest).unwrap();
    for f in ["default.nix", "Dockerfile"] {
        std::fs::copy(
            examples_root().join("containers/nettest").join(f),
            nettest.join(f),
        )
        .unwrap();
    }
    dir
}

/// What `nix flake metadata --json nixpkgs` prints in the Nix image.
const REGISTRY_METADATA: &str = r#"{"locked": {"lastModified": 1764000000,
    "narHash": "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=", "owner": "NixOS",
    "repo": "nixpkgs", "rev": "0123456789abcdef0123456789abcdef01234567", "type": "github"},
    "original": {"id": "nixpkgs", "type": "indirect"},
    "url": "github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567"}"#;

#[tokio::test]
async fn without_a_lock_the_flake_registry_names_nixpkgs_and_the_log_says_so() {
    let dir = repo_without_lock();
    let engine = Engine::call("buildNix")
        .dir_arg("src", dir.path())
        .arg("containerName", json!("nettest"))
        .exec_answers_where("\"metadata\"", 0, REGISTRY_METADATA, "")
        .exec_answers(0, "archive nettest.tar.gz", "");
    let chain = engine.returned_chain().await;
    // The build fetches exactly what the registry resolved, hash checked.
    assert!(
        chain.contains(&q(
            "builtins.fetchTarball { url = \"https://github.com/NixOS/nixpkgs/archive/\
             0123456789abcdef0123456789abcdef01234567.tar.gz\"; sha256 = \
             \"sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=\"; }"
        )),
        "{chain}"
    );
    // The resolution runs in the Nix image, keyed to the hour.
    let resolution = engine
        .state()
        .exec_steps
        .iter()
        .map(|(c, _)| c.clone())
        .find(|c| c.contains("\"metadata\""))
        .expect("the registry was asked");
    assert!(
        resolution.starts_with(&nix_container())
            && resolution
                .contains(".withEnvVariable(name: \"BLUMEOPS_CI_REGISTRY_HOUR\", value: \"")
            && resolution.ends_with(
                ".withExec(args: [\"nix\", \"flake\", \"metadata\", \"--json\", \"nixpkgs\"])"
            ),
        "{resolution}"
    );
    let log = engine.log();
    assert_eq!(
        log[0],
        "nixpkgs: https://github.com/NixOS/nixpkgs/archive/0123456789abcdef0123456789abcdef01234567.tar.gz \
         (sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=), from the flake registry of \
         nixos/nix:2.33.3, unpinned (`nixpkgs` resolved to \
         github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567)"
    );
    assert!(
        log[1].contains("no root flake.lock and no nixos/ringtail/flake.lock"),
        "{log:?}"
    );
    assert!(log[2].starts_with("nixpkgs is unpinned"), "{log:?}");
    // The advice makes a root flake: a flake.nix first, then its lock.
    assert!(
        log[2].contains("needs a flake.nix there first")
            && log[2].contains("flake-lock --src=. --flake-path=. export --path=flake.lock"),
        "{log:?}"
    );
}

/// The origin-shaped repository: no root flake.lock, its pin in
/// nixos/ringtail/flake.lock.
fn origin() -> std::path::PathBuf {
    harness::origin_repo::origin_ops_repo()
}

/// What nixos/ringtail/flake.lock of the origin-shaped repository pins,
/// read from the file (as Nix reads it: root -> input `nixpkgs` -> its
/// node's `locked`), not through the module's reader.
fn ringtail_pin() -> (String, String) {
    let text = std::fs::read_to_string(origin().join("nixos/ringtail/flake.lock")).unwrap();
    let lock: serde_json::Value = serde_json::from_str(&text).unwrap();
    let node = lock["nodes"]["root"]["inputs"]["nixpkgs"].as_str().unwrap();
    let locked = &lock["nodes"][node]["locked"];
    assert_eq!(locked["type"], "github");
    (
        format!(
            "https://github.com/{}/{}/archive/{}.tar.gz",
            locked["owner"].as_str().unwrap(),
            locked["repo"].as_str().unwrap(),
            locked["rev"].as_str().unwrap()
        ),
        locked["narHash"].as_str().unwrap().to_owned(),
    )
}

/// Without --flake-lock and a root flake.lock, every Nix function takes the
/// pin of nixos/ringtail/flake.lock (the nixpkgs the origin's Nix host
/// built with): the build fetches exactly it, hash checked; the flake
/// registry is never asked; and the log names the file and the input.
#[tokio::test]
async fn without_a_root_lock_the_ringtail_lock_pins_the_build_and_the_log_names_it() {
    let (url, hash) = ringtail_pin();
    let fetch = format!("builtins.fetchTarball {{ url = \"{url}\"; sha256 = \"{hash}\"; }}");
    let engine = Engine::call("buildNix")
        .dir_arg("src", origin())
        .arg("containerName", json!("ntfy"))
        .exec_answers(0, "archive ntfy.tar.gz", "");
    let chain = engine.returned_chain().await;
    assert!(chain.contains(&q(&fetch)), "{chain}");
    let log = engine.log();
    assert_eq!(
        log[..2],
        [
            format!("nixpkgs: {url} ({hash}), from nixos/ringtail/flake.lock (input nixpkgs)"),
            "nixpkgs: the repository has no root flake.lock, so nixos/ringtail/flake.lock pins \
             it (the lock of the default --flake-path, nixos/ringtail, whose nixpkgs the \
             origin's Nix host built with). --flake-lock or a root flake.lock choose another."
                .to_owned()
        ],
        "{log:?}"
    );
    assert_eq!(log.len(), 2, "{log:?}");
    let asked = engine
        .state()
        .exec_steps
        .iter()
        .any(|(c, _)| c.contains("\"metadata\""));
    assert!(!asked, "the flake registry was asked");

    // nix-version and publish-nix's version follow the same order.
    let engine = Engine::call("nixVersion")
        .dir_arg("src", origin())
        .arg("package", json!("authentik"))
        .exec_answers(0, "{\"authentik\":\"2025.4.1\"}", "");
    assert_eq!(engine.returned_chain().await, "2025.4.1");
    let leaves = engine.state().leaves.clone();
    assert!(
        leaves
            .iter()
            .any(|l| l.contains("nix-instantiate") && l.contains(q(&fetch).trim_matches('"'))),
        "{leaves:#?}"
    );
    assert!(engine.log()[0].ends_with("from nixos/ringtail/flake.lock (input nixpkgs)"));
}

/// A root flake.lock comes first: with one beside nixos/ringtail/flake.lock,
/// the build fetches the root's pin, with no note.
#[tokio::test]
async fn a_root_lock_comes_before_the_ringtail_lock() {
    let dir = repo_without_lock();
    std::fs::create_dir_all(dir.path().join("nixos/ringtail")).unwrap();
    std::fs::copy(
        origin().join("nixos/ringtail/flake.lock"),
        dir.path().join("nixos/ringtail/flake.lock"),
    )
    .unwrap();
    let root = std::fs::read_to_string(examples_root().join("flake.lock"))
        .unwrap()
        .replace(
            "1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a",
            "0123456789abcdef0123456789abcdef01234567",
        );
    std::fs::write(dir.path().join("flake.lock"), root).unwrap();
    let engine = Engine::call("buildNix")
        .dir_arg("src", dir.path())
        .arg("containerName", json!("nettest"))
        .exec_answers(0, "archive nettest.tar.gz", "");
    let chain = engine.returned_chain().await;
    assert!(
        chain.contains("archive/0123456789abcdef0123456789abcdef01234567.tar.gz"),
        "{chain}"
    );
    assert!(
        !chain.contains("1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a"),
        "{chain}"
    );
    let log = engine.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].ends_with(", from flake.lock (input nixpkgs)"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_pinned_nixpkgs_is_named_in_the_log_too() {
    let engine = build_nix("nettest").exec_answers(0, "archive nettest.tar.gz", "");
    engine.returned_chain().await;
    let log = engine.log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].starts_with("nixpkgs: https://github.com/NixOS/nixpkgs/archive/")
            && log[0].ends_with(", from flake.lock (input nixpkgs)"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_named_lock_that_does_not_exist_is_an_error_not_the_registry() {
    let dir = repo_without_lock();
    let message = Engine::call("buildNix")
        .dir_arg("src", dir.path())
        .arg("containerName", json!("nettest"))
        .arg("flakeLock", json!("nixos/ringtail/flake.lock"))
        .returned_error()
        .await;
    assert!(
        message.starts_with("nixos/ringtail/flake.lock does not exist"),
        "{message}"
    );
}

#[tokio::test]
async fn a_failed_registry_resolution_says_what_to_pin() {
    let dir = repo_without_lock();
    let message = Engine::call("nixVersion")
        .dir_arg("src", dir.path())
        .arg("package", json!("jq"))
        .exec_answers(
            1,
            "",
            "error: unable to download 'https://channels.nixos.org/flake-registry.json'",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with("could not fetch or evaluate nixpkgs (the flake registry's `nixpkgs` in nixos/nix:2.33.3)"),
        "{message}"
    );
}

/// `nix-version --package=X` without `--src` (the Python module's
/// nix-version took none): no repository is read, an empty folder stands
/// in, and the flake registry answers, unpinned; the log says so.
#[tokio::test]
async fn nix_version_without_src_asks_the_registry_and_says_so() {
    let engine = Engine::call("nixVersion")
        .arg("package", json!("jq"))
        .exec_answers_where("\"metadata\"", 0, REGISTRY_METADATA, "")
        .exec_answers(0, "{\"jq\":\"1.7.1\"}", "");
    assert_eq!(engine.returned_chain().await, "1.7.1");
    let log = engine.log();
    assert!(log[0].contains("from the flake registry"), "{log:?}");
    assert!(
        log[1].contains("nix-version without --src reads no repository")
            && log[1].contains("pass --src=."),
        "{log:?}"
    );
    assert!(log[2].contains("unpinned"), "{log:?}");
    let state = engine.state.lock().unwrap();
    assert!(
        state
            .exec_steps
            .iter()
            .all(|(chain, _)| chain.contains("source: directory)")),
        "the empty folder is mounted: {:?}",
        state.exec_steps
    );
}

#[tokio::test]
async fn nixpkgs_overrides_the_lock() {
    let dir = repo_without_lock();
    let engine = Engine::call("buildNix")
        .dir_arg("src", dir.path())
        .arg("containerName", json!("nettest"))
        .arg("nixpkgs", json!("/nix/store/0123-source"))
        .exec_answers(0, "archive nettest.tar.gz", "");
    let chain = engine.returned_chain().await;
    assert!(
        chain.contains(&q("builtins.storePath \"/nix/store/0123-source\"")),
        "{chain}"
    );
}

fn nix_version(package: &str) -> Engine {
    Engine::call("nixVersion")
        .dir_arg("src", examples_root())
        .arg("package", json!(package))
}

#[tokio::test]
async fn nix_version_evaluates_the_attribute_in_the_pinned_nixpkgs() {
    let engine = nix_version("python3Packages.requests").exec_answers(
        0,
        "{\"python3Packages.requests\":\"2.32.3\"}\n",
        "",
    );
    assert_eq!(engine.returned_chain().await, "2.32.3");
    let lock = std::fs::read_to_string(examples_root().join("flake.lock")).unwrap();
    let pinned = nixpkgs::pin(None, Some(&lock), "flake.lock", "nixpkgs").unwrap();
    let argv = nixpkgs::version_command(
        &pinned,
        "/src",
        &[AttrPath::parse("python3Packages.requests").unwrap()],
    );
    let state = engine.state.lock().unwrap();
    let chains: Vec<String> = state.minted.iter().map(|o| o.chain()).collect();
    let expected = format!("{}{}", nix_container(), exec(&argv));
    assert!(
        chains.contains(&expected),
        "{expected}\nnot in\n{chains:#?}"
    );
}

#[tokio::test]
async fn nix_version_of_a_missing_attribute_is_a_clear_error() {
    let message = nix_version("no-such")
        .exec_answers(0, "{\"no-such\":null}", "")
        .returned_error()
        .await;
    assert!(
        message.starts_with("the pinned nixpkgs has no package `no-such` with a version"),
        "{message}"
    );
}

/// A Nix image whose version was to come from nixpkgs, which lacks the
/// package: publish-nix gives the advice `version` and `check-versions`
/// give (the version in the Nix file), says "unpinned" of the flake
/// registry's nixpkgs and "pinned" only of a pinned one, and says why
/// `--version` cannot stand in.
#[tokio::test]
async fn publish_nix_of_an_image_nixpkgs_has_no_version_for_says_to_add_one() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("containers/tools");
    std::fs::create_dir_all(&tools).unwrap();
    std::fs::write(
        tools.join("default.nix"),
        "{ pkgs }:\npkgs.dockerTools.buildLayeredImage { name = \"tools\"; contents = [ pkgs.jq ]; }\n",
    )
    .unwrap();
    let publish = |version: Option<&str>| {
        let mut engine = Engine::call("publishNix")
            .dir_arg("src", dir.path())
            .arg("containerName", json!("tools"))
            .arg("commitSha", json!("0123456"))
            .arg("dryRun", json!(true))
            .exec_answers_where("\"metadata\"", 0, REGISTRY_METADATA, "")
            .exec_answers(0, "{\"tools\":null}", "");
        if let Some(v) = version {
            engine = engine.arg("version", json!(v));
        }
        engine
    };
    let message = publish(None).returned_error().await;
    assert_eq!(
        message,
        "containers/tools/default.nix sets no `version = \"...\";` and container `tools` has no \
         Dockerfile version, so its version was to be nixpkgs' `tools.version`, but the unpinned \
         nixpkgs (the flake registry's) has no package `tools` with a version \
         (https://github.com/NixOS/nixpkgs/archive/0123456789abcdef0123456789abcdef01234567.tar.gz \
         (sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=), from the flake registry of \
         nixos/nix:2.33.3, unpinned (`nixpkgs` resolved to \
         github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567)).\n\
         Add `version = \"<version>\";` to containers/tools/default.nix."
    );
    assert!(!message.contains("pinned nixpkgs has"), "{message}");
    let message = publish(Some("1.0.0")).returned_error().await;
    assert!(
        message.contains(
            " --version=1.0.0 cannot stand in for it: a Nix build cannot be given a version, \
             it states its own.\nAdd `version = \"<version>\";` to containers/tools/default.nix."
        ),
        "{message}"
    );
}

#[tokio::test]
async fn nix_version_refuses_what_is_not_an_attribute_path() {
    for bad in ["jq; builtins.exec", "${x}", "a..b", ""] {
        let message = nix_version(bad).refused_before_engine_work(bad).await;
        assert!(
            message.contains("is not a nixpkgs attribute path"),
            "{bad}: {message}"
        );
    }
}

#[tokio::test]
async fn a_dry_run_builds_and_pushes_nothing() {
    let engine = publish_nix("ntfy")
        .arg("dryRun", json!(true))
        .arg("tags", json!(["latest"]));
    assert_eq!(
        engine.returned_chain().await,
        "registry.ops.eblu.me/blumeops/ntfy:v2.14.0-0123456-nix\n\
         registry.ops.eblu.me/blumeops/ntfy:latest\n\
         dry run: nothing was built or pushed"
    );
    let state = engine.state.lock().unwrap();
    assert!(state.leaves.is_empty(), "ran: {:?}", state.leaves);
}

#[tokio::test]
async fn a_version_only_nixpkgs_knows_is_evaluated_but_not_built_on_a_dry_run() {
    let engine =
        publish_nix("jq")
            .arg("dryRun", json!(true))
            .exec_answers(0, "{\"jq\":\"1.7.1\"}", "");
    assert_eq!(
        engine.returned_chain().await,
        "registry.ops.eblu.me/blumeops/jq:v1.7.1-0123456-nix\ndry run: nothing was built or pushed"
    );
    let leaves = engine.state.lock().unwrap().leaves.clone();
    assert!(
        leaves.iter().all(|l| l.contains("nix-instantiate")),
        "{leaves:#?}"
    );
}

fn against(engine: Engine, registry: &support::TestRegistry, ca: &std::path::Path) -> Engine {
    engine
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(support::USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(support::PASSWORD))
        .file_arg("registryCa", ca)
        .stub("publish", json!(PUSHED))
}

#[tokio::test]
async fn publish_nix_imports_the_archive_as_built_and_pushes_it() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = against(publish_nix("jq"), &registry, &ca)
        .exec_answers_where("nix-instantiate", 0, "{\"jq\":\"1.7.1\"}", "")
        .exec_answers_where("as-built", 0, "archive jq.tar.gz", "")
        .exec_answers_where("\"tar\"]", 0, "archive jq.tar", "");
    assert_eq!(engine.returned_chain().await, PUSHED);
    let name = ContainerName::parse("jq").unwrap();
    let target = NixRecipe::Container(name.clone());
    let argv = nix_build::build_argv(
        &target,
        Some(&pinned().expr("/src")),
        &name,
        ArchiveFormat::Tar,
    );
    let host = &registry.host;
    assert_eq!(
        engine.leaves("publish"),
        [format!(
            "container.import(source: {}{}.file(path: \"/out/jq.tar\"))\
             .withRegistryAuth(address: \"{host}\", secret: $registryPassword, username: \"{}\")\
             .publish(address: \"{host}/blumeops/jq:v1.7.1-0123456-nix\")",
            nix_container(),
            exec(&argv),
            support::USER
        )]
    );
    let state = engine.state.lock().unwrap();
    assert!(state.queries.iter().all(|q| !q.contains(support::PASSWORD)));
}

#[tokio::test]
async fn labels_are_added_only_when_asked() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = against(publish_nix("ntfy"), &registry, &ca)
        .exec_answers(0, "archive ntfy.tar", "")
        .arg("labels", json!(true))
        .arg("sourceUrl", json!("https://github.com/eblume/blumeops"));
    engine.returned_chain().await;
    let published = engine.leaves("publish");
    assert_eq!(published.len(), 1);
    for label in [
        "withLabel(name: \"org.opencontainers.image.title\", value: \"ntfy\")",
        "withLabel(name: \"org.opencontainers.image.version\", value: \"2.14.0\")",
        "withLabel(name: \"org.opencontainers.image.revision\", value: \"0123456789abcdef0123456789abcdef01234567\")",
        "withLabel(name: \"org.opencontainers.image.source\", value: \"https://github.com/eblume/blumeops\")",
    ] {
        assert!(
            published[0].contains(label),
            "{label} missing in {}",
            published[0]
        );
    }
}

#[tokio::test]
async fn an_existing_nix_tag_builds_and_pushes_nothing() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    registry.push(support::REPO, "v0.1.0-0123456-nix");
    let digest = registry.skopeo_digest(support::REPO, "v0.1.0-0123456-nix");
    let engine = against(publish_nix("nettest"), &registry, &ca);
    let output = engine.returned_chain().await;
    assert!(
        output.starts_with(&format!(
            "{}/blumeops/nettest:v0.1.0-0123456-nix@{digest}\nalready published: ",
            registry.host
        )),
        "{output}"
    );
    let leaves = engine.state.lock().unwrap().leaves.clone();
    // Only the password was read (for the registry check): no exec, no push.
    assert!(
        leaves.iter().all(|l| l.ends_with(".plaintext")),
        "something ran or was pushed: {leaves:#?}"
    );
}

// ---- --nix-file and --flake-output -------------------------------------

/// The repository of every Nix form (`tests/fixtures/nix/forms`): a flake
/// at its root, containers/, packages/.
fn forms_root() -> std::path::PathBuf {
    harness::crate_root().join("tests/fixtures/nix/forms")
}

fn build_forms(name: &str) -> Engine {
    Engine::call("buildNix")
        .dir_arg("src", forms_root())
        .arg("containerName", json!(name))
        .arg("nixpkgs", json!("/nix/store/0123-source"))
}

#[tokio::test]
async fn a_nix_file_is_built_with_call_package_and_the_pinned_nixpkgs() {
    let engine = build_forms("ollama")
        .arg("nixFile", json!("packages/ollama-container.nix"))
        .exec_answers(0, "archive ollama.tar", "");
    let chain = engine.returned_chain().await;
    let name = ContainerName::parse("ollama").unwrap();
    let target = NixRecipe::File("packages/ollama-container.nix".into());
    let argv = nix_build::build_argv(
        &target,
        Some("builtins.storePath \"/nix/store/0123-source\""),
        &name,
        ArchiveFormat::AsBuilt,
    );
    assert_eq!(argv[5], FILE_EXPR);
    assert_eq!(argv[6], "packages/ollama-container.nix");
    assert_eq!(
        chain,
        format!(
            "{}{}.file(path: \"/out/ollama.tar\")",
            nix_container(),
            exec(&argv)
        )
    );
}

#[tokio::test]
async fn a_flake_output_is_built_without_a_nixpkgs_pin_and_the_log_says_whose() {
    let engine = Engine::call("buildNix")
        .dir_arg("src", forms_root())
        .arg("containerName", json!("attic-server"))
        .arg("flakeOutput", json!("attic-server-image"))
        .exec_answers(0, "nix2container attic-server.tar", "");
    let chain = engine.returned_chain().await;
    let name = ContainerName::parse("attic-server").unwrap();
    let target = NixRecipe::parse_flake_output("attic-server-image").unwrap();
    let argv = nix_build::build_argv(&target, None, &name, ArchiveFormat::AsBuilt);
    assert_eq!(argv[4..7], ["", FLAKE_EXPR, "attic-server-image"]);
    assert_eq!(
        chain,
        format!(
            "{}{}.file(path: \"/out/attic-server.tar\")",
            nix_container(),
            exec(&argv)
        )
    );
    // Only the build ran: no nixpkgs was resolved or evaluated.
    let state = engine.state();
    assert!(state.exec_steps.iter().all(|(_, step)| step.args == argv));
    drop(state);
    assert_eq!(
        engine.log(),
        [
            "nixpkgs: the flake's own, as the flake.lock of --src pins it (flake output \
          `attic-server-image` of path:/src)"
        ]
    );
}

#[tokio::test]
async fn forms_are_refused_before_any_engine_work_when_malformed() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("nixFile", "../x.nix")],
            "--nix-file `../x.nix` is not a path inside the repository",
        ),
        (
            &[("flakeOutput", "x; builtins.exec")],
            "--flake-output `x; builtins.exec` is not an attribute path",
        ),
        (
            &[("flakeOutput", "path:/etc#x")],
            "--flake-output `path:/etc#x` is not an attribute path",
        ),
        (
            &[("nixFile", "a.nix"), ("flakeOutput", "a")],
            "--nix-file and --flake-output both name the image to build",
        ),
        (
            &[("flakeOutput", "a"), ("flakeLock", "nixos/host/flake.lock")],
            "--flake-lock and --nixpkgs do not apply to --flake-output",
        ),
    ];
    for (args, expected) in cases {
        let mut engine = build_forms("x");
        for (arg, value) in args {
            engine = engine.arg(arg, json!(value));
        }
        let message = engine
            .refused_before_engine_work(&format!("{args:?}"))
            .await;
        assert!(message.starts_with(expected), "{args:?}: {message}");
    }
}

#[tokio::test]
async fn a_missing_nix_file_or_flake_is_named() {
    let message = build_forms("x")
        .arg("nixFile", json!("packages/nope.nix"))
        .returned_error()
        .await;
    assert!(
        message.starts_with("--nix-file `packages/nope.nix` does not exist in --src"),
        "{message}"
    );
    // A repository without flake.nix.
    let dir = repo_without_lock();
    let message = Engine::call("buildNix")
        .dir_arg("src", dir.path())
        .arg("containerName", json!("x"))
        .arg("flakeOutput", json!("x"))
        .returned_error()
        .await;
    assert!(
        message.starts_with(
            "--flake-output reads the flake at the root of --src, and --src has no flake.nix"
        ),
        "{message}"
    );
}

fn publish_forms(name: &str) -> Engine {
    Engine::call("publishNix")
        .dir_arg("src", forms_root())
        .arg("containerName", json!(name))
        .arg("commitSha", json!(SHA))
}

#[tokio::test]
async fn a_flake_outputs_version_is_evaluated_and_a_dry_run_builds_nothing() {
    let engine = publish_forms("ollama")
        .arg("flakeOutput", json!("ollama-container"))
        .arg("dryRun", json!(true))
        .exec_answers(0, "{\"tag\":\"0.1.2\",\"version\":null}\n", "");
    assert_eq!(
        engine.returned_chain().await,
        "registry.ops.eblu.me/blumeops/ollama:v0.1.2-0123456-nix\n\
         dry run: nothing was built or pushed"
    );
    let attr = AttrPath::parse("ollama-container").unwrap();
    let argv = image_version::flake_version_command("/src", &attr);
    let state = engine.state();
    let evaluated: Vec<&String> = state.exec_steps.iter().map(|(c, _)| c).collect();
    assert_eq!(evaluated, [&format!("{}{}", nix_container(), exec(&argv))]);
}

#[tokio::test]
async fn a_flake_output_without_a_version_asks_for_one() {
    let message = publish_forms("attic-server")
        .arg("flakeOutput", json!("attic-server-image"))
        .arg("dryRun", json!(true))
        .exec_answers(
            0,
            "{\"tag\":\"v75vk8z5mn6dn02k64bplp9avrqkg943\",\"version\":null}",
            "",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with(
            "flake output `attic-server-image` has no version: it has no `version` attribute, \
             its tag `v75vk8z5mn6dn02k64bplp9avrqkg943` is a content hash"
        ),
        "{message}"
    );
    // --version names a version the image does not have.
    let engine = publish_forms("attic-server")
        .arg("flakeOutput", json!("attic-server-image"))
        .arg("dryRun", json!(true))
        .arg("version", json!("0.4.0"))
        .exec_answers(0, HASH_TAGGED, "");
    assert!(
        engine
            .returned_chain()
            .await
            .starts_with("registry.ops.eblu.me/blumeops/attic-server:v0.4.0-0123456-nix\n")
    );
    // But it may not contradict a version the image has (its tag).
    let message = publish_forms("ollama")
        .arg("flakeOutput", json!("ollama-container"))
        .arg("dryRun", json!(true))
        .arg("version", json!("0.2.0"))
        .exec_answers(0, "{\"tag\":\"0.1.2\",\"version\":null}", "")
        .returned_error()
        .await;
    assert!(
        message.starts_with(
            "--version=0.2.0 is not the version of the Nix image, 0.1.2 (flake output \
             `ollama-container` (its image tag))"
        ),
        "{message}"
    );
}

/// What Nix evaluates of a flake output tagged with its content hash.
const HASH_TAGGED: &str = "{\"tag\":\"v75vk8z5mn6dn02k64bplp9avrqkg943\",\"version\":null}";

#[tokio::test]
async fn a_failed_flake_evaluation_is_explained() {
    let message = publish_forms("x")
        .arg("flakeOutput", json!("nope"))
        .arg("dryRun", json!(true))
        .exec_answers(
            1,
            "",
            "error: blumeops-ci: the flake of --src has no output `nope` (neither \
             packages.x86_64-linux.nope, legacyPackages.x86_64-linux.nope nor nope)",
        )
        .returned_error()
        .await;
    assert!(
        message.starts_with("the flake of --src has no output `nope`"),
        "{message}"
    );
}

#[tokio::test]
async fn a_nix_files_version_is_read_from_it_like_default_nix() {
    // packages/ollama-container.nix sets no `version`, but tags its image
    // 0.1.2: nothing is evaluated.
    let engine = publish_forms("ollama")
        .arg("nixFile", json!("packages/ollama-container.nix"))
        .arg("nixpkgs", json!("/nix/store/0123-source"))
        .arg("dryRun", json!(true));
    assert!(
        engine
            .returned_chain()
            .await
            .starts_with("registry.ops.eblu.me/blumeops/ollama:v0.1.2-0123456-nix\n")
    );
    assert!(engine.state().exec_steps.is_empty());
}

#[tokio::test]
async fn publish_nix_pushes_a_flake_output_as_built() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = against(publish_forms("attic-server"), &registry, &ca)
        .arg("flakeOutput", json!("attic-server-image"))
        .arg("version", json!("0.4.0"))
        .exec_answers_where("nix-instantiate", 0, HASH_TAGGED, "")
        .exec_answers(0, "nix2container attic-server.tar", "");
    assert_eq!(engine.returned_chain().await, PUSHED);
    let name = ContainerName::parse("attic-server").unwrap();
    let target = NixRecipe::parse_flake_output("attic-server-image").unwrap();
    let argv = nix_build::build_argv(&target, None, &name, ArchiveFormat::Tar);
    let host = &registry.host;
    assert_eq!(
        engine.leaves("publish"),
        [format!(
            "container.import(source: {}{}.file(path: \"/out/attic-server.tar\"))\
             .withRegistryAuth(address: \"{host}\", secret: $registryPassword, username: \"{}\")\
             .publish(address: \"{host}/blumeops/attic-server:v0.4.0-0123456-nix\")",
            nix_container(),
            exec(&argv),
            support::USER
        )]
    );
}

/// Every form of `tests/fixtures/nix/forms` gets its version and tags as
/// the rule says: read from a file, or evaluated (nixpkgs' for a file that
/// states none, the flake's for a flake output).
#[tokio::test]
async fn every_form_versions_and_tags() {
    let forms = |function: &str, name: &str| {
        Engine::call(function)
            .dir_arg("src", forms_root())
            .arg("containerName", json!(name))
    };
    // A nix2container image in containers/: its file's `version`.
    let version = forms("version", "attic").arg("variant", json!("nix"));
    assert_eq!(version.returned_chain().await, "0.3.0");
    let tags = forms("tags", "attic")
        .arg("variant", json!("nix"))
        .arg("commitSha", json!(SHA));
    assert_eq!(tags.returned_chain().await, "v0.3.0-0123456-nix");
    let dry = |name: &str| {
        publish_forms(name)
            .arg("dryRun", json!(true))
            .arg("nixpkgs", json!("/nix/store/0123-source"))
    };
    assert_eq!(
        dry("attic").returned_chain().await,
        "registry.ops.eblu.me/blumeops/attic:v0.3.0-0123456-nix\n\
         dry run: nothing was built or pushed"
    );
    // A callPackage file that states no version: nixpkgs' greeting.version.
    let engine = dry("greeting").exec_answers(0, "{\"greeting\":\"1.0\"}", "");
    assert!(
        engine
            .returned_chain()
            .await
            .starts_with("registry.ops.eblu.me/blumeops/greeting:v1.0-0123456-nix\n")
    );
    let message = forms("version", "greeting")
        .arg("variant", json!("nix"))
        .returned_error()
        .await;
    assert!(
        message.contains("so its version is nixpkgs' `greeting.version`"),
        "{message}"
    );
}

/// A tag must not lie: publish-nix takes `--version` (the Python module's
/// lines always passed it) only when it is the image's own version.
#[tokio::test]
async fn publish_nix_takes_only_the_images_own_version() {
    let call = |version: &str| {
        Engine::call("publishNix")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("ntfy"))
            .arg("commitSha", json!("0123456"))
            .arg("dryRun", json!(true))
            .arg("version", json!(version))
    };
    let output = call("v2.14.0").returned_chain().await;
    assert!(output.contains("/ntfy:v2.14.0-0123456-nix"), "{output}");
    let message = call("2.15.0").returned_error().await;
    assert!(
        message.starts_with(
            "--version=2.15.0 is not the version of the Nix image, 2.14.0 \
             (containers/ntfy/default.nix)"
        ),
        "{message}"
    );
}
