"""Marcus–Hush–Chidsey (MHC) kinetics, in the closed form of Zeng, Smith, Bai and Bazant.

Electron transfer from a metal with a continuum of electronic states (Chidsey, Science 251,
919 (1991)) gives rate constants that, unlike Butler–Volmer's, saturate at large
overpotential; the reorganization energy lambda sets where. Zeng, Smith, Bai and Bazant
(J. Electroanal. Chem. 735, 77 (2014), doi:10.1016/j.jelechem.2014.09.038, eq. 16) give an
accurate closed form of the Chidsey integral, in units of k_B T (lambda_hat = lambda / k_B T,
eta_hat = e eta / k_B T)::

    k_ox(eta)  = sqrt(pi lambda) / (1 + exp(-eta)) erfc(a(eta))
    k_red(eta) = sqrt(pi lambda) / (1 + exp(+eta)) erfc(a(eta))
    a(eta)     = (lambda - sqrt(1 + sqrt(lambda) + eta^2)) / (2 sqrt(lambda))

and the local current density, with the exchange current density i0 at c+ = c_ref::

    i_BV = i0 [k_ox(eta) - (c+/c_ref) k_red(eta)] / k_ox(0)

(anodic positive, as every law: :mod:`depsim.physics.kinetics`). Limits, both tested:
small eta: i_BV -> i0 eta (symmetric Butler–Volmer's slope, alpha = 1/2); large eta: the
anodic current saturates at i0 * 4 / erfc(a(0)), the cathodic one at c+/c_ref times that.
"""

from __future__ import annotations

import math

from depsim.physics.kinetics import NUMPY, KineticsLaw, register


@register
class MarcusHushChidsey(KineticsLaw):
    """MHC kinetics (module docstring); ``reorganization`` = lambda / k_B T [-]."""

    name = "marcus-hush-chidsey"

    def __init__(self, reorganization: float):
        if not reorganization > 0.0:
            raise ValueError("the reorganization energy must be positive")
        self.reorganization = float(reorganization)
        lam = self.reorganization
        self._k0 = 0.5 * math.sqrt(math.pi * lam) * math.erfc(self._a_scalar(0.0))

    @classmethod
    def from_parameters(cls, reorganization: float | None = None, **_) -> MarcusHushChidsey:
        if reorganization is None:
            raise ValueError("marcus-hush-chidsey kinetics needs the reorganization energy")
        return cls(reorganization)

    def _a_scalar(self, eta: float) -> float:
        lam = self.reorganization
        return (lam - math.sqrt(1.0 + math.sqrt(lam) + eta * eta)) / (2.0 * math.sqrt(lam))

    def rates(self, eta_hat, backend=NUMPY):
        """(k_ox, k_red) / k_ox(0): the dimensionless oxidation and reduction rates."""
        lam = self.reorganization
        root = backend.sqrt(1.0 + math.sqrt(lam) + eta_hat * eta_hat)
        spread = backend.erfc((lam - root) / (2.0 * math.sqrt(lam)))
        scale = math.sqrt(math.pi * lam) / self._k0
        k_ox = scale * spread / (1.0 + backend.exp(-eta_hat))
        k_red = scale * spread / (1.0 + backend.exp(eta_hat))
        return k_ox, k_red

    def rate(self, i0, eta_hat, c_hat, backend=NUMPY):
        k_ox, k_red = self.rates(eta_hat, backend)
        return i0 * (k_ox - c_hat * k_red)

    def plateau(self, c_hat: float = 1.0) -> tuple[float, float]:
        """(anodic, cathodic) plateaus [units of i0]: 4 / erfc(a(0)) and c_hat times that."""
        return self.saturation, float(c_hat) * self.saturation

    @property
    def saturation(self) -> float:
        """The anodic plateau i_BV(eta -> inf) / i0 = 4 / erfc(a(0)) [-]."""
        return 4.0 / math.erfc(self._a_scalar(0.0))


def saturation_current(i0: float, reorganization: float) -> float:
    """The anodic plateau current [units of i0] of MHC kinetics at lambda / k_B T."""
    return float(i0) * MarcusHushChidsey(reorganization).saturation


__all__ = ["MarcusHushChidsey", "saturation_current"]
