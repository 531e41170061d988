"""The diffuse Li surface of the phase-field growth model (``model.growth = "phase-field"``).

An order parameter xi (Li metal = 1, electrolyte = 0) replaces the sharp Li surface. Its
equilibrium profile across a flat interface at the signed distance d (positive into the Li) is

    xi_0(d) = (1 + tanh(2 d / w)) / 2,                                       (1)

with ``w`` the interface width [m] (xi goes from 0.12 to 0.88 over w). With the tanh length
W = w / 4, the profile obeys W^2 xi_0'' = f'(xi_0) for the double well
f(xi) = xi^2 (1 - xi)^2 / 2, f'(xi) = xi (1 - xi) (1 - 2 xi), and |grad xi_0| = xi (1 - xi) / W.

The model (docs/phase-field.md): the interface moves with the sharp-interface normal velocity
of the deposition model, v_n = -V_m i_F / F (i_F the faradaic current density of the
electrode's kinetics law, anodic positive, evaluated with the local electrolyte concentration
and potential), and a conservative restoring term keeps the tanh shape::

    d xi/dt = v_n delta(xi) + M div[W^2 grad xi - W xi (1 - xi) n],  n = grad xi / |grad xi|  (2)

with delta(xi) = 6 xi (1 - xi) |grad xi| the interface delta function (its integral across
the interface is 1; quadratic in the tails, see :func:`interface_delta`) and M [1/s] the
restoring rate. The restoring flux (Olsson & Kreiss, J. Comput. Phys. 210, 225 (2005); Chiu &
Lin, J. Comput. Phys. 230, 185 (2011)) vanishes on the tanh profile along n for any shape of
the surface, so the interface has no artificial surface tension, and its divergence integrates
to zero, so the Li volume changes only by the reaction: V_m / F times the charge (Faraday).
The kinetics law enters with its own i0 (no free kinetic coefficient). The electrolyte lives in
the fraction psi(xi) = psi_min + (1 - psi_min)(1 - xi) of the volume (the diffuse-domain
method: Li, Lowengrub, Raetz & Voigt, Commun. Math. Sci. 7, 81 (2009)); the reaction's ion
source is i_F delta(xi), the same delta as in (2).

The exchange current density of the diffuse surface may depend on its orientation (crystal
facets; kinetic anisotropy, e.g. Chen et al., J. Power Sources 300, 376 (2015) for the
energy form) and on position (a heterogeneous SEI): i_0 -> i_0 a(n) (1 + A eta(x)) with the
outward normal n = -grad xi / |grad xi| of the Li and, tilting n by theta from the y axis,

    a(n) = 1 + epsilon cos(m (theta - theta_0))      (2D),
    a(n) = 1 + epsilon (4 (n_x^4 + n_y^4 + n_z^4) - 3)  (3D, cubic; = cos 4 theta in a plane).  (3)

Units: SI in :class:`PhaseFieldParameters`; the UFL helpers take dimensionless xi and lengths
over L0 (the problem's scales).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME

__all__ = [
    "TANGENTIAL_DAMPING",
    "PhaseFieldParameters",
    "double_well_derivative",
    "equilibrium_profile",
    "interface_delta",
    "electrolyte_fraction",
    "kinetic_anisotropy",
    "restoring_rate",
]


#: the default gamma of the tangential damping (numerical, ASSUMED; swept in docs/phase-field.md
#: §4b: 4, 8, 16, 32 with the filter length W/2)
TANGENTIAL_DAMPING = 16.0


@dataclass(frozen=True)
class PhaseFieldParameters:
    """The diffuse interface, SI.

    Attributes
    ----------
    width: interface width w [m] of profile (1) (xi 0.12 -> 0.88 across it).
    initial_height: the flat Li surface's initial height above the bottom of the mesh [m].
    amplitude, wavelength: an initial cosine perturbation a cos(2 pi x / lambda) of that
        surface [m] (amplitude 0: flat).
    surface: the initial surface height y = h(x) [m] as a function of the points x (shape
        (3, n)), replacing ``initial_height``, ``amplitude`` and ``wavelength`` (e.g. a
        roughness profile of the case).
    restoring: the dimensionless restoring number beta = M W / v_ref, v_ref = V_m i_ref / F
        (M = beta v_ref / W). Numerical (ASSUMED, swept in docs/phase-field.md).
    reference_current: i_ref [A/m^2]; None: the applied current density (current control)
        or the cell's limiting current 2 D+ F c0 / H (potential control).
    electrolyte_floor: psi_min, the electrolyte fraction kept inside the Li (numerical,
        keeps the transport equations regular there) [-].
    conservative: the restoring term of (2) (True: conservative, no curvature motion);
        False: the plain Allen–Cahn term -M [W^2 lap xi - f'(xi)], which neither conserves
        the Li nor is free of curvature motion (M W^2 kappa, a surface tension of the
        numerical interface).
    molar_volume: V_m of Li [m^3/mol].
    li_enters_separator: the Li may grow into a separator's pores (False: xi does not move
        in separator cells, the Li stops at the separator's face).
    anisotropy, anisotropy_mode, anisotropy_angle: the kinetic anisotropy (3) of the
        exchange current density: strength epsilon [-], mode m (2D; 3D: cubic, m = 4) and
        the angle theta_0 [rad] of its fast direction from the y axis (2D; 3D: 0).
    noise, noise_length, noise_seed: the surface heterogeneity of the exchange current
        density, a factor 1 + A eta(x) with eta a lattice noise in [-1, 1]
        (:mod:`depsim.model.noise`): amplitude A [-] (0: none), lattice spacing [m] and seed.
    tangential_damping: gamma of the surface diffusion of grid-scale ripples
        (:mod:`depsim.model.phase_field_smoothing`), D = gamma M W^2 [-] (0: none; numerical,
        ASSUMED, swept in docs/phase-field.md §4b).
    """

    width: float
    initial_height: float
    amplitude: float = 0.0
    wavelength: float | None = None
    restoring: float = 2.0
    reference_current: float | None = None
    electrolyte_floor: float = 1.0e-6
    conservative: bool = True
    li_enters_separator: bool = True
    molar_volume: float = LI_MOLAR_VOLUME
    surface: Callable[[np.ndarray], np.ndarray] | None = None
    anisotropy: float = 0.0
    anisotropy_mode: int = 4
    anisotropy_angle: float = 0.0
    noise: float = 0.0
    noise_length: float | None = None
    noise_seed: int | None = None
    tangential_damping: float = TANGENTIAL_DAMPING

    @property
    def tanh_length(self) -> float:
        """W = w / 4 [m]."""
        return self.width / 4.0

    def surface_height(self, x: np.ndarray) -> np.ndarray:
        """The initial Li surface height h [m] above the points x (shape (3, n), metres)."""
        if self.surface is not None:
            return np.asarray(self.surface(x), dtype=float)
        h = np.full(x.shape[1], self.initial_height)
        if self.amplitude and self.wavelength:
            h = h + self.amplitude * np.cos(2.0 * math.pi * x[0] / self.wavelength)
        return h

    def initial_xi(self, x: np.ndarray) -> np.ndarray:
        """xi at the points x (shape (3, n), metres): profile (1) of the distance to the
        initial surface, measured along y (exact for a flat surface; for a perturbation the
        vertical distance, within O((a k)^2) of the normal one)."""
        d = self.surface_height(x) - x[1]
        return equilibrium_profile(d, self.width)


def restoring_rate(params: PhaseFieldParameters, reference_current: float) -> float:
    """The restoring rate M [1/s] of (2): beta v_ref / W with v_ref = V_m i_ref / F for the
    reference current density i_ref [A/m^2] (the applied one under current control)."""
    v_ref = params.molar_volume * abs(reference_current) / FARADAY
    return params.restoring * v_ref / params.tanh_length


def equilibrium_profile(d, width: float):
    """xi_0(d) of (1) for the signed distance d (positive into the Li) [m] (numpy)."""
    return 0.5 * (1.0 + np.tanh(2.0 * np.asarray(d, dtype=float) / width))


def double_well_derivative(xi):
    """f'(xi) = xi (1 - xi) (1 - 2 xi) (UFL or numpy)."""
    return xi * (1.0 - xi) * (1.0 - 2.0 * xi)


def interface_delta(xi, grad_xi, tanh_length):
    """delta(xi) = 6 xi (1 - xi) |grad xi| (UFL; ``grad_xi`` in the units of 1 / the
    length unit of ``tanh_length`` W, which regularises |grad xi| where it vanishes): its
    integral across any monotone profile is int 6 xi (1 - xi) dxi = 1, on the discrete
    profile too. It vanishes quadratically in the tails (|grad xi| ~ xi / W there), so the
    reaction cannot grow Li out of a tail ahead of the surface (with xi (1 - xi) / W the
    tail would grow as exp(v t / W))."""
    import ufl

    tiny = 1.0e-12 / (tanh_length * tanh_length)
    return 6.0 * xi * (1.0 - xi) * ufl.sqrt(ufl.inner(grad_xi, grad_xi) + tiny)


def electrolyte_fraction(xi, floor: float):
    """psi(xi) = psi_min + (1 - psi_min) (1 - xi), xi clipped to [0, 1] (UFL)."""
    import ufl

    clipped = ufl.min_value(ufl.max_value(xi, 0.0), 1.0)
    return floor + (1.0 - floor) * (1.0 - clipped)


def kinetic_anisotropy(normal, strength: float, mode: int, angle: float, gdim: int):
    """a(n) of (3) for the unit outward normal ``normal`` of the Li (UFL vector; numpy arrays
    of its components work too). 2D: cos(m theta) and sin(m theta) from the tilt theta
    (cos theta = n_y, sin theta = n_x) by the angle-addition recurrence (polynomials in n,
    no atan2); 3D: the cubic form (``mode`` 4 and ``angle`` 0 only)."""
    if gdim == 3:
        quartic = normal[0] ** 4 + normal[1] ** 4 + normal[2] ** 4
        return 1.0 + strength * (4.0 * quartic - 3.0)
    c1, s1 = normal[1], normal[0]
    c, s = c1, s1
    for _ in range(mode - 1):
        c, s = c * c1 - s * s1, s * c1 + c * s1
    return 1.0 + strength * (c * math.cos(mode * angle) + s * math.sin(mode * angle))
