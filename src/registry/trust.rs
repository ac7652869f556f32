//! The HTTP client underneath, and which certificate authorities it
//! trusts.
//!
//! HTTPS trusts, together:
//!
//! - the system's trust store: the file `SSL_CERT_FILE` names when it is
//!   set, else the system's CA bundle (found by openssl-probe, e.g.
//!   `/etc/ssl/certs/ca-certificates.crt`). The Dagger engine installs its
//!   own CAs there in every container it runs, the module's included, so
//!   the client trusts the registries the engine pushes to;
//! - the Mozilla root certificates, built in (webpki roots), for a
//!   container whose store is empty;
//! - any CA given with
//!   [`RegistryClient::with_root_ca_pem`](super::RegistryClient::with_root_ca_pem)
//!   (`--registry-ca`).
//!
//! reqwest loads the first two (its `rustls-tls-native-roots` and
//! `rustls-tls` features, see `Cargo.toml`) each time a client is built.
//! Connections time out after [`DEFAULT_CONNECT_TIMEOUT`](super::DEFAULT_CONNECT_TIMEOUT),
//! whole requests after [`DEFAULT_REQUEST_TIMEOUT`](super::DEFAULT_REQUEST_TIMEOUT)
//! (see [`RegistryClient::with_timeouts`](super::RegistryClient::with_timeouts));
//! redirects are followed up to five times.

use std::time::Duration;

use eyre::{bail, eyre};

use super::failure::{error_chain, io_kind};

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

/// The HTTP client: HTTPS trusting the system's store and the Mozilla
/// roots plus `roots`, with these timeouts. Fails when the system's store
/// cannot be read.
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
    builder.build().map_err(|e| setup_error(&e))
}

/// The error for a client that could not be built, said for the person at
/// the terminal: mostly, a system trust store that could not be read.
fn setup_error(err: &reqwest::Error) -> eyre::Report {
    let why = error_chain(err);
    // Reading files is what the system's store needs, and nothing else here
    // does; reqwest also refuses a store with no usable certificate.
    if io_kind(err).is_none() && !why.contains("native root store") {
        return eyre!("could not set up the HTTP client: {why}");
    }
    // The causes under reqwest's own "builder error".
    let why = std::error::Error::source(err).map_or(why, error_chain);
    match std::env::var_os("SSL_CERT_FILE") {
        Some(file) => eyre!(
            "could not read the system's trusted CA certificates from {}, the file \
             SSL_CERT_FILE names ({why}). Point SSL_CERT_FILE at a PEM bundle of CA \
             certificates, or unset it to use the system's own.",
            std::path::Path::new(&file).display()
        ),
        None => eyre!(
            "could not read the system's trusted CA certificates ({why}). Check the system's \
             CA bundle (e.g. /etc/ssl/certs/ca-certificates.crt, from the ca-certificates \
             package), or name a PEM bundle with SSL_CERT_FILE."
        ),
    }
}
