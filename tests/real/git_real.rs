//! The git scripts of `changed-containers`, `list-tags` and
//! `check-versions --base`, run for real with git on repositories this test
//! builds: main, a branch, a merge, a deleted container, a commit that is
//! not in the history, uncommitted and untracked files, a shallow clone.

use std::path::{Path, PathBuf};
use std::process::Command;

use blumeops_ci::core::check::scope::{self as check_scope, Changed};
use blumeops_ci::core::command::exit_status::killed_message;
use blumeops_ci::core::git::{
    ANCESTRY_SCRIPT, Ancestry, CHANGED_SCRIPT, CHANGED_SINCE_SCRIPT, EMPTY_TREE, NO_GIT_EXIT,
    NO_MERGE_BASE_EXIT, NO_REVISION_EXIT, changed_containers, parse_ancestry, script_error,
};

struct Repo {
    dir: PathBuf,
}

impl Repo {
    fn new(name: &str) -> Repo {
        let dir =
            std::env::temp_dir().join(format!("blumeops-ci-git-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Runs a script the way the pipeline does: `sh -c SCRIPT sh ARGS...`.
    fn script(&self, script: &str, args: &[&str]) -> (i32, String, String) {
        run_script(&self.dir, script, args)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run_script(dir: &Path, script: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("sh runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn changed(repo: &Repo, base: &str, head: &str) -> Vec<String> {
    let (status, stdout, stderr) = repo.script(CHANGED_SCRIPT, &[base, head]);
    assert_eq!(status, 0, "{stderr}");
    changed_containers(&stdout)
        .iter()
        .map(|n| n.to_string())
        .collect()
}

#[test]
fn changed_containers_covers_every_commit_of_a_merge_and_skips_deleted_ones() {
    let repo = Repo::new("changed");
    repo.write(
        "containers/miniflux/Dockerfile",
        "ARG CONTAINER_APP_VERSION=2.2.17\n",
    );
    repo.write("containers/nettest/default.nix", "{ }:\n{ }\n");
    repo.write("containers/old/Dockerfile", "FROM scratch\n");
    repo.write("README.md", "ops\n");
    let first = repo.commit("first");

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "containers/miniflux/Dockerfile",
        "ARG CONTAINER_APP_VERSION=2.2.18\n",
    );
    repo.commit("bump miniflux");
    repo.write("containers/nettest/test-connectivity.sh", "#!/bin/sh\n");
    repo.commit("nettest script");
    std::fs::remove_dir_all(repo.dir.join("containers/old")).unwrap();
    repo.write("docs/notes.md", "x\n");
    repo.commit("drop old, docs");

    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.md", "ops, on main\n");
    repo.commit("main moves on");
    repo.git(&["merge", "-q", "--no-ff", "--no-edit", "feature"]);
    let merged = repo.git(&["rev-parse", "HEAD"]);

    assert_eq!(changed(&repo, &first, &merged), ["miniflux", "nettest"]);
    assert_eq!(
        changed(&repo, "HEAD^1~1", "HEAD^1"),
        Vec::<String>::new(),
        "main's own commit: README only"
    );
    assert_eq!(
        changed(&repo, "HEAD^1", "HEAD"),
        ["miniflux", "nettest"],
        "first parent: the whole merge"
    );
    assert_eq!(changed(&repo, EMPTY_TREE, "HEAD"), ["miniflux", "nettest"]);
    assert_eq!(
        changed(&repo, EMPTY_TREE, &first),
        ["miniflux", "nettest", "old"]
    );
}

#[test]
fn changed_containers_reports_a_missing_revision_and_a_missing_git() {
    let repo = Repo::new("missing");
    repo.write("containers/a/Dockerfile", "FROM scratch\n");
    repo.commit("a");
    let (status, _, stderr) = repo.script(CHANGED_SCRIPT, &["no-such-branch", "HEAD"]);
    assert_eq!(
        (status, stderr.trim()),
        (NO_REVISION_EXIT, "no-such-branch")
    );

    let plain = std::env::temp_dir().join(format!("blumeops-ci-nogit-{}", std::process::id()));
    std::fs::create_dir_all(&plain).unwrap();
    let (status, _, _) = run_script(&plain, CHANGED_SCRIPT, &["HEAD~1", "HEAD"]);
    let _ = std::fs::remove_dir_all(&plain);
    assert_eq!(status, NO_GIT_EXIT);
}

/// git's own fatal error exits 128, which is no signal: `changed-containers`
/// reports git's message, not "killed by signal 0 ... run it again" (the
/// pipeline's order: [`killed_message`] first, then [`script_error`]).
#[test]
fn git_s_own_fatal_error_exit_128_is_reported_with_git_s_message() {
    let repo = Repo::new("fatal");
    repo.write("containers/a/Dockerfile", "ARG CONTAINER_APP_VERSION=1\n");
    repo.commit("a 1");
    repo.write("containers/a/Dockerfile", "ARG CONTAINER_APP_VERSION=2\n");
    repo.commit("a 2");
    // A repository that lacks an object (a corrupt copy, or a partial clone
    // whose remote cannot be reached): `--base`'s commit and root tree are
    // there, the tree of its containers/ is not, so `git diff` dies.
    let tree = repo.git(&["rev-parse", "HEAD~1:containers"]);
    std::fs::remove_file(
        repo.dir
            .join(".git/objects")
            .join(&tree[..2])
            .join(&tree[2..]),
    )
    .unwrap();

    let (status, _, stderr) = repo.script(CHANGED_SCRIPT, &["HEAD~1", "HEAD"]);
    assert_eq!(status, 128, "{stderr}");
    // git 2.47: `fatal: unable to read tree (<tree>)`; the wording is git's.
    let fatal = stderr.trim();
    assert!(
        fatal.starts_with("fatal: unable to read tree") && fatal.contains(&tree),
        "{stderr}"
    );
    assert_eq!(killed_message(status, "git", &stderr), None);
    assert_eq!(
        script_error(status, &stderr),
        format!("git failed (exit 128): {fatal}")
    );
}

#[test]
fn ancestry_marks_main_branch_and_unknown_commits() {
    let repo = Repo::new("ancestry");
    let on_main = repo.commit("on main");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let on_branch = repo.commit("on a branch");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit("main moves on");

    let short = |sha: &str| sha[..7].to_owned();
    let (main7, branch7) = (short(&on_main), short(&on_branch));
    let (status, stdout, stderr) =
        repo.script(ANCESTRY_SCRIPT, &["main", &main7, &branch7, "0000000"]);
    assert_eq!(status, 0, "{stderr}");
    let report = parse_ancestry(&stdout);
    assert_eq!(
        report.base.as_deref(),
        Some("main"),
        "no origin/main: the local one"
    );
    assert_eq!(
        report.commits,
        [
            (main7.clone(), Ancestry::Main),
            (branch7.clone(), Ancestry::Branch),
            ("0000000".to_owned(), Ancestry::Unknown)
        ]
    );

    // CI checkouts often have only origin/main.
    repo.git(&["update-ref", "refs/remotes/origin/trunk", "main"]);
    let (status, stdout, _) = repo.script(ANCESTRY_SCRIPT, &["trunk", &main7]);
    assert_eq!(
        (status, stdout.trim()),
        (0, format!("base origin/trunk\n{main7} main").as_str())
    );

    let (status, _, stderr) = repo.script(ANCESTRY_SCRIPT, &["nope", &main7]);
    assert_eq!((status, stderr.trim()), (NO_REVISION_EXIT, "nope"));
}

/// In CI the local `main` is stale: the clone was made when main was older
/// (or a runner's workspace keeps an old one), and only `origin/main` has
/// been fetched since. A tag built from a commit that reached main after
/// that is on main: the remote-tracking branch says so, the stale local
/// branch would not.
#[test]
fn ancestry_reads_origin_main_before_a_stale_local_main() {
    let upstream = Repo::new("ancestry-upstream");
    upstream.commit("first");
    let clone_dir = std::env::temp_dir().join(format!(
        "blumeops-ci-git-ancestry-clone-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&clone_dir);
    let out = Command::new("git")
        .args(["clone", "-q"])
        .arg(&upstream.dir)
        .arg(&clone_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clone = Repo { dir: clone_dir };
    // Main moves on upstream; the clone fetches, but its local main stays.
    upstream.write("containers/nettest/Dockerfile", "FROM scratch\n");
    let merged = upstream.commit("merged later");
    clone.git(&["fetch", "-q", "origin"]);
    let merged7 = &merged[..7];
    assert_ne!(
        clone.git(&["rev-parse", "main"]),
        merged,
        "the local main is stale"
    );

    let (status, stdout, stderr) = clone.script(ANCESTRY_SCRIPT, &["main", merged7]);
    assert_eq!(status, 0, "{stderr}");
    let report = parse_ancestry(&stdout);
    assert_eq!(report.base.as_deref(), Some("origin/main"));
    assert_eq!(report.commits, [(merged7.to_owned(), Ancestry::Main)]);
    assert!(
        report
            .base_note("main")
            .unwrap()
            .contains("on origin/main (the remote-tracking branch"),
        "{report:?}"
    );

    // The same question of the local branch, as before this rule, would
    // have called it a branch build: the stale main does not have it.
    let (_, stdout, _) = clone.script(ANCESTRY_SCRIPT, &["refs/heads/main", merged7]);
    let local = parse_ancestry(&stdout);
    assert_eq!(local.base.as_deref(), Some("refs/heads/main"));
    assert_eq!(local.commits, [(merged7.to_owned(), Ancestry::Branch)]);
    assert!(
        local
            .base_note("refs/heads/main")
            .unwrap()
            .contains("may be behind the remote"),
        "{local:?}"
    );
}

/// What `check-versions --base=<base>` checks in `repo`: the containers, or
/// `["*"]` for every one.
fn changed_since(repo: &Repo, base: &str) -> Vec<String> {
    let (status, stdout, stderr) = repo.script(CHANGED_SINCE_SCRIPT, &[base]);
    assert_eq!(status, 0, "{stderr}");
    match check_scope::changed(&stdout) {
        Changed::Every => vec!["*".to_owned()],
        Changed::Only(names) => names.iter().map(|n| n.to_string()).collect(),
    }
}

#[test]
fn changed_since_counts_the_branch_since_the_merge_base_and_the_working_tree() {
    let repo = Repo::new("since");
    for name in ["miniflux", "navidrome", "quartz", "loki"] {
        repo.write(
            &format!("containers/{name}/Dockerfile"),
            "ARG CONTAINER_APP_VERSION=1.0\n",
        );
    }
    repo.write("service-versions.yaml", "services: []\n");
    repo.write(".gitignore", "*.log\n");
    repo.commit("first");

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "containers/miniflux/Dockerfile",
        "ARG CONTAINER_APP_VERSION=1.1\n",
    );
    repo.commit("bump miniflux");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "containers/navidrome/Dockerfile",
        "ARG CONTAINER_APP_VERSION=2.0\n",
    );
    repo.commit("main bumps navidrome");
    repo.git(&["checkout", "-q", "feature"]);

    // Since the merge base: the branch's commits, not main's (base...HEAD).
    assert_eq!(changed_since(&repo, "main"), ["miniflux"]);
    assert_eq!(changed_since(&repo, "HEAD"), Vec::<String>::new());

    // The working tree counts: an uncommitted change, an untracked
    // container, but not an ignored file.
    repo.write(
        "containers/quartz/Dockerfile",
        "ARG CONTAINER_APP_VERSION=1.2\n",
    );
    repo.write("containers/kiwix-serve/Dockerfile", "FROM alpine\n");
    repo.write("containers/loki/build.log", "x\n");
    assert_eq!(
        changed_since(&repo, "main"),
        ["kiwix-serve", "miniflux", "quartz"]
    );

    // service-versions.yaml: every container.
    repo.write("service-versions.yaml", "services:\n  - name: docs\n");
    assert_eq!(changed_since(&repo, "main"), ["*"]);
}

#[test]
fn changed_since_reports_a_missing_revision_a_missing_git_and_a_shallow_clone() {
    let repo = Repo::new("since-errors");
    repo.write("containers/a/Dockerfile", "FROM scratch\n");
    repo.commit("a");
    let (status, _, stderr) = repo.script(CHANGED_SINCE_SCRIPT, &["origin/main"]);
    assert_eq!((status, stderr.trim()), (NO_REVISION_EXIT, "origin/main"));

    let plain =
        std::env::temp_dir().join(format!("blumeops-ci-nogit-since-{}", std::process::id()));
    std::fs::create_dir_all(&plain).unwrap();
    let (status, _, _) = run_script(&plain, CHANGED_SINCE_SCRIPT, &["main"]);
    let _ = std::fs::remove_dir_all(&plain);
    assert_eq!(status, NO_GIT_EXIT);

    // A CI checkout of depth 1, with main fetched at depth 1: no merge base.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("containers/a/Dockerfile", "FROM alpine\n");
    repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("containers/b/Dockerfile", "FROM alpine\n");
    repo.commit("main moves on");
    let shallow = Repo {
        dir: repo.dir.with_extension("shallow"),
    };
    let _ = std::fs::remove_dir_all(&shallow.dir);
    let url = format!("file://{}", repo.dir.display());
    let shallow_dir = shallow.dir.to_str().unwrap();
    repo.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        &url,
        shallow_dir,
    ]);
    shallow.git(&[
        "fetch",
        "-q",
        "--depth",
        "1",
        "origin",
        "main:refs/remotes/origin/main",
    ]);
    let (status, _, stderr) = shallow.script(CHANGED_SINCE_SCRIPT, &["origin/main"]);
    assert_eq!((status, stderr.trim()), (NO_MERGE_BASE_EXIT, "origin/main"));
}
