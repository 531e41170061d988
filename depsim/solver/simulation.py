"""Time integration and steady solves of an electroneutral problem.

- :meth:`Simulation.initialise`: consistent initial potential (phi is algebraic) at c = c0, and,
  in galvanostatic mode, the initial cell potential.
- :meth:`Simulation.solve_steady`: the steady state directly, with continuation in the applied
  current (or potential) when Newton fails from the uniform start. The initial and steady
  solves are "one-shot" Newton solves (full Newton, converged on snes_rtol); time steps reuse
  the LU factorisation (modified Newton) and also stop at snes_atol of the residual scale
  (:mod:`depsim.solver.newton`, docs/solver.md).
- :meth:`Simulation.advance`: variable-step BDF2 (implicit Euler for the first step) with
  step cut-back on Newton failure, a cap on the change of ln c per step and detection of surface
  depletion (Sand's time), calling ``on_step`` after every accepted step.

Charge and salt bookkeeping (for ``metrics.json``) is done here, with the same time weights as
the scheme, so the reported balance errors measure how well the discrete equations were solved.
"""

from __future__ import annotations

import logging
import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from mpi4py import MPI

from depsim.errors import SandTimeReached, SolverFailure
from depsim.physics import kinetics
from depsim.physics.constants import FARADAY
from depsim.solver.newton import BorderedNewton, NewtonDivergence, NewtonReport
from depsim.solver.stepsize import Stepsize

log = logging.getLogger("depsim")


#: weight of the phase field's largest nodal change in the step-size control's "ln c change"
#: (max_change 0.25: |dxi| <= 1/16, the surface moves by <= W/4 per step)
XI_CHANGE_WEIGHT = 4.0


@dataclass
class StepInfo:
    """State after an accepted step (SI)."""

    step: int
    t: float  # s
    dt: float  # s
    iterations: int
    linear_iterations: int
    cell_potential: float  # V, top relative to the grounded bottom Li
    current: float  # mean reaction current density on the bottom Li, A/m^2 (anodic > 0)
    c_surface_min: float  # mol/m^3


class Simulation:
    """Drives an :class:`~depsim.solver.problem.ElectroneutralProblem` in time or to steady state.

    Parameters
    ----------
    problem, newton: the problem and its Newton solver.
    stepsize: the :class:`Stepsize` controller (transient runs).
    depletion_threshold: c_s,min / c0 below which the run stops with Sand's time reached [-].
    """

    def __init__(
        self,
        problem,
        newton: BorderedNewton,
        stepsize: Stepsize | None = None,
        depletion_threshold: float = 1e-3,
    ):
        self.problem = problem
        self.newton = newton
        self.stepsize = stepsize
        self.depletion_threshold = depletion_threshold
        self.t = 0.0
        self.step = 0
        self.dt_prev: float | None = None
        self._nm2: tuple | None = None  # U_(n-1), V_(n-1), t_(n-1) - t_(n-2): phase-field predictor
        self.charge_passed = 0.0  # C per projected m^2, plating positive
        self.charge_applied = 0.0
        self.charge_throughput = 0.0  # int |i_app| dt (protocols that plate and strip)
        self.salt0 = None
        self.wall_newton = 0.0
        self.steady = False

    # ------------------------------------------------------------------------------------------
    def rest_potential(self) -> float:
        """Cell potential [V] at which the bottom Li is in equilibrium with the uniform
        electrolyte at c0 (zero faradaic current): 0 when c0 = c_ref. (With a charged matrix at
        the Li its Donnan potential is not included: the double-layer start assumes none.)"""
        p = self.problem.params
        eta_hat = p.kinetics_law.overpotential(0.0, 1.0, p.c0 / p.reference_concentration)
        return -eta_hat * self.problem.scales.thermal_voltage

    def initial_potential_guess(self) -> float:
        """Cell potential [V] from uniform Butler–Volmer at c = c0 for the applied current."""
        pb = self.problem
        p = pb.params
        i_hat = p.current_density / p.i0
        c_hat = p.c0 / p.reference_concentration
        law = p.kinetics_law
        try:  # the law's inverse: i_BV(eta) = -i_app (plating positive)
            eta_hat = law.overpotential(-i_hat, 1.0, c_hat)
        except ValueError:  # beyond a saturating law's plateau: a large overpotential
            eta_hat = -math.copysign(2.0 * kinetics.EXP_CAP, i_hat)
        return -eta_hat * pb.scales.thermal_voltage

    def _predict(self, dt: float) -> None:
        """Start a phase-field step from the extrapolation of the last states (and the cell
        potential alike), not from U_n: the diffuse surface moves steadily, and the
        extrapolation starts Newton much closer to the step's solution (benchmarks/README.md,
        "Phase-field growth"). Quadratic through U_n, U_(n-1), U_(n-2) (Lagrange on the
        variable steps) when the three are consecutive states of this run; else linear,
        U = U_n + (dt / dt_prev)(U_n - U_(n-1)). Other problems start from U_n."""
        pb = self.problem
        if getattr(pb, "phase", None) is None or not self.dt_prev or self.step == 0:
            return
        U, U_n, U_nm1 = pb.U.x.array, pb.U_n.x.array, pb.U_nm1.x.array
        V_n, V_nm1 = float(pb.V_hat_n.value), float(pb.V_hat_nm1.value)
        a, h = self.dt_prev, dt
        if self._nm2 is not None and self._nm2[0].shape == U.shape:
            U_nm2, V_nm2, b = self._nm2  # b = t_(n-1) - t_(n-2)
            l0 = (h + a) * (h + a + b) / (a * (a + b))
            l1 = -h * (h + a + b) / (a * b)
            l2 = h * (h + a) / ((a + b) * b)
            U[:] = l0 * U_n + l1 * U_nm1 + l2 * U_nm2
            pb.V_hat.value = l0 * V_n + l1 * V_nm1 + l2 * V_nm2
            return
        r = h / a
        U[:] = U_n + r * (U_n - U_nm1)
        pb.V_hat.value = V_n + r * (V_n - V_nm1)

    def _keep_third_state(self) -> None:
        """Before the history shifts at an accepted phase-field step: keep U_(n-1), its cell
        potential and the step before it for :meth:`_predict` (None when U_(n-1) is not a state
        of this run's current step sequence: the first step, after a load switch)."""
        pb = self.problem
        if getattr(pb, "phase", None) is None or not self.dt_prev:
            self._nm2 = None
            return
        self._nm2 = (pb.U_nm1.x.array.copy(), float(pb.V_hat_nm1.value), self.dt_prev)

    def _solve(self) -> NewtonReport:
        """One Newton solve. Its kind follows from the problem's state
        (:meth:`BorderedNewton.solve_kind`): "one-shot" for the initial state (``init`` = 1)
        and the steady state (no time derivative): full Newton, converged on snes_rtol;
        "step" after ``set_bdf``: modified Newton, converged on snes_rtol or snes_atol of the
        residual scale (:mod:`depsim.solver.newton`, docs/solver.md)."""
        t0 = _time.perf_counter()
        try:
            return self.newton.solve()
        finally:
            self.wall_newton += _time.perf_counter() - t0

    def initialise(self, potential: float | None = None) -> NewtonReport:
        """Uniform c = c0 and the consistent potential field; sets the initial cell potential
        (potentiostatic: ``potential`` [V], default the case's)."""
        pb = self.problem
        pb.set_uniform_state(1.0)
        if pb.galvanostatic:
            pb.cell_potential = self.initial_potential_guess()
        else:
            pb.cell_potential = pb.params.potential if potential is None else potential
        if pb.double_layer:
            # the double-layer potential is a differential unknown: the cell starts at rest
            # (uniform c0, phi_l = 0, the Li at its equilibrium with c0: zero faradaic current)
            # and the load is switched on at t = 0
            applied = pb.cell_potential
            pb.cell_potential = self.rest_potential()
            pb.start_history()
            if not pb.galvanostatic:
                pb.cell_potential = applied
            report = NewtonReport(iterations=0, linear_iterations=0, residual=0.0)
        else:
            pb.set_initialisation(True)
            try:
                report = self._solve()
            except NewtonDivergence as exc:
                raise SolverFailure(f"initial potential solve failed: {exc}", time=0.0) from exc
            finally:
                pb.set_initialisation(False)
            pb.start_history()
        self.salt0 = pb.salt_amount()
        self.salt_expected = self.salt0
        self._dM_prev = 0.0
        return report

    # ------------------------------------------------------------------------------------------
    def solve_steady(self, max_levels: int = 6) -> NewtonReport:
        """Steady state, with continuation in the load when the direct solve fails.

        Every solve is one-shot full Newton (a fresh Jacobian each iteration, quadratic
        convergence) and stops when ||F|| <= snes_rtol ||F_0|| (F_0: the residual of the start):
        the requested relative accuracy is delivered (docs/solver.md)."""
        pb = self.problem
        if pb.closed:
            raise SolverFailure(
                "a steady state with a counter electrode (closed cell) is not unique: total salt "
                "is set by the initial condition; run it transient instead"
            )
        pb.set_steady()
        self.steady = True
        start = pb.U.x.array.copy()
        V_start = pb.cell_potential
        try:
            return self._solve()
        except NewtonDivergence as exc:
            log.info("steady solve failed directly (%s); continuation in the load", exc)
        p = pb.params
        target = p.current_density if pb.galvanostatic else p.potential
        for level in range(1, max_levels + 1):
            n = 2**level
            pb.U.x.array[:] = start
            pb.cell_potential = V_start
            try:
                report = None
                for k in range(1, n + 1):
                    self._set_load(target * k / n)
                    report = self._solve()
                return report
            except NewtonDivergence:
                continue
            finally:
                self._set_load(target)
        raise SolverFailure("steady solve did not converge, even with load continuation")

    def set_load(self, value: float) -> None:
        """Applied current density [A/m^2] (galvanostatic, > 0 plates) or potential [V]."""
        pb = self.problem
        if pb.galvanostatic:
            pb.i_app_hat.value = value / pb.scales.current_density
        else:
            pb.cell_potential = value

    _set_load = set_load

    def set_mode(self, mode: str) -> None:
        """Current (``"galvanostatic"``) or potential (``"potentiostatic"``) control from now
        on (protocol steps); the potential is kept as the starting value."""
        pb = self.problem
        if (mode == "galvanostatic") != pb.galvanostatic:
            pb.set_mode(mode)

    @property
    def applied_current(self) -> float:
        """The applied current density now [A/m^2] (galvanostatic; > 0 plates)."""
        pb = self.problem
        return float(pb.i_app_hat.value) * pb.scales.current_density

    # ------------------------------------------------------------------------------------------
    def _ln_c_change(self) -> float:
        """max |ln c^{n+1} - ln c^n| over the mesh; with a phase field also
        ``XI_CHANGE_WEIGHT`` max |xi^{n+1} - xi^n| (a step may move the diffuse surface by at
        most about a quarter of its tanh length W: |dxi| <= v dt / (4 W))."""
        pb = self.problem
        dofs = pb.u_dofs
        local = float(np.max(np.abs(pb.U.x.array[dofs] - pb.U_n.x.array[dofs]), initial=0.0))
        xi = getattr(pb, "_xi_dofs", None)
        if xi is not None:
            d_xi = np.max(np.abs(pb.U.x.array[xi] - pb.U_n.x.array[xi]), initial=0.0)
            local = max(local, XI_CHANGE_WEIGHT * float(d_xi))
        return pb.comm.allreduce(local, op=MPI.MAX)

    def advance(
        self,
        t_end: float,
        on_step: Callable[[StepInfo], None] | None = None,
        before_step: Callable[[float, float], None] | None = None,
    ) -> None:
        """Integrate from the current time to ``t_end`` [s].

        ``before_step(t, dt)`` is called before every attempt of a step [t, t + dt] (e.g. to
        set a protocol's load or the mesh velocity); ``on_step(info)`` after every accepted
        step. Either may replace ``self.problem``/``self.newton`` (remeshing).
        """
        ss = self.stepsize
        assert ss is not None, "transient runs need a Stepsize"
        while self.t < t_end * (1 - 1e-12):
            pb = self.problem
            dt = ss.next_step(self.t, t_end)
            if before_step is not None:
                before_step(self.t, dt)
            V_prev = pb.cell_potential
            try:
                pb.set_bdf(dt, self.dt_prev)
                self._predict(dt)
                report = self._solve()
                change = self._ln_c_change()
                if ss.too_large(change):
                    raise NewtonDivergence(f"ln c changed by {change:.3g} in one step")
            except NewtonDivergence as exc:
                pb.U.x.array[:] = pb.U_n.x.array
                pb.cell_potential = V_prev
                log.debug("t = %.6g s: step %.3g s rejected (%s)", self.t, dt, exc)
                c_min = pb.surface_concentration_min()
                if not ss.reject():
                    if c_min < 0.05 * pb.params.c0:
                        raise SandTimeReached(
                            f"surface depleted at t = {self.t:.6g} s (c_s,min = {c_min:.3g} "
                            f"mol/m^3): the applied current exceeds what diffusion can supply "
                            f"(Sand's time reached)",
                            time=self.t,
                        ) from exc
                    raise SolverFailure(
                        f"time step fell below min_dt = {ss.min_dt:.3g} s at t = {self.t:.6g} s: "
                        f"{exc}",
                        time=self.t,
                    ) from exc
                continue
            # accepted
            current = pb.electrode_current()
            self.t += dt
            for m in ss.milestones:  # land exactly on a milestone (no sliver step after it)
                if abs(self.t - m) <= 1e-12 * max(abs(m), dt):
                    self.t = m
            self.step += 1
            self.charge_passed += -current * dt
            if pb.galvanostatic:
                self.charge_applied += self.applied_current * dt
                self.charge_throughput += abs(self.applied_current) * dt
            else:  # a potentiostatic step (of a protocol): nothing applied to compare with
                self.charge_applied += -current * dt
            self._account_salt(dt)
            self._keep_third_state()
            pb.shift_history()
            self.dt_prev = dt
            ss.accept(report.iterations, change)
            c_min = pb.surface_concentration_min()
            info = StepInfo(
                step=self.step,
                t=self.t,
                dt=dt,
                iterations=report.iterations,
                linear_iterations=report.linear_iterations,
                cell_potential=pb.cell_potential,
                current=current,
                c_surface_min=c_min,
            )
            if on_step is not None:
                on_step(info)
                pb = self.problem
            if pb.galvanostatic and c_min < self.depletion_threshold * pb.params.c0:
                # (potentiostatic runs self-limit at the limiting current: not a failure)
                raise SandTimeReached(
                    f"surface concentration fell to {c_min:.3g} mol/m^3 "
                    f"(< {self.depletion_threshold:g} c0) at t = {self.t:.6g} s: Sand's time "
                    f"reached, the electroneutral model cannot go on",
                    time=self.t,
                )

    # --- balances ---------------------------------------------------------------------------------
    def charge_balance_error(self) -> float | None:
        """|Q_electrode - Q_applied| / Q_applied (galvanostatic), None otherwise; relative to
        int |i_app| dt when a protocol plates and strips."""
        ref = max(abs(self.charge_applied), self.charge_throughput)
        if not self.problem.has_current_control or ref == 0.0:
            return None
        return abs(self.charge_passed - self.charge_applied) / ref

    def _account_salt(self, dt: float) -> None:
        """Advance the salt expected from the boundary inflow with the BDF weights:
        a0 M^{n+1} + a1 M^n + a2 M^{n-1} = dt * inflow^{n+1}  (a0 + a1 + a2 = 0)."""
        pb = self.problem
        inflow = pb.salt_inflow()  # mol/s per m^(3-d), consistent with the residual
        a0, a2 = float(pb.a0.value), float(pb.a2.value)
        dM = (dt * inflow + a2 * self._dM_prev) / a0
        self.salt_expected += dM
        self._dM_prev = dM

    def mass_balance_error(self) -> float | None:
        """Transient: |M(t) - M_expected(t)| / M(0), total salt against the salt that entered
        through the boundaries (consistent boundary fluxes, the scheme's time weights).
        Steady: |net salt inflow| / |Li+ flux through the electrode| (zero at steady state).
        None before the initial state exists (an initial solve that failed)."""
        pb = self.problem
        if self.salt0 is None and not self.steady:
            return None
        if self.steady:
            cation = abs(pb.electrode_current()) * pb.projected_area / FARADAY
            return abs(pb.salt_inflow()) / cation if cation else abs(pb.salt_inflow())
        return abs(pb.salt_amount() - self.salt_expected) / abs(self.salt0)

    def salt_change(self) -> float | None:
        """(M(t) - M(0)) / M(0) of the total salt; None before the initial state exists."""
        if self.salt0 is None:
            return None
        return (self.problem.salt_amount() - self.salt0) / self.salt0
