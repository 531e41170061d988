"""``[electrolyte.properties]``: the property functions of ``electrolyte.model = "concentrated"``.

``source``: a named entry of the property library (:mod:`depsim.physics.electrolyte_library`,
e.g. ``"landesfeind2019-ec-dmc"``). ``conductivity`` [S/m], ``diffusivity`` (the salt's Fickian
D [m^2/s]), ``transference_number`` (Hittorf t0 [-]) and ``thermodynamic_factor``
(1 + d ln f± / d ln c [-]): each a constant (a number in SI or a string with its unit) or a table
``[[c, value], ...]`` (c in mol/m^3, values in SI, c increasing; linear in between, constant
beyond the ends); a key given here overrides the source's function. A property given by neither
takes the ideal dilute value of ``electrolyte.D_cation``/``D_anion`` (kappa proportional to c,
D = 2 D+ D- / (D+ + D-), t0 = D+ / (D+ + D-), thermodynamic factor 1).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StrictStr, field_validator

from depsim.case.quantities import _fail, _quantity_converter, _Table

__all__ = ["ElectrolyteProperties", "PropertyValue"]


def _property(dimension: str):
    to_si = _quantity_converter(dimension)

    def convert(value: Any) -> Any:
        if isinstance(value, list):
            rows = []
            for row in value:
                if (
                    not isinstance(row, list | tuple)
                    or len(row) != 2
                    or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
                ):
                    _fail(
                        "a property table is a list of [c, value] pairs of numbers",
                        allowed="a constant, or [[c1, v1], [c2, v2], ...] (c in mol/m^3, SI)",
                    )
                rows.append((float(row[0]), float(row[1])))
            if len(rows) < 2 or any(b[0] <= a[0] for a, b in zip(rows, rows[1:], strict=False)):
                _fail(
                    "a property table needs at least two rows with increasing c",
                    allowed="[[c1, v1], [c2, v2], ...] with c1 < c2 < ...",
                )
            return tuple(rows)
        return to_si(value)

    return convert


def PropertyValue(dimension: str) -> Any:  # noqa: N802 (a type factory)
    """A property: a float (SI) or a tuple of (c, value) rows."""
    return Annotated[float | tuple[tuple[float, float], ...], BeforeValidator(_property(dimension))]


class ElectrolyteProperties(_Table):
    """``[electrolyte.properties]`` (see the module docstring)."""

    source: StrictStr | None = None
    conductivity: PropertyValue("conductivity") | None = None
    diffusivity: PropertyValue("diffusivity") | None = None
    transference_number: PropertyValue("dimensionless") | None = None
    thermodynamic_factor: PropertyValue("dimensionless") | None = None

    @field_validator("source")
    @classmethod
    def _known(cls, name: str | None) -> str | None:
        if name is None:
            return name
        from depsim.physics.electrolyte_library import ALIASES, LIBRARY

        if name not in ALIASES and name not in LIBRARY:
            _fail(
                f"unknown electrolyte {name!r}",
                allowed=", ".join(repr(a) for a in ALIASES),
                value=name,
            )
        return name

    @field_validator("conductivity", "diffusivity", "thermodynamic_factor")
    @classmethod
    def _positive(cls, value, info):
        rows = value if isinstance(value, tuple) else [(None, value)] if value is not None else []
        for c, v in rows:
            if info.field_name == "conductivity" and c == 0.0 and v == 0.0:
                continue  # kappa(0) = 0: no ions, no conduction
            if not v > 0.0:
                _fail(
                    f"every value must be > 0 (found {v!r})",
                    allowed="a value > 0 (a constant or every value of the table)",
                )
        return value

    @field_validator("transference_number")
    @classmethod
    def _below_one(cls, value):
        for v in _values(value):
            if not v < 1.0:
                _fail(
                    f"a cation transference number must be below 1 (got {v!r}): the anion "
                    "would carry no or negative current",
                    allowed="a value < 1 (a constant or every value of the table)",
                )
        return value

    def given(self) -> dict[str, Any]:
        """The properties given in the table (name -> float or rows), without ``source``."""
        return {
            k: getattr(self, k)
            for k in ("conductivity", "diffusivity", "transference_number", "thermodynamic_factor")
            if getattr(self, k) is not None
        }


def _values(value) -> list[float]:
    if value is None:
        return []
    if isinstance(value, tuple):
        return [v for _, v in value]
    return [value]
