"""Binary-salt electrolyte relations (z+ = +1, z- = -1), SI units.

Nernst–Einstein mapping between measured (conductivity, transference number) and ionic
diffusivities, the salt (ambipolar) diffusivity, the 1D limiting current and the Debye length.
"""

from __future__ import annotations

import numpy as np

from depsim.physics import concentrated
from depsim.physics.constants import FARADAY, GAS_CONSTANT, VACUUM_PERMITTIVITY


def transference_number(D_cation: float, D_anion: float) -> float:
    """Cation transference number t+ = D+ / (D+ + D-) of a dilute binary salt [-]."""
    return D_cation / (D_cation + D_anion)


def conductivity(
    D_cation: float, D_anion: float, concentration: float, temperature: float
) -> float:
    """Nernst–Einstein conductivity kappa = F^2 c (D+ + D-) / (R T) [S/m]."""
    return FARADAY**2 * concentration * (D_cation + D_anion) / (GAS_CONSTANT * temperature)


def nernst_einstein(
    kappa: float, t_plus: float, concentration: float, temperature: float
) -> tuple[float, float]:
    """Ionic diffusivities (D+, D-) [m^2/s] from conductivity ``kappa`` [S/m] and t+ at c0.

    D+ = t+ kappa R T / (F^2 c0),  D- = (1 - t+) kappa R T / (F^2 c0).
    """
    base = kappa * GAS_CONSTANT * temperature / (FARADAY**2 * concentration)
    return t_plus * base, (1.0 - t_plus) * base


def salt_diffusivity(D_cation: float, D_anion: float) -> float:
    """Ambipolar salt diffusivity D = 2 D+ D- / (D+ + D-) [m^2/s]."""
    return 2.0 * D_cation * D_anion / (D_cation + D_anion)


def limiting_current(D_cation: float, D_anion: float, concentration: float, length: float) -> float:
    """1D limiting plating current density i_lim = F D c0 / ((1 - t+) L) [A/m^2]."""
    return concentrated.limiting_current(
        salt_diffusivity(D_cation, D_anion),
        transference_number(D_cation, D_anion),
        concentration,
        length,
    )


def sand_time(D_cation: float, D_anion: float, concentration: float, current: float) -> float:
    """Sand's time t_S = pi D (F c0)^2 / (4 ((1 - t+) i)^2) [s] at plating current i [A/m^2]."""
    return concentrated.sand_time(
        salt_diffusivity(D_cation, D_anion),
        transference_number(D_cation, D_anion),
        concentration,
        current,
    )


def debye_length(concentration, relative_permittivity: float, temperature: float):
    """Debye length lambda_D = sqrt(eps0 eps_r R T / (2 F^2 c)) [m] of a 1:1 salt
    (``concentration`` [mol/m^3], a number or an array)."""
    eps = VACUUM_PERMITTIVITY * relative_permittivity
    c = np.asarray(concentration, dtype=float)
    return np.sqrt(eps * GAS_CONSTANT * temperature / (2.0 * FARADAY**2 * c))
