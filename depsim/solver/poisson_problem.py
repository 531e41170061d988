"""The Poisson–Nernst–Planck (PNP) / Butler–Volmer problem (``model.charge = "poisson"``).

:class:`PoissonNernstPlanckProblem` is the composed transport problem
(:class:`~depsim.model.transport.CellProblem`) with the Poisson charge model
(:class:`~depsim.model.poisson.PoissonCharge`): unknowns u± = ln(c±/c0) and psi = phi_l / V_T,
plus the galvanostatic cell potential. Equations: the cation and anion balances and Gauss's law
with the space charge, fixed charge and surface charges; the initial state is the
Poisson–Boltzmann equilibrium with the reservoir. A reservoir top is required. See
docs/model.md.
"""

from __future__ import annotations

from depsim.geometry import debye as debye_mesh
from depsim.model.poisson import PoissonCharge
from depsim.model.transport import CellProblem
from depsim.physics.constants import FARADAY

ELECTRODE_MODES = ("reaction", "blocking")

__all__ = ["PoissonNernstPlanckProblem"]


class PoissonNernstPlanckProblem(CellProblem):
    """Binary-salt PNP transport with the case's kinetics on the bottom Li.

    Parameters: those of :class:`~depsim.model.transport.CellProblem` (``mesh``,
    ``facet_tags``, ``params`` with ``counter = "reservoir"``, ``markers``,
    ``projected_area``, ``cell_tags``, ``moving_mesh``) and of
    :class:`~depsim.model.poisson.PoissonCharge` (``relative_permittivity``,
    ``fixed_charge`` [mol/m^3], ``fixed_charge_valence``, ``surface_charge`` {tag or name:
    sigma [C/m^2]}, ``resolution``, ``per_debye``, ``ion_size`` [m], Bikerman's finite ion
    size, default ``params.ion_size``); ``electrode``: "reaction"
    (the kinetics law, default) or "blocking" (an inert or charged wall, no constraint).

    From the parameters: a separator gives d±, porosity and its signed fixed charge X_s
    (Poisson source c+ - c- + X_s); charged sites along the Li give
    ``surface_charge = {"electrode": sigma(x)}`` (a P1 function) unless ``surface_charge`` is
    given. Their charge is resolved, not put in a Frumkin factor: ``kinetics = "frumkin"`` is
    Butler–Volmer at the reaction plane here.
    """

    def __init__(
        self,
        mesh,
        facet_tags,
        params,
        markers: dict[str, int] | None = None,
        projected_area: float | None = None,
        *,
        relative_permittivity=None,
        fixed_charge=None,
        fixed_charge_valence: float = -1.0,
        surface_charge: dict | None = None,
        electrode: str = "reaction",
        resolution: str = "warn",
        per_debye: float = debye_mesh.PER_DEBYE,
        ion_size: float | None = None,
        cell_tags=None,
        moving_mesh: bool = False,
    ):
        if electrode not in ELECTRODE_MODES:
            raise ValueError(f"electrode must be one of {ELECTRODE_MODES}, got {electrode!r}")
        charge = PoissonCharge(
            relative_permittivity=relative_permittivity,
            fixed_charge=fixed_charge,
            fixed_charge_valence=fixed_charge_valence,
            surface_charge=surface_charge,
            resolution=resolution,
            per_debye=per_debye,
            ion_size=ion_size,
        )
        super().__init__(
            mesh,
            facet_tags,
            params,
            charge,
            markers=markers,
            projected_area=projected_area,
            cell_tags=cell_tags,
            moving_mesh=moving_mesh,
            reacting=electrode == "reaction",
        )

    def add_terms(self, cation=None, anion=None, poisson=None) -> None:  # type: ignore[override]
        """Add UFL terms (tested with (q+, q-, w)) to the cation, anion and Poisson equations
        and recompile."""
        super().add_terms(cation=cation, anion=anion, poisson=poisson)

    def cation_amount(self) -> float:
        """int eps c+ dx [mol per m^(3-d)]."""
        sc = self.scales
        return self._assemble(self._cation_form) * sc.concentration * sc.length**self.tdim

    def space_charge(self) -> float:
        """F int (c+ - c- + z_X X) dx [C per m^(3-d)]: the diffuse (and fixed) charge, which
        screens the surface charges: equals -sum(sigma |facets|) at equilibrium."""
        sc = self.scales
        return self._assemble(self._charge_form) * FARADAY * sc.concentration * sc.length**self.tdim
