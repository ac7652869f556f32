//! A `default.nix`'s own `version = "<version>";` binding, and the
//! `tag = "<version>";` it gives its image ([`image_tag`]): the first steps
//! of the rule for a Nix image's version ([`crate::core::version::nix_image`]).
//!
//! [`nix_version`] reads the file with a small Nix lexer rather than a
//! pattern: it skips `#` and `/* */` comments and the contents of strings
//! (with their `${…}` interpolations, nested to any depth), so only a real
//! binding counts. One forward scan, so linear in the size of the file.

use crate::core::version::normalize::tag_version;

/// The first `version = "<value>";` binding of a Nix file whose value is a
/// plain string literal: `"…"` with no `${…}` interpolation (escapes such as
/// `\"` are decoded). A binding whose value is anything else (an
/// interpolated string, an indented `''…''` string, an expression) is
/// skipped, and a later one may count.
///
/// Only a binding counts: `version` must start the attribute path, right
/// after `{`, `;` or `let`, and be followed by a single `=`. So `pversion =`,
/// `my-version =`, `version.x =`, `x.version =`, `inherit version;`,
/// `{ version ? "1" }:` and `version == "1"` do not, nor anything inside a
/// comment or a string.
pub fn nix_version(text: &str) -> Option<String> {
    binding(text, "version")
}

/// The version the image's tag stands for: the first `tag = "<value>";`
/// binding (`dockerTools.buildImage { tag = "0.1.2"; ... }`, nix2container's
/// alike), read as [`nix_version`] reads `version`, unless that tag is no
/// version (`latest`, see [`tag_version`]). Without a `tag`, the builders
/// tag an image with a content hash, which is no version either.
pub fn image_tag(text: &str) -> Option<String> {
    binding(text, "tag").filter(|tag| tag_version(tag).is_some())
}

/// The first plain `<name> = "<value>";` binding of a Nix file.
fn binding(text: &str, name: &str) -> Option<String> {
    let mut matcher = Matcher::default();
    let mut found = None;
    lex(text, |token| {
        found = matcher.feed(token, name);
        found.is_some()
    });
    found
}

/// The tokens the version binding is made of; everything else is `Other`.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Ident(&'a str),
    LBrace,
    Semicolon,
    /// A single `=` (not `==`, `!=`, `<=`, `>=`).
    Assign,
    /// A string: `Some(value)` for a plain `"…"` string, `None` for any
    /// other (reported when it is seen to be one).
    Str(Option<String>),
    Other,
}

/// Recognizes `[{ ; let] version = "<plain>" ;` in the token stream.
#[derive(Default)]
struct Matcher {
    state: State,
    /// The previous token may be followed by a binding.
    at_binding: bool,
}

#[derive(Default)]
enum State {
    #[default]
    Idle,
    WantAssign,
    WantString,
    WantSemicolon(String),
}

impl Matcher {
    fn feed(&mut self, token: Token<'_>, name: &str) -> Option<String> {
        let state = std::mem::take(&mut self.state);
        self.state = match (state, &token) {
            (State::WantAssign, Token::Assign) => State::WantString,
            (State::WantString, Token::Str(Some(value))) => State::WantSemicolon(value.clone()),
            (State::WantSemicolon(value), Token::Semicolon) => return Some(value),
            _ if self.at_binding && token == Token::Ident(name) => State::WantAssign,
            _ => State::Idle,
        };
        self.at_binding = matches!(
            token,
            Token::LBrace | Token::Semicolon | Token::Ident("let")
        );
        None
    }
}

/// Where the lexer is: in code (with the depth of `{` opened in it), or in
/// a string.
enum Mode {
    Code {
        depth: usize,
    },
    /// A `"…"` string; `value` is its text while it is still plain.
    Str {
        value: Option<String>,
    },
    /// A `''…''` string.
    IndStr,
}

/// Calls `emit` with each token of `text`, until it returns `true`.
/// Unterminated comments and strings end the scan.
fn lex(text: &str, mut emit: impl FnMut(Token<'_>) -> bool) {
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut modes = vec![Mode::Code { depth: 0 }];
    let mut i = 0;
    while i < bytes.len() {
        let Some(mode) = modes.last_mut() else { return };
        let b = bytes[i];
        match mode {
            Mode::Code { depth } => {
                let mut token = Token::Other;
                match b {
                    b'#' => {
                        i = memchr(bytes, b'\n', i).unwrap_or(bytes.len());
                        continue;
                    }
                    b'/' if at(i + 1) == Some(b'*') => {
                        let Some(end) = find(bytes, b"*/", i + 2) else {
                            return;
                        };
                        i = end + 2;
                        continue;
                    }
                    b if b.is_ascii_whitespace() => {
                        i += 1;
                        continue;
                    }
                    b if b.is_ascii_alphabetic() || b == b'_' => {
                        let start = i;
                        while at(i).is_some_and(|c| {
                            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'\'' | b'-')
                        }) {
                            i += 1;
                        }
                        if emit(Token::Ident(&text[start..i])) {
                            return;
                        }
                        continue;
                    }
                    b'"' => {
                        modes.push(Mode::Str {
                            value: Some(String::new()),
                        });
                        i += 1;
                        continue;
                    }
                    b'\'' if at(i + 1) == Some(b'\'') => {
                        modes.push(Mode::IndStr);
                        i += 2;
                        continue;
                    }
                    b'{' => {
                        *depth += 1;
                        token = Token::LBrace;
                    }
                    b'$' if at(i + 1) == Some(b'{') => {
                        *depth += 1;
                        i += 1;
                        token = Token::LBrace;
                    }
                    b'}' => {
                        if *depth == 0 {
                            // The end of a `${…}` in a string.
                            modes.pop();
                            i += 1;
                            continue;
                        }
                        *depth -= 1;
                    }
                    b';' => token = Token::Semicolon,
                    b'=' if at(i + 1) == Some(b'=') => i += 1,
                    b'=' => token = Token::Assign,
                    b'!' | b'<' | b'>' if at(i + 1) == Some(b'=') => i += 1,
                    _ => {}
                }
                i += 1;
                if emit(token) {
                    return;
                }
            }
            Mode::Str { value } => match b {
                b'"' => {
                    let value = value.take();
                    modes.pop();
                    i += 1;
                    if value.is_some() && emit(Token::Str(value)) {
                        return;
                    }
                }
                b'\\' => {
                    let Some(c) = text[i + 1..].chars().next() else {
                        return;
                    };
                    if let Some(v) = value {
                        v.push(match c {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            c => c,
                        });
                    }
                    i += 1 + c.len_utf8();
                }
                b'$' if at(i + 1) == Some(b'{') => {
                    let was_plain = value.take().is_some();
                    modes.push(Mode::Code { depth: 0 });
                    i += 2;
                    if was_plain && emit(Token::Str(None)) {
                        return;
                    }
                }
                _ => {
                    // `$` followed by anything but `{`, `"` or `\` is two
                    // literal characters (so `$${` is not an interpolation).
                    let len = match (b, at(i + 1)) {
                        (b'$', Some(n)) if !matches!(n, b'{' | b'"' | b'\\') => {
                            1 + char_len(text, i + 1)
                        }
                        _ => char_len(text, i),
                    };
                    if let Some(v) = value {
                        v.push_str(&text[i..i + len]);
                    }
                    i += len;
                }
            },
            Mode::IndStr => match (b, at(i + 1), at(i + 2)) {
                // `''$`, `'''`: escaped `$` and `''`; `''\x`: an escape.
                (b'\'', Some(b'\''), Some(b'$' | b'\'')) => i += 3,
                (b'\'', Some(b'\''), Some(b'\\')) => {
                    let Some(c) = text.get(i + 3..).and_then(|s| s.chars().next()) else {
                        return;
                    };
                    i += 3 + c.len_utf8();
                }
                (b'\'', Some(b'\''), _) => {
                    modes.pop();
                    i += 2;
                    if emit(Token::Str(None)) {
                        return;
                    }
                }
                (b'$', Some(b'{'), _) => {
                    modes.push(Mode::Code { depth: 0 });
                    i += 2;
                }
                (b'$', Some(n), _) if n != b'\'' => i += 1 + char_len(text, i + 1),
                _ => i += char_len(text, i),
            },
        }
    }
}

/// The length in bytes of the character at byte `i` of `text` (which is a
/// character boundary).
fn char_len(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(1, char::len_utf8)
}

/// The first `needle` in `bytes` at or after `from`.
fn memchr(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|&b| b == needle)
        .map(|p| from + p)
}

/// The first `needle` (two bytes) in `bytes` at or after `from`.
fn find(bytes: &[u8], needle: &[u8; 2], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(2)
        .position(|w| w == needle)
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NTFY_NIX: &str = include_str!("../../../containers/ntfy/default.nix");
    const NTFY_DOCKERFILE: &str = include_str!("../../../containers/ntfy/Dockerfile");
    const NETTEST_NIX: &str = include_str!("../../../containers/nettest/default.nix");
    const JQ_NIX: &str = include_str!("../../../containers/jq/default.nix");

    // The example containers of this repository.

    #[test]
    fn reads_every_example_default_nix() {
        assert_eq!(nix_version(NTFY_NIX).as_deref(), Some("2.14.0"));
        assert_eq!(nix_version(NETTEST_NIX), None);
        assert_eq!(nix_version(JQ_NIX), None);
    }

    #[test]
    fn ntfy_agrees_with_its_dockerfile() {
        let from_dockerfile =
            super::super::dockerfile::app_version(NTFY_DOCKERFILE, "containers/ntfy/Dockerfile")
                .unwrap();
        assert_eq!(nix_version(NTFY_NIX), Some(from_dockerfile));
    }

    // What a binding is.

    #[test]
    fn any_indentation_and_let_blocks() {
        assert_eq!(
            nix_version("let\n  version = \"1.2.3\";\nin { }").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(nix_version("let version=\"1\";in 1").as_deref(), Some("1"));
        assert_eq!(
            nix_version("{\n\t\tversion   =   \"2\"  ;\n}").as_deref(),
            Some("2")
        );
        assert_eq!(
            nix_version("rec { a = 1; version = \"3\"; }").as_deref(),
            Some("3")
        );
        assert_eq!(
            nix_version("{ version /* c */ = # c\n \"4\" ; }").as_deref(),
            Some("4")
        );
    }

    #[test]
    fn only_a_binding_of_version_itself() {
        for text in [
            "{ pversion = \"1\"; }",
            "{ my-version = \"1\"; }",
            "{ version' = \"1\"; }",
            "{ version.x = \"1\"; }",
            "{ x.version = \"1\"; }",
            "{ inherit version; }",
            "{ version ? \"1\" }: { }",
            "{ a = version == \"1\"; }",
            "{ version = \"1\" + \"2\"; }",
            "{ version = \"1\" }",
            "{ version = x; }",
            "version = \"1\";",
        ] {
            assert_eq!(nix_version(text), None, "{text}");
        }
    }

    #[test]
    fn an_interpolated_string_is_skipped_for_a_later_plain_one() {
        assert_eq!(
            nix_version("let base = \"1\"; version = \"${base}.2\"; in { }"),
            None
        );
        let text = "{ a = { version = \"${x}\"; }; b = { version = \"5.0\"; }; }";
        assert_eq!(nix_version(text).as_deref(), Some("5.0"));
        assert_eq!(
            nix_version("{ version = ''1.0''; x = { version = \"2\"; }; }").as_deref(),
            Some("2")
        );
    }

    #[test]
    fn comments_and_strings_do_not_count() {
        assert_eq!(
            nix_version("# version = \"9\";\n{ version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("/* { version = \"9\"; } */ { version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("{ a = \"; version = \\\"9\\\";\"; version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("{ a = '' ; version = \"9\"; ''; version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("{ a = ''x '''; version = \"9\"; ''$ y''; version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("{ a = \"${ \"}\" }; version = \\\"9\\\";\"; version = \"1\"; }")
                .as_deref(),
            Some("1")
        );
        assert_eq!(nix_version("{ /* unterminated version = \"1\"; }"), None);
        // A `/` that starts no comment (a path, a division) is code.
        assert_eq!(
            nix_version("{ src = ./src; n = 4 / 2; version = \"1\"; }").as_deref(),
            Some("1")
        );
        // `<`, `>` and `!` swallow only an `=` after them: the `;` after a
        // `<nixpkgs>` path still ends its binding.
        assert_eq!(
            nix_version("{ pkgs = import <nixpkgs>; version = \"1\"; }").as_deref(),
            Some("1")
        );
        assert_eq!(
            nix_version("{ ok = !x; version = \"1\"; }").as_deref(),
            Some("1")
        );
    }

    #[test]
    fn the_image_tag_is_a_plain_tag_binding() {
        let image = "{ pkgs, ... }:\npkgs.dockerTools.buildImage {\n  name = \"ollama\";\n  \
                     tag = \"0.1.2\";\n}\n";
        assert_eq!(image_tag(image).as_deref(), Some("0.1.2"));
        assert_eq!(nix_version(image), None);
        // Not a version: latest, a tag that is no plain string, no binding.
        for none in [
            "{ tag = \"latest\"; }",
            "{ tag = \"v${version}\"; }",
            "{ tag = version; }",
            "{ imageTag = \"1\"; finalImageTag = \"3.19\"; }",
            "{ x.tag = \"1\"; }",
            "# tag = \"1\";\n{ }",
        ] {
            assert_eq!(image_tag(none), None, "{none}");
        }
    }

    #[test]
    fn bindings_inside_interpolations_are_bindings() {
        assert_eq!(
            nix_version("{ a = \"${ { version = \"7\"; }.version }\"; }").as_deref(),
            Some("7")
        );
    }

    #[test]
    fn braces_are_counted_so_an_interpolation_ends_at_its_own_brace() {
        // `${…}` in code (an attribute name) opens a brace like `{`.
        assert_eq!(
            nix_version("{ ${\"a\"} = 1; version = \"1\"; }").as_deref(),
            Some("1")
        );
        // Inside an interpolation, the braces of an attribute set (with a
        // `${…}` name of its own) close before the interpolation does, and
        // what follows it is string text again, not a binding.
        for text in [
            "{ a = \"${ { b = \"c\"; }.b } version = 9;\"; version = \"1\"; }",
            "{ a = \"${ { ${\"k\"} = \"v\"; }.k } version = 9;\"; version = \"1\"; }",
            r#"{ a = "${ { ${"k"} = "v"; }.k + ''" version = "9"; ''}"; version = "1"; }"#,
        ] {
            assert_eq!(nix_version(text).as_deref(), Some("1"), "{text}");
        }
    }

    #[test]
    fn strings_end_only_at_their_own_closing_quotes() {
        for text in [
            // In "…": a `$` before `"` or `\` is a character of its own.
            r#"{ a = "5$"; version = "1"; }"#,
            r#"{ a = "$\"x"; version = "1"; }"#,
            // In ''…'': the escapes `'''`, `''$` and `''\x`, anywhere.
            r#"{ a = ''0123456789 ''' ''\n ''$ x''; version = "1"; }"#,
            r#"{ a = '' x ''\n y; version = "9"; ''; version = "1"; }"#,
            // `''\` escapes the one character after it, `'` or `é` alike.
            r#"{ a = '' x ''\'' version = "9"; ''; version = "1"; }"#,
            r#"{ a = ''abc''\é''; version = "1"; }"#,
            // An interpolation whose own string holds `''`.
            r#"{ a = '' ${ "''" } ''; version = "1"; }"#,
            // `$` before the closing `''`, and `$${`, which is no interpolation.
            r#"{ a = ''5$''; version = "1"; }"#,
            r#"{ a = '' $${ { version = "9"; }.version } ''; version = "1"; }"#,
        ] {
            assert_eq!(nix_version(text).as_deref(), Some("1"), "{text}");
        }
    }

    #[test]
    fn escapes_in_the_value_are_decoded() {
        assert_eq!(
            nix_version("{ version = \"1\\\"2\"; }").as_deref(),
            Some("1\"2")
        );
        assert_eq!(
            nix_version("{ version = \"1$$2\"; }").as_deref(),
            Some("1$$2")
        );
        assert_eq!(
            nix_version("{ version = \"$${x}\"; }").as_deref(),
            Some("$${x}")
        );
        assert_eq!(
            nix_version("{ version = \"\\${x}\"; }").as_deref(),
            Some("${x}")
        );
        assert_eq!(nix_version("{ version = \"é\"; }").as_deref(), Some("é"));
    }

    // Size.

    #[test]
    fn ten_megabytes() {
        let text = format!("{}{{ version = \"1\"; }}", "# comment\n".repeat(1_000_000));
        assert_eq!(nix_version(&text).as_deref(), Some("1"));
        let text = format!("{{ a = \"{}\"; version = \"2\"; }}", "x".repeat(10_000_000));
        assert_eq!(nix_version(&text).as_deref(), Some("2"));
        let text = "\"${".repeat(3_000_000);
        assert_eq!(nix_version(&text), None);
        let text = "/*".repeat(5_000_000);
        assert_eq!(nix_version(&text), None);
        let text = "{ version = x; ".repeat(700_000);
        assert_eq!(nix_version(&text), None);
    }

    fn nix_pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "version", "=", "\"", "''", "'", "${", "}", "{", ";", " ", "\n", "#", "/*", "*/", "\\",
            "$", "1.0", "let", "in", "é", "==", ".",
        ]);
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics(text in ".*") {
            let _ = nix_version(&text);
        }

        #[test]
        fn never_panics_on_nix_like_text(text in nix_pieces()) {
            let _ = nix_version(&text);
        }

        #[test]
        fn reads_back_any_plain_version(
            version in "[0-9A-Za-z_.+-]{1,30}",
            before in prop::collection::vec(prop::sample::select(vec![
                "# version = \"0\";\n", "/* version = \"0\"; */", "a = \"${b}\";", "x.version = \"0\";",
                "s = ''\n  version = \"0\";\n'';", "inherit version;", "c = { d = 1; };",
            ]), 0..6),
        ) {
            let text = format!("let\n  {}\n  version = \"{version}\";\nin {{ version = \"other\"; }}", before.concat());
            prop_assert_eq!(nix_version(&text), Some(version));
        }
    }
}
