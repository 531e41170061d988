"""Charged sites along the Li surface: the surface charge sigma(x) of ``[[separator.sites]]``.

Each site group has a ``surface_charge`` sigma_k [C/m^2] and a pattern telling where along the
electrode it sits, as a function of the coordinate ``x`` along the electrode (the width
direction; in 3D the pattern is a set of stripes along z):

- ``uniform``: everywhere.
- ``periodic``: covered where ``(x - offset) mod period < fraction * period`` (the covered part of
  each period starts at ``offset``).
- ``list``: sites of ``width`` centred at each of ``positions``: covered where
  ``|x - p| <= width / 2`` for some p.

Edges. Every covered interval is closed: a point on an edge (the start or the end of a covered
part, or ``p +- width/2``) counts as covered, for every edge and both patterns alike. The test
``x on the edge`` is made with a tolerance relative to the mesh, ``EDGE_TOLERANCE * h``
(1e-6 h), so that mesh nodes meant to lie on an edge but placed a round-off away from it (gmsh
puts electrode nodes up to ~5e-18 m off their nominal positions) all land on the same side,
whichever side the round-off put them. ``h`` is the element size at the electrode: passed to
:meth:`SiteSpec.coverage` (and the profile functions), else the group's ``element_size`` (set
from the case's ``geometry.mesh.electrode_size`` by
:meth:`depsim.solver.parameters.ModelParameters.from_case`), else the pattern's own smallest
length (the shorter of the covered and uncovered parts of a period; the ``width`` of a list).
Consequences for the P1 field sigma(x) (interpolated at the nodes): a stripe whose edges fall on
nodes reaches its full charge at its edge nodes and falls to zero over the neighbouring
elements; alternating groups that share an edge (PIA's N1/N2) both cover the shared edge node,
where their charges add (-0.05 + 0.05 = 0 C/m^2 there, at every shared edge).

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

EDGE_TOLERANCE = 1e-6
"""A node within ``EDGE_TOLERANCE * h`` of a site edge counts as on the edge (h: element size)."""


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
    element_size: float | None = None  # m, mesh size at the electrode (edge tolerance)

    @classmethod
    def from_case(cls, site) -> SiteSpec:
        """From a validated :class:`depsim.case.Site`."""
        return cls.placed_like(site, name=site.name, surface_charge=float(site.surface_charge))

    @classmethod
    def placed_like(cls, table, **fields) -> SiteSpec:
        """A group placed by the placement keys of a validated table (``pattern``, ``period``,
        ``fraction``, ``offset``, ``positions``, ``width``), with the other ``fields`` given."""
        return cls(
            pattern=table.pattern,
            period=None if table.period is None else float(table.period),
            fraction=float(table.fraction),
            offset=float(table.offset),
            positions=tuple(float(p) for p in (table.positions or ())),
            width=None if table.width is None else float(table.width),
            **fields,
        )

    def pattern_length(self) -> float | None:
        """The pattern's smallest length [m]: the shorter of the covered and uncovered parts of
        a period, the width of a listed site (None for ``uniform``)."""
        if self.pattern == "periodic":
            period, f = float(self.period), float(self.fraction)
            parts = [length for length in (f * period, (1.0 - f) * period) if length > 0.0]
            return min(parts) if parts else period
        if self.pattern == "list":
            return float(self.width)
        return None

    def edge_tolerance(self, h: float | None = None) -> float:
        """Distance [m] within which a point counts as on an edge: ``EDGE_TOLERANCE * h``, h
        the element size given, else :attr:`element_size`, else :meth:`pattern_length`."""
        for scale in (h, self.element_size, self.pattern_length()):
            if scale is not None and scale > 0.0:
                return EDGE_TOLERANCE * float(scale)
        return 0.0

    def coverage(self, x, h: float | None = None) -> np.ndarray:
        """1.0 where the group covers position ``x`` [m] (array), 0.0 elsewhere.

        Covered intervals are closed: a point within ``EDGE_TOLERANCE * h`` of an edge is
        covered (``h``: element size at the electrode [m]; see the module docstring).
        """
        x = np.asarray(x, dtype=float)
        if self.pattern == "uniform":
            return np.ones_like(x)
        tol = self.edge_tolerance(h)
        if self.pattern == "periodic":
            period = float(self.period)
            covered = float(self.fraction) * period
            if covered >= period:
                return np.ones_like(x)
            phase = np.mod(x - self.offset, period)  # in [0, period)
            # [start - tol, end + tol] of each period (a start sits at phase 0 and at `period`)
            on = (phase <= covered + tol) | (phase >= period - tol)
            return on.astype(float)
        if self.pattern == "list":
            half = 0.5 * float(self.width)
            cov = np.zeros_like(x)
            for p in self.positions:
                cov = np.maximum(cov, (np.abs(x - p) <= half + tol).astype(float))
            return cov
        raise ValueError(f"unknown site pattern {self.pattern!r}")


def surface_charge_profile(sites: Iterable[SiteSpec], x, h: float | None = None) -> np.ndarray:
    """sigma(x) [C/m^2] = sum_k sigma_k 1_k(x) at positions ``x`` [m] (``h``: element size at
    the electrode [m], for the edge tolerance; see :meth:`SiteSpec.coverage`)."""
    x = np.asarray(x, dtype=float)
    sigma = np.zeros_like(x)
    for s in sites:
        sigma = sigma + s.surface_charge * s.coverage(x, h)
    return sigma


def exchange_current_factor_profile(
    sites: Iterable[SiteSpec],
    x,
    concentration: float,
    relative_permittivity: float,
    temperature: float,
    alpha_a: float,
    h: float | None = None,
) -> np.ndarray:
    """Frumkin factor f(x) = exp(-alpha_a psi_d(sigma(x), c0) / V_T) along the electrode
    (``h``: element size at the electrode [m], for the edge tolerance)."""
    sigma = surface_charge_profile(sites, x, h)
    return frumkin.exchange_current_factor(
        sigma, concentration, relative_permittivity, temperature, alpha_a
    )


def has_charge(sites: Iterable[SiteSpec]) -> bool:
    """True when any group carries a nonzero surface charge."""
    return any(s.surface_charge != 0.0 for s in sites)


__all__ = [
    "EDGE_TOLERANCE",
    "SiteSpec",
    "exchange_current_factor_profile",
    "has_charge",
    "surface_charge_profile",
]
