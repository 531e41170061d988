"""Peak memory of each phase of a run: where the resident set of a large 3D cell goes.

For a ``bench_scale.py`` scenario (default: the paper cell in 3D at ``--scale 2``, the mesh
refined uniformly ``--level`` times) it runs the phases of a run one after another and prints,
per phase, the resident set before it, its peak during the phase and what stays after it,
summed over the ranks (Linux: the peak is reset per phase through ``/proc/self/clear_refs``
and read from ``VmHWM``). The phases: the mesh (gmsh, refinement, tags), the problem (spaces
and forms), the Newton solver (the Jacobian's sparsity), the initial state, ``--steps`` fixed
steps, and the residual assembled whole against in cell blocks (:mod:`depsim.model.chunks`),
next to the size of its packed coefficients. Run::

    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/bench_memory.py --level 4
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale  # noqa: E402  (also loads depsim before dolfinx)

# isort: split

import dolfinx.fem.petsc as fem_petsc  # noqa: E402
from mpi4py import MPI  # noqa: E402

from depsim.model import chunks  # noqa: E402
from depsim.solver.build import build_problem  # noqa: E402
from depsim.solver.simulation import Simulation  # noqa: E402
from depsim.solver.stepsize import Stepsize  # noqa: E402

COMM = MPI.COMM_WORLD


def _status() -> dict[str, float]:
    """VmRSS and VmHWM of this process [MB]."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, val = line.split(":", 1)
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(val.split()[0]) / 1024.0
    return out


def phase(rows: list, name: str, fn):
    """Run ``fn()`` as one phase; append (name, before, peak, after, seconds) summed over the
    ranks [MB]; return fn's result."""
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    before = _status()["VmRSS"]
    COMM.barrier()
    t0 = time.perf_counter()
    out = fn()
    COMM.barrier()
    wall = time.perf_counter() - t0
    now = _status()
    total = [COMM.allreduce(v) for v in (before, now["VmHWM"], now["VmRSS"])]
    rows.append((name, *total, wall))
    if COMM.rank == 0:
        print(f"#   {name}: peak {total[1]:.0f} MB ({wall:.1f} s)", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default="paper")
    p.add_argument("--dim", type=int, default=3)
    p.add_argument("--scale", type=float, default=2.0)
    p.add_argument("--level", type=int, default=3)
    p.add_argument("--steps", type=int, default=2)
    args = p.parse_args()
    case = bench_scale.scenario_case(
        args.scenario, args.dim, args.level, args.scale, "auto", None, refine=True
    )
    from depsim.geometry import build_mesh

    rows: list = []
    bundle = phase(rows, "mesh (gmsh, refinement, tags)", lambda: build_mesh(case, COMM))
    # the scenario's problem on that mesh, as a run builds it (build_problem's mesh step skipped)
    _, _, pb = phase(rows, "problem (spaces, forms)", lambda: build_problem(case, COMM, bundle))
    newton = phase(
        rows,
        "Newton solver (Jacobian sparsity)",
        lambda: bench_scale.case_newton(case, pb, {"ksp_rtol": "1e-6"}, "mem_"),
    )
    sim = Simulation(pb, newton, Stepsize(dt=case.time.dt, adaptive=False))
    phase(rows, "initial state", sim.initialise)
    for k in range(args.steps):
        phase(rows, f"step {k + 1}", lambda: sim.advance(sim.t + case.time.dt))
    packed = COMM.allreduce(chunks.packed_bytes(pb.residual)) / 2**20
    n_blocks = len(chunks.blocks(pb.residual))
    vec = fem_petsc.create_vector(pb.W)
    phase(rows, "residual, whole", lambda: fem_petsc.assemble_vector(vec, pb.residual))
    phase(
        rows, f"residual, in {n_blocks} block(s)", lambda: chunks.assemble_vector(vec, pb.residual)
    )
    vec.destroy()
    if COMM.rank == 0:
        dofs = pb.W.dofmap.index_map.size_global * pb.W.dofmap.index_map_bs
        cells = pb.mesh.topology.index_map(pb.mesh.topology.dim).size_global
        print(
            f"\n{args.scenario} {args.dim}D level {args.level}: {dofs:,} DOFs, {cells:,} cells, "
            f"{COMM.size} rank(s); the residual's packed coefficients {packed:.0f} MB "
            f"(block budget {chunks.CHUNK_BYTES / 2**20:.0f} MB per rank)\n"
        )
        print("| phase | before (MB) | peak (MB) | peak - before | after - before | s |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, before, peak, after, wall in rows:
            print(
                f"| {name} | {before:,.0f} | {peak:,.0f} | {peak - before:+,.0f} | "
                f"{after - before:+,.0f} | {wall:.1f} |"
            )
        top = max(rows, key=lambda r: r[2])
        print(f"\nrun peak: {top[2]:,.0f} MB in '{top[0]}'")


if __name__ == "__main__":
    main()
