//! The script of `flake-lock` and `flake-update`, run for real with
//! Debian's `nix-bin` (Nix 2.8): the exact argv ([`flake::lock_argv`]) in
//! the exact working directory ([`FlakePath::workdir`], with the image's
//! `/src` standing for a temporary copy of `tests/fixtures/flakes`), with
//! the module's `NIX_CONFIG`, on a host flake whose input is a local
//! stand-in flake (a `path:` input: nothing is downloaded). The store is a
//! temporary chroot store and `HOME` a temporary folder, so the tests need
//! no root, no daemon and no network, and leave nothing behind.
//!
//! What only the real `nixos/nix` image (Nix 2.33) in an engine can
//! confirm, and what Nix 2.8 cannot show, is in docs/explanation.md.

use crate::harness::registry as support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use blumeops_ci::core::nix::build::{NIX_CONFIG, REPO_MOUNT};
use blumeops_ci::core::nix::flake::{self, FlakeCommand, FlakePath, NO_LOCK_EXIT};
use serde_json::Value;

fn nix_available() -> bool {
    Command::new("nix").arg("--version").output().is_ok()
        || support::skip_or_fail(
            "flake tests",
            "the flake tests need nix (Debian package: nix-bin); run ci/install-test-deps",
        )
}

/// A copy of `tests/fixtures/flakes` with the stand-in's absolute path in
/// the host flake, and a private Nix store and home.
struct Repo {
    dir: tempfile::TempDir,
    nix: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flakes");
        for file in ["nixos/ringtail/flake.nix", "stand-in/flake.nix"] {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let text = std::fs::read_to_string(fixture.join(file)).unwrap();
            let stand_in = dir.path().join("stand-in");
            std::fs::write(to, text.replace("STAND_IN", stand_in.to_str().unwrap())).unwrap();
        }
        Repo {
            dir,
            nix: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A command with the module's `NIX_CONFIG`, plus what running here
    /// needs: a chroot store in a temporary folder, no build users, no
    /// sandbox, no binary cache.
    fn nix_command(&self, program: &str) -> Command {
        let nix = self.nix.path();
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", nix.join("home"))
            .env("XDG_CACHE_HOME", nix.join("cache"))
            .env(
                "NIX_CONFIG",
                format!(
                    "{NIX_CONFIG}\nstore = {}\nbuild-users-group =\nsandbox = false\nsubstituters =",
                    nix.join("store").display()
                ),
            );
        command
    }

    /// Runs the module's script for `command` on the flake at `flake_path`,
    /// in the folder the pipeline makes its working directory.
    fn run(&self, command: FlakeCommand, flake_path: &str) -> Output {
        let flake = FlakePath::parse(flake_path).unwrap();
        let workdir = flake.workdir();
        let rel = workdir
            .strip_prefix(REPO_MOUNT)
            .unwrap()
            .trim_start_matches('/');
        let argv = flake::lock_argv(command);
        self.nix_command(&argv[0])
            .args(&argv[1..])
            .current_dir(self.dir.path().join(rel))
            .output()
            .unwrap()
    }

    /// The lock file the pipeline returns ([`FlakePath::lock_in_image`]).
    fn lock(&self, flake_path: &str) -> Value {
        let in_image = FlakePath::parse(flake_path).unwrap().lock_in_image();
        let rel = in_image.strip_prefix(&format!("{REPO_MOUNT}/")).unwrap();
        serde_json::from_str(&std::fs::read_to_string(self.path(rel)).unwrap()).unwrap()
    }

    /// `nix hash path` of a folder: the narHash a lock must record.
    fn nar_hash(&self, rel: &str) -> String {
        let out = self
            .nix_command("nix")
            .args(["hash", "path"])
            .arg(self.path(rel))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    }
}

impl Drop for Repo {
    /// Nix leaves store paths read-only: without root, the temporary store
    /// could not be removed.
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .args(["-R", "u+w"])
            .arg(self.nix.path())
            .status();
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(output: &Output) -> String {
    assert!(
        output.status.success(),
        "the script failed ({}):\n{}",
        output.status,
        text(&output.stderr)
    );
    text(&output.stderr)
}

/// The error the module shows for a failed run.
fn error(output: &Output, command: FlakeCommand, flake_path: &str) -> String {
    assert!(!output.status.success(), "the script succeeded");
    flake::script_error(
        command,
        &FlakePath::parse(flake_path).unwrap(),
        output.status.code().unwrap_or(-1),
        &text(&output.stderr),
    )
}

/// The locked node of `input` in `lock`.
fn locked<'a>(lock: &'a Value, input: &str) -> &'a Value {
    let node = lock["nodes"]["root"]["inputs"][input].as_str().unwrap();
    &lock["nodes"][node]["locked"]
}

#[test]
fn flake_lock_pins_the_input_by_its_hash() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let stderr = succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    let lock = repo.lock("nixos/ringtail");
    let stand_in = locked(&lock, "stand-in");
    assert_eq!(stand_in["type"], "path");
    assert_eq!(stand_in["path"], repo.path("stand-in").to_str().unwrap());
    assert_eq!(stand_in["narHash"], repo.nar_hash("stand-in").as_str());
    // Nix said it wrote the lock; the pipeline logs that.
    assert!(flake::changes(&stderr).is_some(), "{stderr}");
    assert_eq!(
        flake::unwritten_error(
            FlakeCommand::Lock,
            &FlakePath::parse("nixos/ringtail").unwrap(),
            &stderr
        ),
        None
    );
}

#[test]
fn lock_keeps_a_pin_that_update_moves() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    let first = repo.nar_hash("stand-in");

    // The input changes: `lock` keeps the pin and writes nothing...
    repo.write("stand-in/extra.nix", "{ }\n");
    let second = repo.nar_hash("stand-in");
    assert_ne!(first, second);
    let stderr = succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    assert_eq!(
        locked(&repo.lock("nixos/ringtail"), "stand-in")["narHash"],
        first.as_str()
    );
    assert_eq!(flake::changes(&stderr), None, "{stderr}");

    // ...`update` moves it, and says so.
    let stderr = succeeded(&repo.run(FlakeCommand::Update, "nixos/ringtail"));
    assert_eq!(
        locked(&repo.lock("nixos/ringtail"), "stand-in")["narHash"],
        second.as_str()
    );
    let changes = flake::changes(&stderr).expect("the lock was written");
    assert_eq!(changes[0], "• Updated input 'stand-in':", "{stderr}");
    assert!(changes.iter().any(|l| l.starts_with('→')), "{changes:?}");
}

#[test]
fn lock_adds_a_new_input_and_leaves_the_others() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    let pinned = repo.nar_hash("stand-in");
    repo.write("stand-in/extra.nix", "{ }\n");
    repo.write("other/flake.nix", "{ outputs = { self }: { }; }\n");
    let host = std::fs::read_to_string(repo.path("nixos/ringtail/flake.nix")).unwrap();
    repo.write(
        "nixos/ringtail/flake.nix",
        &host.replace(
            "outputs = { self, stand-in }",
            &format!(
                "inputs.other.url = \"path:{}\";\n\n  outputs = {{ self, stand-in, other }}",
                repo.path("other").display()
            ),
        ),
    );
    succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    let lock = repo.lock("nixos/ringtail");
    assert_eq!(locked(&lock, "stand-in")["narHash"], pinned.as_str());
    assert_eq!(
        locked(&lock, "other")["narHash"],
        repo.nar_hash("other").as_str()
    );
}

#[test]
fn a_flake_at_the_root_is_locked_in_place() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let host = std::fs::read_to_string(repo.path("nixos/ringtail/flake.nix")).unwrap();
    repo.write("flake.nix", &host);
    succeeded(&repo.run(FlakeCommand::Update, "."));
    assert_eq!(
        locked(&repo.lock("."), "stand-in")["narHash"],
        repo.nar_hash("stand-in").as_str()
    );
    assert!(!repo.path("nixos/ringtail/flake.lock").exists());
}

/// The advice the log gives without a pin, followed for real: the example's
/// flake.nix copied to the root (its nixpkgs input pointed at the
/// stand-in, nothing is downloaded), then `flake-lock --flake-path=.`. The
/// root lock it writes is the one the Nix functions then take, before the
/// host's; and the host's own lock, written by `flake-lock` with the
/// default --flake-path, is passed over (with the reason in the log) when
/// it has no `nixpkgs` input, as here.
#[test]
fn the_advices_root_flake_is_locked_and_then_pins_nixpkgs() {
    use blumeops_ci::core::nix::nixpkgs::{
        self, Choice, DEFAULT_FLAKE_LOCK, DEFAULT_NIXPKGS_INPUT,
    };
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    let choose = || {
        let found = nixpkgs::lock_candidates(None, DEFAULT_FLAKE_LOCK)
            .into_iter()
            .find(|c| repo.path(c).is_file());
        let text = found
            .as_ref()
            .map(|f| std::fs::read_to_string(repo.path(f)).unwrap());
        nixpkgs::choose(
            None,
            DEFAULT_FLAKE_LOCK,
            DEFAULT_NIXPKGS_INPUT,
            found.as_deref().zip(text.as_deref()),
        )
        .unwrap()
    };
    succeeded(&repo.run(FlakeCommand::Lock, "nixos/ringtail"));
    let Choice::Registry { note } = choose() else {
        panic!("a lock without a nixpkgs input pinned nixpkgs")
    };
    assert!(
        note.contains(
            "nixos/ringtail/flake.lock (the lock of the default --flake-path) pins no \
             nixpkgs blumeops-ci can use: nixos/ringtail/flake.lock: the flake has no input \
             `nixpkgs` (it has: stand-in)"
        ),
        "{note}"
    );

    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("flake.nix")).unwrap();
    let url = "github:NixOS/nixpkgs/nixos-25.05";
    assert!(
        example.contains(url),
        "the example's flake.nix changed: {example}"
    );
    let stand_in = format!("path:{}", repo.path("stand-in").display());
    repo.write("flake.nix", &example.replace(url, &stand_in));
    succeeded(&repo.run(FlakeCommand::Lock, "."));
    let Choice::Pinned { nixpkgs, note } = choose() else {
        panic!("the root lock did not pin nixpkgs")
    };
    assert_eq!(
        (nixpkgs.origin.as_str(), note),
        ("flake.lock (input nixpkgs)", None)
    );
    assert_eq!(
        nixpkgs.source,
        nixpkgs::NixpkgsSource::Path {
            path: repo.path("stand-in").display().to_string(),
            nar_hash: repo.nar_hash("stand-in"),
        }
    );
}

#[test]
fn what_nix_cannot_lock_is_a_clear_error() {
    if !nix_available() {
        return;
    }
    let repo = Repo::new();
    // A flake.nix Nix cannot evaluate.
    repo.write("broken/flake.nix", "{ outputs = { self }: { ; }\n");
    let message = error(
        &repo.run(FlakeCommand::Lock, "broken"),
        FlakeCommand::Lock,
        "broken",
    );
    assert!(
        message.starts_with("`nix flake lock` failed on broken/flake.nix (exit status 1): Nix could not evaluate or lock it.\nerror: syntax error, unexpected ';'"),
        "{message}"
    );

    // An input Nix cannot download.
    repo.write(
        "unreachable/flake.nix",
        &format!(
            "{{ inputs.x.url = \"file://{}/missing.tar.gz\"; outputs = {{ self, x }}: {{ }}; }}\n",
            repo.dir.path().display()
        ),
    );
    let message = error(
        &repo.run(FlakeCommand::Update, "unreachable"),
        FlakeCommand::Update,
        "unreachable",
    );
    assert!(
        message.starts_with("`nix flake update` could not fetch an input of unreachable/flake.nix:\nerror: unable to download 'file://"),
        "{message}"
    );

    // A flake without inputs: Nix 2.8 writes no lock file.
    repo.write("bare/flake.nix", "{ outputs = { self }: { }; }\n");
    let output = repo.run(FlakeCommand::Lock, "bare");
    assert_eq!(
        output.status.code(),
        Some(NO_LOCK_EXIT),
        "{}",
        text(&output.stderr)
    );
    assert!(error(&output, FlakeCommand::Lock, "bare").starts_with(
        "`nix flake lock` left no bare/flake.lock: bare/flake.nix declares no inputs"
    ),);
}
