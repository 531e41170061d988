"""What every transport problem shares: time-stepping controls, history, the cell potential.

:class:`TransportProblemBase` is the parent of the composed problem
:class:`~depsim.model.transport.CellProblem`: mesh and scales, the time-stepping and load
Constants (``a0, a1, a2, dt_hat, init, V_hat, i_app_hat``) with the history of the cell
potential, the BDF coefficients, the exchange-current factor along the bottom Li, the sites'
surface charge, the ALE mesh velocity and the diagnostics every charge model shares. The
subclass provides the Functions ``U, U_n, U_nm1``, ``_G_current`` (the compiled mean electrode
current form), ``_salt_form`` and ``_electrode_measure``.
"""

from __future__ import annotations

import dolfinx.fem as fem
import numpy as np
from mpi4py import MPI


class TransportProblemBase:
    """Shared controls of the field problems (dimensionless time t_hat = t / t0)."""

    def _setup_common(self, mesh, facet_tags, params, markers, projected_area) -> None:
        """Mesh, tags, markers (electrode 1 and top 2 unless given), reference scales and the
        projected electrode area [m^(d-1)] (default: the mesh's extent across the Li)."""
        from depsim.physics.scaling import Scales

        self.mesh = mesh
        self.facet_tags = facet_tags
        self.params = params
        self.markers = {"electrode": 1, "top": 2, **(markers or {})}
        self.comm = mesh.comm
        self.gdim = mesh.geometry.dim
        self.tdim = mesh.topology.dim
        mesh.topology.create_connectivity(self.tdim - 1, self.tdim)
        p = params
        self.scales = Scales(p.length_scale, p.diffusivity_scale, p.c0, p.temperature)
        self.projected_area = bounding_extent(mesh) if projected_area is None else projected_area

    def _constant(self, value: float) -> fem.Constant:
        """A scalar dolfinx Constant on the problem's mesh."""
        from dolfinx import default_scalar_type

        return fem.Constant(self.mesh, default_scalar_type(value))

    def _exchange_current_factor(self, frumkin_sites=None):
        """P1 factor on the reference i0 along the bottom Li, or None when i0 is uniform.

        The factor is i0(x)/i0 of an exchange-current pattern
        (:mod:`depsim.physics.exchange_current`) times, when given, the Frumkin factor of the
        charged sites, ``frumkin_sites(x)`` (a callable of the nodal x [m]).
        """
        pattern = self.params.i0_pattern
        if pattern is None and frumkin_sites is None:
            return None

        def factor(x):
            f = np.ones(x.shape[1])
            if pattern is not None:
                f = f * pattern.factor(x[0])
            if frumkin_sites is not None:
                f = f * frumkin_sites(x[0])
            return f

        V1 = fem.functionspace(self.mesh, ("Lagrange", 1))
        f = fem.Function(V1, name="i0_factor")
        f.interpolate(factor)
        f.x.scatter_forward()
        return f

    def _site_charge_function(self, sites):
        """P1 Function sigma(x) [C/m^2] of charged sites along the Li
        (:func:`depsim.physics.sites.surface_charge_profile`)."""
        from depsim.physics.sites import surface_charge_profile

        V1 = fem.functionspace(self.mesh, ("Lagrange", 1))
        f = fem.Function(V1, name="site_surface_charge")
        f.interpolate(lambda x: surface_charge_profile(sites, x[0]))
        f.x.scatter_forward()
        return f

    # --- diagnostics shared by the charge models ------------------------------------------------
    def electrode_current(self) -> float:
        """Mean current density through the bottom Li per projected area [A/m^2] (anodic
        positive; equals -i_app under current control; 0 for a blocking electrode):
        (1/A_hat) int i_hat ds_hat, scaled."""
        if not self.reacting:
            return 0.0
        return self._assemble(self._G_current) * self.scales.current_density

    def faradaic_current(self) -> float:
        """Mean faradaic (reaction) current density through the bottom Li per projected area
        [A/m^2], anodic positive: the current that plates or strips Li. It equals
        :meth:`electrode_current` without a double layer; with one it excludes the charging
        current, and unlike that it does not depend on the BDF history (it can be read after
        the step was accepted)."""
        if self._G_faradaic is None:
            return self.electrode_current()
        return self._assemble(self._G_faradaic) * self.scales.current_density

    def salt_amount(self) -> float:
        """Total salt int eps c dx [mol per m^(3-d)] of the problem's salt species
        (``salt_expr``: the cations in the electroneutral model, the anions in the Poisson
        model)."""
        L0 = self.scales.length
        return self._assemble(self._salt_form) * self.scales.concentration * L0**self.tdim

    def _setup_controls(self) -> None:
        """The time-stepping and load controls (dimensionless Constants): BDF coefficients
        ``a0, a1, a2`` (implicit Euler until :meth:`set_bdf`), ``dt_hat``, ``init`` (1 while
        solving for the initial state), the cell potential ``V_hat`` = V/V_T and the applied
        current ``i_app_hat``, and the cell potential of the two previous steps ``V_hat_n``,
        ``V_hat_nm1`` (the history of the double-layer charging term)."""
        p, sc, c = self.params, self.scales, self._constant
        self.a0, self.a1, self.a2 = c(1.0), c(-1.0), c(0.0)
        self.dt_hat = c(1.0)
        self.init = c(0.0)
        self.V_hat = c(p.potential / sc.thermal_voltage)
        self.V_hat_n = c(float(self.V_hat.value))
        self.V_hat_nm1 = c(float(self.V_hat.value))
        self.i_app_hat = c(p.current_density / sc.current_density)

    def _ale_velocity_hat(self):
        """The dimensionless mesh velocity w t0 / L0 of the ALE term (UFL), consistent with the
        time discretisation, and the Functions it is made of.

        The BDF difference of a step is a time derivative at fixed mesh points; the nodes that
        carry c^n, c^(n-1) sat at X - D_n and X - D_n - D_(n-1) when those were computed (X:
        the current nodes, D_n: the move made after the previous step,
        :attr:`mesh_displacement`; D_(n-1): the one before, :attr:`mesh_displacement_prev`,
        both vector P1 [m]). The BDF derivative of the node position is therefore

            w = (a0 D_n - a2 D_(n-1)) / dt

        with the step's own coefficients (implicit Euler: D_n / dt), so a field that is linear
        in space and carried by a moving mesh is reproduced exactly by the discrete ALE
        derivative (tested: interior mesh motion through a steady profile).
        """
        V = fem.functionspace(self.mesh, ("Lagrange", 1, (self.mesh.geometry.dim,)))  # vector P1
        self.mesh_displacement = fem.Function(V, name="mesh_displacement")
        self.mesh_displacement_prev = fem.Function(V, name="mesh_displacement_prev")
        L0 = self.scales.length
        return (self.a0 * self.mesh_displacement - self.a2 * self.mesh_displacement_prev) / (
            self.dt_hat * L0
        )

    def set_mode(self, mode: str) -> None:
        """Switch between current control (``"galvanostatic"``: the cell potential is an
        unknown, solved with the constraint mean current = applied) and potential control
        (``"potentiostatic"``: the cell potential is given). Current control needs a problem
        built galvanostatic (its constraint forms); ValueError otherwise."""
        if not hasattr(self, "_current_constraint"):
            self._current_constraint = self.constraint  # as built
        if mode == "galvanostatic":
            if self._current_constraint is None:
                raise ValueError("this problem was built potentiostatic: it has no constraint")
            self.constraint, self.galvanostatic = self._current_constraint, True
        elif mode == "potentiostatic":
            self.constraint, self.galvanostatic = None, False
        else:
            raise ValueError(f"mode must be 'galvanostatic' or 'potentiostatic', not {mode!r}")

    @property
    def has_current_control(self) -> bool:
        """True when the problem can run galvanostatic (it was built with the constraint)."""
        return getattr(self, "_current_constraint", self.constraint) is not None

    def _assemble(self, form) -> float:
        """A scalar form summed over all ranks."""
        return self.comm.allreduce(fem.assemble_scalar(form), op=MPI.SUM)

    # --- time-stepping controls -------------------------------------------------------------
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
        """Drop the time derivative (a0 = a1 = a2 = 0)."""
        self.init.value = 0.0
        self.a0.value = self.a1.value = self.a2.value = 0.0

    def set_initialisation(self, on: bool) -> None:
        """``on``: solve for the consistent initial state (the problem says which)."""
        self.init.value = 1.0 if on else 0.0

    def set_uniform_state(self, c_hat: float = 1.0) -> None:
        """The cell at rest: every log-concentration unknown (``u_dofs``) = ln(c_hat), the
        potential 0, everywhere and in the history."""
        for f in (self.U, self.U_n, self.U_nm1):
            f.x.array[:] = 0.0
            f.x.array[self.u_dofs] = np.log(c_hat)
            f.x.scatter_forward()

    def shift_history(self) -> None:
        """After an accepted step: U_nm1 <- U_n <- U (and the same for the cell potential)."""
        self.U_nm1.x.array[:] = self.U_n.x.array
        self.U_n.x.array[:] = self.U.x.array
        self.V_hat_nm1.value = float(self.V_hat_n.value)
        self.V_hat_n.value = float(self.V_hat.value)

    def start_history(self) -> None:
        """Make the current state the history of the first step: U_n = U_nm1 = U, and the same
        for the cell potential."""
        self.U_n.x.array[:] = self.U.x.array
        self.U_nm1.x.array[:] = self.U.x.array
        self.V_hat_n.value = self.V_hat_nm1.value = float(self.V_hat.value)

    @property
    def potential_history(self) -> tuple[float, float]:
        """The cell potential [V] of the two previous steps (V_n, V_(n-1))."""
        V_T = self.scales.thermal_voltage
        return float(self.V_hat_n.value) * V_T, float(self.V_hat_nm1.value) * V_T

    @potential_history.setter
    def potential_history(self, values: tuple[float, float]) -> None:
        V_T = self.scales.thermal_voltage
        self.V_hat_n.value, self.V_hat_nm1.value = values[0] / V_T, values[1] / V_T

    # --- the global unknown -----------------------------------------------------------------
    @property
    def cell_potential(self) -> float:
        """Potential of the top relative to the grounded bottom Li [V]."""
        return float(self.V_hat.value) * self.scales.thermal_voltage

    @cell_potential.setter
    def cell_potential(self, value: float) -> None:
        self.V_hat.value = value / self.scales.thermal_voltage

    @property
    def electrode_measure(self) -> float:
        """Electrode length/area in scaled units (ds_hat)."""
        return self._electrode_measure


def bounding_extent(mesh) -> float:
    """Projected electrode area [m^(d-1)]: x-extent (2D), x-extent * z-extent (3D), 1 in 1D."""
    x = mesh.geometry.x
    comm = mesh.comm
    tdim = mesh.topology.dim
    lo = [comm.allreduce(float(x[:, k].min(initial=np.inf)), op=MPI.MIN) for k in range(3)]
    hi = [comm.allreduce(float(x[:, k].max(initial=-np.inf)), op=MPI.MAX) for k in range(3)]
    ext = np.asarray(hi) - np.asarray(lo)
    if tdim == 1:
        return 1.0
    return float(ext[0]) if tdim == 2 else float(ext[0] * ext[2])
