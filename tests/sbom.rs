//! `sbom-nix` and `publish-nix --sbom` through the recording engine: the
//! exact pipelines (the build exec of build-nix and publish-nix, the
//! closure step in the container after it, the File or the pushed SBOM
//! image), the exact document made of what Nix printed, and what the user
//! is told. The closure script itself runs with real Nix in
//! `tests/nix_real.rs`, whose SBOM is validated against the CycloneDX
//! schema.

mod harness;
#[path = "support/registry.rs"]
mod support;

use blumeops_ci::core::container::names::ContainerName;
use blumeops_ci::core::nix::build::{
    self as nix_build, ArchiveFormat, DEFAULT_NIX_IMAGE, NixTarget,
};
use blumeops_ci::core::sbom::closure;

use blumeops_ci::core::sbom::cyclonedx::{self as sbom, SbomInput};
use harness::chains::{exec, nix_container, pinned, q};
use harness::{Engine, examples_root};
use serde_json::json;

/// The chain of the container after the build of `name` in `format`.
fn built(name: &str, format: ArchiveFormat) -> String {
    let name = ContainerName::parse(name).unwrap();
    let target = NixTarget::Container(name.clone());
    let argv = nix_build::build_argv(&target, Some(&pinned().expr("/src")), &name, format);
    format!("{}{}", nix_container(), exec(&argv))
}

const JQ: &str = "/nix/store/kyb7im3fxqh8m9ygmn4mjym7rl7k16hg-jq-1.7.1-bin";
const ONIG: &str = "/nix/store/hgy31yr4hzmmz3va8mmgl4qsy6j18b66-oniguruma-6.9.9-lib";
const ABSENT: &str = "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-glibc-2.40-66";

/// What the closure step prints for the jq image (Nix 2.8's
/// `nix-store --dump-db`, see tests/nix_real.rs).
fn closure_output() -> String {
    format!(
        "{ONIG}\n1b6cc64a79d20f3d9482602c8e723b18225d9409cf63964d9d20b1329096858f\n480\n\n0\n\
         {JQ}\nb9805bcaa724e1d0022d52524d65d44d917217c3c04e94bebadefeee1c2772e3\n528\n\n1\n{ONIG}\n"
    )
}

/// The document the module makes of `stdout` for the jq image.
fn expected_document(stdout: &str) -> String {
    let closure = closure::parse(stdout).unwrap();
    sbom::document(&SbomInput {
        image: "jq",
        closure: &closure,
        nixpkgs: &pinned(),
        nix_image: DEFAULT_NIX_IMAGE,
    })
}

fn sbom_nix(name: &str) -> Engine {
    Engine::call("sbomNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
}

#[tokio::test]
async fn sbom_nix_builds_as_build_nix_then_lists_the_closure_in_that_store() {
    let engine = sbom_nix("jq")
        // The closure step's chain holds the build's: its answer first.
        .exec_answers_where("image_store_paths", 0, &closure_output(), "")
        .exec_answers_where("as-built", 0, "archive jq.tar.gz\n", "");
    let chain = engine.returned_chain().await;
    let document = expected_document(&closure_output());
    assert_eq!(
        chain,
        format!(
            "directory.withNewFile(contents: {}, path: \"jq.cdx.json\").file(path: \"jq.cdx.json\")",
            q(&document)
        )
    );
    // The build is build-nix's own exec; the closure step runs after it,
    // in that container, on the archive it left.
    let mut steps: Vec<String> = engine
        .state()
        .exec_steps
        .iter()
        .map(|(c, _)| c.clone())
        .collect();
    steps.dedup();
    let build = built("jq", ArchiveFormat::AsBuilt);
    assert_eq!(
        steps,
        [
            build.clone(),
            format!(
                "{build}{}",
                exec(&closure::image_closure_argv("/out/jq.tar.gz"))
            )
        ]
    );
    let log = engine.log();
    assert!(
        log[0].starts_with("nixpkgs: https://github.com/NixOS/nixpkgs/archive/"),
        "{log:?}"
    );
    assert_eq!(
        log[1],
        "SBOM of the image of containers/jq/default.nix: 2 store paths with their NAR hashes"
    );
    assert_eq!(log.len(), 2, "{log:?}");
}

#[tokio::test]
async fn paths_the_store_lacks_are_listed_and_said() {
    let stdout = format!("absent {ABSENT}\n{}", closure_output());
    let engine = sbom_nix("jq")
        .exec_answers_where("image_store_paths", 0, &stdout, "")
        .exec_answers_where("as-built", 0, "archive jq.tar.gz\n", "");
    let chain = engine.returned_chain().await;
    assert!(
        chain.contains(&q(&expected_document(&stdout))[1..20]),
        "{chain}"
    );
    let log = engine.log();
    assert!(
        log[2].starts_with("1 store paths in the image are not in the Nix store")
            && log[2].ends_with(ABSENT),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_failed_closure_step_says_which_part_failed() {
    let cases = [
        (
            20,
            "tar: This does not look like a tar archive",
            "could not read the layers of the image of containers/jq/default.nix",
        ),
        (
            22,
            "error: path '/nix/store/x' is not valid",
            "Nix could not tell the closure of the store paths the image of containers/jq/default.nix holds",
        ),
    ];
    for (code, stderr, expected) in cases {
        let message = sbom_nix("jq")
            .exec_answers_where("image_store_paths", code, "", stderr)
            .exec_answers_where("as-built", 0, "archive jq.tar.gz\n", "")
            .returned_error()
            .await;
        assert!(message.starts_with(expected), "{code}: {message}");
        assert!(message.contains(stderr), "{message}");
    }
    let message = sbom_nix("jq")
        .exec_answers_where("image_store_paths", 0, "warning: something\n", "")
        .exec_answers_where("as-built", 0, "archive jq.tar.gz\n", "")
        .returned_error()
        .await;
    assert!(
        message.starts_with("reading the closure of the image of containers/jq/default.nix"),
        "{message}"
    );
}

#[tokio::test]
async fn a_container_without_default_nix_builds_nothing() {
    let engine = sbom_nix("miniflux");
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("containers/miniflux/default.nix does not exist"),
        "{message}"
    );
    assert!(engine.state().exec_steps.is_empty());
}

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const PUSHED: &str =
    "pushed@sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn publish_nix(name: &str) -> Engine {
    Engine::call("publishNix")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(name))
        .arg("commitSha", json!(SHA))
        .arg("sbom", json!(true))
}

#[tokio::test]
async fn a_dry_run_lists_the_sboms_tag_and_builds_nothing() {
    let engine = publish_nix("ntfy")
        .arg("dryRun", json!(true))
        .arg("tags", json!(["latest"]));
    assert_eq!(
        engine.returned_chain().await,
        "registry.ops.eblu.me/blumeops/ntfy:v2.14.0-0123456-nix\n\
         registry.ops.eblu.me/blumeops/ntfy:latest\n\
         registry.ops.eblu.me/blumeops/ntfy:sbom-v2.14.0-0123456-nix\n\
         dry run: nothing was built or pushed"
    );
    assert!(engine.state().leaves.is_empty());
}

#[tokio::test]
async fn publish_nix_pushes_the_sbom_of_the_pushed_archive_beside_it() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = publish_nix("jq")
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(support::USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(support::PASSWORD))
        .file_arg("registryCa", &ca)
        .stub("publish", json!(PUSHED))
        .exec_answers_where("nix-instantiate", 0, "{\"jq\":\"1.7.1\"}", "")
        .exec_answers_where("image_store_paths", 0, &closure_output(), "")
        .exec_answers_where("\"tar\"]", 0, "archive jq.tar", "");
    assert_eq!(engine.returned_chain().await, format!("{PUSHED}\n{PUSHED}"));
    let host = &registry.host;
    let auth = format!(
        ".withRegistryAuth(address: \"{host}\", secret: $registryPassword, username: \"{}\")",
        support::USER
    );
    let build = built("jq", ArchiveFormat::Tar);
    // The same document sbom-nix returns for the same image.
    let document = expected_document(&closure_output());
    assert_eq!(
        engine.leaves("publish"),
        [
            format!(
                "container.import(source: {build}.file(path: \"/out/jq.tar\")){auth}\
                 .publish(address: \"{host}/blumeops/jq:v1.7.1-0123456-nix\")"
            ),
            format!(
                "container.withFile(path: \"/sbom.cdx.json\", source: directory.withNewFile(\
                 contents: {}, path: \"jq.cdx.json\").file(path: \"jq.cdx.json\")){auth}\
                 .publish(address: \"{host}/blumeops/jq:sbom-v1.7.1-0123456-nix\")",
                q(&document)
            ),
        ]
    );
    // The closure step ran on the archive that was pushed.
    let steps: Vec<String> = engine
        .state()
        .exec_steps
        .iter()
        .map(|(c, _)| c.clone())
        .collect();
    assert!(
        steps.contains(&format!(
            "{build}{}",
            exec(&closure::image_closure_argv("/out/jq.tar"))
        )),
        "{steps:#?}"
    );
}

#[tokio::test]
async fn a_failed_sbom_pushes_nothing() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let engine = publish_nix("jq")
        .arg("registry", json!(registry.host))
        .arg("registryUsername", json!(support::USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(support::PASSWORD))
        .file_arg("registryCa", &ca)
        .stub("publish", json!(PUSHED))
        .exec_answers_where("nix-instantiate", 0, "{\"jq\":\"1.7.1\"}", "")
        .exec_answers_where("image_store_paths", 21, "", "error: cannot open database")
        .exec_answers_where("\"tar\"]", 0, "archive jq.tar", "");
    let message = engine.returned_error().await;
    assert!(
        message.starts_with("Nix could not tell the closure"),
        "{message}"
    );
    assert!(engine.leaves("publish").is_empty());
}

/// `--nix-file`: the SBOM of a Nix file outside containers/ (seed 004's
/// packages/<x>.nix), built as build-nix builds it; a missing file is named.
#[tokio::test]
async fn a_nix_file_outside_containers_gets_its_sbom_too() {
    let forms = harness::crate_root().join("tests/fixtures/nix/forms");
    let engine = Engine::call("sbomNix")
        .dir_arg("src", &forms)
        .arg("containerName", json!("ollama"))
        .arg("nixFile", json!("packages/ollama-container.nix"))
        .arg("nixpkgs", json!("/nix/store/0123-source"))
        .exec_answers_where("image_store_paths", 0, &closure_output(), "")
        .exec_answers_where("as-built", 0, "archive ollama.tar.gz\n", "");
    let chain = engine.returned_chain().await;
    assert!(chain.contains("ollama"), "{chain}");
    let builds: Vec<String> = engine
        .state()
        .exec_steps
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| c.contains("as-built"))
        .collect();
    assert!(
        builds
            .iter()
            .any(|c| c.contains("packages/ollama-container.nix")),
        "{builds:#?}"
    );
    let message = Engine::call("sbomNix")
        .dir_arg("src", &forms)
        .arg("containerName", json!("ollama"))
        .arg("nixFile", json!("packages/nope.nix"))
        .returned_error()
        .await;
    assert!(
        message.starts_with("--nix-file `packages/nope.nix` does not exist in --src"),
        "{message}"
    );
}
