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

Forms are compiled once here; :class:`depsim.solver.newton.BorderedNewton` solves them.
"""

from __future__ import annotations

from dataclasses import dataclass

import basix.ufl
import dolfinx.fem as fem
import dolfinx.fem.petsc  # noqa: F401
import numpy as np
import ufl
from dolfinx import default_scalar_type
from mpi4py import MPI

from depsim.physics import butler_volmer
from depsim.physics.constants import FARADAY
from depsim.physics.scaling import Scales
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


class ElectroneutralProblem:
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
    """

    def __init__(
        self,
        mesh,
        facet_tags,
        params: ModelParameters,
        markers: dict[str, int] | None = None,
        projected_area: float | None = None,
    ):
        self.mesh = mesh
        self.facet_tags = facet_tags
        self.params = params
        self.markers = {"electrode": ELECTRODE, "top": TOP, **(markers or {})}
        self.comm = mesh.comm
        gdim = mesh.geometry.dim
        tdim = mesh.topology.dim
        self.gdim = gdim
        mesh.topology.create_connectivity(tdim - 1, tdim)

        p = params
        self.scales = Scales(p.length_scale, p.diffusivity_scale, p.c0, p.temperature)
        sc = self.scales
        L0 = sc.length
        if projected_area is None:
            projected_area = _bounding_extent(mesh)
        self.projected_area = projected_area
        self.galvanostatic = p.mode == "galvanostatic"
        self.closed = p.counter == "electrode"

        # --- spaces and unknowns -------------------------------------------------------------
        P = basix.ufl.element("Lagrange", mesh.basix_cell(), p.element_degree)
        self.W = fem.functionspace(mesh, basix.ufl.mixed_element([P, P]))
        self.U = fem.Function(self.W, name="U")
        self.U_n = fem.Function(self.W, name="U_n")
        self.U_nm1 = fem.Function(self.W, name="U_nm1")
        u, psi = ufl.split(self.U)
        u_n, _ = ufl.split(self.U_n)
        u_nm1, _ = ufl.split(self.U_nm1)
        q, w = ufl.TestFunctions(self.W)
        self.u_expr, self.psi_expr = u, psi

        def const(value):
            return fem.Constant(mesh, default_scalar_type(value))

        # time-stepping and control constants
        self.a0, self.a1, self.a2 = const(1.0), const(-1.0), const(0.0)
        self.dt_hat = const(1.0)
        self.init = const(0.0)
        self.V_hat = const(p.potential / sc.thermal_voltage)
        self.i_app_hat = const(p.current_density / sc.current_density)

        # material coefficients (Constants now; region-wise DG0 functions plug in here)
        self.d_plus = const(p.D_cation / sc.diffusivity)
        self.d_minus = const(p.D_anion / sc.diffusivity)
        self.porosity = const(p.porosity)
        self.k0_hat = const(p.i0 / sc.current_density)
        self.c0_over_cref = const(p.c0 / p.reference_concentration)

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

        c = ufl.exp(u)
        # --- kinetics on the bottom Li (psi_s = -V_hat) ---------------------------------------
        self.psi_s = ufl.variable(-self.V_hat)
        self.i_hat = self.reaction_current(u, psi, self.psi_s)  # anodic positive
        # --- transport ----------------------------------------------------------------------
        storage = self.porosity * (
            self.a0 * c + self.a1 * ufl.exp(u_n) + self.a2 * ufl.exp(u_nm1)
        ) / self.dt_hat
        N_plus = -self.d_plus * c * grad_hat(u + psi)
        N_minus = -self.d_minus * c * grad_hat(u - psi)
        F_salt = (storage * q - ufl.inner(N_plus, grad_hat(q))) * vs * dx
        F_salt -= self.i_hat * q * as_ * ds_e
        F_init = (u - u_n) * q * vs * dx
        F_current = -ufl.inner(N_plus - N_minus, grad_hat(w)) * vs * dx
        F_current -= self.i_hat * w * as_ * ds_e
        if self.closed:
            # counter Li on top with phi_s = 0: the same kinetics, same sign convention
            self.i_hat_top = self.reaction_current(u, psi, const(0.0))
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
        if self.galvanostatic:
            di_dpsis = ufl.diff(self.i_hat, self.psi_s)  # d i_hat / d psi_s;  d psi_s/dV = -1
            v_q, v_w = q, w
            self.constraint = GlobalConstraint(
                G=self._G_current,
                r=fem.form(ufl.derivative(G, self.U, ufl.TestFunction(self.W))),
                b=fem.form(di_dpsis * (v_q * (1.0 - self.init) + v_w) * as_ * ds_e),
                d=fem.form(-(di_dpsis / A_hat) * as_ * ds_e),
            )

        # --- Dirichlet conditions (reservoir top) ---------------------------------------------
        self.bcs = []
        if not self.closed:
            fdim = tdim - 1
            top_facets = facet_tags.find(self.markers["top"])
            for i in range(2):
                Vi, _ = self.W.sub(i).collapse()
                dofs = fem.locate_dofs_topological((self.W.sub(i), Vi), fdim, top_facets)
                zero = fem.Function(Vi)
                self.bcs.append(fem.dirichletbc(zero, dofs, self.W.sub(i)))
                if i == 0:
                    self._top_u_dofs = dofs[0]
                else:
                    self._top_psi_dofs = dofs[0]
        self.u_dofs = np.asarray(self.W.sub(0).collapse()[1], dtype=np.int32).reshape(-1)
        self.psi_dofs = np.asarray(self.W.sub(1).collapse()[1], dtype=np.int32).reshape(-1)
        # electrode dofs of u, for the surface concentration
        fdim = tdim - 1
        e_facets = facet_tags.find(self.markers["electrode"])
        self._electrode_dofs_u = fem.locate_dofs_topological(self.W.sub(0), fdim, e_facets)

        # --- diagnostics (compiled once) --------------------------------------------------------
        self._salt_form = fem.form(self.porosity * c * vs * dx)
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

    def reaction_current(self, u, psi, psi_s):
        """Dimensionless i_BV / j0 at a Li surface held at psi_s (anodic positive)."""
        p = self.params
        eta_hat = psi_s - psi
        c_hat = ufl.exp(u) * self.c0_over_cref
        return butler_volmer.reaction_current(
            p.kinetics, self.k0_hat, eta_hat, c_hat, p.alpha_a, p.alpha_c, backend=butler_volmer.UFL
        )

    def _assemble(self, form) -> float:
        return self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

    # --- time-stepping controls -------------------------------------------------------------------
    def set_bdf(self, dt: float, dt_prev: float | None, order: int = 2) -> None:
        """Set BDF coefficients for a step of size ``dt`` [s] after one of ``dt_prev`` [s].

        Order 1 (implicit Euler) when ``dt_prev`` is None or ``order`` is 1; variable-step BDF2
        otherwise (omega = dt/dt_prev).
        """
        self.init.value = 0.0
        self.dt_hat.value = dt / self.scales.time
        if dt_prev is None or order == 1:
            a0, a1, a2 = 1.0, -1.0, 0.0
        else:
            om = dt / dt_prev
            a0 = (1.0 + 2.0 * om) / (1.0 + om)
            a1 = -(1.0 + om)
            a2 = om * om / (1.0 + om)
        self.a0.value, self.a1.value, self.a2.value = a0, a1, a2

    def set_steady(self) -> None:
        self.init.value = 0.0
        self.a0.value = self.a1.value = self.a2.value = 0.0

    def set_initialisation(self, on: bool) -> None:
        self.init.value = 1.0 if on else 0.0

    # --- state ----------------------------------------------------------------------------------
    def set_uniform_state(self, c_hat: float = 1.0) -> None:
        """u = ln(c_hat), psi = 0 everywhere (and in the history)."""
        for f in (self.U, self.U_n, self.U_nm1):
            f.x.array[:] = 0.0
            f.sub(0).interpolate(lambda x: np.full(x.shape[1], np.log(c_hat)))
            f.x.scatter_forward()

    def shift_history(self) -> None:
        """After an accepted step: U_nm1 <- U_n <- U."""
        self.U_nm1.x.array[:] = self.U_n.x.array
        self.U_n.x.array[:] = self.U.x.array

    @property
    def cell_potential(self) -> float:
        """Potential of the top relative to the grounded bottom Li [V]."""
        return float(self.V_hat.value) * self.scales.thermal_voltage

    @cell_potential.setter
    def cell_potential(self, value: float) -> None:
        self.V_hat.value = value / self.scales.thermal_voltage

    # --- diagnostics ----------------------------------------------------------------------------
    def electrode_current(self) -> float:
        """Total reaction current through the bottom Li per projected area, i_BV mean [A/m^2]
        (anodic positive; equals -i_app in galvanostatic mode)."""
        A_hat_mean = self._assemble(self._G_current)  # (1/A_hat) int i_hat ds_hat
        return A_hat_mean * self.scales.current_density

    def salt_amount(self) -> float:
        """Total salt int eps c dx [mol per m^(3-d)]."""
        L0 = self.scales.length
        return self._assemble(self._salt_form) * self.scales.concentration * L0 ** self.gdim

    def surface_concentration_min(self) -> float:
        """min c+ over the electrode nodes [mol/m^3]."""
        vals = self.U.x.array[self._electrode_dofs_u]
        local = np.min(vals) if vals.size else np.inf
        return float(np.exp(self.comm.allreduce(local, op=MPI.MIN)) * self.params.c0)

    def salt_inflow(self) -> float:
        """Salt entering through the boundaries [mol/s per m^(3-d)], consistent with the
        discrete equations: the anion residual (salt row minus current row) summed over the
        Dirichlet (top) rows. Zero for a closed cell (the anion is blocked at both electrodes)."""
        if self.closed:
            return 0.0
        import dolfinx.fem.petsc as fem_petsc
        from petsc4py import PETSc

        vec = fem_petsc.assemble_vector(self.residual)
        vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        arr = vec.array_r
        n_owned = arr.size
        uo = self._top_u_dofs[self._top_u_dofs < n_owned]
        po = self._top_psi_dofs[self._top_psi_dofs < n_owned]
        local = float(arr[uo].sum() - arr[po].sum())
        vec.destroy()
        total = self.comm.allreduce(local, op=MPI.SUM)
        sc = self.scales
        # residual rows are dimensionless rates (per t0) of c_hat * L0^-d volume units
        return total * sc.concentration * sc.length**self.gdim / sc.time

    @property
    def electrode_measure(self) -> float:
        """Electrode length/area in scaled units (ds_hat)."""
        return self._electrode_measure


def _one(mesh):
    return fem.Constant(mesh, default_scalar_type(1.0))


def _bounding_extent(mesh) -> float:
    """Projected electrode area [m^(d-1)]: x-extent (2D) or x-extent * z-extent (3D)."""
    x = mesh.geometry.x
    comm = mesh.comm
    gdim = mesh.geometry.dim
    lo = [comm.allreduce(float(x[:, k].min(initial=np.inf)), op=MPI.MIN) for k in range(gdim)]
    hi = [comm.allreduce(float(x[:, k].max(initial=-np.inf)), op=MPI.MAX) for k in range(gdim)]
    ext = np.asarray(hi) - np.asarray(lo)
    return float(ext[0]) if gdim == 2 else float(ext[0] * ext[2])


__all__ = ["ElectroneutralProblem", "FARADAY"]
