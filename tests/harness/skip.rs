//! The one rule for a test whose tool or data file is missing.

use std::io::Write;

/// A test that needs a tool or data file this machine lacks: under CI (`CI` set) it
/// fails, naming the tool and how to install it; elsewhere it is skipped,
/// said once per `what` on stderr (not through `eprintln!`, which the test
/// harness captures). Returns false, for `if !available() { return; }`.
pub fn skip_or_fail(what: &str, message: &str) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if ci {
        panic!("{message} (CI is set: a missing tool or file fails the tests)");
    }
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|w| w == what) {
        said.push(what.to_owned());
        let _ = writeln!(std::io::stderr(), "SKIPPED ({what}): {message}");
    }
    false
}
