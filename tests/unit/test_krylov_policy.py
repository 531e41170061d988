"""The inexact-Newton tolerance and the preconditioner-refresh rule of the iterative solver
(depsim/solver/krylov.py), on a stand-in KSP."""

from __future__ import annotations

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import pytest

from depsim.solver import krylov
from depsim.solver.krylov import KrylovPolicy


class FakeKSP:
    """The four KSP calls the policy makes; ``its``/``res`` are what the last solve did."""

    def __init__(self, rtol: float = 1e-6):
        self.tol = (rtol, 1e-50, 1e5, 400)
        self.its, self.res = 0, 0.0

    def getTolerances(self):
        return self.tol

    def setTolerances(self, rtol, atol, divtol, max_it):
        self.tol = (rtol, atol, divtol, max_it)

    def getIterationNumber(self):
        return self.its

    def getResidualNorm(self):
        return self.res


def test_tolerance_follows_the_newton_residual():
    pol = KrylovPolicy(FakeKSP(rtol=1e-6))
    # first iteration of a step: F far above F_tol -> the tightest tolerance, not 1e-6
    assert pol.tolerance(1e-3, 1e-9, step=True) == pytest.approx(krylov.TIGHTEST)
    # close to convergence: SAFETY * F_tol / F
    assert pol.tolerance(1e-7, 1e-9, step=True) == pytest.approx(krylov.SAFETY * 1e-2)
    # just above the tolerance: never looser than LOOSEST
    assert pol.tolerance(2e-9, 1e-9, step=True) == pytest.approx(krylov.LOOSEST)
    # one-shot solves and a user-fixed tolerance keep the KSP's own
    assert pol.tolerance(1e-3, 1e-9, step=False) == pytest.approx(1e-6)
    fixed = KrylovPolicy(FakeKSP(rtol=1e-8), inexact=False)
    assert fixed.tolerance(1e-7, 1e-9, step=True) == pytest.approx(1e-8)
    pol.set_tolerance(3e-3)
    assert pol.ksp.getTolerances()[0] == pytest.approx(3e-3)
    assert pol.ksp.getTolerances()[3] == 400  # the rest kept


def _solve(pol: KrylovPolicy, its: int, decades: float) -> None:
    pol.ksp.its, pol.ksp.res = its, 10.0**-decades
    pol.record(1.0)


def test_refresh_when_the_krylov_rate_grows():
    pol = KrylovPolicy(FakeKSP())
    pol.set_up()
    _solve(pol, 12, 6.0)  # reference: 2 iterations per decade
    _solve(pol, 14, 4.0)  # 3.5 per decade but 14 > MIN_ITS and 1.75 x: stale
    assert pol.stale and pol.refreshes == 1
    pol.set_up()  # the solver rebuilt J and the preconditioner
    assert not pol.stale
    _solve(pol, 8, 4.0)  # the new reference: 2 per decade
    _solve(pol, 11, 4.0)  # 2.75 per decade: 1.375 x, below GROWTH
    assert not pol.stale
    _solve(pol, 9, 2.0)  # 4.5 per decade but only 9 iterations (<= MIN_ITS): kept
    assert not pol.stale and pol.refreshes == 1
