"""Manufactured solutions for the electroneutral system with a Butler–Volmer boundary.

Domain [0, L0]^2 (dimensionless unit square), Li at y = 0 with BV kinetics, reservoir on top
(u = psi = 0, so the manufactured fields vanish there), zero-flux sides. Source terms and
boundary fluxes are added to the problem so that the exact fields solve the discrete problem up
to discretisation error:

    extra = - int f q dx + int_{electrode, sides} N_ex . n q ds + int_electrode i_ex q ds

with f = eps dc_ex/dt + div N_ex for the salt and f = div (N+ - N-)_ex for the current.
"""

from __future__ import annotations

import math

import depsim  # noqa: F401

# isort: split
import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.physics.separator import ion_concentrations_ufl
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters, RegionProperties
from depsim.solver.problem import ElectroneutralProblem

COMM = MPI.COMM_WORLD
L0 = 1e-6


def unit_mesh(n: int):
    m = dmesh.create_rectangle(COMM, [[0.0, 0.0], [L0, L0]], [n, n], dmesh.CellType.triangle)
    m.topology.create_connectivity(1, 2)
    parts = []
    for tag, where in (
        (1, lambda x: np.isclose(x[1], 0.0)),
        (2, lambda x: np.isclose(x[1], L0)),
        (3, lambda x: np.isclose(x[0], 0.0) | np.isclose(x[0], L0)),
    ):
        f = dmesh.locate_entities_boundary(m, 1, where)
        parts.append((f, np.full(len(f), tag, np.int32)))
    idx = np.concatenate([p[0] for p in parts])
    val = np.concatenate([p[1] for p in parts])
    idx, first = np.unique(idx, return_index=True)  # corners: keep the first tag
    return m, dmesh.meshtags(m, 1, idx.astype(np.int32), val[first])


def _exact(X, t, kind):
    x, y = X[0], X[1]
    if kind == "space":
        u = 0.3 * (1 - y * y) * ufl.cos(math.pi * x / 2)
        psi = 0.4 * (1 - y) * (1 + ufl.sin(math.pi * x) * y)
    else:  # quadratic in space (exact for P2), smooth in time
        u = (0.2 * (1 - y * y) + 0.1 * x * (1 - y)) * (1 + 0.5 * ufl.sin(t))
        psi = 0.3 * (1 - y) * (x + 0.5 * y) * ufl.cos(t)
    return u, psi


def concentrated_properties(c0: float = 2500.0):
    """Concentration-dependent kappa, D, t+0 and TDF (ASSUMED, for verification only) for the
    manufactured solutions of the concentrated model (docs/model.md §2b)."""
    from depsim.physics.electrolyte_library import Electrolyte

    inf = float("inf")
    return Electrolyte(
        "mms",
        "verification",
        (0.0, inf),
        (0.0, inf),
        conductivity=lambda c, T: 1.5 * (c / c0) / (1.0 + 0.4 * (c / c0) * (c / c0)),
        diffusivity=lambda c, T: 1.2e-10 * (1.3 - 0.3 * (c / c0)),
        transference_number=lambda c, T: 0.3 + 0.1 * (c / c0),
        thermodynamic_factor=lambda c, T: 1.0 + 1.5 * (c / c0),
    )


def _setup(
    n, degree, kind, mode, kinetics="butler-volmer", fixed_charge=0.0, closed=False,
    concentrated=False,
):  # fmt: skip
    """The problem with the manufactured sources. ``fixed_charge`` X/c0 of a matrix filling
    the cell (Donnan: the unknowns are u = ln s and chi); ``closed``: a Li counter electrode on
    top (its kinetic flux corrected like the bottom's) instead of the reservoir;
    ``concentrated``: Newman's fluxes with :func:`concentrated_properties` (chi is then
    Phi/V_T - u)."""
    m, tags = unit_mesh(n)
    separator = None
    if fixed_charge:
        separator = RegionProperties(1.0e-10, 1.5e-10, 0.6, fixed_charge * 2500.0)
    p = ModelParameters(
        element_degree=degree,
        length_scale=L0,
        mode=mode,
        potential=0.05,
        kinetics=kinetics,
        reorganization_energy=0.2 * 1.602176634e-19 if kinetics == "marcus-hush-chidsey" else None,
        current_density=5.0,
        i0=2000.0,  # k0_hat ~ O(1) so the kinetics matter
        separator=separator,
        separator_fills_cell=separator is not None,
        counter="electrode" if closed else "reservoir",
    )
    if concentrated:
        p = p.with_(
            electrolyte_model="concentrated", electrolyte_properties=concentrated_properties()
        )
    pb = ElectroneutralProblem(m, tags, p, projected_area=L0)
    t = fem.Constant(m, 0.0)
    tv = ufl.variable(t)
    X = ufl.SpatialCoordinate(m) / L0
    u_ex, psi_ex = _exact(X, tv, kind)
    q, w = pb.test_functions
    gh = lambda f: L0 * ufl.grad(f)  # noqa: E731
    cp_ex, cm_ex, _ = ion_concentrations_ufl(u_ex, pb.x_hat)  # c+-/c0 (Donnan with X)
    if concentrated:
        from depsim.model.concentrated import newman_fluxes

        Np, Nm = newman_fluxes(pb, u_ex, psi_ex, cp_ex)
    else:
        Np = -pb.d_plus * cp_ex * gh(u_ex + psi_ex)
        Nm = -pb.d_minus * cm_ex * gh(u_ex - psi_ex)
    n = ufl.FacetNormal(m)
    dt_c = ufl.diff(cp_ex, tv) if kind == "time" else 0.0
    f_c = pb.porosity * dt_c + L0 * ufl.div(Np)
    f_p = L0 * ufl.div(Np - Nm)
    i_ex = pb.reaction_current(u_ex, psi_ex, pb.psi_s)
    dx, ds = ufl.dx(domain=m, metadata={"quadrature_degree": 8}), pb.ds
    vs, as_ = pb.vol_scale, pb.area_scale
    salt = -f_c * q * vs * dx + ufl.dot(Np, n) * q * as_ * (ds(1) + ds(3)) + i_ex * q * as_ * ds(1)
    cur = -f_p * w * vs * dx + ufl.dot(Np - Nm, n) * w * as_ * (ds(1) + ds(3))
    cur += i_ex * w * as_ * ds(1)
    if closed:  # the top is a Li counter electrode (phi_s = 0): its flux and kinetics too
        i_top = pb.reaction_current(u_ex, psi_ex, 0.0, sites=False)
        salt += ufl.dot(Np, n) * q * as_ * ds(2) + i_top * q * as_ * ds(2)
        cur += ufl.dot(Np - Nm, n) * w * as_ * ds(2) + i_top * w * as_ * ds(2)
    pb.add_terms(salt, cur)
    return pb, t, u_ex, psi_ex, i_ex


def _errors(pb, u_ex, psi_ex):
    m = pb.mesh
    u, psi = ufl.split(pb.U)
    dx = ufl.dx(domain=m, metadata={"quadrature_degree": 8})

    def integral(e):
        return COMM.allreduce(fem.assemble_scalar(fem.form(e * dx)), op=MPI.SUM)

    out = {}
    for name, uh, ue in (("u", u, u_ex), ("psi", psi, psi_ex)):
        e = uh - ue
        out[f"L2_{name}"] = math.sqrt(integral(e * e) / integral(ue * ue))
        ge = pb.L0 * ufl.grad(e)
        gu = pb.L0 * ufl.grad(ue)
        out[f"H1_{name}"] = math.sqrt(integral(ufl.inner(ge, ge)) / integral(ufl.inner(gu, gu)))
    return out


def space_study(
    n: int,
    degree: int = 1,
    mode: str = "potentiostatic",
    kinetics: str = "butler-volmer",
    fixed_charge: float = 0.0,
    concentrated: bool = False,
) -> dict:
    """Steady manufactured solution on an n x n mesh; relative L2 and H1 errors."""
    pb, t, u_ex, psi_ex, i_ex = _setup(
        n, degree, "space", mode, kinetics, fixed_charge, concentrated=concentrated
    )
    if pb.galvanostatic:
        # the applied current that the exact fields carry (at the exact cell potential)
        V_exact = 0.05
        pb.cell_potential = V_exact
        A = pb.projected_area / L0
        current = COMM.allreduce(
            fem.assemble_scalar(fem.form(i_ex / A * pb.area_scale * pb.ds(1))), op=MPI.SUM
        )
        pb.i_app_hat.value = -current
        pb.cell_potential = 0.0  # start away from the answer
    pb.set_uniform_state(1.0)
    pb.set_steady()
    # with the concentrated sources ||F|| stalls at a round-off floor (about 5e-11 absolute),
    # far below the discretisation error, before a reduction of 1e-12
    rtol = 1e-9 if concentrated else 1e-12
    BorderedNewton(pb, rtol=rtol, atol=1e-13, max_it=30).solve()
    out = _errors(pb, u_ex, psi_ex)
    if pb.galvanostatic:
        out["V_error"] = abs(pb.cell_potential - V_exact) / V_exact
    return out


def time_study(
    n_steps: int, n: int = 4, t_end: float = 1.0, closed: bool = False, concentrated: bool = False
) -> dict:
    """BDF2 (first step implicit Euler) on P2 fields that are exact in space; ``closed``: a Li
    counter electrode on top (a closed cell, no reservoir); ``concentrated``: Newman's model."""
    pb, t, u_ex, psi_ex, _ = _setup(
        n, 2, "time", "potentiostatic", closed=closed, concentrated=concentrated
    )
    sc = pb.scales
    # initial condition: the exact fields at t = 0 (interpolated; exact in P2)
    t.value = 0.0
    _interpolate_exact(pb, u_ex, psi_ex)
    pb.U_n.x.array[:] = pb.U.x.array
    pb.U_nm1.x.array[:] = pb.U.x.array
    newton = BorderedNewton(pb, rtol=1e-12, atol=1e-14, max_it=30)
    dt_hat = t_end / n_steps
    dt_prev = None
    for k in range(n_steps):
        t.value = (k + 1) * dt_hat
        pb.set_bdf(dt_hat * sc.time, dt_prev)
        newton.solve()
        pb.shift_history()
        dt_prev = dt_hat * sc.time
    return _errors(pb, u_ex, psi_ex)


def _interpolate_exact(pb, u_ex, psi_ex):
    for i, expr in ((0, u_ex), (1, psi_ex)):
        V, dofs = pb.W.sub(i).collapse()
        f = fem.Function(V)
        f.interpolate(fem.Expression(expr, V.element.interpolation_points))
        pb.U.x.array[np.asarray(dofs).reshape(-1)] = f.x.array
    pb.U.x.scatter_forward()


def orders(errors: list[float], hs: list[float]) -> list[float]:
    return [
        math.log(errors[i] / errors[i + 1]) / math.log(hs[i] / hs[i + 1])
        for i in range(len(errors) - 1)
    ]


if __name__ == "__main__":
    from study_cli import main

    main({"space": space_study, "time": time_study})
