//! The HTTP client underneath, and which certificate authorities it
//! trusts.
//!
//! HTTPS trusts the Mozilla root certificates (webpki roots) plus any CA
//! given with [`RegistryClient::with_root_ca_pem`](super::RegistryClient::with_root_ca_pem).
//! Connections time out after [`DEFAULT_CONNECT_TIMEOUT`](super::DEFAULT_CONNECT_TIMEOUT),
//! whole requests after [`DEFAULT_REQUEST_TIMEOUT`](super::DEFAULT_REQUEST_TIMEOUT)
//! (see [`RegistryClient::with_timeouts`](super::RegistryClient::with_timeouts));
//! redirects are followed up to five times.

use std::time::Duration;

use eyre::{bail, eyre};

use super::failure::error_chain;

/// The CA certificates in `pem` (one or more PEM `CERTIFICATE` blocks),
/// for the registry `host` (which the errors name).
pub(super) fn parse_root_cas(pem: &[u8], host: &str) -> eyre::Result<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| eyre!("the CA certificate for {host} is not valid PEM: {e}"))?;
    if certs.is_empty() {
        bail!(
            "the CA certificate for {host} holds no `-----BEGIN CERTIFICATE-----` block: pass \
             the CA's certificate in PEM form."
        );
    }
    Ok(certs)
}

/// The HTTP client: HTTPS trusting the roots above plus `roots`, with
/// these timeouts.
pub(super) fn build_http(
    roots: &[reqwest::Certificate],
    connect: Duration,
    request: Duration,
) -> eyre::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(concat!("blumeops-ci/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect)
        .timeout(request)
        .redirect(reqwest::redirect::Policy::limited(5));
    for root in roots {
        builder = builder.add_root_certificate(root.clone());
    }
    builder
        .build()
        .map_err(|e| eyre!("could not set up the HTTP client: {}", error_chain(&e)))
}
