"""A seeded lattice noise that every partition of a mesh sees alike.

eta(x) in [-1, 1]: independent uniform values at the nodes of a regular lattice of spacing
``length`` (the noise's correlation length), drawn from a counter-based hash of
(seed, lattice index), and multilinear between them. A value depends only on the point, the
seed and the spacing, never on the rank that evaluates it or on the order of the points, so
a run with noise is the same on any number of MPI ranks.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["lattice_noise"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_AXIS_KEYS = (
    np.uint64(0xD1B54A32D192ED03),
    np.uint64(0xABC98388FB8FAC03),
    np.uint64(0x8CB92BA72F3D8DD7),
)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele, Lea & Flood, OOPSLA 2014), elementwise on uint64."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _lattice_values(index: np.ndarray, seed: int) -> np.ndarray:
    """Uniform values in [-1, 1) at integer lattice points ``index`` (shape (dim, n))."""
    with np.errstate(over="ignore"):
        z = _splitmix64(np.full(index.shape[1], np.uint64(seed)) * _GOLDEN + _GOLDEN)
        for axis, key in zip(index, _AXIS_KEYS, strict=False):
            z = _splitmix64(z ^ (axis.astype(np.int64).view(np.uint64) * key))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 / 2.0**53) - 1.0


def lattice_noise(x: np.ndarray, seed: int, length: float, dim: int) -> np.ndarray:
    """eta at the points ``x`` (shape (3, n), metres) of a ``dim``-dimensional lattice of
    spacing ``length`` [m] (module docstring)."""
    q = np.asarray(x[:dim], dtype=float) / length
    base = np.floor(q)
    frac = q - base
    base = base.astype(np.int64)
    out = np.zeros(q.shape[1])
    for corner in itertools.product((0, 1), repeat=dim):
        weight = np.ones(q.shape[1])
        for a, c in enumerate(corner):
            weight *= frac[a] if c else 1.0 - frac[a]
        out += weight * _lattice_values(base + np.array(corner)[:, None], seed)
    return out
