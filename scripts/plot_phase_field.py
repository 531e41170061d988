"""Morphology series of phase-field runs: the xi = 1/2 contour at several output times, and
the tip height and roughness over time (depsim.plots_phase_field.morphology_series).

    python scripts/plot_phase_field.py RUN_DIR [RUN_DIR ...] --out FIGURE.png [--times N]
        [--labels NAME ...]

One row of panels per run folder (its fields.xdmf and surface.csv). ``depsim compare`` of
phase-field cases writes the same figure as morphology.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from depsim.plots import CaseOutput
from depsim.plots_phase_field import morphology_series


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--times", type=int, default=5)
    ap.add_argument("--labels", nargs="*")
    args = ap.parse_args()
    labels = args.labels or [r.name for r in args.runs]
    cases = [CaseOutput(label, run) for label, run in zip(labels, args.runs, strict=True)]
    print(morphology_series(cases, args.out, args.times))


if __name__ == "__main__":
    main()
