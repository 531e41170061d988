"""The virtual cell of the lab: a strip one element wide across a slab of the case's material.

A cell is built from a validated case through the public route (``ModelParameters.from_case``
and the electroneutral problem's constructor) and then used only through the typed interface
:class:`depsim.solver.interface.TransportProblem`. Three kinds (docs/virtual-lab.md §1):

- ``"li-half"``: the case's Li kinetics (and double layer C_dl) at y = 0 and, at y = l = L/2, the
  mid-plane of the symmetric Li|sep|Li cell (c = c0, phi_l = 0: a reservoir condition, which is
  where a Li reference electrode sits). At rest and in the steady states of the closed cell the
  salt concentration at the mid-plane is c0 exactly, so the symmetric cell is two such halves
  (impedance, steady polarisation).
- ``"blocking-half"``: the same with a blocking face (no reaction, only double-layer charging):
  half of SS|sep|SS.
- ``"closed"``: the whole Li|sep|Li cell of thickness L (``operation.counter = "electrode"``),
  for the transients (chronoamperometry, chronopotentiometry); salt is conserved.

y points from the bottom face into the cell; the bottom face is the working electrode and the
plating current density on it is positive (docs/model.md §1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.errors import CaseError
from depsim.geometry.markers import ELECTRODE, TOP
from depsim.physics.electrolyte import salt_diffusivity
from depsim.physics.electrolyte_library import Electrolyte
from depsim.physics.polarisation import ClosedCell
from depsim.solver.newton import BorderedNewton, NewtonDivergence
from depsim.solver.parameters import ModelParameters

KINDS = ("li-half", "blocking-half", "closed")
DEFAULT_DOUBLE_LAYER = 0.1  # F/m^2 = 10 uF/cm^2: ASSUMED when the case gives none (see docs)


@dataclass(frozen=True)
class Material:
    """What the lab reads from a case (SI): ``params`` (ModelParameters, sites and i0 patterns
    removed), ``thickness`` L [m], ``double_layer_capacitance`` C_dl [F/m^2] used by the
    impedance (the case's, or :data:`DEFAULT_DOUBLE_LAYER`, ``C_dl_assumed``) and the material's
    D+, D-, porosity, fixed charge X [mol/m^3], t+ (uncharged), kappa and salt D.

    ``transport``: the region's property functions under ``electrolyte.model = "concentrated"``
    (None: dilute). D+ and D- are then the Nernst-Einstein equivalents of kappa(c0) and t+0(c0)
    (so ``t_plus`` is the Hittorf t+0 and ``conductivity`` kappa(c0)), and ``salt_diffusivity``
    is D(c0); ``thermodynamic_factor`` is TDF(c0) (1 in the dilute model)."""

    params: ModelParameters
    thickness: float
    double_layer_capacitance: float
    C_dl_assumed: bool
    D_cation: float
    D_anion: float
    porosity: float
    fixed_charge: float
    ignored: tuple[str, ...]
    transport: Electrolyte | None = None

    @property
    def t_plus(self) -> float:
        return self.D_cation / (self.D_cation + self.D_anion)

    @property
    def salt_diffusivity(self) -> float:
        if self.transport is not None:
            return float(self.transport.diffusivity(self.params.c0, self.params.temperature))
        return salt_diffusivity(self.D_cation, self.D_anion)

    @property
    def thermodynamic_factor(self) -> float:
        if self.transport is None:
            return 1.0
        return float(self.transport.thermodynamic_factor(self.params.c0, self.params.temperature))

    @property
    def current_fraction(self) -> float:
        """Balsara and Newman's Bruce-Vincent current fraction rho+ of this material [-]
        (:func:`depsim.physics.concentrated.balsara_newman_current_fraction`; t+ when dilute)."""
        from depsim.physics.concentrated import balsara_newman_current_fraction

        p = self.params
        return balsara_newman_current_fraction(
            self.conductivity, self.salt_diffusivity, self.t_plus, self.thermodynamic_factor,
            p.c0, p.temperature,
        )  # fmt: skip

    @property
    def conductivity(self) -> float:
        """Nernst-Einstein kappa [S/m] of the material (ideal Donnan with a fixed charge)."""
        p = self.params
        region = p.separator if p.separator is not None else p.electrolyte_region
        return region.conductivity(p.c0, p.temperature)

    @property
    def closed_cell(self) -> ClosedCell:
        """The closed forms of the closed Li|sep|Li cell of this material (thickness L [m],
        salt D [m^2/s], t+, c0 [mol/m^3], porosity; uncharged: ignores the fixed charge)."""
        return ClosedCell(
            self.thickness, self.salt_diffusivity, self.t_plus, self.params.c0, self.porosity
        )


def material_from_case(case) -> Material:
    """The lab's view of ``case``: the separator (or electrolyte) filling the whole slab.

    Refuses (CaseError) what the lab cannot measure: the Poisson model (no double layer, no
    closed cell) and a mesh-file geometry without a slab thickness."""
    if case.model.charge != "electroneutral":
        raise CaseError(
            "model.charge",
            "depsim measure runs the electroneutral model only (the Poisson model has no "
            "lumped double layer and no closed cell)",
            value=case.model.charge,
            allowed="electroneutral",
        )
    p = ModelParameters.from_case(case, mesh_has_separator=False)
    ignored = []
    if p.sites:
        ignored.append("separator.sites (a 1D cell has no position along the Li)")
    if p.i0_pattern is not None:
        ignored.append("electrode.exchange_current_density patches/profile (uniform value used)")
    if case.geometry.separator is not None:
        ignored.append("geometry.separator (the separator fills the slab)")
    C_dl = float(p.double_layer_capacitance)
    p = p.with_(sites=(), i0_pattern=None, double_layer_capacitance=0.0)
    region = p.separator if p.separator is not None else p.electrolyte_region
    return Material(
        params=p,
        thickness=float(case.geometry.height),
        double_layer_capacitance=C_dl if C_dl > 0.0 else DEFAULT_DOUBLE_LAYER,
        C_dl_assumed=not C_dl > 0.0,
        D_cation=region.D_cation,
        D_anion=region.D_anion,
        porosity=region.porosity,
        fixed_charge=region.fixed_charge,
        ignored=tuple(ignored),
        transport=region.transport,
    )


def graded_strip(length: float, n: int, comm, both_ends: bool, beta: float = 2.5):
    """Strip [0, w] x [0, length] of 1 x n quadrilaterals (w = length/n), graded (tanh, factor
    ``beta``) towards y = 0, or towards both ends; facet tags ELECTRODE (y = 0), TOP (y = l)."""
    m = dmesh.create_rectangle(
        comm, [[0.0, 0.0], [length / n, length]], [1, n], dmesh.CellType.quadrilateral
    )
    s = m.geometry.x[:, 1] / length
    if both_ends:
        y = 0.5 * (1.0 + np.tanh(beta * (s - 0.5)) / math.tanh(0.5 * beta))
    else:
        y = 1.0 - np.tanh(beta * (1.0 - s)) / math.tanh(beta)
    m.geometry.x[:, 1] = length * y
    m.topology.create_connectivity(1, 2)
    tol = 1e-6 * length / n  # absolute: the graded elements are nm thin
    fb = dmesh.locate_entities_boundary(m, 1, lambda x: np.abs(x[1]) < tol)
    ft = dmesh.locate_entities_boundary(m, 1, lambda x: np.abs(x[1] - length) < tol)
    idx = np.concatenate([fb, ft]).astype(np.int32)
    vals = np.concatenate([np.full(len(fb), ELECTRODE, np.int32), np.full(len(ft), TOP, np.int32)])
    order = np.argsort(idx)
    return m, dmesh.meshtags(m, 1, idx[order], vals[order]), length / n


class VirtualCell:
    """One problem of the lab (``kind`` in :data:`KINDS`), built galvanostatic so that its
    constraint forms exist, with its Newton solver. ``double_layer``: use the material's C_dl
    (impedance) or none (transients: I0 and the chronopotentiogram without charging)."""

    def __init__(self, material: Material, kind: str, n: int, comm, double_layer: bool):
        from depsim.solver.problem import ElectroneutralProblem

        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        self.kind, self.material = kind, material
        L = material.thickness
        self.length = L if kind == "closed" else 0.5 * L
        changes: dict = dict(
            mode="galvanostatic",
            current_density=0.0,
            counter="electrode" if kind == "closed" else "reservoir",
            double_layer_capacitance=material.double_layer_capacitance if double_layer else 0.0,
        )
        if kind == "blocking-half":
            changes.update(kinetics="linear", i0=0.0)
        self.params = material.params.with_(**changes)
        mesh, tags, width = graded_strip(self.length, n, comm, both_ends=kind == "closed")
        self.problem = ElectroneutralProblem(mesh, tags, self.params, projected_area=width)
        self.newton = BorderedNewton(self.problem, rtol=1e-11, atol=1e-12, max_it=40)
        pb = self.problem
        ds = ufl.Measure("ds", domain=pb.mesh, subdomain_data=pb.facet_tags)(
            pb.markers["electrode"]
        )
        self._area = _assemble(pb, fem.form(fem.Constant(pb.mesh, 1.0) * ds))
        self._phi_form = fem.form(pb.psi_phys_expr * ds)
        self._c_form = fem.form(pb.c_plus_expr * ds)

    # --- what the virtual probes read (SI) ------------------------------------------------------
    @property
    def V_T(self) -> float:
        return self.problem.scales.thermal_voltage

    def plating_current(self) -> float:
        """Mean plating current density on the bottom face [A/m^2] (> 0 plates)."""
        return -self.problem.electrode_current()

    def surface_potential(self) -> float:
        """phi_l at the bottom face [V] (the mid-plane, or the counter Li, at 0)."""
        return _assemble(self.problem, self._phi_form) / self._area * self.V_T

    def surface_concentration(self) -> float:
        """Mean c+ at the bottom face [mol/m^3]."""
        return _assemble(self.problem, self._c_form) / self._area * self.params.c0

    # --- states ---------------------------------------------------------------------------------
    def set_current(self, current: float) -> None:
        """Applied plating current density [A/m^2] (galvanostatic)."""
        pb = self.problem
        pb.i_app_hat.value = current / pb.scales.current_density

    def rest(self) -> None:
        """The cell at rest: uniform c0 and the steady state at zero current."""
        pb = self.problem
        pb.set_mode("galvanostatic")
        pb.set_uniform_state(1.0)
        law = self.params.kinetics_law
        eta = 0.0
        if self.kind != "blocking-half":
            eta = law.overpotential(0.0, 1.0, self.params.c0 / self.params.reference_concentration)
        pb.V_hat.value = -eta
        self.set_current(0.0)
        if self.kind != "blocking-half":  # (blocking: any potential is at rest)
            self.steady()

    def steady(self, load=None, target: float | None = None, start: float | None = None) -> None:
        """Steady state (half cells only). ``load(value)`` sets the load; it is moved from
        ``start`` to ``target`` in up to 64 continuation steps when a direct solve fails."""
        if self.kind == "closed":
            raise ValueError("a closed cell has no unique steady state: time-step it")
        pb = self.problem
        pb.set_steady()
        U0, V0 = pb.U.x.array.copy(), float(pb.V_hat.value)
        for n in (1, 2, 4, 8, 16, 32, 64):
            pb.U.x.array[:] = U0
            pb.V_hat.value = V0
            try:
                for k in range(1, n + 1):
                    if load is not None:
                        load(start + (target - start) * k / n)
                    self.newton.solve("one-shot")
                return
            except NewtonDivergence:
                if load is None:
                    raise
        raise NewtonDivergence(f"steady state at load {target!r} not reached")

    def destroy(self) -> None:
        self.newton.destroy()


def _assemble(pb, form) -> float:
    return pb.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)


def default_comm():
    return MPI.COMM_WORLD


__all__ = [
    "DEFAULT_DOUBLE_LAYER",
    "KINDS",
    "Material",
    "VirtualCell",
    "default_comm",
    "graded_strip",
    "material_from_case",
]
