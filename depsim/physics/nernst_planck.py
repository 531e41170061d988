"""Nernst–Planck transport of a binary salt (z+ = +1, z- = -1) in log-concentration variables.

Dimensionless (see :mod:`depsim.physics.scaling`), with u = ln(c/c0) and psi = phi / V_T::

    N+ = -d+ c (grad u + grad psi),    N- = -d- c- (grad u- - grad psi)

Under electroneutrality c+ = c- = c = exp(u). The unknowns (u, psi) are tested with (q, w):

    cation:   eps dc/dt + div N+ = 0
    current:  div (N+ - N-) = 0          (i_l = F (N+ - N-))

Each function returns the UFL integrand of one physical term so that the problem assembles them
and later physics (fixed charge, Poisson, ALE) adds terms instead of rewriting these.
"""

from __future__ import annotations

import ufl


def concentration(u):
    """c_hat = exp(u) (positive by construction)."""
    return ufl.exp(u)


def cation_flux(u, psi, d_plus):
    """Dimensionless cation flux N+ = -d+ c grad(u + psi)."""
    return -d_plus * ufl.exp(u) * ufl.grad(u + psi)


def anion_flux(u, psi, d_minus):
    """Dimensionless anion flux N- = -d- c grad(u - psi) (electroneutral c- = c+)."""
    return -d_minus * ufl.exp(u) * ufl.grad(u - psi)


def current_density(u, psi, d_plus, d_minus):
    """Dimensionless electrolyte current i_l / j0 = N+ - N-."""
    return cation_flux(u, psi, d_plus) - anion_flux(u, psi, d_minus)


def electric_field(psi):
    """Dimensionless field E_hat = -grad psi (E = E_hat V_T / L0)."""
    return -ufl.grad(psi)
