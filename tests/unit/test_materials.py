"""The built-in materials library."""

from __future__ import annotations

import pytest

from depsim.errors import CaseError
from depsim.materials import format_materials, get_material, list_materials

EXPECTED = [
    "PP",
    "PIA",
    "control2",
    "control3",
    "Celgard2500",
    "PCHP",
    "ANP-C-2.0K",
    "MIT-20-LiCl",
    "MOF-LiCl",
    "Li-Cu-CNF",
    "PIM-13",
    "21-beta-CD-g-PTFEMA",
]


def test_listing_has_all_materials():
    assert list_materials() == EXPECTED


def test_measured_values_of_ding_2023():
    pp, pia = get_material("PP"), get_material("PIA")
    assert pp.transference_number == 0.39
    assert pp.conductivity == pytest.approx(0.023)  # 0.23 mS/cm
    assert pp.exchange_current_density == pytest.approx(3.3)  # 0.33 mA/cm^2
    assert pp.porosity == 0.23
    assert pia.transference_number == 0.78
    assert pia.conductivity == pytest.approx(0.092)
    assert pia.exchange_current_density == pytest.approx(6.4)
    assert "N1" in pia.sites and "N2" in pia.sites
    assert not pia.values["conductivity"].assumed
    assert pp.values["thickness"].assumed


def test_controls_are_as_pia_and_assumed():
    for name in ("control2", "control3"):
        m = get_material(name)
        assert m.transference_number == 0.78
        assert all(v.assumed for v in m.values.values())
        assert set(m.assumed) == set(m.values)


def test_every_value_has_a_source_and_assumed_is_consistent():
    for name in list_materials():
        m = get_material(name)
        assert m.reference
        assert m.transference_number is not None and m.conductivity is not None
        for key, v in m.values.items():
            assert v.source, (name, key)
            assert v.assumed == (key in m.assumed)
            if v.assumed:
                assert "assumed" in v.source.lower(), (name, key)
            else:
                assert not v.source.lower().startswith("assumed"), (name, key)
            assert v.value > 0


def test_conductivity_temperature():
    anp = get_material("ANP-C-2.0K")
    assert anp.values["conductivity_temperature"].value == pytest.approx(361.15)
    assert anp.conductivity == pytest.approx(3.36e-3)


def test_unknown_material():
    with pytest.raises(CaseError) as info:
        get_material("Celgard2400")
    assert info.value.key == "separator.material"
    assert "Celgard2500" in str(info.value)
    assert get_material("pia").name == "PIA"


def test_format_marks_assumed():
    text = format_materials()
    for name in EXPECTED:
        assert name in text
    line = next(ln for ln in text.splitlines() if ln.startswith("Celgard2500"))
    assert "(assumed)" in line
    line = next(ln for ln in text.splitlines() if ln.startswith("PIA "))
    assert "(assumed)" not in line


def _case(tmp_path, separator: str):
    from depsim.case import load_case

    path = tmp_path / "case.toml"
    path.write_text("[separator]\n" + separator, encoding="utf-8")
    return load_case(path)


def test_measurement_concentration_fills_measured_at(tmp_path):
    """Ding et al.'s t+ and conductivity were measured in 1.0 M LiPF6: a case that takes them
    from the library converts them there; its own t+ and conductivity are not the material's,
    so then measured_at stays unset (the case's c0), and a case may set its own."""
    assert get_material("PP").value("measured_at") == pytest.approx(1000.0)
    assert get_material("Celgard2500").value("measured_at") is None
    assert _case(tmp_path, 'material = "PIA"\n').separator.measured_at == pytest.approx(1000.0)
    own = 'material = "PP"\ntransference_number = 0.4\nconductivity = "1 mS/cm"\n'
    assert _case(tmp_path, own).separator.measured_at is None
    given = 'material = "PP"\nmeasured_at = "2 M"\n'
    assert _case(tmp_path, given).separator.measured_at == pytest.approx(2000.0)
    line = next(ln for ln in format_materials().splitlines() if ln.startswith("PP "))
    assert " 1 M " in line
