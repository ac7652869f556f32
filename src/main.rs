//! The module's entrypoint: the engine starts this binary (through the
//! runtime shim's container) to register the module and for every call.
//!
//! Started by hand, it prints the function reference (`--reference`, the
//! source of docs/reference.md) or says how it is meant to be used.

use std::process::ExitCode;

use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::log::Log;
use blumeops_ci::module::reference;

const USAGE: &str = "blumeops-ci is a Dagger module: the Dagger engine starts this binary for \
    each function call. Use it with the Dagger CLI, e.g.\n\n    \
    dagger call build --container-name=miniflux export --path=./miniflux.tar\n\n\
    blumeops-ci --reference   print the function reference (docs/reference.md)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag] if flag == "--reference" => {
            print!("{}", reference::render(FUNCTIONS));
            return ExitCode::SUCCESS;
        }
        [] if std::env::var_os("DAGGER_SESSION_PORT").is_some() => {}
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a single-threaded tokio runtime starts");
    runtime.block_on(serve())
}

async fn serve() -> ExitCode {
    // The engine gives the process DAGGER_SESSION_PORT/DAGGER_SESSION_TOKEN;
    // dagger_sdk::connect reads them.
    let served = dagger_sdk::connect(|query| async move {
        blumeops_ci::serve(&query, FUNCTIONS, &Log::stderr()).await
    })
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
