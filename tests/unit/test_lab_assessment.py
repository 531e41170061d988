"""The lab's Tafel rule for charged pores (depsim.lab.assessment): a negative matrix charge X
holds c+ >= |X|, so the fit is trusted only where c+ cannot fall by more than 10 %."""

from __future__ import annotations

import math

import pytest

from depsim.lab.assessment import TAFEL_TRANSPORT_LIMIT, assess


def _tafel_out(X: float, c0: float = 2500.0, ratio: float = 0.7) -> dict:
    c_plus = math.sqrt(c0**2 + X**2 / 4) - X / 2  # ideal Donnan
    return {
        "inputs": {"fixed_charge": X, "pore_cation_concentration": c_plus},
        "tafel": {"transport_ratio": ratio, "exchange_current_density": 5.0},
    }


@pytest.mark.parametrize(
    ("X", "flagged"),
    [
        (0.0, True),  # a liquid depletes
        (+324.0, True),  # an anion-selective matrix depletes like a liquid
        (-1930.0, True),  # X = -0.77 c0: c+ from 1.46 c0 down to 0.77 c0 (47 %)
        (-12000.0, False),  # X = -4.8 c0: c+ = 4.99 c0 can fall by at most 3.9 %
    ],
)
def test_charged_pore_is_flagged_unless_its_charge_holds_c_plus(X, flagged):
    out = _tafel_out(X)
    assess(out)
    assert out["valid"]["exchange_current_density_tafel"] is (not flagged)
    assert (len(out["warnings"]) == 1) is flagged
    c_plus = out["inputs"]["pore_cation_concentration"]
    if X < 0:
        headroom = 1 - abs(X) / c_plus
        assert (headroom > TAFEL_TRANSPORT_LIMIT) is flagged
        if flagged:
            assert "|X| =" in out["warnings"][0]


def test_small_current_is_never_flagged():
    out = _tafel_out(-1930.0, ratio=0.05)
    assess(out)
    assert out["valid"]["exchange_current_density_tafel"] is True
