"""Unit tests of depsim.geometry: roughness profiles, the built-in cell, mesh files, MPI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import depsim  # noqa: F401  (loads MPI before dolfinx)
from depsim.geometry import (
    BACK,
    ELECTRODE,
    ELECTROLYTE,
    FRONT,
    LEFT,
    RIGHT,
    SEPARATOR,
    SEPARATOR_INTERFACE,
    TOP,
    CellGeometry,
    GeometryError,
    build_mesh,
    describe_mesh,
    surface_height,
)
from depsim.geometry.roughness import arc_length, mean_height

pytest.importorskip("gmsh")
from dolfinx.mesh import entities_to_geometry  # noqa: E402
from mpi4py import MPI  # noqa: E402

UM = 1e-6
W, H = 10 * UM, 8 * UM
A = 0.5 * UM
ES = 0.05 * UM  # electrode element size of the test meshes (coarse: fast)
BASE = dict(width=W, height=H, amplitude=A, count=3, seed=2, electrode_size=ES, mesh_size=0.5 * UM)


def cell_measures(bundle, tag=None):
    """Areas (2D) / volumes (3D) [m^2 / m^3] of the owned cells, optionally of one cell tag."""
    mesh = bundle.mesh
    tdim = mesh.topology.dim
    n = mesh.topology.index_map(tdim).size_local
    cells = np.arange(n, dtype=np.int32)
    if tag is not None:
        tagged = bundle.cell_tags.find(tag)
        cells = tagged[tagged < n]
    x = mesh.geometry.x[entities_to_geometry(mesh, tdim, cells, False)]
    u, v = x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]
    if tdim == 2:
        return 0.5 * (u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    return np.einsum("ij,ij->i", np.cross(u, v), x[:, 3] - x[:, 0]) / 6.0


def electrode_cells(bundle):
    mesh = bundle.mesh
    tdim = mesh.topology.dim
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    facets = bundle.facet_tags.find(ELECTRODE)
    return np.unique(np.concatenate([f2c.links(f) for f in facets])).astype(np.int32)


_cache: dict = {}


def mesh_of(**kw):
    """Build (once per parameter set) a serial mesh."""
    key = tuple(sorted(kw.items()))
    if key not in _cache:
        _cache[key] = build_mesh(CellGeometry(**{**BASE, **kw}), MPI.COMM_SELF)
    return _cache[key]


# ----------------------------------------------------------------------------- roughness
def test_profiles():
    x = np.linspace(0, W, 1001)
    assert np.all(surface_height(x, "flat", A, W) == 0)
    np.testing.assert_allclose(
        surface_height(x, "sine", A, W, 3), A * np.cos(2 * np.pi * 3 * x / W), atol=1e-20
    )
    hb = surface_height(x, "bumps", A, W, 3)
    centres = (np.arange(3) + 0.5) * W / 3
    np.testing.assert_allclose(surface_height(centres, "bumps", A, W, 3), A)
    assert hb.min() == pytest.approx(0.0, abs=1e-18) and hb.max() <= A
    # bump support: width/(2 count) by default
    assert surface_height(centres + 0.26 * W / 3, "bumps", A, W, 3).max() == pytest.approx(
        0.0, abs=1e-18
    )
    assert np.all(surface_height(centres + 0.24 * W / 3, "bumps", A, W, 3) > 0)
    for kind in ("sine", "bumps", "random"):
        h0, hw = surface_height(np.array([0.0, W]), kind, A, W, 3, seed=4)
        assert abs(h0 - hw) < 1e-12 * W  # periodic


def test_random_profile_seeded():
    x = np.linspace(0, W, 4001)
    h1 = surface_height(x, "random", A, W, 1, seed=1)
    np.testing.assert_array_equal(h1, surface_height(x, "random", A, W, 1, seed=1))
    assert np.max(np.abs(h1 - surface_height(x, "random", A, W, 1, seed=2))) > 0.1 * A
    assert abs(np.max(np.abs(h1)) - A) < 1e-3 * A  # peak |h| = amplitude
    assert abs(np.mean(h1[:-1])) < 1e-3 * A  # mean surface y = 0
    z = np.linspace(0, W, 41)
    X, Z = np.meshgrid(x[::40], z)
    h3 = surface_height(X, "random", A, W, 1, seed=1, z=Z, depth=W)
    assert h3.shape == X.shape and np.max(np.abs(h3)) <= A * (1 + 1e-9)


def test_bump_overlap_rejected():
    with pytest.raises(ValueError, match="bump"):
        surface_height([0.0], "bumps", A, W, 3, bump_width=W)
    with pytest.raises(ValueError, match="bump_width"):
        CellGeometry(**{**BASE, "roughness": "bumps", "bump_width": W}).validate()


# ----------------------------------------------------------------------------- 2D cell
@pytest.mark.parametrize("roughness", ["flat", "sine", "bumps", "random"])
def test_tags_length_area_2d(roughness):
    b = mesh_of(roughness=roughness)
    assert b.dimension == 2
    assert {ELECTRODE, TOP, LEFT, RIGHT} <= set(np.unique(b.facet_tags.values))
    assert b.markers == {"electrode": 1, "top": 2, "left": 3, "right": 4, "electrolyte": 1}
    assert set(np.unique(b.cell_tags.values)) == {ELECTROLYTE}
    length = arc_length(roughness, A, W, 3, 2)
    assert b.electrode_length == pytest.approx(length, rel=1e-3)
    assert b.facet_measure("top") == pytest.approx(W, rel=1e-12)
    area = W * H - W * mean_height(roughness, A, W, 3, 2)
    assert cell_measures(b).sum() == pytest.approx(area, rel=1e-6)
    assert np.all(cell_measures(b) > 0)
    # graded: small at the electrode, coarse in the bulk
    assert b.mesh.h(2, electrode_cells(b)).max() <= 1.5 * ES
    assert b.h_max <= 1.5 * 0.5 * UM and b.h_min >= 0.2 * ES
    # electrode nodes lie on h(x)
    x = b.mesh.geometry.x[entities_to_geometry(b.mesh, 1, b.facets("electrode"), False)]
    x = x.reshape(-1, 3)
    h = surface_height(x[:, 0], roughness, A, W, 3, 2)
    assert np.max(np.abs(x[:, 1] - h)) < 1e-4 * A


def test_electrode_length_form():
    """The facet-geometry measure agrees with assembling 1 ds(ELECTRODE)."""
    import ufl
    from dolfinx import fem

    b = mesh_of(roughness="sine")
    ds = ufl.Measure("ds", domain=b.mesh, subdomain_data=b.facet_tags)
    one = fem.Constant(b.mesh, 1.0)
    length = fem.assemble_scalar(fem.form(one * ds(ELECTRODE)))
    assert length == pytest.approx(b.electrode_length, rel=1e-12)


def test_periodic_sides():
    b = mesh_of(roughness="random")
    x = b.mesh.geometry.x
    yl = np.sort(x[np.isclose(x[:, 0], 0.0, atol=1e-12 * W), 1])
    yr = np.sort(x[np.isclose(x[:, 0], W, atol=1e-12 * W), 1])
    np.testing.assert_allclose(yl, yr, atol=1e-9 * H)


def test_separator_on_the_li():
    t = 2 * UM
    b = mesh_of(roughness="bumps", separator_thickness=t)
    assert b.markers["separator"] == SEPARATOR and b.markers["separator_interface"] == 7
    sep = cell_measures(b, SEPARATOR).sum()
    assert sep == pytest.approx(W * t - W * mean_height("bumps", A, W, 3), rel=1e-6)
    ely = cell_measures(b, ELECTROLYTE).sum()
    assert ely == pytest.approx(W * (H - t), rel=1e-9)
    assert b.facet_measure(SEPARATOR_INTERFACE) == pytest.approx(W, rel=1e-12)
    # the interface is interior: two cells on each of its facets
    f2c = b.mesh.topology.connectivity(1, 2)
    assert all(len(f2c.links(f)) == 2 for f in b.facets(SEPARATOR_INTERFACE))


def test_separator_with_gap():
    gap, t = 1 * UM, 2 * UM
    b = mesh_of(roughness="sine", separator_thickness=t, separator_gap=gap)
    assert cell_measures(b, SEPARATOR).sum() == pytest.approx(W * t, rel=1e-9)
    assert b.facet_measure(SEPARATOR_INTERFACE) == pytest.approx(2 * W, rel=1e-12)
    assert b.cell_counts["separator"] + b.cell_counts["electrolyte"] == b.n_cells


def test_separator_reaching_the_reservoir():
    """gap + thickness = height: the separator's top is the cell's top (reservoir) boundary;
    only its bottom face is an internal separator interface."""
    gap = 1 * UM
    b = mesh_of(roughness="sine", separator_thickness=H - gap, separator_gap=gap)
    assert cell_measures(b, SEPARATOR).sum() == pytest.approx(W * (H - gap), rel=1e-9)
    assert b.facet_measure(SEPARATOR_INTERFACE) == pytest.approx(W, rel=1e-12)
    assert b.facet_measure(b.markers["top"]) == pytest.approx(W, rel=1e-12)


def test_separator_validation():
    with pytest.raises(ValueError, match="must exceed the roughness amplitude"):
        CellGeometry(
            **BASE, roughness="sine", separator_thickness=UM, separator_gap=0.3 * UM
        ).validate()
    with pytest.raises(GeometryError, match="does not fit"):
        CellGeometry(
            **BASE, roughness="sine", separator_thickness=8 * UM, separator_gap=UM
        ).validate()
    with pytest.raises(GeometryError, match="geometry.separator.thickness"):
        CellGeometry(**BASE, roughness="sine", separator_thickness=0.4 * UM).validate()


def test_random_mesh_reproducible():
    a = build_mesh(CellGeometry(**{**BASE, "roughness": "random"}), MPI.COMM_SELF)
    b = mesh_of(roughness="random")
    c = build_mesh(CellGeometry(**{**BASE, "roughness": "random", "seed": 3}), MPI.COMM_SELF)
    assert a.n_cells == b.n_cells and a.electrode_length == b.electrode_length
    np.testing.assert_array_equal(a.mesh.geometry.x, b.mesh.geometry.x)
    assert abs(c.electrode_length - b.electrode_length) > 1e-4 * W


def test_describe_and_from_case():
    case = SimpleNamespace(
        geometry=SimpleNamespace(
            kind="interface_cell",
            file=None,
            dimension=2,
            width=W,
            height=H,
            depth=None,
            electrode=SimpleNamespace(
                roughness="sine", amplitude=A, count=3, seed=2, bump_width=None
            ),
            separator=None,
            mesh=SimpleNamespace(
                size=0.5 * UM, electrode_size=ES, grading_distance=1e-6, save=None
            ),
        )
    )
    geom = CellGeometry.from_case(case)
    assert geom == CellGeometry(**BASE, roughness="sine")
    text = describe_mesh(mesh_of(roughness="sine"))
    for word in ("triangles", "facets", "vertices", "h_min", "h_max", "electrode length", "um"):
        assert word in text


# ----------------------------------------------------------------------------- mesh files
def test_mesh_file_round_trip(tmp_path):
    path = tmp_path / "cell.msh"
    built = build_mesh(
        CellGeometry(**{**BASE, "roughness": "bumps", "separator_thickness": 2 * UM}),
        MPI.COMM_SELF,
        save=path,
    )
    assert path.is_file()
    read = build_mesh(CellGeometry(kind="mesh_file", file=path), MPI.COMM_SELF)
    assert read.n_cells == built.n_cells and read.n_facets == built.n_facets
    assert read.electrode_length == pytest.approx(built.electrode_length, rel=1e-12)
    assert read.markers == built.markers
    assert read.cell_counts == built.cell_counts
    assert read.projected_area == pytest.approx(W, rel=1e-12)


def _write_msh(path, electrode_name="electrode", cell_name="electrolyte"):
    import gmsh

    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    try:
        r = gmsh.model.occ.addRectangle(0, 0, 0, 1.0, 1.0)
        gmsh.model.occ.synchronize()
        gmsh.model.addPhysicalGroup(2, [r], name=cell_name)
        bottom = [t for _, t in gmsh.model.getEntitiesInBoundingBox(-0.1, -0.1, -1, 1.1, 0.1, 1, 1)]
        gmsh.model.addPhysicalGroup(1, bottom, name=electrode_name)
        gmsh.option.setNumber("Mesh.MeshSizeMax", 0.25)
        gmsh.model.mesh.generate(2)
        m = 1e-6
        gmsh.model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
        gmsh.write(str(path))
    finally:
        gmsh.finalize()


def test_mesh_file_missing_electrode(tmp_path):
    path = tmp_path / "user.msh"
    _write_msh(path, electrode_name="bottom")
    with pytest.raises(ValueError, match=r"user\.msh.*'electrode'.*'bottom'"):
        build_mesh(CellGeometry(kind="mesh_file", file=path), MPI.COMM_SELF)


def test_mesh_file_user_mesh(tmp_path):
    path = tmp_path / "square.msh"
    _write_msh(path)
    b = build_mesh(CellGeometry(kind="mesh_file", file=path), MPI.COMM_SELF)
    assert b.electrode_length == pytest.approx(1e-6, rel=1e-12)
    assert b.markers == {"electrode": ELECTRODE, "electrolyte": ELECTROLYTE}
    with pytest.raises(GeometryError, match="geometry.dimension = 2"):
        build_mesh(CellGeometry(kind="mesh_file", file=path, dimension=3), MPI.COMM_SELF)
    with pytest.raises(GeometryError, match="not found"):
        build_mesh(CellGeometry(kind="mesh_file", file=tmp_path / "nope.msh"), MPI.COMM_SELF)


# ----------------------------------------------------------------------------- 3D
@pytest.mark.parametrize("roughness", ["flat", "bumps"])
def test_cell_3d(roughness, tmp_path):
    w, h = 2 * UM, 2 * UM
    geom = CellGeometry(
        dimension=3,
        width=w,
        height=h,
        depth=w,
        roughness=roughness,
        amplitude=0.2 * UM,
        count=2,
        electrode_size=0.1 * UM,
        mesh_size=0.4 * UM,
        grading_distance=0.5 * UM,
        separator_thickness=0.5 * UM,
    )
    b = build_mesh(geom, MPI.COMM_SELF)
    assert b.dimension == 3 and b.projected_area == pytest.approx(w * w)
    tags = set(np.unique(b.facet_tags.values))
    assert {ELECTRODE, TOP, LEFT, RIGHT, FRONT, BACK, SEPARATOR_INTERFACE} == tags
    vol = cell_measures(b)
    assert np.all(vol > 0)
    # the electrode is exactly the set of bottom (boundary) facets and lies on h(x, z)
    x = b.mesh.geometry.x
    nodes = entities_to_geometry(b.mesh, 2, b.facets(ELECTRODE), False).ravel()
    hz = surface_height(x[nodes, 0], roughness, 0.2 * UM, w, 2, z=x[nodes, 2], depth=w)
    np.testing.assert_allclose(x[nodes, 1], hz, atol=1e-9 * UM)
    s = np.linspace(0, w, 401)[:-1] + w / 800
    X, Z = np.meshgrid(s, s)
    mean_h = surface_height(X, roughness, 0.2 * UM, w, 2, z=Z, depth=w).mean()
    assert vol.sum() == pytest.approx(w * w * (h - mean_h), rel=2e-3)
    if roughness == "flat":
        assert b.electrode_length == pytest.approx(w * w, rel=1e-12)
    else:
        assert b.electrode_length > 1.01 * w * w
    assert "tetrahedra" in describe_mesh(b) and "um^2" in describe_mesh(b)
    if roughness == "bumps":  # 3D save and read back
        path = tmp_path / "cell3d.msh"
        build_mesh(geom, MPI.COMM_SELF, save=path)
        r = build_mesh(CellGeometry(kind="mesh_file", file=path, dimension=3), MPI.COMM_SELF)
        assert r.n_cells == b.n_cells and r.markers == b.markers
        assert r.electrode_length == pytest.approx(b.electrode_length, rel=1e-12)


def test_separator_fills_cell():
    b = mesh_of(roughness="sine", separator_thickness=H, mesh_size=UM, electrode_size=0.1 * UM)
    assert set(np.unique(b.cell_tags.values)) == {SEPARATOR}
    assert "separator_interface" not in b.markers


# ----------------------------------------------------------------------------- MPI
MPI_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import depsim
    from mpi4py import MPI
    from depsim.geometry import CellGeometry, build_mesh
    geom = CellGeometry(**json.loads(sys.argv[1]))
    try:
        b = build_mesh(geom, MPI.COMM_WORLD)
        r = build_mesh(CellGeometry(kind="mesh_file", file=geom.save), MPI.COMM_WORLD)
    except BaseException:
        import traceback
        traceback.print_exc()
        MPI.COMM_WORLD.Abort(1)
    out = dict(n_cells=b.n_cells, length=b.electrode_length, h_min=b.h_min, h_max=b.h_max,
               sep=b.cell_counts.get("separator"), size=MPI.COMM_WORLD.size,
               file_cells=r.n_cells, file_length=r.electrode_length)
    if MPI.COMM_WORLD.rank == 0:
        print("RESULT" + json.dumps(out))
    """
)


@pytest.mark.mpi
def test_mpi_two_ranks(tmp_path):
    mpirun = Path(sys.executable).parent / "mpirun"
    if not mpirun.exists():
        found = shutil.which("mpirun")
        if found is None:
            pytest.skip("mpirun not found")
        mpirun = Path(found)
    kw = {**BASE, "roughness": "bumps", "separator_thickness": 2 * UM}
    script = tmp_path / "mpi_mesh.py"
    script.write_text(MPI_SCRIPT)
    arg = json.dumps({**kw, "save": str(tmp_path / "parallel.msh")})
    proc = subprocess.run(
        [str(mpirun), "-n", "2", sys.executable, str(script), arg],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(s for s in proc.stdout.splitlines() if s.startswith("RESULT"))
    par = json.loads(line[len("RESULT") :])
    ser = mesh_of(roughness="bumps", separator_thickness=2 * UM)
    assert par["size"] == 2
    assert par["n_cells"] == ser.n_cells
    assert par["sep"] == ser.cell_counts["separator"]
    assert par["length"] == pytest.approx(ser.electrode_length, rel=1e-12)
    assert par["h_min"] == pytest.approx(ser.h_min, rel=1e-12)
    assert par["h_max"] == pytest.approx(ser.h_max, rel=1e-12)
    assert par["file_cells"] == ser.n_cells
    assert par["file_length"] == pytest.approx(ser.electrode_length, rel=1e-12)
