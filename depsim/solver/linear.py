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
  ``lower``) with one V-cycle for A and, for the Schur complement D - C A^-1 B
  (:mod:`depsim.solver.block_schur`):

  - electroneutral with geometric multigrid (one concentration field, B = diag(t+) D): its
    exact factorisation S^-1 = D^-1 diag(t+)^-1 A E^-1, E = diag(t+)^-1 A - C, a V-cycle
    on E and one on D (:mod:`depsim.solver.schur`);
  - otherwise (Poisson mode's two ion fields; GAMG): one V-cycle on the assembled
    approximation::

      S = D - sum_j C_j diag(r_j),   r_j = diag(B_j) / diag(A_j)   (node by node, in [-1, 1])

    for stiffness-like couplings C_j, and D - C_j diag(A_j)^-1 B_j for mass-like ones (the
    charge density): the screened Poisson operator kappa K + (c+ + c-) M-like (the
    Debye-Hueckel linearisation).

  All are scalar elliptic operators where multigrid is close to mesh-independent, and with
  exact block solves the preconditioned operator's spectrum is bounded independently of h;
  with one V-cycle per block the Krylov iterations grow as far as the multigrid's own do
  (GAMG's strength threshold by dimension: :data:`GAMG_THRESHOLD`).
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

log = logging.getLogger("depsim")

__all__ = [
    "AUTO_CROSSOVER",
    "GAMG_THRESHOLD",
    "LINEAR_SOLVERS",
    "MULTIGRIDS",
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
#: the smoothers of geometric multigrid: ILU(1) in additive Schwarz on both blocks, 4 sweeps on
#: the concentration block. Measured on captured step Jacobians of the 3D paper cell (factored
#: Schur complement): at 167k DOFs, 1 rank, 2 SOR sweeps everywhere took 8 iterations, 4 ILU(0)
#: sweeps on c 7, ILU(0) on both 6 (a W-cycle on c did not help: the smoother limits, not the
#: coarse correction); overlap 1, since block-Jacobi ILU drops the couplings between ranks (9
#: against 6 iterations on 2 ranks); ILU(1), since with ILU(0) the count grew 5 -> 8 over three
#: refinements (3.5k -> 1.27M DOFs) and with ILU(1) 4 -> 5 (benchmarks/README.md, "Where the
#: paper cell's growth came from")
_GEOMETRIC_SMOOTHING = {
    "mg_levels_pc_type": "asm",
    "mg_levels_sub_pc_type": "ilu",
    "mg_levels_sub_pc_factor_levels": 1,
}
_GEOMETRIC_C = {**_GEOMETRIC_SMOOTHING, "mg_levels_ksp_max_it": 4}


def iterative_options(dim: int, rtol: float = 1e-6, levels: int = 0) -> dict[str, object]:
    """PETSc options of ``"iterative"`` (relative to the KSP prefix): GMRES, right
    preconditioning (``rtol`` [-] is relative to the true residual), fieldsplit Schur ``lower``
    with one V-cycle on the concentration block ``c`` and on the potential block ``p``: GAMG,
    its threshold by the mesh dimension ``dim`` (:data:`GAMG_THRESHOLD`), or with ``levels``
    > 0 coarser nested meshes geometric multigrid on ``levels + 1`` levels (smoothing by
    overlapping additive Schwarz ILU(1), 4 sweeps on ``c`` and 2 on ``p``, LU on the coarsest
    mesh; with the factored Schur complement the ``p`` options serve its two V-cycles; the
    prolongations are set by :class:`~depsim.solver.block_schur.BlockSchurPreconditioner`)."""
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
        # the concentration block carries the migration (a drift term): ILU smooths it
        # better than SOR (3D separator cell, 143k DOFs: ILU(0) 7 against SOR 8 iterations)
        opts.update({f"fieldsplit_c_{k}": v for k, v in _GEOMETRIC_C.items()})
        opts.update({f"fieldsplit_p_{k}": v for k, v in _GEOMETRIC_SMOOTHING.items()})
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
