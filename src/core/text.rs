//! How user input, and other messages, appear inside an error message.

/// The longest excerpt of user input an error message shows.
const MAX_EXCERPT: usize = 80;

/// `s` as an error message quotes it: control characters and quotes
/// escaped (a newline shows as `\n`), cut to 80 characters with `...`.
pub fn excerpt(s: &str) -> String {
    let escaped: String = s.escape_debug().take(MAX_EXCERPT + 1).collect();
    if escaped.chars().count() > MAX_EXCERPT {
        format!(
            "{}...",
            escaped.chars().take(MAX_EXCERPT - 3).collect::<String>()
        )
    } else {
        escaped
    }
}

/// The first line of `text` (empty for empty text): the summary of a
/// message where only one line fits (a table cell, a log line).
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn escapes_and_cuts() {
        assert_eq!(excerpt("a\nb"), "a\\nb");
        let long = excerpt(&"x".repeat(10_000));
        assert_eq!(long.len(), 80);
        assert!(long.ends_with("..."));
        // 80 characters fit whole; the 81st cuts them to 77 and `...`.
        let fits = "y".repeat(80);
        assert_eq!(excerpt(&fits), fits);
        assert_eq!(excerpt(&"y".repeat(81)), format!("{}...", "y".repeat(77)));
    }
}
