"""Runtime shim: hands the engine the blumeops-ci binary, prebuilt or compiled.

The Rust module's dagger.json names this folder as its SDK. The engine calls
`module_runtime` and runs the returned container's entrypoint for the
module's registration and for every function call. When the pin file
(prebuilt.json, see pins.py) pins a prebuilt runtime image for the crate's
digest (crate_digest.py), the binary comes from that image, on a small base
image pinned here; otherwise, or when that image cannot be pulled, the crate
is compiled as before. Only `module_runtime` is
defined: no `codegen` (the engine skips it for `dagger develop`, there is
nothing to generate for a crate that speaks the module protocol itself), no
`module_types` (it would replace registration by the binary), no
`with_config` and no constructor arguments (the engine passes none).
"""

import asyncio
import sys
from pathlib import Path

import dagger
from dagger import dag, function, object_type

from .crate_digest import crate_digest, file_bytes, file_paths
from .pins import PIN_FILE, choose_runtime

# Pinned by digest, so the engine never re-resolves the tag. The slim trixie
# image already has what the build and the binary need: gcc and libc6-dev
# (ring, under rustls, compiles C; no OpenSSL is used) and ca-certificates
# (the binary calls container registries over HTTPS at run time).
RUST_IMAGE = "rust:1.95-slim-trixie@sha256:275c320a57d0d8b6ab09454ab6d1660d70c745fb3cc85adbefad881b69a212cc"

# The cargo profile the module is built with. `ci/bench` reads this line:
# keep the form `CARGO_PROFILE = "name"`. A custom profile must be defined in
# the crate's Cargo.toml.
CARGO_PROFILE = "module"

BINARY = "blumeops-ci"
# In the rootfs, not in a cache mount: see the build script. The prebuilt
# runtime images have the binary at the same path.
BINARY_PATH = f"/usr/local/bin/{BINARY}"

# The base of the prebuilt runtime: the binary is static (musl), so it only
# needs what it reads from the system. Alpine, because the engine installs
# its custom CA certificates only into distros it recognises (Debian-like,
# Alpine, RHEL-like: /etc/alpine-release here) and the module's registry
# client may read the system trust store; Alpine ships the Mozilla bundle
# (ca-certificates-bundle) in /etc/ssl/certs/ca-certificates.crt, where the
# engine appends its CAs. 3.8 MB (amd64) / 4.2 MB (arm64) to pull, 8.4 MB on
# disk. The digest is the multi-platform index of alpine:3.24.2, as listed in
# github.com/docker-library/repo-info, repos/alpine/remote/3.24.2.md.
# release-runtime (src/core/release/runtime_release.rs) builds on the same base.
BASE_IMAGE = "alpine:3.24.2@sha256:31b6477333eb8257db9e5d7c3a7264fd0467928756f0bbcc27d35bea5d28cdbd"

# Only these crate files reach the build, so edits elsewhere in the repository
# do not invalidate the cargo step. build.rs is listed so that adding one is
# never silently dropped. rust-toolchain.toml is left out on purpose: the
# image pins the toolchain, and rustup would try to download another one.
# Note: [[test]]/[[bench]]/[[example]] tables in Cargo.toml that name files
# outside src/ would make cargo fail here (those files are not included).
# These are also exactly the files the crate digest covers (crate_digest.py,
# the key of the pin file). ci/crate-digest reads this line: keep it on one
# line, with plain names and `dir/**` only; src/core/release/crate_digest.rs has the
# same list (a test keeps them equal).
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "src/**"]

SRC_DIR = "/src"
# CARGO_HOME is /usr/local/cargo in the image; only its download cache is
# mounted (its bin/ holds cargo itself). Cargo.lock has crates.io packages
# only: a git dependency would want a volume on /usr/local/cargo/git too.
REGISTRY_DIR = "/usr/local/cargo/registry"
TARGET_DIR = "/cargo-target"

# Part of every cache key: a volume written by one toolchain is never handed
# to another (cargo would cope, but stale artifacts would pile up for good).
# "rust:1.95-slim-trixie@sha256:275c..." -> "rust-1.95-slim-trixie-275c320a57d0"
_tag, _digest = RUST_IMAGE.removeprefix("rust:").split("@sha256:")
TOOLCHAIN_KEY = f"rust-{_tag}-{_digest[:12]}"


def cache_volume(module: str, what: str) -> dagger.CacheVolume:
    """The volume `what` of one module, for this toolchain only.

    Awaited values go through typed parameters like `module` on purpose: a
    missing `await` inside an f-string is not a type error, here it is.
    """
    return dag.cache_volume(f"{module}-{TOOLCHAIN_KEY}-{what}")


def profile_dir(profile: str) -> str:
    """Subdirectory of the target dir where cargo puts a profile's output."""
    return {"dev": "debug", "test": "debug", "bench": "release"}.get(profile, profile)


# One exec, so the binary that is copied out is the one this very build made:
# the target dir is a shared, mutable cache volume, and a separate `cp` step
# could be re-run later (cache eviction) against another build's output.
BUILD_SCRIPT = f"""\
set -eu
cd {SRC_DIR}
# Cargo judges the crate's own files fresh by mtime against the target dir.
# That dir outlives this source tree (another checkout, older mtimes, or
# normalised ones), so make these files newer than anything in it: the crate
# itself is always recompiled from exactly these sources, dependencies stay
# cached. The exec only runs when the crate's content changed anyway.
find . -type f -exec touch {{}} +
# The target dir is the cache volume. No incremental state (the module
# profile turns it off too; it would only bloat the volume). Plain logs. Retry crates.io
# downloads a little harder than the default 3 times.
export CARGO_TARGET_DIR={TARGET_DIR} CARGO_INCREMENTAL=0 \\
    CARGO_TERM_COLOR=never CARGO_NET_RETRY=10
cargo build --locked --profile {CARGO_PROFILE} --bin {BINARY}
cp {TARGET_DIR}/{profile_dir(CARGO_PROFILE)}/{BINARY} {BINARY_PATH}
"""


def log(line: str) -> None:
    """One line in the engine's log of the module load (the shim's stderr)."""
    print(f"rust-module-runtime: {line}", file=sys.stderr, flush=True)


def read_pin_file() -> str | None:
    """The pin file shipped beside this module, or None when there is none."""
    try:
        return Path(__file__).with_name(PIN_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


async def digest_of(crate: dagger.Directory) -> str:
    """The crate digest of crate (the filtered crate files), as crate_digest.py defines it.

    One glob, then every file's contents at once (concurrent requests, so
    about two round trips in all, not one per file).
    """
    paths = file_paths(await crate.glob("**"))
    texts = await asyncio.gather(*(crate.file(p).contents() for p in paths))
    return crate_digest({p: file_bytes(p, t) for p, t in zip(paths, texts, strict=True)})


async def prebuilt_runtime(image: str) -> dagger.Container:
    """The runtime from a pinned prebuilt image: BASE_IMAGE plus its binary.

    Only the binary is taken from the image; the rest comes from the base
    pinned here. Synced, so that a failed pull (no such platform, registry
    unreachable, unknown digest) raises here and the shim can compile.
    """
    binary = dag.container().from_(image).file(BINARY_PATH)
    runtime = (
        dag.container()
        .from_(BASE_IMAGE)
        .with_file(BINARY_PATH, binary, permissions=0o755)
        # Absolute path, as for the compiled runtime below.
        .with_entrypoint([BINARY_PATH])
    )
    return await runtime.sync()


def compiled_runtime(crate: dagger.Directory, module: str) -> dagger.Container:
    """The runtime compiled from crate in RUST_IMAGE (lazy: nothing runs yet)."""
    # LOCKED: concurrent builds of this module take turns. Cargo's own
    # lock for the download cache is $CARGO_HOME/.package-cache, outside
    # the mounted registry/, so it would not guard a SHARED volume across
    # containers; and parallel builds would compete for the same CPUs.
    # (PRIVATE would hand a concurrent build a fresh, cold volume.)
    locked = dagger.CacheSharingMode.LOCKED
    return (
        dag.container()
        .from_(RUST_IMAGE)
        .with_mounted_cache(
            REGISTRY_DIR, cache_volume(module, "cargo-registry"), sharing=locked
        )
        .with_mounted_cache(
            TARGET_DIR, cache_volume(module, "cargo-target"), sharing=locked
        )
        # A writable mount (a copy): touched by the script, then dropped.
        .with_mounted_directory(SRC_DIR, crate)
        .with_exec(["sh", "-c", BUILD_SCRIPT])
        # The engine clones every mount into each call's container. The
        # binary no longer needs them, a LOCKED volume there would make
        # concurrent calls of the module wait on each other, and the
        # module has no business seeing (or changing) the build caches.
        .without_mount(SRC_DIR)
        .without_mount(TARGET_DIR)
        .without_mount(REGISTRY_DIR)
        # Absolute path: the engine sets the workdir to /scratch, and
        # with_entrypoint clears the image's default args, so argv is
        # exactly [BINARY_PATH].
        .with_entrypoint([BINARY_PATH])
    )


@object_type
class RustModuleRuntime:
    @function
    async def module_runtime(
        self, mod_source: dagger.ModuleSource, introspection_json: dagger.File
    ) -> dagger.Container:
        """Container whose entrypoint is the module's binary, prebuilt or compiled."""
        # introspection_json is unused: the crate's bindings come from the
        # dagger-sdk crate, pinned in Cargo.toml, not generated here.
        crate = (
            mod_source.context_directory()
            .directory(await mod_source.source_subpath())
            .filter(include=CRATE_FILES)
        )
        # The dagger.json name keys the volumes, so two modules built by this
        # shim on one engine never share a target dir.
        module = await mod_source.module_original_name()
        return await choose_runtime(
            read_pin_file(),
            crate_digest=lambda: digest_of(crate),
            prebuilt=prebuilt_runtime,
            compile_crate=lambda: compiled_runtime(crate, module),
            log=log,
        )
