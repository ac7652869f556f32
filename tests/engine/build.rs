//! `build` through the recording engine: the exact pipeline, and the
//! errors a user can hit before any engine work.

use crate::harness;

use crate::harness::{Engine, examples_root};
use serde_json::json;

fn build(name: &str) -> Engine {
    Engine::call("build")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
}

#[tokio::test]
async fn build_runs_the_dockerfile_of_the_container_folder() {
    let chain = build("miniflux").returned_chain().await;
    assert_eq!(
        chain,
        concat!(
            "$src.directory(path: \"containers/miniflux\")",
            ".dockerBuild(dockerfile: \"Dockerfile\")",
            ".withLabel(name: \"org.opencontainers.image.title\", value: \"miniflux\")",
            ".withLabel(name: \"org.opencontainers.image.version\", value: \"2.2.17\")"
        )
    );
}

#[tokio::test]
async fn build_asks_the_engine_three_things_besides_the_protocol() {
    let outcome = build("miniflux").run().await;
    // read call, glob (the catalog), the Dockerfile, the container's ID, returnValue
    assert_eq!(outcome.queries.len(), 5, "{:#?}", outcome.queries);
}

#[tokio::test]
async fn an_invalid_name_is_refused_before_any_engine_work() {
    for bad in [
        "",
        "..",
        "a/b",
        "Nettest",
        "net test",
        "-x",
        "../containers/nettest",
    ] {
        let message = build(bad)
            .refused_before_engine_work(&format!("{bad:?}"))
            .await;
        assert!(message.contains("container name"), "{bad:?}: {message}");
    }
}

#[tokio::test]
async fn a_container_without_a_dockerfile_lists_those_that_have_one() {
    let message = build("no-such-container").returned_error().await;
    assert!(
        message.starts_with("containers/no-such-container/Dockerfile does not exist: container `no-such-container` has no Dockerfile.\nContainers with a Dockerfile: "),
        "{message}"
    );
    assert!(
        message.contains("miniflux") && message.contains("nettest"),
        "{message}"
    );
}

#[tokio::test]
async fn a_src_without_containers_says_what_src_should_be() {
    let empty = std::env::temp_dir().join(format!("blumeops-ci-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let message = Engine::call("build")
        .dir_arg("src", &empty)
        .arg("containerName", json!("nettest"))
        .returned_error()
        .await;
    std::fs::remove_dir(&empty).unwrap();
    assert!(
        message.contains("Is --src the root of the ops repository"),
        "{message}"
    );
}

#[tokio::test]
async fn build_passes_every_option_to_the_engine_and_labels_the_image() {
    let chain = build("navidrome")
        .arg(
            "buildArgs",
            json!(["CONTAINER_APP_VERSION=v0.61.0", "GOFLAGS=-trimpath"]),
        )
        .arg("target", json!("server"))
        .arg("dockerfile", json!("./Dockerfile"))
        .arg("platform", json!("linux/arm64"))
        .arg("sourceUrl", json!("https://github.com/eblume/blumeops"))
        .arg(
            "commitSha",
            json!("0123456789ABCDEF0123456789abcdef01234567"),
        )
        .returned_chain()
        .await;
    assert_eq!(
        chain,
        concat!(
            "$src.directory(path: \"containers/navidrome\")",
            ".dockerBuild(buildArgs: [{name: \"CONTAINER_APP_VERSION\", value: \"v0.61.0\"}, ",
            "{name: \"GOFLAGS\", value: \"-trimpath\"}], dockerfile: \"Dockerfile\", ",
            "platform: \"linux/arm64\", target: \"server\")",
            ".withLabel(name: \"org.opencontainers.image.title\", value: \"navidrome\")",
            ".withLabel(name: \"org.opencontainers.image.version\", value: \"v0.61.0\")",
            ".withLabel(name: \"org.opencontainers.image.revision\", ",
            "value: \"0123456789abcdef0123456789abcdef01234567\")",
            ".withLabel(name: \"org.opencontainers.image.source\", ",
            "value: \"https://github.com/eblume/blumeops\")"
        )
    );
}

#[tokio::test]
async fn bad_build_options_are_refused_before_any_engine_work() {
    let cases = [
        (
            "buildArgs",
            json!(["NOEQUALS"]),
            "--build-args entry `NOEQUALS` has no `=`",
        ),
        ("target", json!("a b"), "--target `a b`"),
        (
            "dockerfile",
            json!("../miniflux/Dockerfile"),
            "--dockerfile `../miniflux/Dockerfile`",
        ),
        (
            "platform",
            json!("amd64"),
            "--platform: `amd64` is not a platform",
        ),
        ("sourceUrl", json!("github.com/x"), "--source-url"),
        ("commitSha", json!("main"), "--commit-sha"),
    ];
    for (arg, value, expected) in cases {
        let message = build("miniflux")
            .arg(arg, value)
            .refused_before_engine_work(arg)
            .await;
        assert!(message.contains(expected), "{arg}: {message}");
    }
}

#[tokio::test]
async fn a_missing_dockerfile_option_names_the_file() {
    // Found by tests/engine/bad_input.rs: the engine's read error came back instead.
    let message = build("miniflux")
        .arg("dockerfile", json!("Dockerfile.nope"))
        .returned_error()
        .await;
    assert_eq!(
        message,
        "containers/miniflux/Dockerfile.nope does not exist: --dockerfile `Dockerfile.nope` names \
         a file relative to containers/miniflux/."
    );
}

/// The fake ops repository of the bad-input table (`containers/no-version`
/// has a Dockerfile without `ARG CONTAINER_APP_VERSION`).
fn bad_input_repo() -> std::path::PathBuf {
    harness::crate_root().join("tests/fixtures/bad-input")
}

#[tokio::test]
async fn any_dockerfile_builds_and_gets_a_version_label_only_when_one_is_known() {
    // A container being added: no version yet. It builds; no version label,
    // and the log says why and how to give it one.
    let engine = Engine::call("build")
        .dir_arg("src", bad_input_repo())
        .arg("containerName", json!("no-version"));
    assert_eq!(
        engine.returned_chain().await,
        concat!(
            "$src.directory(path: \"containers/no-version\")",
            ".dockerBuild(dockerfile: \"Dockerfile\")",
            ".withLabel(name: \"org.opencontainers.image.title\", value: \"no-version\")"
        )
    );
    assert_eq!(
        engine.log(),
        [
            "the image gets no version label: containers/no-version/Dockerfile declares no \
             `ARG CONTAINER_APP_VERSION=<version>` (add one before the first FROM, e.g. \
             `ARG CONTAINER_APP_VERSION=1.2.3`, or pass \
             --build-args=CONTAINER_APP_VERSION=<version>)"
        ]
    );
    // A version line BuildKit may accept but the module cannot read: built
    // all the same, and the log says why there is no label.
    let engine = Engine::call("build")
        .dir_arg("src", bad_input_repo())
        .arg("containerName", json!("substitution"));
    assert!(!engine.returned_chain().await.contains("image.version"));
    let log = engine.log();
    assert!(
        log[0].starts_with("the image gets no version label: containers/substitution/Dockerfile"),
        "{log:?}"
    );
    assert_eq!(log.len(), 1, "said once: {log:?}");
    // A version given as a build argument labels it.
    let engine = Engine::call("build")
        .dir_arg("src", bad_input_repo())
        .arg("containerName", json!("no-version"))
        .arg("buildArgs", json!(["CONTAINER_APP_VERSION=0.1.0"]));
    let chain = engine.returned_chain().await;
    assert!(
        chain.ends_with(".withLabel(name: \"org.opencontainers.image.version\", value: \"0.1.0\")"),
        "{chain}"
    );
}

/// The README's main job, typed in a clone of this repository: its root is
/// an example ops repository, so `--src=.` builds the example images, a
/// Dockerfile one and a Nix one (through the stand-in for the Dagger CLI,
/// which refuses a flag or function the table lacks).
#[tokio::test]
async fn the_readmes_main_job_builds_the_example_images_of_a_clone() {
    let readme = std::fs::read_to_string(harness::crate_root().join("README.md")).unwrap();
    let lines = [
        "dagger call build --src=. --container-name=miniflux export --path=./miniflux.tar",
        "dagger call build-nix --src=. --container-name=jq export --path=./jq.tar.gz",
    ];
    for line in lines {
        assert!(
            readme.lines().any(|l| l.trim() == line),
            "README.md lost its main job `{line}`"
        );
    }
    let engine = harness::cli::call(lines[0], &harness::crate_root());
    let chain = harness::cli::outcome(&engine).await.unwrap();
    assert!(
        chain.starts_with("$src.directory(path: \"containers/miniflux\").dockerBuild"),
        "{chain}"
    );
    let engine = harness::cli::call(lines[1], &harness::crate_root()).exec_answers(
        0,
        "archive jq.tar.gz",
        "",
    );
    let chain = harness::cli::outcome(&engine).await.unwrap();
    assert!(chain.contains("containers/jq/default.nix"), "{chain}");
    assert!(
        engine.log().iter().any(|l| l.contains("from flake.lock")),
        "the root flake.lock pins nixpkgs: {:?}",
        engine.log()
    );
}
