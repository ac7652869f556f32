//! The two response headers the client reads beyond the status: the
//! challenges of `WWW-Authenticate` (RFC 7235), which say how to log in,
//! and the `rel="next"` target of `Link` (RFC 8288), which leads to the
//! next page of a tag list. Pure, lenient parsers that never panic, public
//! so that `tests/properties/fuzz.rs` can drive them.

/// One challenge of a `WWW-Authenticate` header: the scheme (lowercased)
/// and its parameters (names lowercased, values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The first parameter called `name` (lowercase).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The challenges of a `WWW-Authenticate` header value (RFC 7235:
/// `scheme param=value, param="quoted, \"escaped\"", Other ...`). Lenient:
/// what cannot be read is skipped, and it never panics.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let b = header.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip = |i: &mut usize, also_comma: bool| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t' || (also_comma && b[*i] == b',')) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        String::from_utf8_lossy(&b[start..*i]).to_ascii_lowercase()
    };
    loop {
        skip(&mut i, true);
        if i >= b.len() {
            return out;
        }
        let scheme = token(&mut i);
        if scheme.is_empty() {
            i += 1;
            continue;
        }
        let mut challenge = Challenge {
            scheme,
            params: Vec::new(),
        };
        loop {
            let save = i;
            skip(&mut i, true);
            let name = token(&mut i);
            skip(&mut i, false);
            if name.is_empty() || i >= b.len() || b[i] != b'=' {
                i = save;
                break;
            }
            i += 1;
            skip(&mut i, false);
            let value = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut raw = Vec::new();
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    raw.push(b[i]);
                    i += 1;
                }
                i = (i + 1).min(b.len()); // the closing quote, if any
                String::from_utf8_lossy(&raw).into_owned()
            } else {
                let start = i;
                while i < b.len() && !matches!(b[i], b',' | b' ' | b'\t') {
                    i += 1;
                }
                String::from_utf8_lossy(&b[start..i]).into_owned()
            };
            challenge.params.push((name, value));
        }
        out.push(challenge);
    }
}

/// The target of the `rel="next"` link in a `Link` header value
/// (`<url>; rel="next", <url>; rel="prev"`), as written (maybe relative).
pub fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let after = &rest[start + 1..];
        let (target, tail) = after.split_once('>')?;
        let target = target.trim();
        // The link's parameters run to the next comma outside quotes.
        let cut = split_unquoted(tail, ',')[0].len();
        let is_next = split_unquoted(&tail[..cut], ';').iter().any(|param| {
            param.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = &tail[cut..];
    }
}

/// `s` cut at every `sep` that is not inside a double-quoted string
/// (where `\` escapes the next character).
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn challenge(scheme: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            params: params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn challenges_of_real_registries() {
        // Docker Hub / distribution with token auth.
        assert_eq!(
            parse_challenges(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
            ),
            [challenge(
                "bearer",
                &[
                    ("realm", "https://auth.docker.io/token"),
                    ("service", "registry.docker.io"),
                    ("scope", "repository:library/busybox:pull"),
                ]
            )]
        );
        // distribution's htpasswd, zot.
        assert_eq!(
            parse_challenges(r#"Basic realm="Registry Realm""#),
            [challenge("basic", &[("realm", "Registry Realm")])]
        );
        // A token that no longer has the scope.
        let c = parse_challenges(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull",error="insufficient_scope""#,
        );
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
        assert_eq!(c[0].param("scope"), Some("repository:a/b:pull"));
    }

    #[test]
    fn challenge_syntax() {
        // Case-insensitive scheme and names, spaces around `=`, unquoted values.
        assert_eq!(
            parse_challenges("BEARER Realm = https://h/t , Service=reg"),
            [challenge(
                "bearer",
                &[("realm", "https://h/t"), ("service", "reg")]
            )]
        );
        // Commas and escaped quotes inside quoted strings.
        assert_eq!(
            parse_challenges(r#"Bearer realm="a, b",scope="x \"y\" \\z""#),
            [challenge(
                "bearer",
                &[("realm", "a, b"), ("scope", r#"x "y" \z"#)]
            )]
        );
        // Several challenges in one header.
        assert_eq!(
            parse_challenges(r#"Basic realm="r1", Bearer realm="r2",service="s", Negotiate"#),
            [
                challenge("basic", &[("realm", "r1")]),
                challenge("bearer", &[("realm", "r2"), ("service", "s")]),
                challenge("negotiate", &[]),
            ]
        );
        // Unterminated quote: the rest is the value.
        assert_eq!(
            parse_challenges(r#"Bearer realm="abc"#),
            [challenge("bearer", &[("realm", "abc")])]
        );
        // ... also when it ends with a backslash, which escapes nothing.
        assert_eq!(
            parse_challenges(r#"Bearer realm="a\"#),
            [challenge("bearer", &[("realm", r"a\")])]
        );
        // A header that ends after `=`: an empty value.
        assert_eq!(
            parse_challenges("Bearer realm="),
            [challenge("bearer", &[("realm", "")])]
        );
        assert_eq!(parse_challenges(""), []);
        assert_eq!(parse_challenges(" , ,"), []);
        assert_eq!(
            parse_challenges("Bearer realm=\"r\"")
                .first()
                .and_then(|c| c.param("service")),
            None
        );
    }

    #[test]
    fn next_links() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?n=10&last=b>; rel="next""#).as_deref(),
            Some("/v2/a/tags/list?n=10&last=b")
        );
        assert_eq!(
            next_link("<https://r.io/v2/a/tags/list?last=x>;rel=next").as_deref(),
            Some("https://r.io/v2/a/tags/list?last=x")
        );
        assert_eq!(
            next_link(r#"</p1>; rel="prev", </p3>; title="a, b"; rel="last next""#).as_deref(),
            Some("/p3")
        );
        assert_eq!(next_link(r#"</p1>; rel="prev""#), None);
        assert_eq!(next_link(""), None);
        assert_eq!(next_link("<unterminated; rel=next"), None);
        // Found by tests/properties/fuzz.rs: a `;` inside a quoted parameter does not
        // start a parameter.
        assert_eq!(next_link(r#"<a>; title="a, b; rel=next""#), None);
        assert_eq!(
            next_link(r#"<a>; title="x \"; rel=next", <b>; rel=next"#).as_deref(),
            Some("b")
        );
        // Outside quotes a backslash is an ordinary character: the comma
        // after it still ends the first link.
        assert_eq!(
            next_link(r#"<a>; title=x\, <b>; rel=next"#).as_deref(),
            Some("b")
        );
    }

    fn token() -> impl Strategy<Value = String> {
        "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}"
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in ".*") {
            let _ = parse_challenges(&s);
            let _ = next_link(&s);
        }

        #[test]
        fn challenges_round_trip(
            scheme in token(),
            params in proptest::collection::vec((token(), "[^\\x00-\\x1f\\x7f]{0,20}"), 0..5),
            spaced in any::<bool>(),
        ) {
            let rendered: Vec<String> = params
                .iter()
                .map(|(n, v)| {
                    let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
                    if spaced { format!("{n} = \"{escaped}\"") } else { format!("{n}=\"{escaped}\"") }
                })
                .collect();
            let header = format!("{scheme} {}", rendered.join(if spaced { " , " } else { "," }));
            let parsed = parse_challenges(&header);
            let expected = Challenge {
                scheme: scheme.to_ascii_lowercase(),
                params: params.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect(),
            };
            prop_assert_eq!(parsed, vec![expected]);
        }

        #[test]
        fn next_link_finds_the_target(target in "[^<>,\\s]{1,30}", before in any::<bool>()) {
            let header = if before {
                format!("</prev>; rel=\"prev\", <{target}>; rel=\"next\"")
            } else {
                format!("<{target}>; rel=next")
            };
            prop_assert_eq!(next_link(&header), Some(target));
        }
    }
}
