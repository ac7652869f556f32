//! The module protocol through the recording engine: registration, reading
//! the call, dispatch, argument decoding, and errors.

use crate::harness;

use crate::harness::{Engine, Returned, examples_root};
use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::call::READ_CALL;
use serde_json::json;

/// The registration, fully expanded: the Module ID's chain.
async fn registration() -> (String, harness::Outcome) {
    let engine = Engine::registration();
    let outcome = engine.run().await;
    assert_eq!(outcome.served, Ok(()));
    let [Returned::Value(json)] = outcome.returned.as_slice() else {
        panic!(
            "registration must end in one returnValue, got {:?}",
            outcome.returned
        )
    };
    let id: String = serde_json::from_str(json).expect("the Module ID as a JSON string");
    (
        engine.chain_of(&id).expect("a Module ID the engine minted"),
        outcome,
    )
}

#[tokio::test]
async fn registration_describes_the_main_object_and_build() {
    let (chain, _) = registration().await;
    assert!(
        chain.starts_with("module.withDescription(description: \"Build and publish"),
        "{chain}"
    );
    assert!(
        chain.contains(".withObject(object: typeDef.withObject(description: "),
        "{chain}"
    );
    assert!(chain.contains("name: \"BlumeopsCi\")"), "{chain}");

    // build: returns a Container; src is a required Directory uploaded
    // without the ignore patterns; container-name is a required String.
    let build = concat!(
        "function(name: \"build\", returnType: typeDef.withObject(name: \"Container\"))",
        ".withDescription(description: \"Build a container from its Dockerfile.",
    );
    assert!(chain.contains(build), "{chain}");
    let src_doc = FUNCTIONS[0].arg("src").unwrap().doc;
    let src = format!(
        ".withArg(description: {}, \
         ignore: [\".git\", \"result\", \"result-*\", \"*.tar\", \"*.tar.gz\"], name: \"src\", \
         typeDef: typeDef.withObject(name: \"Directory\"))",
        serde_json::to_string(src_doc).unwrap()
    );
    assert!(chain.contains(&src), "{chain}");
    assert!(
        chain.contains(concat!(
            ".withArg(description: \"The container to work on: the name of its folder under ",
            "containers/ (e.g. nettest).\", name: \"containerName\", ",
            "typeDef: typeDef.withKind(kind: STRING_KIND))",
        )),
        "{chain}"
    );
}

#[tokio::test]
async fn registration_covers_every_function_and_argument_of_the_table() {
    let (chain, _) = registration().await;
    for f in FUNCTIONS {
        assert!(
            chain.contains(&format!("function(name: \"{}\"", f.name)),
            "{} is not registered",
            f.name
        );
        assert!(!f.doc.is_empty(), "{} has no docs", f.name);
        for a in f.args {
            assert!(!a.doc.is_empty(), "{}.{} has no docs", f.name, a.name);
            assert!(
                chain.contains(&format!("name: \"{}\"", a.name)),
                "{}.{} is not registered",
                f.name,
                a.name
            );
        }
        let never = chain.contains(&format!("function(name: \"{}\"", f.name))
            && chain
                .split("function(name: ")
                .find(|part| part.starts_with(&format!("\"{}\"", f.name)))
                .is_some_and(|part| part.contains("withCachePolicy(policy: Never)"));
        assert_eq!(
            never,
            f.cache == blumeops_ci::module::spec::CachePolicy::Never,
            "{}: cache policy registered as {never}",
            f.name
        );
        if let blumeops_ci::module::spec::CachePolicy::Expires(ttl) = f.cache {
            let expires = format!("withCachePolicy(policy: Default, timeToLive: \"{ttl}\")");
            assert!(
                chain.contains(&expires),
                "{}: {expires} not registered",
                f.name
            );
        }
        let part = chain
            .split("function(name: ")
            .find(|part| part.starts_with(&format!("\"{}\"", f.name)))
            .unwrap();
        assert_eq!(
            part.contains("withCheck"),
            f.check,
            "{}: check flag",
            f.name
        );
    }
}

#[tokio::test]
async fn side_effects_are_never_cached_and_check_versions_is_a_check() {
    let by_name = |name: &str| FUNCTIONS.iter().find(|f| f.name == name).unwrap();
    for name in [
        "publish",
        "publishNix",
        "listTags",
        "verify",
        "flakeLock",
        "flakeUpdate",
    ] {
        assert_eq!(
            by_name(name).cache,
            blumeops_ci::module::spec::CachePolicy::Never,
            "{name}"
        );
    }
    // Signing: the key and its password are Secrets on both publishers;
    // verify reads its key as a File and needs no password.
    use blumeops_ci::module::arg_spec::Type;
    for name in ["publish", "publishNix"] {
        for arg in ["signingKey", "signingKeyPassword"] {
            let spec = by_name(name).arg(arg).expect(arg);
            assert_eq!(spec.ty, Type::SECRET, "{name}.{arg}");
        }
    }
    let verify = by_name("verify");
    let names: Vec<&str> = verify.args.iter().map(|a| a.name).collect();
    assert_eq!(
        names,
        [
            "image",
            "publicKey",
            "require",
            "registryUsername",
            "registryPassword",
            "registryCa"
        ]
    );
    assert_eq!(verify.arg("publicKey").unwrap().ty, Type::FILE);
    assert_eq!(verify.arg("require").unwrap().ty, Type::StringList);
    assert_eq!(
        by_name("build").cache,
        blumeops_ci::module::spec::CachePolicy::Default
    );
    assert_eq!(
        by_name("validateWorkflows").cache,
        blumeops_ci::module::spec::CachePolicy::Default
    );
    // What evaluates nixpkgs may read an unpinned one, which moves.
    for name in ["buildNix", "nixVersion", "checkVersions"] {
        assert_eq!(
            by_name(name).cache,
            blumeops_ci::module::spec::CachePolicy::Expires("1h"),
            "{name}"
        );
    }
    let checks: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.check)
        .map(|f| f.name)
        .collect();
    assert_eq!(checks, ["checkVersions", "validateWorkflows"]);
}

#[tokio::test]
async fn registration_costs_a_fixed_handful_of_round_trips() {
    let (_, outcome) = registration().await;
    // read the call, scalar types, list types (when any), functions, object,
    // module, returnValue
    assert!(
        outcome.queries.len() <= 7,
        "{} round trips: {:#?}",
        outcome.queries.len(),
        outcome.queries
    );
    assert_eq!(outcome.queries[0], READ_CALL);
}

#[tokio::test]
async fn an_unknown_function_is_a_clear_error() {
    let message = Engine::call("deploy").returned_error().await;
    assert!(
        message.starts_with("this module has no function `deploy`; it has: build"),
        "{message}"
    );
}

#[tokio::test]
async fn a_call_on_another_object_is_refused() {
    let message = Engine::call("build").parent("Other").returned_error().await;
    assert!(message.contains("has one object, BlumeopsCi"), "{message}");
}

#[tokio::test]
async fn a_missing_required_argument_names_the_flag() {
    let message = Engine::call("build")
        .dir_arg("src", examples_root())
        .returned_error()
        .await;
    assert!(
        message.starts_with("`build` needs --container-name (String): The container"),
        "{message}"
    );
}

#[tokio::test]
async fn an_argument_of_the_wrong_type_names_the_flag_and_the_value() {
    let message = Engine::call("build")
        .dir_arg("src", examples_root())
        .arg("containerName", json!(42))
        .returned_error()
        .await;
    assert_eq!(
        message,
        "argument --container-name must be a String, got 42"
    );
}

#[tokio::test]
async fn an_unknown_argument_lists_the_real_ones() {
    let message = Engine::call("build")
        .dir_arg("src", examples_root())
        .arg("containerName", json!("nettest"))
        .arg("colour", json!("blue"))
        .returned_error()
        .await;
    assert_eq!(
        message,
        "`build` has no argument `colour`; its arguments are: --src, --container-name, --build-args, --target, --dockerfile, --platform, --source-url, --commit-sha"
    );
}

#[tokio::test]
async fn undecodable_json_is_an_error_not_a_panic() {
    let message = Engine::call("build")
        .dir_arg("src", examples_root())
        .raw_arg("containerName", "{not json")
        .returned_error()
        .await;
    assert!(
        message.starts_with("argument --container-name is not valid JSON"),
        "{message}"
    );
}

/// Every function that builds, versions or publishes from an ops
/// repository registers `src` as a required Directory (no `defaultPath`),
/// as the origin had it: a forgotten `--src` is the CLI's own "required
/// flag" error, before anything runs, under `-m` or not. It still uploads
/// without the ignore patterns. The exceptions, each said in the reference:
/// nix-version (optional, as in the origin), the `dagger check` checks
/// (a check runs only without required arguments) and release-runtime.
#[tokio::test]
async fn every_building_or_publishing_function_registers_src_without_a_default() {
    let (chain, _) = registration().await;
    let required = [
        "build",
        "buildNix",
        "publish",
        "publishNix",
        "sbomNix",
        "containers",
        "version",
        "tags",
        "changedContainers",
        "listTags",
        "flakeLock",
        "flakeUpdate",
    ];
    for name in required {
        let part = chain
            .split("function(name: ")
            .find(|part| part.starts_with(&format!("\"{name}\"")))
            .unwrap_or_else(|| panic!("{name} is not registered"));
        let src = part
            .split(".withArg(")
            .find(|arg| arg.contains("name: \"src\""))
            .unwrap_or_else(|| panic!("{name} registers no src"));
        assert!(!src.contains("defaultPath"), "{name}: {src}");
        assert!(!src.contains("withOptional"), "{name}: {src}");
        assert!(src.contains("\"result-*\", \"*.tar\""), "{name}: {src}");
        assert!(
            src.contains("typeDef: typeDef.withObject(name: \"Directory\"))"),
            "{name}: {src}"
        );
    }
    // The rest, each an exception the reference states.
    let exceptions: Vec<&str> = FUNCTIONS
        .iter()
        .filter(|f| f.arg("src").is_some_and(|a| a.is_optional()))
        .map(|f| f.name)
        .collect();
    assert_eq!(
        exceptions,
        [
            "nixVersion",
            "checkVersions",
            "validateWorkflows",
            "releaseRuntime"
        ]
    );
    for name in ["checkVersions", "validateWorkflows"] {
        let f = FUNCTIONS.iter().find(|f| f.name == name).unwrap();
        assert!(
            f.check,
            "{name} keeps its default only as a `dagger check` check"
        );
        assert!(
            f.arg("src").unwrap().doc.contains("`dagger check`"),
            "{name}: the reference says why --src has a default"
        );
    }
    let nix_version = FUNCTIONS.iter().find(|f| f.name == "nixVersion").unwrap();
    assert!(nix_version.arg("src").unwrap().doc.contains("Optional"));
}
