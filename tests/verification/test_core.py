"""Verification of the electroneutral core (docs/model.md §9, benchmarks a, b, d, f, g).

Each study is a function in ``studies.py`` returning plain numbers; the parallel tests run
the same function under ``mpirun -n 2`` and require the serial numbers within 1e-8.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assert_close_dicts, run_script

HERE = Path(__file__).parent
STUDIES = HERE / "studies.py"


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks, reuse=True)


# (a) 1D steady profile ------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", [0.9, 0.99])
def test_steady_1d_profile_is_exact_at_nodes(fraction):
    """c(y) = c0 [1 - (i/i_lim)(1 - y/L)] and psi = ln(c/c0) at the nodes of a Q1 strip."""
    r = study("steady_1d", fraction=fraction, ny=80)
    print(
        f"\n(a) i/i_lim = {fraction}: nodal |c - c_ex|/c0 = {r['err_c_nodal']:.2e}, "
        f"|psi - psi_ex| = {r['err_psi_nodal']:.2e}, Newton {r['newton']}"
    )
    assert abs(r["current"] - fraction * r["i_lim"]) <= 1e-9 * r["i_lim"]
    assert r["err_c_nodal"] < 1e-9
    assert r["err_psi_nodal"] < 1e-7


def test_steady_1d_second_order_on_triangles():
    """On triangles the log-variable discretisation is not nodally exact: L2 errors of c and phi
    converge at second order."""
    errs = [study("steady_1d", fraction=0.9, ny=ny, cell="triangle") for ny in (20, 40, 80)]
    import math

    for key in ("err_c_L2", "err_psi_L2"):
        e = [r[key] for r in errs]
        orders = [math.log(e[i] / e[i + 1], 2) for i in range(2)]
        print(f"\n(a) triangles {key}: {e} orders {orders}")
        assert all(abs(o - 2.0) < 0.15 for o in orders), orders


# (b) Sand's time ------------------------------------------------------------------------------
def test_sand_time():
    r = study("sand")
    print(
        f"\n(b) max |c_s - c_s,exact| / c_s (t <= 0.9 t_S) = {r['max_err_over_cs']:.2e}, "
        f"stopped at {r['t_stop_over_tS']:.4f} t_S after {r['steps']:.0f} steps"
    )
    assert r["max_err_over_cs"] < 5e-3
    assert r["stopped"] == 1.0 and r["message_mentions_sand"] == 1.0
    assert 0.9 < r["t_stop_over_tS"] <= 1.0


# (d) Butler–Volmer at uniform concentration --------------------------------------------------
def test_butler_volmer_uniform():
    r = study("bv_uniform")
    print(f"\n(d) eta = {r['eta_min']:.12f} V vs 2 V_T asinh(i/2i0) = {r['eta_exact']:.12f} V")
    assert r["rel_err"] < 1e-8
    assert abs(r["eta_max"] - r["eta_min"]) < 1e-8 * abs(r["eta_exact"])


# (f) conservation -----------------------------------------------------------------------------
def test_conservation_closed_cell():
    r = study("closed_cell")
    print(
        f"\n(f) charge balance {r['charge_balance_error']:.2e}, salt change "
        f"{r['salt_change']:.2e}, top vs bottom current {r['top_vs_bottom']:.2e}"
    )
    assert r["charge_balance_error"] < 1e-8
    assert r["salt_change"] < 1e-8
    assert r["mass_balance_error"] < 1e-8
    assert r["top_vs_bottom"] < 1e-8


# (g) serial vs mpirun -n 2 ---------------------------------------------------------------------
@pytest.mark.mpi
@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("steady_1d", {"fraction": 0.99, "ny": 40}),
        ("steady_1d", {"fraction": 0.9, "ny": 20, "cell": "triangle"}),
        ("bv_uniform", {}),
        ("closed_cell", {}),
        ("sand", {"ny": 50}),
    ],
)
def test_parallel_matches_serial(name, kwargs):
    serial = study(name, **kwargs)
    parallel = study(name, ranks=2, **kwargs)
    print(f"\n(g) {name}: serial {serial}\n    n=2    {parallel}")
    # errors and balance residuals are round-off-level numbers: compare them absolutely
    tiny = {k for k, v in serial.items() if isinstance(v, float) and abs(v) < 1e-6}
    assert_close_dicts(serial, parallel, rtol=1e-8, keys=[k for k in serial if k not in tiny])
    for k in tiny:
        assert abs(parallel[k]) < 1e-6, (k, parallel[k])
