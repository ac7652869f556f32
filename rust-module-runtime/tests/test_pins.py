"""The pin file and the shim's choice of runtime (pins.py), without an engine.

choose_runtime gets fakes for what would talk to the engine: the crate
digest, the pull of a prebuilt image and the compile. Every way the
prebuilt path can fail must end in the compile, with a log line that says
why.

Run: python3 -m unittest discover -s rust-module-runtime/tests (ci/check-shim).
"""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "rust-module-runtime/src/rust_module_runtime"
sys.path.insert(0, str(PACKAGE))

from pins import PIN_FILE, PinFileError, add, choose_runtime, parse  # noqa: E402

CRATE = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32
IMAGE = "ghcr.io/eblume/blumeops-ci-runtime:crate-" + "ab" * 32 + "@sha256:" + "ef" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def pin_file(runtimes: dict[str, object]) -> str:
    return json.dumps({"about": "x", "runtimes": runtimes})


class Run:
    """One choose_runtime call with fakes, and what it did."""

    def __init__(self, digest: str | Exception = CRATE, pull: Exception | None = None) -> None:
        self.digest = digest
        self.pull = pull
        self.calls: list[str] = []
        self.logs: list[str] = []

    async def crate_digest(self) -> str:
        self.calls.append("digest")
        if isinstance(self.digest, Exception):
            raise self.digest
        return self.digest

    async def prebuilt(self, image: str) -> str:
        self.calls.append(f"pull {image}")
        if self.pull is not None:
            raise self.pull
        return f"prebuilt {image}"

    def compile_crate(self) -> str:
        self.calls.append("compile")
        return "compiled"

    async def choose(self, text: str | None) -> str:
        return await choose_runtime(
            text, self.crate_digest, self.prebuilt, self.compile_crate, self.logs.append
        )


class ChooseRuntimeTest(unittest.IsolatedAsyncioTestCase):
    async def test_a_pinned_image_that_pulls_is_used(self) -> None:
        run = Run()
        got = await run.choose(pin_file({CRATE: {"image": IMAGE, "commit": COMMIT}}))
        self.assertEqual(got, f"prebuilt {IMAGE}")
        self.assertEqual(run.calls, ["digest", f"pull {IMAGE}"])
        self.assertEqual(run.logs, [f"using the prebuilt runtime {IMAGE} (crate digest {CRATE})"])

    async def test_no_pin_file_or_no_pins_compiles_without_computing_the_digest(self) -> None:
        for text, why in [(None, "there is no"), (pin_file({}), "pins no prebuilt runtime")]:
            run = Run()
            self.assertEqual(await run.choose(text), "compiled")
            self.assertEqual(run.calls, ["compile"])
            self.assertEqual(len(run.logs), 1)
            self.assertIn(why, run.logs[0])

    async def test_another_crate_digest_compiles(self) -> None:
        run = Run(digest=OTHER)
        got = await run.choose(pin_file({CRATE: {"image": IMAGE}}))
        self.assertEqual(got, "compiled")
        self.assertEqual(run.calls, ["digest", "compile"])
        self.assertIn(f"no prebuilt runtime for crate digest {OTHER}", run.logs[0])

    async def test_a_failed_pull_compiles_and_says_why(self) -> None:
        for error in [
            RuntimeError("no match for platform in manifest: not found"),
            OSError("dial tcp: lookup ghcr.io: no such host"),
            RuntimeError("ghcr.io/...@sha256:efef...: not found"),
            RuntimeError(""),
        ]:
            run = Run(pull=error)
            got = await run.choose(pin_file({CRATE: {"image": IMAGE}}))
            self.assertEqual(got, "compiled", error)
            self.assertEqual(run.calls, ["digest", f"pull {IMAGE}", "compile"])
            self.assertIn(f"the prebuilt runtime {IMAGE} could not be used", run.logs[0])
            self.assertIn(str(error) or type(error).__name__, run.logs[0])

    async def test_a_long_engine_error_is_one_short_line(self) -> None:
        run = Run(pull=RuntimeError("line\n" * 1000))
        await run.choose(pin_file({CRATE: {"image": IMAGE}}))
        self.assertNotIn("\n", run.logs[0])
        self.assertLess(len(run.logs[0]), 800)

    async def test_a_digest_that_cannot_be_computed_compiles(self) -> None:
        run = Run(digest=ValueError("src/blob.bin is not plain UTF-8 text"))
        self.assertEqual(await run.choose(pin_file({CRATE: {"image": IMAGE}})), "compiled")
        self.assertEqual(run.calls, ["digest", "compile"])
        self.assertIn("src/blob.bin", run.logs[0])

    async def test_a_pin_file_that_does_not_fit_is_ignored(self) -> None:
        unpinned = "ghcr.io/eblume/blumeops-ci-runtime:latest"
        for text in [
            "not json",
            "[]",
            json.dumps({"runtimes": []}),
            pin_file({"sha256:abc": {"image": IMAGE}}),
            pin_file({CRATE: {"image": unpinned}}),
            pin_file({CRATE: IMAGE}),
            pin_file({CRATE: {"image": IMAGE.replace("@", " @")}}),
        ]:
            run = Run()
            self.assertEqual(await run.choose(text), "compiled", text)
            self.assertEqual(run.calls, ["compile"], text)
            self.assertIn("the pin file is ignored", run.logs[0])


class PinFileTest(unittest.TestCase):
    def test_the_committed_pin_file_parses(self) -> None:
        parse((PACKAGE / PIN_FILE).read_text())

    def test_add_writes_what_parse_reads(self) -> None:
        text = add(None, CRATE, IMAGE, COMMIT)
        self.assertEqual(parse(text), {CRATE: IMAGE})
        text = add(text, OTHER, IMAGE, COMMIT)
        self.assertEqual(parse(text), {CRATE: IMAGE, OTHER: IMAGE})
        self.assertEqual(list(json.loads(text)["runtimes"]), sorted([CRATE, OTHER]))
        self.assertEqual(json.loads(text)["runtimes"][CRATE]["commit"], COMMIT)
        self.assertTrue(text.endswith("}\n"))
        # Adding the same pin again changes nothing.
        self.assertEqual(add(text, OTHER, IMAGE, COMMIT), text)

    def test_add_refuses_what_parse_would_refuse(self) -> None:
        for crate, image, commit in [
            ("sha256:abc", IMAGE, COMMIT),
            (CRATE, "ghcr.io/x:latest", COMMIT),
            (CRATE, IMAGE, "HEAD"),
        ]:
            with self.assertRaises(PinFileError):
                add(None, crate, image, commit)
        with self.assertRaises(PinFileError):
            add("not json", CRATE, IMAGE, COMMIT)

    def test_the_script_form_updates_a_file(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / PIN_FILE
            path.write_text((PACKAGE / PIN_FILE).read_text())
            script = [sys.executable, str(PACKAGE / "pins.py"), "add", str(path)]
            subprocess.run([*script, CRATE, IMAGE, COMMIT], check=True)
            self.assertEqual(parse(path.read_text()), {CRATE: IMAGE})
            bad = subprocess.run([*script, CRATE, "x:latest", COMMIT], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("pinned by digest", bad.stderr)
            self.assertEqual(parse(path.read_text()), {CRATE: IMAGE}, "a refused pin leaves the file")


if __name__ == "__main__":
    unittest.main()
