"""Facet groups that carry a surface charge (Poisson mode): exterior or internal, and never
where the potential is prescribed."""

from __future__ import annotations

import numpy as np
from dolfinx.mesh import exterior_facet_indices
from mpi4py import MPI

from depsim.errors import CaseError

__all__ = ["classify_charged_facets"]


def classify_charged_facets(mesh, facet_tags, markers: dict[str, int], tag: int, key) -> bool:
    """True if the facets ``tag`` are exterior, False if internal; refuse Dirichlet facets,
    empty and mixed groups."""
    if tag == markers["top"]:
        raise CaseError(
            "surface_charge",
            f"a surface charge on the top ({key!r}), where phi is prescribed (reservoir), "
            "has no effect and is not allowed",
            key,
            "charged electrode, side, separator-interface or internal facets",
        )
    tdim = mesh.topology.dim
    facets = facet_tags.find(tag)
    top = facet_tags.find(markers["top"])
    ext = exterior_facet_indices(mesh.topology)
    n_owned = mesh.topology.index_map(tdim - 1).size_local
    owned = facets[facets < n_owned]
    is_ext = np.isin(owned, ext)
    counts = np.array(
        [int(is_ext.sum()), int((~is_ext).sum()), int(np.isin(owned, top).sum())],
        dtype=np.int64,
    )
    mesh.comm.Allreduce(MPI.IN_PLACE, counts, op=MPI.SUM)
    n_ext, n_int, n_top = (int(v) for v in counts)
    if n_top:
        raise CaseError(
            "surface_charge",
            f"facet group {key!r} shares {n_top} facets with the top, where phi is prescribed",
            key,
            "facets where phi is not prescribed",
        )
    if n_ext + n_int == 0:
        raise CaseError("surface_charge", f"no facet carries the tag {key!r}", key)
    if n_ext and n_int:
        raise CaseError(
            "surface_charge",
            f"facet group {key!r} mixes exterior ({n_ext}) and internal ({n_int}) facets",
            key,
            "one group per kind",
        )
    return n_ext > 0
