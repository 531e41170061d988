"""Run ``depsim run`` with one failure injected (a test helper, also under mpirun).

``python tests/system/inject_failure.py STAGE [depsim run arguments]``, STAGE one of:

- ``initial``: every Newton solve diverges, so the initial potential solve fails;
- ``step``: the Newton solves of the initial state and the first two steps converge, every later
  one diverges, so the step is cut back to min_dt and the run gives up;
- ``remesh``: remeshing the moving Li surface raises (gmsh failing on the new surface);
- ``output``: the XDMF write of the second output time raises ``OSError(ENOSPC)`` on rank 0
  only (as a full disk does for the rank that writes the gathered fields, the CSV and JSON),
  between the collective gathers of that output time.
"""

from __future__ import annotations

import errno
import sys


def inject(stage: str) -> None:
    from mpi4py import MPI

    from depsim.solver.newton import BorderedNewton, NewtonDivergence

    if stage in ("initial", "step"):
        original = BorderedNewton.solve
        calls = {"n": 0}
        good = 0 if stage == "initial" else 3

        def solve(self, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > good:
                raise NewtonDivergence("injected divergence")
            return original(self, *args, **kwargs)

        BorderedNewton.solve = solve
    elif stage == "remesh":
        import depsim.deposition.controller as controller
        from depsim.deposition.remesh import RemeshError

        def remesh(*args, **kwargs):
            raise RemeshError("injected: gmsh could not mesh the new surface")

        controller.remesh = remesh
    elif stage == "output":
        from depsim.output.fields import _MeshioSeries

        original_write = _MeshioSeries.write
        writes = {"n": 0}

        def write(self, *args, **kwargs):  # called on rank 0 only, after the gather
            writes["n"] += 1
            if writes["n"] == 2 and MPI.COMM_WORLD.rank == 0:
                raise OSError(errno.ENOSPC, "No space left on device (injected)")
            return original_write(self, *args, **kwargs)

        _MeshioSeries.write = write
    else:
        raise SystemExit(f"unknown stage {stage!r}")


if __name__ == "__main__":
    inject(sys.argv[1])
    from depsim.cli import main

    raise SystemExit(main(["run", *sys.argv[2:]]))
