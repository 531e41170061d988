"""The linear solver of the Newton iteration: LU, or a block-preconditioned Krylov method.

``solver.linear`` (docs/solver.md, "Linear solvers"):

- ``"mumps"``, ``"superlu_dist"``: direct LU (``preonly``).
- ``"iterative"``: right-preconditioned GMRES with a block (fieldsplit by field) Schur
  preconditioner, algebraic multigrid (PETSc GAMG) on both blocks. The fields of the problem's
  mixed space ``W`` are split into the concentration-like ones (``u``; ``u_plus``, ``u_minus``)
  and the potential-like one (``psi``/``chi``, the last field), and the Jacobian::

      J = [ A  B ]   A: concentration rows/columns (mass/dt + diffusion),
          [ C  D ]   D: potential rows/columns (conduction, or Poisson's kappa K)

  is preconditioned by the lower block factorisation ``[A 0; C S]`` (PCFIELDSPLIT, Schur,
  ``lower``) with one GAMG V-cycle for A and one for an assembled approximation of the Schur
  complement D - C A^-1 B::

      S = D - sum_j C_j diag(r_j),   r_j = diag(B_j) / diag(A_j)   (node by node, in [-1, 1])

  (C_j, B_j: the couplings of field j to the potential). For a P1/P1 pair B_j and A_j share
  the diffusion operator, so A_j^-1 B_j ~ r_j I with r_j -> 1 (dt D/h^2 >> 1) and -> 0 (small
  dt): S is the anion conduction 2 d- c K of the electroneutral model (the exact Schur
  complement of the stationary block) and the screened Poisson operator kappa K + (c+ + c-) M
  of the Poisson model (the Debye-Hueckel linearisation). Both are scalar elliptic operators
  where GAMG is close to mesh-independent, and with exact block solves the preconditioned
  operator's spectrum is bounded independently of h (measured: 5 iterations from 0.5k to
  240k DOFs on a charged 3D cell); with one GAMG V-cycle per block the Krylov iterations grow
  as far as GAMG's own do (its strength threshold by dimension: :data:`GAMG_THRESHOLD`).
  Both blocks have rows scaled alike (every flux is proportional to c = e^u), so no extra
  scaling of the log-concentration against the potential unknowns is needed: the Schur design
  handles the kappa-scaled Poisson rows.
- ``solver.multigrid``: on a mesh made by uniform refinement (``geometry.mesh.refinements``)
  the V-cycles on both blocks are geometric (PCMG on the nested meshes, Galerkin coarse
  operators: :mod:`depsim.solver.multigrid`) instead of GAMG's; ``"auto"`` (the default) picks
  geometric whenever the hierarchy exists, ``"algebraic"`` keeps GAMG.
- ``"auto"`` (the default): LU below :data:`AUTO_CROSSOVER` global DOFs (by dimension; the
  crossover measured in benchmarks/README.md), ``"iterative"`` above.
- ``"gamg"``, ``"fieldsplit"``: the old plain GMRES + GAMG options, kept for compatibility.

The Keller-bordered galvanostatic system needs two solves with the same matrix per Newton
iteration; the preconditioner is set up once per Jacobian and serves both.

PETSc of the dolfinx wheel (3.25, real), checked by setting each ``PETSc.PC.Type``: GAMG,
MG, HMG, fieldsplit, LSC, composite, ASM/GASM, BJacobi, ILU/ICC, SOR, (P/VP)Jacobi, PATCH,
BDDC, telescope, redundant, deflation and LU/Cholesky with MUMPS and SuperLU_dist are built;
hypre, ML, HPDDM, AmgX and H2OPUS are not: GAMG is the algebraic multigrid (docs/solver.md).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from petsc4py import PETSc

from depsim.solver.multigrid import field_space

log = logging.getLogger("depsim")

__all__ = [
    "AUTO_CROSSOVER",
    "GAMG_THRESHOLD",
    "LINEAR_SOLVERS",
    "MULTIGRIDS",
    "BlockSchurPreconditioner",
    "iterative_options",
    "linear_solver_options",
    "mesh_motion_options",
    "resolve_linear",
    "resolve_multigrid",
]

LINEAR_SOLVERS = ("auto", "iterative", "mumps", "superlu_dist", "gamg", "fieldsplit")

#: values of ``solver.multigrid``: the V-cycle on the blocks of ``"iterative"``
MULTIGRIDS = ("auto", "algebraic", "geometric")

#: global DOFs of the mixed space from which ``auto`` switches from LU to ``iterative``, by
#: mesh dimension (benchmarks/bench_scale.py, benchmarks/README.md "Linear solvers at scale").
#: 3D: at 50k DOFs LU is faster in every respect; at 300k its kept factorisation still wins a
#: fixed-dt step (6.8 vs 9.5 s) but costs 3.4x the memory (4.1 vs 1.2 GB) and 2.5x the
#: full-Newton initial solve (89 vs 36 s), and it grows out of 24 GB before 1e6 DOFs. 2D: LU
#: won up to the largest size measured (562k DOFs: 2.2 vs 6.7 s/step, 1.9 vs 1.3 GB).
AUTO_CROSSOVER = {2: 2_000_000, 3: 150_000}

#: global DOFs of the vector P1 mesh-motion problem from which CG + GAMG replaces LU
MESH_MOTION_CROSSOVER = AUTO_CROSSOVER

#: names of potential-like fields (else the last field of W is taken)
POTENTIAL_FIELDS = ("psi", "chi", "phi")

#: GAMG's strength threshold by mesh dimension: couplings |a_ij| / sqrt(a_ii a_jj) below it
#: are dropped when aggregating. 2D: 0.1 for the anisotropic boundary-layer elements of the
#: Debye meshes (Poisson mode: 28.6 -> 14.6 iterations; the paper cell unchanged). 3D: a P1
#: tetrahedral node has ~14 neighbours against ~6 in 2D, so its normalised couplings are
#: smaller and 0.1 drops genuine ones: the aggregates fragment, the hierarchy deepens (8
#: levels at 240k DOFs) and the iterations grow under refinement (the charged separator cell:
#: 6 -> 15 per solve over four refinements, 10 with 0.05; benchmarks/README.md).
GAMG_THRESHOLD = {1: 0.1, 2: 0.1, 3: 0.05}

_GAMG = {
    "ksp_type": "preonly",
    "pc_type": "gamg",
    "pc_gamg_type": "agg",
    # the first Jacobian of a run is the initial-state one (u = u_n: a mass matrix in the
    # concentration block), whose aggregates do not serve the steps' diffusion operators
    "pc_gamg_reuse_interpolation": False,
    "mg_levels_ksp_type": "richardson",
    "mg_levels_pc_type": "sor",
}


_GEOMETRIC = {
    "ksp_type": "preonly",
    "pc_type": "mg",
    "pc_mg_galerkin": "both",
    "mg_levels_ksp_type": "richardson",
    "mg_levels_pc_type": "sor",
    "mg_coarse_ksp_type": "preonly",
    "mg_coarse_pc_type": "lu",
    "mg_coarse_pc_factor_mat_solver_type": "mumps",
}
_GEOMETRIC_C = {"mg_levels_pc_type": "bjacobi", "mg_levels_sub_pc_type": "ilu"}


def iterative_options(dim: int, rtol: float = 1e-6, levels: int = 0) -> dict[str, object]:
    """PETSc options of ``"iterative"`` (relative to the KSP prefix): GMRES, right
    preconditioning (``rtol`` [-] is relative to the true residual), fieldsplit Schur ``lower``
    with one V-cycle on the concentration block ``c`` and on the potential block ``p``: GAMG,
    its threshold by the mesh dimension ``dim`` (:data:`GAMG_THRESHOLD`), or with ``levels``
    > 0 coarser nested meshes geometric multigrid on ``levels + 1`` levels (smoothing by
    block-Jacobi ILU(0) on ``c`` and SOR on ``p``, LU on the coarsest mesh; the prolongations
    are set by :class:`BlockSchurPreconditioner`)."""
    opts: dict[str, object] = {
        "ksp_type": "gmres",
        "ksp_gmres_restart": 100,
        "ksp_pc_side": "right",
        "ksp_rtol": rtol,
        "ksp_atol": 1e-50,
        "ksp_max_it": 400,
        "pc_type": "fieldsplit",
        "pc_fieldsplit_type": "schur",
        "pc_fieldsplit_schur_fact_type": "lower",
    }
    if levels > 0:
        block = {**_GEOMETRIC, "pc_mg_levels": levels + 1}
    else:
        block = {**_GAMG, "pc_gamg_threshold": GAMG_THRESHOLD[dim]}
    for split in ("c", "p"):
        opts.update({f"fieldsplit_{split}_{k}": v for k, v in block.items()})
    if levels > 0:
        # the concentration block carries the migration (a drift term): block-Jacobi ILU(0)
        # smooths it better than SOR (3D separator cell, 143k DOFs: 7 against 8 iterations)
        opts.update({f"fieldsplit_c_{k}": v for k, v in _GEOMETRIC_C.items()})
    # the V-cycle on S works on S alone: by default PCMG/GAMG compute the finest residual with
    # the operator (the implicit Schur complement, an inner solve of A per residual), which
    # cost 1.5x (GAMG) to 2.3x (geometric) per solve for the same iterations (3D separator cell)
    opts["fieldsplit_p_pc_use_amat"] = False
    return opts


def linear_solver_options(linear: str, dim: int, levels: int = 0) -> dict[str, object]:
    """PETSc options for the Jacobian solve, by a resolved ``solver.linear`` name (not
    ``"auto"``: see :func:`resolve_linear`), the mesh dimension ``dim`` and the number of
    coarser nested meshes used by geometric multigrid (``levels``; 0: GAMG)."""
    if linear in ("mumps", "superlu_dist"):
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": linear}
    if linear == "iterative":
        return iterative_options(dim, levels=levels)
    krylov = {"ksp_type": "gmres", "ksp_rtol": 1e-12, "ksp_max_it": 500}
    if linear == "gamg":
        return {**krylov, "pc_type": "gamg"}
    if linear == "fieldsplit":
        # kept as it was; "iterative" is the block preconditioner built on the field ISes
        return {
            **krylov,
            "pc_type": "fieldsplit",
            "pc_fieldsplit_type": "multiplicative",
            "pc_fieldsplit_block_size": 2,
            "pc_fieldsplit_0_fields": 0,
            "pc_fieldsplit_1_fields": 1,
            "fieldsplit_0_pc_type": "gamg",
            "fieldsplit_1_pc_type": "gamg",
        }
    raise ValueError(f"unknown linear solver {linear!r}; allowed: {', '.join(LINEAR_SOLVERS)}")


def global_size(space: Any) -> int:
    """Global number of DOFs of a dolfinx function space."""
    imap = space.dofmap.index_map
    return int(imap.size_global * space.dofmap.index_map_bs)


def resolve_linear(linear: str, W: Any) -> str:
    """The solver ``linear`` means on the mixed space ``W``: ``"auto"`` becomes ``"mumps"``
    below :data:`AUTO_CROSSOVER` global DOFs (for the mesh's dimension), else
    ``"iterative"``; other names are returned unchanged (after a check)."""
    if linear not in LINEAR_SOLVERS:
        raise ValueError(f"unknown linear solver {linear!r}; allowed: {', '.join(LINEAR_SOLVERS)}")
    if linear != "auto":
        return linear
    dim = W.mesh.topology.dim
    return "iterative" if global_size(W) >= AUTO_CROSSOVER.get(dim, 150_000) else "mumps"


def resolve_multigrid(multigrid: str, W: Any, hierarchy: tuple) -> str:
    """``"geometric"`` or ``"algebraic"``: what ``solver.multigrid`` means on ``W`` with the
    nested coarser meshes ``hierarchy``. ``"auto"``: geometric when the hierarchy exists and
    the fields are P1. CaseError for ``"geometric"`` without one."""
    from depsim.solver.multigrid import supports_geometric

    if multigrid not in MULTIGRIDS:
        raise ValueError(f"unknown multigrid {multigrid!r}; allowed: {', '.join(MULTIGRIDS)}")
    if multigrid == "algebraic":
        return "algebraic"
    if supports_geometric(W, hierarchy):
        return "geometric"
    if multigrid == "geometric":
        from depsim.errors import CaseError

        raise CaseError(
            "solver.multigrid",
            "'geometric' needs nested meshes (geometry.mesh.refinements >= 1, "
            "model.element_degree = 1)",
            multigrid,
            "'auto', 'algebraic'",
        )
    return "algebraic"


def mesh_motion_options(V: Any, rtol: float = 1e-10) -> dict[str, object]:
    """PETSc options of the vector-Laplace mesh-motion solve on ``V``: LU (MUMPS) below
    :data:`MESH_MOTION_CROSSOVER` global DOFs, CG + GAMG (``rtol`` [-]) above."""
    dim = V.mesh.topology.dim
    if global_size(V) < MESH_MOTION_CROSSOVER.get(dim, 150_000):
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    return {
        "ksp_type": "cg",
        "ksp_rtol": rtol,
        "ksp_atol": 1e-50,
        "ksp_max_it": 500,
        "pc_type": "gamg",
        "pc_gamg_threshold": 0.02,
        "mg_levels_ksp_type": "chebyshev",
        "mg_levels_pc_type": "jacobi",
    }


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

    Call :meth:`update` after every assembly of the Jacobian (before the solves).
    """

    def __init__(self, problem: Any, ksp: PETSc.KSP, hierarchy: tuple = ()):
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
        self.is_c = PETSc.IS().createGeneral(
            np.sort(np.concatenate([dofs[i][0] for i in conc])), comm=self.comm
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

    def _sub(self, key: str, A: PETSc.Mat, rows: PETSc.IS, cols: PETSc.IS) -> PETSc.Mat:
        """A submatrix of A, reusing the matrix of the last call with the same ``key``."""
        old = self._blocks.get(key)
        self._blocks[key] = A.createSubMatrix(rows, cols, submat=old)
        return self._blocks[key]

    def update(self, A: PETSc.Mat) -> None:
        """Rebuild the Schur approximation S from a newly assembled Jacobian ``A``."""
        Str = PETSc.Mat.Structure
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

    def _set_prolongations(self) -> None:
        """Give the geometric multigrid of both blocks its prolongations (once: the fieldsplit
        is set up here, and PCMG forms the coarse operators by Galerkin products at every
        later set-up)."""
        from depsim.solver.multigrid import block_prolongations, coarse_spaces

        pc = self.ksp.getPC()
        pc.setUp()
        sub = dict(zip(("c", "p"), pc.getFieldSplitSubKSP(), strict=True))
        spaces = coarse_spaces(self.hierarchy)  # shared by both blocks
        for name, is_ in (("c", self.is_c), ("p", self.is_p)):
            mg = sub[name].getPC()
            if mg.getType() != PETSc.PC.Type.MG:  # e.g. an exact block solve set by options
                continue
            mats = block_prolongations(
                self._W, self._fields[name], is_.getIndices(), self.hierarchy, spaces
            )
            for level, P in enumerate(mats, start=1):
                mg.setMGInterpolation(level, P)
                self._blocks[f"P_{name}{level}"] = P

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
        if self.S is not None:
            self.S.destroy()
