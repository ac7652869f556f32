//! Decoding a call's arguments, checked against the function's table entry.
//!
//! The engine sends each argument as JSON text; objects (Directory, Secret,
//! ...) arrive as their ID string. [`Args::decode`] checks every argument
//! against its [`ArgSpec`] before the body runs, so a body only ever sees
//! values of the declared type, and a wrong or missing argument is reported
//! the same way for every function.

use std::collections::BTreeMap;

use dagger_sdk::{Directory, Query};
use eyre::{bail, eyre};
use serde_json::Value;

use crate::core::text::{excerpt, first_line};

use super::arg_spec::{ArgSpec, Default, Type, kebab_case};
use super::log::Log;

/// Everything a function body receives.
pub struct Invocation {
    pub query: Query,
    pub args: Args,
    /// What the function tells its user while it runs.
    pub log: Log,
}

/// The decoded arguments of one call.
pub struct Args {
    /// The function's wire name (`buildNix`).
    function: &'static str,
    values: BTreeMap<&'static str, Value>,
}

impl Args {
    /// Checks raw `(name, JSON text)` pairs against `function`'s arguments:
    /// unknown names, undecodable JSON, wrong types and missing required
    /// arguments are errors that name the flag; absent optional arguments
    /// take the table's default.
    pub fn decode(
        function: &'static str,
        specs: &'static [ArgSpec],
        raw: &[(String, String)],
    ) -> eyre::Result<Args> {
        let mut values = BTreeMap::new();
        for (name, text) in raw {
            let Some(spec) = specs.iter().find(|a| a.name == name) else {
                bail!(
                    "`{}` has no argument `{}`; its arguments are: {}",
                    kebab_case(function),
                    kebab_case(name),
                    specs
                        .iter()
                        .map(ArgSpec::flag)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            let value: Value = serde_json::from_str(text)
                .map_err(|e| eyre!("argument {} is not valid JSON ({e})", spec.flag()))?;
            check_type(spec, &value)?;
            values.insert(spec.name, value);
        }
        for spec in specs {
            if values.contains_key(spec.name) {
                continue;
            }
            match spec.default {
                Default::Required | Default::RequiredDir { .. } => bail!(
                    "`{}` needs {} ({}): {}",
                    kebab_case(function),
                    spec.flag(),
                    spec.ty.display_name(),
                    first_line(spec.doc)
                ),
                Default::Json(_) | Default::String(_) | Default::Strings(_) => {
                    let json = spec.default.json().expect("these defaults have JSON");
                    let value = serde_json::from_str(&json).expect("table defaults are valid JSON");
                    values.insert(spec.name, value);
                }
                // An absent defaultPath directory is the engine's to supply;
                // treat it as null so the body reports it.
                Default::Null | Default::Path { .. } => {
                    values.insert(spec.name, Value::Null);
                }
            }
        }
        Ok(Args { function, values })
    }

    fn raw(&self, arg: &ArgSpec) -> &Value {
        let name = arg.name;
        match self.values.get(name) {
            Some(v) => v,
            None => panic!(
                "bug: function `{}` read `{name}`, which its table entry does not declare",
                self.function
            ),
        }
    }

    /// A required String argument.
    pub fn string(&self, arg: &ArgSpec) -> eyre::Result<String> {
        self.opt_string(arg)?
            .ok_or_else(|| eyre!("{} must not be null", self.flag(arg)))
    }

    /// An optional String argument (`None` when null or absent).
    pub fn opt_string(&self, arg: &ArgSpec) -> eyre::Result<Option<String>> {
        Ok(self.raw(arg).as_str().map(str::to_owned))
    }

    /// A Boolean argument (null reads as false).
    pub fn bool(&self, arg: &ArgSpec) -> bool {
        self.raw(arg).as_bool().unwrap_or(false)
    }

    /// An Integer argument.
    pub fn integer(&self, arg: &ArgSpec) -> Option<i64> {
        self.raw(arg).as_i64()
    }

    /// A [String] argument (null reads as empty).
    pub fn strings(&self, arg: &ArgSpec) -> Vec<String> {
        match self.raw(arg) {
            Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A Directory argument, loaded lazily from its ID.
    pub fn directory(&self, query: &Query, arg: &ArgSpec) -> eyre::Result<Directory> {
        let id = self.object_id(arg)?;
        Ok(crate::module::graphql::load::<Directory>(query, id))
    }

    /// The ID of an optional object argument (`None` when null or absent).
    /// Passing an object on as its ID costs no round trip.
    pub fn opt_object_id(&self, arg: &ArgSpec) -> Option<String> {
        self.raw(arg).as_str().map(str::to_owned)
    }

    /// The ID of an object argument (for hand-written batched queries).
    pub fn object_id(&self, arg: &ArgSpec) -> eyre::Result<String> {
        self.raw(arg)
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| eyre!("{} must be given", self.flag(arg)))
    }

    fn flag(&self, arg: &ArgSpec) -> String {
        arg.flag()
    }
}

fn check_type(spec: &ArgSpec, value: &Value) -> eyre::Result<()> {
    let fits = match (spec.ty, value) {
        (_, Value::Null) => spec.is_optional(),
        (Type::String, Value::String(_)) => true,
        (Type::Boolean, Value::Bool(_)) => true,
        (Type::Integer, Value::Number(n)) => n.is_i64(),
        (Type::StringList, Value::Array(items)) => items.iter().all(Value::is_string),
        // Objects travel as their ID string.
        (Type::Object(_), Value::String(_)) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        bail!(
            "argument {} must be a {}, got {}",
            spec.flag(),
            spec.ty.display_name(),
            excerpt(&value.to_string())
        )
    }
}
