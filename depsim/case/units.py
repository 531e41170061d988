"""Unit handling for case files: numbers are SI, strings carry their unit.

A quantity in a case file is either a plain number, taken to be in SI units already, or a string
with a unit that :mod:`pint` understands (``"0.5 mA/cm^2"``, ``"10 um"``, ``"0.92 mS/cm"``,
``"2.5 mol/L"``, ``"3 mAh/cm^2"``, ``"25 degC"``). :func:`to_si` converts either into a float in the
SI unit of the key's dimension and rejects a wrong dimension, an unparseable string, NaN and inf.

One :class:`pint.UnitRegistry` is shared by the whole package; it is created on first use
(:func:`ureg`) because building it takes a noticeable fraction of a second.
"""

from __future__ import annotations

import math
from typing import Any

from depsim.errors import CaseError

__all__ = ["SI_UNITS", "QuantityError", "parse_quantity", "to_si", "ureg"]

#: The SI unit of every dimension used by case files, keyed by a short dimension name.
SI_UNITS: dict[str, str] = {
    "dimensionless": "",
    "length": "m",
    "time": "s",
    "temperature": "K",
    "concentration": "mol/m^3",
    "diffusivity": "m^2/s",
    "conductivity": "S/m",
    "current_density": "A/m^2",
    "surface_charge": "C/m^2",
    "capacity": "C/m^2",  # areal capacity; "3 mAh/cm^2" = 1.08e5 C/m^2
    "volume_charge": "C/m^3",
    "potential": "V",
    "capacitance": "F/m^2",
    "energy": "J",  # per particle: "0.2 eV" = 3.2e-20 J
}

#: An example string for each dimension, used in error messages.
EXAMPLES: dict[str, str] = {
    "dimensionless": "0.5",
    "length": "10 um",
    "time": "60 s",
    "temperature": "298.15 K",
    "concentration": "2.5 mol/L",
    "diffusivity": "1e-10 m^2/s",
    "conductivity": "0.92 mS/cm",
    "current_density": "0.5 mA/cm^2",
    "surface_charge": "-0.05 C/m^2",
    "capacity": "3 mAh/cm^2",
    "volume_charge": "0 C/m^3",
    "potential": "0.5 V",
    "capacitance": "0.1 F/m^2",
    "energy": "0.2 eV",
}

_UREG = None


def ureg():
    """The package's shared :class:`pint.UnitRegistry` (created on first call).

    Parsing pint's unit definitions costs ~0.7 s, most of a small run's start-up; pint's disk
    cache of the parsed definitions (the user cache folder, keyed by the definitions' hash)
    brings that to ~0.1 s after the first use. Without a usable cache the plain registry is
    built: same units, slower start.
    """
    global _UREG
    if _UREG is None:
        import pint

        try:
            _UREG = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
        except Exception:  # noqa: BLE001 - an unwritable or damaged cache only costs time
            _UREG = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return _UREG


class QuantityError(ValueError):
    """A value could not be converted to the expected dimension (no key attached yet)."""

    def __init__(self, message: str, value: object, allowed: str):
        self.message = message
        self.value = value
        self.allowed = allowed
        super().__init__(f"{message} (got {value!r}); allowed: {allowed}")


def _round(x: float) -> float:
    """Round away the binary noise of unit conversion (``10 um`` -> 1e-05, not 9.99...e-06)."""
    return float(f"{x:.15g}")


def parse_quantity(value: Any, dimension: str) -> float:
    """Convert ``value`` (a number in SI units or a string with a unit) to an SI float.

    ``dimension`` is a key of :data:`SI_UNITS`. Raises :class:`QuantityError` (a ``ValueError``)
    for a wrong dimension, an unparseable string, a boolean, NaN or inf.
    """
    unit = SI_UNITS[dimension]
    shown = unit or "dimensionless"
    allowed = (
        f"a number in {shown} or a string with a unit of the same dimension "
        f"(e.g. {EXAMPLES[dimension]!r})"
    )
    if isinstance(value, bool):
        raise QuantityError(f"expected a quantity in {shown}, not a boolean", value, allowed)
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            q = ureg().Quantity(text)
            if not hasattr(q, "to"):  # plain number in a string, e.g. "0.5"
                q = ureg().Quantity(float(q))
        except Exception as exc:  # noqa: BLE001 - pint's parser raises many kinds (TokenError...)
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise QuantityError(f"cannot parse quantity ({reason})", value, allowed) from None
        target = ureg().Unit(unit) if unit else ureg().dimensionless
        if not q.is_compatible_with(target):
            raise QuantityError(
                f"wrong dimension {q.dimensionality} for a quantity in {shown}", value, allowed
            )
        try:
            result = _round(float(q.to(target).magnitude))
        except Exception as exc:  # noqa: BLE001 - any conversion failure is a bad value
            raise QuantityError(f"cannot convert to {shown} ({exc})", value, allowed) from None
    else:
        raise QuantityError(
            f"expected a quantity in {shown}, not a {type(value).__name__}", value, allowed
        )
    if not math.isfinite(result):
        raise QuantityError("must be a finite number (NaN and inf are not allowed)", value, allowed)
    return result


def to_si(value: Any, dimension: str, key: str) -> float:
    """Like :func:`parse_quantity`, but raise :class:`~depsim.errors.CaseError` naming ``key``."""
    try:
        return parse_quantity(value, dimension)
    except QuantityError as exc:
        raise CaseError(key, exc.message, value=exc.value, allowed=exc.allowed) from None
