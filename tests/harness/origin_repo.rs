//! The repository shaped like the origin's ops repository, assembled from
//! `tests/fixtures/origin-ops-repo/` (the files of its own: the README, the
//! host's flake.lock, service-versions.yaml, the Forgejo workflow, the
//! images that differ from the examples) and the files its manifest
//! `from-examples.txt` names, copied from this repository's own example
//! images (`containers/`), so that none of those is kept twice.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::crate_root;

/// The fixture folder: the repository's own files and the manifest.
pub fn fixture() -> PathBuf {
    crate_root().join("tests/fixtures/origin-ops-repo")
}

/// The manifest of the files taken from the examples, in the fixture.
pub const MANIFEST: &str = "from-examples.txt";

/// The assembled repository, made once per test process in the target's
/// temporary folder (`CARGO_TARGET_TMPDIR/origin-ops-repo/<pid>`; the
/// folders of processes that have ended are removed first). Tests that
/// change it work on a copy.
pub fn origin_ops_repo() -> PathBuf {
    static REPO: OnceLock<PathBuf> = OnceLock::new();
    REPO.get_or_init(|| {
        let parent = Path::new(env!("CARGO_TARGET_TMPDIR")).join("origin-ops-repo");
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                let pid = entry.file_name().to_string_lossy().into_owned();
                if !Path::new("/proc").join(&pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let repo = parent.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&repo);
        assemble(&repo);
        repo
    })
    .clone()
}

/// Writes the repository into `to`: the fixture's files (the manifest
/// aside), then each file the manifest names, from the repository root.
pub fn assemble(to: &Path) {
    copy_tree(&fixture(), to);
    std::fs::remove_file(to.join(MANIFEST)).unwrap();
    for rel in manifest() {
        let from = crate_root().join(&rel);
        let target = to.join(&rel);
        assert!(
            !target.exists(),
            "{rel} is both in the fixture and in its {MANIFEST}: keep one"
        );
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&from, &target).unwrap_or_else(|e| {
            panic!(
                "{MANIFEST} names {rel}, which cannot be copied from {}: {e}",
                from.display()
            )
        });
    }
}

/// The paths the manifest names (one a line; `#` starts a comment).
pub fn manifest() -> Vec<String> {
    let text = std::fs::read_to_string(fixture().join(MANIFEST)).unwrap();
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Copies the folder `from` into `to`, recursively, dotfiles included,
/// keeping each file's mode.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
