"""The charge model: the strategy that decides how the electric potential is found.

A transport problem (:class:`depsim.model.transport.CellProblem`) always conserves the two ions
of the binary salt,

    eps d c±/dt + div N± = 0,   N± = -d± c± grad(mu±)     (:mod:`depsim.physics.nernst_planck`)

and closes the system with a statement about charge. The *charge model* makes that statement and
owns everything that follows from it:

- its **fields** (the unknowns of the mixed space, any number of them) and how the ions'
  concentrations and electrochemical potentials are written in them (:meth:`ChargeModel.species`);
- its **equations**, one per field, each a linear combination of the cation and anion balances
  (:class:`Equation`) plus the model's own terms (:meth:`ChargeModel.own_terms`: Gauss's law);
- the **initial state** it is consistent with (:meth:`ChargeModel.initial_residual`);
- what an electrode reaction sees at the reaction plane (:meth:`ChargeModel.reaction_plane`).

The composed problem writes storage, Nernst–Planck fluxes, the moving-mesh (ALE) term and the
electrode and reservoir parts once, for any charge model, from these declarations.

Two models exist: :class:`~depsim.model.electroneutral.ElectroneutralCharge` (c+ = c- - X, the
current is divergence-free; fields u = ln s, chi) and :class:`~depsim.model.poisson.PoissonCharge`
(Gauss's law; fields u+, u-, psi).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ChargeModel", "Equation", "Species"]


@dataclass(frozen=True)
class Equation:
    """One equation of a charge model, tested with the test function of the same index.

    ``cation``, ``anion``: weights of the cation and anion balances in it (their fluxes,
    their electrode sources and, when ``transient``, their storage and ALE terms).
    ``transient``: the equation carries the storage term (a time derivative); while the
    initial state is solved (``init = 1``) it is replaced by the model's initial residual.
    An equation with ``transient`` False is algebraic (the potential's equation).
    """

    name: str
    cation: float
    anion: float
    transient: bool


@dataclass(frozen=True)
class Species:
    """The ions in the fields of one time level (UFL, dimensionless).

    ``c_plus``, ``c_minus``: c±/c0; ``mu_plus``, ``mu_minus``: electrochemical potentials
    ln(c±/c0) ± phi_l/V_T; ``phi``: phi_l / V_T, the electrolyte potential of the pore liquid.
    """

    c_plus: Any
    c_minus: Any
    mu_plus: Any
    mu_minus: Any
    phi: Any


class ChargeModel:
    """Base of the charge models (see the module docstring). Subclasses set the class
    attributes and implement the methods; ``pb`` is the composed problem being built."""

    name: str = ""
    #: names of the fields (sub-spaces of the mixed space), in order
    field_names: tuple[str, ...] = ()
    #: one equation per field, in the same order
    equations: tuple[Equation, ...] = ()
    #: indices of the log-concentration fields (Newton caps their change per step)
    log_concentration_fields: tuple[int, ...] = (0,)
    #: index of the potential field
    potential_field: int = 1
    #: whose integral is the salt content: "cation" or "anion"
    salt_ion: str = "cation"
    #: can the cell be closed by a Li counter electrode (no reservoir)?
    supports_closed_cell: bool = True
    #: does a lumped double-layer capacitance apply (False where the diffuse layer is resolved)?
    supports_double_layer: bool = True
    #: do charged sites along the Li act through a Frumkin factor on i0 (else: resolved)?
    sites_as_frumkin_factor: bool = True

    @property
    def anion_weights(self) -> tuple[float, ...]:
        """Weights of the equations whose combination is the anion balance (the salt inflow
        through the reservoir is measured on it: the anion does not react)."""
        raise NotImplementedError

    def setup(self, pb, const) -> None:
        """Set the model's coefficients on ``pb`` (after its space, controls, measures and
        regions exist)."""

    def species(self, pb, fields) -> Species:
        """The ions in ``fields`` (the split unknowns of one time level)."""
        raise NotImplementedError

    def nodal_species(self, pb, fields) -> tuple:
        """(c+/c0, c-/c0, phi_l/V_T) for interpolation into P1 output fields."""
        sp = self.species(pb, fields)
        return sp.c_plus, sp.c_minus, sp.phi

    def reaction_plane(self, pb, u, psi, uses_concentration: bool) -> tuple:
        """(c+/c0, phi_l/V_T) that an electrode reaction sees, from the first field ``u`` and
        the potential field ``psi``. ``uses_concentration``: the law depends on c+ (else the
        overpotential may be measured from a different equilibrium, see the subclasses)."""
        raise NotImplementedError

    def own_terms(self, pb, fields, tests) -> dict:
        """Terms of the model's own (UFL forms, by equation name), e.g. Gauss's law."""
        return {}

    def initial_residual(self, pb, fields, fields_n, tests):
        """The UFL form that replaces the transient equations while the initial state is
        solved (``init = 1``)."""
        raise NotImplementedError

    def finish(self, pb) -> None:
        """Checks and diagnostics once the problem is built (e.g. mesh resolution)."""

    def surface_cation(self, pb, u_values):
        """c+/c0 at the electrode dofs of the first field, from their values ``u_values``."""
        import numpy as np

        return np.exp(u_values)
