"""Physical constants (CODATA 2018, exact where defined) in SI units."""

FARADAY = 96485.33212  # C/mol
GAS_CONSTANT = 8.314462618  # J/(mol K)
VACUUM_PERMITTIVITY = 8.8541878128e-12  # F/m
BOLTZMANN = 1.380649e-23  # J/K (exact, SI 2019)
AVOGADRO = 6.02214076e23  # 1/mol (exact, SI 2019)
LI_MOLAR_MASS = 6.941e-3  # kg/mol
LI_DENSITY = 534.0  # kg/m^3
LI_MOLAR_VOLUME = LI_MOLAR_MASS / LI_DENSITY  # m^3/mol (1.300e-5)


def thermal_voltage(temperature: float) -> float:
    """V_T = R T / F [V] at ``temperature`` [K] (25.69 mV at 298.15 K)."""
    return GAS_CONSTANT * temperature / FARADAY
