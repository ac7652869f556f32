//! The Dagger module protocol, spoken by hand (no engine ships a Rust
//! module SDK).
//!
//! The engine starts the binary once to register the module and once per
//! function call, each time with a session to talk back to. [`serve`] reads
//! the call ([`call`]), then either registers the table ([`register`]) or
//! decodes the arguments ([`args`]), runs the function's body and encodes
//! its result ([`output`]); any failure goes back as `returnError`.

pub mod arg_spec;
pub mod args;
pub mod call;
pub mod graphql;
pub mod log;
pub mod output;
pub mod reference;
pub mod register;
pub mod spec;

use dagger_sdk::Query;
use eyre::{WrapErr, eyre};

use self::args::{Args, Invocation};
use self::log::Log;
use self::spec::FunctionSpec;

/// Answers the engine's current call from `table`, telling the user what
/// it does through `log`. Returns an error (and the process should exit
/// non-zero) when the call failed; the user has then already been told why
/// through `returnError` whenever the engine could be reached.
pub async fn serve(query: &Query, table: &'static [FunctionSpec], log: &Log) -> eyre::Result<()> {
    let result = answer(query, table, log).await;
    match result {
        Ok(json) => call::return_value(query, json).await,
        Err(error) => {
            let message = format!("{error:#}");
            // If even returnError fails, the engine shows our stderr.
            if let Err(e) = call::return_error(query, &message).await {
                eprintln!("{e:#}");
            }
            Err(error)
        }
    }
}

/// The JSON text to return for the current call.
async fn answer(query: &Query, table: &'static [FunctionSpec], log: &Log) -> eyre::Result<String> {
    let call = call::read(query).await?;
    if call.is_registration() {
        let functions: Vec<&FunctionSpec> = table.iter().collect();
        let module_id = register::register(&query.graphql_client, &functions)
            .await
            .wrap_err("registering the module's functions failed")?;
        return Ok(serde_json::to_string(&module_id)?);
    }
    if call.parent_name != register::MAIN_OBJECT {
        return Err(eyre!(
            "this module has one object, {}, but the engine called `{}` on `{}`",
            register::MAIN_OBJECT,
            call.name,
            call.parent_name
        ));
    }
    let function = table.iter().find(|f| f.name == call.name).ok_or_else(|| {
        let names: Vec<String> = table.iter().map(FunctionSpec::cli_name).collect();
        eyre!(
            "this module has no function `{}`; it has: {}",
            arg_spec::kebab_case(&call.name),
            names.join(", ")
        )
    })?;
    let args = Args::decode(function.name, function.args, &call.input_args)?;
    let output = (function.body)(Invocation {
        query: query.clone(),
        args,
        log: log.clone(),
    })
    .await?;
    output.encode().await
}
