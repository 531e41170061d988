"""Reading case files: TOML, ``inherits``, command-line overrides, and the resolved case.

``load_case(path, overrides)`` reads a TOML case file, follows ``[case] inherits = "parent.toml"``
(relative to the file naming it; recursive; tables deep-merged, the child overriding the parent;
``case.name`` is never inherited), applies dotted-key overrides (``{"time.end": "10 s"}``), then
validates (:func:`depsim.case.validation.validate_case`). Every problem is a
:class:`~depsim.errors.CaseError`.

``resolved_dict``/``to_toml`` give the resolved case (all defaults filled, SI floats) and
``case_hash`` a short fingerprint of it.
"""

from __future__ import annotations

import copy
import hashlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from depsim.case.keys import split_key
from depsim.case.schema import Case
from depsim.case.validation import validate_case
from depsim.errors import CaseError

__all__ = [
    "apply_overrides",
    "case_hash",
    "load_case",
    "parse_override",
    "parse_value",
    "read_case_dict",
    "resolved_dict",
    "to_toml",
]


# --------------------------------------------------------------------------------------------
# Reading and inheritance


def _read_toml(path: Path, key: str) -> dict[str, Any]:
    if not path.is_file():
        what = "case file not found" if key == "CASE" else "inherited case file not found"
        raise CaseError(key, what, value=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(key, f"cannot read case file ({exc})", value=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(str(path), f"invalid TOML: {exc}") from None


def _deep_merge(parent: dict[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``child`` into a copy of ``parent``: tables recursively, everything else replaced."""
    out = copy.deepcopy(parent)
    for k, v in child.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _anchor_paths(data: dict[str, Any], base: Path) -> None:
    """Make ``geometry.file`` absolute relative to the file that names it (before merging)."""
    geo = data.get("geometry")
    if isinstance(geo, dict) and isinstance(geo.get("file"), str) and geo["file"].strip():
        p = Path(geo["file"]).expanduser()
        if not p.is_absolute():
            geo["file"] = str((base / p).resolve())


def read_case_dict(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw case dict of ``path`` with its ``inherits`` chain merged (not validated).

    ``case.inherits`` is removed from the result; ``case.name`` comes from ``path`` only.
    """
    path = Path(path).expanduser()
    key = "case.inherits" if _chain else "CASE"
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, resolved))
        raise CaseError("case.inherits", f"inheritance cycle: {cycle}", value=str(path))
    data = _read_toml(path, key)
    _anchor_paths(data, resolved.parent)
    case_table = data.get("case")
    parent_name = case_table.get("inherits") if isinstance(case_table, dict) else None
    if parent_name is None:
        if isinstance(case_table, dict):
            case_table.pop("inherits", None)
        return data
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise CaseError(
            "case.inherits", "expected a file name", value=parent_name, allowed="a relative path"
        )
    parent_path = Path(parent_name).expanduser()
    if not parent_path.is_absolute():
        parent_path = resolved.parent / parent_path
    parent = read_case_dict(parent_path, (*_chain, resolved))
    if isinstance(parent.get("case"), dict):
        parent["case"].pop("name", None)  # each file is its own case
    del case_table["inherits"]
    return _deep_merge(parent, data)


# --------------------------------------------------------------------------------------------
# Overrides


def parse_value(text: Any) -> Any:
    """A command-line value: a TOML value when it parses ("0.6", "true", '["xdmf"]'), else the
    string itself ("10 s", "mumps"). Non-strings are returned unchanged."""
    if not isinstance(text, str):
        return text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_override(item: str) -> tuple[str, Any]:
    """Split a ``--set KEY=VALUE`` argument into (dotted key, parsed value)."""
    if "=" not in item:
        raise CaseError("--set", "expected KEY=VALUE", value=item, allowed="e.g. time.end=10s")
    key, value = item.split("=", 1)
    key = key.strip()
    if not key:
        raise CaseError("--set", "empty key", value=item, allowed="KEY=VALUE with a dotted key")
    return key, parse_value(value.strip())


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Set dotted keys (``"separator.sites[0].surface_charge"``, ``"time.end"``) in a copy of
    ``data``; string values are parsed with :func:`parse_value`. Unknown keys are caught later by
    validation, which names them."""
    out = copy.deepcopy(data)
    for key, raw in (overrides or {}).items():
        key = str(key)
        parts = split_key(key)
        if parts[:2] == ["case", "inherits"]:
            raise CaseError(key, "cannot be overridden (inheritance is resolved first)")
        node: Any = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    where = ".".join(str(p) for p in parts[:i])
                    raise CaseError(key, f"no entry [{part}] in {where}")
            elif not isinstance(node, dict):
                where = ".".join(str(p) for p in parts[:i])
                raise CaseError(key, f"{where} is not a table")
            if last:
                node[part] = parse_value(raw)
            else:
                if isinstance(node, dict) and part not in node:
                    node[part] = {}
                node = node[part]
    return out


def load_case(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Case:
    """Load, merge (``inherits``), override and validate a TOML case file.

    ``overrides`` maps dotted keys to values; strings are parsed as TOML values when possible
    ("0.6" -> 0.6) and otherwise kept ("10 s"). Raises :class:`~depsim.errors.CaseError`.
    """
    path = Path(path).expanduser()
    data = read_case_dict(path)
    data = apply_overrides(data, overrides)
    return validate_case(data, source=path)


# --------------------------------------------------------------------------------------------
# The resolved case


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(v) for v in obj]
    return obj


def resolved_dict(case: Case) -> dict[str, Any]:
    """The resolved case as a TOML-serialisable dict: all defaults filled, SI floats, paths as
    strings, no None (keys without a value are left out)."""
    return _drop_none(case.model_dump(mode="json"))


def to_toml(case: Case) -> str:
    """The resolved case as TOML text (loads again to the same case)."""
    return tomli_w.dumps(resolved_dict(case))


def case_hash(case: Case) -> str:
    """First 16 hex digits of the sha256 of the canonical resolved TOML.

    ``case.source`` and ``output.dir`` are not part of it: the same physics and numerics give the
    same hash wherever the case file lies and wherever the results go.
    """
    data = resolved_dict(case)
    data.get("output", {}).pop("dir", None)
    text = tomli_w.dumps(data)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
