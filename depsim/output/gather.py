"""Gather P1 (vertex) fields from all MPI ranks onto rank 0.

meshio cannot read or write distributed meshes, so the XDMF output (and any post-processing that
wants the whole mesh in one place) first collects the mesh and the nodal values on rank 0.

Numbering: the points are the P1 degrees of freedom of the first function's space in their global
(index-map) order, so every point appears exactly once (ghosts are dropped) and point ``k`` on rank
0 is global dof ``k``. Coordinates are in metres, as in the mesh.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from dolfinx import fem

__all__ = ["CELL_TYPES", "check_p1", "gather_p1", "local_p1", "node_map"]

#: dolfinx cell name -> (meshio cell type, permutation from basix/dolfinx to VTK vertex order)
CELL_TYPES: dict[str, tuple[str, list[int] | None]] = {
    "interval": ("line", None),
    "triangle": ("triangle", None),
    "tetrahedron": ("tetra", None),
    "quadrilateral": ("quad", [0, 1, 3, 2]),
    "hexahedron": ("hexahedron", [0, 1, 3, 2, 4, 5, 7, 6]),
}


def check_p1(functions: Mapping[str, fem.Function]):
    """Check that all ``functions`` are continuous degree-1 Lagrange functions (scalar or blocked
    vector) on one mesh; return that mesh. Raises ``ValueError`` otherwise."""
    if not functions:
        raise ValueError("no functions given")
    mesh = None
    for name, f in functions.items():
        V = f.function_space
        e = V.ufl_element()
        if getattr(e, "is_mixed", False):
            raise ValueError(f"{name!r}: mixed spaces are not supported; collapse sub-functions")
        ok = (
            e.embedded_superdegree == 1
            and e.embedded_subdegree == 1
            and not e.discontinuous
            and e.family_name in ("P", "Q")
            and len(V.value_shape) <= 1
        )
        if not ok:
            raise ValueError(f"{name!r} is not on a continuous P1 (scalar or vector) space: {e}")
        if mesh is None:
            mesh = V.mesh
        elif V.mesh is not mesh:
            raise ValueError(f"{name!r} lives on a different mesh than the other functions")
    return mesh


def node_map(V_ref: fem.FunctionSpace, V: fem.FunctionSpace) -> np.ndarray | None:
    """Local node numbers of ``V`` for each local node of ``V_ref`` (both P1 on one mesh), or None
    when the numbering is identical (the usual case: dolfinx numbers the dofs of equal layouts
    the same way)."""
    a, b = V_ref.dofmap.list, V.dofmap.list
    if V is V_ref or (a.shape == b.shape and np.array_equal(a, b)):
        return None
    n = V_ref.dofmap.index_map.size_local + V_ref.dofmap.index_map.num_ghosts
    out = np.empty(n, dtype=np.int32)
    out[a.ravel()] = b.ravel()
    return out


def _values(f: fem.Function, nodes: np.ndarray, V_ref: fem.FunctionSpace, cache: dict):
    """Values of ``f`` at the local nodes ``nodes`` of ``V_ref``: shape (n,) or (n, bs)."""
    V = f.function_space
    key = id(V.dofmap)
    if key not in cache:
        cache[key] = node_map(V_ref, V)
    m = cache[key]
    idx = nodes if m is None else m[nodes]
    bs = V.dofmap.index_map_bs
    arr = f.x.array
    if bs == 1:
        return np.array(arr[idx], dtype=np.float64)
    return np.array(arr.reshape(-1, bs)[idx], dtype=np.float64)


def _pad3(values: np.ndarray) -> np.ndarray:
    """Pad vectors to 3 components, as ParaView expects."""
    if values.ndim == 1 or values.shape[1] == 3:
        return values
    out = np.zeros((values.shape[0], 3), dtype=values.dtype)
    out[:, : values.shape[1]] = values
    return out


def local_p1(functions: Mapping[str, fem.Function]):
    """This rank's share of :func:`gather_p1`: owned points, owned cells (global point numbers),
    and the point data of the owned points (not collective)."""
    mesh = check_p1(functions)
    V = next(iter(functions.values())).function_space
    imap = V.dofmap.index_map
    n_owned = imap.size_local
    points = V.tabulate_dof_coordinates()[:n_owned, : mesh.geometry.dim].copy()

    tdim = mesh.topology.dim
    n_cells = mesh.topology.index_map(tdim).size_local
    local_cells = V.dofmap.list[:n_cells]
    cells = imap.local_to_global(local_cells.ravel().astype(np.int32)).reshape(local_cells.shape)
    cell_name = mesh.topology.cell_name()
    if cell_name not in CELL_TYPES:
        raise ValueError(f"unsupported cell type {cell_name!r}")
    perm = CELL_TYPES[cell_name][1]
    if perm is not None:
        cells = cells[:, perm]

    nodes = np.arange(n_owned, dtype=np.int32)
    cache: dict = {}
    data = {name: _pad3(_values(f, nodes, V, cache)) for name, f in functions.items()}
    return points, cells.astype(np.int64), data


def gather_p1(functions: Mapping[str, fem.Function], root: int = 0):
    """Collect the P1 mesh and nodal values of ``functions`` on rank ``root`` (collective).

    Args:
        functions: name -> dolfinx Function, all on continuous P1 spaces (scalar, or blocked
            vector of shape ``(gdim,)``) of the same mesh; values in SI units.
        root: the rank that receives the data.

    Returns:
        On ``root``: ``(points, cells, point_data)`` with ``points`` the (N, gdim) vertex
        coordinates in metres (global dof order, no duplicates), ``cells`` a dict
        ``{meshio cell type: (M, nverts) int64 array}`` of point indices and ``point_data`` a dict
        name -> (N,) array for scalars or (N, 3) array for vectors (zero-padded in 2D).
        ``(None, None, None)`` on the other ranks.
    """
    mesh = check_p1(functions)
    comm = mesh.comm
    points, cells, data = local_p1(functions)
    V = next(iter(functions.values())).function_space
    start = V.dofmap.index_map.local_range[0]

    gathered = comm.gather((start, points, cells, data), root=root)
    if comm.rank != root:
        return None, None, None
    gathered.sort(key=lambda item: item[0])  # owned dofs are contiguous, in rank order
    all_points = np.concatenate([g[1] for g in gathered])
    all_cells = np.concatenate([g[2] for g in gathered])
    point_data = {name: np.concatenate([g[3][name] for g in gathered]) for name in functions}
    cell_type = CELL_TYPES[mesh.topology.cell_name()][0]
    return all_points, {cell_type: all_cells}, point_data
