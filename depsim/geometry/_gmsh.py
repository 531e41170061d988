"""Small helpers around the gmsh Python API (used on one MPI rank only)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path


@contextmanager
def gmsh_model(name: str):
    """Open a fresh gmsh model; remove it (and finalize gmsh if we initialized it) afterwards.

    Yields the ``gmsh`` module with the new model current. Terminal output is switched off.
    """
    import gmsh

    own = not gmsh.isInitialized()
    if own:
        gmsh.initialize(interruptible=False)
    previous = None
    if not own:
        try:
            previous = gmsh.model.getCurrent()
        except Exception:  # pragma: no cover - no current model
            previous = None
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add(name)
    try:
        yield gmsh
    finally:
        try:
            gmsh.model.remove()  # the current model (``name`` or a copy made from it)
        finally:
            if own:
                gmsh.finalize()
            elif previous:
                try:
                    gmsh.model.setCurrent(previous)
                except Exception:  # pragma: no cover
                    pass


def copy_scaled(gmsh, name: str, scale: float) -> None:
    """Replace the current (meshed) model by a discrete copy with node coordinates * ``scale``.

    The copy keeps entities, elements and physical groups (with names) but no CAD and no
    periodicity information, so that everything written or read afterwards is in the new unit.
    The new model, ``name``, becomes current; the old one is removed.
    """
    model = gmsh.model
    old = model.getCurrent()
    entities = []
    for dim, tag in model.getEntities():
        boundary = [t for _, t in model.getBoundary([(dim, tag)], combined=False, oriented=False)]
        node_tags, coords, _ = model.mesh.getNodes(dim, tag)
        if dim == 0 and len(node_tags) == 0:  # construction points (spline control points)
            continue
        elements = model.mesh.getElements(dim, tag)
        entities.append((dim, tag, boundary, node_tags, coords, elements))
    groups = [
        (
            dim,
            tag,
            model.getPhysicalName(dim, tag),
            list(model.getEntitiesForPhysicalGroup(dim, tag)),
        )
        for dim, tag in model.getPhysicalGroups()
    ]
    model.add(name)
    for dim, tag, boundary, node_tags, coords, (etypes, etags, enodes) in sorted(
        entities, key=lambda e: e[0]
    ):
        model.addDiscreteEntity(dim, tag, boundary if dim > 0 else [])
        model.mesh.addNodes(dim, tag, node_tags, coords * scale)
        model.mesh.addElements(dim, tag, etypes, etags, enodes)
    for dim, tag, pname, ents in groups:
        model.addPhysicalGroup(dim, ents, tag=tag, name=pname)
    model.setCurrent(old)
    model.remove()
    model.setCurrent(name)


def write_msh(gmsh, path: Path | str) -> Path:
    """Write the current gmsh model's mesh to ``path`` (MSH 4.1, all physical groups)."""
    path = Path(path)
    if path.suffix != ".msh":
        path = path.with_suffix(".msh")
    path.parent.mkdir(parents=True, exist_ok=True)
    gmsh.option.setNumber("Mesh.MshFileVersion", 4.1)
    gmsh.option.setNumber("Mesh.SaveAll", 0)
    gmsh.option.setNumber("Mesh.Binary", 0)
    gmsh.write(str(path))
    return path
