"""The protocol settings of the virtual lab (``depsim measure`` options), with their literature
defaults, checked before anything runs.

- ``bv_step`` dV [V], default 10 mV (Bruce and Vincent, J. Electroanal. Chem. 225, 1
  (1987));
- ``bv_steps``, default 3: the lab runs dV, dV/2, ..., dV/2^(n-1) and extrapolates to
  dV -> 0 (Richardson); 1 runs dV alone (no extrapolation);
- ``tafel_window`` |eta| / V_T, default 5 to 10 (ASSUMED: the back reaction changes ln|i| by
  at most e^-5 there); the sweep ends 2 V_T beyond it;
- ``tafel_step`` [V_T], default 0.25 (ASSUMED: several points per V_T in the window);
- ``eis_points_per_decade``, default 20 (common practice is 10 to 20);
- ``sand_current`` [A/m^2], default the case's current, or 4 x the closed cell's limiting
  current when the case's is below 1.2 x it (docs/virtual-lab.md §5); a given current must
  exceed the limiting current of an uncharged cell (no Sand time below it).
"""

from __future__ import annotations

from dataclasses import dataclass

from depsim.errors import CaseError

#: BDF2 steps per expected Sand time (docs/virtual-lab.md §5: 1000 moves t_S by 2e-5 relative)
SAND_STEPS = 400


@dataclass(frozen=True)
class LabProtocol:
    """Settings of the lab's protocols (module docstring); SI units, overpotentials in V_T."""

    bv_step: float = 0.010
    bv_steps: int = 3
    tafel_window: tuple[float, float] = (5.0, 10.0)
    tafel_step: float = 0.25
    eis_points_per_decade: int = 20
    sand_current: float | None = None

    def __post_init__(self) -> None:
        lo, hi = self.tafel_window
        checks = (
            (0.0 < self.bv_step <= 0.1, "--bv-step", self.bv_step, "0 < dV <= 100 mV"),
            (0.0 < lo < hi, "--tafel-window", self.tafel_window, "LO,HI in V_T, 0 < LO < HI"),
            (
                isinstance(self.bv_steps, int) and 1 <= self.bv_steps <= 5,
                "--bv-steps",
                self.bv_steps,
                "an integer from 1 (dV alone) to 5",
            ),
            (
                0.0 < self.tafel_step <= 0.5 * (hi - lo),
                "--tafel-step",
                self.tafel_step,
                "0 < step <= (HI - LO)/2 V_T (at least three points in the window)",
            ),
            (
                isinstance(self.eis_points_per_decade, int) and self.eis_points_per_decade >= 5,
                "--eis-points-per-decade",
                self.eis_points_per_decade,
                "an integer >= 5",
            ),
            (
                self.sand_current is None or self.sand_current > 0.0,
                "--sand-current",
                self.sand_current,
                "a plating current density > 0 (e.g. '5 mA/cm^2')",
            ),
        )
        for ok, key, value, allowed in checks:
            if not ok:
                raise CaseError(key, "invalid protocol setting", value, allowed)

    @property
    def eta_max(self) -> float:
        """End of each Tafel sweep [V_T]: 2 V_T beyond the window."""
        return self.tafel_window[1] + 2.0

    def as_dict(self) -> dict:
        return {
            "bv_step": self.bv_step,
            "bv_steps": self.bv_steps,
            "tafel_window": list(self.tafel_window),
            "tafel_step": self.tafel_step,
            "eis_points_per_decade": self.eis_points_per_decade,
            "sand_current": self.sand_current,
        }


def protocol_from_options(args) -> LabProtocol:
    """The protocol of ``depsim measure``'s options (unset ones keep their defaults); CaseError
    (exit 2) naming the option for a bad value."""
    from depsim.case.units import to_si

    kw: dict = {}
    if getattr(args, "bv_step", None) is not None:
        kw["bv_step"] = to_si(args.bv_step, "potential", "--bv-step")
    if getattr(args, "bv_steps", None) is not None:
        kw["bv_steps"] = int(args.bv_steps)
    if getattr(args, "tafel_window", None) is not None:
        try:
            lo, hi = (float(v) for v in str(args.tafel_window).split(","))
        except ValueError:
            raise CaseError(
                "--tafel-window", "not two numbers", args.tafel_window, "LO,HI in V_T (e.g. 5,10)"
            ) from None
        kw["tafel_window"] = (lo, hi)
    if getattr(args, "tafel_step", None) is not None:
        kw["tafel_step"] = float(args.tafel_step)
    if getattr(args, "eis_points_per_decade", None) is not None:
        kw["eis_points_per_decade"] = int(args.eis_points_per_decade)
    if getattr(args, "sand_current", None) is not None:
        kw["sand_current"] = to_si(args.sand_current, "current_density", "--sand-current")
    return LabProtocol(**kw)


__all__ = ["LabProtocol", "protocol_from_options"]
