"""``depsim measure`` end to end: the output folder (measurements.json, eis.csv with at least 20
frequencies per decade, the figures), refusals with exit code 2 and nothing written, and the
command under ``mpirun -n 2`` (slow; the lab's numbers under MPI are checked by
tests/verification/test_virtual_lab_mpi.py)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from tests.conftest import assert_close_dicts, run_cli

# the lab's test electrolyte without its double layer (the lab then assumes one)
CASE = (
    (Path(__file__).parents[1] / "verification" / "lab_binary.toml")
    .read_text()
    .replace('double_layer_capacitance = "20 uF/cm^2"\n', "")
)
FIGURES = ("nyquist", "bode", "chronoamperogram", "tafel", "chronopotentiogram")


@pytest.fixture(scope="module")
def case_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("measure") / "binary.toml"
    path.write_text(CASE)
    return path


def test_measure_writes_its_folder(case_file, tmp_path):
    out = tmp_path / "lab"
    proc = run_cli("measure", str(case_file), "--out", str(out), "--elements", "16",
                   "--sand-steps", "100", "--bv-steps", "1")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()  # the summary table, then the folder
    assert lines[0].split()[:4] == ["quantity", "measured", "input", "ratio"]
    assert lines[-1] == str(out)
    m = json.loads((out / "measurements.json").read_text())
    assert isinstance(m["warnings"], list) and set(m["valid"]) <= set(m) | {"conductivity"}
    for w in m["warnings"]:  # each warning is also on stderr
        assert f"depsim: warning: {w}" in proc.stderr
    for key in (
        "conductivity",
        "transference_number_bruce_vincent",
        "exchange_current_density_tafel",
        "sand_time",
    ):
        assert isinstance(m[key], float) and m[key] > 0.0, key
    for key in ("R0", "R_ss", "I0", "I_ss"):
        assert m["bruce_vincent"][key] > 0.0
    tafel = m["tafel"]
    assert len(tafel["window"]) == 2 and len(tafel["points"]) == 2
    assert m["protocol"]["sand_steps"] == 100
    assert any(tafel[k] is not None and tafel[k] > 0.0 for k in ("slope_anodic", "slope_cathodic"))
    assert m["inputs"]["double_layer_capacitance_assumed"] is True  # the case gives none
    assert abs(m["conductivity"] - 0.1) < 1e-3 * 0.1  # the bulk intercept, even on 16 elements
    with open(out / "eis.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["f", "Z_re", "Z_im"]
    f = [float(r["f"]) for r in rows]
    decades = math.log10(f[-1] / f[0])
    assert len(f) >= 20 * decades and all(b > a for a, b in zip(f, f[1:], strict=False))
    assert all(float(r["Z_re"]) > 0.0 and float(r["Z_im"]) < 0.0 for r in rows)
    for name in FIGURES:
        assert (out / f"{name}.png").stat().st_size > 1000, name


@pytest.mark.parametrize(
    "args, key",
    [
        (("--what", "eis,impedance"), "--what"),
        (("--what", ","), "--what"),
        (("--elements", "3"), "--elements"),
        (("--set", "model.charge=poisson"), "model.charge"),
        (("--set", "electrolyte.concentration=-1"), "electrolyte.concentration"),
        (("--tafel-window", "10,5"), "--tafel-window"),
        (("--tafel-window", "5"), "--tafel-window"),
        (("--bv-step", "10 mA"), "--bv-step"),
        (("--bv-steps", "0"), "--bv-steps"),
        (("--eis-points-per-decade", "2"), "--eis-points-per-decade"),
        (("--sand-current", "1 A/m^2"), "--sand-current"),  # below the limiting current
        (("--sand-steps", "10"), "--sand-steps"),
    ],
)
def test_bad_input_exit_2_nothing_written(case_file, tmp_path, args, key):
    out = tmp_path / "lab"
    proc = run_cli("measure", str(case_file), "--out", str(out), *args)
    assert proc.returncode == 2, proc.stderr
    assert key in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_protocol_settings_are_used_and_recorded(case_file, tmp_path):
    out = tmp_path / "lab"
    args = ("--what", "eis,bruce-vincent", "--elements", "16", "--bv-step", "4 mV")
    args += ("--bv-steps", "2")
    proc = run_cli("measure", str(case_file), "--out", str(out), *args,
                   "--eis-points-per-decade", "10")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "measurements.json").read_text())
    assert m["protocol"]["bv_step"] == pytest.approx(0.004, rel=1e-12)
    assert m["bruce_vincent"]["dV"] == pytest.approx(0.004, rel=1e-12)
    steps = m["bruce_vincent_extrapolated"]["steps"]
    assert steps == pytest.approx([0.004, 0.002], rel=1e-12)
    assert m["protocol"]["bv_steps"] == 2
    assert m["eis"]["points_per_decade"] == 10
    with open(out / "eis.csv") as fh:
        f = [float(r["f"]) for r in csv.DictReader(fh)]
    assert len(f) == pytest.approx(10 * math.log10(f[-1] / f[0]) + 1, abs=1)


def test_unknown_measurement_names_the_allowed_ones(case_file, tmp_path):
    proc = run_cli("measure", str(case_file), "--what", "bode", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2
    for name in ("eis", "bruce-vincent", "tafel", "sand"):
        assert name in proc.stderr


@pytest.mark.slow
def test_measure_under_mpirun_matches_serial(case_file, tmp_path):
    args = ("measure", str(case_file), "--elements", "16", "--what", "eis,bruce-vincent,tafel")
    one = run_cli(*args, "--out", str(tmp_path / "one"))
    two = run_cli(*args, "--out", str(tmp_path / "two"), ranks=2)
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    a = json.loads((tmp_path / "one" / "measurements.json").read_text())
    b = json.loads((tmp_path / "two" / "measurements.json").read_text())
    assert b["mpi_size"] == 2
    for key in ("eis", "tafel"):
        assert_close_dicts(a[key], b[key], rtol=1e-6, atol=0.0)
    keys = ["conductivity", "transference_number_bruce_vincent", "exchange_current_density_tafel"]
    assert_close_dicts(a, b, rtol=1e-6, atol=0.0, keys=keys)
