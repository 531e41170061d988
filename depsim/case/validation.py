"""Validation of a case dict and the translation of pydantic errors into one
:class:`~depsim.errors.CaseError` naming the dotted key, the value and what is allowed."""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Annotated, Any

import annotated_types
from pydantic import (
    BaseModel,
    ValidationError,
)
from pydantic.fields import FieldInfo

from depsim.case.quantities import Unit
from depsim.case.schema import Case
from depsim.errors import CaseError

# --------------------------------------------------------------------------------------------
# Validation and error translation


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None``, ``list[X]``, ``Annotated[X, ...]``."""
    seen = [annotation]
    while seen:
        ann = seen.pop()
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
        origin = typing.get_origin(ann)
        if origin in (typing.Union, types.UnionType, list, Annotated):
            seen.extend(typing.get_args(ann)[:1] if origin is Annotated else typing.get_args(ann))
    return None


def _walk(loc: tuple) -> tuple[str, type[BaseModel] | None, Any]:
    """Dotted key of ``loc`` (union tags dropped), the model holding the last part and its field."""
    parts: list[str] = []
    model: type[BaseModel] | None = Case
    parent: type[BaseModel] | None = Case
    field = None
    in_free = False  # inside a free-form dict (petsc_options) or a list of scalars
    for item in loc:
        if isinstance(item, str) and item.startswith("<"):  # a union tag (<number>, <table>)
            continue
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            continue
        if in_free:
            if item in ("str", "int", "float", "bool") or "[" in item:
                continue
            parts.append(item)
            continue
        parts.append(item)
        parent = model
        if model is not None and item in model.model_fields:
            field = model.model_fields[item]
            model = _unwrap_model(field.annotation)
            if model is None:
                in_free = True
        else:
            field, model, in_free = None, None, True
    return ".".join(parts), parent, field


_BOUND_OPS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _metadata(field: Any) -> list[Any]:
    """Flattened annotation metadata of a field (also inside ``X | None`` and nested Field())."""
    if field is None:
        return []
    todo = list(field.metadata)
    for arg in typing.get_args(field.annotation):
        todo.extend(getattr(arg, "__metadata__", ()))
    out = []
    while todo:
        meta = todo.pop(0)
        if isinstance(meta, FieldInfo):
            todo.extend(meta.metadata)
        else:
            out.append(meta)
    return out


def _bounds_of(field: Any) -> str:
    """All bounds of a field as text ("> 0 and < 1")."""
    ops = {
        annotated_types.Gt: (">", "gt"),
        annotated_types.Ge: (">=", "ge"),
        annotated_types.Lt: ("<", "lt"),
        annotated_types.Le: ("<=", "le"),
    }
    found = [
        f"{ops[type(m)][0]} {getattr(m, ops[type(m)][1])}"
        for m in _metadata(field)
        if type(m) in ops
    ]
    return " and ".join(found)


def _unit_of(field: Any) -> str:
    for meta in _metadata(field):
        if isinstance(meta, Unit):
            return f" {meta.unit}" if meta.unit else ""
    return ""


_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "list_type": "a list (TOML array)",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def field_unit(loc: tuple) -> str:
    """The SI unit of the schema field at ``loc`` (a split dotted key; "" when dimensionless,
    not a quantity or not a field)."""
    return _unit_of(_walk(loc)[2]).strip()


def _to_case_error(exc: ValidationError) -> CaseError:
    """One CaseError from the first error of a pydantic ValidationError."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    etype = err["type"]
    value = err.get("input")
    key, parent, field = _walk(loc)
    if etype == "extra_forbidden":
        name = str(loc[-1])
        valid = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        if not close:  # case-insensitive second chance ("d_cation" -> "D_cation")
            lowered = {v.lower(): v for v in valid}
            close = [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), 1)]
        if close:
            return CaseError(key, f"unknown key; did you mean {close[0]!r}?")
        return CaseError(key, "unknown key", allowed=", ".join(valid))
    if etype == "depsim":
        if "field" in ctx:  # raised by a model validator about one of its keys
            key = f"{key}.{ctx['field']}" if key else ctx["field"]
            value = None
        return CaseError(
            key,
            ctx.get("message", err["msg"]),
            value=ctx.get("value", value),
            allowed=ctx.get("allowed"),
        )
    if etype == "literal_error":
        return CaseError(key, "invalid value", value=value, allowed=ctx.get("expected"))
    if etype in _BOUND_OPS:
        bounds = _bounds_of(field) or f"{_BOUND_OPS[etype]} {next(iter(ctx.values()))}"
        return CaseError(key, "out of range", value=value, allowed=bounds + _unit_of(field))
    if etype == "missing":
        return CaseError(key, "required key is missing")
    if etype in _TYPE_WORDS:
        return CaseError(
            key, f"wrong type {type(value).__name__}", value=value, allowed=_TYPE_WORDS[etype]
        )
    return CaseError(key, err["msg"], value=value)


def validate_case(
    data: dict[str, Any], *, source: Path | None = None, base_dir: Path | None = None
) -> Case:
    """Validate a (merged, overridden) case dict into a :class:`Case`.

    ``source`` is the case file (its stem is the default ``case.name``); ``base_dir`` resolves a
    relative ``geometry.file`` (default: the directory of ``source``). Raises CaseError.
    """
    if base_dir is None and source is not None:
        base_dir = Path(source).parent
    context = {"stem": Path(source).stem if source is not None else None, "base_dir": base_dir}
    try:
        case = Case.model_validate(data, context=context)
    except ValidationError as exc:
        raise _to_case_error(exc) from None
    case._source = None if source is None else Path(source).resolve()
    return case
