"""End-to-end runs through the command line and the Python API (docs/case-files.md sections 1,
3, 4)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

FLAT = str(ROOT / "cases/examples/flat_galvanostatic.toml")
BUMPS = str(ROOT / "cases/examples/bumps_potentiostatic.toml")
REQUIRED_METRICS = (
    "i_mean",
    "i_max",
    "i_min",
    "i_max_over_mean",
    "i_cv",
    "c_surface_min",
    "E_t_rms",
    "deposit_thickness_max",
    "deposit_thickness_min",
    "charge_balance_error",
    "mass_balance_error",
)
COMPARED = ("i_mean", "i_max", "i_min", "i_cv", "c_surface_min", "E_t_rms", "cell_potential")


def _metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text())


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("flat") / "run"
    proc = run_cli("run", FLAT, "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    return out


def test_run_writes_every_output(flat_run):
    for name in (
        "case.resolved.toml",
        "fields.xdmf",
        "fields.h5",
        "interface.csv",
        "metrics.json",
        "run.log",
        "checkpoint/state.json",
    ):
        assert (flat_run / name).is_file(), name
    assert (flat_run / "fields.bp").is_dir()
    m = _metrics(flat_run)
    for key in REQUIRED_METRICS:
        assert key in m and key in m["time_series"], key
    for key in (
        "versions",
        "mpi_size",
        "wall_time",
        "newton_iterations",
        "linear_iterations",
        "case_hash",
    ):
        assert key in m, key
    # galvanostatic: the electrode carries the applied 0.5 mA/cm^2 = 5 A/m^2
    assert m["charge_balance_error"] < 1e-8
    assert abs(m["current_mean_fe"] - 5.0) < 1e-8
    assert m["mass_balance_error"] < 1e-8


def test_fields_xdmf_reads_back_with_meshio(flat_run):
    import meshio

    with meshio.xdmf.TimeSeriesReader(str(flat_run / "fields.xdmf")) as reader:
        points, cells = reader.read_points_cells()
        times = []
        for k in range(reader.num_steps):
            t, point_data, _ = reader.read_data(k)
            times.append(t)
            assert {"c_cation", "c_anion", "phi", "current", "E"} <= set(point_data)
    assert times[0] == pytest.approx(0.0, abs=1e-15) and times[-1] == pytest.approx(1.0)
    c = point_data["c_cation"]
    assert c.shape[0] == points.shape[0] and (c > 0).all()
    top = points[:, 1] > points[:, 1].max() - 1e-12
    assert abs(c[top] - 2500.0).max() < 1e-9  # reservoir


def test_interface_csv(flat_run):
    with open(flat_run / "interface.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "t",
        "s",
        "x",
        "y",
        "i_n",
        "c_cation",
        "c_anion",
        "phi",
        "E_t",
        "E_n",
        "eta",
    ]
    last = [r for r in rows if float(r["t"]) == pytest.approx(1.0)]
    assert len(last) > 10
    # flat electrode, plating 5 A/m^2: i_n > 0 and uniform
    i_n = [float(r["i_n"]) for r in last]
    assert min(i_n) > 0 and max(i_n) - min(i_n) < 1e-6 * 5.0


@pytest.mark.mpi
def test_mpi_run_matches_serial(tmp_path):
    args = ("--set", "time.end=0.3 s", "--quiet")
    serial, parallel = tmp_path / "n1", tmp_path / "n2"
    p1 = run_cli("run", BUMPS, "--out", str(serial), *args)
    p2 = run_cli("run", BUMPS, "--out", str(parallel), *args, ranks=2)
    assert p1.returncode == 0 and p2.returncode == 0, p2.stderr
    a, b = _metrics(serial), _metrics(parallel)
    assert b["mpi_size"] == 2
    for key in COMPARED:
        assert abs(a[key] - b[key]) <= 1e-8 * max(abs(a[key]), 1e-30) + 1e-12, (key, a[key], b[key])
    assert p2.stdout.count(str(parallel)) == 1  # only rank 0 prints


def test_restart_continues_a_stopped_run(tmp_path):
    # fixed steps; tight Newton tolerance, so that the kept-vs-fresh Jacobian after the restart
    # does not show up at the 1e-9 level
    fixed = (
        "--set",
        "time.adaptive=false",
        "--set",
        "time.dt=0.05 s",
        "--quiet",
        "--set",
        "solver.snes_rtol=1e-13",
        "--set",
        "solver.snes_atol=1e-15",
    )
    full, part = tmp_path / "full", tmp_path / "part"
    assert run_cli("run", BUMPS, "--out", str(full), *fixed).returncode == 0
    p = run_cli("run", BUMPS, "--out", str(part), *fixed, "--set", "time.end=0.5 s")
    assert p.returncode == 0, p.stderr
    p = run_cli("run", BUMPS, "--out", str(part), *fixed, "--restart", str(part))
    assert p.returncode == 0, p.stderr
    a, b = _metrics(full), _metrics(part)
    assert b["t"] == pytest.approx(1.0)
    for key in COMPARED:
        assert abs(a[key] - b[key]) <= 1e-9 * max(abs(a[key]), 1e-30) + 1e-12, (key, a[key], b[key])


def test_depletion_stops_with_exit_3_and_saves_state(tmp_path):
    out = tmp_path / "sand"
    p = run_cli("run", FLAT, "--out", str(out), "--set", "operation.current_density=2 A/cm^2")
    assert p.returncode == 3, p.stderr
    assert "Sand" in p.stderr and "Traceback" not in p.stderr
    m = _metrics(out)
    assert m["status"] == "failed" and "Sand" in m["message"]
    assert (out / "checkpoint/state.json").is_file()
    assert m["c_surface_min"] < 0.05 * 2500


def test_steady_run(tmp_path):
    out = tmp_path / "steady"
    p = run_cli("run", BUMPS, "--out", str(out), "--set", "time.steady=true", "--quiet")
    assert p.returncode == 0, p.stderr
    m = _metrics(out)
    assert m["mass_balance_error"] < 1e-8 and 0 < m["i_mean"]


def test_python_api(tmp_path):
    import depsim

    case = depsim.load_case(FLAT, overrides={"time.end": "0.2 s", "output.formats": ["vtx"]})
    result = depsim.run(case, out_dir=tmp_path / "api", quiet=True)
    assert result.output_dir == tmp_path / "api"
    assert result.metrics["i_mean"] == pytest.approx(5.0, rel=1e-8)
    assert not (tmp_path / "api" / "fields.xdmf").exists()
    # a second call works too (the submodule depsim.run must not shadow the function)
    again = depsim.run(case, out_dir=tmp_path / "api2", quiet=True)
    assert again.metrics["i_mean"] == pytest.approx(result.metrics["i_mean"], rel=1e-12)


def test_mesh_and_info_commands(tmp_path):
    p = run_cli("mesh", FLAT, "--out", str(tmp_path / "m.msh"))
    assert p.returncode == 0 and "triangles" in p.stdout and "h_min" in p.stdout, p.stderr
    assert (tmp_path / "m.msh").is_file()
    p = run_cli("info")
    assert p.returncode == 0 and "dolfinx" in p.stdout and "mumps yes" in p.stdout


@pytest.mark.mpi
def test_error_on_one_rank_ends_the_job(tmp_path):
    """An unexpected error on one rank must not leave the other waiting in a collective."""
    import subprocess

    from tests.conftest import MPIRUN, PYTHON

    if MPIRUN is None:
        pytest.skip("mpirun not available")
    script = tmp_path / "one_rank_fails.py"
    script.write_text(
        "import depsim\n"
        "from mpi4py import MPI\n"
        "import depsim.run as _\n"
        "import sys\n"
        "mod = sys.modules['depsim.run']\n"
        "def run_case(case, **kw):\n"
        "    if MPI.COMM_WORLD.rank == 1:\n"
        "        raise RuntimeError('boom on rank 1')\n"
        "    MPI.COMM_WORLD.barrier()  # rank 0 would wait here forever\n"
        "mod.run_case = run_case\n"
        "from depsim.cli import main\n"
        f"raise SystemExit(main(['run', {FLAT!r}, '--out', {str(tmp_path / 'o')!r}]))\n"
    )
    proc = subprocess.run(
        [MPIRUN, "-n", "2", PYTHON, str(script)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    assert "error on rank 1" in proc.stderr and "boom on rank 1" in proc.stderr


def _times(folder: Path) -> tuple[list[float], set[float]]:
    """(metrics time series, distinct interface.csv times) of a run folder."""
    series = _metrics(folder)["time_series"]["t"]
    with open(folder / "interface.csv") as fh:
        csv_times = {round(float(r["t"]), 9) for r in csv.DictReader(fh)}
    return series, csv_times


@pytest.mark.parametrize("elsewhere", [False, True], ids=["in_place", "with_out"])
def test_restart_writes_to_its_own_folder(tmp_path, elsewhere):
    """``--restart DIR`` continues in DIR (not in output.dir) unless ``--out`` says otherwise;
    either way the folder it writes ends with the whole history: both field segments, the full
    metrics time series and interface.csv rows from before and after the restart."""
    fixed = ("--set", "time.adaptive=false", "--set", "time.dt=0.1 s", "--quiet")
    first = tmp_path / "first"
    p = run_cli("run", FLAT, "--out", str(first), *fixed, "--set", "time.end=0.5 s")
    assert p.returncode == 0, p.stderr
    target = tmp_path / "second" if elsewhere else first
    default_dir = tmp_path / "default"
    extra = ("--out", str(target)) if elsewhere else ("--set", f"output.dir={default_dir}")
    p = run_cli("run", FLAT, *fixed, "--restart", str(first), *extra)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str(target.resolve() if not elsewhere else target)
    assert not default_dir.exists()  # output.dir is not where a restart goes
    series, csv_times = _times(target)
    assert series[0] == pytest.approx(0.0, abs=1e-12) and series[-1] == pytest.approx(1.0)
    assert min(csv_times) < 0.5 < max(csv_times)
    assert all(b > a for a, b in zip(series, series[1:], strict=False))
    assert (target / "fields.xdmf").is_file() and (target / "fields_001.xdmf").is_file()
    if elsewhere:  # the stopped run's folder is left as it was
        assert _times(first)[0][-1] == pytest.approx(0.5)
