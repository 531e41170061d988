"""Mesh motion for the moving Li surface: harmonic extension of the electrode displacement.

Given the displacement d_e of the electrode vertices over a step, the interior displacement d
solves the vector Laplace problem

    -div( k grad d ) = 0        in the electrolyte,
    d = d_e                     on the Li surface Γ_e,
    d = 0                       on the top Γ_t (reservoir or counter electrode stays put)
                                and on a separator layer's faces (the separator stays put),
    d_x = 0, (k grad d_y).n = 0 on the left/right sides (sliding: vertices move along the side),
    d_z = 0, (k grad d_y, d_x).n = 0 on the front/back sides in 3D,

with the cell-wise stiffness k = (|K|_ref / |K|)^chi (default chi = 1, ``"inverse_volume"``):
small cells (the fine layer at the Li) are stiff and move almost rigidly, large bulk cells
absorb the deformation. The problem is solved on the current mesh for the increment of a step
(incremental ALE), the geometry nodes are moved by d, and the mesh velocity w = d / dt (a
vector P1 Function) is returned for the ALE term of the transport equation.

The forms are compiled once; each :meth:`MeshMover.move` reassembles the matrix (the stiffness
and the geometry change) and solves it with the PETSc options given (default, by size: direct LU
with MUMPS below :data:`depsim.solver.linear.MESH_MOTION_CROSSOVER` global DOFs, CG with GAMG,
rtol 1e-10, above: :func:`depsim.solver.linear.mesh_motion_options`). Geometry nodes are
moved through the P1-dof-to-geometry-node map of
:mod:`depsim.deposition.vertices` (first-order meshes), owned and ghost nodes alike, so the
mesh stays consistent across ranks.

Domain volume: the area (volume) of the mesh depends only on its boundary, so a uniform
electrode displacement d of a flat Li surface gives exactly W (H - d) (tested), and the
deposited volume is the volume swept by the electrode vertices.
"""

from __future__ import annotations

from collections.abc import Mapping

import dolfinx.fem.petsc as fem_petsc
import numpy as np
import ufl
from dolfinx import default_scalar_type, fem
from mpi4py import MPI

from depsim.deposition.vertices import boundary_blocks, p1_to_geometry, vector_p1
from depsim.solver.linear import mesh_motion_options

__all__ = ["SIDE_COMPONENTS", "MeshMover"]

#: facet group name -> the coordinate that vertices on it keep (sliding sides)
SIDE_COMPONENTS = {"left": 0, "right": 0, "front": 2, "back": 2}

_counter = [0]


class MeshMover:
    """Move a first-order mesh by a harmonic extension of the Li-surface displacement.

    Args:
        mesh: dolfinx mesh (m), first order.
        facet_tags: facet MeshTags.
        markers: facet group name -> tag; ``"electrode"`` (required), ``"top"`` (fixed, if
            present) and the sides ``"left"``/``"right"`` (x fixed), ``"front"``/``"back"``
            (z fixed, 3D) if present. Defaults: electrode 1, top 2, left 3, right 4, front 5,
            back 6 (:mod:`depsim.geometry.markers`).
        V: the vector P1 space to use (e.g. the space of ``problem.mesh_velocity``); created
            if None.
        chi: stiffness exponent, k = (|K|_ref/|K|)^chi (0: plain Laplace).
        petsc_options: options of the linear solve (default: LU with MUMPS on small meshes,
            CG + GAMG on large ones, :func:`depsim.solver.linear.mesh_motion_options`).

    Attributes:
        V: vector P1 space; ``displacement`` (m) and ``velocity`` (m/s): Functions on V with
        the last move; ``electrode_blocks``: local vertex blocks of the electrode (the rows of
        the displacement array :meth:`move` takes); ``sliding``: ``{tag: component}`` of the
        sides present (for :class:`~depsim.deposition.SurfaceGrowth`).
    """

    def __init__(
        self,
        mesh,
        facet_tags,
        markers: Mapping[str, int] | None = None,
        V: fem.FunctionSpace | None = None,
        chi: float = 1.0,
        petsc_options: Mapping | None = None,
    ):
        from depsim.geometry import markers as mk

        self.markers = {**mk.FACET_MARKERS, **dict(markers or {})}
        self.mesh = mesh
        self.comm = mesh.comm
        self.gdim = gdim = mesh.geometry.dim
        tdim = mesh.topology.dim
        fdim = tdim - 1
        mesh.topology.create_connectivity(fdim, tdim)
        self.V = V = V if V is not None else vector_p1(mesh)
        self.facet_tags = facet_tags
        self._geom_nodes = p1_to_geometry(V)
        self.electrode_tag = self.markers["electrode"]
        self.electrode_blocks = boundary_blocks(V, facet_tags, self.electrode_tag)
        present = set(np.unique(facet_tags.values).tolist())
        present = set(self.comm.allreduce(list(present), op=MPI.SUM))

        self.g = fem.Function(V, name="electrode_displacement")
        self.displacement = fem.Function(V, name="mesh_displacement")
        self.velocity = fem.Function(V, name="mesh_velocity")

        # Dirichlet conditions; the electrode's comes last so that its values win at corners
        bcs = []
        self.sliding: dict[int, int] = {}
        for name, comp in SIDE_COMPONENTS.items():
            tag = self.markers.get(name)
            if tag is None or tag not in present or comp >= gdim:
                continue
            self.sliding[tag] = comp
            facets = np.asarray(facet_tags.find(tag), dtype=np.int32)
            dofs = fem.locate_dofs_topological(V.sub(comp), fdim, facets)
            bcs.append(fem.dirichletbc(default_scalar_type(0.0), dofs, V.sub(comp)))
        # fixed: the top and a separator layer's faces (the separator is not moved)
        zero = fem.Function(V)
        for name in ("top", "separator_interface"):
            tag = self.markers.get(name)
            if tag is not None and tag in present:
                bcs.append(fem.dirichletbc(zero, boundary_blocks(V, facet_tags, tag)))
        bcs.append(fem.dirichletbc(self.g, self.electrode_blocks))
        self.bcs = bcs

        # cell-wise stiffness k = (|K|_ref / |K|)^chi
        Q = fem.functionspace(mesh, ("DG", 0))
        self.stiffness = fem.Function(Q, name="mesh_stiffness")
        self._volume_form = fem.form(ufl.TestFunction(Q) * ufl.dx(domain=mesh))
        self.chi = float(chi)
        vols = self.cell_volumes()
        n_loc = mesh.topology.index_map(tdim).size_local
        total = self.comm.allreduce(float(vols[:n_loc].sum()), op=MPI.SUM)
        count = mesh.topology.index_map(tdim).size_global
        self._vol_ref = total / count

        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        a = self.stiffness * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
        L = ufl.inner(fem.Constant(mesh, np.zeros(gdim, dtype=default_scalar_type)), v) * ufl.dx
        _counter[0] += 1
        opts = dict(mesh_motion_options(V) if petsc_options is None else petsc_options)
        self._problem = fem_petsc.LinearProblem(
            a,
            L,
            bcs=bcs,
            u=self.displacement,
            petsc_options_prefix=f"depsim_mesh_motion_{_counter[0]}_",
            petsc_options=opts,
        )

    # ------------------------------------------------------------------------------------------
    def cell_volumes(self) -> np.ndarray:
        """|K| of the local cells [m^d] (ghost cells included after a scatter)."""
        Q = self.stiffness.function_space
        b = fem.assemble_vector(self._volume_form)
        out = fem.Function(Q)
        out.x.array[:] = b.array
        out.x.scatter_forward()
        return out.x.array.copy()

    def _update_stiffness(self) -> None:
        vols = self.cell_volumes()
        if self.chi == 0.0:
            self.stiffness.x.array[:] = 1.0
        else:
            safe = np.maximum(np.abs(vols), 1e-30 * self._vol_ref)
            self.stiffness.x.array[:] = (self._vol_ref / safe) ** self.chi
        self.stiffness.x.scatter_forward()

    def extend(self, electrode_displacement: np.ndarray) -> fem.Function:
        """Solve for the interior displacement [m] given the electrode's (without moving).

        Args:
            electrode_displacement: (len(electrode_blocks), gdim) array [m], the rows for
                :attr:`electrode_blocks` (owned and ghost vertices, consistent across ranks).

        Returns:
            :attr:`displacement` (vector P1 Function, scattered).
        """
        d_e = np.asarray(electrode_displacement, dtype=float).reshape(-1, self.gdim)
        if d_e.shape[0] != len(self.electrode_blocks):
            raise ValueError(
                f"expected {len(self.electrode_blocks)} electrode vertices, got {d_e.shape[0]}"
            )
        g = self.g.x.array.reshape(-1, self.gdim)
        g[:] = 0.0
        g[self.electrode_blocks] = d_e
        self._update_stiffness()
        self._problem.solve()
        reason = self._problem.solver.getConvergedReason()
        if reason < 0:
            raise RuntimeError(f"mesh-motion solve failed (KSP reason {reason})")
        self.displacement.x.scatter_forward()
        return self.displacement

    def move(self, electrode_displacement: np.ndarray, dt: float | None = None) -> fem.Function:
        """Extend the electrode displacement into the mesh and move the geometry by it.

        Args:
            electrode_displacement: see :meth:`extend` [m].
            dt: the step [s]; when given, :attr:`velocity` = displacement / dt.

        Returns:
            :attr:`velocity` if ``dt`` is given, else :attr:`displacement`.
        """
        d = self.extend(electrode_displacement)
        self.translate(d.x.array)
        if dt is None:
            return d
        self.velocity.x.array[:] = d.x.array / dt
        return self.velocity

    def translate(self, values: np.ndarray) -> None:
        """Add a nodal vector field (array of :attr:`V`, owned and ghost blocks) to the
        coordinates of the geometry nodes."""
        x = self.mesh.geometry.x
        x[self._geom_nodes, : self.gdim] += np.asarray(values).reshape(-1, self.gdim)

    def set_velocity_zero(self) -> None:
        """w = 0 (after a step without motion, e.g. at rest or after remeshing)."""
        self.velocity.x.array[:] = 0.0

    def destroy(self) -> None:
        """Free the PETSc objects of the linear solve."""
        try:
            self._problem.solver.destroy()
            self._problem.A.destroy()
            self._problem.b.destroy()
        except Exception:  # pragma: no cover - best effort
            pass
