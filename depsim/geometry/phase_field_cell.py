"""The mesh of a phase-field cell: a fixed structured mesh the diffuse Li surface moves through.

The cell of the interface-cell case (width W, depth D in 3D, height H above the mean Li surface
y = 0) extends below the surface into the Li, to y = -L (``phase_field.li_thickness``).
Quadrilaterals (hexahedra in 3D) of the size ``geometry.mesh.electrode_size`` fill the whole
width and the band -L <= y <= y_band where the surface lives and grows; above the band the rows
grow by 10 % each up to ``geometry.mesh.size``. A separator layer (``[geometry.separator]``:
gap g, thickness t) is the cells whose centres lie in g <= y <= g + t.

Facet tags as the interface cell's (:mod:`depsim.geometry.markers`): the bottom y = -L keeps
the ELECTRODE tag (the Li's current collector; under the phase field an insulating wall, the
reaction taking place on the diffuse surface), TOP, LEFT, RIGHT, FRONT, BACK.
"""

from __future__ import annotations

import math

import numpy as np

from depsim.geometry import markers as mk

__all__ = ["build_phase_field_cell", "row_heights"]


def row_heights(bottom: float, band_top: float, top: float, h_fine: float, h_coarse: float):
    """Row coordinates y [m] from ``bottom`` to ``top``: spacing h_fine up to band_top (the
    band rounded up to whole rows), then growing by 10 % per row up to h_coarse."""
    n_fine = max(1, math.ceil((min(band_top, top) - bottom) / h_fine - 1e-9))
    ys = list(bottom + h_fine * np.arange(n_fine + 1))
    h = h_fine
    while ys[-1] < top - 1e-12 * abs(top):
        h = min(1.1 * h, h_coarse)
        ys.append(ys[-1] + h)
    ys = np.array(ys)
    if len(ys) > n_fine + 1:  # the last coarse row ends at the top
        ys[-1] = top
        if ys[-1] - ys[-2] < 0.5 * h and len(ys) > n_fine + 2:
            ys = np.delete(ys, -2)
    else:
        ys[-1] = top
    return ys


def build_phase_field_cell(geom, li_thickness: float, band_top: float, comm):
    """The :class:`~depsim.geometry.bundle.MeshBundle` of the phase-field cell of
    :class:`~depsim.geometry.cell_geometry.CellGeometry` ``geom`` (module docstring)."""
    from dolfinx import mesh as dmesh

    from depsim.geometry.bundle import make_bundle

    h = float(geom.electrode_size)
    rows = row_heights(-li_thickness, band_top, geom.height, h, max(geom.mesh_size, h))
    ny = len(rows) - 1
    nx = max(1, math.ceil(geom.width / h - 1e-9))
    if geom.dimension == 2:
        m = dmesh.create_rectangle(
            comm, [[0.0, 0.0], [1.0, 1.0]], [nx, ny], dmesh.CellType.quadrilateral
        )
    else:
        nz = max(1, math.ceil(geom.depth_or_width / h - 1e-9))
        m = dmesh.create_box(
            comm,
            [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
            [nx, ny, nz],
            dmesh.CellType.hexahedron,
        )
    x = m.geometry.x
    x[:, 0] *= geom.width
    x[:, 1] = np.interp(x[:, 1] * ny, np.arange(ny + 1), rows)
    if geom.dimension == 3:
        x[:, 2] *= geom.depth_or_width
    facet_tags, markers = _facet_tags(m, geom, -li_thickness)
    cell_tags = _cell_tags(m, geom)
    if geom.separator_thickness:
        markers["separator"] = mk.SEPARATOR
    markers["electrolyte"] = mk.ELECTROLYTE
    area = geom.width * (geom.depth_or_width if geom.dimension == 3 else 1.0)
    return make_bundle(m, cell_tags, facet_tags, markers, geometry=geom, projected_area=area)


def _facet_tags(m, geom, bottom: float):
    from dolfinx import mesh as dmesh

    tdim = m.topology.dim
    m.topology.create_connectivity(tdim - 1, tdim)
    sides = {
        "electrode": (mk.ELECTRODE, lambda p: np.isclose(p[1], bottom)),
        "top": (mk.TOP, lambda p: np.isclose(p[1], geom.height)),
        "left": (mk.LEFT, lambda p: np.isclose(p[0], 0.0)),
        "right": (mk.RIGHT, lambda p: np.isclose(p[0], geom.width)),
    }
    if tdim == 3:
        depth = geom.depth_or_width
        sides["front"] = (mk.FRONT, lambda p: np.isclose(p[2], 0.0))
        sides["back"] = (mk.BACK, lambda p: np.isclose(p[2], depth))
    tagged: dict[int, int] = {}
    for tag, where in sides.values():  # a corner facet keeps its first group (y first)
        for f in dmesh.locate_entities_boundary(m, tdim - 1, where):
            tagged.setdefault(int(f), tag)
    idx = np.array(sorted(tagged), dtype=np.int32)
    vals = np.array([tagged[i] for i in idx], dtype=np.int32)
    markers = {name: tag for name, (tag, _) in sides.items()}
    return dmesh.meshtags(m, tdim - 1, idx, vals), markers


def _cell_tags(m, geom):
    from dolfinx import mesh as dmesh

    tdim = m.topology.dim
    n = m.topology.index_map(tdim).size_local + m.topology.index_map(tdim).num_ghosts
    cells = np.arange(n, dtype=np.int32)
    mid = dmesh.compute_midpoints(m, tdim, cells)
    values = np.full(n, mk.ELECTROLYTE, dtype=np.int32)
    if geom.separator_thickness:
        lo = geom.separator_gap
        hi = lo + geom.separator_thickness
        values[(mid[:, 1] >= lo) & (mid[:, 1] <= hi)] = mk.SEPARATOR
    return dmesh.meshtags(m, tdim, cells, values)
