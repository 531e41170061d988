"""Verification of the concentrated (Newman) electrolyte (docs/model.md §2b): the dilute limit,
steady 1D cells with concentration-dependent properties against the exact Kirchhoff profile,
the closed forms with a thermodynamic factor, and serial vs ``mpirun -n 2``.

The studies are in ``concentrated_studies.py``; each returns plain numbers.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from depsim.physics import concentrated as newman
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from tests.conftest import assert_close_dicts, run_script

STUDIES = Path(__file__).parent / "concentrated_studies.py"
V_T = GAS_CONSTANT * 298.15 / FARADAY


def study(study_name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, study_name, json.dumps(kwargs), ranks=ranks, reuse=True)


def test_dilute_limit_is_the_dilute_model():
    """kappa = F^2 c (D+ + D-)/RT, D = 2 D+ D-/(D+ + D-), t0 = D+/(D+ + D-), TDF = 1: the
    concentrated fluxes are the Nernst–Planck fluxes, so the fields agree to round-off."""
    r = study("dilute_limit")
    print(f"\ndilute limit: max field difference {r['max_field_difference']:.1e}")
    assert r["max_field_difference"] < 1e-12
    assert r["cell_potential_difference"] < 1e-12 * r["cell_potential"]


def test_reservoir_cell_matches_kirchhoff_profile_second_order():
    """Concentration-dependent kappa, D, t0, TDF (tens of percent over the cell) at 0.8 i_lim:
    nodal c and Li-reference potential converge at second order to the exact profile and are
    within 1e-6 at 400 cells."""
    coarse, fine = (study("reservoir_1d", ny=ny) for ny in (200, 400))
    print(
        f"\nreservoir (synthetic): err_c {coarse['err_c']:.2e} -> {fine['err_c']:.2e}, "
        f"err_phi {coarse['err_phi']:.2e} -> {fine['err_phi']:.2e}, "
        f"c_s/c0 {fine['c_surface_over_c0']:.4f}"
    )
    assert abs(fine["current"] - 0.8 * fine["i_lim"]) < 1e-9 * fine["i_lim"]
    assert fine["c_surface_over_c0"] < 0.25  # far from linear: the test exercises c(y)
    assert fine["err_c"] < 1e-6 and fine["err_phi"] < 1e-6
    for key in ("err_c", "err_phi"):
        order = math.log2(coarse[key] / fine[key])
        assert abs(order - 2.0) < 0.1, (key, order)


def test_reservoir_cell_with_landesfeind_gasteiger_properties():
    """The library's LiPF6 EC:DMC functions (Landesfeind and Gasteiger 2019) at 0.7 i_lim."""
    r = study("reservoir_1d", ny=400, name="landesfeind2019-ec-dmc", fraction=0.7)
    print(
        f"\nreservoir (LG2019 EC:DMC): i_lim {r['i_lim']:.1f} A/m^2, err_c {r['err_c']:.2e}, "
        f"err_phi {r['err_phi']:.2e}"
    )
    assert r["err_c"] < 1e-6 and r["err_phi"] < 1e-6


def test_symmetric_closed_cell_reaches_the_kirchhoff_steady_state():
    """Li|electrolyte|Li run to steady state (25 diffusion times): c(y) vs the Kirchhoff
    profile with the cell's salt content, and salt conserved."""
    r = study("closed_1d", ny=400)
    print(
        f"\nclosed cell: err_c {r['err_c']:.2e}, c(0)/c0 {r['c_bottom_over_c0']:.4f}, "
        f"salt change {r['salt_change']:.1e}"
    )
    assert r["err_c"] < 1e-6
    assert r["salt_change"] < 1e-6


def test_closed_forms_with_thermodynamic_factor():
    """Constant properties with TDF = 2: limiting current F D c0/((1 - t0) L) and the potential
    drop 2 V_T (1 - t0) TDF ln(c0/c_s) + I L / kappa (exact at the nodes of a Q1 strip)."""
    r = study("reservoir_1d", ny=200, name="constant:2.0", fraction=0.8)
    L, kappa, D, t0, tdf = 10e-6, 1.0, 3.0e-10, 0.35, 2.0
    i_lim = newman.limiting_current(D, t0, 1000.0, L)
    assert abs(r["i_lim"] - i_lim) < 1e-6 * i_lim
    drop = newman.concentration_overpotential(t0, tdf, 1000.0, r["c_electrode"], 298.15)
    drop += r["current"] * L / kappa
    print(f"\nTDF 2: potential drop {r['Phi_electrode_V']:.9f} V vs {drop:.9f} V")
    assert abs(r["Phi_electrode_V"] - drop) < 1e-8 * drop
    assert abs(r["c_electrode"] - 200.0) < 1e-8 * 200.0  # c_s = c0 (1 - 0.8)


def test_sand_time_with_thermodynamic_factor():
    r = study("sand")
    print(f"\nSand: stop at {r['t_stop_over_tS']:.4f} t_S, sqrt(t) law {r['max_err_over_cs']:.1e}")
    assert 0.99 < r["t_stop_over_tS"] <= 1.0
    assert r["max_err_over_cs"] < 5e-3


@pytest.mark.parametrize("name", ["reservoir_1d", "closed_1d"])
def test_two_ranks_agree_with_serial(name):
    serial, parallel = (study(name, ranks=n, ny=200) for n in (1, 2))
    keys = [k for k in serial if k not in ("newton", "steps")]
    assert_close_dicts(serial, parallel, rtol=1e-8, keys=keys)
