"""Shared test helpers: running a script or the CLI, serially or under `mpirun -n 2`; the
``mpi`` marker.

``make test`` runs the suite on two pytest-xdist workers (one test file per worker at a time).
A serial script or CLI call runs inside the test process (:mod:`tests.inprocess`, isolated as
a process would be), and a call on more than one rank runs on this process's persistent
``mpirun`` job (:class:`MPIServer`, tests/mpi_server.py): a process with dolfinx and its
compiled forms is started once, not ~300 times (``DEPSIM_TESTS_MPI_SERVER=0``: a fresh
``mpirun`` per call; ``DEPSIM_TESTS_SUBPROCESS=1``: a fresh process for every call). An MPI job
of more than one rank holds a machine-wide lock while it runs, so at most one MPI job (two
ranks) runs at a time: more would oversubscribe the two cores with MPICH's busy-polling ranks.
It also holds the cores lock exclusively, which every serial script or CLI call holds shared:
the other worker's next serial call waits until the MPI job is done, so the two ranks do not
share the cores with a third process (an MPI job beside a busy process took 1.3-2.6x its
quiet time on this VM; the suite 6 min 43 s against 6 min 52 s back to back;
``DEPSIM_TESTS_EXCLUSIVE_MPI=0`` turns this off).

A test is ``mpi`` (``pytest -m mpi`` selects them) when it says so (``@pytest.mark.mpi``) or
when its source or a fixture's asks for more than one rank (``ranks=2``, ``ranks=ranks``,
``MPIRUN``, a parameter ``ranks`` > 1; see :func:`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import atexit
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

from tests.inprocess import run_cli_here, run_script_here

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
MPIRUN = shutil.which("mpirun", path=str(Path(PYTHON).parent)) or shutil.which("mpirun")
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as in the processes the tests start


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


#: ``DEPSIM_TESTS_SUBPROCESS=1``: run the serial scripts and CLI calls in fresh processes too
SUBPROCESS = os.environ.get("DEPSIM_TESTS_SUBPROCESS", "") == "1"


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
def _machine_lock(name: str, mode: int):
    """Hold the machine-wide lock file ``depsim-tests-NAME-UID.lock`` in ``mode``
    (``fcntl.LOCK_EX`` or ``LOCK_SH``)."""
    path = Path(tempfile.gettempdir()) / f"depsim-tests-{name}-{os.getuid()}.lock"
    with path.open("w") as fh:
        fcntl.flock(fh, mode)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def _one_mpi_job_at_a_time(ranks: int):
    """Hold the test MPI lock and the cores lock exclusively while a job of more than one rank
    runs (module docstring)."""
    if ranks <= 1:
        yield
        return
    with _machine_lock("mpi", fcntl.LOCK_EX), _cores(fcntl.LOCK_EX):
        yield


#: the other worker's serial calls wait while an MPI job runs (module docstring)
EXCLUSIVE_MPI = os.environ.get("DEPSIM_TESTS_EXCLUSIVE_MPI", "1") != "0"


@contextlib.contextmanager
def _cores(mode: int):
    """The cores lock in ``mode`` (``fcntl.LOCK_EX`` for an MPI job, ``LOCK_SH`` for a serial
    call; module docstring), or nothing when turned off."""
    if not EXCLUSIVE_MPI:
        yield
        return
    with _machine_lock("cores", mode):
        yield


def _cpu_seconds() -> float:
    """CPU time [s] of this process and its finished children (user + system)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _log_call(kind: str, args: list[str], ranks: int, seconds: float, cpu: float = 0.0) -> None:
    """Append one line per script or CLI call to $DEPSIM_TEST_CALLS (if set): what ran, how
    long (wall ``s``, including the wait for the MPI lock) and its CPU seconds (``cpu``, all
    ranks)."""
    log = os.environ.get("DEPSIM_TEST_CALLS")
    if log:
        line = {"kind": kind, "args": args, "ranks": ranks, "s": round(seconds, 2)}
        line["cpu"] = round(cpu, 2)
        line["test"] = os.environ.get("PYTEST_CURRENT_TEST", "")
        with open(log, "a") as fh:
            fh.write(json.dumps(line) + "\n")


class MPIServer:
    """The client of this test process's persistent ``mpirun -n RANKS`` job
    (tests/mpi_server.py), started at its first job and ended with the process."""

    SCRIPT = Path(__file__).with_name("mpi_server.py")

    def __init__(self, ranks: int):
        self.ranks, self.proc, self.folder = ranks, None, None

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="depsim-mpi-server-"))
        for r in range(self.ranks):
            os.mkfifo(self.folder / f"job{r}")
        log = (self.folder / "server.log").open("w")
        cmd = [MPIRUN, "-n", str(self.ranks), PYTHON, str(self.SCRIPT), str(self.folder)]
        self.proc = subprocess.Popen(
            cmd, stdout=log, stderr=log, env=_env(), cwd=ROOT, start_new_session=True
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait()
        self.proc = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def run(self, kind: str, args: list[str], timeout: float):
        """The job's CompletedProcess, or None when the server could not run it (it ended, e.g.
        by the job's MPI_Abort, or did not take the job): run it as a fresh job then."""
        if not self._alive():
            self.stop()
            self._start()
        line = (json.dumps({"kind": kind, "args": args}) + "\n").encode()
        ready = time.monotonic() + 120.0  # the ranks start, or collect after the last job
        for r in range(self.ranks):
            while True:
                try:
                    fd = os.open(self.folder / f"job{r}", os.O_WRONLY | os.O_NONBLOCK)
                    break
                except OSError:  # no reader yet
                    if not self._alive() or time.monotonic() > ready:
                        self.stop()
                        return None
                    time.sleep(0.005)
            os.write(fd, line)
            os.close(fd)
        done = [self.folder / f"done{r}.json" for r in range(self.ranks)]
        end = time.monotonic() + timeout
        while not all(d.exists() for d in done):
            if not self._alive():
                self.stop()
                return None
            if time.monotonic() > end:
                self.stop()
                raise subprocess.TimeoutExpired(args, timeout)
            time.sleep(0.005)
        results = [json.loads(d.read_text()) for d in done]
        for d in done:
            d.unlink()
        return subprocess.CompletedProcess(
            args,
            results[0]["returncode"],
            "".join(r["stdout"] for r in results),
            "".join(r["stderr"] for r in results),
        )


#: this test process's MPI servers by rank count (DEPSIM_TESTS_MPI_SERVER=0: none, each MPI job
#: a fresh mpirun)
_SERVERS: dict[int, MPIServer] = {}
USE_SERVER = os.environ.get("DEPSIM_TESTS_MPI_SERVER", "1") != "0" and not SUBPROCESS


def _mpi_job(kind: str, cmd: list[str], job_args: list[str], ranks: int, timeout: float):
    """Run a job of ``ranks`` > 1 ranks (holding the MPI lock): on this process's MPI server,
    or (no server, or the server could not run it) as the fresh process ``cmd``."""
    with _one_mpi_job_at_a_time(ranks):
        proc = None
        if USE_SERVER:
            if ranks not in _SERVERS:
                _SERVERS[ranks] = MPIServer(ranks)
                atexit.register(_SERVERS[ranks].stop)
            proc = _SERVERS[ranks].run(kind, job_args, timeout)
        if proc is None:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
            )
    return proc


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
    t0, c0 = time.perf_counter(), _cpu_seconds()
    if ranks == 1 and not SUBPROCESS:
        with _cores(fcntl.LOCK_SH):
            proc = run_script_here(script, args)
    else:
        proc = _mpi_job("script", cmd, [str(script), *args], ranks, timeout)
    _log_call("script", [str(script), *args], ranks, time.perf_counter() - t0, _cpu_seconds() - c0)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert len(lines) == 1, proc.stdout[-3000:]
    text = lines[0][len("RESULT ") :]
    if reuse:
        _RESULTS[key] = text
    return json.loads(text)


def run_cli(
    *args: str, ranks: int = 1, timeout: int = 600, fresh: bool = False
) -> subprocess.CompletedProcess:
    """Run ``depsim ARGS`` (``python -m depsim``), optionally under mpirun. A serial call runs
    in this process (:mod:`tests.inprocess`), a parallel one on the MPI server
    (:class:`MPIServer`), unless ``fresh``: a process (or mpirun job) of its own."""
    if ranks == 1 and not (fresh or SUBPROCESS):
        t0, c0 = time.perf_counter(), _cpu_seconds()
        with _cores(fcntl.LOCK_SH):
            proc = run_cli_here(args)
        _log_call("cli", list(args), ranks, time.perf_counter() - t0, _cpu_seconds() - c0)
        return proc
    base = [PYTHON, "-m", "depsim", *args]
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        base = [MPIRUN, "-n", str(ranks), *base]
    t0, c0 = time.perf_counter(), _cpu_seconds()
    if ranks > 1 and not fresh:
        proc = _mpi_job("cli", base, list(args), ranks, timeout)
    else:
        with _one_mpi_job_at_a_time(ranks):
            proc = subprocess.run(
                base, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT
            )
    _log_call("cli", list(args), ranks, time.perf_counter() - t0, _cpu_seconds() - c0)
    return proc


def assert_close_dicts(a: dict, b: dict, rtol: float = 1e-8, atol: float = 1e-12, keys=None):
    """Every numeric entry of ``a`` equals ``b`` within rtol (relative) or atol."""
    for k in keys or a:
        va, vb = a[k], b[k]
        if isinstance(va, int | float) and not isinstance(va, bool) and va is not None:
            assert abs(va - vb) <= max(atol, rtol * max(abs(va), abs(vb))), (k, va, vb)
