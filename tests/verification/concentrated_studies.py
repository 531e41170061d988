"""Verification computations of the concentrated (Newman) electrolyte (docs/model.md §2b),
shared by the serial tests and the ``mpirun -n 2`` runs (``python concentrated_studies.py NAME``).

The references are exact for steady 1D cells with concentration-dependent properties. With the
anion blocked at the Li (N- = 0) and the plating current density I (N+ = -I/F along y, the Li at
y = 0), N- = N+ - i/F = 0 and N+ = -D dc/dy + t0 i/F give the Kirchhoff transform

    G(c) = int_0^c D(c') / (1 - t0(c')) dc',      dG/dy = I / F,

so G(c(y)) = G(c(L)) - (I/F)(L - y) against a reservoir at c(L) = c0, and, in a closed cell,
G(c(y)) = G(c(0)) + (I/F) y with c(0) set by the salt content (mean c = c0). The potential of a
Li reference follows from i = -I = -kappa dPhi/dy + 2 kappa V_T (1 - t0) TDF d ln c/dy:
dPhi/dy = I / kappa + 2 V_T (1 - t0) TDF d ln c / dy, integrated with scipy's quad.
"""

from __future__ import annotations

import math

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
from mpi4py import MPI
from scipy.integrate import quad
from scipy.optimize import brentq

from depsim.errors import SandTimeReached
from depsim.physics import concentrated as newman
from depsim.physics import electrolyte
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.physics.electrolyte_library import Electrolyte, constant, get_electrolyte
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD
C0, T = 1000.0, 298.15
INF = float("inf")


def synthetic() -> Electrolyte:
    """Smooth concentration-dependent properties (ASSUMED, for verification only): every
    property varies by tens of percent over 0 < c < 2 c0."""
    return Electrolyte(
        "synthetic",
        "verification",
        (0.0, INF),
        (0.0, INF),
        conductivity=lambda c, T: (
            1.0 * (c / C0) * (1.0 + 0.3 * (c / C0)) / (1.0 + 0.5 * (c / C0) ** 2)
        ),
        diffusivity=lambda c, T: 3.0e-10 * (1.2 - 0.4 * (c / C0) + 0.1 * (c / C0) ** 2),
        transference_number=lambda c, T: 0.25 + 0.1 * (c / C0),
        thermodynamic_factor=lambda c, T: 1.0 + 1.2 * (c / C0),
    )


def constant_properties(tdf: float = 2.0) -> Electrolyte:
    """Constant kappa 1 S/m, D 3e-10 m^2/s, t0 0.35 and thermodynamic factor ``tdf``
    (ASSUMED, for the closed forms)."""
    return Electrolyte(
        "constant",
        "verification",
        (0.0, INF),
        (0.0, INF),
        conductivity=constant(1.0),
        diffusivity=constant(3.0e-10),
        transference_number=constant(0.35),
        thermodynamic_factor=constant(tdf),
    )


def _properties(name: str) -> Electrolyte:
    if name == "synthetic":
        return synthetic()
    if name.startswith("constant"):
        return constant_properties(float(name.split(":")[1]) if ":" in name else 2.0)
    return get_electrolyte(name)


def _params(props: Electrolyte, **kw) -> ModelParameters:
    t0 = props.transference_number(C0, T)
    base = props.conductivity(C0, T) * GAS_CONSTANT * T / (FARADAY**2 * C0)
    return ModelParameters(
        c0=C0,
        temperature=T,
        D_cation=t0 * base,
        D_anion=(1.0 - t0) * base,
        i0=100.0,
        electrolyte_model="concentrated",
        electrolyte_properties=props,
        **kw,
    )


def _strip(L: float, ny: int):
    from studies import strip_mesh

    return strip_mesh(L / 10.0, L, 1, ny, "quadrilateral", comm=COMM)


def _kirchhoff(props: Electrolyte):
    def G(c):
        return quad(
            lambda s: props.diffusivity(s, T) / (1.0 - props.transference_number(s, T)),
            0.0,
            c,
            epsabs=0.0,
            epsrel=1e-13,
            limit=200,
        )[0]

    return G


def _potential(props: Electrolyte, c_of_y, current: float, y: float, y_ref: float) -> float:
    """Phi(y) - Phi(y_ref) / V_T of the Li-reference potential (module docstring)."""
    V_T = GAS_CONSTANT * T / FARADAY

    def dphi(s):
        c = c_of_y(s)
        # d ln c / dy from the Kirchhoff ODE: dc/dy = (I/F) (1 - t0) / D
        t0 = props.transference_number(c, T)
        dlnc = (current / FARADAY) * (1.0 - t0) / props.diffusivity(c, T) / c
        tdf = props.thermodynamic_factor(c, T)
        return current / props.conductivity(c, T) / V_T + 2.0 * (1.0 - t0) * tdf * dlnc

    return -quad(dphi, y, y_ref, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def _nodal(pb):
    V0, _ = pb.W.sub(0).collapse()
    y = V0.tabulate_dof_coordinates()[:, 1]
    return y, pb.U.x.array[pb.u_dofs], pb.U.x.array[pb.psi_dofs]


def _max(a) -> float:
    return COMM.allreduce(float(np.max(a, initial=0.0)), op=MPI.MAX)


# ------------------------------------------------------------------------------------------------
def reservoir_1d(fraction: float = 0.8, ny: int = 400, name: str = "synthetic") -> dict:
    """Steady plating against a reservoir at i = fraction * i_lim (Kirchhoff's limiting current
    of the concentration-dependent D and t0): nodal c and Li-reference potential vs the exact
    Kirchhoff profile."""
    L = 10e-6
    props = _properties(name)
    i_lim = newman.limiting_current_kirchhoff(
        props.diffusivity, props.transference_number, C0, L, T
    )
    current = fraction * i_lim
    p = _params(props, current_density=current)
    m, tags = _strip(L, ny)
    pb = ElectroneutralProblem(m, tags, p)
    sim = Simulation(pb, BorderedNewton(pb, max_it=60))
    sim.initialise()
    rep = sim.solve_steady()
    y, u, chi = _nodal(pb)
    G = _kirchhoff(props)
    G0 = G(C0)

    def c_of_y(s):
        target = G0 - (current / FARADAY) * (L - s)
        return brentq(lambda c: G(c) - target, 1e-9 * C0, C0 * (1 + 1e-12), xtol=1e-14 * C0)

    c_ex = np.array([c_of_y(s) for s in y])
    Phi_ex = np.array([_potential(props, c_of_y, current, s, L) for s in y])
    c = C0 * np.exp(u)
    Phi = chi + u  # Phi / V_T (module docstring of depsim.physics.concentrated)
    bottom = y <= 1e-12 * L
    Phi_0 = COMM.allreduce(float(Phi[bottom][0]) if bottom.any() else -INF, op=MPI.MAX)
    c_0 = COMM.allreduce(float(c[bottom][0]) if bottom.any() else -INF, op=MPI.MAX)
    return {
        "Phi_electrode_V": -Phi_0 * GAS_CONSTANT * T / FARADAY,  # Phi(L) - Phi(0) [V]
        "c_electrode": c_0,
        "i_lim": i_lim,
        "current": -pb.electrode_current(),
        "c_surface_over_c0": float(COMM.allreduce(float(np.min(c, initial=INF)), op=MPI.MIN)) / C0,
        "err_c": _max(np.abs(c - c_ex)) / C0,
        "err_phi": _max(np.abs(Phi - Phi_ex)) / max(_max(np.abs(Phi_ex)), 1e-300),
        "newton": float(rep.iterations),
    }


def dilute_limit(ny: int = 40) -> dict:
    """The same steady cell in the dilute model and in the concentrated model with the dilute
    equivalent properties (kappa = F^2 c (D+ + D-)/RT, ...): the fields agree to round-off."""
    L = 10e-6
    p_dil = ModelParameters(c0=C0, temperature=T, i0=100.0)
    props = Electrolyte(
        "dilute",
        "equivalent",
        (0.0, INF),
        (0.0, INF),
        *newman.dilute_equivalent(p_dil.D_cation, p_dil.D_anion, T),
    )
    out = {}
    for label, p in (
        ("dilute", p_dil),
        (
            "concentrated",
            p_dil.with_(electrolyte_model="concentrated", electrolyte_properties=props),
        ),
    ):
        i_lim = electrolyte.limiting_current(p_dil.D_cation, p_dil.D_anion, C0, L)
        p = p.with_(current_density=0.8 * i_lim)
        m, tags = _strip(L, ny)
        pb = ElectroneutralProblem(m, tags, p)
        sim = Simulation(pb, BorderedNewton(pb, max_it=60))
        sim.initialise()
        sim.solve_steady()
        out[label] = (pb.U.x.array.copy(), pb.cell_potential)
    du = _max(np.abs(out["dilute"][0] - out["concentrated"][0]))
    return {
        "max_field_difference": du,
        "cell_potential_difference": abs(out["dilute"][1] - out["concentrated"][1]),
        "cell_potential": out["dilute"][1],
    }


def closed_1d(fraction: float = 0.6, ny: int = 200, name: str = "synthetic") -> dict:
    """A symmetric Li|electrolyte|Li cell run to its steady state: nodal c vs the Kirchhoff
    profile whose mean is c0 (salt conserved)."""
    L = 10e-6
    props = _properties(name)
    G = _kirchhoff(props)
    i_lim = newman.limiting_current_kirchhoff(
        props.diffusivity, props.transference_number, C0, L, T
    )
    current = fraction * i_lim  # well below the closed cell's own limit (about 2 i_lim)
    p = _params(props, current_density=current, counter="electrode")
    m, tags = _strip(L, ny)
    pb = ElectroneutralProblem(m, tags, p)
    tau = L**2 / props.diffusivity(C0, T)
    sim = Simulation(
        pb, BorderedNewton(pb, max_it=40), Stepsize(dt=1e-3 * tau, max_dt=tau, adaptive=True)
    )
    sim.initialise()
    sim.advance(25.0 * tau, lambda info: None)

    def profile(c_bottom):
        g0 = G(c_bottom)
        return lambda s: brentq(
            lambda c: G(c) - (g0 + (current / FARADAY) * s), 1e-9 * C0, 3.0 * C0, xtol=1e-14 * C0
        )

    def mean_minus_c0(c_bottom):
        f = profile(c_bottom)
        return quad(f, 0.0, L, epsrel=1e-12, limit=200)[0] / L - C0

    c_b = brentq(mean_minus_c0, 1e-6 * C0, C0, xtol=1e-14 * C0)
    f = profile(c_b)
    y, u, _ = _nodal(pb)
    c_ex = np.array([f(s) for s in y])
    c = C0 * np.exp(u)
    return {
        "err_c": _max(np.abs(c - c_ex)) / C0,
        "c_bottom_over_c0": c_b / C0,
        "salt_change": abs(sim.salt_change()),
        "steps": float(sim.step),
    }


def sand(ny: int = 200, current: float = 200.0, tdf: float = 2.0) -> dict:
    """Constant plating current with constant properties and a thermodynamic factor: the
    surface concentration follows c0 - 2 (1 - t0) I sqrt(t) / (F sqrt(pi D)) and the run stops
    at Sand's time (the thermodynamic factor enters the potential only)."""
    props = constant_properties(tdf)
    D, t0 = props.diffusivity(C0, T), props.transference_number(C0, T)
    tS = newman.sand_time(D, t0, C0, current)
    L = 10.0 * math.sqrt(D * tS)
    from studies import strip_mesh

    m, tags = strip_mesh(L / ny, L, 1, ny, grading="quadratic", comm=COMM)
    pb = ElectroneutralProblem(m, tags, _params(props, current_density=current))
    sim = Simulation(pb, BorderedNewton(pb), Stepsize(dt=tS * 1e-4, max_dt=tS / 200))
    sim.initialise()
    rows = []

    def record(info):
        cs = C0 - 2 * (1 - t0) * current * math.sqrt(info.t) / (FARADAY * math.sqrt(math.pi * D))
        rows.append((info.t / tS, info.c_surface_min, cs))

    t_stop = None
    try:
        sim.advance(2.0 * tS, record)
    except SandTimeReached as exc:
        t_stop = exc.time
    r = np.array(rows)
    sel = r[:, 0] <= 0.9
    return {
        "t_sand": tS,
        "t_stop_over_tS": (t_stop or 0.0) / tS,
        "max_err_over_cs": float(np.max(np.abs(r[sel, 1] - r[sel, 2]) / r[sel, 2])),
    }


STUDIES = {
    "reservoir_1d": reservoir_1d,
    "dilute_limit": dilute_limit,
    "closed_1d": closed_1d,
    "sand": sand,
}

if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from study_cli import main

    main(STUDIES)
