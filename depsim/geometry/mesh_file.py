"""Read a user's gmsh .msh file and map its named physical groups onto depsim's tags.

The mesh coordinates must be in metres. Required: a facet group named ``electrode`` (the Li
surface). Recognised facet groups: ``electrode``, ``top``, ``left``, ``right``, ``front``,
``back``, ``separator_interface``; cell groups: ``electrolyte``, ``separator`` (names are matched
case-insensitively). Every cell must belong to exactly one cell group. Other facet groups are kept
with tags from :data:`depsim.geometry.markers.FIRST_EXTRA_FACET_TAG` on (in name order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depsim.geometry import markers as mk
from depsim.geometry._gmsh import gmsh_model, write_msh
from depsim.geometry.cell_geometry import GeometryError

#: largest extent [m] accepted for a mesh file (a micro-scale cell drawn in metres)
MAX_EXTENT = 1e-2


def _inspect_model(gmsh, path: Path):
    """Return (dim, {name: (dim, gmsh_tag)}, bbox) of the open model; raise on bad input."""
    dim = gmsh.model.getDimension()
    groups = {}
    unnamed = []
    for d, tag in gmsh.model.getPhysicalGroups():
        name = gmsh.model.getPhysicalName(d, tag).strip()
        if not name:
            unnamed.append((d, tag))
            continue
        groups[name.lower()] = (d, tag)
    found = ", ".join(f"{n!r} (dim {d})" for n, (d, _) in sorted(groups.items())) or "none"
    if unnamed:
        found += f"; unnamed groups (dim, tag): {unnamed}"
    if dim not in (2, 3):
        raise GeometryError("geometry.file", f"{path}: the mesh must be 2D or 3D, found {dim}D")
    if "electrode" not in groups or groups["electrode"][0] != dim - 1:
        raise GeometryError(
            "geometry.file",
            f"{path}: no facet (dim {dim - 1}) physical group named 'electrode' (the Li "
            f"surface); physical groups found: {found}",
        )
    cell_groups = {n: v for n, v in groups.items() if v[0] == dim}
    unknown_cells = sorted(set(cell_groups) - set(mk.CELL_MARKERS))
    if not cell_groups or unknown_cells or any(d == dim for d, _ in unnamed):
        raise GeometryError(
            "geometry.file",
            f"{path}: every cell must be in a physical group named 'electrolyte' or "
            f"'separator' (dim {dim}); physical groups found: {found}",
        )
    _, coords, _ = gmsh.model.mesh.getNodes()
    xyz = coords.reshape(-1, 3)
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    if np.max(hi - lo) > MAX_EXTENT:
        raise GeometryError(
            "geometry.file",
            f"{path}: mesh extent {np.max(hi - lo):g} exceeds {MAX_EXTENT:g} m; coordinates "
            "must be in metres (was the mesh drawn in micrometres?)",
        )
    return dim, groups, (lo.tolist(), hi.tolist())


def _tag_map(groups: dict, dim: int):
    """gmsh tag -> depsim tag for facets and cells, and the names -> depsim tags dict."""
    facet, cell, names = {}, {}, {}
    extra = mk.FIRST_EXTRA_FACET_TAG
    for name, (d, tag) in sorted(groups.items()):
        if d == dim - 1:
            new = mk.FACET_MARKERS.get(name)
            if new is None:
                new, extra = extra, extra + 1
            facet[tag] = new
            names[name] = new
        elif d == dim:
            cell[tag] = mk.CELL_MARKERS[name]
            names[name] = mk.CELL_MARKERS[name]
    return facet, cell, names


def _remap(mesh, tags, mapping: dict, dim: int):
    from dolfinx.mesh import meshtags

    if tags is None:
        return meshtags(mesh, dim, np.empty(0, np.int32), np.empty(0, np.int32))
    values = np.asarray(tags.values)
    new = np.full(values.shape, -1, dtype=np.int32)
    for old, tag in mapping.items():
        new[values == old] = tag
    keep = new >= 0
    indices = np.asarray(tags.indices)[keep]
    order = np.argsort(indices, kind="stable")
    return meshtags(mesh, dim, indices[order].astype(np.int32), new[keep][order])


def read_mesh_file(path, comm, dimension: int | None = None, save=None):
    """Read ``path`` (.msh) on rank 0 and distribute it over ``comm``.

    Args:
        path: gmsh .msh file with named physical groups (coordinates in metres).
        comm: MPI communicator.
        dimension: the case's ``geometry.dimension``; a different mesh dimension is an error.
            None: take the file's.
        save: also write the mesh to this .msh file (rank 0).

    Returns:
        (mesh, cell_tags, facet_tags, markers, bbox): the dolfinx mesh, ``MeshTags`` with
        depsim's tags, a dict name -> tag of the groups present, and the bounding box
        ``([xmin, ymin, zmin], [xmax, ymax, zmax])`` [m].
    """
    from dolfinx.io import gmsh as gmshio

    path = Path(path)
    root = 0
    info = None
    if comm.rank == root:
        with gmsh_model("depsim_mesh_file") as gmsh:
            try:
                if not path.is_file():
                    raise GeometryError("geometry.file", f"mesh file not found: {path}")
                gmsh.merge(str(path))
                gmsh.model.mesh.renumberNodes()
                gmsh.model.mesh.renumberElements()
                dim, groups, bbox = _inspect_model(gmsh, path)
                if dimension is not None and dimension != dim:
                    raise GeometryError(
                        "geometry.dimension",
                        f"the case says {dimension}D but {path} holds a {dim}D mesh; "
                        f"set geometry.dimension = {dim}",
                    )
                if save is not None:
                    write_msh(gmsh, save)
                info = ("ok", dim, groups, bbox)
            except GeometryError as exc:
                info = ("error", exc.key, str(exc))
            except Exception as exc:  # noqa: BLE001 - sent to every rank, then re-raised
                info = ("error", "geometry.file", f"geometry.file: cannot read {path}: {exc}")
            comm.bcast(info, root=root)
            if info[0] == "error":
                _raise(*info[1:])
            data = gmshio.model_to_mesh(gmsh.model, comm, root, gdim=info[1])
    else:
        info = comm.bcast(None, root=root)
        if info[0] == "error":
            _raise(*info[1:])
        data = gmshio.model_to_mesh(None, comm, root, gdim=info[1])

    _, dim, groups, bbox = info
    facet_map, cell_map, names = _tag_map(groups, dim)
    mesh = data.mesh
    cell_tags = _remap(mesh, data.cell_tags, cell_map, dim)
    facet_tags = _remap(mesh, data.facet_tags, facet_map, dim - 1)
    cell_tags.name, facet_tags.name = "cell_tags", "facet_tags"
    return mesh, cell_tags, facet_tags, names, bbox


def _raise(key, text):
    exc = GeometryError(key, text)
    exc.args = (text,)
    raise exc
