"""Boundary parts that are not electrodes: the reservoir top.

The reservoir holds the bulk electrolyte: every field of the charge model at its bulk value,
which is zero in depsim's variables (u = ln(c/c0) = 0, phi_l / V_T = 0; the electroneutral
chi = psi - zeta as well, the reservoir being uncharged). Boundaries that are neither an
electrode nor the reservoir are insulating walls: zero ion flux, and (Poisson) zero surface
charge unless one is given.
"""

from __future__ import annotations

import dolfinx.fem as fem
from mpi4py import MPI

__all__ = ["Reservoir"]


class Reservoir:
    """Dirichlet conditions on the facets tagged ``marker`` for every field of the mixed
    space ``W``: ``bcs`` (one per field) and ``dofs`` (the constrained dofs of W, per field)."""

    def __init__(self, W, facet_tags, marker: int, n_fields: int):
        mesh = W.mesh
        fdim = mesh.topology.dim - 1
        facets = facet_tags.find(marker)
        self.bcs, self.dofs = [], []
        for i in range(n_fields):
            Vi, _ = W.sub(i).collapse()
            dofs = fem.locate_dofs_topological((W.sub(i), Vi), fdim, facets)
            self.bcs.append(fem.dirichletbc(fem.Function(Vi), dofs, W.sub(i)))
            self.dofs.append(dofs[0])

    def inflow(self, residual, weights: tuple[float, ...], comm) -> float:
        """The sum of the residual rows of the constrained dofs, field k weighted by
        ``weights[k]``: with the weights of a species balance this is the (dimensionless)
        amount of that species entering through the reservoir per unit time, consistent with
        the discrete equations."""
        import dolfinx.fem.petsc as fem_petsc
        from petsc4py import PETSc

        from depsim.model import chunks

        vec = fem_petsc.create_vector(residual.function_spaces[0])
        with vec.localForm() as loc:
            loc.set(0.0)
        chunks.assemble_vector(vec, residual)  # in cell blocks on large meshes
        vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        arr = vec.array_r
        local = 0.0
        for dofs, weight in zip(self.dofs, weights, strict=False):
            if weight:
                local += weight * float(arr[dofs[dofs < arr.size]].sum())
        vec.destroy()
        return comm.allreduce(local, op=MPI.SUM)
