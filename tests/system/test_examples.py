"""The literate examples in docs/examples/ run at their small size, pass their own physics
checks and print ``EXAMPLE OK``; the first one gives the same numbers under ``mpirun -n 2``.

Each example is a jupytext percent-format script. With ``DEPSIM_EXAMPLE_SMALL=1`` it shrinks
its runs (coarse mesh, short time) and writes under ``DEPSIM_EXAMPLE_OUT``. It asserts the
physics it shows (analytic values, balances, orderings) and prints ``EXAMPLE OK`` as its last
line only when they hold. Lines ``KEY <name> <value>`` are numbers compared across MPI sizes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import MPIRUN, PYTHON, ROOT

EXAMPLES = sorted((ROOT / "docs/examples").glob("*.py"))
FIRST_RUN = ROOT / "docs/examples/01_first_run.py"


def _run(path: Path, out: Path, ranks: int = 1) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(
        DEPSIM_EXAMPLE_SMALL="1",
        DEPSIM_EXAMPLE_OUT=str(out),
        OMP_NUM_THREADS="1",
        MPLBACKEND="Agg",
    )
    cmd = [PYTHON, str(path)]
    if ranks > 1:
        cmd = [MPIRUN, "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def _keys(stdout: str) -> dict[str, float]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith("KEY "):
            _, name, value = line.split()
            out[name] = float(value)
    return out


@pytest.fixture(scope="module")
def serial_runs(tmp_path_factory):
    """Each example run once serially (shared by the tests that need its output)."""
    cache: dict[Path, tuple[subprocess.CompletedProcess, Path]] = {}

    def get(path: Path):
        if path not in cache:
            out = tmp_path_factory.mktemp(path.stem)
            cache[path] = (_run(path, out), out)
        return cache[path]

    return get


def test_examples_exist():
    names = [p.stem for p in EXAMPLES]
    assert len(names) >= 6, names
    assert FIRST_RUN in EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_jupytext_percent_format(path: Path):
    """Starts with a markdown cell; has code cells; markdown cells hold only comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0] == "# %% [markdown]", f"{path.name} must start with a markdown cell"
    markers = [k for k, ln in enumerate(lines) if ln.startswith("# %%")]
    for k in markers:
        assert lines[k] in ("# %%", "# %% [markdown]"), f"{path.name}:{k + 1}: {lines[k]!r}"
    assert any(lines[k] == "# %%" for k in markers), f"{path.name} has no code cell"
    for start, end in zip(markers, [*markers[1:], len(lines)], strict=True):
        if lines[start] == "# %% [markdown]":
            body = [ln for ln in lines[start + 1 : end] if ln.strip()]
            assert body, f"{path.name}:{start + 1}: empty markdown cell"
            bad = [ln for ln in body if not (ln == "#" or ln.startswith("# "))]
            assert not bad, f"{path.name}:{start + 1}: non-comment line in markdown: {bad[0]!r}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs(path: Path, serial_runs):
    proc, out = serial_runs(path)
    tail = f"\n--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, tail
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines and lines[-1] == "EXAMPLE OK", tail
    assert len(lines) >= 5, tail  # it printed what it shows, not only the final line
    pngs = [p for p in out.rglob("*.png") if p.stat().st_size > 1000]
    assert pngs, f"no figure written under {out}"


@pytest.mark.mpi
def test_first_run_mpi_matches_serial(serial_runs, tmp_path):
    if MPIRUN is None:
        pytest.skip("mpirun not available")
    serial, _ = serial_runs(FIRST_RUN)
    assert serial.returncode == 0, serial.stderr[-3000:]
    proc = _run(FIRST_RUN, tmp_path, ranks=2)
    tail = f"\n--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, tail
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines[-1] == "EXAMPLE OK", tail
    assert lines.count("EXAMPLE OK") == 1, "only rank 0 prints"
    a, b = _keys(serial.stdout), _keys(proc.stdout)
    assert a and a.keys() == b.keys(), (a, b)
    for name in a:
        assert abs(a[name] - b[name]) <= 1e-6 * abs(a[name]), (name, a[name], b[name])
