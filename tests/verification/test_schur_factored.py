"""The factored Schur complement of the electroneutral Jacobian (depsim/solver/schur.py;
docs/solver.md "The Schur complement").

On a captured step Jacobian of the paper cell (charged PIA sites, 2D, one refinement):

- the factorisation S = E A^-1 diag(beta) D is exact up to the electrode's kinetic rows:
  ||S_f^-1 S x - x|| / ||x|| small where the nodal approximation's is O(1);
- with exact block solves GMRES converges in at most 3 iterations (2 for an exact Schur
  complement: the lower block-triangular preconditioner leaves I - P^-1 J nilpotent of order 2;
  the electrode rows add at most one), against many more with the nodal approximation;
- with the V-cycles of ``"iterative"`` it needs fewer iterations than the nodal one;
- ``mpirun -n 2`` gives the serial error and exact-solve iterations (the V-cycles' smoothing works
  on overlapping subdomains by rank, so their counts may differ).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_script

STUDIES = Path(__file__).parent / "schur_studies.py"


def study(ranks: int = 1, **kwargs) -> dict:
    return run_script(STUDIES, "schur", json.dumps(kwargs), ranks=ranks)


@pytest.fixture(scope="module")
def serial() -> dict:
    return study(dim=2, refinements=1)


def test_factored_schur_complement_is_exact(serial):
    print(f"\n{serial}")
    assert serial["error_factored"] < 1e-3  # measured 9e-5
    assert serial["error_nodal"] > 0.1  # the nodal approximation (measured 0.98)
    assert serial["exact_factored"] <= 3
    assert serial["exact_nodal"] >= 2 * serial["exact_factored"]


def test_factored_schur_beats_nodal_with_vcycles(serial):
    assert 0 < serial["vcycle_factored"] < serial["vcycle_nodal"]


def test_factored_schur_mpi_matches_serial(serial):
    parallel = study(ranks=2, dim=2, refinements=1)
    assert parallel["dofs"] == serial["dofs"]
    assert parallel["error_factored"] < 1e-3
    assert parallel["exact_factored"] <= 3
    assert parallel["exact_factored"] == serial["exact_factored"]
    # the V-cycles' ILU smoothing works on overlapping subdomains by rank (ASM), so the counts
    # may differ from serial
    assert 0 < parallel["vcycle_factored"] < parallel["vcycle_nodal"]
