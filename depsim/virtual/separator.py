"""Virtual measurement of a separator's effective conductivity and transference number.

The separator material, exactly as the solver represents it (effective D+, D-, porosity, fixed
charge), is put into a 1D slab (a strip one element wide, every cell separator) between a Li
electrode at y = 0 and a reservoir at c0, phi = 0, at y = L. A small galvanostatic plating current
i (``current_fraction`` of the slab's uncharged limiting current) is applied.

1. **Conductivity, from the ohmic drop.** At the first instant the composition is still uniform
   (the consistent-initialisation solve: salt frozen at the reservoir state, potential solved), so
   the electrolyte potential is linear and kappa_eff = i L / (phi_l(L) - phi_l(0)).
2. **Transference number, Hittorf split.** In the same uniform state the fraction of the current
   carried by the cation, t+ = int F N+ . y dx / int i_l . y dx (the Hittorf definition: migration
   at uniform composition). With a fixed charge this is the Donnan-enhanced
   t+ = D+ c+ / (D+ c+ + D- c-).
3. **Transference number, steady concentration gradient** (uncharged material only). At steady
   state the anion is at rest (blocked by the Li) and N+ = -2 D+ grad c, so the measured gradient
   gives D+ = i L / (2 F Delta c) and, with kappa_eff from step 1,
   t+ = D+ F^2 c0 / (kappa RT) = i L F c0 / (2 Delta c kappa R T). This relation holds for an
   uncharged binary electrolyte only; for a charged matrix the steady salt gradient is not a
   transference number and the value is reported as None.

The slab runs on ``MPI.COMM_SELF`` by default: every rank measures the same tiny problem, so the
result is identical on every rank and independent of the number of processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.geometry.markers import ELECTRODE, TOP
from depsim.physics import separator as separator_physics
from depsim.physics.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from depsim.solver.parameters import ModelParameters, RegionProperties


@dataclass(frozen=True)
class SeparatorMeasurement:
    """Result of :func:`measure_separator` (SI).

    Attributes: ``conductivity`` kappa_eff [S/m] (ohmic drop, uniform composition);
    ``transference_number`` Hittorf t+ [-]; ``transference_number_gradient`` t+ from the steady
    concentration gradient [-] (None with a fixed charge); ``donnan_potential`` phi_pore -
    phi_reservoir at the reservoir end [V]; ``c_cation``, ``c_anion`` pore concentrations at the
    uniform state [mol/m^3]; ``current_density`` the applied plating current [A/m^2];
    ``thickness`` L [m]; ``expected_conductivity``, ``expected_transference_number`` the
    ideal-Donnan (Nernst–Einstein at X = 0) values of the inputs.
    """

    conductivity: float
    transference_number: float
    transference_number_gradient: float | None
    donnan_potential: float
    c_cation: float
    c_anion: float
    current_density: float
    thickness: float
    expected_conductivity: float
    expected_transference_number: float


def slab_mesh(thickness: float, n: int, comm=MPI.COMM_SELF, width: float | None = None):
    """Strip [0, w] x [0, L] of 1 x n quadrilaterals; facet tags electrode (y=0) 1, top (y=L) 2."""
    width = thickness / n if width is None else width
    m = dmesh.create_rectangle(
        comm, [[0.0, 0.0], [width, thickness]], [1, n], dmesh.CellType.quadrilateral
    )
    m.topology.create_connectivity(1, 2)
    tol = 1e-6 * thickness / n  # relative to the element size (np.isclose's 1e-8 m is not)
    fb = dmesh.locate_entities_boundary(m, 1, lambda x: np.abs(x[1]) < tol)
    ft = dmesh.locate_entities_boundary(m, 1, lambda x: np.abs(x[1] - thickness) < tol)
    idx = np.concatenate([fb, ft]).astype(np.int32)
    vals = np.concatenate([np.full(len(fb), ELECTRODE, np.int32), np.full(len(ft), TOP, np.int32)])
    order = np.argsort(idx)
    return m, dmesh.meshtags(m, 1, idx[order], vals[order])


def measure_separator(
    props: RegionProperties,
    c0: float,
    temperature: float = 298.15,
    thickness: float = 1e-6,
    n: int = 20,
    current_fraction: float = 0.01,
    steady: bool = True,
    comm=MPI.COMM_SELF,
) -> SeparatorMeasurement:
    """Measure kappa_eff and t+ of the separator ``props`` at bulk concentration ``c0``.

    Args:
        props: the separator region as the solver sees it (:class:`RegionProperties`).
        c0: reservoir concentration [mol/m^3]; temperature [K].
        thickness, n: slab thickness [m] and number of elements across it.
        current_fraction: applied current over the uncharged limiting current of the slab.
        steady: also solve the steady state (for the gradient t+ of an uncharged material).
        comm: communicator of the slab (default COMM_SELF).
    """
    from depsim.solver.newton import BorderedNewton
    from depsim.solver.problem import ElectroneutralProblem
    from depsim.solver.simulation import Simulation

    L = float(thickness)
    t_plus = props.transference_number
    D_salt = 2.0 * props.D_cation * props.D_anion / (props.D_cation + props.D_anion)
    i_lim = FARADAY * D_salt * c0 / ((1.0 - t_plus) * L)
    i = current_fraction * i_lim
    params = ModelParameters(
        c0=c0,
        temperature=temperature,
        D_cation=props.D_cation,
        D_anion=props.D_anion,
        i0=max(10.0 * i, 1.0),
        kinetics="linear",
        mode="galvanostatic",
        current_density=i,
        counter="reservoir",
        length_scale=L,
        separator=props,
        separator_fills_cell=True,
    )
    m, tags = slab_mesh(L, n, comm)
    pb = ElectroneutralProblem(m, tags, params, projected_area=L / n)
    newton = BorderedNewton(pb, rtol=1e-12, atol=1e-14, max_it=50)
    sim = Simulation(pb, newton)
    try:
        sim.initialise()
        V_T = thermal_voltage(temperature)
        psi_bottom = _electrode_mean(pb, pb.psi_dofs)  # chi at y = 0; chi(L) = 0
        kappa = i * L / (V_T * (0.0 - psi_bottom))
        # Hittorf split: int N+ . y / int (N+ - N-) . y over the slab
        ey = ufl.as_vector([0.0, 1.0])
        num = _integral(pb, ufl.inner(pb.N_plus, ey) * ufl.dx)
        den = _integral(pb, ufl.inner(pb.N_plus - pb.N_minus, ey) * ufl.dx)
        t_hittorf = num / den
        X = props.fixed_charge
        c_plus, c_minus = separator_physics.donnan_concentrations(c0, X)
        phi_D = float(separator_physics.donnan_potential(X, c0, temperature))
        t_grad = None
        if steady and X == 0.0:
            sim.solve_steady()
            c_bottom = c0 * math.exp(_electrode_mean(pb, pb.u_dofs))
            dc = c0 - c_bottom
            t_grad = i * L * FARADAY * c0 / (2.0 * dc * kappa * GAS_CONSTANT * temperature)
    finally:
        newton.destroy()
    return SeparatorMeasurement(
        conductivity=float(kappa),
        transference_number=float(t_hittorf),
        transference_number_gradient=None if t_grad is None else float(t_grad),
        donnan_potential=phi_D,
        c_cation=float(c_plus),
        c_anion=float(c_minus),
        current_density=float(i),
        thickness=L,
        expected_conductivity=props.conductivity(c0, temperature),
        expected_transference_number=separator_physics.donnan_transference_number(
            props.D_cation, props.D_anion, c0, X
        ),
    )


def _integral(pb, form) -> float:
    return pb.comm.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)


def _electrode_mean(pb, sub_dofs) -> float:
    """Mean of a sub-function (dofs ``sub_dofs`` in W) over the electrode vertices."""
    Vi, _ = pb.W.sub(0).collapse()
    facets = pb.facet_tags.find(pb.markers["electrode"])
    local = fem.locate_dofs_topological(Vi, pb.mesh.topology.dim - 1, facets)
    vals = pb.U.x.array[sub_dofs[local]]
    total = pb.comm.allreduce(float(vals.sum()), op=MPI.SUM)
    count = pb.comm.allreduce(len(vals), op=MPI.SUM)
    return total / count


__all__ = ["SeparatorMeasurement", "measure_separator", "slab_mesh"]
