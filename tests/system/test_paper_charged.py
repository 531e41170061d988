"""The charged-matrix route of the paper cell (cases/paper/charged/): coarse steady versions run,
the separator as simulated returns the closure's t+ and kappa at c0 (virtual Hittorf), the Donnan
enrichment shows at the Li, and at the paper's 0.5 V the charged matrix does not deplete where
the Nernst-Einstein route does; one case gives the same metrics on 1 and 2 ranks."""

from __future__ import annotations

import json
import math

import pytest

from depsim.case import load_case
from depsim.physics import site_chemistry
from depsim.physics.electrolyte import limiting_current
from depsim.run import run_case
from tests.conftest import ROOT, run_cli

COARSE = {
    "time.steady": True,
    "geometry.mesh.size": "0.5 um",
    "geometry.mesh.electrode_size": "0.1 um",
    "output.formats": ["vtx"],
}
CHARGED = ROOT / "cases/paper/charged"
CLOSURE = site_chemistry.closure()  # fitted at the 1 M of the measurements, at the cases' c0


def _run(path, out, **extra):
    case = load_case(path, overrides={**COARSE, **extra})
    return run_case(case, out_dir=out, quiet=True).metrics


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("charged")
    out = {n: _run(CHARGED / f"{n}.toml", tmp / n) for n in ("pia", "control2", "control3")}
    out["pia_0.5V"] = _run(CHARGED / "potentiostatic/pia.toml", tmp / "pia_pot")
    out["pia_ne_0.5V"] = _run(ROOT / "cases/paper/potentiostatic/pia.toml", tmp / "pia_ne_pot")
    return out


def test_charged_cases_run_and_recover_the_closure(runs):
    for name in ("pia", "control2", "control3"):
        m = runs[name]
        assert m["status"] == "finished"
        assert m["current_mean_fe"] == pytest.approx(5.0, rel=1e-6)  # 0.5 mA/cm^2
    pia, c2, c3 = runs["pia"], runs["control2"], runs["control3"]
    # the case files give the closure's state at the simulated c0 to 4 digits (t+ 0.5761,
    # 0.6050, 0.3597 at 2.5 M: below the 0.78, 0.816, 0.3166 fitted at 1 M)
    mats = CLOSURE.materials
    for m, name in ((pia, "PIA"), (c2, "control2"), (c3, "control3")):
        assert m["separator_transference_number"] == pytest.approx(mats[name].t_plus, abs=1e-4)
        assert m["separator_conductivity"] == pytest.approx(mats[name].conductivity, rel=1e-3)
    assert mats["PIA"].t_plus_measured == pytest.approx(0.78, rel=1e-9)


def test_donnan_enrichment_at_the_li(runs):
    """Pore c+ = c0 e^-zeta: 1.458 c0 (PIA), 1.548 c0 (control 2), 0.937 c0 (control 3), less
    the small concentration polarisation of 0.5 mA/cm^2."""
    for name, key in (("pia", "PIA"), ("control2", "control2"), ("control3", "control3")):
        eq = math.exp(-CLOSURE.materials[key].zeta)
        cs = runs[name]["c_surface_min_over_c0"]
        print(f"\n{name}: c_s,min/c0 {cs:.4f} (equilibrium {eq}), CV {runs[name]['i_cv']:.3g}")
        assert 0.9 * eq < cs < eq


def test_charged_matrix_does_not_deplete_at_half_a_volt(runs):
    ch, ne = runs["pia_0.5V"], runs["pia_ne_0.5V"]
    print(
        f"\n0.5 V: charged i_mean {ch['i_mean']:.4g} A/m^2, "
        f"c_s/c0 {ch['c_surface_min_over_c0']:.3g}, CV {ch['i_cv']:.3g}; "
        f"Nernst-Einstein i_mean {ne['i_mean']:.4g}, "
        f"c_s/c0 {ne['c_surface_min_over_c0']:.3g}, CV {ne['i_cv']:.3g}"
    )
    assert ch["status"] == ne["status"] == "finished"
    # electroneutrality in the pore: c+ = c- + |X| >= |X| (0.772 c0), however large the current
    X_over_c0 = abs(CLOSURE.X_pia) / load_case(CHARGED / "pia.toml").electrolyte.concentration
    assert ne["c_surface_min_over_c0"] < 0.1 < 0.5 < X_over_c0 <= ch["c_surface_min_over_c0"]
    # the Nernst-Einstein cell is held below its 1D limiting current; the negatively charged
    # matrix has none and carries more than that limit (1506 against 1152 A/m^2)
    ne_case = load_case(ROOT / "cases/paper/potentiostatic/pia.toml")
    i_lim = limiting_current(
        *ne_case.separator_diffusivities(),
        ne_case.electrolyte.concentration,
        float(ne_case.geometry.height),
    )
    assert ne["i_mean"] < i_lim < ch["i_mean"]
    assert ch["i_cv"] < ne["i_cv"]


def test_charged_case_same_on_two_ranks(runs, tmp_path):
    sets = [
        a
        for k, v in COARSE.items()
        if k != "output.formats"
        for a in ("--set", f"{k}={str(v).lower() if isinstance(v, bool) else v}")
    ]
    out = tmp_path / "two"
    proc = run_cli("run", str(CHARGED / "pia.toml"), "--out", str(out), "--quiet", *sets, ranks=2)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    two = json.loads((out / "metrics.json").read_text())
    assert two["mpi_size"] == 2
    for key in ("i_mean", "i_cv", "i_max_over_mean", "c_surface_min", "cell_potential"):
        assert two[key] == pytest.approx(runs["pia"][key], rel=1e-6), key
