"""Chronopotentiometry to depletion: Sand's time of the virtual Li|sep|Li cell
(docs/virtual-lab.md §5).

The closed cell (no double layer) carries a constant plating current I on its bottom face from
t = 0 (BDF2 with a fixed step of 1/400 of the expected t_S, halved where Newton fails) until
the surface concentration there falls below 1e-3 c0 (the
:class:`~depsim.solver.simulation.Simulation` stops
with Sand's time reached). The measured t_S is where the recorded surface concentration,
extrapolated linearly through the last two accepted steps, reaches zero; the cell potential
V(t) is the chronopotentiogram.

The current is the case's ``operation.current_density`` when it exceeds the closed cell's
limiting current 2 F D c0 / ((1 - t+) L) by at least 20 %, else ``SAND_FACTOR`` times that
limiting current (a protocol choice of the lab: the paper cells at 0.5 mA/cm^2 never deplete).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from depsim.errors import SandTimeReached, SolverFailure
from depsim.lab.cell import Material, VirtualCell
from depsim.lab.protocol import SAND_STEPS

SAND_FACTOR = 4.0  # applied current / closed-cell limiting current when the case's is too small
STEPS = SAND_STEPS  # time steps per expected Sand time


@dataclass(frozen=True)
class SandResult:
    """SI: ``current`` [A/m^2] (> 0 plates), ``limiting_current`` [A/m^2] of the closed cell,
    ``sand_time`` measured [s] (None: a charged matrix that did not deplete within five
    expected Sand times), ``sand_time_analytic`` (closed-cell series, None with a fixed
    charge) and ``sand_time_semi_infinite`` [s]; the chronopotentiogram ``time`` [s],
    ``potential`` [V] and ``surface_concentration`` [mol/m^3]."""

    current: float
    limiting_current: float
    sand_time: float | None
    sand_time_analytic: float | None
    sand_time_semi_infinite: float | None
    time: np.ndarray
    potential: np.ndarray
    surface_concentration: np.ndarray

    def as_dict(self) -> dict:
        keys = "current limiting_current sand_time sand_time_analytic sand_time_semi_infinite"
        return {k: getattr(self, k) for k in keys.split()}


def diffusivity_from_sand_time(
    t_S: float, current: float, material: Material, t_plus: float
) -> float:
    """The salt diffusivity D [m^2/s] whose closed-cell Sand time (the series of
    :class:`depsim.physics.polarisation.ClosedCell`, with ``material``'s thickness, c0 and
    porosity and the measured ``t_plus``) at plating ``current`` [A/m^2] is ``t_S`` [s]:
    bisection in ln D around the semi-infinite estimate 4 t_S ((1 - t+) i)^2 / (pi eps (F c0)^2)
    (t_S grows with D)."""
    import math

    from depsim.physics.constants import FARADAY
    from depsim.physics.polarisation import ClosedCell

    p = material.params
    guess = 4.0 * t_S * ((1.0 - t_plus) * current) ** 2
    guess /= math.pi * material.porosity * (FARADAY * p.c0) ** 2
    lo, hi = math.log(0.1 * guess), math.log(10.0 * guess)
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        cell = ClosedCell(material.thickness, math.exp(mid), t_plus, p.c0, material.porosity)
        t_mid = cell.sand_time(current)
        if t_mid is None or t_mid > t_S:  # None: no depletion, D too large
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-12:
            break
    return math.exp(0.5 * (lo + hi))


def sand_current(material: Material, case_current: float) -> tuple[float, float]:
    """(applied current, closed-cell limiting current) [A/m^2] (module docstring)."""
    i_lim = material.closed_cell.limiting_current()
    if abs(case_current) >= 1.2 * i_lim:
        return abs(case_current), i_lim
    return SAND_FACTOR * i_lim, i_lim


def measure_sand(
    material: Material, case_current: float, n: int, comm, steps: int = STEPS,
    current: float | None = None,
) -> SandResult:  # fmt: skip
    """Run the chronopotentiometry (module docstring) with ``steps`` time steps per expected
    Sand time, at ``current`` [A/m^2] when given (else chosen from ``case_current``)."""
    from depsim.solver.simulation import Simulation
    from depsim.solver.stepsize import Stepsize

    chosen, i_lim = sand_current(material, case_current)
    current = chosen if current is None else float(current)
    closed = material.closed_cell
    t_semi = closed.sand_time_semi_infinite(current)
    t_exact = closed.sand_time(current) if material.fixed_charge == 0.0 else None
    t_est = t_exact if t_exact is not None else t_semi
    cell = VirtualCell(material, "closed", n, comm, double_layer=False)
    times, volts, conc = [], [], []
    try:
        pb = cell.problem
        cell.set_current(current)
        # fixed steps (halved only where Newton fails near depletion): the same step sequence
        # on any number of ranks
        dt = t_est / steps
        steps = Stepsize(dt=dt, max_dt=dt, min_dt=1e-6 * dt, adaptive=False)
        sim = Simulation(pb, cell.newton, steps)
        sim.initialise()
        times.append(0.0)
        volts.append(pb.cell_potential)
        conc.append(pb.surface_concentration_min())

        def record(info) -> None:
            times.append(info.t)
            volts.append(info.cell_potential)
            conc.append(info.c_surface_min)

        try:
            sim.advance(5.0 * t_est, on_step=record)
            depleted = False
        except SandTimeReached:
            depleted = True
        if not depleted and material.fixed_charge == 0.0:
            raise SolverFailure(f"the cell did not deplete within {5.0 * t_est:.4g} s")
    finally:
        cell.destroy()
    t, c = np.array(times), np.array(conc)
    # a charged matrix may never deplete (its counter-ions carry the current): no Sand time
    t_S = float(t[-1] - c[-1] * (t[-1] - t[-2]) / (c[-1] - c[-2])) if depleted else None
    return SandResult(current, i_lim, t_S, t_exact, t_semi, t, np.array(volts), c)


__all__ = [
    "diffusivity_from_sand_time",
    "SAND_FACTOR",
    "SandResult",
    "measure_sand",
    "sand_current",
]
