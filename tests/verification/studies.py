"""Verification computations shared by the serial tests and the `mpirun -n 2` runner.

Each study returns a dict of plain floats so that serial and parallel runs can be compared.
Run one directly (prints JSON on rank 0)::

    mpirun -n 2 python tests/verification/studies.py steady_1d
"""

from __future__ import annotations

import math

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.errors import SandTimeReached
from depsim.physics import butler_volmer, electrolyte
from depsim.physics.constants import FARADAY
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD


def strip_mesh(width, length, nx, ny, cell="quadrilateral", grading=None, comm=COMM):
    """Rectangle [0,width] x [0,length] with facet tags electrode (y=0) = 1, top (y=L) = 2.

    ``grading="quadratic"`` maps y -> L (y/L)^2 (fine at the electrode).
    """
    ct = dmesh.CellType.quadrilateral if cell == "quadrilateral" else dmesh.CellType.triangle
    m = dmesh.create_rectangle(comm, [[0.0, 0.0], [1.0, 1.0]], [nx, ny], ct)
    x = m.geometry.x
    x[:, 0] *= width
    x[:, 1] = length * (x[:, 1] ** 2 if grading == "quadratic" else x[:, 1])
    return m, _tags(m, length)


def _tags(m, length):
    m.topology.create_connectivity(1, 2)
    fb = dmesh.locate_entities_boundary(m, 1, lambda x: np.isclose(x[1], 0.0))
    ft = dmesh.locate_entities_boundary(m, 1, lambda x: np.isclose(x[1], length))
    idx = np.concatenate([fb, ft]).astype(np.int32)
    vals = np.concatenate([np.full(len(fb), 1, np.int32), np.full(len(ft), 2, np.int32)])
    o = np.argsort(idx)
    return dmesh.meshtags(m, 1, idx[o], vals[o])


def _max(a) -> float:
    return COMM.allreduce(float(np.max(a, initial=0.0)), op=MPI.MAX)


# ------------------------------------------------------------------------------------------------
def steady_1d(fraction: float = 0.9, ny: int = 40, cell: str = "quadrilateral") -> dict:
    """Benchmark (a): steady galvanostatic 1D profile at i = fraction * i_lim."""
    L, W = 10e-6, 1e-6
    p0 = ModelParameters()
    i_lim = electrolyte.limiting_current(p0.D_cation, p0.D_anion, p0.c0, L)
    p = p0.with_(current_density=fraction * i_lim)
    m, tags = strip_mesh(W, L, max(2, ny // 10), ny, cell)
    pb = ElectroneutralProblem(m, tags, p)
    sim = Simulation(pb, BorderedNewton(pb, max_it=60))
    sim.initialise()
    rep = sim.solve_steady()
    V0, _ = pb.W.sub(0).collapse()
    y = V0.tabulate_dof_coordinates()[:, 1]
    u = pb.U.x.array[pb.u_dofs]
    psi = pb.U.x.array[pb.psi_dofs]
    c_exact = p.c0 * (1.0 - fraction * (1.0 - y / L))
    c = np.exp(u) * p.c0
    psi_exact = np.log(c_exact / p.c0)  # (phi - phi(L)) / V_T
    # L2 errors (relative) through quadrature of the interpolated exact solution
    x = ufl.SpatialCoordinate(m)
    u_h, psi_h = ufl.split(pb.U)
    c_ex_ufl = 1.0 - fraction * (1.0 - x[1] / L)
    e_c = _l2(m, ufl.exp(u_h) - c_ex_ufl) / _l2(m, c_ex_ufl)
    e_psi = _l2(m, psi_h - ufl.ln(c_ex_ufl)) / _l2(m, ufl.ln(c_ex_ufl))
    return {
        "i_lim": i_lim,
        "current": -pb.electrode_current(),
        "cell_potential": pb.cell_potential,
        "err_c_nodal": _max(np.abs(c - c_exact)) / p.c0,
        "err_psi_nodal": _max(np.abs(psi - psi_exact)),
        "err_c_L2": e_c,
        "err_psi_L2": e_psi,
        "newton": rep.iterations,
    }


def _l2(m, expr) -> float:
    val = fem.assemble_scalar(fem.form(expr * expr * ufl.dx(domain=m, degree=6)))
    return math.sqrt(COMM.allreduce(val, op=MPI.SUM))


# ------------------------------------------------------------------------------------------------
def sand(ny: int = 200, c0: float = 100.0, current: float = 5.0) -> dict:
    """Benchmark (b): surface concentration under constant plating current vs the sqrt(t) law."""
    p = ModelParameters(c0=c0, current_density=current)
    D = electrolyte.salt_diffusivity(p.D_cation, p.D_anion)
    tp = p.transference_number
    tS = electrolyte.sand_time(p.D_cation, p.D_anion, p.c0, p.current_density)
    L = 10.0 * math.sqrt(D * tS)
    m, tags = strip_mesh(L / ny, L, 1, ny, grading="quadratic")
    pb = ElectroneutralProblem(m, tags, p)
    sim = Simulation(pb, BorderedNewton(pb), Stepsize(dt=tS * 1e-4, max_dt=tS / 200))
    sim.initialise()
    rows = []

    def record(info):
        cs = p.c0 - 2 * (1 - tp) * p.current_density * math.sqrt(info.t) / (
            FARADAY * math.sqrt(math.pi * D)
        )
        rows.append((info.t / tS, info.c_surface_min, cs))

    stopped, t_stop, message = False, None, ""
    try:
        sim.advance(2.0 * tS, record)
    except SandTimeReached as exc:
        stopped, t_stop, message = True, exc.time, str(exc)
    r = np.array(rows)
    sel = r[:, 0] <= 0.9
    err = np.abs(r[sel, 1] - r[sel, 2])
    return {
        "t_sand": tS,
        "stopped": float(stopped),
        "t_stop_over_tS": (t_stop or 0.0) / tS,
        "max_err_over_c0": float(np.max(err / p.c0)),
        "max_err_over_cs": float(np.max(err / r[sel, 2])),
        "steps": float(len(r)),
        "message_mentions_sand": float("Sand" in message),
    }


# ------------------------------------------------------------------------------------------------
def bv_uniform(current: float = 20.0, nx: int = 8) -> dict:
    """Benchmark (d): overpotential at uniform concentration, eta = 2 V_T asinh(i / 2 i0).

    A flat 2D cell, no concentration polarisation (steady state with a huge salt diffusivity
    would still polarise; instead the salt equation is frozen at c = c0 by the initialisation
    solve, which is exactly the uniform-concentration problem), and a thin electrolyte so the
    ohmic drop is known: phi_l(electrode) from the solution, eta = phi_s - phi_l.
    """
    p = ModelParameters(current_density=current)
    L, W = 1e-6, 2e-6
    m, tags = strip_mesh(W, L, nx, 4, "triangle")
    pb = ElectroneutralProblem(m, tags, p)
    sim = Simulation(pb, BorderedNewton(pb, rtol=1e-12, atol=1e-14))
    sim.initialise()  # u = ln(c0/c0) = 0 everywhere, psi and V consistent
    # overpotential at the electrode nodes (should be uniform on a flat electrode)
    V_T = pb.scales.thermal_voltage
    phi_s = -pb.cell_potential  # internal gauge: phi_l(top) = 0, phi_s = -V
    e_psi = _electrode_values(pb, pb.psi_dofs)
    eta = phi_s - V_T * e_psi
    eta_exact = butler_volmer.overpotential_uniform(-current, p.i0, V_T)
    return {
        "eta_exact": eta_exact,
        "eta_min": COMM.allreduce(float(np.min(eta, initial=np.inf)), op=MPI.MIN),
        "eta_max": COMM.allreduce(float(np.max(eta, initial=-np.inf)), op=MPI.MAX),
        "rel_err": _max(np.abs(eta - eta_exact)) / abs(eta_exact),
    }


def _electrode_values(pb, sub_dofs) -> np.ndarray:
    """Values of the sub-function with dofs ``sub_dofs`` at the electrode vertices."""
    import dolfinx.fem as dfem

    Vi, _ = pb.W.sub(1).collapse()
    facets = pb.facet_tags.find(pb.markers["electrode"])
    local = dfem.locate_dofs_topological(Vi, pb.mesh.topology.dim - 1, facets)
    return pb.U.x.array[sub_dofs[local]]


# ------------------------------------------------------------------------------------------------
def closed_cell(steps: int = 20, nx: int = 8, ny: int = 16) -> dict:
    """Benchmark (f): galvanostatic plating at the bottom, stripping at a top Li counter
    electrode: charge through the bottom equals the applied charge and equals the charge through
    the top; total salt is conserved (the anion is blocked at both electrodes)."""
    p = ModelParameters(current_density=50.0, counter="electrode")
    L, W = 5e-6, 2e-6
    m, tags = strip_mesh(W, L, nx, ny, "triangle")
    # roughen the bottom so the test is not 1D
    x = m.geometry.x
    x[:, 1] += 0.3e-6 * np.cos(2 * np.pi * x[:, 0] / W) * (1 - x[:, 1] / L)
    pb = ElectroneutralProblem(m, tags, p)
    sim = Simulation(pb, BorderedNewton(pb), Stepsize(dt=0.01, max_dt=0.5, adaptive=True))
    sim.initialise()
    top_current = []

    def record(info):
        top_current.append(pb.comm.allreduce(fem.assemble_scalar(_top_form(pb)), op=MPI.SUM))

    sim.advance(2.0, record)
    I_top = top_current[-1] * pb.scales.current_density
    I_bottom = pb.electrode_current()
    return {
        "charge_balance_error": sim.charge_balance_error(),
        "salt_change": abs(sim.salt_change()),
        "mass_balance_error": sim.mass_balance_error(),
        "top_vs_bottom": abs(I_top + I_bottom) / abs(I_bottom),
        "steps": float(sim.step),
    }


_TOP_FORMS: dict = {}


def _top_form(pb):
    key = id(pb)
    if key not in _TOP_FORMS:
        A_hat = pb.projected_area / pb.scales.length
        _TOP_FORMS[key] = fem.form(pb.i_hat_top / A_hat * pb.area_scale * pb.ds(pb.markers["top"]))
    return _TOP_FORMS[key]


STUDIES = {
    "steady_1d": steady_1d,
    "sand": sand,
    "bv_uniform": bv_uniform,
    "closed_cell": closed_cell,
}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
