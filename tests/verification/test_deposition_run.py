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
{steps}
]
[time]
dt = "0.01 s"
max_dt = "1 s"
[output]
every = 5
"""

V_M_OVER_F = 6.941e-3 / 534.0 / 96485.33212


PLATE_REST_STRIP = """
    {{mode = "galvanostatic", current_density = "50 mA/cm^2", duration = "{plate}"}},
    {{mode = "rest", duration = "2 s"}},
    {{mode = "galvanostatic", current_density = "-50 mA/cm^2", duration = "10 s"}},
"""


def write_case(
    tmp_path: Path, name="dep", deposition=True, plate="32 s", extra="", steps=None
) -> Path:
    """The sine-surface case with a protocol: by default plate ``plate``, rest 2 s, strip
    10 s at 50 mA/cm^2 (``steps``: other TOML step lines)."""
    path = tmp_path / f"{name}.toml"
    steps = steps if steps is not None else PLATE_REST_STRIP.format(plate=plate)
    text = CASE.format(name=name, deposition=str(deposition).lower(), steps=steps) + extra
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
    assert ts["amplification"][0] == pytest.approx(1.0, rel=1e-12)
    assert ts["deposit_thickness_max"][0] == pytest.approx(0.0, abs=1e-15)
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
    assert (out / "checkpoint" / "deposition.json").exists()  # restart data of the moved mesh
    rows = np.loadtxt(out / "interface.csv", delimiter=",", skiprows=1)
    first = rows[np.abs(rows[:, 0]) < 1e-12]
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


def test_deposition_refused(tmp_path):
    """A moving surface has no steady state: exit code 2, the key named, nothing written."""
    case = write_case(tmp_path, extra="")
    proc = run_cli("run", str(case), "--out", str(tmp_path / "out"), "--set", "time.steady=true")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "time.steady" in proc.stderr + proc.stdout
    assert "deposition" in proc.stderr + proc.stdout
    assert not (tmp_path / "out").exists()


FIXED_STEPS = (
    "--set",
    "time.adaptive=false",
    "--set",
    "time.dt=0.5 s",
    "--set",
    "solver.snes_rtol=1e-13",
    "--set",
    "solver.snes_atol=1e-15",
    "--set",
    "output.checkpoint_every=10",
)
RESTART_KEYS = (
    "deposit_thickness_max",
    "deposit_thickness_min",
    "amplification",
    "cell_potential",
    "surface_rms",
    "c_surface_min",
    "deposit_faraday_error",
)


@pytest.fixture(scope="module")
def stopped_and_full(tmp_path_factory):
    """The uninterrupted run to 44 s and the same run stopped at 32.5 s (serial), run once for
    both rank counts of the restart test."""
    tmp = tmp_path_factory.mktemp("restart")
    case = write_case(tmp)
    full, part = tmp / "full", tmp / "part"
    a = run_cli("run", str(case), "--out", str(full), "--quiet", *FIXED_STEPS)
    assert a.returncode == 0, a.stderr[-3000:]
    p = run_cli(
        "run", str(case), "--out", str(part), "--quiet", *FIXED_STEPS, "--set", "time.end=32.5 s"
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return case, full, part


@pytest.mark.parametrize("ranks", [1, pytest.param(2, marks=pytest.mark.mpi)])
def test_deposition_restart(tmp_path, ranks, stopped_and_full):
    """A run stopped at 32.5 s (after its remeshing at 29.5 s, in the rest step) and restarted
    (serial; or on 2 ranks from the serial checkpoint) ends where the uninterrupted run ends:
    the moved mesh, the deposit thickness, the ALE displacements and the solver state are all
    restored."""
    import shutil

    case, full, stopped = stopped_and_full
    part = tmp_path / "part"
    shutil.copytree(stopped, part)  # each restart continues its own copy of the stopped run
    first = json.loads((part / "metrics.json").read_text())
    assert first["remeshes"] == 1 and first["t"] == pytest.approx(32.5, rel=1e-12)
    r = run_cli(
        "run",
        str(case),
        "--out",
        str(part),
        "--quiet",
        *FIXED_STEPS,
        "--restart",
        str(part),
        ranks=ranks,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    m1 = json.loads((full / "metrics.json").read_text())
    m2 = json.loads((part / "metrics.json").read_text())
    assert m2["t"] == pytest.approx(44.0, rel=1e-12) and m1["t"] == pytest.approx(44.0, rel=1e-12)
    assert m2["steps"] == m1["steps"]
    assert m2["remeshes"] == m1["remeshes"]
    for k in RESTART_KEYS:
        assert m2[k] == pytest.approx(m1[k], rel=1e-8, abs=1e-12), k
    # the metrics time series continues the stopped run's; its field files are kept
    assert m2["time_series"]["t"] == pytest.approx(m1["time_series"]["t"])
    assert (part / "fields.xdmf").exists() and (part / "fields_001.xdmf").exists()
    assert (part / "fields_002.xdmf").exists()  # written by the restarted run


def test_deposition_restart_needs_deposition_checkpoint(tmp_path):
    case = write_case(tmp_path, name="fixed", deposition=False, plate="1 s")
    out = tmp_path / "fixed"
    assert run_cli("run", str(case), "--out", str(out), "--quiet").returncode == 0
    dep = write_case(tmp_path, name="dep", plate="1 s")
    proc = run_cli("run", str(dep), "--out", str(out), "--restart", str(out))
    assert proc.returncode == 2
    assert "--restart" in proc.stderr and "moving-surface" in proc.stderr


SEPARATOR = """
[geometry.separator]
thickness = "3 um"
gap = "{gap}"
[separator]
material = "PIA"
"""


FIXED_CHARGE = """
[geometry.separator]
thickness = "3 um"
gap = "0 um"
[separator]
porosity = 0.5
bruggeman = 1.5
fixed_charge = "-1e8 C/m^3"
"""


@pytest.mark.parametrize("kind", ["PIA", "fixed_charge"])
def test_deposition_with_separator_in_contact(tmp_path, kind):
    """A separator layer on the Li (gap 0) is compressed by the growing Li (its cells move
    with the mesh, its top stays put): Faraday, the charge and the salt balance hold; PIA's
    simulated t+ is the material's; a charged matrix (Donnan, X = -1e8 C/m^3) works too."""
    extra = SEPARATOR.format(gap="0 um") if kind == "PIA" else FIXED_CHARGE
    case = write_case(tmp_path, name="sep0", plate="20 s", extra=extra)
    m = run(case, tmp_path / "out")
    assert m["status"] == "finished"
    assert m["deposit_faraday_error"] < 5e-3
    assert m["charge_balance_error"] < 1e-8
    assert m["mass_balance_error"] < 5e-3
    if kind == "PIA":
        assert m["separator_transference_number"] == pytest.approx(0.78, rel=1e-6)
    else:
        assert m["separator_donnan_potential"] != 0.0
    # net 10 s at 50 mA/cm^2: 0.67 um on average, into a 3 um separator
    assert 0.5e-6 < m["deposit_thickness_min"] < m["deposit_thickness_max"] < 0.8e-6
    assert m["mesh_quality_min"] > 0.2


def test_deposition_stops_at_separator_gap(tmp_path):
    """A separator layer 1 um above the (0.3 um) rough Li: plating closes the gap; the run
    stops with exit code 3 and says why, after writing the last state."""
    case = write_case(tmp_path, name="gap", extra=SEPARATOR.format(gap="1 um"))
    out = tmp_path / "out"
    proc = run_cli("run", str(case), "--out", str(out))
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert "reached the separator layer" in proc.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "failed" and 5.0 < m["t"] < 32.0
    assert (out / "checkpoint" / "deposition.json").exists()


def test_deposition_p2_matches_p1(tmp_path):
    """P2 transport on the moving P1 geometry, plating 12 s at 50 mA/cm^2 (0.8 um): the same
    deposit as P1 (the surface is resolved by the mesh; the fields are smooth at this size)."""
    plate = '{mode = "galvanostatic", current_density = "50 mA/cm^2", duration = "12 s"},'
    c1 = write_case(tmp_path, name="p1", steps=plate)
    c2 = write_case(tmp_path, name="p2", steps=plate, extra="[model]\nelement_degree = 2\n")
    m1, m2 = run(c1, tmp_path / "o1"), run(c2, tmp_path / "o2")
    assert m2["deposit_faraday_error"] < 1e-3
    for k in ("deposit_thickness_max", "deposit_thickness_min", "surface_rms"):
        assert m2[k] == pytest.approx(m1[k], rel=1e-3), k
    assert m2["cell_potential"] == pytest.approx(m1["cell_potential"], rel=1e-3)


HOLD_REST_STRIP = """
    {mode = "potentiostatic", potential = "0.2 V", duration = "10 s"},
    {mode = "rest", duration = "2 s"},
    {mode = "galvanostatic", current_density = "-50 mA/cm^2", duration = "5 s"},
"""


def test_deposition_with_potentiostatic_step(tmp_path):
    """Hold 0.2 V, rest, strip: the potential is held in the first step, the current is the
    applied one in the last; Faraday's law holds over the whole protocol."""
    case = write_case(tmp_path, name="pot", steps=HOLD_REST_STRIP)
    m = run(case, tmp_path / "out")
    ts = m["time_series"]
    t = np.array(ts["t"])
    V = np.array(ts["cell_potential"], dtype=float)
    i = np.array(ts["current_mean_fe"], dtype=float)
    hold, strip = (t > 0) & (t <= 10), t > 12.5
    assert np.allclose(V[hold], 0.2, rtol=1e-12)
    assert np.all(i[hold] > 100.0)  # plating under the held potential
    # (the output is taken after the step's surface move, so it is off by O(move))
    assert np.allclose(i[strip], -500.0, rtol=1e-4)
    assert m["deposit_faraday_error"] < 1e-3
    assert m["charge_balance_error"] < 1e-8
    assert m["t"] == pytest.approx(17.0)


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


EXAMPLES = Path(__file__).parents[2] / "cases" / "examples"


@pytest.fixture(scope="module")
def run_3d(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deposition_3d")
    case = EXAMPLES / "deposition_3d.toml"
    return case, tmp / "out", run(case, tmp / "out")


def test_deposition_3d_run(run_3d):
    """3D interface cell with a bump: 10 s at 50 mA/cm^2 (0.67 um), remeshed once when the
    tetrahedra degrade; Faraday's law holds across the remeshing (the remeshing is
    volume-conserving), the field files carry the moving surface, the figure shows the
    profile through the middle of the cell."""
    _, out, m = run_3d
    assert m["status"] == "finished" and m["t"] == pytest.approx(10.0)
    assert m["remeshes"] >= 1.0
    assert m["deposit_faraday_error"] < 1e-3
    assert m["remesh_volume_correction"] < 1e-2
    assert m["charge_balance_error"] < 1e-8
    mean = V_M_OVER_F * 500.0 * 10.0
    assert m["surface_mean_height"] == pytest.approx(mean, rel=0.05)
    for f in ("fields.xdmf", "fields_001.xdmf", "surface_profiles.png", "interface.csv"):
        assert (out / f).exists(), f


@pytest.mark.mpi
@pytest.mark.slow  # 3D runs on 2 ranks stay in the default suite: test_interface_3d (a run),
# test_deposition_parallel (3D remeshing)
def test_deposition_3d_run_parallel(run_3d, tmp_path):
    case, _, m1 = run_3d
    m2 = run(case, tmp_path / "out2", ranks=2)
    assert m2["remeshes"] == m1["remeshes"] and m2["steps"] == m1["steps"]
    for k in ("deposit_thickness_max", "deposit_thickness_min", "cell_potential", "surface_rms"):
        assert m2[k] == pytest.approx(m1[k], rel=1e-6), k


POISSON = (EXAMPLES / "poisson_dilute.toml").read_text()


@pytest.mark.parametrize("ranks", [1, pytest.param(2, marks=pytest.mark.mpi)])
def test_deposition_poisson_run(tmp_path, ranks):
    """Poisson-Nernst-Planck (dilute, double layer resolved) with the moving Li surface:
    the deposited volume is V_m Q / F, the charge balance holds."""
    case = tmp_path / "pnp.toml"
    case.write_text(POISSON.replace("[electrode]\n", "[electrode]\ndeposition = true\n"))
    m = run(case, tmp_path / "out", ranks=ranks)
    assert m["status"] == "finished"
    assert m["deposit_faraday_error"] < 1e-6
    assert m["charge_balance_error"] < 1e-8
    assert m["deposit_thickness_min"] > 0.0


def test_remesh_quality_key(tmp_path):
    """geometry.mesh.remesh_quality sets the remeshing threshold: just below the initial
    quality (0.78) the cell is rebuilt within the first seconds; Faraday still holds."""
    case = write_case(tmp_path, name="rq", plate="3 s")
    proc = run_cli(
        "run",
        str(case),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
        "--set",
        "geometry.mesh.remesh_quality=0.77",
        "--set",
        "time.end=3 s",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert m["remeshes"] >= 1.0
    assert m["deposit_faraday_error"] < 1e-3
