"""Every cross-field rule of the case layer refuses what it should and accepts its valid
neighbour: the nearest input that the rule must not refuse.

A rule may only look at keys that the chosen options use, and a default the user never set must
not trip it (a flat electrode has no amplitude to check; an unset ``time.dt`` shrinks to fit a
short ``time.end``). Each row is (refused overrides, expected key, accepted neighbour overrides),
all applied on top of a small base case. The geometry-level rules checked when the mesh is built
(:meth:`depsim.geometry.CellGeometry.validate`) are covered the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from depsim.case import load_case
from depsim.errors import CaseError
from depsim.geometry import CellGeometry
from depsim.run import check_supported

ROOT = Path(__file__).resolve().parents[2]
BASE = """
[case]
name = "rules"
[geometry]
width = "4 um"
height = "4 um"
"""

SEP = {"separator.material": "PIA"}
#: a measured t+ and conductivity given in the case (no library measurement concentration)
OWN_SEP = {"separator.transference_number": 0.78, "separator.conductivity": "0.92 mS/cm"}
CONC = {"electrolyte.model": "concentrated"}
STEPS = [
    {"mode": "galvanostatic", "current_density": "1 mA/cm^2", "duration": "10 s"},
    {"mode": "rest", "duration": "5 s"},
]

#: (id, refused overrides, key named by the refusal, accepted neighbour overrides)
RULES = [
    # [geometry]
    (
        "amplitude vs height (bumps)",
        {"geometry.height": "0.6 um", "geometry.electrode.roughness": "bumps"},
        "geometry.electrode.amplitude",
        {"geometry.height": "0.6 um"},  # flat: the default amplitude is not used
    ),
    (
        "amplitude vs height, given",
        {"geometry.electrode.roughness": "sine", "geometry.electrode.amplitude": "2 um"},
        "geometry.electrode.amplitude",
        {"geometry.electrode.roughness": "sine", "geometry.electrode.amplitude": "1.9 um"},
    ),
    (
        "bump width vs spacing",
        {"geometry.electrode.roughness": "bumps", "geometry.electrode.bump_width": "2 um"},
        "geometry.electrode.bump_width",
        {"geometry.electrode.roughness": "sine", "geometry.electrode.bump_width": "2 um"},
    ),
    (
        "electrode_size vs size, both given",
        {"geometry.mesh.size": "0.1 um", "geometry.mesh.electrode_size": "0.2 um"},
        "geometry.mesh.electrode_size",
        {"geometry.mesh.size": "0.1 um", "geometry.mesh.electrode_size": "0.1 um"},
    ),
    (
        "file without mesh_file",
        {"geometry.file": str(ROOT / "meshes/bumps_2d_coarse.msh")},
        "geometry.file",
        {"geometry.file": str(ROOT / "meshes/bumps_2d_coarse.msh"), "geometry.kind": "mesh_file"},
    ),
    (
        "mesh_file without file",
        {"geometry.kind": "mesh_file"},
        "geometry.file",
        {"geometry.kind": "interface_cell"},
    ),
    (
        "separator layer does not fit",
        {**SEP, "geometry.separator.thickness": "3.1 um", "geometry.separator.gap": "1 um"},
        "geometry.separator.thickness",
        # gap + thickness = height: the separator reaches the reservoir at the top
        {**SEP, "geometry.separator.thickness": "3 um", "geometry.separator.gap": "1 um"},
    ),
    (
        "layer without [separator]",
        {"geometry.separator.thickness": "1 um"},
        "separator",
        {**SEP, "geometry.separator.thickness": "1 um"},
    ),
    # [electrolyte], [separator]
    (
        "t+ without conductivity",
        {"electrolyte.transference_number": 0.4},
        "electrolyte.conductivity",
        {"electrolyte.transference_number": 0.4, "electrolyte.conductivity": "1 mS/cm"},
    ),
    (
        "D given against Nernst-Einstein",
        {
            "electrolyte.transference_number": 0.4,
            "electrolyte.conductivity": "1 mS/cm",
            "electrolyte.D_cation": 1e-10,
        },
        "electrolyte.D_cation",
        {"electrolyte.D_cation": 1e-10, "electrolyte.D_anion": 2e-10},
    ),
    (
        "separator t+ without conductivity",
        {"separator.transference_number": 0.5},
        "separator.conductivity",
        {"separator.transference_number": 0.5, "separator.conductivity": "1 mS/cm"},
    ),
    (
        "bruggeman with measured values",
        {
            "separator.bruggeman": 1.5,
            "separator.transference_number": 0.5,
            "separator.conductivity": "1 mS/cm",
        },
        "separator.bruggeman",
        {"separator.bruggeman": 1.5, "separator.porosity": 0.5},
    ),
    (
        "bruggeman with a measured material",
        {**SEP, "separator.bruggeman": 1.5},
        "separator.bruggeman",
        SEP,
    ),
    (
        "periodic site without period",
        {"separator.sites": [{"surface_charge": 0.01, "pattern": "periodic"}]},
        "separator.sites[0].period",
        {"separator.sites": [{"surface_charge": 0.01, "pattern": "uniform"}]},
    ),
    (
        "list site without positions",
        {"separator.sites": [{"pattern": "list", "width": "1 um"}]},
        "separator.sites[0].positions",
        {"separator.sites": [{"pattern": "list", "width": "1 um", "positions": ["1 um"]}]},
    ),
    (
        "list site without width",
        {"separator.sites": [{"pattern": "list", "positions": ["1 um"]}]},
        "separator.sites[0].width",
        {"separator.sites": [{"pattern": "periodic", "period": "1 um", "positions": ["1 um"]}]},
    ),
    # [electrode]
    (
        "alpha_a + alpha_c != 1",
        {"electrode.alpha_a": 0.3},
        "electrode.alpha_a",
        {"electrode.alpha_a": 0.3, "electrode.alpha_c": 0.7},
    ),
    (
        "i0 profile without values",
        {"electrode.exchange_current_density": {"value": 1, "profile_x": [0, 1e-6]}},
        "electrode.exchange_current_density.profile_values",
        {
            "electrode.exchange_current_density": {
                "value": 1,
                "profile_x": [0, 1e-6],
                "profile_values": [1, 2],
            }
        },
    ),
    (
        "i0 patch without period",
        {"electrode.exchange_current_density": {"patches": [{"value": 2}]}},
        "electrode.exchange_current_density.patches[0].period",
        {"electrode.exchange_current_density": {"patches": [{"value": 2, "period": 1e-6}]}},
    ),
    # [model]
    (
        "ion size larger than the lattice allows",
        {"model.charge": "poisson", "model.ion_size": "1 nm"},  # 2 a^3 N_A c0 = 1.2 at 1 M
        "model.ion_size",
        {"model.charge": "poisson", "model.ion_size": "0.5 nm"},  # nu = 0.15
    ),
    # [operation]
    (
        "c_rate without capacity",
        {"operation.c_rate": 0.5},
        "operation.c_rate",
        {"operation.c_rate": 0.5, "operation.mode": "potentiostatic"},  # not used there
    ),
    (
        "c_rate zero",
        {"operation.c_rate": 0, "operation.capacity": "3 mAh/cm^2"},
        "operation.c_rate",
        {"operation.c_rate": 0.1, "operation.capacity": "3 mAh/cm^2"},
    ),
    (
        "current_density against c_rate",
        {
            "operation.c_rate": 0.5,
            "operation.capacity": "3 mAh/cm^2",
            "operation.current_density": "1 mA/cm^2",
        },
        "operation.current_density",
        {
            "operation.c_rate": 0.5,
            "operation.capacity": "3 mAh/cm^2",
            "operation.current_density": "1.5 mA/cm^2",
        },
    ),
    (
        "cycles without steps",
        {"operation.cycles": 2},
        "operation.cycles",
        {"operation.cycles": 2, "operation.steps": STEPS},
    ),
    (
        "mode with steps",
        {"operation.mode": "potentiostatic", "operation.steps": STEPS},
        "operation.mode",
        {"operation.steps": STEPS},
    ),
    (
        "operation c_rate with steps",
        {"operation.c_rate": 0.5, "operation.capacity": "3 mAh/cm^2", "operation.steps": STEPS},
        "operation.c_rate",
        {"operation.capacity": "3 mAh/cm^2", "operation.steps": STEPS},
    ),
    (
        "current_density against the steps",
        {"operation.current_density": "2 mA/cm^2", "operation.steps": STEPS},
        "operation.current_density",
        {"operation.current_density": "1 mA/cm^2", "operation.steps": STEPS},
    ),
    (
        "step without duration",
        {"operation.steps": [{"mode": "rest"}]},
        "operation.steps[0].duration",
        {"operation.steps": [{"mode": "rest", "duration": "1 s"}]},
    ),
    (
        "potential on a galvanostatic step",
        {"operation.steps": [{"current_density": 1.0, "potential": 0.1, "duration": 1.0}]},
        "operation.steps[0].potential",
        {"operation.steps": [{"mode": "potentiostatic", "potential": 0.1, "duration": 1.0}]},
    ),
    (
        "current on a potentiostatic step",
        {
            "operation.steps": [
                {
                    "mode": "potentiostatic",
                    "potential": 0.1,
                    "current_density": 1.0,
                    "duration": 1.0,
                }
            ]
        },
        "operation.steps[0].current_density",
        {"operation.steps": [{"mode": "galvanostatic", "current_density": 1.0, "duration": 1.0}]},
    ),
    (
        "potentiostatic step without potential",
        {"operation.steps": [{"mode": "potentiostatic", "duration": 1.0}]},
        "operation.steps[0].potential",
        {"operation.steps": [{"mode": "potentiostatic", "potential": 0.0, "duration": 1.0}]},
    ),
    (
        "current on a rest step",
        {"operation.steps": [{"mode": "rest", "current_density": 1.0, "duration": 1.0}]},
        "operation.steps[0].current_density",
        {"operation.steps": [{"mode": "rest", "current_density": 0.0, "duration": 1.0}]},
    ),
    (
        "galvanostatic step without current",
        {"operation.steps": [{"mode": "galvanostatic", "duration": 1.0}]},
        "operation.steps[0].current_density",
        {
            "operation.steps": [{"mode": "galvanostatic", "c_rate": 1.0, "duration": 1.0}],
            "operation.capacity": "1 mAh/cm^2",
        },
    ),
    (
        "step c_rate without capacity",
        {"operation.steps": [{"c_rate": 1.0, "duration": 1.0}]},
        "operation.steps[0].c_rate",
        {"operation.steps": [{"c_rate": 1.0, "duration": 1.0}], "operation.capacity": 36.0},
    ),
    (
        "end beyond the protocol",
        {"operation.steps": STEPS, "time.end": "20 s"},
        "time.end",
        {"operation.steps": STEPS, "time.end": "15 s"},
    ),
    (
        "dt beyond a short protocol",
        {"operation.steps": [{"mode": "rest", "duration": "0.5 ms"}], "time.dt": "1 ms"},
        "time.dt",
        {"operation.steps": [{"mode": "rest", "duration": "0.5 ms"}]},  # the default dt shrinks
    ),
    (
        "dt beyond the protocol",
        {"operation.steps": STEPS, "time.dt": "20 s", "time.max_dt": "20 s"},
        "time.dt",
        {"operation.steps": [{"mode": "rest", "duration": "1 ms"}]},  # default dt shrinks
    ),
    # [time]
    (
        "dt > end",
        {"time.dt": "2 s", "time.end": "1 s"},
        "time.dt",
        {"time.end": "0.1 ms"},  # the default dt (1 ms) is not the user's: it shrinks
    ),
    (
        "dt > max_dt",
        {"time.dt": "2 s", "time.max_dt": "1 s"},
        "time.dt",
        {"time.max_dt": "0.1 ms"},
    ),
    (
        "min_dt > dt",
        {"time.dt": "1e-10 s", "time.min_dt": "1e-9 s"},
        "time.min_dt",
        {"time.dt": "1e-10 s"},  # the default min_dt shrinks
    ),
    (
        "dt > end, steady",
        {"time.dt": "2 s", "time.end": "1 s"},
        "time.dt",
        {"time.dt": "2 s", "time.end": "1 s", "time.steady": True},  # no time stepping
    ),
    # electrolyte.model = "concentrated" (depsim/case/concentrated.py)
    (
        "concentrated: measured t+ without measured_at",
        {**CONC, **OWN_SEP, "separator.transference_method": "bruce-vincent"},
        "separator.measured_at",
        {**OWN_SEP, "separator.transference_method": "bruce-vincent"},  # dilute: c0 by default
    ),
    (
        "concentrated: a library material brings its measured_at",
        {**CONC, **OWN_SEP, "separator.transference_method": "bruce-vincent"},
        "separator.measured_at",
        {**CONC, **SEP, "separator.transference_method": "bruce-vincent"},  # PIA: 1 M
    ),
    (
        "concentrated: measured t+ without its method",
        {**CONC, **SEP, "separator.measured_at": "1 M"},
        "separator.transference_method",
        {**CONC, "separator.porosity": 0.5},  # no measured t+: the electrolyte's t0
    ),
    (
        "concentrated: t+ alone is fine, conductivity alone is fine",
        {"separator.transference_number": 0.4},  # dilute needs both
        "separator.conductivity",
        {
            **CONC,
            "separator.transference_number": 0.4,
            "separator.measured_at": "1 M",
            "separator.transference_method": "hittorf",
        },
    ),
    (
        "concentrated: two MacMullin numbers",
        {**CONC, "separator.macmullin": 5, "separator.bruggeman": 1.5},
        "separator.bruggeman",
        {**CONC, "separator.macmullin": 5},
    ),
    (
        "concentrated with poisson",
        {**CONC, "model.charge": "poisson"},
        "electrolyte.model",
        {"model.charge": "poisson"},
    ),
    (
        "concentrated with a fixed charge",
        {**CONC, "separator.porosity": 0.5, "separator.fixed_charge": "-1e5 C/m^3"},
        "separator.fixed_charge",
        {**CONC, "separator.porosity": 0.5},
    ),
    (
        "concentrated: negative thermodynamic factor at c0",
        {**CONC, "electrolyte.properties.thermodynamic_factor": [[0, 2.0], [1000, -1.0]]},
        "electrolyte.properties.thermodynamic_factor",
        {**CONC, "electrolyte.properties.thermodynamic_factor": [[0, 2.0], [5000, 0.5]]},
    ),
    (
        "concentrated: t0 from the source above 1 at c0",
        {**CONC, "electrolyte.properties.transference_number": [[0, 0.5], [2500, 1.2]]},
        "electrolyte.properties.transference_number",
        {**CONC, "electrolyte.properties.transference_number": [[0, 0.5], [2500, 0.6]]},
    ),
]

#: rules of :func:`depsim.run.check_supported` (refusals of valid-but-unsupported combinations)
SUPPORTED = [
    (
        "steady closed cell",
        {"time.steady": True, "operation.counter": "electrode"},
        "time.steady",
        {"time.steady": True, "operation.counter": "reservoir"},
    ),
    (
        "steady deposition",
        {"time.steady": True, "electrode.deposition": True},
        "time.steady",
        {"time.steady": False, "electrode.deposition": True},
    ),
]

#: rules checked when the mesh is built (:meth:`CellGeometry.validate`)
GEOMETRY = [
    (
        "mesh size too coarse, given",
        {"geometry.mesh.size": "2.5 um"},
        "geometry.mesh.size",
        {"geometry.height": "0.4 um"},  # the default size fits itself to the cell
    ),
    (
        "layer above the Li inside the roughness",
        {
            **SEP,
            "geometry.electrode.roughness": "sine",
            "geometry.electrode.amplitude": "0.5 um",
            "geometry.separator.gap": "0.4 um",
        },
        "geometry.separator.gap",
        {
            **SEP,
            "geometry.electrode.roughness": "sine",
            "geometry.electrode.amplitude": "0.5 um",
            "geometry.separator.gap": "0.6 um",
        },
    ),
    (
        "layer on the Li thinner than the roughness",
        {
            **SEP,
            "geometry.electrode.roughness": "sine",
            "geometry.electrode.amplitude": "0.5 um",
            "geometry.separator.thickness": "0.4 um",
        },
        "geometry.separator.thickness",
        {**SEP, "geometry.separator.thickness": "0.4 um"},  # flat: nothing to clear
    ),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rules") / "base.toml"
    path.write_text(BASE)
    return path


def _ids(rows):
    return [r[0] for r in rows]


@pytest.mark.parametrize("name, bad, key, good", RULES, ids=_ids(RULES))
def test_schema_rule_and_its_valid_neighbour(base, name, bad, key, good):
    with pytest.raises(CaseError) as err:
        load_case(base, bad)
    assert err.value.key == key, str(err.value)
    load_case(base, good)  # the neighbour is valid input: no CaseError


@pytest.mark.parametrize("name, bad, key, good", SUPPORTED, ids=_ids(SUPPORTED))
def test_supported_rule_and_its_valid_neighbour(base, name, bad, key, good):
    with pytest.raises(CaseError) as err:
        check_supported(load_case(base, bad))
    assert err.value.key == key, str(err.value)
    check_supported(load_case(base, good))


@pytest.mark.parametrize("name, bad, key, good", GEOMETRY, ids=_ids(GEOMETRY))
def test_geometry_rule_and_its_valid_neighbour(base, name, bad, key, good):
    with pytest.raises(CaseError) as err:
        CellGeometry.from_case(load_case(base, bad)).validate()
    assert err.value.key == key, str(err.value)
    CellGeometry.from_case(load_case(base, good)).validate()


SITES = """
[separator]
material = "PIA"
[[separator.sites]]
name = "N1"
surface_charge = "-0.05 C/m^2"
[geometry.separator]
thickness = "1 um"
"""


def test_charged_sites_need_the_separator_on_the_li(tmp_path):
    """Sites are the separator's charge where it touches the Li: with a gap they are refused
    (naming the key and what to do), never moved onto the Li; uncharged sites, or gap = 0, are
    valid."""
    path = tmp_path / "sites.toml"
    path.write_text(BASE + SITES)
    gap = {"geometry.separator.gap": "0.3 um"}
    with pytest.raises(CaseError) as err:
        load_case(path, gap)
    assert err.value.key == "separator.sites" and "gap = 0" in str(err.value)
    assert "3e-07 m" in str(err.value)
    load_case(path)  # gap = 0
    load_case(path, {**gap, "separator.sites[0].surface_charge": 0.0})


def test_flat_cell_of_0_6_um_is_accepted(base):
    """The reported false refusal: a flat electrode in a 0.6 um-high cell."""
    case = load_case(base, {"geometry.height": "0.6 um"})
    CellGeometry.from_case(case).validate()
    assert case.geometry.electrode.roughness == "flat"


def test_defaults_fit_a_small_cell(base):
    """Unset mesh sizes and time steps shrink to fit; given ones are kept as they are."""
    case = load_case(base, {"geometry.height": "0.02 um", "time.end": 1e-4})
    assert case.geometry.mesh.size <= 0.5 * 0.02e-6 * (1 + 1e-12)
    assert case.geometry.mesh.electrode_size <= case.geometry.mesh.size
    assert case.time.dt <= 1e-4 and case.time.min_dt <= case.time.dt
    CellGeometry.from_case(case).validate()
    given = load_case(base, {"time.end": 10.0, "time.dt": 0.5})
    assert given.time.dt == pytest.approx(0.5, rel=1e-12)


def test_unused_current_keys_warn_in_potentiostatic_mode(base):
    case = load_case(base, {"operation.mode": "potentiostatic", "operation.c_rate": 0.5})
    assert any(w.startswith("operation.c_rate") for w in case.warnings)


def test_unused_shape_keys_warn_on_a_flat_electrode(base):
    case = load_case(base, {"geometry.electrode.amplitude": "4 um"})  # > height/2, but unused
    assert any(w.startswith("geometry.electrode.amplitude") for w in case.warnings)
