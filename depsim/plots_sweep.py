"""The figure of ``depsim sweep``: the metrics against the swept value(s) (matplotlib, Agg,
PNG; no dolfinx, no MPI). Shared figure helpers are those of :mod:`depsim.plots`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from depsim.plots import (  # the figure helpers and display units shared with plots
    C_SCALE,
    C_UNIT,
    I_SCALE,
    I_UNIT,
    L_SCALE,
    L_UNIT,
    empty_panel,
    line_colors,
    pyplot,
    save_figure,
)

__all__ = ["SWEEP_METRICS", "display_unit", "sweep_metrics"]


#: (metric, label, unit, factor) drawn by :func:`sweep_metrics`.
SWEEP_METRICS = (
    ("i_mean", "mean current density $i_{mean}$", I_UNIT, I_SCALE),
    ("i_max_over_mean", "$i_{max} / i_{mean}$", "-", 1.0),
    ("i_cv", "CV($i_n$)", "-", 1.0),
    ("c_surface_min", "min surface concentration", C_UNIT, C_SCALE),
    ("E_t_rms", "rms tangential field $E_t$", "V/m", 1.0),
    ("cell_potential", "cell potential", "mV", 1e3),
)

#: display units for swept keys: SI unit -> (display unit, factor)
_DISPLAY = {
    "A/m^2": (I_UNIT, I_SCALE),
    "m": (L_UNIT, L_SCALE),
    "mol/m^3": (C_UNIT, C_SCALE),
    "V": ("mV", 1e3),
    "S/m": ("mS/cm", 10.0),
}


def display_unit(si_unit: str) -> tuple[str, float]:
    """(display unit, factor) for an SI unit string (unchanged when not known)."""
    return _DISPLAY.get(si_unit.strip(), (si_unit.strip() or "-", 1.0))


def sweep_metrics(
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    path: Path,
    units: dict[str, str] | None = None,
    title: str = "",
) -> Path:
    """Each main metric against the first varied key; one line per combination of the other
    varied keys. ``rows`` hold the varied values (SI) under their keys and the metrics."""
    plt = pyplot()
    units = units or {}
    key0, others = keys[0], list(keys[1:])
    unit0, f0 = display_unit(units.get(key0, ""))
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in others), []).append(r)
    fig, axes = plt.subplots(2, 3, figsize=(12.0, 6.8), constrained_layout=True)
    xs_all = [r[key0] for r in rows if r.get(key0) is not None]
    logx = len(xs_all) > 1 and min(xs_all) > 0 and max(xs_all) / min(xs_all) >= 20
    colors = line_colors(len(groups))
    for ax, (metric, label, unit, scale) in zip(axes.ravel(), SWEEP_METRICS, strict=True):
        any_drawn = False
        for (gkey, grows), color in zip(groups.items(), colors, strict=True):
            grows = sorted(grows, key=lambda r: r[key0])
            x = np.array([r[key0] * f0 for r in grows])
            y = np.array([np.nan if r.get(metric) is None else r[metric] * scale for r in grows])
            failed = [r.get("status") != "finished" for r in grows]
            lab = (
                ", ".join(
                    f"{k.split('.')[-1]} = {v * display_unit(units.get(k, ''))[1]:.4g} "
                    f"{display_unit(units.get(k, ''))[0]}"
                    for k, v in zip(others, gkey, strict=True)
                )
                or None
            )
            if np.isfinite(y).any():
                ax.plot(x, y, "-o", color=color, ms=4, lw=1.4, label=lab)
                any_drawn = True
                if any(failed):
                    fx = [xx for xx, f in zip(x, failed, strict=True) if f]
                    fy = [yy for yy, f in zip(y, failed, strict=True) if f]
                    ax.plot(
                        fx, fy, "x", color="r", ms=8, mew=2, label="failed" if not lab else None
                    )
        if not any_drawn:
            empty_panel(ax, f"{metric}: no values")
            continue
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(f"{metric} [{unit}]")
        ax.set_xlabel(f"{key0} [{unit0}]", fontsize=8)
        if logx:
            ax.set_xscale("log")
        ax.grid(True, alpha=0.3)
        ax.ticklabel_format(axis="y", useOffset=False, style="sci", scilimits=(-3, 4))
        if others and ax is axes.ravel()[0]:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
