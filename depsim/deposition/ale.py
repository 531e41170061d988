"""Coupling of the electroneutral problem to the moving Li surface (ALE).

Time discretisation (one accepted step t_n -> t_{n+1} of size dt_{n+1}):

1. :meth:`MovingSurface.before_step` (``dt_{n+1}`` known): the mesh velocity of the ALE term is
   w = D_n / dt_{n+1}, D_n being the node displacement made after the previous step, so that
   the ALE time derivative at fixed mesh points sees exactly the node motion between the
   two solves (w = 0 before the first move).
2. The solver solves for c^{n+1}, phi^{n+1} on the current mesh.
3. :meth:`MovingSurface.after_step`: the electrode vertices move by dt_{n+1} times the velocity
   from the *accepted* reaction current i^{n+1} (Faraday, :class:`SurfaceGrowth`), the interior
   follows (:class:`MeshMover`) and the mesh quality is checked.

The deposited volume then equals V_m/F times the charge the discrete equations passed through
the electrode in the same steps (sum of i^{n+1} dt_{n+1}: the charge that
:class:`~depsim.solver.simulation.Simulation` books), and a switch of a protocol's current is
felt in the very step it happens. The geometry is explicit (lagged by one step): the error in a
growth rate s is about s dt / 2, relative.

The ALE term itself, -eps w . grad c+ in the salt equation (physics.md section 7), belongs to
:class:`~depsim.solver.problem.ElectroneutralProblem` (its ``mesh_velocity``); for a problem
without it :func:`ensure_mesh_velocity` adds it through ``problem.add_terms``. The Stefan term
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
from depsim.deposition.vertices import vector_p1

__all__ = ["MovingSurface", "ensure_mesh_velocity"]


def ensure_mesh_velocity(problem) -> fem.Function:
    """The problem's mesh velocity w (vector P1, m/s), adding the ALE term
    -eps w . grad c+ to its salt equation if the problem does not have one (then call this
    before creating the Newton solver: the residual is recompiled)."""
    w = getattr(problem, "mesh_velocity", None)
    if w is not None:
        return w
    w = fem.Function(vector_p1(problem.mesh), name="mesh_velocity")
    q = problem.test_functions[0]
    t0 = problem.scales.time
    # dimensionless: t0 w . grad(c+/c0), tested like the storage term
    term = (
        -problem.porosity
        * t0
        * ufl.inner(w, ufl.grad(problem.c_plus_expr))
        * q
        * problem.vol_scale
        * problem.dx
    )
    problem.add_terms(salt=term)
    problem.mesh_velocity = w
    return w


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
        velocity: the problem's mesh velocity Function (m/s).
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
        self.velocity = ensure_mesh_velocity(problem)
        V = self.velocity.function_space
        markers = dict(markers or problem.markers)
        self.mover = MeshMover(problem.mesh, problem.facet_tags, markers, V=V, chi=chi)
        j0 = problem.scales.current_density
        self.growth = SurfaceGrowth(
            V,
            problem.facet_tags,
            markers["electrode"],
            current=problem.i_hat * j0,
            sliding=self.mover.sliding,
        )
        self.quality = MeshQuality(problem.mesh)
        self.method = method
        self.min_quality = float(min_quality)
        self._last_disp: np.ndarray | None = None
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
            -problem.porosity * problem.c_plus_expr * ufl.inner(self.mover.displacement, n) * ds_e
        )
        self.last_swept_salt = 0.0

    # ------------------------------------------------------------------------------------------
    def electrolyte_volume(self) -> float:
        """Volume (area in 2D) of the mesh [m^d]."""
        return self.comm.allreduce(fem.assemble_scalar(self._volume_form), op=MPI.SUM)

    def before_step(self, t: float, dt: float) -> None:
        """Set the mesh velocity for the step [t, t + dt]: the last displacement over dt."""
        arr = self.velocity.x.array
        if self._last_disp is None:
            arr[:] = 0.0
        else:
            arr[:] = self._last_disp / dt

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
