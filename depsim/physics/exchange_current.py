"""A spatially varying exchange current density i0(x) along the Li surface.

Real Li surfaces are not uniform: the SEI varies in thickness and composition, and nucleation
sites are more active than their surroundings. ``electrode.exchange_current_density`` therefore
takes either one number (a uniform i0) or a pattern (this module):

- ``value`` [A/m^2]: i0 wherever nothing else applies;
- ``profile_x`` [m] and ``profile_values`` [A/m^2]: a smooth profile, i0 interpolated linearly
  between the points (x ascending) and held constant beyond the first and last point; it
  replaces ``value``;
- ``patches``: regions where i0 takes the patch's own ``value``. Each patch is placed like a
  group of charged sites (:mod:`depsim.physics.sites`): ``periodic`` (``period``, covered
  ``fraction``, ``offset``) or ``list`` (``width`` centred at each of ``positions``), as closed
  intervals (a node on an edge, within a round-off tolerance relative to the element size, is
  in the patch). A later patch wins where patches overlap.

The coordinate is ``x``, along the electrode's width (in 3D the pattern is a set of stripes along
z). ``value`` is the *reference* i0 of the case (the scalar the kinetics are scaled with); the
solver applies the ratio i0(x) / value as a P1 factor on the exchange current, the same way as
the Frumkin factor of charged sites (the two multiply).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from depsim.physics.sites import SiteSpec

__all__ = ["ExchangeCurrentPattern"]


@dataclass(frozen=True)
class ExchangeCurrentPattern:
    """i0(x) [A/m^2] along the electrode (SI units; see the module docstring).

    ``patches`` are (value [A/m^2], placement) pairs; the placement is a :class:`SiteSpec`
    whose ``pattern`` is "periodic" or "list" (its surface charge is not used).
    """

    value: float
    profile_x: tuple[float, ...] = ()
    profile_values: tuple[float, ...] = ()
    patches: tuple[tuple[float, SiteSpec], ...] = ()

    @classmethod
    def from_case(cls, table, element_size: float | None = None) -> ExchangeCurrentPattern:
        """From a validated ``electrode.exchange_current_density`` pattern table;
        ``element_size`` [m] at the Li sets the tolerance of the patch edges (closed intervals,
        as for charged sites: :mod:`depsim.physics.sites`)."""
        patches = tuple(
            (
                float(p.value),
                SiteSpec.placed_like(p, name="i0_patch", element_size=element_size),
            )
            for p in table.patches
        )
        return cls(
            value=float(table.value),
            profile_x=tuple(float(x) for x in (table.profile_x or ())),
            profile_values=tuple(float(v) for v in (table.profile_values or ())),
            patches=patches,
        )

    def at(self, x) -> np.ndarray:
        """i0 [A/m^2] at the positions ``x`` [m] along the electrode (array)."""
        x = np.asarray(x, dtype=float)
        if self.profile_x:
            i0 = np.interp(x, self.profile_x, self.profile_values)
        else:
            i0 = np.full_like(x, self.value)
        for value, where in self.patches:
            i0 = np.where(where.coverage(x) > 0.5, value, i0)
        return i0

    def factor(self, x) -> np.ndarray:
        """i0(x) / value [-], the factor the solver applies to the reference i0."""
        return self.at(x) / self.value
