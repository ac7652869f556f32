"""module_runtime builds the crate from the module's *source* folder.

Installed as the Python module was, an ops repository's root dagger.json
names `.dagger` as the module's source: the engine's ModuleSource then
answers `source_subpath()` with ".dagger", and the shim must take the
crate files (CRATE_FILES) from there, not from the context's root. A fake
ModuleSource stands in for the engine's; the compile is replaced by a
recorder (what it would run is the engine's to judge). Needs dagger-io
(ci/check-shim runs this in its venv).

Run: python3 -m unittest discover -s rust-module-runtime/tests (ci/check-shim).
"""

import asyncio
import sys
import unittest
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rust-module-runtime/src"))

from rust_module_runtime import main  # noqa: E402


class FakeDirectory:
    """Records how the shim narrows the context to the crate."""

    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self.calls = calls

    def directory(self, path: str) -> "FakeDirectory":
        self.calls.append(("directory", path))
        return self

    def filter(self, include: list[str] | None = None, **_: Any) -> "FakeDirectory":
        self.calls.append(("filter", include))
        return self


class FakeModuleSource:
    """A ModuleSource whose dagger.json names `source` as the module's source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.calls: list[tuple[str, Any]] = []

    def context_directory(self) -> FakeDirectory:
        return FakeDirectory(self.calls)

    async def source_subpath(self) -> str:
        return self.source

    async def module_original_name(self) -> str:
        return "blumeops-ci"


class ModuleRuntimeTest(unittest.TestCase):
    def run_shim(self, source: str) -> tuple[FakeModuleSource, list[tuple[Any, str]]]:
        mod_source = FakeModuleSource(source)
        compiled: list[tuple[Any, str]] = []

        def compile_crate(crate: Any, module: str) -> str:
            compiled.append((crate, module))
            return "the compiled runtime"

        with (
            mock.patch.object(main, "read_pin_file", return_value=None),
            mock.patch.object(main, "compiled_runtime", side_effect=compile_crate),
            mock.patch.object(main, "log"),
        ):
            result = asyncio.run(
                main.RustModuleRuntime().module_runtime(mod_source, None)  # type: ignore[arg-type]
            )
        self.assertEqual(result, "the compiled runtime")
        return mod_source, compiled

    def test_the_crate_comes_from_the_source_subfolder(self) -> None:
        mod_source, compiled = self.run_shim(".dagger")
        self.assertEqual(
            mod_source.calls,
            [("directory", ".dagger"), ("filter", main.CRATE_FILES)],
        )
        self.assertEqual(len(compiled), 1)
        self.assertEqual(compiled[0][1], "blumeops-ci")

    def test_the_modules_own_repository_builds_from_its_root(self) -> None:
        mod_source, _ = self.run_shim(".")
        self.assertEqual(mod_source.calls[0], ("directory", "."))


if __name__ == "__main__":
    unittest.main()
