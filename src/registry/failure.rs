//! Why a request got no answer, and what the client says about it:
//! [`Failure`] tells transport failures apart (refused, dropped, timed
//! out, TLS, certificate, DNS) for the retry policy and for the error
//! message, which [`transport_error`] writes for the person at the terminal.
//! A leaf: it takes what it describes as plain data, and the client uses it.

use std::time::Duration;

use eyre::eyre;
use reqwest::Url;

/// What a failed request was, for its message.
pub(super) struct Attempt<'a> {
    /// What was being done, as an error starts: `checking <image>`.
    pub action: &'a str,
    /// The registry host (`--registry`).
    pub registry: &'a str,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

/// A transport failure of `attempt`, said for the person at the terminal,
/// after `attempts` attempts.
pub(super) fn transport_error(
    attempt: &Attempt<'_>,
    url: &Url,
    err: &reqwest::Error,
    attempts: usize,
) -> eyre::Report {
    // The causes under reqwest's own message (which holds the URL).
    let causes = std::error::Error::source(err).map_or_else(|| err.to_string(), error_chain);
    let cause = root_cause(err);
    let host = url.host_str().unwrap_or_default();
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let (action, registry) = (attempt.action, attempt.registry);
    let tried = tried(attempts);
    match Failure::of(err) {
        failure @ (Failure::ConnectTimeout | Failure::Timeout) => {
            let (what, after) = if failure == Failure::ConnectTimeout {
                ("connecting to", attempt.connect_timeout)
            } else {
                ("waiting for", attempt.request_timeout)
            };
            eyre!(
                "{action} failed: timed out after {}s {what} {host}{tried}. Is the registry \
                     up and reachable from here, and is --registry={registry} right?",
                after.as_secs_f32()
            )
        }
        Failure::Refused => eyre!(
            "{action} failed: could not connect to {host}: connection refused{tried}. Is \
                 the registry running, and is --registry={registry} right?"
        ),
        Failure::Certificate => eyre!(
            "{action} failed: TLS failure: certificate not trusted: {host}'s certificate \
                 was rejected ({cause}). The client trusts the system's CAs (in a Dagger call, \
                 the engine's) and the public Mozilla roots; if a private CA signed the \
                 registry's certificate, pass that CA with --registry-ca. Check also that \
                 --registry={registry} names the host the certificate is for."
        ),
        Failure::Tls => eyre!(
            "{action} failed: TLS failure talking to {host} ({cause}). Is it a plain-HTTP \
                 registry? The client speaks HTTPS unless told to use plain HTTP."
        ),
        Failure::Dns => eyre!(
            "{action} failed: could not resolve the host {host} ({cause}). Is \
                 --registry={registry} spelled right?"
        ),
        Failure::Dropped => eyre!(
            "{action} failed: {host} closed the connection before it answered ({cause}){tried}. \
                 Is the registry running (or restarting)? Try again in a moment, or look at its \
                 logs."
        ),
        Failure::Connect => eyre!(
            "{action} failed: could not connect to {host}{tried} ({causes}). Is the \
                 registry running and reachable, and is --registry={registry} right?"
        ),
        Failure::Other => eyre!(
            "{action} failed: the request to {url} failed: {causes}. Is \
                 --registry={registry} an OCI registry, reachable from here?"
        ),
    }
}

/// ` (tried N times)` after more than one attempt, for error messages.
pub(super) fn tried(attempts: usize) -> String {
    if attempts > 1 {
        format!(" (tried {attempts} times)")
    } else {
        String::new()
    }
}

/// Why a request got no answer, as the client tells failures apart (for
/// its messages and for the retry policy, `retry_delay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// No (whole) answer within the request timeout.
    Timeout,
    /// Nothing listens on the port.
    Refused,
    /// The server's certificate was not trusted.
    Certificate,
    /// Any other TLS failure (often: HTTPS to a plain-HTTP server).
    Tls,
    /// The host name does not resolve.
    Dns,
    /// The connection was reset or closed before an answer.
    Dropped,
    /// Any other failure to connect.
    Connect,
    /// Anything else (an answer that is not HTTP, ...).
    Other,
}

impl Failure {
    /// How `err` failed.
    pub(super) fn of(err: &reqwest::Error) -> Failure {
        Failure::classify(&Signs {
            timeout: err.is_timeout(),
            connect: err.is_connect(),
            io: io_kind(err),
            chain: &error_chain(err),
        })
    }

    /// The rule: how a failure that shows `signs` failed. The words come
    /// from the messages of hyper, rustls and the resolver.
    fn classify(signs: &Signs<'_>) -> Failure {
        use std::io::ErrorKind;
        let lower = signs.chain.to_ascii_lowercase();
        if signs.timeout {
            return if signs.connect {
                Failure::ConnectTimeout
            } else {
                Failure::Timeout
            };
        }
        let io = signs.io;
        if io == Some(ErrorKind::ConnectionRefused) {
            Failure::Refused
        } else if lower.contains("certificate") {
            Failure::Certificate
        } else if lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("corrupt message")
        {
            Failure::Tls
        } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
            Failure::Dns
        } else if matches!(
            io,
            Some(
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            )
        ) || lower.contains("connection closed before message completed")
            // hyper's word for a connection that closed before the request
            // could even be written (the server accepted and hung up).
            || lower.contains("channel closed")
        {
            Failure::Dropped
        } else if signs.connect {
            Failure::Connect
        } else {
            Failure::Other
        }
    }
}

/// What a failed request's error shows, for [`Failure::classify`].
struct Signs<'a> {
    /// reqwest says it timed out.
    timeout: bool,
    /// reqwest says it failed while connecting.
    connect: bool,
    /// The `io::ErrorKind` among its causes.
    io: Option<std::io::ErrorKind>,
    /// The error and its causes ([`error_chain`]).
    chain: &'a str,
}

/// An error and its causes, `: `-joined, repeats dropped.
pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// The innermost cause of an error (`invalid peer certificate: UnknownIssuer`).
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// The `io::ErrorKind` somewhere in an error's causes.
pub(super) fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::trust::build_http;
    use super::*;

    #[tokio::test]
    async fn transport_failures_are_told_apart() {
        // Nothing listens on a port just released: refused, retried.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let http = build_http(&[], Duration::from_secs(2), Duration::from_secs(2)).unwrap();
        let err = http
            .get(format!("http://127.0.0.1:{port}/v2/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(Failure::of(&err), Failure::Refused);
        // A server that accepts and closes without a word: dropped, retried.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let closer = std::thread::spawn(move || drop(listener.accept()));
        let err = http
            .get(format!("http://{addr}/v2/"))
            .send()
            .await
            .unwrap_err();
        closer.join().unwrap();
        assert_eq!(Failure::of(&err), Failure::Dropped, "{}", error_chain(&err));
        // A name that does not resolve.
        let err = http
            .get("http://registry.invalid/v2/")
            .send()
            .await
            .unwrap_err();
        assert_eq!(Failure::of(&err), Failure::Dns, "{}", error_chain(&err));
    }

    #[test]
    fn each_sign_of_a_failure_is_enough_on_its_own() {
        use std::io::ErrorKind;
        let of = |timeout, connect, io, chain| {
            Failure::classify(&Signs {
                timeout,
                connect,
                io,
                chain,
            })
        };
        let text = |chain| of(false, false, None, chain);
        assert_eq!(of(true, true, None, ""), Failure::ConnectTimeout);
        assert_eq!(of(true, false, None, ""), Failure::Timeout);
        assert_eq!(
            of(false, true, Some(ErrorKind::ConnectionRefused), ""),
            Failure::Refused
        );
        assert_eq!(
            text("invalid peer certificate: UnknownIssuer"),
            Failure::Certificate
        );
        // Any one of the TLS words (rustls and hyper-rustls phrasings).
        for chain in [
            "received corrupt message of type InvalidContentType",
            "tls handshake eof",
            "received fatal alert: HandshakeFailure",
            "tls connection init failed",
        ] {
            assert_eq!(text(chain), Failure::Tls, "{chain}");
        }
        // Either of the resolver's phrasings.
        for chain in [
            "dns error: failed to lookup address information: Name or service not known",
            "dns error: no record found for Query",
            "failed to lookup address information: Temporary failure in name resolution",
        ] {
            assert_eq!(text(chain), Failure::Dns, "{chain}");
        }
        // Any sign of a connection closed under the request.
        for kind in [
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionAborted,
            ErrorKind::BrokenPipe,
            ErrorKind::UnexpectedEof,
        ] {
            assert_eq!(
                of(false, false, Some(kind), ""),
                Failure::Dropped,
                "{kind:?}"
            );
        }
        assert_eq!(
            text("connection closed before message completed"),
            Failure::Dropped
        );
        assert_eq!(text("send request: channel closed"), Failure::Dropped);
        assert_eq!(of(false, true, None, "something else"), Failure::Connect);
        assert_eq!(text("invalid HTTP version parsed"), Failure::Other);
    }
}
