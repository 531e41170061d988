"""A 2D interface cell with an anisotropic boundary layer at the Li, for the Poisson model.

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
one (thinner: the resolution check, which measures the normal size, passes). Facet and cell
tags are those of every interface cell (:mod:`depsim.geometry.markers`); a separator layer
(internal interfaces) and 3D cells are not built this way.
"""

from __future__ import annotations

import math

import numpy as np

from depsim.geometry.debye import PER_DEBYE, graded_nodes, graded_rectangle

__all__ = ["layered_cell_size", "layered_interface_cell", "supports_layered_mesh"]


def supports_layered_mesh(geom) -> bool:
    """True for a built-in 2D interface cell without a separator layer (a graph surface y =
    h(x) under a flat top)."""
    return geom.kind == "interface_cell" and geom.dimension == 2 and geom.separator_levels() is None


def _nodes(geom, lam, per_debye, fine_debye, growth, refine_top: bool = False):
    n_cols = max(1, math.ceil(geom.width / geom.electrode_size - 1e-9))
    x = np.linspace(0.0, geom.width, n_cols + 1)
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
    """(columns, rows) of :func:`layered_interface_cell` (2 triangles per column and row)."""
    x, eta = _nodes(geom, lam, per_debye, fine_debye, growth, refine_top)
    return x.size - 1, eta.size - 1


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
    """The cell of ``geom`` (:class:`~depsim.geometry.CellGeometry`, 2D, no separator layer)
    with a boundary layer resolving the Debye length ``lam`` [m] at the Li. ``surface``: h(x)
    [m] replacing the roughness profile. ``refine_top``: resolve a layer at the top as well
    (the Donnan layer between a charged matrix and the reservoir). Returns a
    :class:`~depsim.geometry.bundle.MeshBundle` (coordinates in metres)."""
    from depsim.geometry.bundle import make_bundle
    from depsim.geometry.interface_cell import profile_function

    if not supports_layered_mesh(geom):
        raise ValueError("a layered mesh needs a 2D interface cell without a separator layer")
    x_nodes, eta = _nodes(geom, lam, per_debye, fine_debye, growth, refine_top)
    flat = graded_rectangle(comm, x_nodes, eta, cell="triangle")
    h = profile_function(geom) if surface is None else surface
    X = flat.mesh.geometry.x
    H = geom.height
    h_x = np.asarray(h(X[:, 0]), dtype=float)
    X[:, 1] = h_x + X[:, 1] * (H - h_x) / H
    return make_bundle(
        flat.mesh,
        flat.cell_tags,
        flat.facet_tags,
        flat.markers,
        geometry=geom,
        projected_area=float(geom.width),
    )
