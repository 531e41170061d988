"""Separator regions: Nernst–Einstein / Bruggeman transport and the fixed charge (TMS / Donnan).

**Transport properties** (docs/model.md §6). A measured conductivity kappa and transference
number t+ of the electrolyte-filled separator (at the bulk c0 and T) set effective ionic
diffusivities by Nernst–Einstein, D+ = t+ kappa RT/(F^2 c0), D- = (1 - t+) kappa RT/(F^2 c0); they
are already effective, no Bruggeman factor on top. Without measured values the separator holds the
bulk electrolyte and D_eff = eps^b D (Bruggeman). Fluxes are superficial (per total area), the
concentrations are per pore volume and the storage term is eps dc/dt.

**Fixed charge** (Teorell–Meyer–Sievers). A matrix with volumetric charge rho_fix [C/m^3 of
separator] carries X = rho_fix / (F eps) [mol/m^3 of pore volume], signed (X < 0: negatively
charged matrix). Electroneutrality of the pore liquid: c+ - c- + X = 0, i.e. c- = c+ + X.

Formulation used by the solver (exact Donnan jumps with continuous fields). The unknowns are

    u   = ln(s / c0),    s = sqrt(c+ c-)   (geometric-mean salt concentration)
    chi = psi - zeta,    psi = phi_l / V_T (the pore potential), zeta = asinh(X / (2 s))

so that

    c+ = s exp(-zeta),   c- = s exp(+zeta),   c+ - c- = -X,   c+ c- = s^2   (both > 0 for any u),
    ln(c+/c0) + psi = u + chi,               ln(c-/c0) - psi = u - chi.

u + chi and u - chi are the dimensionless electrochemical potentials of the cation and anion. At an
interface between regions of different X (charged separator | free electrolyte) local equilibrium
makes both electrochemical potentials continuous, hence u and chi are continuous: continuous P1
fields for (u, chi) carry the *exact* Donnan jump of c+, c- and psi (which is
Delta psi = zeta_2 - zeta_1) at the interface, with no smearing over an element layer. The fluxes
are

    N+ = -D+ c+ grad(u + chi),       N- = -D- c- grad(u - chi)

and where X = 0 (zeta = 0, chi = psi, c+ = c- = s) this is the plain electroneutral model.
A reservoir at c0 and phi = 0 is u = 0, chi = 0 (Donnan equilibrium if a charged region touches
it). Butler–Volmer at a Li surface inside a charged region uses the local pore values
c+ = s e^-zeta and eta = phi_s - V_T (chi + zeta).

Ideal Donnan relations against a reservoir at c0 (s = c0): c+ = sqrt(c0^2 + X^2/4) - X/2,
c- = sqrt(c0^2 + X^2/4) + X/2, Donnan potential phi_D = phi_pore - phi_res = V_T asinh(X / 2c0).
The migration (Hittorf) transference number of the charged pore at uniform composition is
t+ = D+ c+ / (D+ c+ + D- c-).
"""

from __future__ import annotations

import math

import numpy as np

from depsim.physics.constants import FARADAY, thermal_voltage


def fixed_charge_concentration(rho_fix: float, porosity: float) -> float:
    """X [mol/m^3 of pore volume] from the matrix charge ``rho_fix`` [C/m^3 of separator]."""
    return float(rho_fix) / (FARADAY * float(porosity))


def donnan_concentrations(salt, fixed_charge):
    """(c+, c-) [mol/m^3] with c+ c- = salt^2 and c+ - c- = -fixed_charge (numerically stable)."""
    s = np.asarray(salt, dtype=float)
    x = np.asarray(fixed_charge, dtype=float)
    zeta = np.arcsinh(x / (2.0 * s))
    return s * np.exp(-zeta), s * np.exp(zeta)


def donnan_potential(fixed_charge, salt, temperature: float = 298.15):
    """phi_pore - phi_reservoir [V] = V_T asinh(X / (2 c)) of a charged pore in equilibrium with an
    uncharged electrolyte of concentration ``salt`` [mol/m^3] (negative for X < 0)."""
    return thermal_voltage(temperature) * np.arcsinh(
        np.asarray(fixed_charge, dtype=float) / (2.0 * np.asarray(salt, dtype=float))
    )


def donnan_transference_number(D_cation: float, D_anion: float, c0: float, fixed_charge: float):
    """Ideal-Donnan migration transference number t+ = D+ c+ / (D+ c+ + D- c-) at c0."""
    cp, cm = donnan_concentrations(c0, fixed_charge)
    return float(D_cation * cp / (D_cation * cp + D_anion * cm))


def fixed_charge_for_transference(
    t_plus_target: float, D_cation: float, D_anion: float, c0: float
) -> float:
    """Fixed charge X [mol/m^3] that gives the ideal-Donnan t+ ``t_plus_target`` at c0.

    c+/c- = t/(1-t) D-/D+ = r, c+ c- = c0^2  ->  X = c- - c+ = c0 (1/sqrt(r) - sqrt(r)).
    """
    r = t_plus_target / (1.0 - t_plus_target) * D_anion / D_cation
    return c0 * (1.0 / math.sqrt(r) - math.sqrt(r))


def donnan_conductivity(
    D_cation: float, D_anion: float, c0: float, fixed_charge: float, temperature: float
) -> float:
    """Ideal-Donnan conductivity kappa = F^2 (D+ c+ + D- c-) / RT [S/m] at c0."""
    cp, cm = donnan_concentrations(c0, fixed_charge)
    V_T = thermal_voltage(temperature)
    return float(FARADAY * (D_cation * cp + D_anion * cm) / V_T)


# --- UFL ------------------------------------------------------------------------------------------
def asinh_ufl(z):
    """asinh(z) = sign(z) ln(|z| + sqrt(z^2 + 1)) in UFL (no cancellation for z < 0)."""
    import ufl

    return ufl.sign(z) * ufl.ln(abs(z) + ufl.sqrt(z * z + 1.0))


def ion_concentrations_ufl(u, x_hat):
    """UFL (c+_hat, c-_hat, zeta) from u = ln(s/c0) and x_hat = X/c0 (see module docstring).

    ``x_hat`` None means no fixed charge: c+ = c- = exp(u), zeta = 0 (returned as the float 0).
    """
    import ufl

    s = ufl.exp(u)
    if x_hat is None:
        return s, s, 0.0
    zeta = asinh_ufl(x_hat / (2.0 * s))
    return s * ufl.exp(-zeta), s * ufl.exp(zeta), zeta


__all__ = [
    "asinh_ufl",
    "donnan_concentrations",
    "donnan_conductivity",
    "donnan_potential",
    "donnan_transference_number",
    "fixed_charge_concentration",
    "fixed_charge_for_transference",
    "ion_concentrations_ufl",
]
