"""The electroneutral Nernst–Planck / Butler–Volmer problem on a dolfinx mesh.

Unknowns (mixed P_k x P_k): u = ln(c/c0) and psi = phi_l / V_T, dimensionless (see
:mod:`depsim.physics.scaling`), plus one global real unknown in galvanostatic mode: the
dimensionless cell potential V_hat = V / V_T, the potential of the top (reservoir electrolyte or
counter Li) relative to the grounded bottom Li. Internally the gauge is phi_l = 0 on a reservoir
top (or phi_s = 0 on a counter Li) and phi_s = -V on the bottom Li; outputs shift by +V so that the
bottom Li sits at 0 V.

Time discretisation: variable-step BDF2 on the stored quantity eps c (conservative), written as
(a0 c^{n+1} + a1 c^n + a2 c^{n-1}) / dt with coefficients held in Constants, so no form is
recompiled in the time loop. ``init = 1`` replaces the salt equation by u = u_n to compute a
consistent initial potential (phi is algebraic, an index-1 DAE); ``a0 = a1 = a2 = 0`` gives the
steady problem.

Regions and fixed charge (:mod:`depsim.physics.separator`). Without a separator, or with a
separator filling the whole cell, the coefficients d+, d-, porosity (and the fixed charge) are
Constants. With a separator layer they are DG0 Functions set from the mesh's cell tags
(SEPARATOR cells get the separator's values, all others the free electrolyte's). With a fixed
charge X the first unknown is u = ln(s/c0) with s = sqrt(c+ c-) and the second is chi = psi - zeta,
zeta = asinh(X/(2s)): the cation and anion electrochemical potentials u + chi and u - chi are
continuous, so continuous (u, chi) give exact Donnan jumps of c+-, psi at region interfaces.
Without fixed charge zeta = 0 and the forms are the plain electroneutral ones.

Frumkin kinetics with charged sites (:mod:`depsim.physics.frumkin`): the exchange current density
on the bottom Li is i0 f(x), f a P1 Function interpolated from the sites' sigma(x) at c0.

Forms are compiled once here; :class:`depsim.solver.newton.BorderedNewton` solves them.
"""

from __future__ import annotations

from dataclasses import dataclass

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc  # noqa: F401
import dolfinx.la
import numpy as np
import ufl
from dolfinx import default_scalar_type
from mpi4py import MPI

from depsim.physics import kinetics
from depsim.physics import separator as separator_physics
from depsim.physics.constants import FARADAY
from depsim.physics.sites import exchange_current_factor_profile
from depsim.solver.base import TransportProblemBase
from depsim.solver.parameters import ModelParameters

ELECTRODE = 1
TOP = 2


@dataclass
class GlobalConstraint:
    """Compiled forms of the galvanostatic constraint G(U, V) = 0 and its derivatives.

    G = (1/A_hat) int_Ge i_hat ds_hat + i_app_hat   (scalar form)
    r = dG/dU (vector form), b = dR/dV (vector form), d = dG/dV (scalar form).
    """

    G: fem.Form
    r: fem.Form
    b: fem.Form
    d: fem.Form


class ElectroneutralProblem(TransportProblemBase):
    """Electroneutral binary-salt transport with Butler–Volmer kinetics on the bottom Li.

    Parameters
    ----------
    mesh: dolfinx mesh, coordinates in metres.
    facet_tags: facet MeshTags with the electrode (``markers["electrode"]``) and top
        (``markers["top"]``) boundaries; other boundaries are zero-flux.
    params: :class:`ModelParameters` (SI).
    markers: facet marker values.
    projected_area: projected electrode area [m^(d-1)] used to turn the applied current density
        into a total current (default: the mesh's bounding-box extent across the electrode).
    cell_tags: cell MeshTags with SEPARATOR (2) cells; needed when ``params.separator`` is a
        layer (``separator_fills_cell`` False).
    moving_mesh: add the ALE term -eps w . grad c+ to the salt equation, with the mesh velocity
        w made of ``self.mesh_displacement`` and ``self.mesh_displacement_prev`` (vector P1
        Functions [m], zero until the mesh mover sets them; see
        :meth:`~depsim.solver.base.TransportProblemBase._ale_velocity_hat`).

    Attributes (besides the forms): ``d_plus``, ``d_minus``, ``porosity`` (Constants, or DG0
    Functions with a separator layer), ``x_hat`` (fixed charge X/c0: None, Constant or DG0),
    ``i0_factor`` (P1 Frumkin factor on the bottom Li, or None), ``c_plus_expr``,
    ``c_minus_expr``, ``psi_phys_expr`` (cell-wise c+/c0, c-/c0 and phi_l/V_T),
    ``N_plus``/``N_minus`` (dimensionless fluxes).
    """

    def __init__(
        self,
        mesh,
        facet_tags,
        params: ModelParameters,
        markers: dict[str, int] | None = None,
        projected_area: float | None = None,
        cell_tags=None,
        moving_mesh: bool = False,
    ):
        self._setup_common(mesh, facet_tags, params, markers, projected_area)
        self.cell_tags = cell_tags
        tdim = self.tdim
        p = params
        sc = self.scales
        L0 = sc.length
        projected_area = self.projected_area
        self.galvanostatic = p.mode == "galvanostatic"
        self.reacting = True  # the bottom Li reacts (the Poisson model may block it)
        self.closed = p.counter == "electrode"

        # --- spaces and unknowns -------------------------------------------------------------
        P = basix.ufl.element("Lagrange", mesh.basix_cell(), p.element_degree)
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element([P, P]))
        self.field_names = ("u", "psi")  # the sub-spaces of W, in order
        self.U = fem.Function(self.W, name="U")
        self.U_n = fem.Function(self.W, name="U_n")
        self.U_nm1 = fem.Function(self.W, name="U_nm1")
        u, psi = ufl.split(self.U)
        u_n, psi_n = ufl.split(self.U_n)
        u_nm1, psi_nm1 = ufl.split(self.U_nm1)
        q, w = ufl.TestFunctions(self.W)
        self.u_expr, self.psi_expr = u, psi

        const = self._constant
        self._setup_controls()  # time-stepping and control constants

        # material coefficients: Constants, or region-wise DG0 functions with a separator layer
        self._setup_regions(cell_tags, const)
        self.k0_hat = const(p.i0 / sc.current_density)
        self.c0_over_cref = const(p.c0 / p.reference_concentration)
        self.i0_factor = self._exchange_current_factor(
            self._frumkin_profile if p.frumkin_sites else None
        )

        # scaled measures: grad_hat = L0 grad, dx_hat = dx / L0^d, ds_hat = ds / L0^(d-1)
        self.L0 = const(L0)
        self.vol_scale = const(L0 ** (-tdim))
        self.area_scale = const(L0 ** (-(tdim - 1)))
        self.dx = ufl.Measure("dx", domain=mesh)
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)
        vs, as_ = self.vol_scale, self.area_scale
        dx, ds_e, ds_t = self.dx, self.ds(self.markers["electrode"]), self.ds(self.markers["top"])

        def grad_hat(f):
            return self.L0 * ufl.grad(f)

        ions = separator_physics.ion_concentrations_ufl
        c_plus, c_minus, zeta = ions(u, self.x_hat)
        self.c_plus_expr, self.c_minus_expr = c_plus, c_minus
        self.salt_expr = c_plus  # the salt content is the cations' (salt_amount)
        self.psi_phys_expr = psi + zeta
        # --- kinetics on the bottom Li (psi_s = -V_hat) ---------------------------------------
        self.psi_s = ufl.variable(-self.V_hat)
        self.i_faradaic_hat = self.reaction_current(u, psi, self.psi_s)  # anodic positive
        # double-layer charging (docs/model.md §4): i = i_F + C_dl d(phi_s - phi_l)/dt, the
        # solution-side charge made of equal cation and anion parts (the cation equation
        # takes half of the charging current)
        self.double_layer = p.double_layer_capacitance > 0.0
        i_dl = self._double_layer_current(
            psi + zeta,
            psi_n + ions(u_n, self.x_hat)[2],
            psi_nm1 + ions(u_nm1, self.x_hat)[2],
            const,
        )
        self.i_hat = self.i_faradaic_hat + i_dl  # total current into the electrolyte
        i_cation = self.i_faradaic_hat + 0.5 * i_dl  # its cation part
        # --- transport ----------------------------------------------------------------------
        storage = (
            self.porosity
            * (
                self.a0 * c_plus
                + self.a1 * ions(u_n, self.x_hat)[0]
                + self.a2 * ions(u_nm1, self.x_hat)[0]
            )
            / self.dt_hat
        )
        N_plus = -self.d_plus * c_plus * grad_hat(u + psi)
        N_minus = -self.d_minus * c_minus * grad_hat(u - psi)
        self.N_plus, self.N_minus = N_plus, N_minus
        F_salt = (storage * q - ufl.inner(N_plus, grad_hat(q))) * vs * dx
        F_salt -= i_cation * q * as_ * ds_e
        # --- moving mesh (ALE): the BDF difference is d/dt at fixed mesh points, so
        #     eps (dc/dt|_mesh - w . grad c) + div N+ = 0, w = mesh velocity [m/s]
        self.mesh_displacement = None
        if moving_mesh:
            w_hat = self._ale_velocity_hat()  # dimensionless mesh velocity
            F_salt -= self.porosity * ufl.inner(w_hat, grad_hat(c_plus)) * q * vs * dx
        F_init = (u - u_n) * q * vs * dx
        F_current = -ufl.inner(N_plus - N_minus, grad_hat(w)) * vs * dx
        F_current -= self.i_hat * w * as_ * ds_e
        if self.closed:
            # counter Li on top with phi_s = 0: the same kinetics, same sign convention
            self.i_hat_top = self.reaction_current(u, psi, const(0.0), sites=False)
            F_salt -= self.i_hat_top * q * as_ * ds_t
            F_current -= self.i_hat_top * w * as_ * ds_t
        self.test_functions = (q, w)
        self.F_salt_ufl, self.F_current_ufl, self.F_init_ufl = F_salt, F_current, F_init
        self._compile_residual()

        # --- galvanostatic constraint (bordered Newton) ------------------------------------------
        self.constraint: GlobalConstraint | None = None
        A_hat = const(projected_area * L0 ** (-(tdim - 1)))
        # G = (1/A_hat) int_Ge i_hat ds_hat + i_app_hat; the form holds the integral only
        G = (self.i_hat / A_hat) * as_ * ds_e
        self._G_current = fem.form(G)
        self._G_faradaic = (
            fem.form((self.i_faradaic_hat / A_hat) * as_ * ds_e) if self.double_layer else None
        )
        if self.galvanostatic:
            di_dpsis = ufl.diff(self.i_hat, self.psi_s)  # d i_hat / d psi_s;  d psi_s/dV = -1
            dic_dpsis = ufl.diff(i_cation, self.psi_s)  # its cation part (salt rows)
            v_q, v_w = q, w
            self.constraint = GlobalConstraint(
                G=self._G_current,
                r=fem.form(ufl.derivative(G, self.U, ufl.TestFunction(self.W))),
                b=fem.form((dic_dpsis * v_q * (1.0 - self.init) + di_dpsis * v_w) * as_ * ds_e),
                d=fem.form(-(di_dpsis / A_hat) * as_ * ds_e),
            )

        # --- Dirichlet conditions (reservoir top) ---------------------------------------------
        self.bcs, self._top_dofs = [], []
        if not self.closed:
            self._reservoir_conditions()
        self.u_dofs = np.asarray(self.W.sub(0).collapse()[1], dtype=np.int32).reshape(-1)
        self.psi_dofs = np.asarray(self.W.sub(1).collapse()[1], dtype=np.int32).reshape(-1)
        # electrode dofs of u, for the surface concentration (and X there, for c+ = s e^-zeta)
        fdim = tdim - 1
        e_facets = facet_tags.find(self.markers["electrode"])
        V0, _ = self.W.sub(0).collapse()
        dofs_W, dofs_V0 = fem.locate_dofs_topological((self.W.sub(0), V0), fdim, e_facets)
        self._electrode_dofs_u = dofs_W
        self._electrode_x_hat = None
        if self.x_hat is not None:
            if isinstance(self.x_nodal, fem.Function):
                xv = fem.Function(V0)
                xv.interpolate(self.x_nodal)
                self._electrode_x_hat = xv.x.array[dofs_V0].copy()
            else:
                self._electrode_x_hat = np.full(len(dofs_V0), float(self.x_nodal.value))

        # --- diagnostics (compiled once) --------------------------------------------------------
        self._salt_form = fem.form(self.porosity * c_plus * vs * dx)
        self._electrode_measure = self._assemble(fem.form(_one(mesh) * as_ * ds_e))

    # ------------------------------------------------------------------------------------------
    def _compile_residual(self) -> None:
        F = (1.0 - self.init) * self.F_salt_ufl + self.init * self.F_init_ufl + self.F_current_ufl
        self.F_ufl = F
        self.residual = fem.form(F)
        self.jacobian = fem.form(ufl.derivative(F, self.U, ufl.TrialFunction(self.W)))

    def add_terms(self, salt=None, current=None) -> None:
        """Add UFL terms (already tested with ``self.test_functions``) to the salt and current
        equations and recompile — e.g. manufactured-solution sources. Call before creating the
        Newton solver."""
        if salt is not None:
            self.F_salt_ufl = self.F_salt_ufl + salt
        if current is not None:
            self.F_current_ufl = self.F_current_ufl + current
        self._compile_residual()

    def reaction_current(self, u, psi, psi_s, sites: bool = True):
        """Dimensionless i_BV / j0 at a Li surface held at psi_s (anodic positive).

        ``u``, ``psi``: the unknowns (u = ln(s/c0), psi = chi; psi = phi_l/V_T without fixed
        charge). With a fixed charge, Butler–Volmer sees the pore values c+ = s e^-zeta and
        eta = psi_s - (chi + zeta); the ``linear`` law uses eta = psi_s - chi (overpotential from
        the Li's equilibrium with the pore liquid at s = c0, which includes the Donnan potential).
        ``sites``: apply the Frumkin factor of the charged sites (bottom Li only).
        """
        k0 = self.k0_hat
        if sites and self.i0_factor is not None:
            k0 = k0 * self.i0_factor
        law = self.params.kinetics_law
        if self.x_hat is None or not law.uses_concentration:
            eta_hat = psi_s - psi
            c_hat = ufl.exp(u) * self.c0_over_cref
        else:
            c_plus, _, zeta = separator_physics.ion_concentrations_ufl(u, self.x_hat)
            eta_hat = psi_s - psi - zeta
            c_hat = c_plus * self.c0_over_cref
        return law.rate(k0, eta_hat, c_hat, backend=kinetics.UFL)

    # --- regions, fixed charge, sites ------------------------------------------------------------
    def _setup_regions(self, cell_tags, const) -> None:
        """d+, d-, porosity and the fixed charge X/c0, as Constants or region-wise DG0."""
        p, sep = self.params, self.params.separator
        self.separator_layer = sep is not None and not p.separator_fills_cell
        self.x_hat = self._region_coefficients(cell_tags, const)  # X/c0: None, Constant or DG0
        # P1 (or Constant) X/c0 at nodes, the charged side winning at interfaces
        self.x_nodal = None if self.x_hat is None or self.separator_layer else self.x_hat
        if self.separator_layer and self.x_hat is not None:
            X_hat = sep.fixed_charge / p.c0
            # nodes touching a separator cell take the separator's X (assembled indicator)
            V1 = fem.functionspace(self.mesh, ("Lagrange", 1))
            ind = self._region_function(cell_tags, "separator_indicator", 0.0, 1.0)
            b = fem.assemble_vector(fem.form(ind * ufl.TestFunction(V1) * ufl.dx))
            b.scatter_reverse(dolfinx.la.InsertMode.add)
            b.scatter_forward()
            self.x_nodal = fem.Function(V1, name="fixed_charge_nodal")
            self.x_nodal.x.array[:] = np.where(b.array > 0.0, X_hat, 0.0)

    def _double_layer_current(self, phi, phi_n, phi_nm1, const):
        """Charging current of the double layer at the bottom Li, i_dl / j0 (anodic positive):

            i_dl = C_dl d(phi_s - phi_l)/dt,  discretised with the step's BDF coefficients,

        ``phi``, ``phi_n``, ``phi_nm1``: phi_l / V_T at the surface now and at the two previous
        steps (UFL); phi_s / V_T = -V_hat with its own history. 0 without a capacitance and in a
        steady solve (a0 = a1 = a2 = 0)."""
        p, sc = self.params, self.scales
        if not self.double_layer:
            return 0.0
        c_hat = const(
            p.double_layer_capacitance * sc.thermal_voltage / (sc.current_density * sc.time)
        )
        x = self.psi_s - phi
        x_n = -self.V_hat_n - phi_n
        x_nm1 = -self.V_hat_nm1 - phi_nm1
        return c_hat * (self.a0 * x + self.a1 * x_n + self.a2 * x_nm1) / self.dt_hat

    def _frumkin_profile(self, x):
        """f(x) = exp(-alpha_a psi_d(sigma(x), c0)/V_T) of the charged sites at positions x [m]."""
        p = self.params
        return exchange_current_factor_profile(
            p.sites, x, p.c0, p.relative_permittivity, p.temperature, p.alpha_a
        )

    def nodal_species(self):
        """UFL (c+/c0, c-/c0, phi_l/V_T) with the fixed charge taken at the nodes (the charged
        side at a Donnan interface), for interpolation into P1 output fields."""
        u, psi = self.u_expr, self.psi_expr
        c_plus, c_minus, zeta = separator_physics.ion_concentrations_ufl(u, self.x_nodal)
        return c_plus, c_minus, psi + zeta

    # --- state ----------------------------------------------------------------------------------
    # --- diagnostics ----------------------------------------------------------------------------
    def surface_concentration_min(self) -> float:
        """min c+ over the electrode nodes [mol/m^3]."""
        vals = self.U.x.array[self._electrode_dofs_u]
        if self._electrode_x_hat is None:
            local = np.min(vals) if vals.size else np.inf
            return float(np.exp(self.comm.allreduce(local, op=MPI.MIN)) * self.params.c0)
        c_plus, _ = separator_physics.donnan_concentrations(np.exp(vals), self._electrode_x_hat)
        local = float(np.min(c_plus)) if c_plus.size else np.inf
        return float(self.comm.allreduce(local, op=MPI.MIN) * self.params.c0)

    def salt_inflow(self) -> float:
        """Salt entering through the boundaries [mol/s per m^(3-d)], consistent with the
        discrete equations: the anion residual (salt row minus current row) summed over the
        Dirichlet (top) rows. Zero for a closed cell (the anion is blocked at both electrodes)."""
        if self.closed:
            return 0.0
        return self._inflow_through_top((1.0, -1.0))


def _one(mesh):
    return fem.Constant(mesh, default_scalar_type(1.0))


__all__ = ["ElectroneutralProblem", "FARADAY"]
