"""Newman's concentrated binary electrolyte (z+ = +1, z- = -1): the one law of concentrated
transport in depsim (docs/model.md §2b).

Concentrated-solution theory (Newman and Thomas-Alyea, *Electrochemical Systems*, 3rd ed., Wiley
2004, ch. 12), the solvent velocity taken as the reference velocity and neglected (v0 = 0)::

    i  = -kappa grad(Phi) + (2 kappa R T / F) (1 - t0) TDF grad(ln c)
    N+ = -D grad(c) + t0 i / F,        N- = N+ - i / F

with kappa(c, T) the conductivity [S/m], D(c, T) the (Fickian) salt diffusivity [m^2/s],
t0(c, T) the cation transference number relative to the solvent (Hittorf) and
TDF(c, T) = 1 + d ln f± / d ln c the thermodynamic factor. Phi is the potential of a Li
reference electrode in the electrolyte.

depsim keeps the unknowns of the dilute electroneutral model, u = ln(c/c0) and chi, with
chi = Phi / V_T - u (the "quasi-electrostatic" potential: in an ideal dilute solution chi is
phi_l / V_T exactly, and the kinetics laws see (c, chi) as they do in the dilute model, i.e. the
surface overpotential is phi_s - Phi). Dimensionless (:mod:`depsim.physics.scaling`: fluxes over
D0 c0 / L0, currents over F D0 c0 / L0)::

    i_hat  = -k (grad(u + chi) - 2 (1 - t0) TDF grad(u)),     k = kappa R T / (F^2 D0 c0)
    N+_hat = -d c_hat grad(u) + t0 i_hat,                    d = D / D0
    N-_hat = N+_hat - i_hat

**Dilute limit.** With kappa = F^2 c (D+ + D-) / (R T), D = 2 D+ D- / (D+ + D-),
t0 = D+ / (D+ + D-) and TDF = 1 these are the Nernst–Planck fluxes
N± = -d± c grad(u ± chi) (:mod:`depsim.physics.nernst_planck`) identically.

Closed forms of a 1D cell of length L with constant properties (the thermodynamic factor enters
the potential, not the concentration): limiting current i_lim = F D c0 / ((1 - t0) L) against a
reservoir, Sand's time t_S = pi D (F c0)^2 / (4 ((1 - t0) i)^2), the concentration overpotential
2 V_T (1 - t0) TDF ln(c_a / c_b), and Balsara and Newman's current fraction
(J. Electrochem. Soc. 162, A2720 (2015), doi:10.1149/2.0651514jes) of a Bruce–Vincent experiment
rho+ = 1 / (1 + 2 R T kappa (1 - t0)^2 TDF / (F^2 D c0)) (rho+ = t0 only in the dilute limit).
"""

from __future__ import annotations

import math

from depsim.physics.constants import FARADAY, GAS_CONSTANT

__all__ = [
    "balsara_newman_current_fraction",
    "blocked_anion_potential",
    "concentration_overpotential",
    "dilute_equivalent",
    "fluxes",
    "hittorf_from_current_fraction",
    "kirchhoff_potential",
    "limiting_current",
    "limiting_current_kirchhoff",
    "sand_time",
]


def fluxes(k, d, t0, tdf, c_hat, u, chi, grad):
    """Dimensionless (N+, N-, i) of Newman's binary electrolyte (UFL or numbers).

    ``k`` = kappa R T / (F^2 D0 c0), ``d`` = D / D0, ``t0`` the Hittorf transference number,
    ``tdf`` the thermodynamic factor (values at c), ``c_hat`` = c / c0 = exp(u), ``u`` and
    ``chi`` the fields (module docstring), ``grad`` the (scaled) gradient.
    """
    grad_u = grad(u)
    current = -k * (grad_u + grad(chi) - 2.0 * (1.0 - t0) * tdf * grad_u)
    n_plus = -d * c_hat * grad_u + t0 * current
    return n_plus, n_plus - current, current


def dilute_equivalent(D_cation: float, D_anion: float, temperature: float):
    """(kappa(c), D, t0, TDF) of an ideal dilute salt with ionic diffusivities D+, D- [m^2/s]:
    kappa = F^2 c (D+ + D-) / (R T) [S/m] (c [mol/m^3], number or UFL), D = 2 D+ D-/(D+ + D-),
    t0 = D+/(D+ + D-), TDF = 1 (the four as functions of (c, T))."""
    k_per_c = FARADAY**2 * (D_cation + D_anion) / (GAS_CONSTANT * temperature)
    D = 2.0 * D_cation * D_anion / (D_cation + D_anion)
    t0 = D_cation / (D_cation + D_anion)
    return (
        lambda c, T: k_per_c * c,
        lambda c, T: D,
        lambda c, T: t0,
        lambda c, T: 1.0,
    )


def limiting_current(D: float, t0: float, concentration: float, length: float) -> float:
    """1D limiting plating current i_lim = F D c0 / ((1 - t0) L) [A/m^2] against a reservoir at
    c0 a distance L away (constant D [m^2/s] and t0)."""
    return FARADAY * D * concentration / ((1.0 - t0) * length)


def kirchhoff_potential(D, t0, concentration: float, temperature: float) -> float:
    """W(c) = int_0^c D(c') / (1 - t0(c')) dc' [mol/(m s)]: with the anion blocked (N- = 0) the
    cation flux is N+ = -grad W and the current i = -F grad W, so W is harmonic in a steady
    cell (``D(c, T)``, ``t0(c, T)`` functions)."""
    from scipy.integrate import quad

    def integrand(c):
        return D(c, temperature) / (1.0 - t0(c, temperature))

    return quad(integrand, 0.0, concentration, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def blocked_anion_potential(props, c: float, c0: float, temperature: float) -> float:
    """(Phi(c) - Phi(c0)) / V_T of a steady electrolyte with the anion blocked, where Phi
    depends on c alone: dPhi/dc = F D / ((1 - t0) kappa) + 2 V_T (1 - t0) TDF / c (``props``
    with the four property functions; dilute limit: 2 ln(c/c0))."""
    from scipy.integrate import quad

    V_T = GAS_CONSTANT * temperature / FARADAY

    def slope(x):
        t0 = props.transference_number(x, temperature)
        D, kappa = props.diffusivity(x, temperature), props.conductivity(x, temperature)
        tdf = props.thermodynamic_factor(x, temperature)
        return FARADAY * D / ((1.0 - t0) * kappa * V_T) + 2.0 * (1.0 - t0) * tdf / x

    return quad(slope, c0, c, epsabs=0.0, epsrel=1e-12, limit=200)[0]


def limiting_current_kirchhoff(D, t0, concentration: float, length: float, temperature: float):
    """i_lim = (F / L) int_0^c0 D(c) / (1 - t0(c)) dc = F W(c0) / L [A/m^2] for
    concentration-dependent ``D(c, T)`` and ``t0(c, T)`` (:func:`kirchhoff_potential`)."""
    return FARADAY * kirchhoff_potential(D, t0, concentration, temperature) / length


def sand_time(D: float, t0: float, concentration: float, current: float) -> float:
    """Sand's time t_S = pi D (F c0)^2 / (4 ((1 - t0) i)^2) [s] at plating current i [A/m^2]."""
    return math.pi * D * (FARADAY * concentration) ** 2 / (4.0 * ((1.0 - t0) * current) ** 2)


def concentration_overpotential(
    t0: float, tdf: float, c_high: float, c_low: float, temperature: float
) -> float:
    """Diffusion potential 2 (RT/F) (1 - t0) TDF ln(c_high / c_low) [V] between two points of a
    1D electrolyte (constant t0 and TDF)."""
    V_T = GAS_CONSTANT * temperature / FARADAY
    return 2.0 * V_T * (1.0 - t0) * tdf * math.log(c_high / c_low)


def balsara_newman_current_fraction(
    kappa: float, D: float, t0: float, tdf: float, concentration: float, temperature: float
) -> float:
    """rho+ = I_ss / I_0 of an ideal Bruce–Vincent experiment (no interfacial resistance,
    small step): 1 / (1 + 2 R T kappa (1 - t0)^2 TDF / (F^2 D c0)) [-]."""
    n = 2.0 * GAS_CONSTANT * temperature * kappa * (1.0 - t0) ** 2 * tdf
    return 1.0 / (1.0 + n / (FARADAY**2 * D * concentration))


def hittorf_from_current_fraction(
    rho: float, kappa: float, D: float, tdf: float, concentration: float, temperature: float
) -> float:
    """t0 from a Bruce–Vincent current fraction rho+ (the inverse of
    :func:`balsara_newman_current_fraction`, the root with t0 < 1)."""
    if not 0.0 < rho <= 1.0:
        raise ValueError(f"current fraction rho+ = {rho!r} must be in (0, 1]")
    n = (1.0 / rho - 1.0) * FARADAY**2 * D * concentration
    return 1.0 - math.sqrt(n / (2.0 * GAS_CONSTANT * temperature * kappa * tdf))
