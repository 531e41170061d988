"""Mesh quality of simplex meshes, for deciding when a moving mesh must be rebuilt.

Shape measure of a cell (1 for the regular simplex, -> 0 as it degenerates):

* triangle:    q = 4 sqrt(3) A / (l1^2 + l2^2 + l3^2)
* tetrahedron: q = 12 (3 V)^(2/3) / (sum of the 6 squared edge lengths)

Inverted cells are detected by the sign of the (signed) area/volume relative to the sign the
cell had when :class:`MeshQuality` was created (dolfinx does not orient cells consistently); an
inverted or collapsed cell counts with q = -|q| (or 0). Minima and counts are reduced over all
ranks (owned cells only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mpi4py import MPI

__all__ = ["MeshQuality", "QualityReport", "shape_quality", "signed_measure"]


def signed_measure(x: np.ndarray) -> np.ndarray:
    """Signed area (triangles, vertices (n, 3, gdim)) or volume (tetrahedra, (n, 4, 3))."""
    x = np.asarray(x, dtype=float)
    nv = x.shape[1]
    if nv == 3:
        e1, e2 = x[:, 1, :2] - x[:, 0, :2], x[:, 2, :2] - x[:, 0, :2]
        return 0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    if nv == 4:
        e1, e2, e3 = (x[:, k, :3] - x[:, 0, :3] for k in (1, 2, 3))
        return np.einsum("ij,ij->i", np.cross(e1, e2), e3) / 6.0
    raise ValueError(f"only triangles and tetrahedra are supported ({nv} vertices given)")


def shape_quality(x: np.ndarray) -> np.ndarray:
    """Shape measure q in [0, 1] of simplices with vertex coordinates ``x`` (n, nv, dim);
    1 for the equilateral triangle / regular tetrahedron (the sign of the measure is ignored)."""
    x = np.asarray(x, dtype=float)
    nv = x.shape[1]
    pairs = [(i, j) for i in range(nv) for j in range(i + 1, nv)]
    l2 = sum(np.sum((x[:, i] - x[:, j]) ** 2, axis=1) for i, j in pairs)
    m = np.abs(signed_measure(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        if nv == 3:
            q = 4.0 * np.sqrt(3.0) * m / l2
        else:
            q = 12.0 * np.cbrt(3.0 * m) ** 2 / l2
    return np.where(l2 > 0, q, 0.0)


@dataclass
class QualityReport:
    """Global mesh-quality numbers.

    Attributes:
        min_quality: smallest shape measure of a valid cell [-] (0 if some cell is inverted).
        mean_quality: mean shape measure [-].
        inverted: number of cells whose orientation flipped or whose measure vanished.
        min_measure: smallest |area| (|volume|) [m^2 or m^3].
    """

    min_quality: float
    mean_quality: float
    inverted: int
    min_measure: float

    @property
    def valid(self) -> bool:
        """True when no cell is inverted or collapsed."""
        return self.inverted == 0


class MeshQuality:
    """Quality of a (moving) simplex mesh relative to its orientation at construction.

    Args:
        mesh: dolfinx mesh of triangles or tetrahedra (first order).

    Collective: construction and :meth:`report`.
    """

    def __init__(self, mesh):
        self.mesh = mesh
        tdim = mesh.topology.dim
        self._n = mesh.topology.index_map(tdim).size_local
        self._nodes = np.asarray(mesh.geometry.dofmaps[0])[: self._n]
        if self._nodes.shape[1] != tdim + 1:
            raise ValueError("mesh quality is implemented for triangles and tetrahedra only")
        self._sign = np.sign(signed_measure(self._coords()))

    @property
    def reference_sign(self) -> np.ndarray:
        """Orientation (+1/-1) of the owned cells at construction."""
        return self._sign

    def _coords(self) -> np.ndarray:
        gdim = self.mesh.geometry.dim
        return self.mesh.geometry.x[self._nodes][:, :, :gdim]

    def cell_quality(self) -> np.ndarray:
        """Shape measure of the owned cells, negative where a cell is inverted."""
        x = self._coords()
        q = shape_quality(x)
        flipped = np.sign(signed_measure(x)) != self._sign
        return np.where(flipped, -q, q)

    def report(self) -> QualityReport:
        """Global :class:`QualityReport` (collective)."""
        x = self._coords()
        q = shape_quality(x)
        meas = signed_measure(x)
        bad = (np.sign(meas) != self._sign) | (meas == 0.0)
        comm = self.mesh.comm
        inverted = comm.allreduce(int(np.count_nonzero(bad)), op=MPI.SUM)
        qmin = comm.allreduce(float(np.min(q, initial=np.inf)), op=MPI.MIN)
        qsum = comm.allreduce(float(np.sum(q)), op=MPI.SUM)
        n = comm.allreduce(len(q), op=MPI.SUM)
        mmin = comm.allreduce(float(np.min(np.abs(meas), initial=np.inf)), op=MPI.MIN)
        return QualityReport(
            min_quality=0.0 if inverted else qmin,
            mean_quality=qsum / max(n, 1),
            inverted=inverted,
            min_measure=mmin,
        )
