"""Can a cell resolve its Debye layer? Element-count estimates before meshing, the refusal of
cases that would need unreasonable meshes, and the check of a built mesh's normal resolution."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from depsim.errors import CaseError
from depsim.physics.electrolyte import debye_length

__all__ = [
    "MAX_CELLS",
    "MOLECULAR_SIZE",
    "PER_DEBYE",
    "DebyeResolution",
    "check_mesh_resolution",
    "check_resolvable",
    "estimate_cells",
    "normal_element_size",
]

log = logging.getLogger("depsim")

PER_DEBYE = 5.0
"""Elements per Debye length required next to charged surfaces and electrodes."""

MAX_CELLS = 5.0e6
"""Estimated element count above which :func:`check_resolvable` refuses a case."""

MOLECULAR_SIZE = 0.5e-9
"""Solvated-ion size [m]: below it a continuum diffuse layer (PNP) is not physical."""


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
