"""Running a serial study script or a ``depsim`` command inside a running Python process as if
it were a process of its own (used by tests/conftest.py for serial calls and by
tests/mpi_server.py for the ranks of a persistent ``mpirun -n 2`` job).

Starting a Python process with dolfinx and loading its compiled forms costs about 1 s (3 s
for a ``mpirun -n 2`` job), paid ~300 times in the default suite; here it is paid once. The
call is isolated as a process would be where it matters: stdout and stderr are captured, the
exit code comes from the return value or ``SystemExit`` (an uncaught exception prints its
traceback and gives exit code 1), it runs in the repository root, and afterwards
``sys.argv``, ``sys.path``, the working folder, the PETSc options database and the loggers
are as before.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import runpy
import subprocess
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def in_process(cmd: list[str], call, before_collect=None) -> subprocess.CompletedProcess:
    """Run ``call()`` (a script or ``depsim`` command) here as if it were the process ``cmd``
    (module docstring); returns what :func:`subprocess.run` would. ``before_collect()`` runs
    before the garbage collection that ends the call (the MPI server: a barrier, so that the
    ranks free their PETSc objects together)."""
    import depsim  # noqa: F401, I001 - first: it loads the MPI of the dolfinx wheel
    from petsc4py import PETSc

    out, err = io.StringIO(), io.StringIO()
    argv, path, cwd = sys.argv[:], sys.path[:], os.getcwd()
    options = PETSc.Options()
    before = options.getAll()
    depsim_log, root = logging.getLogger("depsim"), logging.getLogger()
    handlers = (depsim_log.handlers[:], root.handlers[:], root.level)
    code = 0
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = call() or 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # noqa: BLE001 - what a process would print before exit code 1
                traceback.print_exc()
                code = 1
    finally:
        sys.argv[:], sys.path[:] = argv, path
        os.chdir(cwd)
        for key in set(options.getAll()) - set(before):
            options.delValue(key)
        for key, value in before.items():
            options.setValue(key, value)
        for h in depsim_log.handlers[:]:
            if h not in handlers[0]:
                depsim_log.removeHandler(h)
                h.close()
        for h in root.handlers[:]:
            if h not in handlers[1]:
                root.removeHandler(h)
        root.setLevel(handlers[2])
        if before_collect is not None:
            before_collect()
        gc.collect()
    return subprocess.CompletedProcess(cmd, code, out.getvalue(), err.getvalue())


def run_script_here(script: Path, args, before_collect=None) -> subprocess.CompletedProcess:
    """``python SCRIPT ARGS`` here (:func:`in_process`)."""

    def call():
        sys.argv[:] = [str(script), *args]
        sys.path.insert(0, str(script.parent))
        runpy.run_path(str(script), run_name="__main__")

    return in_process([PYTHON, str(script), *args], call, before_collect)


def run_cli_here(args, before_collect=None) -> subprocess.CompletedProcess:
    """``depsim ARGS`` here (:func:`in_process`)."""
    from depsim.cli import main

    def call():
        sys.argv[:] = ["depsim", *args]
        return main(list(args))

    return in_process([PYTHON, "-m", "depsim", *args], call, before_collect)
