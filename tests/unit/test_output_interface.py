"""ElectrodeSampler (ordering, arc length, normals, weights, values) and InterfaceCSV."""

from __future__ import annotations

import depsim  # noqa: F401  (loads MPI before dolfinx)

# isort: split

import numpy as np
import pytest
from dolfinx import fem, mesh
from mpi4py import MPI

from depsim.output import (
    INTERFACE_COLUMNS,
    INTERFACE_COLUMNS_3D,
    ElectrodeSampler,
    InterfaceCSV,
    interface_columns,
)

ELECTRODE = 1
AMP = 0.2


def sine_mesh(nx=64, ny=8, amp=AMP, comm=MPI.COMM_WORLD):
    """[0, 1] x [h(x), 1] with h = amp cos(2 pi x); bottom facets tagged ELECTRODE."""
    msh = mesh.create_rectangle(comm, [[0.0, 0.0], [1.0, 1.0]], [nx, ny])
    x = msh.geometry.x
    x[:, 1] += (1.0 - x[:, 1]) * amp * np.cos(2 * np.pi * x[:, 0])
    facets = mesh.locate_entities_boundary(
        msh, 1, lambda X: np.isclose(X[1], amp * np.cos(2 * np.pi * X[0]))
    )
    tags = mesh.meshtags(msh, 1, facets, np.full(len(facets), ELECTRODE, np.int32))
    return msh, tags


def sine_length(amp=AMP):
    x = np.linspace(0.0, 1.0, 200001)
    f = np.sqrt(1.0 + (2 * np.pi * amp * np.sin(2 * np.pi * x)) ** 2)
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(x)))


def test_sine_bottom_arc_length_and_values():
    msh, tags = sine_mesh()
    sampler = ElectrodeSampler(msh, tags, ELECTRODE)
    V = fem.functionspace(msh, ("Lagrange", 1))
    W = fem.functionspace(msh, ("Lagrange", 1, (2,)))
    c = fem.Function(V)
    c.interpolate(lambda x: 1000.0 + 50.0 * x[0] ** 2 + 3.0 * x[1])
    E = fem.Function(W)
    E.interpolate(lambda x: np.stack([np.ones_like(x[0]) * 2.0, -3.0 * np.ones_like(x[0])]))
    out = sampler.sample({"c_cation": c, "E": E})
    assert len(out["x"]) == 65
    # walked from the smallest x, in order along the surface
    assert out["x"][0] == pytest.approx(0.0) and np.all(np.diff(out["x"]) > 0)
    assert np.all(np.diff(out["s"]) > 0) and out["s"][0] == pytest.approx(0.0, abs=1e-15)
    L = sine_length()
    assert out["s"][-1] == pytest.approx(L, abs=1e-3)
    assert out["weight"].sum() == pytest.approx(out["s"][-1], rel=1e-12)
    np.testing.assert_allclose(out["y"], AMP * np.cos(2 * np.pi * out["x"]), atol=1e-14)
    # exact at the vertices
    exact = 1000.0 + 50.0 * out["x"] ** 2 + 3.0 * out["y"]
    np.testing.assert_allclose(out["c_cation"], exact, rtol=1e-14)
    # unit normals out of the electrolyte (downward), tangents toward +s, orthonormal
    n = np.stack([out["nx"], out["ny"]], axis=1)
    t = np.stack([out["tx"], out["ty"]], axis=1)
    np.testing.assert_allclose(np.linalg.norm(n, axis=1), 1.0)
    np.testing.assert_allclose(np.einsum("ij,ij->i", n, t), 0.0, atol=1e-14)
    assert np.all(out["ny"] < 0) and np.all(out["tx"] > 0)
    # normal vs. the analytic one (-h', ... ) pointing down: n ~ (h', -1)/|.|
    hp = -2 * np.pi * AMP * np.sin(2 * np.pi * out["x"])
    n_exact = np.stack([hp, -np.ones_like(hp)], axis=1) / np.sqrt(1 + hp**2)[:, None]
    assert np.max(np.abs(n - n_exact)[1:-1]) < 1e-2
    np.testing.assert_allclose(out["E_n"], 2.0 * out["nx"] - 3.0 * out["ny"], atol=1e-14)
    np.testing.assert_allclose(out["E_t"], 2.0 * out["tx"] - 3.0 * out["ty"], atol=1e-14)
    np.testing.assert_allclose(out["E_x"], 2.0)


def test_flat_bottom_normals():
    msh, tags = sine_mesh(nx=6, ny=3, amp=0.0)
    sampler = ElectrodeSampler(msh, tags, ELECTRODE)
    out = sampler.sample()
    np.testing.assert_allclose(out["nx"], 0.0, atol=1e-15)
    np.testing.assert_allclose(out["ny"], -1.0)
    np.testing.assert_allclose(out["tx"], 1.0)
    np.testing.assert_allclose(out["s"], out["x"], atol=1e-15)
    np.testing.assert_allclose(out["weight"], [1 / 12] + [1 / 6] * 5 + [1 / 12])
    assert sampler.length0 == pytest.approx(1.0)


def test_walk_follows_chain_not_x():
    """An electrode that folds back in x (a C shape) must be walked along the surface."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0.0, 0.0], [1.0, 1.0]], [4, 4])
    msh.topology.create_connectivity(1, 2)
    facets = mesh.locate_entities_boundary(
        msh, 1, lambda X: np.isclose(X[1], 0.0) | np.isclose(X[0], 1.0) | np.isclose(X[1], 1.0)
    )
    tags = mesh.meshtags(msh, 1, facets, np.full(len(facets), 7, np.int32))
    out = ElectrodeSampler(msh, tags, 7).sample()
    pts = np.stack([out["x"], out["y"]], axis=1)
    steps = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    np.testing.assert_allclose(steps, 0.25)  # consecutive vertices are neighbours
    assert out["s"][-1] == pytest.approx(3.0)
    # the walk starts at one end of the chain: (0, 0) or (0, 1), up to rounding
    ends = np.array([[0.0, 0.0], [0.0, 1.0]])
    assert np.min(np.linalg.norm(ends - pts[0], axis=1)) < 1e-12
    # normals point out of the square
    centre_to_p = pts - 0.5
    n = np.stack([out["nx"], out["ny"]], axis=1)
    assert np.all(np.einsum("ij,ij->i", n, centre_to_p) > 0)


def test_3d_normals_and_area():
    msh = mesh.create_box(MPI.COMM_WORLD, [[0, 0, 0], [1, 2, 1]], [3, 2, 2])
    facets = mesh.locate_entities_boundary(msh, 2, lambda X: np.isclose(X[2], 0.0))
    tags = mesh.meshtags(msh, 2, facets, np.full(len(facets), ELECTRODE, np.int32))
    W = fem.functionspace(msh, ("Lagrange", 1, (3,)))
    E = fem.Function(W)
    E.interpolate(lambda x: np.stack([np.ones_like(x[0]), np.zeros_like(x[0]), 2 + x[0]]))
    out = ElectrodeSampler(msh, tags, ELECTRODE).sample({"E": E})
    assert out["weight"].sum() == pytest.approx(2.0)
    np.testing.assert_allclose(out["nz"], -1.0)
    assert np.all(np.isnan(out["s"]))
    np.testing.assert_allclose(out["E_n"], -(2 + out["x"]))
    np.testing.assert_allclose(out["E_t"], 1.0)
    # every vertex of the 4 x 3 grid on z = 0 once, listed by x, then z, then y
    assert len(out["x"]) == 4 * 3
    xyz = np.stack([out["x"], out["y"], out["z"]], axis=1)
    assert len(np.unique(np.round(xyz, 12), axis=0)) == 12
    np.testing.assert_allclose(out["z"], 0.0, atol=1e-15)
    dx = np.diff(out["x"])
    assert np.all(dx > -1e-12)
    assert np.all(np.diff(out["y"])[np.abs(dx) < 1e-12] > 0)


def test_interface_columns():
    assert interface_columns(2) == INTERFACE_COLUMNS
    assert interface_columns(3) == INTERFACE_COLUMNS_3D
    assert INTERFACE_COLUMNS[:4] == ("t", "s", "x", "y")
    assert INTERFACE_COLUMNS_3D[:4] == ("t", "x", "y", "z") and "s" not in INTERFACE_COLUMNS_3D
    assert INTERFACE_COLUMNS[4:] == INTERFACE_COLUMNS_3D[4:]
    with pytest.raises(ValueError):
        interface_columns(1)


def test_interface_csv_3d(tmp_path):
    path = tmp_path / "interface.csv"
    n = 3
    samples = {k: np.arange(n) + 0.25 * i for i, k in enumerate(INTERFACE_COLUMNS_3D)}
    samples["s"] = np.full(n, np.nan)  # the sampler's s in 3D: not written
    InterfaceCSV(path, gdim=3).append(0.5, samples)
    lines = path.read_text().splitlines()
    assert lines[0] == "t,x,y,z,i_n,c_cation,c_anion,phi,E_t,E_n,eta"
    data = np.genfromtxt(path, delimiter=",", names=True)
    assert len(data) == n and not np.isnan(data["t"]).any()
    for k in ("x", "y", "z", "phi"):
        np.testing.assert_allclose(data[k], samples[k], rtol=1e-10)
    # a restart keeps the file's own columns, even when asked for others
    InterfaceCSV(path, gdim=2, append=True).append(1.0, samples)
    data = np.genfromtxt(path, delimiter=",", names=True)
    assert data.dtype.names == INTERFACE_COLUMNS_3D and len(data) == 2 * n
    np.testing.assert_allclose(data["z"][n:], samples["z"], rtol=1e-10)


def test_missing_tag_raises():
    msh, tags = sine_mesh(nx=4, ny=2)
    with pytest.raises(ValueError, match="no facets"):
        ElectrodeSampler(msh, tags, 99)


def test_interface_csv(tmp_path):
    path = tmp_path / "interface.csv"
    csv = InterfaceCSV(path)
    n = 4
    samples = {k: np.arange(n) + 0.1 * i for i, k in enumerate(INTERFACE_COLUMNS) if k != "i_n"}
    del samples["eta"]
    samples["current_n"] = np.full(n, 5.0)
    csv.append(0.0, samples)
    csv.append(1.5, samples)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(INTERFACE_COLUMNS)
    assert len(lines) == 1 + 2 * n
    data = np.genfromtxt(path, delimiter=",", names=True)
    np.testing.assert_allclose(data["t"][:n], 0.0, atol=1e-15)
    np.testing.assert_allclose(data["t"][n:], 1.5, rtol=1e-12)
    np.testing.assert_allclose(data["i_n"], 5.0, rtol=1e-12)  # alias current_n
    assert np.all(np.isnan(data["eta"]))
    np.testing.assert_allclose(data["phi"][:n], samples["phi"], rtol=1e-10)  # %.10e
    # restart: append keeps the header and the rows
    InterfaceCSV(path, append=True).append(2.0, samples)
    assert path.read_text().count("t,s,x") == 1
    assert len(path.read_text().splitlines()) == 1 + 3 * n


def test_branching_electrode_raises():
    """A T junction (bottom edge plus the interior vertical line x = 0.5) cannot be walked."""
    msh = mesh.create_rectangle(MPI.COMM_WORLD, [[0.0, 0.0], [1.0, 1.0]], [2, 2])
    msh.topology.create_connectivity(1, 2)
    facets = mesh.locate_entities(
        msh, 1, lambda X: np.isclose(X[1], 0.0) | (np.isclose(X[0], 0.5) & (X[1] < 0.51))
    )
    tags = mesh.meshtags(msh, 1, facets, np.full(len(facets), 3, np.int32))
    with pytest.raises(ValueError, match="branch"):
        ElectrodeSampler(msh, tags, 3)
