"""The factored Schur complement of the electroneutral Jacobian: exact, applied with two V-cycles.

The electroneutral Jacobian (fields u = ln s and chi; rows: the cation ("salt") balance and the
current balance; :mod:`depsim.model.electroneutral`) has the blocks::

    J = [ A  B ]   A = eps c+' M / dt + d+ c+ K + ...   (salt row, u columns)
        [ C  D ]   B = d+ c+ K                          (salt row, chi columns)
                   C = (d+ c+ - d- c-) K + ...          (current row, u columns)
                   D = (d+ c+ + d- c-) K                (current row, chi columns)

(K: the stiffness operator weighted as written, M the mass). B and D are the same operator up
to the local cation transference number t+ = d+ c+ / (d+ c+ + d- c-): B = diag(beta) D with
beta = t+ node by node (exact for constant t+ per region, up to the electrode's kinetic terms
and Dirichlet rows). Then the Schur complement factorises exactly, with no commutation needed::

    S = D - C A^-1 diag(beta) D = E A^-1 diag(beta) D,   E = diag(beta)^-1 A - C
    S^-1 = D^-1 diag(beta)^-1 A E^-1

E = eps c+' M / (t+ dt) + 2 d- c- K + ... is a scalar elliptic (screened diffusion) operator,
like D. One application of S^-1 costs a V-cycle on E, a product with A and a V-cycle on D, where
the nodal approximation (:mod:`depsim.solver.block_schur`) costs one V-cycle on an assembled S
that is exact only for dt D / h^2 -> 0 or -> infinity: between the two (the paper cell's
steps, dt D / h^2 ~ 1) its error grows the Krylov iterations under refinement
(benchmarks/README.md).

With a zero coupling B (the initial-state Jacobian, whose salt row is a mass matrix), S = D and
the context applies D^-1 alone.
"""

from __future__ import annotations

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

__all__ = ["FactoredSchur", "move_options"]

#: beta = diag(B)/diag(D) outside (BETA_MIN, 1 + 1e-9] (Dirichlet rows, where the blocks are
#: not proportional) is replaced by 1 [-]
BETA_MIN = 1e-8


def move_options(source: str, *targets: str) -> None:
    """Copy every PETSc option under the prefix ``source`` to each prefix of ``targets``, and
    leave only the KSP's own (``ksp_*``) under ``source`` with ``pc_type = none`` (so that no
    option is left unused)."""
    opts = PETSc.Options()
    found = {k[len(source) :]: v for k, v in opts.getAll().items() if k.startswith(source)}
    for target in targets:
        for key, val in found.items():
            opts[target + key] = val
    for key in found:
        if not key.startswith("ksp_"):
            opts.delValue(source + key)
    opts[source + "pc_type"] = "none"


class FactoredSchur:
    """A petsc4py ``python`` PC context that applies S^-1 = D^-1 diag(beta)^-1 A E^-1 (module
    docstring) to the potential block of the fieldsplit.

    Args:
        comm: the communicator.
        prefix: options prefix of the Schur block's own solver (e.g. ``"ksp_fieldsplit_p_"``):
            its V-cycle options move to ``prefix + "d_"`` and ``prefix + "e_"``
            (:func:`move_options`).
        prolongations: the geometric multigrid's prolongations of the potential field
            (coarsest first; empty with GAMG).

    Call :meth:`update` with the blocks of each new Jacobian, all node-aligned on the
    potential field's numbering (A: salt row x u, B: salt row x chi, C: current row x u,
    D: current row x chi).
    """

    def __init__(self, comm, prefix: str, prolongations: list[PETSc.Mat] = ()):
        self.comm = comm
        move_options(prefix, prefix + "d_", prefix + "e_")
        self.ksp_d = self._ksp(prefix + "d_")
        self.ksp_e = self._ksp(prefix + "e_")
        self.prolongations = list(prolongations)
        self.A: PETSc.Mat | None = None
        self.E: PETSc.Mat | None = None
        self.inv_beta: PETSc.Vec | None = None
        #: False while B = 0 (S = D)
        self.factored = True
        self._work: tuple[PETSc.Vec, PETSc.Vec] | None = None
        self._configured: set[int] = set()

    def _ksp(self, prefix: str) -> PETSc.KSP:
        ksp = PETSc.KSP().create(self.comm)
        ksp.setOptionsPrefix(prefix)
        return ksp

    def update(self, A: PETSc.Mat, B: PETSc.Mat, C: PETSc.Mat, D: PETSc.Mat) -> None:
        """Rebuild beta and E from the blocks of a new Jacobian (module docstring)."""
        b, d = B.getDiagonal(), D.getDiagonal()
        bv, dv = b.getArray(readonly=True), d.getArray(readonly=True)
        scale = float(self.comm.allreduce(np.abs(dv).max(initial=0.0), op=MPI.MAX))
        coupled = float(self.comm.allreduce(np.abs(bv).max(initial=0.0), op=MPI.MAX))
        self.factored = coupled > 1e-12 * scale
        if self.inv_beta is None:
            self.inv_beta = d.duplicate()
        beta = np.ones_like(dv)
        nonzero = np.abs(dv) > 0.0
        beta[nonzero] = bv[nonzero] / dv[nonzero]
        beta[(beta <= BETA_MIN) | (beta > 1.0 + 1e-9)] = 1.0
        self.inv_beta.setArray(1.0 / beta)
        for v in (b, d):
            v.destroy()
        self.A = A
        if self.factored:
            Str = PETSc.Mat.Structure
            first = self.E is None
            if first:  # E takes the union of the patterns of A and C
                self.E = A.copy()
            else:
                A.copy(self.E, structure=Str.SUBSET_NONZERO_PATTERN)
            self.E.diagonalScale(L=self.inv_beta)
            pattern = Str.DIFFERENT_NONZERO_PATTERN if first else Str.SUBSET_NONZERO_PATTERN
            self.E.axpy(-1.0, C, structure=pattern)
            self._operators(self.ksp_e, self.E)
        self._operators(self.ksp_d, D)

    def _operators(self, ksp: PETSc.KSP, M: PETSc.Mat) -> None:
        ksp.setOperators(M)
        if id(ksp) not in self._configured:  # options and prolongations once
            self._configured.add(id(ksp))
            ksp.setFromOptions()
            pc = ksp.getPC()
            if pc.getType() == PETSc.PC.Type.MG:
                for level, P in enumerate(self.prolongations, start=1):
                    pc.setMGInterpolation(level, P)

    def setUp(self, pc: PETSc.PC) -> None:  # noqa: N802 (petsc4py's name)
        """Nothing to do: :meth:`update` prepares the operators."""

    def apply(self, pc: PETSc.PC, x: PETSc.Vec, y: PETSc.Vec) -> None:
        """y = S^-1 x (approximately: one V-cycle per elliptic solve)."""
        if not self.factored:
            self.ksp_d.solve(x, y)
            return
        if self._work is None:
            self._work = (x.duplicate(), x.duplicate())
        z, w = self._work
        self.ksp_e.solve(x, z)
        self.A.mult(z, w)
        w.pointwiseMult(w, self.inv_beta)
        self.ksp_d.solve(w, y)

    def destroy(self, pc: PETSc.PC | None = None) -> None:
        """Free the solvers and work objects."""
        for obj in (self.ksp_d, self.ksp_e, self.E, self.inv_beta, *(self._work or ())):
            if obj is not None:
                obj.destroy()
