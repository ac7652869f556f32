//! A small client for the OCI distribution API, for the two questions the
//! module asks a registry: does this tag exist, and with which digest
//! (`publish`, before it pushes an immutable tag), and which tags does a
//! repository have (`list-tags`); and for what signing adds: pushing and
//! reading blobs and manifests, the referrers of a digest, and signing,
//! attesting and verifying an image.
//!
//! It speaks the read side of the [distribution spec]:
//!
//! - `HEAD /v2/<repository>/manifests/<tag>`, accepting OCI indexes and
//!   manifests and Docker manifest lists and v2 manifests; the digest comes
//!   from the `Docker-Content-Digest` header.
//! - `GET /v2/<repository>/tags/list[?n=<page size>]`, following
//!   `Link: <...>; rel="next"` pages (relative or absolute, same origin only).
//!
//! One file per concern:
//!
//! | file | what it holds |
//! |---|---|
//! | `client.rs` | [`RegistryClient`], its settings and its two calls |
//! | `auth.rs` | the `401` challenges (Basic, Bearer), the token flow |
//! | `credentials.rs` | [`Credentials`], the login, and the cache of what worked |
//! | `retry.rs` | the retry policy ([`RETRY_BACKOFF`]) and the loop that applies it |
//! | `failure.rs` | transport failures told apart, and the errors said about them |
//! | `trust.rs` | the HTTP client underneath: the CAs it trusts, its timeouts |
//! | `headers.rs` | `WWW-Authenticate` challenges and `Link` headers |
//! | `body.rs` | the JSON answers: tag lists, tokens, registry errors |
//! | `grammar.rs` | repository paths and digests |
//! | `upload.rs` | the write side: a blob (`POST`+`PUT`, skipped when there), a manifest `PUT` |
//! | `download.rs` | a manifest and a blob read back, checked against their digests |
//! | `referrers.rs` | the referrers API, its tag-schema fallback, attaching a referrer |
//! | `signatures.rs` | signing, attesting and verifying an image (the rules: `crate::signing`) |
//!
//! The password never appears in an error, a log line or `Debug` output.
//!
//! The HTTP mechanics are kept apart from the pure parsing (`headers.rs`,
//! `body.rs`, `grammar.rs`), which is tested without a network, and public
//! so that `tests/properties/fuzz.rs` can drive it; `tests/real/registry.rs` runs the
//! client against a real distribution registry (`docker-registry`), with
//! TLS, htpasswd and token auth, and `tests/real/registry_faults.rs` against
//! one that fails.
//!
//! [distribution spec]: https://github.com/opencontainers/distribution-spec/blob/main/spec.md

mod auth;
mod body;
mod client;
mod credentials;
mod download;
mod failure;
mod grammar;
mod headers;
mod referrers;
mod retry;
mod signatures;
mod trust;
mod upload;

pub use body::{body_summary, parse_tag_list, parse_token, registry_error};
pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, MANIFEST_MEDIA_TYPES, RegistryClient, Scheme,
};
pub use credentials::Credentials;
pub use download::FetchedManifest;
pub use grammar::{check_repository, is_digest};
pub use headers::{Challenge, next_link, parse_challenges};
pub use referrers::Attached;
pub use retry::RETRY_BACKOFF;
pub use signatures::VerifiedImage;
pub use upload::PushedManifest;
