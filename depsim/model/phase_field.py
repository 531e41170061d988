"""The phase-field part of the composed problem: the Li surface as the field xi.

With ``model.growth = "phase-field"`` the mixed space of the charge model gains one field, xi
(Li = 1, electrolyte = 0; :mod:`depsim.physics.phase_field`), and the problem changes in three
places, all made here:

- the electrolyte occupies the fraction psi(xi) of the volume: the storage and the ion fluxes
  of every ion balance carry psi (the diffuse-domain form psi eps dc/dt = div(psi N) + ...);
- the bottom Li's reaction moves from the mesh boundary to the diffuse interface: its ion
  sources are i delta(xi) dx instead of i ds (the electrode's :meth:`integrate`), with the
  Li potential phi_s = -V of the bottom Li; the mesh's bottom boundary lies inside the Li
  and becomes an insulating wall;
- xi's own equation, (2) of :mod:`depsim.physics.phase_field`, dimensionless (lengths over
  L0, time over t0 = L0^2/D0): the normal velocity v_hat = -V_m c0 i_F_hat (the current scale
  F D0 c0 / L0) with the same i_F the ion balances see.

While the initial state is solved (``init = 1``) xi is held (xi = xi_n).
"""

from __future__ import annotations

import dolfinx.fem as fem
import ufl

from depsim.errors import CaseError
from depsim.physics import phase_field as law
from depsim.physics.phase_field import PhaseFieldParameters

__all__ = ["PhaseField", "check_phase_field"]

#: xi (1 - xi) below which the compressive flux of the conservative form fades out
TAIL = 1.0e-12
#: relative regularisation of the normal n = grad xi / |grad xi| of the compressive flux
N_REG = 1.0e-3


class PhaseField:
    """xi as the last field of the composed problem ``pb`` (see the module docstring).

    ``index``: xi's sub-space of the mixed space; ``xi``, ``xi_n``, ``xi_nm1``: its UFL
    values at the three time levels; ``psi``: the electrolyte fraction psi(xi) (UFL).
    """

    name = "xi"

    def __init__(self, pb, params: PhaseFieldParameters, index: int, fields, fields_n, fields_nm1):
        self.params, self.index = params, index
        self.xi, self.xi_n, self.xi_nm1 = fields[index], fields_n[index], fields_nm1[index]
        L0 = pb.scales.length
        self.W_hat = pb._constant(params.tanh_length / L0)
        self.psi = law.electrolyte_fraction(self.xi, params.electrolyte_floor)
        p, sc = pb.params, pb.scales
        i_ref = params.reference_current
        if i_ref is None:
            i_ref = p.current_density if p.mode == "galvanostatic" else _limiting_current(pb)
        M = law.restoring_rate(params, i_ref)
        self.M_hat = pb._constant(M * sc.time)
        # v_hat = v t0 / L0 = -(V_m / F) i_F t0 / L0 = -V_m c0 i_F_hat
        self.v_factor = pb._constant(params.molar_volume * sc.concentration)
        grad_hat_xi = pb._constant(L0) * ufl.grad(self.xi)  # L0 grad xi
        self.delta = law.interface_delta(self.xi, grad_hat_xi, self.W_hat)
        self.noise = None  # the lattice noise eta (fem.Function) when phase_field.noise > 0
        #: the local exchange current density over the case's i0: anisotropy x heterogeneity
        self.rate_factor = self._anisotropy(pb, grad_hat_xi) * self._heterogeneity(pb)
        # the reaction (ion sources and growth) where the Li may be: delta * mask * factor
        self.reacting_delta = self.delta * self._growth_mask(pb) * self.rate_factor
        self.damping = None  # the tangential damping (model/phase_field_smoothing.py) or None
        if params.tangential_damping > 0.0 and params.conservative:
            from depsim.model.phase_field_smoothing import TangentialDamping

            self.damping = TangentialDamping(pb, self, params.tangential_damping)

    def before_step(self, pb) -> None:
        """Refresh the step's data from xi_n (the smoothed normal of the damping)."""
        if self.damping is not None:
            self.damping.refresh(pb)

    def _anisotropy(self, pb, grad_hat_xi):
        """a(n) of (3) in :mod:`depsim.physics.phase_field` (UFL), or 1."""
        p = self.params
        if p.anisotropy == 0.0:
            return 1.0
        s = self.xi * (1.0 - self.xi)
        reg = (N_REG * s / self.W_hat) ** 2 + 1.0e-30 / (self.W_hat * self.W_hat)
        normal = -grad_hat_xi / ufl.sqrt(ufl.inner(grad_hat_xi, grad_hat_xi) + reg)
        return law.kinetic_anisotropy(
            normal, p.anisotropy, p.anisotropy_mode, p.anisotropy_angle, pb.gdim
        )

    def _heterogeneity(self, pb):
        """1 + A eta(x) with the seeded lattice noise eta (:mod:`depsim.model.noise`) in the
        space of xi (the same values on any number of ranks), or 1."""
        from depsim.model.noise import lattice_noise

        p = self.params
        if p.noise == 0.0:
            return 1.0
        V = pb.W.sub(self.index).collapse()[0]
        eta = fem.Function(V, name="noise")
        length = p.noise_length or p.width
        eta.interpolate(lambda x: lattice_noise(x, p.noise_seed, length, pb.gdim))
        eta.x.scatter_forward()
        self.noise = eta
        return 1.0 + p.noise * eta

    def _growth_mask(self, pb):
        """1 where the Li may grow, 0 in separator cells the Li may not enter (DG0), or 1."""
        from depsim.geometry.markers import SEPARATOR

        if self.params.li_enters_separator or pb.cell_tags is None:
            return 1.0
        V0 = fem.functionspace(pb.mesh, ("DG", 0))
        mask = fem.Function(V0, name="growth_mask")
        mask.x.array[:] = 1.0
        blocked = pb.cell_tags.indices[pb.cell_tags.values == SEPARATOR]
        mask.x.array[blocked] = 0.0
        mask.x.scatter_forward()
        return mask

    def integrate(self, pb):
        """The measure of the diffuse Li surface: expr -> expr delta(xi) dx_hat (UFL)."""
        delta, vs, dx = self.reacting_delta, pb.vol_scale, pb.dx
        return lambda expr: expr * delta * vs * dx

    def equation(self, pb, faradaic, test):
        """xi's residual (transient, UFL) for the faradaic current ``faradaic`` (/ j0,
        anodic positive) of the bottom Li."""
        xi = self.xi
        rate = (pb.a0 * xi + pb.a1 * self.xi_n + pb.a2 * self.xi_nm1) / pb.dt_hat
        v_hat = -self.v_factor * faradaic
        F = (rate * test - v_hat * self.reacting_delta * test) * pb.vol_scale * pb.dx
        return F + self._restoring(pb, test)

    def _restoring(self, pb, test):
        """The weak form of the restoring term (UFL): with the curvature correction the
        conservative form -M div(W^2 grad xi - W xi (1 - xi) n) (its integral vanishes: the
        Li volume changes only by the reaction), else -M [W^2 lap xi - f'(xi)]."""
        xi, W, M, gh = self.xi, self.W_hat, self.M_hat, pb.grad_hat
        g = gh(xi)
        if self.params.conservative:
            s = xi * (1.0 - xi)
            # n regularised relative to the profile's own gradient s / W: |n| = 1/sqrt(1 + e^2)
            # on the tanh profile everywhere, tails included (a uniform 1 - e^2/2 on its width,
            # no leak of the tails), bounded where grad xi vanishes
            reg = (N_REG * s / W) ** 2 + 1.0e-30 / (W * W)
            n = g / ufl.sqrt(ufl.inner(g, g) + reg)
            # the compression fades out where xi (1 - xi) < TAIL: in the far field n is the
            # direction of round-off (a smooth cut-off)
            flux = W * W * g - W * (s * s / (s + TAIL)) * n
            F = M * ufl.inner(flux, gh(test))
        else:
            F = M * (W * W * ufl.inner(g, gh(test)) + law.double_well_derivative(xi) * test)
        F = F * pb.vol_scale * pb.dx
        if self.damping is not None:  # the surface diffusion of grid-scale ripples
            F = F + self.damping.residual(pb, xi, test)
        return F

    def initial_residual(self, pb, test):
        """xi = xi_n while the initial state is solved. (The interpolated profile (1) is not
        the discrete equilibrium of the restoring term: it relaxes over the first restoring
        times 1/M, moving a flat surface by O(h^2) of the width, then stays put.)"""
        return (self.xi - self.xi_n) * test * pb.vol_scale * pb.dx

    def set_initial(self, pb) -> None:
        """Interpolate the initial profile into xi of U, U_n and U_(n-1)."""
        V, dofs = pb.W.sub(self.index).collapse()
        f = fem.Function(V)
        f.interpolate(self.params.initial_xi)
        f.x.scatter_forward()
        for g in (pb.U, pb.U_n, pb.U_nm1):
            g.x.array[dofs] = f.x.array
            g.x.scatter_forward()

    def deposit_form(self, pb):
        """The compiled form of the Li volume int xi dx_hat (dimensionless)."""
        from depsim.model.quadrature import compile_form

        return compile_form(self.xi * pb.vol_scale * pb.dx)


def _limiting_current(pb) -> float:
    """2 D+ F c0 / H [A/m^2]: the limiting current of the cell (the reference of the restoring
    rate under potential control), with H the mesh's top above y = 0 and D+ of the separator
    when it fills the cell."""
    from mpi4py import MPI

    from depsim.physics.constants import FARADAY

    p = pb.params
    d_plus = p.separator.D_cation if p.separator is not None else p.D_cation
    top = pb.comm.allreduce(float(pb.mesh.geometry.x[:, 1].max(initial=0.0)), op=MPI.MAX)
    return 2.0 * d_plus * FARADAY * p.c0 / top


def check_phase_field(params, charge, moving_mesh: bool) -> None:
    """The combinations the phase-field model does not support (CaseError)."""
    refusals = (
        ("model.charge", charge.name != "electroneutral", charge.name, "electroneutral"),
        ("electrode.deposition", moving_mesh, "true", "false (the phase field moves the Li)"),
        (
            "electrolyte.model",
            params.electrolyte_model != "dilute",
            params.electrolyte_model,
            "dilute",
        ),
        (
            "electrode.double_layer_capacitance",
            params.double_layer_capacitance > 0.0,
            params.double_layer_capacitance,
            "0",
        ),
        ("operation.counter", params.counter != "reservoir", params.counter, "reservoir"),
    )
    for key, refused, value, allowed in refusals:
        if refused:
            raise CaseError(
                key, "is not supported with model.growth = 'phase-field'", value, allowed
            )
