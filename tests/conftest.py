"""Shared test helpers: running a script or the CLI under `mpirun -n 2`; the ``mpi`` marker.

``make test`` runs the suite on two pytest-xdist workers (one test file per worker at a time).
An MPI job of more than one rank holds a machine-wide lock while it runs, so at most one MPI job
(two ranks) runs beside one serial test of the other worker: more would oversubscribe the two
cores with MPICH's busy-polling ranks. A test is ``mpi`` (``pytest -m mpi`` selects them) when it
says so (``@pytest.mark.mpi``) or when its source or a fixture's asks for more than one rank
(``ranks=2``, ``ranks=ranks``, ``MPIRUN``, a parameter ``ranks`` > 1; see
:func:`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import contextlib
import fcntl
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
MPIRUN = shutil.which("mpirun", path=str(Path(PYTHON).parent)) or shutil.which("mpirun")


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


#: source text that starts an MPI job of more than one rank
_MPI_SOURCE = re.compile(r"\branks\s*=\s*(?!1\b)\w|\bMPIRUN\b|\bmpirun\b")


def _source(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def _starts_mpi(item) -> bool:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if isinstance(params.get("ranks"), int):  # a parametrized rank count decides alone
        return params["ranks"] > 1
    funcs = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        funcs += [d.func for defs in info.name2fixturedefs.values() for d in defs]
    return any(_MPI_SOURCE.search(_source(f)) for f in funcs if f is not None)


def pytest_collection_modifyitems(config, items):
    """Mark the tests that start MPI jobs ``mpi`` (module docstring)."""
    for item in items:
        if item.get_closest_marker("mpi") is None and _starts_mpi(item):
            item.add_marker(pytest.mark.mpi)


@contextlib.contextmanager
def _one_mpi_job_at_a_time(ranks: int):
    """Hold the machine-wide test MPI lock while a job of more than one rank runs (module
    docstring)."""
    if ranks <= 1:
        yield
        return
    path = Path(tempfile.gettempdir()) / f"depsim-tests-mpi-{os.getuid()}.lock"
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _log_call(kind: str, args: list[str], ranks: int, seconds: float) -> None:
    """Append one line per subprocess to $DEPSIM_TEST_CALLS (if set): what ran, how long."""
    log = os.environ.get("DEPSIM_TEST_CALLS")
    if log:
        line = {"kind": kind, "args": args, "ranks": ranks, "s": round(seconds, 2)}
        line["test"] = os.environ.get("PYTEST_CURRENT_TEST", "")
        with open(log, "a") as fh:
            fh.write(json.dumps(line) + "\n")


#: results of the scripts run with ``reuse=True`` in this test process, by (script, args, ranks)
_RESULTS: dict[tuple, str] = {}


def run_script(
    script: Path, *args: str, ranks: int = 1, timeout: int = 600, reuse: bool = False
) -> dict:
    """Run ``script`` (prints ``RESULT {json}`` on rank 0) with ``ranks`` MPI processes.

    ``reuse``: a study run before in this process with the same arguments and ranks returns
    that run's result (a fresh copy) instead of running again: the serial reference of a
    ``mpirun -n 2`` comparison is often the run of another test of the same file (the files
    go to one pytest-xdist worker each). Only for deterministic studies; a test that checks
    reproducibility must not reuse."""
    key = (str(script), args, ranks)
    if reuse and key in _RESULTS:
        return json.loads(_RESULTS[key])
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        cmd = [MPIRUN, "-n", str(ranks), PYTHON, str(script), *args]
    else:
        cmd = [PYTHON, str(script), *args]
    t0 = time.perf_counter()
    with _one_mpi_job_at_a_time(ranks):
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
        )
    _log_call("script", [str(script), *args], ranks, time.perf_counter() - t0)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert len(lines) == 1, proc.stdout[-3000:]
    text = lines[0][len("RESULT ") :]
    if reuse:
        _RESULTS[key] = text
    return json.loads(text)


def run_cli(*args: str, ranks: int = 1, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``depsim ARGS`` (``python -m depsim``), optionally under mpirun."""
    base = [PYTHON, "-m", "depsim", *args]
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        base = [MPIRUN, "-n", str(ranks), *base]
    t0 = time.perf_counter()
    with _one_mpi_job_at_a_time(ranks):
        proc = subprocess.run(
            base, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
        )
    _log_call("cli", list(args), ranks, time.perf_counter() - t0)
    return proc


def assert_close_dicts(a: dict, b: dict, rtol: float = 1e-8, atol: float = 1e-12, keys=None):
    """Every numeric entry of ``a`` equals ``b`` within rtol (relative) or atol."""
    for k in keys or a:
        va, vb = a[k], b[k]
        if isinstance(va, int | float) and not isinstance(va, bool) and va is not None:
            assert abs(va - vb) <= max(atol, rtol * max(abs(va), abs(vb))), (k, va, vb)
