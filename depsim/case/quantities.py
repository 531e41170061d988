"""Typed building blocks of the case schema: quantities with a dimension (stored as SI
floats), integers, paths, the table base class and the shared validation helpers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)
from pydantic_core import PydanticCustomError

from depsim.case.units import SI_UNITS, QuantityError, parse_quantity
from depsim.physics.constants import FARADAY, GAS_CONSTANT

#: Relative tolerance for "redundant but consistent" keys (resolved files load again).
_CONSISTENT_RTOL = 1e-9

#: Output fields a run can write (docs/case-files.md §2) and the default selection.
FIELD_NAMES = ("c_cation", "c_anion", "phi", "current", "E", "eta")
DEFAULT_FIELDS = ("c_cation", "c_anion", "phi", "current", "E")


# --------------------------------------------------------------------------------------------
# Typed building blocks


class Unit:
    """Annotation marker: the SI unit (and dimension name) of a quantity field."""

    def __init__(self, dimension: str):
        self.dimension = dimension
        self.unit = SI_UNITS[dimension]

    def __repr__(self) -> str:
        return f"Unit({self.unit or 'dimensionless'!r})"


def _fail(message: str, *, field: str | None = None, allowed: str | None = None, **extra):
    """Raise a pydantic error that :func:`validate_case` turns into a CaseError.

    ``field`` is a key relative to the model raising it (``"alpha_a"``, ``"electrode.amplitude"``);
    ``value=...`` in ``extra`` reports the offending value.
    """
    ctx: dict[str, Any] = {"message": message}
    if field is not None:
        ctx["field"] = field
    if allowed is not None:
        ctx["allowed"] = allowed
    if "value" in extra:
        ctx["value"] = extra["value"]
    raise PydanticCustomError("depsim", "{message}", ctx)


def _quantity_converter(dimension: str):
    def convert(value: Any) -> Any:
        try:
            return parse_quantity(value, dimension)
        except QuantityError as exc:
            _fail(exc.message, allowed=exc.allowed)

    convert.__name__ = f"to_si_{dimension}"
    return convert


def Quantity(dimension: str, **constraints) -> Any:  # noqa: N802 (a type factory)
    """A float field of the given dimension, converted to SI (``Quantity("length", gt=0)``)."""
    return Annotated[
        float,
        BeforeValidator(_quantity_converter(dimension)),
        Unit(dimension),
        Field(**constraints),
    ]


def _as_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail("expected an integer", allowed="an integer")
    if isinstance(value, float):
        if not value.is_integer():
            _fail("expected an integer", allowed="an integer")
        return int(value)
    return value


def Integer(**constraints) -> Any:  # noqa: N802 (a type factory)
    """An integer field (a TOML integer, or a float with an integral value)."""
    return Annotated[int, BeforeValidator(_as_int), Field(**constraints)]


def _path(value: Any) -> Any:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        _fail("expected a path (a non-empty string)", allowed="a path string")
    return Path(value)


PathValue = Annotated[Path, BeforeValidator(_path)]

Length = Quantity("length")
PositiveLength = Quantity("length", gt=0)
PositiveTime = Quantity("time", gt=0)
Fraction01 = Quantity("dimensionless", gt=0, lt=1)


def nernst_einstein(
    transference_number: float, conductivity: float, concentration: float, temperature: float
) -> tuple[float, float]:
    """Ion diffusivities (D+, D-) [m^2/s] from t+ [-], conductivity [S/m], c0 [mol/m^3], T [K].

    D+ = t+ kappa R T / (F^2 c0),  D- = (1 - t+) kappa R T / (F^2 c0)   (docs/model.md §6).
    """
    d = conductivity * GAS_CONSTANT * temperature / (FARADAY**2 * concentration)
    return transference_number * d, (1.0 - transference_number) * d


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_CONSISTENT_RTOL, abs_tol=0.0)


class _Table(BaseModel):
    """Base of all tables: unknown keys forbidden, defaults for everything."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=(), validate_default=False)
