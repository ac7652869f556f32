//! The parsers, fuzzed: each one is driven with generated input (random
//! text, realistic near misses made by mutating the example containers of
//! `containers/`, and well-formed input generated from a model) against
//! properties that say what the right answer is, not only that there is no
//! panic.
//!
//! - `BLUMEOPS_FUZZ_CASES`: cases per property (default 2,000, so that
//!   `cargo test` stays quick); `ci/fuzz` runs 100,000 and prints the table.
//! - `BLUMEOPS_FUZZ_SEED`: a number, to replay a run (each run prints its seed).
//!
//! Each test prints `FUZZ <parser> <properties> <cases> <failures> <seconds>`
//! (seen with `--nocapture`); a failure shows the smallest input proptest
//! shrank it to.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use blumeops_ci::core::check::service_versions;
use blumeops_ci::core::container::build_options::{
    self, parse_build_args, parse_dockerfile_path, parse_platform, parse_platforms,
    parse_source_url, parse_stage,
};
use blumeops_ci::core::container::kind::BuildKind;
use blumeops_ci::core::container::names::ContainerName;
use blumeops_ci::core::image::image_ref::{Namespace, Registry, Repository};
use blumeops_ci::core::image::tag::{MAX_TAG_LEN, Tag};
use blumeops_ci::core::image::tags::{CommitSha, commit_tag, legacy_tag, publish_tags};
use blumeops_ci::core::nix::build::{Shape, parse_nix_image, parse_result};
use blumeops_ci::core::nix::flake::FlakePath;
use blumeops_ci::core::nix::nixpkgs::{
    self, AttrPath, Nixpkgs, NixpkgsSource, from_lock, parse_input_path, parse_lock_path,
    parse_override, parse_versions, pin,
};
use blumeops_ci::core::text::excerpt;
use blumeops_ci::core::version::dockerfile::{app_version, declared_app_version};
use blumeops_ci::core::version::nix_expr::nix_version;
use blumeops_ci::core::version::normalize::normalize_version;
use blumeops_ci::core::workflows::{parse_runner_version, verdict};
use blumeops_ci::registry::{
    Challenge, body_summary, check_repository, is_digest, next_link, parse_challenges,
    parse_tag_list, parse_token, registry_error,
};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use regex::Regex;
use serde_json::{Value, json};

// ---- the runner --------------------------------------------------------

/// Cases per property: `BLUMEOPS_FUZZ_CASES`, default 2,000.
fn cases() -> u32 {
    std::env::var("BLUMEOPS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(2_000)
}

/// The run's seed: `BLUMEOPS_FUZZ_SEED`, or one from the clock.
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        std::env::var("BLUMEOPS_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
    })
}

/// One parser's run: its properties, each with [`cases`] cases.
struct Fuzz {
    parser: &'static str,
    cases: u32,
    properties: usize,
    ran: u64,
    failures: Vec<String>,
    started: Instant,
}

impl Fuzz {
    fn new(parser: &'static str) -> Fuzz {
        Fuzz {
            parser,
            cases: cases(),
            properties: 0,
            ran: 0,
            failures: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Checks `property` on `cases` inputs from `strategy`; a failure is
    /// shrunk and recorded, and the other properties still run.
    fn check<S>(
        &mut self,
        property: &str,
        strategy: S,
        test: impl Fn(S::Value) -> Result<(), TestCaseError>,
    ) where
        S: Strategy,
        S::Value: Debug,
    {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            max_shrink_iters: 4_096,
            ..Config::default()
        };
        // A seed per property, from the run's seed and the property's name.
        let mut bytes = [0u8; 32];
        let mut h = seed() ^ 0x9e37_79b9_7f4a_7c15;
        for (i, b) in format!("{}/{property}", self.parser).bytes().enumerate() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            bytes[i % 32] ^= h as u8;
        }
        bytes[..8].copy_from_slice(&h.to_le_bytes());
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
        let mut runner = TestRunner::new_with_rng(config, rng);
        if let Err(e) = runner.run(&strategy, test) {
            self.failures.push(format!("{property}: {e}"));
        }
        self.properties += 1;
        self.ran += u64::from(self.cases);
    }

    fn finish(self) {
        println!(
            "FUZZ {} {} {} {} {:.1}",
            self.parser,
            self.properties,
            self.ran,
            self.failures.len(),
            self.started.elapsed().as_secs_f64()
        );
        assert!(
            self.failures.is_empty(),
            "{}: {} propert{} failed (BLUMEOPS_FUZZ_SEED={} replays this run):\n\n{}",
            self.parser,
            self.failures.len(),
            if self.failures.len() == 1 { "y" } else { "ies" },
            seed(),
            self.failures.join("\n\n")
        );
    }
}

// ---- generators shared by the parsers ----------------------------------

/// One edit of a near-miss input.
#[derive(Debug, Clone)]
enum Edit {
    Insert(Index, &'static str),
    Delete(Index, usize),
    Replace(Index, usize, &'static str),
    /// Repeats the line at the index.
    DuplicateLine(Index),
    /// Cuts the text at the index.
    Truncate(Index),
}

/// The nearest character boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_owned();
    for edit in edits {
        let pos = |i: &Index, t: &str| boundary(t, i.index(t.len() + 1));
        match edit {
            Edit::Insert(i, piece) => {
                let at = pos(i, &text);
                text.insert_str(at, piece);
            }
            Edit::Delete(i, n) => {
                let at = pos(i, &text);
                let end = boundary(&text, at + n);
                text.replace_range(at..end, "");
            }
            Edit::Replace(i, n, piece) => {
                let at = pos(i, &text);
                let end = boundary(&text, at + n);
                text.replace_range(at..end, piece);
            }
            Edit::DuplicateLine(i) => {
                let at = pos(i, &text);
                let start = text[..at].rfind('\n').map_or(0, |p| p + 1);
                let end = text[at..].find('\n').map_or(text.len(), |p| at + p + 1);
                let line = text[start..end].to_owned();
                text.insert_str(start, &line);
            }
            Edit::Truncate(i) => {
                let at = pos(i, &text);
                text.truncate(at);
            }
        }
    }
    text
}

/// Real `texts`, each with a few edits made of `pieces`: the near misses.
fn mutated(
    texts: &'static [&'static str],
    pieces: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let piece = prop::sample::select(pieces);
    let edit = prop_oneof![
        4 => (any::<Index>(), piece.clone()).prop_map(|(i, p)| Edit::Insert(i, p)),
        2 => (any::<Index>(), 1..24usize).prop_map(|(i, n)| Edit::Delete(i, n)),
        3 => (any::<Index>(), 1..8usize, piece).prop_map(|(i, n, p)| Edit::Replace(i, n, p)),
        1 => any::<Index>().prop_map(Edit::DuplicateLine),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ];
    (
        prop::sample::select(texts),
        prop::collection::vec(edit, 0..10),
    )
        .prop_map(|(text, edits)| apply(text, &edits))
}

/// Strings made of `pieces`.
fn pieces_of(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..max).prop_map(|v| v.concat())
}

/// Any text, with control characters and non-ASCII.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,200}",
        "[\\x00-\\x7f]{0,200}",
        prop::collection::vec(any::<u8>(), 0..200)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// The regular expression `pattern`, compiled once.
fn re(pattern: &'static str) -> &'static Regex {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, &'static Regex>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(pattern)
        .or_insert_with(|| Box::leak(Box::new(compile(pattern))))
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

/// The OCI tag grammar.
fn oci_tag() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$"))
}

/// The OCI distribution spec's path component.
const COMPONENT: &str = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*";

fn oci_component() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| compile(&format!("^{COMPONENT}$")))
}

/// A container name: an OCI path component that fits in a folder name
/// (255 bytes).
fn name_ok(s: &str) -> bool {
    s.len() <= 255 && oci_component().is_match(s)
}

/// A repository path (or namespace): names joined by `/`.
fn path_ok(s: &str) -> bool {
    s.split('/').all(name_ok)
}

/// Like `prop_assert!`, with the message built only on failure.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(TestCaseError::fail(format!($($fmt)*)));
        }
    };
}

// ---- core::dockerfile --------------------------------------------------

const FILE: &str = "containers/x/Dockerfile";

/// The example Dockerfiles and their versions.
const DOCKERFILES: &[(&str, &str)] = &[
    (
        include_str!("../../containers/homepage-nginx/Dockerfile"),
        "1.29.3",
    ),
    (include_str!("../../containers/loki/Dockerfile"), "3.5.7"),
    (
        include_str!("../../containers/miniflux/Dockerfile"),
        "2.2.17",
    ),
    (
        include_str!("../../containers/navidrome/Dockerfile"),
        "v0.60.3",
    ),
    (include_str!("../../containers/nettest/Dockerfile"), "0.1.0"),
    (include_str!("../../containers/ntfy/Dockerfile"), "2.14.0"),
    (
        include_str!("../../containers/prometheus/Dockerfile"),
        "3.8.2",
    ),
    (
        include_str!("../../containers/transmission/Dockerfile"),
        "4.1.1-r1",
    ),
];

const DOCKERFILE_TEXTS: &[&str] = &[
    DOCKERFILES[0].0,
    DOCKERFILES[1].0,
    DOCKERFILES[2].0,
    DOCKERFILES[3].0,
    DOCKERFILES[4].0,
    DOCKERFILES[5].0,
    DOCKERFILES[6].0,
    DOCKERFILES[7].0,
];

const DOCKERFILE_PIECES: &[&str] = &[
    "ARG ",
    "arg ",
    "CONTAINER_APP_VERSION",
    "CONTAINER_APP_VERSION=",
    "ARG CONTAINER_APP_VERSION=9.9\n",
    "=",
    "1.2.3",
    "\n",
    "\r\n",
    "\r",
    "\\",
    "\\\n",
    "`",
    "#",
    "# ",
    " ",
    "\t",
    "\"",
    "'",
    "$",
    "${",
    "${X}",
    "{",
    "}",
    "<<",
    "<<EOF\n",
    "<<-EOF\n",
    "EOF\n",
    "\tEOF\n",
    "RUN ",
    "COPY ",
    "ONBUILD ",
    "FROM alpine\n",
    "# escape=`\n",
    "# escape=\\\n",
    "# escape=x\n",
    "# syntax=docker/dockerfile:1\n",
    "[\"a\"]",
    "--mount=type=cache ",
    "--",
    "-",
    "\u{feff}",
    "é",
    "\0",
];

/// An independent reader of the version, written here from BuildKit's rules
/// (its parser's line regexes, not the module's scanners), for the texts
/// where those rules are plain: `Some(answer)`, or `None` when `text` is
/// outside that domain. The domain: no heredoc (`<<`), no control character
/// but tab and line ends, no lone CR, no non-ASCII whitespace, no comment
/// line that could be a parser directive, no line ending in an escaped
/// escape or in a lone escape, and up to the answer, ARG instructions with
/// at least one word, none starting with `=`, and no quote, `$` or escape.
/// There, BuildKit (escape `\`): strip a BOM; lines end at LF (a CR before
/// it dropped); an instruction starts at a line that is not blank or a
/// comment (`#` first, after leading blanks), and goes on while a line ends
/// in `\` and blanks (removed), skipping blank and comment lines; its
/// keyword is its first word, any case; ARG's words are split at blanks,
/// and the first `CONTAINER_APP_VERSION=<non-empty>` is the version.
fn oracle_version(text: &str) -> Option<Option<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let odd = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || (!c.is_ascii() && c.is_whitespace())
    };
    if text.contains("<<") || text.chars().any(odd) || re(r"\r([^\n]|$)").is_match(text) {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let directive = re(r"^[ \t]*#[ \t]*[a-zA-Z][a-zA-Z0-9]*[ \t]*=");
    let unclear_end = re(r"(^[ \t]*|\\)\\[ \t]*$");
    if lines
        .iter()
        .any(|l| directive.is_match(l) || unclear_end.is_match(l))
    {
        return None;
    }
    let continuation = re(r"\\[ \t]*$");
    let skipped = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
    let mut i = 0;
    while i < lines.len() {
        let first = lines[i].trim_start();
        i += 1;
        if skipped(first) {
            continue;
        }
        let mut logical = continuation.replace(first, "").into_owned();
        let mut more = continuation.is_match(first);
        while more && i < lines.len() {
            let line = lines[i];
            i += 1;
            if skipped(line) {
                continue;
            }
            more = continuation.is_match(line);
            logical.push_str(&continuation.replace(line, ""));
        }
        let mut split = logical.trim().splitn(2, [' ', '\t']);
        if !split.next().is_some_and(|k| k.eq_ignore_ascii_case("arg")) {
            continue;
        }
        let words: Vec<&str> = split.next().unwrap_or("").split_whitespace().collect();
        if words.is_empty()
            || words.iter().any(|w| w.starts_with('='))
            || logical.contains(['"', '\'', '$', '\\'])
        {
            return None;
        }
        if let Some(version) = words
            .iter()
            .filter_map(|w| w.strip_prefix("CONTAINER_APP_VERSION="))
            .find(|v| !v.is_empty())
        {
            return Some(Some(version.to_owned()));
        }
    }
    Some(None)
}

#[test]
fn the_oracle_reads_the_examples() {
    for (text, version) in DOCKERFILES {
        assert_eq!(oracle_version(text), Some(Some(version.to_string())));
    }
    let cases = [
        (
            "\u{feff}# c\r\n\r\n  arg  A=1 \\\n  # x\n\n   CONTAINER_APP_VERSION=2 B\n",
            Some(Some("2")),
        ),
        (
            "ARG CONTAINER_APP_VERSION= CONTAINER_APP_VERSION\nonbuild ARG CONTAINER_APP_VERSION=3\n",
            Some(None),
        ),
        (
            "RUN x \\\nARG CONTAINER_APP_VERSION=4\nARG CONTAINER_APP_VERSION=5 #\n",
            Some(Some("5")),
        ),
        ("ARG CONTAINER_APP_VERSION=\"1\"\n", None),
        ("# escape=`\nARG CONTAINER_APP_VERSION=1\n", None),
        ("RUN <<EOF\nEOF\n", None),
    ];
    for (text, want) in cases {
        let want = want.map(|v| v.map(str::to_owned));
        assert_eq!(oracle_version(text), want, "{text:?}");
    }
}

/// How the two readers must agree, what any answer looks like, and, where
/// the independent [`oracle_version`] applies, that it is its answer.
fn check_dockerfile_answer(text: &str) -> Result<Option<String>, TestCaseError> {
    let strict = app_version(text, FILE).map_err(|e| e.to_string());
    let lenient = declared_app_version(text, FILE).map_err(|e| e.to_string());
    let missing = format!("{FILE} has no `ARG CONTAINER_APP_VERSION=<version>`");
    match oracle_version(text) {
        Some(Some(v)) => ensure!(
            strict.as_ref() == Ok(&v),
            "BuildKit's rules give {v:?}, the module {strict:?}"
        ),
        Some(None) => ensure!(
            strict.as_ref().is_err_and(|e| e.starts_with(&missing)),
            "BuildKit's rules give no version, the module {strict:?}"
        ),
        None => {}
    }
    match (&strict, &lenient) {
        (Ok(v), Ok(Some(w))) => {
            ensure!(v == w, "the readers disagree: {v:?} and {w:?}");
            // Lines end at `\n`; an escaped lone `\r` is a character of the
            // value, in BuildKit too.
            ensure!(
                !v.is_empty() && !v.contains('\n'),
                "a version with no text or a line break: {v:?}"
            );
        }
        (Err(e), Ok(None)) => ensure!(e.starts_with(&missing), "{e}"),
        (Err(e), Err(f)) => {
            ensure!(e == f, "the readers give different errors:\n{e}\n{f}");
            ensure!(
                e.starts_with(&format!("{FILE} line ")),
                "an error that does not name the file and line: {e}"
            );
        }
        _ => ensure!(false, "the readers disagree: {strict:?} and {lenient:?}"),
    }
    if let Err(e) = &strict {
        // User input shows only as an excerpt, however large the file.
        ensure!(e.len() < 1_000, "a {}-byte error", e.len());
    }
    Ok(strict.ok())
}

/// One ARG word of the model: a name, and maybe a value.
#[derive(Debug, Clone)]
struct Decl {
    version: bool,
    other_name: String,
    value: Option<DValue>,
}

/// A value as written, and what it means.
#[derive(Debug, Clone)]
enum DValue {
    /// Segments, each bare (0), double-quoted (1), single-quoted (2), or
    /// double-quoted with `%` standing for the escape character (3), which
    /// is written bare where an ordinary character follows it: BuildKit
    /// keeps an escape inside `"…"` unless `"`, `$` or the escape follows.
    Literal(Vec<(u8, String)>),
    /// A value that needs variable substitution.
    Substitution(String),
}

impl DValue {
    fn render(&self, escape: char) -> String {
        match self {
            DValue::Literal(segments) => segments
                .iter()
                .map(|(quote, text)| match quote {
                    0 => text.clone(),
                    1 => {
                        let mut out = String::from("\"");
                        for c in text.chars() {
                            if matches!(c, '"' | '$') || c == escape {
                                out.push(escape);
                            }
                            out.push(c);
                        }
                        out.push('"');
                        out
                    }
                    3 => {
                        let chars: Vec<char> =
                            text.replace('%', &escape.to_string()).chars().collect();
                        let mut out = String::from("\"");
                        for (i, &c) in chars.iter().enumerate() {
                            let ordinary_next = chars
                                .get(i + 1)
                                .is_some_and(|&n| !matches!(n, '"' | '$') && n != escape);
                            if c == escape && !ordinary_next {
                                out.push(escape);
                            }
                            out.push(c);
                        }
                        out.push('"');
                        out
                    }
                    _ => format!("'{text}'"),
                })
                .collect(),
            DValue::Substitution(raw) => raw.clone(),
        }
    }

    /// What the value means, with `escape` the file's escape character.
    fn literal(&self, escape: char) -> Option<String> {
        match self {
            DValue::Literal(segments) => Some(
                segments
                    .iter()
                    .map(|(quote, t)| match quote {
                        3 => t.replace('%', &escape.to_string()),
                        _ => t.clone(),
                    })
                    .collect(),
            ),
            DValue::Substitution(_) => None,
        }
    }
}

/// One instruction of the model.
#[derive(Debug, Clone)]
enum Instr {
    Comment(String),
    Blank,
    From(String),
    Run(String),
    /// `RUN cat <<EOF` (`<<-EOF` when `chomp`, whose end line is indented
    /// with `tabs` tabs).
    Heredoc {
        chomp: bool,
        tabs: usize,
        body: Vec<String>,
    },
    /// ENV, LABEL or ONBUILD ARG that mention the version: not a declaration.
    Decoy(&'static str),
    Arg {
        keyword: &'static str,
        decls: Vec<Decl>,
        /// Which word boundaries are line continuations (with a comment line).
        breaks: Vec<(bool, bool)>,
    },
}

fn dvalue() -> impl Strategy<Value = DValue> {
    let segment = prop_oneof![
        4 => (Just(0u8), "[0-9A-Za-z._+-]{0,12}"),
        2 => (Just(1u8), "[0-9A-Za-z._+ '$@#\"-]{0,12}"),
        2 => (Just(2u8), "[0-9A-Za-z._+ \"$\\\\@#{}-]{0,12}"),
        2 => (Just(3u8), "[0-9A-Za-z._+ '@#%-]{0,12}"),
    ];
    prop_oneof![
        8 => prop::collection::vec(segment, 1..4).prop_map(DValue::Literal),
        1 => prop::sample::select(&[
            "${BASE}", "$BASE", "v${BASE}", "\"${BASE}\"", "${BASE:-1}", "1.$X", "\"a$B\"",
        ][..])
        .prop_map(|s| DValue::Substitution(s.to_owned())),
    ]
}

fn decl() -> impl Strategy<Value = Decl> {
    (
        prop::bool::weighted(0.4),
        "[A-Z][A-Z_]{0,8}",
        prop::option::weighted(0.8, dvalue()),
    )
        .prop_map(|(version, other_name, value)| Decl {
            version,
            other_name,
            value,
        })
}

fn instr() -> impl Strategy<Value = Instr> {
    prop_oneof![
        2 => "[a-zA-Z0-9 .:{}\"'$\\\\-]{0,30}".prop_map(Instr::Comment),
        1 => Just(Instr::Blank),
        2 => "[a-z0-9:./-]{1,20}( AS [a-z]{1,6})?".prop_map(Instr::From),
        2 => "[a-z0-9 =.$/{}\"'|&;-]{1,40}".prop_map(Instr::Run),
        1 => (any::<bool>(), 0..3usize, prop::collection::vec(heredoc_line(), 0..4))
            .prop_map(|(chomp, tabs, body)| Instr::Heredoc { chomp, tabs, body }),
        1 => prop::sample::select(&[
            "ENV CONTAINER_APP_VERSION=8",
            "LABEL x=\"ARG CONTAINER_APP_VERSION=7\"",
            "onbuild ARG CONTAINER_APP_VERSION=6",
            "RUN echo ARG CONTAINER_APP_VERSION=5",
            "RUN [\"ARG\", \"CONTAINER_APP_VERSION=4\"]",
        ][..])
        .prop_map(Instr::Decoy),
        4 => (
            prop::sample::select(&["ARG", "arg", "Arg"][..]),
            prop::collection::vec(decl(), 1..4),
            prop::collection::vec((prop::bool::weighted(0.2), any::<bool>()), 4),
        )
            .prop_map(|(keyword, decls, breaks)| Instr::Arg { keyword, decls, breaks }),
    ]
}

/// A line of a heredoc's body: text, or one that looks like its end but is
/// not (for `<<-`, only leading tabs are stripped; for `<<`, none), or an
/// ARG that, being content, declares nothing.
fn heredoc_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[A-Za-z0-9 =.$_-]{0,30}",
        2 => prop::sample::select(&[
            " EOF", "  EOF", "\t EOF", " \tEOF", "\t\t  EOF", "EOF ", "\tEOF", "\t\tEOF", "eof",
        ][..])
        .prop_map(str::to_owned),
        1 => Just("ARG CONTAINER_APP_VERSION=5.5.5".to_owned()),
    ]
}

/// A generated Dockerfile: the escape character, CRLF line ends, the
/// instructions.
fn dockerfile_model() -> impl Strategy<Value = (bool, bool, Vec<Instr>)> {
    (
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::collection::vec(instr(), 0..12),
    )
}

fn render_dockerfile(backtick: bool, crlf: bool, instrs: &[Instr]) -> String {
    let escape = if backtick { '`' } else { '\\' };
    let mut out = String::new();
    if backtick {
        out.push_str("# escape=`\n");
    }
    for instr in instrs {
        match instr {
            Instr::Comment(text) => out.push_str(&format!("# {text}\n")),
            Instr::Blank => out.push('\n'),
            Instr::From(image) => out.push_str(&format!("FROM {image}\n")),
            // A word at the end, so that the line never ends in an escape.
            Instr::Run(cmd) => out.push_str(&format!("RUN {cmd} end\n")),
            Instr::Heredoc { chomp, tabs, body } => {
                let dash = if *chomp { "-" } else { "" };
                out.push_str(&format!("RUN cat <<{dash}EOF >/x\n"));
                for line in body {
                    // The lines that would end it (BuildKit: the line, without
                    // its leading tabs for `<<-`, is the name).
                    let ends = if *chomp {
                        line.trim_start_matches('\t') == "EOF"
                    } else {
                        line == "EOF"
                    };
                    if !ends {
                        out.push_str(&format!("{line}\n"));
                    }
                }
                let indent = if *chomp {
                    "\t".repeat(*tabs)
                } else {
                    String::new()
                };
                out.push_str(&format!("{indent}EOF\n"));
            }
            Instr::Decoy(text) => out.push_str(&format!("{text}\n")),
            Instr::Arg {
                keyword,
                decls,
                breaks,
            } => {
                out.push_str(keyword);
                for (i, d) in decls.iter().enumerate() {
                    let (brk, comment) = breaks[i % breaks.len()];
                    if brk {
                        out.push_str(&format!(" {escape}\n"));
                        if comment {
                            out.push_str("  # CONTAINER_APP_VERSION=0\n");
                        }
                        out.push_str("   ");
                    } else {
                        out.push(' ');
                    }
                    out.push_str(if d.version {
                        "CONTAINER_APP_VERSION"
                    } else {
                        &d.other_name
                    });
                    if let Some(v) = &d.value {
                        out.push('=');
                        out.push_str(&v.render(escape));
                    }
                }
                out.push('\n');
            }
        }
    }
    if crlf { out.replace('\n', "\r\n") } else { out }
}

/// BuildKit's rule on the model: the first non-empty literal value of a
/// `CONTAINER_APP_VERSION` word of an ARG instruction; a substitution there
/// is an error.
fn expected_dockerfile_version(instrs: &[Instr], escape: char) -> Result<Option<String>, ()> {
    for instr in instrs {
        let Instr::Arg { decls, .. } = instr else {
            continue;
        };
        for d in decls.iter().filter(|d| d.version) {
            match d.value.as_ref().map(|v| v.literal(escape)) {
                None => {}
                Some(None) => return Err(()),
                Some(Some(v)) if v.is_empty() => {}
                Some(Some(v)) => return Ok(Some(v)),
            }
        }
    }
    Ok(None)
}

/// Edits that do not change what a Dockerfile declares.
#[derive(Debug, Clone)]
enum Harmless {
    CommentLine(Index, String),
    BlankLine(Index),
    Indent(Index, &'static str),
    TrailingBlanks(Index, &'static str),
    KeywordCase(Index),
}

fn harmless_edit() -> impl Strategy<Value = Harmless> {
    let blanks = prop::sample::select(&[" ", "\t", "  \t", "    "][..]);
    prop_oneof![
        (
            any::<Index>(),
            prop_oneof![
                "[a-zA-Z0-9 .:{}\"'$\\\\-]{0,30}",
                Just("ARG CONTAINER_APP_VERSION=9.9.9".to_owned())
            ]
        )
            .prop_map(|(i, t)| Harmless::CommentLine(i, t)),
        any::<Index>().prop_map(Harmless::BlankLine),
        (any::<Index>(), blanks.clone()).prop_map(|(i, b)| Harmless::Indent(i, b)),
        (any::<Index>(), blanks).prop_map(|(i, b)| Harmless::TrailingBlanks(i, b)),
        any::<Index>().prop_map(Harmless::KeywordCase),
    ]
}

fn apply_harmless(text: &str, edits: &[Harmless], crlf: bool, bom: bool) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for edit in edits {
        match edit {
            Harmless::CommentLine(i, t) => {
                // Not above a first-line comment, where it could be read as
                // a parser directive: the examples have none.
                let at = i.index(lines.len() + 1);
                lines.insert(at, format!("# {t}"));
            }
            Harmless::BlankLine(i) => {
                let at = i.index(lines.len() + 1);
                lines.insert(at, String::new());
            }
            Harmless::Indent(i, b) if !lines.is_empty() => {
                let at = i.index(lines.len());
                lines[at].insert_str(0, b);
            }
            Harmless::TrailingBlanks(i, b) if !lines.is_empty() => {
                let at = i.index(lines.len());
                lines[at].push_str(b);
            }
            Harmless::KeywordCase(i) if !lines.is_empty() => {
                let at = i.index(lines.len());
                let line = &mut lines[at];
                // Instructions start at the first column in the examples;
                // continuation lines are indented.
                if line.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let end = line.find(' ').unwrap_or(line.len());
                    let lower = line[..end].to_ascii_lowercase();
                    line.replace_range(..end, &lower);
                }
            }
            _ => {}
        }
    }
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut out = if bom {
        "\u{feff}".to_owned()
    } else {
        String::new()
    };
    for line in lines {
        out.push_str(&line);
        out.push_str(eol);
    }
    out
}

#[test]
fn dockerfile_version() {
    let mut f = Fuzz::new("dockerfile version (core::dockerfile)");
    let near_misses = || {
        prop_oneof![
            any_text(),
            pieces_of(DOCKERFILE_PIECES, 40),
            mutated(DOCKERFILE_TEXTS, DOCKERFILE_PIECES),
        ]
    };
    f.check(
        "any text: no panic, both readers agree, errors name the file and stay short",
        near_misses(),
        |text| check_dockerfile_answer(&text).map(|_| ()),
    );
    f.check(
        "a version declared on the first line wins over anything below it",
        (near_misses(), "[0-9A-Za-z_][0-9A-Za-z_.+-]{0,20}"),
        |(text, version)| {
            let text = format!("ARG CONTAINER_APP_VERSION={version}\n{text}");
            let got = check_dockerfile_answer(&text)?;
            ensure!(got.as_deref() == Some(&*version), "{got:?}");
            Ok(())
        },
    );
    f.check(
        "comments, blank lines, indentation, keyword case, CRLF and a BOM keep an example's version",
        (
            prop::sample::select(DOCKERFILES),
            prop::collection::vec(harmless_edit(), 0..12),
            any::<bool>(),
            any::<bool>(),
        ),
        |((text, version), edits, crlf, bom)| {
            let text = apply_harmless(text, &edits, crlf, bom);
            let got = check_dockerfile_answer(&text)?;
            ensure!(got.as_deref() == Some(version), "{got:?} in\n{text}");
            Ok(())
        },
    );
    f.check(
        "generated Dockerfiles: the version is BuildKit's first non-empty ARG value",
        dockerfile_model(),
        |(backtick, crlf, instrs)| {
            let text = render_dockerfile(backtick, crlf, &instrs);
            let strict = app_version(&text, FILE).map_err(|e| e.to_string());
            let escape = if backtick { '`' } else { '\\' };
            match expected_dockerfile_version(&instrs, escape) {
                Ok(Some(v)) => ensure!(
                    strict.as_ref() == Ok(&v),
                    "want {v:?}, got {strict:?} from\n{text}"
                ),
                Ok(None) => ensure!(
                    strict
                        .as_ref()
                        .is_err_and(|e| e.contains("has no `ARG CONTAINER_APP_VERSION")),
                    "want none, got {strict:?} from\n{text}"
                ),
                Err(()) => ensure!(
                    strict
                        .as_ref()
                        .is_err_and(|e| e.contains("variable substitution")),
                    "want a substitution error, got {strict:?} from\n{text}"
                ),
            }
            check_dockerfile_answer(&text).map(|_| ())
        },
    );
    f.finish();
}

// ---- core::nix::nix_version --------------------------------------------

const NIX_FILES: &[(&str, Option<&str>)] = &[
    (
        include_str!("../../containers/ntfy/default.nix"),
        Some("2.14.0"),
    ),
    (include_str!("../../containers/nettest/default.nix"), None),
    (include_str!("../../containers/jq/default.nix"), None),
];

const NIX_TEXTS: &[&str] = &[NIX_FILES[0].0, NIX_FILES[1].0, NIX_FILES[2].0];

const NIX_PIECES: &[&str] = &[
    "version",
    "version = \"9\";",
    " = ",
    "=",
    "==",
    "\"",
    "''",
    "'''",
    "''$",
    "''\\",
    "'",
    "${",
    "$${",
    "\\${",
    "}",
    "{",
    ";",
    " ",
    "\n",
    "#",
    "# version = \"9\";\n",
    "/*",
    "*/",
    "\\",
    "\\\"",
    "$",
    "1.0",
    "let ",
    " in ",
    "inherit ",
    "é",
    ".",
    "?",
    ":",
];

/// A plain Nix string literal whose value is `value`.
fn nix_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' | '\\' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One binding (or comment) of a generated Nix attribute set.
#[derive(Debug, Clone)]
enum NixItem {
    /// `version = "<value>";`: counts.
    Version(String),
    /// Also counts: a nested set holding the binding.
    Nested(String),
    /// A comment or string holding `version = "9";`, or a binding that is
    /// not one: never counts.
    Hidden(String),
    /// An ordinary binding.
    Other(String),
}

fn nix_item() -> impl Strategy<Value = NixItem> {
    let value = prop_oneof![
        4 => "[0-9A-Za-z._+-]{1,16}",
        1 => "[0-9A-Za-z._+\"\\\\${} -]{1,16}",
    ];
    let hidden_text = "[a-z0-9 .=;{}\\\\\"$'-]{0,16}";
    prop_oneof![
        2 => value.clone().prop_map(NixItem::Version),
        1 => value.prop_map(NixItem::Nested),
        6 => (
            prop::sample::select(&[
                "# version = \"9\";\n",
                "/* version = \"9\"; */",
                "/* { version = \"9\"; } ** / */",
                "s = \"version = \\\"9\\\";\";",
                "s = \"${ \"}\" } version = \\\"9\\\";\";",
                "s = \"${ f \"${ g \"}\" }\" } ; version = \\\"9\\\";\";",
                "s = \"$${version = \\\"9\\\";}\";",
                "s = ''\n  version = \"9\";\n'';",
                "s = '' ''${version} ''' version = \"9\"; '';",
                "s = '' ${ \"''\" } version = \"9\"; '';",
                "pversion = \"9\";",
                "my-version = \"9\";",
                "version' = \"9\";",
                "version.x = \"9\";",
                "x.version = \"9\";",
                "inherit version;",
                "f = { version ? \"9\" }: version;",
                "b = version == \"9\";",
                "version = x;",
                "version = \"a${x}\";",
                "version = ''9'';",
                "version = \"9\" + x;",
            ][..]),
            hidden_text,
        )
            .prop_map(|(decoy, text)| {
                // Surround the decoy with text that cannot end it.
                if decoy.starts_with('#') {
                    NixItem::Hidden(format!("# {}\n{decoy}", text.replace('\n', " ")))
                } else if decoy.starts_with("/*") {
                    NixItem::Hidden(format!("/* {} */ {decoy}", text.replace("*/", "")))
                } else {
                    NixItem::Hidden(decoy.to_owned())
                }
            }),
        3 => ("[a-z][a-zA-Z0-9_]{0,8}", "[a-z0-9 .-]{0,10}")
            .prop_filter("not the version", |(n, _)| n != "version")
            .prop_map(|(n, v)| NixItem::Other(format!("{n} = {};", nix_string(&v)))),
    ]
}

fn render_nix(items: &[NixItem], form: u8) -> String {
    let body: Vec<String> = items
        .iter()
        .map(|item| match item {
            NixItem::Version(v) => format!("version = {};", nix_string(v)),
            NixItem::Nested(v) => format!("meta = {{ version = {}; }};", nix_string(v)),
            NixItem::Hidden(s) | NixItem::Other(s) => s.clone(),
        })
        .collect();
    let body = body.join("\n  ");
    match form {
        0 => format!("{{ pkgs ? import <nixpkgs> {{}} }}:\n\nlet\n  {body}\nin\npkgs.hello\n"),
        1 => format!("{{\n  {body}\n}}\n"),
        _ => format!("# a comment\nrec {{ {body} }}"),
    }
}

fn expected_nix_version(items: &[NixItem]) -> Option<String> {
    items.iter().find_map(|item| match item {
        NixItem::Version(v) | NixItem::Nested(v) => Some(v.clone()),
        _ => None,
    })
}

#[test]
fn nix_version_binding() {
    let mut f = Fuzz::new("nix version (core::nix::nix_version)");
    let near_misses = || {
        prop_oneof![
            any_text(),
            pieces_of(NIX_PIECES, 40),
            mutated(NIX_TEXTS, NIX_PIECES),
        ]
    };
    f.check(
        "any text: no panic, and a found binding survives whatever follows it",
        (near_misses(), any::<Index>()),
        |(text, cut)| {
            let cut = boundary(&text, cut.index(text.len() + 1));
            if let Some(v) = nix_version(&text[..cut]) {
                let full = nix_version(&text);
                ensure!(full.as_ref() == Some(&v), "{v:?} then {full:?}");
            }
            Ok(())
        },
    );
    f.check(
        "a binding in front of any text is the one found",
        (near_misses(), "[0-9A-Za-z._+-]{1,20}"),
        |(text, version)| {
            let text = format!("{{ version = {}; }}\n{text}", nix_string(&version));
            let got = nix_version(&text);
            ensure!(got.as_deref() == Some(&*version), "{got:?}");
            Ok(())
        },
    );
    f.check(
        "generated files: the first real binding, never one inside a comment or a string",
        (prop::collection::vec(nix_item(), 0..10), 0..3u8),
        |(items, form)| {
            let text = render_nix(&items, form);
            let got = nix_version(&text);
            let want = expected_nix_version(&items);
            ensure!(got == want, "want {want:?}, got {got:?} from\n{text}");
            Ok(())
        },
    );
    f.check(
        "hidden bindings added to the examples change nothing",
        (
            prop::sample::select(NIX_FILES),
            prop::collection::vec((any::<Index>(), nix_item()), 0..8),
        ),
        |((text, version), inserts)| {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            for (at, item) in inserts {
                let NixItem::Hidden(decoy) = item else {
                    continue;
                };
                // After a line that ends where a binding may start, or as a
                // comment anywhere (the examples have no multi-line strings).
                let at = at.index(lines.len() + 1);
                let binding_place = at > 0 && {
                    let prev = lines[at - 1].trim_end();
                    prev.ends_with('{') || prev.ends_with(';') || prev.ends_with("let")
                };
                if binding_place || decoy.starts_with('#') || decoy.starts_with("/*") {
                    let decoy = if binding_place || decoy.starts_with('#') {
                        decoy
                    } else {
                        // A block comment alone: what follows it is unchanged.
                        decoy[..decoy.rfind("*/").map_or(0, |e| e + 2)].to_owned()
                    };
                    lines.insert(at, decoy);
                }
            }
            let text = lines.join("\n");
            let got = nix_version(&text);
            ensure!(
                got.as_deref() == version,
                "want {version:?}, got {got:?} from\n{text}"
            );
            Ok(())
        },
    );
    f.finish();
}

// ---- core::tags --------------------------------------------------------

/// Versions as they appear in real files, and characters that break them.
const VERSION_SEEDS: &[&str] = &[
    "2.2.17",
    "v0.60.3",
    "4.1.1-r1",
    "1.29.3",
    "3.5.7",
    "0.1.0",
    "2.14.0",
    "3.8.2",
    "v",
    "",
    "1.0.0-rc.1",
    "2024_01_01",
];

const VERSION_PIECES: &[&str] = &[
    "+", " ", "/", ":", "@", "v", ".", "-", "_", "é", "\n", "\0", "1", "a", "V", "..", "--",
];

fn versionish() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => mutated(VERSION_SEEDS, VERSION_PIECES),
        2 => "[a-zA-Z0-9_.:/+ -]{0,20}",
        1 => "[a-z0-9.]{110,130}",
        1 => any_text(),
    ]
}

fn hex_sha() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9a-fA-F]{5,42}",
        1 => "[0-9a-gA-G ]{6,12}",
        1 => any_text(),
    ]
}

fn variant() -> impl Strategy<Value = BuildKind> {
    prop_oneof![Just(BuildKind::Dockerfile), Just(BuildKind::Nix)]
}

#[test]
fn tag_rules() {
    let mut f = Fuzz::new("tag rules (core::tags)");
    f.check(
        "Tag::parse accepts exactly the OCI tag grammar, and keeps the text",
        prop_oneof![
            "[a-zA-Z0-9_.:/+ -]{0,130}",
            mutated(VERSION_SEEDS, VERSION_PIECES),
            any_text()
        ],
        |s| {
            let parsed = Tag::parse(&s);
            ensure!(
                parsed.is_ok() == oci_tag().is_match(&s),
                "{s:?}: {parsed:?}"
            );
            if let Ok(t) = parsed {
                ensure!(t.as_str() == s && t.to_string() == s, "{t:?}");
            } else if let Err(e) = parsed {
                ensure!(e.to_string().len() < 400, "a long error");
            }
            Ok(())
        },
    );
    f.check(
        "normalize_version: a `v` added once, and only a version that makes a tag",
        versionish(),
        |v| {
            let got = normalize_version(&v, "containers/x/Dockerfile");
            let want = if v.starts_with('v') {
                v.clone()
            } else {
                format!("v{v}")
            };
            let valid = !v.is_empty() && v != "v" && oci_tag().is_match(&want);
            match got {
                Ok(n) => ensure!(valid && n == want, "{v:?} gave {n:?}"),
                Err(e) => {
                    let e = e.to_string();
                    ensure!(!valid, "{v:?} refused: {e}");
                    ensure!(e.contains("containers/x/Dockerfile"), "{e}");
                }
            }
            Ok(())
        },
    );
    f.check(
        "CommitSha::parse accepts 7 to 40 hex digits, lowercased",
        hex_sha(),
        |s| {
            let valid = re(r"^[0-9a-fA-F]{7,40}$").is_match(&s);
            match CommitSha::parse(&s) {
                Ok(c) => {
                    ensure!(valid, "{s:?} accepted");
                    let lower = s.to_ascii_lowercase();
                    ensure!(c.as_str() == lower && c.to_string() == lower, "{c:?}");
                    ensure!(c.short() == &lower[..7], "{c:?}");
                    ensure!(
                        c.full() == (s.len() == 40).then_some(lower.as_str()),
                        "{c:?}"
                    );
                }
                Err(e) => {
                    ensure!(!valid, "{s:?} refused");
                    ensure!(e.to_string().contains("--commit-sha"), "{e}");
                }
            }
            Ok(())
        },
    );
    f.check(
        "publish tags: the commit tag first, every tag valid, none twice",
        (
            versionish(),
            "[0-9a-f]{7,40}",
            variant(),
            prop::collection::vec(
                prop_oneof!["latest", "stable", "[a-zA-Z0-9_.:-]{0,10}", any_text()],
                0..4,
            ),
        ),
        |(v, sha, variant, extra)| {
            let commit = CommitSha::parse(&sha).unwrap();
            let got = publish_tags(&v, "--version", &commit, variant, &extra);
            let suffix = if variant == BuildKind::Nix {
                "-nix"
            } else {
                ""
            };
            let head = normalize_version(&v, "--version")
                .ok()
                .map(|n| format!("{n}-{}{suffix}", &sha[..7]))
                .filter(|t| t.len() <= MAX_TAG_LEN);
            let valid = head.is_some() && extra.iter().all(|t| oci_tag().is_match(t));
            match got {
                Ok(tags) => {
                    ensure!(valid, "accepted {v:?} {extra:?}");
                    let tags: Vec<&str> = tags.iter().map(Tag::as_str).collect();
                    ensure!(Some(tags[0]) == head.as_deref(), "{tags:?}");
                    let mut want: Vec<&str> = vec![tags[0]];
                    for t in &extra {
                        if !want.contains(&t.as_str()) {
                            want.push(t);
                        }
                    }
                    ensure!(tags == want, "{tags:?} != {want:?}");
                    ensure!(tags.iter().all(|t| oci_tag().is_match(t)), "{tags:?}");
                    let single = commit_tag(&v, "--version", &commit, variant).unwrap();
                    ensure!(single.as_str() == tags[0], "{single}");
                }
                Err(e) => ensure!(!valid, "refused {v:?} {extra:?}: {e}"),
            }
            Ok(())
        },
    );
    f.check(
        "legacy release tags: exactly v<digits>.<digits>.<digits>",
        (
            prop_oneof![
                "v[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
                mutated(&["v1.2.3", "v10.0.0"], VERSION_PIECES),
                "[v0-9.٣]{0,10}",
            ],
            variant(),
        ),
        |(s, variant)| {
            let valid = re(r"^v[0-9]+\.[0-9]+\.[0-9]+$").is_match(&s);
            let got = legacy_tag(&s, variant);
            ensure!(got.is_ok() == valid, "{s:?}: {got:?}");
            if let Ok(t) = got {
                let want = if variant == BuildKind::Nix {
                    format!("{s}-nix")
                } else {
                    s
                };
                ensure!(t.as_str() == want, "{t}");
            }
            Ok(())
        },
    );
    f.finish();
}

// ---- core::names -------------------------------------------------------

const NAME_SEEDS: &[&str] = &[
    "homepage-nginx",
    "jq",
    "loki",
    "miniflux",
    "navidrome",
    "nettest",
    "ntfy",
    "prometheus",
    "transmission",
    "kube-state-metrics",
    "node_exporter",
    "a__b",
    "..",
    "../etc",
];

const NAME_PIECES: &[&str] = &[
    ".", "..", "/", "../", "_", "__", "___", "-", "--", "A", "é", " ", "\n", "\0", "%2e", "\\",
    "*", "0",
];

#[test]
fn container_names() {
    let mut f = Fuzz::new("container names (core::names)");
    f.check(
        "accepted names are exactly the OCI path components, and stay one folder",
        prop_oneof![
            4 => mutated(NAME_SEEDS, NAME_PIECES),
            2 => "[a-z0-9._/A-Z-]{0,16}",
            1 => any_text(),
            1 => "[a-z0-9]{1,4}([._-]{1,3}[a-z0-9]{1,4}){0,6}",
            1 => "[a-z]{250,260}",
        ],
        |s| {
            let parsed = ContainerName::parse(&s);
            ensure!(parsed.is_ok() == name_ok(&s), "{s:?}: {parsed:?}");
            match parsed {
                Ok(n) => {
                    ensure!(n.as_str() == s && n.to_string() == s, "{n:?}");
                    let path = std::path::Path::new("containers").join(n.as_str());
                    let parts: Vec<_> = path.components().collect();
                    ensure!(
                        parts.len() == 2
                            && matches!(parts[1], std::path::Component::Normal(p) if p == s.as_str()),
                        "{s:?} is not one folder under containers/"
                    );
                }
                Err(e) => {
                    let e = e.to_string();
                    ensure!(e.contains("container name") && e.len() < 600, "{e}");
                }
            }
            Ok(())
        },
    );
    f.finish();
}

// ---- core::image_ref ---------------------------------------------------

const REGISTRY_SEEDS: &[&str] = &[
    "registry.ops.eblu.me",
    "127.0.0.1:5000",
    "localhost:5000",
    "ghcr.io",
    "https://registry.ops.eblu.me",
    "[::1]:5000",
];

const REGISTRY_PIECES: &[&str] = &[
    ".", "..", "-", ":", ":0", ":65535", ":65536", ":+1", ":-1", "/", "://", "_", "A", " ", "é",
    "\n", "@", "[", "]",
];

fn host_label() -> &'static str {
    "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
}

/// A registry host: DNS labels and an optional port 1..=65535.
fn registry_reference(s: &str) -> bool {
    static R: OnceLock<Regex> = OnceLock::new();
    let label = host_label();
    let r = R.get_or_init(|| compile(&format!(r"^({label}(?:\.{label})*)(?::([0-9]+))?$")));
    let Some(caps) = r.captures(s) else {
        return false;
    };
    let host = &caps[1];
    let port_ok = caps.get(2).is_none_or(|p| {
        p.as_str()
            .parse::<u32>()
            .is_ok_and(|n| (1..=65535).contains(&n))
    });
    let lengths_ok = host.len() <= 253 && host.split('.').all(|l| l.len() <= 63);
    port_ok && lengths_ok
}

/// The distribution reference grammar: `domain/path:tag`.
fn reference_grammar() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    let label = host_label();
    R.get_or_init(|| {
        compile(&format!(
            r"^{label}(?:\.{label})*(?::[0-9]+)?/{COMPONENT}(?:/{COMPONENT})*:[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}}$"
        ))
    })
}

#[test]
fn image_references() {
    let mut f = Fuzz::new("image references (core::image_ref)");
    f.check(
        "Registry::parse accepts a host with an optional port 1-65535, nothing else",
        prop_oneof![
            4 => mutated(REGISTRY_SEEDS, REGISTRY_PIECES),
            2 => "[a-z0-9.:-]{0,20}",
            1 => "[a-z]{1,3}(\\.[a-z0-9]{1,70}){1,5}(:[0-9+]{1,6})?",
            1 => any_text(),
        ],
        |s| {
            let parsed = Registry::parse(&s);
            ensure!(
                parsed.is_ok() == registry_reference(&s),
                "{s:?}: {parsed:?}"
            );
            if let Ok(r) = parsed {
                ensure!(r.as_str() == s, "{r:?}");
            } else if let Err(e) = parsed {
                let e = e.to_string();
                ensure!(e.starts_with("--registry") && e.len() < 600, "{e}");
            }
            Ok(())
        },
    );
    f.check(
        "Namespace::parse accepts OCI path components joined by `/`",
        prop_oneof![
            mutated(&["blumeops", "team/images", "a/b/c"], NAME_PIECES),
            "[a-z0-9._/A-Z-]{0,16}",
            any_text(),
        ],
        |s| {
            let parsed = Namespace::parse(&s);
            ensure!(parsed.is_ok() == path_ok(&s), "{s:?}: {parsed:?}");
            Ok(())
        },
    );
    f.check(
        "every accepted registry, namespace, name and tag make a valid image reference",
        (
            prop_oneof![
                mutated(REGISTRY_SEEDS, REGISTRY_PIECES),
                "[a-z0-9.:-]{1,20}"
            ],
            mutated(&["blumeops", "team/images"], NAME_PIECES),
            mutated(NAME_SEEDS, NAME_PIECES),
            mutated(VERSION_SEEDS, VERSION_PIECES),
        ),
        |(registry, namespace, name, tag)| {
            let (Ok(registry), Ok(namespace), Ok(name), Ok(tag)) = (
                Registry::parse(&registry),
                Namespace::parse(&namespace),
                ContainerName::parse(&name),
                Tag::parse(&tag),
            ) else {
                return Ok(());
            };
            let repo = Repository {
                registry: registry.clone(),
                namespace: namespace.clone(),
                name: name.clone(),
            };
            let reference = repo.tagged(&tag);
            ensure!(reference_grammar().is_match(&reference), "{reference:?}");
            ensure!(
                reference
                    == format!(
                        "{}/{}/{}:{}",
                        registry.as_str(),
                        namespace.as_str(),
                        name,
                        tag
                    ),
                "{reference:?}"
            );
            ensure!(
                repo.path() == format!("{}/{name}", namespace.as_str()) && path_ok(&repo.path()),
                "{}",
                repo.path()
            );
            Ok(())
        },
    );
    f.finish();
}

// ---- core::build_options -----------------------------------------------

const BUILD_ARG_SEEDS: &[&str] = &[
    "CONTAINER_APP_VERSION=1.2.3",
    "GOFLAGS=-trimpath",
    "A=x=y",
    "B=",
    "_C9=3",
    "NOEQUALS",
];

const BUILD_ARG_PIECES: &[&str] = &[
    "=", "==", " ", "\n", "\r", "\0", "1", "_", "-", "$", "é", "A", "\"",
];

const PLATFORM_SEEDS: &[&str] = &[
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "windows/amd64",
    "amd64",
];

const PATH_SEEDS: &[&str] = &[
    "Dockerfile",
    "./Dockerfile.alpine",
    "docker/prod.Dockerfile",
    "../miniflux/Dockerfile",
    "/etc/passwd",
];

const PATH_PIECES: &[&str] = &[
    "/", "..", "../", "./", ".", "//", "\\", "\n", "\0", " ", "é", "%2e%2e", "~",
];

/// `--build-args` by the documented rule: last value wins, in the order of
/// the last occurrence of each key.
fn build_args_reference(raw: &[String]) -> Option<Vec<(String, String)>> {
    let name = re(r"^[A-Za-z_][A-Za-z0-9_]*$");
    let mut out: Vec<(String, String)> = Vec::new();
    for entry in raw {
        let (k, v) = entry.split_once('=')?;
        if !name.is_match(k) || v.contains(['\n', '\r', '\0']) {
            return None;
        }
        out.retain(|(key, _)| key != k);
        out.push((k.to_owned(), v.to_owned()));
    }
    Some(out)
}

#[test]
fn build_option_rules() {
    let mut f = Fuzz::new("build options (core::build_options)");
    f.check(
        "--build-args: KEY=VALUE with a shell name and one-line value, last one wins",
        prop::collection::vec(
            prop_oneof![
                mutated(BUILD_ARG_SEEDS, BUILD_ARG_PIECES),
                "[A-Za-z0-9_ =-]{0,12}",
                any_text()
            ],
            0..5,
        ),
        |raw| {
            let got = parse_build_args(&raw);
            let want = build_args_reference(&raw);
            match (&got, &want) {
                (Ok(args), Some(want)) => {
                    let pairs: Vec<(String, String)> = args
                        .iter()
                        .map(|a| (a.name.clone(), a.value.clone()))
                        .collect();
                    ensure!(&pairs == want, "{pairs:?} != {want:?}");
                    let ov = build_options::version_override(args);
                    let want_ov = want
                        .iter()
                        .find(|(k, _)| k == "CONTAINER_APP_VERSION")
                        .map(|(_, v)| v.as_str());
                    ensure!(ov == want_ov, "{ov:?}");
                }
                (Err(e), None) => {
                    let e = e.to_string();
                    ensure!(e.starts_with("--build-args entry") && e.len() < 600, "{e}");
                }
                _ => ensure!(false, "{raw:?}: got {got:?}, want {want:?}"),
            }
            Ok(())
        },
    );
    f.check(
        "platforms: os/arch[/variant] of [a-z0-9_], duplicates dropped in order",
        prop::collection::vec(
            prop_oneof![
                mutated(PLATFORM_SEEDS, &["/", "//", "A", " ", "-", "_", "\n", "é"]),
                "[a-z0-9_/A-]{0,14}",
            ],
            0..4,
        ),
        |raw| {
            let platform = re(r"^[a-z0-9_]+/[a-z0-9_]+(?:/[a-z0-9_]+)?$");
            for p in &raw {
                let got = parse_platform(p);
                ensure!(got.is_ok() == platform.is_match(p), "{p:?}: {got:?}");
                if let Ok(q) = got {
                    ensure!(&q == p, "{q:?}");
                }
            }
            let all = parse_platforms(&raw);
            let valid = raw.iter().all(|p| platform.is_match(p));
            ensure!(all.is_ok() == valid, "{raw:?}: {all:?}");
            if let Ok(list) = all {
                let mut want: Vec<String> = Vec::new();
                for p in &raw {
                    if !want.contains(p) {
                        want.push(p.clone());
                    }
                }
                ensure!(list == want, "{list:?}");
            }
            Ok(())
        },
    );
    f.check(
        "--target: a stage name; --source-url: an http(s) URL without blanks",
        prop_oneof![
            mutated(
                &[
                    "build",
                    "server",
                    "build-stage.2",
                    "https://github.com/eblume/blumeops"
                ],
                &[" ", "\n", "$", "-", ".", "_", "é", "http://", "://", "\t"]
            ),
            any_text(),
        ],
        |s| {
            let target = parse_stage(&s);
            ensure!(
                target.is_ok() == re(r"^[A-Za-z][A-Za-z0-9_.-]*$").is_match(&s),
                "{s:?}: {target:?}"
            );
            let url = parse_source_url(&s);
            let url_ok = (s.starts_with("https://") || s.starts_with("http://"))
                && s.len() > "https://".len()
                && !s.chars().any(|c| c.is_whitespace() || c.is_control());
            ensure!(url.is_ok() == url_ok, "{s:?}: {url:?}");
            Ok(())
        },
    );
    f.check(
        "--dockerfile: accepted paths stay inside the container's folder",
        prop_oneof![
            4 => mutated(PATH_SEEDS, PATH_PIECES),
            1 => "[a-z./\\\\]{0,16}",
            1 => any_text(),
        ],
        |raw| {
            let parts: Vec<&str> = raw
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            let valid = !raw.starts_with('/')
                && !parts.is_empty()
                && !parts.contains(&"..")
                && !raw.contains(['\\', '\n', '\0']);
            match parse_dockerfile_path(&raw) {
                Ok(p) => {
                    ensure!(valid, "{raw:?} accepted as {p:?}");
                    ensure!(p == parts.join("/"), "{p:?}");
                    let base = std::path::Path::new("/repo/containers/x");
                    let mut depth = 0i32;
                    for c in base.join(&p).strip_prefix(base).unwrap().components() {
                        match c {
                            std::path::Component::Normal(_) => depth += 1,
                            other => ensure!(false, "{p:?} has {other:?}"),
                        }
                    }
                    ensure!(depth >= 1, "{p:?}");
                }
                Err(e) => {
                    ensure!(!valid, "{raw:?} refused: {e}");
                    ensure!(e.to_string().starts_with("--dockerfile"), "{e}");
                }
            }
            Ok(())
        },
    );
    f.finish();
}

// ---- registry responses (src/registry/) --------------------------------

/// A JSON value, any shape, small.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9_.:-]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A tag-list page: mostly the right shape, sometimes not.
fn tag_list_value() -> impl Strategy<Value = Value> {
    let tags = prop_oneof![
        6 => prop::collection::vec("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", 0..6)
            .prop_map(|t| json!(t)),
        1 => Just(Value::Null),
        2 => json_value(),
    ];
    let page = (
        prop::option::of(tags),
        prop::option::of("[a-z0-9/]{1,12}"),
        prop::option::of(json_value()),
    )
        .prop_map(|(tags, name, extra)| {
            let mut m = serde_json::Map::new();
            if let Some(n) = name {
                m.insert("name".into(), json!(n));
            }
            if let Some(t) = tags {
                m.insert("tags".into(), t);
            }
            if let Some(x) = extra {
                m.insert("extra".into(), x);
            }
            Value::Object(m)
        })
        .boxed();
    prop_oneof![
        8 => page.clone(),
        1 => page.prop_map(|p| json!([p["tags"].clone()])),
        1 => json_value(),
    ]
}

/// A body: JSON serialized compact or pretty, maybe broken by edits.
fn body_of(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<u8>> {
    (
        value,
        any::<bool>(),
        prop::collection::vec(
            (
                any::<Index>(),
                prop::sample::select(
                    &[
                        "", "{", "}", "[", "]", ",", "\"", ":", "null", "\\", " ", "\u{0}", "é",
                    ][..],
                ),
            ),
            0..3,
        ),
    )
        .prop_map(|(v, pretty, edits)| {
            let mut text = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                v.to_string()
            };
            for (i, piece) in edits {
                let at = boundary(&text, i.index(text.len() + 1));
                text.insert_str(at, piece);
            }
            text.into_bytes()
        })
}

/// The tags of a page by the spec: a JSON object whose `tags` is missing,
/// null, or an array of strings.
fn tag_list_reference(body: &[u8]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.as_object()?.get("tags") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| t.as_str().map(str::to_owned))
            .collect(),
        Some(_) => None,
    }
}

/// A token answer by the spec: a JSON object; `token`, else `access_token`,
/// each a string when present (null counts as absent), the first non-empty.
fn token_reference(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    let field = |k: &str| match obj.get(k) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    };
    let (token, access) = (field("token")?, field("access_token")?);
    token
        .filter(|t| !t.is_empty())
        .or(access.filter(|t| !t.is_empty()))
}

fn token_value() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        3 => "[A-Za-z0-9._-]{0,12}".prop_map(Value::String),
        1 => Just(Value::Null),
        1 => json_value(),
    ];
    let answer = (
        prop::option::of(field.clone()),
        prop::option::of(field),
        prop::option::of(any::<u16>()),
    )
        .prop_map(|(token, access, expires)| {
            let mut m = serde_json::Map::new();
            if let Some(t) = token {
                m.insert("token".into(), t);
            }
            if let Some(a) = access {
                m.insert("access_token".into(), a);
            }
            if let Some(e) = expires {
                m.insert("expires_in".into(), json!(e));
            }
            Value::Object(m)
        })
        .boxed();
    prop_oneof![
        8 => answer.clone(),
        1 => answer.prop_map(|a| json!([a["token"].clone(), a["access_token"].clone()])),
        1 => json_value(),
    ]
}

/// One generated `Link` header: its links (target, rel, extra parameter),
/// as text, and the first `next` target.
fn link_header() -> impl Strategy<Value = (String, Option<String>)> {
    let link = (
        "[A-Za-z0-9/?=&._:%-]{1,30}",
        prop::option::of(prop::sample::select(
            &[
                "next",
                "prev",
                "last",
                "first",
                "NEXT",
                "prev next",
                "nextish",
                "last  next",
            ][..],
        )),
        prop::bool::ANY,
        prop::option::of(prop::sample::select(
            &[
                "title=\"a, b; rel=next\"",
                "type=text/html",
                "title=\"<x>, <y>\"",
                "rev=next",
            ][..],
        )),
        prop::sample::select(&[";", "; ", " ; "][..]),
    );
    prop::collection::vec(link, 0..5).prop_map(|links| {
        let mut want = None;
        let rendered: Vec<String> = links
            .iter()
            .map(|(target, rel, quoted, extra, sep)| {
                let mut s = format!("<{target}>");
                if let Some(x) = extra {
                    s.push_str(&format!("{sep}{x}"));
                }
                if let Some(rel) = rel {
                    if want.is_none()
                        && rel
                            .split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                    {
                        want = Some(target.to_string());
                    }
                    let rel = if *quoted || rel.contains(' ') {
                        format!("\"{rel}\"")
                    } else {
                        rel.to_string()
                    };
                    s.push_str(&format!("{sep}rel={rel}"));
                }
                s
            })
            .collect();
        (rendered.join(", "), want)
    })
}

fn tchar_token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,10}"
}

/// Generated `WWW-Authenticate` headers and the challenges they hold.
fn challenges_header() -> impl Strategy<Value = (String, Vec<Challenge>)> {
    let challenge = (
        tchar_token(),
        prop::collection::vec(
            (tchar_token(), "[^\\x00-\\x1f\\x7f]{0,16}", any::<bool>()),
            0..4,
        ),
        prop::sample::select(&["=", " = ", "="][..]),
    );
    (
        prop::collection::vec(challenge, 0..4),
        prop::sample::select(&[", ", ",", " , "][..]),
    )
        .prop_map(|(challenges, comma)| {
            let mut parsed = Vec::new();
            let mut parts = Vec::new();
            for (scheme, params, eq) in &challenges {
                let mut rendered = Vec::new();
                let mut got = Vec::new();
                for (name, value, quoted) in params {
                    // Unquoted only when the value is a token.
                    let plain = *quoted
                        || value.is_empty()
                        || !value.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b"!#$%&'*+.^_`|~-/:".contains(&b)
                        });
                    let v = if plain {
                        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
                    } else {
                        value.clone()
                    };
                    rendered.push(format!("{name}{eq}{v}"));
                    got.push((name.to_ascii_lowercase(), value.clone()));
                }
                parts.push(if rendered.is_empty() {
                    scheme.clone()
                } else {
                    format!("{scheme} {}", rendered.join(comma))
                });
                parsed.push(Challenge {
                    scheme: scheme.to_ascii_lowercase(),
                    params: got,
                });
            }
            (parts.join(comma), parsed)
        })
}

/// The distribution spec's digest grammar.
fn digest_grammar() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$"))
}

#[test]
fn registry_responses() {
    let mut f = Fuzz::new("registry responses (registry)");
    f.check(
        "tag lists parse iff they are a JSON object with a string-array (or null/missing) `tags`",
        prop_oneof![
            4 => body_of(tag_list_value()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
        ],
        |body| {
            let got = parse_tag_list(&body);
            let want = tag_list_reference(&body);
            ensure!(
                got.as_ref().ok() == want.as_ref(),
                "{:?}: got {got:?}, want {want:?}",
                String::from_utf8_lossy(&body)
            );
            if let Err(e) = got {
                ensure!(e.len() < 1_000, "a {}-byte error", e.len());
            }
            Ok(())
        },
    );
    f.check(
        "token answers: `token`, else `access_token`, from a JSON object",
        prop_oneof![
            4 => body_of(token_value()),
            1 => prop::collection::vec(any::<u8>(), 0..64),
        ],
        |body| {
            let got = parse_token(&body);
            let want = token_reference(&body);
            ensure!(
                got.as_ref().ok() == want.as_ref(),
                "{:?}: got {got:?}, want {want:?}",
                String::from_utf8_lossy(&body)
            );
            Ok(())
        },
    );
    f.check(
        "error bodies: the first error's code and message; summaries stay short",
        prop_oneof![
            body_of(json_value().prop_map(|v| json!({"errors": [v]}))),
            body_of(
                ("[A-Z_]{0,12}", "[ -~]{0,20}", json_value()).prop_map(
                    |(c, m, d)| json!({"errors": [{"code": c, "message": m, "detail": d}]})
                )
            ),
            prop::collection::vec(any::<u8>(), 0..300),
        ],
        |body| {
            let got = registry_error(&body);
            if let Some(summary) = &got {
                let v: Value = serde_json::from_slice(&body)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let first = &v["errors"][0];
                let s = |k: &str| first.get(k).and_then(Value::as_str).unwrap_or("");
                ensure!(
                    *summary == format!("{}: {}", s("code"), s("message")),
                    "{summary:?}"
                );
            }
            let summary = body_summary(&body);
            ensure!(summary.chars().count() <= 82, "{summary:?}");
            ensure!(
                summary.is_empty() || summary.starts_with(": "),
                "{summary:?}"
            );
            Ok(())
        },
    );
    f.check(
        "Link headers: the first link whose rel holds `next`",
        prop_oneof![
            4 => link_header().prop_map(|(h, w)| (h, Some(w))),
            1 => any_text().prop_map(|h| (h, None)),
        ],
        |(header, want)| {
            let got = next_link(&header);
            if let Some(want) = want {
                ensure!(got == want, "{header:?}: got {got:?}, want {want:?}");
            }
            if let Some(target) = got {
                ensure!(
                    header.contains(&format!("<{target}")) || header.contains(&target),
                    "{target:?}"
                );
            }
            Ok(())
        },
    );
    f.check(
        "WWW-Authenticate: every challenge, scheme and parameter read back",
        prop_oneof![
            4 => challenges_header().prop_map(|(h, w)| (h, Some(w))),
            1 => any_text().prop_map(|h| (h, None)),
        ],
        |(header, want)| {
            let got = parse_challenges(&header);
            if let Some(want) = want {
                ensure!(got == want, "{header:?}:\n got {got:?}\nwant {want:?}");
            }
            Ok(())
        },
    );
    f.check(
        "repository paths and digests follow the distribution spec's grammar",
        (
            prop_oneof![
                mutated(
                    &["blumeops/nettest", "a/b/c", "a.b_c__d-e--f/x0"],
                    NAME_PIECES
                ),
                "[a-z0-9._/-]{0,16}",
                "[a-z]{100,130}/[a-z]{100,130}",
            ],
            prop_oneof![
                mutated(
                    &[
                        "sha256:f05b15813ec77288b7f0821ec179cd95003c4293818904f23a12d2b842070239",
                        "sha512+b64:abc="
                    ],
                    &[":", "-", "_", ".", "+", "=", " ", "A", "é", "\n"]
                ),
                "[a-z0-9+._:=-]{0,16}",
            ],
        ),
        |(repo, digest)| {
            let want = repo.len() <= 255 && path_ok(&repo);
            let got = check_repository(&repo);
            ensure!(got.is_ok() == want, "{repo:?}: {got:?}");
            let got = is_digest(&digest);
            ensure!(
                got == digest_grammar().is_match(&digest),
                "{digest:?}: {got}"
            );
            Ok(())
        },
    );
    f.finish();
}

// ---- core::nixpkgs: the flake.lock pin ---------------------------------

/// The lock path the properties pass: every error about the lock names it.
const LOCK: &str = "nix/flake.lock";

/// The repository's lock and the bad-input fixtures.
const LOCKS: &[&str] = &[
    include_str!("../../flake.lock"),
    include_str!("../fixtures/bad-input/locks/bad-hash.lock"),
    include_str!("../fixtures/bad-input/locks/follows-gone.lock"),
    include_str!("../fixtures/bad-input/locks/git-type.lock"),
    include_str!("../fixtures/bad-input/locks/not-json.lock"),
];

const LOCK_PIECES: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "7",
    "8",
    "\"inputs\": {\"a\": [\"nixpkgs\"]}, ",
    "[\"nixpkgs\"]",
    "[\"nixpkgs\", \"nixpkgs\"]",
    "[]",
    "\"root\"",
    "\"nixpkgs\"",
    "\"locked\": {}, ",
    "\"type\": \"git\", ",
    "\"type\": \"path\", \"path\": \"./x\", ",
    "\"type\": \"tarball\", \"url\": \"https://x/${y}\\\"\", ",
    "github",
    "tarball",
    "path",
    "sha256-",
    "=",
    "\\\\",
    "\\\"",
    "\\n",
    "\\u0000",
    "${",
    "$${",
    "''",
    "/",
    "..",
    "0",
    "f",
    "é",
    " ",
    "\n",
];

/// The input paths asked for: mostly real ones.
fn lock_input() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(
            &["nixpkgs", "nixpkgs", "other", "other/nixpkgs", "a", "nixpkgs/nixpkgs"][..]
        )
        .prop_map(str::to_owned),
        1 => mutated(&["nixpkgs", "home-manager/nixpkgs"], &["/", " ", "a", "-", "'", "1", ""]),
        1 => "[a-z]{1,1200}",
    ]
}

/// Node and input names: any text, sometimes long.
fn lock_name() -> impl Strategy<Value = String> {
    prop_oneof![any_text(), "[a-z]{1,1200}", "[a-z\\n\\x1b]{1,20}"]
}

/// Where the repository's lock names a node or an input, and that text
/// with the name as `{}`.
const NAME_PLACES: &[(&str, &str)] = &[
    ("\"nixpkgs\": \"nixpkgs\"", "\"nixpkgs\": {}"),
    ("\"nixpkgs\": \"nixpkgs\"", "{}: \"nixpkgs\""),
    ("\"root\": \"root\"", "\"root\": {}"),
    ("\"nixpkgs\": {", "{}: {"),
    ("\"inputs\": {", "\"inputs\": { {}: [\"nixpkgs\"],"),
];

/// The SRI SHA-256 grammar of a `narHash`.
fn nar_hash_grammar() -> &'static Regex {
    re(r"^sha256-[A-Za-z0-9+/]{43}=$")
}

/// What a resolved source's strings must look like, whatever the lock said.
fn check_source(source: &NixpkgsSource) -> Result<(), TestCaseError> {
    let graphic = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic());
    match source {
        NixpkgsSource::Tarball { url, nar_hash }
        | NixpkgsSource::Path {
            path: url,
            nar_hash,
        } => {
            ensure!(graphic(url), "{url:?}");
            ensure!(nar_hash_grammar().is_match(nar_hash), "{nar_hash:?}");
        }
        other => ensure!(false, "a lock gave {other:?}"),
    }
    check_expr(source)
}

/// Checks a `from_lock` or `pin` error: it names the lock (or the input
/// option, when the input is no input name), and shows lock text only as
/// short escaped excerpts.
fn check_lock_error(e: &str, input: &str) -> Result<(), TestCaseError> {
    // The lock is read before the input name is checked (the Nix
    // functions check it first, before any engine work).
    let bad_input = parse_input_path(input).is_err() && e.starts_with("--nixpkgs-input `");
    ensure!(
        e.starts_with(LOCK) || bad_input,
        "an error that does not name the lock: {e}"
    );
    ensure!(e.len() < 1_000, "a {}-byte error: {}", e.len(), excerpt(e));
    ensure!(
        !e.chars().any(|c| c.is_control() && c != '\n'),
        "an unescaped control character: {e:?}"
    );
    Ok(())
}

/// Reads a Nix expression: the string literals decoded, and the rest with
/// each literal replaced by `"_"`; an interpolation (`${` in a string, or
/// anywhere in the code) is an error.
fn nix_literals(expr: &str) -> Result<(String, Vec<String>), String> {
    let mut code = String::new();
    let mut literals = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(format!("an unterminated string in {expr:?}")),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('r') => s.push('\r'),
                            Some('t') => s.push('\t'),
                            Some(c) => s.push(c),
                            None => return Err(format!("a string ending in `\\`: {expr:?}")),
                        },
                        // `$` before `{` interpolates; before anything else
                        // but `"` and `\` both are literal (`$${` is `$${`).
                        Some('$') => match chars.peek() {
                            Some('{') => return Err(format!("an interpolation in {expr:?}")),
                            Some('"' | '\\') | None => s.push('$'),
                            Some(_) => {
                                s.push('$');
                                s.push(chars.next().unwrap());
                            }
                        },
                        Some(c) => s.push(c),
                    }
                }
                literals.push(s);
                code.push_str("\"_\"");
            }
            '$' if chars.peek() == Some(&'{') => {
                return Err(format!("an interpolation in {expr:?}"));
            }
            '\'' if chars.peek() == Some(&'\'') => {
                return Err(format!("an indented string in {expr:?}"));
            }
            c => code.push(c),
        }
    }
    Ok((code, literals))
}

/// The repository's folder in the Nix image, for relative `path` nodes.
const REPO_ROOT: &str = "/src";

/// `expr()` of `source` is one of the four shapes, and its strings decode
/// back to exactly the source's values.
fn check_expr(source: &NixpkgsSource) -> Result<(), TestCaseError> {
    let expr = Nixpkgs {
        source: source.clone(),
        origin: "test".into(),
        unpinned: false,
    }
    .expr(REPO_ROOT);
    let (code, literals) = nix_literals(&expr).map_err(TestCaseError::fail)?;
    let (want_code, want) = match source {
        NixpkgsSource::Tarball { url, nar_hash } => (
            "builtins.fetchTarball { url = \"_\"; sha256 = \"_\"; }",
            vec![url.clone(), nar_hash.clone()],
        ),
        NixpkgsSource::Path { path, nar_hash } => (
            "builtins.path { path = \"_\"; name = \"_\"; sha256 = \"_\"; }",
            vec![
                if path.starts_with('/') {
                    path.clone()
                } else {
                    format!("{REPO_ROOT}/{path}")
                },
                "source".into(),
                nar_hash.clone(),
            ],
        ),
        NixpkgsSource::UncheckedUrl(url) => ("builtins.fetchTarball \"_\"", vec![url.clone()]),
        NixpkgsSource::StorePath(path) => ("builtins.storePath \"_\"", vec![path.clone()]),
    };
    ensure!(code == want_code, "the code around the strings: {expr}");
    ensure!(literals == want, "{literals:?} != {want:?} in {expr}");
    Ok(())
}

/// A reference to a node, as a node's `inputs` hold it.
#[derive(Debug, Clone)]
enum MRef {
    Node(String),
    Follows(Vec<String>),
}

/// One node of a generated lock; `array` writes it as a JSON array of its
/// fields (which Nix does not read).
#[derive(Debug, Clone)]
struct MNode {
    inputs: std::collections::BTreeMap<String, MRef>,
    locked: Option<std::collections::BTreeMap<String, Value>>,
    array: bool,
}

/// A generated lock.
#[derive(Debug, Clone)]
struct MLock {
    version: Option<u64>,
    root: String,
    nodes: std::collections::BTreeMap<String, MNode>,
    array: bool,
}

impl MLock {
    fn render(&self, pretty: bool) -> String {
        let nodes: serde_json::Map<String, Value> = self
            .nodes
            .iter()
            .map(|(name, node)| {
                let inputs: serde_json::Map<String, Value> = node
                    .inputs
                    .iter()
                    .map(|(k, r)| {
                        let v = match r {
                            MRef::Node(n) => json!(n),
                            MRef::Follows(path) => json!(path),
                        };
                        (k.clone(), v)
                    })
                    .collect();
                let value = if node.array {
                    json!([inputs, node.locked])
                } else {
                    let mut m = serde_json::Map::new();
                    if !inputs.is_empty() {
                        m.insert("inputs".into(), Value::Object(inputs));
                    }
                    if let Some(l) = &node.locked {
                        m.insert("locked".into(), json!(l));
                        m.insert("original".into(), json!({"type": "indirect", "id": name}));
                    }
                    Value::Object(m)
                };
                (name.clone(), value)
            })
            .collect();
        let lock = if self.array {
            json!([self.version, self.root, nodes])
        } else {
            let mut m = serde_json::Map::new();
            m.insert("nodes".into(), Value::Object(nodes));
            m.insert("root".into(), json!(self.root));
            if let Some(v) = self.version {
                m.insert("version".into(), json!(v));
            }
            Value::Object(m)
        };
        if pretty {
            serde_json::to_string_pretty(&lock).unwrap()
        } else {
            lock.to_string()
        }
    }
}

const NODE_NAMES: &[&str] = &["root", "top", "nixpkgs", "nixpkgs_2", "hm", "utils"];
const INPUT_NAMES: &[&str] = &["nixpkgs", "hm", "utils", "a"];
/// The nodes an input names: sometimes one the lock does not define.
const REF_NAMES: &[&str] = &["root", "top", "nixpkgs", "nixpkgs_2", "hm", "utils", "gone"];

fn mref() -> impl Strategy<Value = MRef> {
    prop_oneof![
        3 => prop::sample::select(REF_NAMES).prop_map(|n| MRef::Node(n.to_owned())),
        2 => prop::collection::vec(prop::sample::select(INPUT_NAMES), 0..=3)
            .prop_map(|p| MRef::Follows(p.into_iter().map(str::to_owned).collect())),
    ]
}

/// A string field of a locked node: mostly `good`, sometimes `bad`,
/// sometimes not a string.
fn lock_field(
    good: impl Strategy<Value = String>,
    bad: &'static [&'static str],
) -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => good.prop_map(Value::String),
        3 => prop::sample::select(bad).prop_map(|s| json!(s)),
        1 => prop::sample::select(vec![Value::Null, json!(1), json!([]), json!({})]),
    ]
}

/// Values a lock could hold that a Nix string must keep literal.
const HOSTILE: &[&str] = &[
    "x\"y", "${x}", "$${x}", "a\\b", "''", "a b", "", "é", "a\nb", "a/b", "-", "\\${x}", "$",
];

/// A `locked` object: a type, its fields, some dropped.
fn locked_object() -> impl Strategy<Value = std::collections::BTreeMap<String, Value>> {
    let hash = prop_oneof![
        6 => "[A-Za-z0-9+/]{43}".prop_map(|b| format!("sha256-{b}=")),
        1 => "sha256-[A-Za-z0-9+/=_ -]{42,45}",
    ];
    (
        prop::sample::select(&["github", "github", "tarball", "path", "git", "indirect"][..]),
        lock_field(
            hash,
            &[
                "sha256-tooshort",
                "sha512-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=",
                "+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=",
                "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4",
                "sha256-é+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZK=",
                "sha256:1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a",
            ],
        ),
        lock_field("[A-Za-z0-9._-]{1,12}", HOSTILE),
        lock_field("[A-Za-z0-9._-]{1,12}", HOSTILE),
        lock_field(
            "[0-9a-fA-F]{40}",
            &[
                "main",
                "1f08a4df",
                "1f08a4df998e21f4e8be8fb6fbf61d11a1a5076g",
                "${x}",
            ],
        ),
        prop::option::weighted(0.5, lock_field("[a-z0-9.-]{1,12}(:[0-9]{1,5})?", HOSTILE)),
        lock_field("(https|http|file)://[A-Za-z0-9./_?=&%-]{1,24}", HOSTILE),
        lock_field(
            prop_oneof!["\\./[a-z]{1,8}", "/[a-z/]{1,12}", "\\.\\./[a-z]{1,8}"],
            HOSTILE,
        ),
        prop::collection::vec(prop::bool::weighted(0.06), 8),
    )
        .prop_map(|(kind, hash, owner, repo, rev, host, url, path, drop)| {
            let mut m = std::collections::BTreeMap::new();
            m.insert("type".to_owned(), json!(kind));
            m.insert("narHash".to_owned(), hash);
            m.insert("lastModified".to_owned(), json!(1_753_749_649));
            match kind {
                "github" => {
                    m.insert("owner".into(), owner);
                    m.insert("repo".into(), repo);
                    m.insert("rev".into(), rev);
                    if let Some(h) = host {
                        m.insert("host".into(), h);
                    }
                }
                "tarball" => {
                    m.insert("url".into(), url);
                }
                "path" => {
                    m.insert("path".into(), path);
                }
                "git" => {
                    m.insert("url".into(), url);
                    m.insert("rev".into(), rev);
                }
                _ => {
                    m.insert("id".into(), json!("nixpkgs"));
                }
            }
            let keys: Vec<String> = m.keys().cloned().collect();
            for (key, drop) in keys.iter().zip(drop) {
                if drop {
                    m.remove(key);
                }
            }
            m
        })
}

fn lock_model() -> impl Strategy<Value = (MLock, String)> {
    let node = (
        prop::collection::btree_map(prop::sample::select(INPUT_NAMES), mref(), 0..4),
        prop::option::weighted(0.85, locked_object()),
        prop::bool::weighted(0.005),
    )
        .prop_map(|(inputs, locked, array)| MNode {
            inputs: inputs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            locked,
            array,
        })
        .boxed();
    let nodes = prop::collection::btree_map(prop::sample::select(NODE_NAMES), node.clone(), 1..4);
    let root = prop::sample::select(&["root", "root", "root", "top", "gone"][..]);
    let version = prop_oneof![
        24 => Just(Some(7)),
        1 => prop::sample::select(&[Some(6), Some(5), Some(4), Some(8), None][..]),
    ];
    let input = prop_oneof![
        8 => Just("nixpkgs".to_owned()),
        4 => prop::collection::vec(prop::sample::select(INPUT_NAMES), 1..=3)
            .prop_map(|p| p.join("/")),
        1 => prop::sample::select(&["a b", "", "a//b", "1a", "a/"][..]).prop_map(str::to_owned),
    ];
    (
        (root, nodes, version, prop::bool::weighted(0.01)),
        // Mostly a root node whose `nixpkgs` is a node, as Nix writes it.
        prop::option::weighted(0.8, (node, prop::bool::weighted(0.7))),
        input,
    )
        .prop_map(|((root, nodes, version, array), root_node, input)| {
            let mut nodes: std::collections::BTreeMap<String, MNode> =
                nodes.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some((mut node, plain)) = root_node {
                if plain {
                    node.inputs
                        .insert("nixpkgs".into(), MRef::Node("nixpkgs".into()));
                    nodes
                        .entry("nixpkgs".into())
                        .or_insert_with(|| node.clone());
                }
                nodes.insert(root.to_owned(), node);
            }
            let lock = MLock {
                version,
                root: root.to_owned(),
                nodes,
                array,
            };
            (lock, input)
        })
}

/// The node an input path leads to, by the meaning of `follows`: a path
/// from the root, resolved again when reached; resolving it while it is
/// being resolved is a loop. `Err` is what the error must say.
fn model_resolve(
    lock: &MLock,
    path: &[String],
    resolving: &mut Vec<Vec<String>>,
) -> Result<String, Vec<String>> {
    let mut current = lock.root.clone();
    for input in path {
        let Some(node) = lock.nodes.get(&current) else {
            return Err(vec![format!("names node `{current}`")]);
        };
        current = match node.inputs.get(input) {
            None => return Err(vec![format!("has no input `{input}`")]),
            Some(MRef::Node(name)) => name.clone(),
            Some(MRef::Follows(to)) => {
                if resolving.contains(to) {
                    return Err(vec!["loop".into()]);
                }
                resolving.push(to.clone());
                let name = model_resolve(lock, to, resolving)?;
                resolving.pop();
                name
            }
        };
    }
    if !lock.nodes.contains_key(&current) {
        return Err(vec![format!("names node `{current}`")]);
    }
    Ok(current)
}

/// A locked node's source, or the problems with it (the error names one).
fn model_locked(
    locked: &std::collections::BTreeMap<String, Value>,
) -> Result<NixpkgsSource, Vec<String>> {
    let mut problems = Vec::new();
    let mut field = |name: &str| -> Option<String> {
        match locked.get(name) {
            None => problems.push(format!("has no `{name}`")),
            Some(Value::String(s)) => return Some(s.clone()),
            Some(_) => problems.push(format!("`{name}`")),
        }
        None
    };
    let Some(kind) = field("type") else {
        return Err(problems);
    };
    let hash = field("narHash");
    if hash
        .as_ref()
        .is_some_and(|h| !nar_hash_grammar().is_match(h))
    {
        problems.push("is not a SHA-256 SRI hash".into());
    }
    let mut safe = |what: &str| -> Option<String> {
        let v = match locked.get(what) {
            None if what == "host" => return Some("github.com".into()),
            None => {
                problems.push(format!("has no `{what}`"));
                return None;
            }
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                problems.push(format!("`{what}`"));
                return None;
            }
        };
        if v.is_empty() || !v.chars().all(|c| c.is_ascii_graphic()) {
            problems.push(format!("has a malformed {what}"));
            return None;
        }
        Some(v)
    };
    let source = match kind.as_str() {
        "github" => {
            let [host, owner, repo, rev] = ["host", "owner", "repo", "rev"].map(&mut safe);
            if let Some(rev) = &rev
                && !re("^[0-9a-fA-F]{40}$").is_match(rev)
            {
                problems.push("not a 40-digit commit".into());
            }
            match (host, owner, repo, rev, &hash) {
                (Some(h), Some(o), Some(r), Some(c), Some(nar_hash)) => {
                    Some(NixpkgsSource::Tarball {
                        url: format!("https://{h}/{o}/{r}/archive/{c}.tar.gz"),
                        nar_hash: nar_hash.clone(),
                    })
                }
                _ => None,
            }
        }
        "tarball" => safe("url")
            .zip(hash.clone())
            .map(|(url, nar_hash)| NixpkgsSource::Tarball { url, nar_hash }),
        "path" => safe("path")
            .zip(hash.clone())
            .map(|(path, nar_hash)| NixpkgsSource::Path { path, nar_hash }),
        _ => {
            problems.push("locked as type".into());
            None
        }
    };
    match source {
        Some(s) if problems.is_empty() => Ok(s),
        _ => Err(problems),
    }
}

/// What `from_lock` must answer for the generated lock.
fn model_from_lock(lock: &MLock, input: &str) -> Result<NixpkgsSource, Vec<String>> {
    let unreadable = || Err(vec!["is not a flake.lock Nix can read".to_owned()]);
    if lock.array || lock.nodes.values().any(|n| n.array) {
        return unreadable();
    }
    if let Some(v) = lock.version
        && !(5..=7).contains(&v)
    {
        return Err(vec![format!("has version {v}")]);
    }
    if !re(r"^[A-Za-z_][A-Za-z0-9_'-]*(/[A-Za-z_][A-Za-z0-9_'-]*)*$").is_match(input) {
        return Err(vec!["is not a flake input name".into()]);
    }
    let path: Vec<String> = input.split('/').map(str::to_owned).collect();
    let name = model_resolve(lock, &path, &mut Vec::new())?;
    let Some(locked) = &lock.nodes[&name].locked else {
        return Err(vec!["is not locked".into()]);
    };
    model_locked(locked)
}

/// A lock whose root has `n` follows inputs: a chain `f0 -> f1 -> ...`
/// ending at a node, or looping back to `f0`.
fn follows_chain(n: usize, looped: bool) -> String {
    let mut inputs = serde_json::Map::new();
    for i in 0..n {
        inputs.insert(format!("f{i}"), json!([format!("f{}", i + 1)]));
    }
    inputs.insert(
        format!("f{n}"),
        if looped { json!(["f0"]) } else { json!("np") },
    );
    json!({
        "nodes": {
            "root": {"inputs": inputs},
            "np": {"locked": {"type": "path", "path": "./np", "narHash": CHAIN_HASH}},
        },
        "root": "root",
        "version": 7,
    })
    .to_string()
}

/// A lock where each `follows` list names the next input twice: resolved
/// naively, `n` lists cost 2^n steps. `extra` empty nodes.
fn follows_doubling(n: usize, extra: usize) -> String {
    let mut inputs = serde_json::Map::new();
    for i in 0..n {
        let next = format!("f{}", i + 1);
        inputs.insert(format!("f{i}"), json!([next, next]));
    }
    inputs.insert(format!("f{n}"), json!([]));
    let mut nodes = serde_json::Map::new();
    nodes.insert(
        "root".into(),
        json!({"inputs": inputs, "locked": {"type": "path", "path": ".", "narHash": CHAIN_HASH}}),
    );
    for i in 0..extra {
        nodes.insert(format!("d{i}"), json!({}));
    }
    json!({"nodes": nodes, "root": "root", "version": 7}).to_string()
}

const CHAIN_HASH: &str = "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=";

#[test]
fn flake_lock() {
    let mut f = Fuzz::new("flake.lock (core::nixpkgs)");
    f.check(
        "any text and mutated locks: no panic; errors name the lock, quote it short; sources well-formed",
        (
            prop_oneof![
                1 => any_text(),
                1 => pieces_of(LOCK_PIECES, 40),
                6 => mutated(LOCKS, LOCK_PIECES),
                2 => (lock_name(), prop::sample::select(NAME_PLACES)).prop_map(|(name, place)| {
                    // The real lock with a name replaced by any text.
                    let (from, to) = place;
                    LOCKS[0].replacen(from, &to.replace("{}", &json!(name).to_string()), 1)
                }),
            ],
            lock_input(),
        ),
        |(text, input)| {
            match from_lock(&text, LOCK, &input) {
                Ok(source) => check_source(&source)?,
                Err(e) => check_lock_error(&e.to_string(), &input)?,
            }
            Ok(())
        },
    );
    f.check(
        "generated locks: the source, or the error, the model computes",
        (lock_model(), any::<bool>()),
        |((lock, input), pretty)| {
            let text = lock.render(pretty);
            let got = from_lock(&text, LOCK, &input);
            let want = model_from_lock(&lock, &input);
            match (&got, &want) {
                (Ok(source), Ok(want)) => {
                    ensure!(
                        source == want,
                        "{text}\n{input}: got {source:?}, want {want:?}"
                    );
                    check_source(source)?;
                }
                (Err(e), Err(problems)) => {
                    let e = e.to_string();
                    ensure!(
                        problems.iter().any(|p| e.contains(p.as_str())),
                        "{text}\n{input}: the error names none of {problems:?}:\n{e}"
                    );
                    check_lock_error(&e, &input)?;
                }
                _ => ensure!(false, "{text}\n{input}: got {got:?}, want {want:?}"),
            }
            // `pin` is the same answer, with its origin.
            let pinned = pin(None, Some(&text), LOCK, &input);
            ensure!(
                pinned.as_ref().map(|p| &p.source).ok() == got.as_ref().ok(),
                "pin differs: {pinned:?}"
            );
            Ok(())
        },
    );
    f.check(
        "follows chains, loops and doubled follows: an answer, never a hang or a stack overflow",
        (1..200usize, 0..3u8),
        |(n, shape)| {
            let (text, input) = match shape {
                0 => (follows_chain(n, false), "f0"),
                1 => (follows_chain(n, true), "f0"),
                _ => (follows_doubling(n % 48, n % 48 + 1), "f0"),
            };
            let got = from_lock(&text, LOCK, input);
            match (shape, &got) {
                (0, Ok(NixpkgsSource::Path { path, .. })) => ensure!(path == "./np", "{path}"),
                // A chain of real length (Nix writes one or two) resolves.
                (0, Err(e)) => ensure!(n > 32 && e.to_string().contains("follows"), "{n}: {e}"),
                (1, Err(e)) => ensure!(e.to_string().contains("follows"), "{n}: {e}"),
                (2, Ok(NixpkgsSource::Path { path, .. })) => ensure!(path == ".", "{path}"),
                _ => ensure!(false, "{n}, shape {shape}: {got:?}"),
            }
            if let Err(e) = &got {
                check_lock_error(&e.to_string(), input)?;
            }
            Ok(())
        },
    );
    f.check(
        "the Nix expression of any source decodes back to its values, with no interpolation",
        (
            0..4u8,
            prop_oneof![any_text(), pieces_of(HOSTILE, 8), pieces_of(NIX_PIECES, 12)],
            any_text(),
        ),
        |(kind, value, hash)| {
            let source = match kind {
                0 => NixpkgsSource::Tarball {
                    url: value,
                    nar_hash: hash,
                },
                1 => NixpkgsSource::Path {
                    path: value,
                    nar_hash: hash,
                },
                2 => NixpkgsSource::UncheckedUrl(value),
                _ => NixpkgsSource::StorePath(value),
            };
            check_expr(&source)?;
            // And what nix_string writes alone.
            let s = match &source {
                NixpkgsSource::Tarball { url, .. } | NixpkgsSource::UncheckedUrl(url) => url,
                NixpkgsSource::Path { path, .. } | NixpkgsSource::StorePath(path) => path,
            };
            let (code, literals) =
                nix_literals(&nixpkgs::nix_string(s)).map_err(TestCaseError::fail)?;
            ensure!(code == "\"_\"" && literals == [s.clone()], "{literals:?}");
            Ok(())
        },
    );
    f.finish();
}

// ---- core::nixpkgs and core::nix_build: the Nix options and outputs ----

/// `--nixpkgs` by its documented shapes: a store object path (no `..`)
/// or an `https://`, `http://` or `file://` URL, of printable characters
/// without whitespace, quotes, backslashes, `$` or backticks.
fn override_reference(raw: &str) -> Option<NixpkgsSource> {
    let plain = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '$' | '`'));
    if !plain {
        return None;
    }
    if let Some(rest) = raw.strip_prefix("/nix/store/") {
        let object = rest.split('/').next().unwrap_or_default();
        let ok = !matches!(object, "" | "." | "..") && !rest.split('/').any(|p| p == "..");
        return ok.then(|| NixpkgsSource::StorePath(raw.to_owned()));
    }
    ["https://", "http://", "file://"]
        .iter()
        .any(|s| raw.starts_with(s))
        .then(|| NixpkgsSource::UncheckedUrl(raw.to_owned()))
}

/// The image reference grammar, with a tag, a digest or both.
fn image_reference() -> impl Strategy<Value = String> {
    (
        prop::option::of("[a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){0,2}(:[0-9]{2,5})?/"),
        prop::collection::vec("[a-z0-9]{1,6}([._-][a-z0-9]{1,6})?", 1..3),
        prop::option::of("[A-Za-z0-9_][A-Za-z0-9._-]{0,20}"),
        prop::option::of("[0-9a-f]{64}"),
    )
        .prop_map(|(host, path, tag, digest)| {
            let mut s = format!("{}{}", host.unwrap_or_default(), path.join("/"));
            if let Some(t) = tag {
                s.push_str(&format!(":{t}"));
            }
            if let Some(d) = digest {
                s.push_str(&format!("@sha256:{d}"));
            }
            s
        })
}

/// Characters a shell or Nix gives a meaning.
const SHELL: &str = "\"'`$;&|\\<>(){}*?!#~";

#[test]
fn nix_inputs() {
    let mut f = Fuzz::new("nix options (core::nixpkgs, nix_build)");
    let hostile = &[
        "\"", "\\", "$", "`", " ", "\t", "\n", "/..", "/../", "..", ".", "/", "${x}", "é", ":",
        "//",
    ][..];
    f.check(
        "--nixpkgs: exactly store paths and tarball URLs, none with quotes, `\\`, `$`, backticks, blanks",
        prop_oneof![
            mutated(
                &[
                    "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-source",
                    "https://github.com/NixOS/nixpkgs/archive/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz",
                    "http://example.org/n.tar.gz",
                    "file:///tmp/nixpkgs.tar.gz",
                ],
                hostile,
            ),
            "(/nix/store/|https://|file://)[a-z./$\"`\\\\ -]{0,8}",
            any_text(),
        ],
        |raw| {
            let got = parse_override(&raw);
            let want = override_reference(&raw);
            match (&got, &want) {
                (Ok(s), Some(w)) => {
                    ensure!(s == w, "{raw:?}: {s:?}");
                    check_expr(s)?;
                }
                (Err(e), None) => {
                    let e = e.to_string();
                    ensure!(e.starts_with("--nixpkgs `") && e.len() < 1_000, "{e}");
                }
                _ => ensure!(false, "{raw:?}: got {got:?}, want {want:?}"),
            }
            Ok(())
        },
    );
    f.check(
        "--nixpkgs-input: `/`-separated identifiers; --flake-lock: a path inside the repository",
        prop_oneof![
            mutated(
                &[
                    "nixpkgs",
                    "home-manager/nixpkgs",
                    "a_b'/c-1",
                    "flake.lock",
                    "nix/flake.lock"
                ],
                hostile
            ),
            "[a-z0-9/'_.-]{0,12}",
            any_text(),
        ],
        |raw| {
            let got = parse_input_path(&raw);
            let want = re(r"^[A-Za-z_][A-Za-z0-9_'-]*(/[A-Za-z_][A-Za-z0-9_'-]*)*$").is_match(&raw);
            ensure!(got.is_ok() == want, "{raw:?}: {got:?}");
            if let Ok(parts) = got {
                ensure!(parts.join("/") == raw, "{parts:?}");
            }
            let got = parse_lock_path(&raw);
            let parts: Vec<&str> = raw
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            let want = !raw.starts_with('/')
                && !parts.is_empty()
                && !parts.contains(&"..")
                && !raw.contains(['\\', '\n', '\0']);
            match got {
                Ok(path) => ensure!(want && path == parts.join("/"), "{raw:?}: {path:?}"),
                Err(e) => ensure!(
                    !want && e.to_string().starts_with("--flake-lock `"),
                    "{raw:?}: {e}"
                ),
            }
            Ok(())
        },
    );
    f.check(
        "attribute paths: exactly dot-separated identifiers, at most 256 bytes",
        prop_oneof![
            mutated(
                &[
                    "ntfy-sh",
                    "python3Packages.requests",
                    "_x",
                    "a'",
                    "haskellPackages.pandoc-cli"
                ],
                &[
                    ".", "..", "-", "'", "_", "1", " ", "\"", "${", "é", "/", "\n", "a"
                ],
            ),
            "[a-zA-Z0-9_'.-]{0,12}",
            "[a-z]{250,260}",
            "([a-z]{60}\\.){4}[a-z]{0,20}",
            any_text(),
        ],
        |raw| {
            let got = AttrPath::parse(&raw);
            let want = raw.len() <= 256
                && re(r"^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$").is_match(&raw);
            match got {
                Ok(a) => ensure!(want && a.as_str() == raw, "{raw:?} accepted"),
                Err(e) => {
                    let e = e.to_string();
                    ensure!(!want && e.len() < 1_000, "{raw:?}: {e}");
                }
            }
            Ok(())
        },
    );
    f.check(
        "nix-instantiate output: exactly a JSON object of string -> string or null, values trimmed",
        prop_oneof![
            3 => body_of(prop_oneof![
                4 => prop::collection::btree_map(
                    "[a-zA-Z0-9_.'-]{1,12}",
                    prop_oneof![
                        4 => "[ ]?[0-9a-z.+-]{0,10}[ \n]?".prop_map(Value::String),
                        1 => Just(Value::Null),
                        1 => json_value(),
                    ],
                    0..5,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
                1 => json_value(),
            ])
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
            1 => mutated(
                &["{\"jq\":\"1.7.1\",\"nope\":null}\n", "{}"],
                &["\"", ",", ":", "null", "1", "[", "]", "{", "}", " ", "\n", "\\"],
            ),
            1 => any_text(),
        ],
        |stdout| {
            let got = parse_versions(&stdout);
            let want: Option<std::collections::BTreeMap<String, Option<String>>> =
                match serde_json::from_str::<Value>(stdout.trim()) {
                    Ok(Value::Object(m)) => m
                        .into_iter()
                        .map(|(k, v)| match v {
                            Value::Null => Some((k, None)),
                            Value::String(s) => Some((k, Some(s.trim().to_owned()))),
                            _ => None,
                        })
                        .collect(),
                    _ => None,
                };
            match (&got, &want) {
                (Ok(g), Some(w)) => ensure!(g == w, "{stdout:?}: {g:?}"),
                (Err(e), None) => {
                    let e = e.to_string();
                    ensure!(
                        e.starts_with("nix-instantiate printed") && e.len() < 1_000,
                        "{e}"
                    );
                }
                _ => ensure!(false, "{stdout:?}: got {got:?}, want {want:?}"),
            }
            Ok(())
        },
    );
    f.check(
        "build result: exactly `archive|stream|nix2container <name without />` on the last line",
        prop_oneof![
            mutated(
                &[
                    "archive nettest.tar.gz\n",
                    "stream jq.tar",
                    "building...\nstream jq.tar\n",
                    "copying path\r\narchive x.tar\r\n",
                    "Copying blob\nnix2container attic.tar\n"
                ],
                &[
                    " ",
                    "/",
                    "\n",
                    "\r",
                    "\r\n",
                    "archive ",
                    "stream ",
                    "nix2container ",
                    "..",
                    "\t",
                    "é",
                    "x"
                ],
            ),
            "(archive|stream|nix2container|zip)( [a-z./ ]{0,6})?\n?",
            any_text(),
        ],
        |stdout| {
            let got = parse_result(&stdout);
            let last = stdout.lines().last().unwrap_or_default();
            let want = match last.split_once(' ') {
                Some((shape @ ("archive" | "stream" | "nix2container"), file))
                    if !file.is_empty() && !file.contains('/') =>
                {
                    Some((file.to_owned(), shape))
                }
                _ => None,
            };
            match (&got, &want) {
                (Ok(b), Some((file, shape))) => {
                    let expected = match *shape {
                        "archive" => Shape::Archive,
                        "stream" => Shape::Stream,
                        _ => Shape::Nix2container,
                    };
                    ensure!(&b.file == file && b.shape == expected, "{b:?}")
                }
                (Err(e), None) => {
                    let e = e.to_string();
                    ensure!(
                        e.starts_with("the Nix build printed") && e.len() < 1_000,
                        "{e}"
                    );
                }
                _ => ensure!(false, "{stdout:?}: got {got:?}, want {want:?}"),
            }
            Ok(())
        },
    );
    f.check(
        "--nix-image: every image reference accepted, nothing that is an option or shell syntax",
        prop_oneof![
            image_reference(),
            mutated(
                &[
                    "nixos/nix:2.33.3",
                    "registry.ops.eblu.me:5000/nixos/nix@sha256:0123abcd"
                ],
                hostile,
            ),
            any_text(),
        ],
        |raw| {
            let got = parse_nix_image(&raw);
            let reference = re(concat!(
                r"^([a-z0-9.-]+(:[0-9]+)?/)?[a-z0-9._/-]+",
                r"(:[A-Za-z0-9_][A-Za-z0-9._-]*)?(@sha256:[0-9a-f]{64})?$"
            ));
            if reference.is_match(&raw) && !raw.starts_with(['-', '.']) && raw.len() <= 512 {
                ensure!(got.is_ok(), "{raw:?}: {got:?}");
            }
            match got {
                Ok(image) => {
                    ensure!(image == raw, "{image}");
                    ensure!(
                        !raw.starts_with('-')
                            && !raw.chars().any(|c| c.is_whitespace() || SHELL.contains(c)),
                        "{raw:?} accepted"
                    );
                }
                Err(e) => {
                    let e = e.to_string();
                    ensure!(e.starts_with("--nix-image `") && e.len() < 1_000, "{e}");
                }
            }
            Ok(())
        },
    );
    f.finish();
}

// ---- core::flake, core::workflows --------------------------------------

#[test]
fn flake_and_workflow_rules() {
    let mut f = Fuzz::new("flake and workflow options (core::flake, core::workflows)");
    f.check(
        "--flake-path: a relative folder without `..` (or the root), its workdir under /src",
        prop_oneof![
            4 => mutated(
                &["nixos/ringtail", ".", "./", "nixos/../x", "/etc/nixos", "a#b?c"],
                PATH_PIECES
            ),
            1 => any_text(),
        ],
        |raw| {
            let parts: Vec<&str> = raw
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .collect();
            let valid = !raw.is_empty()
                && !raw.starts_with('/')
                && !parts.contains(&"..")
                && !raw.contains(['\\', '\n', '\0']);
            let got = FlakePath::parse(&raw);
            ensure!(got.is_ok() == valid, "{raw:?}: {got:?}");
            match got {
                Ok(flake) => {
                    let want = if parts.is_empty() {
                        ".".to_owned()
                    } else {
                        parts.join("/")
                    };
                    ensure!(flake.as_str() == want, "{raw:?}: {flake:?}");
                    let workdir = flake.workdir();
                    ensure!(
                        workdir.starts_with("/src")
                            && !workdir.split('/').any(|p| p == ".." || p == ".")
                            && flake.lock_in_image() == format!("{workdir}/flake.lock"),
                        "{workdir}"
                    );
                }
                Err(e) => {
                    let e = e.to_string();
                    ensure!(e.starts_with("--flake-path `") && e.len() < 1_000, "{e}");
                }
            }
            Ok(())
        },
    );
    f.check(
        "--runner-version: exactly <n>[.<n>[.<n>]][-<suffix>] of at most 64 bytes",
        prop_oneof![
            mutated(
                &["12.7.0", "11.1.2", "12", "12.7.0-rc1"],
                &["v", ".", "-", ";", " ", "\n", ":", "@", "/", "$(", "é", "_"]
            ),
            "[0-9.v-]{0,12}",
            any_text(),
        ],
        |raw| {
            let want =
                raw.len() <= 64 && re(r"^[0-9]+(\.[0-9]+){0,2}(-[0-9A-Za-z.]+)?$").is_match(&raw);
            let got = parse_runner_version(&raw);
            ensure!(got.is_ok() == want, "{raw:?}: {got:?}");
            if let Err(e) = got {
                let e = e.to_string();
                ensure!(
                    e.starts_with("--runner-version `") && e.len() < 1_000,
                    "{e}"
                );
            }
            Ok(())
        },
    );
    f.check(
        "the validator's verdict: its output exactly when it exited 0 and no file failed",
        (
            prop::collection::vec(
                prop_oneof![
                    Just(".forgejo/workflows/ci.yml workflow schema validation OK".to_owned()),
                    Just(
                        ".forgejo/workflows/a b.yml workflow schema validation failed:".to_owned()
                    ),
                    Just("action.yml action schema validation failed:".to_owned()),
                    Just("Unknown Property ruins-on".to_owned()),
                    any_text(),
                ],
                0..6,
            ),
            prop_oneof![Just(0), Just(1), -1i32..300],
            any_text(),
        ),
        |(lines, code, stderr)| {
            let stdout = lines.join("\n");
            let failed = stdout
                .lines()
                .any(|l| l.ends_with(" schema validation failed:"));
            match verdict("12.7.0", code, &stdout, &stderr) {
                Ok(out) => {
                    ensure!(code == 0 && !failed, "{code} {stdout:?}");
                    ensure!(out == stdout.trim_end(), "{out:?}");
                }
                Err(e) => {
                    ensure!(code != 0 || failed, "{code} {stdout:?}: {e}");
                    ensure!(
                        !failed || e.contains(stdout.trim_end()),
                        "the output is missing: {e}"
                    );
                }
            }
            Ok(())
        },
    );
    f.finish();
}

// ---- core::service_versions --------------------------------------------

const SERVICE_VERSIONS_SEEDS: &[&str] = &[
    include_str!("../fixtures/origin-ops-repo/service-versions.yaml"),
    "services: []\n",
    "services:\n  - {name: flow, current-version: 1.10}\n  - name: \"2048\"\n    current-version: ~\n",
];

const YAML_PIECES: &[&str] = &[
    "\n",
    "  ",
    "- ",
    ": ",
    ":",
    "name",
    "current-version",
    "services",
    "null",
    "~",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!!int ",
    "!x ",
    "? ",
    "#",
    "---\n",
    "...\n",
    "\t",
    "|\n",
    ">-\n",
    "é",
    "\\",
    "%YAML 1.2\n",
    "\u{feff}",
    "\r\n",
    "1.10",
    "0x1f",
];

/// A deployed version as the file may write it: quoted, or plain (a plain
/// number must come back as written).
fn written_version() -> impl Strategy<Value = (String, bool)> {
    (
        prop_oneof![
            "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
            "v?[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-r[0-9])?",
            "[0-9]{4}\\.[0-9]{1,2}\\.[0-9]",
        ],
        any::<bool>(),
    )
}

#[test]
fn service_versions_file() {
    let mut f = Fuzz::new("service-versions.yaml (core::service_versions)");
    f.check(
        "never panics; an error names the file (and a line) in a few lines",
        prop_oneof![
            4 => mutated(SERVICE_VERSIONS_SEEDS, YAML_PIECES),
            2 => pieces_of(YAML_PIECES, 60),
            1 => any_text(),
        ],
        |text| {
            if let Err(e) = service_versions::parse(&text) {
                let e = e.to_string();
                ensure!(
                    e.starts_with("service-versions.yaml ") && e.len() < 2_000,
                    "{e}"
                );
            }
            Ok(())
        },
    );
    f.check(
        "reads back every service of a generated list, versions as written",
        (
            prop::collection::btree_map(
                "[a-z][a-z0-9-]{0,15}",
                prop::option::of(written_version()),
                0..10,
            ),
            any::<bool>(),
        ),
        |(services, flow)| {
            let mut text = String::from("# deployed\nservices:");
            if services.is_empty() {
                text.push_str(" []\n");
            } else {
                text.push('\n');
            }
            for (name, version) in &services {
                let version = match version {
                    None => "null".to_owned(),
                    Some((v, true)) => format!("\"{v}\""),
                    Some((v, false)) => v.clone(),
                };
                if flow {
                    text.push_str(&format!(
                        "  - {{name: \"{name}\", type: argocd, current-version: {version}}}\n"
                    ));
                } else {
                    text.push_str(&format!(
                        "  - name: \"{name}\"\n    last-reviewed: 2026-02-01\n    \
                         current-version: {version}\n    notes: >-\n      a: b\n"
                    ));
                }
            }
            let parsed =
                service_versions::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            ensure!(parsed.len() == services.len(), "{text}");
            for (name, version) in &services {
                let got = parsed.get(name).map(|s| s.current_version.as_deref());
                let want = version.as_ref().map(|(v, _)| v.as_str());
                ensure!(got == Some(want), "{name}: {got:?} != {want:?} in\n{text}");
            }
            Ok(())
        },
    );
    f.finish();
}
