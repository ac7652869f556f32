//! The registry login ([`Credentials`]) and what the client learned about
//! the registry's authentication ([`AuthCache`]). A leaf: the client holds
//! both, the challenge flow ([`super::auth`]) uses them. The password is
//! read only in this file, and never appears in an error, a log line or
//! `Debug` output.

use std::collections::HashMap;
use std::fmt;

use reqwest::RequestBuilder;

/// A registry login. `Debug` shows the username only; the password is
/// readable only inside this file (`Credentials::sign`).
#[derive(Clone)]
pub struct Credentials {
    username: String,
    password: String,
}

impl Credentials {
    /// A username and its password (or access token).
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The username, as errors name it.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// `request` with this login as its Basic `Authorization`.
    pub(super) fn sign(&self, request: RequestBuilder) -> RequestBuilder {
        request.basic_auth(&self.username, Some(&self.password))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// What the client learned about the registry's authentication.
#[derive(Default)]
pub(super) struct AuthCache {
    /// The registry asked for Basic auth: send the credentials up front.
    pub(super) basic: bool,
    /// Bearer tokens, by scope.
    pub(super) tokens: HashMap<String, String>,
}
