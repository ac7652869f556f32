//! Commands the module runs in containers.
//!
//! | File | What it holds |
//! |---|---|
//! | [`shell`] | how a script and its arguments become an exec's argv |
//! | [`exit_status`] | what a command's exit status means when a signal ended it |

pub mod exit_status;
pub mod shell;
