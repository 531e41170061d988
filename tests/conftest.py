"""Shared test helpers: running a script or the CLI under `mpirun -n 2`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
MPIRUN = shutil.which("mpirun", path=str(Path(PYTHON).parent)) or shutil.which("mpirun")


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def run_script(script: Path, *args: str, ranks: int = 1, timeout: int = 600) -> dict:
    """Run ``script`` (prints ``RESULT {json}`` on rank 0) with ``ranks`` MPI processes."""
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        cmd = [MPIRUN, "-n", str(ranks), PYTHON, str(script), *args]
    else:
        cmd = [PYTHON, str(script), *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert len(lines) == 1, proc.stdout[-3000:]
    return json.loads(lines[0][len("RESULT ") :])


def run_cli(*args: str, ranks: int = 1, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``depsim ARGS`` (``python -m depsim``), optionally under mpirun."""
    base = [PYTHON, "-m", "depsim", *args]
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        base = [MPIRUN, "-n", str(ranks), *base]
    return subprocess.run(
        base, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
    )


def assert_close_dicts(a: dict, b: dict, rtol: float = 1e-8, atol: float = 1e-12, keys=None):
    """Every numeric entry of ``a`` equals ``b`` within rtol (relative) or atol."""
    for k in keys or a:
        va, vb = a[k], b[k]
        if isinstance(va, int | float) and not isinstance(va, bool) and va is not None:
            assert abs(va - vb) <= max(atol, rtol * max(abs(va), abs(vb))), (k, va, vb)
