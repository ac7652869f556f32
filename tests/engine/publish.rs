//! `publish` through the recording engine, with a real registry for the
//! existence check (Debian's `docker-registry`, TLS with a test CA and
//! htpasswd; see `tests/harness/registry.rs`): the exact pipeline, the
//! already-published path, dry runs, multi-platform images, credentials, a
//! push that fails after another succeeded (reported with what was pushed),
//! and that the password's plaintext appears in no query.

use crate::harness;
use crate::harness::registry as support;

use crate::harness::registry::{PASSWORD, TestRegistry, USER};
use crate::harness::{Engine, SHA, examples_root};
use serde_json::json;

const PUSHED: &str =
    "pushed@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// A publish call against `registry`, trusting its CA, with the password.
fn publish(registry: &TestRegistry, name: &str, ca: &std::path::Path) -> Engine {
    Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
        .arg("commitSha", json!(SHA))
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(PASSWORD))
        .file_arg("registryCa", ca)
        .stub("publish", json!(PUSHED))
}

fn assert_no_plaintext(engine: &Engine) {
    let state = engine.state.lock().unwrap();
    for q in &state.queries {
        assert!(!q.contains(PASSWORD), "the password is in a query: {q}");
    }
    for r in &state.returned {
        assert!(
            !format!("{r:?}").contains(PASSWORD),
            "the password is in the result: {r:?}"
        );
    }
}

#[tokio::test]
async fn a_new_tag_is_built_labelled_authenticated_and_pushed() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = publish(&registry, "miniflux", &ca).arg("tags", json!(["latest"]));
    let output = engine.returned_chain().await;
    assert_eq!(output, format!("{PUSHED}\n{PUSHED}"));
    let host = &registry.host;
    let build = concat!(
        "$src.directory(path: \"containers/miniflux\").dockerBuild(dockerfile: \"Dockerfile\")",
        ".withLabel(name: \"org.opencontainers.image.title\", value: \"miniflux\")",
        ".withLabel(name: \"org.opencontainers.image.version\", value: \"2.2.17\")",
        ".withLabel(name: \"org.opencontainers.image.revision\", value: \"0123456789abcdef0123456789abcdef01234567\")",
    );
    let auth = format!(
        ".withRegistryAuth(address: \"{host}\", secret: $registryPassword, username: \"{USER}\")"
    );
    assert_eq!(
        engine.leaves("publish"),
        [
            format!("{build}{auth}.publish(address: \"{host}/blumeops/miniflux:v2.2.17-0123456\")"),
            format!("{build}{auth}.publish(address: \"{host}/blumeops/miniflux:latest\")"),
        ]
    );
    assert_no_plaintext(&engine);
}

#[tokio::test]
async fn a_failed_push_after_a_successful_one_is_an_error_naming_what_was_pushed() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let host = &registry.host;
    let engine = publish(&registry, "miniflux", &ca)
        .arg("tags", json!(["latest", "stable"]))
        .fail(
            "publish",
            ":latest\")",
            "failed to push: unexpected status 500 Internal Server Error",
        );
    let message = engine.returned_error().await;
    assert_eq!(
        message,
        format!(
            "pushing {host}/blumeops/miniflux:latest failed: failed to push: unexpected status \
             500 Internal Server Error\nCheck that {USER} can push to {host} \
             (--registry-username, --registry-password), and that the registry is reachable \
             from the Dagger engine.\nAlready pushed before the failure:\n{PUSHED}"
        )
    );
    // The commit tag went out, `latest` was tried, `stable` never was.
    let pushed: Vec<String> = engine
        .leaves("publish")
        .iter()
        .map(|c| c.rsplit_once(".publish").unwrap().1.to_owned())
        .collect();
    assert_eq!(
        pushed,
        [
            format!("(address: \"{host}/blumeops/miniflux:v2.2.17-0123456\")"),
            format!("(address: \"{host}/blumeops/miniflux:latest\")"),
        ]
    );
    assert_no_plaintext(&engine);

    // A failure of the first push: nothing is said to be on the registry.
    let engine = publish(&registry, "miniflux", &ca).fail("publish", "", "denied: no push");
    let message = engine.returned_error().await;
    assert!(
        message.starts_with(&format!(
            "pushing {host}/blumeops/miniflux:v2.2.17-0123456 failed: denied: no push\n"
        )),
        "{message}"
    );
    assert!(!message.contains("Already pushed"), "{message}");
}

#[tokio::test]
async fn an_existing_commit_tag_pushes_nothing_and_returns_its_digest() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let digest = registry.skopeo_digest(support::REPO, support::TAG);
    let engine = publish(&registry, "nettest", &ca);
    let output = engine.returned_chain().await;
    let reference = format!("{}/blumeops/nettest:v0.1.0-0123456", registry.host);
    assert!(
        output.starts_with(&format!("{reference}@{digest}\nalready published: ")),
        "{output}"
    );
    assert!(
        engine.leaves("publish").is_empty(),
        "pushed: {:?}",
        engine.leaves("publish")
    );
    assert_no_plaintext(&engine);
}

#[tokio::test]
async fn overwrite_pushes_an_existing_tag_again_and_says_so() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let digest = registry.skopeo_digest(support::REPO, support::TAG);
    let engine = publish(&registry, "nettest", &ca).arg("overwrite", json!(true));
    let output = engine.returned_chain().await;
    let reference = format!("{}/blumeops/nettest:v0.1.0-0123456", registry.host);
    assert_eq!(
        output,
        format!("{PUSHED}\noverwriting {reference} (was {digest})")
    );
    assert_eq!(engine.leaves("publish").len(), 1);
}

#[tokio::test]
async fn a_wrong_password_fails_before_anything_is_pushed() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = publish(&registry, "miniflux", &ca).stub("plaintext", json!("not-the-password"));
    let message = engine.returned_error().await;
    assert!(
        message.contains("wrong credentials") && message.contains(&registry.host),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");
    assert!(engine.leaves("publish").is_empty());
}

#[tokio::test]
async fn without_the_ca_the_tls_failure_is_named() {
    let Some((registry, _dir, _ca)) = support::trusted_registry() else {
        return;
    };
    let engine = Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("miniflux"))
        .arg("commitSha", json!(SHA))
        .arg("registry", json!(registry.host));
    let message = engine.returned_error().await;
    assert!(
        message.contains("TLS") || message.contains("certificate"),
        "{message}"
    );
    assert!(engine.leaves("publish").is_empty());
}

#[tokio::test]
async fn a_multi_platform_image_is_one_publish_with_platform_variants() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine =
        publish(&registry, "miniflux", &ca).arg("platforms", json!(["linux/amd64", "linux/arm64"]));
    engine.returned_chain().await;
    let leaves = engine.leaves("publish");
    assert_eq!(leaves.len(), 1, "{leaves:?}");
    let variant = |p: &str| {
        format!(
            "$src.directory(path: \"containers/miniflux\").dockerBuild(dockerfile: \"Dockerfile\", platform: \"{p}\")\
             .withLabel(name: \"org.opencontainers.image.title\", value: \"miniflux\")\
             .withLabel(name: \"org.opencontainers.image.version\", value: \"2.2.17\")\
             .withLabel(name: \"org.opencontainers.image.revision\", value: \"{SHA}\")"
        )
    };
    let host = &registry.host;
    assert_eq!(
        leaves[0],
        format!(
            "container.withRegistryAuth(address: \"{host}\", secret: $registryPassword, username: \"{USER}\")\
             .publish(address: \"{host}/blumeops/miniflux:v2.2.17-0123456\", platformVariants: [{}, {}])",
            variant("linux/amd64"),
            variant("linux/arm64")
        )
    );
}

#[tokio::test]
async fn a_dry_run_builds_and_pushes_nothing() {
    let engine = Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("navidrome"))
        .arg("commitSha", json!(SHA))
        .arg("tags", json!(["latest"]))
        .arg("dryRun", json!(true));
    let output = engine.returned_chain().await;
    assert_eq!(
        output,
        "registry.ops.eblu.me/blumeops/navidrome:v0.60.3-0123456\n\
         registry.ops.eblu.me/blumeops/navidrome:latest\n\
         dry run: nothing was built or pushed"
    );
    let queries = engine.state.lock().unwrap().queries.clone();
    assert!(
        queries
            .iter()
            .all(|q| !q.contains("dockerBuild") && !q.contains("publish")),
        "{queries:#?}"
    );
}

#[tokio::test]
async fn bad_publish_input_is_refused_before_any_engine_work() {
    let cases = [
        (
            "registry",
            json!("https://registry.ops.eblu.me"),
            "has a scheme",
        ),
        ("namespace", json!("Blume"), "--namespace"),
        ("commitSha", json!("HEAD"), "--commit-sha"),
        ("platforms", json!(["amd64"]), "--platforms"),
    ];
    for (arg, value, expected) in cases {
        let engine = Engine::call("publish")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux"))
            .arg("commitSha", json!(SHA))
            .arg(arg, value);
        let message = engine.refused_before_engine_work(arg).await;
        assert!(message.contains(expected), "{arg}: {message}");
    }
}

#[tokio::test]
async fn a_bad_extra_tag_is_refused_before_any_push() {
    let engine = Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("miniflux"))
        .arg("commitSha", json!(SHA))
        .arg("tags", json!(["has:colon"]));
    let message = engine.returned_error().await;
    assert!(message.starts_with("--tags: `has:colon`"), "{message}");
    assert!(engine.leaves("publish").is_empty());
}

/// A dry run of `publish` for `name` of the example repository: no
/// registry is asked, nothing is built.
fn dry_run(name: &str) -> Engine {
    Engine::call("publish")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
        .arg("commitSha", json!(SHA))
        .arg("dryRun", json!(true))
}

#[tokio::test]
async fn another_version_than_the_dockerfiles_is_built_not_only_tagged() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = publish(&registry, "miniflux", &ca).arg("version", json!("2.2.18"));
    engine.returned_chain().await;
    let pushed = engine.leaves("publish");
    assert!(
        pushed[0].starts_with(concat!(
            "$src.directory(path: \"containers/miniflux\").dockerBuild(buildArgs: ",
            "[{name: \"CONTAINER_APP_VERSION\", value: \"2.2.18\"}], dockerfile: \"Dockerfile\")",
            ".withLabel(name: \"org.opencontainers.image.title\", value: \"miniflux\")",
            ".withLabel(name: \"org.opencontainers.image.version\", value: \"2.2.18\")",
        )),
        "{pushed:#?}"
    );
    assert!(pushed[0].ends_with(":v2.2.18-0123456\")"), "{pushed:#?}");
    assert_eq!(
        engine.log(),
        [
            "building version 2.2.18 (--version) instead of containers/miniflux/Dockerfile's \
          2.2.17: passing the build argument CONTAINER_APP_VERSION=2.2.18"
        ]
    );
    // The Dockerfile's own version (as the origin's CI passed it) changes nothing.
    let engine = dry_run("navidrome").arg("version", json!("v0.60.3"));
    assert!(engine.returned_chain().await.contains(":v0.60.3-0123456"));
    assert!(engine.log().is_empty(), "{:?}", engine.log());
}

#[tokio::test]
async fn without_a_version_publish_says_both_ways_to_give_one() {
    let repo = harness::crate_root().join("tests/fixtures/bad-input");
    let message = Engine::call("publish")
        .dir_arg("src", &repo)
        .arg("containerName", json!("no-version"))
        .arg("commitSha", json!(SHA))
        .arg("dryRun", json!(true))
        .returned_error()
        .await;
    assert_eq!(
        message,
        "there is no version for the tag: containers/no-version/Dockerfile declares no \
         `ARG CONTAINER_APP_VERSION=<version>`.\nEither add it to the Dockerfile (before the \
         first FROM, e.g. `ARG CONTAINER_APP_VERSION=1.2.3`), or pass --version=<version>."
    );
    // --version is enough, and the log says the build does not know it.
    let engine = Engine::call("publish")
        .dir_arg("src", &repo)
        .arg("containerName", json!("no-version"))
        .arg("commitSha", json!(SHA))
        .arg("dryRun", json!(true))
        .arg("version", json!("0.1.0"));
    assert!(
        engine
            .returned_chain()
            .await
            .contains("no-version:v0.1.0-0123456")
    );
    assert!(engine.log()[0].contains("declares no CONTAINER_APP_VERSION"));
}
