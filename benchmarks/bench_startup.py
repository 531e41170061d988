"""Start-up cost of a small depsim run: where the seconds of a tiny steady case go.

A sweep of many small cases, or a scripted study, pays the start-up of every run. This script
times, as whole processes (minimum and median over ``--repeat`` runs):

- ``python -c pass`` (the interpreter alone; the baseline of the table),
- ``import depsim`` (with the wheel's MPI/dolfinx bootstrap),
- ``depsim check CASE`` (import, unit registry, validation),
- ``depsim run CASE`` for a tiny steady case (2 um x 2 um, coarse mesh, no field files),

and, inside one process, the phases of ``depsim run``: imports, loading the case, building the
mesh (gmsh), building the problem (forms from the JIT cache), the steady solve and the output
folder. The case with a separator adds the virtual separator measurement.

Run::

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CASE = """
[case]
name = "tiny"
[geometry]
width = "2 um"
height = "2 um"
[geometry.mesh]
size = "0.5 um"
electrode_size = "0.25 um"
[time]
steady = true
[output]
formats = []
"""

PHASES = r"""
import json, sys, time
t0 = time.perf_counter()
import depsim
t1 = time.perf_counter()
import dolfinx.fem.petsc  # noqa: F401  (what a run imports next)
t2 = time.perf_counter()
from depsim.case import load_case
case = load_case(sys.argv[1], {"output.dir": sys.argv[2]})
t3 = time.perf_counter()
from mpi4py import MPI
from depsim.geometry import build_mesh
from depsim.run import build_problem
bundle = build_mesh(case, MPI.COMM_WORLD)
t4 = time.perf_counter()
build_problem(case, MPI.COMM_WORLD, bundle=bundle)
t5 = time.perf_counter()
r = depsim.run(case, out_dir=sys.argv[2], quiet=True)
t6 = time.perf_counter()
m = r.metrics
print("PHASES " + json.dumps({
    "import depsim": t1 - t0, "import dolfinx.fem.petsc": t2 - t1, "load_case": t3 - t2,
    "mesh (gmsh)": t4 - t3, "problem (forms)": t5 - t4, "depsim.run (all of it)": t6 - t5,
    "  of which Newton": m.get("newton_time"),
}))
"""


def timed(cmd: list[str], repeat: int) -> tuple[float, float]:
    """(min, median) wall time [s] of ``cmd`` as a whole process."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="depsim_startup_"))
    case = tmp / "tiny.toml"
    case.write_text(CASE)
    sep = tmp / "tiny_sep.toml"
    sep.write_text(
        CASE.replace('name = "tiny"', 'name = "tiny_sep"') + '[separator]\nmaterial = "PIA"\n'
    )
    depsim = [PY, "-m", "depsim"]
    timed([*depsim, "run", str(case), "--out", str(tmp / "warm"), "--quiet"], 1)  # JIT cache
    timed([*depsim, "run", str(sep), "--out", str(tmp / "warm_sep"), "--quiet"], 1)
    rows = [
        ("python -c pass", [PY, "-c", "pass"]),
        ("python -c 'import depsim'", [PY, "-c", "import depsim"]),
        ("depsim check tiny", [*depsim, "check", str(case)]),
        ("depsim run tiny", [*depsim, "run", str(case), "--out", str(tmp / "a"), "--quiet"]),
        ("depsim run tiny + PIA", [*depsim, "run", str(sep), "--out", str(tmp / "b"), "--quiet"]),
    ]
    print(f"| command ({args.repeat} runs) | min [s] | median [s] |")
    print("| --- | ---: | ---: |")
    for name, cmd in rows:
        lo, med = timed(cmd, args.repeat)
        print(f"| {name} | {lo:.3f} | {med:.3f} |")
    for name, case_file in (("tiny", case), ("tiny + PIA", sep)):
        out = subprocess.run(
            [PY, "-c", PHASES, str(case_file), str(tmp / f"p_{case_file.stem}")],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        phases = json.loads(next(ln for ln in out.splitlines() if ln.startswith("PHASES "))[7:])
        print(f"\nphases of one run in one process, {name}:\n")
        print("| phase | s |\n| --- | ---: |")
        for k, v in phases.items():
            print(f"| {k} | {'-' if v is None else f'{v:.3f}'} |")


if __name__ == "__main__":
    main()
