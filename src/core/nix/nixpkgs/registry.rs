//! Without a pin: what the Nix image's flake registry says `nixpkgs` is,
//! resolved to a locked source once per call and at most once an hour.

use std::collections::BTreeMap;

use eyre::eyre;
use serde_json::Value;

use crate::core::nix::nixpkgs::Nixpkgs;
use crate::core::nix::nixpkgs::lock::locked_source;
use crate::core::text::excerpt;

/// `nix flake metadata --json nixpkgs`: what the Nix image's flake
/// registry resolves `nixpkgs` to right now, locked (revision and NAR
/// hash). Run with flakes enabled (`NIX_CONFIG`).
pub const REGISTRY_COMMAND: [&str; 5] = ["nix", "flake", "metadata", "--json", "nixpkgs"];

/// The environment variable that keys the registry resolution's exec to
/// the hour ([`registry_hour`]): the engine caches an exec by its inputs,
/// so without it the first resolution would be reused for good.
pub const REGISTRY_HOUR_ENV: &str = "BLUMEOPS_CI_REGISTRY_HOUR";

/// The hour since the epoch of `unix_seconds`: an unpinned nixpkgs is
/// resolved again at most once an hour, as long as the function results
/// that use it are cached (see the function table) and as long as Nix
/// itself trusts a resolution (its `tarball-ttl`).
pub fn registry_hour(unix_seconds: u64) -> String {
    (unix_seconds / 3600).to_string()
}

/// What the log says after an unpinned nixpkgs: why it matters and how to
/// pin it.
pub const UNPINNED_ADVICE: &str = "nixpkgs is unpinned: it moves with the flake registry, so \
     builds and versions can differ from one day (or machine) to the next. Pin it: pass \
     --flake-lock=<path of a flake.lock> (e.g. a host's, nixos/<host>/flake.lock) or \
     --nixpkgs=<tarball URL>; or commit a flake.lock at the repository root, which needs a \
     flake.nix there first (with a `nixpkgs` input: copy the flake.nix at \
     the root of blumeops-ci's repository), then `dagger call flake-lock --src=. --flake-path=. \
     export --path=flake.lock` writes the lock.";

/// The nixpkgs that [`REGISTRY_COMMAND`] printed (`stdout`), resolved in
/// `image`: the locked source, checked against its NAR hash like a lock's.
pub fn from_registry(stdout: &str, image: &str) -> eyre::Result<Nixpkgs> {
    let unreadable = |why: &str| {
        eyre!(
            "`nix flake metadata nixpkgs` in {image} printed {why}: {}\n\
             Pin nixpkgs instead (a root flake.lock, --flake-lock or --nixpkgs).",
            excerpt(stdout)
        )
    };
    let metadata: Value = serde_json::from_str(stdout.trim()).map_err(|_| unreadable("no JSON"))?;
    let locked: BTreeMap<String, Value> = metadata
        .get("locked")
        .and_then(Value::as_object)
        .map(|o| o.clone().into_iter().collect())
        .ok_or_else(|| unreadable("no `locked` source"))?;
    let source = locked_source(&locked, "the flake registry", "nixpkgs")?;
    let resolved = metadata
        .get("url")
        .and_then(Value::as_str)
        .map(excerpt)
        .unwrap_or_else(|| "a locked source".into());
    Ok(Nixpkgs {
        source,
        origin: format!(
            "the flake registry of {image}, unpinned (`nixpkgs` resolved to {resolved})"
        ),
        unpinned: true,
    })
}
