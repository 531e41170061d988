"""Property functions of concentrated Li-salt electrolytes: named entries with their sources
and the ranges they were fitted on (docs/electrolytes.md).

Each entry gives functions of the salt concentration c [mol/m^3] and the temperature T [K], in SI
units: conductivity kappa [S/m], salt diffusivity D [m^2/s], cation transference number t+0
(Hittorf, relative to the solvent velocity) [-] and thermodynamic factor
1 + d ln f± / d ln c [-]. A property an entry does not give is None (give it as a constant or a
table, :func:`constant` and :func:`tabulated`). :meth:`Electrolyte.range_warnings` names the key
and range for a value outside the fit.

The fits, written from the papers (c in mol/L where the papers use it):

- Landesfeind and Gasteiger, J. Electrochem. Soc. 166, A3079 (2019),
  doi:10.1149/2.0571912jes: LiPF6 in EC:EMC 3:7 and EC:DMC 1:1 (w:w),
  kappa = p1 (1 + (T - p2)) c (1 + p3 sqrt(c) + p4 (1 + p5 e^{1000/T}) c) / (1 + p6 c^4 e^{1000/T})
  [mS/cm], D = p1 e^{p2 c} e^{p3/T} e^{p4 c/T} 1e-10 m^2/s, t+0 and the thermodynamic factor as
  p1 + p2 c + p3 T + p4 c^2 + p5 c T + p6 T^2 + p7 c^3 + p8 c^2 T + p9 c T^2;
- Valøen and Reimers, J. Electrochem. Soc. 152, A882 (2005), doi:10.1149/1.1872737: LiPF6 in
  PC:EC:DMC 10:27:63, kappa (their eq. 17) and D = 10^(-4.43 - 54/(T - 229 - 5c) - 0.22 c) cm^2/s
  (their "log" is log10);
- Nyman, Behm and Lindbergh, Electrochim. Acta 53, 6356 (2008),
  LiPF6 in EC:EMC 3:7 at 25 °C,
  kappa = 0.1297 c^3 - 2.51 c^1.5 + 3.329 c [S/m] and
  D = 8.794e-11 c^2 - 3.972e-10 c + 4.862e-10 m^2/s (no temperature dependence).

The fitted ranges are ASSUMED from our reading of each paper's measured sets (concentration and
temperature spans); a value outside draws a warning, not a refusal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Property = Callable[[float, float], float]  # (c [mol/m^3], T [K]) -> value (SI)


def _is_ufl(x) -> bool:
    return type(x).__module__.startswith("ufl")


def _exp(x):
    """exp of a number or a UFL expression (the functions below serve both: numbers for
    checks and closed forms, UFL of c = c0 exp(u) in the transport forms)."""
    if _is_ufl(x):
        import ufl

        return ufl.exp(x)
    return math.exp(x)


def _sqrt(x):
    if _is_ufl(x):
        import ufl

        return ufl.sqrt(x)
    return math.sqrt(x)


def _max(a, b):
    if _is_ufl(a) or _is_ufl(b):
        import ufl

        return ufl.max_value(a, b)
    return max(a, b)


def _min(a, b):
    if _is_ufl(a) or _is_ufl(b):
        import ufl

        return ufl.min_value(a, b)
    return min(a, b)


# The fits are written with products instead of integer powers and in Horner form in c with
# the temperature-dependent coefficients folded first: the same functions, but the compiled
# transport forms evaluate them at each quadrature point with few pow/exp calls (bench_core).


def _landesfeind_conductivity(p) -> Property:
    p1, p2, p3, p4, p5, p6 = p

    def kappa(c: float, T: float) -> float:
        m = c / 1000.0  # mol/L
        e = math.exp(1000.0 / T)
        a, b = p1 * (1.0 + (T - p2)), p4 * (1.0 + p5 * e)
        m2 = m * m
        num = a * m * (1.0 + p3 * _sqrt(m) + b * m)
        return num / (1.0 + p6 * e * (m2 * m2)) / 10.0  # mS/cm -> S/m

    return kappa


def _landesfeind_diffusivity(p) -> Property:
    p1, p2, p3, p4 = p

    def diffusivity(c: float, T: float) -> float:
        m = c / 1000.0
        # p1 e^{p2 m} e^{p3/T} e^{p4 m/T} 1e-10, one exponential of c
        return p1 * math.exp(p3 / T) * 1e-10 * _exp((p2 + p4 / T) * m)

    return diffusivity


def _landesfeind_polynomial(p) -> Property:
    p1, p2, p3, p4, p5, p6, p7, p8, p9 = p

    def value(c: float, T: float) -> float:
        # p1 + p2 m + p3 T + p4 m^2 + p5 m T + p6 T^2 + p7 m^3 + p8 m^2 T + p9 m T^2
        m = c / 1000.0
        a0 = p1 + p3 * T + p6 * T * T
        a1 = p2 + p5 * T + p9 * T * T
        a2 = p4 + p8 * T
        return a0 + m * (a1 + m * (a2 + m * p7))

    return value


def _valoen_conductivity(c: float, T: float) -> float:
    m = c / 1000.0
    b0 = -10.5 + 0.0740 * T - 6.96e-5 * T * T
    b1 = 0.668 - 0.0178 * T + 2.80e-5 * T * T
    b2 = 0.494 - 8.86e-4 * T
    inner = b0 + m * (b1 + m * b2)
    return m * (inner * inner) / 10.0  # mS/cm -> S/m


def _valoen_diffusivity(c: float, T: float) -> float:
    m = c / 1000.0
    log10_D = -4.43 - 54.0 / (T - (229.0 + 5.0 * m)) - 0.22 * m
    return _exp(math.log(10.0) * log10_D) * 1e-4  # cm^2/s -> m^2/s


def _nyman_conductivity(c: float, T: float) -> float:
    m = c / 1000.0
    return m * (3.329 - 2.51 * _sqrt(m) + 0.1297 * (m * m))  # S/m


def _nyman_diffusivity(c: float, T: float) -> float:
    m = c / 1000.0
    return 4.862e-10 + m * (-3.972e-10 + 8.794e-11 * m)


def constant(value: float) -> Property:
    """A property that does not depend on c or T."""
    v = float(value)
    return lambda c, T: v


def tabulated(concentrations, values) -> Property:
    """A property given as a table of (c [mol/m^3], value) pairs: linear interpolation in c,
    constant beyond the ends (no temperature dependence). The concentrations must increase."""
    c_tab = np.asarray(concentrations, dtype=float)
    v_tab = np.asarray(values, dtype=float)
    if c_tab.ndim != 1 or c_tab.size < 2 or c_tab.shape != v_tab.shape:
        raise ValueError("a property table needs at least two (c, value) pairs")
    if np.any(np.diff(c_tab) <= 0.0):
        raise ValueError("the concentrations of a property table must increase")
    slopes = np.diff(v_tab) / np.diff(c_tab)

    def value(c, T):
        if not _is_ufl(c):
            return float(np.interp(c, c_tab, v_tab))
        out = float(v_tab[0])  # piecewise linear as a sum of clamped ramps (UFL)
        for c_lo, c_hi, s in zip(c_tab[:-1], c_tab[1:], slopes, strict=True):
            out = out + float(s) * (_min(_max(c, float(c_lo)), float(c_hi)) - float(c_lo))
        return out

    return value


@dataclass(frozen=True)
class Electrolyte:
    """A named electrolyte: its property functions (None: not given), where they come from and
    the ranges (c [mol/m^3], T [K]) of the fit."""

    name: str
    source: str
    concentration_range: tuple[float, float]
    temperature_range: tuple[float, float]
    conductivity: Property | None = None
    diffusivity: Property | None = None
    transference_number: Property | None = None
    thermodynamic_factor: Property | None = None

    def range_warnings(self, c: float, T: float, key: str = "electrolyte") -> list[str]:
        """One line per value outside the fitted ranges, naming the key and the range."""
        out = []
        for what, value, (lo, hi), unit in (
            ("concentration", c, self.concentration_range, "mol/m^3"),
            ("temperature", T, self.temperature_range, "K"),
        ):
            if not lo <= value <= hi:
                out.append(
                    f"{key}.{what}: {value:g} {unit} is outside the range of the "
                    f"{self.name!r} fit ({lo:g} to {hi:g} {unit}); its properties are "
                    "extrapolated"
                )
        return out


_LG = "Landesfeind and Gasteiger, J. Electrochem. Soc. 166, A3079 (2019)"
#: the built-in entries, by name
LIBRARY: dict[str, Electrolyte] = {
    e.name: e
    for e in (
        Electrolyte(
            "LiPF6 EC:EMC 3:7 (Landesfeind 2019)",
            _LG,
            (100.0, 3000.0),  # ASSUMED (our reading of the measured set)
            (263.15, 323.15),
            _landesfeind_conductivity((5.21e-1, 2.28e2, -1.06, 3.53e-1, -3.59e-3, 1.48e-3)),
            _landesfeind_diffusivity((1.01e3, 1.01, -1.56e3, -4.87e2)),
            _landesfeind_polynomial(
                (-1.28e1, -6.12, 8.21e-2, 9.04e-1, 3.18e-2, -1.27e-4, 1.75e-2, -3.12e-3, -3.96e-5)
            ),
            _landesfeind_polynomial(
                (2.57e1, -4.51e1, -1.77e-1, 1.94, 2.95e-1, 3.08e-4, 2.59e-1, -9.46e-3, -4.54e-4)
            ),
        ),
        Electrolyte(
            "LiPF6 EC:DMC 1:1 (Landesfeind 2019)",
            _LG,
            (100.0, 3000.0),  # ASSUMED
            (263.15, 323.15),
            _landesfeind_conductivity((7.98e-1, 2.28e2, -1.22, 5.09e-1, -4.0e-3, 3.79e-3)),
            _landesfeind_diffusivity((1.47e3, 1.33, -1.69e3, -5.63e2)),
            _landesfeind_polynomial(
                (-7.91, 2.45e-1, 5.28e-2, 6.98e-1, -1.08e-2, -8.21e-5, 7.43e-4, -2.22e-3, 3.07e-5)
            ),
            _landesfeind_polynomial(
                (-5.58, 7.17, 3.80e-2, 1.91, -6.65e-2, -5.08e-5, 1.1e-1, -6.10e-3, 1.51e-4)
            ),
        ),
        Electrolyte(
            "LiPF6 PC:EC:DMC (Valoen 2005)",
            "Valøen and Reimers, J. Electrochem. Soc. 152, A882 (2005)",
            (0.0, 4000.0),  # ASSUMED
            (263.15, 333.15),
            _valoen_conductivity,
            _valoen_diffusivity,
        ),
        Electrolyte(
            "LiPF6 EC:EMC 3:7 (Nyman 2008)",
            "Nyman, Behm and Lindbergh, Electrochim. Acta 53, 6356 (2008)",
            (200.0, 2000.0),  # ASSUMED
            (298.15, 298.15),  # fitted at 25 °C only
            _nyman_conductivity,
            _nyman_diffusivity,
        ),
    )
}


#: short names of the entries, as case files write them (``[electrolyte.properties] source``)
ALIASES: dict[str, str] = {
    "landesfeind2019-ec-emc": "LiPF6 EC:EMC 3:7 (Landesfeind 2019)",
    "landesfeind2019-ec-dmc": "LiPF6 EC:DMC 1:1 (Landesfeind 2019)",
    "valoen2005": "LiPF6 PC:EC:DMC (Valoen 2005)",
    "nyman2008": "LiPF6 EC:EMC 3:7 (Nyman 2008)",
}


def get_electrolyte(name: str) -> Electrolyte:
    """The library entry ``name`` (its full name or a short name of :data:`ALIASES`); KeyError
    listing the short names otherwise."""
    try:
        return LIBRARY[ALIASES.get(name, name)]
    except KeyError:
        raise KeyError(f"unknown electrolyte {name!r}; known: {', '.join(ALIASES)}") from None


__all__ = ["ALIASES", "LIBRARY", "Electrolyte", "constant", "get_electrolyte", "tabulated"]
