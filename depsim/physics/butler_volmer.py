"""Electrode kinetics at the Li surface: the one place where the Butler–Volmer law is written.

Sign convention (docs/model.md §4): the local reaction current density ``i_BV`` is positive
when anodic (Li stripping, Li -> Li+ + e-) and negative when cathodic (Li plating). The
overpotential is eta = phi_s - phi_l - U with U = 0 at the reference concentration c_ref.

Concentration-dependent Butler–Volmer (``kinetics = "butler-volmer"``)::

    i_BV = i0 [exp(alpha_a eta / V_T) - (c+/c_ref) exp(-alpha_c eta / V_T)]

Linearised (``kinetics = "linear"``, for verification)::

    i_BV = i0 eta / V_T

The functions take dimensionless arguments (eta_hat = eta / V_T, c_hat = c+/c_ref) and a
``backend`` module providing ``exp`` — ``numpy`` for post-processing and tests, or the UFL shim
:data:`UFL` for weak forms — so the solver, the metrics and the tests use the same expression.
Exponentials are guarded: above ``EXP_CAP`` the exponential continues linearly (C1), which keeps
Newton iterates finite at large overpotentials (potentiostatic 0.5 V is ~19 V_T).
"""

from __future__ import annotations

import numpy as np

EXP_CAP = 40.0
"""Exponent beyond which exp(x) is continued linearly (e^40 ~ 2.4e17)."""

KINETICS = ("butler-volmer", "frumkin", "linear")


class _UFLBackend:
    """Minimal backend exposing a guarded ``exp`` built from UFL operators."""

    @staticmethod
    def exp(x):
        import ufl

        cap = EXP_CAP
        return ufl.conditional(ufl.lt(x, cap), ufl.exp(x), np.exp(cap) * (1.0 + x - cap))


class _NumpyBackend:
    @staticmethod
    def exp(x):
        x = np.asarray(x, dtype=float)
        capped = np.minimum(x, EXP_CAP)
        return np.where(x < EXP_CAP, np.exp(capped), np.exp(EXP_CAP) * (1.0 + x - EXP_CAP))


UFL = _UFLBackend()
NUMPY = _NumpyBackend()


def reaction_current(
    kinetics: str,
    i0,
    eta_hat,
    c_hat,
    alpha_a: float = 0.5,
    alpha_c: float = 0.5,
    backend=NUMPY,
):
    """Reaction current density i_BV [units of ``i0``], positive anodic (stripping).

    Parameters
    ----------
    kinetics: "butler-volmer", "frumkin" (the Frumkin factor must already be folded into
        ``i0`` and ``eta_hat``) or "linear".
    i0: exchange current density (A/m^2, or dimensionless if the caller scales).
    eta_hat: overpotential over the thermal voltage, (phi_s - phi_l - U) / V_T [-].
    c_hat: surface cation concentration over the reference concentration, c+/c_ref [-].
    """
    if kinetics in ("butler-volmer", "frumkin"):
        return i0 * (backend.exp(alpha_a * eta_hat) - c_hat * backend.exp(-alpha_c * eta_hat))
    if kinetics == "linear":
        return i0 * eta_hat
    raise ValueError(f"unknown kinetics {kinetics!r}; allowed: {', '.join(KINETICS)}")


def overpotential_uniform(i: float, i0: float, thermal_voltage: float) -> float:
    """Overpotential [V] of symmetric (alpha = 0.5) Butler–Volmer at c = c_ref for current ``i``.

    eta = 2 V_T asinh(i / (2 i0)); ``i`` follows the i_BV sign convention (anodic positive).
    """
    return 2.0 * thermal_voltage * float(np.arcsinh(i / (2.0 * i0)))
