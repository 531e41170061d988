"""Which part of the block preconditioner limits the Krylov iterations? A diagnosis tool.

Captures the Jacobian and right-hand side of the last linear solve of a ``bench_scale.py``
scenario (initial state and two fixed steps, Krylov rtol 1e-6), then solves that system once
per variant with GMRES (rtol 1e-6) and the block Schur preconditioner of ``"iterative"``
(depsim/solver/linear.py), printing iterations and times (rank 0). Variants:

- ``base``: the preconditioner as ``solver.linear = "iterative"`` builds it;
- ``nodal``: the same with the nodal Schur approximation in place of the factored Schur
  complement that the electroneutral model uses with geometric multigrid
  (depsim/solver/block_schur.py);
- ``lu``, ``luc``, ``lup``: an exact MUMPS solve in place of the GAMG V-cycle on both blocks,
  the concentration block only, or the Schur block only;
- ``NAME:opt=val:opt=val``: extra PETSc options on top (relative to the KSP prefix, e.g.
  ``base:fieldsplit_p_pc_gamg_threshold=0.02``).

With ``--alone`` it instead solves each block by itself with GMRES + the GAMG of
``"iterative"`` (rtol 1e-8, a random right-hand side): the concentration block ``c``, the
assembled Schur approximation ``S`` and the bare potential block ``D``; a variant's options are
then GAMG options without the ``fieldsplit_*_`` prefix (``base:pc_gamg_threshold=0.1``).

Run (benchmarks/README.md, "3D, four refinements")::

    .venv/bin/python benchmarks/probe_blocks.py --scenario separator --dim 3 --scale 2 \
        --level 3 base lu luc lup base:fieldsplit_p_pc_mg_cycle_type=w
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel: must come before dolfinx)

# isort: split

from mpi4py import MPI
from petsc4py import PETSc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scale  # noqa: E402

from depsim.solver.block_schur import BlockSchurPreconditioner  # noqa: E402
from depsim.solver.build import build_problem  # noqa: E402
from depsim.solver.linear import iterative_options  # noqa: E402
from depsim.solver.simulation import Simulation  # noqa: E402
from depsim.solver.stepsize import Stepsize  # noqa: E402

EXACT = {"lu": ("c", "p"), "luc": ("c",), "lup": ("p",)}


def capture(args, comm):
    """(problem, A, b): the Jacobian and right-hand side of the scenario's last linear solve."""
    case = bench_scale.scenario_case(
        args.scenario,
        args.dim,
        args.level,
        args.scale,
        "iterative",
        None,
        refine=args.refine,
        multigrid=args.multigrid,
    )
    _bundle, _params, problem = build_problem(case, comm)
    newton = bench_scale.case_newton(case, problem, {"ksp_rtol": 1e-6}, "probe_")
    kept: dict[str, PETSc.Object] = {}
    solve = newton._linear_solve

    def keep(rhs, out):
        for key, obj in (("A", newton.A), ("b", rhs)):
            if key in kept:
                kept[key].destroy()
            kept[key] = obj.copy()
        return solve(rhs, out)

    newton._linear_solve = keep
    sim = Simulation(problem, newton, Stepsize(dt=case.time.dt, adaptive=False))
    sim.initialise()
    sim.advance(sim.t + 2 * case.time.dt)
    return problem, kept["A"], kept["b"]


def new_ksp(M: PETSc.Mat, prefix: str, options: dict) -> PETSc.KSP:
    """A KSP on ``M`` configured from ``options`` under ``prefix``."""
    opts = PETSc.Options()
    for key, val in options.items():
        opts[prefix + key] = val
    ksp = PETSc.KSP().create(M.getComm())
    ksp.setOperators(M)
    ksp.setOptionsPrefix(prefix)
    ksp.setFromOptions()
    return ksp


def solve_variant(
    problem, A, b, variant: str, k: int, dim: int, hierarchy: tuple = ()
) -> tuple[int, float, float]:
    """(iterations, seconds of the first solve with the set-up, seconds of a second solve);
    geometric multigrid on ``hierarchy`` when it is not empty."""
    name, *extra = variant.split(":")
    wanted = iterative_options(dim, levels=len(hierarchy))
    for split in EXACT.get(name, ()):
        head = f"fieldsplit_{split}_"
        dropped = (head + "pc_", head + "mg_")  # the GAMG options of the split
        wanted = {key: v for key, v in wanted.items() if not key.startswith(dropped)}
        wanted.update({head + "pc_type": "lu", head + "pc_factor_mat_solver_type": "mumps"})
    wanted.update(item.split("=", 1) for item in extra)
    ksp = new_ksp(A, f"probe_v{k}_", wanted)
    schur = "nodal" if name == "nodal" else "auto"
    block = BlockSchurPreconditioner(problem, ksp, hierarchy, schur=schur)
    block.update(A)
    x = b.duplicate()
    comm = problem.comm
    comm.barrier()
    t0 = time.perf_counter()
    ksp.solve(b, x)
    comm.barrier()
    t1 = time.perf_counter()
    its = ksp.getIterationNumber()
    x.set(0.0)
    ksp.solve(b, x)
    comm.barrier()
    t2 = time.perf_counter()
    if ksp.getConvergedReason() <= 0:
        its = -1
    for obj in (block, ksp, x):
        obj.destroy()
    return its, t1 - t0, t2 - t1


def solve_alone(problem, A, variant: str, k: int, dim: int) -> dict[str, tuple[int, int]]:
    """{block: (GMRES iterations to rtol 1e-8, GAMG levels)} for c, S and D, each alone."""
    block = BlockSchurPreconditioner(problem, PETSc.KSP().create(A.getComm()), schur="nodal")
    block.update(A)
    mats = {
        "c": A.createSubMatrix(block.is_c, block.is_c),
        "S": block.S,
        "D": A.createSubMatrix(block.is_p, block.is_p),
    }
    gamg = {
        key.removeprefix("fieldsplit_c_"): val
        for key, val in iterative_options(dim).items()
        if key.startswith("fieldsplit_c_")
    }
    gamg.update({"ksp_type": "gmres", "ksp_pc_side": "right", "ksp_rtol": 1e-8})
    gamg.update(item.split("=", 1) for item in variant.split(":")[1:])
    out = {}
    for name, M in mats.items():
        ksp = new_ksp(M, f"probe_a{k}{name}_", gamg)
        x, r = M.createVecs()
        r.setRandom()
        ksp.solve(r, x)
        out[name] = (ksp.getIterationNumber(), ksp.getPC().getMGLevels())
        for obj in (ksp, x, r):
            obj.destroy()
    for name in ("c", "D"):
        mats[name].destroy()
    block.destroy()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scenario", choices=sorted(bench_scale.SCENARIOS), default="separator")
    p.add_argument("--dim", type=int, choices=(2, 3), default=3)
    p.add_argument("--level", type=int, default=2)
    p.add_argument("--scale", type=float, default=2.0)
    p.add_argument("--alone", action="store_true", help="GAMG on each block by itself")
    p.add_argument(
        "--refine", action="store_true", help="the level by uniform refinement of level 0"
    )
    p.add_argument("--multigrid", default="auto", choices=("auto", "algebraic", "geometric"))
    p.add_argument("variants", nargs="*", default=["base", "lu", "luc", "lup"])
    args = p.parse_args()
    comm = MPI.COMM_WORLD
    problem, A, b = capture(args, comm)
    if args.alone:
        if comm.rank == 0:
            print(f"# {args.scenario} {args.dim}D level {args.level}: {A.getSize()[0]:,} DOFs")
            print("| variant | c: its (levels) | S: its (levels) | D: its (levels) |")
            print("|---|---:|---:|---:|")
        for k, variant in enumerate(args.variants):
            res = solve_alone(problem, A, variant, k, args.dim)
            cells = " | ".join(f"{its} ({lev})" for its, lev in res.values())
            if comm.rank == 0:
                print(f"| `{variant}` | {cells} |")
        return
    if comm.rank == 0:
        print(f"# {args.scenario} {args.dim}D level {args.level}: {A.getSize()[0]:,} DOFs")
        print("| variant | Krylov its | first solve (with set-up) [s] | second solve [s] |")
        print("|---|---:|---:|---:|")
    for k, variant in enumerate(args.variants):
        geometric = args.multigrid != "algebraic" and variant.split(":")[0] != "gamg"
        hierarchy = problem.mesh_hierarchy if geometric else ()
        its, first, again = solve_variant(problem, A, b, variant, k, args.dim, hierarchy)
        if comm.rank == 0:
            shown = its if its >= 0 else "diverged"
            print(f"| `{variant}` | {shown} | {first:.3g} | {again:.3g} |")


if __name__ == "__main__":
    main()
