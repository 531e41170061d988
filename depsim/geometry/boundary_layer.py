"""An interface cell with an anisotropic boundary layer at the Li, for the Poisson model.

Resolving the diffuse layer with isotropic elements of size lambda_D / 5 along the whole Li
takes ~1e7 elements for a micrometre cell in a concentrated electrolyte (lambda_D ~ 0.1 nm at
2.5 mol/L). The diffuse layer varies fast only *normal* to the Li, so this mesh resolves it only
in that direction: a structured layer of thin, wide elements. Along the Li the columns keep the
case's electrode element size (``geometry.mesh.electrode_size``).

Construction: a tensor-product triangle mesh of the unit rectangle with columns x_i (uniform,
spacing <= electrode_size) and rows eta_j graded toward eta = 0 (:func:`graded_nodes`: the first
``fine_debye`` lambda_D at lambda_D / ``per_debye``, then growing by ``growth`` up to the bulk
size ``mesh_size``), mapped onto the cell above the Li surface y = h(x) of the case's roughness:

    y = h(x) + eta (H - h(x)) / H

so the bottom row follows the Li and the top row is the flat top. The rows are vertical, not
normal, to the surface: on a slope theta the normal thickness is cos(theta) times the vertical
one (thinner: the resolution check, which measures the normal size, passes). In 3D the columns are
an x-z grid and the cells tetrahedra (y = h(x, z) + eta (H - h) / H). Facet and cell tags are
those of every interface cell (:mod:`depsim.geometry.markers`); a separator layer (internal
interfaces) is not built this way.
"""

from __future__ import annotations

import math

import numpy as np

from depsim.geometry.debye import PER_DEBYE, graded_nodes, graded_rectangle

__all__ = ["graded_box", "layered_cell_size", "layered_interface_cell", "supports_layered_mesh"]


def supports_layered_mesh(geom) -> bool:
    """True for a built-in interface cell without a separator layer (a graph surface y = h(x)
    or h(x, z) under a flat top), in 2D or 3D."""
    return geom.kind == "interface_cell" and geom.separator_levels() is None


def _uniform(length: float, size: float) -> np.ndarray:
    return np.linspace(0.0, length, max(1, math.ceil(length / size - 1e-9)) + 1)


def _nodes(geom, lam, per_debye, fine_debye, growth, refine_top: bool = False):
    x = _uniform(geom.width, geom.electrode_size)
    h_fine = lam / per_debye
    eta = graded_nodes(
        geom.height,
        h_fine,
        max(geom.mesh_size, h_fine),
        refine_at=(0.0, geom.height) if refine_top else (0.0,),
        fine_width=fine_debye * lam,
        growth=growth,
    )
    return x, eta


def layered_cell_size(
    geom,
    lam: float,
    per_debye: float = PER_DEBYE,
    fine_debye: float = 3.0,
    growth: float = 1.2,
    refine_top: bool = False,
) -> tuple[int, int]:
    """(columns, rows) of :func:`layered_interface_cell`: 2 triangles per column and row in
    2D; in 3D the columns count x by z (6 tetrahedra per column and row)."""
    x, eta = _nodes(geom, lam, per_debye, fine_debye, growth, refine_top)
    columns = x.size - 1
    if geom.dimension == 3:
        columns *= _uniform(geom.depth_or_width, geom.electrode_size).size - 1
    return columns, eta.size - 1


def layered_interface_cell(
    geom,
    comm,
    lam: float,
    per_debye: float = PER_DEBYE,
    fine_debye: float = 3.0,
    growth: float = 1.2,
    surface=None,
    refine_top: bool = False,
):
    """The cell of ``geom`` (:class:`~depsim.geometry.CellGeometry`, no separator layer) with
    a boundary layer resolving the Debye length ``lam`` [m] at the Li. ``surface``: h(x)
    (h(x, z) in 3D) [m] replacing the roughness profile. ``refine_top``: resolve a layer at
    the top as well (the Donnan layer between a charged matrix and the reservoir). Returns a
    :class:`~depsim.geometry.bundle.MeshBundle` (coordinates in metres)."""
    from depsim.geometry.bundle import make_bundle
    from depsim.geometry.interface_cell import profile_function

    if not supports_layered_mesh(geom):
        raise ValueError("a layered mesh needs an interface cell without a separator layer")
    x_nodes, eta = _nodes(geom, lam, per_debye, fine_debye, growth, refine_top)
    H = geom.height
    h = profile_function(geom) if surface is None else surface
    if geom.dimension == 2:
        flat = graded_rectangle(comm, x_nodes, eta, cell="triangle")
        X = flat.mesh.geometry.x
        h_x = np.asarray(h(X[:, 0]), dtype=float)
    else:
        z_nodes = _uniform(geom.depth_or_width, geom.electrode_size)
        flat = graded_box(comm, x_nodes, eta, z_nodes)
        X = flat.mesh.geometry.x
        h_x = np.asarray(h(X[:, 0], X[:, 2]), dtype=float)
    X[:, 1] = h_x + X[:, 1] * (H - h_x) / H
    return make_bundle(
        flat.mesh,
        flat.cell_tags,
        flat.facet_tags,
        flat.markers,
        geometry=geom,
        projected_area=float(geom.projected_area),
    )


def graded_box(comm, x_nodes, y_nodes, z_nodes):
    """Tensor-product box of tetrahedra with vertices at ``x_nodes`` x ``y_nodes`` x
    ``z_nodes`` [m] (gmsh-free). Facet tags (:mod:`depsim.geometry.markers`): electrode
    (y = 0), top (y = H), left/right (x = 0, W), front/back (z = 0, D); cells ELECTROLYTE.
    Returns a :class:`~depsim.geometry.bundle.MeshBundle`."""
    from dolfinx import mesh as dmesh

    from depsim.geometry import markers as mk
    from depsim.geometry.bundle import make_bundle

    xn, yn, zn = (np.asarray(v, dtype=float) for v in (x_nodes, y_nodes, z_nodes))
    n = (xn.size - 1, yn.size - 1, zn.size - 1)
    m = dmesh.create_box(
        comm, [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], list(n), dmesh.CellType.tetrahedron
    )
    x = m.geometry.x
    for k, nodes in enumerate((xn, yn, zn)):
        x[:, k] = nodes[np.rint(x[:, k] * n[k]).astype(int)]
    W, H, D = xn[-1], yn[-1], zn[-1]
    tol = 1e-6 * min(np.diff(xn).min(), np.diff(yn).min(), np.diff(zn).min())
    tdim = m.topology.dim
    m.topology.create_connectivity(tdim - 1, tdim)
    groups = [
        (mk.ELECTRODE, lambda p: np.abs(p[1]) < tol),
        (mk.TOP, lambda p: np.abs(p[1] - H) < tol),
        (mk.LEFT, lambda p: np.abs(p[0]) < tol),
        (mk.RIGHT, lambda p: np.abs(p[0] - W) < tol),
        (mk.FRONT, lambda p: np.abs(p[2]) < tol),
        (mk.BACK, lambda p: np.abs(p[2] - D) < tol),
    ]
    idx, vals = [], []
    for tag, where in groups:
        f = dmesh.locate_entities_boundary(m, tdim - 1, where)
        idx.append(f)
        vals.append(np.full(f.size, tag, dtype=np.int32))
    idx_all = np.concatenate(idx).astype(np.int32)
    vals_all = np.concatenate(vals)
    idx_all, first = np.unique(idx_all, return_index=True)  # a facet lies on one face
    facet_tags = dmesh.meshtags(m, tdim - 1, idx_all, vals_all[first])
    n_cells = m.topology.index_map(tdim).size_local + m.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    cell_tags = dmesh.meshtags(m, tdim, cells, np.full(n_cells, mk.ELECTROLYTE, np.int32))
    names = {
        "electrode": mk.ELECTRODE, "top": mk.TOP, "left": mk.LEFT, "right": mk.RIGHT,
        "front": mk.FRONT, "back": mk.BACK, "electrolyte": mk.ELECTROLYTE,
    }  # fmt: skip
    return make_bundle(m, cell_tags, facet_tags, names, projected_area=float(W * D))
