"""Plot how a moving Li surface and its current evolve, from the ``interface.csv`` of runs.

For each run folder: the surface y(x) at a few times (left) and the CV of the plating current
i_n along the surface against time (right). Works on runs that stopped early (the file is
written as the run goes). 2D runs (columns ``t, s, x, y, i_n, ...``).

Usage::

    python scripts/plot_interface_history.py RUN_DIR [RUN_DIR ...] --out figure.png
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import defaultdict
from pathlib import Path


def read_history(folder: Path) -> dict[float, list[tuple[float, float, float]]]:
    """{t [s]: [(x, y, i_n), ...]} from ``folder/interface.csv`` (SI)."""
    rows: dict[float, list[tuple[float, float, float]]] = defaultdict(list)
    with open(folder / "interface.csv") as fh:
        for d in csv.DictReader(fh):
            rows[float(d["t"])].append((float(d["x"]), float(d["y"]), float(d["i_n"])))
    return dict(sorted(rows.items()))


def cv(values: list[float]) -> float:
    """Coefficient of variation (population standard deviation / mean) [-]."""
    m = sum(values) / len(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / len(values)) / abs(m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--shapes", type=int, default=5, help="surface shapes drawn per run")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(args.runs), 2, figsize=(11, 3.6 * len(args.runs)), squeeze=False)
    for row, folder in zip(axes, args.runs, strict=True):
        hist = read_history(folder)
        times = list(hist)
        picks = [times[round(k * (len(times) - 1) / max(args.shapes - 1, 1))] for k in
                 range(args.shapes)]  # fmt: skip
        for t in dict.fromkeys(picks):
            pts = sorted(hist[t])
            row[0].plot(
                [p[0] * 1e6 for p in pts], [p[1] * 1e6 for p in pts], label=f"t = {t:.1f} s"
            )
        row[0].set_xlabel("x [um]")
        row[0].set_ylabel("Li surface y [um]")
        row[0].set_title(folder.name)
        row[0].legend(fontsize=7)
        row[1].plot(times, [cv([p[2] for p in hist[t]]) for t in times], ".-")
        row[1].set_xlabel("t [s]")
        row[1].set_ylabel("CV of i_n along the Li")
        row[1].set_yscale("log")
        row[1].grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(args.out)


if __name__ == "__main__":
    main()
