"""The repository stands alone: no tracked file points outside it.

Users get the repository only, so documentation, case files, the materials library and the code
must not refer to files in folders next to it or to absolute paths of a development machine. The
library must also name the PIA material correctly (a polyimine aerogel). The needle strings are
built at run time so that this file does not match them itself.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: paths outside the repository: a sibling folder and development-machine prefixes
OUTSIDE = [
    "/".join(["..", "shared"]),
    "/".join(["", "work", ""]),
    "/".join(["", "root", ""]),
    "/".join(["", "home", ""]),
]
#: a wrong expansion of PIA (it is a polyimine aerogel)
WRONG_NAME = "-".join(["polyimide", "amine"])


def _tracked_text_files() -> list[tuple[str, str]]:
    if shutil.which("git") is None:
        pytest.skip("git is not available")
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired):
        pytest.skip("not a git repository")
    files = []
    for name in out.decode("utf-8", "surrogateescape").split("\0"):
        if not name:
            continue
        path = REPO / name
        if not path.is_file():  # deleted in the work tree, or a submodule
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (images, meshes in binary format, ...)
            continue
        try:
            files.append((name, data.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    if not files:
        pytest.skip("no tracked files")
    return files


@pytest.fixture(scope="module")
def tracked_text_files() -> list[tuple[str, str]]:
    return _tracked_text_files()


def test_no_path_outside_the_repository(tracked_text_files):
    hits = []
    for name, text in tracked_text_files:
        for lineno, line in enumerate(text.splitlines(), start=1):
            for needle in OUTSIDE:
                if needle in line:
                    hits.append(f"{name}:{lineno}: {needle!r}: {line.strip()[:120]}")
    assert not hits, "tracked files refer to paths outside the repository:\n" + "\n".join(hits)


def test_pia_is_named_correctly(tracked_text_files):
    hits = [
        f"{name}:{lineno}"
        for name, text in tracked_text_files
        for lineno, line in enumerate(text.splitlines(), start=1)
        if WRONG_NAME in line.lower()
    ]
    assert not hits, f"PIA is a polyimine aerogel, not {WRONG_NAME!r}:\n" + "\n".join(hits)


def test_readme_is_for_users():
    """The README tells users the status, capabilities and known limits, not the project's own
    work items."""
    text = (REPO / "README.md").read_text()
    assert "## Status and known limits" in text
    assert "issues so far" not in text.lower()
    assert "docs/model.md" in text and "docs/examples/" in text
