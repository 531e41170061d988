"""Li deposition: the moving Li surface (docs/model.md §7).

* :mod:`~depsim.deposition.growth` — Faraday's law, v = -V_m i_BV / F, and the vertex velocities
  of the Li surface (:class:`SurfaceGrowth`).
* :mod:`~depsim.deposition.mesh_motion` — harmonic extension of the surface displacement into
  the mesh, the mesh velocity for the ALE term (:class:`MeshMover`).
* :mod:`~depsim.deposition.quality` — shape measure and inverted cells (:class:`MeshQuality`).
* :mod:`~depsim.deposition.remesh` — rebuild the cell on the current surface and transfer
  fields (:func:`remesh`, :func:`transfer`).
* :mod:`~depsim.deposition.protocol` — galvanostatic/rest step protocols (:class:`Protocol`).
* :mod:`~depsim.deposition.linear_stability` — growth rate s(k) of a cosine perturbation.

The FEM modules import dolfinx lazily (import ``depsim`` first in scripts).
"""

from __future__ import annotations

from depsim.deposition.growth import deposit_thickness, normal_velocity
from depsim.deposition.protocol import Protocol, Segment

__all__ = [
    "MeshMover",
    "MeshQuality",
    "Protocol",
    "Segment",
    "SurfaceGrowth",
    "deposit_thickness",
    "normal_velocity",
]


def __getattr__(name):  # lazy: these need dolfinx
    if name == "MeshMover":
        from depsim.deposition.mesh_motion import MeshMover

        return MeshMover
    if name == "MeshQuality":
        from depsim.deposition.quality import MeshQuality

        return MeshQuality
    if name == "SurfaceGrowth":
        from depsim.deposition.growth import SurfaceGrowth

        return SurfaceGrowth
    raise AttributeError(name)
