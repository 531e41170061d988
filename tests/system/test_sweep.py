"""`depsim sweep`: grid, point cases, sweep.csv/sweep.png, and under mpirun -n 2 the points run
concurrently on split communicators (docs/case-files.md §1)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

BUMPS = ROOT / "cases/examples/bumps_potentiostatic.toml"
KEY = "electrode.exchange_current_density"
VARY = f"{KEY}=3.3:33:2"  # 0.33 and 3.3 mA/cm^2 (SI: A/m^2)
NUMERIC = (
    "i_mean",
    "i_max",
    "i_min",
    "i_max_over_mean",
    "i_cv",
    "tip_to_valley",
    "c_surface_min",
    "E_t_rms",
    "E_n_spread",
    "cell_potential",
    "mass_balance_error",
    "t_end",
    KEY,
)


def short_case(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bumps.toml"
    path.write_text(f'[case]\ninherits = "{BUMPS}"\nname = "bumps"\n[time]\nend = "0.2 s"\n')
    return path


def read_table(path: Path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def run_interval(folder: Path) -> tuple[datetime, datetime]:
    """First and last time stamp of a point's run.log."""
    stamps = []
    for line in (folder / "run.log").read_text().splitlines():
        try:
            stamps.append(datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f"))
        except ValueError:
            continue
    return stamps[0], stamps[-1]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    base = tmp_path_factory.mktemp("sweep")
    case = short_case(base)
    out = base / "sw1"
    p = run_cli("sweep", str(case), "--vary", VARY, "--out", str(out))
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.strip().splitlines()[-1] == str(out)
    return {"out": out, "case": case, "proc": p}


# --------------------------------------------------------------------------------------------
# Grid and point cases (no runs)


def test_grid_is_the_cartesian_product():
    from depsim.sweep import grid

    g = grid([("a.x", 1.0, 3.0, 3), ("b.y", 0.0, 1.0, 2)])
    assert len(g) == 6
    assert g[0] == {"a.x": 1.0, "b.y": 0.0} and g[1] == {"a.x": 1.0, "b.y": 1.0}
    assert g[-1] == {"a.x": 3.0, "b.y": 1.0}
    assert grid([("a.x", 2.0, 5.0, 1)]) == [{"a.x": 2.0}]


def test_point_cases_derive_values_again(tmp_path):
    """Values derived from a swept key (D+/D- from t+ and conductivity at c0, c_ref = c0) are
    derived again for every point; --set overrides of the base case are kept."""
    from depsim.case import case_hash, load_case
    from depsim.sweep import base_data, point_cases

    case = load_case(short_case(tmp_path), {"time.end": "0.1 s", "electrolyte.concentration": 2000})
    pts = point_cases(case, [("electrolyte.concentration", 1000.0, 3000.0, 3)], tmp_path / "sw")
    assert [p.case.case.name for p in pts] == [
        "bumps_concentration=1000",
        "bumps_concentration=2000",
        "bumps_concentration=3000",
    ]
    for p in pts:
        c0 = p.values["electrolyte.concentration"]
        assert p.case.electrolyte.concentration == c0
        assert p.case.electrode.reference_concentration == c0
        assert p.case.electrolyte.D_cation * c0 == pytest.approx(
            pts[0].case.electrolyte.D_cation * 1000.0, rel=1e-12
        )  # D ~ kappa / c0
        assert p.case.time.end == 0.1
        assert p.case.output.dir == (tmp_path / "sw" / p.case.case.name).resolve()
    # the middle point is the base case itself (up to its name)
    from depsim.case import apply_overrides, validate_case

    same = validate_case(
        apply_overrides(base_data(case), {"case.name": pts[1].case.case.name}), source=case.source
    )
    assert case_hash(same) == case_hash(pts[1].case)


def test_invalid_point_is_a_case_error_naming_the_key(tmp_path):
    from depsim.case import load_case
    from depsim.errors import CaseError
    from depsim.sweep import point_cases, run_sweep

    case = load_case(short_case(tmp_path))
    with pytest.raises(CaseError) as err:
        point_cases(case, [(KEY, -1.0, 10.0, 2)], tmp_path / "sw")
    assert err.value.key == KEY
    with pytest.raises(CaseError) as err:
        point_cases(case, [("electrode.alpha_a", 0.3, 0.5, 2)], tmp_path / "sw")
    assert err.value.key == "electrode.alpha_a"
    with pytest.raises(CaseError) as err:
        run_sweep(
            case, [("electrode.exchange_current_densty", 1.0, 2.0, 2)], out_dir=tmp_path / "sw"
        )
    assert err.value.key == "electrode.exchange_current_densty"
    assert not (tmp_path / "sw").exists()  # refused before anything was written
    p = run_cli(
        "sweep", str(case.source), "--vary", f"{KEY}=-1:10:2", "--out", str(tmp_path / "sw")
    )
    assert p.returncode == 2 and KEY in p.stderr and "Traceback" not in p.stderr


# --------------------------------------------------------------------------------------------
# Runs


def test_sweep_table_and_figure(serial):
    out = serial["out"]
    rows = read_table(out / "sweep.csv")
    assert len(rows) == 2
    assert list(rows[0])[:3] == ["name", KEY, "status"]
    assert [float(r[KEY]) for r in rows] == [3.3, 33.0]
    assert [r["name"] for r in rows] == [
        f"bumps_exchange_current_density={v}" for v in ("3.3", "33")
    ]
    for r in rows:
        assert r["status"] == "finished" and r["mpi_size"] == "1"
        m = json.loads((out / r["name"] / "metrics.json").read_text())
        assert float(r["i_cv"]) == m["i_cv"]
        resolved = (out / r["name"] / "case.resolved.toml").read_text()
        assert f"exchange_current_density = {float(r[KEY])}" in resolved
    assert is_png(out / "sweep.png")
    assert "sweep.csv" in (out / "sweep.log").read_text()


def test_sweep_physics_faster_kinetics(serial):
    """Potentiostatic at 50 mV: a 10x larger exchange current density draws more current and
    makes it *less* uniform -- the kinetic resistance that evens out the ohmic (primary)
    distribution shrinks (Wagner number ~ kappa R T / (F i0 L) falls) -- and depletes the
    surface more."""
    low, high = read_table(serial["out"] / "sweep.csv")
    assert float(high["i_mean"]) > 3 * float(low["i_mean"])
    assert float(high["i_cv"]) > float(low["i_cv"])
    assert float(high["i_max_over_mean"]) > float(low["i_max_over_mean"])
    assert float(high["c_surface_min"]) < float(low["c_surface_min"])
    assert float(high["E_t_rms"]) > float(low["E_t_rms"])


def test_sweep_python_api_reuses_points(serial):
    from depsim.case import load_case
    from depsim.sweep import run_sweep

    out = serial["out"]
    stamps = [
        (out / r["name"] / "metrics.json").stat().st_mtime_ns for r in read_table(out / "sweep.csv")
    ]
    result = run_sweep(load_case(serial["case"]), [(KEY, 3.3, 33.0, 2)], out_dir=out)
    assert result.output_dir == out and result.keys == [KEY]
    assert [r["reused"] for r in result.table] == [True, True]
    assert [(out / r["name"] / "metrics.json").stat().st_mtime_ns for r in result.table] == stamps


@pytest.mark.mpi
def test_mpi_sweep_splits_the_communicator(serial, tmp_path):
    out = tmp_path / "sw2"
    p = run_cli("sweep", str(serial["case"]), "--vary", VARY, "--out", str(out), ranks=2)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count(str(out)) == 1  # only rank 0 prints
    ser, par = read_table(serial["out"] / "sweep.csv"), read_table(out / "sweep.csv")
    assert [r["name"] for r in par] == [r["name"] for r in ser]
    folders = [out / r["name"] for r in par]
    for r, folder in zip(par, folders, strict=True):
        assert r["status"] == "finished" and r["mpi_size"] == "1"
        assert json.loads((folder / "metrics.json").read_text())["mpi_size"] == 1
        assert "(MPI size 1)" in (folder / "run.log").read_text()
    # the two points ran at the same time, one on each rank
    (s0, e0), (s1, e1) = (run_interval(f) for f in folders)
    assert s0 < e1 and s1 < e0, ((s0, e0), (s1, e1))
    log = (out / "sweep.log").read_text()
    assert "2 groups" in log and "group 0" in log and "group 1" in log
    for rs, rp in zip(ser, par, strict=True):
        for key in NUMERIC:
            x, y = float(rs[key]), float(rp[key])
            assert abs(x - y) <= 1e-8 * max(abs(x), abs(y)) + 1e-12, (rs["name"], key, x, y)
    assert is_png(out / "sweep.png")
