"""Site edges are decided by a rule, not by round-off (depsim.physics.sites).

gmsh places electrode nodes up to ~5e-18 m off their nominal positions. With an edge tolerance
relative to the mesh size (1e-6 h) a node nominally on an edge lands on the covered side
(closed intervals) whichever side the round-off put it, at every edge of the cell.
"""

from __future__ import annotations

from fractions import Fraction

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np
import pytest

from depsim.physics import frumkin
from depsim.physics.sites import EDGE_TOLERANCE, SiteSpec, surface_charge_profile

UM = 1e-6
H = 0.25 * UM  # element size at the electrode
NODES_UM = [Fraction(k, 4) for k in range(17)]  # a 4 um cell, nodes every 0.25 um
NODES = np.array([float(x) * UM for x in NODES_UM])

PATTERNS = [  # (group, its covered intervals in um: closed)
    (
        SiteSpec("a", -0.05, "periodic", period=2 * UM, fraction=0.5, offset=0.5 * UM),
        [(Fraction(1, 2), Fraction(3, 2)), (Fraction(5, 2), Fraction(7, 2))],
    ),
    (
        SiteSpec("b", 0.05, "periodic", period=2 * UM, fraction=0.5, offset=1.5 * UM),
        [(Fraction(-1, 2), Fraction(1, 2)), (Fraction(3, 2), Fraction(5, 2))]
        + [(Fraction(7, 2), Fraction(9, 2))],
    ),
    (
        SiteSpec("c", -0.05, "periodic", period=1 * UM, fraction=0.25, offset=0.0),
        [(Fraction(k), Fraction(k) + Fraction(1, 4)) for k in range(5)],
    ),
    (
        SiteSpec("d", 0.05, "list", positions=(1 * UM, 2.75 * UM), width=0.5 * UM),
        [(Fraction(3, 4), Fraction(5, 4)), (Fraction(5, 2), Fraction(3))],
    ),
]


def _expected(intervals) -> np.ndarray:
    """Closed intervals, evaluated exactly on the nominal nodes."""
    return np.array([float(any(a <= x <= b for a, b in intervals)) for x in NODES_UM])


@pytest.mark.parametrize("site,intervals", PATTERNS, ids=[p[0].name for p in PATTERNS])
@pytest.mark.parametrize("h", [H, None])
def test_round_off_does_not_move_an_edge(site, intervals, h):
    exact = _expected(intervals)
    assert 0 < exact.sum() < len(exact)
    for shift in (0.0, 5e-18, -5e-18, 4e-17, -4e-17):
        assert np.array_equal(site.coverage(NODES + shift, h), exact), shift
    # each node independently nudged by +-5e-18 (as gmsh does)
    rng = np.random.default_rng(0)
    for _ in range(20):
        nudged = NODES + rng.choice([-5e-18, 0.0, 5e-18], size=NODES.size)
        assert np.array_equal(site.coverage(nudged, h), exact)


def test_the_tolerance_follows_the_mesh_size():
    s = SiteSpec("a", -0.05, "periodic", period=2 * UM, fraction=0.5, offset=0.5 * UM)
    assert s.edge_tolerance(H) == pytest.approx(EDGE_TOLERANCE * H)
    assert SiteSpec(**{**s.__dict__, "element_size": 0.1 * UM}).edge_tolerance() == (
        pytest.approx(EDGE_TOLERANCE * 0.1 * UM)
    )
    assert s.edge_tolerance() == pytest.approx(EDGE_TOLERANCE * 1 * UM)  # pattern length
    tol = s.edge_tolerance(H)
    # inside the tolerance: on the edge (covered); a little farther out: not covered
    end = 1.5 * UM
    assert s.coverage(np.array([end + 0.5 * tol]), H)[0] == 1.0
    assert s.coverage(np.array([end + 2.0 * tol]), H)[0] == 0.0
    start = 2.5 * UM
    assert s.coverage(np.array([start - 0.5 * tol]), H)[0] == 1.0
    assert s.coverage(np.array([start - 2.0 * tol]), H)[0] == 0.0


def test_alternating_groups_are_symmetric_at_every_shared_edge():
    """N1 and N2 alternate: both cover a shared edge node, where their charges cancel; every
    edge is treated alike, so the charge profile is antisymmetric about the middle of a
    stripe boundary pair."""
    n1 = SiteSpec("N1", -0.05, "periodic", period=2 * UM, fraction=0.5, offset=0.5 * UM)
    n2 = SiteSpec("N2", 0.05, "periodic", period=2 * UM, fraction=0.5, offset=1.5 * UM)
    for shift in (0.0, 5e-18, -5e-18):
        sigma = surface_charge_profile([n1, n2], NODES + shift, H)
        on_edge = np.isin(
            NODES_UM, [Fraction(1, 2), Fraction(3, 2), Fraction(5, 2), Fraction(7, 2)]
        )
        assert np.all(sigma[on_edge] == 0.0)
        assert np.all(np.abs(sigma[~on_edge]) == 0.05)
        # mirror symmetry about x = 1 um (middle of N1's [0.5, 1.5]): same charge
        mirror = {x: s for x, s in zip(NODES_UM, sigma, strict=True)}
        for x in NODES_UM:
            if 0 <= 2 - x <= 4:
                assert mirror[x] == mirror[2 - x]


def test_mesh_edges_all_land_alike(tmp_path):
    """A gmsh mesh of a flat 4 um cell, N1 sites of period 2 um with edges at 0.5, 1.5, 2.5 and
    3.5 um (electrode nodes placed a round-off off them): the problem's Frumkin factor is the N1
    value at all four edge nodes, 1 at the uncovered nodes."""
    from mpi4py import MPI

    from depsim.case import load_case
    from depsim.geometry import build_mesh
    from depsim.solver.parameters import ModelParameters
    from depsim.solver.problem import ElectroneutralProblem
    from tests.conftest import ROOT

    case = load_case(
        ROOT / "cases/paper/control2.toml",
        overrides={
            "geometry.width": "4 um",
            "geometry.height": "2 um",
            "geometry.electrode.roughness": "flat",
            "geometry.mesh.size": "0.5 um",
            "geometry.mesh.electrode_size": "0.25 um",
            "separator.sites[0].period": "2 um",
            "separator.sites[0].offset": "0.5 um",
        },
    )
    bundle = build_mesh(case, MPI.COMM_WORLD)
    params = ModelParameters.from_case(case, mesh_has_separator=False)
    assert params.sites[0].element_size == pytest.approx(0.25 * UM)
    pb = ElectroneutralProblem(
        bundle.mesh,
        bundle.facet_tags,
        params,
        markers=bundle.markers,
        projected_area=bundle.projected_area,
        cell_tags=bundle.cell_tags,
    )
    f = pb.i0_factor
    xy = f.function_space.tabulate_dof_coordinates()
    n_local = f.function_space.dofmap.index_map.size_local
    on_li = np.abs(xy[:n_local, 1]) < 1e-12
    x, val = xy[:n_local][on_li, 0], f.x.array[:n_local][on_li]
    f_n1 = float(frumkin.exchange_current_factor(-0.05, params.c0, 20.0, params.temperature, 0.5))
    comm = MPI.COMM_WORLD
    x = np.concatenate(comm.allgather(x))
    val = np.concatenate(comm.allgather(val))
    edges = np.array([0.5, 1.5, 2.5, 3.5]) * UM
    offsets = [float(np.min(np.abs(x - e))) for e in edges]
    assert max(offsets) < 1e-15  # gmsh put a node on every edge (up to round-off)
    expected = np.where(
        SiteSpec("N1", -0.05, "periodic", period=2 * UM, fraction=0.5, offset=0.5 * UM).coverage(
            np.round(x / (0.25 * UM)) * 0.25 * UM, H
        )
        > 0,
        f_n1,
        1.0,
    )
    assert np.allclose(val, expected, rtol=1e-12)
    for e in edges:  # every edge node covered
        k = np.argmin(np.abs(x - e))
        assert val[k] == pytest.approx(f_n1, rel=1e-12), e
