"""Built-in library of separator and membrane properties from published papers.

See :mod:`depsim.materials.library` for how a case uses a material.
"""

from depsim.materials.library import (
    Material,
    MaterialValue,
    format_materials,
    get_material,
    list_materials,
)

__all__ = ["Material", "MaterialValue", "format_materials", "get_material", "list_materials"]
