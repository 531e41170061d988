"""Nodal values along the Li electrode Γ_e, and the ``interface.csv`` writer.

Conventions (docs/model.md §1): ``n`` is the outward unit normal of the *electrolyte*, so on Γ_e it
points into the Li (downward on a bottom electrode). In 2D the electrode vertices are ordered
along the surface by walking the facet chain from its end with the smallest x (ties: smallest
y); the arc length ``s`` (m) grows along the walk and the unit tangent ``t`` points toward
increasing ``s`` (``t = (-n_y, n_x)`` or its opposite). For a vector field ``v`` the sampler
reports ``v_n = v·n`` and ``v_t = v·t``: for the electrolyte current density (A/m^2) ``v_n > 0``
means current flows from the electrolyte into the Li, i.e. Li plates — the sign of ``i_n`` in the
outputs.

In 3D (x along the width, y up, z along the depth; the Li is the bottom surface y = h(x, z))
a surface has no single arc length and no single tangent: the vertices are listed by their
initial x, then z, then y (each rounded to 1e-9 of the electrode's extent); ``s`` is NaN; the
normal ``n`` at a vertex is the normalised sum of the unit normals of its electrode facets;
and ``v_t`` is the magnitude of the tangential part, ``v_t = |v - (v·n) n| >= 0`` (unsigned,
so ``E_t`` has no direction in 3D).

``interface.csv`` has one row per electrode vertex and output time — each vertex exactly once,
whichever ranks share it — with the columns

* 2D (:data:`INTERFACE_COLUMNS`): ``t,s,x,y,i_n,c_cation,c_anion,phi,E_t,E_n,eta``
* 3D (:data:`INTERFACE_COLUMNS_3D`): ``t,x,y,z,i_n,c_cation,c_anion,phi,E_t,E_n,eta`` — ``z``
  added so that every row can be put back on the surface, ``s`` left out.

Units: ``t`` s; ``s``, ``x``, ``y``, ``z`` m (current, moved coordinates in a deposition run);
``i_n`` A/m^2 (> 0 where Li plates); ``c_cation``, ``c_anion`` mol/m^3; ``phi`` V (electrolyte
potential, Li at 0 V); ``E_t``, ``E_n`` V/m (tangential and normal field, n into the Li);
``eta`` V (overpotential φ_s − φ_l).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
from dolfinx import fem
from mpi4py import MPI

from depsim.output.gather import check_p1, node_map
from depsim.output.interface_csv import (
    INTERFACE_COLUMNS,
    INTERFACE_COLUMNS_3D,
    InterfaceCSV,
    interface_columns,
)

__all__ = [
    "INTERFACE_COLUMNS",
    "INTERFACE_COLUMNS_3D",
    "ElectrodeSampler",
    "InterfaceCSV",
    "interface_columns",
]

log = logging.getLogger("depsim")


def _facet_normals(xf: np.ndarray, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals pointing away from the cell centroids ``xc`` (nf, 3) and measures (m or m^2)
    of facets with vertex coordinates ``xf`` (nf, nvf, 3)."""
    nvf = xf.shape[1]
    if nvf == 2:  # edge in the xy-plane
        e = xf[:, 1] - xf[:, 0]
        m = np.stack([e[:, 1], -e[:, 0], np.zeros(len(e))], axis=1)
        measure = np.linalg.norm(e, axis=1)
    elif nvf == 3:  # triangle
        m = np.cross(xf[:, 1] - xf[:, 0], xf[:, 2] - xf[:, 0])
        measure = 0.5 * np.linalg.norm(m, axis=1)
    elif nvf == 4:  # quadrilateral (dolfinx/basix vertex order: diagonals 0-3 and 1-2)
        m = np.cross(xf[:, 3] - xf[:, 0], xf[:, 2] - xf[:, 1])
        measure = 0.5 * np.linalg.norm(m, axis=1)
    else:  # pragma: no cover
        raise ValueError(f"unsupported facet with {nvf} vertices")
    m /= np.linalg.norm(m, axis=1)[:, None]
    flip = np.einsum("ij,ij->i", m, xf.mean(axis=1) - xc) < 0
    m[flip] *= -1
    return m, measure


class ElectrodeSampler:
    """Vertex values on the facets tagged ``tag`` (the Li electrode), gathered on rank 0.

    Args:
        mesh: dolfinx mesh (m), 2D or 3D; it may move between samples (ALE): coordinates, arc
            length, normals and weights are recomputed at every :meth:`sample`.
        facet_tags: facet MeshTags.
        tag: the electrode's tag value.

    Construction and :meth:`sample` are collective. Attributes set on rank 0: ``n_points``,
    ``s0`` (arc length at construction, m; NaN in 3D), ``length0`` (electrode length m, or
    area m^2 in 3D, at construction).
    """

    def __init__(self, mesh, facet_tags, tag: int):
        self.mesh = mesh
        self.comm = comm = mesh.comm
        self.gdim = mesh.geometry.dim
        tdim = mesh.topology.dim
        fdim = tdim - 1
        top = mesh.topology
        for a, b in ((fdim, 0), (fdim, tdim), (tdim, 0)):
            top.create_connectivity(a, b)
        self.V = V = fem.functionspace(mesh, ("Lagrange", 1))

        # vertex -> P1 dof (dof k of a cell sits at the cell's vertex k)
        c2v = top.connectivity(tdim, 0)
        cells_v = c2v.array.reshape(-1, c2v.offsets[1] - c2v.offsets[0])
        dofs = V.dofmap.list
        v2d = np.full(top.index_map(0).size_local + top.index_map(0).num_ghosts, -1, np.int32)
        v2d[cells_v.ravel()] = dofs.ravel()

        facets = np.asarray(facet_tags.find(tag), dtype=np.int32)
        f2v, f2c = top.connectivity(fdim, 0), top.connectivity(fdim, tdim)
        nvf = f2v.offsets[1] - f2v.offsets[0] if len(f2v.offsets) > 1 else tdim
        fdofs = np.array([v2d[f2v.links(f)] for f in facets], dtype=np.int32).reshape(-1, nvf)
        fcell = np.array([f2c.links(f)[0] for f in facets], dtype=np.int32)
        imap = V.dofmap.index_map
        fglob = imap.local_to_global(fdofs.ravel()).reshape(fdofs.shape)
        self._fdofs, self._fcell = fdofs, fcell

        if comm.allreduce(len(facets), op=MPI.SUM) == 0:
            raise ValueError(f"no facets carry the electrode tag {tag}")

        # rank 0 picks one provider for each facet and each vertex (ghost facets repeat)
        allf = comm.gather(fglob, root=0)
        if comm.rank == 0:
            seen: dict[tuple, tuple[int, int]] = {}
            for r, fg in enumerate(allf):
                for i, row in enumerate(fg):
                    seen.setdefault(tuple(sorted(row.tolist())), (r, i))
            gids = np.unique(np.concatenate([f.ravel() for f in allf]))
            pos = {g: k for k, g in enumerate(gids.tolist())}
            fsel = [[] for _ in range(comm.size)]  # facet rows each rank reports
            fposr = [[] for _ in range(comm.size)]
            vprov = {}  # vertex gid -> rank
            ufac = []
            for k, (r, i) in enumerate(seen.values()):
                fsel[r].append(i)
                fposr[r].append(k)
                row = allf[r][i]
                ufac.append([pos[g] for g in row.tolist()])
                for g in row.tolist():
                    vprov.setdefault(g, r)
            vsel = [[] for _ in range(comm.size)]
            vposr = [[] for _ in range(comm.size)]
            for g, r in vprov.items():
                vsel[r].append(g)
                vposr[r].append(pos[g])
            self._ufac = np.array(ufac, dtype=np.int64)
            self._fpos = [np.array(p, dtype=np.int64) for p in fposr]
            self._vpos = [np.array(p, dtype=np.int64) for p in vposr]
            self._nv = len(gids)
            msg = [
                (np.array(fs, np.int64), np.array(vs, np.int64))
                for fs, vs in zip(fsel, vsel, strict=True)
            ]
        else:
            msg = None
        my_f, my_vg = comm.scatter(msg, root=0)
        self._my_f = my_f
        g2l = {}
        for grow, lrow in zip(fglob, fdofs, strict=True):
            for g, loc in zip(grow.tolist(), lrow.tolist(), strict=True):
                g2l[g] = loc
        self._my_v = np.array([g2l[g] for g in my_vg.tolist()], dtype=np.int32)
        self._maps: dict[int, np.ndarray | None] = {}

        # ordering along the surface (2D) from the initial coordinates
        geo = self._collect({})
        error = None
        if comm.rank == 0:
            try:
                x = geo["_x"]
                if self.gdim == 2:
                    self._perm = self._walk(x)
                else:  # by x, then z, then y: the same rows on any number of ranks
                    # (rounded to 1e-9 of the extent: tabulated coordinates carry round-off)
                    ext = max(float(np.ptp(x, axis=0).max()), np.finfo(float).tiny)
                    key = np.round((x - x.min(axis=0)) / ext * 1e9)
                    self._perm = np.lexsort((key[:, 1], key[:, 2], key[:, 0]))
                out = self._geometry(geo)
                self.n_points = self._nv
                self.s0 = out["s"]
                self.length0 = float(out["weight"].sum())
            except ValueError as exc:
                error = str(exc)
        error = comm.bcast(error, root=0)
        if error is not None:  # raise on every rank, not only on rank 0
            raise ValueError(error)

    # -- internals --------------------------------------------------------------------------
    def _walk(self, x: np.ndarray) -> np.ndarray:
        """Vertex positions in the order of a walk along the facet chain(s) (rank 0, 2D)."""
        nbrs: dict[int, list[int]] = {k: [] for k in range(self._nv)}
        for a, b in self._ufac.tolist():
            nbrs[a].append(b)
            nbrs[b].append(a)
        if any(len(v) > 2 for v in nbrs.values()):
            raise ValueError("the electrode facets branch (a vertex has more than 2 neighbours)")
        visited = np.zeros(self._nv, bool)
        key = np.lexsort((x[:, 1], x[:, 0]))  # by x, then y
        order, self._closed = [], []
        while not visited.all():
            left = [k for k in key if not visited[k]]
            ends = [k for k in left if len(nbrs[k]) < 2]
            start = ends[0] if ends else left[0]
            chain, prev, cur = [start], -1, start
            visited[start] = True
            while True:
                nxt = [n for n in nbrs[cur] if n != prev and not visited[n]]
                if not nxt:
                    break
                prev, cur = cur, nxt[0]
                visited[cur] = True
                chain.append(cur)
            self._closed.append(not ends)
            order.append(chain)
        self._chains = order
        return np.concatenate([np.array(c, dtype=np.int64) for c in order])

    def _values(self, f: fem.Function, nodes: np.ndarray) -> np.ndarray:
        V = f.function_space
        if V.mesh is not self.mesh:
            raise ValueError("function on another mesh than the sampler's")
        key = id(V.dofmap)
        if key not in self._maps:
            self._maps[key] = node_map(self.V, V)
        m = self._maps[key]
        idx = nodes if m is None else m[nodes]
        bs = V.dofmap.index_map_bs
        arr = f.x.array
        return np.array(arr[idx] if bs == 1 else arr.reshape(-1, bs)[idx], dtype=np.float64)

    def _collect(self, functions: Mapping[str, fem.Function]) -> dict | None:
        """Gather coordinates, facet normals/measures and nodal values on rank 0 (unique order)."""
        xall = self.V.tabulate_dof_coordinates()
        fsel = self._fdofs[self._my_f]
        # cell centroids: average of the cell's P1 nodes
        cdofs = self.V.dofmap.list[self._fcell[self._my_f]]
        xc = xall[cdofs].mean(axis=1) if len(cdofs) else np.zeros((0, 3))
        nrm, meas = _facet_normals(xall[fsel], xc) if len(fsel) else (np.zeros((0, 3)), [])
        local = {
            "_x": xall[self._my_v],
            "_fn": nrm,
            "_fm": np.asarray(meas, dtype=np.float64),
        }
        for name, f in functions.items():
            local[name] = self._values(f, self._my_v)
        got = self.comm.gather(local, root=0)
        if self.comm.rank != 0:
            return None
        out = {}
        nf = len(self._ufac)
        for name, arr0 in local.items():
            facet = name in ("_fn", "_fm")
            shape = ((nf if facet else self._nv),) + arr0.shape[1:]
            buf = np.full(shape, np.nan)
            for r, d in enumerate(got):
                buf[(self._fpos if facet else self._vpos)[r]] = d[name]
            out[name] = buf
        return out

    def _geometry(self, raw: dict) -> dict[str, np.ndarray]:
        """Ordered coordinates, s, normals, tangents and weights from gathered raw data."""
        gdim, perm, nv = self.gdim, self._perm, self._nv
        nsum = np.zeros((nv, 3))
        w = np.zeros(nv)
        nvf = self._ufac.shape[1]
        np.add.at(nsum, self._ufac.ravel(), np.repeat(raw["_fn"], nvf, axis=0))
        np.add.at(w, self._ufac.ravel(), np.repeat(raw["_fm"] / nvf, nvf))
        nvec = nsum / np.linalg.norm(nsum, axis=1)[:, None]
        x = raw["_x"]
        out: dict[str, np.ndarray] = {}
        for i, c in enumerate("xyz"[:gdim]):
            out[c] = x[perm, i].copy()
        s = np.full(nv, np.nan)
        tvec = np.full((nv, 3), np.nan)
        if gdim == 2:
            s_off = 0.0
            k0 = 0
            for chain in self._chains:
                c = np.array(chain)
                xc = x[c]
                seg = np.linalg.norm(np.diff(xc, axis=0), axis=1)
                s[k0 : k0 + len(c)] = s_off + np.concatenate([[0.0], np.cumsum(seg)])
                s_off = s[k0 + len(c) - 1] if len(c) else s_off
                # direction of travel (one-sided at the ends)
                d = np.zeros_like(xc)
                if len(c) > 1:
                    d[1:-1] = xc[2:] - xc[:-2]
                    d[0], d[-1] = xc[1] - xc[0], xc[-1] - xc[-2]
                nn = nvec[c]
                t = np.stack([-nn[:, 1], nn[:, 0], np.zeros(len(c))], axis=1)
                t[np.einsum("ij,ij->i", t, d) < 0] *= -1
                tvec[c] = t
                k0 += len(c)
        out["s"] = s
        for i, c in enumerate("xyz"[:gdim]):
            out[f"n{c}"] = nvec[perm, i]
        for i, c in enumerate("xyz"[:gdim]):
            out[f"t{c}"] = tvec[perm, i] if gdim == 2 else np.full(nv, np.nan)
        out["weight"] = w[perm]
        self._nvec, self._tvec = nvec[perm, :gdim], tvec[perm, :gdim]
        return out

    # -- public -------------------------------------------------------------------------------
    def sample(self, functions: Mapping[str, fem.Function] | None = None):
        """Sample ``functions`` at the electrode vertices (collective).

        Args:
            functions: name -> dolfinx Function on a continuous P1 space (scalar or vector of
                shape ``(gdim,)``) of the sampler's mesh. Ghost values are updated first.

        Returns:
            On rank 0 a dict of 1D arrays, one entry per electrode vertex, in surface order (3D:
            by initial x, then z, then y): ``x``, ``y`` (``z`` in 3D) in m; ``s`` arc length in
            m (NaN in 3D); ``nx``, ``ny`` (``nz``) the unit normal pointing out of the
            electrolyte into the Li; ``tx``, ``ty`` (``tz``) the unit tangent toward increasing
            ``s`` (NaN in 3D); ``weight`` the trapezoidal arc-length quadrature weight in m
            (lumped area in m^2 in 3D), summing to the electrode length (area). For each scalar
            function its nodal values under its name; for each vector function ``name``:
            ``name_x``, ``name_y`` (``name_z``), ``name_n`` = v·n and ``name_t`` = v·t (in 3D:
            the magnitude of the tangential part of v). None on the other ranks.
        """
        functions = dict(functions or {})
        if functions:
            check_p1(functions)
            for f in functions.values():
                f.x.scatter_forward()
        raw = self._collect(functions)
        if self.comm.rank != 0:
            return None
        out = self._geometry(raw)
        perm, n, t = self._perm, self._nvec, self._tvec
        for name in functions:
            v = raw[name][perm]
            if v.ndim == 1:
                out[name] = v
                continue
            for i, c in enumerate("xyz"[: v.shape[1]]):
                out[f"{name}_{c}"] = v[:, i].copy()
            vn = np.einsum("ij,ij->i", v[:, : self.gdim], n)
            out[f"{name}_n"] = vn
            if self.gdim == 2:
                out[f"{name}_t"] = np.einsum("ij,ij->i", v[:, :2], t)
            else:
                out[f"{name}_t"] = np.linalg.norm(v[:, :3] - vn[:, None] * n, axis=1)
        return out
