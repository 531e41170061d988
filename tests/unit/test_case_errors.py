"""The bad-input corpus (tests/bad_cases): every file must fail with one clear message.

Each corpus file starts with ``# expect-key: <dotted key>``, the key the error must name, and may
carry ``# set: KEY=VALUE`` lines, passed as overrides (``--set`` on the command line).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from depsim.case import load_case, parse_override
from depsim.errors import CaseError

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_cases"
FILES = sorted(CORPUS.glob("*.toml"))
#: A handful that also go through `depsim run`: validation must fail before any folder exists.
RUN_TOO = {
    "unknown_key_electrolyte.toml",
    "missing_mesh_file.toml",
    "inherits_cycle_a.toml",
    "nan_value.toml",
    "bad_set_key.toml",
}


def _header(path: Path) -> tuple[str, list[str]]:
    key, sets = None, []
    for line in path.read_text().splitlines():
        if line.startswith("# expect-key:"):
            key = line.split(":", 1)[1].strip()
        elif line.startswith("# set:"):
            sets.append(line.split(":", 1)[1].strip())
    assert key, f"{path.name} has no '# expect-key:' header"
    return key, sets


def _depsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "depsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def test_corpus_is_large_enough():
    assert len(FILES) >= 24
    for path in FILES:
        assert path.read_text().startswith("# expect-key:"), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_load_case_raises_naming_the_key(path: Path):
    key, sets = _header(path)
    with pytest.raises(CaseError) as info:
        overrides = dict(parse_override(s) for s in sets)
        load_case(path, overrides=overrides)
    message = str(info.value)
    assert key in message
    assert "\n" not in message


def _commands(path: Path, out: Path) -> list[list[str]]:
    _, sets = _header(path)
    set_args = [a for s in sets for a in ("--set", s)]
    commands = [["check", str(path), *set_args]]
    if path.name in RUN_TOO:
        commands.append(["run", str(path), "--out", str(out), *set_args])
    return commands


#: Runs ``depsim check`` commands in one interpreter (``depsim.cli.main``, as ``python -m
#: depsim`` does, with stdout and stderr captured per command): one start-up, not one per file.
_CHECK_BATCH = """
import contextlib, io, json, os, sys
from depsim.cli import main
out = []
for cwd, args in json.load(sys.stdin):
    os.chdir(cwd)
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
        try:
            code = main(args)
        except SystemExit as exc:
            code = exc.code
    out.append([code, o.getvalue(), e.getvalue()])
json.dump(out, sys.__stdout__)
"""


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory):
    """Every corpus command, keyed by file name: the ``check`` commands in one batch process,
    the ``run`` commands (RUN_TOO) each in its own ``python -m depsim`` process."""
    jobs = []
    for path in FILES:
        cwd = tmp_path_factory.mktemp(path.stem)
        for args in _commands(path, cwd / "out"):
            jobs.append((path.name, cwd, args))
    checks = [j for j in jobs if j[2][0] == "check"]
    runs = [j for j in jobs if j[2][0] != "check"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    batch = subprocess.run(
        [sys.executable, "-c", _CHECK_BATCH],
        input=json.dumps([[str(cwd), args] for _, cwd, args in checks]),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert batch.returncode == 0, batch.stderr[-3000:]
    procs = {
        id(job): subprocess.CompletedProcess(job[2], code, out, err)
        for job, (code, out, err) in zip(checks, json.loads(batch.stdout), strict=True)
    }
    for job in runs:
        procs[id(job)] = _depsim(*job[2], cwd=job[1])
    results: dict[str, list] = {}
    for job in jobs:
        name, cwd, args = job
        results.setdefault(name, []).append((args, cwd, procs[id(job)]))
    return results


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_cli_reports_one_line_and_exit_2(path: Path, cli_results):
    key, _ = _header(path)
    for args, cwd, proc in cli_results[path.name]:
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("depsim: error: ")
        assert key in lines[0]
        assert "Traceback" not in proc.stderr + proc.stdout
        assert not (cwd / "out").exists()
        assert not (cwd / "results").exists()
