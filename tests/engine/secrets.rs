//! The registry password never shows: every function that takes a Secret
//! runs through the recording engine, in-process and as the real binary
//! (served over HTTP, see `tests/harness/http.rs`), with a recognisable
//! plaintext, on its success path and its failure paths (wrong password,
//! registry unreachable, TLS failure); then every query, every object chain
//! (exec arguments, environment values, everything the module built),
//! every leaf asked for, the returned text or error, and the binary's
//! stdout and stderr are searched for the plaintext and for its Basic-auth
//! encoding. The registry client's own errors and `Debug` output are
//! searched too, against the real registry. The signing key and its
//! password (`publish --signing-key`) are searched for the same way, on
//! the signing path and its failures, by
//! [`the_signing_key_and_its_password_show_nowhere`].
//!
//! Adding a function that takes a Secret is one row in [`CALLS`]; until
//! then [`every_function_with_a_secret_is_covered`] fails.

use crate::harness::registry as support;

use std::path::Path;

use crate::harness::registry::{Login, PASSWORD, REPO, TAG, TestRegistry, USER};
use crate::harness::{Engine, SHA, crate_root, examples_root};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::Type;
use blumeops_ci::registry::{Credentials, RegistryClient};
use serde_json::json;

/// A plaintext the registry refuses (the failure paths carry it too).
const WRONG: &str = "WRONG-plaintext-4f1d9c2e";
const PUSHED: &str =
    "pushed@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// Every function that takes a Secret (by wire name), with its other
/// arguments and the stubs that carry it to its end; the registry
/// arguments (`registry`, `registryUsername`, `registryPassword`,
/// `registryCa`) are added by [`scenario`].
#[allow(clippy::type_complexity)]
const CALLS: &[(&str, fn() -> Engine)] = &[
    ("publish", || {
        Engine::call("publish")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("miniflux"))
            .arg("commitSha", json!(SHA))
            .arg("tags", json!(["latest"]))
            .stub("publish", json!(PUSHED))
    }),
    ("publishNix", || {
        Engine::call("publishNix")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("ntfy"))
            .arg("commitSha", json!(SHA))
            .arg("tags", json!(["latest"]))
            .exec_answers(0, "archive ntfy.tar", "")
            .stub("publish", json!(PUSHED))
    }),
    ("listTags", || {
        Engine::call("listTags")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("nettest"))
            .exec_answers(0, "0123456 main\n", "")
    }),
    // Its --image (with the registry's host) is added by [`scenario`].
    ("verify", || {
        Engine::call("verify")
            .file_arg(
                "publicKey",
                crate_root().join("tests/fixtures/signing/p256-public.pem"),
            )
            .arg("require", json!([]))
    }),
    ("releaseRuntime", || {
        Engine::call("releaseRuntime")
            .dir_arg("src", crate_root())
            .arg("tags", json!(["latest"]))
            .stub("publish", json!(PUSHED))
    }),
];

#[test]
fn every_function_with_a_secret_is_covered() {
    let with_secret: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.args.iter().any(|a| a.ty == Type::SECRET))
        .map(|f| f.name)
        .collect();
    let covered: Vec<&str> = CALLS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        covered, with_secret,
        "add a row to CALLS for each function that takes a Secret"
    );
}

/// How the registry is reached in one run.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    /// The right password, the registry's CA: the whole success path.
    Works,
    /// A password the registry refuses.
    WrongPassword,
    /// Nothing listens where the registry should be.
    Unreachable,
    /// The registry's CA is not given: its certificate is not trusted.
    UntrustedCertificate,
}

/// `call` with the registry arguments of `scenario`.
fn scenario(
    call: fn() -> Engine,
    scenario: Scenario,
    registry: &TestRegistry,
    ca: &Path,
) -> Engine {
    let closed_port = || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let (host, password, with_ca) = match scenario {
        Scenario::Works => (registry.host.clone(), PASSWORD, true),
        Scenario::WrongPassword => (registry.host.clone(), WRONG, true),
        Scenario::Unreachable => (closed_port(), PASSWORD, true),
        Scenario::UntrustedCertificate => (registry.host.clone(), PASSWORD, false),
    };
    let engine = call();
    // verify has no --registry: its --image names the registry.
    let is_verify = engine.state().function == "verify";
    let engine = if is_verify {
        engine.arg("image", json!(format!("{host}/{REPO}:{TAG}")))
    } else {
        engine.arg("registry", json!(host))
    };
    let engine = engine
        .arg("registryUsername", json!(USER))
        .secret_arg("registryPassword")
        .stub("plaintext", json!(password));
    if with_ca {
        engine.file_arg("registryCa", ca)
    } else {
        engine
    }
}

/// The forms a leaked password would take: as is, and in a Basic
/// `Authorization` header.
fn leaked_forms() -> Vec<String> {
    let mut forms = Vec::new();
    for password in [PASSWORD, WRONG] {
        forms.push(password.to_owned());
        forms.push(support::base64(
            format!("{USER}:{password}").as_bytes(),
            false,
        ));
    }
    forms
}

/// Everything the engine saw of a run, one text per item, labelled.
fn engine_record(engine: &Engine) -> Vec<(String, String)> {
    let state = engine.state();
    let mut items = Vec::new();
    items.extend(
        state
            .queries
            .iter()
            .map(|q| ("query".to_owned(), q.clone())),
    );
    items.extend(
        state
            .minted
            .iter()
            .map(|o| ("object chain".to_owned(), o.chain())),
    );
    items.extend(state.leaves.iter().map(|l| ("leaf".to_owned(), l.clone())));
    items.extend(
        state
            .returned
            .iter()
            .map(|r| ("returned".to_owned(), format!("{r:?}"))),
    );
    items.extend(
        state
            .args
            .iter()
            .map(|(n, v)| (format!("argument {n}"), v.clone())),
    );
    items
}

fn assert_clean(what: &str, items: &[(String, String)]) {
    for form in leaked_forms() {
        for (label, text) in items {
            assert!(
                !text.contains(&form),
                "{what}: the password ({form}) is in the {label}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn no_function_shows_the_password_anywhere() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    // verify's success path needs a signed image.
    let key = blumeops_ci::signing::SigningKey::from_pem(
        &std::fs::read(crate_root().join("tests/fixtures/signing/cosign.key")).unwrap(),
        Some(KEY_PASSWORD.as_bytes()),
    )
    .unwrap();
    let client = registry.client(Some(Credentials::new(USER, PASSWORD)));
    let digest = client.manifest_digest(REPO, TAG).await.unwrap().unwrap();
    client.sign(REPO, &digest, &key).await.unwrap();
    let binary = Path::new(env!("CARGO_BIN_EXE_blumeops-ci"));
    for (name, call) in CALLS {
        for case in [
            Scenario::Works,
            Scenario::WrongPassword,
            Scenario::Unreachable,
            Scenario::UntrustedCertificate,
        ] {
            let what = format!("{name}, {case:?}");

            // In-process: the engine's record and what `serve` returned.
            let engine = scenario(*call, case, &registry, &ca);
            let outcome = engine.run().await;
            assert_eq!(
                outcome.served.is_ok(),
                matches!(case, Scenario::Works),
                "{what}: {:?}",
                outcome.returned
            );
            let mut items = engine_record(&engine);
            items.push(("served".to_owned(), format!("{:?}", outcome.served)));
            assert_clean(&format!("{what} (in-process)"), &items);
            // The plaintext was asked for: the path that could leak it ran.
            assert!(
                engine.leaves("plaintext").len() == 1,
                "{what}: the password was not read"
            );

            // The real binary: the same, plus its stdout and stderr.
            let engine = scenario(*call, case, &registry, &ca);
            let run = engine.run_binary(binary);
            assert_eq!(
                run.code == Some(0),
                matches!(case, Scenario::Works),
                "{what}: {run:?}"
            );
            let mut items = engine_record(&engine);
            items.push(("stdout".to_owned(), run.stdout.clone()));
            items.push(("stderr".to_owned(), run.stderr.clone()));
            assert_clean(&format!("{what} (binary)"), &items);
            if !matches!(case, Scenario::Works) {
                assert!(
                    run.stderr.contains("blumeops-ci: "),
                    "{what}: the error reaches stderr: {run:?}"
                );
            }
        }
    }
}

/// The client's errors and `Debug` output, against the real registry.
#[tokio::test]
async fn the_registry_client_never_shows_the_password() {
    let Some((registry, _dir, _ca)) = support::trusted_registry() else {
        return;
    };
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let tokens = TestRegistry::start(false, Login::Token);
    let clients: Vec<(&str, RegistryClient)> = vec![
        (
            "wrong password",
            registry.client(Some(Credentials::new(USER, WRONG))),
        ),
        (
            "untrusted certificate",
            RegistryClient::new(&registry.host, Some(Credentials::new(USER, PASSWORD))).unwrap(),
        ),
        (
            "unreachable",
            RegistryClient::new(&closed, Some(Credentials::new(USER, PASSWORD))).unwrap(),
        ),
        (
            "token service refuses",
            tokens.client(Some(Credentials::new(USER, WRONG))),
        ),
    ];
    for (what, client) in clients {
        let debug = format!("{client:?}");
        assert_clean(&format!("{what}: Debug"), &[("Debug".into(), debug)]);
        let errors = [
            client.manifest_digest(REPO, TAG).await.unwrap_err(),
            client.tags(REPO).await.unwrap_err(),
        ];
        for err in errors {
            assert_clean(
                what,
                &[
                    ("error".into(), format!("{err}")),
                    ("error chain".into(), format!("{err:#}")),
                    ("error Debug".into(), format!("{err:?}")),
                ],
            );
        }
    }
}

/// The signing key's password in the fixtures (`tests/fixtures/signing/make-keys`).
const KEY_PASSWORD: &str = "correct horse battery staple";

/// The forms a leaked signing key or password would take: the password,
/// each key file whole and each line of its PEM body.
fn leaked_key_forms(keys: &[&str]) -> Vec<String> {
    let mut forms = vec![KEY_PASSWORD.to_owned()];
    for key in keys {
        forms.push(key.to_string());
        forms.extend(
            key.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                .map(str::to_owned),
        );
    }
    forms
}

#[tokio::test]
async fn the_signing_key_and_its_password_show_nowhere() {
    let Some((registry, _dir, ca)) = support::trusted_registry() else {
        return;
    };
    let signing = crate_root().join("tests/fixtures/signing");
    let read = |file: &str| std::fs::read_to_string(signing.join(file)).unwrap();
    let (encrypted, plain, rsa) = (
        read("cosign.key"),
        read("p256-pkcs8.pem"),
        read("rsa-pkcs8.pem"),
    );
    let forms = leaked_key_forms(&[&encrypted, &plain, &rsa]);
    // The test registry's nettest image, which the engine's push answers
    // (publish finds the commit tag of this other commit new).
    let digest = registry.skopeo_digest(REPO, TAG);
    let pushed = format!("{}/{REPO}:v0.1.0-89abcde@{digest}", registry.host);
    let binary = Path::new(env!("CARGO_BIN_EXE_blumeops-ci"));
    let cases: [(&str, &str, Option<&str>, bool); 4] = [
        ("encrypted key", &encrypted, Some(KEY_PASSWORD), true),
        ("unencrypted key", &plain, None, true),
        ("wrong password", &encrypted, Some("wrong horse"), false),
        ("RSA key", &rsa, Some(KEY_PASSWORD), false),
    ];
    for (what, key, password, works) in cases {
        let call = || {
            let mut engine = Engine::call("publish")
                .dir_arg("src", examples_root())
                .arg("containerName", json!("nettest"))
                .arg(
                    "commitSha",
                    json!("89abcdef0123456789abcdef0123456789abcdef"),
                )
                .arg("registry", json!(registry.host))
                .arg("registryUsername", json!(USER))
                .file_arg("registryCa", &ca)
                .secret_arg("registryPassword")
                .stub_where("plaintext", "$registryPassword.", json!(PASSWORD))
                .stub("publish", json!(pushed));
            if let Some(password) = password {
                engine = engine.secret_arg("signingKeyPassword").stub_where(
                    "plaintext",
                    "$signingKeyPassword.",
                    json!(password),
                );
            }
            engine
                .secret_arg("signingKey")
                .stub_where("plaintext", "$signingKey.", json!(key))
        };
        let engine = call();
        let outcome = engine.run().await;
        assert_eq!(
            outcome.served.is_ok(),
            works,
            "{what}: {:?}",
            outcome.returned
        );
        let mut items = engine_record(&engine);
        items.push(("served".to_owned(), format!("{:?}", outcome.served)));
        items.extend(engine.log().into_iter().map(|l| ("log".to_owned(), l)));
        assert!(
            engine.leaves("plaintext").len() >= 2,
            "{what}: the key was not read"
        );
        let run = call().run_binary(binary);
        assert_eq!(run.code == Some(0), works, "{what}: {run:?}");
        if works {
            // The in-process run signed it; the binary finds it signed.
            assert!(
                run.stderr
                    .contains("blumeops-ci: signature already present: "),
                "{what}: {run:?}"
            );
        }
        items.push(("stdout".to_owned(), run.stdout.clone()));
        items.push(("stderr".to_owned(), run.stderr.clone()));
        for form in &forms {
            for (label, text) in &items {
                // The PEM arguments are Secret IDs; their plaintext is the
                // engine's answer to `plaintext`, never sent back.
                assert!(
                    !text.contains(form.as_str()),
                    "{what}: the signing key or its password ({form}) is in the {label}:\n{text}"
                );
            }
        }
    }
}
