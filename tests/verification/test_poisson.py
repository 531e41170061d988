"""Verification of the Poisson (PNP) mode: Gouy–Chapman, manufactured solutions (Butler–Volmer
boundary, fixed charge, surface charge on internal facets), the electroneutral limit; each also
under ``mpirun -n 2`` against the serial run (docs/model.md §9 (c), (e), (g))."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import assert_close_dicts, run_script

STUDIES = Path(__file__).with_name("poisson_studies.py")


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks, reuse=True)


def assert_same(serial: dict, parallel: dict) -> None:
    """Parallel results equal the serial ones within 1e-8 relative, with an absolute floor of
    1e-10 for entries that are themselves round-off-level errors (e.g. a 1e-13 balance)."""
    assert serial.keys() == parallel.keys()
    assert_close_dicts(serial, parallel, rtol=1e-8, atol=1e-10)


# --- (c) Gouy–Chapman ---------------------------------------------------------------------------
@pytest.mark.parametrize(("degree", "per_debye"), [(2, 5.0), (1, 20.0)])
def test_gouy_chapman(degree, per_debye):
    r = study("gouy_chapman", degree=degree, per_debye=per_debye)
    assert r["psi0_exact_VT"] > 3.0  # a nonlinear double layer (psi_0 ~ 3.4 V_T)
    assert r["psi0_rel_err"] < 1e-3  # Grahame
    assert r["psi0_pb_rel_err"] < 1e-3  # the Poisson–Boltzmann initialisation, same state
    assert r["profile_max_err_over_psi0"] < 1e-3  # tanh(psi/4) = tanh(psi0/4) exp(-x/lambda_D)
    assert r["charge_rel_err"] < 1e-4  # F int (c+ - c-) dx = -sigma
    assert r["boltzmann_max"] < 1e-10  # zero fluxes: c± = c0 exp(∓psi)


def test_gouy_chapman_p1_second_order():
    """P1 at 5, 10, 20 elements per lambda_D: psi_0 converges at second order (the lambda_D/5
    minimum resolves the layer, 0.1 % needs lambda_D/20 with P1 or P2 at lambda_D/5)."""
    errs = [study("gouy_chapman", degree=1, per_debye=k)["psi0_rel_err"] for k in (5, 10, 20)]
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(abs(o - 2.0) < 0.15 for o in orders), (errs, orders)


@pytest.mark.mpi
def test_gouy_chapman_parallel():
    kwargs = {"degree": 2, "per_debye": 5.0}
    assert_same(study("gouy_chapman", **kwargs), study("gouy_chapman", ranks=2, **kwargs))


# --- (e) manufactured solutions -------------------------------------------------------------------
MMS_CASES = {
    "P1": ({"degree": 1, "levels": [8, 16, 32]}, 2.0, 1.0),
    "P2": ({"degree": 2, "levels": [4, 8, 16]}, 3.0, 2.0),
    "P1-internal-sigma": ({"degree": 1, "levels": [8, 16, 32], "kink": -1.0}, 2.0, 1.0),
}


@pytest.mark.parametrize("case", list(MMS_CASES))
def test_mms_orders(case):
    """Steady PNP with Butler–Volmer at the bottom Li and fixed charge (and a surface charge
    on the internal facets y = H/2): observed orders over 3 levels within 0.15."""
    kwargs, p_l2, p_h1 = MMS_CASES[case]
    r = study("mms", **kwargs)
    for name in ("up", "um", "psi"):
        for prefix in ("order", "order0"):
            assert abs(r[f"{prefix}_L2_{name}"] - p_l2) < 0.15, (name, r)
            assert abs(r[f"{prefix}_H1_{name}"] - p_h1) < 0.15, (name, r)


@pytest.mark.mpi
@pytest.mark.parametrize("case", ["P1", "P1-internal-sigma"])
def test_mms_parallel(case):
    kwargs = MMS_CASES[case][0]
    assert_same(study("mms", **kwargs), study("mms", ranks=2, **kwargs))


# --- electroneutral limit -------------------------------------------------------------------------
def test_electroneutral_limit():
    """Transient PNP at 0.2 i_lim, lambda_D/L = 1.5e-3, relaxed for 30 tau: away from the double
    layer (y > 20 lambda_D) c± and phi equal the electroneutral steady state up to the
    O((lambda_D/L)^2) space charge, kappa_hat |lap psi| = 2 (lambda_D/L)^2 (f/c)^2 ~ 3e-7 c0."""
    r = study("electroneutral_limit")
    lam_L, f = r["debye_over_L"], r["i_over_ilim"]
    predicted = 2.0 * lam_L**2 * (f / (1.0 - f)) ** 2  # at the electrode end, c = 1 - f
    assert abs(r["bulk_charge_max"] - predicted) < 0.05 * predicted, (r, predicted)
    assert r["bulk_c_max_diff"] < 2e-6  # / c0
    assert r["bulk_psi_max_diff"] < 2e-6  # / V_T
    assert r["bulk_c_vs_exact"] < 2e-6
    assert r["current_rel_err"] < 1e-10
    assert r["charge_balance_error"] < 1e-8
    assert r["salt_balance_error"] < 1e-8
    # the double layer shifts the cell potential a little (surface c+ below the EN value)
    assert abs(r["cell_potential_pnp"] - r["cell_potential_en"]) < 1e-3 * r["cell_potential_en"]


@pytest.mark.mpi
def test_electroneutral_limit_parallel():
    assert_same(study("electroneutral_limit"), study("electroneutral_limit", ranks=2))


# --- Frumkin correction from the resolved diffuse layer -----------------------------------------
def test_frumkin_consistency():
    """A charged Li surface at small current: the PNP charge-transfer resistance changes by
    exp(-alpha_a psi_d / V_T), psi_d from Grahame — the form used by the electroneutral
    'frumkin' kinetics (docs/model.md §4)."""
    r = study("frumkin_consistency")
    assert r["psi_d_VT"] < -1.5  # a strongly charged (negative) surface: faster kinetics
    assert r["factor_rel_err"] < 1e-3, r
    assert abs(r["current_charged"] - 1e-4) < 1e-12


@pytest.mark.mpi
def test_frumkin_consistency_parallel():
    assert_same(study("frumkin_consistency"), study("frumkin_consistency", ranks=2))


# --- fixed charge: Donnan equilibrium -------------------------------------------------------------
def test_donnan():
    """Fixed charge X = 2 c0 (a DG0 function, lower half): ideal Donnan state deep inside,
    psi = -ln(1 + sqrt 2) = -0.881 V_T, and the diffuse charge cancels the fixed charge."""
    r = study("donnan")
    assert r["psi_donnan_VT"] == pytest.approx(-math.log(1 + math.sqrt(2)), rel=1e-12)
    assert r["err_psi"] < 1e-8 and r["err_c_plus"] < 1e-8 and r["err_c_minus"] < 1e-8
    assert abs(r["net_charge_over_fixed"]) < 1e-8


@pytest.mark.mpi
def test_donnan_parallel():
    assert_same(study("donnan"), study("donnan", ranks=2))


# --- 2D: a charged patch on a graded rectangle ---------------------------------------------------
def test_patterned_wall_2d():
    """Half of the wall charged (x < W/2), rectangle graded in x and y: Gouy–Chapman far from
    the patch edge (psi_0 from Grahame within 0.1 %), an uncharged wall beyond it, and the
    diffuse charge screens the patch."""
    r = study("patterned_wall")
    assert r["psi00_rel_err"] < 1e-3
    assert r["psiW0_over_psi0"] < 1e-6
    assert r["charge_rel_err"] < 1e-4


@pytest.mark.mpi
def test_patterned_wall_2d_parallel():
    assert_same(study("patterned_wall"), study("patterned_wall", ranks=2))
