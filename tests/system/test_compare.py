"""`depsim compare`: table, figures, reuse of finished runs, failures, serial vs mpirun -n 2
(docs/case-files.md sections 1 and 3)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

BUMPS = ROOT / "cases/examples/bumps_potentiostatic.toml"
FLAT = ROOT / "cases/examples/flat_galvanostatic.toml"
FIGURES = ("interface_profiles.png", "field_maps.png", "nonuniformity_vs_time.png")
NUMERIC = (
    "i_mean",
    "i_max",
    "i_min",
    "i_max_over_mean",
    "i_cv",
    "tip_to_valley",
    "c_surface_min",
    "c_surface_min_over_c0",
    "E_t_rms",
    "E_n_spread",
    "cell_potential",
    "mass_balance_error",
    "t_end",
)


def write_variants(folder: Path) -> tuple[Path, Path]:
    """Two short variants of the bumps example (0.2 s): i0 as in the example, and x 10."""
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / "low_i0.toml", folder / "high_i0.toml"
    a.write_text(
        f'[case]\ninherits = "{BUMPS}"\nname = "low_i0"\n'
        'description = "bumps, i0 = 0.33 mA/cm^2"\n[time]\nend = "0.2 s"\n'
    )
    b.write_text(
        f'[case]\ninherits = "{BUMPS}"\nname = "high_i0"\n'
        'description = "bumps, i0 = 3.3 mA/cm^2"\n'
        '[electrode]\nexchange_current_density = "3.3 mA/cm^2"\n[time]\nend = "0.2 s"\n'
    )
    return a, b


def read_table(path: Path) -> list[dict]:
    with open(path) as fh:
        return list(csv.DictReader(fh))


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """`depsim compare A B --out DIR` (serial, CLI)."""
    base = tmp_path_factory.mktemp("compare")
    a, b = write_variants(base / "cases")
    out = base / "cmp"
    proc = run_cli("compare", str(a), str(b), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == str(out)
    return {"out": out, "cases": (a, b), "proc": proc}


def test_table_and_figures(serial):
    out = serial["out"]
    rows = read_table(out / "comparison.csv")
    assert [r["name"] for r in rows] == ["low_i0", "high_i0"]
    for r in rows:
        assert r["status"] == "finished"
        assert float(r["t_end"]) == pytest.approx(0.2)
        for key in (
            "i_mean",
            "i_max",
            "i_min",
            "i_max_over_mean",
            "i_cv",
            "c_surface_min",
            "E_t_rms",
            "cell_potential",
        ):
            assert r[key] != "", key
        assert float(r["cell_potential"]) == pytest.approx(0.05)  # potentiostatic, 50 mV
        assert "charge_balance_error" in r and "deposit_thickness_max" in r
    # the table holds exactly what the runs' metrics.json hold
    for r in rows:
        m = json.loads((out / r["name"] / "metrics.json").read_text())
        for key in ("i_mean", "i_cv", "c_surface_min", "E_t_rms"):
            assert float(r[key]) == m[key]
    # faster kinetics at the same potential: more current
    low, high = rows
    assert float(high["i_mean"]) > float(low["i_mean"])

    md = (out / "comparison.md").read_text()
    for text in ("low_i0", "high_i0", "bumps, i0 = 3.3 mA/cm^2", "mA/cm^2", "| --- |", *FIGURES):
        assert text in md, text
    for name in FIGURES:
        assert is_png(out / name), name
    log = (out / "compare.log").read_text()
    assert "comparison.csv" in log and "field_maps.png" in log


def test_figures_have_content(serial):
    import matplotlib.image as mpimg
    import numpy as np

    for name in FIGURES:
        img = mpimg.imread(serial["out"] / name)
        assert img.shape[0] > 300 and img.shape[1] > 600, name
        # not a blank canvas: a good part of the pixels differs from white
        rgb = img[..., :3]
        assert (np.abs(rgb - 1.0).sum(axis=-1) > 0.1).mean() > 0.05, name


def test_second_compare_reuses_finished_runs(serial):
    from depsim.case import load_case
    from depsim.compare import compare_cases

    out = serial["out"]
    stamps = {n: (out / n / "metrics.json").stat().st_mtime_ns for n in ("low_i0", "high_i0")}
    cases = [load_case(p) for p in serial["cases"]]
    result = compare_cases(cases, out_dir=out)
    assert result.output_dir == out
    assert [r["reused"] for r in result.table] == [True, True]
    for n, stamp in stamps.items():
        assert (out / n / "metrics.json").stat().st_mtime_ns == stamp, n
    assert "reusing the finished run" in (out / "compare.log").read_text()
    assert len(read_table(out / "comparison.csv")) == 2


def test_changed_case_is_run_again(serial, tmp_path):
    import shutil

    from depsim.case import load_case
    from depsim.compare import compare_cases

    out = tmp_path / "cmp"
    shutil.copytree(serial["out"] / "low_i0", out / "low_i0")
    stamp = (out / "low_i0" / "metrics.json").stat().st_mtime_ns
    changed = load_case(serial["cases"][0], {"time.end": "0.1 s"})  # same name, other hash
    result = compare_cases([changed], out_dir=out)
    assert result.table[0]["reused"] is False
    assert float(result.table[0]["t_end"]) == pytest.approx(0.1)
    assert (out / "low_i0" / "metrics.json").stat().st_mtime_ns != stamp


def test_duplicate_names_are_refused(tmp_path):
    from depsim.case import load_case
    from depsim.compare import compare_cases
    from depsim.errors import CaseError

    a, _ = write_variants(tmp_path)
    with pytest.raises(CaseError) as err:
        compare_cases([load_case(a), load_case(a)], out_dir=tmp_path / "cmp")
    assert err.value.key == "case.name"
    assert not (tmp_path / "cmp").exists()
    p = run_cli("compare", str(a), str(a), "--out", str(tmp_path / "cmp"))
    assert p.returncode == 2 and "case.name" in p.stderr and "Traceback" not in p.stderr


def test_failed_case_stays_in_the_table_and_exit_3(tmp_path):
    a, _ = write_variants(tmp_path)
    sand = tmp_path / "sand.toml"
    sand.write_text(
        f'[case]\ninherits = "{FLAT}"\nname = "sand"\n[operation]\ncurrent_density = "2 A/cm^2"\n'
    )
    out = tmp_path / "cmp"
    p = run_cli("compare", str(a), str(sand), "--out", str(out))
    assert p.returncode == 3, p.stderr[-2000:]
    assert "sand" in p.stderr and "Sand" in p.stderr and "Traceback" not in p.stderr
    rows = read_table(out / "comparison.csv")
    assert [(r["name"], r["status"]) for r in rows] == [("low_i0", "finished"), ("sand", "failed")]
    assert "Sand" in rows[1]["message"] and float(rows[1]["t_end"]) < 1.0
    for name in FIGURES:
        assert is_png(out / name), name
    assert "failed" in (out / "comparison.md").read_text()


@pytest.mark.mpi
def test_mpi_compare_matches_serial(serial, tmp_path):
    a, b = serial["cases"]
    out = tmp_path / "cmp2"
    p = run_cli("compare", str(a), str(b), "--out", str(out), ranks=2)
    assert p.returncode == 0, p.stderr[-3000:]
    assert p.stdout.count(str(out)) == 1  # only rank 0 prints
    ser, par = read_table(serial["out"] / "comparison.csv"), read_table(out / "comparison.csv")
    assert [r["name"] for r in par] == [r["name"] for r in ser]
    for rs, rp in zip(ser, par, strict=True):
        assert rp["status"] == "finished"
        for key in NUMERIC:
            x, y = float(rs[key]), float(rp[key])
            assert abs(x - y) <= 1e-8 * max(abs(x), abs(y)) + 1e-12, (rs["name"], key, x, y)
        m = json.loads((out / rp["name"] / "metrics.json").read_text())
        assert m["mpi_size"] == 2
    for name in FIGURES:
        assert is_png(out / name), name


@pytest.mark.mpi
def test_mpi_compare_runs_moving_surface_cases_in_turn(tmp_path):
    """Two moving-surface cases in one 2-rank compare: the first run's PETSc objects are freed
    on every rank before the second builds its mesh (once left to the garbage collector, the
    second case deadlocked: one rank destroying a matrix, the other in gmsh)."""
    cases = [ROOT / "cases/paper/deposition" / f"{n}.toml" for n in ("pp", "pia_nosites")]
    out = tmp_path / "dep"
    p = run_cli(
        "compare",
        *map(str, cases),
        "--set",
        "time.end=0.5 s",
        "--set",  # a coarse mesh: the regression is in the order of the frees, not the mesh
        "geometry.mesh.size=2 um",
        "--set",
        "geometry.mesh.electrode_size=0.5 um",
        "--out",
        str(out),
        ranks=2,
        timeout=240,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    rows = read_table(out / "comparison.csv")
    assert [(r["name"], r["status"]) for r in rows] == [
        ("pp_deposition", "finished"),
        ("pia_nosites_deposition", "finished"),
    ]


def test_compare_phase_field_morphologies(tmp_path):
    """`depsim compare` of two phase-field cases (the sine example, and the same with a seeded
    i0 heterogeneity): the table carries the surface metrics, morphology.png the contours."""
    example = ROOT / "cases" / "examples" / "phase_field_sine.toml"
    short = '[time]\nend = "1 s"\nadaptive = false\ndt = "0.25 s"\n[output]\nevery = 2\n'
    a, b = tmp_path / "pf_plain.toml", tmp_path / "pf_noise.toml"
    a.write_text(f'[case]\ninherits = "{example}"\n{short}')
    noise = '[phase_field]\nnoise = 0.5\nnoise_seed = 3\ninterface_width = "0.2 um"\n'
    b.write_text(f'[case]\ninherits = "{example}"\n{short}{noise}')
    out = tmp_path / "cmp"
    proc = run_cli("compare", str(a), str(b), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["name"]: r for r in read_table(out / "comparison.csv")}
    assert set(rows) == {"pf_plain", "pf_noise"}
    for r in rows.values():
        assert float(r["tip_height"]) > 0.1e-6  # the crest (0.1 um) plus growth
        assert float(r["roughness"]) > 0.0
    # the heterogeneous i0 makes the plating current less even
    assert float(rows["pf_noise"]["current_cv"]) > float(rows["pf_plain"]["current_cv"])
    figure = out / "morphology.png"
    assert figure.exists() and figure.stat().st_size > 20_000
    assert "morphology.png" in (out / "comparison.md").read_text()
