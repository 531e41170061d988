"""Assembly of the Newton system: the residual F, the Jacobian J and the border of the
galvanostatic constraint (G, r = dG/dU, b = dF/dV, d = dG/dV); :mod:`depsim.solver.newton`.

All vectors are PETSc vectors of the problem's mixed space ``W``; Dirichlet rows hold the
(negated) boundary-value defect in F and no coupling in r and b.
"""

from __future__ import annotations

import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
from mpi4py import MPI
from petsc4py import PETSc

from depsim.model import chunks

__all__ = ["NewtonAssembly", "fem_petsc_assemble_matrix"]


def fem_petsc_assemble_matrix(A: PETSc.Mat, form, bcs) -> None:
    """Zero and assemble the matrix ``A`` of the bilinear ``form`` with Dirichlet ``bcs``, in
    cell blocks where the form is large (:mod:`depsim.model.chunks`)."""
    chunks.assemble_matrix(A, form, bcs)


class NewtonAssembly:
    """Mixin of :class:`~depsim.solver.newton.BorderedNewton`: needs ``problem``, ``F``, ``x``
    and, with a constraint, ``r`` and ``b``.

    The residual and the Jacobian are assembled in cell blocks where their packed coefficients
    would exceed :data:`~depsim.model.chunks.CHUNK_BYTES` (large 3D meshes;
    :mod:`depsim.model.chunks`), else whole.
    """

    def _assemble_F(self) -> None:
        """F(U) into ``self.F``, Dirichlet rows F = U - U_D (x0 = U, alpha = -1)."""
        pb = self.problem
        with self.F.localForm() as loc:
            loc.set(0.0)
        chunks.assemble_vector(self.F, pb.residual)
        self._x_from_U()
        chunks.apply_lifting(self.F, pb.jacobian, pb.bcs, self.x, alpha=-1.0)
        self.F.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(self.F, pb.bcs, x0=self.x, alpha=-1.0)

    def _x_from_U(self) -> None:
        """``self.x`` = U, ghost entries included: the lifting reads x0 at the ghost dofs of
        the rank's cells (with the owned values only, a Dirichlet dof owned by the neighbour
        rank entered the lifting with a stale value, whenever U differed from its boundary
        value there)."""
        with self.x.localForm() as loc:
            loc.array[:] = self.problem.U.x.array

    def _constraint_value(self) -> float:
        """G(U, V): the constraint's residual (dimensionless current), on every rank."""
        pb = self.problem
        G = pb.comm.allreduce(fem.assemble_scalar(pb.constraint.G), op=MPI.SUM)
        return G + float(pb.i_app_hat.value)

    def _assemble_border(self) -> None:
        """The border of the bordered Newton system: ``self.r``, ``self.b`` and ``self._d``."""
        pb = self.problem
        con = pb.constraint
        for vec, form in ((self.r, con.r), (self.b, con.b)):
            with vec.localForm() as loc:
                loc.set(0.0)
            fem_petsc.assemble_vector(vec, form)
            vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        # Dirichlet rows are fixed: no coupling there
        fem_petsc.set_bc(self.b, pb.bcs, alpha=0.0)
        fem_petsc.set_bc(self.r, pb.bcs, alpha=0.0)
        self._d = pb.comm.allreduce(fem.assemble_scalar(con.d), op=MPI.SUM)

    def _assemble_constraint(self) -> float:
        """G, and the border r, b, d; returns G."""
        G = self._constraint_value()
        self._assemble_border()
        return G
