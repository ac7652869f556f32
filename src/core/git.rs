//! The git questions of the ops helpers and of `check-versions --base`, as
//! the exact scripts the pipelines run (in a small pinned image, over the
//! repository's `.git`) and the parsers of their output.
//! `tests/real/git_real.rs` runs these scripts with real git on repositories it
//! builds.

use std::collections::BTreeSet;

use eyre::bail;

use crate::core::container::discovery::{self, CONTAINERS_DIR};
use crate::core::container::names::ContainerName;
use crate::core::text::excerpt;

/// The image the git scripts run in: `alpine/git`, which ships git (nothing
/// is installed at run time, so a cold engine needs no package index), by
/// tag and the digest Renovate pins it to in public repositories (e.g.
/// EarthBuild's actions-setup Earthfile, whose targets run on amd64 and
/// arm64). Its entrypoint (`git`) is not used: the scripts run as `sh -c`.
pub const GIT_IMAGE: &str =
    "alpine/git:v2.52.0@sha256:3b7890cb947afd3f71adab55aa6b549ad0f8ddc4b9ed28b027563d73d49d8e11";

/// git's empty tree: `--base` for "every container".
pub const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// Exit status of the scripts when the folder is not a git repository.
pub const NO_GIT_EXIT: i32 = 3;

/// Exit status when a revision does not exist.
pub const NO_REVISION_EXIT: i32 = 4;

/// Exit status when a revision and `HEAD` have no common ancestor in the
/// history at hand.
pub const NO_MERGE_BASE_EXIT: i32 = 5;

/// `sh -c CHANGED sh <base> <head>`: the paths under containers/ that
/// differ between the two commits (every commit of the range counts: the
/// trees are compared), then a `--` line, then every path under containers/
/// in `<head>`. NUL-free output: one path per line (container names cannot
/// hold a newline, and other paths do not matter).
pub const CHANGED_SCRIPT: &str = r#"set -eu
git rev-parse --git-dir >/dev/null 2>&1 || exit 3
for rev in "$1" "$2"; do
  git rev-parse --verify -q "$rev^{tree}" >/dev/null || { echo "$rev" >&2; exit 4; }
done
git diff --no-renames --name-only "$1" "$2" -- containers
echo --
git ls-tree -r --name-only "$2" -- containers
"#;

/// `sh -c CHANGED_SINCE sh <base>`: every path that changed since the
/// merge base of `<base>` and `HEAD`, one per line: those of the commits
/// since then (what `git diff --name-only <base>...HEAD` lists), and those
/// the working tree changes or adds (uncommitted, untracked and not
/// ignored), so that a local run covers what is about to be committed. In
/// CI the working tree is `HEAD`'s, and the list is the commits' alone.
pub const CHANGED_SINCE_SCRIPT: &str = r#"set -eu
git rev-parse --git-dir >/dev/null 2>&1 || exit 3
git rev-parse --verify -q "$1^{commit}" >/dev/null || { echo "$1" >&2; exit 4; }
base=$(git merge-base "$1" HEAD) || { echo "$1" >&2; exit 5; }
git diff --no-renames --name-only "$base" --
git ls-files --others --exclude-standard
"#;

/// `sh -c ANCESTRY sh <main-branch> <sha>...`: first the line `base
/// <ref>`, the ref the commits are compared with: the remote-tracking
/// branch `origin/<main-branch>` when the clone has it (a CI checkout's
/// local `main` is stale or absent, and the origin's `container-list` read
/// `origin/main`), else `<main-branch>` itself (a local branch, a tag, a
/// SHA); then one line per SHA, `<sha> main|branch|unknown`: whether the
/// commit is an ancestor of that ref, is another commit, or is not in the
/// history at all.
pub const ANCESTRY_SCRIPT: &str = r#"set -eu
git rev-parse --git-dir >/dev/null 2>&1 || exit 3
main=$1; shift
if ref=$(git rev-parse --verify -q "origin/$main^{commit}"); then
  echo "base origin/$main"
elif ref=$(git rev-parse --verify -q "$main^{commit}"); then
  echo "base $main"
else
  echo "$main" >&2; exit 4
fi
for sha in "$@"; do
  if full=$(git rev-parse --verify -q "$sha^{commit}" 2>/dev/null); then
    if git merge-base --is-ancestor "$full" "$ref"; then echo "$sha main"; else echo "$sha branch"; fi
  else
    echo "$sha unknown"
  fi
done
"#;

/// A commit-ish the user passed (`--base`, `--head`, `--main-branch`): it
/// goes to git as one argument, never through a shell, but an option-like
/// or multi-line value is still refused.
pub fn parse_revision(flag: &str, raw: &str) -> eyre::Result<String> {
    let valid = !raw.is_empty()
        && !raw.starts_with('-')
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        bail!(
            "{flag} `{}` is not a git revision: give a commit SHA, a branch or a tag (e.g. \
             {flag}=origin/main).",
            excerpt(raw)
        );
    }
    Ok(raw.to_owned())
}

/// The containers whose folder changed, from [`CHANGED_SCRIPT`]'s output:
/// a changed path's container counts when it still is a container at
/// `<head>` (a deleted folder is left out). Sorted.
pub fn changed_containers(output: &str) -> Vec<ContainerName> {
    let (diff, tree) = output.split_once("\n--\n").unwrap_or((output, ""));
    let touched: BTreeSet<&str> = diff
        .lines()
        .filter_map(|p| {
            p.strip_prefix(CONTAINERS_DIR)?
                .strip_prefix('/')?
                .split_once('/')
        })
        .map(|(name, _)| name)
        .collect();
    discovery::discover(tree.lines())
        .into_iter()
        .map(|entry| entry.name)
        .filter(|name| touched.contains(name.as_str()))
        .collect()
}

/// Where a tag's commit stands relative to the main branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ancestry {
    Main,
    Branch,
    Unknown,
}

impl Ancestry {
    /// The marker `list-tags` shows.
    pub fn marker(self) -> &'static str {
        match self {
            Ancestry::Main => "[main]",
            Ancestry::Branch => "[branch]",
            Ancestry::Unknown => "[unknown]",
        }
    }
}

/// [`ANCESTRY_SCRIPT`]'s answer: the ref the commits were compared with,
/// and where each commit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AncestryReport {
    /// `origin/<main-branch>` or `<main-branch>` (`None`: the script printed
    /// no `base` line).
    pub base: Option<String>,
    pub commits: Vec<(String, Ancestry)>,
}

impl AncestryReport {
    /// What the log says about the base: which ref `[main]` means, and
    /// whether it is the remote-tracking branch.
    pub fn base_note(&self, main_branch: &str) -> Option<String> {
        let base = self.base.as_deref()?;
        Some(if base.starts_with("origin/") {
            format!(
                "list-tags: [main] means the commit is on {base} (the remote-tracking branch, as \
                 fetched into --src)."
            )
        } else {
            format!(
                "list-tags: [main] means the commit is on {base}: --src has no \
                 origin/{main_branch}, so the local ref is used, which may be behind the remote \
                 (fetch it: git fetch origin)."
            )
        })
    }
}

/// Parses [`ANCESTRY_SCRIPT`]'s output.
pub fn parse_ancestry(output: &str) -> AncestryReport {
    let mut base = None;
    let mut commits = Vec::new();
    for line in output.lines() {
        let Some((sha, what)) = line.split_once(' ') else {
            continue;
        };
        let ancestry = match (sha, what) {
            ("base", _) => {
                base = Some(what.to_owned());
                continue;
            }
            (_, "main") => Ancestry::Main,
            (_, "branch") => Ancestry::Branch,
            _ => Ancestry::Unknown,
        };
        commits.push((sha.to_owned(), ancestry));
    }
    AncestryReport { base, commits }
}

/// The error for a script's exit status, naming what the user must fix.
pub fn script_error(status: i32, stderr: &str) -> String {
    match status {
        NO_GIT_EXIT => "--src has no git history: this function reads the repository's .git. \
                        Pass the repository with its history, e.g. `--src=.` from a clone \
                        (not a tarball or a copy without .git); in CI, check out with full \
                        history (actions/checkout: fetch-depth: 0)."
            .to_owned(),
        NO_REVISION_EXIT => format!(
            "git has no revision `{}` in --src: fetch it (git fetch origin), or check the name.",
            excerpt(stderr.trim())
        ),
        NO_MERGE_BASE_EXIT => format!(
            "git finds no common ancestor of `{}` and HEAD in --src: the history is too \
             shallow (in CI, check out with full history: actions/checkout fetch-depth: 0), or \
             the revision is unrelated.",
            excerpt(stderr.trim())
        ),
        _ => format!("git failed (exit {status}): {}", excerpt(stderr.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_containers_need_a_build_file_at_head() {
        let output = "containers/miniflux/Dockerfile\ncontainers/gone/Dockerfile\n\
                      containers/nettest/test-connectivity.sh\ncontainers/README.md\nREADME.md\n\
                      --\ncontainers/miniflux/Dockerfile\ncontainers/nettest/Dockerfile\n\
                      containers/nettest/test-connectivity.sh\ncontainers/jq/default.nix\n";
        let names: Vec<String> = changed_containers(output)
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["miniflux", "nettest"]);
        assert!(changed_containers("").is_empty());
    }

    #[test]
    fn ancestry_lines() {
        let parsed =
            parse_ancestry("base origin/main\nabc1234 main\ndef5678 branch\n0000000 unknown\n");
        assert_eq!(parsed.base.as_deref(), Some("origin/main"));
        let commits = &parsed.commits;
        assert_eq!(commits[0], ("abc1234".to_owned(), Ancestry::Main));
        assert_eq!(commits[1].1.marker(), "[branch]");
        assert_eq!(commits[2].1, Ancestry::Unknown);
        assert_eq!(commits.len(), 3);
    }

    #[test]
    fn the_log_says_which_ref_main_means() {
        let remote = parse_ancestry("base origin/main\n")
            .base_note("main")
            .unwrap();
        assert!(
            remote.contains("on origin/main (the remote-tracking branch"),
            "{remote}"
        );
        let local = parse_ancestry("base main\n").base_note("main").unwrap();
        assert!(
            local.contains("on main: --src has no origin/main")
                && local.contains("may be behind the remote"),
            "{local}"
        );
        let named = parse_ancestry("base origin/main\n")
            .base_note("origin/main")
            .unwrap();
        assert!(named.contains("the remote-tracking branch"), "{named}");
        assert_eq!(parse_ancestry("abc1234 main\n").base_note("main"), None);
    }

    #[test]
    fn script_errors_say_what_to_do() {
        assert!(script_error(NO_GIT_EXIT, "").contains("fetch-depth: 0"));
        assert!(script_error(NO_REVISION_EXIT, "main\n").contains("no revision `main`"));
        let shallow = script_error(NO_MERGE_BASE_EXIT, "origin/main\n");
        assert!(
            shallow.starts_with("git finds no common ancestor of `origin/main` and HEAD")
                && shallow.contains("fetch-depth: 0"),
            "{shallow}"
        );
    }

    #[test]
    fn revisions_cannot_be_options() {
        assert_eq!(
            parse_revision("--base", "origin/main").unwrap(),
            "origin/main"
        );
        for bad in ["", "--output=/etc/x", "a b", "a\nb"] {
            assert!(parse_revision("--base", bad).is_err(), "{bad:?}");
        }
    }
}
