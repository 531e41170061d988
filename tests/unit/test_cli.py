"""The command line: exit codes, messages, delegation to the run/mesh/compare/sweep modules."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest

from depsim.cli import main, parse_vary
from depsim.errors import CaseError, SolverFailure

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "cases" / "examples" / "flat_galvanostatic.toml"


def fake_module(monkeypatch, name: str, **functions) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, fn in functions.items():
        setattr(mod, key, fn)
    monkeypatch.setitem(sys.modules, name, mod)
    return mod


def test_check_prints_resolved_defaults(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    case = tmp_path / "tiny.toml"
    case.write_text('[electrolyte]\ntransference_number = 0.78\nconductivity = "0.92 mS/cm"\n')
    assert main(["check", str(case), "--set", "time.end=2 s"]) == 0
    out = capsys.readouterr().out
    data = tomllib.loads(out)  # the header lines are TOML comments
    assert data["case"]["name"] == "tiny"
    assert data["time"]["end"] == 2.0
    assert data["time"]["dt"] == 1e-3
    assert data["solver"]["linear"] == "auto"
    assert data["electrode"]["reference_concentration"] == 2500.0
    assert data["electrolyte"]["D_cation"] == pytest.approx(7.6434e-12, rel=1e-4)
    assert "# electrolyte D+ = " in out and "# case hash: " in out
    assert not (tmp_path / "results").exists()


def test_check_subprocess_example(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "depsim", "check", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert tomllib.loads(proc.stdout)["operation"]["current_density"] == 5.0


def test_usage_errors_exit_2(capsys):
    assert main(["frobnicate"]) == 2
    assert main(["run"]) == 2
    assert main(["check", "x.toml", "--set"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_bad_set_exit_2(capsys):
    assert main(["check", str(EXAMPLE), "--set", "nonsense"]) == 2
    assert main(["check", str(EXAMPLE), "--set", "electrolyte.D_catoin=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "depsim: error: electrolyte.D_catoin: unknown key; did you mean 'D_cation'?"


def test_run_delegates_and_prints_folder(monkeypatch, tmp_path, capsys):
    seen = {}

    def run_case(case, out_dir=None, restart=None, quiet=False, log_level="info"):
        seen.update(case=case, out_dir=out_dir, restart=restart, quiet=quiet, level=log_level)
        return types.SimpleNamespace(output_dir=out_dir, metrics={})

    fake_module(monkeypatch, "depsim.run", run_case=run_case)
    out = tmp_path / "res"
    code = main(["run", str(EXAMPLE), "--out", str(out), "--quiet", "--log-level", "warning"])
    assert code == 0
    assert seen["out_dir"] == out and seen["quiet"] and seen["level"] == "warning"
    assert seen["case"].output.dir == out.resolve()
    assert capsys.readouterr().out.strip() == str(out)


def test_run_solver_failure_exit_3(monkeypatch, capsys):
    def run_case(case, **kwargs):
        raise SolverFailure("Newton diverged at t = 0.5 s", time=0.5)

    fake_module(monkeypatch, "depsim.run", run_case=run_case)
    assert main(["run", str(EXAMPLE)]) == 3
    err = capsys.readouterr().err
    assert "Newton diverged at t = 0.5 s" in err and "Traceback" not in err


def test_run_other_error_exit_1(monkeypatch, capsys):
    def run_case(case, **kwargs):
        raise RuntimeError("boom")

    fake_module(monkeypatch, "depsim.run", run_case=run_case)
    assert main(["run", str(EXAMPLE)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["run", str(EXAMPLE), "--log-level", "debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_mesh_delegates(monkeypatch, tmp_path, capsys):
    calls = {}

    def build_mesh(case, comm, save=None):
        calls.update(case=case, comm=comm, save=save)
        return "bundle"

    fake_module(
        monkeypatch, "depsim.geometry", build_mesh=build_mesh, describe_mesh=lambda b: "12 cells"
    )
    assert main(["mesh", str(EXAMPLE), "--out", str(tmp_path / "m.msh")]) == 0
    assert calls["save"] == tmp_path / "m.msh" and calls["comm"].size >= 1
    assert capsys.readouterr().out.strip() == "12 cells"


def test_compare_delegates(monkeypatch, tmp_path):
    calls = {}

    def compare_cases(cases, out_dir=None, **options):
        calls.update(cases=cases, out_dir=out_dir)
        return out_dir

    fake_module(monkeypatch, "depsim.compare", compare_cases=compare_cases)
    base = ROOT / "cases" / "examples" / "base.toml"
    assert main(["compare", str(EXAMPLE), str(base), "--out", str(tmp_path)]) == 0
    assert [c.case.name for c in calls["cases"]] == ["flat_galvanostatic", "base"]


def test_sweep_parses_and_converts(monkeypatch, tmp_path):
    calls = {}

    def run_sweep(case, vary, out_dir=None, **options):
        calls.update(case=case, vary=vary, out_dir=out_dir)
        return out_dir

    fake_module(monkeypatch, "depsim.sweep", run_sweep=run_sweep)
    code = main(
        [
            "sweep",
            str(EXAMPLE),
            "--vary",
            "operation.current_density=0.1 mA/cm^2:1 mA/cm^2:4",
            "--vary",
            "electrode.alpha_a=0.3:0.7:3",
            "--set",
            "electrode.alpha_c=0.5",
            "--out",
            str(tmp_path),
        ]
    )
    # alpha_a = 0.3 with alpha_c = 0.5 violates alpha_a + alpha_c = 1: refused before running
    assert code == 2 and not calls
    code = main(
        ["sweep", str(EXAMPLE), "--vary", "operation.current_density=0.1 mA/cm^2:1 mA/cm^2:4"]
    )
    assert code == 0
    key, start, stop, n = calls["vary"][0]
    assert key == "operation.current_density" and n == 4
    assert (start, stop) == (pytest.approx(1.0), pytest.approx(10.0))


@pytest.mark.parametrize("bad", ["x", "a.b=1:2", "a.b=1:2:0", "a.b=1:2:x"])
def test_parse_vary_errors(bad):
    with pytest.raises(CaseError):
        parse_vary(bad)


def test_sweep_unknown_key_exit_2(monkeypatch, capsys):
    fake_module(monkeypatch, "depsim.sweep", run_sweep=lambda *a, **k: None)
    assert main(["sweep", str(EXAMPLE), "--vary", "time.ned=1:2:3"]) == 2
    assert "time.ned" in capsys.readouterr().err


def test_materials_command(capsys):
    assert main(["materials"]) == 0
    out = capsys.readouterr().out
    assert "PIA" in out and "(assumed)" in out


def test_info_command(capsys):
    pytest.importorskip("petsc4py")
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "depsim" in out and "PETSc" in out and "MPI size" in out and "mumps" in out


def test_set_takes_one_pair_and_keeps_later_case_files(monkeypatch, tmp_path):
    """``--set KEY=VALUE`` takes one pair (repeat it); a case file after it stays a case."""
    seen = {}

    def compare_cases(cases, out_dir=None, quiet=False, log_level="info"):
        seen.update(names=[c.case.name for c in cases], quiet=quiet, level=log_level)
        seen["ends"] = [c.time.end for c in cases]
        return types.SimpleNamespace(output_dir=out_dir)

    fake_module(monkeypatch, "depsim.compare", compare_cases=compare_cases)
    second = tmp_path / "second.toml"
    second.write_text('[case]\nname = "second"\n')
    args = ["compare", str(EXAMPLE), "--set", "time.end=2 s", str(second), "--set", "time.dt=1 ms"]
    assert main([*args, "--out", str(tmp_path / "cmp")]) == 0
    assert seen["names"] == ["flat_galvanostatic", "second"]
    assert seen["ends"] == [pytest.approx(2.0, rel=1e-12)] * 2


@pytest.mark.parametrize("command", ["run", "check", "mesh", "compare", "sweep", "info"])
def test_quiet_and_log_level_on_every_command(command):
    """The README promises --quiet and --log-level for every command."""
    from depsim.cli import build_parser

    extra = {"compare": [str(EXAMPLE)], "info": []}.get(command, [str(EXAMPLE)])
    args = build_parser().parse_args([command, *extra, "--quiet", "--log-level", "debug"])
    assert args.quiet and args.log_level == "debug"


def test_compare_and_sweep_pass_log_options(monkeypatch, tmp_path):
    seen = {}

    def record(name):
        def fn(*args, quiet=False, log_level="info", **kwargs):
            seen[name] = (quiet, log_level)
            return types.SimpleNamespace(output_dir=tmp_path)

        return fn

    fake_module(monkeypatch, "depsim.compare", compare_cases=record("compare"))
    fake_module(monkeypatch, "depsim.sweep", run_sweep=record("sweep"))
    assert main(["compare", str(EXAMPLE), "--quiet"]) == 0
    vary = "electrolyte.temperature=290:300:2"
    assert main(["sweep", str(EXAMPLE), "--vary", vary, "--log-level", "warning"]) == 0
    assert seen == {"compare": (True, "info"), "sweep": (False, "warning")}


@pytest.mark.parametrize(
    "value", ["5_parsecs", "1e", "(", "1 m)", "**", "1/0 m", "m m", "[1,", "exp(1)", "1 degC"]
)
def test_unparseable_set_values_exit_2(capsys, value):
    """No parser error escapes as exit code 1: each bad value names its key."""
    code = main(["check", str(EXAMPLE), "--set", f"electrolyte.concentration={value}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("depsim: error: electrolyte.concentration: ")


def test_check_describes_the_operation(capsys):
    assert main(["check", str(EXAMPLE), "--set", "operation.mode=potentiostatic"]) == 0
    out = capsys.readouterr().out
    assert "# applied potential 0.5 V" in out and "applied current density" not in out
    assert main(["check", str(EXAMPLE)]) == 0
    assert "# applied current density 5 A/m^2" in capsys.readouterr().out
