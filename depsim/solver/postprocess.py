"""Nodal P1 output fields in SI units, computed from the solver's dimensionless unknowns.

==========  ============  =====================================================================
name        unit          definition
==========  ============  =====================================================================
c_cation    mol/m^3       c0 exp(u)
c_anion     mol/m^3       equal to c_cation (electroneutral)
phi         V             electrolyte potential with the bottom Li grounded: phi_l - phi_s
eta         V             local overpotential the Li would see, phi_s - phi_l = -phi
current     A/m^2         electrolyte current density F (N+ - N-) (lumped L2 projection)
E           V/m           electric field -grad phi (lumped L2 projection)
==========  ============  =====================================================================

Expressions and projection forms are compiled once; :meth:`OutputFields.update` only evaluates.
"""

from __future__ import annotations

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import ufl
from petsc4py import PETSc

from depsim.physics import nernst_planck

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
        u, psi = pb.u_expr, pb.psi_expr
        V_T = sc.thermal_voltage
        pts = self.V.element.interpolation_points
        c_expr = sc.concentration * ufl.exp(u)
        phi_expr = V_T * (psi - pb.psi_s)  # psi_s = -V_hat
        self.functions: dict[str, fem.Function] = {}
        self._expressions: list[tuple[fem.Function, fem.Expression]] = []
        self._projections: list[tuple[fem.Function, fem.Form]] = []
        scalar = {"c_cation": c_expr, "c_anion": c_expr, "phi": phi_expr, "eta": -phi_expr}
        L0 = pb.L0
        vector = {
            "current": sc.current_density
            * nernst_planck.current_density(u, psi, pb.d_plus, pb.d_minus)
            * L0,  # grad_hat = L0 grad
            "E": (V_T / sc.length) * nernst_planck.electric_field(psi) * L0,
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
            fem_petsc.assemble_vector(self._work, form)
            self._work.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self._work.pointwiseDivide(self._work, self._lumped)
            n = self._work.getLocalSize()
            f.x.array[:n] = self._work.array_r
            f.x.scatter_forward()
        return self.functions
