"""Figures of phase-field runs (``model.growth = "phase-field"``): the Li surface's morphology.

:func:`morphology_series` draws, for each run, the xi = 1/2 contour at several output times (from
``fields.xdmf``, read with meshio) beside its tip height and roughness over time (from
``surface.csv``): one row of panels per run. ``depsim compare`` writes it as ``morphology.png``
when its cases are phase-field runs; ``scripts/plot_phase_field.py`` draws it for any folders.
Needs no dolfinx and no MPI (call it on one rank).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from depsim.plots import L_SCALE, CaseOutput, empty_panel, pyplot, save_figure

__all__ = ["contours", "is_phase_field_run", "morphology_series", "surface_series"]


def is_phase_field_run(folder: Path) -> bool:
    """Whether ``folder`` holds a phase-field run (its ``surface.csv``)."""
    return (Path(folder) / "surface.csv").exists()


def contours(folder: Path, n_times: int):
    """(triangulation [um], [(t, xi at the nodes), ...]) at ``n_times`` output times spread
    over the run (2D quadrilateral cells)."""
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")  # a run that is still writing
    import meshio
    from matplotlib.tri import Triangulation

    reader = meshio.xdmf.TimeSeriesReader(Path(folder) / "fields.xdmf")
    points, cells = reader.read_points_cells()
    quads = np.concatenate([c.data for c in cells if c.type == "quad"])
    tri = Triangulation(
        points[:, 0] * L_SCALE,
        points[:, 1] * L_SCALE,
        np.vstack([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]),
    )
    picks = np.unique(np.linspace(0, reader.num_steps - 1, n_times).round().astype(int))
    series = []
    for k in picks:
        t, point_data, _ = reader.read_data(int(k))
        series.append((t, point_data["xi"]))
    return tri, series


def surface_series(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t [s], tip height [m], roughness RMS [m]) per output time of ``surface.csv`` (the RMS of
    the column heights with equal weights)."""
    data = np.loadtxt(Path(folder) / "surface.csv", delimiter=",", skiprows=1, ndmin=2)
    ts = np.unique(data[:, 0])
    tip, rough = [], []
    for t in ts:
        rows = data[data[:, 0] == t]
        h = rows[:, 2]
        tip.append(rows[:, 3].max())
        rough.append(np.sqrt(np.mean((h - h.mean()) ** 2)))
    return ts, np.array(tip), np.array(rough)


def morphology_series(cases: Sequence[CaseOutput], path: Path, n_times: int = 5) -> Path:
    """One row per run: the xi = 1/2 contours at ``n_times`` times, and tip height and roughness
    against time. A run without fields or surface data gets an empty panel saying so."""
    plt = pyplot()
    fig, axes = plt.subplots(len(cases), 2, figsize=(11, 3.6 * len(cases)), squeeze=False)
    for row, case in enumerate(cases):
        ax_c, ax_t = axes[row]
        if not is_phase_field_run(case.folder):
            empty_panel(ax_c, f"{case.label}: not a phase-field run")
            empty_panel(ax_t, "")
            continue
        tri, series = contours(case.folder, n_times)
        colors = plt.cm.viridis(np.linspace(0, 0.9, len(series)))
        for (t, xi), color in zip(series, colors, strict=True):
            ax_c.tricontour(tri, xi, levels=[0.5], colors=[color], linewidths=1.2)
            ax_c.plot([], [], color=color, label=f"t = {t:.3g} s")
        # the band the surface moved through (the cell above it is plain electrolyte)
        ys = np.concatenate([tri.y[(xi > 0.05) & (xi < 0.95)] for _, xi in series])
        if ys.size:
            pad = 0.25 * max(float(np.ptp(ys)), 0.5)
            ax_c.set_ylim(float(ys.min()) - pad, float(ys.max()) + pad)
        ax_c.set_aspect("equal")
        ax_c.set_xlabel("x (µm)")
        ax_c.set_ylabel("y (µm)")
        ax_c.set_title(f"{case.label}: Li surface (ξ = 1/2)")
        ax_c.legend(fontsize=7, loc="upper right")
        ts, tip, rough = surface_series(case.folder)
        ax_t.plot(ts, tip * L_SCALE, label="tip height (µm)")
        ax_t.plot(ts, rough * L_SCALE, label="roughness RMS (µm)")
        ax_t.set_xlabel("t (s)")
        ax_t.set_title(f"{case.label}: tip height and roughness")
        ax_t.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
