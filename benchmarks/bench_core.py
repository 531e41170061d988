"""Benchmark of depsim's core solver against a scalar Poisson solve on the same mesh.

The paper-sized 2D cell (10 um x 8 um, three bumps of 0.5 um on the Li surface, c0 = 2500
mol/m^3, galvanostatic 5 A/m^2, Butler-Volmer kinetics with i0 = 6.4 A/m^2) is run at several
mesh sizes with a fixed step (adaptive control off). For each mesh it reports

- the number of cells and of DOFs of the mixed (ln c, psi) space,
- the wall time per time step (median over the measured steps, after one warm-up step),
- Newton and linear iterations per step,
- where the time goes: residual / Jacobian / constraint assembly, LU factorisation and
  back-substitutions (BorderedNewton's methods are wrapped with timers; nothing in depsim is
  changed), and the per-step bookkeeping done by Simulation.advance,
- the baseline: one scalar P1 Poisson solve (-div grad phi = 1, phi = 0 on the top) on the same
  mesh and ranks with the same linear solver (assembly of A and b + LU factorisation + solve),
  median of several repeats, and the ratio time per step / baseline.

Run (rank 0 prints a markdown table; ``--csv`` writes the rows)::

    .venv/bin/python benchmarks/bench_core.py
    .venv/bin/mpirun -n 2 .venv/bin/python benchmarks/bench_core.py

Optional experiments (``--variant``, '+'-joined combinations allowed) estimate what solver
changes would buy without touching depsim: ``lagged`` keeps the Jacobian (and so its LU
factorisation) of the first Newton iteration of each step for the later iterations of that step
(modified Newton); ``frozen`` keeps one factorisation over the steps of the run, refactorising
when the time-step coefficients (a0, dt) change, when a solve needed more than
``--frozen-max-it`` iterations, or after a failure (then retrying the solve); ``predictor``
starts Newton from the linear extrapolation 2 U^n - U^{n-1} instead of U^n.
``--quadrature-degree`` and ``--jit-args`` recompile the forms; ``--adaptive T_END`` makes one
adaptive run instead of the table.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel: must come before dolfinx)

# isort: split

import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

import depsim.solver.newton as newton_mod
from depsim.case import load_case
from depsim.geometry import build_mesh
from depsim.solver.newton import BorderedNewton, linear_solver_options
from depsim.solver.parameters import ModelParameters
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

ROOT = Path(__file__).resolve().parents[1]
BASE_CASE = ROOT / "cases" / "examples" / "flat_galvanostatic.toml"

# (size, electrode_size) in um
DEFAULT_MESHES = ((0.5, 0.05), (0.25, 0.025), (0.125, 0.0125))

TIMER_KEYS = (
    "assemble_F",  # residual vector + lifting + Dirichlet rows
    "assemble_J",  # Jacobian matrix
    "assemble_G",  # galvanostatic border: G, r, b, d
    "factor",  # LU factorisation (KSPSetUp after a new Jacobian)
    "solve",  # back-substitutions (KSPSolve with a factorised operator)
    "bookkeeping",  # per-step diagnostics in Simulation.advance (current, salt inflow, c_min)
)


#: extra case overrides of ``--set KEY=VALUE`` (e.g. electrolyte.model=concentrated)
EXTRA_OVERRIDES: dict = {}


def case_overrides(size_um: float, electrode_size_um: float, dt: float, linear: str) -> dict:
    return {
        "case.name": "bench_core",
        "geometry.electrode.roughness": "bumps",
        "geometry.electrode.amplitude": "0.5 um",
        "geometry.electrode.count": 3,
        "geometry.mesh.size": f"{size_um} um",
        "geometry.mesh.electrode_size": f"{electrode_size_um} um",
        "electrolyte.concentration": 2500,
        "electrode.exchange_current_density": "6.4 A/m^2",
        "electrode.kinetics": "butler-volmer",
        "operation.mode": "galvanostatic",
        "operation.current_density": "5 A/m^2",
        "time.dt": f"{dt} s",
        "time.adaptive": False,
        "solver.linear": linear,
    } | EXTRA_OVERRIDES


# ----------------------------------------------------------------------------------------------
# Instrumentation
@dataclass
class Timers:
    t: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TIMER_KEYS, 0.0))
    n_factor: int = 0

    def reset(self) -> None:
        for k in self.t:
            self.t[k] = 0.0
        self.n_factor = 0


def _timed(timers: Timers, key: str, fn):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timers.t[key] += time.perf_counter() - t0

    return wrapper


def instrument(newton: BorderedNewton, problem, timers: Timers, variant: str, opts) -> None:
    """Wrap the Newton solver's pieces with timers (and apply an experimental variant)."""
    flags = set(variant.split("+")) - {"default"}
    unknown = flags - {"lagged", "frozen", "predictor"}
    if unknown:
        raise SystemExit(f"unknown variant {', '.join(sorted(unknown))}")
    newton._assemble_F = _timed(timers, "assemble_F", newton._assemble_F)
    newton._assemble_constraint = _timed(timers, "assemble_G", newton._assemble_constraint)
    for name in ("electrode_current", "salt_inflow", "surface_concentration_min"):
        setattr(problem, name, _timed(timers, "bookkeeping", getattr(problem, name)))

    orig_linear_solve = newton._linear_solve
    ksp = newton.ksp

    def linear_solve(rhs, out):
        # KSPSetUp factorises only when the operator changed since the last set-up (PETSc
        # compares the matrix state), so the first solve after a new Jacobian is split into
        # factorisation (setUp) + back-substitution (solve)
        t0 = time.perf_counter()
        ksp.setUp()
        t1 = time.perf_counter()
        its = orig_linear_solve(rhs, out)
        timers.t["factor"] += t1 - t0
        timers.t["solve"] += time.perf_counter() - t1
        return its

    newton._linear_solve = linear_solve

    # the Jacobian assembly is a module-level function looked up by BorderedNewton.solve
    assemble_J = newton_mod.fem_petsc_assemble_matrix
    state = {"first": True, "refresh": True, "key": None}

    def assemble_matrix(A, form, bcs):
        if "lagged" in flags and not state["first"]:
            return  # keep the Jacobian (and its LU) of the step's first iteration
        if "frozen" in flags and not state["refresh"]:
            return  # keep the Jacobian (and its LU) of an earlier step
        state["first"] = state["refresh"] = False
        t0 = time.perf_counter()
        assemble_J(A, form, bcs)
        timers.t["assemble_J"] += time.perf_counter() - t0
        timers.n_factor += 1  # a new operator: the next KSPSetUp factorises

    newton_mod.fem_petsc_assemble_matrix = assemble_matrix

    orig_solve = newton.solve

    def solve():
        state["first"] = True
        if "predictor" in flags:  # (U_nm1 = U_n before the first step: no change)
            problem.U.x.array[:] = 2.0 * problem.U_n.x.array - problem.U_nm1.x.array
        if "frozen" not in flags:
            return orig_solve()
        # frozen: refactorise when the Jacobian's time-step coefficients changed (unless
        # --frozen-keep-dt), when the previous solve needed more than --frozen-max-it
        # iterations, or after a failure
        coeffs = (
            (problem.init,) if opts.frozen_keep_dt else (problem.a0, problem.dt_hat, problem.init)
        )
        key = tuple(round(float(c.value), 10) for c in coeffs)
        if key != state["key"]:
            state["refresh"], state["key"] = True, key
        U0, V0 = problem.U.x.array.copy(), float(problem.V_hat.value)
        fresh = state["refresh"]
        try:
            rep = orig_solve()
        except newton_mod.NewtonDivergence:
            if fresh:
                raise  # failed with a fresh Jacobian: a real failure
            problem.U.x.array[:] = U0
            problem.V_hat.value = V0
            state["refresh"] = True
            rep = orig_solve()
        if rep.iterations > opts.frozen_max_it:
            state["refresh"] = True
        return rep

    newton.solve = solve


def recompile(problem, quadrature_degree: int | None, jit_args: str | None) -> None:
    """Experiment: recompile the residual and Jacobian with a fixed quadrature degree on the cell
    integrals (UFL estimates 4 for the residual and 5 for the Jacobian because of exp(u)) and/or
    other C compiler flags. Call before the Newton solver is created."""
    F = problem.F_ufl
    if quadrature_degree:
        F = ufl.Form(
            [
                itg.reconstruct(metadata={**itg.metadata(), "quadrature_degree": quadrature_degree})
                if itg.integral_type() == "cell"
                else itg
                for itg in F.integrals()
            ]
        )
    jit = {"cffi_extra_compile_args": jit_args.split()} if jit_args else None
    problem.F_ufl = F
    problem.residual = fem.form(F, jit_options=jit)
    problem.jacobian = fem.form(
        ufl.derivative(F, problem.U, ufl.TrialFunction(problem.W)), jit_options=jit
    )


# ----------------------------------------------------------------------------------------------
# Poisson baseline
def poisson_baseline(bundle, linear: str, repeats: int) -> dict:
    """Median wall time of one scalar P1 Poisson solve (assembly + LU + solve) on the mesh.

    ``time`` ("warm"): the matrix, vectors and solver exist and the sparsity analysis of the LU
    is done, as inside a Newton loop: zero + assemble A and b, numeric LU factorisation, solve.
    ``cold``: everything from the compiled forms on: create and assemble A and b, a new KSP,
    symbolic + numeric factorisation, solve.
    """
    mesh = bundle.mesh
    comm = mesh.comm
    V = fem.functionspace(mesh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
    one = fem.Constant(mesh, PETSc.ScalarType(1.0))
    L = fem.form(one * v * ufl.dx)
    fdim = mesh.topology.dim - 1
    top = bundle.facet_tags.find(bundle.markers["top"])
    dofs = fem.locate_dofs_topological(V, fdim, top)
    bc = fem.dirichletbc(PETSc.ScalarType(0.0), dofs, V)
    prefix = "bench_poisson_"
    popts = PETSc.Options()
    for k, val in linear_solver_options(linear, mesh.topology.dim).items():
        popts[f"{prefix}{k}"] = val

    def new_ksp(A):
        ksp = PETSc.KSP().create(comm)
        ksp.setOperators(A)
        ksp.setOptionsPrefix(prefix)
        ksp.setFromOptions()
        return ksp

    def assemble(A, b):
        A.zeroEntries()
        fem_petsc.assemble_matrix(A, a, bcs=[bc])
        A.assemble()
        with b.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(b, L)
        fem_petsc.apply_lifting(b, [a], bcs=[[bc]])
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(b, [bc])

    def check(ksp):
        if ksp.getConvergedReason() < 0:
            raise RuntimeError(f"Poisson baseline failed (KSP reason {ksp.getConvergedReason()})")

    def tmax(t):
        return comm.allreduce(t, op=MPI.MAX)

    # warm: persistent matrix, vectors and KSP (numeric refactorisation each repeat)
    A = fem_petsc.create_matrix(a)
    b = fem_petsc.create_vector(V)
    x = b.duplicate()
    ksp = new_ksp(A)
    times, t_asm, t_solve = [], [], []
    for _ in range(repeats + 1):  # the first is a warm-up
        comm.barrier()
        t0 = time.perf_counter()
        assemble(A, b)
        t1 = time.perf_counter()
        ksp.setOperators(A)
        ksp.solve(b, x)
        t2 = time.perf_counter()
        check(ksp)
        t_asm.append(tmax(t1 - t0))
        t_solve.append(tmax(t2 - t1))
        times.append(tmax(t2 - t0))
    for obj in (ksp, A, b, x):
        obj.destroy()

    # cold: a complete linear solve from the compiled forms
    cold = []
    for _ in range(max(3, repeats // 2) + 1):
        comm.barrier()
        t0 = time.perf_counter()
        A = fem_petsc.create_matrix(a)
        b = fem_petsc.create_vector(V)
        x = b.duplicate()
        assemble(A, b)
        ksp = new_ksp(A)
        ksp.solve(b, x)
        cold.append(tmax(time.perf_counter() - t0))
        check(ksp)
        for obj in (ksp, A, b, x):
            obj.destroy()
    return {
        "time": statistics.median(times[1:]),
        "assembly": statistics.median(t_asm[1:]),
        "solve": statistics.median(t_solve[1:]),
        "cold": statistics.median(cold[1:]),
        "dofs": V.dofmap.index_map.size_global,
    }


# ----------------------------------------------------------------------------------------------
def bench_mesh(size_um, esize_um, args, comm, case=None, bundle=None) -> dict:
    """One measurement on one mesh (built here unless ``case`` and ``bundle`` are given)."""
    t0 = time.perf_counter()
    if bundle is None:
        case = load_case(BASE_CASE, case_overrides(size_um, esize_um, args.dt, args.linear))
        bundle = build_mesh(case, comm)
    t_mesh = time.perf_counter() - t0
    params = ModelParameters.from_case(case)
    t0 = time.perf_counter()
    problem = ElectroneutralProblem(
        bundle.mesh,
        bundle.facet_tags,
        params,
        markers=bundle.markers,
        projected_area=bundle.projected_area,
    )
    if args.quadrature_degree or args.jit_args:
        recompile(problem, args.quadrature_degree, args.jit_args)
    t_forms = time.perf_counter() - t0
    newton = BorderedNewton(
        problem,
        rtol=case.solver.snes_rtol,
        atol=case.solver.snes_atol,
        max_it=case.solver.max_it,
        linear=case.solver.linear,
        petsc_options={**case.solver.petsc_options, **dict(kv.split("=", 1) for kv in args.petsc)},
        prefix=f"bench_{args.variant}_{len(args._seen)}_",
    )
    args._seen.append(1)
    timers = Timers()
    orig_assemble_J = newton_mod.fem_petsc_assemble_matrix
    instrument(newton, problem, timers, args.variant, args)
    stepsize = Stepsize(dt=args.dt, adaptive=False)
    sim = Simulation(problem, newton, stepsize)
    dofs = problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs

    try:
        sim.initialise()
        steps: list[dict] = []
        n_total = args.warmup + args.steps
        clock = {"t0": 0.0}

        def on_step(info) -> None:
            # called collectively after every accepted step: the step's wall time is the time
            # since the previous call (everything advance() does for the step, bookkeeping
            # included), the slowest rank's
            wall = time.perf_counter() - clock["t0"]
            if abs(info.dt - args.dt) > 1e-9 * args.dt:
                raise RuntimeError(f"step {info.step}: the fixed step was cut to {info.dt} s")
            if info.step > args.warmup:
                pieces = {
                    key: comm.allreduce(val, op=MPI.SUM) / comm.size
                    for key, val in timers.t.items()
                }
                steps.append(
                    {
                        "wall": comm.allreduce(wall, op=MPI.MAX),
                        "newton": info.iterations,
                        "linear": info.linear_iterations,
                        "factorisations": timers.n_factor,
                        **pieces,
                    }
                )
            timers.reset()
            comm.barrier()
            clock["t0"] = time.perf_counter()

        timers.reset()
        comm.barrier()
        clock["t0"] = time.perf_counter()
        sim.advance(sim.t + n_total * args.dt, on_step=on_step)
        if len(steps) != args.steps:
            raise RuntimeError(f"{len(steps)} steps measured instead of {args.steps}")
    finally:
        newton_mod.fem_petsc_assemble_matrix = orig_assemble_J
    baseline = poisson_baseline(bundle, args.linear, args.poisson_repeats)
    newton.destroy()

    total = sum(s["wall"] for s in steps)
    frac = {key: sum(s[key] for s in steps) / total for key in TIMER_KEYS}
    t_step = statistics.median(s["wall"] for s in steps)
    return {
        "mesh": f"{size_um:g}/{esize_um:g}",
        "cells": bundle.n_cells,
        "dofs": dofs,
        "ranks": comm.size,
        "variant": variant_name(args),
        "time_step": t_step,
        "time_step_min": min(s["wall"] for s in steps),
        "newton_per_step": statistics.mean(s["newton"] for s in steps),
        "linear_per_step": statistics.mean(s["linear"] for s in steps),
        "factorisations_per_step": statistics.mean(s["factorisations"] for s in steps),
        "assembly_pct": 100 * (frac["assemble_F"] + frac["assemble_J"] + frac["assemble_G"]),
        "assemble_F_pct": 100 * frac["assemble_F"],
        "assemble_J_pct": 100 * frac["assemble_J"],
        "assemble_G_pct": 100 * frac["assemble_G"],
        "solve_pct": 100 * (frac["factor"] + frac["solve"]),
        "factor_pct": 100 * frac["factor"],
        "backsub_pct": 100 * frac["solve"],
        "bookkeeping_pct": 100 * frac["bookkeeping"],
        "other_pct": 100 * (1 - sum(frac.values())),
        "poisson_dofs": baseline["dofs"],
        "poisson": baseline["time"],
        "poisson_assembly": baseline["assembly"],
        "poisson_solve": baseline["solve"],
        "ratio": t_step / baseline["time"],
        "poisson_cold": baseline["cold"],
        "ratio_cold": t_step / baseline["cold"],
        "mesh_time": t_mesh,
        "forms_time": t_forms,
    }


def variant_name(args) -> str:
    name = args.variant
    if args.quadrature_degree:
        name += f"+q{args.quadrature_degree}"
    if args.jit_args:
        name += "+jit(" + args.jit_args + ")"
    if args.petsc:
        name += "+" + " ".join(args.petsc)
    return name


def adaptive_run(args, comm) -> dict:
    """One adaptive run (the Stepsize controller on) with the chosen variant."""
    size, esize = parse_meshes(args.meshes)[0]
    case = load_case(BASE_CASE, case_overrides(size, esize, args.dt, args.linear))
    bundle = build_mesh(case, comm)
    problem = ElectroneutralProblem(
        bundle.mesh,
        bundle.facet_tags,
        ModelParameters.from_case(case),
        markers=bundle.markers,
        projected_area=bundle.projected_area,
    )
    newton = BorderedNewton(problem, prefix="bench_adaptive_")
    timers = Timers()
    orig_assemble_J = newton_mod.fem_petsc_assemble_matrix
    instrument(newton, problem, timers, args.variant, args)
    sim = Simulation(problem, newton, Stepsize(dt=args.dt, max_dt=0.2, adaptive=True))
    try:
        sim.initialise()
        timers.reset()
        its: list[int] = []
        comm.barrier()
        t0 = time.perf_counter()
        sim.advance(args.adaptive, on_step=lambda info: its.append(info.iterations))
        wall = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
    finally:
        newton_mod.fem_petsc_assemble_matrix = orig_assemble_J
    row = {
        "mesh": f"{size:g}/{esize:g}",
        "ranks": comm.size,
        "variant": variant_name(args) + ("+keep-dt" if args.frozen_keep_dt else ""),
        "t_end": args.adaptive,
        "steps": len(its),
        "newton": sum(its),
        "factorisations": timers.n_factor,
        "wall": wall,
        "cell_potential": problem.cell_potential,
    }
    if comm.rank == 0:
        print(" ".join(f"{k}={_fmt(v)}" for k, v in row.items()))
    newton.destroy()
    return row


COLUMNS = (
    ("mesh (um)", "mesh", "{}"),
    ("cells", "cells", "{}"),
    ("DOFs", "dofs", "{}"),
    ("ranks", "ranks", "{}"),
    ("time/step (s)", "time_step", "{:.3f}"),
    ("Newton its/step", "newton_per_step", "{:.2f}"),
    ("linear its/step", "linear_per_step", "{:.2f}"),
    ("assembly %", "assembly_pct", "{:.0f}"),
    ("solve %", "solve_pct", "{:.0f}"),
    ("Poisson baseline (s)", "poisson", "{:.4f}"),
    ("ratio step/baseline", "ratio", "{:.1f}"),
)


def markdown(rows) -> str:
    head = "| " + " | ".join(c[0] for c in COLUMNS) + " |"
    sep = "|" + "|".join("---" for _ in COLUMNS) + "|"
    lines = [head, sep]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[key]) for _, key, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def detail(rows) -> str:
    cols = (
        ("mesh (um)", "mesh", "{}"),
        ("ranks", "ranks", "{}"),
        ("variant", "variant", "{}"),
        ("LU/step", "factorisations_per_step", "{:.2f}"),
        ("F asm %", "assemble_F_pct", "{:.1f}"),
        ("J asm %", "assemble_J_pct", "{:.1f}"),
        ("border asm %", "assemble_G_pct", "{:.1f}"),
        ("LU factor %", "factor_pct", "{:.1f}"),
        ("back-subst %", "backsub_pct", "{:.1f}"),
        ("bookkeeping %", "bookkeeping_pct", "{:.1f}"),
        ("other %", "other_pct", "{:.1f}"),
        ("Poisson asm (s)", "poisson_assembly", "{:.4f}"),
        ("Poisson LU+solve (s)", "poisson_solve", "{:.4f}"),
        ("cold Poisson (s)", "poisson_cold", "{:.4f}"),
        ("ratio vs cold", "ratio_cold", "{:.1f}"),
    )
    lines = [
        "| " + " | ".join(c[0] for c in cols) + " |",
        "|" + "|".join("---" for _ in cols) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[key]) for _, key, fmt in cols) + " |")
    return "\n".join(lines)


def median_row(reps: list[dict]) -> dict:
    """Field-wise median of repeated measurements (the time/step and the Poisson baseline are
    medians of independent repeats; the ratio is the median of the per-repeat ratios)."""
    out = dict(reps[0])
    for key, val in out.items():
        if isinstance(val, float):
            out[key] = statistics.median(r[key] for r in reps)
    out["repeats"] = len(reps)
    return out


def parse_meshes(text: str | None):
    if not text:
        return DEFAULT_MESHES
    out = []
    for item in text.split(","):
        s, e = item.split("/")
        out.append((float(s), float(e)))
    return tuple(out)


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--meshes", help="size/electrode_size pairs in um, e.g. '0.5/0.05,0.25/0.025'")
    ap.add_argument("--steps", type=int, default=10, help="measured time steps (default 10)")
    ap.add_argument("--warmup", type=int, default=1, help="warm-up steps (default 1)")
    ap.add_argument("--dt", type=float, default=0.01, help="fixed time step [s] (default 0.01)")
    ap.add_argument("--linear", default="mumps", help="solver.linear (default mumps)")
    ap.add_argument("--poisson-repeats", type=int, default=7)
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="repeat each measurement (new problem, same mesh) "
        "and report field-wise medians (default 1)",
    )
    ap.add_argument(
        "--variant",
        default="default",
        help="default | lagged | frozen | predictor, or a '+'-joined combination of the last "
        "three, e.g. frozen+predictor",
    )
    ap.add_argument(
        "--petsc",
        nargs="*",
        default=[],
        help="experiment: extra solver.petsc_options as key=value (e.g. mat_mumps_icntl_7=5)",
    )
    ap.add_argument(
        "--frozen-max-it",
        type=int,
        default=4,
        help="'frozen': refactorise after a step needing more Newton iterations",
    )
    ap.add_argument(
        "--adaptive",
        type=float,
        metavar="T_END",
        help="instead of the table: one adaptive run (dt from --dt, max_dt 0.2 s) to T_END [s] "
        "on the first mesh, reporting steps, Newton iterations, factorisations and wall time",
    )
    ap.add_argument(
        "--frozen-keep-dt",
        action="store_true",
        help="'frozen': keep the factorisation when dt or the BDF order changes",
    )
    ap.add_argument(
        "--quadrature-degree",
        type=int,
        default=None,
        help="experiment: fixed quadrature degree of the cell integrals",
    )
    ap.add_argument(
        "--jit-args",
        default=None,
        help="experiment: C flags for the form kernels, e.g. '-O3 -march=native'",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="A/B: a case override on top of the benchmark's, e.g. --set "
        "electrolyte.model=concentrated --set electrolyte.properties.source=landesfeind2019-ec-dmc",
    )
    ap.add_argument("--csv", help="append the rows to this CSV file (rank 0)")
    args = ap.parse_args(argv)
    from depsim.case import parse_override

    EXTRA_OVERRIDES.clear()
    EXTRA_OVERRIDES.update(parse_override(item) for item in args.set)
    args._seen = []
    comm = MPI.COMM_WORLD
    if args.adaptive:
        return [adaptive_run(args, comm)]
    rows = []
    for size, esize in parse_meshes(args.meshes):
        case = load_case(BASE_CASE, case_overrides(size, esize, args.dt, args.linear))
        t0 = time.perf_counter()
        bundle = build_mesh(case, comm)
        t_mesh = time.perf_counter() - t0
        reps = [bench_mesh(size, esize, args, comm, case, bundle) for _ in range(args.repeat)]
        row = median_row(reps)
        row["mesh_time"] = t_mesh
        rows.append(row)
        if comm.rank == 0:
            print(
                f"# mesh {row['mesh']} um: {row['dofs']} dofs, {row['time_step']:.3f} s/step, "
                f"{row['newton_per_step']:.1f} Newton its, ratio {row['ratio']:.1f} "
                f"(mesh {row['mesh_time']:.1f} s, forms {row['forms_time']:.1f} s)",
                flush=True,
            )
    if comm.rank == 0:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print()
        print(
            f"depsim core benchmark, {datetime.date.today()}, {platform.node()}, "
            f"{os.cpu_count()} cores, load {load:.2f}, dt = {args.dt} s, "
            f"{args.steps} steps after {args.warmup} warm-up, linear = {args.linear}, "
            f"variant = {args.variant}"
        )
        print()
        print(markdown(rows))
        print()
        print(detail(rows))
        if args.csv:
            path = Path(args.csv)
            new = not path.exists()
            with path.open("a", newline="") as fh:
                fields = ["date", "load", "dt", "steps", "linear", *rows[0].keys()]
                w = csv.DictWriter(fh, fieldnames=fields)
                if new:
                    w.writeheader()
                for r in rows:
                    w.writerow(
                        {
                            "date": datetime.datetime.now().isoformat(timespec="seconds"),
                            "load": f"{load:.2f}",
                            "dt": args.dt,
                            "steps": args.steps,
                            "linear": args.linear,
                            **{k: _fmt(v) for k, v in r.items()},
                        }
                    )
    return rows


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
