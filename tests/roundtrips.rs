//! GraphQL round trips per registration and per call, counted by the
//! recording engine. `ci/bench` prints the `ROUNDTRIPS` lines as a table.
//! Counts are deterministic, so the bounds are asserted here too.

mod harness;

use harness::{Engine, crate_root};
use serde_json::json;

fn report(what: &str, n: usize) {
    println!("ROUNDTRIPS {what} {n}");
}

#[tokio::test]
async fn registration() {
    let outcome = Engine::registration().run().await;
    report("registration", outcome.queries.len());
    assert!(outcome.queries.len() <= 7);
}

#[tokio::test]
async fn build_call() {
    let outcome = Engine::call("build")
        .dir_arg("src", crate_root())
        .arg("containerName", json!("miniflux"))
        .run()
        .await;
    // Protocol: read the call + returnValue; the rest is the pipeline's own.
    report("build call (total)", outcome.queries.len());
    let protocol = outcome
        .queries
        .iter()
        .filter(|q| q.contains("currentFunctionCall"))
        .count();
    report("build call (protocol)", protocol);
    assert_eq!(protocol, 2);
    assert_eq!(outcome.queries.len(), 5);
}
