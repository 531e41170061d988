"""The virtual lab under ``mpirun -n 2`` gives the serial numbers to 1e-6 (every measurement:
EIS with the circuit fit, Bruce-Vincent with its extrapolation, Tafel with its correction,
Sand). The agreement does not need converged numbers, so the cells and protocols are the
coarsest the lab accepts (8 elements, 20 steps per Sand time, 5 EIS points per decade, a
Tafel step of 2.5 V_T). Run as a script it prints ``RESULT {json}`` on rank 0::

    mpirun -n 2 python tests/verification/test_virtual_lab_mpi.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

CASE = Path(__file__).with_name("lab_binary.toml").read_text()


def _numbers(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_numbers(v, f"{prefix}{k}."))
        elif isinstance(v, float) and k not in ("wall_time", "steady_drift"):  # round-off size
            out[prefix + k] = v
    return out


def main() -> None:
    import depsim  # noqa: I001 - first: it loads the MPI of the dolfinx wheel
    from mpi4py import MPI

    from depsim.lab.protocol import LabProtocol

    folder = Path(tempfile.mkdtemp()) if MPI.COMM_WORLD.rank == 0 else None
    folder = Path(MPI.COMM_WORLD.bcast(str(folder) if folder else None))
    (folder / "binary.toml").write_text(CASE) if MPI.COMM_WORLD.rank == 0 else None
    MPI.COMM_WORLD.Barrier()
    case = depsim.load_case(folder / "binary.toml")
    coarse = LabProtocol(tafel_step=2.5, eis_points_per_decade=5, bv_steps=2)
    result = depsim.measure(case, elements=8, sand_steps=20, protocol=coarse)
    if MPI.COMM_WORLD.rank == 0:
        print("RESULT " + json.dumps(_numbers(result.measurements)), flush=True)


def test_serial_and_two_ranks_agree():
    from tests.conftest import assert_close_dicts, run_script

    serial = run_script(Path(__file__), ranks=1)
    parallel = run_script(Path(__file__), ranks=2)
    assert set(serial) == set(parallel)
    for key in (
        "conductivity",
        "transference_number_bruce_vincent",
        "sand_time",
        "recommended.transference_number",
        "tafel.transport_corrected.exchange_current_density",
    ):
        assert key in serial
    assert_close_dicts(serial, parallel, rtol=1e-6, atol=0.0)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
