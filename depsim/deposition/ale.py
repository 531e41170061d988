"""Coupling of the electroneutral problem to the moving Li surface (ALE).

Time discretisation (one accepted step t_n -> t_{n+1} of size dt_{n+1}):

1. :meth:`MovingSurface.before_step`: the ALE term sees the node displacements D_n (made after
   the previous step) and D_(n-1) (the one before; zero before the first moves), so that the
   ALE time derivative at fixed mesh points sees exactly the node motion between the solves.
2. The solver solves for c^{n+1}, phi^{n+1} on the current mesh.
3. :meth:`MovingSurface.after_step`: the electrode vertices move by dt_{n+1} times the velocity
   from the *accepted* reaction current i^{n+1} (Faraday, :class:`SurfaceGrowth`), the interior
   follows (:class:`MeshMover`) and the mesh quality is checked.

The deposited volume then equals V_m/F times the charge the discrete equations passed through
the electrode in the same steps (sum of i^{n+1} dt_{n+1}: the charge that
:class:`~depsim.solver.simulation.Simulation` books), and a switch of a protocol's current is
felt in the very step it happens. The geometry is explicit (lagged by one step): the error in a
growth rate s is about s dt / 2, relative.

The ALE term itself, -eps w . grad c in the transport equations (docs/model.md §7), belongs
to the problem (built with ``moving_mesh=True``); its mesh velocity is the BDF derivative of the
node positions, w = (a0 D_n - a2 D_(n-1)) / dt with the step's coefficients
(:meth:`~depsim.model.base.TransportProblemBase._ale_velocity_hat`): this class sets the two
displacements. The Stefan term
(the electrolyte displaced by the growing Li, of relative size c0 V_m ~ 0.03) is neglected, as
in COMSOL's deforming-electrode model: the salt in the volume swept by the Li is lost.
"""

from __future__ import annotations

import numpy as np
import ufl
from dolfinx import fem
from mpi4py import MPI

from depsim.deposition.growth import SurfaceGrowth
from depsim.deposition.mesh_motion import MeshMover
from depsim.deposition.quality import MeshQuality, QualityReport

__all__ = ["MovingSurface", "ensure_mesh_velocity"]


def ensure_mesh_velocity(problem):
    """The (D_n, D_(n-1)) mesh displacement Functions of the problem's ALE term (raises
    ValueError for a problem built without ``moving_mesh=True``)."""
    d = problem.mesh_displacement
    if d is None:
        raise ValueError(
            "the problem has no ALE term: build it with moving_mesh=True for a moving surface"
        )
    return d, problem.mesh_displacement_prev


class MovingSurface:
    """The Li surface of an electroneutral problem moving with the local reaction current.

    Args:
        problem: :class:`~depsim.solver.problem.ElectroneutralProblem` (first-order mesh).
        markers: facet group name -> tag (default: the problem's markers; sides ``left``,
            ``right`` (``front``, ``back``) slide when present in the facet tags).
        method: vertex velocities, "consistent" (exact Faraday balance) or "nodal"
            (:mod:`depsim.deposition.growth`).
        chi: stiffness exponent of the harmonic extension.
        min_quality: :attr:`needs_remesh` is True when the smallest cell shape measure falls
            below this (or a cell inverts).

    Attributes:
        displacement_last, displacement_prev: the problem's D_n and D_(n-1) Functions [m].
        last_swept_salt: salt in the electrolyte volume swept by the last move, the boundary
            integral of eps c+ D.(-n) [mol per m^(3-d)] (lost from the model: the Stefan flow
            that would carry it to the reservoir is neglected).
        mover, growth, quality: the :class:`MeshMover`, :class:`SurfaceGrowth`,
            :class:`MeshQuality`.
        deposited_volume: Li volume deposited so far [m^3 per m of depth in 2D, m^3 in 3D],
            V_m/F times the charge through the electrode (from the swept rates).
        last_quality: :class:`QualityReport` after the last move.
    """

    def __init__(
        self,
        problem,
        markers=None,
        method: str = "consistent",
        chi: float = 1.0,
        min_quality: float = 0.2,
    ):
        self.problem = problem
        self.mesh = problem.mesh
        self.comm = problem.comm
        self.displacement_last, self.displacement_prev = ensure_mesh_velocity(problem)
        V = self.displacement_last.function_space
        markers = dict(markers or problem.markers)
        self.mover = MeshMover(problem.mesh, problem.facet_tags, markers, V=V, chi=chi)
        j0 = problem.scales.current_density
        self.growth = SurfaceGrowth(
            V,
            problem.facet_tags,
            markers["electrode"],
            current=problem.i_faradaic_hat * j0,  # Li plates with the faradaic current
            sliding=self.mover.sliding,
        )
        self.quality = MeshQuality(problem.mesh)
        self.method = method
        self.min_quality = float(min_quality)
        self._last_disp: np.ndarray | None = None  # D_n (array of the vector P1 space)
        self._prev_disp: np.ndarray | None = None  # D_(n-1)
        self.deposited_volume = 0.0
        self._volume_form = fem.form(
            fem.Constant(problem.mesh, np.float64(1.0)) * ufl.dx(domain=problem.mesh)
        )
        self.volume0 = self.electrolyte_volume()
        self.last_quality: QualityReport = self.quality.report()
        self.moves = 0
        # salt in the volume swept by the Li in a move: -int_Ge eps c+ D.n ds (n into the Li)
        tag = markers["electrode"]
        ds_e = ufl.Measure("ds", domain=problem.mesh, subdomain_data=problem.facet_tags)(tag)
        n = ufl.FacetNormal(problem.mesh)
        self._swept_salt_form = fem.form(
            -problem.porosity * problem.salt_expr * ufl.inner(self.mover.displacement, n) * ds_e
        )
        self.last_swept_salt = 0.0

    # ------------------------------------------------------------------------------------------
    def electrolyte_volume(self) -> float:
        """Volume (area in 2D) of the mesh [m^d]."""
        return self.comm.allreduce(fem.assemble_scalar(self._volume_form), op=MPI.SUM)

    def before_step(self, t: float, dt: float) -> None:
        """Set the displacements D_n, D_(n-1) of the ALE term for the step [t, t + dt] (the
        velocity is formed with the step's BDF coefficients in the residual)."""
        for f, d in (
            (self.displacement_last, self._last_disp),
            (self.displacement_prev, self._prev_disp),
        ):
            f.x.array[:] = 0.0 if d is None else d

    def velocity_max(self, dt: float) -> float:
        """max |D_n| / dt over the nodes [m/s] (the size of the last move, collective)."""
        d = 0.0 if self._last_disp is None else float(np.max(np.abs(self._last_disp), initial=0))
        return self.comm.allreduce(d, op=MPI.MAX) / dt

    def after_step(self, dt: float) -> QualityReport:
        """Move the surface by the accepted step's current over ``dt`` [s] and the mesh with
        it; returns the mesh quality afterwards."""
        g = self.growth
        rates = g.swept_rates()
        disp = dt * (
            g.velocity_from_rate(rates) if self.method == "consistent" else g.velocity("nodal")
        )
        owned = g.blocks < g.V.dofmap.index_map.size_local
        self.deposited_volume += dt * self.comm.allreduce(float(rates[owned].sum()), op=MPI.SUM)
        g.accumulate(disp)
        D = self.mover.extend(disp)
        swept = self.comm.allreduce(fem.assemble_scalar(self._swept_salt_form), op=MPI.SUM)
        self.last_swept_salt = swept * self.problem.scales.concentration
        self.mover.translate(D.x.array)
        self._prev_disp = self._last_disp
        self._last_disp = D.x.array.copy()
        self.moves += 1
        self.last_quality = self.quality.report()
        return self.last_quality

    @property
    def needs_remesh(self) -> bool:
        """True when the mesh quality fell below ``min_quality`` or a cell inverted."""
        q = self.last_quality
        return (not q.valid) or q.min_quality < self.min_quality

    def thickness_range(self) -> tuple[float, float]:
        """(min, max) over the electrode vertices of the accumulated normal advance [m]."""
        th = self.growth.thickness
        lo = self.comm.allreduce(float(th.min(initial=np.inf)), op=MPI.MIN)
        hi = self.comm.allreduce(float(th.max(initial=-np.inf)), op=MPI.MAX)
        return lo, hi

    def destroy(self) -> None:
        self.mover.destroy()
