"""``[electrode]`` of the case schema, with its exchange-current pattern tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    model_validator,
)

from depsim.case.quantities import Fraction01, Length, PositiveLength, Quantity, _fail, _Table
from depsim.case.table_electrolyte import _check_placement
from depsim.physics.kinetics import names as kinetics_names

# --------------------------------------------------------------------------------------------
# [electrode], [operation], [model], [time], [solver], [output]


def _number_or_table(value: Any) -> str:
    """Union tag of a key that takes a number (a quantity) or a table."""
    return "<table>" if isinstance(value, dict | BaseModel) else "<number>"


class ExchangeCurrentPatch(_Table):
    """One entry of ``patches`` in an exchange-current pattern: i0 = ``value`` [A/m^2] where the
    patch lies, placed like charged sites: "periodic" (``period`` [m], covered ``fraction``,
    ``offset`` [m]) or "list" (``width`` [m] centred at each of ``positions`` [m])."""

    value: Quantity("current_density", gt=0)
    pattern: Literal["periodic", "list"] = "periodic"
    period: PositiveLength | None = None
    fraction: Quantity("dimensionless", gt=0, le=1) = 0.5
    offset: Length = 0.0
    positions: list[Length] | None = None
    width: PositiveLength | None = None

    @model_validator(mode="after")
    def _check(self) -> ExchangeCurrentPatch:
        _check_placement(self)
        return self


class ExchangeCurrentPattern(_Table):
    """``electrode.exchange_current_density`` as a table: i0(x) along the Li surface.

    ``value`` [A/m^2] i0 where nothing else applies (and the reference of the kinetics);
    ``profile_x`` [m] with ``profile_values`` [A/m^2]: a piecewise-linear profile replacing
    ``value``; ``patches``: regions of their own i0 (a later patch wins). See
    :mod:`depsim.physics.exchange_current`.
    """

    value: Quantity("current_density", gt=0) = 6.4
    profile_x: list[Length] | None = None
    profile_values: list[Quantity("current_density", gt=0)] | None = None
    patches: list[ExchangeCurrentPatch] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ExchangeCurrentPattern:
        xs, vs = self.profile_x, self.profile_values
        if (xs is None) != (vs is None):
            missing = "profile_values" if vs is None else "profile_x"
            _fail(
                "profile_x and profile_values must be given together",
                field=missing,
                allowed="two lists of the same length (positions [m], i0 [A/m^2])",
            )
        if xs is not None:
            if len(xs) != len(vs) or len(xs) < 2:
                _fail(
                    f"{len(xs)} positions but {len(vs)} values",
                    field="profile_values",
                    allowed="as many values as profile_x positions (at least 2)",
                )
            if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
                _fail(
                    "positions must increase",
                    field="profile_x",
                    value=xs,
                    allowed="strictly increasing x positions [m]",
                )
        return self


class Electrode(_Table):
    """``[electrode]``: Li metal kinetics.

    ``exchange_current_density`` i0 [A/m^2] (default 6.4 = 0.64 mA/cm^2, or the separator
    material's value when the user does not set it), ``alpha_a`` + ``alpha_c`` = 1,
    ``kinetics``: "butler-volmer" | "frumkin" | "linear" | "marcus-hush-chidsey" (the laws of
    :mod:`depsim.physics.kinetics`), ``reorganization_energy`` lambda [J per particle, e.g.
    "0.2 eV"] of Marcus–Hush–Chidsey kinetics, ``reference_concentration`` c_ref
    [mol/m^3] (default: electrolyte.concentration), ``deposition`` (moving Li surface),
    ``double_layer_capacitance`` [F/m^2]. ``exchange_current_density`` may also be a table
    (:class:`ExchangeCurrentPattern`) for an i0 that varies along the surface.
    """

    exchange_current_density: Annotated[
        Annotated[Quantity("current_density", gt=0), Tag("<number>")]
        | Annotated[ExchangeCurrentPattern, Tag("<table>")],
        Discriminator(_number_or_table),
    ] = 6.4
    alpha_a: Fraction01 = 0.5
    alpha_c: Fraction01 = 0.5
    kinetics: Literal[kinetics_names()] = "butler-volmer"  # the registered laws
    reorganization_energy: Quantity("energy", gt=0) | None = None
    reference_concentration: Quantity("concentration", gt=0) | None = None
    deposition: StrictBool = False
    double_layer_capacitance: Quantity("capacitance", ge=0) = 0.0

    @property
    def i0(self) -> float:
        """The reference exchange current density [A/m^2]: the number, or a pattern's value."""
        i0 = self.exchange_current_density
        return i0.value if isinstance(i0, ExchangeCurrentPattern) else float(i0)

    @property
    def i0_pattern(self) -> ExchangeCurrentPattern | None:
        """The exchange-current pattern table, or None for a uniform i0."""
        i0 = self.exchange_current_density
        return i0 if isinstance(i0, ExchangeCurrentPattern) else None

    @model_validator(mode="after")
    def _check(self) -> Electrode:
        if self.kinetics == "marcus-hush-chidsey" and self.reorganization_energy is None:
            _fail(
                "required for kinetics = 'marcus-hush-chidsey'",
                field="reorganization_energy",
                allowed="an energy > 0, e.g. '0.2 eV' (per particle)",
            )
        if abs(self.alpha_a + self.alpha_c - 1.0) > 1e-12:
            _fail(
                f"alpha_a + alpha_c = {self.alpha_a + self.alpha_c:.12g} must equal 1",
                field="alpha_a",
                value=self.alpha_a,
                allowed="alpha_a + alpha_c = 1, each in (0, 1)",
            )
        return self
