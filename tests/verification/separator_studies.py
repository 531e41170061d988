"""Verification studies of separators, fixed charge (Donnan/TMS), Frumkin kinetics and sites.

Each study returns a dict of plain floats, identical (within solver tolerance) in serial and
under ``mpirun -n 2``. Run one directly (prints JSON on rank 0)::

    mpirun -n 2 python tests/verification/separator_studies.py donnan_layer
"""

from __future__ import annotations

import math

# isort: off
import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: on
import numpy as np
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.case.schema import nernst_einstein
from depsim.geometry import markers
from depsim.output import ElectrodeSampler
from depsim.physics import frumkin
from depsim.physics import separator as sep_physics
from depsim.physics.constants import FARADAY, thermal_voltage
from depsim.physics.sites import SiteSpec
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters, RegionProperties
from depsim.solver.postprocess import OutputFields, electrode_reaction_current
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.virtual import measure_separator, slab_mesh

COMM = MPI.COMM_WORLD
C0 = 2500.0
T = 298.15
V_T = thermal_voltage(T)


def _max(a) -> float:
    return COMM.allreduce(float(np.max(a, initial=-np.inf)), op=MPI.MAX)


def _min(a) -> float:
    return COMM.allreduce(float(np.min(a, initial=np.inf)), op=MPI.MIN)


def _rectangle(width, height, nx, ny, cell=dmesh.CellType.triangle):
    """[0,W] x [0,H] with facet tags electrode (y=0) 1, top (y=H) 2."""
    m = dmesh.create_rectangle(COMM, [[0.0, 0.0], [width, height]], [nx, ny], cell)
    m.topology.create_connectivity(1, 2)
    fb = dmesh.locate_entities_boundary(m, 1, lambda x: np.isclose(x[1], 0.0))
    ft = dmesh.locate_entities_boundary(m, 1, lambda x: np.isclose(x[1], height))
    idx = np.concatenate([fb, ft]).astype(np.int32)
    vals = np.concatenate([np.full(len(fb), 1, np.int32), np.full(len(ft), 2, np.int32)])
    o = np.argsort(idx)
    return m, dmesh.meshtags(m, 1, idx[o], vals[o])


# ------------------------------------------------------------------------------------------------
def nernst_einstein_slab(t_plus: float = 0.78, kappa: float = 0.092, n: int = 20) -> dict:
    """A uniform separator slab with Nernst–Einstein D+- from (t+, kappa) at c0: the virtual
    measurement gives kappa back from the ohmic drop and t+ from the steady concentration
    gradient (and from the Hittorf flux split)."""
    Dp, Dm = nernst_einstein(t_plus, kappa, C0, T)
    props = RegionProperties(Dp, Dm, porosity=0.78)
    m = measure_separator(props, C0, T, thickness=2e-6, n=n, current_fraction=0.2, comm=COMM)
    return {
        "kappa": m.conductivity,
        "t_plus_gradient": m.transference_number_gradient,
        "t_plus_hittorf": m.transference_number,
        "err_kappa": abs(m.conductivity / kappa - 1.0),
        "err_t_gradient": abs(m.transference_number_gradient / t_plus - 1.0),
        "err_t_hittorf": abs(m.transference_number / t_plus - 1.0),
    }


# ------------------------------------------------------------------------------------------------
def _tms_salt_profile(y, L, a, i, Dp_sep, Dp_el, X):
    """Analytic steady salt s(y) = sqrt(c+ c-) of a blocked-anion TMS slab: charged [0, a],
    uncharged [a, L], reservoir c0 at y = L, plating current i (module docstring of
    separator_studies / docs/separators.md):  2 D+ dG(s)/dy = i/F with
    G(s) = sqrt(s^2 + b^2) - b asinh(b/s) - b ln s,  b = X/2  (G' = c+/s)."""
    b = 0.5 * X

    def G(s):
        return np.sqrt(s * s + b * b) - b * np.arcsinh(b / s) - b * np.log(s)

    s_a = C0 - i * (L - a) / (2.0 * FARADAY * Dp_el)
    y = np.asarray(y, dtype=float)
    s = np.empty_like(y)
    top = y >= a
    s[top] = C0 - i * (L - y[top]) / (2.0 * FARADAY * Dp_el)
    target = G(s_a) - i * (a - y[~top]) / (2.0 * FARADAY * Dp_sep)
    lo = np.full(target.shape, 1e-6 * C0)
    hi = np.full(target.shape, s_a)
    for _ in range(200):  # bisection, G increasing
        mid = 0.5 * (lo + hi)
        below = G(mid) < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    s[~top] = 0.5 * (lo + hi)
    return s


def donnan_layer(
    x_over_c0: float = -1.9302285912054575, n: int = 40, current_fraction: float = 0.5
) -> dict:
    """Charged separator (PP-like D+-, fixed charge X) in [0, L/2] under free electrolyte (same
    D+-) in [L/2, L], reservoir c0 at L.

    (1) Equilibrium (zero current): pore concentrations and the Donnan potential against the
    ideal Donnan relations. (2) Steady plating current, anion blocked at the Li: the salt profile
    against the analytic TMS solution, and the Donnan jumps of c+ and phi at the interface.
    (3) Effective (Hittorf) t+ of the charged slab against the ideal-Donnan t+.
    """
    t_plus, kappa, eps = 0.39, 0.023, 0.5
    Dp, Dm = nernst_einstein(t_plus, kappa, C0, T)
    X = x_over_c0 * C0
    L, a = 2e-6, 1e-6
    W = L / n
    i_lim_el = FARADAY * (2 * Dp * Dm / (Dp + Dm)) * C0 / ((1 - t_plus) * L)
    i = current_fraction * i_lim_el
    sep = RegionProperties(Dp, Dm, porosity=eps, fixed_charge=X)
    p = ModelParameters(
        c0=C0,
        temperature=T,
        D_cation=Dp,
        D_anion=Dm,
        i0=50.0,
        kinetics="butler-volmer",
        current_density=0.0,
        length_scale=L,
        separator=sep,
        separator_fills_cell=False,
    )
    m, ftags = slab_mesh(L, n, COMM, width=W)
    tdim = m.topology.dim
    n_cells = m.topology.index_map(tdim).size_local + m.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    mid = dmesh.compute_midpoints(m, tdim, cells)
    values = np.where(mid[:, 1] < a, markers.SEPARATOR, markers.ELECTROLYTE).astype(np.int32)
    ctags = dmesh.meshtags(m, tdim, cells, values)
    pb = ElectroneutralProblem(m, ftags, p, projected_area=W, cell_tags=ctags)
    sim = Simulation(pb, BorderedNewton(pb, rtol=1e-12, atol=1e-14, max_it=50))

    # cell-wise (DG0-evaluated) c+, c- and phi at cell midpoints, by region
    Q = fem.functionspace(m, ("DG", 0))
    pts = Q.element.interpolation_points
    exprs = {
        "cp": fem.Expression(pb.c_plus_expr * C0, pts),
        "cm": fem.Expression(pb.c_minus_expr * C0, pts),
        "phi": fem.Expression(pb.psi_phys_expr * V_T, pts),
    }
    n_own = m.topology.index_map(tdim).size_local
    y_own = mid[:n_own, 1]
    in_sep = y_own < a

    def cellwise():
        out = {}
        for k, e in exprs.items():
            f = fem.Function(Q)
            f.interpolate(e)
            out[k] = f.x.array[Q.dofmap.list[:n_own, 0]].copy()
        return out

    # (1) equilibrium
    sim.initialise()
    cw = cellwise()
    cp_ex, cm_ex = sep_physics.donnan_concentrations(C0, X)
    phiD_ex = float(sep_physics.donnan_potential(X, C0, T))
    res = {
        "eq_err_cp": _max(np.abs(cw["cp"][in_sep] / cp_ex - 1.0)),
        "eq_err_cm": _max(np.abs(cw["cm"][in_sep] / cm_ex - 1.0)),
        "eq_err_product": _max(np.abs(cw["cp"][in_sep] * cw["cm"][in_sep] / C0**2 - 1.0)),
        "eq_err_electrolyte": _max(np.abs(cw["cp"][~in_sep] / C0 - 1.0)),
        "donnan_potential": _max(cw["phi"][in_sep]) - _max(cw["phi"][~in_sep]),
        "donnan_potential_exact": phiD_ex,
    }
    res["eq_err_potential"] = abs(res["donnan_potential"] / phiD_ex - 1.0)

    # (2) steady state under current
    pb.i_app_hat.value = i / pb.scales.current_density
    sim.solve_steady()
    V0, _ = pb.W.sub(0).collapse()
    y_nodes = V0.tabulate_dof_coordinates()[:, 1]
    s_h = C0 * np.exp(pb.U.x.array[pb.u_dofs])
    s_ex = _tms_salt_profile(y_nodes, L, a, i, Dp, Dp, X)
    res["tms_err_salt"] = _max(np.abs(s_h / s_ex - 1.0))
    # anion at rest: u - chi = 0 everywhere
    res["tms_anion_rest"] = _max(np.abs(pb.U.x.array[pb.u_dofs] - pb.U.x.array[pb.psi_dofs]))
    # Donnan jumps at the interface y = a: one-sided limits of c+ and phi, evaluated per cell
    # at the cell's vertices (DG1 interpolation of the cell-wise expressions)
    Q1 = fem.functionspace(m, ("DG", 1))
    y1 = Q1.tabulate_dof_coordinates()[:, 1]
    cell_of_dof = np.empty(len(y1), dtype=np.int32)
    dl = Q1.dofmap.list
    cell_of_dof[dl.ravel()] = np.repeat(np.arange(dl.shape[0]), dl.shape[1])
    on_a = np.isclose(y1, a, rtol=0.0, atol=1e-6 * L / n)
    sep_side = on_a & (mid[cell_of_dof, 1] < a)
    free_side = on_a & (mid[cell_of_dof, 1] > a)
    side = {}
    for key, expr in (("cp", pb.c_plus_expr * C0), ("phi", pb.psi_phys_expr * V_T)):
        f = fem.Function(Q1)
        f.interpolate(fem.Expression(expr, Q1.element.interpolation_points))
        side[key] = (_max(f.x.array[sep_side]), _max(f.x.array[free_side]))
    s_a = _tms_salt_profile(np.array([a]), L, a, i, Dp, Dp, X)[0]
    cp_a, _ = sep_physics.donnan_concentrations(s_a, X)
    res["interface_salt"] = side["cp"][1]
    res["interface_salt_exact"] = s_a
    res["jump_ratio"] = side["cp"][0] / side["cp"][1]
    res["jump_ratio_exact"] = cp_a / s_a
    res["err_jump_ratio"] = abs(res["jump_ratio"] / res["jump_ratio_exact"] - 1.0)
    res["jump_phi"] = side["phi"][0] - side["phi"][1]
    res["jump_phi_exact"] = float(sep_physics.donnan_potential(X, s_a, T))
    res["err_jump_phi"] = abs(res["jump_phi"] / res["jump_phi_exact"] - 1.0)
    res["current"] = -pb.electrode_current()
    res["current_applied"] = i
    # cell potential: Butler–Volmer at the Li with the pore c+ and phi_l of the analytic profile
    s0 = _tms_salt_profile(np.array([0.0]), L, a, i, Dp, Dp, X)[0]
    cp0, _ = sep_physics.donnan_concentrations(s0, X)
    phi_l0 = V_T * (math.log(s0 / C0) + math.asinh(X / (2.0 * s0)))  # chi = u at steady state
    q, r = i / p.i0, cp0 / C0  # exp(eta/2V_T) = y solves y - r/y = -q (alpha = 1/2, plating)
    eta = 2.0 * V_T * math.log(0.5 * (-q + math.sqrt(q * q + 4.0 * r)))
    res["cell_potential"] = pb.cell_potential
    res["cell_potential_exact"] = -(eta + phi_l0)
    res["err_cell_potential"] = abs(pb.cell_potential / res["cell_potential_exact"] - 1.0)

    # (3) effective t+ of the charged material
    meas = measure_separator(sep, C0, T, thickness=1e-6, n=10, steady=False, comm=COMM)
    t_donnan = sep_physics.donnan_transference_number(Dp, Dm, C0, X)
    res["t_plus_uncharged"] = t_plus
    res["t_plus_effective"] = meas.transference_number
    res["t_plus_donnan"] = t_donnan
    res["err_t_plus"] = abs(meas.transference_number / t_donnan - 1.0)
    res["kappa_effective"] = meas.conductivity
    res["err_kappa"] = abs(meas.conductivity / sep.conductivity(C0, T) - 1.0)
    res["x_for_t078_over_c0"] = sep_physics.fixed_charge_for_transference(0.78, Dp, Dm, C0) / C0
    return res


# ------------------------------------------------------------------------------------------------
def _flat_cell(params, width, height, nx, ny):
    m, tags = _rectangle(width, height, nx, ny)
    return ElectroneutralProblem(m, tags, params, projected_area=width)


def frumkin_uniform(sigma: float = -0.05, i_over_i0: float = 1e-3) -> dict:
    """Flat electrode with uniform sites of charge sigma: the exchange-current factor measured from
    the simulated overpotential (uniform concentration) against exp(-alpha_a psi_d/V_T)."""
    i0 = 6.4
    f_ex = float(frumkin.exchange_current_factor(sigma, C0, 20.0, T, 0.5))
    out = {"factor_exact": f_ex}
    for label, frac in (("small", i_over_i0), ("large", 2.0)):
        i = frac * i0
        p = ModelParameters(
            c0=C0,
            temperature=T,
            i0=i0,
            kinetics="frumkin",
            current_density=i,
            sites=(SiteSpec("uniform", sigma, "uniform"),),
            relative_permittivity=20.0,
        )
        pb = _flat_cell(p, 2e-6, 1e-6, 4, 2)
        sim = Simulation(pb, BorderedNewton(pb, rtol=1e-13, atol=1e-15))
        sim.initialise()  # c = c0 frozen: the uniform-concentration problem
        psi_e = _electrode_values(pb, pb.psi_dofs)
        eta = -pb.cell_potential - V_T * psi_e  # phi_s - phi_l, phi_s = -V internally
        eta_mean = COMM.allreduce(float(eta.sum()), op=MPI.SUM) / COMM.allreduce(
            len(eta), op=MPI.SUM
        )
        # exact inversion of symmetric BV at c = c_ref: i = 2 i0 f sinh(|eta|/2V_T)
        f_asinh = i / (2.0 * i0 * math.sinh(abs(eta_mean) / (2.0 * V_T)))
        out[f"factor_{label}_asinh"] = f_asinh
        out[f"err_{label}_asinh"] = abs(f_asinh / f_ex - 1.0)
        if label == "small":
            f_lin = V_T * i / (i0 * abs(eta_mean))  # linear response
            out["factor_small_linear"] = f_lin
            out["err_small_linear"] = abs(f_lin / f_ex - 1.0)
        out[f"eta_spread_{label}"] = _max(eta) - _min(eta)
    return out


def _electrode_values(pb, sub_dofs) -> np.ndarray:
    Vi, _ = pb.W.sub(1).collapse()
    facets = pb.facet_tags.find(pb.markers["electrode"])
    local = fem.locate_dofs_topological(Vi, pb.mesh.topology.dim - 1, facets)
    return pb.U.x.array[sub_dofs[local]]


# ------------------------------------------------------------------------------------------------
def patterned_sites(nx: int = 64, ny: int = 16, current: float = 20.0) -> dict:
    """Flat electrode with alternating N1 (sigma < 0) and N2 (sigma > 0) stripes, period 2 um,
    steady galvanostatic plating: the local current follows the pattern and its mean equals the
    applied current."""
    W, H, period = 4e-6, 2e-6, 2e-6
    sites = (
        SiteSpec("N1", -0.05, "periodic", period=period, fraction=0.5, offset=0.0),
        SiteSpec("N2", +0.05, "periodic", period=period, fraction=0.5, offset=0.5 * period),
    )
    p = ModelParameters(
        c0=C0,
        temperature=T,
        i0=6.4,
        kinetics="frumkin",
        current_density=current,
        sites=sites,
        relative_permittivity=20.0,
        length_scale=1e-6,
    )
    pb = _flat_cell(p, W, H, nx, ny)
    sim = Simulation(pb, BorderedNewton(pb, rtol=1e-12, atol=1e-14, max_it=40))
    sim.initialise()
    sim.solve_steady()
    fields = OutputFields(pb, ("c_cation", "c_anion", "phi"))
    fields.update()
    sampler = ElectrodeSampler(pb.mesh, pb.facet_tags, 1)
    s = sampler.sample({**fields.functions, "i0_factor": pb.i0_factor})
    res = {"current_solver": -pb.electrode_current(), "current_applied": current}
    if COMM.rank == 0:
        i_n = -electrode_reaction_current(pb, s)  # plating positive
        x, w = s["x"], s["weight"]
        phase = np.mod(x, period) / period
        n1 = (phase > 0.1) & (phase < 0.4)  # well inside the N1 stripes
        n2 = (phase > 0.6) & (phase < 0.9)
        mean = float(np.sum(i_n * w) / np.sum(w))
        res.update(
            i_mean_sampled=mean,
            i_n1=float(np.mean(i_n[n1])),
            i_n2=float(np.mean(i_n[n2])),
            i_max=float(np.max(i_n)),
            i_min=float(np.min(i_n)),
            factor_ratio=float(
                frumkin.exchange_current_factor(-0.05, C0, 20.0, T, 0.5)
                / frumkin.exchange_current_factor(0.05, C0, 20.0, T, 0.5)
            ),
        )
    res = COMM.bcast(res, root=0)
    res["err_mean_solver"] = abs(res["current_solver"] / current - 1.0)
    res["err_mean_sampled"] = abs(res["i_mean_sampled"] / current - 1.0)
    return res


STUDIES = {
    "nernst_einstein_slab": nernst_einstein_slab,
    "donnan_layer": donnan_layer,
    "frumkin_uniform": frumkin_uniform,
    "patterned_sites": patterned_sites,
}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
