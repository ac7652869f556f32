//! The crate digest: one SHA-256 over exactly the files the runtime shim
//! builds the module from, so that a prebuilt binary can be looked up by
//! the sources it was built from.
//!
//! The files are [`CRATE_FILES`] of the crate root (the shim's own list,
//! `CRATE_FILES` in rust-module-runtime/src/rust_module_runtime/main.py; a
//! test keeps the two equal): `Cargo.toml`, `Cargo.lock` and `build.rs`
//! when they exist, and every file under `src/`. Nothing else: not the
//! docs, the examples, the tests, nor the shim and its pin file.
//!
//! Format, version 1. The digest is `sha256:` and the lowercase hex
//! SHA-256 of this byte stream:
//!
//! ```text
//! "blumeops-ci crate digest v1\n"
//! then, for each file, in ascending byte order of its path:
//!     path  0x00  size  0x00  contents
//! ```
//!
//! - `path` is relative to the crate root, `/`-separated, without a leading
//!   `./` (`Cargo.toml`, `src/core/mod.rs`), in UTF-8;
//! - `size` is the length of `contents` in bytes, in decimal ASCII digits
//!   without leading zeros (`0` for an empty file);
//! - `contents` are the file's bytes, exactly `size` of them.
//!
//! A path holds no NUL and a size is digits only, so the stream splits back
//! into (path, size, contents) in exactly one way: two different sets of
//! files never give the same stream. The same format is computed by the
//! shim in Python (`crate_digest.py`, from the Directory the engine gives
//! it) and by `ci/crate-digest` with sha256sum, from a checkout.

use sha2::{Digest, Sha256};

/// The first line of the hashed stream: the format and its version.
pub const HEADER: &[u8] = b"blumeops-ci crate digest v1\n";

/// The files the shim builds from, as the shim's `CRATE_FILES`: plain
/// names of the crate root, and `dir/**` for every file under `dir`.
pub const CRATE_FILES: &[&str] = &["Cargo.toml", "Cargo.lock", "build.rs", "src/**"];

/// The top-level names of the crate root that hold crate files: the files
/// themselves and the folders whose files all count.
pub fn crate_root_entry(name: &str) -> Option<Entry> {
    CRATE_FILES
        .iter()
        .find_map(|pattern| match pattern.strip_suffix("/**") {
            Some(dir) if dir == name => Some(Entry::Folder),
            None if *pattern == name => Some(Entry::File),
            _ => None,
        })
}

/// What a crate root entry is, as [`CRATE_FILES`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A file listed by name (`Cargo.toml`).
    File,
    /// A folder whose files are all crate files (`src/`).
    Folder,
}

/// The crate digest (`sha256:<64 hex>`) of `files`, pairs of a path
/// relative to the crate root and the file's bytes, in any order.
///
/// Fails on a path that cannot be framed (empty, absolute, with a NUL, a
/// `.` or `..` part) or that is given twice.
pub fn digest(files: &[(String, Vec<u8>)]) -> eyre::Result<String> {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Sha256::new();
    hasher.update(HEADER);
    for (i, (path, contents)) in sorted.iter().enumerate() {
        check_path(path)?;
        if i > 0 && sorted[i - 1].0 == *path {
            eyre::bail!("the crate file {path:?} is listed twice");
        }
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(contents.len().to_string().as_bytes());
        hasher.update([0]);
        hasher.update(contents);
    }
    Ok(format!("sha256:{}", hex(&hasher.finalize())))
}

/// A crate file's bytes, from the text `File.contents` answered. The engine
/// sends contents as a JSON string, with every byte that is not UTF-8
/// replaced by U+FFFD: such a file (or one holding U+FFFD itself) has no
/// reliable bytes through that call, and the digest is refused rather than
/// computed over other bytes than the build uses.
pub fn file_bytes(path: &str, contents: String) -> eyre::Result<Vec<u8>> {
    if contents.contains('\u{fffd}') {
        eyre::bail!(
            "the crate file {path} is not plain UTF-8 text (or holds U+FFFD): its bytes cannot \
             be read through the engine's File.contents, so the crate digest cannot be \
             computed. Keep the crate's files UTF-8 text."
        );
    }
    Ok(contents.into_bytes())
}

/// Whether `raw` is a crate digest as [`digest`] writes it.
pub fn is_digest(raw: &str) -> bool {
    raw.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn check_path(path: &str) -> eyre::Result<()> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\0')
        || path.split('/').any(|part| matches!(part, "" | "." | ".."));
    if bad {
        eyre::bail!(
            "{path:?} is not a path relative to the crate root (e.g. src/main.rs): the crate \
             digest cannot frame it"
        );
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(p, c)| ((*p).to_owned(), c.to_vec()))
            .collect()
    }

    #[test]
    fn the_empty_crate_is_the_hash_of_the_header() {
        // printf 'blumeops-ci crate digest v1\n' | sha256sum
        assert_eq!(
            digest(&[]).unwrap(),
            format!("sha256:{}", hex(&Sha256::digest(HEADER)))
        );
    }

    #[test]
    fn one_file_is_framed_as_documented() {
        let mut stream = HEADER.to_vec();
        stream.extend_from_slice(b"src/main.rs\x0012\x00fn main() {}");
        assert_eq!(
            digest(&files(&[("src/main.rs", b"fn main() {}")])).unwrap(),
            format!("sha256:{}", hex(&Sha256::digest(&stream)))
        );
    }

    #[test]
    fn order_of_the_input_does_not_matter_paths_are_sorted_by_bytes() {
        let a = files(&[("src/b.rs", b"b"), ("Cargo.toml", b"t"), ("src/a.rs", b"a")]);
        let mut b = a.clone();
        b.reverse();
        assert_eq!(digest(&a).unwrap(), digest(&b).unwrap());
        // Byte order: `Z` (0x5a) before `a` (0x61); `src/a.rs` before
        // `src/a/x.rs`, as `.` (0x2e) sorts before `/` (0x2f).
        let mut stream = HEADER.to_vec();
        for (p, c) in [
            ("Z", "1"),
            ("a", "2"),
            ("src/a.rs", "3"),
            ("src/a/x.rs", "4"),
        ] {
            stream.extend_from_slice(format!("{p}\0{}\0{c}", c.len()).as_bytes());
        }
        let shuffled = files(&[
            ("src/a/x.rs", b"4"),
            ("a", b"2"),
            ("src/a.rs", b"3"),
            ("Z", b"1"),
        ]);
        assert_eq!(
            digest(&shuffled).unwrap(),
            format!("sha256:{}", hex(&Sha256::digest(&stream)))
        );
    }

    #[test]
    fn bytes_names_and_files_all_count() {
        let base = files(&[
            ("Cargo.toml", b"[package]"),
            ("src/main.rs", b"fn main() {}"),
        ]);
        let d = digest(&base).unwrap();
        let variants = [
            files(&[
                ("Cargo.toml", b"[package] "),
                ("src/main.rs", b"fn main() {}"),
            ]),
            files(&[
                ("Cargo.toml", b"[package]"),
                ("src/main.rs", b"fn main() {}\n"),
            ]),
            files(&[
                ("Cargo.toml", b"[package]"),
                ("src/lib.rs", b"fn main() {}"),
            ]),
            files(&[
                ("Cargo.toml", b"[package]"),
                ("src/main.rs", b"fn main() {}"),
                ("src/empty.rs", b""),
            ]),
            files(&[("Cargo.toml", b"[package]")]),
        ];
        for v in &variants {
            assert_ne!(digest(v).unwrap(), d, "{v:?}");
        }
    }

    #[test]
    fn the_framing_keeps_names_sizes_and_bytes_apart() {
        // The same concatenated bytes, split differently.
        let pairs = [
            (files(&[("ab", b"c")]), files(&[("a", b"bc")])),
            (
                files(&[("a", b"1\x00x")]),
                files(&[("a", b"1"), ("x", b"")]),
            ),
            (
                files(&[("a", b""), ("b", b"")]),
                files(&[("a", b"\x000\x00b")]),
            ),
        ];
        for (x, y) in pairs {
            assert_ne!(digest(&x).unwrap(), digest(&y).unwrap(), "{x:?} {y:?}");
        }
    }

    #[test]
    fn paths_that_cannot_be_framed_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "./src/main.rs",
            "src/../x",
            "a\0b",
            "src//x",
            "src/",
        ] {
            assert!(digest(&files(&[(bad, b"")])).is_err(), "{bad:?}");
        }
        let twice = files(&[("a", b"1"), ("a", b"2")]);
        assert!(digest(&twice).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn digests_are_recognised() {
        let d = digest(&[]).unwrap();
        assert!(is_digest(&d));
        for bad in [
            "",
            "sha256:",
            "sha256:ABC",
            &d.to_uppercase(),
            &d[..70],
            "md5:00",
        ] {
            assert!(!is_digest(bad), "{bad}");
        }
    }

    #[test]
    fn text_with_replaced_bytes_is_refused() {
        assert_eq!(
            file_bytes("a", "fn é() {}".into()).unwrap(),
            "fn é() {}".as_bytes()
        );
        let err = file_bytes("src/x.rs", "a\u{fffd}b".into()).unwrap_err();
        assert!(err.to_string().contains("src/x.rs"), "{err}");
    }

    #[test]
    fn the_crate_root_entries_follow_the_list() {
        assert_eq!(crate_root_entry("Cargo.toml"), Some(Entry::File));
        assert_eq!(crate_root_entry("build.rs"), Some(Entry::File));
        assert_eq!(crate_root_entry("src"), Some(Entry::Folder));
        for other in [
            "docs",
            "README.md",
            "rust-module-runtime",
            "tests",
            "src/**",
            "Cargo",
        ] {
            assert_eq!(crate_root_entry(other), None, "{other}");
        }
    }
}
