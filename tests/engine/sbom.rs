//! `sbom-nix` and `publish-nix --sbom` through the recording engine: the
//! exact pipelines (the build exec of build-nix and publish-nix, the
//! closure step in the container after it, the File or the pushed SBOM
//! image), the exact document made of what Nix printed, and what the user
//! is told. The closure script itself runs with real Nix in
//! `tests/real/nix_real.rs`, whose SBOM is validated against the CycloneDX
//! schema.

use crate::harness;
use crate::harness::registry as support;

use blumeops_ci::core::container::names::ContainerName;
use blumeops_ci::core::nix::build::{
    self as nix_build, ArchiveFormat, DEFAULT_NIX_IMAGE, NixRecipe,
};
use blumeops_ci::core::sbom::closure;

use crate::harness::chains::{exec, nix_container, pinned, q};
use crate::harness::{Engine, NIX_PUSHED as PUSHED, examples_root};
use blumeops_ci::core::sbom::cyclonedx::{self as sbom, SbomInput};
use serde_json::{Value, json};

/// The chain of the container after the build of `name` in `format`.
fn built(name: &str, format: ArchiveFormat) -> String {
    let name = ContainerName::parse(name).unwrap();
    let target = NixRecipe::Container(name.clone());
    let argv = nix_build::build_argv(&target, Some(&pinned().expr("/src")), &name, format);
    format!("{}{}", nix_container(), exec(&argv))
}

const JQ: &str = "/nix/store/kyb7im3fxqh8m9ygmn4mjym7rl7k16hg-jq-1.7.1-bin";
const ONIG: &str = "/nix/store/hgy31yr4hzmmz3va8mmgl4qsy6j18b66-oniguruma-6.9.9-lib";
const ABSENT: &str = "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-glibc-2.40-66";

/// What the closure step prints for the jq image (Nix 2.8's
/// `nix-store --dump-db`, see tests/real/nix_real.rs).
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

/// The SBOM document a `withNewFile(contents: ...)` chain writes, parsed.
fn document_in(chain: &str) -> Value {
    let start = chain.find("contents: ").expect("a withNewFile chain") + "contents: ".len();
    let end = chain
        .find(", path: \"jq.cdx.json\")")
        .expect("the SBOM's file name");
    let text: String = serde_json::from_str(&chain[start..end]).expect("a quoted string");
    serde_json::from_str(&text).expect("the SBOM is JSON")
}

/// The SBOM of the jq image, written by hand from the fixture's store
/// paths (the closure above, with `absent` the one the store lacks),
/// the example's flake.lock and CycloneDX 1.6; the NAR hashes in Nix's
/// base-32 come from `nix-hash --type sha256 --to-base32`. Without its
/// `serialNumber` (checked apart: a UUID of the content).
fn hand_written(absent: bool) -> Value {
    let onig = json!({
        "type": "library",
        "bom-ref": ONIG,
        "name": "oniguruma",
        "version": "6.9.9-lib",
        "purl": "pkg:nix/oniguruma@6.9.9-lib?outputhash=hgy31yr4hzmmz3va8mmgl4qsy6j18b66",
        "hashes": [{
            "alg": "SHA-256",
            "content": "1b6cc64a79d20f3d9482602c8e723b18225d9409cf63964d9d20b1329096858f"
        }],
        "properties": [
            {"name": "nix:store_path", "value": ONIG},
            {"name": "nix:narinfo:nar_hash",
             "value": "sha256:13w5js835c90km6rcqyg16a5s8hq7dr8wb30haa3s3yjg55ccv0v"},
            {"name": "nix:narinfo:nar_size", "value": "480"},
        ],
    });
    let jq = json!({
        "type": "library",
        "bom-ref": JQ,
        "name": "jq",
        "version": "1.7.1-bin",
        "purl": "pkg:nix/jq@1.7.1-bin?outputhash=kyb7im3fxqh8m9ygmn4mjym7rl7k16hg",
        "hashes": [{
            "alg": "SHA-256",
            "content": "b9805bcaa724e1d0022d52524d65d44d917217c3c04e94bebadefeee1c2772e3"
        }],
        "properties": [
            {"name": "nix:store_path", "value": JQ},
            {"name": "nix:narinfo:nar_hash",
             "value": "sha256:1qvj4wffxznypaz98kn0qcbp54adsijlsljj5l1d1q94lz55p05r"},
            {"name": "nix:narinfo:nar_size", "value": "528"},
        ],
    });
    let glibc = json!({
        "type": "library",
        "bom-ref": ABSENT,
        "name": "glibc",
        "version": "2.40-66",
        "purl": "pkg:nix/glibc@2.40-66?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2",
        "properties": [
            {"name": "nix:store_path", "value": ABSENT},
            {"name": "blumeops-ci:nix_store",
             "value": "absent: the image holds this path, the Nix store does not, so its NAR \
                       hash and references are unknown (a base image's layer built elsewhere?)"},
        ],
    });
    // Sorted by store path: 0c0g… (glibc), hgy3… (oniguruma), kyb7… (jq).
    let (components, tops, absent_deps) = if absent {
        (
            json!([glibc, onig, jq]),
            json!([ABSENT, JQ]),
            vec![json!({"ref": ABSENT, "dependsOn": []})],
        )
    } else {
        (json!([onig, jq]), json!([JQ]), vec![])
    };
    let mut dependencies = vec![
        json!({"ref": "image", "dependsOn": tops}),
        json!({"ref": ONIG, "dependsOn": []}),
        json!({"ref": JQ, "dependsOn": [ONIG]}),
    ];
    dependencies.extend(absent_deps);
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": {"components": [
                {"type": "application", "name": "blumeops-ci", "version": env!("CARGO_PKG_VERSION")}
            ]},
            "component": {"type": "container", "bom-ref": "image", "name": "jq"},
            "properties": [
                {"name": "blumeops-ci:nixpkgs:url",
                 "value": "https://github.com/NixOS/nixpkgs/archive/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz"},
                {"name": "blumeops-ci:nixpkgs:nar_hash",
                 "value": "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4="},
                {"name": "blumeops-ci:nixpkgs:pin", "value": "flake.lock (input nixpkgs)"},
                {"name": "blumeops-ci:nix_image", "value": "nixos/nix:2.33.3"},
            ],
        },
        "components": components,
        "dependencies": dependencies,
    })
}

/// `got` is the hand-written document, with a version 5 UUID as its
/// serial number.
fn assert_is_hand_written(mut got: Value, absent: bool) {
    let serial = got
        .as_object_mut()
        .and_then(|o| o.remove("serialNumber"))
        .expect("a serialNumber");
    let uuid = regex::Regex::new(
        "^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    )
    .unwrap();
    assert!(
        uuid.is_match(serial.as_str().unwrap_or_default()),
        "{serial}"
    );
    let want = hand_written(absent);
    assert!(
        got == want,
        "the SBOM differs from the hand-written one:\n{}\nwant:\n{}",
        serde_json::to_string_pretty(&got).unwrap(),
        serde_json::to_string_pretty(&want).unwrap()
    );
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
    assert_is_hand_written(document_in(&chain), false);
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
    assert_is_hand_written(document_in(&chain), true);
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

/// A `publishNix` call with `--sbom`.
fn publish_nix(name: &str) -> Engine {
    harness::publish_nix(name).arg("sbom", json!(true))
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
