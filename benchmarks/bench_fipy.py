"""Whole-process speed against FiPy on a small steady cell at equal error (benchmarks/README.md).

The cell: a binary salt (D+ = 1e-10, D- = 1.5e-10 m^2/s, c0 = 1 M) between a Li surface at
y = 0 and a reservoir (c = c0, phi = 0) at L = 10 um, steady galvanostatic plating at 0.9 of the
limiting current. Exact: c/c0 = 1 - 0.9 (1 - y/L), phi_l = V_T ln(c/c0). Both codes are run as
whole processes, the way a user runs them (interpreter, imports, mesh, solve), each on the
coarsest mesh whose potential is within 1e-4 V_T of the exact one at every solution point
(FiPy: cell centres of a uniform 1D grid; depsim: the nodes of its 2D triangle mesh, read back
from its fields.xdmf):

- FiPy (finite volumes, 1D, the coupled Nernst-Planck pair swept to convergence): 192 cells;
- depsim (``depsim run``, a 1 um wide strip, P1 triangles): element size 0.07 um, with field
  files (``output.formats = ["xdmf"]``) and without (metrics and interface CSV only).

Run (best and median of ``--repeat`` processes each, same session)::

    .venv/bin/pip install -c requirements/constraints.txt -e ".[bench]"   # FiPy, pinned
    .venv/bin/python benchmarks/bench_fipy.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
DEPSIM = [PY, "-m", "depsim"]
FRACTION, DP, DM, C0, L = 0.9, 1.0e-10, 1.5e-10, 1000.0, 10e-6
FARADAY, R, T = 96485.33212, 8.314462618, 298.15
I_LIM = 2.0 * DP * FARADAY * C0 / L  # 2 D+ F c0 / L (dilute, blocked anion)

FIPY = r"""
import json, sys
import numpy as np
from fipy import CellVariable, DiffusionTerm, FaceVariable, Grid1D

N, f, dp, dm = int(sys.argv[1]), {f}, {dp}, 1.0   # y/L in [0, 1], D/D-, c/c0, phi/V_T
mesh = Grid1D(nx=N, dx=1.0 / N)
c = CellVariable(mesh=mesh, value=1.0)
psi = CellVariable(mesh=mesh, value=0.0)
c.constrain(1.0, mesh.facesRight)
psi.constrain(0.0, mesh.facesRight)
plating = (mesh.facesLeft * FaceVariable(mesh=mesh, value=(f * 2.0 * dp,), rank=1)).divergence
for sweep in range(50):
    cf = c.faceValue
    cation = DiffusionTerm(coeff=dp, var=c) + DiffusionTerm(coeff=dp * cf, var=psi) + plating
    anion = DiffusionTerm(coeff=dm, var=c) - DiffusionTerm(coeff=dm * cf, var=psi)
    if (cation & anion).sweep() < 1e-12:
        break
y = mesh.cellCenters[0].value
ce = 1.0 - f * (1.0 - y)
print(json.dumps({{"err_c": float(np.max(np.abs(c.value - ce))),
                  "err_psi": float(np.max(np.abs(psi.value - np.log(ce)))),
                  "sweeps": sweep + 1}}))
""".format(f=FRACTION, dp=DP / DM)  # noqa: UP032 (a script template)

CASE = """
[case]
name = "fipy_cell"
[geometry]
width = "1 um"
height = "10 um"
[geometry.electrode]
roughness = "flat"
[geometry.mesh]
size = "{h} um"
electrode_size = "{h} um"
[electrolyte]
concentration = "{c0} mol/m^3"
D_cation = "{dp} m^2/s"
D_anion = "{dm} m^2/s"
[electrode]
exchange_current_density = "10 A/m^2"
[operation]
current_density = "{i} A/m^2"
[time]
steady = true
[output]
formats = {formats}
"""


def depsim_error(folder: Path) -> dict:
    """Max |c/c0 - exact| and |psi - exact| at the nodes of depsim's fields.xdmf."""
    import meshio
    import numpy as np

    with meshio.xdmf.TimeSeriesReader(str(folder / "fields.xdmf")) as reader:
        points, _ = reader.read_points_cells()
        _, data, _ = reader.read_data(reader.num_steps - 1)
    y = points[:, 1]
    exact = 1.0 - FRACTION * (1.0 - y / y.max())
    vt = R * T / FARADAY
    phi = data["phi"].ravel()
    psi = (phi - phi[np.isclose(y, y.max())].mean()) / vt
    return {
        "err_c": float(np.max(np.abs(data["c_cation"].ravel() / C0 - exact))),
        "err_psi": float(np.max(np.abs(psi - np.log(exact)))),
    }


def timed(cmd: list[str], repeat: int, cwd: Path) -> tuple[float, float, str]:
    times, out = [], ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=True)
        times.append(time.perf_counter() - t0)
        out = proc.stdout
    return min(times), statistics.median(times), out


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fipy-cells", type=int, default=192)
    ap.add_argument("--depsim-size", type=float, default=0.07, help="element size [um]")
    args = ap.parse_args(argv)
    try:
        import fipy  # noqa: F401
    except ImportError:
        raise SystemExit(
            "FiPy is not installed: "
            ".venv/bin/pip install -c requirements/constraints.txt -e '.[bench]'"
        ) from None
    tmp = Path(tempfile.mkdtemp(prefix="bench_fipy_"))
    (tmp / "fipy_cell.py").write_text(FIPY)
    rows = []
    # warm both (JIT cache, pint cache, FiPy's imports) before measuring
    subprocess.run([PY, "fipy_cell.py", "8"], cwd=tmp, check=True, capture_output=True)
    best, med, out = timed([PY, "fipy_cell.py", str(args.fipy_cells)], args.repeat, tmp)
    err = json.loads(out)
    rows.append({"code": f"FiPy {fipy_version()}, {args.fipy_cells} cells", "best": best,
                 "median": med, **err})  # fmt: skip
    err = {}
    for formats in ('["xdmf"]', "[]"):
        case = tmp / f"cell_{len(formats)}.toml"
        case.write_text(CASE.format(h=args.depsim_size, c0=C0, dp=DP, dm=DM,
                                    i=FRACTION * I_LIM, formats=formats))  # fmt: skip
        out_dir = tmp / f"run_{len(formats)}"
        cmd = [*DEPSIM, "run", str(case), "--out", str(out_dir), "--quiet"]
        subprocess.run([*cmd[:-2], str(tmp / "warm"), "--quiet"], check=True, capture_output=True)
        best, med, _ = timed(cmd, args.repeat, ROOT)
        if formats != "[]":  # the same mesh and solve without field files: the same error
            err = depsim_error(out_dir)
        label = f"depsim run, h = {args.depsim_size:g} um, formats = {formats}"
        rows.append({"code": label, "best": best, "median": med, **err})
    print("| process | best [s] | median [s] | max err psi [V_T] | max err c/c0 |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['code']} | {r['best']:.3f} | {r['median']:.3f} | {r['err_psi']:.2e} | "
              f"{r['err_c']:.2e} |")  # fmt: skip
    fipy_best = rows[0]["best"]
    for r in rows[1:]:
        print(f"FiPy / depsim ({r['code']}): {fipy_best / r['best']:.2f} (best of {args.repeat})")
    assert all(r["err_psi"] <= 1e-4 for r in rows), "a run misses the error target 1e-4"
    assert math.isfinite(fipy_best)
    return rows


def fipy_version() -> str:
    import fipy

    return str(fipy.__version__)


if __name__ == "__main__":
    main()
