"""Operating protocols: a sequence of galvanostatic, rest and potentiostatic steps, in cycles.

In a case file (``[operation]``, validated by :class:`depsim.case.schema.Operation`)::

    [operation]
    steps = [
        {mode = "galvanostatic", current_density = "0.5 mA/cm^2", duration = "600 s"},  # plate
        {mode = "rest", duration = "60 s"},
        {mode = "galvanostatic", current_density = "-0.5 mA/cm^2", duration = "600 s"}, # strip
        {mode = "potentiostatic", potential = "0.1 V", duration = "60 s"},  # hold
    ]
    cycles = 3

``current_density`` > 0 plates Li on the bottom electrode (docs/case-files.md §2); "rest" is
galvanostatic at zero current; a potentiostatic step holds the top at ``potential`` [V] against
the grounded Li (> 0 plates). The run switches the cell potential between an unknown
(galvanostatic: the bordered Newton solves for it) and a given value
(:meth:`~depsim.model.base.TransportProblemBase.set_mode`). ``time.end`` defaults to the
protocol's duration. Without ``steps`` the protocol is the constant operation of
``operation.mode`` (current density or potential).

:meth:`Protocol.at` gives (mode, value) at a time; a run evaluates it at the middle of each
step, and :meth:`Protocol.milestones` are the times where the load jumps, which the
:class:`~depsim.solver.stepsize.Stepsize` must hit exactly so that no time step straddles a
switch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

__all__ = ["Protocol", "Segment"]


@dataclass(frozen=True)
class Segment:
    """One step of a protocol, placed in time.

    Attributes: ``mode`` ("galvanostatic" | "potentiostatic"; rest is galvanostatic 0),
    ``value`` (applied current density [A/m^2], > 0 plates, or potential [V]), ``start``,
    ``end`` [s], ``label`` ("galvanostatic", "rest", "potentiostatic"), ``index`` (the step's
    position in the case's list) and ``cycle`` (0-based).
    """

    mode: str
    value: float
    start: float
    end: float
    label: str
    index: int = 0
    cycle: int = 0

    @property
    def duration(self) -> float:
        return self.end - self.start


class Protocol:
    """A piecewise-constant load in time.

    Args:
        segments: consecutive :class:`Segment` starting at t = 0 (the last one may end at inf).
    """

    def __init__(self, segments: list[Segment]):
        if not segments:
            raise ValueError("a protocol needs at least one segment")
        t = 0.0
        for s in segments:
            if not math.isclose(s.start, t, rel_tol=1e-12, abs_tol=1e-15) or s.end <= s.start:
                raise ValueError(f"segments must be consecutive from t = 0 (at {s})")
            t = s.end
        self.segments = list(segments)
        self._starts = [s.start for s in self.segments]

    @classmethod
    def constant(cls, mode: str, value: float, duration: float = math.inf) -> Protocol:
        """The same load for ``duration`` [s]."""
        label = "rest" if mode == "galvanostatic" and value == 0.0 else mode
        return cls([Segment(mode, float(value), 0.0, float(duration), label)])

    @classmethod
    def from_case(cls, case) -> Protocol:
        """The protocol of a validated case: its ``operation.steps`` x ``cycles``, or the
        constant ``operation.mode`` load (current density or potential) until ``time.end``."""
        op = case.operation
        if not op.steps:
            value = op.current_density if op.mode == "galvanostatic" else op.potential
            return cls.constant(op.mode, value, math.inf)
        segments, t = [], 0.0
        for cycle in range(op.cycles):
            for k, step in enumerate(op.steps):
                if step.mode == "potentiostatic":
                    mode, value = "potentiostatic", float(step.potential)
                else:
                    mode = "galvanostatic"
                    value = 0.0 if step.mode == "rest" else float(step.current_density)
                end = t + float(step.duration)
                segments.append(Segment(mode, value, t, end, step.mode, k, cycle))
                t = end
        return cls(segments)

    # ------------------------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        """End of the last segment [s] (inf for a constant load)."""
        return self.segments[-1].end

    def segment(self, t: float) -> Segment:
        """The segment active at time ``t`` [s] (right-continuous: at a switch, the new one;
        after the end, the last one)."""
        k = bisect.bisect_right(self._starts, t) - 1
        return self.segments[min(max(k, 0), len(self.segments) - 1)]

    def at(self, t: float) -> tuple[str, float]:
        """(mode, value) at time ``t`` [s]: value is the applied current density [A/m^2]
        (> 0 plates) in galvanostatic mode (0 at rest), the potential [V] in potentiostatic."""
        s = self.segment(t)
        return s.mode, s.value

    __call__ = at

    def over_step(self, t: float, dt: float) -> tuple[str, float]:
        """(mode, value) applied over the step [t, t + dt] (its midpoint)."""
        return self.at(t + 0.5 * dt)

    def milestones(self, t_end: float | None = None) -> list[float]:
        """Times [s] where the load switches (segment boundaries), up to and including
        ``t_end`` (default: the protocol's end, if finite)."""
        ends = [s.end for s in self.segments if math.isfinite(s.end)]
        if t_end is not None:
            ends = [t for t in ends if t <= t_end * (1.0 + 1e-12)]
            if not ends or ends[-1] < t_end * (1.0 - 1e-12):
                ends.append(float(t_end))
        return ends

    def switches(self, t0: float, t1: float) -> bool:
        """True when the load changes at a time in (t0, t1]."""
        return any(t0 < s.start <= t1 and s.start > 0.0 for s in self.segments)

    def charge(self, t0: float, t1: float) -> float:
        """Areal charge passed between ``t0`` and ``t1`` [C/m^2], plating positive
        (galvanostatic segments; potentiostatic ones count as 0)."""
        q = 0.0
        for s in self.segments:
            a, b = max(t0, s.start), min(t1, s.end)
            if b > a and s.mode == "galvanostatic":
                q += s.value * (b - a)
        return q

    def __repr__(self) -> str:
        parts = [f"{s.label} {s.value:g} for {s.duration:g} s" for s in self.segments[:6]]
        more = "" if len(self.segments) <= 6 else f", ... ({len(self.segments)} segments)"
        return f"Protocol({', '.join(parts)}{more})"
