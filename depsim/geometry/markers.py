"""Integer tags of the mesh regions (gmsh physical groups, dolfinx ``MeshTags`` values).

Facet tags (``MeshBundle.facet_tags``) and cell tags (``MeshBundle.cell_tags``) are separate
``MeshTags`` objects, so the same integer can mean a facet group and a cell group.

Coordinates: x along the electrode (width W), y normal to the mean Li surface (up, height H),
z along the depth D in 3D. The Li surface is the bottom of the domain.
"""

from __future__ import annotations

# ---- facets (dimension tdim - 1) ------------------------------------------------------------
ELECTRODE = 1  #: the Li metal surface y = h(x) (Γ_e), bottom of the cell
TOP = 2  #: y = H: reservoir or counter electrode (Γ_t)
LEFT = 3  #: x = 0
RIGHT = 4  #: x = W
FRONT = 5  #: z = 0 (3D only)
BACK = 6  #: z = D (3D only)
SEPARATOR_INTERFACE = 7  #: internal facets between the separator and free electrolyte

# ---- cells (dimension tdim) -----------------------------------------------------------------
ELECTROLYTE = 1  #: free (bulk) electrolyte
SEPARATOR = 2  #: porous separator layer

#: physical-group name -> facet tag (names are what a user's .msh file must use)
FACET_MARKERS: dict[str, int] = {
    "electrode": ELECTRODE,
    "top": TOP,
    "left": LEFT,
    "right": RIGHT,
    "front": FRONT,
    "back": BACK,
    "separator_interface": SEPARATOR_INTERFACE,
}

#: physical-group name -> cell tag
CELL_MARKERS: dict[str, int] = {
    "electrolyte": ELECTROLYTE,
    "separator": SEPARATOR,
}

#: first tag given to extra (unknown) facet groups found in a user's mesh file
FIRST_EXTRA_FACET_TAG = 101

__all__ = [
    "BACK",
    "CELL_MARKERS",
    "ELECTRODE",
    "ELECTROLYTE",
    "FACET_MARKERS",
    "FIRST_EXTRA_FACET_TAG",
    "FRONT",
    "LEFT",
    "RIGHT",
    "SEPARATOR",
    "SEPARATOR_INTERFACE",
    "TOP",
]
