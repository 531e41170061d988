"""The block Schur preconditioner of ``solver.linear = "iterative"`` (the design: the docstring of
:mod:`depsim.solver.linear`; docs/solver.md "Linear solvers").

The Schur block is preconditioned in one of two ways (``schur``):

- ``"nodal"``: one V-cycle on the assembled approximation S = D - sum_j C_j diag(r_j) (or
  C_j diag(A_j)^-1 B_j for a mass-like coupling C_j; :mod:`depsim.solver.linear`);
- ``"factored"``: the exact factorisation S^-1 = D^-1 diag(beta)^-1 A E^-1 of the
  electroneutral Jacobian (:mod:`depsim.solver.schur`), two V-cycles per application;
- ``"auto"`` (the default): factored with geometric multigrid for one concentration field with
  a stiffness-like coupling C (the electroneutral model), nodal otherwise (Poisson mode's two
  ions; and with GAMG, whose set-up on two operators, E and D, instead of one cost more than
  the iterations saved: 3D rough cell at 297k DOFs 9.2 against 10.2 Krylov iterations per
  Newton iteration, but 12.8 against 10.7 s per step on average, benchmarks/README.md).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from petsc4py import PETSc

from depsim.solver.multigrid import field_space
from depsim.solver.schur import FactoredSchur

log = logging.getLogger("depsim")

__all__ = ["POTENTIAL_FIELDS", "SCHUR_MODES", "BlockSchurPreconditioner"]

#: names of potential-like fields (else the last field of W is taken)
POTENTIAL_FIELDS = ("psi", "chi", "phi")

#: how the Schur block is preconditioned (module docstring)
SCHUR_MODES = ("auto", "factored", "nodal")


def _owned_global_dofs(W: Any, sub: int) -> tuple[np.ndarray, np.ndarray]:
    """(global indices in W of the owned DOFs of field ``sub``, in the collapsed space's order;
    coordinates of those DOFs) on this rank."""
    V, glob = field_space(W, sub)
    return glob, V.tabulate_dof_coordinates()[: glob.size]


class BlockSchurPreconditioner:
    """The block Schur preconditioner of ``"iterative"`` on a KSP (module docstring).

    Args:
        problem: a :class:`~depsim.solver.interface.TransportProblem` (``W``, ``field_names``,
            ``comm``).
        ksp: the Newton solver's KSP, its options already set from :func:`iterative_options`.
        hierarchy: the coarser nested meshes (coarsest first) when the blocks use geometric
            multigrid (options from ``iterative_options(dim, levels=len(hierarchy))``).
        schur: how the Schur block is preconditioned (:data:`SCHUR_MODES`, module docstring).

    Call :meth:`update` after every assembly of the Jacobian (before the solves).
    """

    def __init__(self, problem: Any, ksp: PETSc.KSP, hierarchy: tuple = (), schur: str = "auto"):
        if schur not in SCHUR_MODES:
            raise ValueError(f"unknown schur {schur!r}; allowed: {', '.join(SCHUR_MODES)}")
        self.schur = schur
        self.comm = problem.comm
        W = problem.W
        names = tuple(problem.field_names)
        pot = next((i for i, n in enumerate(names) if n in POTENTIAL_FIELDS), len(names) - 1)
        self.potential_field = names[pot]
        dofs = [_owned_global_dofs(W, i) for i in range(len(names))]
        conc = [i for i in range(len(names)) if i != pot]
        self.hierarchy = tuple(hierarchy)
        self._fields = {"c": conc, "p": [pot]}
        self.is_p = PETSc.IS().createGeneral(dofs[pot][0], comm=self.comm)
        self.is_fields = [PETSc.IS().createGeneral(dofs[i][0], comm=self.comm) for i in conc]
        c_dofs = np.sort(np.concatenate([dofs[i][0] for i in conc]))
        self.is_c = PETSc.IS().createGeneral(c_dofs, comm=self.comm)
        #: the fieldsplit's own blocks can serve the factored Schur complement (no copies of the
        #: Jacobian's blocks) when the c split is one field in its node order
        self.shared_blocks = len(conc) == 1 and bool(
            self.comm.allreduce(int(not np.array_equal(c_dofs, dofs[conc[0]][0]))) == 0
        )
        # the nodal Schur approximation needs the same node order in every field (P_k x P_k)
        same = all(
            dofs[i][0].size == dofs[pot][0].size and np.array_equal(dofs[i][1], dofs[pot][1])
            for i in conc
        )
        self.nodal = bool(self.comm.allreduce(int(not same)) == 0)
        if not self.nodal:
            log.warning("iterative solver: fields not node-aligned; Schur approximation D only")
        self.ksp = ksp
        self._W = W
        pc = ksp.getPC()
        pc.setType(PETSc.PC.Type.FIELDSPLIT)
        pc.setFieldSplitIS(("c", self.is_c), ("p", self.is_p))
        self._blocks: dict[str, PETSc.Mat] = {}
        self.S: PETSc.Mat | None = None
        #: per concentration field: is its coupling C_j mass-like? (fixed at the first update,
        #: so that the pattern of S does not change)
        self.mass_like: list[bool] = []
        #: the factored Schur complement's PC context (None: nodal)
        self.factored: FactoredSchur | None = None

    def _sub(self, key: str, A: PETSc.Mat, rows: PETSc.IS, cols: PETSc.IS) -> PETSc.Mat:
        """A submatrix of A, reusing the matrix of the last call with the same ``key``."""
        old = self._blocks.get(key)
        self._blocks[key] = A.createSubMatrix(rows, cols, submat=old)
        return self._blocks[key]

    def update(self, A: PETSc.Mat) -> None:
        """Rebuild the Schur approximation S from a newly assembled Jacobian ``A``."""
        Str = PETSc.Mat.Structure
        if self._use_factored(A):
            if self.shared_blocks:
                if self.factored is None:
                    self._set_up_factored(None)
                self.factored.update(*self._fieldsplit_blocks(A))
                return
            D = self._sub("D", A, self.is_p, self.is_p)
            blocks = (
                self._sub("A0", A, self.is_fields[0], self.is_fields[0]),
                self._sub("B0", A, self.is_fields[0], self.is_p),
                self._sub("C0", A, self.is_p, self.is_fields[0]),
                D,
            )
            if self.factored is None:
                self._set_up_factored(D)
            self.factored.update(*blocks)
            return
        D = self._sub("D", A, self.is_p, self.is_p)
        terms: list[PETSc.Mat] = []
        for j, is_j in enumerate(self.is_fields if self.nodal else ()):
            Aj = self._sub(f"A{j}", A, is_j, is_j)
            Bj = self._sub(f"B{j}", A, is_j, self.is_p)
            Cj = self._sub(f"C{j}", A, self.is_p, is_j)
            a, b = Aj.getDiagonal(), Bj.getDiagonal()
            av, bv = a.getArray(readonly=True), b.getArray(readonly=True)
            safe = np.abs(av) > 1e-300
            scale = Cj.createVecRight()
            ratio = np.zeros_like(av)
            if len(self.mass_like) <= j:
                self.mass_like.append(self._mass_like(Cj))
            if self.mass_like[j]:
                # C_j ~ c M: C_j diag(A_j)^-1 B_j (a distance-2 product; exact for small dt,
                # where A_j^-1 B_j ~ dt M^-1 d K is not a multiple of the identity)
                ratio[safe] = 1.0 / av[safe]
                scale.setArray(ratio)
                Cj.diagonalScale(R=scale)
                old = self._blocks.get(f"P{j}")
                self._blocks[f"P{j}"] = Cj.matMult(Bj, result=old)
                terms.append(self._blocks[f"P{j}"])
            else:  # C_j ~ K: A_j^-1 B_j ~ r_j I, node by node
                ratio[safe] = np.clip(bv[safe] / av[safe], -1.0, 1.0)
                scale.setArray(ratio)
                Cj.diagonalScale(R=scale)
                terms.append(Cj)
            for v in (a, b, scale):
                v.destroy()
        if self.S is None:
            S = D.copy()
            for T in terms:  # first time: S takes the union of the patterns
                S.axpy(-1.0, T, structure=Str.DIFFERENT_NONZERO_PATTERN)
            self.S = S
            pc = self.ksp.getPC()
            pc.setFieldSplitSchurPreType(PETSc.PC.FieldSplitSchurPreType.USER, S)
            if self.hierarchy:
                self._set_prolongations()
        else:
            D.copy(self.S, structure=Str.SUBSET_NONZERO_PATTERN)
            for T in terms:
                self.S.axpy(-1.0, T, structure=Str.SUBSET_NONZERO_PATTERN)

    def _use_factored(self, A: PETSc.Mat) -> bool:
        """Whether the Schur block uses the factored form (decided at the first update)."""
        if self.factored is not None:
            return True
        if self.S is not None or self.schur == "nodal":
            return False
        if self.schur == "auto" and not self.hierarchy:  # GAMG: nodal (module docstring)
            return False
        single = self.nodal and len(self.is_fields) == 1
        if single and not self.mass_like:
            C = A.createSubMatrix(self.is_p, self.is_fields[0])
            self.mass_like.append(self._mass_like(C))
            C.destroy()
        fits = single and not self.mass_like[0]
        if self.schur == "factored" and not fits:
            raise ValueError("schur 'factored' needs one node-aligned, stiffness-coupled field")
        return fits

    def _fieldsplit_blocks(self, A: PETSc.Mat) -> tuple[PETSc.Mat, ...]:
        """(A00, A01, A10, A11) of the fieldsplit, refreshed from the new Jacobian ``A``."""
        self.ksp.setOperators(A)
        pc = self.ksp.getPC()
        pc.setUp()  # the fieldsplit re-extracts its blocks (in place) from A
        _sub_c, sub_p = pc.getFieldSplitSubKSP()
        A00, _Ap00, A01, A10, A11 = sub_p.getOperators()[0].getSchurComplementSubMatrices()
        return A00, A01, A10, A11

    def _set_up_factored(self, D: PETSc.Mat | None) -> None:
        """Set up the fieldsplit with the factored Schur complement's PC on the Schur block,
        preconditioned with ``D`` (None: the fieldsplit's own A11, :attr:`shared_blocks`)."""
        prefix = (self.ksp.getOptionsPrefix() or "") + "fieldsplit_p_"
        spaces = self._coarse_spaces()
        p_mats = self._prolongations("p", spaces) if self.hierarchy else []
        self.factored = FactoredSchur(self.comm, prefix, p_mats)
        pc = self.ksp.getPC()
        Pre = PETSc.PC.FieldSplitSchurPreType
        if D is None:
            pc.setFieldSplitSchurPreType(Pre.A11)
        else:
            pc.setFieldSplitSchurPreType(Pre.USER, D)
        pc.setUp()
        sub_c, sub_p = pc.getFieldSplitSubKSP()
        schur_pc = sub_p.getPC()
        schur_pc.setType(PETSc.PC.Type.PYTHON)
        schur_pc.setPythonContext(self.factored)
        if self.hierarchy:
            self._interpolate(sub_c, "c", spaces)

    def _coarse_spaces(self) -> list:
        from depsim.solver.multigrid import coarse_spaces

        return coarse_spaces(self.hierarchy) if self.hierarchy else []

    def _prolongations(self, name: str, spaces: list) -> list[PETSc.Mat]:
        """The geometric prolongations of block ``name`` (``"c"``, ``"p"``), coarsest first."""
        from depsim.solver.multigrid import block_prolongations

        is_ = {"c": self.is_c, "p": self.is_p}[name]
        mats = block_prolongations(
            self._W, self._fields[name], is_.getIndices(), self.hierarchy, spaces
        )
        for level, P in enumerate(mats, start=1):
            self._blocks[f"P_{name}{level}"] = P
        return mats

    def _interpolate(self, sub: PETSc.KSP, name: str, spaces: list) -> None:
        """Give the PCMG of a block's solver ``sub`` its prolongations (not for another PC,
        e.g. an exact block solve set by options)."""
        mg = sub.getPC()
        if mg.getType() == PETSc.PC.Type.MG:
            for level, P in enumerate(self._prolongations(name, spaces), start=1):
                mg.setMGInterpolation(level, P)

    def _set_prolongations(self) -> None:
        """Give the geometric multigrid of both blocks its prolongations (once: the fieldsplit
        is set up here, and PCMG forms the coarse operators by Galerkin products at every
        later set-up)."""
        pc = self.ksp.getPC()
        pc.setUp()
        spaces = self._coarse_spaces()  # shared by both blocks
        for name, sub in zip(("c", "p"), pc.getFieldSplitSubKSP(), strict=True):
            self._interpolate(sub, name, spaces)

    def _mass_like(self, C: PETSc.Mat) -> bool:
        """Whether the coupling C acts like a mass matrix (row sums of the order of the rows'
        absolute sums) rather than a stiffness matrix (row sums ~0 away from boundaries)."""
        indptr, _cols, vals = C.getValuesCSR()
        rows = np.add.reduceat(vals, indptr[:-1]) if vals.size else np.zeros(0)
        absrows = np.add.reduceat(np.abs(vals), indptr[:-1]) if vals.size else np.zeros(0)
        empty = indptr[:-1] == indptr[1:]  # reduceat repeats a value at empty rows
        signed = float(np.abs(rows[~empty]).sum())
        total = float(absrows[~empty].sum())
        signed, total = (self.comm.allreduce(x) for x in (signed, total))
        return total > 0.0 and signed > 0.5 * total

    def destroy(self) -> None:
        """Free the index sets and matrices."""
        for obj in (self.is_p, self.is_c, *self.is_fields, *self._blocks.values()):
            obj.destroy()
        for obj in (self.S, self.factored):
            if obj is not None:
                obj.destroy()
