"""Arc-length weighted statistics along the electrode and ``metrics.json`` (docs/model.md §10,
docs/case-files.md §3). Pure numpy: no dolfinx, no MPI; call it on rank 0 with the arrays
returned by :meth:`depsim.output.ElectrodeSampler.sample`.

The weights are the trapezoidal arc-length quadrature weights of the electrode vertices (m; lumped
areas in m^2 in 3D), so a weighted mean is ``∫ v ds / ∫ ds``. ``i_n`` is the plating current
density (A/m^2), positive where Li deposits.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = [
    "MetricsRecorder",
    "interface_metrics",
    "profile_amplitude",
    "rms",
    "surface_statistics",
    "versions",
    "weighted_mean",
    "weighted_std",
]


def _arrays(values, weight):
    v = np.asarray(values, dtype=np.float64).ravel()
    w = np.asarray(weight, dtype=np.float64).ravel()
    if v.shape != w.shape:
        raise ValueError(f"values {v.shape} and weights {w.shape} differ in length")
    return v, w


def weighted_mean(values, weight) -> float:
    """``Σ w v / Σ w`` (NaN for empty input or zero total weight)."""
    v, w = _arrays(values, weight)
    tot = w.sum()
    return float(np.dot(w, v) / tot) if v.size and tot != 0 else math.nan


def weighted_std(values, weight) -> float:
    """Weighted population standard deviation ``sqrt(Σ w (v - mean)^2 / Σ w)``."""
    v, w = _arrays(values, weight)
    m = weighted_mean(v, w)
    if math.isnan(m):
        return math.nan
    return float(math.sqrt(max(np.dot(w, (v - m) ** 2) / w.sum(), 0.0)))


def rms(values, weight) -> float:
    """Weighted root mean square ``sqrt(Σ w v^2 / Σ w)`` (same unit as ``values``)."""
    v, w = _arrays(values, weight)
    tot = w.sum()
    return float(math.sqrt(np.dot(w, v * v) / tot)) if v.size and tot != 0 else math.nan


def surface_statistics(i_n, weight) -> dict[str, float]:
    """Statistics of the normal current density along the electrode.

    Args:
        i_n: nodal plating current density (A/m^2), > 0 where Li deposits.
        weight: arc-length quadrature weights of the nodes (m).

    Returns:
        ``i_mean`` (weighted mean, A/m^2), ``i_max``, ``i_min`` (nodal extremes, A/m^2),
        ``i_max_over_mean`` (i_max / i_mean), ``i_cv`` (weighted std / |weighted mean|),
        ``tip_to_valley`` (i_max / i_min when i_min > 0, else NaN).
    """
    v, w = _arrays(i_n, weight)
    if v.size == 0:
        return dict.fromkeys(
            ("i_mean", "i_max", "i_min", "i_max_over_mean", "i_cv", "tip_to_valley"), math.nan
        )
    mean = weighted_mean(v, w)
    i_max, i_min = float(v.max()), float(v.min())
    std = weighted_std(v, w)
    return {
        "i_mean": mean,
        "i_max": i_max,
        "i_min": i_min,
        "i_max_over_mean": i_max / mean if mean != 0 else math.nan,
        "i_cv": std / abs(mean) if mean != 0 else math.nan,
        "tip_to_valley": i_max / i_min if i_min > 0 else math.nan,
    }


def profile_amplitude(height, weight) -> float:
    """Roughness amplitude of a surface profile (m): ``sqrt(2)`` times the weighted rms of the
    height about its weighted mean — exactly ``a`` for ``h = a cos(k x)`` over whole periods.
    Use it for the amplification ``a(t)/a0``."""
    v, w = _arrays(height, weight)
    return math.sqrt(2.0) * weighted_std(v, w)


def interface_metrics(
    samples: Mapping[str, np.ndarray],
    *,
    current: str = "i_n",
    concentration: str = "c_cation",
    field: str = "E",
    c0: float | None = None,
) -> dict[str, float]:
    """The §10 metrics from one electrode sample (keys of :meth:`ElectrodeSampler.sample`).

    Uses ``samples[current]`` (falls back to ``current_n``), ``samples[concentration]`` and
    ``samples[field + "_t"]``/``samples[field + "_n"]`` when present, with ``samples["weight"]``.

    Returns :func:`surface_statistics` plus ``c_surface_min`` (mol/m^3), ``c_surface_min_over_c0``
    (when ``c0`` is given), ``E_t_rms`` (V/m), ``E_n_mean``, ``E_n_spread`` (max - min, V/m).
    """
    w = samples["weight"]
    out: dict[str, float] = {}
    i = samples.get(current, samples.get("current_n"))
    if i is not None:
        out.update(surface_statistics(i, w))
    if concentration in samples:
        cmin = float(np.min(samples[concentration]))
        out["c_surface_min"] = cmin
        if c0:
            out["c_surface_min_over_c0"] = cmin / c0
    if f"{field}_t" in samples:
        out["E_t_rms"] = rms(samples[f"{field}_t"], w)
    if f"{field}_n" in samples:
        en = np.asarray(samples[f"{field}_n"])
        out["E_n_mean"] = weighted_mean(en, w)
        out["E_n_spread"] = float(en.max() - en.min())
    return out


def _clean(obj):
    """JSON-safe copy: numpy scalars/arrays to Python, NaN/inf to None, paths to str."""
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, np.generic):
        return _clean(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, (bool, int, str)) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


class MetricsRecorder:
    """Scalar metrics per output time, written to ``metrics.json``.

    ``record(t, i_mean=..., i_cv=...)`` appends one time; a key missing at some time (or first
    seen later) is stored as None there, so all series have the length of ``t``.
    """

    def __init__(self):
        self.t: list[float] = []
        self.series: dict[str, list] = {}

    def record(self, t: float, /, **scalars) -> None:
        """Record the scalar metrics at simulated time ``t`` (s)."""
        n = len(self.t)
        self.t.append(float(t))
        for key, val in scalars.items():
            if key == "t":
                raise ValueError("'t' is reserved for the time")
            self.series.setdefault(key, [None] * n)
            self.series[key].append(None if val is None else float(val))
        for vals in self.series.values():
            if len(vals) < n + 1:
                vals.append(None)

    def resume(self, path: Path | str, t_max: float) -> None:
        """Start from the time series of an earlier ``metrics.json`` (a restarted run), keeping
        the times up to ``t_max`` [s] (the checkpoint's); nothing happens if it is missing."""
        import json

        path = Path(path)
        if not path.is_file():
            return
        ts = json.loads(path.read_text()).get("time_series") or {}
        times = ts.get("t") or []
        keep = [i for i, t in enumerate(times) if t is not None and t <= t_max * (1 + 1e-12)]
        self.t = [float(times[i]) for i in keep]
        self.series = {
            k: [v[i] for i in keep] for k, v in ts.items() if k != "t" and len(v) == len(times)
        }

    @property
    def last(self) -> dict[str, float | None]:
        """The value of each metric at the last recorded time."""
        return {k: v[-1] for k, v in self.series.items()} if self.t else {}

    def to_dict(self, extra: Mapping | None = None) -> dict:
        """The ``metrics.json`` content (NaN/inf as None): last values at top level (with
        ``t``), ``time_series`` (``t`` and one list per metric), then ``extra`` merged in."""
        out: dict = {"t": self.t[-1] if self.t else None}
        out.update(self.last)
        out["time_series"] = {"t": list(self.t), **{k: list(v) for k, v in self.series.items()}}
        if extra:
            out.update(extra)
        return _clean(out)

    def write_json(self, path: Path | str, extra: Mapping | None = None) -> Path:
        """Write ``metrics.json`` atomically (temporary file, then rename); returns the path.
        ``extra``: e.g. ``{"versions": versions(), "mpi_size": 2, "wall_time_s": ...,
        "newton_iterations": ..., "linear_iterations": ..., "case_hash": ...}``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(extra), indent=2, allow_nan=False) + "\n")
        os.replace(tmp, path)
        return path


def versions() -> dict[str, str | None]:
    """Versions of depsim and the libraries it runs on (None for a missing one). Does not
    import dolfinx or petsc4py when they are not loaded yet (their import order matters)."""
    from importlib import metadata

    def dist(*names):
        for n in names:
            try:
                return metadata.version(n)
            except metadata.PackageNotFoundError:
                continue
        return None

    def loaded(mod):
        m = sys.modules.get(mod)
        return getattr(m, "__version__", None) if m else None

    out: dict[str, str | None] = {}
    try:
        import depsim

        out["depsim"] = depsim.__version__
    except Exception:  # pragma: no cover
        out["depsim"] = dist("depsim")
    out["dolfinx"] = loaded("dolfinx") or dist("fenics-dolfinx", "dolfinx-solver-real")
    petsc = None
    if "petsc4py.PETSc" in sys.modules:
        try:
            petsc = ".".join(str(p) for p in sys.modules["petsc4py.PETSc"].Sys.getVersion())
        except Exception:  # pragma: no cover
            petsc = None
    out["petsc"] = petsc
    out["petsc4py"] = loaded("petsc4py") or dist("petsc4py")
    out["mpi4py"] = loaded("mpi4py") or dist("mpi4py")
    out["numpy"] = np.__version__
    out["meshio"] = loaded("meshio") or dist("meshio")
    out["python"] = platform.python_version()
    return out
