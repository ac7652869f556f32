//! The JSON bodies of the registry's answers: a page of a tag list, a token
//! service's answer, and the distribution error body (`{"errors": [...]}`)
//! that error messages quote. Pure functions that never panic, public so
//! that `tests/properties/fuzz.rs` can drive them.

use serde_json::Value;

use crate::core::text::excerpt;

/// The tags of a tag-list page (`{"name": ..., "tags": [...]}`; a `null`
/// or missing `tags` is an empty page).
pub fn parse_tag_list(body: &[u8]) -> Result<Vec<String>, String> {
    let starts = || excerpt(&String::from_utf8_lossy(body));
    let page = json_object(body).map_err(|e| format!("{e}; it starts with `{}`", starts()))?;
    match page.get("tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(tags)) => tags
            .iter()
            .map(|t| match t {
                Value::String(tag) => Ok(tag.clone()),
                other => Err(format!(
                    "`tags` holds {}, not a string; it starts with `{}`",
                    json_kind(other),
                    starts()
                )),
            })
            .collect(),
        Some(other) => Err(format!(
            "`tags` is {}, not a list; it starts with `{}`",
            json_kind(other),
            starts()
        )),
    }
}

/// The token of a token service's answer: `token`, or `access_token`.
pub fn parse_token(body: &[u8]) -> Result<String, String> {
    let not_expected = |e: String| {
        format!(
            "the answer is not the expected JSON: {e}; it starts with `{}`",
            excerpt(&String::from_utf8_lossy(body))
        )
    };
    let answer = json_object(body).map_err(not_expected)?;
    let field = |name: &str| match answer.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(other) => Err(not_expected(format!(
            "`{name}` is {}, not a string",
            json_kind(other)
        ))),
    };
    let (token, access_token) = (field("token")?, field("access_token")?);
    token
        .or(access_token)
        .ok_or_else(|| "the answer has neither `token` nor `access_token`".to_owned())
}

/// `CODE: message` of a distribution error body
/// (`{"errors": [{"code": ..., "message": ...}]}`).
pub fn registry_error(body: &[u8]) -> Option<String> {
    let body = json_object(body).ok()?;
    let first = body.get("errors")?.as_array()?.first()?.as_object()?;
    let text = |name: &str| match first.get(name) {
        None => Some(""),
        Some(value) => value.as_str(),
    };
    Some(format!("{}: {}", text("code")?, text("message")?))
}

/// `body` as a JSON object. (A derived `Deserialize` struct would also
/// take a JSON array of its fields, `[["v1"]]` as a tag list.)
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_slice(body).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        other => Err(format!("it is {}, not a JSON object", json_kind(&other))),
    }
}

/// What a JSON value is, for messages.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What an error response's body says, as `: <summary>` (empty without a
/// body).
pub fn body_summary(body: &[u8]) -> String {
    match registry_error(body) {
        Some(summary) => format!(": {}", excerpt(&summary)),
        None if body.iter().all(u8::is_ascii_whitespace) => String::new(),
        None => format!(": {}", excerpt(String::from_utf8_lossy(body).trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tag_lists() {
        assert_eq!(
            parse_tag_list(br#"{"name":"a/b","tags":["v1","latest"]}"#).unwrap(),
            ["v1", "latest"]
        );
        assert!(
            parse_tag_list(br#"{"name":"a/b","tags":null}"#)
                .unwrap()
                .is_empty()
        );
        assert!(parse_tag_list(br#"{"name":"a/b"}"#).unwrap().is_empty());
        let err = parse_tag_list(b"<html>not json</html>").unwrap_err();
        assert!(err.contains("<html>not json"), "{err}");
        assert!(parse_tag_list(br#"{"tags":[1,2]}"#).is_err());
        // Found by tests/properties/fuzz.rs: a derived struct also reads a JSON array.
        let err = parse_tag_list(br#"[["v1"]]"#).unwrap_err();
        assert!(err.contains("it is an array, not a JSON object"), "{err}");
        // The message says what the answer is instead.
        for (body, kind) in [
            ("null", "null"),
            ("true", "a boolean"),
            ("5", "a number"),
            (r#""v1""#, "a string"),
        ] {
            let err = parse_tag_list(body.as_bytes()).unwrap_err();
            assert!(
                err.contains(&format!("it is {kind}, not a JSON object")),
                "{err}"
            );
        }
        assert!(parse_tag_list(br#"{"tags":"v1"}"#).is_err());
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            parse_token(br#"{"token":"t1","expires_in":300}"#).unwrap(),
            "t1"
        );
        assert_eq!(parse_token(br#"{"access_token":"t2"}"#).unwrap(), "t2");
        assert_eq!(
            parse_token(br#"{"token":"","access_token":"t3"}"#).unwrap(),
            "t3"
        );
        assert!(
            parse_token(br#"{"expires_in":300}"#)
                .unwrap_err()
                .contains("neither")
        );
        assert!(
            parse_token(b"nope")
                .unwrap_err()
                .contains("not the expected JSON")
        );
        // Found by tests/properties/fuzz.rs: an array is not a token answer.
        assert!(parse_token(br#"["t1"]"#).is_err());
        assert!(parse_token(br#"[null,"t2"]"#).is_err());
        assert!(parse_token(br#"{"token":5}"#).is_err());
    }

    #[test]
    fn registry_errors_and_summaries() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"a/b"}}]}"#;
        assert_eq!(
            registry_error(body).as_deref(),
            Some("NAME_UNKNOWN: repository name not known to registry")
        );
        assert_eq!(registry_error(b"404 page not found"), None);
        // Found by tests/properties/fuzz.rs: arrays are not error bodies.
        assert_eq!(registry_error(br#"[[["CODE","msg"]]]"#), None);
        assert_eq!(registry_error(br#"{"errors":[["CODE","msg"]]}"#), None);
        assert_eq!(
            registry_error(br#"{"errors":[{"code":"DENIED"}]}"#).as_deref(),
            Some("DENIED: ")
        );
        assert_eq!(body_summary(b""), "");
        assert_eq!(body_summary(b"oops\n"), ": oops");
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = parse_tag_list(&bytes);
            let _ = parse_token(&bytes);
            let _ = registry_error(&bytes);
            let _ = body_summary(&bytes);
        }
    }
}
