"""Regime maps of the current non-uniformity for the cell of Ding et al., PNAS 2023.

Regenerates ``docs/figures/paper_regime_*.png`` and ``.csv`` (docs/paper-reproduction.md §7):

1. **Potential x matrix charge** (``depsim sweep`` of cases/paper/charged/potentiostatic/pia.toml):
   CV of i_n over the applied potential 0.05-0.5 V and the fixed charge X = -3 ... +1 c0 of the
   PIA matrix (pore liquid, porosity and reference i0 of the charged-matrix closure,
   :mod:`depsim.physics.site_chemistry`). PIA, control 2 and control 3 are marked at their
   closure charge and the paper's 0.5 V; PP at X = 0 (its own transport is not the map's).
2. **Site spacing** (Nernst-Einstein route with the Frumkin site pattern, cases/paper/
   {pia,control2,control3}.toml): CV of i_n against the pattern period 2 um ... 0.1 um (mesh at
   the Li refined to period/20, at most 25 nm) at 0.5 mA/cm^2 and at 0.5 V; the 1 nm point is the
   homogenised limit (sites far below every transport length: uniform i0 <f>, <f> the
   coverage-weighted Frumkin factor), which the finite-spacing points approach.

Usage (reuses finished runs in --out)::

    mpirun -n 2 python scripts/paper_regime_maps.py --out results/regime_maps
    python scripts/paper_regime_maps.py --out results/regime_maps --plot-only
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from depsim.physics import frumkin, site_chemistry

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "cases" / "paper"
C0, EPS, FARADAY = 2500.0, 0.78, 96485.33212
POTENTIALS = (0.05, 0.5, 6)  # V: start, stop, n
CHARGES = (-3.0, 1.0, 5)  # X / c0: start, stop, n
SPACINGS = (2e-6, 1e-6, 5e-7, 2.5e-7, 1e-7)  # m
HOMOGENISED_SPACING = 1e-9  # m, plotted position of the homogenised limit
COARSE_GRAIN = 0.25e-6  # m, ASSUMED averaging length of a deposit feature (Gaussian sigma)
SITE_CASES = ("pia", "control2", "control3")
#: steady solves (equal to the 120 s transient to 0.2 % in CV, docs/paper-reproduction.md §7); the
#: charge map on a coarser mesh (its charged-matrix assembly is ~15x dearer per Newton step)
STEADY = {"time.steady": True}
COARSE = {**STEADY, "geometry.mesh.size": "0.5 um", "geometry.mesh.electrode_size": "0.05 um"}
MODES = {
    "galvanostatic": {},
    "potentiostatic": {"operation.mode": "potentiostatic", "operation.potential": "0.5 V"},
}


def _sweep(case_path: Path, vary, out: Path, overrides: dict | None = None) -> list[dict]:
    from mpi4py import MPI

    import depsim
    from depsim.errors import SolverFailure
    from depsim.sweep import run_sweep

    case = depsim.load_case(case_path, overrides=overrides or {})
    try:
        res = run_sweep(case, vary, out_dir=out, comm=MPI.COMM_WORLD, quiet=True)
        return res.table
    except SolverFailure:
        return _read_csv(out / "sweep.csv")


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(rows: list[dict], path: Path, cols: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def charge_map(out: Path) -> list[dict]:
    """Run the potential x charge sweep; rows with potential [V], X/c0, i_cv, i_mean, c_s/c0."""
    rho = C0 * FARADAY * EPS  # C/m^3 of separator per unit X/c0
    vary = [
        ("operation.potential", *POTENTIALS),
        ("separator.fixed_charge", CHARGES[0] * rho, CHARGES[1] * rho, CHARGES[2]),
    ]
    rows = _sweep(
        PAPER / "charged" / "potentiostatic" / "pia.toml", vary, out / "charge_map", COARSE
    )
    table = []
    for r in rows:
        table.append(
            {
                "potential_V": float(r["operation.potential"]),
                "X_over_c0": float(r["separator.fixed_charge"]) / rho,
                "status": r["status"],
                "i_cv": _f(r.get("i_cv")),
                "i_mean_A_m2": _f(r.get("i_mean")),
                "c_surface_min_over_c0": _f(r.get("c_surface_min_over_c0")),
            }
        )
    return table


def spacing_curves(out: Path) -> list[dict]:
    """CV of i_n against the site period for the Frumkin pattern (and the homogenised limit)."""
    table = []
    for mode, mode_over in MODES.items():
        for name in SITE_CASES:
            path = PAPER / f"{name}.toml"
            for p in SPACINGS:
                h = min(25e-9, p / 20.0)
                vary = [("separator.sites[0].period", p, p, 1)]
                over = {**STEADY, **mode_over, "geometry.mesh.electrode_size": f"{h} m"}
                if name == "pia":  # N2 alternates with N1: same period, offset by half of it
                    over["separator.sites[1].period"] = f"{p} m"
                    over["separator.sites[1].offset"] = f"{p / 2} m"
                elif name == "control3":
                    over["separator.sites[0].offset"] = f"{p / 2} m"
                folder = out / "spacing" / mode / f"{name}_{p * 1e9:.0f}nm"
                rows = _sweep(path, vary, folder, over)
                table.append(_spacing_row(mode, name, p, rows[0], folder))
            over = {
                **STEADY,
                **mode_over,
                "separator.sites": "[]",
                "electrode.exchange_current_density": f"{6.4 * mean_frumkin(name)} A/m^2",
            }
            folder = out / "spacing" / mode / f"{name}_hom"
            rows = _sweep(path, [("time.end", 120.0, 120.0, 1)], folder, over)
            table.append(_spacing_row(mode, name, HOMOGENISED_SPACING, rows[0], folder))
        rows = _sweep(
            PAPER / "pp.toml",
            [("time.end", 120.0, 120.0, 1)],
            out / "spacing" / mode / "pp",
            {**STEADY, **mode_over},
        )
        table.append(_spacing_row(mode, "pp", float("nan"), rows[0], out / "spacing" / mode / "pp"))
    return table


def mean_frumkin(name: str) -> float:
    """Coverage-weighted Frumkin factor <f> of the paper cases' sites (fraction 0.5 each)."""
    f1, f2 = (
        float(frumkin.exchange_current_factor(s, C0, 20.0, 298.15, 0.5)) for s in (-0.05, 0.05)
    )
    return {"pia": 0.5 * f1 + 0.5 * f2, "control2": 0.5 * f1 + 0.5, "control3": 0.5 + 0.5 * f2}[
        name
    ]


def coarse_grained_cv(folder: Path, sigma: float = COARSE_GRAIN) -> float:
    """CV of i_n along the Li after a Gaussian average of standard deviation ``sigma`` [m] in arc
    length (reflecting ends): the non-uniformity a deposit feature of that size sees."""
    from depsim.plots import last_interface

    found = sorted(Path(folder).glob("*/interface.csv"))
    got = last_interface(found[0].parent) if found else None
    if got is None:
        return float("nan")
    d = got[1]
    s_new = np.linspace(d["s"][0], d["s"][-1], 8001)
    i_n = np.interp(s_new, d["s"], d["i_n"])
    ds = s_new[1] - s_new[0]
    half = int(4 * sigma / ds) + 1
    k = np.exp(-0.5 * (np.arange(-half, half + 1) * ds / sigma) ** 2)
    padded = np.pad(i_n, half, mode="reflect")
    smooth = np.convolve(padded, k / k.sum(), mode="valid")
    return float(np.std(smooth) / abs(np.mean(smooth)))


def _spacing_row(mode: str, name: str, p: float, r: dict, folder: Path) -> dict:
    return {
        "mode": mode,
        "case": name,
        "spacing_m": p,
        "status": r["status"],
        "i_cv": _f(r.get("i_cv")),
        "i_cv_coarse": coarse_grained_cv(folder),
        "i_mean_A_m2": _f(r.get("i_mean")),
        "c_surface_min_over_c0": _f(r.get("c_surface_min_over_c0")),
    }


def _f(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def markers() -> dict[str, float]:
    """X/c0 of the four separators in the charged-matrix closure (PP: no ionisable group)."""
    cl = site_chemistry.closure()
    return {"PP": 0.0, **{k: m.X / C0 for k, m in cl.materials.items()}}


def plot_charge_map(table: list[dict], path: Path) -> None:
    from depsim.plots import pyplot, save_figure

    plt = pyplot()
    from matplotlib.colors import LogNorm

    V = sorted({r["potential_V"] for r in table})
    X = sorted({r["X_over_c0"] for r in table})
    cv = np.full((len(X), len(V)), np.nan)
    for r in table:
        if r["status"] == "finished":
            cv[X.index(r["X_over_c0"]), V.index(r["potential_V"])] = r["i_cv"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.6), constrained_layout=True)
    pos = cv[np.isfinite(cv) & (cv > 0)]
    norm = LogNorm(vmin=pos.min(), vmax=pos.max()) if pos.size else None
    m = ax.pcolormesh(_edges(V), _edges(X), cv, norm=norm, cmap="viridis", shading="flat")
    for j, x in enumerate(X):
        for i, v in enumerate(V):
            if np.isfinite(cv[j, i]):
                ax.text(v, x, f"{cv[j, i]:.2g}", ha="center", va="center", fontsize=7, color="w")
            else:
                ax.text(v, x, "failed", ha="center", va="center", fontsize=7, color="r")
    fig.colorbar(m, ax=ax, label="CV of $i_n$ [-]")
    for name, x in markers().items():
        style = "wo" if name != "PP" else "ws"
        ax.plot(0.5, x, style, mec="k", ms=8, mfc="none" if name == "PP" else "w")
        ax.annotate(
            name,
            (0.5, x),
            xytext=(-62, 6),
            textcoords="offset points",
            color="w",
            fontsize=8,
            weight="bold",
        )
    ax.set_xlabel("applied potential, top vs Li [V]")
    ax.set_ylabel("matrix fixed charge X / $c_0$ [-] (per pore volume)")
    ax.set_title(
        "CV of $i_n$, charged-matrix PIA cell (markers: closure X, paper's 0.5 V)", fontsize=9
    )
    for j, x in enumerate(X):
        ax2.semilogy(V, cv[j], "-o", ms=3, label=f"X = {x:+.0f} $c_0$")
    ax2.set_xlabel("applied potential [V]")
    ax2.set_ylabel("CV of $i_n$ [-]")
    ax2.grid(True, which="both", alpha=0.3)
    ax2.legend(fontsize=8)
    ax2.set_title("the same, one line per matrix charge", fontsize=9)
    save_figure(fig, path)


def _edges(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    mid = 0.5 * (v[1:] + v[:-1])
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def plot_spacing(table: list[dict], path: Path) -> None:
    """CV against site period: pointwise (solid) and coarse-grained over COARSE_GRAIN (dashed)."""
    from depsim.plots import pyplot, save_figure

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.6), constrained_layout=True)
    colors = {"pia": "C0", "control2": "C1", "control3": "C2"}
    for ax, mode in zip(axes, MODES, strict=True):
        for name in SITE_CASES:
            rows = sorted(
                (r for r in table if r["mode"] == mode and r["case"] == name),
                key=lambda r: r["spacing_m"],
            )
            s = np.array([r["spacing_m"] for r in rows]) * 1e6
            for key, ls, lab in (("i_cv", "-o", name), ("i_cv_coarse", "--s", None)):
                cv = np.array([r[key] for r in rows])
                ax.loglog(s[1:], cv[1:], ls, color=colors[name], ms=4, label=lab)
                ax.loglog(s[:2], cv[:2], ":", color=colors[name], lw=0.8)
                ax.loglog(s[:1], cv[:1], "D", color=colors[name], mfc="none", ms=7)
        pp = [r for r in table if r["mode"] == mode and r["case"] == "pp"]
        if pp:
            ax.axhline(pp[0]["i_cv"], color="k", ls=":", label="PP (no sites)")
        ax.axvline(1.0, color="0.5", lw=0.8)
        ax.plot([], [], "k--s", ms=4, label=f"averaged over {COARSE_GRAIN * 1e6:g} µm (σ)")
        ax.set_xlabel("site period [µm]  (◇ at 1 nm: homogenised limit, uniform $i_0$<f>)")
        ax.set_ylabel("CV of $i_n$ [-]")
        op = "0.5 mA/cm$^2$" if mode == "galvanostatic" else "0.5 V"
        ax.set_title(
            f"Frumkin site pattern (Nernst–Einstein route), {op}; grey line: cases/paper",
            fontsize=9,
        )
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="best", framealpha=0.6)
    save_figure(fig, path)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "regime_maps")
    ap.add_argument("--figures", type=Path, default=ROOT / "docs" / "figures")
    ap.add_argument("--only", choices=("charge", "spacing"), default=None)
    ap.add_argument("--plot-only", action="store_true", help="redraw from the CSVs in --figures")
    args = ap.parse_args(argv)
    from mpi4py import MPI

    rank0 = MPI.COMM_WORLD.rank == 0
    fig = args.figures
    cmap_csv, sp_csv = fig / "paper_regime_charge.csv", fig / "paper_regime_spacing.csv"
    if args.only in (None, "charge"):
        if args.plot_only:
            t = [
                {k: (v if k == "status" else float(v)) for k, v in r.items()}
                for r in _read_csv(cmap_csv)
            ]
        else:
            t = charge_map(args.out)
        if rank0:
            _write_csv(t, cmap_csv, list(t[0]))
            plot_charge_map(t, fig / "paper_regime_charge.png")
    if args.only in (None, "spacing"):
        if args.plot_only:
            t = [
                {k: (v if k in ("status", "mode", "case") else float(v)) for k, v in r.items()}
                for r in _read_csv(sp_csv)
            ]
        else:
            t = spacing_curves(args.out)
        if rank0:
            _write_csv(t, sp_csv, list(t[0]))
            plot_spacing(t, fig / "paper_regime_spacing.png")


if __name__ == "__main__":
    main()
