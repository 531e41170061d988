"""Marcus–Hush–Chidsey kinetics through the solver: the kinetic limit of a cell.

Potentiostatic steps on a flat cell whose electrolyte is ~10^4 times more conductive than usual:
ohmic and concentration overpotentials are ~1e-6 of the applied potential, so the plating
current equals the law at eta = -V: i_n = -i_BV(-V/V_T, c+ = c0) everywhere on the Li. At
0.02 V MHC is Butler–Volmer-like; at 0.5 V (19.5 V_T) it sits on its plateau, far below
Butler–Volmer's current there. Serially and on 2 ranks.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.physics.kinetics import law_from_si
from tests.conftest import run_cli

CASE = """
[case]
name = "mhc"
[geometry]
width = "2 um"
height = "2 um"
[geometry.mesh]
size = "0.5 um"
electrode_size = "0.25 um"
[electrolyte]
D_cation = "1e-6 m^2/s"
D_anion = "1e-6 m^2/s"
[electrode]
kinetics = "marcus-hush-chidsey"
reorganization_energy = "0.1 eV"
exchange_current_density = "0.64 mA/cm^2"
[operation]
mode = "potentiostatic"
[time]
steady = true
[output]
formats = []
"""


def _i_n(out: Path) -> np.ndarray:
    with open(out / "interface.csv") as fh:
        return np.array([float(r["i_n"]) for r in csv.DictReader(fh)])


@pytest.mark.parametrize("ranks", [1, 2], ids=["serial", "mpi2"])
@pytest.mark.parametrize("volts", [0.02, 0.5])
def test_mhc_kinetic_limit(tmp_path, ranks, volts):
    case = tmp_path / "mhc.toml"
    case.write_text(CASE)
    out = tmp_path / "out"
    p = run_cli(
        "run",
        str(case),
        "--out",
        str(out),
        "--quiet",
        "--set",
        f"operation.potential={volts}",
        ranks=ranks,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    V_T = GAS_CONSTANT * 298.15 / FARADAY
    law = law_from_si("marcus-hush-chidsey", reorganization_energy=0.1 * 1.602176634e-19)
    expected = -float(law.rate(6.4, -volts / V_T, 1.0))
    i_n = _i_n(out)
    assert np.allclose(i_n, expected, rtol=1e-5, atol=0.0), (i_n.min(), i_n.max(), expected)
    if volts == 0.5:  # on the plateau: the cathodic saturation current, not Butler–Volmer's
        assert expected == pytest.approx(6.4 * law.saturation, rel=1e-6)
        bv = law_from_si("butler-volmer")
        assert -float(bv.rate(6.4, -volts / V_T, 1.0)) > 1e3 * expected
