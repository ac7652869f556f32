//! Registration: describing the module, its main object and every function
//! of the table to the engine, then answering with the Module's ID.
//!
//! The typed builder would resolve each TypeDef and Function ID with a query
//! of its own (about a hundred round trips for this module). Instead, each
//! layer of independent IDs is one aliased query:
//!
//! 1. the scalar and object type defs the signatures use,
//! 2. the list type defs (they need their element's ID),
//! 3. every function with its arguments,
//! 4. the main object with its functions,
//! 5. the module with its object.

use std::collections::BTreeMap;

use dagger_sdk::core::graphql_client::DynGraphQLClient;

use super::arg_spec::{Default, Type};
use super::graphql::{self, Chain, string, string_list};
use super::spec::{CachePolicy, FunctionSpec};

/// The main object: ToCamel of the `name` in dagger.json.
pub const MAIN_OBJECT: &str = "BlumeopsCi";

pub const MODULE_DOC: &str = "Build and publish the container images of an ops repository: \
one folder per image under containers/<name>/, with a Dockerfile and/or a default.nix.";

/// Registers `functions` and returns the Module ID.
pub async fn register(
    client: &DynGraphQLClient,
    functions: &[&FunctionSpec],
) -> eyre::Result<String> {
    let types = resolve_type_ids(client, functions).await?;

    let chains: Vec<Chain> = functions
        .iter()
        .map(|f| function_chain(f, &types))
        .collect();
    let function_ids = graphql::resolve_ids(client, &chains).await?;

    let mut object = Chain::new("typeDef", "").then(
        "withObject",
        &format!(
            "name: {}, description: {}",
            string(MAIN_OBJECT),
            string(MODULE_DOC)
        ),
    );
    for id in &function_ids {
        object = object.then("withFunction", &format!("function: {}", string(id)));
    }
    let object_id = single(graphql::resolve_ids(client, &[object]).await?);

    let module = Chain::new("module", "")
        .then(
            "withDescription",
            &format!("description: {}", string(MODULE_DOC)),
        )
        .then("withObject", &format!("object: {}", string(&object_id)));
    Ok(single(graphql::resolve_ids(client, &[module]).await?))
}

/// A type as an argument or return type: the type and whether it may be null.
type TypeKey = (Type, bool);

/// The TypeDef IDs of every `(type, optional)` the signatures use.
async fn resolve_type_ids(
    client: &DynGraphQLClient,
    functions: &[&FunctionSpec],
) -> eyre::Result<BTreeMap<TypeKey, String>> {
    let mut keys: Vec<TypeKey> = Vec::new();
    for f in functions {
        keys.push((f.returns, false));
        keys.extend(f.args.iter().map(|a| (a.ty, a.is_optional())));
    }
    keys.sort();
    keys.dedup();
    // Lists need their element's ID, so they are a second layer.
    let (lists, plain): (Vec<TypeKey>, Vec<TypeKey>) = keys
        .into_iter()
        .partition(|(ty, _)| *ty == Type::StringList);

    let mut plain = plain;
    if !lists.is_empty() && !plain.contains(&(Type::String, false)) {
        plain.push((Type::String, false));
    }
    let mut ids = BTreeMap::new();
    let chains: Vec<Chain> = plain.iter().map(|k| type_chain(*k, None)).collect();
    ids.extend(
        plain
            .iter()
            .copied()
            .zip(graphql::resolve_ids(client, &chains).await?),
    );

    let element = ids.get(&(Type::String, false)).cloned();
    let chains: Vec<Chain> = lists
        .iter()
        .map(|k| type_chain(*k, element.as_deref()))
        .collect();
    ids.extend(
        lists
            .iter()
            .copied()
            .zip(graphql::resolve_ids(client, &chains).await?),
    );
    Ok(ids)
}

fn type_chain((ty, optional): TypeKey, element_id: Option<&str>) -> Chain {
    let base = Chain::new("typeDef", "");
    let chain = match ty {
        Type::String => base.then("withKind", "kind: STRING_KIND"),
        Type::Boolean => base.then("withKind", "kind: BOOLEAN_KIND"),
        Type::Integer => base.then("withKind", "kind: INTEGER_KIND"),
        Type::Object(o) => base.then("withObject", &format!("name: {}", string(o.graphql_name()))),
        Type::StringList => base.then(
            "withListOf",
            &format!(
                "elementType: {}",
                string(element_id.expect("element resolved first"))
            ),
        ),
    };
    if optional {
        chain.then("withOptional", "optional: true")
    } else {
        chain
    }
}

fn function_chain(f: &FunctionSpec, types: &BTreeMap<TypeKey, String>) -> Chain {
    let mut chain = Chain::new(
        "function",
        &format!(
            "name: {}, returnType: {}",
            string(f.name),
            string(&types[&(f.returns, false)])
        ),
    )
    .then(
        "withDescription",
        &format!("description: {}", string(f.doc)),
    );
    for arg in f.args {
        let mut args = format!(
            "name: {}, typeDef: {}, description: {}",
            string(arg.name),
            string(&types[&(arg.ty, arg.is_optional())]),
            string(arg.doc)
        );
        match arg.default {
            Default::Required | Default::Null => {}
            Default::Json(_) | Default::String(_) | Default::Strings(_) => {
                let json = arg.default.json().expect("these defaults have JSON");
                args.push_str(&format!(", defaultValue: {}", string(&json)));
            }
            Default::Path { path, ignore } => {
                args.push_str(&format!(", defaultPath: {}", string(path)));
                if !ignore.is_empty() {
                    args.push_str(&format!(", ignore: {}", string_list(ignore)));
                }
            }
            Default::RequiredDir { ignore } => {
                if !ignore.is_empty() {
                    args.push_str(&format!(", ignore: {}", string_list(ignore)));
                }
            }
        }
        chain = chain.then("withArg", &args);
    }
    match f.cache {
        CachePolicy::Default => {}
        CachePolicy::Expires(ttl) => {
            let args = format!("policy: Default, timeToLive: {}", string(ttl));
            chain = chain.then("withCachePolicy", &args);
        }
        CachePolicy::Never => chain = chain.then("withCachePolicy", "policy: Never"),
    }
    if f.check {
        chain = chain.then("withCheck", "");
    }
    chain
}

fn single(mut ids: Vec<String>) -> String {
    ids.pop().expect("one chain asked, one ID answered")
}
