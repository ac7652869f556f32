//! Which nixpkgs the Nix functions use, and how the container fetches it.
//!
//! The pin comes from the repository: the `nixpkgs` input of its
//! `flake.lock` ([`pin`]), so a laptop and CI evaluate the very same
//! nixpkgs. The locked node becomes a Nix expression ([`Nixpkgs::expr`])
//! that fetches nixpkgs *and checks it against the lock's `narHash`*: a
//! tarball that does not match fails with Nix's hash mismatch. The store
//! path it evaluates to is what `<nixpkgs>` means in the build
//! (`NIX_PATH=nixpkgs=<path>`), and what [`version_expr`] imports.
//!
//! `--nixpkgs` overrides the lock with a URL or a store path; those are the
//! user's word and are not checked against a hash.
//!
//! Which lock pins it is one rule, `order` ([`lock_candidates`],
//! [`choose`]): `--nixpkgs`, else the lock `--flake-lock` names, else the
//! root `flake.lock`, else the lock of the default flake path
//! (`nixos/ringtail/flake.lock`, [`host_lock`]: the host flake whose
//! nixpkgs the origin's Nix images were built with). A repository with
//! none of them still works, as it did with the Python module: nixpkgs is
//! then what the Nix image's flake registry says `nixpkgs` is today
//! ([`REGISTRY_COMMAND`], [`from_registry`]), resolved once per call to a
//! locked revision and NAR hash, so the whole call evaluates one nixpkgs;
//! and every function says so in its log ([`UNPINNED_ADVICE`]).
//!
//! The parts: `order` decides which pin, `lock` reads a flake.lock,
//! `registry` asks the flake registry, `attrs` asks nixpkgs for versions;
//! this file holds the pin itself and how it is fetched.
//!
//! Every value that reaches a Nix expression is validated first and then
//! written as an escaped Nix string ([`nix_string`]); attribute paths are
//! passed as data, never spliced into code.

mod attrs;
mod lock;
mod order;
mod registry;

use std::fmt;

use eyre::{bail, eyre};

use crate::core::text::excerpt;

pub use self::attrs::{AttrPath, parse_versions, version_command, version_expr};
pub use self::lock::{from_lock, parse_input_path};
pub use self::order::{Choice, choose, host_lock, lock_candidates, pin};
pub use self::registry::{
    REGISTRY_COMMAND, REGISTRY_HOUR_ENV, UNPINNED_ADVICE, from_registry, registry_hour,
};
/// The lock file read by default, at the repository's root.
pub const DEFAULT_FLAKE_LOCK: &str = "flake.lock";
/// The flake input that is nixpkgs, by default.
pub const DEFAULT_NIXPKGS_INPUT: &str = "nixpkgs";

/// The nixpkgs the Nix functions evaluate, and where that was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nixpkgs {
    pub source: NixpkgsSource,
    /// For messages: `flake.lock (input nixpkgs)` or `--nixpkgs`.
    pub origin: String,
    /// Nothing in the repository or the call pins it: it came from the
    /// flake registry.
    pub unpinned: bool,
}

/// Where nixpkgs is fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NixpkgsSource {
    /// A tarball, unpacked and checked against the NAR hash (`github` and
    /// `tarball` lock nodes).
    Tarball { url: String, nar_hash: String },
    /// A folder, copied into the store and checked against the NAR hash
    /// (`path` lock nodes). Relative paths are relative to the repository.
    Path { path: String, nar_hash: String },
    /// `--nixpkgs=<url>`: a tarball, fetched without a hash.
    UncheckedUrl(String),
    /// `--nixpkgs=/nix/store/...`: a store path already in the store.
    StorePath(String),
}

impl fmt::Display for Nixpkgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            NixpkgsSource::Tarball { url, nar_hash } => write!(f, "{url} ({nar_hash})"),
            NixpkgsSource::Path { path, nar_hash } => write!(f, "{path} ({nar_hash})"),
            NixpkgsSource::UncheckedUrl(url) => write!(f, "{url} (no hash)"),
            NixpkgsSource::StorePath(path) => f.write_str(path),
        }?;
        write!(f, ", from {}", self.origin)
    }
}

impl Nixpkgs {
    /// How a message names this nixpkgs: "pinned" only when something pins
    /// it.
    pub fn which(&self) -> &'static str {
        if self.unpinned {
            "the unpinned nixpkgs (the flake registry's)"
        } else {
            "the pinned nixpkgs"
        }
    }
}

/// `--flake-lock`: a path inside the repository.
pub fn parse_lock_path(raw: &str) -> eyre::Result<String> {
    crate::core::container::build_options::relative_path(raw).ok_or_else(|| {
        eyre!(
            "--flake-lock `{}` is not a path inside the repository: give it relative to --src, \
             without `..` (default: {DEFAULT_FLAKE_LOCK}).",
            excerpt(raw)
        )
    })
}

/// `--nixpkgs`: an `https://`, `http://` or `file://` tarball URL, or a
/// `/nix/store/<object>[/...]` path (without `..`).
pub fn parse_override(raw: &str) -> eyre::Result<NixpkgsSource> {
    let plain = !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '$' | '`'));
    let store_path = raw.strip_prefix("/nix/store/").is_some_and(|rest| {
        let object = rest.split('/').next().unwrap_or_default();
        !matches!(object, "" | "." | "..") && !rest.split('/').any(|part| part == "..")
    });
    if plain && store_path {
        return Ok(NixpkgsSource::StorePath(raw.to_owned()));
    }
    if plain
        && ["https://", "http://", "file://"]
            .iter()
            .any(|s| raw.starts_with(s))
    {
        return Ok(NixpkgsSource::UncheckedUrl(raw.to_owned()));
    }
    bail!(
        "--nixpkgs `{}` is neither a tarball URL nor a store path.\n\
         Pass e.g. --nixpkgs=https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz or \
         --nixpkgs=/nix/store/<hash>-source, or leave it out to use the repository's flake.lock.",
        excerpt(raw)
    )
}

impl Nixpkgs {
    /// A Nix expression that evaluates to nixpkgs' store path, fetching it
    /// (and checking its hash) when the store does not have it yet.
    /// `repo_root` is where the repository is, for relative `path` nodes.
    pub fn expr(&self, repo_root: &str) -> String {
        match &self.source {
            NixpkgsSource::Tarball { url, nar_hash } => format!(
                "builtins.fetchTarball {{ url = {}; sha256 = {}; }}",
                nix_string(url),
                nix_string(nar_hash)
            ),
            NixpkgsSource::Path { path, nar_hash } => {
                let path = if path.starts_with('/') {
                    path.clone()
                } else {
                    format!("{}/{}", repo_root.trim_end_matches('/'), path)
                };
                format!(
                    "builtins.path {{ path = {}; name = \"source\"; sha256 = {}; }}",
                    nix_string(&path),
                    nix_string(nar_hash)
                )
            }
            NixpkgsSource::UncheckedUrl(url) => {
                format!("builtins.fetchTarball {}", nix_string(url))
            }
            NixpkgsSource::StorePath(path) => format!("builtins.storePath {}", nix_string(path)),
        }
    }
}

/// `s` as a Nix string literal: `"` and `\` escaped, and `${` kept literal.
pub fn nix_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPO_LOCK: &str = include_str!("../../../../flake.lock");

    fn lock(nodes: &str, root_inputs: &str) -> String {
        format!(
            r#"{{"nodes": {{ {nodes}, "root": {{"inputs": {root_inputs}}} }}, "root": "root", "version": 7}}"#
        )
    }

    /// A lock whose input `nixpkgs` is node `np`, locked as `locked` (a
    /// JSON object).
    fn nixpkgs_locked(locked: &str) -> String {
        lock(
            &format!(r#""np": {{"locked": {locked}}}"#),
            r#"{"nixpkgs": "np"}"#,
        )
    }

    const HASH: &str = "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=";

    #[test]
    fn the_repository_lock_pins_a_github_tarball() {
        let pinned = pin(None, Some(REPO_LOCK), "flake.lock", "nixpkgs").unwrap();
        assert_eq!(
            pinned.source,
            NixpkgsSource::Tarball {
                url: "https://github.com/NixOS/nixpkgs/archive/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz".into(),
                nar_hash: HASH.into(),
            }
        );
        assert_eq!(
            pinned.expr("/src"),
            format!(
                "builtins.fetchTarball {{ url = \"https://github.com/NixOS/nixpkgs/archive/\
                 1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz\"; sha256 = \"{HASH}\"; }}"
            )
        );
    }

    #[test]
    fn follows_lists_lead_to_the_node() {
        let text = lock(
            &format!(
                r#""np": {{"locked": {{"type": "tarball", "url": "https://example.org/n.tar.gz", "narHash": "{HASH}"}}}},
                   "hm": {{"inputs": {{"nixpkgs": ["nixpkgs"]}}, "locked": {{"type": "path", "path": "./hm", "narHash": "{HASH}"}}}}"#
            ),
            r#"{"nixpkgs": "np", "home-manager": "hm", "alias": ["home-manager", "nixpkgs"]}"#,
        );
        let url = NixpkgsSource::Tarball {
            url: "https://example.org/n.tar.gz".into(),
            nar_hash: HASH.into(),
        };
        assert_eq!(from_lock(&text, "flake.lock", "nixpkgs").unwrap(), url);
        assert_eq!(from_lock(&text, "flake.lock", "alias").unwrap(), url);
        assert_eq!(
            from_lock(&text, "flake.lock", "home-manager/nixpkgs").unwrap(),
            url
        );
        let hm = from_lock(&text, "flake.lock", "home-manager").unwrap();
        let pinned = Nixpkgs {
            source: hm,
            origin: "t".into(),
            unpinned: false,
        };
        assert_eq!(
            pinned.expr("/src/"),
            format!(
                "builtins.path {{ path = \"/src/./hm\"; name = \"source\"; sha256 = \"{HASH}\"; }}"
            )
        );
    }

    #[test]
    fn a_follows_loop_is_an_error_not_a_hang() {
        let text = lock(r#""x": {"inputs": {}}"#, r#"{"a": ["b"], "b": ["a"]}"#);
        let err = from_lock(&text, "flake.lock", "a").unwrap_err().to_string();
        assert!(err.contains("loop"), "{err}");
    }

    #[test]
    fn follows_through_follows_are_no_loop() {
        // Found by tests/properties/fuzz.rs: a chain of `follows` longer than the
        // lock's node count was taken for a loop.
        let text = lock(
            &format!(
                r#""np": {{"locked": {{"type": "path", "path": "./np", "narHash": "{HASH}"}}}}"#
            ),
            r#"{"a": ["b"], "b": ["c"], "c": ["d"], "d": "np"}"#,
        );
        assert!(matches!(
            from_lock(&text, "flake.lock", "a").unwrap(),
            NixpkgsSource::Path { .. }
        ));
    }

    #[test]
    fn follows_that_name_each_other_twice_resolve_at_once() {
        // Found by tests/properties/fuzz.rs: each list resolved anew took 2^n steps,
        // so a small lock hung the build.
        let mut inputs: Vec<String> = (0..40)
            .map(|i| format!(r#""f{i}": ["f{0}", "f{0}"]"#, i + 1))
            .collect();
        inputs.push(r#""f40": []"#.into());
        let dummies: Vec<String> = (0..50).map(|i| format!(r#""d{i}": {{}}"#)).collect();
        let text = format!(
            r#"{{"nodes": {{ {}, "root": {{"inputs": {{ {} }}, "locked": {{"type": "path", "path": ".", "narHash": "{HASH}"}}}} }}, "root": "root", "version": 7}}"#,
            dummies.join(", "),
            inputs.join(", ")
        );
        assert!(matches!(
            from_lock(&text, "flake.lock", "f0").unwrap(),
            NixpkgsSource::Path { .. }
        ));
    }

    #[test]
    fn many_follows_one_after_another_are_not_deep() {
        // `a/a/.../a` (70 steps), each step a `follows` of its own: the
        // limit (64) is on follows inside follows, not on their number.
        let mut nodes: Vec<String> = (0..69)
            .map(|i| format!(r#""n{i}": {{"inputs": {{"a": ["k{}"]}}}}"#, i + 1))
            .collect();
        nodes.push(format!(
            r#""n69": {{"locked": {{"type": "path", "path": "./np", "narHash": "{HASH}"}}}}"#
        ));
        let mut inputs: Vec<String> = (0..70).map(|i| format!(r#""k{i}": "n{i}""#)).collect();
        inputs.push(r#""a": ["k0"]"#.into());
        let text = lock(&nodes.join(", "), &format!("{{ {} }}", inputs.join(", ")));
        let path = vec!["a"; 70].join("/");
        assert!(matches!(
            from_lock(&text, "flake.lock", &path).unwrap(),
            NixpkgsSource::Path { .. }
        ));
    }

    #[test]
    fn a_locked_github_source_is_checked_field_by_field() {
        let github = |owner: &str, rev: &str| {
            nixpkgs_locked(&format!(
                r#"{{"type": "github", "owner": "{owner}", "repo": "nixpkgs", "rev": "{rev}", "narHash": "{HASH}"}}"#
            ))
        };
        let commit = "a".repeat(40);
        assert!(from_lock(&github("NixOS", &commit), "flake.lock", "nixpkgs").is_ok());
        let err = |text: String| {
            from_lock(&text, "flake.lock", "nixpkgs")
                .unwrap_err()
                .to_string()
        };
        assert!(err(github("", &commit)).contains("malformed owner"));
        for rev in ["abc1234", &"g".repeat(40)] {
            let err = err(github("NixOS", rev));
            assert!(err.contains("not a 40-digit commit"), "{rev}: {err}");
        }
    }

    #[test]
    fn a_nar_hash_is_a_sha256_sri_hash() {
        let with_hash = |hash: &str| {
            let text = nixpkgs_locked(&format!(
                r#"{{"type": "tarball", "url": "https://example.org/n.tar.gz", "narHash": "{hash}"}}"#
            ));
            from_lock(&text, "flake.lock", "nixpkgs")
        };
        let body = "ab+/".repeat(10);
        for ok in [format!("sha256-{body}abc="), format!("sha256-{body}+/9=")] {
            assert!(with_hash(&ok).is_ok(), "{ok}");
        }
        for bad in [
            format!("sha256-{body}abcd"),
            format!("sha256-{body}ab-="),
            format!("sha256-{body}abcd="),
            format!("sha512-{body}abc="),
        ] {
            let err = with_hash(&bad).unwrap_err().to_string();
            assert!(err.contains("is not a SHA-256 SRI hash"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_registry_is_asked_again_each_hour() {
        // 2026-12-06 17:59:59 and 18:00:00 UTC.
        assert_eq!(registry::registry_hour(1_796_579_999), "499049");
        assert_eq!(registry::registry_hour(1_796_580_000), "499050");
        assert_eq!(registry::registry_hour(1_796_583_599), "499050");
    }

    #[test]
    fn the_versions_are_asked_of_nix_instantiate_in_one_evaluation() {
        let nixpkgs = Nixpkgs {
            source: NixpkgsSource::UncheckedUrl("https://example.org/n.tar.gz".into()),
            origin: "t".into(),
            unpinned: true,
        };
        let attrs = [
            AttrPath::parse("jq").unwrap(),
            AttrPath::parse("python3Packages.requests").unwrap(),
        ];
        let argv = version_command(&nixpkgs, "/src", &attrs);
        assert_eq!(
            argv[..8],
            [
                "nix-instantiate",
                "--eval",
                "--strict",
                "--json",
                "--read-write-mode",
                "--argstr",
                "attrs",
                "jq python3Packages.requests",
            ]
        );
        assert_eq!(
            argv[8..],
            ["--expr".to_owned(), version_expr(&nixpkgs, "/src")]
        );
        // The expression imports that nixpkgs and maps each name to its version.
        let expr = &argv[9];
        assert!(
            expr.contains(&nixpkgs.expr("/src"))
                && expr.contains("builtins.listToAttrs")
                && expr.contains("v.version"),
            "{expr}"
        );
    }

    #[test]
    fn input_names_are_nix_identifiers() {
        for ok in ["nixpkgs", "_private", "home-manager/nixpkgs", "nixpkgs'"] {
            assert!(parse_input_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1nixpkgs", "-a", "a.b", "a//b", "a b"] {
            let err = parse_input_path(bad).unwrap_err().to_string();
            assert!(err.contains("is not a flake input name"), "{bad}: {err}");
        }
    }

    #[test]
    fn follows_deeper_than_the_limit_are_an_error_not_a_stack_overflow() {
        let mut inputs: Vec<String> = (0..100_000)
            .map(|i| format!(r#""f{i}": ["f{}"]"#, i + 1))
            .collect();
        inputs.push(r#""f100000": "x""#.into());
        let text = lock(r#""x": {}"#, &format!("{{ {} }}", inputs.join(", ")));
        let err = from_lock(&text, "flake.lock", "f0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 64 other `follows`"), "{err}");
    }

    #[test]
    fn json_arrays_are_no_lock_nor_node() {
        // Found by tests/properties/fuzz.rs: serde reads a struct from an array of its
        // fields, so `[7, "root", {...}]` passed for a lock.
        for text in [
            r#"[7, "root", {"root": {}}]"#,
            r#"{"nodes": {"root": [{"nixpkgs": "np"}, null]}, "root": "root", "version": 7}"#,
        ] {
            let err = from_lock(text, "flake.lock", "nixpkgs")
                .unwrap_err()
                .to_string();
            assert!(err.contains("must be JSON objects"), "{err}");
        }
    }

    #[test]
    fn errors_quote_lock_text_short_and_escaped() {
        // Found by tests/properties/fuzz.rs: node and input names went whole and raw
        // into messages (a terminal escape, or kilobytes of input names).
        let long = "x".repeat(2_000);
        let cases = [
            (
                lock(r#""np": {}"#, r#"{"nixpkgs": "\u001b[2J"}"#),
                "nixpkgs".to_owned(),
            ),
            (
                lock(r#""np": {}"#, &format!(r#"{{"{long}": "np"}}"#)),
                "nixpkgs".into(),
            ),
            (lock(r#""np": {}"#, r#"{"nixpkgs": "np"}"#), long.clone()),
            (
                lock(r#""np": {}"#, r#"{"nixpkgs": "np"}"#),
                format!("nixpkgs/{long}"),
            ),
        ];
        for (text, input) in cases {
            let err = from_lock(&text, "flake.lock", &input)
                .unwrap_err()
                .to_string();
            assert!(err.len() < 500 && !err.contains('\u{1b}'), "{err}");
        }
    }

    #[test]
    fn a_github_host_that_is_no_string_is_an_error_not_github_com() {
        // Found by tests/properties/fuzz.rs: `"host": null` (or a number) fetched
        // from github.com.
        let text = nixpkgs_locked(&format!(
            r#"{{"type": "github", "host": null, "owner": "NixOS", "repo": "nixpkgs", "rev": "1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a", "narHash": "{HASH}"}}"#
        ));
        let err = from_lock(&text, "flake.lock", "nixpkgs")
            .unwrap_err()
            .to_string();
        assert!(err.contains("has a non-string `host`"), "{err}");
    }

    #[test]
    fn lock_errors_name_the_problem_and_the_fix() {
        let cases = [
            ("not json", "is not a flake.lock Nix can read"),
            (
                &lock(r#""x": {}"#, r#"{"other": "x"}"#)[..],
                "the flake has no input `nixpkgs` (it has: other)",
            ),
            (
                &nixpkgs_locked(&format!(
                    r#"{{"type": "git", "url": "https://x", "narHash": "{HASH}"}}"#
                ))[..],
                "locked as type `git`",
            ),
            (
                &nixpkgs_locked(
                    r#"{"type": "tarball", "url": "https://x", "narHash": "sha256-short"}"#,
                )[..],
                "is not a SHA-256 SRI hash",
            ),
            (
                &nixpkgs_locked(&format!(
                    r#"{{"type": "github", "owner": "NixOS", "repo": "nixpkgs", "rev": "main", "narHash": "{HASH}"}}"#
                ))[..],
                "not a 40-digit commit",
            ),
            (
                &lock(r#""np": {"original": {}}"#, r#"{"nixpkgs": "np"}"#)[..],
                "is not locked",
            ),
            (
                &lock(r#""np": {}"#, r#"{"nixpkgs": "gone"}"#)[..],
                "names node `gone`",
            ),
        ];
        for (text, expected) in cases {
            let err = from_lock(text, "flake.lock", "nixpkgs")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{text}\n=> {err}");
        }
        let v3 = r#"{"nodes": {}, "root": "root", "version": 3}"#;
        assert!(
            from_lock(v3, "flake.lock", "nixpkgs")
                .unwrap_err()
                .to_string()
                .contains("version 3")
        );
    }

    #[test]
    fn a_named_lock_that_does_not_exist_says_every_way_out() {
        let err = pin(None, None, "nixos/ringtail/flake.lock", "nixpkgs")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("nixos/ringtail/flake.lock does not exist")
                && err.contains("flake registry")
                && err.contains("--nixpkgs="),
            "{err}"
        );
    }

    #[test]
    fn the_registry_resolution_is_read_like_a_lock_node() {
        let metadata = format!(
            r#"{{"description": "A collection of packages", "lastModified": 1764000000,
               "locked": {{"lastModified": 1764000000, "narHash": "{HASH}", "owner": "NixOS",
                 "repo": "nixpkgs", "rev": "1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a",
                 "type": "github"}},
               "original": {{"id": "nixpkgs", "type": "indirect"}},
               "path": "/nix/store/abc-source",
               "url": "github:NixOS/nixpkgs/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a"}}"#
        );
        let n = from_registry(&metadata, "nixos/nix:2.33.3").unwrap();
        assert_eq!(
            n.source,
            NixpkgsSource::Tarball {
                url: "https://github.com/NixOS/nixpkgs/archive/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a.tar.gz".into(),
                nar_hash: HASH.into(),
            }
        );
        assert!(
            n.to_string().ends_with(
                "from the flake registry of nixos/nix:2.33.3, unpinned (`nixpkgs` resolved to \
                 github:NixOS/nixpkgs/1f08a4df998e21f4e8be8fb6fbf61d11a1a5076a)"
            ),
            "{n}"
        );
        for bad in ["", "error", "{}", r#"{"locked": {"type": "git"}}"#] {
            assert!(from_registry(bad, "nixos/nix:2.33.3").is_err(), "{bad}");
        }
    }

    #[test]
    fn the_override_wins_and_is_validated() {
        let p = pin(Some("/nix/store/abc-source"), None, "flake.lock", "nixpkgs").unwrap();
        assert_eq!(
            p.source,
            NixpkgsSource::StorePath("/nix/store/abc-source".into())
        );
        assert_eq!(
            p.expr("/src"),
            "builtins.storePath \"/nix/store/abc-source\""
        );
        let u = parse_override("https://example.org/n.tar.gz").unwrap();
        assert_eq!(
            u,
            NixpkgsSource::UncheckedUrl("https://example.org/n.tar.gz".into())
        );
        for bad in [
            "",
            "nixpkgs",
            "/etc/passwd",
            "https://x\" + y",
            "https://x/${a}",
            "/nix/store/../x",
            // Found by tests/properties/fuzz.rs: the store itself, or a path climbing
            // out of it at the end, passed.
            "/nix/store/",
            "/nix/store/.",
            "/nix/store/..",
            "/nix/store/x/..",
        ] {
            assert!(parse_override(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_flake_lock_path_is_kept_relative_to_src() {
        assert_eq!(
            parse_lock_path("nixos/ringtail/flake.lock").unwrap(),
            "nixos/ringtail/flake.lock"
        );
        for bad in ["/etc/flake.lock", "../flake.lock", ""] {
            let err = parse_lock_path(bad).unwrap_err().to_string();
            assert!(
                err.contains("is not a path inside the repository"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn nix_strings_escape_everything_that_could_become_code() {
        assert_eq!(nix_string(r#"a"b\c${d}"#), r#""a\"b\\c\${d}""#);
    }

    #[test]
    fn attribute_paths() {
        for good in ["ntfy-sh", "python3Packages.requests", "_x", "a'"] {
            assert_eq!(AttrPath::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            ".",
            "a..b",
            "1password",
            "a b",
            "a;b",
            "${x}",
            "a.\"b\"",
            "-a",
            "a/b",
        ] {
            assert!(AttrPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_are_read_from_the_json_output() {
        let v = parse_versions("{\"jq\":\"1.7.1\",\"nope\":null}\n").unwrap();
        assert_eq!(v["jq"].as_deref(), Some("1.7.1"));
        assert_eq!(v["nope"], None);
        assert!(parse_versions("error: x").is_err());
    }
}
