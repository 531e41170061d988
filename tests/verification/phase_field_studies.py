"""Verification studies of the phase-field growth model (docs/phase-field.md).

Each study returns a dict of plain floats. Run one directly (prints ``RESULT {json}`` on
rank 0)::

    python tests/verification/phase_field_studies.py growth_rate '{"count": 1}'
"""

from __future__ import annotations

import json
import math
import sys

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.deposition import linear_stability as ls
from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME
from depsim.physics.phase_field import TANGENTIAL_DAMPING, PhaseFieldParameters
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD


def graded_rows(h_fine: float, band: float, height: float, h_coarse: float) -> np.ndarray:
    """Row heights [m]: spacing h_fine on [0, band], then growing by 10 % a row up to
    h_coarse, to ``height``."""
    ys = list(np.arange(0.0, band + 0.5 * h_fine, h_fine))
    h = h_fine
    while ys[-1] < height:
        h = min(1.1 * h, h_coarse)
        ys.append(ys[-1] + h)
    ys = np.array(ys)
    ys[-1] = height  # the last row takes the rest (the fine rows stay multiples of h_fine)
    if ys[-1] - ys[-2] < 0.5 * h:
        ys = np.delete(ys, -2)
    return ys


def strip(width: float, rows: np.ndarray, nx: int, comm=COMM):
    """Quadrilaterals on [0, width] x [0, rows[-1]] with the given row heights; facet tags:
    bottom 1 (the Li's current collector: a wall under the phase field), top 2 (reservoir)."""
    ny = len(rows) - 1
    m = dmesh.create_rectangle(
        comm, [[0.0, 0.0], [1.0, 1.0]], [nx, ny], dmesh.CellType.quadrilateral
    )
    x = m.geometry.x
    x[:, 0] *= width
    x[:, 1] = np.interp(x[:, 1] * ny, np.arange(ny + 1), rows)
    height = float(rows[-1])
    m.topology.create_connectivity(1, 2)
    fb = dmesh.locate_entities_boundary(m, 1, lambda p: np.isclose(p[1], 0.0))
    ft = dmesh.locate_entities_boundary(m, 1, lambda p: np.isclose(p[1], height))
    idx = np.concatenate([fb, ft]).astype(np.int32)
    vals = np.concatenate([np.full(len(fb), 1, np.int32), np.full(len(ft), 2, np.int32)])
    o = np.argsort(idx)
    return m, dmesh.meshtags(m, 1, idx[o], vals[o])


def make_run(width, rows, nx, params, dt, max_dt, rtol=1e-8, atol=1e-7, adaptive=True, comm=COMM):
    """(problem, simulation) of a phase-field cell."""
    m, tags = strip(width, rows, nx, comm)
    pb = ElectroneutralProblem(m, tags, params, projected_area=width)
    newton = BorderedNewton(pb, rtol=rtol, atol=atol, max_it=25)
    ss = Stepsize(dt=dt, max_dt=max_dt, min_dt=1e-6, adaptive=adaptive)
    return pb, Simulation(pb, newton, ss)


def deposit_height(pb) -> float:
    """int xi dx / width [m]: the mean Li height above the mesh bottom."""
    form = pb.phase.deposit_form(pb)
    return pb._assemble(form) * pb.scales.length**2 / pb.projected_area


def crossing_height(pb) -> float:
    """The height [m] where xi crosses 1/2 along the nodes of the column x = 0 (linear)."""
    V, dofs = pb.W.sub(pb.phase.index).collapse()
    dofs = np.asarray(dofs).reshape(-1)
    n = V.dofmap.index_map.size_local
    X = V.tabulate_dof_coordinates()[:n]
    xi = pb.U.x.array[dofs][:n]
    on = np.isclose(X[:, 0], 0.0)
    y = np.concatenate(COMM.allgather(X[on, 1]))
    v = np.concatenate(COMM.allgather(xi[on]))
    o = np.argsort(y)
    y, v = y[o], v[o]
    i = int(np.argmax(v < 0.5))  # the first node above the surface (xi decreases upwards)
    return float(y[i - 1] + (v[i - 1] - 0.5) / (v[i - 1] - v[i]) * (y[i] - y[i - 1]))


def cosine_amplitude(pb, k: float) -> float:
    """(2 / L_x) int int xi cos(k x) dx dy [m]: the first cosine coefficient of the Li
    surface h(x) on a cell of width L_x (int xi dy = h(x) + const)."""
    x = ufl.SpatialCoordinate(pb.mesh)
    form = fem.form(pb.phase.xi * ufl.cos(k * x[0]) * ufl.dx)
    local = fem.assemble_scalar(form)
    return 2.0 / pb.projected_area * COMM.allreduce(local, op=MPI.SUM)


# --- studies -------------------------------------------------------------------------------------
def rest(
    offset: float = 0.0,
    c_ref: float = 2500.0,
    steps: int = 1000,
    width: float = 0.2e-6,
    settle: float = 40.0,
    per_width: float = 4.0,
):
    """A flat Li at rest (potentiostatic at its equilibrium potential with c0, Nernst: c_ref
    != c0 shifts it): after ``settle`` s (the interpolated profile relaxing to the discrete
    equilibrium, > 10 restoring times) ``steps`` steps of 1 s; ``offset`` places the surface
    off the mesh rows (a fraction of a row). Returns the surface's relaxation and drift in
    interface widths and the current."""
    h = width / per_width
    rows = graded_rows(h, 3e-6, 10e-6, 1e-6)
    # M from 20 A/m^2 (0.15 / s at w = 0.2 um): the run spans M t ~ 200 restoring times
    pf = PhaseFieldParameters(
        width=width, initial_height=1.0e-6 + offset * h, reference_current=20.0
    )
    p = ModelParameters(
        mode="potentiostatic", potential=0.0, c_ref=c_ref, current_density=20.0, phase_field=pf
    )
    pb, sim = make_run(0.2e-6, rows, 1, p, 1.0, 1.0, adaptive=False)
    rate = float(pb.phase.M_hat.value) / pb.scales.time
    rest_potential = sim.rest_potential()
    sim.initialise(potential=rest_potential)
    h_start = deposit_height(pb)
    t_settle = round(settle / rate)
    sim.advance(t_settle)  # the interpolated profile relaxes to the discrete one
    h0, y0 = deposit_height(pb), crossing_height(pb)
    sim.advance(t_settle + float(steps))
    return {
        "crossing_drift_widths": (crossing_height(pb) - y0) / width,
        "relaxation_widths": (h0 - h_start) / width,
        "relaxation_time": 1.0 / rate,
        "drift_widths": (deposit_height(pb) - h0) / width,
        "current": pb.electrode_current(),
        "rest_potential": rest_potential,
        "steps": float(sim.step),
    }


def planar(
    current: float = 100.0,
    width: float = 0.2e-6,
    per_width: float = 4.0,
    t_end: float = 20.0,
    restoring: float = 2.0,
    form: str = "conservative",
) -> dict:
    """Planar plating at ``current`` [A/m^2] on a flat Li 1 um above the mesh bottom, interface
    width ``width`` resolved by ``per_width`` rows: the deposited height int xi dx / A against
    Faraday's V_m q / F, and the cell potential at t_end against the sharp-interface model on
    the electrolyte above the surface's final position (same mesh rows there)."""
    h = width / per_width
    band = 1e-6 + V_m_j(current) * t_end + 2e-6
    rows = graded_rows(h, band, 10e-6, 0.5e-6)
    pf = PhaseFieldParameters(
        width=width,
        initial_height=1.0e-6,
        restoring=restoring,
        conservative=form == "conservative",
    )
    p = ModelParameters(current_density=current, phase_field=pf)
    pb, sim = make_run(0.2e-6, rows, 1, p, 0.01, 1.0)
    sim.initialise()
    h0 = deposit_height(pb)
    sim.advance(t_end)
    dh = deposit_height(pb) - h0
    faraday = LI_MOLAR_VOLUME * sim.charge_passed / FARADAY
    return {
        "deposit": dh,
        "faraday": faraday,
        "faraday_rel_err": (dh - faraday) / faraday,
        "charge_balance": (sim.charge_passed - current * sim.t) / (current * sim.t),
        "cell_potential": pb.cell_potential,
        "surface": h0 + dh,
        "steps": float(sim.step),
    }


def V_m_j(current: float) -> float:
    """The sharp surface's speed V_m j / F [m/s] at ``current`` [A/m^2]."""
    return LI_MOLAR_VOLUME * current / FARADAY


def growth_rate(
    count: int = 1,
    width: float = 0.2e-6,
    per_width: float = 4.0,
    amplitude: float = 0.05e-6,
    current: float = 300.0,
    i0: float = 1.0e4,
    t1: float = 3.0,
    t2: float = 15.0,
    max_dt: float = 0.25,
    wavelength: float = 10e-6,
    damping: float = TANGENTIAL_DAMPING,
) -> dict:
    """A cosine perturbation a cos(k x) of a Li surface 1 um above the mesh bottom, 8 um below
    the reservoir, on a half wavelength (walls at the crests: the cosine's symmetry), plating
    at ``current``: its first cosine coefficient grows between t1 and t2 as
    :func:`depsim.deposition.linear_stability.amplification` says (the same cell as the ALE
    test of docs/deposition.md)."""
    lam = wavelength / count
    k = 2.0 * math.pi / lam
    h = width / per_width
    y_surface, H = 1.0e-6, 8.0e-6
    rows = graded_rows(h, y_surface + 1.0e-6, y_surface + H, 0.5e-6)
    nx = int(round(0.5 * lam / h))
    pf = PhaseFieldParameters(
        width=width,
        initial_height=y_surface,
        amplitude=amplitude,
        wavelength=lam,
        tangential_damping=damping,
    )
    p = ModelParameters(current_density=current, i0=i0, phase_field=pf)
    pb, sim = make_run(0.5 * lam, rows, nx, p, 0.01, max_dt)
    sim.initialise()
    rows_out = []

    def record(info):
        rows_out.append((info.t, cosine_amplitude(pb, k)))

    a0 = cosine_amplitude(pb, k)
    sim.advance(t2, record)
    ts = np.array([r[0] for r in rows_out])
    amps = np.array([r[1] for r in rows_out])
    a_t1 = float(np.interp(t1, ts, amps))
    sp = ls.StabilityParameters(current_density=current, height=H, i0=i0)
    theory = ls.amplification(k, sp, t1, t2)
    measured = float(amps[-1]) / a_t1
    s_meas = math.log(measured) / (t2 - t1)
    s_theory = math.log(theory) / (t2 - t1)
    return {
        "a0": a0,
        "amplification": measured,
        "amplification_theory": theory,
        "s_measured": s_meas,
        "s_theory": s_theory,
        "s_rel_err": abs(s_meas - s_theory) / abs(s_theory),
        "steps": float(sim.step),
        "dofs": float(pb.W.dofmap.index_map.size_global * 3),
    }


def planar_vs_ale(
    width: float = 0.2e-6, per_width: float = 4.0, current: float = 100.0, t_end: float = 20.0
) -> dict:
    """Planar plating on the same cell by the phase field and by the ALE model (the sharp,
    moving mesh boundary; docs/deposition.md): 8 um of electrolyte above a flat Li, the
    case's parameters for both. Returns both cell potentials and surface positions at t_end."""
    from deposition_studies import deposition_run, make_case

    case = make_case(
        geometry={"width": "1 um", "mesh": {"size": "0.25 um", "electrode_size": "0.02 um"}},
        operation={"current_density": current},
        time={"end": t_end, "dt": 0.01, "max_dt": 0.5},
    )
    b, pb_a, sim_a, surface = deposition_run(case)
    sim_a.initialise()
    sim_a.advance(t_end, lambda info: surface.after_step(info.dt), surface.before_step)
    h = width / per_width
    y0, H = 1.0e-6, case.geometry.height
    rows = graded_rows(h, y0 + V_m_j(current) * t_end + 1.0e-6, y0 + H, 0.25e-6)
    pf = PhaseFieldParameters(width=width, initial_height=y0)
    p = ModelParameters.from_case(case, mesh_has_separator=False).with_(phase_field=pf)
    pb, sim = make_run(0.2e-6, rows, 1, p, 0.01, 0.5)
    sim.initialise()
    h0 = deposit_height(pb)
    sim.advance(t_end)
    return {
        "cell_potential_pf": pb.cell_potential,
        "cell_potential_ale": pb_a.cell_potential,
        "potential_difference": pb.cell_potential - pb_a.cell_potential,
        "advance_pf": deposit_height(pb) - h0,
        "advance_faraday": V_m_j(current) * t_end,
    }


def anisotropy(
    tilt: float,
    strength: float = 0.3,
    mode: int = 4,
    angle: float = 0.0,
    width: float = 0.2e-6,
    per_width: float = 8.0,
) -> dict:
    """The model's rate factor a(n) averaged over the diffuse surface of a flat Li tilted by
    ``tilt`` [rad] from the x axis (its normal from the y axis): int a delta dx / int delta dx
    against 1 + eps cos(m (tilt - theta_0)) of (3) (exact for the sharp plane)."""
    h = width / per_width
    side = 2.0e-6
    rows = np.linspace(0.0, side, int(round(side / h)) + 1)
    y0 = 0.5 * side
    pf = PhaseFieldParameters(
        width=width,
        initial_height=y0,
        anisotropy=strength,
        anisotropy_mode=mode,
        anisotropy_angle=angle,
        surface=lambda x: y0 - (x[0] - 0.5 * side) * math.tan(tilt),
    )
    p = ModelParameters(current_density=10.0, phase_field=pf)
    pb, _ = make_run(side, rows, len(rows) - 1, p, 0.01, 1.0)
    pb.phase.set_initial(pb)
    x = ufl.SpatialCoordinate(pb.mesh)
    # the middle of the cell (the tilted plane leaves the square near its corners)
    inside = ufl.conditional(ufl.lt(abs(x[0] - 0.5 * side), 0.25 * side), 1.0, 0.0)
    delta = pb.phase.delta * inside
    num = fem.assemble_scalar(fem.form(pb.phase.rate_factor * delta * ufl.dx))
    den = fem.assemble_scalar(fem.form(delta * ufl.dx))
    num, den = COMM.allreduce(num, op=MPI.SUM), COMM.allreduce(den, op=MPI.SUM)
    exact = 1.0 + strength * math.cos(mode * (tilt - angle))
    return {"factor": num / den, "exact": exact, "error": num / den - exact}


STUDIES = {
    "anisotropy": anisotropy,
    "rest": rest,
    "planar": planar,
    "planar_vs_ale": planar_vs_ale,
    "growth_rate": growth_rate,
}

if __name__ == "__main__":
    kwargs = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result = STUDIES[sys.argv[1]](**kwargs)
    if COMM.rank == 0:
        print("RESULT " + json.dumps(result))
