"""A spatially varying exchange current density (``electrode.exchange_current_density`` as a
table): the pattern itself, and the kinetic limit of a cell where it is the only thing that varies.

Kinetic limit: with linear kinetics, a 1 mV potential step and an electrolyte ~10^4 times more
conductive than usual, the ohmic and concentration overpotentials are ~1e-6 of the
charge-transfer one, so the local plating current is exactly i_n(x) = i0(x) V / V_T at every
electrode node. Checked serially and under ``mpirun -n 2``, in both charge models.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from depsim.case import load_case
from depsim.errors import CaseError
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.physics.exchange_current import ExchangeCurrentPattern
from depsim.physics.sites import SiteSpec
from tests.conftest import run_cli

DILUTE = "0.01 mol/m^3"

PATTERN = (
    '{{ value = "{low} A/m^2", patches = [{{ value = "{high} A/m^2", pattern = "periodic", '
    'period = "1 um", fraction = 0.5, offset = "0.25 um" }}, {{ value = "{mid} A/m^2", '
    'pattern = "list", positions = ["1.5 um"], width = "0.2 um" }}] }}'
)


def pattern(scale: float = 1.0) -> str:
    """The test pattern: 6.4, 64 and 20 A/m^2 (times ``scale``)."""
    return PATTERN.format(low=6.4 * scale, high=64 * scale, mid=20 * scale)


CASE = """
[case]
name = "i0_pattern"
[geometry]
width = "2 um"
height = "2 um"
[geometry.mesh]
size = "0.25 um"
electrode_size = "0.05 um"
[electrolyte]
D_cation = "1e-6 m^2/s"
D_anion = "1e-6 m^2/s"
[electrode]
kinetics = "linear"
exchange_current_density = {pattern}
[operation]
mode = "potentiostatic"
potential = "1 mV"
[time]
steady = true
[output]
formats = []
"""


def test_pattern_values():
    patch = SiteSpec(pattern="periodic", period=1.0, fraction=0.5, offset=0.25)
    spot = SiteSpec(pattern="list", positions=(1.5,), width=0.2)
    pat = ExchangeCurrentPattern(value=1.0, patches=((10.0, patch), (3.0, spot)))
    x = np.array([0.0, 0.3, 0.74, 0.8, 1.3, 1.45, 1.5, 1.55, 1.9])
    expected = [1.0, 10.0, 10.0, 1.0, 10.0, 3.0, 3.0, 3.0, 1.0]  # the later patch wins
    assert np.allclose(pat.at(x), expected, rtol=1e-14)
    prof = ExchangeCurrentPattern(value=2.0, profile_x=(0.0, 1.0), profile_values=(2.0, 4.0))
    assert np.allclose(prof.at([-1.0, 0.0, 0.25, 1.0, 2.0]), [2.0, 2.0, 2.5, 4.0, 4.0])
    assert np.allclose(prof.factor([0.5]), [1.5])


def test_case_keys(tmp_path):
    case_file = tmp_path / "c.toml"
    case_file.write_text(CASE.format(pattern=pattern()))
    case = load_case(case_file)
    assert math.isclose(case.electrode.i0, 6.4, rel_tol=1e-12)
    assert case.electrode.i0_pattern.patches[1].width == pytest.approx(0.2e-6, rel=1e-12)
    # a plain number still works and has no pattern
    plain = load_case(case_file, {"electrode.exchange_current_density": "1 mA/cm^2"})
    assert plain.electrode.i0_pattern is None and math.isclose(plain.electrode.i0, 10.0)
    for bad, key in (
        ("{ value = 1, profile_x = [0, 1e-6] }", "profile_values"),
        ("{ value = 1, patches = [{ value = 2 }] }", "patches[0].period"),
        ("{ value = 1, profile_x = [1e-6, 0], profile_values = [1, 2] }", "profile_x"),
        ("{ valeu = 1 }", "valeu"),
    ):
        with pytest.raises(CaseError) as err:
            load_case(case_file, {"electrode.exchange_current_density": _toml(bad)})
        assert err.value.key == f"electrode.exchange_current_density.{key}"


def _toml(text: str):
    from depsim.case import parse_value

    return parse_value(text)


def _interface(out: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(out / "interface.csv") as fh:
        rows = list(csv.DictReader(fh))
    t_last = rows[-1]["t"]
    rows = [r for r in rows if r["t"] == t_last]
    return np.array([float(r["x"]) for r in rows]), np.array([float(r["i_n"]) for r in rows])


def _run(tmp_path: Path, ranks: int, charge: str) -> tuple[np.ndarray, np.ndarray]:
    case_file = _write(tmp_path, charge)
    out = tmp_path / f"out_{charge}_{ranks}"
    extra = []
    if charge == "poisson":  # dilute, so that a small mesh resolves the Debye layer
        extra = ["--set", "model.charge=poisson", "--set", f"electrolyte.concentration={DILUTE}"]
    proc = run_cli("run", str(case_file), "--out", str(out), "--quiet", *extra, ranks=ranks)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return _interface(out)


@pytest.mark.parametrize("charge", ["electroneutral", "poisson"])
@pytest.mark.parametrize("ranks", [1, 2], ids=["serial", "mpi2"])
def test_kinetic_limit_follows_the_pattern(tmp_path, ranks, charge):
    x, i_n = _run(tmp_path, ranks, charge)
    case = load_case(_write(tmp_path, charge))
    pattern = ExchangeCurrentPattern.from_case(case.electrode.i0_pattern)
    V_T = GAS_CONSTANT * 298.15 / FARADAY
    expected = pattern.at(x) * 1e-3 / V_T
    assert np.unique(pattern.at(x)).size == 3  # all three levels are on the surface
    assert np.allclose(i_n, expected, rtol=1e-4, atol=0.0), np.max(np.abs(i_n / expected - 1))


def _write(tmp_path: Path, charge: str) -> Path:
    """The case file; in Poisson mode (c0 = DILUTE) i0 is scaled with c0 so that the ohmic
    resistance stays ~1e-5 of the charge-transfer one."""
    f = tmp_path / "case.toml"
    scale = 1.0 if charge == "electroneutral" else 1e-4
    f.write_text(CASE.format(pattern=pattern(scale)))
    return f
