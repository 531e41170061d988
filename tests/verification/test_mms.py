"""(e) Manufactured solutions for the electroneutral system with a kinetic boundary: observed
convergence orders in space (P1, P2) and time (BDF2), asserted within 0.15 — for every
kinetics law of the registry, without and with a charged matrix (Donnan fixed charge under
electroneutrality, either sign), and for a closed cell (a Li counter electrode on top)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import assert_close_dicts, run_script

MMS = Path(__file__).parent / "mms.py"


def mms(kind: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(MMS, kind, json.dumps(kwargs), ranks=ranks, reuse=True)


def _orders(values, ratio=2.0):
    return [math.log(values[i] / values[i + 1], ratio) for i in range(len(values) - 1)]


@pytest.mark.parametrize(
    "degree,mode,ns,expect",
    [
        (1, "potentiostatic", (8, 16, 32), {"L2": 2.0, "H1": 1.0}),
        (2, "galvanostatic", (4, 8, 16), {"L2": 3.0, "H1": 2.0}),
    ],
)
def test_space_convergence(degree, mode, ns, expect):
    res = [mms("space", n=n, degree=degree, mode=mode) for n in ns]
    for norm, order in expect.items():
        for field in ("u", "psi"):
            obs = _orders([r[f"{norm}_{field}"] for r in res])
            print(f"\n(e) P{degree} {mode} {norm}({field}) orders {obs}")
            assert all(abs(o - order) < 0.15 for o in obs), obs
    if mode == "galvanostatic":
        # the cell potential (global unknown) converges too
        assert res[-1]["V_error"] < res[0]["V_error"] and res[-1]["V_error"] < 1e-6


def test_time_convergence_bdf2():
    res = [mms("time", n_steps=n) for n in (10, 20, 40)]
    for field in ("u", "psi"):
        obs = _orders([r[f"L2_{field}"] for r in res])
        print(f"\n(e) BDF2 L2({field}) orders {obs}")
        assert all(abs(o - 2.0) < 0.15 for o in obs), obs


@pytest.mark.mpi
def test_mms_parallel_matches_serial():
    serial = mms("space", n=16, degree=1, mode="galvanostatic")
    parallel = mms("space", ranks=2, n=16, degree=1, mode="galvanostatic")
    assert_close_dicts(serial, parallel, rtol=1e-8)


@pytest.mark.parametrize("fixed_charge", [0.0, -1.0, 0.5], ids=["no-charge", "X=-c0", "X=+c0/2"])
@pytest.mark.parametrize("kinetics", ["butler-volmer", "linear", "marcus-hush-chidsey"])
def test_space_convergence_laws_and_regions(kinetics, fixed_charge):
    """P1, galvanostatic: L2 order 2 and H1 order 1 for each law x matrix charge, and the
    cell potential (the global unknown) at order 2."""
    res = [
        mms(
            "space",
            n=n,
            degree=1,
            mode="galvanostatic",
            kinetics=kinetics,
            fixed_charge=fixed_charge,
        )
        for n in (8, 16, 32)
    ]
    for norm, order in {"L2": 2.0, "H1": 1.0}.items():
        for field in ("u", "psi"):
            obs = _orders([r[f"{norm}_{field}"] for r in res])
            assert all(abs(o - order) < 0.15 for o in obs), (norm, field, obs)
    v_orders = _orders([r["V_error"] for r in res])  # the cell potential converges as L2
    assert all(abs(o - 2.0) < 0.15 for o in v_orders), v_orders


def test_time_convergence_closed_cell():
    """A closed cell (Li counter electrode on top, no reservoir): BDF2 at order 2."""
    res = [mms("time", n_steps=n, closed=True) for n in (10, 20, 40)]
    for field in ("u", "psi"):
        obs = _orders([r[f"L2_{field}"] for r in res])
        assert all(abs(o - 2.0) < 0.15 for o in obs), (field, obs)


@pytest.mark.parametrize(
    "degree,ns,expect",
    [(1, (8, 16, 32), {"L2": 2.0, "H1": 1.0}), (2, (4, 8, 16), {"L2": 3.0, "H1": 2.0})],
)
def test_space_convergence_concentrated(degree, ns, expect):
    """Newman's concentrated model (concentration-dependent kappa, D, t+0, TDF), galvanostatic:
    the orders of the dilute model, and the cell potential."""
    res = [mms("space", n=n, degree=degree, mode="galvanostatic", concentrated=True) for n in ns]
    for norm, order in expect.items():
        for field in ("u", "psi"):
            obs = _orders([r[f"{norm}_{field}"] for r in res])
            print(f"\n(e) concentrated P{degree} {norm}({field}) orders {obs}")
            assert all(abs(o - order) < 0.15 for o in obs), (norm, field, obs)
    assert res[-1]["V_error"] < res[0]["V_error"] and res[-1]["V_error"] < 1e-5


def test_time_convergence_concentrated():
    res = [mms("time", n_steps=n, concentrated=True) for n in (10, 20, 40)]
    for field in ("u", "psi"):
        obs = _orders([r[f"L2_{field}"] for r in res])
        assert all(abs(o - 2.0) < 0.15 for o in obs), (field, obs)


@pytest.mark.mpi
def test_mms_concentrated_parallel_matches_serial():
    kw = {"n": 16, "degree": 1, "mode": "galvanostatic", "concentrated": True}
    assert_close_dicts(mms("space", **kw), mms("space", ranks=2, **kw), rtol=1e-8)
