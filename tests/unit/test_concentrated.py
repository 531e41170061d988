"""Newman's concentrated binary electrolyte (depsim/physics/concentrated.py) and its case keys
(depsim/case/concentrated.py): the dilute reduction, Balsara and Newman's current fraction, the
Kirchhoff limiting current, the separator's MacMullin conversion at ``measured_at``, warnings
and the resolved case."""

from __future__ import annotations

import numpy as np
import pytest

from depsim.case import load_case, to_toml, validate_case
from depsim.physics import concentrated as newman
from depsim.physics import electrolyte
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.physics.electrolyte_library import get_electrolyte
from depsim.solver.parameters import ModelParameters

T, C0 = 298.15, 1000.0
DP, DM = 1.1e-10, 2.3e-10


def _case(tmp_path, text: str, **overrides):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return load_case(path, overrides=overrides)


def test_fluxes_reduce_to_nernst_planck():
    """With the dilute equivalent properties N+ = -d+ c grad(u + chi), N- = -d- c grad(u - chi)
    for any gradients (numbers; the UFL path is the same code)."""
    kappa, D, t0, tdf = newman.dilute_equivalent(DP, DM, T)
    D0, c_hat = 1e-10, 0.7
    k = kappa(c_hat * C0, T) * GAS_CONSTANT * T / (FARADAY**2 * D0 * C0)
    rng = np.random.default_rng(1)
    gu, gchi = rng.normal(size=3), rng.normal(size=3)
    n_plus, n_minus, i = newman.fluxes(
        k, D(0, T) / D0, t0(0, T), tdf(0, T), c_hat, gu, gchi, lambda f: f
    )
    np.testing.assert_allclose(n_plus, -DP / D0 * c_hat * (gu + gchi), rtol=1e-13)
    np.testing.assert_allclose(n_minus, -DM / D0 * c_hat * (gu - gchi), rtol=1e-13)
    np.testing.assert_allclose(i, n_plus - n_minus, rtol=1e-13)


def test_current_fraction_is_t0_only_in_the_dilute_limit():
    kappa, D, t0, _ = newman.dilute_equivalent(DP, DM, T)
    rho = newman.balsara_newman_current_fraction(kappa(C0, T), D(C0, T), t0(C0, T), 1.0, C0, T)
    assert rho == pytest.approx(DP / (DP + DM), rel=1e-13)
    # a concentrated LiPF6 (Landesfeind-Gasteiger 2019, EC:DMC, 1 M): rho+ differs from t0
    lg = get_electrolyte("landesfeind2019-ec-dmc")
    args = (lg.conductivity(C0, T), lg.diffusivity(C0, T))
    t0_lg, tdf = lg.transference_number(C0, T), lg.thermodynamic_factor(C0, T)
    rho_lg = newman.balsara_newman_current_fraction(*args, t0_lg, tdf, C0, T)
    print(f"\nLG2019 EC:DMC 1 M: t0 {t0_lg:.3f}, TDF {tdf:.2f}, rho+ {rho_lg:.3f}")
    assert rho_lg < t0_lg
    back = newman.hittorf_from_current_fraction(rho_lg, *args, tdf, C0, T)
    assert back == pytest.approx(t0_lg, rel=1e-12)


def test_kirchhoff_limiting_current_with_constant_properties_is_the_closed_form():
    D, t0, L = 2.7e-10, 0.38, 25e-6
    exact = newman.limiting_current(D, t0, C0, L)
    kirchhoff = newman.limiting_current_kirchhoff(lambda c, T: D, lambda c, T: t0, C0, L, T)
    assert kirchhoff == pytest.approx(exact, rel=1e-12)
    # and the dilute module's form (D = 2 D+ D-/(D+ + D-), t0 = D+/(D+ + D-)) is the same law
    assert electrolyte.limiting_current(DP, DM, C0, L) == pytest.approx(
        newman.limiting_current(2 * DP * DM / (DP + DM), DP / (DP + DM), C0, L), rel=1e-14
    )


PIA_LG = """
[electrolyte]
model = "concentrated"
concentration = "1.2 M"
[electrolyte.properties]
source = "landesfeind2019-ec-dmc"
[separator]
material = "PIA"
measured_at = "1 M"
transference_method = "bruce-vincent"
"""


def test_separator_converted_at_measured_concentration(tmp_path):
    """kappa_eff = kappa(c)/N_M with N_M = kappa(c_m)/kappa_sep, D_eff = D/N_M, and the
    Bruce-Vincent t+ (rho+) converted to the Hittorf t0 at c_m."""
    case = _case(tmp_path, PIA_LG)
    p = ModelParameters.from_case(case, mesh_has_separator=False)
    lg = get_electrolyte("landesfeind2019-ec-dmc")
    sep = p.separator.transport
    n_m = lg.conductivity(1000.0, T) / 0.092  # PIA: 0.92 mS/cm (Ding et al. 2023)
    for c in (300.0, 1000.0, 1700.0):
        assert sep.conductivity(c, T) == pytest.approx(lg.conductivity(c, T) / n_m, rel=1e-13)
        assert sep.diffusivity(c, T) == pytest.approx(lg.diffusivity(c, T) / n_m, rel=1e-13)
    assert sep.conductivity(1000.0, T) == pytest.approx(0.092, rel=1e-13)
    t0 = sep.transference_number(1200.0, T)
    rho = newman.balsara_newman_current_fraction(
        sep.conductivity(1000.0, T),
        sep.diffusivity(1000.0, T),
        t0,
        lg.thermodynamic_factor(1000.0, T),
        1000.0,
        T,
    )
    assert rho == pytest.approx(0.78, rel=1e-12)
    assert p.electrolyte_model == "concentrated"
    # the free electrolyte is the library entry itself
    assert p.electrolyte_properties.conductivity(1200.0, T) == lg.conductivity(1200.0, T)


def test_hittorf_method_and_macmullin(tmp_path):
    text = PIA_LG.replace('"bruce-vincent"', '"hittorf"')
    p = ModelParameters.from_case(_case(tmp_path, text), mesh_has_separator=False)
    assert p.separator.transport.transference_number(500.0, T) == pytest.approx(0.78, rel=1e-15)
    mm = """
[electrolyte]
model = "concentrated"
[separator]
porosity = 0.4
macmullin = 7.5
"""
    p = ModelParameters.from_case(_case(tmp_path, mm), mesh_has_separator=False)
    el = p.electrolyte_properties
    assert p.separator.transport.conductivity(2000.0, T) == pytest.approx(
        el.conductivity(2000.0, T) / 7.5, rel=1e-14
    )
    bg = mm.replace("macmullin = 7.5", "")  # Bruggeman, b = 1.5: N_M = eps^-1.5
    p = ModelParameters.from_case(_case(tmp_path, bg), mesh_has_separator=False)
    assert p.separator.transport.diffusivity(2000.0, T) == pytest.approx(
        el.diffusivity(2000.0, T) * 0.4**1.5, rel=1e-14
    )


def test_dilute_model_converts_measured_values_at_measured_at(tmp_path):
    """Nernst-Einstein at the measured concentration: D+- scale as 1 / c_m (PP's library entry
    records 1 M, its measurement's; here set explicitly both ways)."""
    text = '[electrolyte]\nconcentration = "2500 mol/m^3"\n[separator]\nmaterial = "PP"\n'
    at_c0 = _case(tmp_path, text, **{"separator.measured_at": "2.5 M"}).separator_diffusivities()
    at_1m = _case(tmp_path, text, **{"separator.measured_at": "1 M"}).separator_diffusivities()
    assert at_1m[0] == pytest.approx(2.5 * at_c0[0], rel=1e-14)
    assert at_1m[1] == pytest.approx(2.5 * at_c0[1], rel=1e-14)


def test_warnings_name_the_key(tmp_path):
    out_of_range = _case(tmp_path, PIA_LG, **{"electrolyte.concentration": "3.5 M"})
    assert any(w.startswith("electrolyte.concentration:") for w in out_of_range.warnings)
    unused = _case(
        tmp_path, '[electrolyte.properties]\nsource = "valoen2005"\n'
    )  # dilute model: properties unused
    assert any(w.startswith("electrolyte.properties:") for w in unused.warnings)
    assert not _case(tmp_path, PIA_LG).warnings


def test_resolved_case_loads_again(tmp_path):
    text = PIA_LG + "[electrolyte.properties]\n"
    text = PIA_LG.replace(
        'source = "landesfeind2019-ec-dmc"',
        'source = "landesfeind2019-ec-dmc"\nthermodynamic_factor = [[0, 1.0], [2000, 3.0]]\n'
        'conductivity = "10 mS/cm"',
    )
    case = _case(tmp_path, text)
    again = validate_case(__import__("tomllib").loads(to_toml(case)))
    assert again.electrolyte.properties == case.electrolyte.properties
    assert again.electrolyte.properties.conductivity == pytest.approx(1.0, rel=1e-15)
    f = ModelParameters.from_case(again, mesh_has_separator=False).electrolyte_properties
    assert f.thermodynamic_factor(500.0, T) == pytest.approx(1.5, rel=1e-14)
    assert f.conductivity(123.0, T) == pytest.approx(1.0, rel=1e-15)


def test_linear_stability_dilute_limit():
    """The concentrated linear-stability theory with the dilute equivalent properties is the
    dilute theory (W' = 2 D+, Phi = 2 V_T ln(c/c0))."""
    from depsim.deposition import linear_stability as ls
    from depsim.physics.electrolyte_library import Electrolyte

    p = ls.StabilityParameters(current_density=300.0, height=8e-6, i0=1e5)
    inf = float("inf")
    props = newman.dilute_equivalent(p.D_cation, p.D_anion, p.temperature)
    q = p.with_(transport=Electrolyte("dilute", "equivalent", (0, inf), (0, inf), *props))
    k = 2 * np.pi / np.array([10e-6, 5e-6, 1e-6])
    np.testing.assert_allclose(ls.growth_rate(k, q), ls.growth_rate(k, p), rtol=1e-9)
    assert q.limiting_current == pytest.approx(p.limiting_current, rel=1e-10)
