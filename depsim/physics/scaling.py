"""Nondimensionalisation used inside the solver (inputs and outputs stay SI).

x_hat = x / L0, t_hat = t D0 / L0^2, c_hat = c / c0, psi = phi / V_T, and current densities
over j0 = F D0 c0 / L0. Forms are written in hatted variables on a mesh whose coordinates are in
metres, so ``grad_hat = L0 grad`` and ``dx_hat = dx / L0^d``.
"""

from __future__ import annotations

from dataclasses import dataclass

from depsim.physics.constants import FARADAY, thermal_voltage


@dataclass(frozen=True)
class Scales:
    """Reference scales: length L0 [m], diffusivity D0 [m^2/s], concentration c0 [mol/m^3],
    temperature T [K]."""

    length: float
    diffusivity: float
    concentration: float
    temperature: float

    @property
    def time(self) -> float:
        """t0 = L0^2 / D0 [s]."""
        return self.length**2 / self.diffusivity

    @property
    def thermal_voltage(self) -> float:
        """V_T = R T / F [V]."""
        return thermal_voltage(self.temperature)

    @property
    def current_density(self) -> float:
        """j0 = F D0 c0 / L0 [A/m^2]."""
        return FARADAY * self.diffusivity * self.concentration / self.length

    @property
    def flux(self) -> float:
        """Molar flux scale D0 c0 / L0 [mol/(m^2 s)]."""
        return self.diffusivity * self.concentration / self.length
