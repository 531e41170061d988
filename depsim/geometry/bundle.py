"""The meshed cell handed to the physics: :class:`MeshBundle`, and :func:`describe_mesh`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from depsim.geometry import markers as mk
from depsim.geometry.cell_geometry import CellGeometry


@dataclass
class MeshBundle:
    """A distributed dolfinx mesh with depsim's region tags and a few global numbers.

    Attributes:
        mesh: ``dolfinx.mesh.Mesh``, coordinates in metres; the facet-to-cell connectivity
            (tdim - 1 -> tdim) is created.
        cell_tags: ``MeshTags`` of the cells: :data:`~depsim.geometry.markers.ELECTROLYTE` (1),
            :data:`~depsim.geometry.markers.SEPARATOR` (2).
        facet_tags: ``MeshTags`` of the facets (always present): ELECTRODE 1, TOP 2, LEFT 3,
            RIGHT 4, FRONT 5, BACK 6 (3D), SEPARATOR_INTERFACE 7 (internal facets).
        markers: name -> tag of the groups present in this mesh (facet and cell names differ:
            ``"electrode"``, ``"top"``, ..., ``"electrolyte"``, ``"separator"``).
        dimension: 2 or 3.
        n_cells, n_facets, n_vertices: global counts (all facets, interior included).
        h_min, h_max: smallest and largest cell diameter [m] (global).
        electrode_length: measure of the electrode [m in 2D, m^2 in 3D] (global).
        projected_area: W [m] (2D) or W D [m^2] (3D): the electrode's projection on y = 0.
        bounding_box: ``([xmin, ymin, zmin], [xmax, ymax, zmax])`` [m] (global).
        cell_counts: name -> global number of cells of each cell group.
        geometry: the :class:`CellGeometry` it was built from.
        hierarchy: the coarser meshes when ``mesh`` was made by uniform refinement, coarsest
            first (:class:`~depsim.geometry.refinement.NestedLevel`); empty otherwise.
    """

    mesh: object
    cell_tags: object
    facet_tags: object
    markers: dict[str, int]
    dimension: int
    n_cells: int
    n_facets: int
    n_vertices: int
    h_min: float
    h_max: float
    electrode_length: float
    projected_area: float
    bounding_box: tuple[list[float], list[float]]
    cell_counts: dict[str, int] = field(default_factory=dict)
    geometry: CellGeometry | None = None
    hierarchy: tuple = ()

    @property
    def comm(self):
        """The mesh's MPI communicator."""
        return self.mesh.comm

    @property
    def roughness_factor(self) -> float:
        """electrode_length / projected_area [-] (1 for a flat electrode)."""
        return self.electrode_length / self.projected_area

    @property
    def facet_markers(self) -> dict[str, int]:
        """The facet groups present (name -> tag)."""
        return {n: t for n, t in self.markers.items() if n not in mk.CELL_MARKERS}

    @property
    def cell_markers(self) -> dict[str, int]:
        """The cell groups present (name -> tag)."""
        return {n: t for n, t in self.markers.items() if n in mk.CELL_MARKERS}

    def facets(self, name_or_tag) -> np.ndarray:
        """Local facet indices of one facet group (name or tag); owned and ghost facets."""
        tag = self.markers[name_or_tag] if isinstance(name_or_tag, str) else int(name_or_tag)
        return self.facet_tags.find(tag)

    def facet_measure(self, name_or_tag) -> float:
        """Global measure of a facet group [m or m^2] (vertex coordinates, no form compiled)."""
        tag = self.markers[name_or_tag] if isinstance(name_or_tag, str) else int(name_or_tag)
        return facet_measure(self.mesh, self.facet_tags, tag)


def facet_measure(mesh, facet_tags, tag: int) -> float:
    """Global length (2D) or area (3D) [m or m^2] of the facets tagged ``tag``.

    Straight-sided facets are assumed (first-order geometry; higher-order meshes are measured
    through their vertices). Each facet is counted once, by its owning rank.
    """
    from dolfinx.mesh import entities_to_geometry
    from mpi4py import MPI

    tdim = mesh.topology.dim
    fdim = tdim - 1
    mesh.topology.create_connectivity(fdim, tdim)
    n_owned = mesh.topology.index_map(fdim).size_local
    facets = facet_tags.find(tag)
    facets = facets[facets < n_owned].astype(np.int32)
    local = 0.0
    if facets.size:
        nodes = entities_to_geometry(mesh, fdim, facets, False)
        x = mesh.geometry.x[nodes]
        if fdim == 1:
            local = float(np.linalg.norm(x[:, 1] - x[:, 0], axis=1).sum())
        else:
            cross = np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0])
            local = float(0.5 * np.linalg.norm(cross, axis=1).sum())
    return mesh.comm.allreduce(local, op=MPI.SUM)


def make_bundle(mesh, cell_tags, facet_tags, markers, geometry=None, projected_area=None):
    """Compute the global numbers of a :class:`MeshBundle` (collective on ``mesh.comm``)."""
    from dolfinx.mesh import meshtags
    from mpi4py import MPI

    comm = mesh.comm
    tdim = mesh.topology.dim
    fdim = tdim - 1
    mesh.topology.create_entities(fdim)
    mesh.topology.create_connectivity(fdim, tdim)
    mesh.topology.create_connectivity(tdim, fdim)
    if facet_tags is None:
        facet_tags = meshtags(mesh, fdim, np.empty(0, np.int32), np.empty(0, np.int32))
    n_local = mesh.topology.index_map(tdim).size_local
    h = mesh.h(tdim, np.arange(n_local, dtype=np.int32))
    h_min = comm.allreduce(float(h.min()) if h.size else np.inf, op=MPI.MIN)
    h_max = comm.allreduce(float(h.max()) if h.size else 0.0, op=MPI.MAX)

    x = mesh.geometry.x
    n_x = mesh.geometry.index_map().size_local
    lo = np.array(x[:n_x].min(axis=0) if n_x else np.full(3, np.inf), dtype=np.float64)
    hi = np.array(x[:n_x].max(axis=0) if n_x else np.full(3, -np.inf), dtype=np.float64)
    comm.Allreduce(MPI.IN_PLACE, lo, op=MPI.MIN)
    comm.Allreduce(MPI.IN_PLACE, hi, op=MPI.MAX)
    if projected_area is None:
        projected_area = hi[0] - lo[0] if tdim == 2 else (hi[0] - lo[0]) * (hi[2] - lo[2])

    owned_cells = cell_tags.indices < n_local
    cell_counts = {}
    for name, tag in mk.CELL_MARKERS.items():
        if name in markers:
            cell_counts[name] = comm.allreduce(
                int(np.count_nonzero(cell_tags.values[owned_cells] == tag)), op=MPI.SUM
            )
    return MeshBundle(
        mesh=mesh,
        cell_tags=cell_tags,
        facet_tags=facet_tags,
        markers=dict(markers),
        dimension=tdim,
        n_cells=mesh.topology.index_map(tdim).size_global,
        n_facets=mesh.topology.index_map(fdim).size_global,
        n_vertices=mesh.topology.index_map(0).size_global,
        h_min=float(h_min),
        h_max=float(h_max),
        electrode_length=facet_measure(mesh, facet_tags, mk.ELECTRODE),
        projected_area=float(projected_area),
        bounding_box=(lo.tolist(), hi.tolist()),
        cell_counts=cell_counts,
        geometry=geometry,
    )


def describe_mesh(bundle: MeshBundle) -> str:
    """A few lines for the log: cells, facets, vertices, element sizes and the electrode (um)."""
    um = 1e6
    cell = "triangles" if bundle.dimension == 2 else "tetrahedra"
    regions = ", ".join(f"{n} {c}" for n, c in bundle.cell_counts.items())
    if bundle.dimension == 2:
        electrode = (
            f"electrode length {bundle.electrode_length * um:.4g} um "
            f"(projected {bundle.projected_area * um:.4g} um, "
            f"ratio {bundle.roughness_factor:.4f})"
        )
    else:
        electrode = (
            f"electrode area {bundle.electrode_length * um**2:.4g} um^2 "
            f"(projected {bundle.projected_area * um**2:.4g} um^2, "
            f"ratio {bundle.roughness_factor:.4f})"
        )
    lo, hi = bundle.bounding_box
    extent = " x ".join(
        f"{(b - a) * um:.4g}" for a, b in zip(lo[:3], hi[:3], strict=True) if b - a > 0
    )
    return (
        f"{bundle.dimension}D mesh, {extent} um: {bundle.n_cells} {cell} ({regions}), "
        f"{bundle.n_facets} facets, {bundle.n_vertices} vertices\n"
        f"element size h_min = {bundle.h_min * um:.4g} um, h_max = {bundle.h_max * um:.4g} um; "
        f"{electrode}"
    )
