"""Butler–Volmer kinetics at the Li surface, and its Frumkin and linearised variants.

Sign convention (docs/model.md §4): the local reaction current density ``i_BV`` is positive
when anodic (Li stripping, Li -> Li+ + e-) and negative when cathodic (Li plating). The
overpotential is eta = phi_s - phi_l - U with U = 0 at the reference concentration c_ref.

Concentration-dependent Butler–Volmer (``kinetics = "butler-volmer"``)::

    i_BV = i0 [exp(alpha_a eta / V_T) - (c+/c_ref) exp(-alpha_c eta / V_T)]

Frumkin (``kinetics = "frumkin"``): the same law, with the Frumkin factor of the charged sites
folded into i0 by the solver (:mod:`depsim.physics.frumkin`, :mod:`depsim.physics.sites`).

Linearised (``kinetics = "linear"``, for verification)::

    i_BV = i0 eta / V_T

Each law is a :class:`~depsim.physics.kinetics.KineticsLaw` (the registry and the guarded
numpy/UFL backends are in :mod:`depsim.physics.kinetics`): the solver's weak forms, the
post-processing and the theory all evaluate the same :meth:`rate`.
"""

from __future__ import annotations

import numpy as np

from depsim.physics.kinetics import EXP_CAP, NUMPY, UFL, KineticsLaw, make_law, register

__all__ = [
    "EXP_CAP",
    "NUMPY",
    "UFL",
    "ButlerVolmer",
    "Frumkin",
    "Linear",
    "overpotential_uniform",
    "reaction_current",
]


@register
class ButlerVolmer(KineticsLaw):
    """Concentration-dependent Butler–Volmer with transfer coefficients alpha_a, alpha_c."""

    name = "butler-volmer"

    def __init__(self, alpha_a: float = 0.5, alpha_c: float = 0.5):
        self.alpha_a, self.alpha_c = float(alpha_a), float(alpha_c)

    @classmethod
    def from_parameters(cls, alpha_a: float = 0.5, alpha_c: float = 0.5, **_) -> ButlerVolmer:
        return cls(alpha_a, alpha_c)

    def rate(self, i0, eta_hat, c_hat, backend=NUMPY):
        a, b = self.alpha_a, self.alpha_c
        return i0 * (backend.exp(a * eta_hat) - c_hat * backend.exp(-b * eta_hat))


@register
class Frumkin(ButlerVolmer):
    """Butler–Volmer whose i0 carries the Frumkin factor of the charged sites."""

    name = "frumkin"
    uses_sites = True


@register
class Linear(KineticsLaw):
    """i_BV = i0 eta / V_T: no concentration dependence (verification, small signals)."""

    name = "linear"
    uses_concentration = False

    def rate(self, i0, eta_hat, c_hat, backend=NUMPY):
        return i0 * eta_hat

    def overpotential(self, i: float, i0: float, c_hat: float = 1.0) -> float:
        return float(i) / float(i0)


def reaction_current(
    kinetics: str,
    i0,
    eta_hat,
    c_hat,
    alpha_a: float = 0.5,
    alpha_c: float = 0.5,
    backend=NUMPY,
    reorganization: float | None = None,
):
    """Reaction current density i_BV [units of ``i0``], positive anodic (stripping), of the
    law ``kinetics`` (any registered name; see :func:`depsim.physics.kinetics.names`).

    ``eta_hat`` = (phi_s - phi_l - U) / V_T, ``c_hat`` = c+/c_ref; for "frumkin" the Frumkin
    factor must already be folded into ``i0``.
    """
    law = make_law(kinetics, alpha_a=alpha_a, alpha_c=alpha_c, reorganization=reorganization)
    return law.rate(i0, eta_hat, c_hat, backend=backend)


def overpotential_uniform(i: float, i0: float, thermal_voltage: float) -> float:
    """Overpotential [V] of symmetric (alpha = 0.5) Butler–Volmer at c = c_ref for current ``i``.

    eta = 2 V_T asinh(i / (2 i0)); ``i`` follows the i_BV sign convention (anodic positive).
    """
    return 2.0 * thermal_voltage * float(np.arcsinh(i / (2.0 * i0)))
