"""The Poisson–Nernst–Planck (PNP) / Butler–Volmer problem (``model.charge = "poisson"``).

Unknowns (mixed P_k x P_k x P_k): u+ = ln(c+/c0), u- = ln(c-/c0) and psi = phi_l / V_T,
dimensionless (:mod:`depsim.physics.scaling`), plus the galvanostatic cell potential
V_hat = V / V_T as a global unknown, exactly as in
:class:`~depsim.solver.problem.ElectroneutralProblem` (same gauge: phi_l = 0 on the reservoir top,
phi_s = -V on the bottom Li; outputs shift by +V so the bottom Li sits at 0 V). The public
interface is the electroneutral problem's, so :class:`~depsim.solver.newton.BorderedNewton`,
:class:`~depsim.solver.simulation.Simulation` and the checkpoints work unchanged.

Equations, tested with (q+, q-, w), in scaled measures (dx_hat = dx / L0^d, grad_hat = L0 grad)::

    cation:   eps (a0 c+ + a1 c+^n + a2 c+^{n-1}) / dt_hat q+ - N+ . grad q+   dx_hat
              - i_hat q+                                                          ds_e
    anion:    eps (a0 c- + ...) / dt_hat q- - N- . grad q-                       dx_hat
    Poisson:  kappa_hat grad psi . grad w - (c+ - c- + z_X X_hat) w              dx_hat
              - sigma_hat w   ds (charged exterior facets)   - sigma_hat w  dS (internal facets)

with N± = -d± c± grad_hat(u± ± psi), kappa_hat = 2 (lambda_D/L0)^2, sigma_hat = sigma/(F c0 L0)
(:mod:`depsim.physics.poisson`). At the bottom Li: Butler–Volmer with the cation concentration
and the electrolyte potential at the surface (the same :func:`butler_volmer.reaction_current`),
N+ . n = -i_BV / F, N- . n = 0, and no Stern layer: the Li carries no charge of its own, so
eps grad phi . n = sigma there (0 unless a surface charge is given on the electrode tag). The
surface concentration and potential in the kinetics are those at the reaction plane, so a charged
electrode gets the Frumkin correction from the resolved diffuse layer. Reservoir top: c± = c0,
phi = 0. Other boundaries: zero flux, eps grad phi . n = sigma (0 by default).

Initial state (``init = 1``): the Poisson–Boltzmann equilibrium with the reservoir, i.e. the
species equations are replaced by u± = ∓psi (uniform electrochemical potentials) and solved with
the Poisson equation. This is the consistent initial state of the PNP system at rest (the double
layers at charged surfaces and the Donnan potential of fixed charge are in place before the
current starts); in galvanostatic mode the cell potential is solved with it so that the
Butler–Volmer current of that state equals the applied current. ``a0 = a1 = a2 = 0`` gives the
steady problem.

Scope: a reservoir top (``counter = "reservoir"``) only — a closed cell has no reservoir to
define the equilibrium and its Poisson problem is pure Neumann; it is refused.
"""

from __future__ import annotations

import logging

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc  # noqa: F401
import numpy as np
import ufl
from mpi4py import MPI

from depsim.errors import CaseError
from depsim.geometry import debye as debye_mesh
from depsim.geometry.charged_facets import classify_charged_facets
from depsim.physics import kinetics
from depsim.physics import poisson as pnp
from depsim.physics.constants import FARADAY
from depsim.physics.electrolyte import debye_length
from depsim.solver.base import TransportProblemBase
from depsim.solver.problem import GlobalConstraint

log = logging.getLogger("depsim")

ELECTRODE = 1
TOP = 2
ELECTRODE_MODES = ("reaction", "blocking")

__all__ = ["PoissonNernstPlanckProblem"]


class PoissonNernstPlanckProblem(TransportProblemBase):
    """Binary-salt PNP transport with Butler–Volmer kinetics on the bottom Li.

    Parameters
    ----------
    mesh: dolfinx mesh, coordinates in metres.
    facet_tags: facet MeshTags with the electrode (``markers["electrode"]``) and top
        (``markers["top"]``) boundaries and any charged facets.
    params: :class:`~depsim.solver.parameters.ModelParameters` (SI). ``counter`` must be
        "reservoir".
    markers: facet marker values (names -> tags).
    projected_area: projected electrode area [m^(d-1)] (default: the bounding-box extent).
    relative_permittivity: eps_r [-], a float or a UFL expression (e.g. a DG0 function per
        region); default ``params.relative_permittivity`` if the parameters have it, else 20.
    fixed_charge: X [mol/m^3], the concentration of fixed charged groups (float, DG0 function or
        UFL expression), charge z_X F X per volume. A case's volume charge rho_X [C/m^3] is
        X = rho_X / (z_X F).
    fixed_charge_valence: z_X (default -1: a negatively charged matrix).
    surface_charge: ``{tag or name: sigma}`` [C/m^2] (float, or UFL expression in SI). Exterior
        facets get eps grad phi . n = sigma, internal facets a jump of sigma in the normal
        displacement; both as ``+ int sigma w ds`` (``dS``). Refused on the top (phi prescribed).
        Float values are held in Constants: ``self.sigma[tag].value = ...`` changes them without
        recompiling (continuation in sigma).
    electrode: "reaction" (Butler–Volmer, default) or "blocking" (no reaction: a charged or
        inert wall; no galvanostatic constraint).
    resolution: "warn" (default), "raise" or "off": check that the elements next to the
        electrode and the charged facets are at most lambda_D / ``per_debye`` thick
        (:func:`depsim.geometry.debye.check_mesh_resolution`).
    cell_tags: cell MeshTags with SEPARATOR cells, for a separator layer.

    From the parameters, when they carry them (``params.separator``, ``params.sites``): a
    separator (:class:`~depsim.solver.parameters.RegionProperties`) gives d+, d-, porosity and
    the signed fixed charge X_s (c- = c+ + X_s under electroneutrality, i.e. the Poisson source
    c+ - c- + X_s) as Constants (separator filling the cell) or DG0 functions on the SEPARATOR
    cells; charged sites along the Li give ``surface_charge = {"electrode": sigma(x)}`` (a P1
    function) unless ``surface_charge`` is given. The sites' charge is then resolved, not put in
    a Frumkin factor: ``kinetics = "frumkin"`` is Butler–Volmer at the reaction plane here, and
    ``i0_factor`` is None.
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
        cell_tags=None,
        moving_mesh: bool = False,
    ):
        if params.counter != "reservoir":
            raise CaseError(
                "operation.counter",
                "model.charge = 'poisson' needs a reservoir top: a closed cell has no reservoir "
                "to fix the equilibrium (its Poisson problem is pure Neumann)",
                params.counter,
                "reservoir",
            )
        if electrode not in ELECTRODE_MODES:
            raise ValueError(f"electrode must be one of {ELECTRODE_MODES}, got {electrode!r}")
        self._setup_common(mesh, facet_tags, params, markers, projected_area)
        tdim = self.tdim
        p = params
        sc = self.scales
        L0 = sc.length
        projected_area = self.projected_area
        self.reacting = electrode == "reaction"
        self.galvanostatic = p.mode == "galvanostatic" and self.reacting
        self.closed = False

        eps_r = relative_permittivity
        if eps_r is None:
            eps_r = getattr(p, "relative_permittivity", None) or 20.0
        self.relative_permittivity = eps_r
        eps_ref = float(eps_r) if isinstance(eps_r, int | float) else 20.0
        self.debye_length = debye_length(p.c0, eps_ref, p.temperature)
        """lambda_D [m] at c0 (with eps_r, or 20 when eps_r is an expression)."""

        # --- spaces and unknowns -------------------------------------------------------------
        P = basix.ufl.element("Lagrange", mesh.basix_cell(), p.element_degree)
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element([P, P, P]))
        self.field_names = ("u_plus", "u_minus", "psi")  # the sub-spaces of W, in order
        self.U = fem.Function(self.W, name="U")
        self.U_n = fem.Function(self.W, name="U_n")
        self.U_nm1 = fem.Function(self.W, name="U_nm1")
        up, um, psi = ufl.split(self.U)
        up_n, um_n, _ = ufl.split(self.U_n)
        up_nm1, um_nm1, _ = ufl.split(self.U_nm1)
        qp, qm, w = ufl.TestFunctions(self.W)
        self.test_functions = (qp, qm, w)
        self.u_plus_expr, self.u_minus_expr, self.psi_expr = up, um, psi
        self.u_expr = up  # the cation, as ElectroneutralProblem.u_expr

        const = self._constant
        self._setup_controls()

        self.cell_tags = cell_tags
        sep = p.separator
        if sep is not None and fixed_charge is not None:
            raise ValueError("fixed charge given twice: as an argument and by params.separator")
        # signed X_s / c0 of the separator (valence folded in), None without one
        separator_fixed = self._region_coefficients(cell_tags, const)
        sites = getattr(p, "sites", ()) or ()
        if surface_charge is None and any(s.surface_charge != 0 for s in sites):
            surface_charge = {"electrode": self._site_charge_function(sites)}
        self.k0_hat = const(p.i0 / sc.current_density)
        # charged sites are resolved as surface charge (no Frumkin factor); an i0 pattern is not
        self.i0_factor = self._exchange_current_factor()
        self.c0_over_cref = const(p.c0 / p.reference_concentration)
        if isinstance(eps_r, int | float):
            self.kappa_hat = const(pnp.permittivity_hat(float(eps_r), p.c0, p.temperature, L0))
        else:
            self.kappa_hat = pnp.permittivity_hat(eps_r, p.c0, p.temperature, L0)
        self.z_fixed = const(fixed_charge_valence)
        if separator_fixed is not None:
            self.fixed_hat = separator_fixed
            self.z_fixed = const(1.0)
        elif fixed_charge is None:
            self.fixed_hat = None
        elif isinstance(fixed_charge, int | float):
            self.fixed_hat = const(float(fixed_charge) / p.c0)
        else:
            self.fixed_hat = fixed_charge / p.c0

        # scaled measures
        self.L0 = const(L0)
        self.vol_scale = const(L0 ** (-tdim))
        self.area_scale = const(L0 ** (-(tdim - 1)))
        self.dx = ufl.Measure("dx", domain=mesh)
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)
        self.dS = ufl.Measure("dS", domain=mesh, subdomain_data=facet_tags)
        vs, as_ = self.vol_scale, self.area_scale
        dx, ds_e = self.dx, self.ds(self.markers["electrode"])

        def grad_hat(f):
            return self.L0 * ufl.grad(f)

        self.grad_hat = grad_hat
        cp, cm = ufl.exp(up), ufl.exp(um)

        # --- kinetics on the bottom Li (psi_s = -V_hat) -----------------------------------------
        self.psi_s = ufl.variable(-self.V_hat)
        self.i_hat = self.reaction_current(up, psi, self.psi_s)  # anodic positive
        self.i_faradaic_hat = self.i_hat  # the diffuse layer is resolved: no lumped C_dl
        self.double_layer = False

        # --- transport ----------------------------------------------------------------------------
        def storage(c, c_n, c_nm1):
            return self.porosity * (self.a0 * c + self.a1 * c_n + self.a2 * c_nm1) / self.dt_hat

        N_plus = pnp.cation_flux(up, psi, self.d_plus, grad_hat)
        N_minus = pnp.anion_flux(um, psi, self.d_minus, grad_hat)
        self.N_plus, self.N_minus = N_plus, N_minus
        F_cation = (
            (storage(cp, ufl.exp(up_n), ufl.exp(up_nm1)) * qp - ufl.inner(N_plus, grad_hat(qp)))
            * vs
            * dx
        )
        if self.reacting:
            F_cation -= self.i_hat * qp * as_ * ds_e
        F_anion = (
            (storage(cm, ufl.exp(um_n), ufl.exp(um_nm1)) * qm - ufl.inner(N_minus, grad_hat(qm)))
            * vs
            * dx
        )
        # ALE (moving Li surface): -eps w . grad c for both ions, w the mesh velocity [m/s]
        self.mesh_displacement = None
        if moving_mesh:
            w_hat = self._ale_velocity_hat()
            F_cation -= self.porosity * ufl.inner(w_hat, grad_hat(cp)) * qp * vs * dx
            F_anion -= self.porosity * ufl.inner(w_hat, grad_hat(cm)) * qm * vs * dx

        # --- Poisson ----------------------------------------------------------------------------
        self.rho_hat = pnp.charge_density(up, um, self.fixed_hat, self.z_fixed)
        F_poisson = pnp.poisson_residual(psi, w, self.rho_hat, self.kappa_hat, grad_hat) * vs * dx
        self.sigma: dict[int, object] = {}
        self._sigma_exterior: dict[int, bool] = {}
        for key, value in (surface_charge or {}).items():
            tag = self.markers[key] if isinstance(key, str) else int(key)
            exterior = classify_charged_facets(self.mesh, self.facet_tags, self.markers, tag, key)
            sig = const(float(value)) if isinstance(value, int | float) else value
            self.sigma[tag] = sig
            self._sigma_exterior[tag] = exterior
            s_hat = pnp.surface_charge_hat(sig, p.c0, L0)
            if exterior:
                F_poisson -= s_hat * w * as_ * self.ds(tag)
            else:
                F_poisson -= s_hat * w("+") * as_ * self.dS(tag)
        F_init = pnp.boltzmann_residual(up, um, psi, qp, qm) * vs * dx
        # names shared with ElectroneutralProblem for the output code (postprocess, run)
        self.c_plus_expr, self.c_minus_expr, self.psi_phys_expr = cp, cm, psi
        self.salt_expr = cm  # the salt content is the anions' (salt_amount)
        self.x_hat = None  # no electroneutral Donnan correction: the Donnan potential is resolved
        self.F_cation_ufl, self.F_anion_ufl = F_cation, F_anion
        self.F_poisson_ufl, self.F_init_ufl = F_poisson, F_init
        self._compile_residual()

        # --- galvanostatic constraint (bordered Newton) ------------------------------------------
        self.constraint: GlobalConstraint | None = None
        A_hat = const(projected_area * L0 ** (-(tdim - 1)))
        self._G_current = fem.form((self.i_hat / A_hat) * as_ * ds_e)
        self._G_faradaic = None  # no double layer: the faradaic current is the total one
        if self.galvanostatic:
            G = (self.i_hat / A_hat) * as_ * ds_e
            di_dpsis = ufl.diff(self.i_hat, self.psi_s)  # d psi_s / dV = -1
            self.constraint = GlobalConstraint(
                G=self._G_current,
                r=fem.form(ufl.derivative(G, self.U, ufl.TestFunction(self.W))),
                b=fem.form(di_dpsis * qp * (1.0 - self.init) * as_ * ds_e),
                d=fem.form(-(di_dpsis / A_hat) * as_ * ds_e),
            )

        # --- Dirichlet conditions (reservoir top): c± = c0, phi = 0 ------------------------------
        fdim = tdim - 1
        self._reservoir_conditions()
        sub_dofs = [
            np.asarray(self.W.sub(i).collapse()[1], dtype=np.int32).reshape(-1) for i in range(3)
        ]
        self.u_plus_dofs, self.u_minus_dofs, self.psi_dofs = sub_dofs
        # both log-concentrations: Simulation caps their change per step
        self.u_dofs = np.concatenate([self.u_plus_dofs, self.u_minus_dofs])
        e_facets = facet_tags.find(self.markers["electrode"])
        self._electrode_dofs_u = fem.locate_dofs_topological(self.W.sub(0), fdim, e_facets)

        # --- diagnostics (compiled once) ----------------------------------------------------------
        self._salt_form = fem.form(self.porosity * cm * vs * dx)
        self._cation_form = fem.form(self.porosity * cp * vs * dx)
        self._charge_form = fem.form(self.rho_hat * vs * dx)
        self._electrode_measure = self._assemble(fem.form(const(1.0) * as_ * ds_e))

        # --- Debye-length resolution next to the electrode and the charged facets ---------------
        self.elements_per_debye = debye_mesh.check_mesh_resolution(
            mesh,
            facet_tags,
            sorted({self.markers["electrode"], *self.sigma}),
            self.debye_length,
            per_debye=per_debye,
            action=resolution,
        )

    # ------------------------------------------------------------------------------------------
    def _compile_residual(self) -> None:
        species = self.F_cation_ufl + self.F_anion_ufl
        F = (1.0 - self.init) * species + self.init * self.F_init_ufl + self.F_poisson_ufl
        self.F_ufl = F
        self.residual = fem.form(F)
        self.jacobian = fem.form(ufl.derivative(F, self.U, ufl.TrialFunction(self.W)))

    def add_terms(self, cation=None, anion=None, poisson=None) -> None:
        """Add UFL terms (tested with ``self.test_functions`` = (q+, q-, w)) to the cation, anion
        and Poisson equations and recompile — e.g. manufactured-solution sources. Call before
        creating the Newton solver."""
        if cation is not None:
            self.F_cation_ufl = self.F_cation_ufl + cation
        if anion is not None:
            self.F_anion_ufl = self.F_anion_ufl + anion
        if poisson is not None:
            self.F_poisson_ufl = self.F_poisson_ufl + poisson
        self._compile_residual()

    def reaction_current(self, u_plus, psi, psi_s):
        """Dimensionless i_BV / j0 at a Li surface held at psi_s (anodic positive), with the
        cation concentration and potential at the surface."""
        p = self.params
        eta_hat = psi_s - psi
        c_hat = ufl.exp(u_plus) * self.c0_over_cref
        k0 = self.k0_hat if self.i0_factor is None else self.k0_hat * self.i0_factor
        return p.kinetics_law.rate(k0, eta_hat, c_hat, backend=kinetics.UFL)

    # --- state ----------------------------------------------------------------------------------
    # --- diagnostics ----------------------------------------------------------------------------
    def cation_amount(self) -> float:
        """int eps c+ dx [mol per m^(3-d)]."""
        return (
            self._assemble(self._cation_form)
            * self.scales.concentration
            * (self.scales.length**self.tdim)
        )

    def space_charge(self) -> float:
        """F int (c+ - c- + z_X X) dx [C per m^(3-d)]: the diffuse (and fixed) charge, which
        screens the surface charges: equals -sum(sigma |facets|) at equilibrium."""
        sc = self.scales
        return (
            self._assemble(self._charge_form)
            * FARADAY
            * sc.concentration
            * sc.length ** (self.tdim)
        )

    def surface_concentration_min(self) -> float:
        """min c+ over the electrode nodes [mol/m^3]."""
        vals = self.U.x.array[self._electrode_dofs_u]
        local = np.min(vals) if vals.size else np.inf
        return float(np.exp(self.comm.allreduce(local, op=MPI.MIN)) * self.params.c0)

    def salt_inflow(self) -> float:
        """Salt (anions) entering through the top [mol/s per m^(3-d)], consistent with the
        discrete equations: the anion residual summed over the top (Dirichlet) rows."""
        return self._inflow_through_top((0.0, 1.0, 0.0))

    def nodal_species(self):
        """UFL (c+/c0, c-/c0, phi_l/V_T) for P1 output fields (as ElectroneutralProblem)."""
        return self.c_plus_expr, self.c_minus_expr, self.psi_phys_expr
