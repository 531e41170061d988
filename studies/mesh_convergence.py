"""Mesh-convergence study of the compared interface metrics (issue: paper reproduction).

Runs each case at a sequence of meshes, refining the bulk and the electrode element sizes
together by a factor ``ratio`` per level, and reports for every metric the change between
successive levels and a Richardson estimate of the remaining discretisation error of the finest
mesh (observed order p from three levels; error ~ |f_h - f_h/2| / (ratio^p - 1)).

    python studies/mesh_convergence.py cases/paper/pp.toml cases/paper/pia.toml \
        --levels 4 --out results/mesh_convergence [--set time.steady=true]

Writes ``mesh_convergence.csv``, ``mesh_convergence.md`` and ``mesh_convergence.png`` (the
metrics against the electrode element size, one line per case). Compare the finest-level error
estimates with the differences between the cases: those must be much larger for a comparison
to mean anything.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

# isort: split
from mpi4py import MPI

from depsim.case import load_case, parse_override
from depsim.run import run_case

METRICS = ("i_max_over_mean", "i_cv", "c_surface_min_over_c0", "E_t_rms", "cell_potential")


def run_levels(path: str, levels: int, ratio: float, out: Path, overrides: dict) -> list[dict]:
    base = load_case(path, overrides)
    size, esize = base.geometry.mesh.size, base.geometry.mesh.electrode_size
    rows = []
    for level in range(levels):
        f = ratio**level
        ov = {
            **overrides,
            "geometry.mesh.size": size / f,
            "geometry.mesh.electrode_size": esize / f,
            "output.formats": ["vtx"],
            "output.every": 1000000,
        }
        case = load_case(path, ov)
        folder = out / f"{case.case.name}_L{level}"
        result = run_case(case, out_dir=folder, quiet=True)
        m = result.metrics
        row = {
            "case": case.case.name,
            "level": level,
            "size": size / f,
            "electrode_size": esize / f,
            "dofs": m.get("dofs"),
            "cells": m.get("cells"),
        }
        row.update({k: m.get(k) for k in METRICS})
        rows.append(row)
    return rows


def richardson(values: list[float], ratio: float) -> tuple[float | None, float | None]:
    """(observed order, error estimate of the finest value) from the last three levels."""
    if len(values) < 3 or any(v is None for v in values[-3:]):
        return None, None
    a, b, c = values[-3:]
    d1, d2 = b - a, c - b
    if d2 == 0.0:
        return math.inf, 0.0
    if d1 == 0.0 or d1 * d2 < 0:
        return None, abs(d2)  # not in the asymptotic range: report the last change
    p = math.log(abs(d1 / d2)) / math.log(ratio)
    if p <= 0.5:
        return None, abs(d2)  # differences not shrinking: report the last change
    return p, abs(d2) / (ratio**p - 1.0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="+")
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--ratio", type=float, default=math.sqrt(2.0))
    ap.add_argument("--out", default="results/mesh_convergence")
    ap.add_argument("--set", dest="overrides", action="append", default=[])
    args = ap.parse_args(argv)
    comm = MPI.COMM_WORLD
    out = Path(args.out)
    overrides = dict(parse_override(s) for s in args.overrides)
    rows = []
    for path in args.cases:
        rows += run_levels(path, args.levels, args.ratio, out, overrides)
    if comm.rank != 0:
        return 0
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "mesh_convergence.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lines = [
        "# Mesh convergence",
        "",
        f"Element sizes refined by {args.ratio:.3g} per level; error = Richardson estimate "
        "of the finest level's discretisation error (observed order p).",
        "",
        "| case | metric | finest value | p | error estimate | relative |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    summary = {}
    for name in dict.fromkeys(r["case"] for r in rows):
        sub = [r for r in rows if r["case"] == name]
        for key in METRICS:
            vals = [r[key] for r in sub]
            p, err = richardson(vals, args.ratio)
            fin = vals[-1]
            rel = err / abs(fin) if err is not None and fin else None
            summary[(name, key)] = (fin, p, err, rel)
            lines.append(
                f"| {name} | {key} | {fin:.6g} | {'-' if p is None else f'{p:.2f}'} | "
                f"{'-' if err is None else f'{err:.2e}'} | "
                f"{'-' if rel is None else f'{rel:.1e}'} |"
            )
    (out / "mesh_convergence.md").write_text("\n".join(lines) + "\n")
    (out / "mesh_convergence.json").write_text(
        json.dumps({f"{k[0]}:{k[1]}": v for k, v in summary.items()}, indent=1)
    )
    _plot(rows, out / "mesh_convergence.png")
    print("\n".join(lines))
    return 0


def _plot(rows, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ("i_max_over_mean", "i_cv", "c_surface_min_over_c0")
    fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.6), constrained_layout=True)
    for name in dict.fromkeys(r["case"] for r in rows):
        sub = [r for r in rows if r["case"] == name]
        h = [r["electrode_size"] * 1e9 for r in sub]
        for ax, key in zip(axes, keys, strict=True):
            ax.plot(h, [r[key] for r in sub], "o-", label=name)
    for ax, key in zip(axes, keys, strict=True):
        ax.set_xscale("log")
        ax.invert_xaxis()
        ax.set_xlabel("element size at the Li (nm)")
        ax.set_title(key)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.savefig(path, dpi=130)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
