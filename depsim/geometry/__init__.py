"""Geometry and meshing: the rough Li surface, the built-in cell, user mesh files.

Entry points::

    from depsim.geometry import build_mesh, describe_mesh
    bundle = build_mesh(case, MPI.COMM_WORLD)       # -> MeshBundle
    print(describe_mesh(bundle))

Region tags are the constants of :mod:`depsim.geometry.markers`. Lengths are in metres.
"""

from __future__ import annotations

from pathlib import Path

from depsim.geometry import markers
from depsim.geometry.bundle import MeshBundle, describe_mesh, facet_measure, make_bundle
from depsim.geometry.cell_geometry import CellGeometry, GeometryError
from depsim.geometry.markers import *  # noqa: F403 - the region tags, markers.__all__
from depsim.geometry.refinement import refine_bundle
from depsim.geometry.roughness import surface_height

__all__ = [  # the region tags of markers, then this package's own names
    *markers.__all__,
    "CellGeometry",
    "GeometryError",
    "MeshBundle",
    "build_geometry_mesh",
    "build_mesh",
    "describe_mesh",
    "facet_measure",
    "markers",
    "surface_height",
]


def build_mesh(case, comm=None, save: Path | str | None = None, surface=None) -> MeshBundle:
    """Build (``interface_cell``) or read (``mesh_file``) the case's mesh. Collective on comm.

    Args:
        case: a loaded case (its ``geometry`` table is read) or a :class:`CellGeometry`.
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
        save: write the gmsh mesh to this .msh file; None -> ``geometry.mesh.save``.
        surface: optional h(x) / h(x, z) [m] replacing the roughness profile (interface cell).

    Returns:
        :class:`MeshBundle` (coordinates in metres).
    """
    geom = case if isinstance(case, CellGeometry) else CellGeometry.from_case(case)
    return build_geometry_mesh(geom, comm, save=save, surface=surface)


def build_geometry_mesh(geom: CellGeometry, comm=None, save=None, surface=None) -> MeshBundle:
    """:func:`build_mesh` for a :class:`CellGeometry`."""
    if comm is None:
        from mpi4py import MPI

        comm = MPI.COMM_WORLD
    geom.validate()
    save = geom.save if save is None else save
    if geom.kind == "mesh_file":
        from depsim.geometry.mesh_file import read_mesh_file

        mesh, cell_tags, facet_tags, names, _ = read_mesh_file(
            geom.file, comm, dimension=geom.dimension, save=save
        )
        bundle = make_bundle(mesh, cell_tags, facet_tags, names, geometry=geom)
        return refine_bundle(bundle, geom.refinements)

    from depsim.geometry.interface_cell import build_interface_cell

    data = build_interface_cell(geom, comm, save=save, surface=surface)
    present = {name: tag for name, (dim, tag) in data.physical_groups.items()}
    bundle = make_bundle(
        data.mesh,
        data.cell_tags,
        data.facet_tags,
        present,
        geometry=geom,
        projected_area=geom.projected_area,
    )
    return refine_bundle(bundle, geom.refinements)
