//! The git scripts of `changed-containers` and `list-tags`, run for real
//! with git on a repository this test builds: main, a branch, a merge, a
//! deleted container, and a commit that is not in the history.

use std::path::{Path, PathBuf};
use std::process::Command;

use blumeops_ci::core::git::{
    ANCESTRY_SCRIPT, Ancestry, CHANGED_SCRIPT, EMPTY_TREE, NO_GIT_EXIT, NO_REVISION_EXIT,
    changed_containers, parse_ancestry,
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
    assert_eq!(
        parse_ancestry(&stdout),
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
        (0, format!("{main7} main").as_str())
    );

    let (status, _, stderr) = repo.script(ANCESTRY_SCRIPT, &["nope", &main7]);
    assert_eq!((status, stderr.trim()), (NO_REVISION_EXIT, "nope"));
}
