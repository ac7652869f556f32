"""ci/release, with a stand-in for the Dagger CLI: it writes the pin that
release-runtime prints into the pin file, only when the crate digest is
ci/crate-digest's, never from a dirty checkout, and passes the password to
the module by name only.

Run: python3 -m unittest discover -s rust-module-runtime/tests (ci/check-shim).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PIN_FILE = "rust-module-runtime/src/rust_module_runtime/prebuilt.json"
INDEX = "sha256:" + "ef" * 32
PASSWORD = "not-a-real-token"

# The stand-in `dagger`: records its arguments, answers like
# `dagger call -m . release-runtime` would, with the digest ci/crate-digest
# gives (or $FAKE_DIGEST).
FAKE_DAGGER = """#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$@" > "$FAKE_ARGS"
digest=${FAKE_DIGEST:-$(ci/crate-digest)}
image="ghcr.io/eblume/blumeops-ci-runtime:crate-${digest#sha256:}@$FAKE_INDEX"
case " $* " in
  *" --dry-run "*)
    echo "ghcr.io/eblume/blumeops-ci-runtime:crate-${digest#sha256:}"
    echo "dry run: nothing was built or pushed"
    echo "crate digest: $digest"
    echo "no pin: a dry run pushes nothing"
    ;;
  *)
    echo "$image"
    echo "crate digest: $digest"
    echo "pin $digest $image"
    ;;
esac
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


class ReleaseScriptTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name)
        self.repo = root / "repo"
        for f in [
            "ci/release",
            "ci/crate-digest",
            PIN_FILE,
            "rust-module-runtime/src/rust_module_runtime/main.py",
            "rust-module-runtime/src/rust_module_runtime/pins.py",
            "Cargo.toml",
            "Cargo.lock",
        ]:
            (self.repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, self.repo / f)
        shutil.copytree(REPO / "src", self.repo / "src")
        git(self.repo, "init", "-q")
        git(self.repo, "add", ".")
        git(self.repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "x")
        self.head = git(self.repo, "rev-parse", "HEAD")
        bin_dir = root / "bin"
        bin_dir.mkdir()
        (bin_dir / "dagger").write_text(FAKE_DAGGER)
        (bin_dir / "dagger").chmod(0o755)
        self.args_file = root / "args"
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_ARGS": str(self.args_file),
            "FAKE_INDEX": INDEX,
            "REGISTRY": "ghcr.io",
            "NAMESPACE": "EBlume",
            "REGISTRY_USERNAME": "someone",
            "REGISTRY_PASSWORD": PASSWORD,
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def release(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "ci/release", *args],
            cwd=self.repo,
            env={**self.env, **env},
            capture_output=True,
            text=True,
        )

    def pins(self) -> dict[str, dict[str, str]]:
        runtimes: dict[str, dict[str, str]] = json.loads((self.repo / PIN_FILE).read_text())["runtimes"]
        return runtimes

    def digest(self) -> str:
        return subprocess.run(
            ["bash", "ci/crate-digest"], cwd=self.repo, check=True, capture_output=True, text=True
        ).stdout.strip()

    def test_the_pin_is_written_with_the_commit(self) -> None:
        out = self.release()
        self.assertEqual(out.returncode, 0, out.stderr)
        digest = self.digest()
        image = f"ghcr.io/eblume/blumeops-ci-runtime:crate-{digest[7:]}@{INDEX}"
        self.assertEqual(self.pins(), {digest: {"image": image, "commit": self.head}})
        args = self.args_file.read_text().splitlines()
        self.assertIn("release-runtime", args)
        self.assertIn("--namespace=eblume", args, "namespaces are lowercase")
        self.assertIn("--registry-password=env:REGISTRY_PASSWORD", args)
        self.assertNotIn(PASSWORD, self.args_file.read_text())
        self.assertNotIn(PASSWORD, out.stdout + out.stderr)

    def test_a_dry_run_changes_nothing(self) -> None:
        before = (self.repo / PIN_FILE).read_text()
        out = self.release("--dry-run", REGISTRY_PASSWORD="")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual((self.repo / PIN_FILE).read_text(), before)
        self.assertNotIn("--registry-password=env:REGISTRY_PASSWORD", self.args_file.read_text())

    def test_another_crate_digest_is_not_pinned(self) -> None:
        before = (self.repo / PIN_FILE).read_text()
        out = self.release(FAKE_DIGEST="sha256:" + "00" * 32)
        self.assertEqual(out.returncode, 1)
        self.assertIn("ci/crate-digest says", out.stderr)
        self.assertEqual((self.repo / PIN_FILE).read_text(), before)

    def test_a_dirty_or_untracked_crate_file_is_refused_before_the_build(self) -> None:
        for change in ["src/main.rs", "src/untracked.rs"]:
            with open(self.repo / change, "a") as f:
                f.write("// changed\n")
            out = self.release()
            self.assertEqual(out.returncode, 1, change)
            self.assertIn("release from a clean checkout", out.stderr)
            self.assertFalse(self.args_file.exists(), "dagger was called")
            git(self.repo, "checkout", "-q", "--", ".")
            git(self.repo, "clean", "-qfd")

    def test_missing_settings_are_named(self) -> None:
        for name in ["REGISTRY", "NAMESPACE", "REGISTRY_USERNAME", "REGISTRY_PASSWORD"]:
            out = self.release(**{name: ""})
            self.assertEqual(out.returncode, 1, name)
            self.assertIn(f"{name} is empty", out.stderr)


if __name__ == "__main__":
    unittest.main()
