//! The prebuilt runtime image (`release-runtime`): what it is built from,
//! where it goes, how it is tagged, and the pin it prints. No dagger-sdk.
//!
//! The image is the runtime the shim would otherwise compile: the pinned
//! base image ([`BASE_IMAGE`]) plus the static (musl) release binary at
//! [`BINARY_PATH`], one image per platform of [`PLATFORMS`], pushed as one
//! multi-platform index under `<registry>/<namespace>/blumeops-ci-runtime`
//! and tagged `crate-<hex>` by the crate digest
//! ([`crate::core::release::crate_digest`]). The shim takes only the binary from it, on
//! its own copy of the same base.

use std::fmt;

use eyre::bail;

use crate::core::image::tag::Tag;
use crate::core::image::tags;
use crate::core::release::crate_digest;
use crate::core::text::excerpt;

/// The Rust image the binaries are built in: the runtime shim's
/// `RUST_IMAGE` (a test keeps them equal), so a release is built by the
/// same toolchain as the compile fallback.
pub const RUST_IMAGE: &str =
    "rust:1.95-slim-trixie@sha256:275c320a57d0d8b6ab09454ab6d1660d70c745fb3cc85adbefad881b69a212cc";

/// The base of the runtime image: the shim's `BASE_IMAGE` (alpine:3.24.2,
/// the digest of its multi-platform index as github.com/docker-library/
/// repo-info lists it; a test keeps the two equal).
pub const BASE_IMAGE: &str =
    "alpine:3.24.2@sha256:31b6477333eb8257db9e5d7c3a7264fd0467928756f0bbcc27d35bea5d28cdbd";

/// Where the binary is, in the image and in the runtime container (the
/// shim's `BINARY_PATH`): the entrypoint.
pub const BINARY_PATH: &str = "/usr/local/bin/blumeops-ci";

/// The repository name of the runtime image, under `--namespace`.
pub const IMAGE_NAME: &str = "blumeops-ci-runtime";

/// The label that records the crate digest on each platform's image.
pub const CRATE_DIGEST_LABEL: &str = "dev.blumeops-ci.crate-digest";

/// Where the crate files go in the build container.
pub const BUILD_DIR: &str = "/build";
/// The build's target dir: in the container, not a cache volume, so every
/// release is a clean build.
pub const TARGET_DIR: &str = "/target";
/// The build script, relative to the crate root: a crate file itself, so
/// the crate digest covers how the binary is built.
pub const BUILD_SCRIPT: &str = "src/core/release/release-build.sh";
/// Where the build script leaves the binary.
pub const BUILT_BINARY: &str = "/out/blumeops-ci";

/// One platform of the runtime image, and the Rust target built for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimePlatform {
    /// The OCI platform (`linux/amd64`).
    pub platform: &'static str,
    /// The musl target triple built in a container of that platform.
    pub rust_target: &'static str,
}

/// The platforms of every runtime image: the engines' own.
pub const PLATFORMS: &[RuntimePlatform] = &[
    RuntimePlatform {
        platform: "linux/amd64",
        rust_target: "x86_64-unknown-linux-musl",
    },
    RuntimePlatform {
        platform: "linux/arm64",
        rust_target: "aarch64-unknown-linux-musl",
    },
];

impl RuntimePlatform {
    /// The exec that installs the target's standard library in the Rust
    /// image (from static.rust-lang.org, checked by rustup against the
    /// toolchain's manifest).
    pub fn rustup_args(&self) -> Vec<String> {
        ["rustup", "target", "add", self.rust_target]
            .map(str::to_owned)
            .to_vec()
    }

    /// The exec that builds the binary (run in [`BUILD_DIR`]).
    pub fn build_args(&self) -> Vec<String> {
        ["sh", BUILD_SCRIPT, self.rust_target, BUILT_BINARY]
            .map(str::to_owned)
            .to_vec()
    }
}

/// The tags of a release, in push order: the immutable `crate-<hex>` of
/// the crate digest, then the moving tags.
pub fn release_tags(crate_digest: &str, moving: &[Tag]) -> eyre::Result<Vec<Tag>> {
    let Some(hex) = crate_digest
        .strip_prefix("sha256:")
        .filter(|_| crate_digest::is_digest(crate_digest))
    else {
        bail!(
            "`{}` is not a crate digest (sha256:<64 hex>)",
            excerpt(crate_digest)
        );
    };
    let immutable = Tag::parse(&format!("crate-{hex}"))?;
    Ok(tags::with_moving_tags(immutable, moving))
}

/// An image reference pinned by the digest of its manifest or index:
/// `<name>[:<tag>]@sha256:<64 hex>`, as the engine's publish returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedImage(String);

impl PinnedImage {
    pub fn parse(raw: &str) -> eyre::Result<Self> {
        let pinned = raw.rsplit_once('@').is_some_and(|(name, digest)| {
            !name.is_empty()
                && !name.contains(char::is_whitespace)
                && crate_digest::is_digest(digest)
        });
        if !pinned {
            bail!(
                "`{}` is not an image reference pinned by digest (name@sha256:<64 hex>)",
                excerpt(raw)
            );
        }
        Ok(PinnedImage(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PinnedImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The line ci/release reads to update the pin file:
/// `pin <crate digest> <image@digest>`.
pub fn pin_line(crate_digest: &str, image: &PinnedImage) -> String {
    format!("pin {crate_digest} {image}")
}

/// What `release-runtime` returns: what the push said (the references,
/// the immutable one first), the crate digest, and the pin line (none on a
/// dry run, which pushes nothing and so has no digest to pin).
pub fn report(pushed: &str, crate_digest: &str, dry_run: bool) -> eyre::Result<String> {
    let mut lines = vec![pushed.to_owned(), format!("crate digest: {crate_digest}")];
    if dry_run {
        lines.push("no pin: a dry run pushes nothing".to_owned());
    } else {
        let first = pushed.lines().next().unwrap_or_default();
        let image = PinnedImage::parse(first)
            .map_err(|e| eyre::eyre!("the push answered `{}`: {e}", excerpt(first)))?;
        lines.push(pin_line(crate_digest, &image));
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRATE: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const INDEX: &str = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    #[test]
    fn the_immutable_tag_is_the_crate_digest() {
        let latest = Tag::parse("latest").unwrap();
        let tags = release_tags(CRATE, &[latest.clone(), latest]).unwrap();
        let names: Vec<&str> = tags.iter().map(Tag::as_str).collect();
        assert_eq!(
            names,
            [
                "crate-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "latest"
            ]
        );
        for bad in ["", "sha256:abc", "0123", &CRATE.to_uppercase()] {
            assert!(release_tags(bad, &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_references_pinned_by_digest_are_pinned_images() {
        for good in [
            format!("ghcr.io/eblume/blumeops-ci-runtime:crate-1@{INDEX}"),
            format!("127.0.0.1:5000/a/b@{INDEX}"),
        ] {
            assert_eq!(PinnedImage::parse(&good).unwrap().as_str(), good);
        }
        for bad in [
            "ghcr.io/eblume/blumeops-ci-runtime:latest".to_owned(),
            format!("@{INDEX}"),
            format!("a b@{INDEX}"),
            "a@sha256:123".to_owned(),
            format!("a@{}", INDEX.replace("sha256", "sha512")),
        ] {
            assert!(PinnedImage::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_report_ends_with_the_pin_line() {
        let image = format!("r.example/ns/blumeops-ci-runtime:crate-x@{INDEX}");
        assert_eq!(
            report(&format!("{image}\n{image}"), CRATE, false).unwrap(),
            format!("{image}\n{image}\ncrate digest: {CRATE}\npin {CRATE} {image}")
        );
        // Already published: the existing reference is pinned.
        let existing = format!("{image}\nalready published: r.example/... exists");
        assert!(
            report(&existing, CRATE, false)
                .unwrap()
                .ends_with(&format!("pin {CRATE} {image}"))
        );
        let dry = report(
            "r.example/ns/blumeops-ci-runtime:crate-x\ndry run",
            CRATE,
            true,
        )
        .unwrap();
        assert!(dry.ends_with("no pin: a dry run pushes nothing"), "{dry}");
        assert!(report("r.example/x:y", CRATE, false).is_err());
    }

    #[test]
    fn each_platform_builds_its_own_musl_target() {
        let names: Vec<&str> = PLATFORMS.iter().map(|p| p.platform).collect();
        assert_eq!(names, ["linux/amd64", "linux/arm64"]);
        for p in PLATFORMS {
            assert!(p.rust_target.ends_with("-unknown-linux-musl"));
            assert_eq!(p.build_args()[..2], ["sh", BUILD_SCRIPT]);
            assert_eq!(p.rustup_args(), ["rustup", "target", "add", p.rust_target]);
        }
    }
}
