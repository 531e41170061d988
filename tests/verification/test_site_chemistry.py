"""PIA's N1/N2 sites as a homogenised matrix charge (depsim.physics.site_chemistry): the counts,
the one-scale Hittorf closure (t+ = 0.78, kappa = 0.92 mS/cm) and the controls derived from it,
against hand-computed values and the virtual Hittorf measurement; the case files of
cases/paper/charged/ against the closure."""

from __future__ import annotations

import math

import pytest

from depsim.physics import site_chemistry as sc
from depsim.physics.constants import FARADAY
from tests.conftest import ROOT

C0 = 2500.0  # the cases' simulated bulk concentration [mol/m^3]
CM = 1000.0  # the 1 M LiPF6 of the measurements


def test_repeat_unit_counts_and_molar_mass():
    u = sc.PIA_REPEAT_UNIT
    assert (u.n1, u.n2) == (3, 1)  # 3 imine N from TREN's 3 NH2, 1 tertiary N
    # C33H30N4 = TFPB C27H18O3 + TREN C6H18N4 - 3 H2O: 33*12.011 + 30*1.008 + 4*14.007 g/mol
    assert u.molar_mass == pytest.approx(0.482631, rel=1e-5)
    tfpb, tren, water = sc.molar_mass(sc.TFPB), sc.molar_mass(sc.TREN), 0.018015
    assert tfpb + tren - 3 * water == pytest.approx(u.molar_mass, rel=1e-4)
    assert (u.without("N2").n1, u.without("N2").n2) == (3, 0)
    assert (u.without("N1").n1, u.without("N1").n2) == (0, 1)
    with pytest.raises(ValueError):
        u.without("N3")


def test_charge_per_unit_from_counts():
    q = sc.ADSORPTION_ENERGY_RATIO
    assert sc.fixed_charge_of_counts(sc.PIA_REPEAT_UNIT, q) == pytest.approx(-1.67)
    assert sc.fixed_charge_of_counts(sc.PIA_REPEAT_UNIT.without("N2"), q) == pytest.approx(-1.95)
    assert sc.fixed_charge_of_counts(sc.PIA_REPEAT_UNIT.without("N1"), q) == pytest.approx(0.28)
    assert sc.fixed_charge_of_counts(sc.PIA_REPEAT_UNIT, sc.FORMAL_CHARGES) == pytest.approx(1.0)


def test_site_density_by_hand():
    # (1 - 0.78) * 1200 kg/m^3 / (0.482631 kg/mol * 0.78) = 701.3 mol/m^3 of pore
    assert sc.site_density(sc.PIA_REPEAT_UNIT, 0.78, 1200.0) == pytest.approx(701.28, rel=1e-4)


def test_closure_by_hand():
    cl = sc.closure()
    # fitted at the 1 M of the measurement:
    # r = c+/c- = 0.78/0.22 * 0.61/0.39 = 5.54545; X = c_m (1/sqrt(r) - sqrt(r)) = -1.93023 c_m
    r = 0.78 / 0.22 * 0.61 / 0.39
    assert cl.X_pia == pytest.approx(CM * (1 / math.sqrt(r) - math.sqrt(r)), rel=1e-9)
    assert cl.X_pia / CM == pytest.approx(-1.93023, rel=1e-5)
    pia, c2, c3 = (cl.materials[k] for k in ("PIA", "control2", "control3"))
    assert pia.t_plus_measured == pytest.approx(0.78, rel=1e-9)
    assert pia.conductivity_measured == pytest.approx(0.092, rel=1e-9)
    assert cl.D_cation_eff / cl.D_anion_eff == pytest.approx(0.39 / 0.61, rel=1e-12)
    # at the simulated c0 = 2.5 M the same X is -0.77209 c0: c+- = sqrt(c0^2 + X^2/4) -+ X/2
    X = cl.X_pia
    cp, cm = math.hypot(C0, X / 2) - X / 2, math.hypot(C0, X / 2) + X / 2
    assert pia.t_plus == pytest.approx(0.39 * cp / (0.39 * cp + 0.61 * cm), rel=1e-9)
    assert pia.t_plus == pytest.approx(0.5761, abs=1e-4)  # below the 0.78 measured at 1 M
    # controls from the same counts, no new number: X_c = X_PIA z_c / z_PIA
    assert c2.X / pia.X == pytest.approx(1.95 / 1.67, rel=1e-9)
    assert c3.X / pia.X == pytest.approx(-0.28 / 1.67, rel=1e-9)
    # control 3 by hand at 1 M: X = +323.63, c+ = 0.85119 c_m, c- = 1.17483 c_m -> t+ = 0.31657
    assert c3.X == pytest.approx(323.63, rel=1e-4)
    t3 = 0.39 * 0.85119 / (0.39 * 0.85119 + 0.61 * 1.17483)
    assert c3.t_plus_measured == pytest.approx(t3, rel=1e-4)
    assert c2.t_plus > pia.t_plus > 0.39 > c3.t_plus
    # reference i0: 6.4 A/m^2 * exp(0.5 asinh(-0.965115)) = 4.1706 A/m^2 (zeta at 1 M)
    assert pia.i0_reference == pytest.approx(4.1706, rel=1e-4)
    assert pia.rho_fix == pytest.approx(cl.X_pia * FARADAY * 0.78, rel=1e-12)


def test_closure_at_c0_is_the_reading_before():
    """c_measured = None fits at the simulated c0 (X = -1.930 c0, t+ 0.78 there)."""
    cl = sc.closure(c_measured=None)
    assert cl.X_pia / C0 == pytest.approx(-1.93023, rel=1e-5)
    assert cl.materials["PIA"].t_plus == pytest.approx(0.78, rel=1e-9)
    assert cl.materials["PIA"].conductivity == pytest.approx(0.092, rel=1e-9)


def test_implied_charge_per_site_exceeds_one_electron_at_2p5_molar():
    """The plausibility check: fitted at 2.5 M the closure needs ~2.7 e per imine N; at 1 M
    (the measurement's, the default) ~1.07 e."""
    assert sc.closure(c_measured=None).q_n1 < -2.0
    assert sc.closure().q_n1 == pytest.approx(-1.07, abs=0.02)
    assert sc.hittorf_ceiling(2500.0) < 0.78 < sc.hittorf_ceiling(1000.0)


def test_formal_charges_cannot_reach_measured_tplus():
    with pytest.raises(ValueError, match="no positive scale"):
        sc.closure(charges=sc.FORMAL_CHARGES)


def test_virtual_hittorf_recovers_closure():
    """The virtual Hittorf measurement of depsim.virtual.separator on the closure's matrices."""
    from depsim.solver.parameters import RegionProperties
    from depsim.virtual.separator import measure_separator

    cl = sc.closure()
    for name, m in cl.materials.items():
        props = RegionProperties(
            D_cation=cl.D_cation_eff, D_anion=cl.D_anion_eff, porosity=0.78, fixed_charge=m.X
        )
        for c, t, kappa in (
            (C0, m.t_plus, m.conductivity),
            (CM, m.t_plus_measured, m.conductivity_measured),
        ):
            meas = measure_separator(props, c, steady=False)
            print(
                f"\n{name} at {c:g}: t+ {meas.transference_number:.5f}, "
                f"kappa {meas.conductivity:.5g} S/m"
            )
            assert meas.transference_number == pytest.approx(t, rel=1e-6)
            assert meas.conductivity == pytest.approx(kappa, rel=1e-6)
    assert meas.transference_number < 0.39  # control 3: an anion-selective matrix


@pytest.mark.parametrize("name", ["pia", "control2", "control3"])
def test_case_files_agree_with_closure(name):
    from depsim.case import load_case

    cl = sc.closure()
    m = cl.materials[{"pia": "PIA"}.get(name, name)]
    case = load_case(ROOT / "cases/paper/charged" / f"{name}.toml")
    sep, el = case.separator, case.electrolyte
    assert sep.fixed_charge == pytest.approx(m.rho_fix, rel=2e-4)
    eff = sep.porosity**sep.bruggeman
    assert el.D_cation * eff == pytest.approx(cl.D_cation_eff, rel=2e-4)
    assert el.D_anion * eff == pytest.approx(cl.D_anion_eff, rel=2e-4)
    i0 = case.electrode.exchange_current_density
    i0 = getattr(i0, "value", i0)
    assert float(i0) == pytest.approx(m.i0_reference, rel=2e-4)
    assert not sep.sites and sep.transference_number is None


@pytest.mark.parametrize(("name", "n1", "n2"), [("control2", 1.0, 0.0), ("control3", 0.0, 1.0)])
def test_homogenised_controls_scale_i0_by_mean_frumkin(name, n1, n2):
    """cases/paper/homogenised: i0_c = 0.64 mA/cm^2 <f>_c / <f>_PIA, half coverage per site kind
    (<f>_PIA = (1.667 + 0.600)/2 = 1.1335; control 2 (1.667 + 1)/2; control 3 (1 + 0.600)/2)."""
    from depsim.case import load_case
    from depsim.physics import frumkin

    f1, f2 = (float(frumkin.exchange_current_factor(s, C0)) for s in (-0.05, 0.05))
    assert (f1, f2) == pytest.approx((1.6671, 0.5998), rel=1e-4)
    mean_c = 0.5 * (n1 * f1 + (1 - n1)) + 0.5 * (n2 * f2 + (1 - n2))
    case = load_case(ROOT / "cases/paper/homogenised" / f"{name}.toml")
    i0 = case.electrode.exchange_current_density
    i0 = float(getattr(i0, "value", i0))
    assert i0 == pytest.approx(6.4 * mean_c / (0.5 * f1 + 0.5 * f2), rel=2e-4)
    assert not case.separator.sites
