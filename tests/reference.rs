//! docs/reference.md is generated from the function table; this test fails
//! when the committed page differs. `BLESS=1 cargo test --test reference`
//! rewrites it.

use blumeops_ci::functions::FUNCTIONS;
use blumeops_ci::module::reference;

#[test]
fn docs_reference_matches_the_function_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let expected = reference::render(FUNCTIONS);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/reference.md is stale: run `BLESS=1 cargo test --test reference` and commit it"
    );
}
