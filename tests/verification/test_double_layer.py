"""Double-layer capacitance at the Li: i = i_F + C_dl d(phi_s - phi_l)/dt.

A flat cell with linear kinetics (R_ct = V_T / i0) under a constant plating current I, switched
on at t = 0 from rest, is the textbook RC transient: the double layer charges through R_ct with
tau = R_ct C_dl, so

    eta(t) = -I R_ct (1 - exp(-t/tau)),   V(t) = I R_ohm + I R_ct (1 - exp(-t/tau)),
    i_F(t) = I (1 - exp(-t/tau))  (the faradaic, i.e. plating, part of the current).

The electrolyte is made very conductive (R_ohm ~ 1e-8 R_ct; concentration changes ~1e-8 of c0),
so the formula holds to far below the time-discretisation error, which is measured: BDF2
(one implicit-Euler start) converges at order 2 (2.07, 2.03, 2.01 from tau/10 to tau/80).
Serially and on 2 ranks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from depsim.physics.constants import FARADAY, GAS_CONSTANT
from tests.conftest import run_cli

I_APP = 5.0  # A/m^2
I0 = 6.4  # A/m^2
C_DL = 0.2  # F/m^2
H = 2e-6  # m
D = 1e-6  # m^2/s
C0 = 2500.0
V_T = GAS_CONSTANT * 298.15 / FARADAY
R_CT = V_T / I0
TAU = R_CT * C_DL
KAPPA = FARADAY**2 * C0 * 2 * D / (GAS_CONSTANT * 298.15)
R_OHM = H / KAPPA

CASE = f"""
[case]
name = "rc"
[geometry]
width = "2 um"
height = "{H} m"
[geometry.mesh]
size = "0.5 um"
electrode_size = "0.25 um"
[electrolyte]
D_cation = {D}
D_anion = {D}
[electrode]
kinetics = "linear"
exchange_current_density = {I0}
double_layer_capacitance = {C_DL}
[operation]
current_density = {I_APP}
[time]
end = {3 * TAU}
adaptive = false
[output]
formats = []
every = 1
"""


def _run(tmp_path: Path, steps_per_tau: int, ranks: int = 1) -> dict:
    case = tmp_path / "rc.toml"
    case.write_text(CASE)
    out = tmp_path / f"out_{steps_per_tau}_{ranks}"
    dt = TAU / steps_per_tau
    p = run_cli(
        "run",
        str(case),
        "--out",
        str(out),
        "--quiet",
        "--set",
        f"time.dt={dt}",
        "--set",
        f"time.max_dt={dt}",
        "--set",
        "solver.snes_rtol=1e-12",
        ranks=ranks,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads((out / "metrics.json").read_text())["time_series"]


def _errors(ts: dict) -> tuple[float, float]:
    """Largest errors of V(t) and of the mean plating current over tau <= t <= 3 tau, relative
    to I R_ct and I. (Over 0 < t < tau the implicit-Euler start step adds a pre-asymptotic
    error: the order over all t is 1.79, 1.86, 1.92 for tau/10 ... tau/80.)"""
    t = np.array(ts["t"])
    decay = 1.0 - np.exp(-t / TAU)
    V = np.array(ts["cell_potential"])
    i_f = np.array(ts["i_mean"])
    keep = t >= TAU * (1.0 - 1e-9)
    err_V = np.max(np.abs(V - (I_APP * R_OHM + I_APP * R_CT * decay))[keep]) / (I_APP * R_CT)
    err_i = np.max(np.abs(i_f - I_APP * decay)[keep]) / I_APP
    return float(err_V), float(err_i)


def test_rc_charging_transient(tmp_path):
    ts = _run(tmp_path, 20)
    # the reported mean current is the faradaic one (read after the step, history shifted)
    assert np.allclose(ts["current_mean_fe"], ts["i_mean"], rtol=1e-6, atol=1e-9)
    coarse, fine = _errors(_run(tmp_path, 10)), _errors(ts)
    for k, name in enumerate(("cell potential", "faradaic current")):
        order = math.log(coarse[k] / fine[k]) / math.log(2.0)
        assert 1.9 < order < 2.2, (name, coarse[k], fine[k], order)  # measured 2.07
        assert fine[k] < 1e-3, (name, fine[k])  # measured 4.0e-4


@pytest.mark.mpi
def test_rc_charging_parallel(tmp_path):
    a, b = _run(tmp_path, 10), _run(tmp_path, 10, ranks=2)
    for key in ("cell_potential", "i_mean"):
        assert np.allclose(a[key], b[key], rtol=1e-8, atol=1e-12), key


def test_starts_at_rest_when_c_ref_differs(tmp_path):
    """With C_dl > 0 the cell starts from rest: at zero current and c_ref != c0 the cell
    potential stays at the Li's equilibrium with c0, V = -V_T ln(c0/c_ref) (Butler–Volmer),
    and no current flows (no spurious charging transient)."""
    case = tmp_path / "rest.toml"
    case.write_text(
        CASE.replace(
            'kinetics = "linear"', 'kinetics = "butler-volmer"\nreference_concentration = 2000.0'
        ).replace(f"current_density = {I_APP}", "current_density = 0.0")
    )
    out = tmp_path / "out"
    p = run_cli("run", str(case), "--out", str(out), "--quiet", "--set", f"time.dt={TAU / 5}")
    assert p.returncode == 0, p.stderr[-2000:]
    ts = json.loads((out / "metrics.json").read_text())["time_series"]
    V_rest = -V_T * math.log(C0 / 2000.0)
    assert np.allclose(ts["cell_potential"], V_rest, rtol=1e-9, atol=0.0), ts["cell_potential"][:4]
    assert np.max(np.abs(ts["current_mean_fe"])) < 1e-9 * I0
