"""How accurately, and with how old a preconditioner, the Newton iteration's Krylov solves run.

Used by :class:`depsim.solver.newton.BorderedNewton` with ``solver.linear = "iterative"``
(docs/solver.md, "Inexact Newton"). Two rules, both for time steps (one-shot solves keep the
Krylov tolerance of :func:`depsim.solver.linear.iterative_options`, 1e-6):

- **Inexact Newton** (Eisenstat and Walker, SIAM J. Sci. Comput. 17, 16-32, 1996,
  doi:10.1137/0917003). A Newton iteration from a residual ||F_k|| needs the linear residual
  reduced only so far that the next nonlinear residual can reach the step's tolerance F_tol:
  the Krylov solve runs to the relative tolerance::

      eta_k = clip(SAFETY * F_tol / ||F_k||, TIGHTEST, LOOSEST)

  ``TIGHTEST`` = 1e-4 bounds the work of the first iteration of a step, where the linearisation
  error of a (modified) Newton step is itself of that order: solving further buys nothing.
  Newton then converges in the same number of iterations as with an exact solve (measured:
  benchmarks/README.md), and the converged state meets the same residual test, so the
  solution's accuracy is that of the Newton tolerance. Right preconditioning makes the Krylov
  residual the true linear residual, so eta is what it says.
- **Preconditioner refresh.** Modified Newton keeps the Jacobian and its preconditioner across
  time steps. As the state drifts the preconditioner serves the kept operator as well as ever
  (it was built from it), but the kept operator serves Newton worse: Newton's own refresh rule
  (:class:`~depsim.solver.newton.BorderedNewton`, ``refresh_factor``) handles that. What this
  rule adds is a guard on the Krylov cost: the convergence rate of each solve, in iterations per
  decade of residual reduction, is compared with the rate of the first solve after the last
  set-up; when it exceeds ``GROWTH`` times that (and the solve took more than ``MIN_ITS``
  iterations), :attr:`KrylovPolicy.stale` asks the solver for a fresh Jacobian and
  preconditioner at its next iteration.
"""

from __future__ import annotations

import math

from petsc4py import PETSc

__all__ = ["GROWTH", "LOOSEST", "MIN_ITS", "SAFETY", "TIGHTEST", "KrylovPolicy"]

#: the tightest relative Krylov tolerance [-] of a time step's Newton iteration
TIGHTEST = 1e-4
#: the loosest relative Krylov tolerance [-]
LOOSEST = 1e-2
#: the linear residual aimed at, as a fraction of the step's nonlinear tolerance [-]
SAFETY = 0.1
#: iterations per decade, relative to the first solve after a set-up, that make it stale [-]
GROWTH = 1.5
#: solves with at most this many iterations never make the preconditioner stale
MIN_ITS = 10


class KrylovPolicy:
    """Krylov tolerances and the preconditioner-refresh rule of one KSP (module docstring).

    Args:
        ksp: the Newton solver's KSP, options set; its relative tolerance is the one of
            one-shot solves.
        inexact: apply the inexact-Newton tolerance in time steps (False: always the KSP's
            own tolerance, e.g. when the user set ``ksp_rtol``).
    """

    def __init__(self, ksp: PETSc.KSP, inexact: bool = True):
        self.ksp = ksp
        self.inexact = inexact
        self.default_rtol = float(ksp.getTolerances()[0])
        self._base_rate: float | None = None
        #: whether the preconditioner should be rebuilt at the next Newton iteration
        self.stale = False
        #: preconditioner refreshes this rule asked for
        self.refreshes = 0

    def tolerance(self, residual: float, target: float, step: bool) -> float:
        """The relative Krylov tolerance [-] for a Newton iteration from ``residual`` ||F_k||
        towards ``target`` F_tol (both in the units of the residual); ``step``: a time step
        (else a one-shot solve: the KSP's own tolerance)."""
        if not (self.inexact and step) or residual <= 0.0:
            return self.default_rtol
        return min(LOOSEST, max(TIGHTEST, SAFETY * target / residual))

    def set_tolerance(self, rtol: float) -> None:
        """Set the KSP's relative tolerance for the next solves."""
        _rtol, atol, dtol, max_it = self.ksp.getTolerances()
        self.ksp.setTolerances(rtol=rtol, atol=atol, divtol=dtol, max_it=max_it)

    def set_up(self) -> None:
        """A new Jacobian and preconditioner: the next solve sets the reference rate."""
        self._base_rate = None
        self.stale = False

    def record(self, rhs_norm: float) -> None:
        """After a solve of a right-hand side of norm ``rhs_norm``: compare its rate with the
        reference and set :attr:`stale`."""
        its = self.ksp.getIterationNumber()
        res = self.ksp.getResidualNorm()
        if its == 0 or rhs_norm <= 0.0 or not math.isfinite(res):
            return
        decades = max(math.log10(rhs_norm / max(res, 1e-300)), 0.5)
        rate = its / decades
        if self._base_rate is None:
            self._base_rate = rate
        elif its > MIN_ITS and rate > GROWTH * self._base_rate and not self.stale:
            self.stale = True
            self.refreshes += 1
