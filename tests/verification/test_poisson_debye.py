"""Debye-length resolution helpers and the refusals of the Poisson mode."""

from __future__ import annotations

import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: split
import math

import numpy as np
import pytest
from mpi4py import MPI

from depsim.errors import CaseError
from depsim.geometry import debye
from depsim.physics import poisson as pnp
from depsim.solver.parameters import ModelParameters
from depsim.solver.poisson_problem import PoissonNernstPlanckProblem

T = 298.15


def test_debye_lengths():
    """docs/model.md §3.4: 0.097 nm at 2.5 M, 0.154 nm at 1 M (eps_r = 20)."""
    assert debye.debye_length(2500.0, 20.0, T) == pytest.approx(0.0971e-9, rel=2e-3)
    assert debye.debye_length(1000.0, 20.0, T) == pytest.approx(0.1536e-9, rel=2e-3)
    assert debye.debye_length(1.0, 20.0, T) == pytest.approx(4.856e-9, rel=1e-3)
    assert debye.required_element_size(1.0, 20.0, T) == pytest.approx(4.856e-9 / 5, rel=1e-3)
    # kappa_hat = 2 (lambda_D / L0)^2
    lam = debye.debye_length(3.0, 7.0, 310.0)
    assert pnp.permittivity_hat(7.0, 3.0, 310.0, 1e-7) == pytest.approx(2 * (lam / 1e-7) ** 2)


def test_grahame_roundtrip():
    psi0 = pnp.grahame_potential(0.05, 2500.0, 20.0, T)
    assert psi0 == pytest.approx(0.0264, rel=0.02)  # docs/model.md §4: |psi_d| ~ 26 mV
    assert pnp.grahame_surface_charge(psi0, 2500.0, 20.0, T) == pytest.approx(0.05, rel=1e-12)
    # sqrt(8 eps0 eps_r R T c0) = 4 F c0 lambda_D
    lam = debye.debye_length(2500.0, 20.0, T)
    s = pnp.grahame_surface_charge(2 * 0.025693 * math.asinh(1.0), 2500.0, 20.0, T)
    assert s == pytest.approx(4 * 96485.33212 * 2500.0 * lam, rel=1e-3)
    # profile: psi(0) = psi0, decays as 4 V_T tanh(psi0/4V_T) e^(-x/lambda) far away
    x = np.array([0.0, 20 * lam])
    prof = pnp.gouy_chapman_potential(x, psi0, 2500.0, 20.0, T)
    assert prof[0] == pytest.approx(psi0, rel=1e-12)
    V_T = 0.0256926
    far = 4 * V_T * math.tanh(psi0 / (4 * V_T)) * math.exp(-20)
    assert prof[1] == pytest.approx(far, rel=1e-6)


def test_graded_nodes():
    h, H = 0.2, 5.0
    y = debye.graded_nodes(
        100.0, h, H, refine_at=[0.0, 40.0], fine_width=1.0, growth=1.2, include=[70.0]
    )
    d = np.diff(y)
    assert y[0] == pytest.approx(0.0, abs=1e-12) and y[-1] == pytest.approx(100.0, rel=1e-12)
    assert np.all(d > 0)
    assert np.any(np.isclose(y, 40.0)) and np.any(np.isclose(y, 70.0))
    assert d.max() <= H * (1 + 1e-12)
    # within fine_width of a refinement point the size is <= h_fine
    for p in (0.0, 40.0):
        near = (np.abs(y[:-1] - p) < 1.0) & (np.abs(y[1:] - p) < 1.0)
        assert near.sum() >= 4 and d[near].max() <= h * (1 + 1e-12)
    # geometric growth: consecutive ratios bounded by ~growth
    assert (d[1:] / d[:-1]).max() < 1.25


def test_debye_strip_resolves_lambda():
    c0, eps_r = 1.0, 20.0
    lam = debye.debye_length(c0, eps_r, T)
    b = debye.debye_strip(
        MPI.COMM_WORLD, 40 * lam, c0, eps_r, T, internal={20 * lam: 7}, nx=2, cell="triangle"
    )
    assert b.markers["separator_interface"] == 7
    h_e = debye.normal_element_size(b.mesh, b.facet_tags, [1])
    h_i = debye.normal_element_size(b.mesh, b.facet_tags, [7])
    assert h_e <= lam / 5 * (1 + 1e-9) and h_i <= lam / 5 * (1 + 1e-9)
    assert debye.check_mesh_resolution(b.mesh, b.facet_tags, [1, 7], lam, action="raise") >= 5
    assert b.n_cells < 2000


def test_refuse_paper_cell():
    """2.5 M in a 10 x 8 um cell: lambda_D = 0.097 nm, refused with the alternatives."""
    with pytest.raises(CaseError) as exc:
        debye.check_resolvable((10e-6, 8e-6), 2500.0, 20.0, T)
    msg = str(exc.value)
    assert exc.value.key == "model.charge"
    for word in (
        "Debye length",
        "0.0971 nm",
        "frumkin",
        "electroneutral",
        "fixed_charge",
        "dilute",
        "solvated",
    ):
        assert word in msg, word
    assert debye.estimate_cells((10e-6, 8e-6), 2500.0, 20.0, T) > 5e6
    # 1 M is refused too; a dilute electrolyte or a nanoscale domain is accepted
    with pytest.raises(CaseError):
        debye.check_resolvable((10e-6, 8e-6), 1000.0, 20.0, T)
    ok = debye.check_resolvable((10e-6, 8e-6), 1.0, 20.0, T)
    assert ok.feasible and ok.element_size == pytest.approx(ok.debye_length / 5)
    assert debye.check_resolvable((50e-9, 50e-9), 2500.0, 20.0, T).cells < 5e6
    # a laterally uniform (flat) problem needs anisotropic layers only
    assert debye.estimate_cells((10e-6, 8e-6), 2500.0, 20.0, T, lateral=False) < 1e5


def _strip(n=8, length=50e-9):
    nodes = np.linspace(0.0, length, n + 1)
    return debye.graded_rectangle(MPI.COMM_WORLD, nodes[:3] / 4, nodes, cell="quadrilateral")


def test_problem_refusals():
    b = _strip()
    p = ModelParameters(c0=1.0, length_scale=50e-9)
    with pytest.raises(CaseError, match="phi is prescribed"):
        PoissonNernstPlanckProblem(
            b.mesh, b.facet_tags, p, surface_charge={"top": 1e-3}, resolution="off"
        )
    with pytest.raises(CaseError, match="reservoir"):
        PoissonNernstPlanckProblem(b.mesh, b.facet_tags, p.with_(counter="electrode"))
    with pytest.raises(CaseError, match="no facet"):
        PoissonNernstPlanckProblem(
            b.mesh, b.facet_tags, p, surface_charge={42: 1e-3}, resolution="off"
        )
    # 8 elements over 50 nm = 6.25 nm > lambda_D / 5 ~ 1 nm
    with pytest.raises(CaseError, match="elements per Debye length"):
        PoissonNernstPlanckProblem(b.mesh, b.facet_tags, p, resolution="raise")


def test_rest_state_is_uniform():
    """No charge, no current: the Poisson–Boltzmann initial state is c± = c0, phi = 0, and the
    galvanostatic initial cell potential is the uniform Butler–Volmer overpotential."""
    from depsim.physics import butler_volmer
    from depsim.solver.newton import BorderedNewton
    from depsim.solver.simulation import Simulation

    lam = debye.debye_length(1.0, 20.0, T)
    b = debye.debye_strip(MPI.COMM_WORLD, 20 * lam, 1.0, 20.0, T)
    p = ModelParameters(c0=1.0, length_scale=20 * lam, current_density=0.5, i0=1.0)
    pb = PoissonNernstPlanckProblem(b.mesh, b.facet_tags, p, markers=b.markers, resolution="raise")
    sim = Simulation(pb, BorderedNewton(pb, rtol=1e-12, atol=1e-14))
    sim.initialise()
    assert np.abs(pb.U.x.array).max() < 1e-12
    eta = butler_volmer.overpotential_uniform(-0.5, 1.0, pb.scales.thermal_voltage)
    assert pb.cell_potential == pytest.approx(-eta, rel=1e-10)
    assert pb.electrode_current() == pytest.approx(-0.5, rel=1e-10)
