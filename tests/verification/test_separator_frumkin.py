"""Frumkin kinetics and charged sites along the Li (docs/model.md §4).

The worked example of docs/model.md §4 (|sigma| = 0.05 C/m^2, 2.5 M, eps_r = 20: |psi_d| ~ 26 mV,
i0 x 1.67 on N1 and x 0.60 on N2 sites) is reproduced by the documented form
f = exp(-alpha_a psi_d / V_T), psi_d = 2 V_T asinh(sigma / sqrt(8 eps0 eps_r R T c0)).
"""

from __future__ import annotations

import numpy as np
import pytest

from depsim.physics import frumkin
from depsim.physics.sites import SiteSpec, surface_charge_profile
from tests.verification.test_separator_transport import compare_serial_parallel, study


def test_model_docs_example_numbers():
    psi_n1 = frumkin.diffuse_layer_potential(-0.05, 2500.0, 20.0, 298.15)
    psi_n2 = frumkin.diffuse_layer_potential(+0.05, 2500.0, 20.0, 298.15)
    f_n1 = frumkin.exchange_current_factor(-0.05, 2500.0, 20.0, 298.15, 0.5)
    f_n2 = frumkin.exchange_current_factor(+0.05, 2500.0, 20.0, 298.15, 0.5)
    print(f"\npsi_d = {1e3 * psi_n1:.3f} / {1e3 * psi_n2:.3f} mV, f = {f_n1:.4f} / {f_n2:.4f}")
    assert psi_n1 < 0 < psi_n2 and abs(psi_n1 + psi_n2) < 1e-15  # sign of sigma
    assert round(1e3 * abs(psi_n1)) == 26
    assert round(float(f_n1), 2) == 1.67 and round(float(f_n2), 2) == 0.60
    assert abs(f_n1 * f_n2 - 1.0) < 1e-12  # alpha_a = 1/2: symmetric in sigma
    # Grahame round trip, and 4 F c lambda_D = sqrt(8 eps R T c)
    assert abs(frumkin.surface_charge(psi_n1, 2500.0, 20.0) + 0.05) < 1e-15
    from depsim.physics.constants import FARADAY

    lam = frumkin.debye_length(2500.0, 20.0)
    assert abs(4 * FARADAY * 2500.0 * lam / frumkin.grahame_scale(2500.0, 20.0, 298.15) - 1) < 1e-12
    assert abs(lam - 0.097e-9) < 0.001e-9  # docs/model.md §3.4: 0.097 nm at 2.5 M
    assert frumkin.exchange_current_factor(0.0, 2500.0) == pytest.approx(1.0, rel=1e-15)


def test_site_patterns():
    x = np.linspace(0.0, 4e-6, 81)
    periodic = SiteSpec("N1", -0.05, "periodic", period=2e-6, fraction=0.25, offset=0.5e-6)
    cov = periodic.coverage(x)
    assert np.all(cov[(x >= 0.5e-6) & (x < 0.99e-6)] == 1.0)
    assert np.all(cov[(x >= 1.01e-6) & (x < 2.49e-6)] == 0.0)
    assert np.all(cov[(x >= 2.5e-6) & (x < 2.99e-6)] == 1.0)
    listed = SiteSpec("N2", 0.05, "list", positions=(1e-6, 3e-6), width=0.4e-6)
    cl = listed.coverage(x)
    assert np.all(cl[np.abs(x - 1e-6) <= 0.2e-6] == 1.0)
    assert cl[np.abs(x - 2e-6) < 0.5e-6].sum() == 0
    uniform = SiteSpec("u", 0.01)
    sigma = surface_charge_profile([periodic, listed, uniform], x)
    assert np.allclose(sigma, -0.05 * cov + 0.05 * cl + 0.01)


def test_frumkin_uniform_sites():
    """Flat electrode, uniform sigma: the exchange-current factor measured from the simulated
    overpotential equals exp(-alpha_a psi_d/V_T) within 1e-6 (N1 and N2 signs)."""
    for sigma in (-0.05, 0.05):
        r = study("frumkin_uniform", sigma=sigma)
        print(
            f"\nsigma = {sigma}: f = {r['factor_exact']:.10f}; from asinh law "
            f"{r['factor_small_asinh']:.10f} (err {r['err_small_asinh']:.1e}), "
            f"{r['factor_large_asinh']:.10f} (err {r['err_large_asinh']:.1e}); linear response "
            f"{r['factor_small_linear']:.10f} (err {r['err_small_linear']:.1e})"
        )
        assert r["err_small_asinh"] < 1e-6 and r["err_large_asinh"] < 1e-6
        assert r["err_small_linear"] < 1e-6
        assert r["eta_spread_small"] < 1e-12 and r["eta_spread_large"] < 1e-12


def test_patterned_sites():
    """Alternating N1/N2 stripes: the plating current is higher on N1 (ratio close to the ratio of
    the factors at this kinetically limited current) and its mean equals the applied current."""
    r = study("patterned_sites")
    print(
        f"\ni(N1) = {r['i_n1']:.4f}, i(N2) = {r['i_n2']:.4f} A/m^2 (ratio "
        f"{r['i_n1'] / r['i_n2']:.4f}, factor ratio {r['factor_ratio']:.4f}); mean: solver "
        f"{r['current_solver']:.12g} (err {r['err_mean_solver']:.1e}), sampled "
        f"{r['i_mean_sampled']:.10g} (err {r['err_mean_sampled']:.1e})"
    )
    assert r["i_n1"] > 2.0 * r["i_n2"] > 0
    assert r["i_n1"] / r["i_n2"] < r["factor_ratio"] * (1 + 1e-9)
    assert r["err_mean_solver"] < 1e-10
    assert r["err_mean_sampled"] < 1e-3  # nodal trapezoid of a P1-interpolated step pattern


@pytest.mark.mpi
@pytest.mark.parametrize(
    "name,kwargs", [("frumkin_uniform", {"sigma": -0.05}), ("patterned_sites", {})]
)
def test_parallel_matches_serial(name, kwargs):
    compare_serial_parallel(name, **kwargs)
