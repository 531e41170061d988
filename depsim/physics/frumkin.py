"""Frumkin correction of the Li kinetics by charged sites at the reaction plane.

Physics (docs/model.md §4; Biesheuvel, van Soestbergen & Bazant, Electrochim. Acta 54, 4857
(2009)). A charged site of surface charge density ``sigma`` [C/m^2] next to the Li carries a
diffuse layer whose potential drop psi_d (potential of the reaction plane minus the potential of
the electroneutral electrolyte just outside the diffuse layer) follows Gouy–Chapman–Grahame::

    sigma = sqrt(8 eps0 eps_r R T c) sinh(psi_d / (2 V_T))
    psi_d = 2 V_T asinh(sigma / sqrt(8 eps0 eps_r R T c)) = 2 V_T asinh(sigma / (4 F c lambda_D))

with lambda_D = sqrt(eps0 eps_r R T / (2 F^2 c)) the Debye length of the 1:1 salt at c.

**Sign convention.** psi_d has the sign of sigma: a negative site (N1-like, attracting Li+) has
psi_d < 0, a positive site (N2-like, repelling Li+) has psi_d > 0.

**Exact form used (both branches).** The reaction Li+ + e- <-> Li takes place at the reaction
plane, where the Li+ concentration is c+ exp(-psi_d/V_T) (Boltzmann) and the potential step
driving the electron transfer is eta - psi_d (eta = phi_s - phi_l - U, phi_l outside the diffuse
layer). Inserting both into concentration-dependent Butler–Volmer::

    i_BV = i0 [ exp(alpha_a (eta - psi_d)/V_T)
                - (c+/c_ref) exp(-psi_d/V_T) exp(-alpha_c (eta - psi_d)/V_T) ]
         = exp(-alpha_a psi_d/V_T) * i0 [exp(alpha_a eta/V_T) - (c+/c_ref) exp(-alpha_c eta/V_T)]

(using alpha_a + alpha_c = 1). So the Frumkin correction is *exactly* a factor
``f = exp(-alpha_a psi_d / V_T)`` on the exchange current density, common to the anodic and the
cathodic branch; the equilibrium potential is unchanged. Negative sites (psi_d < 0) raise i0,
positive sites lower it. Example (docs/model.md §4): |sigma| = 0.05 C/m^2, c = 2500 mol/m^3,
eps_r = 20, T = 298.15 K, alpha_a = 0.5: |psi_d| = 26.26 mV, f = 1.667 on negative (N1) sites
and f = 0.600 on positive (N2) sites (:func:`exchange_current_factor`; tested in
``tests/verification/test_separator_frumkin.py``).

**Concentration in the Grahame relation.** depsim evaluates psi_d with the bulk concentration c0
of the electrolyte (``electrolyte.concentration``), not the local surface concentration, so the
factor is a fixed function of the position along the electrode and the kinetics stay as
(non)linear as plain Butler–Volmer. This is accurate while the surface concentration stays close
to c0 (|ln(c_s/c0)| small; psi_d depends on c only through asinh(sigma/sqrt(c))).

The functions accept numpy arrays (vectorised) and are the single place where this law is
written: the solver (:mod:`depsim.solver.problem`), the post-processing of ``i_n``
(:mod:`depsim.run`) and the tests use them.
"""

from __future__ import annotations

import numpy as np

from depsim.physics import electrolyte
from depsim.physics.constants import GAS_CONSTANT, VACUUM_PERMITTIVITY, thermal_voltage


def grahame_scale(concentration, relative_permittivity: float, temperature: float):
    """sqrt(8 eps0 eps_r R T c) = 4 F c lambda_D [C/m^2] (concentration in mol/m^3)."""
    c = np.asarray(concentration, dtype=float)
    eps = VACUUM_PERMITTIVITY * relative_permittivity
    return np.sqrt(8.0 * eps * GAS_CONSTANT * temperature * c)


def diffuse_layer_potential(
    sigma, concentration, relative_permittivity: float = 20.0, temperature: float = 298.15
):
    """Diffuse-layer potential psi_d [V] of a site with surface charge ``sigma`` [C/m^2] in a 1:1
    electrolyte of ``concentration`` [mol/m^3] (Grahame); same sign as ``sigma``."""
    V_T = thermal_voltage(temperature)
    scale = grahame_scale(concentration, relative_permittivity, temperature)
    return 2.0 * V_T * np.arcsinh(np.asarray(sigma, dtype=float) / scale)


def surface_charge(
    psi_d, concentration, relative_permittivity: float = 20.0, temperature: float = 298.15
):
    """Inverse of :func:`diffuse_layer_potential`: sigma [C/m^2] for psi_d [V] (Grahame)."""
    V_T = thermal_voltage(temperature)
    scale = grahame_scale(concentration, relative_permittivity, temperature)
    return scale * np.sinh(np.asarray(psi_d, dtype=float) / (2.0 * V_T))


def exchange_current_factor(
    sigma,
    concentration,
    relative_permittivity: float = 20.0,
    temperature: float = 298.15,
    alpha_a: float = 0.5,
):
    """Frumkin factor f = exp(-alpha_a psi_d / V_T) on i0 (both branches) [-].

    f > 1 on negatively charged sites (sigma < 0), f < 1 on positive sites; f = 1 for sigma = 0.
    """
    V_T = thermal_voltage(temperature)
    psi_d = diffuse_layer_potential(sigma, concentration, relative_permittivity, temperature)
    return np.exp(-alpha_a * psi_d / V_T)


def debye_length(concentration, relative_permittivity: float = 20.0, temperature: float = 298.15):
    """lambda_D [m] (:func:`depsim.physics.electrolyte.debye_length`, with this module's
    defaults eps_r = 20 and T = 298.15 K)."""
    return electrolyte.debye_length(concentration, relative_permittivity, temperature)


__all__ = [
    "debye_length",
    "diffuse_layer_potential",
    "exchange_current_factor",
    "grahame_scale",
    "surface_charge",
]
