"""Uniform refinement of a meshed cell into a nested hierarchy (for geometric multigrid).

``geometry.mesh.refinements = N`` builds the cell at the case's element sizes and then
splits every cell uniformly N times (dolfinx's Plaza refinement: each edge halved, a triangle
into 4, a tetrahedron into 8). The finer mesh is nested in the coarser one: every fine cell lies
inside one *parent* cell, every fine vertex on the coarse mesh (a coarse vertex or an edge
midpoint), so the P1 interpolation from the coarse mesh to the fine one is exact and local. The
coarse meshes and the parent maps are kept on the bundle (:attr:`MeshBundle.hierarchy`) for the
linear solver's geometric multigrid (:mod:`depsim.solver.multigrid`).

New vertices lie on the coarse facets: a curved Li surface keeps the faceting of the coarsest
mesh, so its ``electrode_size`` must resolve the roughness (docs/solver.md, "Geometric
multigrid").

Region tags are carried over by geometry rather than by :func:`dolfinx.mesh.transfer_meshtag`,
which in dolfinx 0.11 indexes the parent map by the fine cells' creation order (not their
local order after reordering) and refuses ghosted meshes: a fine cell takes its parent's tag,
and a fine facet takes the tag of the parent's facet that contains it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NestedLevel", "barycentric", "parent_cells", "refine_bundle"]

#: a vertex lies on a parent facet when its barycentric coordinate is below this (relative)
_ON_FACET = 1e-8


@dataclass(frozen=True)
class NestedLevel:
    """One coarser mesh of a nested hierarchy.

    Attributes:
        mesh: the coarser dolfinx mesh (coordinates in metres).
        parent_cells: for every owned cell of the next finer mesh (its local index), the local
            index of the cell of ``mesh`` that contains it.
    """

    mesh: object
    parent_cells: np.ndarray


def parent_cells(fine, parent_by_creation: np.ndarray) -> np.ndarray:
    """The parent (coarse local cell) of each owned fine cell, in the fine mesh's local order.

    dolfinx's :func:`~dolfinx.mesh.refine` returns the parents in the order the fine cells were
    created; ``topology.original_cell_index`` (global, offset by the rank's cell range) maps
    the local order back to it.
    """
    tdim = fine.topology.dim
    imap = fine.topology.index_map(tdim)
    created = np.asarray(fine.topology.original_cell_index[: imap.size_local], dtype=np.int64)
    return np.asarray(parent_by_creation, dtype=np.int32)[created - imap.local_range[0]]


def barycentric(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Barycentric coordinates (n, m, d+1) of points (n, m, gdim) in simplices (n, d+1, gdim)."""
    d = vertices.shape[1] - 1
    T = np.transpose(vertices[:, 1:, :d] - vertices[:, :1, :d], (0, 2, 1))  # (n, d, d)
    rhs = np.transpose(points[:, :, :d] - vertices[:, :1, :d], (0, 2, 1))  # (n, d, m)
    lam = np.transpose(np.linalg.solve(T, rhs), (0, 2, 1))  # (n, m, d)
    return np.concatenate([1.0 - lam.sum(axis=2, keepdims=True), lam], axis=2)


def _cell_tags(coarse, coarse_tags, fine, parents: np.ndarray):
    """Cell tags of ``fine``: each owned cell takes its parent's; ghost cells by a scatter."""
    import dolfinx.fem as fem
    from dolfinx.mesh import meshtags

    tdim = fine.topology.dim
    n_coarse = coarse.topology.index_map(tdim)
    by_cell = np.zeros(n_coarse.size_local + n_coarse.num_ghosts, dtype=np.int32)
    by_cell[coarse_tags.indices] = coarse_tags.values
    V0 = fem.functionspace(fine, ("DG", 0))
    f = fem.Function(V0)
    n_own = fine.topology.index_map(tdim).size_local
    dofs = V0.dofmap.list[:n_own, 0]
    f.x.array[dofs] = by_cell[parents]
    f.x.scatter_forward()
    n_all = n_own + fine.topology.index_map(tdim).num_ghosts
    values = np.rint(f.x.array[V0.dofmap.list[:n_all, 0]]).astype(np.int32)
    cells = np.arange(n_all, dtype=np.int32)
    keep = values != 0
    return meshtags(fine, tdim, cells[keep], values[keep])


def _facet_tags(coarse, coarse_tags, fine, parents: np.ndarray):
    """Facet tags of ``fine``: a facet of an owned fine cell that lies in a facet of the
    parent cell takes that facet's tag (facets touching only ghost cells stay untagged)."""
    from dolfinx.mesh import entities_to_geometry, meshtags

    tdim = fine.topology.dim
    fdim = tdim - 1
    for m in (coarse, fine):
        m.topology.create_entities(fdim)
        m.topology.create_connectivity(tdim, fdim)
        m.topology.create_connectivity(fdim, tdim)
    n_cf = coarse.topology.index_map(fdim)
    tag_of = np.zeros(n_cf.size_local + n_cf.num_ghosts, dtype=np.int32)
    tag_of[coarse_tags.indices] = coarse_tags.values
    n_own = fine.topology.index_map(tdim).size_local
    # only fine cells whose parent has a tagged facet can have one (the boundary layer of
    # cells): the geometric search below is then proportional to the tagged surface, not to
    # the mesh (at 3.5M tetrahedra the whole mesh would take several GB)
    c_facets = coarse.topology.connectivity(tdim, fdim).array.reshape(-1, tdim + 1)
    cells = np.flatnonzero((tag_of[c_facets[parents[:n_own]]] != 0).any(axis=1))
    cells = cells.astype(np.int32)
    # the parent's vertices and facets (local facet k of a simplex is opposite vertex k)
    pc = parents[cells]
    p_geom = entities_to_geometry(coarse, tdim, pc)  # (n, d+1) geometry nodes
    p_facets = c_facets[pc]
    # which parent vertex each parent facet omits
    f_geom = entities_to_geometry(coarse, fdim, p_facets.ravel()).reshape(len(pc), tdim + 1, -1)
    omits = np.argmin(
        (p_geom[:, :, None, None] == f_geom[:, None, :, :]).any(axis=3), axis=1
    )  # (n, facet k) -> the local vertex of the parent not in facet k
    # the fine cells' facets, their vertices in barycentric coordinates of the parent
    f_facets = fine.topology.connectivity(tdim, fdim).array.reshape(-1, tdim + 1)[cells]
    ff_geom = entities_to_geometry(fine, fdim, f_facets.ravel()).reshape(len(cells), tdim + 1, -1)
    xc, xf = coarse.geometry.x, fine.geometry.x
    points = xf[ff_geom.reshape(len(cells), -1)]  # (n, (d+1) * d, 3)
    lam = barycentric(xc[p_geom], points).reshape(len(cells), tdim + 1, tdim, tdim + 1)
    on = (np.abs(lam) < _ON_FACET).all(axis=2)  # (n, fine facet, parent vertex)
    fine_idx, k_fine, vertex = np.nonzero(on)
    # the parent facet omitting that vertex
    match = omits[fine_idx] == vertex[:, None]  # (hits, parent facet)
    parent_facet = p_facets[fine_idx, np.argmax(match, axis=1)]
    values = tag_of[parent_facet]
    facets = f_facets[fine_idx, k_fine]
    keep = values != 0
    facets, values = facets[keep], values[keep]
    facets, first = np.unique(facets, return_index=True)
    return meshtags(fine, fdim, facets.astype(np.int32), values[first].astype(np.int32))


def refine_bundle(bundle, times: int):
    """``bundle`` refined uniformly ``times`` times, with its tags and the nested hierarchy
    (coarsest first) on :attr:`MeshBundle.hierarchy`. Collective. ``times = 0``: unchanged."""
    from dolfinx.mesh import RefinementOption, refine

    from depsim.geometry.bundle import make_bundle

    if times <= 0:
        return bundle
    mesh, cell_tags, facet_tags = bundle.mesh, bundle.cell_tags, bundle.facet_tags
    levels = list(bundle.hierarchy)
    for _ in range(times):
        mesh.topology.create_entities(1)
        fine, by_creation, _ = refine(mesh, None, option=RefinementOption.parent_cell)
        parents = parent_cells(fine, by_creation)
        fine.topology.create_entities(fine.topology.dim - 1)
        cell_tags = _cell_tags(mesh, cell_tags, fine, parents)
        facet_tags = _facet_tags(mesh, facet_tags, fine, parents)
        levels.append(NestedLevel(mesh=mesh, parent_cells=parents))
        mesh = fine
    out = make_bundle(
        mesh,
        cell_tags,
        facet_tags,
        bundle.markers,
        geometry=bundle.geometry,
        projected_area=bundle.projected_area,
    )
    out.hierarchy = tuple(levels)
    return out
