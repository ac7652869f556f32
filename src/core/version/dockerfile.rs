//! The app version of a Dockerfile: the value of its first
//! `ARG CONTAINER_APP_VERSION=<version>` that has one, in any stage.
//!
//! The file is read the way BuildKit's Dockerfile frontend reads it
//! (`frontend/dockerfile/parser` and `frontend/dockerfile/shell` of
//! moby/buildkit), so the version found here is the one `docker build` uses:
//!
//! - Parser directives at the very top (``# escape=` ``, `# syntax=…`): only
//!   `escape` changes how the rest is read. A directive after an instruction,
//!   a comment or an empty line is an ordinary comment.
//! - A comment is a line whose first non-blank character is `#`. A `#` later
//!   on a line is an ordinary word: `ARG CONTAINER_APP_VERSION=1 # pinned`
//!   declares `CONTAINER_APP_VERSION=1` and two more ARGs named `#` and
//!   `pinned`, as BuildKit does, so the version is `1`.
//! - Line continuations with the escape character (`\`, or `` ` ``): inside
//!   one, comment lines and blank lines are skipped. Line ends may be CRLF.
//! - Instruction keywords in any case (`ARG`, `arg`, `Arg`); `ONBUILD ARG`
//!   does not count (it runs in another build).
//! - Heredoc bodies (`RUN <<EOF` … `EOF`) are content, not instructions.
//! - ARG words are split as BuildKit splits them, then quotes and escapes are
//!   removed as its shell lexer does: `"1.2"` and `'1.2'` are `1.2`.
//! - An empty value (`ARG CONTAINER_APP_VERSION=` or `=""`) is no value: the
//!   next declaration counts.
//! - A value that needs variable substitution (`${BASE}`, `$BASE`) is an
//!   error: the version is read from the file, not from a build.
//!
//! What this does not do is check the whole file the way a build would. Two
//! known simplifications: lines longer than 64 KiB (which BuildKit rejects)
//! are read like any other, and `$` in a heredoc's opening line is an
//! ordinary character when looking for heredoc words.
//!
//! Every step is a single forward scan, so reading takes time linear in the
//! size of the file.

use eyre::bail;

use crate::core::text::excerpt;

/// The build argument that holds a container's app version.
pub const VERSION_ARG: &str = "CONTAINER_APP_VERSION";

/// The escape character of a Dockerfile without an `escape` directive.
const DEFAULT_ESCAPE: char = '\\';

/// The app version of the Dockerfile `text`: the value of the first
/// `ARG CONTAINER_APP_VERSION=<value>` with a non-empty value. `file` is the
/// file's path in the repository (e.g. `containers/miniflux/Dockerfile`),
/// for the error messages.
pub fn app_version(text: &str, file: &str) -> eyre::Result<String> {
    match scan(text).map_err(|p| p.report(file))? {
        Scan::Found(version) => Ok(version),
        Scan::Missing { declared_bare } => {
            let mut message = format!(
                "{file} has no `ARG {VERSION_ARG}=<version>`. Add one before the first FROM, \
                 e.g. `ARG {VERSION_ARG}=1.2.3`."
            );
            if let Some(line) = declared_bare {
                message.push_str(&format!(
                    "\n(Line {line} declares {VERSION_ARG} without a value, which only takes \
                     the value of an earlier declaration or a --build-arg.)"
                ));
            }
            bail!(message)
        }
    }
}

/// Like [`app_version`], but `Ok(None)` when the file declares no
/// `CONTAINER_APP_VERSION` with a value. Errors only for a Dockerfile that
/// is broken: a version that needs substitution or cannot be read, or a
/// file Docker itself cannot parse before the version is reached.
pub fn declared_app_version(text: &str, file: &str) -> eyre::Result<Option<String>> {
    match scan(text).map_err(|p| p.report(file))? {
        Scan::Found(version) => Ok(Some(version)),
        Scan::Missing { .. } => Ok(None),
    }
}

/// What reading the file found.
enum Scan {
    Found(String),
    /// No declaration with a value; `declared_bare` is the first line that
    /// declares the ARG without one.
    Missing {
        declared_bare: Option<usize>,
    },
}

/// Why a file could not be read, and the line (1-based) where.
struct Problem {
    line: usize,
    kind: ProblemKind,
}

enum ProblemKind {
    Substitution { raw: String },
    UnreadableValue { raw: String, why: &'static str },
    InvalidEscape { value: String },
    DuplicateDirective { name: String },
    UnterminatedHeredoc { name: String },
}

impl Problem {
    fn report(self, file: &str) -> eyre::Report {
        let line = self.line;
        let message = match self.kind {
            ProblemKind::Substitution { raw } => format!(
                "{file} line {line}: `ARG {VERSION_ARG}={}` uses variable substitution, which \
                 is not supported in {VERSION_ARG} itself: the version is read from the file, \
                 without a build.\nWrite the version literally, e.g. `ARG {VERSION_ARG}=1.2.3`; \
                 other ARGs may be derived from it (`ARG APP_VERSION=v${{{VERSION_ARG}}}`).",
                excerpt(&raw)
            ),
            ProblemKind::UnreadableValue { raw, why } => format!(
                "{file} line {line}: the value of {VERSION_ARG}, `{}`, cannot be read: {why}, \
                 so Docker rejects it too.\nWrite the version literally, e.g. \
                 `ARG {VERSION_ARG}=1.2.3`.",
                excerpt(&raw)
            ),
            ProblemKind::InvalidEscape { value } => format!(
                "{file} line {line}: the parser directive `# escape={}` names an escape \
                 character Docker does not accept (only a backslash or a backtick), so Docker \
                 rejects this file.\nWrite `# escape=\\` or `# escape=` followed by a backtick, \
                 or remove the line.",
                excerpt(&value)
            ),
            ProblemKind::DuplicateDirective { name } => format!(
                "{file} line {line}: the parser directive `{name}` is given a second time, so \
                 Docker rejects this file.\nKeep one `# {name}=...` line."
            ),
            ProblemKind::UnterminatedHeredoc { name } => format!(
                "{file} line {line}: the heredoc `<<{0}` is never closed (no later line is \
                 exactly `{0}`), so Docker cannot read the rest of this file.\nEnd the heredoc \
                 with a line `{0}`.",
                excerpt(&name)
            ),
        };
        eyre::eyre!(message)
    }
}

/// Reads the file instruction by instruction (BuildKit's `parser.Parse`),
/// stopping at the first `CONTAINER_APP_VERSION` with a value.
fn scan(text: &str) -> Result<Scan, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    let mut directives = Directives::default();
    let mut declared_bare = None;

    while let Some((start, raw)) = lines.next() {
        let line = trim_newline(raw).trim_start();
        directives
            .parse_line(line)
            .map_err(|kind| Problem { line: start, kind })?;
        if is_comment(line) {
            continue;
        }
        let escape = directives.escape;
        let (first, mut ended) = trim_continuation(line, escape);
        if ended && first.is_empty() {
            continue;
        }

        // The logical line: continuation lines joined, skipping comment
        // lines and blank lines inside the continuation.
        let mut logical = String::from(first);
        while !ended {
            let Some((_, raw)) = lines.next() else { break };
            if is_comment(raw) {
                continue;
            }
            let next = trim_newline(raw);
            if next.trim_start().is_empty() {
                continue;
            }
            let (part, end) = trim_continuation(next, escape);
            logical.push_str(part);
            ended = end;
        }

        let (command, args) = split_command(&logical);
        if command.eq_ignore_ascii_case("arg") {
            if let Some(found) = version_in_arg(args, escape, start, &mut declared_bare)? {
                return Ok(Scan::Found(found));
            }
        } else if logical.contains("<<") && can_contain_heredoc(command, args) {
            for heredoc in heredocs_in(&logical) {
                let closed = lines.by_ref().any(|(_, raw)| {
                    let mut candidate = trim_newline(raw);
                    if heredoc.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    candidate == heredoc.name
                });
                if !closed {
                    return Err(Problem {
                        line: start,
                        kind: ProblemKind::UnterminatedHeredoc { name: heredoc.name },
                    });
                }
            }
        }
    }
    Ok(Scan::Missing { declared_bare })
}

/// The version declared by the arguments of one ARG instruction, if any.
/// Records the first line that declares it without a value.
fn version_in_arg(
    args: &str,
    escape: char,
    line: usize,
    declared_bare: &mut Option<usize>,
) -> Result<Option<String>, Problem> {
    for word in parse_words(args, escape) {
        let (key, value) = match word.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (word.as_str(), None),
        };
        if key.is_empty() || lex_word(key, escape) != Lexed::Literal(VERSION_ARG.to_owned()) {
            continue;
        }
        let Some(value) = value else {
            declared_bare.get_or_insert(line);
            continue;
        };
        match lex_word(value, escape) {
            Lexed::Literal(version) if version.is_empty() => {
                declared_bare.get_or_insert(line);
            }
            Lexed::Literal(version) => return Ok(Some(version)),
            Lexed::Substitution => {
                return Err(Problem {
                    line,
                    kind: ProblemKind::Substitution {
                        raw: value.to_owned(),
                    },
                });
            }
            Lexed::Invalid(why) => {
                return Err(Problem {
                    line,
                    kind: ProblemKind::UnreadableValue {
                        raw: value.to_owned(),
                        why,
                    },
                });
            }
        }
    }
    Ok(None)
}

/// `line` without its line end (every trailing `\r` and `\n`, as BuildKit's
/// `trimNewline`).
fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// A comment line: `#` is its first non-blank character.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The whitespace that separates an instruction from its arguments
/// (BuildKit's `reWhitespace`, `[\t\v\f\r ]`).
fn is_separator(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Go's `\s` in a regular expression.
fn is_go_regex_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// `line` without a trailing line-continuation escape, and whether the
/// instruction ends on this line. The escape continues the line when it is
/// the last character before trailing spaces and tabs, and is not itself
/// escaped (BuildKit's `lineContinuationRegex`).
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    if let Some(before) = line.trim_end_matches([' ', '\t']).strip_suffix(escape)
        && !before.ends_with(escape)
    {
        return (before, false);
    }
    (line, true)
}

/// The state of BuildKit's `DirectiveParser`: directives are read only at the
/// top of the file, each at most once.
struct Directives {
    escape: char,
    done: bool,
    seen: Vec<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            escape: DEFAULT_ESCAPE,
            done: false,
            seen: Vec::new(),
        }
    }
}

impl Directives {
    /// Reads `line` (leading whitespace already removed) as a possible
    /// directive. The first line that is not one ends the directives.
    fn parse_line(&mut self, line: &str) -> Result<(), ProblemKind> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = line
            .strip_prefix('#')
            .and_then(|rest| directive(rest.trim_start()))
        else {
            self.done = true;
            return Ok(());
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(());
        }
        if self.seen.contains(&name) {
            return Err(ProblemKind::DuplicateDirective { name });
        }
        if name == "escape" {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(ProblemKind::InvalidEscape {
                        value: value.to_owned(),
                    });
                }
            };
        }
        self.seen.push(name);
        Ok(())
    }
}

/// Matches BuildKit's `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`: the name
/// and the value of a directive.
fn directive(line: &str) -> Option<(&str, &str)> {
    let name_len = line
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(line.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, rest) = line.split_at(name_len);
    let rest = rest
        .trim_start_matches(is_go_regex_space)
        .strip_prefix('=')?;
    // `\s*` takes what it can while leaving `.+?` at least one character;
    // `.+?` then ends where only whitespace is left.
    let last = rest.chars().next_back()?;
    let value = match rest.trim_start_matches(is_go_regex_space) {
        "" => &rest[rest.len() - last.len_utf8()..],
        value => value.trim_end_matches(is_go_regex_space),
    };
    Some((name, value))
}

/// The instruction of a logical line and its arguments, with builder flags
/// (`--mount=…`) removed (BuildKit's `splitCommand`).
fn split_command(line: &str) -> (&str, &str) {
    let line = line.trim();
    let Some(at) = line.find(is_separator) else {
        return (line, "");
    };
    let rest = line[at..].trim_start_matches(is_separator);
    (&line[..at], skip_builder_flags(rest).trim())
}

/// What follows the leading `--flag` words of `line` (BuildKit's
/// `extractBuilderFlags`, which also stops after a bare `--`). Inside the
/// flags a backslash escapes the next character whatever the file's
/// `escape` directive says: BuildKit's reader has `\` written into it
/// (`frontend/dockerfile/parser/split_command.go`, the same in the engines
/// of v0.20.1 and v0.21.8).
fn skip_builder_flags(line: &str) -> &str {
    const FLAG_ESCAPE: char = '\\';
    enum Phase {
        Spaces,
        Word,
        Quote(char),
    }
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut chars = line.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match phase {
            Phase::Spaces => {
                if c.is_whitespace() {
                    continue;
                }
                if c != '-' || chars.peek().map(|&(_, n)| n) != Some('-') {
                    return &line[at..];
                }
                phase = Phase::Word;
                word.clear();
                word.push(c);
            }
            Phase::Word => {
                if c.is_whitespace() {
                    if word == "--" {
                        return &line[at..];
                    }
                    phase = Phase::Spaces;
                } else if c == '\'' || c == '"' {
                    phase = Phase::Quote(c);
                } else if c == FLAG_ESCAPE {
                    if let Some((_, next)) = chars.next() {
                        word.push(next);
                    }
                } else {
                    word.push(c);
                }
            }
            Phase::Quote(quote) => {
                if c == quote {
                    phase = Phase::Word;
                } else if c == FLAG_ESCAPE {
                    match chars.next() {
                        Some((_, next)) => word.push(next),
                        None => phase = Phase::Word,
                    }
                } else {
                    word.push(c);
                }
            }
        }
    }
    ""
}

/// Splits ARG arguments into words, keeping quotes and escapes for
/// [`lex_word`] (BuildKit's `parseWords`).
fn parse_words(rest: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut blank_ok = false;
    let mut quote: Option<char> = None;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if !in_word {
            if c.is_whitespace() {
                continue;
            }
            in_word = true;
        }
        match quote {
            None => {
                if c.is_whitespace() {
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    in_word = false;
                    blank_ok = false;
                    continue;
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                    blank_ok = true;
                }
                if c == escape {
                    let Some(next) = chars.next() else {
                        continue; // an escape at the end is dropped
                    };
                    word.push(c);
                    word.push(next);
                    continue;
                }
                word.push(c);
            }
            Some(q) => {
                if c == q {
                    quote = None;
                }
                if c == escape && q != '\'' {
                    let Some(next) = chars.next() else {
                        quote = None;
                        continue;
                    };
                    word.push(c);
                    word.push(next);
                    continue;
                }
                word.push(c);
            }
        }
    }
    if in_word && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

/// One word after BuildKit's shell lexer (`ProcessWord`).
#[derive(Debug, PartialEq, Eq)]
enum Lexed {
    /// Quotes and escapes removed, nothing to substitute.
    Literal(String),
    /// The word refers to a variable.
    Substitution,
    /// The lexer rejects the word.
    Invalid(&'static str),
}

/// Removes quotes and escapes from `word` as BuildKit's shell lexer does,
/// and reports a variable reference instead of expanding it.
fn lex_word(word: &str, escape: char) -> Lexed {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => match dollar(&mut chars) {
                Ok(true) => return Lexed::Substitution,
                Ok(false) => out.push('$'),
                Err(why) => return Lexed::Invalid(why),
            },
            '\'' => loop {
                match chars.next() {
                    None => return Lexed::Invalid("a single quote is not closed"),
                    Some('\'') => break,
                    Some(c) => out.push(c),
                }
            },
            '"' => loop {
                match chars.next() {
                    None => return Lexed::Invalid("a double quote is not closed"),
                    Some('"') => break,
                    Some('$') => match dollar(&mut chars) {
                        Ok(true) => return Lexed::Substitution,
                        Ok(false) => out.push('$'),
                        Err(why) => return Lexed::Invalid(why),
                    },
                    Some(c) if c == escape => match chars.peek() {
                        None => {}
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            out.push(n);
                            chars.next();
                        }
                        Some(_) => out.push(c),
                    },
                    Some(c) => out.push(c),
                }
            },
            c if c == escape => match chars.next() {
                Some(n) => out.push(n),
                None => break,
            },
            c => out.push(c),
        }
    }
    Lexed::Literal(out)
}

/// After a `$`: whether it starts a variable reference (`$NAME`, `$1`, `$@`,
/// `${…}`), or is a literal `$`. Errors as the lexer does on `${` without a
/// name.
fn dollar(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<bool, &'static str> {
    match chars.peek().copied() {
        Some('{') => {
            chars.next();
            match chars.peek() {
                None => Err("`${` is missing its `}`"),
                Some('{' | '}' | ':') => Err("it has a bad substitution (`${{`, `${}` or `${:`)"),
                Some(_) => Ok(true),
            }
        }
        Some(c) => Ok(c.is_alphanumeric()
            || c == '_'
            || matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!')),
        None => Ok(false),
    }
}

/// Whether the instruction may open heredocs: RUN, COPY or ADD (also under
/// ONBUILD), not in JSON form (BuildKit's `canContainHeredoc`).
fn can_contain_heredoc(command: &str, args: &str) -> bool {
    let (command, args) = if command.eq_ignore_ascii_case("onbuild") {
        if args.is_empty() {
            return false;
        }
        split_command(args)
    } else {
        (command, args)
    };
    ["run", "copy", "add"]
        .iter()
        .any(|c| command.eq_ignore_ascii_case(c))
        && !is_json_array(args)
}

/// The JSON (exec) form of an instruction's arguments.
fn is_json_array(args: &str) -> bool {
    let args = args.trim_start();
    args.starts_with('[') && serde_json::from_str::<Vec<serde_json::Value>>(args).is_ok()
}

/// A heredoc opened by an instruction.
#[derive(Debug, PartialEq, Eq)]
struct Heredoc {
    /// The line that ends it.
    name: String,
    /// `<<-`: leading tabs of the closing line are ignored.
    chomp: bool,
}

/// The heredocs `line` opens, in order (BuildKit's `heredocsFromLine`).
fn heredocs_in(line: &str) -> Vec<Heredoc> {
    let Some(words) = shell_words(line, true) else {
        return Vec::new();
    };
    words.iter().filter_map(|word| heredoc_word(word)).collect()
}

/// Matches BuildKit's `^(\d*)<<(-?)\s*([^<]*)$` and reads the heredoc's
/// name from what follows, which must be one shell word.
fn heredoc_word(word: &str) -> Option<Heredoc> {
    let rest = word
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(is_go_regex_space);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let mut names = shell_words(rest, false)?;
    if names.len() != 1 {
        return None;
    }
    names.pop().map(|name| Heredoc { name, chomp })
}

/// Splits `s` into words as BuildKit's shell lexer (`ProcessWords`, with the
/// `\` escape) does when it looks for heredocs; `raw` keeps quotes and
/// escapes. `None` when a quote is not closed (the lexer's error). `$` is an
/// ordinary character here.
fn shell_words(s: &str, raw: bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut buf = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                buf.push('<');
                if chars.peek() == Some(&'<') {
                    chars.next();
                    buf.push('<');
                    while let Some(&w) = chars.peek().filter(|&&w| matches!(w, '\t' | '\r' | ' ')) {
                        buf.push(w);
                        chars.next();
                    }
                }
            }
            '\'' => {
                if raw {
                    buf.push('\'');
                }
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => buf.push(c),
                    }
                }
                if raw {
                    buf.push('\'');
                }
            }
            '"' => {
                if raw {
                    buf.push('"');
                }
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => {
                            if raw {
                                buf.push('\\');
                            }
                            match *chars.peek()? {
                                n @ ('"' | '$' | '\\') => {
                                    buf.push(n);
                                    chars.next();
                                }
                                // BuildKit writes the escape (again, when raw).
                                _ => buf.push('\\'),
                            }
                        }
                        c => buf.push(c),
                    }
                }
                if raw {
                    buf.push('"');
                }
            }
            '\\' => {
                if raw {
                    buf.push('\\');
                }
                let Some(n) = chars.next() else { break };
                buf.push(n);
            }
            c if c.is_whitespace() => {
                if !buf.is_empty() {
                    words.push(std::mem::take(&mut buf));
                }
            }
            c => {
                buf.push(c);
            }
        }
    }
    if !buf.is_empty() {
        words.push(buf);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILE: &str = "containers/x/Dockerfile";

    fn version(text: &str) -> String {
        app_version(text, FILE).unwrap_or_else(|e| panic!("{}: {e}", excerpt(text)))
    }

    fn error(text: &str) -> String {
        match app_version(text, FILE) {
            Ok(v) => panic!("{} gave {v:?}, not an error", excerpt(text)),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_backslash_escape_directive_is_accepted() {
        assert_eq!(
            version("# escape=\\\nARG CONTAINER_APP_VERSION=1 \\\n  B=2\n"),
            "1"
        );
    }

    #[test]
    fn only_run_copy_and_add_in_shell_form_open_heredocs() {
        // `<<` elsewhere is text: the next line is still an instruction.
        for first in [
            "LABEL note <<EOF",
            "ENV A <<EOF",
            "ONBUILD LABEL x <<EOF",
            "RUN [\"cat\", \"<<EOF\"]",
        ] {
            let text = format!("{first}\nARG CONTAINER_APP_VERSION=1.0\n");
            assert_eq!(version(&text), "1.0", "{first}");
        }
        let text =
            "RUN cat <<EOF\nARG CONTAINER_APP_VERSION=1.0\nEOF\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "2");
    }

    // The example containers of this repository.

    #[test]
    fn reads_every_example_container() {
        let examples = [
            (
                include_str!("../../../containers/transmission/Dockerfile"),
                "4.1.1-r1",
            ),
            (
                include_str!("../../../containers/miniflux/Dockerfile"),
                "2.2.17",
            ),
            (
                include_str!("../../../containers/navidrome/Dockerfile"),
                "v0.60.3",
            ),
            (
                include_str!("../../../containers/prometheus/Dockerfile"),
                "3.8.2",
            ),
            (
                include_str!("../../../containers/homepage-nginx/Dockerfile"),
                "1.29.3",
            ),
            (include_str!("../../../containers/loki/Dockerfile"), "3.5.7"),
            (
                include_str!("../../../containers/nettest/Dockerfile"),
                "0.1.0",
            ),
            (
                include_str!("../../../containers/ntfy/Dockerfile"),
                "2.14.0",
            ),
        ];
        for (text, expected) in examples {
            assert_eq!(version(text), expected);
            assert_eq!(
                declared_app_version(text, FILE).unwrap().as_deref(),
                Some(expected)
            );
        }
    }

    // What an instruction is.

    #[test]
    fn the_keyword_is_case_insensitive_and_may_be_indented() {
        assert_eq!(version("arg CONTAINER_APP_VERSION=1\n"), "1");
        assert_eq!(version("Arg CONTAINER_APP_VERSION=2"), "2");
        assert_eq!(version("  \tARG CONTAINER_APP_VERSION=3\n"), "3");
        assert_eq!(version("ARG\tCONTAINER_APP_VERSION=4\n"), "4");
    }

    #[test]
    fn the_name_is_case_sensitive() {
        let err = error("ARG container_app_version=1\n");
        assert!(
            err.contains("has no `ARG CONTAINER_APP_VERSION=<version>`"),
            "{err}"
        );
    }

    #[test]
    fn crlf_line_ends() {
        assert_eq!(
            version("FROM alpine\r\nARG CONTAINER_APP_VERSION=1.2.3\r\nRUN true\r\n"),
            "1.2.3"
        );
        assert_eq!(version("ARG \\\r\n  CONTAINER_APP_VERSION=5\r\n"), "5");
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert_eq!(version("\u{feff}ARG CONTAINER_APP_VERSION=1\n"), "1");
    }

    #[test]
    fn the_first_declaration_with_a_value_wins_in_any_stage() {
        let text = "FROM a AS one\nARG CONTAINER_APP_VERSION\nFROM b\nARG CONTAINER_APP_VERSION=2\nARG CONTAINER_APP_VERSION=3\n";
        assert_eq!(version(text), "2");
    }

    #[test]
    fn other_instructions_do_not_declare_it() {
        let text = "ENV CONTAINER_APP_VERSION=9\nLABEL x=\"ARG CONTAINER_APP_VERSION=8\"\n\
                    RUN echo ARG CONTAINER_APP_VERSION=7\nONBUILD ARG CONTAINER_APP_VERSION=6\n\
                    ARG CONTAINER_APP_VERSION=1\n";
        assert_eq!(version(text), "1");
    }

    // Comments.

    #[test]
    fn comment_lines_are_skipped() {
        assert_eq!(
            version(
                "# ARG CONTAINER_APP_VERSION=9\n  # ARG CONTAINER_APP_VERSION=8\nARG CONTAINER_APP_VERSION=1"
            ),
            "1"
        );
    }

    #[test]
    fn a_hash_after_the_value_is_more_args_not_a_comment() {
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1 # pinned\n"), "1");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1#2\n"), "1#2");
    }

    // Continuations.

    #[test]
    fn line_continuations() {
        assert_eq!(version("ARG \\\n  CONTAINER_APP_VERSION=1\n"), "1");
        assert_eq!(version("ARG A=0 \\  \t\n    CONTAINER_APP_VERSION=2"), "2");
        // A value split over lines is joined without the line break.
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1.\\\n2.3\n"), "1.2.3");
    }

    #[test]
    fn comment_and_blank_lines_inside_a_continuation_are_skipped() {
        let text = "ARG A=1 \\\n# CONTAINER_APP_VERSION=9 \\\n\n   \n  # more\n    CONTAINER_APP_VERSION=3\n";
        assert_eq!(version(text), "3");
    }

    #[test]
    fn an_escaped_escape_does_not_continue_the_line() {
        // `1\\` is the value `1\`; the next line is its own instruction.
        let text = "ARG CONTAINER_APP_VERSION=1\\\\\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "1\\");
    }

    #[test]
    fn a_continuation_at_the_end_of_the_file() {
        assert_eq!(version("ARG CONTAINER_APP_VERSION=4 \\"), "4");
    }

    // The escape directive.

    #[test]
    fn the_escape_directive_switches_to_backtick() {
        let text =
            "# escape=`\nFROM mcr.microsoft.com/windows\nARG `\n    CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "2");
        // The backslash is then an ordinary character.
        assert_eq!(
            version("#escape = `\nARG CONTAINER_APP_VERSION=C:\\x\n"),
            "C:\\x"
        );
        assert_eq!(
            version("# syntax=docker/dockerfile:1\n# Escape=`\nARG CONTAINER_APP_VERSION=`\n3\n"),
            "3"
        );
    }

    #[test]
    fn an_escape_directive_below_the_top_is_a_comment() {
        // After an instruction, a comment or an empty line, `\` still escapes.
        for prefix in ["FROM a\n", "# hello\n", "\n"] {
            let text = format!("{prefix}# escape=`\nARG CONTAINER_APP_VERSION=1.\\\n2\n");
            assert_eq!(version(&text), "1.2", "{text:?}");
        }
    }

    #[test]
    fn a_bad_or_repeated_directive_is_an_error() {
        let err = error("# escape=x\nARG CONTAINER_APP_VERSION=1\n");
        assert!(
            err.starts_with("containers/x/Dockerfile line 1: the parser directive `# escape=x`"),
            "{err}"
        );
        let err = error("# escape=`\n# escape=\\\nARG CONTAINER_APP_VERSION=1\n");
        assert!(
            err.contains("line 2") && err.contains("`escape` is given a second time"),
            "{err}"
        );
    }

    // Quotes and values.

    #[test]
    fn quotes_are_removed() {
        assert_eq!(version("ARG CONTAINER_APP_VERSION=\"1.2\"\n"), "1.2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION='1.2'\n"), "1.2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=\"1 2\"\n"), "1 2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=v\"1\".'2'\n"), "v1.2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=\"a\\\"b\"\n"), "a\"b");
        assert_eq!(version("ARG \"CONTAINER_APP_VERSION\"=7\n"), "7");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=a=b\n"), "a=b");
    }

    #[test]
    fn an_unclosed_quote_is_an_error() {
        let err = error("ARG CONTAINER_APP_VERSION=\"1.2\n");
        assert!(
            err.contains("line 1") && err.contains("double quote is not closed"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_value_is_no_value() {
        let text = "ARG CONTAINER_APP_VERSION=\nARG CONTAINER_APP_VERSION=\"\"\nARG CONTAINER_APP_VERSION=''\nARG CONTAINER_APP_VERSION=3\n";
        assert_eq!(version(text), "3");
        let err = error("ARG CONTAINER_APP_VERSION=\n");
        assert!(
            err.contains("Line 1 declares CONTAINER_APP_VERSION without a value"),
            "{err}"
        );
    }

    #[test]
    fn several_args_on_one_line() {
        assert_eq!(version("ARG A=1 CONTAINER_APP_VERSION=2 B=3\n"), "2");
        assert_eq!(version("ARG A CONTAINER_APP_VERSION=2\n"), "2");
    }

    #[test]
    fn substitution_is_an_error() {
        for value in [
            "${BASE}",
            "$BASE",
            "v${BASE}",
            "\"${BASE}\"",
            "${BASE:-1}",
            "$1",
            "$$",
        ] {
            let err = error(&format!("ARG BASE=1\nARG CONTAINER_APP_VERSION={value}\n"));
            assert!(
                err.starts_with("containers/x/Dockerfile line 2: `ARG CONTAINER_APP_VERSION=")
                    && err.contains("variable substitution")
                    && err.contains("e.g. `ARG CONTAINER_APP_VERSION=1.2.3`"),
                "{value}: {err}"
            );
        }
    }

    #[test]
    fn a_literal_dollar_is_not_substitution() {
        assert_eq!(version("ARG CONTAINER_APP_VERSION='${X}'\n"), "${X}");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1.0$\n"), "1.0$");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=\\$X\n"), "$X");
    }

    #[test]
    fn a_chained_arg_is_not_the_version() {
        let text = "ARG CONTAINER_APP_VERSION=3.5.7\nFROM a\nARG CONTAINER_APP_VERSION\nARG LOKI_VERSION=v${CONTAINER_APP_VERSION}\n";
        assert_eq!(version(text), "3.5.7");
    }

    // Heredocs.

    #[test]
    fn heredoc_bodies_are_not_instructions() {
        let text =
            "FROM a\nRUN <<EOF\nARG CONTAINER_APP_VERSION=9\nEOF\nARG CONTAINER_APP_VERSION=1\n";
        assert_eq!(version(text), "1");
        let text = "FROM a\nCOPY <<-\"END\" /x\n\tARG CONTAINER_APP_VERSION=9\n\tEND\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "2");
        let text = "RUN cat <<A >a && cat <<'B' >b\nARG CONTAINER_APP_VERSION=8\nA\nARG CONTAINER_APP_VERSION=9\nB\nARG CONTAINER_APP_VERSION=3\n";
        assert_eq!(version(text), "3");
        let text =
            "onbuild run << X\nARG CONTAINER_APP_VERSION=9\nX\nARG CONTAINER_APP_VERSION=4\n";
        assert_eq!(version(text), "4");
    }

    #[test]
    fn no_heredoc_in_json_form_or_other_instructions() {
        let text = "RUN [\"sh\", \"-c\", \"cat <<EOF\"]\nARG CONTAINER_APP_VERSION=1\nEOF\n";
        assert_eq!(version(text), "1");
        let text = "LABEL a=<<EOF\nARG CONTAINER_APP_VERSION=2\nEOF\n";
        assert_eq!(version(text), "2");
    }

    #[test]
    fn an_unclosed_heredoc_is_an_error() {
        let err = error("FROM a\nRUN <<EOF\necho hi\n");
        assert!(
            err.starts_with("containers/x/Dockerfile line 2: the heredoc `<<EOF` is never closed"),
            "{err}"
        );
    }

    // The rules below are BuildKit's (frontend/dockerfile/parser and
    // frontend/dockerfile/shell); each test was written against a mutant
    // that cargo-mutants found surviving (docs/benchmarks.md, run 3).

    #[test]
    fn a_directive_name_is_a_letter_then_letters_or_digits() {
        // `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
        assert_eq!(directive("check2=x"), Some(("check2", "x")));
        assert_eq!(directive("a1b2 = v"), Some(("a1b2", "v")));
        assert_eq!(directive("2check=x"), None);
        assert_eq!(directive("9=x"), None);
    }

    #[test]
    fn a_directive_value_of_only_whitespace_is_its_last_character() {
        // `\s*` leaves `.+?` one character, the last one.
        assert_eq!(directive("escape= \t"), Some(("escape", "\t")));
        assert_eq!(directive("syntax=  "), Some(("syntax", " ")));
        assert_eq!(directive("escape="), None);
        // So `# escape=` and two spaces names a space: Docker rejects it.
        let err = error("# escape=  \nARG CONTAINER_APP_VERSION=1\n");
        assert!(
            err.contains("`# escape= ` names an escape character"),
            "{err}"
        );
    }

    #[test]
    fn builder_flags_are_the_leading_double_dash_words() {
        let skip = skip_builder_flags;
        // Flags end at the first word that does not start with `--`.
        assert_eq!(
            skip("--mount=type=cache,target=/x pip install"),
            "pip install"
        );
        assert_eq!(skip("--ab c"), "c");
        assert_eq!(skip("--a --network=none  echo"), "echo");
        assert_eq!(skip("-x y"), "-x y");
        assert_eq!(skip("a-b c"), "a-b c");
        assert_eq!(skip("echo --x"), "echo --x");
        // A bare `--` ends the flags: what follows is kept, from the space.
        assert_eq!(skip("-- --not-a-flag"), " --not-a-flag");
        assert_eq!(skip("--x -- --y z"), " --y z");
        // Quotes keep spaces inside a flag; the escape escapes in a word and
        // in either quote.
        assert_eq!(skip("--x='a b' y"), "y");
        assert_eq!(skip("--x=\"a b\" y"), "y");
        assert_eq!(skip("--x=a\\ b y"), "y");
        assert_eq!(skip("--x='a\\' b' y"), "y");
        assert_eq!(skip("--x=\"a\\\" b\" y"), "y");
        // Only flags: nothing is left.
        assert_eq!(skip("--x --y"), "");
        // In the flags the escape is always a backslash, as in BuildKit's
        // `extractBuilderFlags`, even in a file with ``# escape=` ``: a
        // backtick there is an ordinary character.
        assert_eq!(skip("--x=a` b y"), "b y");
        assert_eq!(skip("--x='a` b' y"), "y");
        // Through the whole reader: the backtick does not hide the space
        // after the flag, so the arguments are `<<EOF ["y"]`, not JSON, and
        // the heredoc opens; read with the file's escape, the arguments
        // would be `["y"]` and the first ARG an instruction.
        let file = "# escape=`\nFROM scratch\nRUN --x=a` <<EOF [\"y\"]\n\
                    ARG CONTAINER_APP_VERSION=1\nEOF\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(file), "2");
    }

    #[test]
    fn arg_words_split_on_unquoted_blanks() {
        let words = |rest| parse_words(rest, DEFAULT_ESCAPE);
        // Inside "…" the escape keeps a `"` from closing the quote.
        assert_eq!(words(r#"A="a\" b" C=1"#), [r#"A="a\" b""#, "C=1"]);
        // Inside '…' the escape is an ordinary character.
        assert_eq!(words(r"A='a\' B=1"), [r"A='a\'", "B=1"]);
        // An escape at the very end is dropped, and makes no empty word.
        assert_eq!(words("a \\"), ["a"]);
        assert_eq!(words("\\"), Vec::<String>::new());
        // An empty quoted word is a word.
        assert_eq!(words("A '' B"), ["A", "''", "B"]);
        // Through ARG: the `"` escaped inside "…" is part of the value.
        assert_eq!(version("ARG CONTAINER_APP_VERSION=\"1\\\" 2\"\n"), "1\" 2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION='1\\' B=2\n"), "1\\");
    }

    #[test]
    fn inside_double_quotes_the_escape_escapes_only_quote_dollar_and_itself() {
        // processDoubleQuote: `"`, `$` and the escape character can be
        // escaped; before anything else the escape stays.
        assert_eq!(
            version("ARG CONTAINER_APP_VERSION=\"1\\.2\\\"\\$\\\\x\"\n"),
            "1\\.2\"$\\x"
        );
        assert_eq!(
            lex_word(r#""\a\"\$\\""#, '\\'),
            Lexed::Literal(r#"\a"$\"#.to_owned())
        );
        // With a backtick escape, a backslash is ordinary.
        assert_eq!(
            lex_word("\"`a`\"\\`$``\"", '`'),
            Lexed::Literal("`a\"\\$`".to_owned())
        );
    }

    #[test]
    fn a_dollar_before_an_underscore_is_a_variable_before_a_dot_is_not() {
        // processName reads letters, digits and `_`.
        let err = error("ARG CONTAINER_APP_VERSION=1$_X\n");
        assert!(err.contains("uses variable substitution"), "{err}");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1$.2\n"), "1$.2");
        assert_eq!(version("ARG CONTAINER_APP_VERSION=1$/2\n"), "1$/2");
    }

    #[test]
    fn json_form_is_a_valid_json_array_after_the_flags() {
        assert!(is_json_array(r#"["sh", "-c", "true"]"#));
        assert!(is_json_array(r#"  []"#));
        assert!(!is_json_array("[ not json"));
        assert!(!is_json_array(r#"echo ["a"]"#));
        // `[ <<EOF` is not JSON, so it is shell form and opens a heredoc.
        let text = "RUN [ <<EOF\nARG CONTAINER_APP_VERSION=1\nEOF\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "2");
        // JSON is judged after the builder flags, heredocs on the whole line:
        // the shell lexer sees `<<EOF` as a word, but the flag reader (whose
        // escape works inside '…') reads it inside the flag's quotes, and
        // what follows the flag is a JSON array. No heredoc.
        let text = "RUN --x='\\' <<EOF \"'\"'\"\\' [\"echo\"]\nARG CONTAINER_APP_VERSION=1\nEOF\n";
        assert_eq!(version(text), "1");
    }

    #[test]
    fn a_heredoc_word_has_no_second_less_than() {
        // `^(\d*)<<(-?)\s*([^<]*)$`
        assert_eq!(heredoc_word("<<a<b"), None);
        assert_eq!(heredoc_word("<<"), None);
        assert_eq!(
            heredoc_word("2<<-EOF"),
            Some(Heredoc {
                name: "EOF".to_owned(),
                chomp: true
            })
        );
        let text = "RUN cat <<a<b\nARG CONTAINER_APP_VERSION=1\n";
        assert_eq!(version(text), "1");
    }

    #[test]
    fn a_heredoc_name_may_escape_a_double_quote() {
        assert_eq!(
            shell_words(r#""a\"b" "c\$\\d\e""#, false),
            Some(vec![r#"a"b"#.to_owned(), r"c$\d\e".to_owned()])
        );
        assert_eq!(
            shell_words(r#"<<"E\"F""#, true),
            Some(vec![r#"<<"E\"F""#.to_owned()])
        );
        let text = "RUN cat <<\"E\\\"F\"\nARG CONTAINER_APP_VERSION=1\nE\"F\nARG CONTAINER_APP_VERSION=2\n";
        assert_eq!(version(text), "2");
    }

    // Errors.

    #[test]
    fn missing_names_the_file_and_the_fix() {
        let err = error("FROM alpine\nRUN true\n");
        assert_eq!(
            err,
            "containers/x/Dockerfile has no `ARG CONTAINER_APP_VERSION=<version>`. Add one before \
             the first FROM, e.g. `ARG CONTAINER_APP_VERSION=1.2.3`."
        );
        assert_eq!(declared_app_version("FROM alpine\n", FILE).unwrap(), None);
        let err = app_version("", "containers/miniflux/Dockerfile")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("containers/miniflux/Dockerfile has no"),
            "{err}"
        );
    }

    #[test]
    fn the_old_two_word_form_declares_no_value() {
        // BuildKit reads `ARG NAME VALUE` as two ARGs without values.
        let err = error("ARG CONTAINER_APP_VERSION 1.2\n");
        assert!(
            err.contains("Line 1 declares CONTAINER_APP_VERSION without a value"),
            "{err}"
        );
    }

    #[test]
    fn a_long_value_is_shortened_in_messages() {
        let long = format!("${{{}}}", "A".repeat(500));
        let err = error(&format!("ARG CONTAINER_APP_VERSION={long}\n"));
        assert!(err.len() < 600 && err.contains("..."), "{err}");
    }

    // Size.

    #[test]
    fn ten_megabytes_of_continuations() {
        let mut text = String::from("FROM a\n");
        while text.len() < 10_000_000 {
            text.push_str("RUN echo hi \\\n");
        }
        text.push_str("  && true\nARG CONTAINER_APP_VERSION=1.0\n");
        assert_eq!(version(&text), "1.0");
    }

    #[test]
    fn ten_megabytes_on_one_line() {
        let text = format!("ARG {}CONTAINER_APP_VERSION=2\n", "A=1 ".repeat(2_500_000));
        assert_eq!(version(&text), "2");
        let text = format!(
            "RUN cat <<EOF {}\nEOF\nARG CONTAINER_APP_VERSION=3",
            "x \"y\" 'z' ".repeat(1_000_000)
        );
        assert_eq!(version(&text), "3");
        let text = "\\".repeat(10_000_000);
        assert!(app_version(&text, FILE).is_err());
        // `$` before `.` is a literal `$` (`$$` would be the shell's PID).
        let text = format!("ARG CONTAINER_APP_VERSION={}", "$.".repeat(5_000_000));
        assert_eq!(version(&text).len(), 10_000_000);
    }

    #[test]
    fn ten_megabytes_of_short_lines() {
        let text = "# c\n\nRUN <<E\nE\n".repeat(800_000);
        assert!(app_version(&text, FILE).is_err());
        let text = "RUN <<".repeat(2_000_000);
        assert!(app_version(&text, FILE).is_err());
    }

    fn dockerfile_pieces() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "ARG ",
            "arg ",
            "CONTAINER_APP_VERSION",
            "=",
            "1.2",
            "\n",
            "\r\n",
            "\\",
            "`",
            "#",
            " ",
            "\t",
            "\"",
            "'",
            "$",
            "{",
            "}",
            "<<",
            "<<-",
            "EOF",
            "RUN ",
            "COPY ",
            "ONBUILD ",
            "# escape=`\n",
            "# escape=\\\n",
            "[\"a\"]",
            "--mount=x ",
            "-",
            "\u{feff}",
            "é",
        ]);
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn never_panics(text in ".*") {
            let _ = app_version(&text, FILE);
        }

        #[test]
        fn never_panics_on_dockerfile_like_text(text in dockerfile_pieces()) {
            let _ = app_version(&text, FILE);
        }

        #[test]
        fn reads_back_any_plain_version(
            version in "[0-9A-Za-z_][0-9A-Za-z_.+-]{0,30}",
            before in prop::collection::vec(prop::sample::select(vec![
                "FROM alpine AS build\n", "# a comment\n", "\n", "RUN echo $HOME \\\n  && true\n",
                "ARG OTHER=x\n", "ARG CONTAINER_APP_VERSION\n", "RUN <<EOF\nARG CONTAINER_APP_VERSION=0\nEOF\n",
            ]), 0..6),
        ) {
            let text = format!("{}ARG CONTAINER_APP_VERSION={version}\nARG CONTAINER_APP_VERSION=other\n", before.concat());
            prop_assert_eq!(app_version(&text, FILE).unwrap(), version);
        }
    }
}
