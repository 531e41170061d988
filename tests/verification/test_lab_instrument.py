"""The virtual lab as an instrument (docs/virtual-lab.md §8): on an ordinary laboratory cell
whose plain protocols are ill-conditioned, the lab flags them with the bias to expect, and its
recommended estimates (Bruce–Vincent extrapolated to dV -> 0, Tafel corrected for concentration
polarisation) return the inputs.

Cell (ordinary laboratory values, ASSUMED test inputs): 25 um separator, t+ 0.6, 1 mS/cm,
c0 = 1 M, i0 = 1 mA/cm^2 (R0/R_b = 20.6; the Tafel window lies beyond the limiting current).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import depsim
from depsim.lab.assessment import summary_table
from depsim.physics import polarisation as pol

CASE = """
[case]
name = "lab_instrument"
[geometry]
width = "5 um"
height = "25 um"
[electrolyte]
concentration = 1000
[separator]
transference_number = 0.6
conductivity = "1 mS/cm"
[electrode]
exchange_current_density = "1 mA/cm^2"
[operation]
mode = "galvanostatic"
current_density = "0.5 mA/cm^2"
"""
T_PLUS, I0, KAPPA, C0, L = 0.6, 10.0, 0.1, 1000.0, 25e-6


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    path = tmp_path_factory.mktemp("instrument") / "lab.toml"
    path.write_text(CASE)
    return depsim.measure(depsim.load_case(path)).measurements


def test_butler_volmer_curvature_against_the_exact_inverse():
    """|eta_plating| + |eta_stripping| at |i| = y i0 against 2 V_T y (1 - k y^2): the
    remainder falls as y^5 (so k is the exact cubic coefficient), for alpha 0.5 and 0.3."""

    def eta(i, a):  # x with e^{a x} - e^{-(1-a) x} = i (Newton), one face
        x = i
        for _ in range(60):
            f = math.exp(a * x) - math.exp(-(1 - a) * x) - i
            x -= f / (a * math.exp(a * x) + (1 - a) * math.exp(-(1 - a) * x))
        return x

    for a in (0.5, 0.3):
        k = pol.butler_volmer_curvature(a, 1.0 - a)
        rem = []
        for y in (0.02, 0.04):
            total = eta(y, a) - eta(-y, a)
            rem.append(abs(total - 2 * y * (1 - k * y**2)))
        assert math.log2(rem[1] / rem[0]) == pytest.approx(5.0, abs=0.1)
    assert pol.butler_volmer_curvature(0.5, 0.5) == pytest.approx(1 / 24, rel=1e-14)


def test_richardson_zero_step_is_exact_for_a_quadratic():
    v = pol.richardson_zero_step((0.01, 0.005), (0.3 + 7.0 * 0.01**2, 0.3 + 7.0 * 0.005**2))
    assert v == pytest.approx(0.3, rel=1e-12)


def test_richardson_zero_step_with_three_steps_removes_the_quartic_term():
    def f(s):
        return 0.3 + 7.0 * s**2 - 4.0e4 * s**4

    steps = (0.01, 0.005, 0.0025)
    three = pol.richardson_zero_step(steps, [f(s) for s in steps])
    assert three == pytest.approx(0.3, rel=1e-12)
    two = pol.richardson_zero_step(steps[:2], [f(s) for s in steps[:2]])
    assert two - 0.3 == pytest.approx(4.0e4 * 0.01**2 * 0.005**2, rel=1e-9)  # b2 s1^2 s2^2 left
    with pytest.raises(ValueError):
        pol.richardson_zero_step((0.01,), (0.3,))


def test_plain_protocols_are_flagged_with_their_expected_bias(lab):
    bv = lab["bruce_vincent"]
    assert lab["valid"]["transference_number_bruce_vincent"] is False
    assert lab["valid"]["exchange_current_density_tafel"] is False
    assert lab["valid"]["conductivity"] is True
    assert len(lab["warnings"]) == 2
    assert lab["warnings"][0].startswith("Bruce-Vincent") and "R0/R_b = 20.6" in lab["warnings"][0]
    assert lab["warnings"][1].startswith("Tafel") and lab["tafel"]["transport_ratio"] > 0.1
    # the predicted bias is the one the protocol shows (-6.1 %), to a tenth of itself
    actual = bv["transference_number"] / T_PLUS - 1.0
    assert actual < -0.05
    assert bv["expected_bias"] == pytest.approx(actual, rel=0.1)
    assert lab["exchange_current_density_tafel"] > 2 * I0  # the plain fit is far off


def test_recommended_estimates_recover_the_inputs(lab):
    rec = lab["recommended"]
    assert rec["conductivity"] == pytest.approx(0.1, rel=1e-6)
    assert abs(rec["transference_number"] / T_PLUS - 1.0) < 0.02
    assert abs(rec["exchange_current_density"] / I0 - 1.0) < 0.05
    ex = lab["bruce_vincent_extrapolated"]
    assert ex["steps"] == pytest.approx([0.01, 0.005, 0.0025], rel=1e-12)
    # each halving of dV cuts the bias by about 4 (it grows as dV^2)
    b1, b2, b3 = (t / T_PLUS - 1.0 for t in ex["transference_numbers"])
    assert b1 / b2 == pytest.approx(4.0, rel=0.1)
    assert b2 / b3 == pytest.approx(4.0, rel=0.1)
    tc = lab["tafel"]["transport_corrected"]
    assert lab["tafel"]["salt_diffusivity_from"] == "sand"
    assert min(tc["points"]) >= 2


def test_summary_table_lists_measured_input_and_ratio(lab):
    table = summary_table(lab).splitlines()
    assert table[0].split()[:4] == ["quantity", "measured", "input", "ratio"]
    rows = {line[:36].strip(): line[36:].split() for line in table[1:]}
    assert rows["t+, Bruce-Vincent 10 mV"][-1] == "ill-conditioned"
    assert rows["t+, Bruce-Vincent dV->0"][-1] == "recommended"
    measured, expected, ratio = (float(v) for v in rows["kappa [S/m], EIS"][:3])
    assert ratio == pytest.approx(measured / expected, abs=1e-4)
    assert np.isfinite(float(rows["j0 [A/m^2], Tafel transport-corr."][2]))


def test_equivalent_circuit_fit_beside_the_apex_reading(lab):
    """impedance.py's R0-p(R1,C1)-Ws1 fit of the Li|sep|Li spectrum: R_b = L/kappa,
    R_int = 2 V_T/i0 and the salt D of the Warburg's tau = (L/2)^2/D, each to 0.5 %."""
    from depsim.physics.constants import FARADAY, GAS_CONSTANT, thermal_voltage

    fit = lab["eis"]["circuit_fit"]
    assert "error" not in fit, fit
    base = KAPPA * GAS_CONSTANT * 298.15 / (FARADAY**2 * C0)
    d_plus, d_minus = T_PLUS * base, (1.0 - T_PLUS) * base
    d_salt = 2.0 * d_plus * d_minus / (d_plus + d_minus)
    assert fit["R_bulk"] == pytest.approx(L / KAPPA, rel=5e-3)
    assert fit["R_interface"] == pytest.approx(2.0 * thermal_voltage(298.15) / I0, rel=5e-3)
    assert fit["salt_diffusivity"] == pytest.approx(d_salt, rel=5e-3)
    assert fit["residual"] < 1e-3
    assert lab["eis"]["R_interface"] == pytest.approx(fit["R_interface"], rel=5e-3)


def test_circuit_fit_loads_impedance_plotting_only_when_called():
    """The fit imports impedance.py without its plotting helpers (altair, pandas); a plotting
    function of the stand-in still works: it loads the real module on its first call."""
    import sys

    import matplotlib

    from depsim.lab.circuit_fit import _PLOTS, _custom_circuit, _deferred

    matplotlib.use("Agg")
    circuit = _custom_circuit()("R0-p(R1,C1)", initial_guess=[1.0, 2.0, 1e-3])
    f = np.logspace(-1, 4, 20)
    with pytest.warns(UserWarning, match="initial parameters"):
        Z = circuit.predict(f, use_initial=True)
    assert Z[0].real == pytest.approx(3.0, rel=1e-3) and Z[-1].real == pytest.approx(1.0, rel=1e-2)
    ax = _deferred("plot_nyquist")(Z)
    assert len(ax.lines) == 1 and hasattr(sys.modules[_PLOTS], "__file__")  # the real module
    matplotlib.pyplot.close("all")
