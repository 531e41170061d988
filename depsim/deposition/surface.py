"""The Li surface as the remesher sees it: profiles h(x) (2D) and triangulated surfaces h(x, z)
(3D) gathered from the mesh on every rank, and the curvature-corrected height functions the
mesh generator reads."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from dolfinx.mesh import entities_to_geometry
from mpi4py import MPI

__all__ = [
    "KINK_ANGLE",
    "RemeshError",
    "SurfaceProfile",
    "TriangulatedSurface",
    "electrode_profile",
    "electrode_surface",
    "profile_function",
    "surface_function",
]


class RemeshError(RuntimeError):
    """The deformed cell cannot be remeshed (e.g. the Li surface folded over)."""


@dataclass
class SurfaceProfile:
    """Electrode vertices of a 2D mesh, sorted by x, identical on every rank.

    Attributes: ``x``, ``y`` [m]; ``values``: name -> nodal values at those vertices (as
    passed to :func:`electrode_profile`); ``projected_length``: sum over electrode facets of
    |x_b - x_a| [m] (equals the width for a graph y = h(x)); ``length``: arc length [m].
    """

    x: np.ndarray
    y: np.ndarray
    values: dict
    projected_length: float
    length: float
    segments: np.ndarray | None = None  # (n, 4): x_a, y_a, x_b, y_b of every electrode facet


def _owned_facet_nodes(mesh, facet_tags, tag: int) -> np.ndarray:
    """Geometry nodes (n, d) of the facets tagged ``tag`` that this rank owns."""
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, mesh.topology.dim)
    n_owned_f = mesh.topology.index_map(fdim).size_local
    facets = np.asarray(facet_tags.find(tag), dtype=np.int32)
    facets = facets[facets < n_owned_f]
    if not facets.size:
        return np.zeros((0, mesh.topology.dim), dtype=np.int32)
    return entities_to_geometry(mesh, fdim, facets, False)


def electrode_profile(mesh, facet_tags, tag: int, values: dict | None = None) -> SurfaceProfile:
    """Gather the electrode vertices of a 2D first-order mesh on all ranks (collective).

    Args:
        mesh, facet_tags, tag: the mesh and the electrode facets.
        values: optional name -> (array over the local geometry nodes) to carry along.
    """
    if mesh.geometry.dim != 2:
        raise RemeshError("remeshing along a profile h(x) is implemented in 2D only")
    comm = mesh.comm
    nodes = _owned_facet_nodes(mesh, facet_tags, tag)
    x = mesh.geometry.x
    seg = x[nodes[:, 1], :2] - x[nodes[:, 0], :2] if len(nodes) else np.zeros((0, 2))
    proj = comm.allreduce(float(np.abs(seg[:, 0]).sum()), op=MPI.SUM)
    length = comm.allreduce(float(np.linalg.norm(seg, axis=1).sum()), op=MPI.SUM)
    flat = np.unique(nodes.ravel())
    gidx = mesh.geometry.index_map().local_to_global(flat)
    local = {"g": gidx, "x": x[flat, 0], "y": x[flat, 1]}
    for name, arr in (values or {}).items():
        local[name] = np.asarray(arr)[flat]
    seg_all = np.concatenate(
        comm.allgather(
            np.hstack([x[nodes[:, 0], :2], x[nodes[:, 1], :2]]) if len(nodes) else np.zeros((0, 4))
        )
    )
    got = comm.allgather(local)
    g = np.concatenate([d["g"] for d in got])
    _, first = np.unique(g, return_index=True)
    cat = {k: np.concatenate([d[k] for d in got])[first] for k in local}
    order = np.lexsort((cat["y"], cat["x"]))
    return SurfaceProfile(
        x=cat["x"][order],
        y=cat["y"][order],
        values={k: cat[k][order] for k in (values or {})},
        projected_length=proj,
        length=length,
        segments=seg_all,
    )


@dataclass
class TriangulatedSurface:
    """Electrode triangles of a 3D mesh, identical on every rank (the graph y = h(x, z)).

    Attributes: ``tri`` (n, 3, 3) vertex coordinates [m]; ``values``: name -> (n, 3) nodal
    values at the triangles' vertices; ``projected_area``: sum of |area| of the triangles
    projected on y = 0 [m^2] (W D for a graph); ``area`` [m^2].
    """

    tri: np.ndarray
    values: dict
    projected_area: float
    area: float

    def vertex_gradients(self, W: float, D: float, neighbours: int = 12) -> np.ndarray:
        """(n, 3, 2) gradient (dh/dx, dh/dz) of the surface at every triangle vertex, from a
        least-squares quadratic through the ``neighbours`` nearest vertices (periodic in x and
        z): exact for a quadratic surface."""
        pts = self.tri.reshape(-1, 3)
        key = np.rint(pts / (1e-9 * max(W, D))).astype(np.int64)
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        v = pts[first]  # unique vertices
        shifts = [(a * W, b * D) for a in (-1, 0, 1) for b in (-1, 0, 1)]
        cloud = np.concatenate([v + np.array([sx, 0.0, sz]) for sx, sz in shifts])
        grads = np.zeros((len(v), 2))
        k = min(neighbours, len(cloud) - 1)
        for i in range(len(v)):
            d2 = (cloud[:, 0] - v[i, 0]) ** 2 + (cloud[:, 2] - v[i, 2]) ** 2
            near = np.argpartition(d2, k)[: k + 1]
            dx, dz = cloud[near, 0] - v[i, 0], cloud[near, 2] - v[i, 2]
            dy = cloud[near, 1] - v[i, 1]
            A = np.column_stack([np.ones_like(dx), dx, dz, dx * dx, dx * dz, dz * dz])
            coef, *_ = np.linalg.lstsq(A, dy, rcond=None)
            grads[i] = coef[1:3]
        return grads[inverse.reshape(-1)].reshape(-1, 3, 2)

    def curvature_corrections(self, W: float, D: float) -> np.ndarray:
        """(n, 3) coefficients c_ij of the edges (01, 12, 20) of every triangle:
        h = h_PL + sum over edges of lambda_i lambda_j c_ij, c_ij = (g_i - g_j).(p_j - p_i)/2
        (exact for a quadratic surface); 0 on edges whose vertex normals differ by more than
        :data:`KINK_ANGLE`."""
        g = self.vertex_gradients(W, D)
        p = self.tri[:, :, [0, 2]]
        out = np.zeros((len(self.tri), 3))
        for e, (i, j) in enumerate(((0, 1), (1, 2), (2, 0))):
            gi, gj = g[:, i], g[:, j]
            out[:, e] = 0.5 * np.einsum("ij,ij->i", gi - gj, p[:, j] - p[:, i])
            ni = np.column_stack([-gi[:, 0], np.ones(len(gi)), -gi[:, 1]])
            nj = np.column_stack([-gj[:, 0], np.ones(len(gj)), -gj[:, 1]])
            cos = np.einsum("ij,ij->i", ni, nj) / (
                np.linalg.norm(ni, axis=1) * np.linalg.norm(nj, axis=1)
            )
            out[np.arccos(np.clip(cos, -1.0, 1.0)) > KINK_ANGLE, e] = 0.0
        return out

    def evaluate(
        self,
        x,
        z,
        W: float,
        D: float,
        envelope: str | None = None,
        name=None,
        corrections: np.ndarray | None = None,
    ):
        """Piecewise-linear interpolant at points (x, z) (wrapped into the periodic cell
        [0, W) x [0, D)): the height y, or the nodal values ``name``. Where several triangles
        cover a point (folded surface) the upper (``envelope="upper"``) or lower one is taken;
        with None the first one found. ``corrections``: the height's curvature corrections
        (:meth:`curvature_corrections`) added to y (not to the values)."""
        x = np.mod(np.asarray(x, dtype=float), W)
        z = np.mod(np.asarray(z, dtype=float), D)
        shape = x.shape
        x, z = x.ravel(), z.ravel()
        # the sides' vertices slide along the sides, so the triangles tile [0, W] x [0, D]
        best_y = np.full(x.shape, np.nan)
        out = np.full(x.shape, np.nan)
        order = np.argsort(x, kind="stable")
        xs = x[order]
        tri = self.tri
        vals = tri[:, :, 1] if name is None else self.values[name]
        tol = 1e-9 * max(W, D)
        X, Z = tri[:, :, 0], tri[:, :, 2]
        a = np.searchsorted(xs, X.min(axis=1) - tol, side="left")
        b = np.searchsorted(xs, X.max(axis=1) + tol, side="right")
        zlo, zhi = Z.min(axis=1) - tol, Z.max(axis=1) + tol
        for k in np.nonzero(b > a)[0]:
            idx = order[a[k] : b[k]]
            idx = idx[(z[idx] >= zlo[k]) & (z[idx] <= zhi[k])]
            if not idx.size:
                continue
            (x0, x1, x2), (z0, z1, z2) = X[k], Z[k]
            det = (x1 - x0) * (z2 - z0) - (x2 - x0) * (z1 - z0)
            if det == 0.0:
                continue
            l1 = ((x[idx] - x0) * (z2 - z0) - (x2 - x0) * (z[idx] - z0)) / det
            l2 = ((x1 - x0) * (z[idx] - z0) - (x[idx] - x0) * (z1 - z0)) / det
            l0 = 1.0 - l1 - l2
            ins = (l0 >= -1e-9) & (l1 >= -1e-9) & (l2 >= -1e-9)
            if not ins.any():
                continue
            idx, l0, l1, l2 = idx[ins], l0[ins], l1[ins], l2[ins]
            yk = l0 * tri[k, 0, 1] + l1 * tri[k, 1, 1] + l2 * tri[k, 2, 1]
            if corrections is not None:
                c = corrections[k]
                yk = yk + l0 * l1 * c[0] + l1 * l2 * c[1] + l2 * l0 * c[2]
            vk = l0 * vals[k, 0] + l1 * vals[k, 1] + l2 * vals[k, 2]
            if name is None:
                vk = yk
            cur = best_y[idx]
            if envelope == "upper":
                take = np.isnan(cur) | (yk > cur)
            elif envelope == "lower":
                take = np.isnan(cur) | (yk < cur)
            else:
                take = np.isnan(cur)
            best_y[idx[take]] = yk[take]
            out[idx[take]] = vk[take]
        if np.isnan(out).any():  # pragma: no cover - the triangles tile the periodic cell
            raise RemeshError("points of the cell are not covered by the Li surface triangles")
        return out.reshape(shape)


def electrode_surface(mesh, facet_tags, tag: int, values: dict | None = None):
    """The electrode of a first-order mesh on all ranks (collective): a
    :class:`SurfaceProfile` in 2D, a :class:`TriangulatedSurface` in 3D.

    Args:
        values: optional name -> (array over the local geometry nodes) to carry along.
    """
    if mesh.geometry.dim == 2:
        return electrode_profile(mesh, facet_tags, tag, values)
    comm = mesh.comm
    nodes = _owned_facet_nodes(mesh, facet_tags, tag)
    x = mesh.geometry.x
    tri = np.concatenate(comm.allgather(x[nodes]))
    vals = {
        name: np.concatenate(comm.allgather(np.asarray(arr)[nodes]))
        for name, arr in (values or {}).items()
    }
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    cr = np.cross(e1, e2)
    return TriangulatedSurface(
        tri=tri,
        values=vals,
        projected_area=float(0.5 * np.abs(cr[:, 1]).sum()),
        area=float(0.5 * np.linalg.norm(cr, axis=1).sum()),
    )


def surface_function(
    surface,
    width: float,
    depth: float | None = None,
    envelope: str | None = None,
    rtol=1e-9,
    smooth: bool = True,
):
    """h(x) (2D :class:`SurfaceProfile`) or h(x, z) (3D :class:`TriangulatedSurface`) [m],
    periodic, with the curvature correction when ``smooth`` (see :func:`profile_function`);
    a folded surface is resolved by ``envelope`` or refused."""
    if isinstance(surface, SurfaceProfile):
        return profile_function(surface, width, envelope=envelope, rtol=rtol, smooth=smooth)
    folded = surface.projected_area > width * depth * (1.0 + rtol) + 1e-30
    if folded and envelope is None:
        raise RemeshError(
            "the Li surface folded over (it is no longer a graph y = h(x, z): the electrode "
            f"triangles project onto {surface.projected_area:.6g} m^2 > {width * depth:.6g} "
            "m^2); it cannot be remeshed along a surface"
        )

    corr = surface.curvature_corrections(width, depth) if smooth else None

    def h(x, z):
        return surface.evaluate(
            x, z, width, depth, envelope=envelope if folded else None, corrections=corr
        )

    return h


#: vertices where the surface turns by more than this [rad] are kinks: no curvature correction
#: on the facets next to them (a site step, the cut of a fold)
KINK_ANGLE = math.radians(25.0)


def profile_function(
    profile: SurfaceProfile,
    width: float,
    x0: float = 0.0,
    rtol=1e-9,
    envelope: str | None = None,
    smooth: bool = True,
):
    """h(x) [m] through the profile's vertices, periodic with period ``width``, so
    h(x0) = h(x0 + width).

    ``smooth = False``: the piecewise-linear interpolant (np.interp with ``period``).
    ``smooth = True`` (remeshing): the same plus a curvature correction on each facet [a, b],
    h = h_PL + lambda_a lambda_b (s_a - s_b)(x_b - x_a) / 2, with the vertex slopes s from the
    parabola through each vertex and its two neighbours: exact for a parabola, so that
    re-sampling the surface on new nodes does not cut its crests and troughs (the
    piecewise-linear interpolant would lower a cosine's amplitude by O(h^2) per remeshing).
    Facets next to a kink (the surface turns by more than :data:`KINK_ANGLE`) stay linear.

    A surface that folded over (the facets' projections overlap, sum |dx| > width) is not a
    graph y = h(x). Normal growth does that at concave corners (the fronts from both sides
    cross and leave a "swallowtail" behind the true front). With ``envelope = "upper"``
    (plating: the Li grows upward, the Li is the union of what the front swept) or ``"lower"``
    (stripping), the fold is resolved by the envelope of the facets, which removes the
    swallowtail (the entropy solution of front propagation); otherwise :class:`RemeshError`.
    """
    folded = profile.projected_length > width * (1.0 + rtol) + 1e-15
    if folded and (envelope is None or profile.segments is None):
        raise RemeshError(
            "the Li surface folded over (it is no longer a graph y = h(x): the electrode facets "
            f"project onto {profile.projected_length:.6g} m > width {width:.6g} m); it cannot be "
            "remeshed along a profile"
        )
    if folded:
        xs, ys = _envelope(profile.segments, x0, width, envelope)
    else:
        xs, ys = profile.x, profile.y
    keep = xs < x0 + width * (1.0 - 1e-12)  # the right end repeats the left end (period)
    xs, ys = xs[keep], ys[keep]

    if not smooth or len(xs) < 3:

        def h(x):
            return np.interp(np.asarray(x, dtype=float), xs, ys, period=width)

        return h

    # vertex slopes (three-point parabola, periodic) and the kinks
    xl, xr = np.roll(xs, 1), np.roll(xs, -1)
    xl[0] -= width
    xr[-1] += width
    dl, dr = xs - xl, xr - xs
    sl, sr = (ys - np.roll(ys, 1)) / dl, (np.roll(ys, -1) - ys) / dr
    slope = (dr * sl + dl * sr) / (dl + dr)
    kink = np.abs(np.arctan(sr) - np.arctan(sl)) > KINK_ANGLE
    # facet k = [xs[k], xs[k+1]] (the last one wraps): its correction coefficient
    L = dr
    coef = 0.5 * (slope - np.roll(slope, -1)) * L
    coef[kink | np.roll(kink, -1)] = 0.0
    x_ext = np.append(xs, xs[0] + width)

    def h(x):
        x = np.asarray(x, dtype=float)
        xw = xs[0] + np.mod(x - xs[0], width)  # in [xs[0], xs[0] + W): facets 0 .. n-1
        k = np.clip(np.searchsorted(x_ext, xw, side="right") - 1, 0, len(xs) - 1)
        t = (xw - xs[k]) / L[k]
        base = np.interp(x, xs, ys, period=width)
        return base + t * (1.0 - t) * coef[k]

    return h


def _envelope(segments: np.ndarray, x0: float, width: float, which: str):
    """Upper (or lower) envelope of line segments over [x0, x0 + width], sampled at every
    segment end and on a fine uniform grid."""
    xa, ya, xb, yb = segments.T
    lo, hi = np.minimum(xa, xb), np.maximum(xa, xb)
    grid = np.unique(np.concatenate([xa, xb, np.linspace(x0, x0 + width, 4 * len(xa) + 1)]))
    grid = grid[(grid >= x0) & (grid <= x0 + width)]
    best = np.full(grid.shape, -np.inf if which == "upper" else np.inf)
    for k in range(len(xa)):
        if hi[k] - lo[k] <= 0.0:
            continue
        sel = (grid >= lo[k]) & (grid <= hi[k])
        t = (grid[sel] - xa[k]) / (xb[k] - xa[k])
        yk = ya[k] + t * (yb[k] - ya[k])
        best[sel] = np.maximum(best[sel], yk) if which == "upper" else np.minimum(best[sel], yk)
    ok = np.isfinite(best)
    return grid[ok], best[ok]
