//! The vocabulary an argument is described in: its [`Type`], whether it
//! has a [`enum@Default`], its [`ArgSpec`], and the one kebab-case rule that turns
//! a wire name into the flag a user types. A leaf: the function table
//! ([`super::spec`]), the argument decoder ([`super::args`]) and the
//! argument catalogue ([`crate::arguments`]) all read it.

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

/// `containerName` -> `container-name`: a wire name as the Dagger CLI shows
/// it. The CLI's rule (iancoleman/strcase's `ToKebab`): a word starts where
/// the case or a digit run changes, and an acronym stays one word
/// (`asJSON` -> `as-json`, `JSONData` -> `json-data`).
pub fn kebab_case(lower_camel: &str) -> String {
    let s = lower_camel.as_bytes();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &v) in s.iter().enumerate() {
        let (cap, low, num) = (
            v.is_ascii_uppercase(),
            v.is_ascii_lowercase(),
            v.is_ascii_digit(),
        );
        if let Some(&next) = s.get(i + 1) {
            let (next_cap, next_low, next_num) = (
                next.is_ascii_uppercase(),
                next.is_ascii_lowercase(),
                next.is_ascii_digit(),
            );
            if (cap && (next_low || next_num))
                || (low && (next_cap || next_num))
                || (num && (next_cap || next_low))
            {
                if cap && next_low && i > 0 && s[i - 1].is_ascii_uppercase() {
                    out.push('-');
                }
                out.push(v.to_ascii_lowercase() as char);
                if low || num || next_num {
                    out.push('-');
                }
                continue;
            }
        }
        match v {
            b' ' | b'_' | b'-' | b'.' => out.push('-'),
            _ => out.push(v.to_ascii_lowercase() as char),
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
        assert_eq!(kebab_case("asJSON"), "as-json");
        assert_eq!(kebab_case("JSONData"), "json-data");
        assert_eq!(kebab_case("registryCa"), "registry-ca");
    }
}
