"""Command line of the verification study scripts: ``python SCRIPT.py NAME ['{"kw": 1}']``
runs ``studies[NAME](**kw)`` and prints ``RESULT {json}`` on rank 0 (read by
``tests.conftest.run_script``; also under ``mpirun``)."""

from __future__ import annotations

import json
import sys


def main(studies: dict) -> None:
    from mpi4py import MPI

    name = sys.argv[1]
    kwargs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result = studies[name](**kwargs)
    if MPI.COMM_WORLD.rank == 0:
        print("RESULT " + json.dumps(result))
