//! Per-repository defaults (docs/how-to.md, "Defaults for your registry"):
//! the `.env` files that page shows, for GHCR and a Forgejo registry, read
//! with the engine's rule for user defaults, and the arguments that rule
//! yields passed to the module as the engine passes them.
//!
//! The engine's rule, the same at v0.20.1 and v0.21.8 (github.com/dagger/
//! dagger): the `.env` found up from the caller's directory is namespaced
//! by the module's name (`core/modulesource.go`, `LoadUserDefaults`:
//! `outerEnvFile.Namespace(src.ModuleName)`), then by the function's
//! registered name (`core/modfunc.go`, `UserDefaults`:
//! `objDefaults.Namespace(fn.metadata.OriginalName)`); `Namespace` keeps
//! the keys that start, ignoring case, with `ToLowerCamel(prefix) + "_"`
//! or `ToSnake(prefix) + "_"` and cuts that off (`core/envfile.go`,
//! `cutFlexPrefix`); the argument is the key equal, ignoring case, to its
//! registered name (`LookupCaseInsensitive(arg.Name)`). An argument the
//! command line leaves out then gets the default, before the module's own
//! (`core/modfunc.go`, "1. User-defined user default"): a string as its
//! JSON, a Secret as the ID of `address(value:).secret` (so its value is
//! an address, `env://NAME`).

use crate::harness::{Engine, SHA, crate_root, examples_root};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::arg_spec::{CoreObject, Type};
use blumeops_ci::module::spec::FunctionSpec;
use serde_json::json;

/// The module's name, as the ops repository's dagger.json and the
/// blueprint's give it.
const MODULE: &str = "blumeops-ci";

/// strcase.ToSnake for the names here (`blumeops-ci`, `publishNix`).
fn to_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

/// strcase.ToLowerCamel for the names here.
fn to_lower_camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `EnvFile.Namespace(prefix)`.
fn namespace(vars: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    let prefixes = [
        format!("{}_", to_lower_camel(prefix)),
        format!("{}_", to_snake(prefix).trim_end_matches('_')),
    ];
    vars.iter()
        .filter_map(|(k, v)| {
            prefixes.iter().find_map(|p| {
                (k.len() >= p.len() && k[..p.len()].eq_ignore_ascii_case(p))
                    .then(|| (k[p.len()..].to_owned(), v.clone()))
            })
        })
        .collect()
}

/// The user defaults the engine finds in `env` for `function`: (argument,
/// value).
fn user_defaults(env: &str, function: &FunctionSpec) -> Vec<(&'static str, String)> {
    let vars: Vec<(String, String)> = env
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let vars = namespace(&namespace(&vars, MODULE), function.name);
    function
        .args
        .iter()
        .filter_map(|arg| {
            vars.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(arg.name))
                .map(|(_, v)| (arg.name, v.clone()))
        })
        .collect()
}

/// The `.env` examples of docs/how-to.md: (label, text).
fn documented_env_files() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(crate_root().join("docs/how-to.md")).unwrap();
    let mut files = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("```sh\n# .env (") {
        let block = &rest[at + "```sh\n".len()..];
        let end = block.find("```").expect("a closed block");
        let body = &block[..end];
        let label = body.lines().next().unwrap().to_owned();
        files.push((label, body.to_owned()));
        rest = &block[end..];
    }
    files
}

fn function(name: &str) -> &'static FunctionSpec {
    FUNCTIONS.iter().find(|f| f.name == name).unwrap()
}

#[test]
fn the_documented_files_set_every_registry_argument_of_each_registry_function() {
    let files = documented_env_files();
    let labels: Vec<&str> = files.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["# .env (GHCR)", "# .env (Forgejo)"]);
    // The ops repository's registry functions; release-runtime publishes
    // this module's own runtime, to the module's registry.
    let registry_functions: Vec<&FunctionSpec> = FUNCTIONS
        .iter()
        .filter(|f| f.arg("registryPassword").is_some() && f.name != "releaseRuntime")
        // verify takes its registry from --image, and a user only with a password.
        .filter(|f| f.name != "verify")
        .collect();
    let names: Vec<&str> = registry_functions.iter().map(|f| f.name).collect();
    assert_eq!(
        names,
        ["publish", "publishNix", "listTags"],
        "the page names these three"
    );
    for (label, env) in &files {
        for f in &registry_functions {
            let found = user_defaults(env, f);
            let names: Vec<&str> = found.iter().map(|(n, _)| *n).collect();
            for arg in [
                "registry",
                "namespace",
                "registryUsername",
                "registryPassword",
            ] {
                assert!(
                    names.contains(&arg),
                    "{label}: {} gets no {arg}: {found:?}",
                    f.cli_name()
                );
            }
            let password = &found
                .iter()
                .find(|(n, _)| *n == "registryPassword")
                .unwrap()
                .1;
            assert!(
                password.starts_with("env://"),
                "{label}: a secret's default must be an address, not the password: {password}"
            );
        }
    }
}

#[test]
fn an_argument_key_is_its_name_in_one_word() {
    let publish = function("publish");
    let split = "BLUMEOPS_CI_PUBLISH_REGISTRY_USERNAME=x\nBLUMEOPS_CI_PUBLISH_REGISTRY=r\n";
    assert_eq!(
        user_defaults(split, publish),
        [("registry", "r".to_owned())]
    );
    let joined = "blumeops_ci_publish_registryUsername=x\nBLUMEOPS_CI_PUBLISH_NIX_NAMESPACE=n\n";
    assert_eq!(
        user_defaults(joined, publish),
        [("registryUsername", "x".to_owned())]
    );
    assert_eq!(
        user_defaults(joined, function("publishNix")),
        [("namespace", "n".to_owned())]
    );
}

/// What the module receives with each documented file: the engine appends
/// the defaults to the call's arguments, and `publish` (a dry run, which
/// needs no registry) names the image in that registry and namespace.
#[tokio::test]
async fn publish_takes_the_registry_and_namespace_the_file_sets() {
    let publish = function("publish");
    for (label, env) in documented_env_files() {
        let mut engine = Engine::call("publish")
            .dir_arg("src", examples_root())
            .arg("containerName", json!("navidrome"))
            .arg("commitSha", json!(SHA))
            .arg("dryRun", json!(true));
        let defaults = user_defaults(&env, publish);
        for (name, value) in &defaults {
            engine = match publish.arg(name).unwrap().ty {
                Type::Object(CoreObject::Secret) => engine.secret_arg(name),
                _ => engine.arg(name, json!(value)),
            };
        }
        let value = |n: &str| defaults.iter().find(|(a, _)| *a == n).unwrap().1.clone();
        let output = engine.returned_chain().await;
        let want = format!(
            "{}/{}/navidrome:v0.60.3-0123456",
            value("registry"),
            value("namespace")
        );
        assert!(output.starts_with(&want), "{label}: {output}");
    }
}
