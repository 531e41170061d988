"""Electrode kinetics laws: the registry, the common interface and the backends.

Every law is one class, written once, that the weak forms (UFL), the post-processing and the
theory (numpy) all use. A law turns the overpotential and the surface concentration into the
local reaction current density, and back:

- :meth:`KineticsLaw.rate` ``(i0, eta_hat, c_hat, backend)`` -> i_BV in the units of ``i0``;
- :meth:`KineticsLaw.overpotential` ``(i, i0, c_hat)`` -> eta_hat with rate = i (numpy).

Sign convention (docs/model.md §4): i_BV > 0 is anodic (Li stripping, Li -> Li+ + e-), < 0 is
cathodic (plating); eta = phi_s - phi_l - U with U = 0 at the reference concentration c_ref;
the arguments are dimensionless, eta_hat = eta / V_T and c_hat = c+ / c_ref. ``backend`` is
:data:`NUMPY` or :data:`UFL`: a module-like object with ``exp``, ``erfc`` and ``sqrt``.
Exponentials are guarded: above :data:`EXP_CAP` they continue linearly (C1), which keeps
Newton iterates finite at large overpotentials.

Adding a law: write a subclass with a unique ``name``, decorate it with :func:`register`, import
its module in :func:`_load_laws`; the case schema takes its allowed ``electrode.kinetics``
values from :func:`names` (docs/architecture.md).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

EXP_CAP = 40.0
"""Exponent beyond which exp(x) is continued linearly (e^40 ~ 2.4e17)."""


class _NumpyBackend:
    """numpy backend: guarded ``exp``, ``erfc`` and ``sqrt`` on arrays."""

    @staticmethod
    def exp(x):
        x = np.asarray(x, dtype=float)
        capped = np.minimum(x, EXP_CAP)
        return np.where(x < EXP_CAP, np.exp(capped), np.exp(EXP_CAP) * (1.0 + x - EXP_CAP))

    @staticmethod
    def erfc(x):
        return np.vectorize(math.erfc, otypes=[float])(np.asarray(x, dtype=float))

    @staticmethod
    def sqrt(x):
        return np.sqrt(x)


class _UFLBackend:
    """UFL backend: the same guarded ``exp``, ``erfc`` = 1 - erf and ``sqrt``, in UFL."""

    @staticmethod
    def exp(x):
        import ufl

        cap = EXP_CAP
        return ufl.conditional(ufl.lt(x, cap), ufl.exp(x), np.exp(cap) * (1.0 + x - cap))

    @staticmethod
    def erfc(x):
        import ufl

        return 1.0 - ufl.erf(x)

    @staticmethod
    def sqrt(x):
        import ufl

        return ufl.sqrt(x)


NUMPY = _NumpyBackend()
UFL = _UFLBackend()


class KineticsLaw:
    """One electrode kinetics law (subclass it; see the module docstring).

    Class attributes: ``name`` (the ``electrode.kinetics`` value); ``uses_sites``: the Frumkin
    factor of charged sites multiplies i0; ``uses_concentration``: the rate depends on the
    surface concentration (False: the overpotential is measured from the Li's equilibrium with
    the local pore liquid, which includes a Donnan potential).
    """

    name: ClassVar[str] = ""
    uses_sites: ClassVar[bool] = False
    uses_concentration: ClassVar[bool] = True

    @classmethod
    def from_parameters(cls, **parameters) -> KineticsLaw:
        """The law with the parameters it needs (subclasses pick theirs)."""
        return cls()

    def rate(self, i0, eta_hat, c_hat, backend=NUMPY):
        """Reaction current density [units of ``i0``], anodic positive."""
        raise NotImplementedError

    def plateau(self, c_hat: float = 1.0) -> tuple[float, float] | None:
        """The largest (anodic, cathodic) current magnitudes [units of i0] the law carries at
        any overpotential, at surface concentration c_hat = c+/c_ref; None: unbounded (as
        Butler–Volmer). A saturating law (Marcus–Hush–Chidsey) overrides this."""
        return None

    def overpotential(self, i: float, i0: float, c_hat: float = 1.0) -> float:
        """eta_hat with rate(i0, eta_hat, c_hat) = i (the rate increases with eta_hat).

        Bisection on [-2 EXP_CAP, 2 EXP_CAP]; raises ValueError when ``i`` is beyond what the
        law can carry (a saturating law)."""
        lo, hi = -2.0 * EXP_CAP, 2.0 * EXP_CAP

        def f(x: float) -> float:
            return float(self.rate(i0, x, c_hat)) - i

        if f(lo) > 0.0 or f(hi) < 0.0:
            raise ValueError(f"{self.name}: no overpotential carries i = {i:g} (i0 = {i0:g})")
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if f(mid) < 0.0:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-14 * max(1.0, abs(mid)):
                break
        return 0.5 * (lo + hi)


_LAWS: dict[str, type[KineticsLaw]] = {}


def register(cls: type[KineticsLaw]) -> type[KineticsLaw]:
    """Class decorator: add a law to the registry under its ``name``."""
    if not cls.name or cls.name in _LAWS:
        raise ValueError(f"kinetics law name {cls.name!r} is empty or taken")
    _LAWS[cls.name] = cls
    return cls


def _load_laws() -> None:
    """Import the modules that define the laws (each registers itself)."""
    from depsim.physics import butler_volmer, marcus_hush_chidsey  # noqa: F401


def names() -> tuple[str, ...]:
    """The registered law names, the allowed values of ``electrode.kinetics``."""
    _load_laws()
    return tuple(_LAWS)


def make_law(name: str, **parameters) -> KineticsLaw:
    """An instance of the law ``name``; each law takes the parameters it needs from
    ``parameters`` (``alpha_a``, ``alpha_c``, ``reorganization`` = lambda / k_B T) and ignores
    the others."""
    _load_laws()
    if name not in _LAWS:
        raise ValueError(f"unknown kinetics {name!r}; allowed: {', '.join(_LAWS)}")
    return _LAWS[name].from_parameters(**parameters)


def law_from_si(
    name: str,
    alpha_a: float = 0.5,
    alpha_c: float = 0.5,
    reorganization_energy: float | None = None,
    temperature: float = 298.15,
) -> KineticsLaw:
    """:func:`make_law` from SI inputs: the reorganization energy [J per particle] becomes
    lambda / k_B T at ``temperature`` [K]."""
    from depsim.physics.constants import BOLTZMANN

    lam = reorganization_energy
    return make_law(
        name,
        alpha_a=alpha_a,
        alpha_c=alpha_c,
        reorganization=None if lam is None else lam / (BOLTZMANN * temperature),
    )


class KineticsParameters:
    """Mixin of the parameter dataclasses that carry an electrode's kinetics (fields
    ``kinetics``, ``alpha_a``, ``alpha_c``, ``reorganization_energy`` [J], ``temperature``
    [K], ``c0`` and ``c_ref`` [mol/m^3]): the law built once from them, and c_ref resolved."""

    @property
    def kinetics_law(self) -> KineticsLaw:
        """The electrode kinetics law with its parameters."""
        return law_from_si(
            self.kinetics, self.alpha_a, self.alpha_c, self.reorganization_energy, self.temperature
        )

    @property
    def reference_concentration(self) -> float:
        """c_ref [mol/m^3]; defaults to the bulk concentration c0."""
        return self.c0 if self.c_ref is None else self.c_ref


__all__ = [
    "EXP_CAP",
    "KineticsParameters",
    "NUMPY",
    "UFL",
    "KineticsLaw",
    "law_from_si",
    "make_law",
    "names",
    "register",
]
