"""Coarse versions of the paper's four scenarios (cases/paper): the ordering that follows from
the measured separator properties (Ding et al. 2023: t+, conductivity, exchange current).

PIA conducts 4x better than PP, has twice the transference number and twice the exchange
current density, so at the same current its tangential field along the rough Li and its surface
depletion must be smaller, and - without the (assumed) site pattern - its current distribution
more uniform. The sites' Frumkin modulation is asserted separately: N1 (negative) raises the
local exchange current, N2 lowers it, so the current follows the site pattern.
"""

from __future__ import annotations

import pytest

from depsim.case import load_case
from depsim.run import run_case
from tests.conftest import ROOT

COARSE = {
    "time.steady": True,
    "geometry.mesh.size": "0.5 um",
    "geometry.mesh.electrode_size": "0.1 um",
    "output.formats": ["vtx"],
}


def _run(name, tmp_path, **extra):
    case = load_case(ROOT / "cases/paper" / f"{name}.toml", overrides={**COARSE, **extra})
    return run_case(case, out_dir=tmp_path / name, quiet=True).metrics


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("paper")
    out = {name: _run(name, tmp) for name in ("pp", "pia", "control2", "control3")}
    out["pia_nosites"] = _run("pia", tmp / "nosites", **{"separator.sites": []})
    return out


def test_all_four_scenarios_run_with_measured_properties(paper):
    for name in ("pp", "pia", "control2", "control3"):
        m = paper[name]
        assert m["status"] == "finished"
        assert m["i_mean"] > 0 and m["mass_balance_error"] < 1e-8
    assert paper["pp"]["separator_transference_number"] == pytest.approx(0.39, rel=1e-6)
    assert paper["pia"]["separator_transference_number"] == pytest.approx(0.78, rel=1e-6)
    # measured at 1 M (separator.measured_at), simulated at 2.5 M: the dilute kappa scales with c
    assert paper["pp"]["separator_conductivity"] == pytest.approx(0.023 * 2.5, rel=1e-6)
    assert paper["pia"]["separator_conductivity"] == pytest.approx(0.092 * 2.5, rel=1e-6)


def test_pp_field_and_depletion_exceed_pia(paper):
    pp, pia = paper["pp"], paper["pia"]
    print(
        f"\nE_t_rms PP {pp['E_t_rms']:.4g} V/m, PIA {pia['E_t_rms']:.4g} V/m; "
        f"c_s,min/c0 PP {pp['c_surface_min_over_c0']:.4f}, "
        f"PIA {pia['c_surface_min_over_c0']:.4f}"
    )
    assert pp["E_t_rms"] > 3 * pia["E_t_rms"]
    assert pp["c_surface_min_over_c0"] < pia["c_surface_min_over_c0"]
    assert pp["cell_potential"] > pia["cell_potential"]


def test_pp_current_less_uniform_than_pia_without_sites(paper):
    pp, pia = paper["pp"], paper["pia_nosites"]
    print(f"\ni_cv PP {pp['i_cv']:.3e}, PIA (no sites) {pia['i_cv']:.3e}")
    assert pp["i_cv"] > 2 * pia["i_cv"]
    assert pp["i_max_over_mean"] > pia["i_max_over_mean"]


def test_sites_pattern_the_current(paper):
    # control 2 (N1 only) and control 3 (N2 only) both modulate i0 along the Li; PIA (both,
    # alternating) modulates it most: factor 1.67 on N1 against 0.60 on N2
    assert paper["pia"]["i_cv"] > paper["control2"]["i_cv"] > paper["pia_nosites"]["i_cv"]
    assert paper["control3"]["i_cv"] > paper["pia_nosites"]["i_cv"]
