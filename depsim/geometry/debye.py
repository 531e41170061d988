"""Meshes that resolve the Debye length, and the refusal of cases that cannot.

The Poisson mode (``model.charge = "poisson"``) resolves the diffuse double layers, whose width is
the Debye length of the 1:1 electrolyte::

    lambda_D = sqrt(eps0 eps_r R T / (2 F^2 c0))

(4.3 nm at c0 = 1 mol/m^3, eps_r = 20; 0.154 nm at 1 M; 0.097 nm at 2.5 M). Elements next to
charged surfaces and electrodes must be at most ``lambda_D / 5`` across (docs/model.md §3).

Helpers:

- :func:`required_element_size`, :func:`estimate_cells`, :func:`check_resolvable`: the mesh a
  case needs and a :class:`~depsim.errors.CaseError` when it is unreasonable (default limit
  5e6 elements), with the reasons and the alternatives in the message.
- :func:`graded_nodes`: 1D node coordinates, uniform ``h_fine`` within ``fine_width`` of chosen
  points, geometric growth (ratio ``growth``) up to ``h_max`` away from them.
- :func:`graded_rectangle`, :func:`debye_strip`, :func:`debye_rectangle`: gmsh-free
  tensor-product graded rectangles (quadrilaterals or triangles) with depsim's facet tags,
  including internal facets at chosen heights (charged membranes) — 1D-like strips, and 2D cells
  graded along the surface too (edges of charged sites).
- :func:`normal_element_size`, :func:`check_mesh_resolution`: the element height normal to
  tagged facets of an existing mesh, compared with ``lambda_D / 5``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from depsim.geometry import markers as mk
from depsim.geometry.debye_resolution import (  # the resolution checks, re-exported
    MAX_CELLS,
    PER_DEBYE,
    DebyeResolution,
    check_mesh_resolution,
    check_resolvable,
    estimate_cells,
    normal_element_size,
)
from depsim.physics.electrolyte import debye_length

log = logging.getLogger("depsim")

__all__ = [
    "DebyeGrading",
    "MAX_CELLS",
    "PER_DEBYE",
    "DebyeResolution",
    "check_mesh_resolution",
    "check_resolvable",
    "debye_length",
    "debye_rectangle",
    "debye_strip",
    "estimate_cells",
    "graded_nodes",
    "graded_rectangle",
    "normal_element_size",
    "required_element_size",
]


def required_element_size(
    c0: float, relative_permittivity: float, temperature: float, per_debye: float = PER_DEBYE
) -> float:
    """Largest element size [m] allowed next to charged surfaces and electrodes:
    lambda_D / ``per_debye``."""
    return debye_length(c0, relative_permittivity, temperature) / per_debye


# --- 1D grading ----------------------------------------------------------------------------------
def graded_nodes(
    length: float,
    h_fine: float,
    h_max: float,
    refine_at: Iterable[float] = (0.0,),
    fine_width: float = 0.0,
    growth: float = 1.2,
    include: Iterable[float] = (),
) -> np.ndarray:
    """Node coordinates on [0, ``length``] graded toward the points ``refine_at``.

    Element size as a function of the distance d to the nearest refinement point:
    h(d) = min(h_max, h_fine + (growth - 1) max(d - fine_width, 0)), i.e. uniform ``h_fine`` up
    to ``fine_width`` and then a geometric progression of ratio ~``growth``. The refinement points
    and the points in ``include`` are nodes (internal facets sit exactly on them). Within each
    segment between such points the marched nodes are scaled down to fit, so no element is larger
    than the size function asks.

    Returns the sorted node coordinates (first 0, last ``length``).
    """
    if not (length > 0 and h_fine > 0 and h_max >= h_fine and growth > 1.0):
        raise ValueError("graded_nodes: need length > 0, 0 < h_fine <= h_max, growth > 1")
    refine = np.array(sorted(set(float(r) for r in refine_at)), dtype=float)
    if refine.size and (refine.min() < 0 or refine.max() > length):
        raise ValueError("graded_nodes: refinement points must lie in [0, length]")
    breaks = sorted({0.0, float(length), *refine.tolist(), *(float(p) for p in include)})

    def size(y):
        if refine.size == 0:
            return h_max
        d = float(np.min(np.abs(refine - y)))
        return min(h_max, h_fine + (growth - 1.0) * max(d - fine_width, 0.0))

    nodes = [0.0]
    for a, b in zip(breaks[:-1], breaks[1:], strict=True):
        ys = [a]
        while ys[-1] < b:
            y = ys[-1]
            h = size(y)
            for _ in range(3):  # size at the element midpoint (fixed point)
                h = size(min(y + 0.5 * h, b))
            ys.append(y + h)
        ys = np.asarray(ys)
        ys = a + (ys - a) * (b - a) / (ys[-1] - a)  # shrink to fit: sizes only decrease
        nodes.extend(ys[1:].tolist())
    out = np.asarray(nodes)
    out[-1] = length
    return out


# --- meshes -------------------------------------------------------------------------------------
def graded_rectangle(
    comm,
    x_nodes: Sequence[float],
    y_nodes: Sequence[float],
    cell: str = "quadrilateral",
    internal: dict[float, int] | None = None,
):
    """Tensor-product rectangle with vertices at ``x_nodes`` x ``y_nodes`` [m] (gmsh-free).

    Facet tags (:mod:`depsim.geometry.markers`): electrode (y = 0) 1, top (y = H) 2, left 3,
    right 4, and internal facets on the lines y = y_k for each ``{y_k: tag}`` in ``internal``
    (y_k must be one of ``y_nodes``; default tag SEPARATOR_INTERFACE = 7). All cells are tagged
    ELECTROLYTE. Returns a :class:`~depsim.geometry.bundle.MeshBundle`.
    """
    from dolfinx import mesh as dmesh

    from depsim.geometry.bundle import make_bundle

    xn = np.asarray(x_nodes, dtype=float)
    yn = np.asarray(y_nodes, dtype=float)
    nx, ny = xn.size - 1, yn.size - 1
    ct = dmesh.CellType.quadrilateral if cell == "quadrilateral" else dmesh.CellType.triangle
    m = dmesh.create_rectangle(comm, [[0.0, 0.0], [1.0, 1.0]], [nx, ny], ct)
    x = m.geometry.x
    ix = np.rint(x[:, 0] * nx).astype(int)
    iy = np.rint(x[:, 1] * ny).astype(int)
    x[:, 0] = xn[ix]
    x[:, 1] = yn[iy]
    W, H = xn[-1], yn[-1]
    tol = 1e-6 * min(np.min(np.diff(xn)), np.min(np.diff(yn)))
    tdim = m.topology.dim
    m.topology.create_connectivity(tdim - 1, tdim)
    groups = [
        (mk.ELECTRODE, lambda p: np.abs(p[1]) < tol, True),
        (mk.TOP, lambda p: np.abs(p[1] - H) < tol, True),
        (mk.LEFT, lambda p: np.abs(p[0]) < tol, True),
        (mk.RIGHT, lambda p: np.abs(p[0] - W) < tol, True),
    ]
    names = {"electrode": mk.ELECTRODE, "top": mk.TOP, "left": mk.LEFT, "right": mk.RIGHT}
    for yk, tag in (internal or {}).items():
        if np.min(np.abs(yn - yk)) > tol:
            raise ValueError(f"graded_rectangle: internal facet height {yk} is not a node")
        groups.append((int(tag), lambda p, yk=yk: np.abs(p[1] - yk) < tol, False))
        if int(tag) == mk.SEPARATOR_INTERFACE:
            names["separator_interface"] = mk.SEPARATOR_INTERFACE
        else:
            names[f"internal_{tag}"] = int(tag)
    idx, vals = [], []
    for tag, where, boundary in groups:
        f = (
            dmesh.locate_entities_boundary(m, tdim - 1, where)
            if boundary
            else dmesh.locate_entities(m, tdim - 1, where)
        )
        idx.append(f)
        vals.append(np.full(f.size, tag, dtype=np.int32))
    idx = np.concatenate(idx).astype(np.int32)
    vals = np.concatenate(vals)
    # corner facets cannot occur (facets are edges); a facet belongs to one group
    idx, first = np.unique(idx, return_index=True)
    facet_tags = dmesh.meshtags(m, tdim - 1, idx, vals[first])
    n_cells = m.topology.index_map(tdim).size_local + m.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    cell_tags = dmesh.meshtags(m, tdim, cells, np.full(n_cells, mk.ELECTROLYTE, np.int32))
    names["electrolyte"] = mk.ELECTROLYTE
    return make_bundle(m, cell_tags, facet_tags, names, projected_area=float(W))


@dataclass(frozen=True)
class DebyeGrading:
    """How a Debye-resolved mesh is graded: elements lambda_D / ``per_debye`` within
    ``fine_debye`` Debye lengths of each refinement line, geometric ``growth`` to ``h_max`` [m]
    (None: the builder's default), ``internal`` facets ``{y: tag}`` (refined and tagged),
    ``cell`` "quadrilateral" or "triangle"."""

    per_debye: float = PER_DEBYE
    fine_debye: float = 3.0
    growth: float = 1.2
    h_max: float | None = None
    internal: dict[float, int] | None = None
    cell: str = "quadrilateral"

    def nodes(self, length: float, lam: float, h_max: float, refine_at) -> np.ndarray:
        """Graded node positions on [0, length] for a Debye length ``lam`` [m]."""
        h_fine = lam / self.per_debye
        return graded_nodes(
            length,
            h_fine,
            max(h_max, h_fine),
            refine_at=[*refine_at],
            fine_width=self.fine_debye * lam,
            growth=self.growth,
        )


def debye_strip(
    comm,
    length: float,
    c0: float,
    relative_permittivity: float,
    temperature: float,
    width: float | None = None,
    nx: int = 1,
    refine_at: Iterable[float] = (0.0,),
    **grading,
):
    """A 1D-like strip [0, width] x [0, length] resolving lambda_D at the heights ``refine_at``.

    ``grading``: the fields of :class:`DebyeGrading` (``h_max`` default length / 40). ``nx``
    uniform columns across ``width`` (default ``length / 10``). Returns a
    :class:`~depsim.geometry.bundle.MeshBundle`.
    """
    g = DebyeGrading(**grading)
    lam = debye_length(c0, relative_permittivity, temperature)
    internal = dict(g.internal or {})
    h_max = length / 40.0 if g.h_max is None else g.h_max
    y = g.nodes(length, lam, h_max, [*refine_at, *internal.keys()])
    width = length / 10.0 if width is None else width
    x = np.linspace(0.0, width, nx + 1)
    return graded_rectangle(comm, x, y, cell=g.cell, internal=internal)


def debye_rectangle(
    comm,
    width: float,
    height: float,
    c0: float,
    relative_permittivity: float,
    temperature: float,
    refine_x: Iterable[float] = (),
    refine_y: Iterable[float] = (0.0,),
    **grading,
):
    """A 2D rectangle [0, width] x [0, height] graded in both directions (gmsh-free): rows fine
    near the heights ``refine_y`` (the electrode y = 0 by default, internal facets too) and
    columns fine near the positions ``refine_x`` (edges of charged sites, where the double layer
    varies along the surface). ``grading``: the fields of :class:`DebyeGrading` (``h_max``
    default min(width, height) / 20). Returns a :class:`~depsim.geometry.bundle.MeshBundle`."""
    g = DebyeGrading(**grading)
    lam = debye_length(c0, relative_permittivity, temperature)
    internal = dict(g.internal or {})
    h_max = min(width, height) / 20.0 if g.h_max is None else g.h_max
    x = g.nodes(width, lam, h_max, refine_x)
    y = g.nodes(height, lam, h_max, [*refine_y, *internal.keys()])
    return graded_rectangle(comm, x, y, cell=g.cell, internal=internal)


# --- estimates and refusal ----------------------------------------------------------------------
