"""The crate digest, as the shim computes it from the Directory the engine gives it.

One SHA-256 over exactly the files the shim builds from (CRATE_FILES in
main.py): the key of the pin file (prebuilt.json). Format, version 1: the
digest is "sha256:" and the lowercase hex SHA-256 of

    b"blumeops-ci crate digest v1\\n"
    then, for each file, in ascending byte order of its path:
        path, b"\\0", size in decimal ASCII, b"\\0", the file's bytes

with paths relative to the crate root, "/"-separated, without "./". The
same format is implemented independently in Rust (src/core/release/crate_digest.rs,
used by release-runtime) and in shell with sha256sum (ci/crate-digest);
tests/test_crate_digest.py checks that they agree.

Only the standard library: the pure functions here are tested without
dagger-io, and nothing in them talks to the engine.
"""

import hashlib
from collections.abc import Iterable, Mapping

HEADER = b"blumeops-ci crate digest v1\n"

# What the engine's JSON answer puts in place of each byte that is not
# UTF-8 (File.contents is a GraphQL String): a file holding it cannot be
# hashed from its contents.
REPLACEMENT = "\ufffd"


class CrateDigestError(Exception):
    """The crate files cannot be hashed (the shim then compiles)."""


def crate_digest(files: Mapping[str, bytes]) -> str:
    """The digest ("sha256:<64 hex>") of files, a map of path to bytes."""
    h = hashlib.sha256(HEADER)
    for path in sorted(files, key=lambda p: p.encode()):
        check_path(path)
        data = files[path]
        h.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return "sha256:" + h.hexdigest()


def check_path(path: str) -> None:
    """Refuses a path the format cannot frame (empty, absolute, NUL, . or ..)."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\0" in path or any(p in ("", ".", "..") for p in parts):
        raise CrateDigestError(f"{path!r} is not a path relative to the crate root")


def file_paths(globbed: Iterable[str]) -> list[str]:
    """The files among Directory.glob("**")'s answer, sorted by bytes.

    The engine marks folders with a trailing "/" (modules of engineVersion
    v0.17.0 and later); a path that is the parent of another is a folder too,
    whatever the engine's version.
    """
    paths = set(globbed)
    parents = {p.rsplit("/", 1)[0] for p in paths if "/" in p.rstrip("/")}
    files = [p for p in paths if not p.endswith("/") and p not in parents]
    return sorted(files, key=lambda p: p.encode())


def file_bytes(path: str, contents: str) -> bytes:
    """A crate file's bytes, from the text File.contents answered.

    The engine sends contents as a JSON string, with each byte that is not
    UTF-8 replaced by U+FFFD; such a file (or one that holds U+FFFD itself)
    has no reliable bytes here, and the digest is not computed.
    """
    if REPLACEMENT in contents:
        raise CrateDigestError(
            f"{path} is not plain UTF-8 text (or holds U+FFFD): its bytes cannot be read "
            "through File.contents"
        )
    return contents.encode()
