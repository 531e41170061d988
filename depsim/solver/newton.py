"""Newton's method for the coupled field problem with an optional global (real) unknown.

Galvanostatic control adds one scalar unknown, the cell potential V, and one scalar equation,
G(U, V) = 0 (the electrode current equals the applied current). The Newton system is bordered::

    [ J   b ] [dU]   [F]
    [ r^T d ] [dV] = [G]

and solved monolithically by Keller's bordering algorithm: one LU factorisation of J per Newton
iteration and two back-substitutions (J x1 = F, J x2 = b), then dV = (G - r.x1)/(d - r.x2),
dU = x1 - x2 dV. This is the full Newton step of the coupled system (quadratic convergence),
at the cost of one extra triangular solve. Without the global unknown it is plain Newton.

Convergence: ||F||_2 <= max(atol, rtol ||F_0||_2) and |G| <= max(atol, rtol |G_0|), or an
update ||dU||_inf <= stol. A damping rule caps the largest change of u = ln c and psi per
iteration at ``max_step`` (in units of 1 and V_T).

Between time steps the LU factorisation is kept while the time-step constants and the mesh
are unchanged (modified Newton; refreshed when convergence slows): one factorisation then
serves several steps (benchmarks/README.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dolfinx.fem.petsc as fem_petsc
import numpy as np
from dolfinx import la
from petsc4py import PETSc

log = logging.getLogger("depsim")

LINEAR_SOLVERS = ("mumps", "superlu_dist", "gamg", "fieldsplit")


class NewtonDivergence(RuntimeError):
    """Newton did not converge (max iterations, NaN, or a failed linear solve)."""


@dataclass
class NewtonReport:
    iterations: int
    linear_iterations: int
    residual: float


def linear_solver_options(linear: str) -> dict[str, object]:
    """PETSc options for the Jacobian solve, by the case's ``solver.linear`` name."""
    if linear in ("mumps", "superlu_dist"):
        return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": linear}
    if linear == "gamg":
        return {
            "ksp_type": "gmres",
            "ksp_rtol": 1e-12,
            "ksp_max_it": 500,
            "pc_type": "gamg",
        }
    if linear == "fieldsplit":
        # (u, psi) blocks interleaved by the mixed element: additive split, LU per block is
        # robust; users can override through solver.petsc_options
        return {
            "ksp_type": "gmres",
            "ksp_rtol": 1e-12,
            "ksp_max_it": 500,
            "pc_type": "fieldsplit",
            "pc_fieldsplit_type": "multiplicative",
            "pc_fieldsplit_block_size": 2,
            "pc_fieldsplit_0_fields": 0,
            "pc_fieldsplit_1_fields": 1,
            "fieldsplit_0_pc_type": "gamg",
            "fieldsplit_1_pc_type": "gamg",
        }
    raise ValueError(f"unknown linear solver {linear!r}; allowed: {', '.join(LINEAR_SOLVERS)}")


class BorderedNewton:
    """Newton solver for :class:`depsim.solver.problem.ElectroneutralProblem`-like problems.

    The problem must provide ``U`` (Function), ``residual`` and ``jacobian`` (compiled forms),
    ``bcs``, ``constraint`` (None or a :class:`GlobalConstraint`), ``V_hat`` and
    ``i_app_hat`` (Constants) and ``comm``.
    """

    def __init__(
        self,
        problem,
        rtol: float = 1e-8,
        atol: float = 1e-10,
        stol: float = 1e-12,
        max_it: int = 25,
        linear: str = "mumps",
        petsc_options: dict | None = None,
        prefix: str = "depsim_",
        max_step: float = 2.0,
        reuse_jacobian: bool = True,
    ):
        self.problem = problem
        self.rtol, self.atol, self.stol, self.max_it = rtol, atol, stol, max_it
        self.max_step = max_step
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
        opts = PETSc.Options()
        merged = {**linear_solver_options(linear), **(petsc_options or {})}
        for k, v in merged.items():
            opts[f"{prefix}{k}"] = v
        self.ksp.setFromOptions()
        self._prefix = prefix
        self.total_iterations = 0
        self.total_linear_iterations = 0
        self.total_factorisations = 0
        self.reuse_jacobian = reuse_jacobian
        self._A_key = None

    # ------------------------------------------------------------------------------------------
    def _assemble_F(self) -> None:
        pb = self.problem
        with self.F.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(self.F, pb.residual)
        self._x_from_U()
        fem_petsc.apply_lifting(self.F, [pb.jacobian], bcs=[pb.bcs], x0=[self.x], alpha=-1.0)
        self.F.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        fem_petsc.set_bc(self.F, pb.bcs, x0=self.x, alpha=-1.0)

    def _x_from_U(self) -> None:
        n = self.problem.W.dofmap.index_map.size_local * self.problem.W.dofmap.index_map_bs
        self.x.array[:] = self.problem.U.x.array[:n]

    def _assemble_constraint(self) -> float:
        pb = self.problem
        con = pb.constraint
        G = pb.comm.allreduce(_assemble_scalar(con.G), op=_sum()) + float(pb.i_app_hat.value)
        for vec, form in ((self.r, con.r), (self.b, con.b)):
            with vec.localForm() as loc:
                loc.set(0.0)
            fem_petsc.assemble_vector(vec, form)
            vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        # Dirichlet rows are fixed: no coupling there
        fem_petsc.set_bc(self.b, pb.bcs, alpha=0.0)
        fem_petsc.set_bc(self.r, pb.bcs, alpha=0.0)
        self._d = pb.comm.allreduce(_assemble_scalar(con.d), op=_sum())
        return G

    def _linear_solve(self, rhs, out) -> int:
        self.ksp.solve(rhs, out)
        reason = self.ksp.getConvergedReason()
        if reason < 0:
            raise NewtonDivergence(f"linear solver failed (KSP reason {reason})")
        return self.ksp.getIterationNumber()

    # ------------------------------------------------------------------------------------------
    def _jacobian_key(self) -> tuple:
        """What the Jacobian depends on besides the iterate: time-stepping constants and the
        mesh coordinates (a moving mesh)."""
        pb = self.problem
        consts = tuple(
            float(getattr(pb, name).value)
            for name in ("a0", "a1", "a2", "dt_hat", "init")
            if hasattr(pb, name)
        )
        x = pb.mesh.geometry.x
        mode = float(pb.constraint is not None)
        return consts + (mode, float(x.sum()), float((x * x).sum()))

    def solve(self) -> NewtonReport:
        """Solve in place (``problem.U`` and ``problem.V_hat``); raise NewtonDivergence.

        With ``reuse_jacobian`` (default) the LU factorisation of the last Jacobian is kept
        while the time-step constants and the mesh are unchanged (modified Newton); the
        Jacobian is refreshed when an iteration reduces the residual by less than 10x, and a
        failed solve is retried once from the start with a fresh Jacobian.
        """
        pb = self.problem
        key = self._jacobian_key()
        stale = self._A_key is None or key != self._A_key or not self.reuse_jacobian
        stale = bool(pb.comm.allreduce(stale, op=_lor()))  # collective decision
        if stale:
            return self._iterate(refresh_first=True)
        U0 = pb.U.x.array.copy()
        V0 = float(pb.V_hat.value)
        try:
            return self._iterate(refresh_first=False)
        except NewtonDivergence as exc:
            log.debug("Newton with the kept Jacobian failed (%s): retry with a fresh one", exc)
            pb.U.x.array[:] = U0
            pb.V_hat.value = V0
            return self._iterate(refresh_first=True)

    def _iterate(self, refresh_first: bool) -> NewtonReport:
        pb = self.problem
        U = pb.U
        has_global = pb.constraint is not None
        F0 = G0 = None
        F_prev = None
        lin_its = 0
        factorisations = 0
        for it in range(self.max_it + 1):
            self._assemble_F()
            Fn = self.F.norm()
            G = self._assemble_constraint() if has_global else 0.0
            if not np.isfinite(Fn) or not np.isfinite(G):
                raise NewtonDivergence(f"non-finite residual at Newton iteration {it}")
            if F0 is None:
                F0, G0 = Fn, abs(G)
            log.debug("Newton %d: |F| = %.3e, |G| = %.3e", it, Fn, abs(G))
            ok_F = Fn <= max(self.atol, self.rtol * F0)
            ok_G = abs(G) <= max(self.atol, self.rtol * G0) if has_global else True
            if ok_F and ok_G and it > 0:
                break
            if it == self.max_it:
                raise NewtonDivergence(
                    f"Newton did not converge in {self.max_it} iterations "
                    f"(|F| = {Fn:.3e}, |G| = {abs(G):.3e})"
                )
            refresh = (
                not self.reuse_jacobian
                or (it == 0 and refresh_first)
                or (F_prev is not None and Fn > 0.1 * F_prev)
            )
            if refresh:
                fem_petsc_assemble_matrix(self.A, pb.jacobian, pb.bcs)
                self.ksp.setOperators(self.A)
                self._A_key = self._jacobian_key()
                factorisations += 1
            F_prev = Fn
            lin_its += self._linear_solve(self.F, self.x1)
            dV = 0.0
            if has_global:
                lin_its += self._linear_solve(self.b, self.x2)
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
                it += 1
                break
        self.total_iterations += it
        self.total_linear_iterations += lin_its
        self.total_factorisations += factorisations
        return NewtonReport(iterations=it, linear_iterations=lin_its, residual=Fn)

    def destroy(self) -> None:
        for obj in (self.ksp, self.A, self.F, self.x1, self.x2, self.x):
            obj.destroy()


def fem_petsc_assemble_matrix(A, form, bcs) -> None:
    A.zeroEntries()
    fem_petsc.assemble_matrix(A, form, bcs=bcs)
    A.assemble()


def _assemble_scalar(form) -> float:
    import dolfinx.fem as fem

    return fem.assemble_scalar(form)


def _sum():
    from mpi4py import MPI

    return MPI.SUM


def _lor():
    from mpi4py import MPI

    return MPI.LOR


__all__ = ["BorderedNewton", "NewtonDivergence", "NewtonReport", "la"]
