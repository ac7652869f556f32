//! GraphQL round trips per registration and per call of each function,
//! counted by the recording engine, and the entrypoint's cost per call
//! (wall time, peak memory) when the real binary serves the call.
//! `ci/bench` prints the `ROUNDTRIPS` and `ENTRYPOINT` lines as a table.
//!
//! Round-trip counts are deterministic, so the bound is asserted: a call
//! costs at most [`MAX_PROTOCOL`] protocol round trips (reading the call,
//! returning its result); the rest are the pipeline's own. Times and
//! memory are only printed (never asserted): `ENTRYPOINT` runs the binary
//! `BENCH_CALLS` times per function (default 1, which also checks that the
//! binary serves every call end to end), `BENCH_BINARY` if set (ci/bench
//! passes the binary built in the runtime shim's profile); the peak RSS
//! needs GNU time (see `tests/harness/http.rs`).
//!
//! `list-tags` needs a registry: it runs against the real test registry
//! (`tests/harness/registry.rs`); without its tools the row prints
//! `not measured` instead.

use crate::harness;
use crate::harness::registry as support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::registry::{PASSWORD, REPO, TAG, TestRegistry, USER};
use crate::harness::{Engine, Returned, SHA, crate_root, examples_root};
use blumeops_ci::functions::FUNCTIONS;
use serde_json::json;

/// The most protocol round trips a call may cost.
const MAX_PROTOCOL: usize = 3;
/// The most round trips registration may cost.
const MAX_REGISTRATION: usize = 7;

fn report(what: &str, n: usize) {
    println!("ROUNDTRIPS {what} {n}");
}

/// A registry for the functions that read one (TLS, htpasswd), and its CA.
struct Registry {
    registry: TestRegistry,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

/// A realistic call of each function (by wire name), with the stubs its
/// leaves need; `None` when it cannot run here (and why).
#[allow(clippy::type_complexity)]
const CALLS: &[(&str, fn(Option<&Registry>) -> Result<Engine, &'static str>)] = &[
    ("build", |_| {
        Ok(Engine::call("build")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux")))
    }),
    ("buildNix", |_| {
        Ok(Engine::call("buildNix")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("nettest"))
            .exec_answers(0, "archive nettest.tar.gz", ""))
    }),
    ("nixVersion", |_| {
        Ok(Engine::call("nixVersion")
            .dir_arg("src", examples_root())
            .arg("package", json!("jq"))
            .exec_answers(0, "{\"jq\":\"1.7.1\"}", ""))
    }),
    ("containers", |_| {
        Ok(Engine::call("containers").dir_arg("src", examples_root()))
    }),
    ("version", |_| {
        Ok(Engine::call("version")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux")))
    }),
    ("tags", |_| {
        Ok(Engine::call("tags")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux"))
            .arg("commitSha", json!(SHA))
            .arg("tags", json!(["latest"])))
    }),
    ("changedContainers", |_| {
        Ok(Engine::call("changedContainers")
            .dir_arg("src", examples_root())
            .arg("base", json!("abc1234"))
            .exec_answers(
                0,
                "containers/miniflux/Dockerfile\n--\ncontainers/miniflux/Dockerfile\n",
                "",
            ))
    }),
    ("publish", |_| {
        Ok(Engine::call("publish")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux"))
            .arg("commitSha", json!(SHA))
            .arg("tags", json!(["latest"]))
            .arg("dryRun", json!(true)))
    }),
    ("publishNix", |_| {
        Ok(Engine::call("publishNix")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("ntfy"))
            .arg("commitSha", json!(SHA))
            .arg("dryRun", json!(true)))
    }),
    ("sbomNix", |_| {
        let registration = "/nix/store/kyb7im3fxqh8m9ygmn4mjym7rl7k16hg-jq-1.7.1-bin\n\
             b9805bcaa724e1d0022d52524d65d44d917217c3c04e94bebadefeee1c2772e3\n528\n\n0\n";
        Ok(Engine::call("sbomNix")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("jq"))
            .exec_answers_where("image_store_paths", 0, registration, "")
            .exec_answers(0, "archive jq.tar.gz", ""))
    }),
    ("checkVersions", |_| {
        Ok(Engine::call("checkVersions")
            .dir_arg("src", examples_root())
            .exec_answers(0, "{\"jq\":\"1.7.1\",\"nettest\":null}", ""))
    }),
    ("listTags", |registry| {
        let Some(r) = registry else {
            return Err("needs the test registry's tools (ci/install-test-deps)");
        };
        Ok(Engine::call("listTags")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("nettest"))
            .arg("registry", json!(r.registry.host))
            .arg("registryUsername", json!(USER))
            .secret_arg("registryPassword")
            .stub("plaintext", json!(PASSWORD))
            .file_arg("registryCa", &r.ca)
            .exec_answers(0, "0123456 main\n", ""))
    }),
    ("verify", |registry| {
        let Some(r) = registry else {
            return Err("needs the test registry's tools (ci/install-test-deps)");
        };
        sign_nettest(&r.registry);
        Ok(Engine::call("verify")
            .arg("image", json!(format!("{}/{REPO}:{TAG}", r.registry.host)))
            .file_arg(
                "publicKey",
                crate_root().join("tests/fixtures/signing/p256-public.pem"),
            )
            .arg("require", json!([]))
            .arg("registryUsername", json!(USER))
            .secret_arg("registryPassword")
            .stub("plaintext", json!(PASSWORD))
            .file_arg("registryCa", &r.ca))
    }),
    ("flakeLock", |_| {
        Ok(Engine::call("flakeLock")
            .dir_arg("src", flakes_root())
            .exec_answers(0, "", ""))
    }),
    ("flakeUpdate", |_| {
        Ok(Engine::call("flakeUpdate")
            .dir_arg("src", flakes_root())
            .exec_answers(0, "", ""))
    }),
    ("validateWorkflows", |_| {
        Ok(Engine::call("validateWorkflows")
            .dir_arg("src", flakes_root())
            .exec_answers(0, "", ""))
    }),
    ("releaseRuntime", |_| {
        Ok(Engine::call("releaseRuntime")
            .dir_arg("src", crate_root())
            .arg("dryRun", json!(true)))
    }),
];

/// The fixture repository of the flake and workflow functions.
fn flakes_root() -> PathBuf {
    harness::crate_root().join("tests/fixtures/flakes")
}

/// Signs the test registry's `REPO:TAG` with the fixtures' cosign key
/// (once: a second signing adds nothing), on a thread of its own, as the
/// rows are not async.
fn sign_nettest(registry: &TestRegistry) {
    let client = registry.client(support::creds());
    std::thread::scope(|s| {
        s.spawn(|| {
            let key = blumeops_ci::signing::SigningKey::from_pem(
                &std::fs::read(crate_root().join("tests/fixtures/signing/cosign.key")).unwrap(),
                Some(b"correct horse battery staple"),
            )
            .unwrap();
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async {
                    let digest = client.manifest_digest(REPO, TAG).await.unwrap().unwrap();
                    client.sign(REPO, &digest, &key).await.unwrap();
                });
        });
    });
}

fn registry() -> Option<Registry> {
    let (registry, dir, ca) = support::trusted_registry()?;
    Some(Registry {
        registry,
        ca,
        _dir: dir,
    })
}

/// The binary the entrypoint figures are taken of, and how many calls.
fn bench() -> (PathBuf, usize) {
    let binary = std::env::var_os("BENCH_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_blumeops-ci")));
    let calls = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    (binary, calls)
}

/// Runs the binary `calls` times for the call `make` scripts; prints
/// `ENTRYPOINT <what> <mean ms> <peak RSS KiB>` (mean wall time per call,
/// highest peak RSS of a call; `-` without GNU time).
fn entrypoint(what: &str, binary: &Path, calls: usize, make: impl Fn() -> Engine) {
    let mut wall = Duration::ZERO;
    let mut rss: Option<u64> = None;
    for _ in 0..calls {
        let engine = make();
        let run = engine.run_binary(binary);
        assert_eq!(run.code, Some(0), "{what}: {run:?}");
        wall += run.wall;
        rss = run.max_rss_kib.map(|k| k.max(rss.unwrap_or(0)));
    }
    println!(
        "ENTRYPOINT {what} {:.1} {}",
        wall.as_secs_f64() * 1000.0 / calls as f64,
        rss.map_or("-".to_owned(), |k| k.to_string())
    );
}

#[tokio::test]
async fn registration() {
    let outcome = Engine::registration().run().await;
    report("registration", outcome.queries.len());
    assert!(outcome.queries.len() <= MAX_REGISTRATION);
    let (binary, calls) = bench();
    entrypoint("registration", &binary, calls, Engine::registration);
}

#[test]
fn every_function_has_a_row() {
    let functions: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
    let rows: Vec<&str> = CALLS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        rows, functions,
        "add a row to CALLS for each function (in the order of src/functions/)"
    );
}

#[tokio::test]
async fn calls() {
    let registry = registry();
    let (binary, calls) = bench();
    for (name, make) in CALLS {
        let engine = match make(registry.as_ref()) {
            Ok(engine) => engine,
            Err(why) => {
                println!("ROUNDTRIPS {name} call (not measured: {why}) -");
                continue;
            }
        };
        let outcome = engine.run().await;
        assert_eq!(
            outcome.served,
            Ok(()),
            "{name}: the call failed: {:?}",
            outcome.returned
        );
        assert!(
            matches!(outcome.returned.as_slice(), [Returned::Value(_)]),
            "{name}: {:?}",
            outcome.returned
        );
        let protocol = outcome
            .queries
            .iter()
            .filter(|q| q.contains("currentFunctionCall"))
            .count();
        report(&format!("{name} call (total)"), outcome.queries.len());
        report(&format!("{name} call (protocol)"), protocol);
        assert!(
            protocol <= MAX_PROTOCOL,
            "{name}: {protocol} protocol round trips (at most {MAX_PROTOCOL}):\n{:#?}",
            outcome.queries
        );
        entrypoint(name, &binary, calls, || make(registry.as_ref()).unwrap());
    }
}

#[tokio::test]
async fn build_call_exactly() {
    // The pipeline's own share, pinned for the call the README shows.
    let outcome = Engine::call("build")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("miniflux"))
        .run()
        .await;
    assert_eq!(outcome.queries.len(), 5);
}
