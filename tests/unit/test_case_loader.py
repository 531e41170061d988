"""Case loading: units, defaults, inheritance, overrides, derived values, resolved TOML, hash."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from depsim.case import (
    Case,
    case_hash,
    load_case,
    nernst_einstein,
    parse_override,
    parse_value,
    resolved_dict,
    to_si,
    to_toml,
    validate_case,
)
from depsim.errors import CaseError
from depsim.physics.constants import FARADAY, GAS_CONSTANT

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "cases" / "examples"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "dimension", "expected"),
    [
        ("0.5 mA/cm^2", "current_density", 5.0),
        ("10 um", "length", 1e-5),
        ("60 s", "time", 60.0),
        ("1 ms", "time", 1e-3),
        ("0.92 mS/cm", "conductivity", 0.092),
        ("2.5 mol/L", "concentration", 2500.0),
        ("-0.05 C/m^2", "surface_charge", -0.05),
        ("298.15 K", "temperature", 298.15),
        ("25 degC", "temperature", 298.15),
        ("1 mAh/cm^2", "capacity", 36000.0),
        ("3 mAh/cm^2", "capacity", 108000.0),
        ("50 %", "dimensionless", 0.5),
        (2500, "concentration", 2500.0),
        (1.5e-10, "diffusivity", 1.5e-10),
    ],
)
def test_unit_conversion(value, dimension, expected):
    assert to_si(value, dimension, "a.b") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "value", ["10 s", "0.5 mA", "abc", "nan um", "inf m", float("nan"), float("inf"), True, [1]]
)
def test_unit_conversion_errors_name_the_key(value):
    with pytest.raises(CaseError) as info:
        to_si(value, "length", "geometry.width")
    assert info.value.key == "geometry.width"
    assert "geometry.width" in str(info.value) and " m " in str(info.value) + " "


# -- defaults and the resolved case -----------------------------------------------------------


def test_empty_case_gets_all_defaults(tmp_path):
    case = load_case(write(tmp_path, "empty_cell.toml", ""))
    assert isinstance(case, Case)
    assert case.case.name == "empty_cell"
    assert case.source == (tmp_path / "empty_cell.toml").resolve()
    assert case.separator is None
    assert case.geometry.width == 10e-6 and case.geometry.height == 8e-6
    assert case.geometry.electrode.bump_width == pytest.approx(10e-6 / 6)
    assert case.electrolyte.concentration == 2500.0
    assert case.electrode.exchange_current_density == 6.4
    assert case.reference_concentration == 2500.0
    assert case.electrode.reference_concentration == 2500.0
    assert case.current_density == 5.0
    assert case.diffusivities() == (1e-10, 1.5e-10)
    assert case.time.end == 60.0 and case.time.dt == 1e-3
    assert case.solver.linear == "auto"  # LU below a measured size (docs/solver.md)
    assert case.output.formats == ["xdmf", "vtx"]
    assert case.output.fields == ["c_cation", "c_anion", "phi", "current", "E"]
    assert case.output.dir == Path.cwd().resolve() / "results" / "empty_cell"


def test_resolved_toml_has_no_none_and_loads_again(tmp_path):
    src = EXAMPLES / "base.toml"
    case = load_case(src)
    data = resolved_dict(case)
    text = to_toml(case)
    assert tomllib.loads(text) == data

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        else:
            assert node is not None

    walk(data)
    again = validate_case(tomllib.loads(text), source=src)
    assert case_hash(again) == case_hash(case)
    assert resolved_dict(again) == data


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_examples_are_valid_and_small(path):
    """Examples run in seconds: short, and coarse relative to their own cell size."""
    case = load_case(path)
    g = case.geometry
    assert case.time.end <= 60.0
    assert g.width * g.height / g.mesh.size**2 <= 2000  # bulk elements (order of magnitude)
    assert g.width / g.mesh.electrode_size <= 200  # elements along the Li


# -- inheritance and overrides ----------------------------------------------------------------


def test_inherits_merges_tables(tmp_path):
    write(
        tmp_path,
        "parent.toml",
        '[case]\nname = "parent"\ndescription = "p"\n'
        '[geometry]\nwidth = "20 um"\n[geometry.electrode]\nroughness = "sine"\ncount = 4\n'
        "[electrolyte]\nconcentration = 1000\n",
    )
    (tmp_path / "sub").mkdir()
    child = write(
        tmp_path / "sub",
        "child.toml",
        '[case]\ninherits = "../parent.toml"\n[geometry.electrode]\ncount = 2\n'
        "[electrolyte]\ntemperature = 310\n",
    )
    case = load_case(child)
    assert case.case.name == "child"  # the name is not inherited
    assert case.case.description == "p"
    assert case.geometry.width == 20e-6
    assert case.geometry.electrode.roughness == "sine"
    assert case.geometry.electrode.count == 2
    assert case.electrolyte.concentration == 1000.0
    assert case.electrolyte.temperature == 310.0
    assert "inherits" not in resolved_dict(case)["case"]


def test_inherited_mesh_file_is_relative_to_the_parent(tmp_path):
    (tmp_path / "meshes").mkdir()
    (tmp_path / "meshes" / "cell.msh").write_text("$MeshFormat\n")
    write(tmp_path, "parent.toml", '[geometry]\nkind = "mesh_file"\nfile = "meshes/cell.msh"\n')
    (tmp_path / "deep").mkdir()
    child = write(tmp_path / "deep", "child.toml", '[case]\ninherits = "../parent.toml"\n')
    case = load_case(child)
    assert case.geometry.file == (tmp_path / "meshes" / "cell.msh").resolve()


def test_overrides_parse_values(tmp_path):
    path = write(tmp_path, "c.toml", "[separator]\nporosity = 0.5\n")
    case = load_case(
        path,
        overrides={
            "time.end": "10 s",
            "separator.porosity": "0.6",
            "electrode.deposition": "true",
            "output.formats": '["xdmf"]',
            "solver.linear": "gamg",
            "geometry.electrode.amplitude": 1e-7,
        },
    )
    assert case.time.end == 10.0
    assert case.separator.porosity == 0.6
    assert case.electrode.deposition is True
    assert case.output.formats == ["xdmf"]
    assert case.solver.linear == "gamg"
    assert case.geometry.electrode.amplitude == 1e-7


def test_override_of_a_site(tmp_path):
    path = write(
        tmp_path,
        "s.toml",
        '[separator]\nmaterial = "PIA"\n[[separator.sites]]\nname = "N1"\n'
        'surface_charge = "-0.05 C/m^2"\n',
    )
    case = load_case(path, overrides={"separator.sites[0].surface_charge": "-0.1 C/m^2"})
    assert case.separator.sites[0].surface_charge == -0.1


def test_parse_value_and_override():
    assert parse_value("0.6") == 0.6
    assert parse_value("true") is True
    assert parse_value('["xdmf", "vtx"]') == ["xdmf", "vtx"]
    assert parse_value("10 s") == "10 s"
    assert parse_value("mumps") == "mumps"
    assert parse_override("time.end=10 s") == ("time.end", "10 s")
    with pytest.raises(CaseError):
        parse_override("time.end")


def test_unknown_override_key_is_named(tmp_path):
    path = write(tmp_path, "c.toml", "")
    with pytest.raises(CaseError, match=r"time\.ned: unknown key; did you mean 'end'\?"):
        load_case(path, overrides={"time.ned": 1})


# -- derived values -----------------------------------------------------------------------------


def test_nernst_einstein_pia(tmp_path):
    t, kappa, c0, temp = 0.78, 0.092, 2500.0, 298.15
    d = kappa * GAS_CONSTANT * temp / (FARADAY**2 * c0)
    path = write(
        tmp_path,
        "ne.toml",
        "[electrolyte]\nconcentration = 2500\ntransference_number = 0.78\n"
        'conductivity = "0.92 mS/cm"\n',
    )
    case = load_case(path)
    dp, dm = case.diffusivities()
    assert dp == pytest.approx(t * d, rel=1e-12)
    assert dm == pytest.approx((1 - t) * d, rel=1e-12)
    assert case.electrolyte.D_cation == dp  # recorded in the resolved case
    assert resolved_dict(case)["electrolyte"]["D_anion"] == dm
    assert nernst_einstein(t, kappa, c0, temp) == pytest.approx((t * d, (1 - t) * d))
    # salt diffusivity 2 t+ (1 - t+) kappa RT / (F^2 c0) = 2 D+ D- / (D+ + D-)
    assert 2 * dp * dm / (dp + dm) == pytest.approx(2 * t * (1 - t) * d)


def test_separator_material_fills_and_inline_overrides(tmp_path):
    path = write(tmp_path, "m.toml", '[separator]\nmaterial = "PIA"\nporosity = 0.5\n')
    case = load_case(path)
    sep = case.separator
    assert sep.porosity == 0.5  # inline wins
    assert sep.transference_number == 0.78 and sep.conductivity == pytest.approx(0.092)
    assert sep.bruggeman is None
    assert case.electrode.exchange_current_density == pytest.approx(6.4)
    dp, dm = case.separator_diffusivities()
    assert dp / dm == pytest.approx(0.78 / 0.22)


def test_material_exchange_current_only_if_not_set(tmp_path):
    pp = write(tmp_path, "pp.toml", '[separator]\nmaterial = "PP"\n')
    assert load_case(pp).electrode.exchange_current_density == pytest.approx(3.3)
    own = write(
        tmp_path,
        "own.toml",
        '[separator]\nmaterial = "PP"\n[electrode]\nexchange_current_density = "1 mA/cm^2"\n',
    )
    assert load_case(own).electrode.exchange_current_density == pytest.approx(10.0)


def test_bulk_separator_uses_bruggeman(tmp_path):
    path = write(tmp_path, "b.toml", "[separator]\nporosity = 0.4\n")
    case = load_case(path)
    assert case.separator.bruggeman == 1.5
    dp, dm = case.separator_diffusivities()
    assert dp == pytest.approx(0.4**1.5 * 1e-10)
    assert dm == pytest.approx(0.4**1.5 * 1.5e-10)


def test_c_rate_conversion(tmp_path):
    path = write(tmp_path, "c.toml", '[operation]\nc_rate = 0.5\ncapacity = "1 mAh/cm^2"\n')
    case = load_case(path)
    assert case.current_density == pytest.approx(5.0, rel=1e-12)
    assert case.operation.current_density == pytest.approx(5.0, rel=1e-12)
    assert case.operation.capacity == pytest.approx(36000.0)


def test_alpha_sum_and_amplitude_bounds(tmp_path):
    ok = write(tmp_path, "ok.toml", "[electrode]\nalpha_a = 0.3\nalpha_c = 0.7\n")
    assert load_case(ok).electrode.alpha_c == 0.7
    bad = write(
        tmp_path, "bad.toml", '[geometry.electrode]\nroughness = "sine"\namplitude = "4 um"\n'
    )
    with pytest.raises(CaseError, match="geometry.electrode.amplitude"):
        load_case(bad)


def test_missing_case_file(tmp_path):
    with pytest.raises(CaseError) as info:
        load_case(tmp_path / "nope.toml")
    assert info.value.key == "CASE"


def test_malformed_toml_names_file_and_line(tmp_path):
    path = write(tmp_path, "broken.toml", "[time]\nend = = 3\n")
    with pytest.raises(CaseError, match=r"broken\.toml.*line 2"):
        load_case(path)


def test_sites_warning_under_electroneutrality(tmp_path):
    path = write(
        tmp_path,
        "w.toml",
        '[separator]\nmaterial = "PIA"\n[[separator.sites]]\nsurface_charge = -0.05\n',
    )
    assert any("surface charge" in w for w in load_case(path).warnings)
    frumkin = load_case(path, overrides={"electrode.kinetics": "frumkin"})
    assert frumkin.warnings == []


# -- hash -------------------------------------------------------------------------------------


def test_case_hash_stable_and_sensitive(tmp_path):
    a = write(tmp_path, "a.toml", '[time]\nend = "1 s"\n')
    b = write(tmp_path, "b.toml", "[time]\nend = 1.0\n")
    h = case_hash(load_case(a, overrides={"case.name": "x"}))
    assert len(h) == 16 and int(h, 16) >= 0
    assert h == case_hash(load_case(a, overrides={"case.name": "x"}))
    assert h == case_hash(load_case(b, overrides={"case.name": "x"}))  # same resolved case
    assert h == case_hash(load_case(a, overrides={"case.name": "x", "output.dir": "elsewhere"}))
    changed = load_case(a, overrides={"case.name": "x", "time.end": 1.0 + 1e-9})
    assert case_hash(changed) != h
    assert not math.isnan(load_case(a).time.end)
