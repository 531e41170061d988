"""The Poisson charge model (``model.charge = "poisson"``): Gauss's law with the space charge.

Charge statement (:mod:`depsim.physics.poisson`), dimensionless::

    -div(kappa_hat grad psi) = c+ - c- + z_X X_hat,    kappa_hat = 2 (lambda_D / L0)^2

with surface charges as eps grad phi . n = sigma on exterior facets (a jump of the normal
displacement on internal ones): ``- sigma_hat w`` on ds (dS), sigma_hat = sigma / (F c0 L0).

Fields: u+ = ln(c+/c0), u- = ln(c-/c0), psi = phi_l / V_T. Equations: the cation balance, the
anion balance (both transient) and Gauss's law (algebraic). The initial state is the
Poisson–Boltzmann equilibrium with the reservoir: u± = ∓psi with Gauss's law, so double layers
at charged surfaces and the Donnan potential of a fixed charge are in place before current flows.

The diffuse layer at the Li is resolved: the reaction sees c+ and psi at the reaction plane (no
lumped double-layer capacitance, and charged sites along the Li are surface charge, not a
Frumkin factor). The Poisson problem of a closed cell would be pure Neumann, so this model
needs the reservoir top.
"""

from __future__ import annotations

import logging

import numpy as np
import ufl

from depsim.geometry import debye as debye_mesh
from depsim.geometry.charged_facets import classify_charged_facets
from depsim.model.charge import ChargeModel, Equation, Species
from depsim.model.quadrature import compile_form
from depsim.physics import poisson as pnp
from depsim.physics import steric
from depsim.physics.electrolyte import debye_length

log = logging.getLogger("depsim")

__all__ = ["PoissonCharge"]


class PoissonCharge(ChargeModel):
    """Poisson–Nernst–Planck charge model.

    Parameters
    ----------
    relative_permittivity: eps_r [-], a float or a UFL expression (e.g. DG0 per region);
        default ``params.relative_permittivity``.
    fixed_charge: X [mol/m^3] of fixed groups of valence ``fixed_charge_valence`` (float, DG0
        or UFL), charge z_X F X per volume. Excludes a charged separator in the parameters.
    fixed_charge_valence: z_X (default -1: a negatively charged matrix).
    surface_charge: ``{tag or marker name: sigma}`` [C/m^2] (float, or UFL in SI); float values
        are held in Constants (``pb.sigma[tag].value = ...`` changes them without
        recompiling). Refused on the reservoir top (phi prescribed there).
    resolution: "warn", "raise" or "off": check that the elements next to the electrode and
        the charged facets are at most lambda_D / ``per_debye`` thick.
    ion_size: a [m] of Bikerman's finite-ion-size term (default ``params.ion_size``; 0: dilute
        ions): mu± gain -ln[(1 - nu (c+ + c-)/2) / (1 - nu)], nu = 2 a^3 N_A c0.
    """

    name = "poisson"
    field_names = ("u_plus", "u_minus", "psi")
    equations = (
        Equation("cation", cation=1.0, anion=0.0, transient=True),
        Equation("anion", cation=0.0, anion=1.0, transient=True),
        Equation("poisson", cation=0.0, anion=0.0, transient=False),
    )
    log_concentration_fields = (0, 1)
    potential_field = 2
    salt_ion = "anion"
    supports_closed_cell = False
    supports_double_layer = False
    sites_as_frumkin_factor = False

    def __init__(
        self,
        relative_permittivity=None,
        fixed_charge=None,
        fixed_charge_valence: float = -1.0,
        surface_charge: dict | None = None,
        resolution: str = "warn",
        per_debye: float = debye_mesh.PER_DEBYE,
        ion_size: float | None = None,
    ):
        self.ion_size = ion_size
        self.relative_permittivity = relative_permittivity
        self.fixed_charge = fixed_charge
        self.fixed_charge_valence = fixed_charge_valence
        self.surface_charge = surface_charge
        self.resolution = resolution
        self.per_debye = per_debye

    @property
    def anion_weights(self) -> tuple[float, ...]:
        return (0.0, 1.0, 0.0)

    def setup(self, pb, const) -> None:
        """Permittivity (``pb.kappa_hat``, ``pb.relative_permittivity``,
        ``pb.debye_length``), the fixed charge (``pb.fixed_hat``, ``pb.z_fixed``) and the
        surface charges of the sites along the Li."""
        p = pb.params
        eps_r = self.relative_permittivity
        if eps_r is None:
            eps_r = p.relative_permittivity
        pb.relative_permittivity = eps_r
        eps_ref = float(eps_r) if isinstance(eps_r, int | float) else 20.0
        pb.debye_length = debye_length(p.c0, eps_ref, p.temperature)
        ion_size = p.ion_size if self.ion_size is None else self.ion_size
        pb.packing = steric.packing_fraction(ion_size, p.c0) if ion_size else 0.0  # Bikerman nu
        L0 = pb.scales.length
        if isinstance(eps_r, int | float):
            pb.kappa_hat = const(pnp.permittivity_hat(float(eps_r), p.c0, p.temperature, L0))
        else:
            pb.kappa_hat = pnp.permittivity_hat(eps_r, p.c0, p.temperature, L0)
        separator_fixed = pb.regions.fixed_charge  # signed X_s / c0, valence folded in
        if p.separator is not None and self.fixed_charge is not None:
            raise ValueError("fixed charge given twice: as an argument and by params.separator")
        pb.z_fixed = const(self.fixed_charge_valence)
        if separator_fixed is not None:
            pb.fixed_hat, pb.z_fixed = separator_fixed, const(1.0)
        elif self.fixed_charge is None:
            pb.fixed_hat = None
        elif isinstance(self.fixed_charge, int | float):
            pb.fixed_hat = const(float(self.fixed_charge) / p.c0)
        else:
            pb.fixed_hat = self.fixed_charge / p.c0
        pb.x_hat = None  # no electroneutral Donnan split: the Donnan potential is resolved
        if self.surface_charge is None and any(s.surface_charge != 0 for s in p.sites):
            self.surface_charge = {"electrode": pb._site_charge_function(p.sites)}

    def species(self, pb, fields) -> Species:
        """c± from the log activities u± (exp(u±) for dilute ions, Bikerman's closed form
        with a finite ion size: :func:`depsim.physics.steric.concentrations`); mu± = u± ± psi."""
        up, um, psi = fields
        cp, cm = steric.concentrations(up, um, pb.packing, exp=ufl.exp)
        return Species(cp, cm, up + psi, um - psi, psi)

    def reaction_plane(self, pb, u, psi, uses_concentration: bool) -> tuple:
        """c+ and psi at the reaction plane; with a finite ion size c+ also depends on the
        anions there (the anion activity of the current state)."""
        if not pb.packing:
            return ufl.exp(u), psi
        u_minus = ufl.split(pb.U)[1]
        return steric.concentrations(u, u_minus, pb.packing, exp=ufl.exp)[0], psi

    def surface_cation(self, pb, u_values):
        if not pb.packing:
            return np.exp(u_values)
        um = pb.U.x.array[self._electrode_dofs_minus]
        return steric.concentrations(u_values, um, pb.packing)[0]

    def own_terms(self, pb, fields, tests) -> dict:
        """Gauss's law with the space charge ``pb.rho_hat`` and the surface charges
        (``pb.sigma``: tag -> Constant or UFL [C/m^2])."""
        w = tests[2]
        psi = fields[2]
        p, L0, as_ = pb.params, pb.scales.length, pb.area_scale
        sp = self.species(pb, fields)
        pb.rho_hat = pnp.charge_density(sp.c_plus, sp.c_minus, pb.fixed_hat, pb.z_fixed)
        grad_hat = pb.grad_hat
        F = pnp.poisson_residual(psi, w, pb.rho_hat, pb.kappa_hat, grad_hat) * pb.vol_scale * pb.dx
        pb.sigma, pb._sigma_exterior = {}, {}
        for key, value in (self.surface_charge or {}).items():
            tag = pb.markers[key] if isinstance(key, str) else int(key)
            exterior = classify_charged_facets(pb.mesh, pb.facet_tags, pb.markers, tag, key)
            sig = pb._constant(float(value)) if isinstance(value, int | float) else value
            pb.sigma[tag] = sig
            pb._sigma_exterior[tag] = exterior
            s_hat = pnp.surface_charge_hat(sig, p.c0, L0)
            if exterior:
                F -= s_hat * w * as_ * pb.ds(tag)
            else:
                F -= s_hat * w("+") * as_ * pb.dS(tag)
        return {"poisson": F}

    def initial_residual(self, pb, fields, fields_n, tests):
        """Equilibrium with the reservoir, mu± = 0: u± = ∓psi (Boltzmann, or Bikerman's
        crowded Boltzmann in the log activities)."""
        up, um, psi = fields
        return pnp.boltzmann_residual(up, um, psi, tests[0], tests[1]) * pb.vol_scale * pb.dx

    def finish(self, pb) -> None:
        """Per-field dofs, the space-charge and cation forms, and the Debye resolution next
        to the electrode and the charged facets (``pb.elements_per_debye``)."""
        import dolfinx.fem as fem

        V1, _ = pb.W.sub(1).collapse()
        e_facets = pb.facet_tags.find(pb.markers["electrode"])
        self._electrode_dofs_minus = fem.locate_dofs_topological(
            (pb.W.sub(1), V1), pb.tdim - 1, e_facets
        )[0]
        pb.u_plus_dofs, pb.u_minus_dofs = (
            np.asarray(pb.W.sub(i).collapse()[1], dtype=np.int32).reshape(-1) for i in (0, 1)
        )
        pb._cation_form = compile_form(pb.porosity * pb.c_plus_expr * pb.vol_scale * pb.dx)
        pb._charge_form = compile_form(pb.rho_hat * pb.vol_scale * pb.dx)
        pb.elements_per_debye = debye_mesh.check_mesh_resolution(
            pb.mesh,
            pb.facet_tags,
            sorted({pb.markers["electrode"], *pb.sigma}),
            pb.debye_length,
            per_debye=self.per_debye,
            action=self.resolution,
        )
