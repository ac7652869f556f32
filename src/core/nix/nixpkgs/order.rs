//! The order in which every Nix function looks for its nixpkgs: the one
//! rule `nix-version`, `build-nix`, `publish-nix`, `sbom-nix` and
//! `check-versions` follow.
//!
//! 1. `--nixpkgs`: the user's word; no lock is read.
//! 2. The lock `--flake-lock` names, when it is not the default: it must
//!    exist.
//! 3. By default, the repository's root `flake.lock`; else the lock of the
//!    default flake path, [`host_lock`] (`nixos/ringtail/flake.lock`, the
//!    flake `flake-lock` works on by default): the origin built its Nix
//!    images on that host, whose `<nixpkgs>` and flake registry were that
//!    lock's `nixpkgs` input. Taken by default, that lock is no input of the
//!    user's: when it pins nothing blumeops-ci can fetch, the log says why
//!    and the next step answers, as the origin's build did.
//! 4. Else the Nix image's flake registry: unpinned, and the log says so
//!    ([`crate::core::nix::nixpkgs::UNPINNED_ADVICE`]).
//!
//! The pipeline asks the repository which of [`lock_candidates`] exists
//! (the first that does) and reads it; [`choose`] decides from that.

use eyre::bail;

use crate::core::nix::flake::DEFAULT_FLAKE_PATH;
use crate::core::text::{excerpt, first_line};

use crate::core::nix::nixpkgs::{DEFAULT_FLAKE_LOCK, Nixpkgs, from_lock, parse_override};

/// The lock of the default flake path: `nixos/ringtail/flake.lock`.
pub fn host_lock() -> String {
    format!("{DEFAULT_FLAKE_PATH}/flake.lock")
}

/// The lock files to look for, in order, until one exists: none with
/// `--nixpkgs`; the lock `--flake-lock` names; by default the root
/// `flake.lock`, then [`host_lock`].
pub fn lock_candidates(override_: Option<&str>, lock_path: &str) -> Vec<String> {
    match override_ {
        Some(_) => Vec::new(),
        None if lock_path == DEFAULT_FLAKE_LOCK => vec![lock_path.to_owned(), host_lock()],
        None => vec![lock_path.to_owned()],
    }
}

/// The one place the Nix functions get a pinned nixpkgs: `--nixpkgs` when
/// given, else the `input` node of the lock file (`lock` is its text, `None`
/// when the repository has none; `lock_path` names it in messages).
pub fn pin(
    override_: Option<&str>,
    lock: Option<&str>,
    lock_path: &str,
    input: &str,
) -> eyre::Result<Nixpkgs> {
    if let Some(raw) = override_ {
        return Ok(Nixpkgs {
            source: parse_override(raw)?,
            origin: "--nixpkgs".into(),
            unpinned: false,
        });
    }
    let Some(text) = lock else {
        bail!(
            "{lock_path} does not exist (--flake-lock names a file relative to --src).\n\
             Give the flake.lock whose `{}` input pins nixpkgs, e.g. \
             --flake-lock=nixos/<host>/flake.lock; or leave --flake-lock out, to use the \
             repository's root flake.lock, else {}, else the Nix image's flake registry \
             (unpinned); or pass --nixpkgs=<tarball URL or /nix/store path>.",
            excerpt(input),
            host_lock()
        );
    };
    Ok(Nixpkgs {
        source: from_lock(text, lock_path, input)?,
        origin: format!("{lock_path} (input {input})"),
        unpinned: false,
    })
}

/// Where the nixpkgs of a call comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Pinned (by `--nixpkgs` or a lock); `note` says why a lock the user
    /// did not name was taken, for the log.
    Pinned {
        nixpkgs: Nixpkgs,
        note: Option<String>,
    },
    /// Nothing pins it: the Nix image's flake registry answers. `note`
    /// says which locks were looked for, for the log.
    Registry { note: String },
}

/// The nixpkgs of a call: `--nixpkgs` (`override_`), else the first lock of
/// [`lock_candidates`] that exists (`found`: its path and text), else the
/// flake registry; or the error for a named lock that does not exist, or
/// one that cannot pin nixpkgs.
pub fn choose(
    override_: Option<&str>,
    lock_path: &str,
    input: &str,
    found: Option<(&str, &str)>,
) -> eyre::Result<Choice> {
    if override_.is_some() {
        return Ok(Choice::Pinned {
            nixpkgs: pin(override_, None, lock_path, input)?,
            note: None,
        });
    }
    let by_default = lock_path == DEFAULT_FLAKE_LOCK;
    let host = host_lock();
    match found {
        Some((path, text)) if by_default && path == host => {
            match pin(None, Some(text), path, input) {
                Ok(nixpkgs) => Ok(Choice::Pinned {
                    nixpkgs,
                    note: Some(format!(
                        "nixpkgs: the repository has no root {DEFAULT_FLAKE_LOCK}, so {host} \
                         pins it (the lock of the default --flake-path, {DEFAULT_FLAKE_PATH}, \
                         whose nixpkgs the origin's Nix host built with). --flake-lock or a \
                         root {DEFAULT_FLAKE_LOCK} choose another."
                    )),
                }),
                Err(e) => Ok(Choice::Registry {
                    note: format!(
                        "nixpkgs: no root {DEFAULT_FLAKE_LOCK}, and {host} (the lock of the \
                         default --flake-path) pins no nixpkgs blumeops-ci can use: {}",
                        first_line(&e.to_string())
                    ),
                }),
            }
        }
        Some((path, text)) => Ok(Choice::Pinned {
            nixpkgs: pin(None, Some(text), path, input)?,
            note: None,
        }),
        None if by_default => Ok(Choice::Registry {
            note: format!(
                "nixpkgs: no lock pins it: the repository has no root {DEFAULT_FLAKE_LOCK} and \
                 no {host} (the lock of the default --flake-path), and neither --flake-lock nor \
                 --nixpkgs was given."
            ),
        }),
        None => pin(None, None, lock_path, input).map(|nixpkgs| Choice::Pinned {
            nixpkgs,
            note: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::NixpkgsSource;
    use super::*;

    const HASH: &str = "sha256-+jkEZxs7bfOKfBIk430K+tK9IvXlwzqQQnppC2ZKFj4=";

    /// A lock whose `nixpkgs` input is the tarball `url`.
    fn lock(url: &str) -> String {
        format!(
            r#"{{"nodes": {{"np": {{"locked": {{"type": "tarball", "url": "{url}", "narHash": "{HASH}"}}}},
               "root": {{"inputs": {{"nixpkgs": "np"}}}}}}, "root": "root", "version": 7}}"#
        )
    }

    fn url(choice: &Choice) -> &str {
        match choice {
            Choice::Pinned {
                nixpkgs:
                    Nixpkgs {
                        source: NixpkgsSource::Tarball { url, .. },
                        ..
                    },
                ..
            } => url,
            other => panic!("not a pinned tarball: {other:?}"),
        }
    }

    /// Runs the rule the way the pipeline does: looks for each candidate in
    /// `repo` (path, text) in order, and chooses from the first found.
    fn resolve(
        repo: &[(&str, &str)],
        override_: Option<&str>,
        lock_path: &str,
        input: &str,
    ) -> eyre::Result<Choice> {
        let found = lock_candidates(override_, lock_path)
            .into_iter()
            .find_map(|c| repo.iter().find(|(p, _)| *p == c).copied());
        choose(override_, lock_path, input, found)
    }

    #[test]
    fn the_default_flake_paths_lock_is_the_origins_host() {
        assert_eq!(host_lock(), "nixos/ringtail/flake.lock");
        assert_eq!(
            lock_candidates(None, "flake.lock"),
            ["flake.lock", "nixos/ringtail/flake.lock"]
        );
        assert_eq!(
            lock_candidates(None, "hosts/a/flake.lock"),
            ["hosts/a/flake.lock"]
        );
        assert!(lock_candidates(Some("/nix/store/x"), "flake.lock").is_empty());
    }

    #[test]
    fn a_root_lock_comes_before_the_host_lock() {
        let (root, host) = (lock("https://root/n.tar.gz"), lock("https://host/n.tar.gz"));
        let repo = [
            ("nixos/ringtail/flake.lock", host.as_str()),
            ("flake.lock", root.as_str()),
        ];
        let choice = resolve(&repo, None, "flake.lock", "nixpkgs").unwrap();
        assert_eq!(url(&choice), "https://root/n.tar.gz");
        assert!(matches!(choice, Choice::Pinned { note: None, .. }));
    }

    #[test]
    fn without_a_root_lock_the_host_lock_pins_and_the_note_names_it() {
        let host = lock("https://host/n.tar.gz");
        let repo = [("nixos/ringtail/flake.lock", host.as_str())];
        let choice = resolve(&repo, None, "flake.lock", "nixpkgs").unwrap();
        assert_eq!(url(&choice), "https://host/n.tar.gz");
        let Choice::Pinned {
            nixpkgs,
            note: Some(note),
        } = choice
        else {
            panic!("no note")
        };
        assert_eq!(nixpkgs.origin, "nixos/ringtail/flake.lock (input nixpkgs)");
        assert!(!nixpkgs.unpinned);
        assert!(
            note.contains("no root flake.lock, so nixos/ringtail/flake.lock pins it"),
            "{note}"
        );
    }

    #[test]
    fn without_either_lock_the_registry_answers_and_the_note_says_what_was_looked_for() {
        let choice = resolve(&[], None, "flake.lock", "nixpkgs").unwrap();
        let Choice::Registry { note } = choice else {
            panic!("{choice:?}")
        };
        assert!(
            note.contains("no root flake.lock and no nixos/ringtail/flake.lock"),
            "{note}"
        );
    }

    #[test]
    fn nixpkgs_overrides_every_lock() {
        let (root, host) = (lock("https://root/n.tar.gz"), lock("https://host/n.tar.gz"));
        let repo = [
            ("flake.lock", root.as_str()),
            ("nixos/ringtail/flake.lock", host.as_str()),
        ];
        let choice = resolve(
            &repo,
            Some("https://given/n.tar.gz"),
            "flake.lock",
            "nixpkgs",
        )
        .unwrap();
        let Choice::Pinned { nixpkgs, note } = choice else {
            panic!()
        };
        assert_eq!(
            nixpkgs.source,
            NixpkgsSource::UncheckedUrl("https://given/n.tar.gz".into())
        );
        assert_eq!((nixpkgs.origin.as_str(), note), ("--nixpkgs", None));
    }

    #[test]
    fn a_named_lock_is_the_only_one_read_and_must_exist() {
        let (root, host, other) = (
            lock("https://root/n.tar.gz"),
            lock("https://host/n.tar.gz"),
            lock("https://other/n.tar.gz"),
        );
        let repo = [
            ("flake.lock", root.as_str()),
            ("nixos/ringtail/flake.lock", host.as_str()),
            ("hosts/other/flake.lock", other.as_str()),
        ];
        let choice = resolve(&repo, None, "hosts/other/flake.lock", "nixpkgs").unwrap();
        assert_eq!(url(&choice), "https://other/n.tar.gz");
        // Named, the host lock is an ordinary lock: no note.
        let choice = resolve(&repo[1..], None, "nixos/ringtail/flake.lock", "nixpkgs").unwrap();
        assert!(matches!(choice, Choice::Pinned { note: None, .. }));
        let err = resolve(&repo[..2], None, "hosts/other/flake.lock", "nixpkgs")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("hosts/other/flake.lock does not exist"),
            "{err}"
        );
    }

    #[test]
    fn a_host_lock_that_cannot_pin_falls_back_to_the_registry_and_says_why() {
        // No `nixpkgs` input: the origin built anyway (its registry), so
        // this is no error, but the log says why the lock was passed over.
        let other = lock("https://host/n.tar.gz").replace(r#""nixpkgs": "np""#, r#""pkgs": "np""#);
        let repo = [("nixos/ringtail/flake.lock", other.as_str())];
        let choice = resolve(&repo, None, "flake.lock", "nixpkgs").unwrap();
        let Choice::Registry { note } = choice else {
            panic!("{choice:?}")
        };
        assert!(
            note.contains("pins no nixpkgs blumeops-ci can use: nixos/ringtail/flake.lock: the flake has no input `nixpkgs` (it has: pkgs)"),
            "{note}"
        );
        // Named, or at the root, the same lock is an error.
        let err = resolve(&repo, None, "nixos/ringtail/flake.lock", "nixpkgs").unwrap_err();
        assert!(err.to_string().contains("no input `nixpkgs`"), "{err}");
        let root = [("flake.lock", other.as_str())];
        assert!(resolve(&root, None, "flake.lock", "nixpkgs").is_err());
    }

    #[test]
    fn the_input_applies_to_the_host_lock_too() {
        let text = lock("https://host/n.tar.gz").replace(r#""nixpkgs": "np""#, r#""pkgs": "np""#);
        let repo = [("nixos/ringtail/flake.lock", text.as_str())];
        let choice = resolve(&repo, None, "flake.lock", "pkgs").unwrap();
        assert_eq!(url(&choice), "https://host/n.tar.gz");
    }
}
