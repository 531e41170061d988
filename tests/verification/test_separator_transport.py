"""Separator transport: Nernst–Einstein mapping and fixed charge (Teorell–Meyer–Sievers/Donnan).

Studies in ``separator_studies.py``; every study also runs under ``mpirun -n 2`` and must give
the serial numbers within 1e-8 (relative; round-off-level error numbers absolutely).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from depsim.physics import separator as sep_physics
from depsim.physics.constants import thermal_voltage
from tests.conftest import assert_close_dicts, run_script

HERE = Path(__file__).parent
STUDIES = HERE / "separator_studies.py"


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks, reuse=True)


def compare_serial_parallel(name: str, **kwargs) -> None:
    serial = study(name, **kwargs)
    parallel = study(name, ranks=2, **kwargs)
    tiny = {k for k, v in serial.items() if isinstance(v, float) and abs(v) < 1e-6}
    assert_close_dicts(serial, parallel, rtol=1e-8, keys=[k for k in serial if k not in tiny])
    for k in tiny:
        assert abs(parallel[k]) < 1e-6, (k, parallel[k])


def test_donnan_relations():
    """Ideal Donnan: c+ c- = c0^2, c+ - c- = -X, phi_D = V_T asinh(X/2c0), stable for |X| >> c0."""
    c0 = 2500.0
    for X in (-1e5, -1930.0, 0.0, 800.0, 1e5):
        cp, cm = sep_physics.donnan_concentrations(c0, X)
        assert cp > 0 and cm > 0
        assert abs(cp * cm / c0**2 - 1) < 1e-12
        assert abs((cp - cm) + X) < 1e-9 * max(1.0, abs(X))
    assert (
        abs(
            sep_physics.donnan_potential(-2 * c0 * 1.0, c0)
            - thermal_voltage(298.15) * -0.881373587019543
        )
        < 1e-15
    )


def test_transference_statement_of_the_model_docs():
    """docs/model.md §3.2: ideal Donnan, t+ from 0.39 to 0.78 needs X ~ -1.93 c0 (negative
    matrix)."""
    Dp, Dm = 0.39, 0.61  # only the ratio matters
    X = sep_physics.fixed_charge_for_transference(0.78, Dp, Dm, 1.0)
    print(f"\nX for t+ 0.39 -> 0.78: {X:.4f} c0")
    assert -1.95 < X < -1.90
    assert abs(sep_physics.donnan_transference_number(Dp, Dm, 1.0, X) - 0.78) < 1e-12


def test_nernst_einstein_slab():
    """Uniform PIA-like slab (t+ = 0.78, kappa = 0.92 mS/cm): kappa from the ohmic drop at a small
    current and t+ from the steady concentration gradient, within 1 % (in fact to round-off)."""
    r = study("nernst_einstein_slab")
    print(
        f"\nkappa {r['kappa']:.12g} (err {r['err_kappa']:.1e}), t+ gradient "
        f"{r['t_plus_gradient']:.12g} (err {r['err_t_gradient']:.1e}), t+ Hittorf "
        f"{r['t_plus_hittorf']:.12g} (err {r['err_t_hittorf']:.1e})"
    )
    assert r["err_kappa"] < 1e-2 and r["err_t_gradient"] < 1e-2 and r["err_t_hittorf"] < 1e-2
    # the discrete solution is exact here (linear profiles): much tighter than the 1 % asked
    assert r["err_kappa"] < 1e-9 and r["err_t_gradient"] < 1e-9


def test_donnan_layer():
    """Charged separator (X = -1.93 c0) under free electrolyte: equilibrium Donnan concentrations
    and potential, the steady TMS salt profile under current (analytic), sharp Donnan jumps of
    c+ and phi at the interface, BV at the Li with pore values, and t+ raised 0.39 -> 0.78."""
    r = study("donnan_layer")
    print("\n" + "\n".join(f"  {k} = {v:.12g}" for k, v in r.items()))
    for key in (
        "eq_err_cp",
        "eq_err_cm",
        "eq_err_product",
        "eq_err_electrolyte",
        "eq_err_potential",
        "tms_err_salt",
        "err_jump_ratio",
        "err_jump_phi",
        "err_cell_potential",
        "err_t_plus",
        "err_kappa",
    ):
        assert r[key] < 1e-9, (key, r[key])
    assert r["tms_anion_rest"] < 1e-9
    assert abs(r["current"] / r["current_applied"] - 1) < 1e-10
    assert r["t_plus_effective"] > 0.779 and r["t_plus_uncharged"] == 0.39
    assert r["donnan_potential"] < 0  # negative matrix: lower pore potential


@pytest.mark.mpi
@pytest.mark.parametrize("name", ["nernst_einstein_slab", "donnan_layer"])
def test_parallel_matches_serial(name):
    compare_serial_parallel(name)
