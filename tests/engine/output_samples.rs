//! The output samples of docs/conventions.md are real: each block after a
//! line `<!-- sample: dagger call ... -->` is exactly what that command
//! prints at the root of this repository (its example `containers/`), run
//! here through the stand-in for the
//! Dagger CLI (`tests/harness/cli.rs`), with nixpkgs answering `1.7.1`
//! for jq and git answering that `containers/miniflux/Dockerfile` and
//! `containers/jq/default.nix` changed.

use crate::harness::cli::{call, outcome};
use crate::harness::crate_root;

const PAGE: &str = "docs/conventions.md";
const MARKER: &str = "<!-- sample: ";

/// `(command, the indented block after it)` for every sample of `text`.
fn samples(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line
            .trim()
            .strip_prefix(MARKER)
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let block: Vec<&str> = lines[i + 1..]
            .iter()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| l.starts_with("    "))
            .map(|l| &l[4..])
            .collect();
        out.push((command.to_owned(), block.join("\n")));
    }
    out
}

#[tokio::test]
async fn every_sample_is_what_its_command_prints() {
    let text = std::fs::read_to_string(crate_root().join(PAGE)).unwrap();
    let samples = samples(&text);
    assert!(samples.len() >= 5, "{PAGE} lost its samples");
    let mut wrong = Vec::new();
    for (command, shown) in samples {
        let engine = call(&command, &crate_root())
            .exec_answers_where("nix-instantiate", 0, r#"{"jq":"1.7.1"}"#, "")
            .exec_answers(
                0,
                "containers/miniflux/Dockerfile\ncontainers/jq/default.nix\n--\n\
                 containers/miniflux/Dockerfile\ncontainers/jq/default.nix\n",
                "",
            );
        let printed = match outcome(&engine).await {
            Ok(out) | Err(out) => out,
        };
        if printed.trim_end() != shown.trim_end() {
            wrong.push(format!(
                "`{command}`\n  {PAGE} shows:\n{shown}\n  it prints:\n{printed}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{PAGE}'s samples differ from what the module prints; update the page:\n\n{}",
        wrong.join("\n\n")
    );
}
