"""interface.csv of a 3D run puts every value back on the Li surface.

A coarse 3D deposition run (the bump of ``deposition_3d.toml``, two steps) on 1 and 2 ranks:
the rows of each output time are the electrode vertices of ``fields.xdmf``, each exactly once
(no duplicates from vertices shared by ranks), located by ``x, y, z`` in the moved geometry,
with the field file's nodal values.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ROOT, run_cli

CASE = str(ROOT / "cases/examples/deposition_3d.toml")
COARSE = (
    "--set",
    "geometry.mesh.size=2 um",
    "--set",
    "geometry.mesh.electrode_size=1 um",
    "--set",
    "time.dt=0.1 s",
    "--set",
    "time.end=0.1 s",
    "--set",
    "output.every=1",
    "--quiet",
)
COLUMNS_3D = ["t", "x", "y", "z", "i_n", "c_cation", "c_anion", "phi", "E_t", "E_n", "eta"]
VALUES = ("c_cation", "c_anion", "phi")


def read_csv(path):
    header = path.read_text().splitlines()[0].split(",")
    rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return header, {h: rows[:, k] for k, h in enumerate(header)}


def electrode_nodes(points: np.ndarray, tets: np.ndarray) -> tuple[np.ndarray, float]:
    """Indices of the nodes on the Li surface -- the boundary faces of the tetrahedra that are
    not on the planes x = 0, x = W, z = 0, z = D or the top y = H (y is up, the Li at the
    bottom) -- and the shortest edge on that surface (m)."""
    local = ([0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3])
    faces = np.sort(np.concatenate([tets[:, f] for f in local]), axis=1)
    uniq, count = np.unique(faces, axis=0, return_counts=True)
    bf = uniq[count == 1]
    lo, hi = points.min(axis=0), points.max(axis=0)
    tol = 1e-9 * float((hi - lo).max())
    xf = points[bf]
    side = np.all(np.abs(xf[:, :, 1] - hi[1]) < tol, axis=1)
    for ax in (0, 2):
        for v in (lo[ax], hi[ax]):
            side |= np.all(np.abs(xf[:, :, ax] - v) < tol, axis=1)
    electrode_faces = bf[~side]
    nodes = np.unique(electrode_faces)
    # the smallest edge on the surface: the length scale of the matching tolerance
    e = points[electrode_faces[:, [0, 1, 2]]] - points[electrode_faces[:, [1, 2, 0]]]
    return nodes, float(np.linalg.norm(e, axis=2).min())


def run(tmp_path, ranks):
    out = tmp_path / f"np{ranks}"
    proc = run_cli("run", CASE, "--out", str(out), *COARSE, ranks=ranks, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return run(tmp_path_factory.mktemp("iface3d"), 1)


def check_rows_on_surface(out):
    import meshio

    header, csv = read_csv(out / "interface.csv")
    assert header == COLUMNS_3D
    assert not (out / "fields_001.xdmf").exists()  # no remeshing: one mesh for every step
    with meshio.xdmf.TimeSeriesReader(str(out / "fields.xdmf")) as reader:
        points, cells = reader.read_points_cells()
        steps = [reader.read_data(k) for k in range(reader.num_steps)]
    tets = np.vstack([c.data for c in cells if c.type == "tetra"])
    nodes, h = electrode_nodes(np.asarray(points, dtype=float), tets)
    tol = 1e-6 * h
    times = np.unique(csv["t"])
    assert len(steps) == len(times) == 2
    for (t, data, _), tc in zip(steps, times, strict=True):
        assert t == pytest.approx(tc, abs=1e-12)
        sel = np.abs(csv["t"] - tc) < 1e-12
        xyz = np.column_stack([csv["x"][sel], csv["y"][sel], csv["z"][sel]])
        # the surface in the moved geometry of this step
        surf = points[nodes] + np.asarray(data["displacement"])[nodes, :3]
        assert len(xyz) == len(nodes)
        d = np.linalg.norm(xyz[:, None, :] - surf[None, :, :], axis=2)
        match = d.argmin(axis=1)
        assert d[np.arange(len(xyz)), match].max() < tol
        # one to one: every electrode node exactly once, no other row near it
        assert len(np.unique(match)) == len(nodes)
        pair = np.linalg.norm(xyz[:, None, :] - xyz[None, :, :], axis=2)
        np.fill_diagonal(pair, np.inf)
        assert pair.min() > 100 * tol
        for name in VALUES:
            field = np.asarray(data[name], dtype=float).reshape(len(points), -1)[nodes[match], 0]
            np.testing.assert_allclose(
                csv[name][sel], field, rtol=1e-10, atol=1e-12 * np.abs(field).max(), err_msg=name
            )
    return xyz


def test_interface_csv_3d_serial(serial):
    check_rows_on_surface(serial)


@pytest.mark.mpi
def test_interface_csv_3d_parallel(serial, tmp_path):
    xyz2 = check_rows_on_surface(run(tmp_path, 2))
    _, csv1 = read_csv(serial / "interface.csv")
    last = np.abs(csv1["t"] - csv1["t"].max()) < 1e-12
    xyz1 = np.column_stack([csv1["x"][last], csv1["y"][last], csv1["z"][last]])
    # the same vertices, in the same order (by x, then z, then y), on 1 and 2 ranks
    np.testing.assert_allclose(xyz2, xyz1, rtol=0, atol=1e-6 * np.ptp(xyz1[:, 0]))
