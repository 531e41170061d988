"""The iterative linear solver (``solver.linear = "iterative"``, depsim/solver/linear.py).

- Krylov iterations per linear solve stay bounded under uniform refinement of the graded mesh
  (the block Schur preconditioner with GAMG is mesh-independent) for the paper cell
  (electroneutral, galvanostatic: the Keller-bordered system, two solves per Newton iteration)
  and a Poisson-mode cell (three fields, the screened-Poisson Schur approximation).
- The paper cases give the same metrics with ``iterative`` as with ``mumps``, to the Newton
  tolerance, and ``mpirun -n 2`` gives the serial metrics.
- ``auto`` picks LU below the crossover size and ``iterative`` above; the mesh-motion solve
  with CG + GAMG gives the LU displacement.
"""

from __future__ import annotations

import json
from pathlib import Path

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
import pytest
from mpi4py import MPI

from depsim.case import load_case
from depsim.solver import linear as linear_mod
from depsim.solver.build import build_problem
from depsim.solver.newton import BorderedNewton
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize
from tests.conftest import ROOT, assert_close_dicts, run_cli

PIA = ROOT / "cases/paper/pia.toml"
PP = ROOT / "cases/paper/pp.toml"
POISSON = ROOT / "cases/examples/poisson_dilute.toml"
SET = ("--set", "time.end=0.5 s", "--set", "output.every=1000")
#: physical metrics compared between solvers and rank counts
COMPARED = (
    "i_mean",
    "i_max",
    "i_min",
    "i_cv",
    "tip_to_valley",
    "c_surface_min",
    "E_t_rms",
    "E_n_mean",
    "cell_potential",
    "current_mean_fe",
    "salt_change",
)


def _krylov_per_solve(
    path: Path, size_um: float, esize_um: float, dt: float
) -> tuple[float, list[bool]]:
    """Mean Krylov iterations per linear solve over 3 fixed BDF steps after the initial
    state, with ``iterative`` on the case's cell at the given gmsh sizes [um] and step dt [s];
    and which couplings the preconditioner took as mass-like."""
    case = load_case(
        path,
        {
            "geometry.mesh.size": f"{size_um} um",
            "geometry.mesh.electrode_size": f"{esize_um} um",
            "time.dt": f"{dt} s",
            "time.adaptive": False,
        },
    )
    _, _, pb = build_problem(case, MPI.COMM_WORLD)
    newton = BorderedNewton(pb, linear="iterative", prefix=f"test_it_{size_um}_{esize_um}_")
    assert newton.linear == "iterative" and newton.block_pc is not None
    sim = Simulation(pb, newton, Stepsize(dt=dt, adaptive=False))
    sim.initialise()
    its0 = newton.total_linear_iterations
    n0, s0 = newton.total_iterations, newton.total_linear_solves
    sim.advance(sim.t + 3 * dt)
    solves = newton.total_linear_solves - s0
    # the bordered system solves J x2 = b only with a new Jacobian (the border is kept with
    # it): at most two solves per Newton iteration, one in the iterations with a kept one
    newton_its = newton.total_iterations - n0
    per_newton = 2 if pb.galvanostatic else 1
    assert newton_its <= solves <= per_newton * newton_its
    if pb.galvanostatic:
        assert solves < 2 * newton_its
    its = newton.total_linear_iterations - its0
    mass_like = list(newton.block_pc.mass_like)
    newton.destroy()
    return its / solves, mass_like


@pytest.mark.parametrize(
    ("path", "levels", "dt", "mass_like"),
    [
        # paper cell: 1.1k, 3.2k, 10.5k DOFs (the benchmark: 11.0 -> 14.3 up to 144k DOFs);
        # the current row couples to u through a stiffness matrix
        (PIA, [(1.0, 0.1), (0.5, 0.05), (0.25, 0.025)], 0.01, [False]),
        # Poisson mode: the case, 37k DOFs, and its electrode layer refined, 74k DOFs (the
        # benchmark: 14.2, 14.8, 14.7 from 8k to 63k DOFs on the previous Debye mesh);
        # Poisson's row couples to u+, u- through the charge density, a mass matrix (without
        # the Schur correction this takes 45-58 iterations)
        (POISSON, [(0.05, 0.005), (0.05, 0.0025)], 1e-6, [True, True]),
    ],
    ids=["paper", "poisson"],
)
def test_krylov_iterations_bounded_under_refinement(path, levels, dt, mass_like):
    results = [_krylov_per_solve(path, s, e, dt) for s, e in levels]
    its = [r[0] for r in results]
    assert all(r[1] == mass_like for r in results)
    print(f"\n{path.name}: Krylov iterations per solve {[round(x, 1) for x in its]}")
    assert max(its) <= 25.0  # the benchmark: at most 14.7 (Poisson), 14.4 (paper)
    assert max(its) <= 1.5 * min(its)


def _run(case: Path, out: Path, linear: str, ranks: int = 1) -> dict:
    proc = run_cli(
        "run", str(case), "--out", str(out), "--quiet", *SET,
        "--set", f"solver.linear={linear}", ranks=ranks,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def pia_iterative(tmp_path_factory) -> dict:
    return _run(PIA, tmp_path_factory.mktemp("it") / "pia_iterative", "iterative")


@pytest.mark.parametrize("case", [PIA, PP], ids=["pia", "pp"])
def test_paper_metrics_iterative_equal_mumps(case, tmp_path, pia_iterative):
    lu = _run(case, tmp_path / "mumps", "mumps")
    it = pia_iterative if case == PIA else _run(case, tmp_path / "iterative", "iterative")
    assert lu["status"] == it["status"] == "finished"
    assert lu["steps"] == it["steps"]
    assert it["linear_iterations"] > it["newton_iterations"]  # a Krylov solver ran
    # the Newton tolerance (snes_rtol 1e-8, snes_atol 1e-7 R) bounds the difference
    assert_close_dicts(lu, it, rtol=1e-8, keys=COMPARED)


def test_iterative_mpi_matches_serial(tmp_path, pia_iterative):
    par = _run(PIA, tmp_path / "pia_np2", "iterative", ranks=2)
    assert par["mpi_size"] == 2 and par["status"] == "finished"
    assert par["steps"] == pia_iterative["steps"]
    assert_close_dicts(pia_iterative, par, rtol=1e-8, keys=COMPARED)


def test_auto_switches_at_the_crossover(monkeypatch):
    case = load_case(PIA, {"geometry.mesh.size": "1 um", "geometry.mesh.electrode_size": "0.1 um"})
    _, _, pb = build_problem(case, MPI.COMM_WORLD)
    n = linear_mod.global_size(pb.W)
    assert linear_mod.resolve_linear("auto", pb.W) == "mumps"  # 1.1k DOFs: LU
    assert BorderedNewton(pb, prefix="test_auto_lu_").linear == "mumps"  # "auto" by default
    monkeypatch.setitem(linear_mod.AUTO_CROSSOVER, 2, n)
    assert linear_mod.resolve_linear("auto", pb.W) == "iterative"
    assert linear_mod.resolve_linear("mumps", pb.W) == "mumps"
    with pytest.raises(ValueError):
        linear_mod.resolve_linear("hypre", pb.W)


def test_mesh_motion_cg_gamg_matches_lu(monkeypatch):
    from depsim.deposition.mesh_motion import MeshMover
    from tests.verification.deposition_studies import rectangle

    m, tags, markers = rectangle(nx=40, ny=32)
    lu = MeshMover(m, tags, markers)
    assert lu._problem.solver.getType() == "preonly"  # small: LU
    monkeypatch.setitem(linear_mod.MESH_MOTION_CROSSOVER, 2, 0)
    cg = MeshMover(m, tags, markers)
    assert cg._problem.solver.getType() == "cg"
    xe = lu.V.tabulate_dof_coordinates()[lu.electrode_blocks]
    d = np.zeros((len(lu.electrode_blocks), 2))
    d[:, 1] = 0.2e-6 * np.sin(2 * np.pi * xe[:, 0] / 10e-6) ** 2  # a non-uniform growth [m]
    a = lu.extend(d).x.array.copy()
    b = cg.extend(d).x.array.copy()
    assert cg._problem.solver.getIterationNumber() > 0
    assert np.abs(a - b).max() <= 1e-8 * np.abs(a).max()
    for mover in (lu, cg):
        mover.destroy()


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_gamg_threshold_by_dimension(dim):
    """Both blocks get the dimension's GAMG threshold; 3D drops fewer couplings (a P1 tet node
    has ~14 neighbours: benchmarks/README.md, "3D, four refinements")."""
    opts = linear_mod.iterative_options(dim)
    for split in ("c", "p"):
        threshold = opts[f"fieldsplit_{split}_pc_gamg_threshold"]
        assert threshold == pytest.approx(linear_mod.GAMG_THRESHOLD[dim])
    assert linear_mod.GAMG_THRESHOLD[3] < linear_mod.GAMG_THRESHOLD[2]
