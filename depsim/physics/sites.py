"""Charged sites along the Li surface: the surface charge sigma(x) of ``[[separator.sites]]``.

Each site group has a ``surface_charge`` sigma_k [C/m^2] and a pattern telling where along the
electrode it sits, as a function of the coordinate ``x`` along the electrode (the width
direction; in 3D the pattern is a set of stripes along z):

- ``uniform``: everywhere.
- ``periodic``: covered where ``(x - offset) mod period < fraction * period`` (the covered part of
  each period starts at ``offset``).
- ``list``: sites of ``width`` centred at each of ``positions``: covered where
  ``|x - p| <= width / 2`` for some p.

The surface charge is the sum over the groups, sigma(x) = sum_k sigma_k 1_k(x) (overlapping groups
add). It enters the kinetics only through the Frumkin factor (:mod:`depsim.physics.frumkin`), and
only with ``electrode.kinetics = "frumkin"``; under Butler–Volmer kinetics and electroneutrality
the case loader warns that sites have no effect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from depsim.physics import frumkin


@dataclass(frozen=True)
class SiteSpec:
    """One group of charged sites (SI units); see the module docstring for the patterns."""

    name: str = "site"
    surface_charge: float = 0.0  # C/m^2
    pattern: str = "uniform"  # "uniform" | "periodic" | "list"
    period: float | None = None  # m
    fraction: float = 1.0  # -
    offset: float = 0.0  # m
    positions: tuple[float, ...] = ()  # m
    width: float | None = None  # m

    @classmethod
    def from_case(cls, site) -> SiteSpec:
        """From a validated :class:`depsim.case.Site`."""
        return cls(
            name=site.name,
            surface_charge=float(site.surface_charge),
            pattern=site.pattern,
            period=None if site.period is None else float(site.period),
            fraction=float(site.fraction),
            offset=float(site.offset),
            positions=tuple(float(p) for p in (site.positions or ())),
            width=None if site.width is None else float(site.width),
        )

    def coverage(self, x) -> np.ndarray:
        """1.0 where the group covers position ``x`` [m] (array), 0.0 elsewhere."""
        x = np.asarray(x, dtype=float)
        if self.pattern == "uniform":
            return np.ones_like(x)
        if self.pattern == "periodic":
            period = float(self.period)
            phase = np.mod(x - self.offset, period)
            # round-off guard: a node a hair below a period boundary belongs to the next period
            phase = np.where(np.isclose(phase, period, rtol=0, atol=1e-12 * period), 0.0, phase)
            return (phase < self.fraction * period * (1.0 - 1e-12)).astype(float)
        if self.pattern == "list":
            half = 0.5 * float(self.width)
            cov = np.zeros_like(x)
            for p in self.positions:
                cov = np.maximum(cov, (np.abs(x - p) <= half * (1.0 + 1e-12)).astype(float))
            return cov
        raise ValueError(f"unknown site pattern {self.pattern!r}")


def surface_charge_profile(sites: Iterable[SiteSpec], x) -> np.ndarray:
    """sigma(x) [C/m^2] = sum_k sigma_k 1_k(x) at positions ``x`` [m]."""
    x = np.asarray(x, dtype=float)
    sigma = np.zeros_like(x)
    for s in sites:
        sigma = sigma + s.surface_charge * s.coverage(x)
    return sigma


def exchange_current_factor_profile(
    sites: Iterable[SiteSpec],
    x,
    concentration: float,
    relative_permittivity: float,
    temperature: float,
    alpha_a: float,
) -> np.ndarray:
    """Frumkin factor f(x) = exp(-alpha_a psi_d(sigma(x), c0) / V_T) along the electrode."""
    sigma = surface_charge_profile(sites, x)
    return frumkin.exchange_current_factor(
        sigma, concentration, relative_permittivity, temperature, alpha_a
    )


def has_charge(sites: Iterable[SiteSpec]) -> bool:
    """True when any group carries a nonzero surface charge."""
    return any(s.surface_charge != 0.0 for s in sites)


__all__ = ["SiteSpec", "exchange_current_factor_profile", "has_charge", "surface_charge_profile"]
