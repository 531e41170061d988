"""The concentrated model's dilute limit on the paper's cells (cases/paper, coarse, steady):
with properties equal to the dilute separator's (kappa proportional to c, D = 2 t (1 - t) kappa
R T / (F^2 c_m) at the measured c_m, Hittorf t0 = t, thermodynamic factor 1, MacMullin number 1)
the concentrated run reproduces every metric of the dilute run to 1e-8 (docs/model.md §2b)."""

from __future__ import annotations

import math

import pytest

from depsim.case import load_case
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.run import run_case
from tests.conftest import ROOT
from tests.system.test_paper import COARSE


def _dilute_equivalent(case) -> dict:
    """Overrides that give the concentrated model the dilute separator's properties."""
    T, sep = case.electrolyte.temperature, case.separator
    c_m = case.electrolyte.concentration if sep.measured_at is None else sep.measured_at
    kappa, t = sep.conductivity, sep.transference_number  # measured at c_m
    c_top = 100.0 * c_m
    return {
        "electrolyte.model": "concentrated",
        "separator.measured_at": c_m,
        "separator.transference_method": "hittorf",
        "electrolyte.properties.conductivity": [[0.0, 0.0], [c_top, kappa * c_top / c_m]],
        "electrolyte.properties.diffusivity": 2
        * t
        * (1 - t)
        * kappa
        * GAS_CONSTANT
        * T
        / (FARADAY**2 * c_m),
        "electrolyte.properties.transference_number": t,
        "electrolyte.properties.thermodynamic_factor": 1.0,
    }


@pytest.mark.parametrize("name", ["pp", "pia"])
def test_dilute_limit_reproduces_paper_metrics(name, tmp_path):
    path = ROOT / "cases/paper" / f"{name}.toml"
    dilute_case = load_case(path, overrides=COARSE)
    conc_case = load_case(path, overrides={**COARSE, **_dilute_equivalent(dilute_case)})
    assert conc_case.electrolyte.model == "concentrated"
    dilute = run_case(dilute_case, out_dir=tmp_path / "dilute", quiet=True).metrics
    conc = run_case(conc_case, out_dir=tmp_path / "concentrated", quiet=True).metrics
    compared = 0
    worst = 0.0
    for key, a in dilute.items():
        b = conc.get(key)
        if isinstance(a, bool) or not isinstance(a, int | float) or not isinstance(b, int | float):
            continue
        if key.endswith(("_s", "_time", "wall", "seconds")) or "newton" in key or "iter" in key:
            continue  # timings and solver counts
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        scale = max(abs(a), abs(b))
        err = abs(a - b) / scale if scale > 1e-12 else abs(a - b)
        worst = max(worst, err)
        assert err <= 1e-8, (key, a, b)
        compared += 1
    print(f"\n{name}: {compared} metrics, worst relative difference {worst:.1e}")
    assert compared >= 10
