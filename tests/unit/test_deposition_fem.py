"""Deposition on dolfinx meshes: mesh motion (volume, node positions, validity), the Faraday
vertex velocities on a rough gmsh cell, mesh quality, remeshing and field transfer; serial
in-process and under `mpirun -n 2` (the same study functions)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
from dolfinx import fem

from tests.conftest import assert_close_dicts, run_script
from tests.verification import deposition_studies as studies

STUDIES = Path(__file__).resolve().parents[1] / "verification" / "deposition_studies.py"


def test_mesh_mover_uniform_displacement_flat():
    """A uniform upward electrode displacement d: area W (H - d) exactly, every node on
    y + d (1 - y/H) (uniform cells), x unchanged, no inverted cell; w = d / dt."""
    r = studies.mesh_motion_flat(d=0.1e-6)
    assert r["area"] == pytest.approx(r["area_exact"], rel=1e-13)
    assert r["node_err"] < 1e-12 * 8e-6
    assert r["x_err"] <= 1e-18  # m: x is never moved
    assert r["inverted"] == 0 and r["min_quality"] > 0.8
    assert r["w_max"] == pytest.approx(0.1e-6 / 2.0, rel=1e-12)


def test_mesh_mover_large_displacement_stays_valid():
    """Half the cell height in one move: still valid (the stiffness protects small cells)."""
    r = studies.mesh_motion_flat(d=4e-6)
    assert r["area"] == pytest.approx(r["area_exact"], rel=1e-13)
    assert r["inverted"] == 0


def test_surface_growth_on_rough_cell_and_remesh():
    """Constant plating current on a sine surface (gmsh cell): swept area = V_m |i| L_e t / F
    (to second order), sides slide, and remeshing keeps the area (exactly: the new surface is
    shifted to the old volume) and transfers a smooth field."""
    r = studies.growth_rough()
    assert r["swept_area"] == pytest.approx(r["swept_expected"], rel=1e-6)
    assert r["swept_expected"] == pytest.approx(r["faraday_expected"], rel=1e-7)
    assert r["side_err"] < 1e-18
    assert r["inverted"] == 0
    assert r["projected_length"] == pytest.approx(10e-6, rel=1e-9)  # still a graph
    assert abs(r["remesh_area_change"]) < 1e-9  # volume-conserving remeshing
    assert r["transfer_err"] < 3e-3  # P1 interpolation error of the field on 0.1-0.5 um cells


@pytest.mark.mpi
@pytest.mark.parametrize("name", ["mesh_motion_flat", "growth_rough"])
def test_deposition_geometry_parallel(name):
    serial = run_script(STUDIES, name, json.dumps({}))
    parallel = run_script(STUDIES, name, json.dumps({}), ranks=2)
    diffs = ("cells_new", "transfer_err", "remesh_area_change")  # small differences of sums
    keys = [k for k in serial if k not in diffs]
    assert_close_dicts(serial, parallel, rtol=1e-9, atol=1e-20, keys=keys)
    if "remesh_area_change" in serial:
        assert abs(parallel["remesh_area_change"] - serial["remesh_area_change"]) < 1e-12
    if "transfer_err" in serial:  # a different partition, the same new mesh: the same error
        assert parallel["transfer_err"] == pytest.approx(serial["transfer_err"], rel=1e-3)


def test_vertex_normals_and_nodal_velocity():
    """Vertex normals of a flat electrode point into the Li (-y); the nodal and consistent
    velocities agree for a uniform current; the sliding corners move vertically only."""
    from depsim.deposition.growth import SurfaceGrowth
    from depsim.deposition.mesh_motion import MeshMover

    m, tags, markers = studies.rectangle(nx=10, ny=8)
    mover = MeshMover(m, tags, markers)
    g = SurfaceGrowth(mover.V, tags, 1, current=fem.Constant(m, -5.0), sliding=mover.sliding)
    n = g.vertex_normals()
    np.testing.assert_allclose(n, np.tile([0.0, -1.0], (len(n), 1)), atol=1e-14)
    w1, w2 = g.velocity("consistent"), g.velocity("nodal")
    v = 1.3e-5 * 5.0 / 96485.33212
    np.testing.assert_allclose(w1[:, 1], v, rtol=2e-3)  # V_m = 6.941e-3 / 534
    np.testing.assert_allclose(w1, w2, rtol=1e-12, atol=1e-25)
    np.testing.assert_allclose(g.nodal_current(), -5.0)
    lengths = g.lumped_lengths()
    assert np.all(lengths > 0)


def test_quality_detects_inversion():
    from depsim.deposition.quality import MeshQuality

    m, tags, markers = studies.rectangle(nx=4, ny=4)
    q = MeshQuality(m)
    r0 = q.report()
    a, b = 2.5, 2.0  # legs of the right triangles of a 4 x 4 grid of 10 x 8 um
    assert r0.valid and r0.min_quality == pytest.approx(
        4 * math.sqrt(3) * (a * b / 2) / (2 * (a * a + b * b))
    )
    x = m.geometry.x
    # push the interior row y = H/4 below the electrode: cells fold
    row = np.isclose(x[:, 1], 2e-6)
    x[row, 1] -= 3e-6
    r1 = q.report()
    assert r1.inverted > 0 and not r1.valid and r1.min_quality == pytest.approx(0.0, abs=1e-15)
    assert np.any(q.cell_quality() < 0) or m.comm.size > 1
