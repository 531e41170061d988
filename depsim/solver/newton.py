"""Newton's method for the coupled field problem with an optional global (real) unknown.

Galvanostatic control adds one scalar unknown, the cell potential V, and one scalar equation,
G(U, V) = 0 (the electrode current equals the applied current). The Newton system is bordered::

    [ J   b ] [dU]   [F]
    [ r^T d ] [dV] = [G]

and solved monolithically by Keller's bordering algorithm: one LU factorisation of J per Newton
iteration and two back-substitutions (J x1 = F, J x2 = b), then dV = (G - r.x1)/(d - r.x2),
dU = x1 - x2 dV. This is the full Newton step of the coupled system (quadratic convergence),
at the cost of one extra triangular solve. Without the global unknown it is plain Newton.
With an iterative linear solver (``linear="iterative"``, :mod:`depsim.solver.linear`) the two
solves are Krylov solves with one preconditioner set-up per Jacobian; in time steps the border
(r, b, d and x2 = J^-1 b) is kept with a kept Jacobian (one solve per iteration), and the
Krylov tolerance and the preconditioner's refresh follow :mod:`depsim.solver.krylov`
(inexact Newton).

Two kinds of solve (docs/solver.md):

- **one-shot** solves start far from their solution: the steady state (and each level of its
  load continuation) and the initial potential. They use full Newton (a fresh Jacobian and LU
  factorisation every iteration: quadratic convergence) and converge when
  ||F||_2 <= rtol ||F_0||_2 and |G| <= rtol S_G, or when the update is negligible,
  ||dU||_inf <= stol (round-off). ``atol`` plays no part: the tolerance the user asks for with
  ``rtol`` is the one delivered.
- **time steps** start from the previous step's solution, so ||F_0|| measures only the change
  over the step (tiny near a steady state). The LU factorisation is kept between steps while the
  time-step constants and the mesh are unchanged (modified Newton: one factorisation serves
  several steps, benchmarks/README.md), refreshed when an iteration reduces ||F|| by less than
  ``refresh_factor`` (10x) and after a failed attempt. A step converges when
  ||F||_2 <= max(rtol ||F_0||_2, atol R) and |G| <= max(rtol |G_0|, atol S_G), or on a
  negligible update.

R is the residual scale of the problem: the largest initial residual norm ||F_0|| this solver
has started from (normally the initial-potential solve, which starts from the cell at rest under
its full load). S_G is the scale of the current constraint: the largest of |G_0| and the applied
current |i_app| (dimensionless) seen. Both tolerances are thus relative, and independent of the
mesh and of the units of the residual. A damping rule caps the largest change of u = ln c and
psi per iteration at ``max_step`` (in units of 1 and V_T).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dolfinx.fem.petsc as fem_petsc
import numpy as np
from dolfinx import la
from mpi4py import MPI
from petsc4py import PETSc

from depsim.solver.assembly import NewtonAssembly, fem_petsc_assemble_matrix
from depsim.solver.block_schur import BlockSchurPreconditioner
from depsim.solver.krylov import KrylovPolicy
from depsim.solver.linear import (
    LINEAR_SOLVERS,
    linear_solver_options,
    resolve_linear,
    resolve_multigrid,
)

log = logging.getLogger("depsim")


class NewtonDivergence(RuntimeError):
    """Newton did not converge (max iterations, NaN, or a failed linear solve)."""


@dataclass
class NewtonReport:
    """``iterations``, ``linear_iterations``, final ``residual`` ||F||_2, ``initial_residual``
    ||F_0||_2, ``residuals`` (||F||_2 at every check, the first is ||F_0||), ``kind`` of solve
    ("one-shot" or "step") and ``factorisations`` (Jacobian LU factorisations made)."""

    iterations: int
    linear_iterations: int
    residual: float
    initial_residual: float = float("nan")
    residuals: tuple[float, ...] = ()
    kind: str = "step"
    factorisations: int = 0

    @property
    def relative_residual(self) -> float:
        """||F||_2 / ||F_0||_2 (0 when F_0 = 0)."""
        return self.residual / self.initial_residual if self.initial_residual else 0.0


class BorderedNewton(NewtonAssembly):
    """Newton solver for :class:`depsim.solver.problem.ElectroneutralProblem`-like problems.

    The problem must provide ``U`` (Function), ``residual`` and ``jacobian`` (compiled forms),
    ``bcs``, ``constraint`` (None or a :class:`GlobalConstraint`), ``V_hat`` and
    ``i_app_hat`` (Constants) and ``comm``.

    Tolerances (see the module docstring and docs/solver.md): ``rtol`` the reduction of ||F||
    from the start of the solve; ``atol`` (time steps only) relative to the problem's residual
    scale R (``residual_scale``: the largest initial residual met; give it to fix it); ``stol``
    a negligible update ||dU||_inf (round-off). ``reuse_jacobian``: keep the LU factorisation
    between time steps (modified Newton), refreshed when an iteration reduces ||F|| by less than
    ``refresh_factor``; one-shot solves always use full Newton.

    ``linear``: the Jacobian solver (:mod:`depsim.solver.linear`): "auto" (LU below the measured
    crossover size, else "iterative"), "iterative" (GMRES + block Schur preconditioner with
    GAMG), "mumps", "superlu_dist", "gamg", "fieldsplit"; ``self.linear`` is the resolved
    name. With an iterative solver "factorisations" count preconditioner set-ups, and the
    kept Jacobian of modified Newton keeps its preconditioner. ``multigrid`` ("auto",
    "algebraic", "geometric"): the V-cycles of "iterative" (:func:`resolve_multigrid`; geometric
    on the problem's ``mesh_hierarchy``, the nested coarser meshes, when it has one).
    """

    def __init__(
        self,
        problem,
        rtol: float = 1e-8,
        atol: float = 1e-7,
        stol: float = 1e-12,
        max_it: int = 25,
        linear: str = "auto",
        petsc_options: dict | None = None,
        prefix: str = "depsim_",
        multigrid: str = "auto",
        max_step: float = 2.0,
        reuse_jacobian: bool = True,
        refresh_factor: float = 10.0,
        residual_scale: float | None = None,
    ):
        self.problem = problem
        self.rtol, self.atol, self.stol, self.max_it = rtol, atol, stol, max_it
        self.max_step = max_step
        self.refresh_factor = refresh_factor
        self._fixed_scale = residual_scale is not None
        self.residual_scale = float(residual_scale) if residual_scale is not None else 0.0
        self.constraint_scale = 0.0
        pb = problem
        self.A = fem_petsc.create_matrix(pb.jacobian)
        self.F = fem_petsc.create_vector(pb.W)
        self.x1 = self.F.duplicate()
        self.x2 = self.F.duplicate()
        self.x = self.F.duplicate()
        if pb.has_current_control:
            self.r = self.F.duplicate()
            self.b = self.F.duplicate()
        self.ksp = PETSc.KSP().create(pb.comm)
        self.ksp.setOperators(self.A)
        self.ksp.setOptionsPrefix(prefix)
        self.linear = resolve_linear(linear, pb.W)
        hierarchy: tuple = ()
        self.multigrid = None  # the V-cycles of "iterative" only
        if self.linear == "iterative":
            hierarchy = tuple(getattr(pb, "mesh_hierarchy", ()))
            self.multigrid = resolve_multigrid(multigrid, pb.W, hierarchy)
            if self.multigrid != "geometric":
                hierarchy = ()
        opts = PETSc.Options()
        dim = pb.W.mesh.topology.dim
        merged = {
            **linear_solver_options(self.linear, dim, len(hierarchy)),
            **(petsc_options or {}),
        }
        for k, v in merged.items():
            opts[f"{prefix}{k}"] = v
        self.ksp.setFromOptions()
        self.block_pc = None
        self.krylov: KrylovPolicy | None = None
        if self.linear == "iterative":
            if self.ksp.getPC().getType() == "fieldsplit":
                self.block_pc = BlockSchurPreconditioner(pb, self.ksp, hierarchy)
            # inexact Newton unless the user fixed the Krylov tolerance
            self.krylov = KrylovPolicy(self.ksp, inexact="ksp_rtol" not in (petsc_options or {}))
        #: keep the border (r, b, d and x2 = J^-1 b) with the kept Jacobian in time steps: one
        #: linear solve per modified-Newton iteration instead of two, and no border assembly.
        #: Iterative solvers; and the phase field, whose border vectors cost as much as its
        #: residual (benchmarks/README.md "Phase field": a step 30 % cheaper, same iterations)
        self.freeze_border = self.krylov is not None or getattr(pb, "phase", None) is not None
        self._prefix = prefix
        self.total_iterations = 0
        self.total_linear_iterations = 0
        self.total_factorisations = 0
        self.total_linear_solves = 0
        self.reuse_jacobian = reuse_jacobian
        self._A_key = None

    def _linear_solve(self, rhs, out) -> int:
        self.ksp.solve(rhs, out)
        reason = self.ksp.getConvergedReason()
        if reason < 0:
            raise NewtonDivergence(f"linear solver failed (KSP reason {reason})")
        self.total_linear_solves += 1
        return self.ksp.getIterationNumber()

    def _krylov_solve(
        self, rhs, out, rtol: float | None = None, rhs_norm: float | None = None
    ) -> int:
        """Solve J out = rhs; with an iterative solver to the relative tolerance ``rtol``
        (None: the KSP's own), recording the Krylov rate for the refresh rule (``rhs_norm``:
        ||rhs||_2 when already known)."""
        if self.krylov is None:
            return self._linear_solve(rhs, out)
        self.krylov.set_tolerance(self.krylov.default_rtol if rtol is None else rtol)
        its = self._linear_solve(rhs, out)
        self.krylov.record(rhs.norm() if rhs_norm is None else rhs_norm)
        return its

    # ------------------------------------------------------------------------------------------
    def _jacobian_key(self) -> tuple:
        """What the Jacobian depends on besides the iterate: time-stepping constants and the
        mesh coordinates (a moving mesh)."""
        pb = self.problem
        consts = tuple(float(c.value) for c in (pb.a0, pb.a1, pb.a2, pb.dt_hat, pb.init))
        x = pb.mesh.geometry.x
        mode = float(pb.constraint is not None)
        return consts + (mode, float(x.sum()), float((x * x).sum()))

    def solve_kind(self) -> str:
        """The kind of solve the problem is set up for: "one-shot" when it solves for the
        steady state (no time derivative: a0 = a1 = a2 = 0) or for the initial state
        (``init`` = 1), "step" otherwise."""
        pb = self.problem
        if float(pb.init.value) != 0.0:
            return "one-shot"
        if all(float(c.value) == 0.0 for c in (pb.a0, pb.a1, pb.a2)):
            return "one-shot"
        return "step"

    def solve(self, kind: str | None = None) -> NewtonReport:
        """Solve in place (``problem.U`` and ``problem.V_hat``); raise NewtonDivergence.

        ``kind``: "one-shot" (steady state, initial state: full Newton, converged on ``rtol``)
        or "step" (a time step: with ``reuse_jacobian`` the LU factorisation of the last
        Jacobian is kept while the time-step constants and the mesh are unchanged, refreshed
        when an iteration reduces the residual by less than ``refresh_factor``; converged on
        ``rtol`` or ``atol`` R). None: :meth:`solve_kind`. A failed step with a kept Jacobian is
        retried once from the start with a fresh one.
        """
        pb = self.problem
        kind = self.solve_kind() if kind is None else kind
        if kind not in ("one-shot", "step"):
            raise ValueError(f"kind must be 'one-shot' or 'step', not {kind!r}")
        if kind == "one-shot":
            return self._iterate(refresh_first=True, full=True)
        key = self._jacobian_key()
        stale = self._A_key is None or key != self._A_key or not self.reuse_jacobian
        stale = bool(pb.comm.allreduce(stale, op=MPI.LOR))  # collective decision
        if stale:
            return self._iterate(refresh_first=True, full=False)
        U0 = pb.U.x.array.copy()
        V0 = float(pb.V_hat.value)
        try:
            return self._iterate(refresh_first=False, full=False)
        except NewtonDivergence as exc:
            log.debug("Newton with the kept Jacobian failed (%s): retry with a fresh one", exc)
            pb.U.x.array[:] = U0
            pb.V_hat.value = V0
            return self._iterate(refresh_first=True, full=False)

    def _iterate(self, refresh_first: bool, full: bool) -> NewtonReport:
        """Newton iterations; ``full``: one-shot solve (fresh Jacobian every iteration, no
        ``atol``), else a time step (modified Newton)."""
        pb = self.problem
        U = pb.U
        has_global = pb.constraint is not None
        F0 = G0 = None
        F_prev = None
        lin_its = 0
        factorisations = 0
        history: list[float] = []
        for it in range(self.max_it + 1):
            self._assemble_F()
            Fn = self.F.norm()
            frozen = self.freeze_border and not full
            if has_global:
                G = self._constraint_value() if frozen else self._assemble_constraint()
            else:
                G = 0.0
            if not np.isfinite(Fn) or not np.isfinite(G):
                raise NewtonDivergence(f"non-finite residual at Newton iteration {it}")
            history.append(Fn)
            if F0 is None:
                F0, G0 = Fn, abs(G)
                if not self._fixed_scale:
                    self.residual_scale = max(self.residual_scale, F0)
                if has_global:
                    i_app = abs(float(pb.i_app_hat.value))
                    self.constraint_scale = max(self.constraint_scale, G0, i_app)
                F_tol, G_tol = self._tolerances(F0, G0, full)
            log.debug("Newton %d: |F| = %.3e, |G| = %.3e", it, Fn, abs(G))
            ok_F = Fn <= F_tol
            ok_G = abs(G) <= G_tol if has_global else True
            if ok_F and ok_G and it > 0:
                break
            if it == self.max_it:
                raise NewtonDivergence(
                    f"Newton did not converge in {self.max_it} iterations "
                    f"(|F| = {Fn:.3e}, |G| = {abs(G):.3e})"
                )
            refresh = (
                full
                or not self.reuse_jacobian
                or (it == 0 and refresh_first)
                or (F_prev is not None and Fn * self.refresh_factor > F_prev)
                or (self.krylov is not None and self.krylov.stale)
            )
            if refresh:
                fem_petsc_assemble_matrix(self.A, pb.jacobian, pb.bcs)
                if self.block_pc is not None:
                    self.block_pc.update(self.A)
                if self.krylov is not None:
                    self.krylov.set_up()
                self.ksp.setOperators(self.A)
                self._A_key = self._jacobian_key()
                factorisations += 1
            F_prev = Fn
            rtol = self.krylov.tolerance(Fn, F_tol, not full) if self.krylov else None
            lin_its += self._krylov_solve(self.F, self.x1, rtol, rhs_norm=Fn)
            dV = 0.0
            if has_global:
                if refresh or not frozen:  # else x2, r, b, d as at the last refresh
                    if frozen:  # the border of the new Jacobian, kept with it
                        self._assemble_border()
                    lin_its += self._krylov_solve(self.b, self.x2, None if frozen else rtol)
                denom = self._d - self.r.dot(self.x2)
                if denom == 0.0 or not np.isfinite(denom):
                    raise NewtonDivergence("singular bordered system")
                dV = (G - self.r.dot(self.x1)) / denom
                self.x1.axpy(-dV, self.x2)
            # damping: cap the largest update of u and psi
            step_inf = self.x1.norm(PETSc.NormType.NORM_INFINITY)
            lam = 1.0
            if step_inf > self.max_step:
                lam = self.max_step / step_inf
            if has_global and abs(dV) * lam > 4 * self.max_step:
                lam = 4 * self.max_step / abs(dV)
            self.x1.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
            n = self.x1.getLocalSize()
            U.x.array[:n] -= lam * self.x1.array_r
            U.x.scatter_forward()
            if has_global:
                pb.V_hat.value = float(pb.V_hat.value) - lam * dV
            if lam == 1.0 and step_inf <= self.stol and abs(dV) <= self.stol:
                # update negligible: converged (residual may be at round-off level)
                self._assemble_F()
                Fn = self.F.norm()
                history.append(Fn)
                it += 1
                break
        self.total_iterations += it
        self.total_linear_iterations += lin_its
        self.total_factorisations += factorisations
        return NewtonReport(
            iterations=it,
            linear_iterations=lin_its,
            residual=Fn,
            initial_residual=F0,
            residuals=tuple(history),
            kind="one-shot" if full else "step",
            factorisations=factorisations,
        )

    @property
    def scales(self) -> tuple[float, float]:
        """(residual scale R, constraint scale S_G) met so far: carried over to a new solver of
        the same run (remeshing) and stored in checkpoints (restart)."""
        return self.residual_scale, self.constraint_scale

    @scales.setter
    def scales(self, values: tuple[float, float]) -> None:
        if not self._fixed_scale:
            self.residual_scale = max(self.residual_scale, float(values[0]))
        self.constraint_scale = max(self.constraint_scale, float(values[1]))

    def _tolerances(self, F0: float, G0: float, full: bool) -> tuple[float, float]:
        """(tolerance on ||F||, tolerance on |G|) of a solve starting at ||F_0||, |G_0|."""
        if full:  # one-shot: rtol alone (G_0 may be ~0 when the start satisfies the constraint)
            return self.rtol * F0, self.rtol * max(G0, self.constraint_scale)
        return (
            max(self.rtol * F0, self.atol * self.residual_scale),
            max(self.rtol * G0, self.atol * self.constraint_scale),
        )

    def destroy(self) -> None:
        if self.block_pc is not None:
            self.block_pc.destroy()
        for obj in (self.ksp, self.A, self.F, self.x1, self.x2, self.x):
            obj.destroy()


__all__ = [
    "LINEAR_SOLVERS",
    "BorderedNewton",
    "NewtonDivergence",
    "NewtonReport",
    "la",
    "fem_petsc_assemble_matrix",
    "linear_solver_options",
]
