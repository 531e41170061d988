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
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from depsim.errors import CaseError
from depsim.geometry import markers as mk
from depsim.physics.electrolyte import debye_length

log = logging.getLogger("depsim")

PER_DEBYE = 5.0
"""Elements per Debye length required next to charged surfaces and electrodes."""

MAX_CELLS = 5.0e6
"""Estimated element count above which :func:`check_resolvable` refuses a case."""

MOLECULAR_SIZE = 0.5e-9
"""Solvated-ion size [m]: below it a continuum diffuse layer (PNP) is not physical."""

__all__ = [
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


def debye_strip(
    comm,
    length: float,
    c0: float,
    relative_permittivity: float,
    temperature: float,
    width: float | None = None,
    nx: int = 1,
    refine_at: Iterable[float] = (0.0,),
    per_debye: float = PER_DEBYE,
    fine_debye: float = 3.0,
    growth: float = 1.2,
    h_max: float | None = None,
    internal: dict[float, int] | None = None,
    cell: str = "quadrilateral",
):
    """A 1D-like strip [0, width] x [0, length] resolving lambda_D at the heights ``refine_at``.

    Elements are ``lambda_D / per_debye`` thick within ``fine_debye`` Debye lengths of each
    refinement point and grow geometrically (``growth``) to ``h_max`` (default length / 40).
    ``nx`` uniform columns across ``width`` (default ``length / 10``). Internal facets
    ``{y: tag}`` are refined and tagged. Returns a :class:`~depsim.geometry.bundle.MeshBundle`.
    """
    lam = debye_length(c0, relative_permittivity, temperature)
    h_fine = lam / per_debye
    h_max = length / 40.0 if h_max is None else h_max
    internal = dict(internal or {})
    y = graded_nodes(
        length,
        h_fine,
        max(h_max, h_fine),
        refine_at=[*refine_at, *internal.keys()],
        fine_width=fine_debye * lam,
        growth=growth,
    )
    width = length / 10.0 if width is None else width
    x = np.linspace(0.0, width, nx + 1)
    return graded_rectangle(comm, x, y, cell=cell, internal=internal)


def debye_rectangle(
    comm,
    width: float,
    height: float,
    c0: float,
    relative_permittivity: float,
    temperature: float,
    refine_x: Iterable[float] = (),
    refine_y: Iterable[float] = (0.0,),
    per_debye: float = PER_DEBYE,
    fine_debye: float = 3.0,
    growth: float = 1.2,
    h_max: float | None = None,
    internal: dict[float, int] | None = None,
    cell: str = "quadrilateral",
):
    """A 2D rectangle [0, width] x [0, height] graded in both directions (gmsh-free): rows fine
    near the heights ``refine_y`` (the electrode y = 0 by default, internal facets ``{y: tag}``
    too) and columns fine near the positions ``refine_x`` (edges of charged sites, where the
    double layer varies along the surface), elements lambda_D / ``per_debye`` there and
    geometric growth (``growth``) to ``h_max`` (default min(width, height) / 20). Returns a
    :class:`~depsim.geometry.bundle.MeshBundle`."""
    lam = debye_length(c0, relative_permittivity, temperature)
    h_fine = lam / per_debye
    h_max = min(width, height) / 20.0 if h_max is None else h_max
    h_max = max(h_max, h_fine)
    internal = dict(internal or {})
    x = graded_nodes(
        width, h_fine, h_max, refine_at=refine_x, fine_width=fine_debye * lam, growth=growth
    )
    y = graded_nodes(
        height,
        h_fine,
        h_max,
        refine_at=[*refine_y, *internal.keys()],
        fine_width=fine_debye * lam,
        growth=growth,
    )
    return graded_rectangle(comm, x, y, cell=cell, internal=internal)


# --- estimates and refusal ----------------------------------------------------------------------
@dataclass(frozen=True)
class DebyeResolution:
    """What resolving the double layers of a case takes.

    Attributes: ``debye_length`` [m], ``element_size`` (h next to charged surfaces) [m],
    ``cells`` (estimated element count), ``max_cells`` (the limit used).
    """

    debye_length: float
    element_size: float
    cells: float
    max_cells: float

    @property
    def feasible(self) -> bool:
        return self.cells <= self.max_cells


def estimate_cells(
    extent: Sequence[float],
    c0: float,
    relative_permittivity: float,
    temperature: float,
    surface_measure: float | None = None,
    per_debye: float = PER_DEBYE,
    fine_debye: float = 3.0,
    growth: float = 1.2,
    h_bulk: float | None = None,
    lateral: bool = True,
) -> float:
    """Estimated number of simplices of a mesh that resolves lambda_D next to charged surfaces.

    ``extent``: (W, H) or (W, H, D) [m] of the cell (H normal to the electrode);
    ``surface_measure``: total measure of the charged surfaces and electrodes [m or m^2]
    (default: the electrode, W or W D). ``lateral = True`` (rough or laterally patterned
    surfaces) needs isotropic elements of size h = lambda_D / per_debye along the surface::

        N ~ k_d [ S / h^(d-1) (fine_debye lambda_D / h + 1 / (1 - growth^-(d-1))) + V / h_bulk^d ]

    (fine layer + geometric transition + bulk, k_d = 2 triangles per square, 6 tetrahedra per
    cube). ``lateral = False`` (flat, laterally uniform problems): anisotropic layers, columns of
    the bulk size across.
    """
    ext = [float(e) for e in extent]
    d = len(ext)
    if d not in (2, 3):
        raise ValueError("estimate_cells: extent is (W, H) or (W, H, D)")
    lam = debye_length(c0, relative_permittivity, temperature)
    h = lam / per_debye
    H = ext[1]
    lateral_measure = ext[0] * (ext[2] if d == 3 else 1.0)
    S = lateral_measure if surface_measure is None else float(surface_measure)
    vol = float(np.prod(ext))
    h_bulk = min(ext) / 20.0 if h_bulk is None else h_bulk
    h_bulk = max(h_bulk, h)
    k_d = 2.0 if d == 2 else 6.0
    n_transition = math.log(h_bulk / h) / math.log(growth) if h_bulk > h else 0.0
    if lateral:
        per_face = S / h ** (d - 1)
        fine = per_face * (fine_debye * lam / h + 1.0 / (1.0 - growth ** (-(d - 1))))
        return k_d * (fine + vol / h_bulk**d)
    # laterally uniform: rows = fine layer + geometric transition + bulk rows, per surface
    n_surfaces = max(S / lateral_measure, 1.0)
    rows = n_surfaces * (fine_debye * lam / h + n_transition) + H / h_bulk
    columns = lateral_measure / h_bulk ** (d - 1)
    return k_d * rows * columns


def check_resolvable(
    extent: Sequence[float],
    c0: float,
    relative_permittivity: float,
    temperature: float,
    max_cells: float = MAX_CELLS,
    key: str = "model.charge",
    **kwargs,
) -> DebyeResolution:
    """Refuse (:class:`~depsim.errors.CaseError`) a Poisson-mode case whose Debye length cannot
    be resolved with at most ``max_cells`` elements (see :func:`estimate_cells` for
    ``kwargs``); return the :class:`DebyeResolution` otherwise."""
    lam = debye_length(c0, relative_permittivity, temperature)
    per_debye = kwargs.get("per_debye", PER_DEBYE)
    h = lam / per_debye
    n = estimate_cells(extent, c0, relative_permittivity, temperature, **kwargs)
    res = DebyeResolution(debye_length=lam, element_size=h, cells=n, max_cells=max_cells)
    if res.feasible:
        return res
    size = " x ".join(f"{e * 1e6:.3g}" for e in extent)
    molecular = (
        f" lambda_D is also below the size of a solvated ion (~{MOLECULAR_SIZE * 1e9:.1f} nm), "
        "where a continuum diffuse layer is not physical."
        if lam < MOLECULAR_SIZE
        else ""
    )
    raise CaseError(
        key,
        "'poisson' resolves the diffuse double layers, of width the Debye length lambda_D = "
        f"sqrt(eps0 eps_r R T / (2 F^2 c0)) = {lam * 1e9:.3g} nm (c0 = {c0:g} mol/m^3, "
        f"eps_r = {relative_permittivity:g}, T = {temperature:g} K); elements next to charged "
        f"surfaces and electrodes must be <= lambda_D/{per_debye:g} = {h * 1e9:.3g} nm, which "
        f"for a {size} um cell takes about {n:.2g} elements (limit {max_cells:.2g})."
        f"{molecular} At um scale charged sites act through the kinetics and the separator's "
        "fixed charge instead",
        "poisson",
        "model.charge = 'electroneutral' with electrode.kinetics = 'frumkin' (diffuse-layer "
        "correction of the kinetics from the site surface charge) and separator.fixed_charge "
        "(Donnan), or 'poisson' only on a nanoscale domain or with a dilute electrolyte "
        f"(estimated elements <= {max_cells:.2g})",
    )


# --- resolution of an existing mesh ---------------------------------------------------------------
def normal_element_size(mesh, facet_tags, tags: Iterable[int]) -> float:
    """Largest height, normal to the facet, of the cells touching the facets ``tags`` [m]:
    d |K| / |F| for simplices, |K| / |F| for quadrilaterals and hexahedra (global max; 0 when no
    facet carries the tags). Collective."""
    import dolfinx.fem as fem
    import ufl
    from dolfinx import la
    from dolfinx.mesh import CellType, entities_to_geometry
    from mpi4py import MPI

    tdim = mesh.topology.dim
    fdim = tdim - 1
    mesh.topology.create_connectivity(fdim, tdim)
    V0 = fem.functionspace(mesh, ("DG", 0))
    vol = fem.assemble_vector(fem.form(ufl.TestFunction(V0) * ufl.dx))
    vol.scatter_reverse(la.InsertMode.add)
    vol.scatter_forward()
    simplex = mesh.topology.cell_type in (CellType.triangle, CellType.tetrahedron)
    factor = float(tdim) if simplex else 1.0
    f2c = mesh.topology.connectivity(fdim, tdim)
    local = 0.0
    facets = np.unique(np.concatenate([facet_tags.find(int(t)) for t in tags] or [[]]))
    facets = facets.astype(np.int32)
    if facets.size:
        nodes = entities_to_geometry(mesh, fdim, facets, False)
        x = mesh.geometry.x[nodes]
        if fdim == 1:
            area = np.linalg.norm(x[:, 1] - x[:, 0], axis=1)
        elif nodes.shape[1] == 3:
            area = 0.5 * np.linalg.norm(np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]), axis=1)
        else:
            area = 0.5 * np.linalg.norm(np.cross(x[:, 3] - x[:, 0], x[:, 2] - x[:, 1]), axis=1)
        for f, a in zip(facets, area, strict=True):
            for c in f2c.links(f):
                local = max(local, factor * float(vol.array[c]) / float(a))
    return mesh.comm.allreduce(local, op=MPI.MAX)


def check_mesh_resolution(
    mesh,
    facet_tags,
    tags: Iterable[int],
    lambda_D: float,
    per_debye: float = PER_DEBYE,
    action: str = "warn",
) -> float:
    """Compare :func:`normal_element_size` next to the facets ``tags`` with
    ``lambda_D / per_debye``; ``action``: "raise" (CaseError), "warn" (log) or "off".
    Returns the number of elements per Debye length there (inf when no facet is tagged)."""
    if action == "off":
        return math.inf
    tags = list(tags)
    h = normal_element_size(mesh, facet_tags, tags)
    per = lambda_D / h if h > 0 else math.inf
    if per < per_debye * (1.0 - 1e-9):
        msg = (
            f"the mesh has {per:.3g} elements per Debye length (lambda_D = {lambda_D * 1e9:.3g} "
            f"nm) next to the charged surfaces / electrodes (facet tags {tags}); at least "
            f"{per_debye:g} are needed (h <= {lambda_D / per_debye * 1e9:.3g} nm): use "
            "depsim.geometry.debye to build a graded mesh"
        )
        if action == "raise":
            raise CaseError("mesh", msg)
        log.warning("poisson: %s", msg)
    return per
