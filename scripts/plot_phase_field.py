"""Morphology series of a phase-field run: the xi = 1/2 contour at several output times, and
the surface metrics over time.

    python scripts/plot_phase_field.py RUN_DIR [RUN_DIR ...] --out FIGURE.png [--times N]

Each run folder's ``fields.xdmf`` (meshio) gives xi; ``metrics.json`` (when the run has ended)
or ``surface.csv`` gives tip height and roughness. One row of panels per run.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")  # read a run that is still writing

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import meshio  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.tri import Triangulation  # noqa: E402


def contours(run: Path, n_times: int):
    reader = meshio.xdmf.TimeSeriesReader(run / "fields.xdmf")
    points, cells = reader.read_points_cells()
    quads = np.concatenate([c.data for c in cells if c.type == "quad"])
    tri = Triangulation(
        points[:, 0] * 1e6,
        points[:, 1] * 1e6,
        np.vstack([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]),
    )
    picks = np.unique(np.linspace(0, reader.num_steps - 1, n_times).round().astype(int))
    out = []
    for k in picks:
        t, point_data, _ = reader.read_data(int(k))
        out.append((t, point_data["xi"]))
    return tri, out


def surface_series(run: Path):
    data = np.loadtxt(run / "surface.csv", delimiter=",", skiprows=1)
    ts = np.unique(data[:, 0])
    tip, rough = [], []
    for t in ts:
        rows = data[data[:, 0] == t]
        h = rows[:, 2]
        tip.append(rows[:, 3].max())
        rough.append(np.sqrt(np.mean((h - h.mean()) ** 2)))
    return ts, np.array(tip), np.array(rough)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--times", type=int, default=5)
    ap.add_argument("--labels", nargs="*")
    args = ap.parse_args()
    labels = args.labels or [r.name for r in args.runs]
    fig, axes = plt.subplots(len(args.runs), 2, figsize=(11, 3.6 * len(args.runs)), squeeze=False)
    for row, (run, label) in enumerate(zip(args.runs, labels, strict=True)):
        tri, series = contours(run, args.times)
        ax = axes[row, 0]
        colors = plt.cm.viridis(np.linspace(0, 0.9, len(series)))
        for (t, xi), color in zip(series, colors, strict=True):
            ax.tricontour(tri, xi, levels=[0.5], colors=[color], linewidths=1.2)
            ax.plot([], [], color=color, label=f"t = {t:.3g} s")
        ax.set_aspect("equal")
        ax.set_xlabel("x (um)")
        ax.set_ylabel("y (um)")
        ax.set_title(f"{label}: Li surface (xi = 1/2)")
        ax.legend(fontsize=7, loc="upper right")
        ts, tip, rough = surface_series(run)
        ax = axes[row, 1]
        ax.plot(ts, tip * 1e6, label="tip height (um)")
        ax.plot(ts, rough * 1e6, label="roughness RMS (um)")
        ax.set_xlabel("t (s)")
        ax.set_title(f"{label}: tip height and roughness")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(args.out)


if __name__ == "__main__":
    main()
