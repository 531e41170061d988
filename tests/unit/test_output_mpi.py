"""Parallel output: `mpirun -n 2` gives the serial XDMF fields and electrode samples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import sys
from pathlib import Path

import depsim  # noqa: F401
import numpy as np
from dolfinx import fem, mesh
from mpi4py import MPI

from depsim.output import ElectrodeSampler, FieldWriter

out = Path(sys.argv[1])
comm = MPI.COMM_WORLD
msh = mesh.create_rectangle(comm, [[0.0, 0.0], [1.0, 1.0]], [32, 8])
x = msh.geometry.x
x[:, 1] += (1.0 - x[:, 1]) * 0.2 * np.cos(2 * np.pi * x[:, 0])
facets = mesh.locate_entities_boundary(
    msh, 1, lambda X: np.isclose(X[1], 0.2 * np.cos(2 * np.pi * X[0])))
tags = mesh.meshtags(msh, 1, facets, np.full(len(facets), 1, np.int32))
V = fem.functionspace(msh, ("Lagrange", 1))
W = fem.functionspace(msh, ("Lagrange", 1, (2,)))
c, E = fem.Function(V), fem.Function(W)
funcs = {"c_cation": c, "E": E}
sampler = ElectrodeSampler(msh, tags, 1)
n_local = comm.gather(len(tags.find(1)), root=0)
with FieldWriter(msh, out, ["xdmf", "vtx"], funcs) as writer:
    for t in (0.0, 1.0):
        c.interpolate(lambda x: (1 + t) * (np.sin(3 * x[0]) + x[1] ** 2))
        E.interpolate(lambda x: np.stack([x[1] + t, np.cos(x[0])]))
        writer.write(t)
samples = sampler.sample(funcs)
if comm.rank == 0:
    np.savez(out / "samples.npz", n_local=np.array(n_local), **samples)
"""


def run(tmp_path: Path, nproc: int) -> Path:
    out = tmp_path / f"np{nproc}"
    script = tmp_path / "scenario.py"
    script.write_text(SCRIPT)
    py = sys.executable
    cmd = [py, str(script), str(out)]
    if nproc > 1:
        cmd = [str(Path(py).parent / "mpirun"), "-n", str(nproc), *cmd]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("OMPI_COMM_WORLD_SIZE", None)
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def read_xdmf(path: Path):
    import meshio

    with meshio.xdmf.TimeSeriesReader(path) as reader:
        points, cells = reader.read_points_cells()
        steps = [reader.read_data(k) for k in range(reader.num_steps)]
    key = np.round(points, 10)  # serial and parallel coordinates differ in the last bit
    order = np.lexsort((key[:, 1], key[:, 0]))
    return points, order, steps, cells


def have_mpirun() -> bool:
    return (Path(sys.executable).parent / "mpirun").exists() or shutil.which("mpirun") is not None


@pytest.mark.mpi
@pytest.mark.skipif(not have_mpirun(), reason="mpirun not found")
def test_parallel_output_matches_serial(tmp_path):
    serial = run(tmp_path, 1)
    parallel = run(tmp_path, 2)
    assert (parallel / "fields.bp" / "md.idx").exists()

    p1, o1, s1, c1 = read_xdmf(serial / "fields.xdmf")
    p2, o2, s2, c2 = read_xdmf(parallel / "fields.xdmf")
    assert len(p1) == len(p2) == 33 * 9
    assert c1[0].data.shape == c2[0].data.shape
    np.testing.assert_allclose(p1[o1], p2[o2], atol=1e-14)
    assert len(s1) == len(s2) == 2
    for (t1, d1, _), (t2, d2, _) in zip(s1, s2, strict=True):
        assert t1 == pytest.approx(t2, abs=1e-12)
        for name in ("c_cation", "E"):
            np.testing.assert_allclose(d1[name][o1], d2[name][o2], atol=1e-14)

    # the parallel cells are the serial ones (as sets of vertex coordinates)
    def cell_keys(points, cells):
        xy = np.round(points[cells.data].mean(axis=1), 10)
        return xy[np.lexsort((xy[:, 1], xy[:, 0]))]

    np.testing.assert_allclose(cell_keys(p1, c1[0]), cell_keys(p2, c2[0]), atol=1e-12)

    a = dict(np.load(serial / "samples.npz"))
    b = dict(np.load(parallel / "samples.npz"))
    assert len(b["n_local"]) == 2
    ia, ib = np.argsort(a["s"]), np.argsort(b["s"])
    for key in a:
        if key == "n_local":
            continue
        np.testing.assert_allclose(a[key][ia], b[key][ib], atol=1e-13, err_msg=key)
