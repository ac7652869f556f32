//! The vocabulary the function table is written in.
//!
//! A [`FunctionSpec`] describes one Dagger function once: its name, docs,
//! arguments, return type, cache policy and body. Registration
//! ([`super::register`]), argument decoding ([`super::args`]), dispatch
//! ([`super::serve`]) and the reference docs all read the same description.

use std::future::Future;
use std::pin::Pin;

use super::arg_spec::{ArgSpec, Type, kebab_case};
use super::args::Invocation;
use super::output::Output;

/// How the engine may cache a function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CachePolicy {
    /// Pure: the engine caches the result by its inputs.
    Default,
    /// Pure while its inputs pin everything, but it may read a moving
    /// source (an unpinned nixpkgs): the engine keeps the result this long
    /// (a duration such as `1h`), then computes it again.
    Expires(&'static str),
    /// Side effects or outside state (a registry): run every time.
    Never,
}

/// What a function body returns before it is encoded for the engine.
pub type BodyFuture = Pin<Box<dyn Future<Output = eyre::Result<Output>>>>;

/// A function body: the decoded call in, the result out.
pub type Body = fn(Invocation) -> BodyFuture;

/// One Dagger function of the main object.
pub struct FunctionSpec {
    /// The wire name, lowerCamel (`buildNix`); the CLI shows `build-nix`.
    pub name: &'static str,
    /// The `dagger call <fn> --help` text: first line a summary.
    pub doc: &'static str,
    pub args: &'static [ArgSpec],
    pub returns: Type,
    pub cache: CachePolicy,
    /// Also run by `dagger check` (functions that only verify).
    pub check: bool,
    pub body: Body,
}

impl FunctionSpec {
    /// The function as a user types it: `build-nix`.
    pub fn cli_name(&self) -> String {
        kebab_case(self.name)
    }

    pub fn arg(&self, name: &str) -> Option<&'static ArgSpec> {
        self.args.iter().find(|a| a.name == name)
    }
}
