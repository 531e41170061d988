"""Verification computations of the Poisson (PNP) mode, shared by the serial tests and the
`mpirun -n 2` runner. Each study returns a dict of plain floats. Run one directly (prints JSON on
rank 0)::

    mpirun -n 2 python tests/verification/poisson_studies.py gouy_chapman '{"degree": 1}'
"""

from __future__ import annotations

import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: split
import math

import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI

from depsim.geometry import debye as debye_mesh
from depsim.physics import electrolyte, nernst_planck, steric
from depsim.physics import poisson as pnp
from depsim.physics.constants import FARADAY, thermal_voltage
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters
from depsim.solver.poisson_problem import PoissonNernstPlanckProblem
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD
T = 298.15


def _max(a) -> float:
    return COMM.allreduce(float(np.max(a, initial=0.0)), op=MPI.MAX)


def _sum(v) -> float:
    return COMM.allreduce(float(v), op=MPI.SUM)


def _blocking_equilibrium(
    bundle, c0, degree, length, eps_r, atol=1e-14, resolution="raise", **charge
):
    """A PNP problem with a blocking electrode at zero potential (the charge given by
    ``surface_charge=`` or ``fixed_charge=``), its Newton solver and Simulation, initialised to
    Poisson-Boltzmann equilibrium. Returns (problem, newton, simulation, initialise report)."""
    p = ModelParameters(
        c0=c0, element_degree=degree, length_scale=length, mode="potentiostatic", potential=0.0
    )
    pb = PoissonNernstPlanckProblem(
        bundle.mesh,
        bundle.facet_tags,
        p,
        markers=bundle.markers,
        relative_permittivity=eps_r,
        electrode="blocking",
        resolution=resolution,
        **charge,
    )
    newton = BorderedNewton(pb, rtol=1e-12, atol=atol, max_it=40)
    sim = Simulation(pb, newton)
    return pb, newton, sim, sim.initialise()


def _y_values(pb, sub):
    """(y coordinates, values) of the dofs of sub-space ``sub`` (owned and ghost)."""
    Vi, _ = pb.W.sub(sub).collapse()
    y = Vi.tabulate_dof_coordinates()[:, 1]
    dofs = (pb.u_plus_dofs, pb.u_minus_dofs, pb.psi_dofs)[sub]
    return y, pb.U.x.array[dofs]


# ------------------------------------------------------------------------------------------------
def gouy_chapman(
    sigma: float = 5e-3,
    c0: float = 1.0,
    eps_r: float = 20.0,
    length_debye: float = 30.0,
    degree: int = 2,
    per_debye: float = 20.0,
) -> dict:
    """Benchmark (c): equilibrium double layer at a blocking wall (y = 0) with surface charge
    ``sigma`` [C/m^2], reservoir at y = L = ``length_debye`` lambda_D.

    The equilibrium is computed twice: by the Poisson–Boltzmann initialisation and then by the
    steady PNP equations (zero-flux wall) from it; the checks use the steady PNP state.
    """
    lam = electrolyte.debye_length(c0, eps_r, T)
    L = length_debye * lam
    bundle = debye_mesh.debye_strip(
        COMM,
        L,
        c0,
        eps_r,
        T,
        width=L / 10,
        nx=1,
        per_debye=per_debye,
        fine_debye=3.0,
        growth=1.15,
        h_max=lam / 2,
    )
    pb, newton, sim, rep_init = _blocking_equilibrium(  # Poisson–Boltzmann
        bundle, c0, degree, L, eps_r, atol=1e-13, surface_charge={"electrode": sigma}
    )
    V_T = pb.scales.thermal_voltage
    y, psi = _y_values(pb, 2)
    psi0_pb = COMM.allreduce(float(np.max(psi[np.isclose(y, 0.0)], initial=-np.inf)), op=MPI.MAX)
    pb.set_steady()
    rep = newton.solve()
    y, psi = _y_values(pb, 2)
    _, up = _y_values(pb, 0)
    _, um = _y_values(pb, 1)
    psi0 = COMM.allreduce(float(np.max(psi[np.isclose(y, 0.0)], initial=-np.inf)), op=MPI.MAX)
    psi0_exact = pnp.grahame_potential(sigma, c0, eps_r, T) / V_T
    profile = pnp.gouy_chapman_potential(y, psi0_exact * V_T, c0, eps_r, T) / V_T
    # equilibrium: Boltzmann distributions
    boltz = np.abs(up + psi).tolist() + np.abs(um - psi).tolist()
    charge = pb.space_charge() / (L / 10)  # per wall area
    return {
        "debye_length": lam,
        "psi0_exact_VT": psi0_exact,
        "psi0_VT": psi0,
        "psi0_rel_err": abs(psi0 - psi0_exact) / psi0_exact,
        "psi0_pb_rel_err": abs(psi0_pb - psi0_exact) / psi0_exact,
        "profile_max_err_over_psi0": _max(np.abs(psi - profile)) / psi0_exact,
        "charge_rel_err": abs(charge + sigma) / abs(sigma),
        "boltzmann_max": _max(np.array(boltz)),
        "cells": float(bundle.n_cells),
        "newton_init": float(rep_init.iterations),
        "newton_steady": float(rep.iterations),
    }


# ------------------------------------------------------------------------------------------------
def _mms_fields(x_hat, y_hat, kink: float):
    """Exact (u+, u-, psi) in scaled coordinates: zero on the top (y_hat = 1), zero normal
    derivatives on the bottom and the sides; ``kink`` b adds b k(y) to psi and -/+ b k(y) to u±
    with k = (y - 1/2)(1 - y) above y = 1/2 (a jump of grad psi . n, fluxes stay continuous)."""
    s = 1.0 - y_hat**2
    cx = ufl.cos(math.pi * x_hat)
    up = 0.3 * s * (1.0 + 0.5 * cx)
    um = -0.2 * s * (1.0 - 0.4 * cx)
    psi = 0.5 * s * (1.0 + 0.3 * cx)
    if kink:
        k = ufl.conditional(ufl.gt(y_hat, 0.5), (y_hat - 0.5) * (1.0 - y_hat), 0.0)
        up, um, psi = up - kink * k, um + kink * k, psi + kink * k
    return up, um, psi


def _mms_level(n: int, degree: int, kink: float, fixed: float, ion_size: float = 0.0) -> dict:
    H = 20e-9
    c0, eps_r = 1.0, 20.0
    nodes = np.linspace(0.0, H, n + 1)
    internal = {0.5 * H: 7} if kink else None
    bundle = debye_mesh.graded_rectangle(COMM, nodes, nodes, cell="triangle", internal=internal)
    p = ModelParameters(
        c0=c0, element_degree=degree, length_scale=H, mode="potentiostatic", potential=0.05, i0=1.0
    )
    kappa_hat = pnp.permittivity_hat(eps_r, c0, T, H)
    # sigma_hat = kappa_hat * (sum of the outward normal derivatives of psi) = -kappa_hat b / 2
    # [C/m^2]: sigma = F c0 L0 sigma_hat
    sigma = {7: FARADAY * c0 * H * (-0.5 * kappa_hat * kink)} if kink else {}
    pb = PoissonNernstPlanckProblem(
        bundle.mesh,
        bundle.facet_tags,
        p,
        markers=bundle.markers,
        relative_permittivity=eps_r,
        fixed_charge=fixed * c0 if fixed else None,
        surface_charge=sigma,
        resolution="off",
        ion_size=ion_size,
    )
    X = ufl.SpatialCoordinate(bundle.mesh)
    L0 = pb.L0
    xh, yh = X[0] / L0, X[1] / L0
    up_ex, um_ex, psi_ex = _mms_fields(xh, yh, kink)
    grad_hat = pb.grad_hat

    def div_hat(v):
        return L0 * ufl.div(v)

    # u± are log activities: c± = exp(u±) for dilute ions, Bikerman's closed form otherwise
    cp_ex, cm_ex = steric.concentrations(up_ex, um_ex, pb.packing, exp=ufl.exp)
    Np = nernst_planck.flux(pb.d_plus, cp_ex, up_ex + psi_ex, grad_hat)
    Nm = nernst_planck.flux(pb.d_minus, cm_ex, um_ex - psi_ex, grad_hat)
    rho = pnp.charge_density(cp_ex, cm_ex, pb.fixed_hat, pb.z_fixed)
    f_poisson = -div_hat(pb.kappa_hat * grad_hat(psi_ex)) - rho
    i_ex = pb.reaction_current(up_ex, psi_ex, pb.psi_s)
    qp, qm, w = pb.test_functions
    vs, as_ = pb.vol_scale, pb.area_scale
    ds_e = pb.ds(pb.markers["electrode"])
    pb.add_terms(
        cation=-div_hat(Np) * qp * vs * pb.dx + i_ex * qp * as_ * ds_e,
        anion=-div_hat(Nm) * qm * vs * pb.dx,
        poisson=-f_poisson * w * vs * pb.dx,
    )
    pb.set_uniform_state(1.0)
    pb.set_steady()
    newton = BorderedNewton(pb, rtol=1e-12, atol=1e-13, max_it=30)
    rep = newton.solve()
    up, um, psi = ufl.split(pb.U)
    dxq = ufl.dx(domain=bundle.mesh, metadata={"quadrature_degree": 2 * degree + 4})
    out = {"newton": float(rep.iterations)}
    for name, uh, ue in (("up", up, up_ex), ("um", um, um_ex), ("psi", psi, psi_ex)):
        e = uh - ue
        l2 = fem.assemble_scalar(fem.form(e * e * vs * dxq))
        h1 = fem.assemble_scalar(fem.form(ufl.inner(grad_hat(e), grad_hat(e)) * vs * dxq))
        out[f"L2_{name}"] = math.sqrt(_sum(l2))
        out[f"H1_{name}"] = math.sqrt(_sum(h1))
    newton.destroy()
    return out


def mms(
    degree: int = 1,
    levels=(8, 16, 32),
    kink: float = 0.0,
    fixed: float = 0.3,
    ion_size: float = 0.0,
) -> dict:
    """Benchmark (e) for the Poisson mode: manufactured steady solution with Butler–Volmer at
    the bottom Li, fixed charge X = ``fixed`` c0 and (``kink`` != 0) a surface charge on the
    internal facets y = H/2; ``ion_size`` [m] > 0 adds Bikerman's crowding term. Returns the
    errors per level and the observed orders between the
    last two levels (``order_L2_psi``, ...) and the first two (``order0_...``)."""
    res = [_mms_level(n, degree, kink, fixed, ion_size) for n in levels]
    out: dict[str, float] = {}
    for k, r in enumerate(res):
        for key, val in r.items():
            out[f"{key}_{levels[k]}"] = val
    for norm in ("L2", "H1"):
        for name in ("up", "um", "psi"):
            e = [r[f"{norm}_{name}"] for r in res]
            rates = [
                math.log(e[i] / e[i + 1]) / math.log(levels[i + 1] / levels[i])
                for i in range(len(e) - 1)
            ]
            out[f"order_{norm}_{name}"] = rates[-1]
            out[f"order0_{norm}_{name}"] = rates[0]
    return out


# ------------------------------------------------------------------------------------------------
def electroneutral_limit(
    fraction: float = 0.2,
    c0: float = 10.0,
    eps_r: float = 20.0,
    length: float = 1e-6,
    t_end_tau: float = 25.0,
    degree: int = 1,
) -> dict:
    """Transient PNP relaxation to the electroneutral limit: galvanostatic plating at
    ``fraction`` i_lim in a cell with lambda_D << L, from the Poisson–Boltzmann state at rest to
    t_end = ``t_end_tau`` tau (tau = 4 L^2 / (pi^2 D), the slowest diffusion mode). The final
    PNP state is compared with the electroneutral solver's steady state on the same mesh (and
    with the analytic linear profile) away from the double layer (y > 20 lambda_D)."""
    lam = electrolyte.debye_length(c0, eps_r, T)
    p0 = ModelParameters(c0=c0, element_degree=degree, length_scale=length)
    i_lim = electrolyte.limiting_current(p0.D_cation, p0.D_anion, c0, length)
    p = p0.with_(current_density=fraction * i_lim)
    bundle = debye_mesh.debye_strip(
        COMM, length, c0, eps_r, T, width=length / 20, nx=1, h_max=length / 50, growth=1.2
    )
    pb = PoissonNernstPlanckProblem(
        bundle.mesh,
        bundle.facet_tags,
        p,
        markers=bundle.markers,
        relative_permittivity=eps_r,
        resolution="raise",
    )
    D = electrolyte.salt_diffusivity(p.D_cation, p.D_anion)
    tau = 4.0 * length**2 / (math.pi**2 * D)
    t_end = t_end_tau * tau
    sim = Simulation(
        pb,
        # atol is relative to the residual scale (~1e-2 here): 1e-10 of it is ~1e-12, above the
        # round-off floor of the residual (~1e-14), so every step ends on the tolerance and the
        # step sequence does not depend on round-off (serial = parallel)
        BorderedNewton(pb, rtol=1e-10, atol=1e-10),
        Stepsize(dt=1e-3 * tau, max_dt=4.0 * tau, max_change=0.1),
    )
    sim.initialise()
    V_first = []
    sim.advance(t_end, lambda info: V_first.append(info.cell_potential) if not V_first else None)
    y, up = _y_values(pb, 0)
    _, um = _y_values(pb, 1)
    _, psi = _y_values(pb, 2)
    # electroneutral steady state on the same mesh
    en = ElectroneutralProblem(bundle.mesh, bundle.facet_tags, p, markers=bundle.markers)
    en_sim = Simulation(en, BorderedNewton(en, rtol=1e-10, atol=1e-12, max_it=60))
    en_sim.initialise()
    en_sim.solve_steady()
    u_en = en.U.x.array[en.u_dofs]
    psi_en = en.U.x.array[en.psi_dofs]
    bulk = y > 20.0 * lam
    c_exact = 1.0 - fraction * (1.0 - y / length)
    dc = np.concatenate(
        [np.abs(np.exp(up) - np.exp(u_en))[bulk], np.abs(np.exp(um) - np.exp(u_en))[bulk]]
    )
    return {
        "debye_over_L": lam / length,
        "i_over_ilim": fraction,
        "t_end_over_tau": t_end_tau,
        "steps": float(sim.step),
        "current_rel_err": abs(-pb.electrode_current() - p.current_density) / p.current_density,
        "bulk_c_max_diff": _max(dc),  # / c0
        "bulk_psi_max_diff": _max(np.abs(psi - psi_en)[bulk]),  # V_T
        "bulk_c_vs_exact": _max(np.abs(np.exp(up) - c_exact)[bulk]),
        "bulk_charge_max": _max(np.abs(np.exp(up) - np.exp(um))[bulk]),  # / c0
        "en_c_vs_exact": _max(np.abs(np.exp(u_en) - c_exact)),
        "cell_potential_pnp": pb.cell_potential,
        "cell_potential_en": en.cell_potential,
        "surface_c_plus": pb.surface_concentration_min() / c0,
        "surface_c_en": en.surface_concentration_min() / c0,
        "salt_balance_error": sim.mass_balance_error(),
        "charge_balance_error": sim.charge_balance_error(),
    }


# ------------------------------------------------------------------------------------------------
def frumkin_consistency(
    sigma: float = -2e-3,
    c0: float = 1.0,
    eps_r: float = 20.0,
    i0: float = 0.01,
    current: float = 1e-4,
    degree: int = 2,
) -> dict:
    """A charged Li surface (surface charge ``sigma`` on the electrode facets) at small plating
    current: the resolved diffuse layer changes the charge-transfer resistance by the Frumkin
    factor. Linearising Butler–Volmer about the equilibrium (c+_s = c0 exp(-psi_d),
    eta = -psi_d) gives di/deta = i0 exp(-alpha_a psi_d / V_T) (alpha_a + alpha_c = 1), so
    V(sigma = 0) / V(sigma) = exp(-alpha_a psi_d / V_T) with psi_d from Grahame, up to the
    (here tiny) ohmic and concentration parts of V."""
    lam = electrolyte.debye_length(c0, eps_r, T)
    L = 30.0 * lam
    bundle = debye_mesh.debye_strip(COMM, L, c0, eps_r, T, width=L / 10, h_max=lam / 2)
    out = {}
    for label, sig in (("charged", sigma), ("neutral", 0.0)):
        p = ModelParameters(
            c0=c0, element_degree=degree, length_scale=L, i0=i0, current_density=current
        )
        pb = PoissonNernstPlanckProblem(
            bundle.mesh,
            bundle.facet_tags,
            p,
            markers=bundle.markers,
            relative_permittivity=eps_r,
            surface_charge={"electrode": sig},
            resolution="raise",
        )
        sim = Simulation(pb, BorderedNewton(pb, rtol=1e-12, atol=1e-14, max_it=40))
        sim.initialise()
        sim.solve_steady()
        out[f"V_{label}"] = pb.cell_potential
        out[f"current_{label}"] = -pb.electrode_current()
    V_T = thermal_voltage(T)
    psi_d = pnp.grahame_potential(sigma, c0, eps_r, T) / V_T
    factor = math.exp(-0.5 * psi_d)
    measured = out["V_neutral"] / out["V_charged"]
    out.update(
        psi_d_VT=psi_d,
        frumkin_factor=factor,
        pnp_factor=measured,
        factor_rel_err=abs(measured - factor) / factor,
    )
    return out


# ------------------------------------------------------------------------------------------------
def donnan(fixed: float = 2.0, c0: float = 1.0, eps_r: float = 20.0, degree: int = 1) -> dict:
    """Equilibrium with a fixed charge X = ``fixed`` c0 (z_X = -1, a DG0 function) in the lower
    half of a strip, uncharged electrolyte and the reservoir above: deep in the charged region
    the ideal Donnan state c+ c- = c0^2, c+ - c- = X, psi = -ln(c+/c0)."""
    lam = electrolyte.debye_length(c0, eps_r, T)
    L = 60.0 * lam
    bundle = debye_mesh.debye_strip(
        COMM, L, c0, eps_r, T, width=L / 10, refine_at=(), internal={0.5 * L: 7}, h_max=lam / 2
    )
    V0 = fem.functionspace(bundle.mesh, ("DG", 0))
    X = fem.Function(V0)
    X.interpolate(lambda x: np.where(x[1] < 0.5 * L, fixed * c0, 0.0))
    pb, newton, sim, _ = _blocking_equilibrium(
        bundle, c0, degree, L, eps_r, resolution="off", fixed_charge=X
    )
    pb.set_steady()
    newton.solve()
    y, up = _y_values(pb, 0)
    _, um = _y_values(pb, 1)
    _, psi = _y_values(pb, 2)
    deep = y < 0.5 * L - 20 * lam
    cp_ex = 0.5 * fixed + math.sqrt(0.25 * fixed**2 + 1.0)
    return {
        "psi_donnan_VT": -math.log(cp_ex),
        "err_psi": _max(np.abs(psi[deep] + math.log(cp_ex))),
        "err_c_plus": _max(np.abs(np.exp(up[deep]) - cp_ex)) / cp_ex,
        "err_c_minus": _max(np.abs(np.exp(um[deep]) - 1.0 / cp_ex)) * cp_ex,
        "net_charge_over_fixed": pb.space_charge() / (FARADAY * fixed * c0 * 0.5 * L * L / 10),
    }


# ------------------------------------------------------------------------------------------------
def patterned_wall(
    sigma: float = 5e-3, c0: float = 1.0, eps_r: float = 20.0, degree: int = 2
) -> dict:
    """2D equilibrium at a blocking wall charged on x < W/2 only, on a rectangle graded in y
    (wall) and in x (the edge of the charged patch): far from the edge the 1D Gouy–Chapman layer
    (psi(0, 0) from Grahame) and the uncharged wall (psi(W, 0) ~ 0); the diffuse charge screens
    the patch, F int rho = -sigma W/2."""
    lam = electrolyte.debye_length(c0, eps_r, T)
    W, H = 30.0 * lam, 20.0 * lam
    bundle = debye_mesh.debye_rectangle(
        COMM, W, H, c0, eps_r, T, refine_x=(0.5 * W,), h_max=3.0 * lam, growth=1.3
    )
    V1 = fem.functionspace(bundle.mesh, ("Lagrange", 1))
    sig = fem.Function(V1)
    sig.interpolate(lambda x: np.where(x[0] <= 0.5 * W * (1 + 1e-12), sigma, 0.0))
    pb, newton, sim, _ = _blocking_equilibrium(
        bundle, c0, degree, H, eps_r, surface_charge={"electrode": sig}
    )
    pb.set_steady()
    newton.solve()
    V, _ = pb.W.sub(2).collapse()
    xy = V.tabulate_dof_coordinates()
    psi = pb.U.x.array[pb.psi_dofs]
    V_T = pb.scales.thermal_voltage
    psi0_exact = pnp.grahame_potential(sigma, c0, eps_r, T) / V_T

    def at(x0, y0):
        sel = np.isclose(xy[:, 0], x0) & np.isclose(xy[:, 1], y0)
        return COMM.allreduce(float(np.max(psi[sel], initial=-np.inf)), op=MPI.MAX)

    # the P1 sigma ramps over one element at the edge: the total is the integral of sig
    s_tot = _sum(fem.assemble_scalar(fem.form(sig * pb.ds(pb.markers["electrode"]))))
    return {
        "psi00_rel_err": abs(at(0.0, 0.0) - psi0_exact) / psi0_exact,
        "psiW0_over_psi0": abs(at(W, 0.0)) / psi0_exact,
        "charge_rel_err": abs(pb.space_charge() + s_tot) / abs(s_tot),
        "patch_charge_rel": abs(s_tot - 0.5 * W * sigma) / (0.5 * W * sigma),
        "cells": float(bundle.n_cells),
    }


STUDIES = {
    "donnan": donnan,
    "patterned_wall": patterned_wall,
    "frumkin_consistency": frumkin_consistency,
    "gouy_chapman": gouy_chapman,
    "mms": mms,
    "electroneutral_limit": electroneutral_limit,
}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
