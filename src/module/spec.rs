//! The vocabulary the function table is written in.
//!
//! A [`FunctionSpec`] describes one Dagger function once: its name, docs,
//! arguments, return type, cache policy and body. Registration
//! ([`super::register`]), argument decoding ([`super::args`]), dispatch
//! ([`super::serve`]) and the reference docs all read the same description.

use std::future::Future;
use std::pin::Pin;

use super::args::Invocation;
use super::output::Output;

/// A Dagger type as the module uses it in a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    String,
    Boolean,
    Integer,
    /// A core object type, by its GraphQL name.
    Object(CoreObject),
    /// A list of strings (the only list type the module needs).
    StringList,
}

/// The engine's object types this module accepts or returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoreObject {
    Directory,
    File,
    Container,
    Secret,
}

impl CoreObject {
    /// The GraphQL type name (`Directory`, ...).
    pub fn graphql_name(self) -> &'static str {
        match self {
            CoreObject::Directory => "Directory",
            CoreObject::File => "File",
            CoreObject::Container => "Container",
            CoreObject::Secret => "Secret",
        }
    }
}

impl Type {
    pub const DIRECTORY: Type = Type::Object(CoreObject::Directory);
    pub const FILE: Type = Type::Object(CoreObject::File);
    pub const CONTAINER: Type = Type::Object(CoreObject::Container);
    pub const SECRET: Type = Type::Object(CoreObject::Secret);

    /// How the type reads in docs and error messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Type::String => "String",
            Type::Boolean => "Boolean",
            Type::Integer => "Integer",
            Type::StringList => "[String]",
            Type::Object(o) => o.graphql_name(),
        }
    }
}

/// Whether an argument must be given, and what it is when it is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    /// The caller must pass it.
    Required,
    /// A directory the caller must pass, uploaded without the `ignore`
    /// patterns (`.dockerignore` rules, anchored at its root).
    RequiredDir { ignore: &'static [&'static str] },
    /// Optional, `null` when absent.
    Null,
    /// Optional, with this default, written as JSON text (`"\"main\""`, `10`,
    /// `false`, `[]`).
    Json(&'static str),
    /// Optional, with this string as its default (for defaults that live
    /// as constants in [`crate::core`]).
    String(&'static str),
    /// Optional, with this list as its default (for list defaults that live
    /// as constants in [`crate::core`]).
    Strings(&'static [&'static str]),
    /// A directory argument that defaults to a path of the module's context
    /// (the repository), loaded without the `ignore` patterns.
    Path {
        path: &'static str,
        ignore: &'static [&'static str],
    },
}

impl Default {
    /// The default as JSON text, when there is one to register.
    pub fn json(&self) -> Option<String> {
        match self {
            Default::Json(json) => Some((*json).to_owned()),
            Default::String(s) => Some(serde_json::to_string(s).expect("a str serializes")),
            Default::Strings(list) => Some(serde_json::to_string(list).expect("strs serialize")),
            Default::Required
            | Default::RequiredDir { .. }
            | Default::Null
            | Default::Path { .. } => None,
        }
    }
}

/// One argument of a function.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    /// The wire name, lowerCamel (`containerName`); the CLI shows kebab case.
    pub name: &'static str,
    pub ty: Type,
    pub default: Default,
    /// The `dagger call ... --help` text.
    pub doc: &'static str,
}

impl ArgSpec {
    pub fn is_optional(&self) -> bool {
        !matches!(
            self.default,
            Default::Required | Default::RequiredDir { .. }
        )
    }

    /// The argument as a user types it: `--container-name`.
    pub fn flag(&self) -> String {
        format!("--{}", kebab_case(self.name))
    }
}

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

/// `containerName` -> `container-name`.
pub fn kebab_case(lower_camel: &str) -> String {
    let mut out = String::with_capacity(lower_camel.len() + 4);
    for c in lower_camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn kebab_case_follows_the_cli() {
        assert_eq!(kebab_case("buildNix"), "build-nix");
        assert_eq!(kebab_case("containerName"), "container-name");
        assert_eq!(kebab_case("src"), "src");
    }
}
