"""What a phase-field run reports about its Li surface: metrics and ``surface.csv``.

The phase-field cell is a structured mesh (:mod:`depsim.geometry.phase_field_cell`), so its
nodes form a grid of columns (x, or x and z in 3D) and rows (y). At each output time the nodal
xi, the local faradaic current density and c+ are gathered on rank 0 and read per column:

- the column height h = int xi dy - L (trapezoid; L the Li thickness below y = 0): the surface
  height of a graph surface, the Li volume per area of a column with overhangs;
- the top of the deposit: the highest crossing xi = 1/2 in the column (linear between nodes),
  where the current density and c+ are read (linear interpolation).

Metrics: ``deposit_thickness`` (mean column height now minus the mean initial surface
height [m]), ``tip_height`` (the
highest surface point above y = 0 [m]), ``roughness`` (RMS of the column heights about their
mean [m]), ``current_cv`` (coefficient of variation of the plating current density over the
surface points), ``li_volume`` (int xi dx per projected area [m]).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["PhaseFieldSurface"]


class PhaseFieldSurface:
    """Samples the diffuse Li surface of a phase-field problem ``problem`` (module docstring)."""

    def __init__(self, problem, li_thickness: float):
        import dolfinx.fem as fem

        pb = problem
        self.problem, self.comm, self.li_thickness = pb, pb.comm, li_thickness
        self.V = fem.functionspace(pb.mesh, ("Lagrange", 1))
        sc = pb.scales
        pts = self.V.element.interpolation_points
        c_plus = pb.nodal_species()[0]
        exprs = {
            "xi": pb.phase.xi,
            # plating positive, with the local exchange current of the surface
            "i_n": -sc.current_density * pb.i_faradaic_hat * pb.phase.rate_factor,
            "c_cation": sc.concentration * c_plus,
        }
        self.functions = {n: fem.Function(self.V, name=n) for n in exprs}
        self._exprs = [(self.functions[n], fem.Expression(e, pts)) for n, e in exprs.items()]
        n_own = self.V.dofmap.index_map.size_local
        self._n_own = n_own
        coords = self.V.tabulate_dof_coordinates()[:n_own]
        gathered = self.comm.gather(coords, root=0)
        self._grid, h0 = None, None
        if self.comm.rank == 0:
            self._grid = _Grid(np.concatenate(gathered), pb.gdim)
            # the mean initial surface height (a restarted run reports from the same origin)
            cols = np.meshgrid(*self._grid.col_coords, indexing="ij")
            pts = np.zeros((3, cols[0].size))
            pts[0] = cols[0].ravel()
            if len(cols) > 1:
                pts[2] = cols[1].ravel()
            weights = [_trapezoid_weights(c) for c in self._grid.col_coords]
            w = weights[0] if len(weights) == 1 else np.outer(*weights).ravel()
            h0 = float(w @ pb.params.phase_field.surface_height(pts) / w.sum())
        self._h0 = self.comm.bcast(h0, root=0)

    def sample(self) -> dict | None:
        """Per-column surface data on rank 0 (None elsewhere): ``x`` (and ``z``), ``h``
        (column height [m]), ``y_top`` (top crossing [m]), ``i_n`` [A/m^2], ``c_cation``."""
        for f, expr in self._exprs:
            f.interpolate(expr)
        values = {n: f.x.array[: self._n_own] for n, f in self.functions.items()}
        gathered = {n: self.comm.gather(v, root=0) for n, v in values.items()}
        if self.comm.rank != 0:
            return None
        grid = self._grid
        fields = {n: grid.arrange(np.concatenate(v)) for n, v in gathered.items()}
        return grid.columns(fields, self.li_thickness)

    def metrics(self, sample: dict | None) -> dict:
        """The surface metrics of the module docstring (the same dict on every rank)."""
        out = None
        if sample is not None:
            h, i_n, w = sample["h"], sample["i_n"], sample["weight"]
            h_mean, i_mean = float(w @ h), float(w @ i_n)
            i_std = float(np.sqrt(w @ (i_n - i_mean) ** 2))
            out = {
                "deposit_thickness": h_mean - self._h0,
                "tip_height": float(np.max(sample["y_top"])),
                "roughness": float(np.sqrt(w @ (h - h_mean) ** 2)),
                "current_cv": i_std / i_mean if i_mean != 0 else None,
                "li_volume": h_mean + self.li_thickness,
            }
        return self.comm.bcast(out, root=0)

    def append_csv(self, path: Path, t: float, sample: dict | None) -> None:
        """Append the columns of ``sample`` at time ``t`` [s] to ``path`` (rank 0)."""
        if sample is None:
            return
        names = [n for n in ("x", "z", "h", "y_top", "i_n", "c_cation") if n in sample]
        new = not path.exists()
        with path.open("a") as fh:
            if new:
                fh.write(",".join(["t", *names]) + "\n")
            rows = np.column_stack([np.full(len(sample["h"]), t)] + [sample[n] for n in names])
            np.savetxt(fh, rows, delimiter=",", fmt="%.9g")


class _Grid:
    """The structured node grid of the gathered dof coordinates (rank 0)."""

    def __init__(self, coords: np.ndarray, gdim: int):
        axes = [0, 2] if gdim == 3 else [0]
        rounded = np.round(coords / (1e-6 * np.ptp(coords[:, 1]) + 1e-30)).astype(np.int64)
        self.col_axes = axes
        keys = [np.unique(rounded[:, a], return_inverse=True) for a in (*axes, 1)]
        self.shape = tuple(len(k[0]) for k in keys)
        self.index = tuple(k[1] for k in keys)
        self.y = np.zeros(self.shape[-1])
        self.y[self.index[-1]] = coords[:, 1]
        self.col_coords = []
        for a, (_, inv) in zip(axes, keys[:-1], strict=True):
            c = np.zeros(self.shape[len(self.col_coords)])
            c[inv] = coords[:, a]
            self.col_coords.append(c)

    def arrange(self, values: np.ndarray) -> np.ndarray:
        """Values at the gathered dofs -> an array of the grid's shape (columns..., rows)."""
        out = np.empty(self.shape)
        out[self.index] = values
        return out

    def columns(self, fields: dict, li_thickness: float) -> dict:
        xi = fields["xi"].reshape(-1, self.shape[-1])
        h = np.trapezoid(xi, self.y, axis=1) - li_thickness
        # the highest crossing xi = 1/2 of each column (linear between nodes)
        above = xi >= 0.5
        top = np.where(above.any(axis=1), self.shape[-1] - 1 - np.argmax(above[:, ::-1], 1), 0)
        top = np.minimum(top, self.shape[-1] - 2)
        rows = np.arange(xi.shape[0])
        x0, x1 = xi[rows, top], xi[rows, top + 1]
        frac = np.clip((x0 - 0.5) / np.where(x0 != x1, x0 - x1, 1.0), 0.0, 1.0)
        y_top = self.y[top] + frac * (self.y[top + 1] - self.y[top])
        out = {"h": h, "y_top": y_top}
        for name in ("i_n", "c_cation"):
            v = fields[name].reshape(-1, self.shape[-1])
            out[name] = v[rows, top] + frac * (v[rows, top + 1] - v[rows, top])
        grids = np.meshgrid(*self.col_coords, indexing="ij")
        for name, g in zip(("x", "z"), grids, strict=False):
            out[name] = g.reshape(-1)
        # trapezoid weights of the columns (the mean over the cell's cross-section)
        weights = [_trapezoid_weights(c) for c in self.col_coords]
        w = weights[0] if len(weights) == 1 else np.outer(weights[0], weights[1]).ravel()
        out["weight"] = w / w.sum()
        return out


def _trapezoid_weights(c: np.ndarray) -> np.ndarray:
    """Weights of the trapezoid rule on the sorted nodes c."""
    w = np.zeros_like(c)
    d = np.diff(c)
    w[:-1] += 0.5 * d
    w[1:] += 0.5 * d
    return w
