"""Poisson–Nernst–Planck (PNP) terms for a binary salt (z+ = +1, z- = -1) with fixed and
surface charge, and the Gouy–Chapman reference solution.

Dimensional equations (docs/model.md sections 2 and 3)::

    eps_p dc±/dt + div N± = 0,      N± = -D± (grad c± ± c± grad phi / V_T)
    -div(eps0 eps_r grad phi) = F (c+ - c- + z_X X)
    eps0 eps_r grad phi . n = sigma          on a charged exterior boundary
    [[eps0 eps_r grad phi . n]] = sigma      on a charged internal facet (sum over both sides of
                                             the outward normal derivatives)

Both charge conditions give the same weak-form term, ``+ int sigma v ds`` (or ``dS``).

Dimensionless form (x = L0 x_hat, c = c0 c_hat, phi = V_T psi, u± = ln c±_hat; see
:mod:`depsim.physics.scaling`). With the Debye length lambda_D = sqrt(eps0 eps_r R T / (2 F^2 c0))
the Poisson equation becomes::

    -2 (lambda_D / L0)^2 lap_hat psi = c+_hat - c-_hat + z_X X / c0
    2 (lambda_D / L0)^2 grad_hat psi . n = sigma / (F c0 L0)

because eps0 eps_r V_T / (F c0 L0^2) = 2 (lambda_D / L0)^2. The coefficient
``kappa_hat = 2 (lambda_D / L0)^2`` is the dimensionless permittivity; sigma_hat = sigma / (F c0 L0)
is the surface charge over the charge of a c0 layer of thickness L0.

Each function returns one UFL integrand so the problem (:mod:`depsim.solver.poisson_problem`)
assembles them; ``grad`` is the scaled gradient the caller uses (``L0 * ufl.grad``).
"""

from __future__ import annotations

import math

import numpy as np
import ufl

from depsim.physics import frumkin, nernst_planck
from depsim.physics.constants import FARADAY, VACUUM_PERMITTIVITY, thermal_voltage
from depsim.physics.electrolyte import debye_length

__all__ = [
    "anion_flux",
    "boltzmann_residual",
    "cation_flux",
    "charge_density",
    "debye_length",
    "gouy_chapman_charge",
    "gouy_chapman_potential",
    "grahame_potential",
    "grahame_surface_charge",
    "permittivity_hat",
    "poisson_residual",
    "surface_charge_hat",
]


# --- scaling --------------------------------------------------------------------------------------
def permittivity_hat(relative_permittivity, c0: float, temperature: float, length: float):
    """kappa_hat = eps0 eps_r V_T / (F c0 L0^2) = 2 (lambda_D / L0)^2 [-].

    ``relative_permittivity`` may be a float or a UFL expression (region-wise eps_r); the
    result is of the same kind.
    """
    factor = VACUUM_PERMITTIVITY * thermal_voltage(temperature) / (FARADAY * c0 * length**2)
    return factor * relative_permittivity


def surface_charge_hat(sigma, c0: float, length: float):
    """sigma_hat = sigma / (F c0 L0) [-] for a surface charge ``sigma`` [C/m^2]."""
    return sigma / (FARADAY * c0 * length)


# --- UFL integrands -------------------------------------------------------------------------------
def cation_flux(u_plus, psi, d_plus, grad=ufl.grad):
    """Dimensionless cation flux N+ = -d+ c+ grad(u+ + psi) (:func:`nernst_planck.flux`)."""
    return nernst_planck.flux(d_plus, ufl.exp(u_plus), u_plus + psi, grad)


def anion_flux(u_minus, psi, d_minus, grad=ufl.grad):
    """Dimensionless anion flux N- = -d- c- grad(u- - psi) (:func:`nernst_planck.flux`)."""
    return nernst_planck.flux(d_minus, ufl.exp(u_minus), u_minus - psi, grad)


def charge_density(c_plus, c_minus, fixed_hat=None, z_fixed: float = -1.0):
    """Dimensionless space charge rho_hat = c+_hat - c-_hat + z_X X_hat (rho = F c0 rho_hat),
    from the ion concentrations c±/c0 (UFL)."""
    rho = c_plus - c_minus
    if fixed_hat is not None:
        rho = rho + z_fixed * fixed_hat
    return rho


def poisson_residual(psi, w, rho_hat, kappa_hat, grad=ufl.grad):
    """Integrand (dx_hat) of the Poisson equation tested with ``w``:
    kappa_hat grad psi . grad w - rho_hat w. Surface charges add ``- sigma_hat w`` on ds/dS."""
    return kappa_hat * ufl.inner(grad(psi), grad(w)) - rho_hat * w


def boltzmann_residual(u_plus, u_minus, psi, q_plus, q_minus):
    """Integrand (dx_hat) of the equilibrium (Boltzmann) relations u± = ∓psi, i.e. uniform
    electrochemical potentials equal to the reservoir's (u = psi = 0). Together with the Poisson
    equation this is the Poisson–Boltzmann problem."""
    return (u_plus + psi) * q_plus + (u_minus - psi) * q_minus


# --- Gouy–Chapman reference (numpy, SI) -----------------------------------------------------------
def grahame_potential(sigma: float, c0: float, relative_permittivity: float, temperature: float):
    """Diffuse-layer (wall) potential psi_0 [V] of a wall with surface charge ``sigma`` [C/m^2]:
    sigma = sqrt(8 eps0 eps_r R T c0) sinh(psi_0 / (2 V_T)) (Grahame's relation, written once
    in :func:`depsim.physics.frumkin.diffuse_layer_potential`)."""
    return float(frumkin.diffuse_layer_potential(sigma, c0, relative_permittivity, temperature))


def grahame_surface_charge(psi0: float, c0: float, relative_permittivity: float, temperature):
    """Inverse of :func:`grahame_potential`: sigma [C/m^2] for a wall potential psi_0 [V]."""
    return float(frumkin.surface_charge(psi0, c0, relative_permittivity, temperature))


def gouy_chapman_potential(x, psi0: float, c0: float, relative_permittivity: float, temperature):
    """Gouy–Chapman potential phi(x) [V] at distance ``x`` [m] from a flat charged wall at wall
    potential ``psi0`` [V] (semi-infinite 1:1 electrolyte, phi -> 0 in the bulk):
    tanh(phi / 4V_T) = tanh(psi_0 / 4V_T) exp(-x / lambda_D)."""
    V_T = thermal_voltage(temperature)
    lam = debye_length(c0, relative_permittivity, temperature)
    g = math.tanh(psi0 / (4.0 * V_T)) * np.exp(-np.asarray(x, dtype=float) / lam)
    return 4.0 * V_T * np.arctanh(g)


def gouy_chapman_charge(sigma: float) -> float:
    """Diffuse charge per wall area F int (c+ - c-) dx [C/m^2] that screens ``sigma``: -sigma."""
    return -sigma
