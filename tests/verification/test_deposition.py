"""Verification of the moving Li surface (physics.md section 7): Faraday's law (flat and rough),
geometric conservation, the growth rate of a cosine perturbation against linear-stability
theory (two wavelengths), remeshing consistency, and `mpirun -n 2` against serial.

The studies live in ``deposition_studies.py``; each returns plain numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import assert_close_dicts, run_script

HERE = Path(__file__).parent
STUDIES = HERE / "deposition_studies.py"


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks)


# --- Faraday: deposited volume = V_m int I dt / F ---------------------------------------------
@pytest.mark.parametrize("roughness", ["flat", "sine"])
def test_faraday_deposited_volume(roughness):
    """Galvanostatic plating at 50 mA/cm^2 for 10 s (0.67 um of Li) on a flat and on a sine
    surface (0.3 um, two periods): electrolyte area lost = V_m Q W / F within 0.5 % (the scheme
    makes it exact to first order in the step; what remains is second order in the motion)."""
    r = study("faraday", roughness=roughness)
    print(
        f"\n{roughness}: deposited {r['deposited']:.6e} m^2 vs V_m Q W/F {r['expected']:.6e} "
        f"(rel. {r['rel_err']:.2e}); thickness {r['thickness_min'] * 1e6:.4f}.."
        f"{r['thickness_max'] * 1e6:.4f} um; {r['steps']:.0f} steps"
    )
    assert r["rel_err"] < 5e-3
    assert r["rel_err_applied"] < 5e-3  # the charge booked is the applied charge
    assert r["booked"] == pytest.approx(r["expected"], rel=1e-9)
    if roughness == "flat":
        assert r["rel_err"] < 1e-10
        assert r["thickness_min"] == pytest.approx(r["thickness_mean_expected"], rel=1e-5)
        assert r["thickness_max"] == pytest.approx(r["thickness_mean_expected"], rel=1e-5)
    else:
        assert r["rel_err"] < 1e-3
    assert r["min_quality"] > 0.3


# --- geometric conservation ------------------------------------------------------------------
def test_uniform_state_stays_uniform_under_mesh_motion():
    """At zero current the uniform state (c = c0, phi = 0) stays exactly uniform while the mesh
    moves (a prescribed wavy surface motion, w up to 0.1 um/s), and the salt content changes
    only with the electrolyte volume."""
    r = study("gcl")
    print(
        f"\nGCL: max |ln c/c0| = {r['max_abs_lnc']:.1e}, max |psi| = {r['max_abs_psi']:.1e}, "
        f"w_max = {r['w_max']:.2e} m/s"
    )
    assert r["w_max"] > 1e-8  # the mesh did move
    assert r["max_abs_lnc"] < 1e-12
    assert r["max_abs_psi"] < 1e-12
    assert abs(r["salt_change"] - r["area_change"]) < 1e-12


# --- linear stability ---------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 2])
def test_linear_stability_growth_rate(count):
    """A cosine perturbation (a0 = 50 nm) of wavelength 10 um (count 1) and 5 um (count 2)
    grows with the rate of linear-stability theory (docs/deposition.md) within 2 %."""
    r = study("linear_stability", count=count)
    print(
        f"\nlambda = {10 / count:g} um: a(t2)/a(t1) = {r['amplification']:.5f} (theory "
        f"{r['amplification_theory']:.5f}); s = {r['s_measured']:.5g} 1/s vs "
        f"{r['s_theory']:.5g} 1/s (rel. err {r['s_rel_err']:.2e}); {r['steps']:.0f} steps, "
        f"{r['cells']:.0f} cells"
    )
    assert r["s_rel_err"] < 0.02
    assert r["amplification"] > 1.2  # it did grow measurably


# --- remeshing -----------------------------------------------------------------------------------
def test_remeshing_consistency():
    """Plating on a sine surface with one forced remeshing half way: the surface, the cell
    potential, the surface concentration and the balances agree with a run without it."""
    a = study("remesh_consistency", remesh_at=5.0)
    b = study("remesh_consistency", remesh_at=None)
    print(
        f"\nremeshed vs not: amplitude {a['amplitude']:.6e} / {b['amplitude']:.6e}, "
        f"V {a['cell_potential']:.8f} / {b['cell_potential']:.8f}, Faraday "
        f"{a['faraday_error']:.1e} / {b['faraday_error']:.1e}"
    )
    assert a["remeshes"] == 1.0 and b["remeshes"] == 0.0
    assert a["amplitude"] == pytest.approx(b["amplitude"], rel=2e-3)
    assert a["mean_height"] == pytest.approx(b["mean_height"], rel=1e-4)
    assert a["cell_potential"] == pytest.approx(b["cell_potential"], rel=1e-3)
    assert a["c_surface_min"] == pytest.approx(b["c_surface_min"], rel=1e-3)
    assert a["thickness_min"] == pytest.approx(b["thickness_min"], rel=1e-3)
    assert a["thickness_max"] == pytest.approx(b["thickness_max"], rel=1e-3)
    for r in (a, b):
        assert r["faraday_error"] < 1e-3
        assert r["mass_balance_error"] < 1e-3
        assert r["charge_balance_error"] < 1e-8


# --- serial vs mpirun -n 2 ------------------------------------------------------------------------
@pytest.mark.mpi
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("faraday", {"roughness": "sine"}),
        ("gcl", {}),
        ("remesh_consistency", {"remesh_at": 5.0}),
    ],
)
def test_deposition_parallel(name, kwargs):
    serial = study(name, **kwargs)
    parallel = study(name, ranks=2, **kwargs)
    small = {
        "rel_err",
        "rel_err_applied",
        "max_abs_lnc",
        "max_abs_psi",
        "area_change",
        "salt_change",
        "faraday_error",
        "mass_balance_error",
        "charge_balance_error",
        "min_quality",
    }
    assert_close_dicts(
        serial, parallel, rtol=1e-6, atol=1e-12, keys=[k for k in serial if k not in small]
    )
    for k in small & set(serial):
        assert abs(serial[k] - parallel[k]) < 1e-6, (k, serial[k], parallel[k])


@pytest.mark.mpi
@pytest.mark.slow
def test_linear_stability_parallel():
    serial = study("linear_stability", count=2)
    parallel = study("linear_stability", ranks=2, count=2)
    assert_close_dicts(serial, parallel, rtol=1e-6, keys=["a_t1", "a_t2", "s_measured", "advance"])
