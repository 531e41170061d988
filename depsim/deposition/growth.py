"""Faraday's law for the moving Li surface (docs/model.md §7).

Li deposited by a local reaction current density i_BV (A/m^2, anodic positive) advances the Li
surface into the electrolyte with the normal velocity

    v = -V_m i_BV / F      [m/s],   V_m = M_Li / rho_Li = 1.300e-5 m^3/mol,

so plating (i_BV < 0) moves the surface along -n, where n is the electrolyte's outward normal
(it points into the Li). 5 A/m^2 gives 2.42 um/h; 1 mAh/cm^2 is 4.85 um of Li.

Vertex velocities
-----------------
The surface is the chain of electrode facets of a first-order mesh and moves with its vertices.
Two ways to turn the current into vertex velocities are provided:

``"consistent"`` (default; exact Faraday balance)
    The volume swept per unit time by vertex j is the P1-tested reaction current,
    Q_j = -(V_m/F) int_Ge i_BV phi_j ds  (sum_j Q_j = -(V_m/F) int_Ge i_BV ds exactly), and the
    vertex moves along the length-weighted normal N_j = int_Ge n phi_j ds with
    w_j = Q_j (-N_j) / |N_j|^2. To first order in the step the polygon then sweeps exactly
    sum_j w_j . (-N_j) dt = sum_j Q_j dt: the deposited volume equals V_m Q / F for the charge Q
    that the discrete equations passed through the electrode (in galvanostatic mode, the applied
    charge), for flat and rough surfaces alike. |w_j| = Q_j / |N_j| is a lumped (mass-lumped
    L2) value of v at the vertex; |N_j| is a little smaller than the lumped length int phi_j ds
    at a corner, which compensates the overlap of the swept areas of the two facets.
``"nodal"``
    v_j = -V_m i_BV(x_j) / F from the nodal fields at the vertex and the unit vertex normal
    n_j = N_j / |N_j| (facet normals averaged with the facet lengths as weights):
    w_j = v_j (-n_j). Simple, but its swept volume differs from V_m Q / F by the quadrature
    error of the surface current (second order in h on a curved surface).

Sliding vertices: an electrode vertex that also lies on a side of the cell (``sliding = {tag:
component}``, e.g. x on the left/right sides) must stay on that side; the constrained component
of its direction -N_j is removed and the speed chosen so that it still sweeps Q_j.

Everything is assembled (forms compiled once) and scattered, so the result is the same on any
number of ranks; arrays are indexed by the local vertex blocks :attr:`SurfaceGrowth.blocks`
(owned and ghost vertices of the electrode).
"""

from __future__ import annotations

from collections.abc import Mapping

import dolfinx.la
import numpy as np
import ufl
from dolfinx import fem

from depsim.deposition.vertices import boundary_blocks
from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME

__all__ = [
    "SurfaceGrowth",
    "deposit_thickness",
    "normal_velocity",
]


def normal_velocity(i_bv, molar_volume: float = LI_MOLAR_VOLUME):
    """Normal velocity of the Li surface into the electrolyte, v = -V_m i_BV / F [m/s].

    Args:
        i_bv: local reaction current density [A/m^2], anodic (stripping) positive.
        molar_volume: V_m [m^3/mol] (default Li: 1.300e-5).

    Returns:
        v [m/s] (same shape as ``i_bv``), positive where Li plates (the surface advances).
    """
    return -molar_volume * np.asarray(i_bv, dtype=float) / FARADAY


def deposit_thickness(charge, molar_volume: float = LI_MOLAR_VOLUME):
    """Thickness [m] of Li plated by an areal ``charge`` [C/m^2] (plating positive):
    V_m Q / F (1 mAh/cm^2 = 3.6e4 C/m^2 -> 4.85 um)."""
    return molar_volume * np.asarray(charge, dtype=float) / FARADAY


def _assembled(form) -> np.ndarray:
    """Assemble a vector form, sum the ghost contributions on the owners and scatter back."""
    b = fem.assemble_vector(form)
    b.scatter_reverse(dolfinx.la.InsertMode.add)
    b.scatter_forward()
    return b.array


class SurfaceGrowth:
    """Vertex velocities of the Li surface from the reaction current (Faraday's law).

    Args:
        V: vector P1 space of the mesh (shared with the :class:`~depsim.deposition.MeshMover`
            so that the vertex blocks agree).
        facet_tags: facet MeshTags.
        electrode_tag: tag of the Li surface facets.
        current: UFL expression of i_BV [A/m^2] on the mesh (anodic positive), e.g.
            ``problem.i_hat * problem.scales.current_density``; None if only prescribed rates
            are used (:meth:`velocity_from_rate`).
        sliding: ``{facet tag: component}``: electrode vertices on those facets keep that
            coordinate (e.g. ``{LEFT: 0, RIGHT: 0}`` in 2D; add FRONT/BACK: 2 in 3D).
        molar_volume: V_m [m^3/mol].

    Attributes:
        blocks: local vertex blocks (of ``V``) of the electrode, owned and ghost.
        thickness: accumulated normal advance of each electrode vertex [m] (plating positive),
            updated by :meth:`accumulate`.
    """

    def __init__(
        self,
        V: fem.FunctionSpace,
        facet_tags,
        electrode_tag: int,
        current=None,
        sliding: Mapping[int, int] | None = None,
        molar_volume: float = LI_MOLAR_VOLUME,
    ):
        self.V = V
        mesh = V.mesh
        self.mesh = mesh
        self.gdim = gdim = mesh.geometry.dim
        self.molar_volume = molar_volume
        self.blocks = boundary_blocks(V, facet_tags, electrode_tag)
        # constrained components of the electrode vertices that lie on a sliding side
        self._fixed = np.zeros((len(self.blocks), gdim), dtype=bool)
        for tag, comp in (sliding or {}).items():
            side = boundary_blocks(V, facet_tags, tag)
            self._fixed[np.isin(self.blocks, side), comp] = True

        v = ufl.TestFunction(V)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)(electrode_tag)
        n = ufl.FacetNormal(mesh)
        self._normal_form = fem.form(ufl.inner(n, v) * ds)
        self._length_form = fem.form(v[0] * ds)
        self.current = current
        self._rate_form = None
        self._nodal_expr = None
        if current is not None:
            self._rate_form = fem.form(current * v[0] * ds)
            vec = ufl.as_vector([current] + [0.0] * (gdim - 1))
            self._nodal_expr = fem.Expression(vec, V.element.interpolation_points)
            self._nodal = fem.Function(V)
        self.thickness = np.zeros(len(self.blocks))

    # --- geometry -------------------------------------------------------------------------------
    def weighted_normals(self) -> np.ndarray:
        """N_j = int_Ge n phi_j ds [m^(d-1)] at the electrode vertices, shape (nb, gdim)
        (n: outward normal of the electrolyte, into the Li)."""
        return _assembled(self._normal_form).reshape(-1, self.gdim)[self.blocks]

    def vertex_normals(self) -> np.ndarray:
        """Unit vertex normals N_j/|N_j| (into the Li), shape (nb, gdim)."""
        N = self.weighted_normals()
        return N / np.linalg.norm(N, axis=1)[:, None]

    def lumped_lengths(self) -> np.ndarray:
        """int_Ge phi_j ds [m^(d-1)]: the vertices' share of the electrode length (area)."""
        return _assembled(self._length_form).reshape(-1, self.gdim)[self.blocks, 0]

    # --- current --------------------------------------------------------------------------------
    def swept_rates(self) -> np.ndarray:
        """Q_j = -(V_m/F) int_Ge i_BV phi_j ds: volume swept per second by each electrode vertex
        [m^d/s per unit depth in 2D]; sum over owned vertices = V_m I / F."""
        if self._rate_form is None:
            raise ValueError("SurfaceGrowth was built without a current expression")
        b = _assembled(self._rate_form).reshape(-1, self.gdim)[self.blocks, 0]
        return -self.molar_volume * b / FARADAY

    def nodal_current(self) -> np.ndarray:
        """i_BV [A/m^2] at the electrode vertices from the nodal fields."""
        if self._nodal_expr is None:
            raise ValueError("SurfaceGrowth was built without a current expression")
        self._nodal.interpolate(self._nodal_expr)
        self._nodal.x.scatter_forward()
        return self._nodal.x.array.reshape(-1, self.gdim)[self.blocks, 0].copy()

    # --- velocities -----------------------------------------------------------------------------
    def velocity_from_rate(self, rate: np.ndarray) -> np.ndarray:
        """Vertex velocities [m/s] (nb, gdim) that sweep ``rate`` (nb,) [m^d/s] to first order,
        along -N_j (sliding components removed)."""
        N = self.weighted_normals()
        d = -N
        d[self._fixed] = 0.0
        dd = np.einsum("ij,ij->i", d, d)
        ok = dd > 1e-12 * np.einsum("ij,ij->i", N, N)
        w = np.zeros_like(d)
        w[ok] = (np.asarray(rate)[ok] / dd[ok])[:, None] * d[ok]
        return w

    def velocity(self, method: str = "consistent") -> np.ndarray:
        """Vertex velocities [m/s], shape (nb, gdim), from the current (see module docstring:
        ``"consistent"`` or ``"nodal"``)."""
        if method == "consistent":
            return self.velocity_from_rate(self.swept_rates())
        if method == "nodal":
            N = self.weighted_normals()
            nn = np.linalg.norm(N, axis=1)
            v = normal_velocity(self.nodal_current(), self.molar_volume)
            # the same direction rule as velocity_from_rate, with rate = v |N|
            return self.velocity_from_rate(v * nn)
        raise ValueError(f"unknown method {method!r}; allowed: 'consistent', 'nodal'")

    def displacement(self, dt: float, method: str = "consistent") -> np.ndarray:
        """Vertex displacements [m] (nb, gdim) over a step of ``dt`` [s]."""
        return dt * self.velocity(method)

    def normal_advance(self, displacement: np.ndarray) -> np.ndarray:
        """Advance along the unit normal into the electrolyte, d . (-n_j) [m], per vertex."""
        return -np.einsum("ij,ij->i", np.asarray(displacement), self.vertex_normals())

    def accumulate(self, displacement: np.ndarray) -> None:
        """Add the normal advance of ``displacement`` to :attr:`thickness` (call before moving
        the mesh: the normals are those of the surface the step started from)."""
        self.thickness += self.normal_advance(displacement)
