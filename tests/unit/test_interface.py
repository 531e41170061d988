"""Both charge models implement the typed problem interface (depsim.solver.interface) that
Newton, the time loop, checkpoints, the outputs and the moving surface rely on."""

from __future__ import annotations

import pytest
from mpi4py import MPI

from depsim.case import load_case
from depsim.run import build_problem
from depsim.solver.interface import TransportProblem
from tests.conftest import ROOT

FLAT = ROOT / "cases/examples/flat_galvanostatic.toml"
DILUTE = {
    "model.charge": "poisson",
    "electrolyte.concentration": "1 mol/m^3",
    "geometry.width": "1 um",
    "geometry.height": "1 um",
}


@pytest.mark.parametrize("overrides", [{}, DILUTE], ids=["electroneutral", "poisson"])
def test_problem_implements_the_interface(overrides):
    _, _, problem = build_problem(load_case(FLAT, overrides), MPI.COMM_SELF)
    assert isinstance(problem, TransportProblem)
    assert len(problem.field_names) == problem.W.num_sub_spaces
    assert problem.mesh_displacement is None  # no moving mesh asked for
