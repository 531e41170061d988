"""The public dotted-key API: addressing one case key by its path.

A dotted key names one value of a case the way ``--set`` and ``--vary`` do:
``"electrolyte.D_cation"``, ``"geometry.mesh.size"``, ``"separator.sites[0].surface_charge"``
(list entries by ``[index]``). :func:`split_key` turns it into its parts, :func:`get_value`
reads the value from a validated case (SI units, after defaults), and :func:`unit_of` gives the
SI unit the schema stores it in. ``depsim sweep`` and the command line use these; so can
scripts.
"""

from __future__ import annotations

import re
from typing import Any

from depsim.errors import CaseError

__all__ = ["get_value", "split_key", "unit_of"]

_PART = re.compile(r"^([^.\[\]]+)((?:\[\d+\])*)$")


def split_key(key: str) -> list[str | int]:
    """``"a.b[2].c"`` -> ``["a", "b", 2, "c"]``; CaseError (naming the key) if malformed."""
    parts: list[str | int] = []
    for chunk in key.split("."):
        m = _PART.match(chunk.strip())
        if not m:
            raise CaseError(
                key, "malformed key", allowed="a dotted key such as electrolyte.D_cation"
            )
        parts.append(m.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    return [int(p) if isinstance(p, str) and p.isdigit() else p for p in parts]


def get_value(case, key: str) -> Any:
    """The value of ``key`` in the validated ``case`` (SI units, defaults resolved);
    CaseError when the case has no such key."""
    from depsim.case.loader import resolved_dict

    node: Any = resolved_dict(case)
    for part in split_key(key):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            raise CaseError(key, "no such key in the resolved case") from None
    return node


def unit_of(key: str) -> str:
    """The SI unit the schema stores ``key`` in ("" when dimensionless, not a quantity, or
    not a schema key)."""
    from depsim.case.validation import field_unit

    return field_unit(tuple(split_key(key)))
