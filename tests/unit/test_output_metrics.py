"""Arc-length weighted electrode statistics and metrics.json (pure numpy)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from depsim.output.metrics import (
    MetricsRecorder,
    interface_metrics,
    profile_amplitude,
    rms,
    surface_statistics,
    versions,
)


def trapezoid_weights(x):
    w = np.zeros_like(x)
    d = np.diff(x)
    w[:-1] += d / 2
    w[1:] += d / 2
    return w


def test_cosine_current_statistics():
    x = np.linspace(0.0, 1.0, 201)
    i = 1.0 + 0.1 * np.cos(2 * np.pi * x)
    stats = surface_statistics(i, trapezoid_weights(x))
    assert stats["i_mean"] == pytest.approx(1.0, abs=1e-12)
    assert stats["i_cv"] == pytest.approx(0.1 / math.sqrt(2), abs=1e-4)
    assert stats["i_max"] == pytest.approx(1.1)
    assert stats["i_min"] == pytest.approx(0.9)
    assert stats["i_max_over_mean"] == pytest.approx(1.1)
    assert stats["tip_to_valley"] == pytest.approx(1.1 / 0.9)


def test_weighting_and_tip_to_valley_nan():
    # two points: the heavier one dominates the mean
    stats = surface_statistics([0.0, 2.0], [1.0, 3.0])
    assert stats["i_mean"] == pytest.approx(1.5)
    assert stats["i_cv"] == pytest.approx(math.sqrt(0.75) / 1.5)
    assert math.isnan(stats["tip_to_valley"])
    assert rms([3.0, 4.0], [1.0, 1.0]) == pytest.approx(math.sqrt(12.5))
    with pytest.raises(ValueError):
        rms([1.0, 2.0], [1.0])


def test_profile_amplitude_and_interface_metrics():
    x = np.linspace(0.0, 2.0, 401)
    w = trapezoid_weights(x)
    assert profile_amplitude(0.3 + 0.05 * np.cos(2 * np.pi * x), w) == pytest.approx(0.05, 1e-4)
    samples = {
        "weight": w,
        "current_n": 5.0 + 0.0 * x,
        "c_cation": 1000.0 - x,
        "E_t": np.full_like(x, -2.0),
        "E_n": 3.0 + x,
    }
    m = interface_metrics(samples, c0=1000.0)
    assert m["i_mean"] == pytest.approx(5.0) and m["i_cv"] == pytest.approx(0.0, abs=1e-12)
    assert m["c_surface_min"] == pytest.approx(998.0)
    assert m["c_surface_min_over_c0"] == pytest.approx(0.998)
    assert m["E_t_rms"] == pytest.approx(2.0)
    assert m["E_n_spread"] == pytest.approx(2.0)
    assert m["E_n_mean"] == pytest.approx(4.0)


def test_metrics_json(tmp_path):
    rec = MetricsRecorder()
    rec.record(0.0, i_mean=5.0, i_cv=np.float64(0.01))
    rec.record(1.0, i_mean=5.0, i_cv=float("nan"), c_surface_min=900.0)
    rec.record(2.0, i_mean=np.float32(4.5), i_cv=0.02, c_surface_min=float("inf"))
    path = rec.write_json(
        tmp_path / "metrics.json",
        extra={"mpi_size": 2, "versions": versions(), "case_hash": "abc", "wall_time_s": 1.5},
    )
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["t"] == pytest.approx(2.0) and data["i_mean"] == pytest.approx(4.5)
    assert data["i_cv"] == pytest.approx(0.02)
    assert data["c_surface_min"] is None
    ts = data["time_series"]
    assert ts["t"] == pytest.approx([0.0, 1.0, 2.0])
    assert ts["i_cv"] == pytest.approx([0.01, None, 0.02])  # None: NaN in, null out
    assert ts["c_surface_min"] == pytest.approx([None, 900.0, None])
    assert data["mpi_size"] == 2 and data["case_hash"] == "abc"
    assert data["versions"]["numpy"] == np.__version__
    assert set(data["versions"]) >= {
        "depsim",
        "dolfinx",
        "petsc",
        "petsc4py",
        "mpi4py",
        "numpy",
        "meshio",
        "python",
    }


def test_record_rejects_t():
    with pytest.raises(ValueError):
        MetricsRecorder().record(0.0, t=1.0)
