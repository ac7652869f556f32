//! The module's entrypoint: the engine starts this binary (through the
//! runtime shim's container) to register the module and for every call.

use std::process::ExitCode;

use blumeops_ci::functions::FUNCTIONS;

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded tokio runtime starts");
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    // The engine gives the process DAGGER_SESSION_PORT/DAGGER_SESSION_TOKEN;
    // dagger_sdk::connect reads them.
    let served =
        dagger_sdk::connect(|query| async move { blumeops_ci::serve(&query, FUNCTIONS).await })
            .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // The user has seen the message through returnError; this is for
            // the engine's log of the call.
            eprintln!("blumeops-ci: {:#}", eyre::Report::new(error));
            ExitCode::FAILURE
        }
    }
}
