//! The Nix side of an image's SBOM: which store paths the image holds, and
//! what Nix knows of their closure. `tests/real/nix_real.rs` runs this script
//! with real Nix; [`crate::core::sbom::cyclonedx`] turns its output into CycloneDX.
//!
//! A Nix image archive is one store path that references nothing (a
//! gzipped tar hides its store paths from Nix's reference scan), so the
//! closure that matters is that of what the image *holds*. The script finds
//! it in two steps, each a shell function of its own so that other image
//! forms can feed the second from their own first step:
//!
//! 1. [`IMAGE_STORE_PATHS`] (`image_store_paths ARCHIVE`): the top-level
//!    `nix/store/<hash>-<name>` entries of the archive's layers, whatever
//!    builder wrote them (`buildLayeredImage` and `streamLayeredImage` as
//!    `/nix/store/...`, `buildImage` as `nix/store/...`, others as
//!    `./nix/store/...`). What the image holds is what its SBOM lists,
//!    whichever nixpkgs built it and however its builders change.
//! 2. [`CLOSURE`] (`closure ROOTS`): for a file of store paths, their
//!    closure as Nix registered it (`nix-store --dump-db`: path, NAR hash,
//!    NAR size, deriver, references), a format Nix has kept stable since
//!    2.0 because `nix-store --load-db` reads it. Paths the store lacks are
//!    substituted when a binary cache has them; those still missing (a base
//!    image's layers built elsewhere) are named, not dropped.
//!
//! Only tools of the `nixos/nix` image are used: `sh`, coreutils, GNU
//! `tar`, `gzip`, `grep`, `xargs`, `nix-store`.

use std::collections::BTreeMap;

use eyre::{bail, eyre};

use crate::core::command::exit_status::{TAIL_LINES, tail};
use crate::core::sbom::nar_hash::NarHash;
use crate::core::sbom::store_path::StorePath;
use crate::core::text::excerpt;

/// Exit statuses of [`image_closure_script`] (anything else is the shell's).
mod exit {
    pub const LAYERS: i32 = 20;
    pub const VALIDITY: i32 = 21;
    pub const QUERY: i32 = 22;
}

/// `image_store_paths ARCHIVE`: prints the store paths that the layers of
/// the docker archive ARCHIVE hold, one a line, sorted. The archive and its
/// layers may be gzipped. Every regular file of the archive is listed as a
/// tar (GNU tar's `--to-command`, one pass, nothing written to disk); files
/// that are not tars (the config, the manifest) list nothing. Returns 20
/// when the archive cannot be read.
pub const IMAGE_STORE_PATHS: &str = r#"image_store_paths() {
  entries=$(mktemp)
  (cd "$(mktemp -d)" && tar -xf "$1" --to-command='gzip -dcf | { tar -tf - 2>/dev/null || true; cat >/dev/null; }') >"$entries" || return 20
  grep -oE '^(\./)?/?nix/store/[0123456789abcdfghijklmnpqrsvwxyz]{32}-[A-Za-z0-9+._?=-]+' "$entries" |
    grep -oE 'nix/store/.+' | sort -u | while IFS= read -r p; do printf '/%s\n' "$p"; done
}
"#;

/// `closure ROOTS`: ROOTS is a file of store paths, one a line. Prints
/// `absent <path>` for each root that the store does not have and no
/// substituter gives, then the registration of the closure of the others
/// (`nix-store --dump-db`). Returns 21 when Nix cannot check the roots, 22
/// when it cannot query their closure.
pub const CLOSURE: &str = r#"closure() {
  [ -s "$1" ] || return 0
  absent=$(mktemp) valid=$(mktemp) requisites=$(mktemp)
  xargs -r nix-store --check-validity --print-invalid <"$1" >"$absent" || return 21
  if [ -s "$absent" ]; then
    xargs -r nix-store --realise <"$absent" >/dev/null 2>&1 || true
    xargs -r nix-store --check-validity --print-invalid <"$1" >"$absent" || return 21
  fi
  grep -vxF -f "$absent" "$1" >"$valid" || true
  while IFS= read -r p; do printf 'absent %s\n' "$p"; done <"$absent"
  [ -s "$valid" ] || return 0
  xargs -r nix-store --query --requisites <"$valid" >"$requisites" || return 22
  sort -u "$requisites" | xargs -r nix-store --dump-db || return 22
}
"#;

/// The script's own lines, after the two functions: the closure of what
/// the archive `$1` holds.
const MAIN: &str = r#"roots=$(mktemp)
image_store_paths "$1" >"$roots" || exit $?
closure "$roots" || exit $?
"#;

/// `sh -c IMAGE_CLOSURE_SCRIPT sh <archive>`: [`IMAGE_STORE_PATHS`], then
/// [`CLOSURE`] of what it found. Its output is [`parse`]d.
pub fn image_closure_script() -> String {
    format!("set -eu\n{IMAGE_STORE_PATHS}{CLOSURE}{MAIN}")
}

/// The arguments that run [`image_closure_script`] on the image archive at
/// `archive` (a path in the container that built it).
pub fn image_closure_argv(archive: &str) -> Vec<String> {
    crate::core::command::shell::sh_c(&image_closure_script(), [archive.to_owned()])
}

/// One store path as Nix registered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathInfo {
    pub path: StorePath,
    pub nar_hash: NarHash,
    pub nar_size: u64,
    /// The derivation that built it, when Nix knows it.
    pub deriver: Option<StorePath>,
    /// The store paths it references (itself included, when it does).
    pub references: Vec<StorePath>,
}

/// What the script found: the closure Nix knows, by path, and the paths
/// the image holds that the store does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closure {
    pub paths: BTreeMap<StorePath, PathInfo>,
    pub absent: Vec<StorePath>,
}

/// Reads the script's output: `absent <path>` lines, then registration
/// records of five parts (path, hexadecimal NAR hash, NAR size, deriver or
/// an empty line, the number of references) and that many references.
pub fn parse(stdout: &str) -> eyre::Result<Closure> {
    let mut closure = Closure::default();
    let mut lines = stdout.lines().peekable();
    while let Some(path) = lines.peek().and_then(|l| l.strip_prefix("absent ")) {
        closure.absent.push(StorePath::parse(path)?);
        lines.next();
    }
    let mut next = |what: &str, path: &str| {
        lines.next().ok_or_else(|| {
            eyre!("the registration of {path} ends before its {what}: is it `nix-store --dump-db` output?")
        })
    };
    loop {
        let path = match next("path", "the closure") {
            Ok(line) => line,
            Err(_) => break,
        };
        let path =
            StorePath::parse(path).map_err(|e| eyre!("{e} in the closure's registration"))?;
        let here = path.as_str().to_owned();
        let nar_hash = NarHash::from_hex(next("NAR hash", &here)?)?;
        let size = next("NAR size", &here)?;
        let nar_size = size.parse().map_err(|_| {
            eyre!(
                "the NAR size of {here} is `{}`, not a number",
                excerpt(size)
            )
        })?;
        let deriver = match next("deriver", &here)? {
            "" => None,
            d => Some(StorePath::parse(d)?),
        };
        let count = next("number of references", &here)?;
        let count: usize = count.parse().map_err(|_| {
            eyre!(
                "the number of references of {here} is `{}`, not a number",
                excerpt(count)
            )
        })?;
        let mut references = Vec::with_capacity(count.min(4096));
        for _ in 0..count {
            references.push(StorePath::parse(next("references", &here)?)?);
        }
        references.sort();
        references.dedup();
        let info = PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            deriver,
            references,
        };
        closure.paths.insert(path, info);
    }
    closure.absent.sort();
    closure.absent.dedup();
    for info in closure.paths.values() {
        if let Some(missing) = info
            .references
            .iter()
            .find(|r| !closure.paths.contains_key(*r))
        {
            bail!(
                "the closure is not closed: {} references {missing}, which it does not list",
                info.path
            );
        }
    }
    Ok(closure)
}

/// The error a failed [`image_closure_script`] stands for, for the person
/// who asked for the SBOM (`what`: the image, e.g. `containers/jq/default.nix`'s
/// image).
pub fn script_error(exit_code: i32, stderr: &str, what: &str) -> String {
    let tail = tail(stderr, TAIL_LINES);
    match exit_code {
        exit::LAYERS => format!(
            "could not read the layers of {what} to find the store paths it holds: GNU tar \
             failed on the archive.\n{tail}"
        ),
        exit::VALIDITY | exit::QUERY => format!(
            "Nix could not tell the closure of the store paths {what} holds (nix-store \
             failed).\n{tail}"
        ),
        code => format!("the SBOM's closure step exited with status {code}:\n{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/nix/store/41kz2pbn4z6fshf3y6xayhlqyj56262a-tool-2.3.4";
    const B: &str = "/nix/store/h389ffypwa2gz4fyqsq6bkfl812yk2rj-liba-1.0";
    const DRV: &str = "/nix/store/2wrb72lym9n89bfm02ygf0kkv3wv997d-tool-2.3.4.drv";
    const HA: &str = "42d7b5c441ca1c5e2e2bb6472940cc710ded7b3f8455053705054f5553649969";
    const HB: &str = "642f639e6a13fe1256b769b3ff4144f70a90d3bd7c55239d3e592940a25734b8";

    /// What Nix 2.8's `nix-store --dump-db` printed for two paths.
    fn dump() -> String {
        format!("{B}\n{HB}\n288\n\n0\n{A}\n{HA}\n336\n{DRV}\n1\n{B}\n")
    }

    #[test]
    fn the_registration_is_read() {
        let closure = parse(&format!("absent {B}\n{}", dump())).unwrap();
        assert_eq!(closure.absent, [StorePath::parse(B).unwrap()]);
        let a = &closure.paths[&StorePath::parse(A).unwrap()];
        assert_eq!(a.nar_hash.hex(), HA);
        assert_eq!(a.nar_size, 336);
        assert_eq!(a.deriver.as_ref().unwrap().as_str(), DRV);
        assert_eq!(a.references, [StorePath::parse(B).unwrap()]);
        let b = &closure.paths[&StorePath::parse(B).unwrap()];
        assert_eq!((b.deriver.clone(), b.references.len()), (None, 0));
        assert_eq!(parse("").unwrap(), Closure::default());
    }

    #[test]
    fn broken_output_is_refused() {
        let cut = dump();
        let cut = &cut[..cut.len() - B.len() - 1];
        assert!(
            parse(cut)
                .unwrap_err()
                .to_string()
                .contains("ends before its references")
        );
        let open = format!("{A}\n{HA}\n336\n\n1\n{B}\n");
        assert!(parse(&open).unwrap_err().to_string().contains("not closed"));
        assert!(parse(&format!("{A}\nxyz\n1\n\n0\n")).is_err());
        assert!(parse(&format!("{A}\n{HA}\nbig\n\n0\n")).is_err());
        assert!(parse("building...\n").is_err());
    }

    #[test]
    fn errors_say_which_step_failed() {
        assert!(script_error(20, "tar: bad", "the image").starts_with("could not read the layers"));
        assert!(script_error(22, "error: x", "the image").starts_with("Nix could not tell"));
        assert!(script_error(3, "", "x").contains("status 3"));
    }

    #[test]
    fn the_script_is_the_two_steps_then_main() {
        let argv = image_closure_argv("/out/jq.tar");
        assert_eq!(argv[..2], ["sh", "-c"]);
        assert!(argv[2].starts_with("set -eu\nimage_store_paths() {"));
        assert!(argv[2].contains("\nclosure() {"));
        assert_eq!(argv[3..], ["sh", "/out/jq.tar"]);
    }

    use proptest::prelude::*;

    proptest! {
        /// Any output, and any cut or mix of real output lines, is read or
        /// refused, never a panic; a refusal is not a partial closure.
        #[test]
        fn never_panics(s in ".*", lines in proptest::collection::vec(0usize..12, 0..30)) {
            let _ = parse(&s);
            let real: Vec<String> = dump().lines().map(str::to_owned).chain([String::new(), "absent x".into()]).collect();
            let mixed: Vec<&str> = lines.iter().map(|i| real[i % real.len()].as_str()).collect();
            let _ = parse(&mixed.join("\n"));
        }
    }
}
