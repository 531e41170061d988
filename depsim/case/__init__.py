"""Case files: loading, inheritance, overrides, validation, units and the resolved case.

Main entry points: :func:`load_case` (path + overrides -> :class:`Case`), :func:`resolved_dict`,
:func:`to_toml`, :func:`case_hash`; the dotted-key API (:func:`split_key`, :func:`get_value`,
:func:`unit_of`). All values of a :class:`Case` are SI floats. The tables' classes are those of
:mod:`depsim.case.schema` (all re-exported here).
"""

from depsim.case import schema as _schema
from depsim.case.keys import get_value, split_key, unit_of
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
from depsim.case.schema import *  # noqa: F403 - the table classes, listed in schema.__all__
from depsim.case.units import parse_quantity, to_si, ureg
from depsim.case.validation import validate_case

__all__ = [
    *_schema.__all__,
    "apply_overrides",
    "case_hash",
    "get_value",
    "load_case",
    "parse_override",
    "parse_quantity",
    "parse_value",
    "read_case_dict",
    "resolved_dict",
    "split_key",
    "to_si",
    "to_toml",
    "unit_of",
    "ureg",
    "validate_case",
]
