//! The chains the Nix pipelines build, written out once for the tests that
//! assert them (`tests/engine/nix.rs`, `tests/engine/sbom.rs`, `tests/engine/flakes.rs`).

use blumeops_ci::core::nix::build::{self as nix_build, DEFAULT_NIX_IMAGE};
use blumeops_ci::core::nix::nixpkgs::{self, Nixpkgs};

use super::examples_root;

/// `s` as the harness renders a string argument (a JSON string).
pub fn q(s: &str) -> String {
    serde_json::to_string(s).expect("a str serializes")
}

/// The example repository's nixpkgs pin, as the pipelines read it.
pub fn pinned() -> Nixpkgs {
    let lock =
        std::fs::read_to_string(examples_root().join("flake.lock")).expect("the root flake.lock");
    nixpkgs::pin(None, Some(&lock), "flake.lock", "nixpkgs").expect("the example pin")
}

/// The Nix image `image` with the store cache, the env and the
/// repository, as every Nix function starts its container.
pub fn nix_container_of(image: &str) -> String {
    let volume = q(&nix_build::store_volume(image));
    let image = q(image);
    format!(
        "container.from(address: {image})\
         .withMountedCache(cache: cacheVolume(key: {volume}), path: \"/nix\", sharing: SHARED, \
         source: container.from(address: {image}).directory(path: \"/nix\"))\
         .withEnvVariable(name: \"NIX_CONFIG\", value: {config})\
         .withMountedDirectory(path: \"/src\", source: $src).withWorkdir(path: \"/src\")",
        config = q(nix_build::NIX_CONFIG),
    )
}

/// [`nix_container_of`] the default Nix image.
pub fn nix_container() -> String {
    nix_container_of(DEFAULT_NIX_IMAGE)
}

/// `.withExec(args: [...])` of `argv`, under the default `expect`.
pub fn exec(argv: &[String]) -> String {
    let args: Vec<String> = argv.iter().map(|a| q(a)).collect();
    format!(".withExec(args: [{}])", args.join(", "))
}
