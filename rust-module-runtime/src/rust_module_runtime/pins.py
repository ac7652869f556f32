"""The pin file, and the choice between a prebuilt runtime and the compile.

prebuilt.json (beside this file) maps crate digests (crate_digest.py) to
prebuilt runtime images, each pinned by the digest of its multi-platform
index (linux/amd64 and linux/arm64):

    {
      "about": "...",
      "runtimes": {
        "sha256:<crate digest>": {
          "image": "<registry>/<namespace>/blumeops-ci-runtime:crate-<hex>@sha256:<index digest>",
          "commit": "<the commit it was released from>"
        }
      }
    }

It lives outside the crate files, so writing an entry never changes the
digest it records. It is written by ci/release (`python3 pins.py add ...`)
and reviewed in a pull request like any other change: only what is pinned
here is ever used, and anything that does not fit (a missing or malformed
file, an image without a digest, an image that cannot be pulled) means the
shim compiles the crate as before.

Only the standard library: this file is tested without dagger-io, and run
as a script by ci/release.
"""

import json
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

PIN_FILE = "prebuilt.json"

ABOUT = (
    "Prebuilt runtime images of blumeops-ci, by crate digest (ci/crate-digest). Written by "
    "ci/release and reviewed in a pull request; see docs/explanation.md, 'The prebuilt runtime'."
)

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# A reference pinned by digest: name[:tag]@sha256:<64 hex>, no spaces.
_PINNED_IMAGE = re.compile(r"[^\s@]+@sha256:[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")

T = TypeVar("T")


class PinFileError(Exception):
    """The pin file is not what this module writes."""


def parse(text: str) -> dict[str, str]:
    """The pins of a pin file: crate digest -> image reference pinned by digest.

    Raises PinFileError naming the first thing that does not fit.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PinFileError(f"{PIN_FILE} is not JSON: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("runtimes"), dict):
        raise PinFileError(f'{PIN_FILE} has no "runtimes" object')
    pins: dict[str, str] = {}
    for crate, entry in data["runtimes"].items():
        if not _DIGEST.fullmatch(crate):
            raise PinFileError(f"{PIN_FILE}: {crate!r} is not a crate digest (sha256:<64 hex>)")
        image = entry.get("image") if isinstance(entry, dict) else None
        if not isinstance(image, str) or not _PINNED_IMAGE.fullmatch(image):
            raise PinFileError(
                f"{PIN_FILE}: the image of {crate} is not a reference pinned by digest "
                "(name@sha256:<64 hex>)"
            )
        pins[crate] = image
    return pins


def add(text: str | None, crate: str, image: str, commit: str) -> str:
    """The pin file text with crate -> image (released from commit) added or replaced.

    Refuses to extend a pin file that does not parse, and an entry that
    would not parse.
    """
    if not _COMMIT.fullmatch(commit):
        raise PinFileError(f"{commit!r} is not a full commit SHA (40 lowercase hex digits)")
    runtimes: dict[str, object] = {}
    if text:
        parse(text)
        runtimes = dict(json.loads(text)["runtimes"])
    runtimes[crate] = {"image": image, "commit": commit}
    out = json.dumps({"about": ABOUT, "runtimes": dict(sorted(runtimes.items()))}, indent=2) + "\n"
    parse(out)
    return out


async def choose_runtime(
    pins_text: str | None,
    crate_digest: Callable[[], Awaitable[str]],
    prebuilt: Callable[[str], Awaitable[T]],
    compile_crate: Callable[[], T],
    log: Callable[[str], None],
) -> T:
    """The runtime container: the pinned prebuilt one when it can be had, else the compile.

    pins_text is the pin file (None when there is none). crate_digest
    computes the crate's digest (only called when something is pinned);
    prebuilt(image) makes the runtime from a pinned image and must raise when
    the image cannot be pulled (no such platform, registry unreachable, no
    such digest); compile_crate() makes today's compiled runtime. Every
    outcome is logged, with the reason when it is the compile.
    """

    def compile_because(reason: str) -> T:
        log(f"compiling the module: {reason}")
        return compile_crate()

    if pins_text is None:
        return compile_because(f"there is no {PIN_FILE}")
    try:
        pins = parse(pins_text)
    except PinFileError as e:
        return compile_because(f"{e} (the pin file is ignored)")
    if not pins:
        return compile_because(f"{PIN_FILE} pins no prebuilt runtime")
    try:
        digest = await crate_digest()
    except Exception as e:  # noqa: BLE001 - any failure means: compile
        return compile_because(f"the crate digest could not be computed: {e}")
    image = pins.get(digest)
    if image is None:
        return compile_because(f"{PIN_FILE} pins no prebuilt runtime for crate digest {digest}")
    try:
        runtime = await prebuilt(image)
    except Exception as e:  # noqa: BLE001 - the compile is the fallback for every pull failure
        return compile_because(f"the prebuilt runtime {image} could not be used: {_one_line(e)}")
    log(f"using the prebuilt runtime {image} (crate digest {digest})")
    return runtime


def _one_line(error: Exception) -> str:
    """An error as one line of at most about 500 characters (engine errors can be long)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 500 else text[:500] + "..."


def main(argv: list[str]) -> int:
    """`python3 pins.py add PIN_FILE CRATE_DIGEST IMAGE COMMIT`: add a pin (ci/release)."""
    if len(argv) != 6 or argv[1] != "add":
        print("usage: pins.py add PIN_FILE CRATE_DIGEST IMAGE COMMIT", file=sys.stderr)
        return 2
    path, crate, image, commit = argv[2:]
    try:
        with open(path, encoding="utf-8") as f:
            text: str | None = f.read()
    except FileNotFoundError:
        text = None
    try:
        new = add(text, crate, image, commit)
    except PinFileError as e:
        print(f"pins.py: {path}: {e}", file=sys.stderr)
        return 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
