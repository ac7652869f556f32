//! The retry policy, in one place ([`retry_delay`], which says what is
//! retried and why), and the loop that applies it ([`send`]), which the
//! client runs for every request it makes, token requests included. A
//! leaf: it takes the request to send as a closure.
//! Only reads are ever sent again, and only after a failure that says
//! nothing about the request itself (a registry restarting, a proxy in
//! front of one that is down); an error after retries says how many
//! attempts were made.

use std::time::Duration;

use reqwest::{Method, Response, StatusCode};

use super::failure::Failure;

/// The pauses before the second and third attempt of a request that may be
/// retried (see `retry_delay`): three attempts at most, about a second
/// and a quarter of waiting in all.
pub const RETRY_BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];

/// Sends the request `build` makes, and sends it again after a pause while
/// [`retry_delay`] allows: the last answer (whatever its status) and how
/// many attempts were made, or the last transport failure and the count.
pub(super) async fn send(
    method: &Method,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<(Response, usize), (reqwest::Error, usize)> {
    let mut attempt = 1;
    loop {
        let result = build().send().await;
        let outcome = match &result {
            Ok(response) => Outcome::Answer(response.status()),
            Err(e) => Outcome::Failed(Failure::of(e)),
        };
        let Some(delay) = retry_delay(method, outcome, attempt) else {
            return match result {
                Ok(response) => Ok((response, attempt)),
                Err(e) => Err((e, attempt)),
            };
        };
        drop(result);
        tokio::time::sleep(delay).await;
        attempt += 1;
    }
}

/// What one attempt of a request came to, as [`retry_delay`] judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// An answer, with its status.
    Answer(StatusCode),
    /// No answer.
    Failed(Failure),
}

/// The retry policy of the client, in one place: the pause before sending
/// a request again after its `attempt`-th attempt (1 for the first) came to
/// `outcome`, or `None` when that outcome is final.
///
/// Only reads (`GET`, `HEAD`) are sent again, and only after a failure that
/// says nothing about the request itself: a connection refused, dropped or
/// not made (a registry restarting), or a `502`/`503`/`504` (a proxy in
/// front of a registry that is down), at most [`RETRY_BACKOFF`]`.len()`
/// times. Never after `401`/`403` (a login question, answered by `send`),
/// `404`, `500` or any other answer, a timeout (a slow registry would be
/// waited for again, for nothing), or a TLS or DNS failure.
fn retry_delay(method: &Method, outcome: Outcome, attempt: usize) -> Option<Duration> {
    let read = *method == Method::GET || *method == Method::HEAD;
    let transient = match outcome {
        Outcome::Answer(status) => matches!(
            status,
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
        ),
        Outcome::Failed(failure) => matches!(
            failure,
            Failure::Refused | Failure::Dropped | Failure::Connect
        ),
    };
    if !read || !transient {
        return None;
    }
    RETRY_BACKOFF.get(attempt.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::failure::tried;

    #[test]
    fn only_reads_are_retried_and_only_after_transient_failures() {
        let first = Some(RETRY_BACKOFF[0]);
        for method in [Method::GET, Method::HEAD] {
            for status in [
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ] {
                assert_eq!(retry_delay(&method, Outcome::Answer(status), 1), first);
            }
            for failure in [Failure::Refused, Failure::Dropped, Failure::Connect] {
                assert_eq!(retry_delay(&method, Outcome::Failed(failure), 1), first);
            }
            // Final at once: answers about the request, and failures that
            // another attempt would only repeat (or wait for again).
            for status in [
                StatusCode::OK,
                StatusCode::NOT_FOUND,
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::NOT_IMPLEMENTED,
            ] {
                assert_eq!(
                    retry_delay(&method, Outcome::Answer(status), 1),
                    None,
                    "{status}"
                );
            }
            for failure in [
                Failure::ConnectTimeout,
                Failure::Timeout,
                Failure::Certificate,
                Failure::Tls,
                Failure::Dns,
                Failure::Other,
            ] {
                assert_eq!(
                    retry_delay(&method, Outcome::Failed(failure), 1),
                    None,
                    "{failure:?}"
                );
            }
        }
        // Writes are never sent twice, whatever happened.
        for method in [Method::PUT, Method::POST, Method::PATCH, Method::DELETE] {
            assert_eq!(
                retry_delay(&method, Outcome::Answer(StatusCode::SERVICE_UNAVAILABLE), 1),
                None
            );
            assert_eq!(
                retry_delay(&method, Outcome::Failed(Failure::Refused), 1),
                None
            );
        }
    }

    #[test]
    fn retries_are_few_with_a_growing_pause() {
        let refused = Outcome::Failed(Failure::Refused);
        let pauses: Vec<Duration> = (1..)
            .map_while(|attempt| retry_delay(&Method::GET, refused, attempt))
            .collect();
        assert_eq!(pauses, RETRY_BACKOFF);
        assert!(pauses.len() <= 3 && pauses.windows(2).all(|w| w[0] < w[1]));
        assert!(pauses.iter().sum::<Duration>() <= Duration::from_secs(2));
        assert_eq!(retry_delay(&Method::GET, refused, 0), None);
        assert_eq!(tried(1), "");
        assert_eq!(tried(3), " (tried 3 times)");
    }
}
