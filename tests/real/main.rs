//! The real components this machine has: a real registry (Debian's
//! `docker-registry`, with TLS, htpasswd and token auth, and its faults),
//! real Nix builds and flakes, real git, signing checked by openssl, and
//! the example ops repository's CI script under bash. One test binary.

#[path = "../harness/mod.rs"]
mod harness;

mod containers_ci;
mod flake_real;
mod git_real;
mod nix_real;
mod registry;
mod registry_faults;
mod signing_keys;
mod signing_registry;
