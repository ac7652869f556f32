//! Image references and tags.
//!
//! | File | What it holds |
//! |---|---|
//! | [`image_ref`] | `<registry>/<namespace>/<name>:<tag>` and its defaults |
//! | [`tag`] | what a valid OCI tag is |
//! | [`tags`] | commit and release tags |
//! | [`ordering`] | version tags, newest first |
//! | [`publish`] | push or not, and what publish returns |
//! | [`mod@reference`] | a full image reference (`verify --image`) |

pub mod image_ref;
pub mod ordering;
pub mod publish;
pub mod reference;
pub mod tag;
pub mod tags;
