"""The crate digest: the shim's Python (crate_digest.py) against ci/crate-digest.

The shim hashes what the engine gives it: Directory.glob("**") of the
crate files (folders with a trailing "/") and each file's contents as text.
These tests give the same functions the same view of real folders (this
repository, and copies changed one way at a time) and compare with the
independent shell implementation (sha256sum).

Run: python3 -m unittest discover -s rust-module-runtime/tests (ci/check-shim).
"""

import ast
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rust-module-runtime/src/rust_module_runtime"))

from crate_digest import CrateDigestError, crate_digest, file_bytes, file_paths  # noqa: E402



def shim_constant(name: str) -> object:
    """A constant of the shim's main.py, read without importing it (it imports dagger)."""
    tree = ast.parse((REPO / "rust-module-runtime/src/rust_module_runtime/main.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no {name} in main.py")


CRATE_FILES = shim_constant("CRATE_FILES")
assert isinstance(CRATE_FILES, list)


def engine_glob(crate: Path) -> list[str]:
    """What Directory.filter(include=CRATE_FILES).glob("**") answers."""
    out: list[str] = []
    for pattern in CRATE_FILES:
        if pattern.endswith("/**"):
            top = crate / pattern[:-3]
            if not top.is_dir():
                continue
            out.append(pattern[:-3] + "/")
            for dirpath, dirnames, filenames in os.walk(top):
                rel = Path(dirpath).relative_to(crate).as_posix()
                out += [f"{rel}/{d}/" for d in dirnames]
                out += [f"{rel}/{f}" for f in filenames]
        elif (crate / pattern).is_file():
            out.append(pattern)
    return out


def python_digest(crate: Path) -> str:
    """The shim's digest_of, with the engine's answers read from crate."""
    paths = file_paths(engine_glob(crate))
    # The engine sends contents as JSON text: bytes that are not UTF-8 become U+FFFD.
    texts = [(crate / p).read_bytes().decode("utf-8", errors="replace") for p in paths]
    return crate_digest({p: file_bytes(p, t) for p, t in zip(paths, texts, strict=True)})


def shell_digest(crate: Path) -> str:
    out = subprocess.run(
        ["bash", str(REPO / "ci/crate-digest"), str(crate)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class CrateDigestTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.crate = Path(self.tmp.name) / "blumeops-ci"
        self.crate.mkdir()
        for name in ["Cargo.toml", "Cargo.lock"]:
            shutil.copy(REPO / name, self.crate / name)
        shutil.copytree(REPO / "src", self.crate / "src")
        # Things that are not crate files.
        for other in [
            "README.md",
            "docs/explanation.md",
            "containers/nettest/Dockerfile",
            "rust-module-runtime/src/rust_module_runtime/prebuilt.json",
            "tests/engine/publish.rs",
        ]:
            (self.crate / other).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / other, self.crate / other)
        self.base = self.agreed()

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def agreed(self) -> str:
        py, sh = python_digest(self.crate), shell_digest(self.crate)
        self.assertEqual(py, sh, "the shim and ci/crate-digest disagree")
        self.assertRegex(py, r"^sha256:[0-9a-f]{64}$")
        return py

    def test_this_repository(self) -> None:
        self.assertEqual(python_digest(REPO), shell_digest(REPO))
        self.assertEqual(self.base, python_digest(REPO), "the copy is the repository's crate")

    def test_every_byte_counts(self) -> None:
        main = self.crate / "src/main.rs"
        data = bytearray(main.read_bytes())
        data[len(data) // 2] ^= 0x01
        main.write_bytes(bytes(data))
        self.assertNotEqual(self.agreed(), self.base)

    def test_a_trailing_newline_counts(self) -> None:
        with open(self.crate / "Cargo.lock", "ab") as f:
            f.write(b"\n")
        self.assertNotEqual(self.agreed(), self.base)

    def test_a_file_name_counts(self) -> None:
        (self.crate / "src/core/text.rs").rename(self.crate / "src/core/text2.rs")
        self.assertNotEqual(self.agreed(), self.base)

    def test_moving_a_file_to_another_folder_counts(self) -> None:
        (self.crate / "src/core/text.rs").rename(self.crate / "src/module/text.rs")
        self.assertNotEqual(self.agreed(), self.base)

    def test_an_added_file_counts_even_empty(self) -> None:
        (self.crate / "src/empty.rs").write_bytes(b"")
        added = self.agreed()
        self.assertNotEqual(added, self.base)
        (self.crate / "src/empty.rs").unlink()
        (self.crate / "build.rs").write_text("fn main() {}\n")
        self.assertNotIn(self.agreed(), (self.base, added))

    def test_odd_names_agree(self) -> None:
        odd = self.crate / "src/a folder/é ü.rs"
        odd.parent.mkdir()
        odd.write_text("// ok\n")
        (self.crate / "src/.hidden").write_text("x")
        self.assertNotEqual(self.agreed(), self.base)

    def test_nothing_else_counts(self) -> None:
        (self.crate / "README.md").write_text("changed\n")
        (self.crate / "docs/explanation.md").write_text("changed\n")
        (self.crate / "docs/new.md").write_text("new\n")
        (self.crate / "containers/nettest/Dockerfile").write_text("FROM x\n")
        (self.crate / "rust-module-runtime/src/rust_module_runtime/prebuilt.json").write_text("{}")
        (self.crate / "tests/engine/publish.rs").write_text("")
        (self.crate / "target/debug").mkdir(parents=True)
        (self.crate / "target/debug/blumeops-ci").write_bytes(b"\x7fELF")
        (self.crate / "src.rs").write_text("not under src/")
        (self.crate / "Cargo.toml.orig").write_text("not Cargo.toml")
        self.assertEqual(self.agreed(), self.base)

    def test_a_file_that_is_not_utf8_is_not_hashed_by_the_shim(self) -> None:
        (self.crate / "src/blob.bin").write_bytes(b"\xff\xfe")
        with self.assertRaises(CrateDigestError) as e:
            python_digest(self.crate)
        self.assertIn("src/blob.bin", str(e.exception))
        # ci/crate-digest hashes bytes and does not mind.
        self.assertNotEqual(shell_digest(self.crate), self.base)

    def test_a_symlink_is_refused_by_the_script(self) -> None:
        (self.crate / "src/link.rs").symlink_to("main.rs")
        out = subprocess.run(
            ["bash", str(REPO / "ci/crate-digest"), str(self.crate)], capture_output=True, text=True
        )
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("symbolic link", out.stderr)
        self.assertEqual(out.stdout, "")


class FormatTest(unittest.TestCase):
    def test_the_empty_crate_is_the_hash_of_the_header(self) -> None:
        # printf 'blumeops-ci crate digest v1\n' | sha256sum
        import hashlib

        self.assertEqual(
            crate_digest({}), "sha256:" + hashlib.sha256(b"blumeops-ci crate digest v1\n").hexdigest()
        )

    def test_framing_keeps_names_sizes_and_bytes_apart(self) -> None:
        self.assertNotEqual(crate_digest({"ab": b"c"}), crate_digest({"a": b"bc"}))
        self.assertNotEqual(crate_digest({"a": b"1\x00x"}), crate_digest({"a": b"1", "x": b""}))

    def test_paths_are_sorted_by_bytes(self) -> None:
        a = {"src/a.rs": b"1", "src/a/x.rs": b"2", "Z": b"3"}
        self.assertEqual(crate_digest(a), crate_digest(dict(reversed(list(a.items())))))

    def test_bad_paths_are_refused(self) -> None:
        for bad in ["", "/etc/passwd", "./src/x", "src/../x", "src//x"]:
            with self.assertRaises(CrateDigestError, msg=bad):
                crate_digest({bad: b""})

    def test_folders_are_not_files_with_or_without_slashes(self) -> None:
        with_slash = ["Cargo.toml", "src/", "src/core/", "src/core/a.rs", "src/main.rs"]
        without = ["Cargo.toml", "src", "src/core", "src/core/a.rs", "src/main.rs"]
        expected = ["Cargo.toml", "src/core/a.rs", "src/main.rs"]
        self.assertEqual(file_paths(with_slash), expected)
        self.assertEqual(file_paths(without), expected)

    def test_contents_with_replaced_bytes_are_refused(self) -> None:
        self.assertEqual(file_bytes("a", "é"), "é".encode())
        with self.assertRaises(CrateDigestError):
            file_bytes("a", "x\ufffdy")


if __name__ == "__main__":
    unittest.main()
