//! Property tests of the domain rules (`tests/properties/fuzz.rs`) and of
//! the signing verification rules, without an engine or a registry.

mod fuzz;
mod signing_rules;
