"""The virtual lab under the concentrated (Newman) model (docs/virtual-lab.md §3): Bruce–Vincent
measures Balsara and Newman's current fraction rho+ = 1 / (1 + 2 RT kappa (1 - t0)^2 TDF /
(F^2 D c0)), not the Hittorf t0, and the lab reports t0 from it beside it. Serial and
``mpirun -n 2`` agree (compared on 8 elements, 5 EIS points per decade and one Bruce–Vincent
step: agreement needs no converged cell). Run as a script (``[ELEMENTS]``: that coarse cell)
it prints ``RESULT {json}`` on rank 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

CASE = Path(__file__).with_name("lab_concentrated.toml")


def main() -> None:
    import depsim  # noqa: I001 - first: it loads the MPI of the dolfinx wheel
    from mpi4py import MPI

    from depsim.lab.protocol import LabProtocol

    kw = {}
    if len(sys.argv) > 1:  # a coarse cell and spectrum (for the serial/parallel comparison)
        coarse = LabProtocol(eis_points_per_decade=5, bv_steps=1)  # one dV: no extrapolation
        kw = {"elements": int(sys.argv[1]), "protocol": coarse}
    result = depsim.measure(depsim.load_case(CASE), what=("eis", "bruce-vincent"), **kw)
    m = result.measurements
    out = {
        "conductivity": m["conductivity"],
        "rho_measured": m["recommended"]["transference_number"],
        "rho_balsara_newman": m["bruce_vincent"]["current_fraction_balsara_newman"],
        "t0_from_rho": m["transference_number_hittorf"],
        "t0_input": m["bruce_vincent"]["transference_number_hittorf"],
        "kappa_input": m["inputs"]["conductivity"],
    }
    if MPI.COMM_WORLD.rank == 0:
        print("RESULT " + json.dumps(out), flush=True)


@pytest.fixture(scope="module")
def serial():
    from tests.conftest import run_script

    return run_script(Path(__file__), ranks=1)


def test_bruce_vincent_measures_the_current_fraction(serial):
    r = serial
    print(
        f"\nrho+ measured {r['rho_measured']:.4f}, Balsara-Newman {r['rho_balsara_newman']:.4f}; "
        f"t0 from rho+ {r['t0_from_rho']:.4f}, input {r['t0_input']:.4f}"
    )
    assert r["t0_input"] == pytest.approx(0.35, rel=1e-12)
    assert r["kappa_input"] == pytest.approx(0.5 / 4.0, rel=1e-12)  # kappa / N_M
    assert abs(r["rho_balsara_newman"] - r["t0_input"]) > 0.1  # TDF 2: rho+ is not t0 here
    assert r["rho_measured"] == pytest.approx(r["rho_balsara_newman"], rel=0.01)
    assert r["t0_from_rho"] == pytest.approx(r["t0_input"], rel=0.01)


def test_serial_and_two_ranks_agree():
    from tests.conftest import assert_close_dicts, run_script

    serial = run_script(Path(__file__), "8", ranks=1)
    assert_close_dicts(serial, run_script(Path(__file__), "8", ranks=2), rtol=1e-6, atol=0.0)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
