"""Adaptive time-step control (after FESTIM's ``Stepsize``).

The step grows by ``growth`` when Newton converged in at most ``target_iterations`` and the
largest change of ln c in the step stayed below ``max_change``; it is cut by ``cutback`` when
Newton fails or the change was too large (the step is then repeated). The ratio of consecutive
steps is kept below ``max_ratio`` (variable-step BDF2 is zero-stable for omega < 2.414), and the
step never passes a milestone (an output time or the end time).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Stepsize:
    """Step-size controller; all times in seconds.

    Attributes
    ----------
    dt: current step [s].
    max_dt, min_dt: bounds [s]; a cut below ``min_dt`` means failure.
    adaptive: if False the step only changes to hit milestones.
    growth, cutback: multiplicative factors (growth < max_ratio).
    target_iterations: Newton iterations at or below which the step may grow.
    max_change: largest accepted change of ln c over one step [-].
    milestones: times the run must hit exactly.
    """

    dt: float
    max_dt: float = float("inf")
    min_dt: float = 1e-12
    adaptive: bool = True
    growth: float = 1.25
    cutback: float = 0.5
    target_iterations: int = 5
    max_change: float = 0.25
    max_ratio: float = 2.0
    milestones: list[float] = field(default_factory=list)

    def next_step(self, t: float, t_end: float) -> float:
        """The step to take from ``t``, clipped to the next milestone and to ``t_end``."""
        dt = min(self.dt, self.max_dt, t_end - t)
        for m in sorted(self.milestones):
            if t < m < t + dt * (1 + 1e-12):
                dt = m - t
                break
        return dt

    def accept(self, iterations: int, change: float) -> None:
        """Update after an accepted step with Newton ``iterations`` and ln-c ``change``."""
        if not self.adaptive:
            return
        if iterations <= self.target_iterations and change <= 0.5 * self.max_change:
            self.dt = min(self.dt * min(self.growth, self.max_ratio), self.max_dt)
        elif iterations > self.target_iterations + 3:
            self.dt = max(self.dt * 0.8, self.min_dt)

    def reject(self) -> bool:
        """Cut the step after a failure; False when it would fall below ``min_dt``."""
        self.dt *= self.cutback
        return self.dt >= self.min_dt

    def too_large(self, change: float) -> bool:
        """True when an attempted step changed ln c by more than ``max_change``."""
        return self.adaptive and change > self.max_change
