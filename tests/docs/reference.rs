//! docs/reference.md is what `blumeops-ci --reference` prints, from the
//! function table; this test fails when the committed page is stale.
//! Refresh it with `cargo run -q -- --reference > docs/reference.md`.

use std::process::Command;

#[test]
fn docs_reference_is_what_the_binary_prints() {
    let out = Command::new(env!("CARGO_BIN_EXE_blumeops-ci"))
        .arg("--reference")
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == printed,
        "docs/reference.md is stale: run `cargo run -q -- --reference > docs/reference.md` and commit it"
    );
}

#[test]
fn started_by_hand_without_a_session_it_says_how_to_use_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_blumeops-ci"))
        .env_remove("DAGGER_SESSION_PORT")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("dagger call build"), "{stderr}");
}
