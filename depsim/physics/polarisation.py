"""Closed forms behind the d.c. polarisation measurements of the virtual lab (SI units).

- **Bruce-Vincent** (P. G. Bruce and C. A. Vincent, J. Electroanal. Chem. 225, 1 (1987);
  J. Evans, C. A. Vincent, P. G. Bruce, Polymer 28, 2324 (1987)): a potential step dV across a
  symmetric Li|electrolyte|Li cell; initial current I0 and interfacial resistance R0, steady
  current I_ss and interfacial resistance R_ss:

      t+ = I_ss (dV - I0 R0) / (I0 (dV - I_ss R_ss)).

  For a dilute binary salt in linear response this returns t+ = D+/(D+ + D-) exactly.
- **Sand's time** of a closed symmetric cell (Li|electrolyte|Li, thickness L) under a constant
  plating current i: the salt obeys eps dc/dt = D d2c/dy2 with dc/dy = g = (1 - t+) i / (F D) at
  both faces (depletion at the plating face, enrichment at the stripping one), so

      c(0, t) = c0 - g L / 2 + sum_{n odd} 4 g L / (n pi)^2 exp(-(n pi)^2 D t / (eps L^2)),

  and t_S is the root of c(0, t_S) = 0 (it exists when i exceeds the cell's limiting current
  2 F D c0 / ((1 - t+) L)). For L >> sqrt(D t_S / eps) this is the semi-infinite
  t_S = pi eps D (F c0)^2 / (4 ((1 - t+) i)^2) (docs/model.md §5 with the porosity).
- **Tafel line**: ln|i| = ln i0 + a |eta| / V_T on a branch of Butler-Volmer far from
  equilibrium (a = alpha_a anodic, alpha_c cathodic); :func:`tafel_fit` fits it.
"""

from __future__ import annotations

import math

import numpy as np

from depsim.physics.constants import FARADAY, thermal_voltage


def bruce_vincent(dV: float, I0: float, R0: float, I_ss: float, R_ss: float) -> float:
    """t+ [-] from the Bruce-Vincent potentiostatic polarisation: step ``dV`` [V], initial and
    steady currents ``I0``, ``I_ss`` [A/m^2] and interfacial resistances ``R0``, ``R_ss``
    [Ohm m^2] (all per electrode area)."""
    return I_ss * (dV - I0 * R0) / (I0 * (dV - I_ss * R_ss))


def closed_cell_limiting_current(
    thickness: float, salt_diffusivity: float, t_plus: float, c0: float
) -> float:
    """i_lim = 2 F D c0 / ((1 - t+) L) [A/m^2] of a closed symmetric cell of ``thickness`` L
    (the steady linear profile that empties the plating face; salt conserved)."""
    return 2.0 * FARADAY * salt_diffusivity * c0 / ((1.0 - t_plus) * thickness)


def sand_time_semi_infinite(
    current: float, salt_diffusivity: float, t_plus: float, c0: float, porosity: float = 1.0
) -> float:
    """t_S = pi eps D (F c0)^2 / (4 ((1 - t+) i)^2) [s] at plating current ``current`` [A/m^2]."""
    return (
        math.pi
        * porosity
        * salt_diffusivity
        * (FARADAY * c0) ** 2
        / (4.0 * ((1.0 - t_plus) * current) ** 2)
    )


def closed_cell_surface_concentration(
    t,
    current: float,
    thickness: float,
    salt_diffusivity: float,
    t_plus: float,
    c0: float,
    porosity: float = 1.0,
    terms: int = 20000,
):
    """c(0, t) [mol/m^3] at the plating face of a closed symmetric cell under a constant
    plating ``current`` switched on at t = 0 (module docstring; ``terms`` odd modes, the
    truncated tail of the series at t = 0 is added back so c(0, 0) = c0 exactly)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    L, D = float(thickness), float(salt_diffusivity)
    g = (1.0 - t_plus) * current / (FARADAY * D)
    n = 2.0 * np.arange(terms) + 1.0
    coef = 4.0 * g * L / (n * math.pi) ** 2
    rate = (n * math.pi) ** 2 * D / (porosity * L**2)
    series = np.exp(-np.outer(t, rate)) @ coef
    tail = 0.5 * g * L - coef.sum()  # sum over n > terms at t = 0
    series = series + tail * (t == 0.0)
    return c0 - 0.5 * g * L + series


def sand_time_closed_cell(
    current: float,
    thickness: float,
    salt_diffusivity: float,
    t_plus: float,
    c0: float,
    porosity: float = 1.0,
) -> float | None:
    """t_S [s] of a closed symmetric cell: the root of c(0, t) = 0 (bisection); None when
    ``current`` does not exceed :func:`closed_cell_limiting_current`."""
    args = (current, thickness, salt_diffusivity, t_plus, c0, porosity)
    if current <= closed_cell_limiting_current(thickness, salt_diffusivity, t_plus, c0):
        return None
    hi = sand_time_semi_infinite(current, salt_diffusivity, t_plus, c0, porosity)
    while closed_cell_surface_concentration(hi, *args)[0] > 0.0:
        hi *= 2.0
    lo = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if closed_cell_surface_concentration(mid, *args)[0] > 0.0:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def tafel_fit(eta, current, temperature: float) -> tuple[float, float, float]:
    """Least-squares Tafel line ln|i| = ln i0 + a |eta| / V_T through the points (``eta`` [V],
    ``current`` [A/m^2], one branch): returns (i0 [A/m^2], a [-], slope [V per decade])."""
    x = np.abs(np.asarray(eta, dtype=float)) / thermal_voltage(temperature)
    y = np.log(np.abs(np.asarray(current, dtype=float)))
    if x.size < 2:
        raise ValueError("a Tafel fit needs at least two points in its window")
    a, ln_i0 = np.polyfit(x, y, 1)
    return float(math.exp(ln_i0)), float(a), float(thermal_voltage(temperature) * math.log(10) / a)


__all__ = [
    "bruce_vincent",
    "closed_cell_limiting_current",
    "closed_cell_surface_concentration",
    "sand_time_closed_cell",
    "sand_time_semi_infinite",
    "tafel_fit",
]
