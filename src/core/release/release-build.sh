#!/bin/sh
# Builds the release binary of blumeops-ci: static (musl) and reproducible,
# the same bytes from the same sources in any folder and at any time.
#
#   sh src/core/release/release-build.sh TARGET OUT
#
# Run it from the crate root, with cargo and the TARGET's standard library
# installed (`rustup target add TARGET`). TARGET is a musl target triple
# (x86_64-unknown-linux-musl, aarch64-unknown-linux-musl); the binary is
# copied to OUT. `release-runtime` runs this very file in the pinned Rust
# image, and ci/bench runs it twice (two folders, two target dirs, two
# times) to show that both builds give the same bytes.
#
# What could differ between two builds, and how it is kept out:
#   - paths, which panic messages and file!() carry: the crate root, the
#     cargo home (dependency sources) and the target dir (generated code)
#     are remapped to /build, /cargo and /target;
#   - the linker's build id: none is written (--build-id=none);
#   - timestamps: rustc writes none; SOURCE_DATE_EPOCH (default 0) is set
#     for any build script that would;
#   - how rustc splits the work: one codegen unit, LTO, no incremental
#     state (the `runtime` profile in Cargo.toml).
# Cargo.lock is used as it is (--locked). The toolchain is whatever cargo
# and gcc are on PATH: the same bytes need the same rustc and gcc, i.e. the
# pinned Rust image (see docs/explanation.md, "How to check a prebuilt
# binary").
#
# C code: ring (under rustls) compiles some. cc-rs wants a
# <arch>-linux-musl-gcc, which neither the Rust image nor most machines
# have; the machine's own gcc compiles it instead, freestanding (ring's own
# RING_CORE_NOSTDLIBINC switch: no libc header at all), so no glibc header
# ends up in a musl binary. Build on the target's own platform (the
# release runs each build in a container of that platform): this gcc is
# not a cross compiler.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: sh src/core/release/release-build.sh TARGET OUT (from the crate root)" >&2
  exit 2
fi
target=$1
out=$2
case "$target" in
  *-linux-musl) ;;
  *)
    echo "release-build: $target is not a musl target: the release binary is static (e.g. x86_64-unknown-linux-musl)" >&2
    exit 2
    ;;
esac

cc_target=$(printf '%s' "$target" | tr '-' '_')
export "CC_$cc_target=gcc" "CFLAGS_$cc_target=-ffreestanding -DRING_CORE_NOSTDLIBINC=1"

root=$(pwd -P)
cargo_home=${CARGO_HOME:-$HOME/.cargo}
target_dir=${CARGO_TARGET_DIR:-$root/target}
# Separate directories in any order: when several prefixes match a path,
# rustc applies the last one given, so the longest (most specific) goes last.
remaps=$(printf '%s=/build\n%s=/cargo\n%s=/target\n' "$root" "$cargo_home" "$target_dir" |
  awk -F= '{ print length($1) "\t" $0 }' | sort -n | cut -f2-)

# CARGO_ENCODED_RUSTFLAGS separates flags with 0x1f, so paths with spaces
# stay whole. These flags apply to the target's crates only (--target is
# given), not to build scripts and proc macros, which run on the builder.
sep=$(printf '\037')
flags="-Ctarget-feature=+crt-static${sep}-Clink-arg=-Wl,--build-id=none"
old_ifs=$IFS
IFS='
'
for remap in $remaps; do
  flags="${flags}${sep}--remap-path-prefix=${remap}"
done
IFS=$old_ifs

CARGO_ENCODED_RUSTFLAGS=$flags \
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} \
  CARGO_INCREMENTAL=0 \
  CARGO_TERM_COLOR=never \
  cargo build --locked --profile runtime --target "$target" --bin blumeops-ci
mkdir -p "$(dirname "$out")"
cp "$target_dir/$target/runtime/blumeops-ci" "$out"
