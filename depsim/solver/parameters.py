"""Model parameters in SI units, resolved from a case (or built directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from depsim.physics import electrolyte


@dataclass(frozen=True)
class ModelParameters:
    """Everything the electroneutral solver needs, SI units.

    Attributes
    ----------
    c0: bulk (initial) salt concentration [mol/m^3].
    temperature: [K].
    D_cation, D_anion: ionic diffusivities [m^2/s] (free electrolyte).
    i0: exchange current density [A/m^2].
    alpha_a, alpha_c: anodic and cathodic transfer coefficients [-].
    kinetics: "butler-volmer" | "linear" | "frumkin".
    c_ref: reference concentration of the kinetics (U = 0 there) [mol/m^3].
    mode: "galvanostatic" | "potentiostatic".
    current_density: applied current density [A/m^2], positive = plating on the bottom Li.
    potential: potential of the top (reservoir electrolyte or counter Li) relative to the
        grounded bottom Li [V]; positive drives plating.
    counter: "reservoir" (c = c0 and phi fixed on top) | "electrode" (Li counter electrode on top).
    porosity: storage factor eps_p [-] (1 for free electrolyte).
    element_degree: Lagrange degree of (u, psi).
    length_scale: L0 [m] of the nondimensionalisation.
    """

    c0: float = 2500.0
    temperature: float = 298.15
    D_cation: float = 1.0e-10
    D_anion: float = 1.5e-10
    i0: float = 6.4
    alpha_a: float = 0.5
    alpha_c: float = 0.5
    kinetics: str = "butler-volmer"
    c_ref: float | None = None
    mode: str = "galvanostatic"
    current_density: float = 5.0
    potential: float = 0.5
    counter: str = "reservoir"
    porosity: float = 1.0
    element_degree: int = 1
    length_scale: float = 1.0e-6

    @property
    def reference_concentration(self) -> float:
        """c_ref [mol/m^3]; defaults to the bulk concentration."""
        return self.c0 if self.c_ref is None else self.c_ref

    @property
    def transference_number(self) -> float:
        return electrolyte.transference_number(self.D_cation, self.D_anion)

    @property
    def diffusivity_scale(self) -> float:
        """D0 [m^2/s]: the larger ionic diffusivity."""
        return max(self.D_cation, self.D_anion)

    def with_(self, **changes) -> ModelParameters:
        return replace(self, **changes)

    @classmethod
    def from_case(cls, case) -> ModelParameters:
        """Resolve a validated :class:`depsim.case.Case` into solver parameters."""
        D_plus, D_minus = case.diffusivities()
        return cls(
            c0=case.electrolyte.concentration,
            temperature=case.electrolyte.temperature,
            D_cation=D_plus,
            D_anion=D_minus,
            i0=case.electrode.exchange_current_density,
            alpha_a=case.electrode.alpha_a,
            alpha_c=case.electrode.alpha_c,
            kinetics=case.electrode.kinetics,
            c_ref=case.reference_concentration,
            mode=case.operation.mode,
            current_density=case.current_density,
            potential=case.operation.potential,
            counter=case.operation.counter,
            element_degree=case.model.element_degree,
        )
