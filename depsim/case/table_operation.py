"""``[operation]`` of the case schema, with its protocol steps."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    model_validator,
)

from depsim.case.quantities import Integer, PositiveTime, Quantity, _close, _fail, _Table


def _current_from_c_rate(
    c_rate: float, capacity: float, given: float | None, field: str, alternative: str = "c_rate"
) -> float:
    """current_density [A/m^2] = c_rate [1/h] x capacity [C/m^2] / 3600 s; a ``given`` value
    must agree with it (``field``: its key in the error)."""
    derived = c_rate * capacity / 3600.0
    if given is not None and not _close(given, derived):
        _fail(
            f"given together with c_rate and capacity, which set it to {derived:.6g} A/m^2",
            field=field,
            value=given,
            allowed=f"either current_density, or {alternative}",
        )
    return derived


class ProtocolStep(_Table):
    """One entry of ``[operation] steps``: ``mode`` "galvanostatic" (``current_density``
    [A/m^2], > 0 plates Li, or ``c_rate`` [1/h] with ``operation.capacity``), "rest"
    (galvanostatic at zero current) or "potentiostatic" (``potential`` [V] of the top relative
    to the grounded Li), held for ``duration`` [s] (required)."""

    mode: Literal["galvanostatic", "rest", "potentiostatic"] = "galvanostatic"
    current_density: Quantity("current_density") | None = None
    c_rate: Quantity("dimensionless") | None = None
    potential: Quantity("potential") | None = None
    duration: PositiveTime | None = None

    @model_validator(mode="after")
    def _check(self) -> ProtocolStep:
        mode, potentiostatic = self.mode, self.mode == "potentiostatic"
        given = {key: getattr(self, key) for key in ("current_density", "c_rate", "potential")}
        rest_rule = "omit it (rest = galvanostatic at zero current)"
        rules = (  # (refused when, key, why, allowed)
            (
                self.duration is None,
                "duration",
                "required key is missing",
                "a duration > 0 s, e.g. '600 s'",
            ),
            (
                not potentiostatic and given["potential"] is not None,
                "potential",
                f"a {mode} step has no potential",
                "omit it, or mode = 'potentiostatic'",
            ),
            *(
                (
                    potentiostatic and given[key] is not None,
                    key,
                    "a potentiostatic step sets the potential, not the current",
                    "potential = '0.1 V' (omit the current)",
                )
                for key in ("current_density", "c_rate")
            ),
            (
                potentiostatic and given["potential"] is None,
                "potential",
                "a potentiostatic step needs its potential",
                "potential (e.g. '0.1 V', the top relative to the grounded Li)",
            ),
            (
                mode == "rest" and given["c_rate"] is not None,
                "c_rate",
                "a rest step has no current",
                rest_rule,
            ),
            (
                mode == "rest" and given["current_density"] not in (None, 0.0),
                "current_density",
                "a rest step has no current",
                "omit it or 0 (rest = galvanostatic at zero current)",
            ),
            (
                mode == "galvanostatic"
                and given["current_density"] is None
                and given["c_rate"] is None,
                "current_density",
                "a galvanostatic step needs its current",
                "current_density (e.g. '0.5 mA/cm^2', > 0 plates) or c_rate",
            ),
        )
        for refused, key, why, allowed in rules:
            if refused:
                _fail(why, field=key, value=given.get(key), allowed=allowed)
        if mode == "rest":
            self.current_density = 0.0
        return self


class Operation(_Table):
    """``[operation]``: ``mode`` "galvanostatic" (``current_density`` [A/m^2], > 0 plates Li on
    the bottom electrode; or ``c_rate`` [1/h] with ``capacity`` [C/m^2, e.g. "3 mAh/cm^2"]:
    current_density = c_rate capacity / 3600 s) or "potentiostatic" (``potential`` [V] of the top
    relative to the grounded Li); ``counter``: "reservoir" (bulk c, phi = 0) or "electrode".

    Protocols: ``steps`` = a list of :class:`ProtocolStep` (``{mode = "galvanostatic",
    current_density = "0.5 mA/cm^2", duration = "600 s"}``, ``{mode = "rest", duration =
    "60 s"}``, ``{mode = "potentiostatic", potential = "0.1 V", duration = "60 s"}``, ...) run
    one after the other, repeated ``cycles`` times (``mode`` is then given per step).
    ``current_density`` is then that of the first current-controlled step, and ``time.end``
    defaults to the protocol's duration (see :mod:`depsim.deposition.protocol`)."""

    mode: Literal["galvanostatic", "potentiostatic"] = "galvanostatic"
    current_density: Quantity("current_density") = 5.0
    c_rate: Quantity("dimensionless") | None = None
    capacity: Quantity("capacity", gt=0) | None = None
    potential: Quantity("potential") = 0.5
    counter: Literal["reservoir", "electrode"] = "reservoir"
    steps: list[ProtocolStep] | None = None
    cycles: Integer(ge=1) = 1

    @model_validator(mode="after")
    def _c_rate(self) -> Operation:
        if self.c_rate is None or (self.mode == "potentiostatic" and self.steps is None):
            return self  # potentiostatic: the current keys are not used (a warning says so)
        if self.capacity is None:
            _fail(
                "c_rate needs capacity (areal capacity)",
                field="c_rate",
                value=self.c_rate,
                allowed="c_rate together with capacity, e.g. capacity = '3 mAh/cm^2'",
            )
        if self.c_rate == 0:
            _fail("must not be zero", field="c_rate", value=0.0, allowed="c_rate != 0")
        given = self.current_density if "current_density" in self.model_fields_set else None
        self.current_density = _current_from_c_rate(
            self.c_rate, self.capacity, given, "current_density", "c_rate with capacity"
        )
        return self

    @model_validator(mode="after")
    def _protocol(self) -> Operation:
        if self.steps is None:
            if self.cycles != 1:
                _fail(
                    "cycles repeats a protocol; there are no steps",
                    field="cycles",
                    value=self.cycles,
                    allowed="cycles = 1, or give steps",
                )
            return self
        if not self.steps:
            _fail("empty protocol", field="steps", allowed="at least one step, or omit steps")
        if self.mode != "galvanostatic":
            _fail(
                "with steps the mode is given per step",
                field="mode",
                value=self.mode,
                allowed="omit operation.mode with steps (each step has its own mode)",
            )
        if self.c_rate is not None:
            _fail(
                "with steps the current is given per step",
                field="c_rate",
                value=self.c_rate,
                allowed="c_rate (or current_density) inside each step",
            )
        for k, step in enumerate(self.steps):
            if step.c_rate is None:
                continue
            if self.capacity is None:
                _fail(
                    "c_rate needs operation.capacity (areal capacity)",
                    field=f"steps[{k}].c_rate",
                    value=step.c_rate,
                    allowed="capacity = '3 mAh/cm^2' in [operation]",
                )
            step.current_density = _current_from_c_rate(
                step.c_rate, self.capacity, step.current_density, f"steps[{k}].current_density"
            )
        # the first current-controlled step's current (0 if every step is potentiostatic)
        first = next((s.current_density for s in self.steps if s.mode != "potentiostatic"), 0.0)
        if "current_density" in self.model_fields_set and not _close(self.current_density, first):
            _fail(
                f"the protocol sets it to the first step's current, {first:.6g} A/m^2",
                field="current_density",
                value=self.current_density,
                allowed="omit it with steps (give the current in each step)",
            )
        self.current_density = first
        return self

    @property
    def protocol_duration(self) -> float | None:
        """Total duration of the protocol [s] (cycles x sum of the step durations), or None."""
        if not self.steps:
            return None
        return self.cycles * sum(s.duration for s in self.steps)
