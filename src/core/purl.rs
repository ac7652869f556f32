//! Package URLs (purls) for Nix store paths.
//!
//! `pkg:nix/<name>@<version>?outputhash=<store path hash>`: the name and
//! version as `builtins.parseDrvName` reads the store path's name, and the
//! store path's hash as a qualifier, so that two builds of one version are
//! told apart. `nix` is a candidate purl type, not yet in the purl
//! specification; this is the form Syft gives Nix store paths. Without a
//! version, `@` and the version are left out.
//!
//! Encoding, as the purl specification says: every character but
//! `A-Za-z0-9.-_~` and `:` is percent-encoded (UTF-8 bytes, upper-case hex).

use super::store_path::{StorePath, parse_drv_name};

/// The purl of `path`.
pub fn nix_purl(path: &StorePath) -> String {
    let parsed = parse_drv_name(path.name());
    let mut purl = format!("pkg:nix/{}", encode(parsed.name));
    if !parsed.version.is_empty() {
        purl.push('@');
        purl.push_str(&encode(parsed.version));
    }
    purl.push_str("?outputhash=");
    purl.push_str(&encode(path.hash()));
    purl
}

/// `s` percent-encoded for a purl component.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> StorePath {
        StorePath::parse(&format!(
            "/nix/store/0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2-{name}"
        ))
        .unwrap()
    }

    #[test]
    fn a_store_path_gives_name_version_and_hash() {
        assert_eq!(
            nix_purl(&path("jq-1.7.1-bin")),
            "pkg:nix/jq@1.7.1-bin?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
        assert_eq!(
            nix_purl(&path("source")),
            "pkg:nix/source?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
    }

    #[test]
    fn reserved_characters_are_encoded() {
        assert_eq!(
            nix_purl(&path("gtk+3-3.24.43")),
            "pkg:nix/gtk%2B3@3.24.43?outputhash=0c0g6sd5ixyg6iq7wgn3qw9n1a8sysh2"
        );
        assert_eq!(encode("a?b=c d@e/f%"), "a%3Fb%3Dc%20d%40e%2Ff%25");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode("1:2.3~rc_1"), "1:2.3~rc_1");
    }
}
