//! The project's rules, in plain Rust: no dagger-sdk here, and no engine in
//! the tests. Every function that needs a rule calls the one implementation
//! that lives in this module tree.
