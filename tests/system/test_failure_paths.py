"""Every way a run can fail ends with one line on stderr, its exit code, a readable run.log
and a metrics.json that says where it failed (docs/case-files.md §1). Each failure is injected
(tests/system/inject_failure.py): the initial potential solve, a time step after its cut-backs,
a remesh of the moving surface, and writing the outputs (on one rank only under MPI)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import MPIRUN, PYTHON, ROOT, _env, run_cli

FLAT = str(ROOT / "cases/examples/flat_galvanostatic.toml")
INJECT = str(ROOT / "tests/system/inject_failure.py")
SHORT = ("--set", "time.end=0.2 s", "--set", "time.min_dt=5 ms", "--set", "output.every=1")
STAGES = {  # stage: (extra settings, exit code, a checkpoint to restart from is left)
    "initial": ((), 3, False),
    "step": ((), 3, True),
    "remesh": (
        ("--set", "electrode.deposition=true", "--set", "geometry.mesh.remesh_quality=0.99"),
        3,
        True,
    ),
    "output": ((), 4, True),
}


def _inject(stage: str, out: Path, *args: str, ranks: int = 1) -> subprocess.CompletedProcess:
    cmd = [PYTHON, INJECT, stage, FLAT, "--out", str(out), "--quiet", *SHORT, *args]
    if ranks > 1:
        if MPIRUN is None:
            pytest.skip("mpirun not available")
        cmd = [MPIRUN, "-n", str(ranks), *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT)


def _check_failed_folder(proc, out: Path, stage: str, code: int, checkpoint: bool) -> dict:
    assert proc.returncode == code, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("depsim: error: ") and "Traceback" not in proc.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "failed"
    assert m["failure"]["stage"] == stage and m["failure"]["exit_code"] == code
    assert m["failure"]["message"] == last.removeprefix("depsim: error: ")
    log = (out / "run.log").read_text()
    assert f"[stage: {stage}]" in log and "failed in" in log
    assert (out / "checkpoint/state.json").is_file() == checkpoint
    return m


@pytest.mark.parametrize("stage", list(STAGES))
def test_injected_failure_serial(tmp_path, stage):
    extra, code, checkpoint = STAGES[stage]
    out = tmp_path / stage
    m = _check_failed_folder(_inject(stage, out, *extra), out, stage, code, checkpoint)
    if stage == "initial":  # no state exists: nothing at t = 0 is presented as one
        assert m["time_series"]["t"] == [] and m["failure"]["time"] == 0.0
    else:
        assert m["failure"]["time"] > 0.0


def test_restart_after_a_failed_step_continues(tmp_path):
    """The checkpoint left by a failed step is the last accepted state: a restart (the cause
    removed) runs to the end."""
    out = tmp_path / "step"
    _check_failed_folder(_inject("step", out), out, "step", 3, True)
    t_fail = json.loads((out / "metrics.json").read_text())["failure"]["time"]
    p = run_cli("run", FLAT, "--restart", str(out), "--quiet", *SHORT)
    assert p.returncode == 0, p.stderr
    m = json.loads((out / "metrics.json").read_text())
    assert m["status"] == "finished" and m["failure"] is None
    assert m["t"] == pytest.approx(0.2, rel=1e-12) and min(m["time_series"]["t"]) < t_fail


@pytest.mark.mpi
@pytest.mark.parametrize("stage", ["step", "output"])
def test_injected_failure_two_ranks(tmp_path, stage):
    """Under mpirun the failure ends both ranks with the same exit code; an output error on
    rank 0 alone does not leave rank 1 waiting in a collective."""
    extra, code, checkpoint = STAGES[stage]
    out = tmp_path / stage
    _check_failed_folder(_inject(stage, out, *extra, ranks=2), out, stage, code, checkpoint)


def test_current_above_the_kinetic_plateau_is_refused(tmp_path):
    """Marcus–Hush–Chidsey kinetics cannot carry more than i0 * 4 / erfc(a(0)) at c+ = c0:
    the run is refused before anything is written, with that value; just below it runs."""
    from depsim.physics.kinetics import law_from_si

    i0, lam = 10.0, 0.2 * 1.602176634e-19
    plateau = i0 * law_from_si("marcus-hush-chidsey", reorganization_energy=lam).saturation
    mhc = (
        "--set", "electrode.kinetics=marcus-hush-chidsey",
        "--set", "electrode.reorganization_energy=0.2 eV",
        "--set", f"electrode.exchange_current_density={i0} A/m^2",
        "--set", "electrode.reference_concentration=2500",
    )  # fmt: skip
    out = tmp_path / "over"
    over = ("--set", f"operation.current_density={1.01 * plateau} A/m^2")
    p = run_cli("run", FLAT, "--out", str(out), *mhc, *over)
    assert p.returncode == 2 and not out.exists(), p.stderr
    msg = p.stderr.strip().splitlines()[-1]
    assert msg.startswith("depsim: error: operation.current_density:")
    assert f"plateau {plateau:.6g} A/m^2" in msg
    under = ("--set", f"operation.current_density={0.8 * plateau} A/m^2")
    p = run_cli("run", FLAT, "--out", str(tmp_path / "under"), *mhc, *under, "--quiet", *SHORT)
    assert p.returncode == 0, p.stderr
