"""The built-in parametric cell: electrolyte (and optional separator) above a rough Li surface.

2D: Ω = [0, W] x [h(x), H]; 3D: Ω = [0, W] x [h(x, z), H] x [0, D] (y is up, z is the depth).
All lengths in metres (the gmsh model itself is built in micrometres and the mesh scaled).

2D geometry (gmsh built-in kernel, curves shared between regions so the mesh is conformal)::

    y = H   +----------- top ------------+
            |          electrolyte        |
    y = g+t +--- separator_interface -----+      (separator with gap g > 0)
            |          separator          |
    y = g   +--- separator_interface -----+
            |          electrolyte        |
    y = h(x) ~~~~~~~~~ electrode ~~~~~~~~~~      (spline through many points of h)

With gap = 0 the separator's bottom is the electrode itself. The element size is
``electrode_size`` within one ``electrode_size`` of the electrode and then grows linearly to
``size`` over ``grading_distance`` (gmsh Distance + Threshold fields). Left and right sides are
meshed periodically (matching nodes).

3D: the surfaces of a stack of boxes (one per layer) are meshed with triangles, graded in y from
the flat bottom y = 0; the surface nodes are then moved vertically, y -> y + h(x, z) (1 - y / y1)
for y < y1, where y1 is the first internal level (or H), and only then are the volumes meshed
with tetrahedra (so the volume mesh is made for the rough boundary, not distorted). The electrode
is exactly the set of bottom facets and lies on h at every node. All roughness kinds are
supported in 3D; x and z sides are periodic. A roughness much finer than ``electrode_size`` is
refused with a clear message if it folds the mesh.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from depsim.geometry import markers as mk
from depsim.geometry._gmsh import copy_scaled, gmsh_model, write_msh
from depsim.geometry.cell_geometry import CellGeometry, GeometryError
from depsim.geometry.roughness import surface_height

#: gmsh works in micrometres (its geometric tolerances are absolute); the mesh is scaled to metres
MODEL_UNIT = 1e-6
_LENGTH_FIELDS = (
    "width",
    "height",
    "depth",
    "amplitude",
    "bump_width",
    "separator_thickness",
    "separator_gap",
    "mesh_size",
    "electrode_size",
    "grading_distance",
)

#: points of the spline through h(x): at least this many, and 2 per electrode element
MIN_SPLINE_POINTS = 400
MAX_SPLINE_POINTS = 8000


def _levels(geom: CellGeometry) -> tuple[list[float], list[bool]]:
    """Internal horizontal levels (y [m], bottom to top) and, per layer, whether it is separator.

    Layers: electrode..levels[0], levels[0]..levels[1], ..., levels[-1]..H.
    """
    sep = geom.separator_levels()
    if sep is None:
        return [], [False]
    bottom, top = sep
    levels, is_sep = [], []
    if bottom > 0:
        levels.append(bottom)
        is_sep.append(False)
    if top < geom.height:
        levels.append(top)
    is_sep.append(True)
    if top < geom.height:
        is_sep.append(False)
    return levels, is_sep


def profile_function(geom: CellGeometry) -> Callable:
    """h(x) (2D) or h(x, z) (3D) [m] of the case's Li surface."""
    if geom.dimension == 2:
        return lambda x: surface_height(
            x, geom.roughness, geom.amplitude, geom.width, geom.count, geom.seed, geom.bump_width
        )
    return lambda x, z: surface_height(
        x,
        geom.roughness,
        geom.amplitude,
        geom.width,
        geom.count,
        geom.seed,
        geom.bump_width,
        z=z,
        depth=geom.depth_or_width,
    )


def _to_model_units(geom: CellGeometry, surface: Callable | None):
    """The geometry and surface in micrometres (gmsh model units)."""
    s = 1.0 / MODEL_UNIT
    scaled = geom.with_(
        **{k: (None if getattr(geom, k) is None else getattr(geom, k) * s) for k in _LENGTH_FIELDS}
    )
    if surface is None:
        return scaled, None
    if geom.dimension == 2:
        return scaled, lambda x: s * np.asarray(surface(x / s), dtype=float)
    return scaled, lambda x, z: s * np.asarray(surface(x / s, z / s), dtype=float)


def _set_common_options(gmsh):
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.ElementOrder", 1)
    gmsh.option.setNumber("Mesh.RecombineAll", 0)


def _add_physical(gmsh, dim, tags, tag, name):
    if tags:
        gmsh.model.addPhysicalGroup(dim, list(tags), tag=tag, name=name)


def _build_2d(gmsh, geom: CellGeometry, surface: Callable | None):
    geo = gmsh.model.geo
    W, H = geom.width, geom.height
    lc = geom.mesh_size
    levels, is_sep = _levels(geom)
    h = surface if surface is not None else profile_function(geom)

    # electrode curve from x = 0 to x = W
    flat = surface is None and (geom.roughness == "flat" or geom.amplitude == 0.0)
    if flat:
        p0, p1 = geo.addPoint(0.0, 0.0, 0.0, lc), geo.addPoint(W, 0.0, 0.0, lc)
        electrode = geo.addLine(p0, p1)
    else:
        n = int(
            np.clip(math.ceil(2 * W / geom.electrode_size), MIN_SPLINE_POINTS, MAX_SPLINE_POINTS)
        )
        xs = np.linspace(0.0, W, n + 1)
        ys = np.asarray(h(xs), dtype=float)
        if not np.isclose(ys[0], ys[-1], rtol=0.0, atol=1e-9 * W):
            raise GeometryError(
                "geometry.electrode",
                "the Li surface must have h(0) = h(W) (periodic sides)",
                (ys[0], ys[-1]),
            )
        ys[-1] = ys[0]
        y1 = levels[0] if levels else H
        if np.max(ys) >= y1:
            raise GeometryError(
                "geometry.electrode.amplitude",
                f"the surface reaches the first internal level y = {y1 * MODEL_UNIT:g} m",
                float(np.max(ys)) * MODEL_UNIT,
            )
        pts = [geo.addPoint(float(x), float(y), 0.0, lc) for x, y in zip(xs, ys, strict=True)]
        p0, p1 = pts[0], pts[-1]
        electrode = geo.addSpline(pts)

    # horizontal lines: internal levels and the top
    left_pts, right_pts, horizontal = [p0], [p1], [electrode]
    for y in [*levels, H]:
        a, b = geo.addPoint(0.0, y, 0.0, lc), geo.addPoint(W, y, 0.0, lc)
        left_pts.append(a)
        right_pts.append(b)
        horizontal.append(geo.addLine(a, b))
    # vertical segments, all pointing up
    left = [geo.addLine(left_pts[i], left_pts[i + 1]) for i in range(len(left_pts) - 1)]
    right = [geo.addLine(right_pts[i], right_pts[i + 1]) for i in range(len(right_pts) - 1)]
    surfaces = []
    for i in range(len(left)):
        loop = geo.addCurveLoop([horizontal[i], right[i], -horizontal[i + 1], -left[i]])
        surfaces.append(geo.addPlaneSurface([loop]))
    geo.synchronize()

    # periodic sides: right is the image of left under x -> x + W
    translation = [1, 0, 0, W, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    gmsh.model.mesh.setPeriodic(1, right, left, translation)

    _add_physical(gmsh, 1, [electrode], mk.ELECTRODE, "electrode")
    _add_physical(gmsh, 1, [horizontal[-1]], mk.TOP, "top")
    _add_physical(gmsh, 1, left, mk.LEFT, "left")
    _add_physical(gmsh, 1, right, mk.RIGHT, "right")
    _add_physical(gmsh, 1, horizontal[1:-1], mk.SEPARATOR_INTERFACE, "separator_interface")
    _add_physical(
        gmsh,
        2,
        [s for s, sep in zip(surfaces, is_sep, strict=True) if not sep],
        mk.ELECTROLYTE,
        "electrolyte",
    )
    _add_physical(
        gmsh,
        2,
        [s for s, sep in zip(surfaces, is_sep, strict=True) if sep],
        mk.SEPARATOR,
        "separator",
    )

    # size field: electrode_size at the electrode, linear growth to size over grading_distance
    fields = gmsh.model.mesh.field
    dist = fields.add("Distance")
    fields.setNumbers(dist, "CurvesList", [electrode])
    n_samples = int(min(max(200, math.ceil(4 * W / geom.electrode_size)), 40000))
    fields.setNumber(dist, "Sampling", n_samples)
    thr = fields.add("Threshold")
    fields.setNumber(thr, "InField", dist)
    fields.setNumber(thr, "SizeMin", geom.electrode_size)
    fields.setNumber(thr, "SizeMax", geom.mesh_size)
    fields.setNumber(thr, "DistMin", geom.electrode_size)
    fields.setNumber(thr, "DistMax", geom.electrode_size + geom.grading_distance)
    fields.setAsBackgroundMesh(thr)
    _set_common_options(gmsh)
    gmsh.option.setNumber("Mesh.Algorithm", 6)  # Frontal-Delaunay
    gmsh.model.mesh.generate(2)


def _build_3d(gmsh, geom: CellGeometry, surface: Callable | None):
    occ = gmsh.model.occ
    W, H, D = geom.width, geom.height, geom.depth_or_width
    levels, is_sep = _levels(geom)
    ys = [0.0, *levels, H]
    boxes = [occ.addBox(0.0, ys[i], 0.0, W, ys[i + 1] - ys[i], D) for i in range(len(ys) - 1)]
    if len(boxes) > 1:
        occ.fragment([(3, boxes[0])], [(3, b) for b in boxes[1:]])
    occ.synchronize()

    eps = 1e-6 * min(W, H, D)

    def faces_in(xmin, ymin, zmin, xmax, ymax, zmax):
        ents = gmsh.model.getEntitiesInBoundingBox(
            xmin - eps, ymin - eps, zmin - eps, xmax + eps, ymax + eps, zmax + eps, 2
        )
        return [t for _, t in ents]

    def sort_by_y(tags):
        return sorted(tags, key=lambda t: gmsh.model.occ.getCenterOfMass(2, t)[1])

    electrode = faces_in(0, 0, 0, W, 0, D)
    top = faces_in(0, H, 0, W, H, D)
    left = sort_by_y(faces_in(0, 0, 0, 0, H, D))
    right = sort_by_y(faces_in(W, 0, 0, W, H, D))
    front = sort_by_y(faces_in(0, 0, 0, W, H, 0))
    back = sort_by_y(faces_in(0, 0, D, W, H, D))
    internal = [t for y in levels for t in faces_in(0, y, 0, W, y, D)]
    volumes = sorted(
        (t for _, t in gmsh.model.getEntities(3)),
        key=lambda t: gmsh.model.occ.getCenterOfMass(3, t)[1],
    )
    if len(volumes) != len(is_sep):  # pragma: no cover - OCC fragment misbehaved
        raise RuntimeError(f"expected {len(is_sep)} volumes, gmsh made {len(volumes)}")

    gmsh.model.mesh.setPeriodic(2, right, left, [1, 0, 0, W, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    gmsh.model.mesh.setPeriodic(2, back, front, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, D, 0, 0, 0, 1])

    _add_physical(gmsh, 2, electrode, mk.ELECTRODE, "electrode")
    _add_physical(gmsh, 2, top, mk.TOP, "top")
    _add_physical(gmsh, 2, left, mk.LEFT, "left")
    _add_physical(gmsh, 2, right, mk.RIGHT, "right")
    _add_physical(gmsh, 2, front, mk.FRONT, "front")
    _add_physical(gmsh, 2, back, mk.BACK, "back")
    _add_physical(gmsh, 2, internal, mk.SEPARATOR_INTERFACE, "separator_interface")
    _add_physical(
        gmsh,
        3,
        [v for v, s in zip(volumes, is_sep, strict=True) if not s],
        mk.ELECTROLYTE,
        "electrolyte",
    )
    _add_physical(
        gmsh, 3, [v for v, s in zip(volumes, is_sep, strict=True) if s], mk.SEPARATOR, "separator"
    )

    # size grows linearly with the distance y from the (still flat) electrode
    G = max(geom.grading_distance, 1e-6 * geom.electrode_size)
    s0, s1 = geom.electrode_size, geom.mesh_size
    fields = gmsh.model.mesh.field
    f = fields.add("MathEval")
    fields.setString(f, "F", f"Min({s1!r}, {s0!r} + ({s1 - s0!r}) * Max(y - {s0!r}, 0) / {G!r})")
    fields.setAsBackgroundMesh(f)
    _set_common_options(gmsh)
    gmsh.model.mesh.generate(2)

    # move the surface mesh of the lowest layer onto the rough surface, then mesh the volumes
    h = surface if surface is not None else profile_function(geom)
    if surface is not None or not (geom.roughness == "flat" or geom.amplitude == 0.0):
        y1 = ys[1]
        tags, coords, _ = gmsh.model.mesh.getNodes()
        xyz = coords.reshape(-1, 3)
        lower = xyz[:, 1] < y1 - eps
        hz = np.asarray(h(xyz[lower, 0], xyz[lower, 2]), dtype=float)
        if np.max(hz) >= y1:
            raise GeometryError(
                "geometry.electrode.amplitude",
                f"the surface reaches the first internal level y = {y1 * MODEL_UNIT:g} m",
                float(np.max(hz)) * MODEL_UNIT,
            )
        xyz[lower, 1] += hz * (1.0 - xyz[lower, 1] / y1)
        for tag, c in zip(tags[lower], xyz[lower], strict=True):
            gmsh.model.mesh.setNode(int(tag), c.tolist(), [])
    gmsh.model.mesh.generate(3)
    _check_not_inverted(gmsh, geom)


def _check_not_inverted(gmsh, geom: CellGeometry):
    """Raise if moving the nodes onto the rough surface inverted a tetrahedron."""
    etypes, etags, _ = gmsh.model.mesh.getElements(3)
    worst = min(
        float(np.min(gmsh.model.mesh.getElementQualities(t, "minSJ"))) for t in etags if len(t)
    )
    if worst <= 0.0:
        raise GeometryError(
            "geometry.mesh.electrode_size",
            "the 3D mesh folds where it is moved onto the rough surface (the roughness is "
            "under-resolved); use a smaller electrode_size or a smoother surface",
            geom.electrode_size * MODEL_UNIT,
        )


def build_interface_cell(
    geom: CellGeometry,
    comm,
    save: Path | str | None = None,
    surface: Callable | None = None,
):
    """Mesh the parametric cell with gmsh on rank 0 and distribute it over ``comm``.

    Args:
        geom: the cell (validated here).
        comm: MPI communicator.
        save: write the gmsh mesh to this .msh file (rank 0); None -> ``geom.save``.
        surface: optional h(x) (2D) or h(x, z) (3D) [m] replacing the case's roughness profile
            (used to remesh a deformed Li surface). Must be periodic and below the first level.

    Returns:
        ``dolfinx.io.gmsh.MeshData`` with the mesh (coordinates in m) and the tags of
        :mod:`depsim.geometry.markers`.
    """
    from dolfinx.io import gmsh as gmshio

    geom.validate()
    if geom.kind != "interface_cell":
        raise GeometryError("geometry.kind", "not an interface_cell", geom.kind)
    save = geom.save if save is None else save
    dim = geom.dimension
    root = 0
    if comm.rank == root:
        with gmsh_model(f"depsim_interface_cell_{dim}d") as gmsh:
            error = None
            try:
                geom_u, surface_u = _to_model_units(geom, surface)
                if dim == 2:
                    _build_2d(gmsh, geom_u, surface_u)
                else:
                    _build_3d(gmsh, geom_u, surface_u)
                copy_scaled(gmsh, f"depsim_interface_cell_{dim}d_m", MODEL_UNIT)
                if save is not None:
                    write_msh(gmsh, save)
            except GeometryError as exc:
                error = ("geometry", exc.key, str(exc))
            except Exception as exc:  # noqa: BLE001 - sent to every rank, then re-raised
                error = ("other", type(exc).__name__, str(exc))
            comm.bcast(error, root=root)
            _raise(error)
            return gmshio.model_to_mesh(gmsh.model, comm, root, gdim=dim)
    error = comm.bcast(None, root=root)
    _raise(error)
    return gmshio.model_to_mesh(None, comm, root, gdim=dim)


def _raise(error):
    if error is None:
        return
    kind, key, text = error
    if kind == "geometry":
        exc = GeometryError(key, text)
        exc.args = (text,)
        raise exc
    raise RuntimeError(f"gmsh failed to build the interface cell: {key}: {text}")
