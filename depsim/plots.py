"""Figures of ``depsim compare`` and ``depsim sweep`` (matplotlib, Agg backend, PNG).

Every function reads the output folders of finished (or failed) runs -- ``interface.csv``,
``fields.xdmf``, ``metrics.json`` -- and writes one PNG; it needs no dolfinx and no MPI (call it
on one rank). Units on the figures: lengths in um, current densities in mA/cm^2, concentrations
in mol/L, potentials in mV, fields in V/m.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CaseOutput",
    "field_maps",
    "interface_profiles",
    "last_interface",
    "nonuniformity_vs_time",
    "read_last_fields",
]

I_SCALE, I_UNIT = 0.1, "mA/cm$^2$"  # A/m^2 -> mA/cm^2
C_SCALE, C_UNIT = 1e-3, "mol/L"  # mol/m^3 -> mol/L
L_SCALE, L_UNIT = 1e6, "µm"  # m -> um
PHI_SCALE, PHI_UNIT = 1e3, "mV"  # V -> mV
DPI = 150


@dataclass
class CaseOutput:
    """One run to draw: its label, output folder and status ("finished", "failed", ...)."""

    name: str
    folder: Path
    status: str = "finished"

    @property
    def label(self) -> str:
        return self.name if self.status == "finished" else f"{self.name} ({self.status})"


def pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)
    return path


def line_colors(n: int):
    plt = pyplot()
    cmap = plt.get_cmap("tab10" if n <= 10 else "viridis")
    return [cmap(k if n <= 10 else k / max(n - 1, 1)) for k in range(n)]


def empty_panel(ax, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=9,
        color="0.4",
        wrap=True,
    )
    ax.set_xticks([])
    ax.set_yticks([])


# --------------------------------------------------------------------------------------------
# Reading run outputs


def last_interface(folder: Path) -> tuple[float, dict[str, np.ndarray]] | None:
    """The rows of the last output time of ``folder/interface.csv``, ordered along the
    electrode (by arc length ``s``, or by ``x`` where ``s`` is absent or NaN, as in 3D where the
    columns are ``t,x,y,z,...``): (t, column -> array)."""
    path = Path(folder) / "interface.csv"
    if not path.is_file():
        return None
    with path.open() as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        rows = [r for r in reader if r]
    if not header or not rows:
        return None
    data = np.array(rows, dtype=float)
    cols = {h: data[:, k] for k, h in enumerate(header)}
    t_last = cols["t"].max()
    sel = cols["t"] == t_last
    out = {h: v[sel] for h, v in cols.items()}
    key = out["s"] if "s" in out and np.isfinite(out["s"]).all() else out.get("x")
    if key is not None:
        order = np.argsort(key, kind="stable")
        out = {h: v[order] for h, v in out.items()}
    return float(t_last), out


def read_last_fields(folder: Path, names: Sequence[str] = ("phi", "c_cation")):
    """The mesh and point data of the last step of ``folder/fields.xdmf`` (meshio).

    Returns (t, points (n, 3) in m, triangles (m, 3), {name: values}) or None when the file is
    missing or the mesh is not a 2D triangle mesh. A ``displacement`` field (moving Li surface)
    is added to the points.
    """
    import meshio

    path = Path(folder) / "fields.xdmf"
    if not path.is_file():
        return None
    with meshio.xdmf.TimeSeriesReader(str(path)) as reader:
        points, cells = reader.read_points_cells()
        if reader.num_steps == 0:
            return None
        t, point_data, _ = reader.read_data(reader.num_steps - 1)
    tris = [c.data[:, :3] for c in cells if c.type in ("triangle", "triangle6")]
    if not tris:
        return None
    points = np.asarray(points, dtype=float)
    if points.shape[1] == 2:
        points = np.column_stack([points, np.zeros(len(points))])
    disp = point_data.get("displacement")
    if disp is not None:
        points = points + np.asarray(disp)[:, :3]
    data = {
        n: np.asarray(point_data[n], dtype=float).reshape(len(points), -1)[:, 0]
        for n in names
        if n in point_data
    }
    return float(t), points, np.vstack(tris), data


def _metrics(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / "metrics.json").read_text())
    except (OSError, ValueError):
        return None


def _series(m: dict, key: str) -> np.ndarray:
    vals = (m.get("time_series") or {}).get(key) or []
    return np.array([np.nan if v is None else float(v) for v in vals])


# --------------------------------------------------------------------------------------------
# Comparison figures


def interface_profiles(cases: Sequence[CaseOutput], path: Path) -> Path:
    """Plating current density i_n (mA/cm^2, top) and surface concentration c+ (mol/L, bottom)
    along the electrode (x in um) at the last output time, all cases on one axis each."""
    plt = pyplot()
    fig, (ax_i, ax_c) = plt.subplots(2, 1, figsize=(7.0, 6.4), sharex=True, constrained_layout=True)
    drawn = 0
    for case, color in zip(cases, line_colors(len(cases)), strict=True):
        got = last_interface(case.folder)
        if got is None:
            continue
        t, d = got
        x = d["x"] * L_SCALE
        style = "-" if case.status == "finished" else "--"
        if "z" in d or ("s" in d and not np.isfinite(d["s"]).any()):  # 3D: a cloud, not a line
            style = "."
        label = f"{case.label}, t = {t:.4g} s"
        ax_i.plot(x, d["i_n"] * I_SCALE, style, color=color, lw=1.6, ms=2, label=label)
        ax_c.plot(x, d["c_cation"] * C_SCALE, style, color=color, lw=1.6, ms=2, label=label)
        drawn += 1
    if drawn == 0:
        empty_panel(ax_i, "no interface.csv found")
        empty_panel(ax_c, "no interface.csv found")
    else:
        ax_i.set_ylabel(f"plating current density $i_n$ [{I_UNIT}]")
        ax_c.set_ylabel(f"surface concentration $c_+$ [{C_UNIT}]")
        ax_c.set_xlabel(f"position along the electrode $x$ [{L_UNIT}]")
        ax_i.set_title("Along the Li surface, last output time")
        for ax in (ax_i, ax_c):
            ax.grid(True, alpha=0.3)
            ax.ticklabel_format(axis="y", useOffset=False)
        ax_i.legend(fontsize=8, loc="best")
    return save_figure(fig, path)


def field_maps(cases: Sequence[CaseOutput], path: Path, shared_scale: bool = False) -> Path:
    """Maps of the electrolyte potential phi (mV, top row) and the Li+ concentration c+ (mol/L,
    middle row), one column per case, last output step of ``fields.xdmf``, and the plating
    current density i_n (mA/cm^2) along the Li (bottom row), as in Fig. 4E-J of Ding et al. 2023.

    Each panel has its own colour scale (and its own i_n axis), so that the variation inside one
    case is visible even when the cases differ by orders of magnitude; ``shared_scale=True`` puts
    every panel of a row on one scale instead. Equal aspect, axes in um, phi contour lines."""
    plt = pyplot()
    loaded = []
    for case in cases:
        try:
            got = read_last_fields(case.folder)
        except Exception:  # noqa: BLE001 - draw the other cases
            got = None
        loaded.append(got)
    ok = [g for g in loaded if g is not None]
    rows = (
        ("phi", "$\\phi$", PHI_SCALE, PHI_UNIT, "viridis"),
        ("c_cation", "$c_+$", C_SCALE, C_UNIT, "magma"),
    )
    shared = {
        key: _value_range([g[3][key] * sc for g in ok if key in g[3]]) for key, _, sc, _, _ in rows
    }
    if ok:
        p = ok[0][1]
        aspect = float(np.ptp(p[:, 1]) / max(np.ptp(p[:, 0]), 1e-300))
    else:
        aspect = 0.8
    n = max(len(cases), 1)
    panel = 3.2
    h = panel * min(max(aspect, 0.3), 2.0) + 0.8
    fig, axes = plt.subplots(
        3,
        n,
        figsize=(panel * n + 0.6, 2 * h + 2.4),
        squeeze=False,
        constrained_layout=True,
        gridspec_kw={"height_ratios": [h, h, 2.0]},
    )
    for r, (key, title, scale, unit, cmap) in enumerate(rows):
        for col, (case, got) in enumerate(zip(cases, loaded, strict=True)):
            ax = axes[r, col]
            if got is None or key not in got[3]:
                empty_panel(ax, f"{case.name}:\nno 2D fields.xdmf")
                continue
            lo, hi = shared[key] if shared_scale else _value_range([got[3][key] * scale])
            _map_panel(fig, ax, got, key, scale, (lo, hi), cmap, f"{title} [{unit}]")
            if r == 0:
                ax.set_title(f"{case.label}\nt = {got[0]:.4g} s", fontsize=10)
            if col == 0:
                ax.set_ylabel(f"y [{L_UNIT}]")
    for col, case in enumerate(cases):
        ax = axes[2, col]
        got = last_interface(case.folder)
        if got is None:
            empty_panel(ax, f"{case.name}:\nno interface.csv")
            continue
        d = got[1]
        order = np.argsort(d["x"])
        i_n = d["i_n"][order] * I_SCALE
        ax.plot(d["x"][order] * L_SCALE, i_n, "-", color="C3", lw=1.4)
        mean = float(np.mean(i_n))
        cv = float(np.std(i_n) / abs(mean)) if mean != 0 else float("nan")
        ax.set_title(f"$i_n$ along the Li (node CV {cv:.3g})", fontsize=9)
        ax.set_xlabel(f"x [{L_UNIT}]")
        ax.grid(True, alpha=0.3)
        ax.ticklabel_format(axis="y", useOffset=False)
        if col == 0:
            ax.set_ylabel(f"$i_n$ [{I_UNIT}]")
    return save_figure(fig, path)


def _value_range(arrays: Sequence[np.ndarray]) -> tuple[float, float]:
    """(min, max) over ``arrays``, widened a little where they are constant."""
    if not arrays:
        return (0.0, 1.0)
    lo = min(float(np.min(v)) for v in arrays)
    hi = max(float(np.max(v)) for v in arrays)
    if not hi > lo:
        pad = max(abs(hi), 1.0) * 1e-6
        lo, hi = lo - pad, hi + pad
    return lo, hi


def _map_panel(
    fig, ax, got: tuple, key: str, scale: float, vrange: tuple[float, float], cmap: str, label: str
) -> None:
    """One tripcolor map of field ``key`` (times ``scale``) with its own colour bar."""
    from matplotlib import tri as mtri

    t, pts, tris, data = got
    triang = mtri.Triangulation(pts[:, 0] * L_SCALE, pts[:, 1] * L_SCALE, tris)
    v = data[key] * scale
    mappable = ax.tripcolor(
        triang, v, shading="gouraud", cmap=cmap, vmin=vrange[0], vmax=vrange[1], rasterized=True
    )
    if key == "phi" and np.ptp(v) > 0:
        levels = np.linspace(vrange[0], vrange[1], 12)[1:-1]
        ax.tricontour(triang, v, levels=levels, colors="w", linewidths=0.5, alpha=0.7)
    ax.set_facecolor("0.8")  # what the mesh does not cover: the Li metal
    ax.set_aspect("equal")
    ax.set_xlim(triang.x.min(), triang.x.max())
    ax.set_ylim(triang.y.min(), triang.y.max())
    cb = fig.colorbar(mappable, ax=ax, shrink=0.85, pad=0.02, location="bottom")
    cb.set_label(label, fontsize=8)
    cb.formatter.set_useOffset(False)
    cb.ax.tick_params(labelsize=7)
    cb.locator = _ticker().MaxNLocator(4)
    cb.update_ticks()


def _ticker():
    from matplotlib import ticker

    return ticker


def nonuniformity_vs_time(cases: Sequence[CaseOutput], path: Path) -> Path:
    """i_max / i_mean (left) and the coefficient of variation of i_n (right) against time,
    from the time series of ``metrics.json``."""
    plt = pyplot()
    fig, (ax_r, ax_cv) = plt.subplots(1, 2, figsize=(10.0, 4.0), constrained_layout=True)
    drawn = 0
    for case, color in zip(cases, line_colors(len(cases)), strict=True):
        m = _metrics(case.folder)
        if m is None:
            continue
        t = _series(m, "t")
        if t.size == 0:
            continue
        style = "-o" if case.status == "finished" else "--o"
        for ax, key in ((ax_r, "i_max_over_mean"), (ax_cv, "i_cv")):
            y = _series(m, key)
            if y.size == t.size:
                ax.plot(t, y, style, color=color, ms=3, lw=1.4, label=case.label)
        drawn += 1
    if drawn == 0:
        empty_panel(ax_r, "no metrics.json found")
        empty_panel(ax_cv, "no metrics.json found")
    else:
        ax_r.set_ylabel("$i_{max} / i_{mean}$ [-]")
        ax_cv.set_ylabel("CV($i_n$) = std / mean [-]")
        ax_r.set_title("peak-to-mean current density")
        ax_cv.set_title("coefficient of variation of $i_n$")
        for ax in (ax_r, ax_cv):
            ax.set_xlabel("time t [s]")
            ax.grid(True, alpha=0.3)
            ax.ticklabel_format(axis="y", useOffset=False)
        if ax_cv.get_legend_handles_labels()[0]:  # (phase-field runs have no labelled curves)
            ax_cv.legend(fontsize=8, loc="best")
    return save_figure(fig, path)
