"""Deposition studies (moving Li surface) shared by the serial tests and `mpirun -n 2` runs.

Each study returns a dict of plain floats. Run one directly (prints ``RESULT {json}`` on rank 0)::

    mpirun -n 2 python tests/verification/deposition_studies.py faraday '{"roughness": "sine"}'
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

from depsim.case import validate_case
from depsim.deposition import linear_stability as ls
from depsim.deposition.ale import MovingSurface
from depsim.deposition.growth import SurfaceGrowth
from depsim.deposition.mesh_motion import MeshMover
from depsim.deposition.quality import MeshQuality
from depsim.deposition.remesh import electrode_profile, oriented_volume, remesh, transfer
from depsim.geometry import build_mesh
from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME
from depsim.solver.newton import BorderedNewton
from depsim.solver.parameters import ModelParameters
from depsim.solver.problem import ElectroneutralProblem
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD


# --- helpers -------------------------------------------------------------------------------------
def rectangle(W=10e-6, H=8e-6, nx=20, ny=16, comm=COMM):
    """Structured triangle mesh of [0, W] x [0, H] with facet tags electrode 1 (y = 0), top 2,
    left 3, right 4."""
    m = dmesh.create_rectangle(comm, [[0.0, 0.0], [W, H]], [nx, ny], dmesh.CellType.triangle)
    m.topology.create_connectivity(1, 2)
    idx, val = [], []
    for tag, where in (
        (1, lambda x: np.isclose(x[1], 0.0)),
        (2, lambda x: np.isclose(x[1], H)),
        (3, lambda x: np.isclose(x[0], 0.0)),
        (4, lambda x: np.isclose(x[0], W)),
    ):
        f = dmesh.locate_entities_boundary(m, 1, where)
        idx.append(f)
        val.append(np.full(len(f), tag, np.int32))
    idx, val = np.concatenate(idx), np.concatenate(val)
    idx, first = np.unique(idx, return_index=True)
    tags = dmesh.meshtags(m, 1, idx.astype(np.int32), val[first])
    return m, tags, {"electrode": 1, "top": 2, "left": 3, "right": 4}


def area(m) -> float:
    form = fem.form(fem.Constant(m, np.float64(1.0)) * ufl.dx(domain=m))
    return COMM.allreduce(fem.assemble_scalar(form), op=MPI.SUM)


def make_case(**kw):
    """A small interface-cell case; keyword groups are merged into the defaults."""
    data = {
        "geometry": {
            "width": "10 um",
            "height": "8 um",
            "electrode": {"roughness": "flat", "amplitude": "0 um", "count": 1},
            "mesh": {"size": "0.5 um", "electrode_size": "0.1 um", "grading_distance": "1 um"},
        },
        "electrode": {"exchange_current_density": "0.64 mA/cm^2"},
        "operation": {"current_density": 50.0},
        "time": {"end": 10.0, "dt": 0.01, "max_dt": 1.0},
    }
    if kw.pop("dimension", 2) == 3:  # a small 3D cell (coarse: 3D runs must stay quick)
        data["geometry"].update(
            dimension=3,
            width="4 um",
            depth="4 um",
            height="4 um",
            mesh={"size": "0.8 um", "electrode_size": "0.25 um", "grading_distance": "1 um"},
        )
        data["geometry"]["electrode"]["bump_width"] = "1 um"
    for table, values in kw.items():
        data.setdefault(table, {})
        for key, value in values.items():
            if isinstance(value, dict):
                data[table].setdefault(key, {}).update(value)
            else:
                data.setdefault(table, {})[key] = value
    return validate_case(data)


def deposition_run(case, bundle=None, chi=1.0, method="consistent"):
    """Problem (with the ALE term), Simulation and MovingSurface for a case (galvanostatic);
    advance with ``sim.advance(t_end, on_step, surface.before_step)``."""
    bundle = bundle or build_mesh(case, COMM)
    params = ModelParameters.from_case(case, mesh_has_separator=False)
    pb = ElectroneutralProblem(
        bundle.mesh,
        bundle.facet_tags,
        params,
        markers=bundle.markers,
        projected_area=bundle.projected_area,
        moving_mesh=True,
    )
    surface = MovingSurface(pb, markers=bundle.markers, chi=chi, method=method)
    newton = BorderedNewton(pb, rtol=1e-10, atol=1e-12, max_it=30)
    ss = Stepsize(
        dt=case.time.dt,
        max_dt=case.time.max_dt,
        min_dt=case.time.min_dt,
        adaptive=case.time.adaptive,
    )
    sim = Simulation(pb, newton, ss)
    return bundle, pb, sim, surface


def surface_rms(m, facet_tags, markers) -> float:
    """sqrt(int (y - ybar)^2 ds / int ds) over the electrode [m] (ybar its mean height)."""
    ds = ufl.Measure("ds", domain=m, subdomain_data=facet_tags)(markers["electrode"])
    y = ufl.SpatialCoordinate(m)[1]

    def integral(expr):
        return COMM.allreduce(fem.assemble_scalar(fem.form(expr * ds)), op=MPI.SUM)

    one = fem.Constant(m, np.float64(1.0))
    L = integral(one)
    ybar = integral(y) / L
    return math.sqrt(integral((y - ybar) ** 2) / L)


def fourier_amplitude(prof, width, count) -> float:
    """First cosine coefficient (2/W) int h cos(2 pi count x / W) dx of the electrode profile,
    with the profile's own arc parameter (trapezoid over the vertices sorted by x)."""
    x, y = prof.x, prof.y
    k = 2 * math.pi * count / width
    f = y * np.cos(k * x)
    return float(2.0 / width * np.trapezoid(f, x))


# --- unit-level studies ---------------------------------------------------------------------------
def mesh_motion_flat(nx: int = 20, ny: int = 16, d: float = 0.1e-6, chi: float = 1.0) -> dict:
    """Uniform upward displacement d of a flat electrode: area W (H - d), nodes on the linear
    map y -> y + d (1 - y/H) (uniform cells: uniform stiffness), x unchanged, mesh valid."""
    W, H = 10e-6, 8e-6
    m, tags, markers = rectangle(W, H, nx, ny)
    x0 = m.geometry.x.copy()
    mover = MeshMover(m, tags, markers, chi=chi)
    q = MeshQuality(m)
    disp = np.zeros((len(mover.electrode_blocks), 2))
    disp[:, 1] = d
    mover.move(disp, dt=2.0)
    x = m.geometry.x
    y_exact = x0[:, 1] + d * (1.0 - x0[:, 1] / H)
    rep = q.report()
    w = mover.velocity.x.array.reshape(-1, 2)
    return {
        "area": area(m),
        "area_exact": W * (H - d),
        "node_err": COMM.allreduce(float(np.max(np.abs(x[:, 1] - y_exact))), op=MPI.MAX),
        "x_err": COMM.allreduce(float(np.max(np.abs(x[:, 0] - x0[:, 0]))), op=MPI.MAX),
        "min_quality": rep.min_quality,
        "inverted": rep.inverted,
        "w_max": COMM.allreduce(float(np.max(w[:, 1])), op=MPI.MAX),
    }


def growth_rough(
    amplitude: float = 0.3e-6,
    count: int = 2,
    current: float = -5.0,
    dt: float = 720.0,
    nsteps: int = 4,
) -> dict:
    """Constant i_BV on a sine surface of the gmsh cell: the swept area equals
    V_m |i| L_e dt / F (L_e the electrode length) to second order, the side vertices stay on
    the sides and the mesh stays valid; remeshing keeps the area and transfers a smooth field."""
    case = make_case(
        geometry={"electrode": {"roughness": "sine", "amplitude": amplitude, "count": count}}
    )
    b = build_mesh(case, COMM)
    m = b.mesh
    mover = MeshMover(m, b.facet_tags, b.markers)
    cur = fem.Constant(m, np.float64(current))
    g = SurfaceGrowth(
        mover.V, b.facet_tags, b.markers["electrode"], current=cur, sliding=mover.sliding
    )
    q = MeshQuality(m)
    A0 = area(m)
    swept = 0.0
    owned = g.blocks < mover.V.dofmap.index_map.size_local
    for _ in range(nsteps):
        rates = g.swept_rates()
        swept += dt * COMM.allreduce(float(rates[owned].sum()), op=MPI.SUM)
        disp = dt * g.velocity_from_rate(rates)
        g.accumulate(disp)
        mover.move(disp, dt)
    A1 = area(m)
    prof = electrode_profile(m, b.facet_tags, b.markers["electrode"])
    xs = m.geometry.x[:, 0]
    W = case.geometry.width
    # the side nodes (left/right facets) must still lie on x = 0 and x = W
    left = b.facet_tags.find(b.markers["left"])
    right = b.facet_tags.find(b.markers["right"])
    nodes_l = dmesh.entities_to_geometry(m, 1, left, False).ravel()
    nodes_r = dmesh.entities_to_geometry(m, 1, right, False).ravel()
    side_err = COMM.allreduce(
        max(
            float(np.max(np.abs(xs[nodes_l]), initial=0.0)),
            float(np.max(np.abs(xs[nodes_r] - W), initial=0.0)),
        ),
        op=MPI.MAX,
    )
    rep = q.report()
    # remesh and transfer a smooth field
    V = fem.functionspace(m, ("Lagrange", 1))

    def field(x):
        return np.sin(2e5 * x[0]) * np.exp(-x[1] / 5e-6) + 1e5 * x[1]

    u = fem.Function(V)
    u.interpolate(field)
    b2, _ = remesh(case, m, b.facet_tags, b.markers["electrode"], target_volume=oriented_volume(m))
    V2 = fem.functionspace(b2.mesh, ("Lagrange", 1))
    u2, ex = fem.Function(V2), fem.Function(V2)
    transfer(u, u2)
    ex.interpolate(field)
    err = COMM.allreduce(float(np.max(np.abs(u2.x.array - ex.x.array), initial=0.0)), op=MPI.MAX)
    ref = COMM.allreduce(float(np.max(np.abs(ex.x.array), initial=0.0)), op=MPI.MAX)
    return {
        "swept_area": A0 - A1,
        "swept_expected": swept,
        "faraday_expected": LI_MOLAR_VOLUME
        * abs(current)
        * b.electrode_length
        * dt
        * nsteps
        / FARADAY,
        "side_err": side_err,
        "min_quality": rep.min_quality,
        "inverted": rep.inverted,
        "thickness_min": COMM.allreduce(float(g.thickness.min(initial=np.inf)), op=MPI.MIN),
        "thickness_max": COMM.allreduce(float(g.thickness.max(initial=-np.inf)), op=MPI.MAX),
        "projected_length": prof.projected_length,
        "remesh_area_change": (area(b2.mesh) - A1) / (A0 - A1),
        "transfer_err": err / ref,
        "cells_new": float(b2.n_cells),
    }


# --- physics studies -----------------------------------------------------------------------------
def faraday(
    roughness: str = "flat",
    current: float = 500.0,
    t_end: float = 10.0,
    amplitude: float = 0.3e-6,
    count: int = 2,
    dimension: int = 2,
) -> dict:
    """Galvanostatic plating with the moving surface: deposited area (volume in 3D) vs
    V_m Q A / F, A the projected electrode area (W in 2D)."""
    case = make_case(
        geometry={"electrode": {"roughness": roughness, "amplitude": amplitude, "count": count}},
        operation={"current_density": current},
        time={"end": t_end, "dt": 0.01, "max_dt": 1.0},
        dimension=dimension,
    )
    b, pb, sim, surface = deposition_run(case)
    sim.initialise()
    A0 = surface.electrolyte_volume()
    sim.advance(t_end, lambda info: surface.after_step(info.dt), surface.before_step)
    A1 = surface.electrolyte_volume()
    W = b.projected_area
    expected = LI_MOLAR_VOLUME * sim.charge_passed * W / FARADAY
    applied = LI_MOLAR_VOLUME * current * t_end * W / FARADAY
    lo, hi = surface.thickness_range()
    return {
        "deposited": A0 - A1,
        "expected": expected,
        "applied": applied,
        "booked": surface.deposited_volume,
        "rel_err": abs((A0 - A1) - expected) / expected,
        "rel_err_applied": abs((A0 - A1) - applied) / applied,
        "thickness_min": lo,
        "thickness_max": hi,
        "thickness_mean_expected": applied / W,
        "min_quality": surface.last_quality.min_quality,
        "steps": float(sim.step),
        "cell_potential": pb.cell_potential,
    }


POISSON_SCALE = 0.05  # the Poisson cells are the 10 x 8 um cell scaled by this


def poisson_case(roughness: str, current: float, t_end: float, dt: float):
    """A dilute (1 mol/m^3, lambda_D = 4.9 nm) Poisson-Nernst-Planck case in a 0.5 x 0.4 um
    cell with a moving Li surface (constant steps)."""
    sc = POISSON_SCALE
    return make_case(
        geometry={
            "width": 10e-6 * sc,
            "height": 8e-6 * sc,
            "electrode": {"roughness": roughness, "amplitude": 0.3e-6 * sc, "count": 2},
            "mesh": {"size": 0.05e-6, "electrode_size": 5e-9, "grading_distance": 0.1e-6},
        },
        electrolyte={"concentration": 1.0, "relative_permittivity": 20.0},
        electrode={"deposition": True, "exchange_current_density": 0.1},
        model={"charge": "poisson"},
        operation={"current_density": current},
        time={"end": t_end, "dt": dt, "max_dt": dt, "adaptive": False},
    )


def poisson_run(case):
    """Like :func:`deposition_run` for a Poisson case (the run's Debye-resolved mesh)."""
    from depsim.run import build_problem

    b, _, pb = build_problem(case, COMM)
    surface = MovingSurface(pb, markers=b.markers)
    ss = Stepsize(dt=case.time.dt, max_dt=case.time.max_dt, min_dt=case.time.min_dt, adaptive=False)
    sim = Simulation(pb, BorderedNewton(pb, rtol=1e-10, atol=1e-12, max_it=30), ss)
    return b, pb, sim, surface


def gcl(t_end: float = 2.0, amplitude: float = 0.2e-6, charge: str = "electroneutral") -> dict:
    """Geometric conservation: at zero current the uniform state c = c0, phi = 0 must stay
    exactly uniform while the mesh is moved by a prescribed (non-uniform) surface motion.
    ``charge = "poisson"``: the same for Poisson-Nernst-Planck (both ions' ALE terms) in a
    dilute (1 mol/m^3) 0.5 um cell, the motion scaled with the cell."""
    if charge == "poisson":
        amplitude *= POISSON_SCALE
        case = poisson_case("sine", 0.0, t_end, 0.1)
        b, pb, sim, surface = poisson_run(case)
    else:
        case = make_case(
            geometry={"electrode": {"roughness": "sine", "amplitude": 0.3e-6, "count": 2}},
            operation={"current_density": 0.0},
            time={"end": t_end, "dt": 0.1, "max_dt": 0.1, "adaptive": False},
        )
        b, pb, sim, surface = deposition_run(case)
    sim.initialise()
    W = case.geometry.width
    g = surface.growth

    def prescribed(info):
        # a wavy up-and-down motion of the surface, as if the current were non-uniform
        x = surface.mesh.geometry.x[surface.mover._geom_nodes[g.blocks], 0]
        vy = amplitude * np.cos(2 * math.pi * x / W) * math.cos(math.pi * info.t / t_end)
        disp = np.zeros((len(g.blocks), 2))
        disp[:, 1] = vy * info.dt / t_end
        D = surface.mover.extend(disp)
        surface.mover.translate(D.x.array)
        surface._prev_disp, surface._last_disp = surface._last_disp, D.x.array.copy()
        w_max[0] = max(w_max[0], surface.velocity_max(info.dt))

    A0 = surface.electrolyte_volume()
    w_max = [0.0]
    sim.advance(t_end, prescribed, surface.before_step)
    u = pb.U.x.array[pb.u_dofs]
    psi = pb.U.x.array[pb.psi_dofs]
    moved = w_max[0]
    return {
        "max_abs_lnc": COMM.allreduce(float(np.max(np.abs(u), initial=0.0)), op=MPI.MAX),
        "max_abs_psi": COMM.allreduce(float(np.max(np.abs(psi), initial=0.0)), op=MPI.MAX),
        "w_max": moved,
        "area_change": (surface.electrolyte_volume() - A0) / A0,
        "salt_change": sim.salt_change(),
        "min_quality": surface.last_quality.min_quality,
    }


def ale_interior(
    ale: bool = True,
    dt: float = 0.05,
    t_end: float = 1.0,
    amplitude: float = 1.0e-6,
    current: float = 300.0,
    charge: str = "electroneutral",
) -> dict:
    """The ALE term against a known answer: the steady 1D state of galvanostatic plating on a
    flat Li (c falls towards the Li) must stay as it is while the interior nodes are moved
    back and forth through the concentration gradient, X(t) = X0 + f(X0) s(t) with
    f = (0.5, 1) sin(2 pi x / W) sin(pi y / H), s = amplitude sin(pi t / t_end) (the boundary
    does not move). Returns the largest nodal deviation of ln(c/c0) from the steady profile at
    the nodes' current heights, with the ALE term (``ale``) or without it (the nodes would
    carry their values with them). ``charge = "poisson"``: the cation's ln c in the dilute
    Poisson cell (lengths, time and current scaled), the double layer included."""
    if charge == "poisson":
        amplitude *= POISSON_SCALE
        case = poisson_case("flat", current, t_end, dt)
        b, pb, sim, surface = poisson_run(case)
    else:
        case = make_case(
            operation={"current_density": current},
            time={"end": t_end, "dt": dt, "max_dt": dt, "adaptive": False},
        )
        b, pb, sim, surface = deposition_run(case)
    sim.initialise()
    sim.solve_steady()
    sim.steady = False
    pb.U_n.x.array[:] = pb.U.x.array
    pb.U_nm1.x.array[:] = pb.U.x.array
    V0, dofs = pb.W.sub(0).collapse()
    dofs = np.asarray(dofs, dtype=np.int32).reshape(-1)
    n_own = V0.dofmap.index_map.size_local

    def heights():
        return V0.tabulate_dof_coordinates()[:, 1]

    y0 = heights()
    prof_y = np.concatenate(COMM.allgather(y0[:n_own]))
    prof_u = np.concatenate(COMM.allgather(pb.U.x.array[dofs][:n_own]))
    order = np.argsort(prof_y)
    prof_y, prof_u = prof_y[order], prof_u[order]
    W, H = case.geometry.width, case.geometry.height
    X0 = surface.mesh.geometry.x[surface.mover._geom_nodes].copy()
    f = np.zeros((len(X0), 2))
    bump = np.sin(2 * math.pi * X0[:, 0] / W) * np.sin(math.pi * X0[:, 1] / H)
    f[:, 0], f[:, 1] = 0.5 * bump, bump
    worst = [0.0]

    def s_of(t):
        return amplitude * math.sin(math.pi * t / t_end)

    def move(info):
        # the solution of this step lives on the mesh it was solved on: compare, then move
        dev = np.abs(pb.U.x.array[dofs] - np.interp(heights(), prof_y, prof_u))[:n_own]
        worst[0] = max(worst[0], COMM.allreduce(float(dev.max(initial=0.0)), op=MPI.MAX))
        D = (f * (s_of(info.t + info.dt) - s_of(info.t))).ravel()
        surface.mover.translate(D)
        if ale:
            surface._prev_disp, surface._last_disp = surface._last_disp, D.copy()

    sim.advance(t_end, move, surface.before_step)
    return {
        "max_deviation": worst[0],
        "profile_range": float(prof_u.max() - prof_u.min()),
        "max_node_shift": amplitude,
        "steps": float(sim.step),
    }


#: concentration-dependent properties (ASSUMED, for verification) of the concentrated runs
CONCENTRATED = {
    "model": "concentrated",
    "properties": {
        "conductivity": [[0.0, 0.0], [2500.0, 0.9], [5000.0, 1.2]],
        "diffusivity": [[0.0, 3.0e-10], [5000.0, 1.5e-10]],
        "transference_number": [[0.0, 0.3], [5000.0, 0.45]],
        "thermodynamic_factor": [[0.0, 1.0], [5000.0, 3.0]],
    },
}


def linear_stability(
    count: int = 1,
    amplitude: float = 0.05e-6,
    current: float = 300.0,
    i0: float = 1.0e5,
    t1: float = 3.0,
    t2: float = 15.0,
    size: float = 0.25e-6,
    electrode_size: float = 0.04e-6,
    max_dt: float = 0.25,
    concentrated: bool = False,
) -> dict:
    """Growth of a cosine perturbation a cos(k x) of the Li surface against linear theory
    (``concentrated``: Newman's model with :data:`CONCENTRATED` properties).

    Measured: the first Fourier coefficient a(t) of the electrode profile; compared between t1
    (concentration profile settled, t1 >> H^2/D) and t2 with exp(int s dt) of
    :func:`depsim.deposition.linear_stability.amplification` (the gap shrinking with the
    advancing surface)."""
    case = make_case(
        geometry={
            "electrode": {"roughness": "sine", "amplitude": amplitude, "count": count},
            "mesh": {"size": size, "electrode_size": electrode_size, "grading_distance": "1 um"},
        },
        electrode={"exchange_current_density": i0},
        operation={"current_density": current},
        time={"end": t2, "dt": 0.01, "max_dt": max_dt},
        **({"electrolyte": CONCENTRATED} if concentrated else {}),
    )
    W = case.geometry.width
    b, pb, sim, surface = deposition_run(case)
    tag = b.markers["electrode"]
    sim.initialise()
    rows = []

    def record(info):
        surface.after_step(info.dt)
        prof = electrode_profile(surface.mesh, b.facet_tags, tag)
        rows.append((info.t, fourier_amplitude(prof, W, count), float(np.mean(prof.y))))

    prof0 = electrode_profile(surface.mesh, b.facet_tags, tag)
    a0 = fourier_amplitude(prof0, W, count)
    sim.advance(t2, record, surface.before_step)
    ts = np.array([r[0] for r in rows])
    amps = np.array([r[1] for r in rows])
    a_t1 = float(np.interp(t1, ts, amps))
    a_t2 = float(amps[-1])
    p = ls.StabilityParameters.from_case(case)
    k = 2 * math.pi * count / W
    theory = ls.amplification(k, p, t1, t2)
    measured = a_t2 / a_t1
    s_meas = math.log(measured) / (t2 - t1)
    s_theory = math.log(theory) / (t2 - t1)
    val = ls.validity(k, p)
    return {
        "a0": a0,
        "a_t1": a_t1,
        "a_t2": a_t2,
        "amplification": measured,
        "amplification_theory": theory,
        "s_measured": s_meas,
        "s_theory": s_theory,
        "s_rel_err": abs(s_meas - s_theory) / abs(s_theory),
        "s_flat_theory": ls.growth_rate(k, p),
        "s_dilute_theory": ls.growth_rate(k, p.with_(transport=None)),
        "advance": float(rows[-1][2] - np.mean(prof0.y)),
        "peclet": val["peclet"],
        "s_over_Dk2": val["s_over_Dk2"],
        "steps": float(sim.step),
        "cells": float(b.n_cells),
        "min_quality": surface.last_quality.min_quality,
    }


def remesh_consistency(
    remesh_at: float | None = 5.0,
    t_end: float = 10.0,
    current: float = 500.0,
    amplitude: float = 0.2e-6,
    count: int = 2,
    dimension: int = 2,
    electrode_size: float | None = None,
) -> dict:
    """Plating on a sine surface driven like a run (:class:`DepositionController`), with one
    forced remeshing at ``remesh_at`` (None: never): the surface, the cell potential and the
    balances must not notice it. (3D: one period in x and z on the small 3D cell.)"""
    from depsim.deposition.controller import DepositionController

    case = make_case(
        geometry={
            "electrode": {
                "roughness": "sine",
                "amplitude": amplitude,
                "count": count if dimension == 2 else 1,
            }
        },
        operation={"current_density": current},
        time={"end": t_end, "dt": 0.01, "max_dt": 0.5},
        electrode={"deposition": True},
        dimension=dimension,
    )
    if electrode_size is not None:  # a finer (or coarser) mesh at the Li
        case.geometry.mesh.electrode_size = electrode_size
    b = build_mesh(case, COMM)
    params = ModelParameters.from_case(case, mesh_has_separator=False)

    def make_problem(bundle):
        return ElectroneutralProblem(
            bundle.mesh,
            bundle.facet_tags,
            params,
            markers=bundle.markers,
            projected_area=bundle.projected_area,
            moving_mesh=True,
        )

    def make_newton(pb):
        return BorderedNewton(pb, rtol=1e-10, atol=1e-12, max_it=30)

    pb = make_problem(b)
    ss = Stepsize(dt=case.time.dt, max_dt=case.time.max_dt, min_dt=case.time.min_dt)
    if remesh_at is not None:
        ss.milestones = [remesh_at]
    sim = Simulation(pb, make_newton(pb), ss)
    ctl = DepositionController(case, b, pb, sim, make_problem, make_newton, min_quality=0.0)
    sim.initialise()

    def on_step(info):
        ctl.after_step(info.dt)
        if remesh_at is not None and ctl.remeshes == 0 and info.t >= remesh_at * (1 - 1e-12):
            salt = ctl.surface.problem.salt_amount()
            ctl.remesh()
            ctl._book_salt(salt - ctl.surface.problem.salt_amount())

    sim.advance(t_end, on_step, ctl.before_step)
    A = b.projected_area
    lo, hi = ctl.surface.thickness_range()
    check = ctl.faraday_check()
    if dimension == 2:
        prof = electrode_profile(
            ctl.surface.mesh, ctl.bundle.facet_tags, ctl.bundle.markers["electrode"]
        )
        amplitude = fourier_amplitude(prof, A, count)
    else:  # rms height of the surface, integrated over the electrode triangles
        amplitude = surface_rms(ctl.surface.mesh, ctl.bundle.facet_tags, ctl.bundle.markers)
    H = case.geometry.height
    return {
        "amplitude": amplitude,
        "mean_height": float(H - ctl.surface.electrolyte_volume() / A),
        "volume_correction": abs(ctl.volume_correction) / ctl.surface.deposited_volume,
        "cell_potential": sim.problem.cell_potential,
        "c_surface_min": sim.problem.surface_concentration_min(),
        "faraday_error": check["rel_err"],
        "mass_balance_error": sim.mass_balance_error(),
        "charge_balance_error": sim.charge_balance_error(),
        "thickness_min": lo,
        "thickness_max": hi,
        "remeshes": float(ctl.remeshes),
        "salt_swept": ctl.salt_swept,
    }


STUDIES = {
    f.__name__: f
    for f in (
        mesh_motion_flat,
        growth_rough,
        faraday,
        gcl,
        ale_interior,
        linear_stability,
        remesh_consistency,
    )
}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
