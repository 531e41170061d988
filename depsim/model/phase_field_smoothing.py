"""The tangential damping of the phase field: a surface diffusion of grid-scale ripples.

The conservative restoring term of the phase field (:mod:`depsim.physics.phase_field`, (2))
has no surface tension: a small change of the surface's height h(x) is neither damped nor
driven by it, at any wavelength. On a mesh the discrete profile is pinned slightly to the
element rows, and its restoring flux then carries a small tangential part of either sign; where
it is negative, the shortest wave the mesh holds (neighbouring columns alternating) grows from
round-off (docs/phase-field.md §4b). The damping added here is

    d xi/dt = ... + div[D omega (I - nbar nbar) grad xi],   D = gamma M W^2,           (1)

with nbar the unit normal of the smoothed field xi~ (the Helmholtz filter
xi~ - l^2 lap xi~ = xi_n, l = W/2, natural boundary conditions; xi_n the last accepted state),
omega = 4 xi_n (1 - xi_n) (1 on the interface, 0 away from it) and gamma the dimensionless
``tangential_damping`` (numerical, ASSUMED, swept in docs/phase-field.md). For a surface
xi = xi_0(h(x) - y) the term moves the height by dh/dt = D (h_xx - h~_xx): a diffusion of the
part of h the filter removes. Its rate for a mode of wavenumber k is about
D k^2 (l k)^2 / (1 + (l k)^2): D k^2 at the mesh scale (k = pi / h_mesh), D l^2 k^4 = gamma M
(W k)^4 / 4 for long waves, a relative change of their growth rate that vanishes as w^4. On a flat
or any surface of the form xi_0(distance) with nbar = n the term is zero; it is a divergence
with no flux through the boundary, so the Li volume (Faraday) is unchanged.

nbar and omega are data of the step (from xi_n, not the unknown): the term is linear in xi,
restarts are exact, and the Jacobian is unchanged by the filter.
"""

from __future__ import annotations

import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import ufl
from petsc4py import PETSc

__all__ = ["TangentialDamping"]

#: the filter length l over the tanh length W (swept in docs/phase-field.md §4b: l = W/4, W/2, W)
FILTER_LENGTH = 0.5
#: relative tolerance of the filter's conjugate-gradient solve
FILTER_RTOL = 1.0e-12


class TangentialDamping:
    """Term (1) for the phase field ``phase`` of the problem ``pb`` (see the module docstring).

    ``refresh()`` recomputes xi~ (and so nbar and omega) from xi_n; call it before each step.
    """

    def __init__(self, pb, phase, gamma: float):
        V, self._dofs = pb.W.sub(phase.index).collapse()
        self._xi_n = fem.Function(V, name="xi_n")
        self.smoothed = fem.Function(V, name="xi_smoothed")
        L0 = pb.scales.length
        ell = FILTER_LENGTH * phase.params.tanh_length
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        a = fem.form((u * v + ell * ell * ufl.inner(ufl.grad(u), ufl.grad(v))) * ufl.dx)
        self._rhs = fem.form(self._xi_n * v * ufl.dx)
        self._A = fem_petsc.assemble_matrix(a)
        self._A.assemble()
        self._b = fem_petsc.create_vector(V)
        ksp = PETSc.KSP().create(pb.mesh.comm)
        ksp.setOperators(self._A)
        ksp.setType("cg")
        ksp.getPC().setType("jacobi")
        ksp.setTolerances(rtol=FILTER_RTOL, atol=0.0, max_it=1000)
        self._ksp = ksp
        self.D_hat = pb._constant(gamma) * phase.M_hat * phase.W_hat * phase.W_hat
        g_s = L0 * ufl.grad(self.smoothed)
        W = phase.W_hat
        self.normal = g_s / ufl.sqrt(ufl.inner(g_s, g_s) + 1.0e-24 / (W * W))
        xn = self._xi_n
        self.weight = 4.0 * xn * (1.0 - xn)

    def refresh(self, pb) -> None:
        """xi~ from the problem's xi_n (one CG solve of the filter)."""
        self._xi_n.x.array[:] = pb.U_n.x.array[self._dofs]
        self._xi_n.x.scatter_forward()
        with self._b.localForm() as loc:
            loc.set(0.0)
        fem_petsc.assemble_vector(self._b, self._rhs)
        self._b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        x = self.smoothed.x.petsc_vec
        self._ksp.solve(self._b, x)
        if self._ksp.getConvergedReason() < 0:
            raise RuntimeError(
                f"the phase field's smoothing filter did not converge (KSP reason "
                f"{self._ksp.getConvergedReason()}, {self._ksp.getIterationNumber()} iterations)"
            )
        self.smoothed.x.scatter_forward()

    def residual(self, pb, xi, test):
        """The weak form of term (1) on the left-hand side (UFL, dimensionless)."""
        g = pb.grad_hat(xi)
        nb = self.normal
        tangential = g - ufl.inner(nb, g) * nb
        return (
            self.D_hat
            * self.weight
            * ufl.inner(tangential, pb.grad_hat(test))
            * pb.vol_scale
            * pb.dx
        )
