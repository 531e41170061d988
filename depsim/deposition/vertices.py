"""Mesh vertices as degrees of freedom: the vector P1 space that carries displacements and
mesh velocities, and its map to the mesh's geometry nodes.

For a first-order (affine) mesh the coordinate element is P1 Lagrange, so local dof ``k`` of a
cell in a P1 space sits at the cell's geometry node ``k``: reading the two cell-to-dof tables
side by side gives the map from P1 dofs to rows of ``mesh.geometry.x``. Every rank maps all its
local dofs (owned and ghost); after a ``scatter_forward`` each rank therefore moves all its
geometry nodes, shared ones identically on every rank that holds them.
"""

from __future__ import annotations

import numpy as np
from dolfinx import fem


def vector_p1(mesh) -> fem.FunctionSpace:
    """Continuous vector P1 space of shape ``(gdim,)`` (displacement, mesh velocity)."""
    return fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))


def check_affine(mesh) -> None:
    """Raise ``ValueError`` unless the mesh's coordinate element is P1 (affine simplices)."""
    cmap = mesh.geometry.cmaps[0]
    if cmap.degree != 1:
        raise ValueError(
            f"mesh motion needs a first-order mesh (coordinate degree {cmap.degree} given)"
        )


def p1_to_geometry(V: fem.FunctionSpace) -> np.ndarray:
    """Geometry node (row of ``mesh.geometry.x``) of every local P1 dof (block) of ``V``.

    Args:
        V: a (scalar or blocked vector) continuous P1 space on a first-order mesh.

    Returns:
        int32 array of length ``index_map.size_local + index_map.num_ghosts``.
    """
    mesh = V.mesh
    check_affine(mesh)
    dofs = V.dofmap.list
    geom = mesh.geometry.dofmaps[0]
    if dofs.shape != geom.shape:
        raise ValueError(f"dof table {dofs.shape} and geometry table {geom.shape} differ")
    imap = V.dofmap.index_map
    out = np.full(imap.size_local + imap.num_ghosts, -1, dtype=np.int32)
    out[dofs.ravel()] = geom.ravel()
    if np.any(out < 0):  # pragma: no cover - every dof belongs to a local cell
        raise RuntimeError("some P1 dofs are not attached to a local cell")
    return out


def boundary_blocks(V: fem.FunctionSpace, facet_tags, tag: int) -> np.ndarray:
    """Local dof blocks (owned and ghost vertices) on the facets tagged ``tag``."""
    mesh = V.mesh
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, mesh.topology.dim)
    facets = np.asarray(facet_tags.find(tag), dtype=np.int32)
    return np.asarray(fem.locate_dofs_topological(V, fdim, facets), dtype=np.int32)


def n_owned(V: fem.FunctionSpace) -> int:
    """Number of owned dof blocks of ``V`` on this rank."""
    return V.dofmap.index_map.size_local
