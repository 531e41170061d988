"""The paper's cell with the diffuse layer resolved: Poisson against electroneutral.

Runs the cases of Ding et al. (PNAS 2023) with ``model.charge = "electroneutral"`` and with
``"poisson"`` (dilute ions, and Bikerman's finite ion size ``model.ion_size`` = 0.5 nm, ASSUMED),
on the anisotropic boundary-layer mesh that resolves lambda_D ~ 0.1 nm at the Li
(depsim.geometry.boundary_layer), and writes

- ``docs/figures/paper_poisson_check.csv`` and a markdown table on stdout: CV of i_n, c_s/c0,
  mean current and cell potential per case and charge model;
- ``docs/figures/paper_space_charge.png``: c+, c- and the space charge next to the Li at the end
  of the 0.5 V runs, against the distance from the Li, above a bump valley.

Usage (serial; each Poisson run takes minutes)::

    python scripts/paper_poisson_check.py [--end 120] [--only galvanostatic|potentiostatic]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: split
import numpy as np
from mpi4py import MPI

from depsim.case import load_case
from depsim.physics import steric
from depsim.runner import Run

ROOT = Path(__file__).resolve().parents[1]
FIG = ROOT / "docs/figures"
ION_SIZE = "0.5 nm"  # ASSUMED solvated-ion size (nu = 2 a^3 N_A c0 = 0.38 at 2.5 mol/L)

CASES = {
    "galvanostatic": ["pp.toml", "pia.toml", "charged/pia.toml"],
    "potentiostatic": ["potentiostatic/pp.toml", "potentiostatic/pia.toml",
                       "charged/potentiostatic/pia.toml"],
}  # fmt: skip
MODELS = {
    "electroneutral": {},
    "poisson": {"model.charge": "poisson"},
    "poisson+bikerman": {"model.charge": "poisson", "model.ion_size": ION_SIZE},
}


def run_one(path: Path, overrides: dict, end: float, out: Path):
    """Run one case; returns (metrics, problem)."""
    case = load_case(path, {**overrides, "time.end": f"{end} s"})
    run = Run(case, out_dir=out, quiet=True, comm=MPI.COMM_WORLD)
    try:
        run.build()
        run.initialise()
        run.advance()
        problem = run.sim.problem
        result = run.finalise()
    finally:
        run.close()
    return result.metrics, problem


def layer_profile(problem, x0: float, depth: float = 20e-9):
    """(distance from the Li [m], c+/c0, c-/c0, z_X X/c0) along the vertical mesh line nearest
    x0 within ``depth`` of the Li (Poisson problems; serial)."""
    V0, dofs0 = problem.W.sub(0).collapse()
    _, dofs1 = problem.W.sub(1).collapse()
    dofs0 = np.asarray(dofs0, dtype=np.int64).reshape(-1)
    dofs1 = np.asarray(dofs1, dtype=np.int64).reshape(-1)
    X = V0.tabulate_dof_coordinates()
    xs = np.unique(np.round(X[:, 0], 15))
    xl = xs[np.argmin(np.abs(xs - x0))]
    line = np.where(np.abs(X[:, 0] - xl) < 1e-15)[0]
    y = X[line, 1]
    order = np.argsort(y)
    line, y = line[order], y[order]
    d = y - y[0]
    keep = d <= depth
    u_p = problem.U.x.array[dofs0[line[keep]]]
    u_m = problem.U.x.array[dofs1[line[keep]]]
    cp, cm = steric.concentrations(u_p, u_m, problem.packing)
    fixed = 0.0  # z_X X / c0 of a matrix filling the cell (a Constant), else 0
    if problem.fixed_hat is not None and hasattr(problem.fixed_hat, "value"):
        fixed = float(problem.fixed_hat.value) * float(problem.z_fixed.value)
    return d[keep], cp, cm, fixed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--end", type=float, default=120.0, help="end time [s]")
    ap.add_argument("--only", choices=sorted(CASES), default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "results/paper_poisson")
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    args = ap.parse_args()
    rows, profiles = [], {}
    for mode, files in CASES.items():
        if args.only and mode != args.only:
            continue
        for name in files:
            for model, overrides in MODELS.items():
                if model not in args.models.split(","):
                    continue
                tag = f"{name.replace('/', '_').removesuffix('.toml')}_{model}"
                try:
                    m, pb = run_one(ROOT / "cases/paper" / name, overrides, args.end,
                                    args.out / tag)  # fmt: skip
                    status = m["status"]
                except Exception as err:  # a failed run is a result: report it
                    m, pb, status = {}, None, f"failed: {type(err).__name__}: {err}"[:120]
                rows.append({
                    "case": name, "model": model, "status": status,
                    "t": m.get("t"), "i_cv": m.get("i_cv"),
                    "c_s_over_c0": m.get("c_surface_min_over_c0"),
                    "i_mean_A_m2": m.get("i_mean"), "cell_potential_V": m.get("cell_potential"),
                    "dofs": m.get("dofs"),
                })  # fmt: skip
                print(rows[-1], flush=True)
                if pb is not None and model != "electroneutral" and mode == "potentiostatic":
                    profiles[f"{name} ({model})"] = layer_profile(pb, x0=3.4e-6)
    FIG.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.only is None else f"_{args.only}"
    if args.models != ",".join(MODELS):
        suffix += "_" + args.models.replace(",", "_").replace("+", "_")
    with open(FIG / f"paper_poisson_check{suffix}.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("| case | model | status | CV of i_n | c_s/c0 | mean i [A/m^2] | V [V] |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        f = {k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()}
        print(f"| {f['case']} | {f['model']} | {f['status']} | {f['i_cv']} | "
              f"{f['c_s_over_c0']} | {f['i_mean_A_m2']} | {f['cell_potential_V']} |")  # fmt: skip
    if profiles:
        plot_profiles(profiles, FIG / "paper_space_charge.png")


def plot_profiles(profiles: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, (d, cp, cm, fixed) in profiles.items():
        line = axes[0].semilogy(d * 1e9, cp, label=f"c+ {label}")[0]
        axes[0].semilogy(d * 1e9, np.maximum(cm, 1e-12), "--", color=line.get_color())
        axes[1].plot(d * 1e9, cp - cm + fixed, color=line.get_color(), label=label)
    with open(path.with_suffix(".csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case", "distance_m", "c_plus_over_c0", "c_minus_over_c0", "fixed_over_c0"])
        for label, (d, cp, cm, fixed) in profiles.items():
            for row in zip(d, cp, cm, strict=True):
                w.writerow([label, *row, fixed])
    axes[0].set_xlabel("distance from the Li [nm]")
    axes[0].set_ylabel("c / c0 (solid: Li+, dashed: anion)")
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("distance from the Li [nm]")
    axes[1].set_ylabel("space charge (c+ - c- + z_X X) / c0")
    axes[1].axhline(0.0, color="k", lw=0.5)
    axes[1].legend(fontsize=7)
    fig.suptitle("Next to the Li at 0.5 V (paper cell, above a valley, end of the run)")
    fig.tight_layout()
    fig.savefig(path, dpi=130)


if __name__ == "__main__":
    main()
