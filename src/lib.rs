//! blumeops-ci: a Dagger module, written in Rust, that builds and publishes
//! the container images of an ops repository.

pub mod core;
