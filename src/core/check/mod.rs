//! `check-versions`: do a container's versions agree, with each other and
//! with what is deployed.
//!
//! | File | What it holds |
//! |---|---|
//! | [`version_check`] | the verdict for one container, and the report |
//! | [`scope`] | which containers check-versions checks, and its defaults |
//! | [`service_versions`] | `service-versions.yaml`, the list of deployed versions |

pub mod scope;
pub mod service_versions;
pub mod version_check;
