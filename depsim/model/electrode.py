"""Electrode parts: the Li metal surfaces where current enters the electrolyte.

Each part gives, on its facets, the current density into the electrolyte split by ion (over the
current scale j0, anodic = Li dissolving = positive)::

    i = i_F + i_dl,    i+ = i_F + i_dl / 2,    i- = i_dl / 2

i_F is the faradaic current of the electrode's kinetics law (:mod:`depsim.physics.kinetics`,
one class per law), carried by the cations; i_dl = C_dl d(phi_s - phi_l)/dt is the charging
current of a lumped double layer whose solution-side charge is made of equal cation and anion
parts (docs/model.md §4). The composed problem turns (i+, i-) into the source terms of each
equation of the charge model, and differentiates them with respect to the electrode potential
for the galvanostatic constraint.

- :class:`LiElectrode`: the bottom Li, at phi_s = -V (the grounded Li in the outputs), with the
  i0 pattern and the Frumkin factor of charged sites, optional double layer; it moves when Li
  deposits.
- :class:`CounterLi`: a Li counter electrode on top (closed cell), at phi_s = 0, the same law
  and double layer, no sites.
"""

from __future__ import annotations

import ufl

from depsim.physics import kinetics

__all__ = [
    "CounterLi",
    "ElectrodeCurrent",
    "LiElectrode",
    "double_layer_current",
    "reaction_current",
]


class ElectrodeCurrent:
    """The current of an electrode part (UFL, / j0): ``total``, ``faradaic``, and the ion
    parts ``cation`` and ``anion`` (``anion`` None when the anion does not take part);
    ``marker`` its facet tag and ``psi_s`` phi_s / V_T (a ``ufl.variable`` when it is the
    galvanostatic unknown). ``integrate``: expr -> the integral over its surface, or None for
    its facets (the phase field sets the diffuse surface: :meth:`CellProblem.surface_integral`)."""

    def __init__(self, marker: int, psi_s, faradaic, charging=None):
        self.marker, self.psi_s = marker, psi_s
        self.integrate = None
        self.faradaic = faradaic
        if charging is None:
            self.total, self.cation, self.anion = faradaic, faradaic, None
        else:
            self.total = faradaic + charging
            self.cation = faradaic + 0.5 * charging
            self.anion = 0.5 * charging


def reaction_current(pb, u, psi, psi_s, sites: bool = True):
    """Dimensionless faradaic current i_F / j0 of ``pb``'s kinetics law at a Li surface held
    at ``psi_s`` (anodic positive), with ``u``, ``psi`` the first and the potential field of
    the charge model (what the reaction sees there: :meth:`ChargeModel.reaction_plane`).
    ``sites``: apply the i0 factor (pattern, Frumkin) of the bottom Li."""
    k0 = pb.k0_hat
    if sites and pb.i0_factor is not None:
        k0 = k0 * pb.i0_factor
    law = pb.params.kinetics_law
    c_hat, phi_hat = pb.charge.reaction_plane(pb, u, psi, law.uses_concentration)
    return law.rate(k0, psi_s - phi_hat, c_hat * pb.c0_over_cref, backend=kinetics.UFL)


def double_layer_current(pb, x, x_n, x_nm1):
    """Charging current of a lumped double layer, i_dl / j0 = C_dl d(phi_s - phi_l)/dt
    (anodic positive), discretised with the step's BDF coefficients; ``x``, ``x_n``,
    ``x_nm1``: (phi_s - phi_l) / V_T now and at the two previous steps (UFL). Zero in a steady
    solve (a0 = a1 = a2 = 0)."""
    p, sc = pb.params, pb.scales
    c_hat = pb._constant(
        p.double_layer_capacitance * sc.thermal_voltage / (sc.current_density * sc.time)
    )
    return c_hat * (pb.a0 * x + pb.a1 * x_n + pb.a2 * x_nm1) / pb.dt_hat


class LiElectrode:
    """The bottom Li (marker "electrode"), phi_s / V_T = -V_hat (its history: V_hat_n,
    V_hat_nm1)."""

    def __init__(self, pb, fields, species, double_layer: bool):
        self.psi_s = ufl.variable(-pb.V_hat)
        u, psi = fields[0], fields[pb.charge.potential_field]
        faradaic = reaction_current(pb, u, psi, self.psi_s)
        charging = None
        if double_layer:
            sp, sp_n, sp_nm1 = species
            charging = double_layer_current(
                pb, self.psi_s - sp.phi, -pb.V_hat_n - sp_n.phi, -pb.V_hat_nm1 - sp_nm1.phi
            )
        self.current = ElectrodeCurrent(pb.markers["electrode"], self.psi_s, faradaic, charging)


class CounterLi:
    """A Li counter electrode on the top (marker "top"), phi_s = 0: the same law, no sites,
    and the same double layer as the bottom Li when it has one (a symmetric Li|Li cell)."""

    def __init__(self, pb, fields, species=None, double_layer: bool = False):
        u, psi = fields[0], fields[pb.charge.potential_field]
        faradaic = reaction_current(pb, u, psi, pb._constant(0.0), sites=False)
        charging = None
        if double_layer:
            sp, sp_n, sp_nm1 = species
            charging = double_layer_current(pb, -sp.phi, -sp_n.phi, -sp_nm1.phi)
        self.current = ElectrodeCurrent(pb.markers["top"], 0.0, faradaic, charging)
