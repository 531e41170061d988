"""Case files: loading, inheritance, overrides, validation, units and the resolved case.

Main entry points: :func:`load_case` (path + overrides -> :class:`Case`), :func:`resolved_dict`,
:func:`to_toml`, :func:`case_hash`. All values of a :class:`Case` are SI floats.
"""

from depsim.case.loader import (
    apply_overrides,
    case_hash,
    load_case,
    parse_override,
    parse_value,
    read_case_dict,
    resolved_dict,
    to_toml,
)
from depsim.case.schema import (
    Case,
    CaseInfo,
    Electrode,
    ElectrodeShape,
    Electrolyte,
    Geometry,
    MeshSettings,
    Model,
    Operation,
    Output,
    Separator,
    SeparatorLayer,
    Site,
    Solver,
    Time,
    nernst_einstein,
    validate_case,
)
from depsim.case.units import parse_quantity, to_si, ureg

__all__ = [
    "Case",
    "CaseInfo",
    "Electrode",
    "ElectrodeShape",
    "Electrolyte",
    "Geometry",
    "MeshSettings",
    "Model",
    "Operation",
    "Output",
    "Separator",
    "SeparatorLayer",
    "Site",
    "Solver",
    "Time",
    "apply_overrides",
    "case_hash",
    "load_case",
    "nernst_einstein",
    "parse_override",
    "parse_quantity",
    "parse_value",
    "read_case_dict",
    "resolved_dict",
    "to_toml",
    "to_si",
    "ureg",
    "validate_case",
]
