//! Reading the current function call, and answering it.

use dagger_sdk::errors::DaggerError;
use dagger_sdk::{Json, Query};
use eyre::{WrapErr, eyre};
use serde::Deserialize;

use super::graphql;

/// The call the engine started this process for.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCall {
    /// Empty when the engine asks for registration; otherwise the object
    /// the function belongs to (`BlumeopsCi`).
    pub parent_name: String,
    pub name: String,
    /// The arguments as `(name, JSON text)`, in the engine's order (which
    /// puts defaulted arguments last: read them by name).
    #[serde(deserialize_with = "arg_pairs")]
    pub input_args: Vec<(String, String)>,
}

impl FunctionCall {
    pub fn is_registration(&self) -> bool {
        self.parent_name.is_empty()
    }
}

/// The whole call in one round trip. (`input_args()` in the typed API costs
/// one query for the list plus two per argument.)
pub const READ_CALL: &str = "query{currentFunctionCall{parentName name inputArgs{name value}}}";

pub async fn read(query: &Query) -> eyre::Result<FunctionCall> {
    let data = graphql::run(&query.graphql_client, READ_CALL).await?;
    let call = data
        .get("currentFunctionCall")
        .cloned()
        .ok_or_else(|| eyre!("the engine's answer has no currentFunctionCall"))?;
    serde_json::from_value(call)
        .wrap_err("the engine's currentFunctionCall has an unexpected shape")
}

fn arg_pairs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    #[derive(Deserialize)]
    struct Pair {
        name: String,
        value: String,
    }
    let pairs = Vec::<Pair>::deserialize(d)?;
    Ok(pairs.into_iter().map(|p| (p.name, p.value)).collect())
}

/// Answers the call with `json` (JSON text: a quoted string or an ID).
pub async fn return_value(query: &Query, json: String) -> eyre::Result<()> {
    void(query.current_function_call().return_value(Json(json)).await)
        .wrap_err("could not hand the result back to the Dagger engine")
}

/// Answers the call with an error the user sees at their terminal.
pub async fn return_error(query: &Query, message: &str) -> eyre::Result<()> {
    let error = query.error(message);
    void(query.current_function_call().return_error(error).await)
        .wrap_err("could not hand the error back to the Dagger engine")
}

/// `returnValue` and `returnError` answer `Void`, which the engine sends as
/// `null`, and dagger-sdk 0.21.11 then fails to unpack it. That unpack error
/// alone means the engine accepted the answer; anything else is a failure.
fn void<T>(result: Result<T, DaggerError>) -> Result<(), DaggerError> {
    match result {
        Ok(_) | Err(DaggerError::Unpack(_)) => Ok(()),
        Err(other) => Err(other),
    }
}
