"""Nodal P1 output fields in SI units, computed from the solver's dimensionless unknowns.

==========  ============  =====================================================================
name        unit          definition
==========  ============  =====================================================================
c_cation    mol/m^3       c0 exp(u) (with a fixed charge X: c0 s e^-zeta, the pore value)
c_anion     mol/m^3       equal to c_cation (electroneutral); c_cation + X in a charged region
phi         V             electrolyte potential with the bottom Li grounded: phi_l - phi_s
eta         V             local overpotential the Li would see, phi_s - phi_l = -phi
current     A/m^2         electrolyte current density F (N+ - N-) (lumped L2 projection)
E           V/m           electric field -grad phi (lumped L2 projection)
==========  ============  =====================================================================

With a fixed charge, c_cation, c_anion and phi jump at the interface of a charged region (Donnan);
the nodal P1 fields take the charged side's value at interface nodes (so on a Li surface covered
by a charged separator they are the pore values the kinetics see). E is the cell-wise gradient:
the Donnan jump itself (a surface dipole) is not in it.

Expressions and projection forms are compiled once; :meth:`OutputFields.update` only evaluates.
"""

from __future__ import annotations

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import numpy as np
import ufl
from petsc4py import PETSc

from depsim.model import chunks

FIELDS = ("c_cation", "c_anion", "phi", "eta", "current", "E")


class OutputFields:
    """P1 functions named as in :data:`FIELDS`, updated from an electroneutral problem."""

    def __init__(self, problem, names=FIELDS):
        pb = problem
        mesh = pb.mesh
        self.problem = pb
        gdim = mesh.geometry.dim
        self.V = fem.functionspace(mesh, ("Lagrange", 1))
        self.Vv = fem.functionspace(
            mesh, basix.ufl.element("Lagrange", mesh.basix_cell(), 1, shape=(gdim,))
        )
        sc = pb.scales
        V_T = sc.thermal_voltage
        pts = self.V.element.interpolation_points
        c_plus, c_minus, psi_nodal = pb.nodal_species()
        phi_expr = V_T * (psi_nodal - pb.psi_s)  # psi_s = -V_hat
        self.functions: dict[str, fem.Function] = {}
        self._expressions: list[tuple[fem.Function, fem.Expression]] = []
        self._projections: list[tuple[fem.Function, fem.Form]] = []
        scalar = {
            "c_cation": sc.concentration * c_plus,
            "c_anion": sc.concentration * c_minus,
            "phi": phi_expr,
            "eta": -phi_expr,
        }
        # the problem's fluxes are in grad_hat = L0 grad: j0 (N+ - N-) is the current density
        vector = {
            "current": sc.current_density * (pb.N_plus - pb.N_minus),
            "E": -(V_T / sc.length) * pb.L0 * ufl.grad(pb.psi_phys_expr),
        }
        for name in names:
            if name in scalar:
                f = fem.Function(self.V, name=name)
                self._expressions.append((f, fem.Expression(scalar[name], pts)))
            elif name in vector:
                f = fem.Function(self.Vv, name=name)
                v = ufl.TestFunction(self.Vv)
                self._projections.append((f, fem.form(ufl.inner(vector[name], v) * ufl.dx)))
            else:
                raise ValueError(f"unknown output field {name!r}; allowed: {', '.join(FIELDS)}")
            self.functions[name] = f
        if self._projections:
            # lumped mass of the vector P1 space: int v . (1,..,1) dx per dof
            one = ufl.as_vector([1.0] * gdim)
            self._lumped = fem_petsc.assemble_vector(
                fem.form(ufl.inner(one, ufl.TestFunction(self.Vv)) * ufl.dx)
            )
            self._lumped.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self._work = self._lumped.duplicate()

    def refresh_mass(self) -> None:
        """Re-assemble the lumped mass after the mesh moved."""
        if self._projections:
            with self._lumped.localForm() as loc:
                loc.set(0.0)
            gdim = self.problem.mesh.geometry.dim
            one = ufl.as_vector([1.0] * gdim)
            fem_petsc.assemble_vector(
                self._lumped, fem.form(ufl.inner(one, ufl.TestFunction(self.Vv)) * ufl.dx)
            )
            self._lumped.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

    def update(self) -> dict[str, fem.Function]:
        """Evaluate every field from the current state; returns ``self.functions``."""
        for f, expr in self._expressions:
            f.interpolate(expr)
            f.x.scatter_forward()
        for f, form in self._projections:
            with self._work.localForm() as loc:
                loc.set(0.0)
            chunks.assemble_vector(self._work, form)  # in cell blocks on large meshes
            self._work.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self._work.pointwiseDivide(self._work, self._lumped)
            n = self._work.getLocalSize()
            f.x.array[:n] = self._work.array_r
            f.x.scatter_forward()
        return self.functions


def electrode_reaction_current(problem, samples: dict) -> np.ndarray:
    """Reaction current density i_BV [A/m^2] (anodic positive) at sampled electrode nodes.

    ``samples`` holds nodal values along the Li (as from
    :class:`depsim.output.ElectrodeSampler`): ``c_cation``, ``c_anion``, ``phi`` (Li grounded) and,
    when the problem has charged sites (``problem.i0_factor`` not None), ``i0_factor``. The law
    is the solver's (:meth:`ElectroneutralProblem.reaction_current`, one
    :class:`~depsim.physics.kinetics.KineticsLaw`) with the pore c+ and phi_l; a law without
    concentration dependence (``linear``) with a fixed charge measures the overpotential from
    the Li's equilibrium with the pore liquid (phi_l - V_T zeta, zeta = ln(sqrt(c+ c-)/c+)).
    """
    p = problem.params
    V_T = problem.scales.thermal_voltage
    i0 = p.i0 * np.asarray(samples["i0_factor"]) if problem.i0_factor is not None else p.i0
    eta = -np.asarray(samples["phi"])  # phi_s - phi_l with the Li grounded
    law = p.kinetics_law
    if not law.uses_concentration and problem.x_hat is not None:
        eta = eta + V_T * 0.5 * np.log(np.asarray(samples["c_anion"]) / samples["c_cation"])
    return law.rate(i0, eta / V_T, np.asarray(samples["c_cation"]) / p.reference_concentration)
