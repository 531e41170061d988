"""A persistent ``mpirun -n N`` job that runs the tests' MPI scripts and ``depsim`` commands one
after another (tests/conftest.py, :class:`MPIServer`): the ranks start Python, import dolfinx
and load the compiled forms once, not once per job (about 3 s of two cores each time).

    mpirun -n 2 python tests/mpi_server.py FOLDER

Rank r waits for a job in the named pipe ``FOLDER/job<r>`` (a blocking read: an idle server
uses no CPU), one JSON line ``{"kind": "script" | "cli", "args": [...]}`` (``{"kind": "exit"}``
ends it). It runs the job in this process (:mod:`tests.inprocess`: a process's isolation of
stdout, stderr, exit code, argv, path, folder, PETSc options and loggers), then writes
``{"returncode", "stdout", "stderr"}`` to ``FOLDER/done<r>.json`` (atomically, by renaming).
The ranks meet at a barrier before their garbage collection, so they free their PETSc objects
together. A job that ends one rank (``MPI_Abort``) ends the server; the client sees it and
runs that job again as a fresh ``mpirun`` job.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(folder: Path) -> None:
    import depsim  # noqa: F401, I001 - first: it loads the MPI of the dolfinx wheel
    from mpi4py import MPI

    from tests.inprocess import run_cli_here, run_script_here

    comm = MPI.COMM_WORLD
    rank = comm.rank
    while True:
        with open(folder / f"job{rank}") as fh:  # blocks until the client writes a job
            line = fh.readline()
        if not line.strip():
            continue
        job = json.loads(line)
        if job["kind"] == "exit":
            break
        if job["kind"] == "script":
            proc = run_script_here(Path(job["args"][0]), job["args"][1:], comm.Barrier)
        else:
            proc = run_cli_here(job["args"], comm.Barrier)
        result = {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
        tmp = folder / f"done{rank}.tmp"
        tmp.write_text(json.dumps(result))
        os.replace(tmp, folder / f"done{rank}.json")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
