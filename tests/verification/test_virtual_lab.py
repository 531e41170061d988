"""The virtual lab (``depsim measure``, docs/virtual-lab.md) against closed forms.

A binary salt in a porous separator (t+ = 0.4, 1 mS/cm, porosity 0.5, c0 = 1 M; all ASSUMED test
values) between Li faces with Butler-Volmer kinetics and a double layer of 20 uF/cm^2 (ASSUMED):

- EIS: the spectrum against the linearised model's closed form
  (:func:`depsim.physics.impedance.symmetric_cell_impedance`), and what is read off it: bulk
  L/kappa, charge-transfer arc 2 V_T/i0 with its apex 1/(2 pi R_ct C_dl), finite-length Warburg
  width and apex frequency, each to 1 %;
- Bruce-Vincent returns t+ to 2 %; with a fixed matrix charge it returns the Donnan (Hittorf)
  t+ of the charged pore, not the t+ of the liquid;
- Tafel returns j0 (and alpha) to 5 % in a kinetically limited cell;
- Sand's time to 1 % of the closed-cell series.

Serial here; ``test_virtual_lab_mpi.py`` repeats the lab under ``mpirun -n 2``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import depsim
from depsim.lab.protocol import LabProtocol
from depsim.physics import impedance as imp
from depsim.physics import polarisation as pol
from depsim.physics.constants import FARADAY, GAS_CONSTANT, thermal_voltage
from depsim.physics.separator import donnan_transference_number

CASE = Path(__file__).with_name("lab_binary.toml").read_text()
L, KAPPA, T_PLUS, EPS, C0, I0, C_DL, T = 8e-6, 0.1, 0.4, 0.5, 1000.0, 640.0, 0.2, 298.15
BASE = KAPPA * GAS_CONSTANT * T / (FARADAY**2 * C0)
D_PLUS, D_MINUS = T_PLUS * BASE, (1.0 - T_PLUS) * BASE
D_SALT = 2.0 * D_PLUS * D_MINUS / (D_PLUS + D_MINUS)
ONE_STEP = LabProtocol(bv_steps=1)  # the plain protocol (its dV -> 0 extrapolation: lab_instrument)


def rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.fixture(scope="module")
def case_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("lab") / "binary.toml"
    path.write_text(CASE)
    return path


@pytest.fixture(scope="module")
def eis(case_file):
    return depsim.measure(depsim.load_case(case_file), what="eis")


def test_closed_forms_self_consistent():
    """The Warburg apex (literature: omega tau = 2.54) and the Sand series (-> semi-infinite
    for a thick cell) of the physics modules."""
    assert abs(imp.warburg_apex_omega_tau() - 2.5406) < 1e-3
    cell = pol.ClosedCell(L, D_SALT, T_PLUS, C0, EPS)
    i = 20.0 * cell.limiting_current()
    exact = cell.sand_time(i)
    assert rel(exact, cell.sand_time_semi_infinite(i)) < 1e-9
    assert cell.sand_time(0.9 * i / 20.0) is None
    # Bruce-Vincent is exact for an ideal cell in linear response: R_b/t+ at steady state
    R_b, R_i, dV = 1.0, 0.5, 0.01
    I0, Iss = dV / (R_b + R_i), dV / (R_b / T_PLUS + R_i)
    assert rel(pol.bruce_vincent(dV, I0, R_i, Iss, R_i), T_PLUS) < 1e-12


def test_impedance_spectrum_matches_closed_form(eis):
    curves = eis.curves["eis"]
    w = 2.0 * math.pi * curves.frequency
    half = dict(D_cation=D_PLUS, D_anion=D_MINUS, c0=C0, temperature=T, porosity=EPS)
    Z_li = imp.symmetric_cell_impedance(w, L, i0=I0, double_layer_capacitance=C_DL, **half)
    Z_ss = imp.symmetric_cell_impedance(w, L, i0=0.0, double_layer_capacitance=C_DL, **half)
    err_li = np.max(np.abs(curves.Z - Z_li) / np.abs(Z_li))
    err_ss = np.max(np.abs(curves.Z_blocking - Z_ss) / np.abs(Z_ss))
    print(f"EIS spectrum: max relative error Li|Li {err_li:.2e}, SS|SS {err_ss:.2e}")
    assert err_li < 1e-2 and err_ss < 1e-2
    # the diffusion arc alone: Z - R_b - 2 R_ct against the finite-length Warburg, where the
    # double layer carries next to no current (f below 10 x the diffusion apex)
    tau = imp.symmetric_diffusion_time(L, D_SALT, EPS)
    R_D = imp.diffusion_resistance(L, KAPPA, T_PLUS)
    R_ct = imp.charge_transfer_resistance(I0, T)
    low = w * tau < 10.0 * imp.warburg_apex_omega_tau()
    Z_W = imp.warburg_transmissive(w[low], R_D, tau)
    err_w = np.max(np.abs(curves.Z[low] - L / KAPPA - 2.0 * R_ct - Z_W) / np.abs(Z_W))
    print(f"finite-length Warburg: max relative error {err_w:.2e}")
    assert err_w < 1e-2


def test_impedance_readings(eis):
    m = eis.measurements
    e = m["eis"]
    R_ct = imp.charge_transfer_resistance(I0, T)
    tau = imp.symmetric_diffusion_time(L, D_SALT, EPS)
    checks = {
        "conductivity (SS|SS intercept)": (m["conductivity"], KAPPA),
        "R_bulk (Li|Li intercept)": (e["R_bulk"], L / KAPPA),
        "R_interface = 2 V_T/i0": (e["R_interface"], 2.0 * R_ct),
        "C_dl from the arc apex": (e["C_interface"], C_DL),
        "charge-transfer apex": (e["f_interface_apex"], 1.0 / (2.0 * math.pi * R_ct * C_DL)),
        "diffusion apex": (
            e["f_diffusion_apex"],
            imp.warburg_apex_omega_tau() / (2.0 * math.pi * tau),
        ),
        "R_diffusion": (e["R_diffusion"], imp.diffusion_resistance(L, KAPPA, T_PLUS)),
    }
    for name, (got, want) in checks.items():
        print(f"{name}: {got:.6g} vs {want:.6g} ({rel(got, want):.2e})")
    for name, (got, want) in checks.items():
        assert rel(got, want) < 1e-2, name


def test_bruce_vincent_ideal_binary(case_file):
    m = depsim.measure(depsim.load_case(case_file), what="bruce-vincent", protocol=ONE_STEP)
    m = m.measurements
    bv = m["bruce_vincent"]
    t = m["transference_number_bruce_vincent"]
    print(
        f"Bruce-Vincent t+ = {t:.5f} vs {T_PLUS} ({rel(t, T_PLUS):.2e}); I0 {bv['I0']:.4g}, "
        f"I_ss {bv['I_ss']:.4g} A/m^2, R0 {bv['R0']:.4g}, R_ss {bv['R_ss']:.4g} Ohm m^2"
    )
    assert rel(t, T_PLUS) < 2e-2
    assert bv["steady_drift"] < 1e-6
    assert rel(bv["half_cell_voltage"], bv["dV"]) < 1e-4  # the polarised cell = two halves


def test_bruce_vincent_fixed_charge(case_file):
    """X = -1.93 c0 (rho = X F eps): Bruce-Vincent measures the Donnan-enhanced Hittorf t+ of
    the charged pore (0.787), not the t+ of the pore liquid (0.4) the case gives."""
    X = -1.93 * C0
    case = depsim.load_case(case_file, overrides={"separator.fixed_charge": X * FARADAY * EPS})
    m = depsim.measure(case, what="bruce-vincent", protocol=ONE_STEP).measurements
    t = m["transference_number_bruce_vincent"]
    hittorf = donnan_transference_number(D_PLUS, D_MINUS, C0, X)
    print(f"fixed charge: Bruce-Vincent {t:.5f}, Hittorf {hittorf:.5f}, liquid {T_PLUS}")
    assert rel(m["bruce_vincent"]["transference_number_hittorf"], hittorf) < 1e-9
    assert rel(t, hittorf) < 2e-2
    assert t - T_PLUS > 0.3


def test_tafel_exchange_current(case_file):
    """i0 = 0.02 A/m^2: the Tafel window (5-10 V_T) lies far below the limiting current."""
    case = depsim.load_case(
        case_file, overrides={"electrode.exchange_current_density": "0.002 mA/cm^2"}
    )
    m = depsim.measure(case, what="tafel").measurements
    tf = m["tafel"]
    j0 = m["exchange_current_density_tafel"]
    print(
        f"Tafel j0 = {j0:.5g} vs 0.02 ({rel(j0, 0.02):.2e}); alpha_c {tf['alpha_c']:.4f}, "
        f"alpha_a {tf['alpha_a']:.4f}; transport ratio {tf['transport_ratio']:.2e}"
    )
    assert rel(j0, 0.02) < 5e-2
    assert rel(tf["alpha_c"], 0.5) < 5e-2 and rel(tf["alpha_a"], 0.5) < 5e-2
    assert min(tf["points"]) >= 10
    V_T = thermal_voltage(T)
    assert rel(tf["window"][0], 5 * V_T) < 1e-12


def test_sand_time(case_file):
    m = depsim.measure(depsim.load_case(case_file), what="sand").measurements
    s = m["sand"]
    exact = pol.ClosedCell(L, D_SALT, T_PLUS, C0, EPS).sand_time(s["current"])
    print(f"Sand: t_S = {m['sand_time']:.6g} s vs {exact:.6g} s ({rel(m['sand_time'], exact):.2e})")
    assert rel(s["sand_time_analytic"], exact) < 1e-12
    assert rel(m["sand_time"], exact) < 1e-2


def test_sand_charged_matrix_does_not_deplete(case_file):
    """X = -1.93 c0: the matrix's counter-ions carry the current, the pore never depletes at
    the current that depletes the uncharged material (4 x its limiting current), and the lab
    reports no Sand time instead of failing."""
    X = -1.93 * C0
    case = depsim.load_case(case_file, overrides={"separator.fixed_charge": X * FARADAY * EPS})
    m = depsim.measure(case, what="sand", sand_steps=100).measurements
    assert m["sand_time"] is None
    assert m["sand"]["current"] > m["sand"]["limiting_current"]  # past the uncharged limit
