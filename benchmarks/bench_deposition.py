"""Cost of one deposition (moving-mesh) time step relative to one fixed-mesh step.

Runs the same plating case (cases/examples/deposition_cycle.toml, first step only, fixed dt,
outputs only at the end) with ``electrode.deposition`` false and true, and prints wall time per
step, Newton iterations and LU factorisations per step, and the ratio. The moving mesh adds the
harmonic extension solve, the geometry update and a fresh Jacobian every step (the kept LU of a
fixed mesh cannot be reused once the mesh moves).

    python benchmarks/bench_deposition.py [--steps 40] [--dt 0.05]
    mpirun -n 2 python benchmarks/bench_deposition.py
    python benchmarks/bench_deposition.py --dimension 3 --steps 20
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from tempfile import TemporaryDirectory

# isort: split
from mpi4py import MPI

from depsim.case import load_case
from depsim.run import run_case

CASE = Path(__file__).resolve().parents[1] / "cases/examples/deposition_cycle.toml"


#: a small 3D cell (``--dimension 3``): 4 x 4 x 4 um, one bump, 0.25 um at the Li
OVERRIDES_3D = {
    "geometry.dimension": 3,
    "geometry.width": "4 um",
    "geometry.depth": "4 um",
    "geometry.height": "4 um",
    "geometry.electrode.roughness": "bumps",
    "geometry.electrode.amplitude": "0.2 um",
    "geometry.electrode.bump_width": "1 um",
    "geometry.electrode.count": 1,
    "geometry.mesh.electrode_size": "0.25 um",
    "geometry.mesh.grading_distance": "1 um",
}


def one(deposition: bool, steps: int, dt: float, size: str, tmp: Path, dim: int = 2) -> dict:
    overrides = {
        "electrode.deposition": deposition,
        "operation.steps": [
            {
                "mode": "galvanostatic",
                "current_density": "50 mA/cm^2",
                "duration": f"{steps * dt} s",
            }
        ],
        "time.adaptive": False,
        "time.dt": dt,
        "geometry.mesh.size": size,
        "output.every": 10**6,
        "output.formats": ["vtx"],
        "output.checkpoint_every": 0,
    }
    if dim == 3:
        overrides.update(OVERRIDES_3D)
    case = load_case(CASE, overrides)
    m = run_case(case, out_dir=tmp / f"dep{int(deposition)}", quiet=True).metrics
    return {  # the time loop only: set-up, compilation and the first output are excluded
        "wall_per_step": m["time_loop_wall"] / m["steps"],
        "newton_per_step": m["newton_iterations"] / m["steps"],
        "lu_per_step": m.get("lu_factorisations", float("nan")) / m["steps"],
        "dofs": m["dofs"],
        "steps": m["steps"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--dt", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--meshes", default=None, help="bulk sizes (default 0.5/0.25 um; 3D 0.8 um)")
    ap.add_argument("--dimension", type=int, default=2, choices=(2, 3))
    args = ap.parse_args()
    if args.meshes is None:
        args.meshes = "0.5 um,0.25 um" if args.dimension == 2 else "0.8 um"
    comm = MPI.COMM_WORLD
    rows = []
    with TemporaryDirectory() as d:
        tmp = Path(comm.bcast(d, root=0))
        for size in args.meshes.split(","):
            res = {}
            for dep in (False, True):
                runs = [
                    one(dep, args.steps, args.dt, size, tmp, args.dimension)
                    for _ in range(args.repeat)
                ]
                res[dep] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            rows.append((size, res))
    if comm.rank == 0:
        print(
            f"\n{args.dimension}D, ranks = {comm.size}; {args.steps} steps of {args.dt} s, "
            "time loop only, "
            f"median of {args.repeat}\n"
        )
        print(
            "| bulk size | DOFs | fixed mesh s/step | moving mesh s/step | ratio | Newton/step "
            "(fixed, moving) | LU/step (fixed, moving) |"
        )
        print("|---|---|---|---|---|---|---|")
        for size, r in rows:
            f, m = r[False], r[True]
            print(
                f"| {size} | {f['dofs']:.0f} | {f['wall_per_step']:.4f} | "
                f"{m['wall_per_step']:.4f} | {m['wall_per_step'] / f['wall_per_step']:.2f} | "
                f"{f['newton_per_step']:.2f}, {m['newton_per_step']:.2f} | "
                f"{f['lu_per_step']:.2f}, {m['lu_per_step']:.2f} |"
            )


if __name__ == "__main__":
    main()
