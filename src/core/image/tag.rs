//! What a valid OCI tag is: the grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`,
//! one rule for every tag the module makes or reads.

use std::fmt;

use eyre::bail;

use crate::core::text::excerpt;

/// The OCI distribution spec's limit on a tag's length.
pub const MAX_TAG_LEN: usize = 128;

/// A valid OCI tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Checks `raw` against the OCI tag grammar.
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        match tag_problem(raw) {
            None => Ok(Tag(raw.to_owned())),
            Some(why) => bail!(
                "`{}` is not a valid image tag: {why}. A tag is 1 to {MAX_TAG_LEN} of \
                 A-Z a-z 0-9 _ . -, not starting with . or -.",
                excerpt(raw)
            ),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why `raw` is not an OCI tag, or `None` when it is one.
pub fn tag_problem(raw: &str) -> Option<String> {
    let Some(first) = raw.chars().next() else {
        return Some("it is empty".into());
    };
    if raw.len() > MAX_TAG_LEN {
        return Some(format!("it is {} characters long", raw.len()));
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Some(format!("it starts with `{}`", first.escape_debug()));
    }
    raw.chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .map(|c| format!("it contains `{}`", c.escape_debug()))
}
