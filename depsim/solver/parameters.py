"""Model parameters in SI units, resolved from a case (or built directly in tests)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from depsim.physics import electrolyte
from depsim.physics import separator as separator_physics
from depsim.physics.electrolyte_library import Electrolyte
from depsim.physics.exchange_current import ExchangeCurrentPattern
from depsim.physics.kinetics import KineticsParameters
from depsim.physics.phase_field import PhaseFieldParameters
from depsim.physics.sites import SiteSpec


@dataclass(frozen=True)
class RegionProperties:
    """Transport properties of one region (SI).

    Attributes
    ----------
    D_cation, D_anion: effective ionic diffusivities [m^2/s] (superficial fluxes).
    porosity: storage factor eps_p [-].
    fixed_charge: X [mol/m^3 of pore volume], signed: c- = c+ + X (X < 0: negative matrix).
    transport: the property functions kappa, D, t+0, TDF of (c [mol/m^3], T [K]) of
        ``electrolyte_model = "concentrated"`` (a
        :class:`~depsim.physics.electrolyte_library.Electrolyte`, effective values), or None
        (dilute: D+, D-). D+ and D- are then the Nernst-Einstein equivalents of kappa and t+0 at
        c0 (diffusivity scale, diagnostics).
    """

    D_cation: float
    D_anion: float
    porosity: float = 1.0
    fixed_charge: float = 0.0
    transport: Electrolyte | None = None

    @property
    def transference_number(self) -> float:
        """t+ = D+/(D+ + D-) of the uncharged pore liquid [-]."""
        return electrolyte.transference_number(self.D_cation, self.D_anion)

    def conductivity(self, c0: float, temperature: float) -> float:
        """Nernst–Einstein conductivity at c0 (ideal Donnan with a fixed charge) [S/m]."""
        return separator_physics.donnan_conductivity(
            self.D_cation, self.D_anion, c0, self.fixed_charge, temperature
        )


@dataclass(frozen=True)
class ModelParameters(KineticsParameters):
    """Everything the electroneutral solver needs, SI units.

    Attributes
    ----------
    c0: bulk (initial) salt concentration [mol/m^3].
    temperature: [K].
    D_cation, D_anion: ionic diffusivities [m^2/s] (free electrolyte).
    i0: (reference) exchange current density [A/m^2].
    i0_pattern: :class:`depsim.physics.exchange_current.ExchangeCurrentPattern` i0(x) along the
        bottom Li (``i0`` is then its reference value), or None for a uniform i0.
    alpha_a, alpha_c: anodic and cathodic transfer coefficients [-].
    kinetics: a registered law name (:func:`depsim.physics.kinetics.names`).
    reorganization_energy: lambda [J per particle] of "marcus-hush-chidsey" kinetics.
    double_layer_capacitance: C_dl [F/m^2] of the bottom Li (0: no double-layer charging).
    c_ref: reference concentration of the kinetics (U = 0 there) [mol/m^3].
    mode: "galvanostatic" | "potentiostatic".
    current_density: applied current density [A/m^2], positive = plating on the bottom Li.
    potential: potential of the top (reservoir electrolyte or counter Li) relative to the
        grounded bottom Li [V]; positive drives plating.
    counter: "reservoir" (c = c0 and phi fixed on top) | "electrode" (Li counter electrode on top).
    porosity: storage factor eps_p [-] (1 for free electrolyte).
    element_degree: Lagrange degree of (u, psi).
    length_scale: L0 [m] of the nondimensionalisation.
    separator: :class:`RegionProperties` of the separator region, or None (no separator).
        ``D_cation``, ``D_anion`` and ``porosity`` above are then those of the free electrolyte.
    separator_fills_cell: True when the separator fills the whole cell (a case with
        ``[separator]`` but no separator cells in the mesh); False: the separator is the cells
        tagged SEPARATOR (:data:`depsim.geometry.markers.SEPARATOR`).
    sites: charged sites along the Li (:class:`depsim.physics.sites.SiteSpec`), used by
        ``kinetics = "frumkin"``; from a case each carries the case's element size at the Li
        (``element_size``), which scales the tolerance of its edges.
    relative_permittivity: eps_r of the electrolyte [-] (Frumkin / Grahame).
    ion_size: a [m] of Bikerman's finite-ion-size term in the Poisson model
        (:mod:`depsim.physics.steric`); 0: dilute (point) ions.
    electrolyte_model: "dilute" (Nernst–Planck with D+, D-) or "concentrated" (Newman, with
        ``electrolyte_properties`` and the separator's ``transport``; docs/model.md §2b).
    electrolyte_properties: the free electrolyte's property functions (concentrated model).
    phase_field: the diffuse Li surface of ``model.growth = "phase-field"``
        (:class:`~depsim.physics.phase_field.PhaseFieldParameters`), or None (a sharp Li
        surface: the mesh boundary).
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
    separator: RegionProperties | None = None
    separator_fills_cell: bool = False
    sites: tuple[SiteSpec, ...] = ()
    relative_permittivity: float = 20.0
    ion_size: float = 0.0
    i0_pattern: ExchangeCurrentPattern | None = None
    reorganization_energy: float | None = None
    double_layer_capacitance: float = 0.0
    electrolyte_model: str = "dilute"
    electrolyte_properties: Electrolyte | None = None
    phase_field: PhaseFieldParameters | None = None

    @property
    def transference_number(self) -> float:
        return electrolyte.transference_number(self.D_cation, self.D_anion)

    @property
    def diffusivity_scale(self) -> float:
        """D0 [m^2/s]: the largest ionic diffusivity of the regions present."""
        values = [self.D_cation, self.D_anion]
        if self.separator is not None:
            values = [self.separator.D_cation, self.separator.D_anion]
            if not self.separator_fills_cell:
                values += [self.D_cation, self.D_anion]
        return max(values)

    @property
    def electrolyte_region(self) -> RegionProperties:
        """Properties of the free-electrolyte region (no fixed charge)."""
        return RegionProperties(
            self.D_cation, self.D_anion, self.porosity, 0.0, self.electrolyte_properties
        )

    @property
    def has_fixed_charge(self) -> bool:
        return self.separator is not None and self.separator.fixed_charge != 0.0

    @property
    def frumkin_sites(self) -> bool:
        """True when the kinetics carry a position-dependent Frumkin factor."""
        from depsim.physics.sites import has_charge

        return self.kinetics_law.uses_sites and has_charge(self.sites)

    def with_(self, **changes) -> ModelParameters:
        return replace(self, **changes)

    @classmethod
    def from_case(cls, case, mesh_has_separator: bool | None = None) -> ModelParameters:
        """Resolve a validated :class:`depsim.case.Case` into solver parameters.

        ``mesh_has_separator``: whether the mesh has cells tagged SEPARATOR (None: assume so
        exactly when the case has ``[geometry.separator]``). A ``[separator]`` without separator
        cells fills the whole cell.
        """
        D_plus, D_minus = case.diffusivities()
        sep_props, fills, sites = None, False, ()
        sep = case.separator
        el_props = sep_transport = None
        c0, T = case.electrolyte.concentration, case.electrolyte.temperature
        if case.electrolyte.model == "concentrated":
            from depsim.case.concentrated import electrolyte_properties, separator_properties

            el_props = electrolyte_properties(case)
            D_plus, D_minus = _nernst_einstein_equivalent(el_props, c0, T)
            if sep is not None:
                sep_transport, _ = separator_properties(case, el_props)
        if sep is not None:
            Dsp, Dsm = case.separator_diffusivities()
            if sep_transport is not None:
                Dsp, Dsm = _nernst_einstein_equivalent(sep_transport, c0, T)
            porosity = float(sep.porosity if sep.porosity is not None else 1.0)
            sep_props = RegionProperties(
                D_cation=Dsp,
                D_anion=Dsm,
                porosity=porosity,
                fixed_charge=separator_physics.fixed_charge_concentration(
                    sep.fixed_charge, porosity
                ),
                transport=sep_transport,
            )
            if mesh_has_separator is None:
                mesh_has_separator = case.geometry.separator is not None
            fills = not mesh_has_separator
            # site edges are decided with a tolerance relative to the mesh size at the Li
            # (depsim.physics.sites): the finest element size the case asks for
            mesh = case.geometry.mesh
            h = min(float(mesh.electrode_size), float(mesh.size))
            sites = tuple(replace(SiteSpec.from_case(s), element_size=h) for s in sep.sites)
        return cls(
            c0=case.electrolyte.concentration,
            temperature=case.electrolyte.temperature,
            D_cation=D_plus,
            D_anion=D_minus,
            i0=case.electrode.i0,
            i0_pattern=(
                None
                if case.electrode.i0_pattern is None
                else ExchangeCurrentPattern.from_case(
                    case.electrode.i0_pattern,
                    element_size=min(case.geometry.mesh.electrode_size, case.geometry.mesh.size),
                )
            ),
            alpha_a=case.electrode.alpha_a,
            alpha_c=case.electrode.alpha_c,
            kinetics=case.electrode.kinetics,
            reorganization_energy=case.electrode.reorganization_energy,
            double_layer_capacitance=case.electrode.double_layer_capacitance,
            c_ref=case.reference_concentration,
            mode=case.operation.mode,
            current_density=case.current_density,
            potential=case.operation.potential,
            counter=case.operation.counter,
            element_degree=case.model.element_degree,
            separator=sep_props,
            separator_fills_cell=fills,
            sites=sites,
            relative_permittivity=case.electrolyte.relative_permittivity,
            ion_size=case.model.ion_size or 0.0,
            electrolyte_model=case.electrolyte.model,
            electrolyte_properties=el_props,
        )


def _nernst_einstein_equivalent(props: Electrolyte, c0: float, T: float) -> tuple[float, float]:
    """(D+, D-) [m^2/s] of an ideal salt with the conductivity and t+0 of ``props`` at c0."""
    t0 = props.transference_number(c0, T)
    return electrolyte.nernst_einstein(props.conductivity(c0, T), t0, c0, T)
