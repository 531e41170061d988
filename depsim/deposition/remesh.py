"""Remeshing a deformed cell: rebuild the mesh on the current Li surface and transfer fields.

When the moving mesh degrades (:mod:`depsim.deposition.quality`), a new mesh is built by the
same gmsh generator as the original cell (:func:`depsim.geometry.build_mesh` with
``surface=h``), where h(x) interpolates the current electrode vertices (piecewise linear,
periodic in x: ``np.interp(..., period=W)``), and the nodal fields are interpolated from the old
mesh to the new one (``Function.interpolate_nonmatching`` with the data of
``fem.create_interpolation_data``; collective, any number of ranks).

Points of the new mesh that fall just outside the old one (the new electrode is a spline
through samples of the piecewise-linear old surface) are found within ``padding`` of an old
cell and take the value of that cell's polynomial extended a little (P1: linear extrapolation
over a tiny distance).

In 2D the new surface is a graph y = h(x) through the electrode vertices; in 3D a graph
y = h(x, z), the piecewise-linear interpolant on the electrode triangles
(:class:`TriangulatedSurface`). A surface that folded over at a concave corner (normal growth)
is resolved by the envelope of its facets (the swallowtail is cut off) when the caller says
which side grows; otherwise it is refused with :class:`RemeshError`.

Conservation: the new cell is built on h and then its Li surface is shifted uniformly (by the
harmonic mesh motion, so the surface keeps its shape) until the electrolyte volume equals the
*oriented* volume of the old mesh (cells counted with the sign of their orientation, so a
folded-over region counts once, as the Li the current deposited there). Remeshing therefore
never changes the deposited Li volume; the shift (the volume the interpolation and the fold cut
would have lost, spread as a uniform layer) is returned as ``volume_correction``.
"""

from __future__ import annotations

import numpy as np
from dolfinx import fem
from mpi4py import MPI

from depsim.deposition.surface import (  # re-exported: the surface lived here
    RemeshError,
    SurfaceProfile,
    TriangulatedSurface,
    electrode_profile,
    electrode_surface,
    profile_function,
    surface_function,
)

__all__ = [
    "RemeshError",
    "SurfaceProfile",
    "TriangulatedSurface",
    "electrode_surface",
    "electrode_profile",
    "profile_function",
    "remesh",
    "transfer",
]


def oriented_volume(mesh, reference_sign: np.ndarray | None = None) -> float:
    """Volume [m^d] of a first-order simplex mesh with every cell counted with the sign of its
    orientation relative to ``reference_sign`` (owned cells; default +1 for all), so that a
    folded-over region counts once (the winding-number integral). Collective."""
    from depsim.deposition.quality import signed_measure

    tdim = mesh.topology.dim
    n = mesh.topology.index_map(tdim).size_local
    nodes = np.asarray(mesh.geometry.dofmaps[0])[:n]
    meas = signed_measure(mesh.geometry.x[nodes][:, :, : mesh.geometry.dim])
    if reference_sign is None:
        local = float(np.abs(meas).sum())
    else:
        local = float((np.asarray(reference_sign)[:n] * meas).sum())
    return mesh.comm.allreduce(local, op=MPI.SUM)


def remesh(
    case,
    mesh,
    facet_tags,
    tag: int,
    comm=None,
    save=None,
    envelope: str | None = None,
    target_volume: float | None = None,
    markers: dict | None = None,
):
    """A new :class:`~depsim.geometry.MeshBundle` of the case's cell on the current Li surface.

    Args:
        case: the case (or :class:`~depsim.geometry.CellGeometry`) that built the mesh.
        mesh, facet_tags, tag: the deformed mesh and its electrode facets.
        comm: communicator of the new mesh (default: the old mesh's).
        save: optional .msh file of the new mesh (before the volume correction).
        envelope: "upper" (plating) or "lower" (stripping): how a folded surface is resolved
            (see :func:`profile_function`); None refuses a folded surface.
        target_volume: electrolyte volume [m^d] the new mesh must have (the old mesh's
            oriented volume, :func:`oriented_volume`): the new Li surface is shifted uniformly
            to match it. None: no correction.
        markers: facet markers of the mesh motion used for that shift (the new bundle's by
            default).

    Returns:
        (bundle, volume_correction): the new mesh and the volume [m^d] added to the
        electrolyte by the shift (0 without ``target_volume``).
    """
    from depsim.geometry import CellGeometry, build_mesh

    geom = case if isinstance(case, CellGeometry) else CellGeometry.from_case(case)
    surf = electrode_surface(mesh, facet_tags, tag)
    h = surface_function(surf, geom.width, geom.depth_or_width, envelope=envelope)
    bundle = build_mesh(geom, comm or mesh.comm, save=save, surface=h)
    if target_volume is None:
        return bundle, 0.0
    new_volume = oriented_volume(bundle.mesh)
    area = geom.width * (geom.depth_or_width if geom.dimension == 3 else 1.0)
    shift = (new_volume - target_volume) / area  # > 0: the Li surface moves up
    if shift != 0.0:
        from depsim.deposition.mesh_motion import MeshMover

        mover = MeshMover(bundle.mesh, bundle.facet_tags, markers or bundle.markers)
        d = np.zeros((len(mover.electrode_blocks), bundle.mesh.geometry.dim))
        d[:, 1] = shift
        mover.move(d)
        mover.destroy()
    return bundle, target_volume - new_volume


def _all_cells(mesh) -> np.ndarray:
    imap = mesh.topology.index_map(mesh.topology.dim)
    return np.arange(imap.size_local + imap.num_ghosts, dtype=np.int32)


def _transfer_simple(
    u_from: fem.Function, u_to: fem.Function, padding: float, cache: dict | None
) -> None:
    V_to, V_from = u_to.function_space, u_from.function_space
    cells = _all_cells(V_to.mesh)
    # the point-ownership data depend only on the meshes, V_to's element and the padding
    key = (id(V_to.mesh), id(V_from.mesh), V_to.element.signature, padding)
    data = None if cache is None else cache.get(key)
    if data is None:
        data = fem.create_interpolation_data(V_to, V_from, cells, padding=padding)
        if cache is not None:
            cache[key] = data
    u_to.interpolate_nonmatching(u_from, cells, data)
    u_to.x.scatter_forward()


def transfer(
    u_from: fem.Function,
    u_to: fem.Function,
    padding: float | None = None,
    cache: dict | None = None,
) -> None:
    """Interpolate ``u_from`` (old mesh) into ``u_to`` (new mesh), collective.

    Scalar and blocked (vector) spaces are interpolated directly; mixed spaces (the solver's
    (u, psi)) sub-space by sub-space.

    Args:
        padding: distance [m] within which a point outside the old mesh is still assigned to
            its nearest old cell (default: 0.5 x the smallest cell size of the old mesh).
        cache: a dict kept by the caller across the transfers between the same two meshes:
            the point search (the dear part) is then done once per element of the new mesh,
            not once per field. Only for meshes that stay alive (and unmoved) while it is.
    """
    if padding is None:
        m = u_from.function_space.mesh
        tdim = m.topology.dim
        n = m.topology.index_map(tdim).size_local
        h = m.h(tdim, np.arange(n, dtype=np.int32))
        padding = 0.5 * m.comm.allreduce(float(h.min(initial=np.inf)), op=MPI.MIN)
    V_to, V_from = u_to.function_space, u_from.function_space
    mixed = V_to.num_sub_spaces > 0 and V_to.dofmap.index_map_bs == 1
    if not mixed:
        _transfer_simple(u_from, u_to, padding, cache)
        return
    cache = {} if cache is None else cache
    for i in range(V_to.num_sub_spaces):
        S_to, map_to = V_to.sub(i).collapse()
        S_from, map_from = V_from.sub(i).collapse()
        f_from, f_to = fem.Function(S_from), fem.Function(S_to)
        f_from.x.array[:] = u_from.x.array[map_from]
        transfer(f_from, f_to, padding, cache)
        u_to.x.array[map_to] = f_to.x.array
    u_to.x.scatter_forward()
