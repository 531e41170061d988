"""`depsim run` with a moving Li surface and with step protocols: the output folder (fields with
the displacement, interface.csv following the surface, deposition metrics, the profile figure),
remeshing inside a run, refusals, and `mpirun -n 2` against serial."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_cli

CASE = """
[case]
name = "{name}"
[geometry]
width = "10 um"
height = "8 um"
[geometry.electrode]
roughness = "sine"
amplitude = "0.3 um"
count = 2
[geometry.mesh]
size = "0.5 um"
electrode_size = "0.1 um"
grading_distance = "1 um"
[electrode]
deposition = {deposition}
[operation]
steps = [
    {{mode = "galvanostatic", current_density = "50 mA/cm^2", duration = "{plate}"}},
    {{mode = "rest", duration = "2 s"}},
    {{mode = "galvanostatic", current_density = "-50 mA/cm^2", duration = "10 s"}},
]
[time]
dt = "0.01 s"
max_dt = "1 s"
[output]
every = 5
"""

V_M_OVER_F = 6.941e-3 / 534.0 / 96485.33212


def write_case(tmp_path: Path, name="dep", deposition=True, plate="32 s", extra="") -> Path:
    path = tmp_path / f"{name}.toml"
    text = CASE.format(name=name, deposition=str(deposition).lower(), plate=plate) + extra
    path.write_text(text)
    return path


def run(case: Path, out: Path, ranks: int = 1):
    proc = run_cli("run", str(case), "--out", str(out), "--quiet", ranks=ranks)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deposition_run")
    case = write_case(tmp)
    return case, tmp / "out", run(case, tmp / "out")


def test_deposition_run_outputs(serial_run):
    """Plate 32 s at 50 mA/cm^2 (2.2 um; the valleys focus and the cell is remeshed once),
    rest 2 s, strip 10 s: Faraday, charge and salt balances, metrics, files."""
    _, out, m = serial_run
    assert m["status"] == "finished"
    assert m["t"] == pytest.approx(44.0)
    assert m["remeshes"] == 1.0
    net = (32.0 - 10.0) * 500.0  # C/m^2 plated
    assert m["deposit_faraday_error"] < 1e-3
    assert m["deposit_volume_expected"] == pytest.approx(V_M_OVER_F * net * 10e-6, rel=1e-9)
    assert m["charge_balance_error"] < 1e-8
    assert m["mass_balance_error"] < 2e-3
    # normal advance of every surface point: about the mean thickness over the rough length
    mean = V_M_OVER_F * net
    assert 0.9 * mean < m["deposit_thickness_min"] <= m["deposit_thickness_max"] < 1.05 * mean
    assert m["surface_mean_height"] == pytest.approx(mean, rel=2e-3)
    assert 0.9 < m["amplification"] < 1.1
    assert m["mesh_quality_min"] > 0.25
    ts = m["time_series"]
    assert ts["amplification"][0] == 1.0 and ts["deposit_thickness_max"][0] == 0.0
    # protocol: the rest step has (almost) no cell potential, stripping the opposite sign
    t = np.array(ts["t"])
    V = np.array(ts["cell_potential"], dtype=float)
    assert np.all(V[(t > 1) & (t < 32)] > 0.2)
    assert np.all(np.abs(V[(t > 33) & (t <= 34)]) < 2e-3)
    assert np.all(V[t > 36] < -0.2)
    assert 32.0 in ts["t"] or any(abs(x - 32.0) < 1e-9 for x in ts["t"])
    # files: the second field segment after the remeshing, the figure, interface.csv
    for f in (
        "fields.xdmf",
        "fields_001.xdmf",
        "fields_001.h5",
        "surface_profiles.png",
        "interface.csv",
        "metrics.json",
        "fields.bp",
    ):
        assert (out / f).exists(), f
    assert "displacement" in (out / "fields.xdmf").read_text()
    assert not (out / "checkpoint").exists()  # a moving mesh is not restartable
    rows = np.loadtxt(out / "interface.csv", delimiter=",", skiprows=1)
    first = rows[rows[:, 0] == 0.0]
    last = rows[rows[:, 0] == rows[-1, 0]]

    def mean_height(r):
        order = np.argsort(r[:, 2])
        return np.trapezoid(r[order, 3], r[order, 2]) / 10e-6

    assert mean_height(last) - mean_height(first) == pytest.approx(mean, rel=2e-3)
    assert np.all(np.diff(last[:, 1]) > 0)  # arc length along the new surface


def test_protocol_without_deposition(tmp_path):
    """The same protocol on a fixed mesh: loads switch at the step boundaries."""
    case = write_case(tmp_path, name="proto", deposition=False, plate="4 s")
    m = run(case, tmp_path / "out")
    ts = m["time_series"]
    t = np.array(ts["t"])
    V = np.array(ts["cell_potential"], dtype=float)
    assert m["t"] == pytest.approx(16.0)
    assert m["charge_balance_error"] < 1e-8
    assert m["deposit_thickness_max"] is None
    assert np.all(V[(t > 0.5) & (t <= 4)] > 0.2)
    assert np.all(np.abs(V[(t > 5) & (t <= 6)]) < 2e-3)
    assert np.all(V[t > 7] < -0.2)


@pytest.mark.parametrize(
    "extra, key",
    [
        ('[model]\ncharge = "poisson"\n', "model.charge"),
        (
            '[geometry.separator]\nthickness = "2 um"\n[separator]\nmaterial = "PP"\n',
            "geometry.separator",
        ),
    ],
)
def test_deposition_refused(tmp_path, extra, key):
    case = write_case(tmp_path, extra=extra)
    proc = run_cli("run", str(case), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert key in proc.stderr + proc.stdout
    assert "deposition" in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.mpi
def test_deposition_run_parallel(serial_run, tmp_path):
    """mpirun -n 2 (remeshing included) gives the serial results."""
    case, _, m1 = serial_run
    m2 = run(case, tmp_path / "out2", ranks=2)
    assert m2["mpi_size"] == 2 and m2["remeshes"] == m1["remeshes"]
    for k in (
        "deposit_thickness_max",
        "deposit_thickness_min",
        "amplification",
        "cell_potential",
        "surface_rms",
        "surface_mean_height",
        "i_cv",
        "c_surface_min",
    ):
        assert m2[k] == pytest.approx(m1[k], rel=1e-6), k
    assert m2["steps"] == m1["steps"]
    assert math.isclose(m2["deposit_faraday_error"], m1["deposit_faraday_error"], abs_tol=1e-8)
