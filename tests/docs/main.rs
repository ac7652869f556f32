//! The documentation and the test command tell the truth: every documented
//! command is valid against the engine schemas, every link resolves,
//! `docs/reference.md` is current, and `ci/install-test-deps` installs
//! every tool the tests run.

#[path = "../harness/mod.rs"]
mod harness;

mod docs_commands;
mod docs_links;
mod reference;
mod test_deps;
