"""Uniform refinement and geometric multigrid (``geometry.mesh.refinements``,
``solver.multigrid``; docs/solver.md "Geometric multigrid").

- Refinement keeps every region and boundary: cell counts x4 (2D) / x8 (3D) per refinement in
  each region, and every tagged boundary (the curved Li included: new vertices lie on the
  coarse facets) keeps its measure to round-off; fine cells lie in their parents.
- The block prolongations reproduce a coarse P1 field exactly on the finest mesh, field by
  field (Poisson mode's two-ion block included) and in the fieldsplit's order.
- Krylov iterations per solve with geometric multigrid stay within x1.5 under uniform
  refinement and below GAMG's on the same meshes.
- ``depsim run`` with refinements gives the LU metrics, and ``mpirun -n 2`` the serial ones;
  ``geometric`` without nested meshes is refused with exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_close_dicts, run_cli, run_script

STUDIES = Path(__file__).parent / "multigrid_studies.py"
PIA = ROOT / "cases/paper/pia.toml"
COARSE = (
    "--set", "geometry.mesh.size=2 um", "--set", "geometry.mesh.electrode_size=0.2 um",
    "--set", "time.end=0.3 s", "--set", "output.every=1000",
)  # fmt: skip
COMPARED = ("i_mean", "i_max", "i_min", "tip_to_valley", "c_surface_min", "cell_potential")


def study(name: str, ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, name, json.dumps(kwargs), ranks=ranks, reuse=True)


@pytest.mark.parametrize("dim", [2, 3])
def test_refinement_keeps_regions_and_boundaries(dim):
    res = study("refinement", dim=dim)
    per = 4.0**2 if dim == 2 else 8.0**2  # two refinements
    assert res["levels"] == 2
    assert res["cells"] == per * res["cells0"]
    for key, value in res.items():
        if key.startswith("cells_"):
            assert value == pytest.approx(per, rel=1e-12), key
        if key.startswith("measure_"):
            assert value == pytest.approx(1.0, rel=1e-12), key
    assert "measure_electrode" in res and "measure_separator_interface" in res
    assert res["outside"] > -1e-10


def test_refinement_mpi_matches_serial():
    serial = study("refinement", dim=3)
    parallel = study("refinement", ranks=2, dim=3)
    keys = [k for k in serial if k != "outside"]
    assert_close_dicts(serial, parallel, rtol=1e-12, keys=keys)


@pytest.mark.parametrize("ranks", [1, 2])
def test_block_prolongations_reproduce_p1_fields(ranks):
    res = study("prolongation", ranks=ranks, dim=2)
    assert res["err_c"] < 1e-12 and res["err_p"] < 1e-12
    assert res["rows_c"] == 2 * res["rows_p"]  # Poisson mode: two ion fields in the c block


def test_krylov_iterations_bounded_geometric_below_gamg():
    geo = study("krylov", levels=[1, 2, 3], multigrid="auto")
    alg = study("krylov", levels=[3], multigrid="algebraic")
    its = [geo[f"its_{lev}"] for lev in (1, 2, 3)]
    print(f"\ngeometric: {its}; GAMG at level 3: {alg['its_3']:.1f}")
    assert all(geo[f"multigrid_{lev}"] == "geometric" for lev in (1, 2, 3))
    assert alg["multigrid_3"] == "algebraic"
    assert geo["dofs_3"] == alg["dofs_3"]
    assert max(its) <= 1.5 * min(its)
    assert geo["its_3"] < alg["its_3"]


def _run(out: Path, *extra: str, ranks: int = 1) -> dict:
    proc = run_cli("run", str(PIA), "--out", str(out), "--quiet", *COARSE, *extra, ranks=ranks)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


def test_run_with_refinement_geometric_equals_lu_and_mpi(tmp_path):
    refined = ("--set", "geometry.mesh.refinements=1")
    lu = _run(tmp_path / "lu", *refined, "--set", "solver.linear=mumps")
    geo = _run(tmp_path / "geo", *refined, "--set", "solver.linear=iterative")
    par = _run(tmp_path / "par", *refined, "--set", "solver.linear=iterative", ranks=2)
    assert lu["status"] == geo["status"] == par["status"] == "finished"
    assert geo["linear_iterations"] > geo["newton_iterations"]  # a Krylov solver ran
    assert_close_dicts(lu, geo, rtol=1e-7, keys=COMPARED)
    assert_close_dicts(geo, par, rtol=1e-7, keys=COMPARED)


def test_geometric_without_nested_meshes_is_refused(tmp_path):
    proc = run_cli(
        "run", str(PIA), "--out", str(tmp_path / "bad"), "--quiet", *COARSE,
        "--set", "solver.linear=iterative", "--set", "solver.multigrid=geometric",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "solver.multigrid" in proc.stderr
    assert not (tmp_path / "bad").exists()  # nothing written


def test_factored_schur_on_the_fieldsplit_blocks_equals_copies():
    """The factored Schur complement on the fieldsplit's own blocks (no copies of the Jacobian,
    the default) solves exactly as on copies: the same Krylov iterations, the same state."""
    shared = study("krylov", levels=[2], multigrid="auto")
    copies = study("krylov", levels=[2], multigrid="auto", shared=False)
    assert shared["shared_2"] is True
    assert shared["total_its_2"] == copies["total_its_2"]
    assert shared["potential_2"] == pytest.approx(copies["potential_2"], rel=1e-10)
