"""Nernst–Planck transport of a binary salt (z+ = +1, z- = -1): the one flux law of depsim.

Dimensionless (see :mod:`depsim.physics.scaling`): concentrations c_hat = c/c0, potentials over
V_T = RT/F, fluxes over the flux scale D0 c0 / L0. The flux of an ion is driven by the gradient
of its electrochemical potential mu (over RT)::

    N = -d c grad(mu),    mu+ = ln c+ + psi,    mu- = ln c- - psi

(d = D/D0). Every charge model writes its ion fluxes with :func:`flux`; they differ only in the
unknowns that give c and mu (electroneutral: u = ln s and chi, with the Donnan split of a fixed
charge; Poisson: u± = ln c± and psi), see :mod:`depsim.model`. The electrolyte current density
is i_l / j0 = N+ - N- (:func:`current_density`) and each ion obeys eps dc/dt + div N = 0 in the
bulk.
"""

from __future__ import annotations

import ufl

__all__ = ["current_density", "flux"]


def flux(diffusivity, concentration, electrochemical_potential, grad=ufl.grad):
    """Dimensionless ion flux N = -d c grad(mu) (UFL).

    ``diffusivity`` d = D/D0 (Constant, DG0 or float), ``concentration`` c/c0, and
    ``electrochemical_potential`` mu / RT = ln(c/c0) + z psi; ``grad`` the gradient to use
    (``grad_hat = L0 grad`` in the scaled problems).
    """
    return -diffusivity * concentration * grad(electrochemical_potential)


def current_density(cation_flux, anion_flux):
    """Dimensionless electrolyte current density i_l / j0 = N+ - N-."""
    return cation_flux - anion_flux
