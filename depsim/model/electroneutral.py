"""The electroneutral charge model (``model.charge = "electroneutral"``).

Charge statement: the pore liquid is electroneutral, c- = c+ + X with X the fixed charge of the
matrix (signed, mol/m^3 of pore volume; zero in free electrolyte), so the electrolyte current is
divergence-free, div (N+ - N-) = 0, and the potential is the Lagrange multiplier of that
constraint (an index-1 DAE).

Fields: u = ln(s/c0) with s = sqrt(c+ c-), and chi = psi - zeta, zeta = asinh(X/(2s)) (the
Donnan potential of the pore liquid against an uncharged liquid of the same s;
:mod:`depsim.physics.separator`). The cation and anion electrochemical potentials are u + chi and
u - chi, so continuous (u, chi) give exact Donnan jumps of c± and phi_l at region interfaces.
Without a fixed charge zeta = 0, s = c, chi = phi_l / V_T: the plain electroneutral unknowns.

Equations: the salt equation is the cation balance (its storage eps dc+/dt); the current
equation is cation minus anion balance (no storage: electroneutrality makes d(c+ - c-)/dt = 0).
The initial state keeps the salt where it is (u = u_n) and solves for the potential.
"""

from __future__ import annotations

import numpy as np

from depsim.model.charge import ChargeModel, Equation, Species
from depsim.physics import separator as separator_physics

__all__ = ["ElectroneutralCharge"]


class ElectroneutralCharge(ChargeModel):
    """Electroneutral binary salt, with the Donnan split of a matrix fixed charge."""

    name = "electroneutral"
    field_names = ("u", "psi")
    equations = (
        Equation("salt", cation=1.0, anion=0.0, transient=True),
        Equation("current", cation=1.0, anion=-1.0, transient=False),
    )
    log_concentration_fields = (0,)
    potential_field = 1
    salt_ion = "cation"

    @property
    def anion_weights(self) -> tuple[float, ...]:
        return (1.0, -1.0)  # salt row minus current row

    def setup(self, pb, const) -> None:
        """``pb.x_hat`` (X/c0 per cell: None, Constant or DG0), ``pb.x_nodal`` (X/c0 at the
        nodes, the charged side winning at interfaces) and ``pb.separator_layer``."""
        p = pb.params
        pb.x_hat = pb.regions.fixed_charge
        pb.separator_layer = pb.regions.layer
        x_sep = p.separator.fixed_charge / p.c0 if p.separator is not None else 0.0
        pb.x_nodal = pb.regions.nodal_fixed_charge(pb.mesh, pb.cell_tags, x_sep)

    def species(self, pb, fields) -> Species:
        u, chi = fields
        c_plus, c_minus, zeta = separator_physics.ion_concentrations_ufl(u, pb.x_hat)
        return Species(c_plus, c_minus, u + chi, u - chi, chi + zeta)

    def nodal_species(self, pb, fields) -> tuple:
        """With the fixed charge taken at the nodes (the charged side at a Donnan interface)."""
        u, chi = fields
        c_plus, c_minus, zeta = separator_physics.ion_concentrations_ufl(u, pb.x_nodal)
        return c_plus, c_minus, chi + zeta

    def reaction_plane(self, pb, u, psi, uses_concentration: bool) -> tuple:
        """With a fixed charge, a concentration-dependent law sees the pore values
        c+ = s e^-zeta and phi_l = chi + zeta; a law without concentration dependence
        (``linear``) measures the overpotential from the Li's equilibrium with the pore liquid
        at s = c0, which includes the Donnan potential: phi = chi."""
        import ufl

        if pb.x_hat is None or not uses_concentration:
            return ufl.exp(u), psi
        c_plus, _, zeta = separator_physics.ion_concentrations_ufl(u, pb.x_hat)
        return c_plus, psi + zeta

    def initial_residual(self, pb, fields, fields_n, tests):
        return (fields[0] - fields_n[0]) * tests[0] * pb.vol_scale * pb.dx

    def finish(self, pb) -> None:
        """X/c0 at the electrode dofs of u (for the surface c+ = s e^-zeta)."""
        import dolfinx.fem as fem

        self._electrode_x_hat = None
        if pb.x_hat is None:
            return
        V0, _ = pb.W.sub(0).collapse()
        e_facets = pb.facet_tags.find(pb.markers["electrode"])
        _, dofs_V0 = fem.locate_dofs_topological((pb.W.sub(0), V0), pb.tdim - 1, e_facets)
        if isinstance(pb.x_nodal, fem.Function):
            xv = fem.Function(V0)
            xv.interpolate(pb.x_nodal)
            self._electrode_x_hat = xv.x.array[dofs_V0].copy()
        else:
            self._electrode_x_hat = np.full(len(dofs_V0), float(pb.x_nodal.value))

    def surface_cation(self, pb, u_values):
        if self._electrode_x_hat is None:
            return np.exp(u_values)
        c_plus, _ = separator_physics.donnan_concentrations(np.exp(u_values), self._electrode_x_hat)
        return c_plus
