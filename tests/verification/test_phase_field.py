"""Verification of the phase-field growth model (docs/phase-field.md): a surface at rest stays
put (Nernst equilibrium), Faraday's law, the cell potential of the ALE model, the growth rate of
linear-stability theory, runs from a case (serial, 2 ranks, restart) and refusals.

The studies live in ``phase_field_studies.py``; each returns plain numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, assert_close_dicts, run_cli, run_script

HERE = Path(__file__).parent
STUDIES = HERE / "phase_field_studies.py"
EXAMPLE = ROOT / "cases" / "examples" / "phase_field_sine.toml"


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks)


# --- equilibrium -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "offset, c_ref, per_width",
    [(0.0, 2500.0, 4), (0.5, 1000.0, 4), (0.37, 2500.0, 8), (0.37, 1000.0, 8)],
    ids=["on-row", "mid-row-nernst", "off-row", "off-row-nernst"],
)
def test_surface_at_rest_stays_put(offset, c_ref, per_width):
    """A flat Li held at its equilibrium potential (c_ref != c0: the Nernst shift, -23.5 mV
    at c0/c_ref = 2.5) carries no current and does not move: over 1000 steps of 1 s (after 40
    restoring times of settling; M = 0.15 / s) the Li volume and the xi = 1/2 crossing stay
    put to 1e-8 interface widths (measured 1e-13 and 5e-11), on, between and off the mesh
    rows. (Known limit, docs/phase-field.md §5: at rest the discrete profile turns unstable
    after M t ~ 300 restoring times and moves by 0.3 widths, the volume still conserved.)"""
    r = study("rest", offset=offset, c_ref=c_ref, per_width=per_width)
    print(
        f"\nrest (offset {offset} rows, c_ref {c_ref:g}): volume drift {r['drift_widths']:.1e}, "
        f"crossing drift {r['crossing_drift_widths']:.1e} widths, current {r['current']:.1e} "
        f"A/m^2, rest potential {r['rest_potential'] * 1e3:.2f} mV"
    )
    assert abs(r["drift_widths"]) < 1e-8
    assert abs(r["crossing_drift_widths"]) < 1e-8
    assert abs(r["current"]) < 1e-9
    if c_ref != 2500.0:
        assert r["rest_potential"] == pytest.approx(-0.0257 * np.log(2.5), rel=0.02)


# --- planar growth -----------------------------------------------------------------------------
def test_planar_faraday():
    """100 A/m^2 for 20 s: the Li volume grows by V_m int I dt / F to round-off (the restoring
    flux is a divergence; the reaction feeds xi and the ions with the same delta)."""
    r = study("planar")
    print(f"\nplanar: Li {r['deposit']:.9e} m vs Faraday {r['faraday']:.9e} m")
    assert abs(r["faraday_rel_err"]) < 1e-8
    assert abs(r["charge_balance"]) < 1e-9


def test_allen_cahn_form_loses_faraday():
    """The plain Allen–Cahn restoring term does not conserve the Li: its error in the planar
    run is well above the conservative form's (this is why it is not the default)."""
    r = study("planar", form="allen-cahn")
    print(f"\nplanar, allen-cahn: Faraday error {r['faraday_rel_err']:.2e}")
    assert abs(r["faraday_rel_err"]) > 1e-3


def test_planar_cell_potential_matches_ale():
    """The same planar cell by the ALE model (sharp moving boundary) and by the phase field:
    the cell potentials at 20 s agree to 2e-5 of their value, closer for a narrower
    interface (measured 1.6 / 1.2 / 0.97 uV at w = 0.2 / 0.1 / 0.05 um of 142.7 mV)."""
    wide, narrow = (study("planar_vs_ale", width=w) for w in (0.2e-6, 0.1e-6))
    for r in (wide, narrow):
        print(
            f"\nV_pf {r['cell_potential_pf']:.8f} V, V_ale {r['cell_potential_ale']:.8f} V "
            f"(diff {r['potential_difference'] * 1e6:.3f} uV)"
        )
        assert abs(r["potential_difference"]) < 2e-5 * r["cell_potential_ale"]
        assert r["advance_pf"] == pytest.approx(r["advance_faraday"], rel=1e-8)
    assert abs(narrow["potential_difference"]) < abs(wide["potential_difference"])


# --- against linear-stability theory ----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("count", [2, 4])
def test_growth_rate_matches_linear_stability(count):
    """A cosine perturbation (a0 = 50 nm, 300 A/m^2, i0 = 1 A/cm^2, 8 um to the reservoir) of
    wavelength 5 / 2.5 um grows between 3 and 15 s with the rate of
    deposition/linear_stability.py within 5 % at w = 0.1 um (measured -1.3 % / -0.2 %). The
    third wavelength, 10 um, is +5.0 % at w = 0.1 um and +7.8 % at 0.05 um: not within 5 %, an
    open discrepancy (docs/phase-field.md §4), so it is not asserted here."""
    r = study("growth_rate", count=count, width=0.1e-6)
    print(
        f"\nlambda = {10 / count:g} um: s = {r['s_measured']:.5g} vs {r['s_theory']:.5g} 1/s "
        f"(rel. err {r['s_rel_err']:.2e})"
    )
    assert r["s_rel_err"] < 0.05
    assert r["amplification"] > 1.1


# --- runs from a case --------------------------------------------------------------------------
SHORT = ("--set", "time.end=2 s", "--set", "time.adaptive=false", "--set", "time.dt=0.25 s")
KEYS = ("cell_potential", "li_volume", "tip_height", "roughness", "current_cv")


def _run(out, *extra, ranks=1):
    proc = run_cli("run", str(EXAMPLE), "--out", str(out), "--quiet", *SHORT, *extra, ranks=ranks)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


def test_case_run_outputs(tmp_path):
    """The example case runs: xi in the field files, surface.csv per column, the surface
    metrics; the Li volume grows by Faraday's thickness of the applied charge."""
    m = _run(tmp_path / "pf")
    out = tmp_path / "pf"
    assert m["status"] == "finished"
    assert "xi" in (out / "fields.xdmf").read_text()
    rows = np.loadtxt(out / "surface.csv", delimiter=",", skiprows=1)
    assert rows.shape[1] == 6  # t, x, h, y_top, i_n, c_cation
    ts = m["time_series"]
    grown = ts["li_volume"][-1] - ts["li_volume"][0]
    faraday = 1.29981e-5 * 100.0 * 2.0 / 96485.33212
    assert grown == pytest.approx(faraday, rel=1e-4)
    assert m["tip_height"] > 0.1e-6  # the crest (amplitude 0.1 um) grew
    assert 0.0 < m["current_cv"] < 1.0


@pytest.mark.mpi
def test_case_run_serial_vs_two_ranks(tmp_path):
    """The same run on 1 and 2 ranks: the metrics agree to 1e-8."""
    a = _run(tmp_path / "serial")
    b = _run(tmp_path / "mpi", ranks=2)
    assert_close_dicts(a, b, rtol=1e-8, atol=1e-14, keys=KEYS)


def test_case_restart_is_exact(tmp_path):
    """Stopped at 1 s and restarted: the run ends where the uninterrupted run ends (to the
    Newton tolerance: measured 5e-10 in the cell potential)."""
    full = _run(tmp_path / "full")
    part = tmp_path / "part"
    _run(part, "--set", "time.end=1 s")
    restarted = _run(part, "--restart", str(part))
    assert restarted["steps"] == full["steps"]
    # within the Newton tolerance (a restart starts with a fresh Jacobian)
    assert_close_dicts(full, restarted, rtol=1e-8, atol=1e-15, keys=(*KEYS, "deposit_thickness"))


@pytest.mark.parametrize(
    "setting, key",
    [
        # 2 elements of 0.05 um
        ("phase_field.interface_width=0.1 um", "phase_field.interface_width"),
        ("electrode.deposition=false", "model.growth"),
        ("model.charge=poisson", "model.charge"),
        ("electrode.double_layer_capacitance=0.1", "electrode.double_layer_capacitance"),
    ],
)
def test_refusals(tmp_path, setting, key):
    """What the phase-field model cannot run is refused with exit 2, naming the key, before
    anything is written."""
    out = tmp_path / "refused"
    proc = run_cli("run", str(EXAMPLE), "--out", str(out), "--set", setting)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert key in proc.stderr
    assert not out.exists()


@pytest.mark.mpi
def test_3d_cell_two_ranks(tmp_path):
    """A small 3D phase-field cell (hexahedra, a cosine ridge) under mpirun -n 2: it runs and
    its Li volume grows by Faraday's thickness."""
    case = ROOT / "cases" / "examples" / "phase_field_3d.toml"
    out = tmp_path / "pf3d"
    settings = ("geometry.width=0.5 um", "geometry.depth=0.5 um", "time.end=0.5 s")
    args = [a for s in settings for a in ("--set", s)]
    fixed = ("--set", "time.adaptive=false", "--set", "time.dt=0.25 s")
    proc = run_cli("run", str(case), "--out", str(out), "--quiet", *args, *fixed, ranks=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "finished" and m["mpi_size"] == 2
    ts = m["time_series"]
    grown = ts["li_volume"][-1] - ts["li_volume"][0]
    assert grown == pytest.approx(1.29981e-5 * 100.0 * 0.5 / 96485.33212, rel=1e-3)
