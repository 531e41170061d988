"""Scaling of depsim's linear solvers: cost of a time step against a Poisson solve, 2D and 3D.

For each scenario and mesh level (the gmsh sizes ``geometry.mesh.size`` and
``electrode_size`` halved per level: a uniform refinement of the graded mesh) it runs the
initial-state solve, ``--warmup`` steps and ``--steps`` measured fixed BDF2 steps, and prints
one row (rank 0):

- DOFs of the transport problem (the mixed space), cells;
- s/step: median wall time of a measured step (slowest rank), everything ``advance`` does,
  and the mean (which carries the preconditioner set-ups of the measured steps);
- Newton iterations per step, Krylov iterations per step and per linear solve (the bordered
  galvanostatic system makes two solves per Newton iteration), preconditioner set-ups;
- peak memory: the sum over ranks of each process's peak resident set (``ru_maxrss``), mesh
  generation included, in MB, read before the Poisson baseline (whose matrix and GAMG
  hierarchy, built while the run's objects are still alive, are not the run's: the CSV's
  ``peak_mb_with_baseline`` has the peak with them; before 2026-12-07 ``peak_mb`` was that);
- the Poisson baseline: one scalar P1 Poisson solve on the same mesh and ranks
  (-div grad phi = 1, phi = 0 on the top, CG + GAMG, rtol 1e-8), assembly of A and b and the
  preconditioner set-up included (the forms compiled once, outside the timing), median of
  ``--poisson-repeats``, and its CG iterations (how GAMG itself scales on the mesh: the
  reference for the Krylov counts); and the ratio s/step / baseline.

Scenarios (``--scenario``): ``paper`` (cases/paper/pia.toml), ``separator`` (the paper cell
with a 2 um separator layer of fixed charge on the Li), ``poisson``
(cases/examples/poisson_dilute.toml), ``rough`` (cases/examples/rough_3d.toml, 3D only).

Run::

    .venv/bin/python benchmarks/bench_scale.py --scenario paper --dim 2 --levels 0,1,2,3
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/bench_scale.py --scenario paper --dim 3
    .venv/bin/python benchmarks/bench_scale.py --scenario rough --dim 3 --levels 0 --linear mumps

``--csv FILE`` appends the rows (with the date, load average and ``--series`` label: rows of
one label form one line of the plot); ``--scale F`` multiplies
the base mesh sizes; ``--plot CSV PNG`` draws time per step and peak memory against DOFs
(log-log) from a CSV of rows and exits::

    .venv/bin/python benchmarks/bench_scale.py --plot benchmarks/results_scale.csv \
        benchmarks/scale.png
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import resource
import statistics
import time
from pathlib import Path

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel: must come before dolfinx)

# isort: split

import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from depsim.case import load_case
from depsim.solver.build import build_problem
from depsim.solver.newton import BorderedNewton
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

ROOT = Path(__file__).resolve().parents[1]

#: scenario -> (case file, overrides, {dim: (size, electrode_size) of level 0 in um}, dt [s])
SCENARIOS: dict[str, tuple[Path, dict, dict, float]] = {
    "paper": (
        ROOT / "cases" / "paper" / "pia.toml",
        {},
        {2: (1.0, 0.1), 3: (2.0, 0.5)},
        0.01,
    ),
    "separator": (
        ROOT / "cases" / "examples" / "flat_galvanostatic.toml",
        {
            "geometry.electrode.roughness": "bumps",
            "geometry.electrode.amplitude": "0.5 um",
            "geometry.separator.thickness": "2 um",
            "separator.porosity": 0.6,
            "separator.bruggeman": 1.5,
            "separator.fixed_charge": "-1e8 C/m^3",
            "operation.current_density": "0.5 mA/cm^2",
        },
        {2: (1.0, 0.1), 3: (2.0, 0.5)},
        0.01,
    ),
    "poisson": (
        ROOT / "cases" / "examples" / "poisson_dilute.toml",
        {},
        {2: (0.05, 0.005), 3: (0.2, 0.068)},
        1e-6,
    ),
    "rough": (ROOT / "cases" / "examples" / "rough_3d.toml", {}, {3: (1.0, 0.25)}, 0.01),
}


def scenario_case(
    name: str,
    dim: int,
    level: int,
    scale: float,
    linear: str,
    dt: float | None,
    refine: bool = False,
    multigrid: str = "auto",
):
    """The case of ``name`` at mesh ``level`` in ``dim`` D: the gmsh sizes halved per level,
    or (``refine``) the level-0 mesh split uniformly ``level`` times (nested meshes)."""
    path, over, sizes, dt0 = SCENARIOS[name]
    size, esize = (s * scale / 2 ** (0 if refine else level) for s in sizes[dim])
    if name == "poisson" and dim == 2:  # the Debye mesh (boundary layer) refines the Li layer;
        size = sizes[dim][0] * scale  # a finer bulk fails its resolution check: keep the bulk
    overrides = {
        **over,
        "geometry.dimension": dim,
        "geometry.mesh.size": f"{size} um",
        "geometry.mesh.electrode_size": f"{esize} um",
        "time.dt": f"{dt or dt0} s",
        "time.adaptive": False,
        "solver.linear": linear,
        "solver.multigrid": multigrid,
        "geometry.mesh.refinements": level if refine else 0,
    }
    if name == "poisson" and dim == 3:  # a larger Debye length (486 nm) to be affordable in 3D
        overrides["electrolyte.concentration"] = "1e-4 mol/m^3"
        overrides["geometry.depth"] = "0.5 um"
        # the case's 0.01 mA/cm^2 is 20x the limiting current 2 F D c0 / H = 4.6e-4 mA/cm^2 at
        # this c0 (D = 1.2e-10 m^2/s, H = 0.5 um): Sand's stop after 4 us. A fifth of it:
        overrides["operation.current_density"] = "1e-4 mA/cm^2"
    if dim == 3 and name in ("paper", "separator"):
        overrides["geometry.depth"] = "10 um"
    return load_case(path, overrides)


def poisson_baseline(mesh, facet_tags, top: int, repeats: int) -> tuple[float, int]:
    """Median wall time [s] of one scalar P1 Poisson solve (assembly + GAMG set-up + CG), and
    its CG iterations (GAMG's own scaling on this mesh: the reference for the Krylov counts)."""
    comm = mesh.comm
    V = fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
    L = fem.form(fem.Constant(mesh, PETSc.ScalarType(1.0)) * v * ufl.dx)
    fdim = mesh.topology.dim - 1
    dofs = fem.locate_dofs_topological(V, fdim, facet_tags.find(top))
    bc = fem.dirichletbc(PETSc.ScalarType(0.0), dofs, V)
    x = fem.Function(V)
    times = []
    for _ in range(repeats + 1):
        comm.barrier()
        t0 = time.perf_counter()
        A = fem_petsc.assemble_matrix(a, bcs=[bc])
        A.assemble()
        b = fem_petsc.assemble_vector(L)
        fem_petsc.apply_lifting(b, [a], bcs=[[bc]])
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b, [bc])
        ksp = PETSc.KSP().create(comm)
        ksp.setOperators(A)
        ksp.setType("cg")
        ksp.getPC().setType("gamg")
        ksp.setTolerances(rtol=1e-8)
        ksp.solve(b, x.x.petsc_vec)
        if ksp.getConvergedReason() <= 0:
            raise RuntimeError("Poisson baseline did not converge")
        times.append(comm.allreduce(time.perf_counter() - t0, op=MPI.MAX))
        its = ksp.getIterationNumber()
        for obj in (ksp, A, b):
            obj.destroy()
    return statistics.median(times[1:]), its


def peak_memory_mb(comm) -> float:
    """Sum over ranks of the peak resident set size [MB]."""
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return comm.allreduce(rss_kb, op=MPI.SUM) / 1024.0


def case_newton(case, problem, petsc_options: dict, prefix: str) -> BorderedNewton:
    """The Newton solver of a scenario: the case's tolerances and ``solver.linear``."""
    return BorderedNewton(
        problem,
        rtol=case.solver.snes_rtol,
        atol=case.solver.snes_atol,
        max_it=case.solver.max_it,
        linear=case.solver.linear,
        multigrid=case.solver.multigrid,
        petsc_options=petsc_options,
        prefix=prefix,
    )


def bench(args, comm, level: int) -> dict:
    """One row: the scenario at one mesh level."""
    case = scenario_case(
        args.scenario,
        args.dim,
        level,
        args.scale,
        args.linear,
        args.dt,
        refine=args.refine,
        multigrid=args.multigrid,
    )
    t0 = time.perf_counter()
    bundle, _params, problem = build_problem(case, comm)
    t_build = time.perf_counter() - t0
    petsc = dict(kv.split("=", 1) for kv in args.petsc)
    newton = case_newton(case, problem, petsc, f"scale_{level}_")
    counts = {"solves": 0, "its": 0}
    orig = newton._linear_solve

    def counted(rhs, out):
        its = orig(rhs, out)
        counts["solves"] += 1
        counts["its"] += its
        return its

    newton._linear_solve = counted
    dt = case.time.dt
    sim = Simulation(problem, newton, Stepsize(dt=dt, adaptive=False))
    t0 = time.perf_counter()
    init = sim.initialise()
    t_init = time.perf_counter() - t0
    if args.verbose and comm.rank == 0:
        print(f"#   build {t_build:.3g} s, initial state {t_init:.3g} s", flush=True)
    init_lin = counts["its"] / max(counts["solves"], 1)
    rows: list[dict] = []
    clock = {"t0": 0.0}

    def on_step(info) -> None:
        wall = comm.allreduce(time.perf_counter() - clock["t0"], op=MPI.MAX)
        if args.verbose and comm.rank == 0:
            print(
                f"#   step {info.step}: {wall:.3g} s, Newton {info.iterations}, Krylov "
                f"{counts['its']} in {counts['solves']} solves, "
                f"set-ups {newton.total_factorisations - setups[0]}",
                flush=True,
            )
        if info.step > args.warmup:
            rows.append(
                {"wall": wall, "newton": info.iterations, **counts, "setups": newton_setups()}
            )
        counts.update(solves=0, its=0)
        setups[0] = newton.total_factorisations
        comm.barrier()
        clock["t0"] = time.perf_counter()

    setups = [newton.total_factorisations]

    def newton_setups() -> int:
        return newton.total_factorisations - setups[0]

    counts.update(solves=0, its=0)
    comm.barrier()
    clock["t0"] = time.perf_counter()
    sim.advance(sim.t + (args.warmup + args.steps) * dt, on_step=on_step)
    mem = peak_memory_mb(comm)  # the run's own peak, before the baseline adds its matrices
    top = problem.markers["top"]
    baseline, poisson_its = poisson_baseline(
        problem.mesh, problem.facet_tags, top, args.poisson_repeats
    )
    mem_baseline = peak_memory_mb(comm)
    W = problem.W
    solves = sum(r["solves"] for r in rows)
    its = sum(r["its"] for r in rows)
    newton_its = sum(r["newton"] for r in rows)
    t_step = statistics.median(r["wall"] for r in rows)
    out = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "load": round(os.getloadavg()[0], 2),
        "scenario": args.scenario,
        "dim": args.dim,
        "level": level,
        "linear": newton.linear,
        "ranks": comm.size,
        "cells": bundle.n_cells,
        "dofs": W.dofmap.index_map.size_global * W.dofmap.index_map_bs,
        "s_per_step": t_step,
        "s_per_step_mean": statistics.fmean(r["wall"] for r in rows),
        "newton_per_step": newton_its / len(rows),
        "krylov_per_step": its / len(rows),
        "krylov_per_solve": its / max(solves, 1),
        "krylov_per_newton": its / max(newton_its, 1),
        "setups_per_step": sum(r["setups"] for r in rows) / len(rows),
        "init_newton": init.iterations,
        "init_krylov_per_solve": init_lin,
        "peak_mb": mem,
        "peak_mb_with_baseline": mem_baseline,
        "poisson_s": baseline,
        "poisson_its": poisson_its,
        "ratio": t_step / baseline,
        "ratio_mean": statistics.fmean(r["wall"] for r in rows) / baseline,
        "build_s": t_build,
        "init_s": t_init,
    }
    newton.destroy()
    return out


COLUMNS = (
    ("dim", "{}"),
    ("level", "{}"),
    ("linear", "{}"),
    ("ranks", "{}"),
    ("dofs", "{:,}"),
    ("s_per_step", "{:.3g}"),
    ("s_per_step_mean", "{:.3g}"),
    ("newton_per_step", "{:.2f}"),
    ("krylov_per_newton", "{:.1f}"),
    ("krylov_per_solve", "{:.1f}"),
    ("setups_per_step", "{:.2f}"),
    ("init_krylov_per_solve", "{:.1f}"),
    ("peak_mb", "{:.0f}"),
    ("poisson_s", "{:.3g}"),
    ("poisson_its", "{}"),
    ("ratio", "{:.2f}"),
    ("ratio_mean", "{:.2f}"),
)


def append_row(path: Path, row: dict) -> None:
    """Append ``row`` to the CSV ``path``; the columns are the union of the file's and the
    row's (older rows get empty cells for newer columns)."""
    rows = list(csv.DictReader(path.open())) if path.exists() else []
    fields = list(rows[0]) if rows else []
    fields += [k for k in row if k not in fields]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, restval="")
        w.writeheader()
        w.writerows([*rows, row])


def plot(csv_path: Path, png: Path, only: list[str] | None = None) -> None:
    """Log-log plots of s/step and peak memory against DOFs, and Krylov iterations per Newton
    iteration of the iterative rows, one line per (series or scenario, dim, linear, ranks),
    from the rows of ``csv_path`` (``only``: the series whose label contains one of these)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(csv_path.open()))
    if only:
        rows = [r for r in rows if any(o in (r.get("series") or "") for o in only)]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        key = (r.get("series") or r["scenario"], r["dim"], r["linear"], r["ranks"])
        groups.setdefault(key, []).append(r)
    fig, axes = plt.subplots(1, 3, figsize=(16, 6.5))
    ax_t, ax_m, ax_k = axes
    cmap = plt.get_cmap("tab20").colors + plt.get_cmap("tab20b").colors
    for k, ((scen, dim, lin, ranks), rs) in enumerate(sorted(groups.items())):
        rs = sorted(rs, key=lambda r: int(r["dofs"]))
        n = [int(r["dofs"]) for r in rs]
        style = dict(
            ls="-" if lin == "iterative" else "--",
            marker="o" if ranks == "1" else "s",
            color=cmap[k % len(cmap)],
        )
        where = scen if "D" in scen else f"{scen} {dim}D"
        label = f"{where} {lin} {ranks} rank{'s' if ranks != '1' else ''}"
        ax_t.loglog(n, [float(r["s_per_step"]) for r in rs], label=label, **style)
        ax_m.loglog(n, [float(r["peak_mb"]) for r in rs], **style)
        its = [(m, r.get("krylov_per_newton")) for m, r in zip(n, rs, strict=True)]
        its = [(m, float(v)) for m, v in its if lin == "iterative" and v]
        if its:
            ax_k.semilogx(*zip(*its, strict=True), **style)
    labels = (
        (ax_t, "time per step [s]"),
        (ax_m, "peak memory, all ranks [MB]"),
        (ax_k, "Krylov iterations per Newton iteration"),
    )
    for ax, ylabel in labels:
        ax.set_xlabel("transport DOFs")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    ax_m.axhline(8192, color="k", lw=0.8, ls=":")
    ax_k.set_ylim(bottom=0)
    fig.legend(loc="lower center", ncol=3 if only else 4, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    fig.savefig(png, dpi=120, bbox_inches="tight")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--scenario", choices=sorted(SCENARIOS), default="paper")
    p.add_argument("--dim", type=int, choices=(2, 3), default=2)
    p.add_argument("--levels", default="0,1,2,3", help="mesh levels (sizes / 2^level)")
    p.add_argument("--scale", type=float, default=1.0, help="factor on the level-0 sizes")
    p.add_argument("--linear", default="iterative", help="solver.linear")
    p.add_argument(
        "--refine",
        action="store_true",
        help="levels by uniform refinement of the level-0 mesh (geometry.mesh.refinements)",
    )
    p.add_argument(
        "--multigrid",
        default="auto",
        choices=("auto", "algebraic", "geometric"),
        help="solver.multigrid",
    )
    p.add_argument("--petsc", nargs="*", default=[], help="extra PETSc options key=value")
    p.add_argument("--dt", type=float, default=None, help="fixed step [s]")
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--poisson-repeats", type=int, default=3)
    p.add_argument("--csv", type=Path, default=None)
    p.add_argument("--series", default="", help="label of the rows in the CSV and the plot")
    p.add_argument("--verbose", action="store_true", help="print a line per step (rank 0)")
    p.add_argument("--log-view", action="store_true", help="print PETSc's -log_view at the end")
    p.add_argument("--plot", nargs=2, type=Path, metavar=("CSV", "PNG"), default=None)
    p.add_argument("--only", nargs="*", default=None, help="--plot: series containing these")
    args = p.parse_args()
    if args.plot is not None:
        plot(*args.plot, only=args.only)
        return
    comm = MPI.COMM_WORLD
    if args.log_view:
        PETSc.Log.begin()
    levels = [int(x) for x in args.levels.split(",")]
    header = "| scenario | " + " | ".join(c for c, _ in COLUMNS) + " |"
    if comm.rank == 0:
        print(header)
        print("|" + "---|" * (len(COLUMNS) + 1), flush=True)
    for level in levels:
        row = bench(args, comm, level)
        if comm.rank == 0:
            cells = " | ".join(fmt.format(row[c]) for c, fmt in COLUMNS)
            print(f"| {args.scenario} | {cells} |", flush=True)
            if args.csv is not None:
                append_row(args.csv, {**row, "series": args.series})
    if args.log_view:
        PETSc.Log.view()


if __name__ == "__main__":
    main()
