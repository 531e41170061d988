"""Closed forms behind the d.c. polarisation measurements of the virtual lab (SI units).

- **Bruce-Vincent** (P. G. Bruce and C. A. Vincent, J. Electroanal. Chem. 225, 1 (1987);
  J. Evans, C. A. Vincent, P. G. Bruce, Polymer 28, 2324 (1987)): a potential step dV across a
  symmetric Li|electrolyte|Li cell; initial current I0 and interfacial resistance R0, steady
  current I_ss and interfacial resistance R_ss:

      t+ = I_ss (dV - I0 R0) / (I0 (dV - I_ss R_ss)).

  For a dilute binary salt in linear response this returns t+ = D+/(D+ + D-) exactly.
- **Sand's time** of a closed symmetric cell (Li|electrolyte|Li, thickness L;
  :class:`ClosedCell`) under a constant plating current i: the salt obeys
  eps dc/dt = D d2c/dy2 with dc/dy = g = (1 - t+) i / (F D) at both faces (depletion at the
  plating face, enrichment at the stripping one), so

      c(0, t) = c0 - g L / 2 + sum_{n odd} 4 g L / (n pi)^2 exp(-(n pi)^2 D t / (eps L^2)),

  and t_S is the root of c(0, t_S) = 0 (it exists when i exceeds the cell's limiting current
  2 F D c0 / ((1 - t+) L)). For L >> sqrt(D t_S / eps) this is the semi-infinite
  t_S = pi eps D (F c0)^2 / (4 ((1 - t+) i)^2) (docs/model.md §5 with the porosity).
- **Tafel line**: ln|i| = ln i0 + a |eta| / V_T on a branch of Butler-Volmer far from
  equilibrium (a = alpha_a anodic, alpha_c cathodic); :func:`tafel_fit` fits it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from depsim.physics.constants import FARADAY, thermal_voltage


def bruce_vincent(dV: float, I0: float, R0: float, I_ss: float, R_ss: float) -> float:
    """t+ [-] from the Bruce-Vincent potentiostatic polarisation: step ``dV`` [V], initial and
    steady currents ``I0``, ``I_ss`` [A/m^2] and interfacial resistances ``R0``, ``R_ss``
    [Ohm m^2] (all per electrode area)."""
    return I_ss * (dV - I0 * R0) / (I0 * (dV - I_ss * R_ss))


@dataclass(frozen=True)
class ClosedCell:
    """A closed symmetric cell Li|electrolyte|Li (module docstring): ``thickness`` L [m],
    ``salt_diffusivity`` D [m^2/s], ``t_plus`` t+ [-], bulk salt concentration ``c0``
    [mol/m^3] and ``porosity`` eps [-] (the storage factor of the salt); salt is conserved."""

    thickness: float
    salt_diffusivity: float
    t_plus: float
    c0: float
    porosity: float = 1.0

    def limiting_current(self) -> float:
        """i_lim = 2 F D c0 / ((1 - t+) L) [A/m^2] (the steady linear profile that empties the
        plating face)."""
        D, L = self.salt_diffusivity, self.thickness
        return 2.0 * FARADAY * D * self.c0 / ((1.0 - self.t_plus) * L)

    def sand_time_semi_infinite(self, current: float) -> float:
        """t_S = pi eps D (F c0)^2 / (4 ((1 - t+) i)^2) [s] at plating ``current`` i [A/m^2]:
        the limit L >> sqrt(D t_S / eps) (independent of the thickness)."""
        return (
            math.pi
            * self.porosity
            * self.salt_diffusivity
            * (FARADAY * self.c0) ** 2
            / (4.0 * ((1.0 - self.t_plus) * current) ** 2)
        )

    def surface_concentration(self, t, current: float, terms: int = 20000) -> np.ndarray:
        """c(0, t) [mol/m^3] at the plating face at times ``t`` [s] under a constant plating
        ``current`` [A/m^2] switched on at t = 0 (module docstring; ``terms`` odd modes, the
        truncated tail of the series at t = 0 is added back so c(0, 0) = c0 exactly)."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        L, D = float(self.thickness), float(self.salt_diffusivity)
        g = (1.0 - self.t_plus) * current / (FARADAY * D)
        decay = math.pi**2 * D / (self.porosity * L**2)  # rate of mode n: n^2 decay
        positive = t[t > 0.0]
        if positive.size:  # modes with rate * t_min > 60 add < e^-60 of mode 1: left out
            terms = min(terms, int(math.sqrt(60.0 / (decay * positive.min())) / 2.0) + 2)
        n = 2.0 * np.arange(terms) + 1.0
        coef = 4.0 * g * L / (n * math.pi) ** 2
        series = np.exp(-np.outer(t, n * n * decay)) @ coef
        # at t = 0 the whole series sums to g L / 2 (c(0, 0) = c0 exactly)
        series = np.where(t == 0.0, 0.5 * g * L, series)
        return self.c0 - 0.5 * g * L + series

    def sand_time(self, current: float) -> float | None:
        """t_S [s] at plating ``current`` [A/m^2]: the root of c(0, t) = 0 (bisection); None
        when ``current`` does not exceed :meth:`limiting_current`."""
        if current <= self.limiting_current():
            return None
        hi = self.sand_time_semi_infinite(current)
        while self.surface_concentration(hi, current)[0] > 0.0:
            hi *= 2.0
        lo = 0.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if self.surface_concentration(mid, current)[0] > 0.0:
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


def butler_volmer_curvature(alpha_a: float, alpha_c: float) -> float:
    """k of the summed overpotential of a plating and a stripping Li face at the same |i|:
    |eta_1| + |eta_2| = 2 V_T y (1 - k y^2 + O(y^4)), y = |i| / i0 (Butler–Volmer with
    alpha_a + alpha_c = 1 at uniform composition). Inverting i/i0 = x + a2 x^2 + a3 x^3
    (x = eta / V_T, a2 = (alpha_a^2 - alpha_c^2) / 2, a3 = (alpha_a^3 + alpha_c^3) / 6) gives
    x = y - a2 y^2 + (2 a2^2 - a3) y^3; the even terms cancel between the faces, so
    k = a3 - 2 a2^2 (1/24 for alpha = 1/2)."""
    a2 = 0.5 * (alpha_a**2 - alpha_c**2)
    a3 = (alpha_a**3 + alpha_c**3) / 6.0
    return a3 - 2.0 * a2**2


def bruce_vincent_bias(
    dV: float, I0: float, R0: float, I_ss: float, R_bulk: float, t_plus: float, k: float,
    V_T: float,
) -> float:  # fmt: skip
    """Leading-order relative error of the Bruce–Vincent t+ from the curvature of the kinetics
    (``k`` of :func:`butler_volmer_curvature`), with ``R0`` [Ohm m^2] the rest interfacial
    resistance of the two faces (the linear 2 V_T / i0, so i0 = 2 V_T / R0), ``R_bulk`` the
    cell's bulk resistance, ``I0``, ``I_ss`` [A/m^2] and ``t_plus`` the measured values.

    The faces carry I R0 (1 - eps(I)) with eps(I) = k (I R0 / (2 V_T))^2, while the formula
    subtracts I0 R0 and I_ss R_ss, R_ss = R0 (1 - 3 eps) the differential resistance: the
    numerator dV - I0 R0 = I0 R_b (1 - (R0/R_b) eps(I0)) and the denominator
    dV - I_ss R_ss = (I_ss R_b / t+) (1 + 2 t+ (R0/R_b) eps(I_ss)), so
    t_BV / t+ - 1 = -(R0 / R_b) (eps(I0) + 2 t+ eps(I_ss)), growing as dV^2 (R0/R_b)^3.
    ``dV`` [V] is kept for the record (the bias is evaluated at the measured currents)."""
    del dV

    def eps(current: float) -> float:
        return k * (current * R0 / (2.0 * V_T)) ** 2

    return -(R0 / R_bulk) * (eps(I0) + 2.0 * t_plus * eps(I_ss))


def richardson_zero_step(steps, values) -> float:
    """Value at step 0 of a quantity even in the step, v(s) = v0 + b1 s^2 + b2 s^4 + ..., from
    its values at n distinct ``steps``: the polynomial of degree n - 1 in s^2 through them,
    evaluated at s = 0 (Richardson extrapolation; Neville's scheme). Two steps remove the s^2
    term, three also the s^4 term."""
    x = [float(s) ** 2 for s in steps]
    p = [float(v) for v in values]
    if len(x) != len(p) or len(x) < 2:
        raise ValueError("richardson_zero_step: needs two or more steps, one value each")
    for k in range(1, len(x)):  # Neville: p[i] becomes the value at 0 of points i .. i + k
        p = [(x[i] * p[i + 1] - x[i + k] * p[i]) / (x[i] - x[i + k]) for i in range(len(p) - 1)]
    return p[0]


__all__ = [
    "ClosedCell",
    "bruce_vincent",
    "bruce_vincent_bias",
    "butler_volmer_curvature",
    "richardson_zero_step",
    "tafel_fit",
]
