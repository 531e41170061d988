"""The phase-field surface against the ALE (moving-mesh) surface of the same case, before the
first overhang: both runs from one case file, their surfaces compared at every output time.

    python scripts/phase_field_vs_ale.py CASE --out DIR [--ranks N] [--set KEY=VALUE ...] [--reuse]

CASE is a phase-field case (``model.growth = "phase-field"``); the ALE run is the same case with
``model.growth = "ale"``, ``electrode.deposition = true``. Writes ``DIR/pf`` and ``DIR/ale``
(the two runs), ``DIR/comparison.json`` (per output time: the largest difference of the surface
heights over the columns, the amplitudes and the difference relative to the amplitude) and
``DIR/phase_field_vs_ale.png``. docs/phase-field.md section 4b.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def run(case: Path, out: Path, sets: list[str], ranks: int) -> None:
    depsim = Path(sys.executable).parent / "depsim"
    cmd = [str(depsim), "run", str(case), "--out", str(out), "--quiet"]
    for s in sets:
        cmd += ["--set", s]
    if ranks > 1:
        cmd = [str(Path(sys.executable).parent / "mpirun"), "-n", str(ranks), *cmd]
    subprocess.run(cmd, check=True)


def surfaces(pf_dir: Path, ale_dir: Path) -> list[dict]:
    """Per common output time: x, the PF column heights h and the ALE surface y(x) there."""
    pf = np.loadtxt(pf_dir / "surface.csv", delimiter=",", skiprows=1)
    with (ale_dir / "interface.csv").open() as fh:
        names = fh.readline().strip().split(",")
    ale = np.loadtxt(ale_dir / "interface.csv", delimiter=",", skiprows=1)
    ix, iy = names.index("x"), names.index("y")
    out = []
    for t in np.unique(pf[:, 0]):
        near = np.abs(ale[:, 0] - t) <= 1e-9 * max(1.0, abs(t))
        if not near.any():
            continue
        rows = pf[pf[:, 0] == t]
        a = ale[near]
        o = np.argsort(a[:, ix])
        y_ale = np.interp(rows[:, 1], a[o, ix], a[o, iy])
        out.append({"t": float(t), "x": rows[:, 1], "h_pf": rows[:, 2], "h_ale": y_ale})
    return out


def cosine_mode(x: np.ndarray, h: np.ndarray, n: int) -> float:
    """The coefficient of cos(2 pi n x / L) of h(x) on the columns x (trapezoid rule)."""
    L = x.max() - x.min()
    w = np.gradient(x)
    w[[0, -1]] = 0.5 * (x[1] - x[0]), 0.5 * (x[-1] - x[-2])
    return float(2.0 / L * np.sum(w * h * np.cos(2.0 * np.pi * n * (x - x.min()) / L)))


def compare(series: list[dict]) -> list[dict]:
    first = series[0]
    modes = [abs(cosine_mode(first["x"], first["h_ale"], n)) for n in range(1, 9)]
    n = 1 + int(np.argmax(modes))  # the perturbation's mode
    table = []
    for s in series:
        mode_ale = cosine_mode(s["x"], s["h_ale"], n)
        mode_pf = cosine_mode(s["x"], s["h_pf"], n)
        amp = 0.5 * (s["h_ale"].max() - s["h_ale"].min())
        diff = s["h_pf"] - s["h_ale"]
        table.append(
            {
                "t": s["t"],
                "amplitude_ale": float(amp),
                "amplitude_pf": float(0.5 * (s["h_pf"].max() - s["h_pf"].min())),
                "mean_difference": float(diff.mean()),
                "max_difference": float(np.abs(diff).max()),
                # the shape: the difference with the mean shift removed, over the amplitude
                "shape_difference_rel": float(np.abs(diff - diff.mean()).max() / amp),
                # the perturbation's own mode (the grid-scale ripple of section 4b left out)
                "mode": n,
                "mode_amplitude_ale": mode_ale,
                "mode_amplitude_pf": mode_pf,
                "mode_difference_rel": (mode_pf - mode_ale) / abs(mode_ale),
            }
        )
    return table


def figure(series: list[dict], table: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    picks = np.unique(np.linspace(0, len(series) - 1, 4).round().astype(int))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(picks)))
    for k, color in zip(picks, colors, strict=True):
        s = series[k]
        a1.plot(s["x"] * 1e6, s["h_ale"] * 1e6, "-", color=color, label=f"ALE t = {s['t']:.3g} s")
        a1.plot(s["x"] * 1e6, s["h_pf"] * 1e6, "o", ms=2.5, color=color, label="phase field")
    a1.set_xlabel("x (um)")
    a1.set_ylabel("surface height (um)")
    a1.set_title("Li surface: ALE (lines) and phase field (dots)")
    a1.legend(fontsize=7)
    t = [r["t"] for r in table]
    a2.plot(t, [100 * r["shape_difference_rel"] for r in table], "o-", label="shape")
    a2.plot(
        t,
        [100 * abs(r["mean_difference"]) / r["amplitude_ale"] for r in table],
        "s-",
        label="mean height",
    )
    a2.plot(
        t,
        [100 * abs(r["mode_difference_rel"]) for r in table],
        "^-",
        label="the perturbation's cosine mode",
    )
    a2.axhline(2.0, color="k", ls=":", label="2 % of the amplitude")
    a2.set_xlabel("t (s)")
    a2.set_ylabel("|PF - ALE| / amplitude (%)")
    a2.set_title("difference over the amplitude")
    a2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument("--set", dest="sets", action="append", default=[])
    ap.add_argument("--reuse", action="store_true", help="compare the runs already in --out")
    args = ap.parse_args()
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    pf, ale = args.out / "pf", args.out / "ale"
    if not args.reuse:
        run(args.case, pf, args.sets, args.ranks)
        ale_sets = [*args.sets, "model.growth=ale", "electrode.deposition=true"]
        run(args.case, ale, ale_sets, args.ranks)
    series = surfaces(pf, ale)
    table = compare(series)
    (args.out / "comparison.json").write_text(json.dumps(table, indent=1))
    figure(series, table, args.out / "phase_field_vs_ale.png")
    for r in table:
        print(
            f"t = {r['t']:8.4g} s  amplitude ALE {r['amplitude_ale'] * 1e9:8.3f} nm, PF "
            f"{r['amplitude_pf'] * 1e9:8.3f} nm; shape difference "
            f"{100 * r['shape_difference_rel']:6.2f} %, mean {r['mean_difference'] * 1e9:7.3f} nm"
            f"; mode {r['mode']}: {100 * r['mode_difference_rel']:+6.2f} %"
        )


if __name__ == "__main__":
    main()
