"""Small-signal impedance of a transport problem about its current (steady) state.

Writing the discrete problem as F(U, V) with the time derivative entering through the BDF
coefficient a0/dt, and the cell current as G(U, V) (the galvanostatic constraint, mean anodic
current density on the bottom Li), a harmonic perturbation dV e^(i w t) of the cell potential
gives

    (J + i w M) dU = -(b + i w b_M) dV,        dG = (r + i w r_M) . dU + (d + i w d_M) dV,

with J = dF/dU at steady state (a0 = a1 = a2 = 0), b = dF/dV, r = dG/dU and d = dG/dV (the
constraint forms ``constraint.b``, ``.r``, ``.d`` of :class:`~depsim.solver.newton.BorderedNewton`),
and M, b_M, r_M, d_M their parts proportional to a0/dt: storage and double-layer charging are
linear in a0/dt, so M = J(a0 = 1, a1 = a2 = 0, dt = 1) - J(steady) and likewise for b, r, d.
No time step is taken. PETSc is real here, so each frequency solves the real 2 x 2 block system

    [ J   -w M ] [Re dU]   [ -b     ]
    [ w M   J  ] [Im dU] = [ -w b_M ]

(assembled as a MATNEST and converted to AIJ for the direct LU). The impedance per projected
area is Z = dV / di_app = -dV / dG [Ohm m^2] (i_app > 0 plates on the bottom Li; docs/model.md §1).
Dimensionless time: w_hat = w t0 (``scales.time``). Works on any number of MPI ranks.
"""

from __future__ import annotations

import dolfinx.fem.petsc as fem_petsc
import numpy as np
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc


class LinearResponse:
    """The linearisation of ``problem`` (a :class:`~depsim.solver.interface.TransportProblem`
    built galvanostatic, in galvanostatic mode) at its present state ``U``, ``V_hat``.

    Construct it after the state is set; :meth:`impedance` then costs one LU per frequency."""

    def __init__(self, problem):
        pb = self.problem = problem
        con = pb.constraint
        if con is None:
            raise ValueError("the impedance needs a problem in galvanostatic mode (constraint)")
        controls = (pb.a0, pb.a1, pb.a2, pb.dt_hat, pb.init)
        saved = [float(c.value) for c in controls]
        try:
            pb.set_steady()
            self.J, self.b, self.r, self.d = self._assemble()
            pb.a0.value, pb.a1.value, pb.a2.value, pb.dt_hat.value = 1.0, 0.0, 0.0, 1.0
            J1, b1, r1, d1 = self._assemble()
        finally:
            for c, v in zip(controls, saved, strict=True):
                c.value = v
        J1.axpy(-1.0, self.J)  # M = J(a0/dt = 1) - J(steady)
        self.M = J1
        self.bM = b1 - self.b
        self.rM = r1 - self.r
        self.dM = d1 - self.d
        self.n = self.b.size
        self.ksp = PETSc.KSP().create(pb.comm)
        self.ksp.setType("preonly")
        pc = self.ksp.getPC()
        pc.setType("lu")
        pc.setFactorSolverType("mumps")
        self._time = pb.scales.time
        self._ohm = pb.scales.thermal_voltage / pb.scales.current_density

    def _assemble(self):
        """(J, b, r, d) at the present controls: J a PETSc matrix (Dirichlet rows: identity),
        b and r the owned entries as numpy arrays (zero on Dirichlet rows), d a float."""
        pb = self.problem
        con = pb.constraint
        J = fem_petsc.assemble_matrix(pb.jacobian, bcs=pb.bcs)
        J.assemble()
        out = []
        for form in (con.b, con.r):
            vec = fem_petsc.assemble_vector(form)
            vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            fem_petsc.set_bc(vec, pb.bcs, alpha=0.0)
            out.append(vec.array_r.copy())
            vec.destroy()
        d = pb.comm.allreduce(fem.assemble_scalar(con.d), op=MPI.SUM)
        return J, out[0], out[1], float(d)

    def _dot(self, a: np.ndarray, b: np.ndarray) -> float:
        return self.problem.comm.allreduce(float(a @ b), op=MPI.SUM)

    def admittance_hat(self, omega_hat: float) -> complex:
        """dG / dV_hat (dimensionless) at the dimensionless angular frequency ``omega_hat``."""
        w = float(omega_hat)
        Mw = self.M.copy()
        Mw.scale(w)
        Mn = self.M.copy()
        Mn.scale(-w)
        nest = PETSc.Mat().createNest([[self.J, Mn], [Mw, self.J]], comm=self.problem.comm)
        # one AIJ matrix refilled for every frequency: the same nonzero pattern, so the LU's
        # symbolic analysis is done once
        A = getattr(self, "_A", None)
        if A is None:
            A = self._A = nest.convert("aij")
            self._rhs, self._x = A.createVecRight(), A.createVecRight()
        else:
            nest.convert("aij", out=A)
        rhs, x = self._rhs, self._x
        n = self.n
        rhs.array[:n] = -self.b
        rhs.array[n:] = -w * self.bM
        self.ksp.setOperators(A)
        self.ksp.solve(rhs, x)
        if self.ksp.getConvergedReason() < 0:
            raise RuntimeError(f"impedance solve failed at omega_hat = {w:g}")
        xr, xi = x.array_r[:n].copy(), x.array_r[n:].copy()
        g_re = self._dot(self.r, xr) - w * self._dot(self.rM, xi) + self.d
        g_im = self._dot(self.r, xi) + w * self._dot(self.rM, xr) + w * self.dM
        for obj in (Mw, Mn, nest):
            obj.destroy()
        return complex(g_re, g_im)

    def impedance(self, omega) -> np.ndarray:
        """Z(omega) [Ohm m^2] (complex) at angular frequencies ``omega`` [rad/s]."""
        w = np.atleast_1d(np.asarray(omega, dtype=float))
        Y = np.array([self.admittance_hat(v * self._time) for v in w])
        return -self._ohm / Y

    def destroy(self) -> None:
        for obj in (
            self.ksp,
            self.J,
            self.M,
            *(getattr(self, a, None) for a in ("_A", "_rhs", "_x")),
        ):
            if obj is not None:
                obj.destroy()


__all__ = ["LinearResponse"]
