"""One transport problem for any charge model, composed of parts.

:class:`CellProblem` is the binary-salt transport problem of one cell (a dolfinx mesh with the
bottom Li, the top and insulating walls), composed of

- a **charge model** (:mod:`depsim.model.charge`: electroneutral or Poisson), the strategy that
  declares the fields and equations and adds its own terms;
- the **regions** (:mod:`depsim.model.regions`): d±, porosity and fixed charge per region;
- the **electrode parts** (:mod:`depsim.model.electrode`): the bottom Li and, in a closed cell,
  a counter Li on top, each giving its ion currents from the kinetics registry;
- the **boundary parts** (:mod:`depsim.model.boundaries`): the reservoir top;
- the **galvanostatic constraint** (:mod:`depsim.model.constraint`).

Every equation of the charge model is written here once, from its weights on the two ion
balances (dimensionless, in scaled measures dx_hat = dx / L0^d, ds_hat = ds / L0^(d-1),
grad_hat = L0 grad; :mod:`depsim.physics.scaling`)::

    [transient]  eps (a0 c + a1 c^n + a2 c^(n-1)) / dt_hat q  - eps (w_hat . grad_hat c) q  dx_hat
                 - N . grad_hat q                                                          dx_hat
                 - (cation i+ - anion i-) q                                 ds_hat (electrodes)

with c = cation c+ + anion c- and N = cation N+ + anion N- (Nernst–Planck,
:mod:`depsim.physics.nernst_planck`, or Newman's concentrated binary electrolyte,
:mod:`depsim.model.concentrated`), plus the model's own terms. While the initial state is
solved (``init = 1``) the transient equations are replaced by the model's initial residual;
``a0 = a1 = a2 = 0`` gives the steady problem. BDF coefficients, the step, the cell potential and
the applied current are Constants (:class:`~depsim.model.base.TransportProblemBase`), so no form
is recompiled in the time loop.

Gauge: phi_l = 0 on a reservoir top (phi_s = 0 on a counter Li) and phi_s = -V on the bottom
Li; outputs shift by +V so that the bottom Li sits at 0 V. The problem satisfies the typed
interface :class:`depsim.solver.interface.TransportProblem`.
"""

from __future__ import annotations

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc  # noqa: F401
import numpy as np
import ufl
from mpi4py import MPI

from depsim.errors import CaseError
from depsim.model.base import TransportProblemBase
from depsim.model.boundaries import Reservoir
from depsim.model.charge import ChargeModel
from depsim.model.concentrated import newman_fluxes
from depsim.model.constraint import current_forms, ion_source
from depsim.model.electrode import CounterLi, LiElectrode, reaction_current
from depsim.model.phase_field import PhaseField, check_phase_field
from depsim.model.quadrature import compile_form, concentrated_degree
from depsim.model.regions import region_coefficients
from depsim.physics import nernst_planck
from depsim.physics.sites import exchange_current_factor_profile

__all__ = ["CellProblem"]


class CellProblem(TransportProblemBase):
    """Binary-salt transport in one cell with the charge model ``charge``.

    Parameters
    ----------
    mesh: dolfinx mesh, coordinates in metres.
    facet_tags: facet MeshTags with the electrode (``markers["electrode"]``) and top
        (``markers["top"]``) boundaries (and any charged facets); other boundaries are walls.
    params: :class:`~depsim.solver.parameters.ModelParameters` (SI).
    charge: the :class:`~depsim.model.charge.ChargeModel`.
    markers: facet marker values (names -> tags; electrode 1 and top 2 unless given).
    projected_area: projected electrode area [m^(d-1)] for the applied current (default: the
        mesh's bounding-box extent across the electrode).
    cell_tags: cell MeshTags with SEPARATOR cells, for a separator layer.
    moving_mesh: add the ALE term of the moving Li surface, with the mesh velocity made of
        ``mesh_displacement`` and ``mesh_displacement_prev`` (vector P1 [m], set by the mesh
        mover; :meth:`~depsim.model.base.TransportProblemBase._ale_velocity_hat`).
    reacting: the bottom Li reacts (False: a blocking wall, no galvanostatic constraint).

    ``mesh_hierarchy``: the coarser nested meshes when ``mesh`` came from uniform refinement
    (set by :func:`~depsim.solver.build.build_problem` from the mesh bundle; empty otherwise),
    for the geometric multigrid of the iterative solver.
    """

    mesh_hierarchy: tuple = ()

    def __init__(
        self,
        mesh,
        facet_tags,
        params,
        charge: ChargeModel,
        markers: dict[str, int] | None = None,
        projected_area: float | None = None,
        cell_tags=None,
        moving_mesh: bool = False,
        reacting: bool = True,
    ):
        if params.counter == "electrode" and not charge.supports_closed_cell:
            raise CaseError(
                "operation.counter",
                f"model.charge = '{charge.name}' needs a reservoir top: a closed cell has no "
                "reservoir to fix the equilibrium (its Poisson problem is pure Neumann)",
                params.counter,
                "reservoir",
            )
        self._setup_common(mesh, facet_tags, params, markers, projected_area)
        p, sc = params, self.scales
        self.charge, self.cell_tags, self.reacting = charge, cell_tags, reacting
        self.galvanostatic = p.mode == "galvanostatic" and reacting
        self.closed = p.counter == "electrode"

        # --- the mixed space of the charge model's fields -------------------------------------
        P = basix.ufl.element("Lagrange", mesh.basix_cell(), p.element_degree)
        self.field_names = charge.field_names + (("xi",) if p.phase_field is not None else ())
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element([P] * len(self.field_names)))
        self.U = fem.Function(self.W, name="U")
        self.U_n = fem.Function(self.W, name="U_n")
        self.U_nm1 = fem.Function(self.W, name="U_nm1")
        levels = [ufl.split(f) for f in (self.U, self.U_n, self.U_nm1)]
        all_tests = self.test_functions = ufl.TestFunctions(self.W)
        self.phase = None
        n_charge = len(charge.field_names)
        if p.phase_field is not None:  # the diffuse Li surface (model/phase_field.py)
            check_phase_field(p, charge, moving_mesh)
            self.phase = PhaseField(self, p.phase_field, n_charge, *levels)
        # the charge model sees its own fields and tests
        fields, fields_n, fields_nm1 = (tuple(f[:n_charge]) for f in levels)
        tests = tuple(all_tests[:n_charge])
        self._fields = fields
        self.u_expr, self.psi_expr = fields[0], fields[charge.potential_field]

        # --- controls, measures, regions, the charge model's coefficients ----------------------
        const = self._constant
        self._setup_controls()
        self._setup_measures()
        self.regions = region_coefficients(mesh, p, sc, cell_tags, const)
        self.d_plus, self.d_minus = self.regions.d_plus, self.regions.d_minus
        self.porosity = self.regions.porosity
        charge.setup(self, const)
        if self.phase is not None:  # the electrolyte fills the fraction psi(xi)
            psi = self.phase.psi
            self.porosity, self.d_plus, self.d_minus = (
                psi * self.porosity,
                psi * self.d_plus,
                psi * self.d_minus,
            )
        self.k0_hat = const(p.i0 / sc.current_density)
        self.c0_over_cref = const(p.c0 / p.reference_concentration)
        frumkin = charge.sites_as_frumkin_factor and p.frumkin_sites
        self.i0_factor = self._exchange_current_factor(self._frumkin_profile if frumkin else None)

        # --- the ions and their Nernst–Planck fluxes ------------------------------------------
        species = tuple(charge.species(self, f) for f in (fields, fields_n, fields_nm1))
        sp = species[0]
        self.c_plus_expr, self.c_minus_expr, self.psi_phys_expr = sp.c_plus, sp.c_minus, sp.phi
        self.salt_expr = sp.c_plus if charge.salt_ion == "cation" else sp.c_minus
        if p.electrolyte_model == "concentrated":
            self.N_plus, self.N_minus = newman_fluxes(self, fields[0], fields[1], sp.c_plus)
        else:
            self.N_plus = nernst_planck.flux(self.d_plus, sp.c_plus, sp.mu_plus, self.grad_hat)
            self.N_minus = nernst_planck.flux(self.d_minus, sp.c_minus, sp.mu_minus, self.grad_hat)

        # --- electrode parts ------------------------------------------------------------------
        self.double_layer = p.double_layer_capacitance > 0.0 and charge.supports_double_layer
        bottom = LiElectrode(self, fields, species, self.double_layer)
        if self.phase is not None:  # the reaction takes place on the diffuse surface
            bottom.current.integrate = self.phase.integrate(self)
        self.psi_s = bottom.psi_s
        self.i_faradaic_hat, self.i_hat = bottom.current.faradaic, bottom.current.total
        self.electrodes = [bottom.current] if reacting else []
        if self.closed:
            top = CounterLi(self, fields, species, self.double_layer).current
            self.i_hat_top = top.total
            self.electrodes.append(top)

        # --- the equations -------------------------------------------------------------------
        self.mesh_displacement = None
        w_hat = self._ale_velocity_hat() if moving_mesh else None
        self.equation_forms = self._transport_equations(species, tests, w_hat)
        if self.phase is not None:
            q_xi = all_tests[self.phase.index]
            self.equation_forms["phase"] = self.phase.equation(self, bottom.current.faradaic, q_xi)
        for name, term in charge.own_terms(self, fields, tests).items():
            prev = self.equation_forms[name]
            self.equation_forms[name] = term if prev is None else prev + term
        self.F_init_ufl = charge.initial_residual(self, fields, fields_n, tests)
        if self.phase is not None:
            self.F_init_ufl += self.phase.initial_residual(self, all_tests[self.phase.index])
        self._compile_residual()
        self.constraint, self._G_current, self._G_faradaic = current_forms(
            self, bottom.current, all_tests
        )

        # --- boundary parts and dof maps --------------------------------------------------------
        n = len(self.field_names)
        self.reservoir = (
            None if self.closed else Reservoir(self.W, facet_tags, self.markers["top"], n)
        )
        self.bcs = [] if self.reservoir is None else self.reservoir.bcs
        sub = [
            np.asarray(self.W.sub(i).collapse()[1], dtype=np.int32).reshape(-1) for i in range(n)
        ]
        logs = charge.log_concentration_fields
        self.u_dofs = sub[logs[0]] if len(logs) == 1 else np.concatenate([sub[i] for i in logs])
        self.psi_dofs = sub[charge.potential_field]
        self._xi_dofs = sub[self.phase.index] if self.phase is not None else None
        V0, _ = self.W.sub(0).collapse()
        e_facets = facet_tags.find(self.markers["electrode"])
        self._electrode_dofs_u = fem.locate_dofs_topological(
            (self.W.sub(0), V0), self.tdim - 1, e_facets
        )[0]

        # --- diagnostics (compiled once) ----------------------------------------------------------
        self._salt_form = compile_form(self.porosity * self.salt_expr * self.vol_scale * self.dx)
        one = const(1.0)
        ds_e = self.ds(self.markers["electrode"])
        self._electrode_measure = self._assemble(fem.form(one * self.area_scale * ds_e))
        charge.finish(self)

    # ------------------------------------------------------------------------------------------
    def _setup_measures(self) -> None:
        """Scaled measures: dx_hat = dx / L0^d (``vol_scale``), ds_hat = ds / L0^(d-1)
        (``area_scale``), and ``dx``, ``ds``, ``dS`` with the facet tags."""
        L0, tdim, const = self.scales.length, self.tdim, self._constant
        self.L0 = const(L0)
        self.vol_scale = const(L0 ** (-tdim))
        self.area_scale = const(L0 ** (-(tdim - 1)))
        self.dx = ufl.Measure("dx", domain=self.mesh)
        self.ds = ufl.Measure("ds", domain=self.mesh, subdomain_data=self.facet_tags)
        self.dS = ufl.Measure("dS", domain=self.mesh, subdomain_data=self.facet_tags)

    def surface_integral(self, current):
        """expr -> the integral of expr over the electrode ``current``'s surface (UFL, scaled):
        its facets (ds_hat), or the diffuse Li surface delta(xi) dx_hat of the phase field."""
        if current.integrate is not None:
            return current.integrate
        as_, ds = self.area_scale, self.ds(current.marker)
        return lambda expr: expr * as_ * ds

    def set_uniform_state(self, c_hat: float = 1.0) -> None:
        """The cell at rest (:meth:`TransportProblemBase.set_uniform_state`) and, with a phase
        field, its initial Li surface."""
        super().set_uniform_state(c_hat)
        if self.phase is not None:
            self.phase.set_initial(self)

    def set_bdf(self, dt: float, dt_prev: float | None, order: int = 2) -> None:
        """BDF coefficients (:meth:`TransportProblemBase.set_bdf`) and, with a phase field,
        the step's data from the last accepted state."""
        super().set_bdf(dt, dt_prev, order)
        if self.phase is not None:
            self.phase.before_step(self)

    def grad_hat(self, f):
        """The scaled gradient L0 grad f (UFL)."""
        return self.L0 * ufl.grad(f)

    def _transport_equations(self, species, tests, w_hat) -> dict:
        """The ion-balance part of each equation of the charge model (see the module
        docstring); None for an equation with no ion balance in it."""
        sp, sp_n, sp_nm1 = species
        vs, dx, gh = self.vol_scale, self.dx, self.grad_hat
        forms: dict = {}
        for eq, q in zip(self.charge.equations, tests, strict=True):
            F = None
            N = _weighted(eq.cation, self.N_plus, eq.anion, self.N_minus)
            if eq.transient:

                def c(s, eq=eq):
                    return _weighted(eq.cation, s.c_plus, eq.anion, s.c_minus)

                stored = self.a0 * c(sp) + self.a1 * c(sp_n) + self.a2 * c(sp_nm1)
                storage = self.porosity * stored / self.dt_hat
                F = (storage * q - ufl.inner(N, gh(q))) * vs * dx
                if w_hat is not None:  # ALE: the BDF difference is d/dt at fixed mesh points
                    F -= self.porosity * ufl.inner(w_hat, gh(c(sp))) * q * vs * dx
            elif N is not None:
                F = -ufl.inner(N, gh(q)) * vs * dx
            for current in self.electrodes:
                src = ion_source(eq, current)
                if src is not None:
                    term = self.surface_integral(current)(src * q)
                    F = -term if F is None else F - term
            forms[eq.name] = F
        return forms

    def _compile_residual(self) -> None:
        """F = (1 - init) (transient equations) + init F_init + (algebraic equations)."""
        transient, algebraic = [], []
        for eq in self.charge.equations:
            form = self.equation_forms[eq.name]
            if form is not None:
                (transient if eq.transient else algebraic).append(form)
        if self.phase is not None:
            transient.append(self.equation_forms["phase"])
        F = (1.0 - self.init) * sum(transient[1:], transient[0]) + self.init * self.F_init_ufl
        for form in algebraic:
            F = F + form
        self.F_ufl = F
        kw = {}
        if self.params.electrolyte_model == "concentrated":  # model/quadrature.py
            kw["degree"] = concentrated_degree(self.params.element_degree)
        self.residual = compile_form(F, **kw)
        self.jacobian = compile_form(ufl.derivative(F, self.U, ufl.TrialFunction(self.W)), **kw)

    def add_terms(self, **terms) -> None:
        """Add UFL terms (tested with ``self.test_functions``) to the named equations of the
        charge model and recompile, e.g. manufactured-solution sources. Call before creating
        the Newton solver."""
        for name, term in terms.items():
            if term is None:
                continue
            if name not in self.equation_forms:
                raise ValueError(f"no equation {name!r}: {tuple(self.equation_forms)}")
            prev = self.equation_forms[name]
            self.equation_forms[name] = term if prev is None else prev + term
        self._compile_residual()

    def reaction_current(self, u, psi, psi_s, sites: bool = True):
        """Dimensionless faradaic current i_F / j0 at a Li surface held at ``psi_s`` (anodic
        positive), from the first field ``u`` and the potential field ``psi``
        (:func:`depsim.model.electrode.reaction_current`)."""
        return reaction_current(self, u, psi, psi_s, sites)

    def _frumkin_profile(self, x):
        """f(x) = exp(-alpha_a psi_d(sigma(x), c0)/V_T) of the charged sites at x [m]."""
        p = self.params
        return exchange_current_factor_profile(
            p.sites, x, p.c0, p.relative_permittivity, p.temperature, p.alpha_a
        )

    def nodal_species(self):
        """UFL (c+/c0, c-/c0, phi_l/V_T) for P1 output fields."""
        return self.charge.nodal_species(self, self._fields)

    # --- diagnostics ----------------------------------------------------------------------------
    def surface_concentration_min(self) -> float:
        """min c+ over the electrode nodes [mol/m^3] (phase field: over the electrolyte side
        of the diffuse surface, the nodes with xi < 1/2)."""
        if self.phase is not None:
            u, xi = self.U.x.array[self.u_dofs], self.U.x.array[self._xi_dofs]
            c_plus = np.exp(u[xi < 0.5])  # s (= c+ without a matrix charge)
            local = float(np.min(c_plus)) if c_plus.size else np.inf
            return float(self.comm.allreduce(local, op=MPI.MIN) * self.params.c0)
        c_plus = self.charge.surface_cation(self, self.U.x.array[self._electrode_dofs_u])
        local = float(np.min(c_plus)) if c_plus.size else np.inf
        return float(self.comm.allreduce(local, op=MPI.MIN) * self.params.c0)

    def salt_inflow(self) -> float:
        """Salt entering through the reservoir [mol/s per m^(3-d)], consistent with the
        discrete equations: the anion balance summed over the reservoir's (Dirichlet) rows.
        Zero for a closed cell (the anion is blocked at both electrodes)."""
        if self.reservoir is None:
            return 0.0
        total = self.reservoir.inflow(self.residual, self.charge.anion_weights, self.comm)
        sc = self.scales
        # residual rows are dimensionless rates (per t0) of c_hat * L0^-d volume units
        return total * sc.concentration * sc.length**self.tdim / sc.time


def _weighted(a: float, x, b: float, y):
    """a x + b y for weights in {-1, 0, 1, ...}, without multiplying by 0 or 1 (None if both
    weights are zero)."""
    if not a and not b:
        return None
    if not b:
        return x if a == 1 else a * x
    yb = y if b == 1 else (-y if b == -1 else b * y)
    if not a:
        return yb
    xa = x if a == 1 else a * x
    return xa - y if b == -1 else xa + yb
