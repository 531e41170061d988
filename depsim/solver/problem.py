"""The electroneutral Nernst–Planck / Butler–Volmer problem (``model.charge = "electroneutral"``).

:class:`ElectroneutralProblem` is the composed transport problem
(:class:`~depsim.model.transport.CellProblem`) with the electroneutral charge model
(:class:`~depsim.model.electroneutral.ElectroneutralCharge`): unknowns u = ln(s/c0) and
chi = phi_l / V_T - zeta (s = sqrt(c+ c-), zeta the Donnan potential of a fixed charge; without
one u = ln(c/c0), chi = phi_l / V_T), plus the cell potential V_hat = V / V_T as a global
unknown under current control. Equations: the salt (cation) balance and the current
(cation minus anion) balance. See docs/model.md.
"""

from __future__ import annotations

from depsim.model.constraint import GlobalConstraint
from depsim.model.electroneutral import ElectroneutralCharge
from depsim.model.transport import CellProblem
from depsim.physics.constants import FARADAY
from depsim.solver.parameters import ModelParameters

__all__ = ["FARADAY", "ElectroneutralProblem", "GlobalConstraint"]


class ElectroneutralProblem(CellProblem):
    """Electroneutral binary-salt transport with the case's kinetics on the bottom Li.

    Parameters as :class:`~depsim.model.transport.CellProblem` (without ``charge``): ``mesh``
    (metres), ``facet_tags``, ``params`` (:class:`ModelParameters`, SI), ``markers``,
    ``projected_area`` [m^(d-1)], ``cell_tags`` (SEPARATOR cells of a separator layer) and
    ``moving_mesh`` (the ALE term of a moving Li surface).

    Attributes (besides the interface's): ``d_plus``, ``d_minus``, ``porosity`` (Constants, or
    DG0 Functions with a separator layer), ``x_hat`` (fixed charge X/c0: None, Constant or
    DG0), ``x_nodal`` (X/c0 at the nodes), ``i0_factor`` (P1 i0 pattern and Frumkin factor on
    the bottom Li, or None), ``N_plus``/``N_minus`` (dimensionless fluxes), ``i_hat_top`` (the
    counter Li's current, closed cell).
    """

    def __init__(self, mesh, facet_tags, params: ModelParameters, **options) -> None:
        """``options``: the keyword parameters of
        :class:`~depsim.model.transport.CellProblem` (``markers``, ``projected_area``,
        ``cell_tags``, ``moving_mesh``)."""
        super().__init__(mesh, facet_tags, params, ElectroneutralCharge(), **options)

    def add_terms(self, salt=None, current=None) -> None:  # type: ignore[override]
        """Add UFL terms (tested with ``self.test_functions`` = (q, w)) to the salt and
        current equations and recompile."""
        super().add_terms(salt=salt, current=current)
