"""Studies of the Schur-complement preconditioner of ``solver.linear = "iterative"``
(depsim/solver/schur.py, depsim/solver/block_schur.py), run by test_schur_factored.py (also
under mpirun).

``schur``: the step Jacobian of the paper cell (electroneutral, with the PIA's charged sites)
is captured after the initial state and two fixed steps, then solved with GMRES (rtol 1e-8)
and the fieldsplit preconditioner, the Schur block preconditioned by the factored Schur
complement or by the nodal approximation, each with exact (LU) block solves and with the
V-cycles of ``"iterative"``. With exact block solves and an exact Schur complement the lower
block-triangular preconditioner makes the preconditioned operator satisfy a degree-2
polynomial (I - P^-1 J nilpotent of order 2): GMRES needs 2 iterations. Also the relative
error ||S_approx^-1 S x - x|| / ||x|| for a random x, with S x = D x - C A^-1 B x computed
exactly.
"""

from __future__ import annotations

# isort: off
import depsim  # noqa: F401  (loads MPI for the dolfinx wheel: must come before dolfinx)

# isort: on
from mpi4py import MPI
from multigrid_studies import paper_case
from petsc4py import PETSc

from depsim.solver.block_schur import BlockSchurPreconditioner
from depsim.solver.build import build_problem
from depsim.solver.linear import iterative_options
from depsim.solver.newton import BorderedNewton
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD
LU = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}


def _capture(dim: int, refinements: int):
    """(problem, J, b): the Jacobian and right-hand side of the last linear solve."""
    _, _, pb = build_problem(paper_case(dim, refinements), COMM)
    newton = BorderedNewton(
        pb, linear="iterative", petsc_options={"ksp_rtol": 1e-8}, prefix="capture_"
    )
    kept: dict = {}
    solve = newton._linear_solve

    def keep(rhs, out):
        for key, obj in (("J", newton.A), ("b", rhs)):
            if key in kept:
                kept[key].destroy()
            kept[key] = obj.copy()
        return solve(rhs, out)

    newton._linear_solve = keep
    sim = Simulation(pb, newton, Stepsize(dt=0.01, adaptive=False))
    sim.initialise()
    sim.advance(sim.t + 0.02)
    return pb, kept["J"], kept["b"]


def _solve(pb, J, b, schur: str, exact: bool, prefix: str) -> int:
    """GMRES iterations to rtol 1e-8 with the block preconditioner."""
    dim = pb.mesh.topology.dim
    opts = iterative_options(dim, rtol=1e-8, levels=len(pb.mesh_hierarchy))
    if exact:
        for split in ("c", "p"):
            head = f"fieldsplit_{split}_"
            opts = {k: v for k, v in opts.items() if not k.startswith((head + "pc_", head + "mg_"))}
            opts.update({head + k: v for k, v in LU.items()})
    ksp = _ksp(J, prefix, opts)
    block = BlockSchurPreconditioner(pb, ksp, pb.mesh_hierarchy, schur=schur)
    block.update(J)
    x = b.duplicate()
    ksp.solve(b, x)
    its = ksp.getIterationNumber() if ksp.getConvergedReason() > 0 else -1
    for obj in (ksp, block, x):
        obj.destroy()
    return its


def _ksp(M: PETSc.Mat, prefix: str, opts: dict) -> PETSc.KSP:
    """A KSP on ``M`` configured from ``opts`` under ``prefix``."""
    options = PETSc.Options()
    for key, val in opts.items():
        options[prefix + key] = val
    ksp = PETSc.KSP().create(COMM)
    ksp.setOperators(M)
    ksp.setOptionsPrefix(prefix)
    ksp.setFromOptions()
    return ksp


def _schur_error(pb, J) -> dict:
    """||S_approx^-1 S x - x|| / ||x|| for the factored and the nodal approximation, both
    applied with exact (LU) solves."""
    from depsim.solver.schur import FactoredSchur

    block = BlockSchurPreconditioner(pb, PETSc.KSP().create(COMM), schur="nodal")
    is_u, is_p = block.is_fields[0], block.is_p
    A, B = J.createSubMatrix(is_u, is_u), J.createSubMatrix(is_u, is_p)
    C, D = J.createSubMatrix(is_p, is_u), J.createSubMatrix(is_p, is_p)
    x = D.createVecRight()
    x.setRandom()
    bx, ainv, cx, sx, y = (D.createVecLeft() for _ in range(5))
    B.mult(x, bx)  # S x = D x - C A^-1 B x, exactly
    _ksp(A, "schur_err_a_", LU).solve(bx, ainv)
    C.mult(ainv, cx)
    D.mult(x, sx)
    sx.axpy(-1.0, cx)
    out = {}
    options = PETSc.Options()
    for key, val in LU.items():
        options[f"schur_err_f_{key}"] = val
    factored = FactoredSchur(COMM, "schur_err_f_")
    factored.update(A, B, C, D)
    factored.apply(None, sx, y)
    y.axpy(-1.0, x)
    out["error_factored"] = y.norm() / x.norm()
    block.update(J)
    _ksp(block.S, "schur_err_s_", LU).solve(sx, y)
    y.axpy(-1.0, x)
    out["error_nodal"] = y.norm() / x.norm()
    for obj in (factored, block, A, B, C, D, x, bx, ainv, cx, sx, y):
        obj.destroy()
    for key in ("ksp_type", "pc_type"):  # the Schur block's own options: no fieldsplit here
        options.delValue(f"schur_err_f_{key}")
    return out


def schur(dim: int = 2, refinements: int = 1) -> dict:
    """Iterations of both Schur preconditioners, exact and with V-cycles, and their errors."""
    pb, J, b = _capture(dim, refinements)
    res: dict = {"dofs": J.getSize()[0]}
    for mode in ("factored", "nodal"):
        res[f"exact_{mode}"] = _solve(pb, J, b, mode, True, f"schur_x_{mode}_")
        res[f"vcycle_{mode}"] = _solve(pb, J, b, mode, False, f"schur_v_{mode}_")
    res.update(_schur_error(pb, J))
    return res


STUDIES = {"schur": schur}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
