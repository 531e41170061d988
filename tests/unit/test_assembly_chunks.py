"""Assembly in cell blocks (depsim/model/chunks.py): the residual and the Jacobian of the 3D
paper cell assembled in many blocks equal the whole-form assembly to round-off, serially and
under ``mpirun -n 2``; below the block budget the form is used as it is.

The state has gradients in both fields and differs from the Dirichlet values (the reservoir's
concentration), so the lifting of the boundary defect is active: the residual on two ranks
equals the serial one (it did not while the lifting read stale ghost values of U)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_script

SCRIPT = r"""
import json

import depsim  # noqa: F401
import numpy as np
from mpi4py import MPI

import depsim.model.chunks as chunks
from depsim.case import load_case
from depsim.solver.build import build_problem
from depsim.solver.newton import BorderedNewton

comm = MPI.COMM_WORLD
case = load_case(
    "cases/paper/pia.toml",
    {
        "geometry.dimension": 3,
        "geometry.depth": "10 um",
        "geometry.mesh.size": "4 um",
        "geometry.mesh.electrode_size": "0.8 um",
    },
)
_, _, pb = build_problem(case, comm)
# a state with gradients in both fields (the uniform initial state has none)
for sub, f in enumerate((lambda x: 0.1 * np.sin(4e5 * x[0]) + 2e4 * x[1],
                         lambda x: 0.3 * np.cos(3e5 * x[2]) - 1e4 * x[1])):
    V, dofs = pb.W.sub(sub).collapse()
    from dolfinx import fem
    g = fem.Function(V)
    g.interpolate(f)
    pb.U.x.array[dofs] = g.x.array
pb.U.x.scatter_forward()
newton = BorderedNewton(pb, prefix="chunks_")


def assemble():
    chunks._BLOCKS.clear()
    newton._assemble_F()
    from depsim.solver.assembly import fem_petsc_assemble_matrix
    fem_petsc_assemble_matrix(newton.A, pb.jacobian, pb.bcs)
    return newton.F.copy(), newton.A.copy(), len(chunks.blocks(pb.residual))


F0, J0, n0 = assemble()
whole = chunks.packed_bytes(pb.residual)
chunks.CHUNK_BYTES = max(1, comm.allreduce(whole, op=MPI.MAX) // 7)
F1, J1, n1 = assemble()
F1.axpy(-1.0, F0)
J1.axpy(-1.0, J0)
out = {
    "blocks_default": n0,
    "blocks": n1,
    "F_error": F1.norm() / F0.norm(),
    "J_error": J1.norm() / J0.norm(),
    "J_norm": J0.norm(),
    "F_norm": F0.norm(),
}
if comm.rank == 0:
    print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("chunks") / "chunk_study.py"
    path.write_text(SCRIPT)
    return path


@pytest.fixture(scope="module")
def serial(script) -> dict:
    return run_script(script)


def test_blocks_equal_the_whole_form(serial):
    print(f"\n{serial}")
    assert serial["blocks_default"] == 1  # a small mesh: unsplit
    assert serial["blocks"] >= 7
    assert serial["F_error"] < 1e-13
    assert serial["J_error"] < 1e-13


def test_blocks_under_mpi_equal_serial(script, serial):
    parallel = run_script(script, ranks=2)
    assert parallel["blocks"] >= 4
    assert parallel["F_error"] < 1e-13
    assert parallel["J_error"] < 1e-13
    # the same problem on two ranks
    assert parallel["F_norm"] == pytest.approx(serial["F_norm"], rel=1e-10)
    assert parallel["J_norm"] == pytest.approx(serial["J_norm"], rel=1e-10)
