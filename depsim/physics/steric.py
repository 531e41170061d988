"""Finite ion size in the diffuse layer: Bikerman's lattice-gas model (modified PNP).

Kilic, Bazant and Ajdari, "Steric effects in the dynamics of electrolytes at large applied
voltages", Phys. Rev. E 75, 021502 (double-layer charging, the modified Poisson–Boltzmann
equilibrium) and 021503 (the modified Poisson–Nernst–Planck equations), 2007;
doi:10.1103/PhysRevE.75.021502 and 10.1103/PhysRevE.75.021503.

Ions of both signs occupy cubes of side ``a`` on a lattice. Their electrochemical potentials
(over RT) gain the entropy of the empty sites::

    mu± = ln(c±/c0) ± psi - ln[(1 - a^3 N_A (c+ + c-)) / (1 - nu)],   nu = 2 a^3 N_A c0

(referenced so that mu± = 0 in the uncharged bulk at c0), and the fluxes stay
N± = -D± c± grad(mu±) (:mod:`depsim.physics.nernst_planck`). ``nu`` is the bulk volume fraction
of ions; nu -> 0 recovers the dilute (Boltzmann) model. At equilibrium with the bulk,

    c± = c0 e^(∓psi) / (1 + 2 nu sinh^2(psi/2)),

so no concentration exceeds 1/(a^3 N_A) however large the potential, and the charge of a
diffuse layer with wall potential psi_D (over V_T, against the bulk) is

    q = -sgn(psi_D) 2 F c0 lambda_D sqrt((2/nu) ln(1 + 2 nu sinh^2(psi_D/2)))

(Kilic et al. 2007a, their Eq. 7; lambda_D from
:func:`depsim.physics.electrolyte.debye_length`);
the wall carries sigma = -q.

In depsim's Poisson model the unknowns u± are the *log activities* u± = mu± ∓ psi (for dilute
ions u± = ln(c±/c0)). Inverting the definition gives the concentrations in closed form,

    c±/c0 = e^(u±) / ((1 - nu) + (nu/2)(e^(u+) + e^(u-)))          (:func:`concentrations`)

which never exceed the lattice's 2/nu whatever the iterate, so Newton cannot leave the
admissible set, and the fluxes and the equilibrium (u± = ∓psi) keep their dilute form.

Why it matters here: at 2.5 mol/L lambda_D (~0.1 nm) is below the size of a solvated ion, so the
dilute diffuse layer would pack ions closer than they fit; the Bikerman term caps that.
"""

from __future__ import annotations

import math

import numpy as np

from depsim.physics.constants import AVOGADRO, FARADAY
from depsim.physics.electrolyte import debye_length

__all__ = [
    "concentrations",
    "crowding_potential",
    "equilibrium_concentrations",
    "packing_fraction",
    "surface_charge",
    "wall_potential",
]


def packing_fraction(ion_size: float, c0: float) -> float:
    """nu = 2 a^3 N_A c0 [-]: the volume fraction the ions of a c0 [mol/m^3] salt fill, for
    ions of size ``ion_size`` a [m]. Must be below 1."""
    return 2.0 * ion_size**3 * AVOGADRO * c0


def crowding_potential(c_plus_hat, c_minus_hat, nu: float, log=np.log):
    """The steric part of mu± (over RT): -ln[(1 - nu (c+_hat + c-_hat)/2) / (1 - nu)], with
    c_hat = c/c0. ``log``: the logarithm of the backend (``ufl.ln`` in weak forms)."""
    return -log((1.0 - 0.5 * nu * (c_plus_hat + c_minus_hat)) / (1.0 - nu))


def concentrations(u_plus, u_minus, nu: float, exp=np.exp):
    """(c+/c0, c-/c0) from the log activities u± (UFL or numpy; ``exp`` of the backend):
    c±/c0 = e^(u±) / ((1 - nu) + (nu/2)(e^(u+) + e^(u-))); nu = 0 gives e^(u±)."""
    ep, em = exp(u_plus), exp(u_minus)
    if nu == 0.0:
        return ep, em
    denom = (1.0 - nu) + 0.5 * nu * (ep + em)
    return ep / denom, em / denom


def equilibrium_concentrations(psi_hat, nu: float):
    """(c+_hat, c-_hat) in equilibrium with the bulk at potential ``psi_hat`` = phi / V_T."""
    psi = np.asarray(psi_hat, dtype=float)
    denom = 1.0 + 2.0 * nu * np.sinh(0.5 * psi) ** 2
    return np.exp(-psi) / denom, np.exp(psi) / denom


def surface_charge(
    psi_wall: float, c0: float, relative_permittivity: float, temperature: float, nu: float
) -> float:
    """sigma [C/m^2] of a wall whose diffuse layer has the potential ``psi_wall`` [V] against
    the bulk (Bikerman's modified Grahame relation; nu = 0 gives Grahame's)."""
    from depsim.physics.constants import thermal_voltage

    lam = debye_length(c0, relative_permittivity, temperature)
    x = psi_wall / thermal_voltage(temperature)
    s2 = math.sinh(0.5 * x) ** 2
    root = 2.0 * math.sqrt(s2) if nu == 0.0 else math.sqrt((2.0 / nu) * math.log1p(2.0 * nu * s2))
    return math.copysign(2.0 * FARADAY * c0 * lam * root, x)


def wall_potential(
    sigma: float, c0: float, relative_permittivity: float, temperature: float, nu: float
) -> float:
    """Inverse of :func:`surface_charge`: the diffuse-layer potential [V] of a wall charge
    ``sigma`` [C/m^2] (bisection)."""
    from depsim.physics.constants import thermal_voltage

    V_T = thermal_voltage(temperature)
    lo, hi = -60.0 * V_T, 60.0 * V_T
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if surface_charge(mid, c0, relative_permittivity, temperature, nu) < sigma:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
