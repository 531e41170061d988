"""Geometric multigrid for the blocks of the iterative solver, on a nested mesh hierarchy.

When the mesh was made by uniform refinement (``geometry.mesh.refinements``,
:mod:`depsim.geometry.refinement`), the block preconditioner of ``solver.linear = "iterative"``
replaces GAMG on each block by PETSc's PCMG with the hierarchy's own transfer operators
(``solver.multigrid``, docs/solver.md "Geometric multigrid"):

- prolongation P_l from level l-1 to level l: the P1 interpolation of the coarse mesh at the fine
  nodes (the barycentric coordinates of a fine node in its parent cell; exact for nested
  meshes: P_l reproduces every coarse P1 function), restriction P_l^T;
- coarse operators by Galerkin products A_{l-1} = P_l^T A_l P_l (``pc_mg_galerkin``), so only
  the finest Jacobian is assembled and a moving mesh (deposition) needs no new hierarchy: P is
  the interpolation of the reference configuration, which stays a valid prolongation;
- a block of several fields (the two ion concentrations of Poisson mode) is prolonged field by
  field.

Rows and columns are numbered as PETSc numbers a block: the finest level in the order of the
fieldsplit index set (the global DOFs of the mixed space ``W`` that the block holds), coarser
levels field by field within each rank's owned nodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from petsc4py import PETSc

__all__ = [
    "block_prolongations",
    "coarse_spaces",
    "field_space",
    "p1_interpolation",
    "supports_geometric",
]


def supports_geometric(W: Any, hierarchy: tuple) -> bool:
    """Whether geometric multigrid applies: a nested hierarchy and P1 fields on simplices."""
    if not hierarchy:
        return False
    return int(W.sub(0).collapse()[0].ufl_element().degree) == 1


def field_space(W: Any, sub: int) -> tuple[Any, np.ndarray]:
    """(collapsed space of field ``sub`` of ``W``, global indices in ``W`` of its owned DOFs in
    the collapsed space's order) on this rank."""
    V, parent = W.sub(sub).collapse()
    if isinstance(parent, list | tuple):  # dolfinx 0.11: a list holding the map
        parent = parent[0]
    n_own = V.dofmap.index_map.size_local * V.dofmap.index_map_bs
    local = np.ascontiguousarray(parent[:n_own], dtype=np.int32)
    return V, W.dofmap.index_map.local_to_global(local).astype(PETSc.IntType)


def coarse_spaces(hierarchy: tuple) -> list[Any]:
    """Scalar P1 spaces on the coarser meshes of ``hierarchy`` (coarsest first)."""
    import dolfinx.fem as fem

    return [fem.functionspace(level.mesh, ("Lagrange", 1)) for level in hierarchy]


def p1_interpolation(Vc: Any, Vf: Any, parents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P1 interpolation from ``Vc`` to the owned DOFs of ``Vf`` (nested meshes).

    Args:
        Vc, Vf: scalar P1 spaces on the coarse and the fine mesh (``Vf`` may be a collapsed
            sub-space of a mixed space).
        parents: for each owned fine cell, its parent cell (local index in the coarse mesh).

    Returns:
        (cols, vals), each (n_owned_fine, d+1): the coarse global DOF indices and the weights
        (barycentric coordinates of the fine node in its parent cell, in [0, 1], summing to 1)
        of each owned fine DOF, in ``Vf``'s local order.
    """
    from depsim.geometry.refinement import barycentric

    mf = Vf.mesh
    tdim = mf.topology.dim
    n_cells = mf.topology.index_map(tdim).size_local
    fine_dofs = Vf.dofmap.list[:n_cells]
    coarse_dofs = Vc.dofmap.list[parents[:n_cells]]
    imap = Vf.dofmap.index_map
    n_own = imap.size_local
    # one owned fine cell holding each owned fine DOF (every owned vertex lies in an owned cell)
    cell_of = np.full(n_own + imap.num_ghosts, -1, dtype=np.int64)
    for j in range(fine_dofs.shape[1]):
        cell_of[fine_dofs[:, j]] = np.arange(n_cells)
    cells = cell_of[:n_own]
    if (cells < 0).any():
        raise RuntimeError("geometric multigrid: an owned node lies in no owned cell")
    xc = Vc.tabulate_dof_coordinates()
    xf = Vf.tabulate_dof_coordinates()[:n_own]
    local = coarse_dofs[cells]  # (n_own, d+1)
    vals = barycentric(xc[local], xf[:, None, :])[:, 0, :]
    vals[np.abs(vals) < 1e-12] = 0.0
    cols = Vc.dofmap.index_map.local_to_global(local.ravel().astype(np.int32))
    return cols.reshape(local.shape), vals


class _Numbering:
    """Block numbering of one level: field ``j`` of the block, scalar node ``i``."""

    def __init__(self, comm: Any, n_own: int, n_fields: int):
        self.n_fields = n_fields
        self.n_own = n_own
        self.sizes = np.array(comm.allgather(n_own), dtype=np.int64)
        self.starts = self.sizes.cumsum() - self.sizes
        self.rank_start = int(self.starts[comm.rank])

    def columns(self, j: int, glob: np.ndarray) -> np.ndarray:
        """Block indices of field ``j`` at the scalar global node indices ``glob``."""
        owner = np.searchsorted(self.starts, glob, side="right") - 1
        start = self.starts[owner]
        return self.n_fields * start + j * self.sizes[owner] + (glob - start)

    def rows(self, j: int) -> np.ndarray:
        """Local row indices of field ``j`` (all owned nodes, in order)."""
        return j * self.n_own + np.arange(self.n_own)


def _matrix(comm, rows, cols, vals, n_rows: int, n_cols: int) -> PETSc.Mat:
    """An AIJ matrix from local row indices and (global) columns and values per row."""
    order = np.argsort(rows, kind="stable")
    cols, vals = cols[order], vals[order]
    width = cols.shape[1]
    indptr = np.arange(0, n_rows * width + 1, width, dtype=PETSc.IntType)
    return PETSc.Mat().createAIJ(
        ((n_rows, PETSc.DECIDE), (n_cols, PETSc.DECIDE)),
        csr=(indptr, cols.ravel().astype(PETSc.IntType), vals.ravel()),
        comm=comm,
    )


def block_prolongations(
    W: Any,
    fields: list[int],
    block_dofs: np.ndarray,
    hierarchy: tuple,
    spaces: list[Any] | None = None,
) -> list[PETSc.Mat]:
    """The prolongations of one fieldsplit block, coarsest first (PCMG levels 1..L).

    Args:
        W: the mixed space (P1 fields) on the finest mesh.
        fields: the sub-spaces of ``W`` in the block.
        block_dofs: the owned global DOFs of ``W`` in the block, in the block's order (the
            fieldsplit index set).
        hierarchy: the coarser meshes, coarsest first
            (:class:`~depsim.geometry.refinement.NestedLevel`).
        spaces: :func:`coarse_spaces` of ``hierarchy`` (built here when not given).
    """
    comm = W.mesh.comm
    nf = len(fields)
    spaces = coarse_spaces(hierarchy) if spaces is None else spaces
    numbering = [_Numbering(comm, V.dofmap.index_map.size_local, nf) for V in spaces]
    mats = []
    for lev in range(1, len(hierarchy)):  # coarse -> fine between two coarse meshes
        Vc, Vf = spaces[lev - 1], spaces[lev]
        cols, vals = p1_interpolation(Vc, Vf, hierarchy[lev - 1].parent_cells)
        nc, nfine = numbering[lev - 1], numbering[lev]
        r = np.concatenate([nfine.rows(j) for j in range(nf)])
        c = np.concatenate([nc.columns(j, cols) for j in range(nf)])
        v = np.concatenate([vals] * nf)
        mats.append(_matrix(comm, r, c, v, nf * nfine.n_own, nf * nc.n_own))
    # the finest level: rows in the order of the block's index set
    order = np.argsort(block_dofs)
    sorted_dofs = block_dofs[order]
    nc = numbering[-1]
    finest_parents = hierarchy[-1].parent_cells
    rows, colsl, valsl = [], [], []
    for j, field in enumerate(fields):
        Vj, glob = field_space(W, field)
        rows.append(order[np.searchsorted(sorted_dofs, glob)])
        cols, vals = p1_interpolation(spaces[-1], Vj, finest_parents)
        colsl.append(nc.columns(j, cols))
        valsl.append(vals)
    mats.append(
        _matrix(
            comm,
            np.concatenate(rows),
            np.concatenate(colsl),
            np.concatenate(valsl),
            len(block_dofs),
            nf * nc.n_own,
        )
    )
    return mats
