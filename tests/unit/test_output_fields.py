"""FieldWriter and gather_p1: XDMF (meshio) and VTX output of P1 fields."""

from __future__ import annotations

import depsim  # noqa: F401  (loads MPI before dolfinx)

# isort: split

import meshio
import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from depsim.output import FieldWriter, gather_p1


def scalar_exact(x, t):
    return (1.0 + t) * (x[0] + 2.0 * x[1] ** 2)


def vector_exact(x, t):
    return np.stack([np.sin(x[0]) + t, x[0] * x[1] - t])


def make_problem(n=(8, 6)):
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0.0, 0.0], [1.0, 1.0]], list(n))
    V = fem.functionspace(msh, ("Lagrange", 1))
    W = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    funcs = {"c_cation": fem.Function(V), "phi": fem.Function(V), "E": fem.Function(W)}
    return msh, funcs


def set_time(funcs, t):
    funcs["c_cation"].interpolate(lambda x: scalar_exact(x, t))
    funcs["phi"].interpolate(lambda x: -scalar_exact(x, t))
    funcs["E"].interpolate(lambda x: vector_exact(x, t))


def test_gather_serial_matches_mesh():
    msh, funcs = make_problem()
    set_time(funcs, 0.5)
    points, cells, data = gather_p1(funcs)
    assert points.shape == (9 * 7, 2)
    assert cells["triangle"].shape == (2 * 8 * 6, 3)
    assert data["E"].shape == (63, 3)
    np.testing.assert_allclose(data["E"][:, 2], 0.0, atol=1e-15)
    x = np.vstack([points.T, np.zeros(len(points))])
    np.testing.assert_allclose(data["c_cation"], scalar_exact(x, 0.5), atol=1e-13)
    np.testing.assert_allclose(data["E"][:, :2], vector_exact(x, 0.5).T, atol=1e-13)
    # every point is used by some cell, cells have positive area
    assert np.unique(cells["triangle"]).size == len(points)


def test_gather_rejects_non_p1():
    msh, funcs = make_problem((2, 2))
    funcs["bad"] = fem.Function(fem.functionspace(msh, ("Lagrange", 2)))
    with pytest.raises(ValueError, match="P1"):
        gather_p1(funcs)


def test_unknown_format(tmp_path):
    msh, funcs = make_problem((2, 2))
    with pytest.raises(ValueError, match="unknown output format"):
        FieldWriter(msh, tmp_path, ["xdmf", "vtu"], funcs)


def test_write_xdmf_and_vtx(tmp_path):
    msh, funcs = make_problem()
    times = [0.0, 0.25, 1.0]
    with FieldWriter(msh, tmp_path, ["xdmf", "vtx"], funcs) as writer:
        for t in times:
            set_time(funcs, t)
            writer.write(t)
    assert (tmp_path / "fields.h5").exists()
    assert (tmp_path / "fields.bp" / "md.idx").exists()
    with meshio.xdmf.TimeSeriesReader(tmp_path / "fields.xdmf") as reader:
        points, cells = reader.read_points_cells()
        assert reader.num_steps == len(times)
        x = np.vstack([points[:, 0], points[:, 1], np.zeros(len(points))])
        for k, t in enumerate(times):
            tk, pdata, _ = reader.read_data(k)
            assert tk == pytest.approx(t)
            assert set(pdata) == {"c_cation", "phi", "E"}
            np.testing.assert_allclose(pdata["c_cation"], scalar_exact(x, t), atol=1e-12)
            np.testing.assert_allclose(pdata["phi"], -scalar_exact(x, t), atol=1e-12)
            np.testing.assert_allclose(pdata["E"][:, :2], vector_exact(x, t).T, atol=1e-12)
            assert pdata["E"].shape[1] == 3
    assert cells[0].type == "triangle"


def test_moving_mesh_displacement(tmp_path):
    msh, funcs = make_problem((4, 4))
    set_time(funcs, 0.0)
    x0 = msh.geometry.x.copy()
    with FieldWriter(msh, tmp_path, ["xdmf"], funcs, moving_mesh=True) as writer:
        writer.write(0.0)
        msh.geometry.x[:, 1] += 0.1 * msh.geometry.x[:, 0]  # shear the mesh
        writer.write(1.0)
    with meshio.xdmf.TimeSeriesReader(tmp_path / "fields.xdmf") as reader:
        points, _ = reader.read_points_cells()
        _, d0, _ = reader.read_data(0)
        _, d1, _ = reader.read_data(1)
    np.testing.assert_allclose(d0["displacement"], 0.0)
    np.testing.assert_allclose(d1["displacement"][:, 1], 0.1 * points[:, 0], atol=1e-14)
    np.testing.assert_allclose(d1["displacement"][:, [0, 2]], 0.0)
    msh.geometry.x[:] = x0


def test_remesh_starts_new_segment(tmp_path):
    msh, funcs = make_problem((2, 2))
    set_time(funcs, 0.0)
    writer = FieldWriter(msh, tmp_path, ["xdmf"], funcs)
    writer.write(0.0)
    msh2, funcs2 = make_problem((3, 3))
    set_time(funcs2, 1.0)
    writer.update_mesh(funcs2)
    writer.write(1.0)
    writer.close()
    writer.close()
    assert (tmp_path / "fields.xdmf").exists() and (tmp_path / "fields_001.xdmf").exists()
    with meshio.xdmf.TimeSeriesReader(tmp_path / "fields_001.xdmf") as reader:
        points, _ = reader.read_points_cells()
    assert len(points) == 16
