"""Verification of the finite-ion-size (Bikerman) Poisson model: the crowded double layer at a
charged wall against the closed form of Kilic, Bazant and Ajdari (2007), manufactured
solutions with the crowding term, and serial = ``mpirun -n 2``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from depsim.physics import steric
from tests.conftest import assert_close_dicts, run_script

STUDIES = Path(__file__).with_name("steric_studies.py")
POISSON = Path(__file__).with_name("poisson_studies.py")


def study(name: str, ranks: int = 1, script: Path = STUDIES, **kwargs) -> dict:
    return run_script(script, name, json.dumps(kwargs), ranks=ranks, reuse=True)


def test_closed_form_limits():
    """The modified Grahame relation: nu -> 0 gives Grahame's; the inverse is an inverse; the
    crowded wall needs a larger potential for the same charge."""
    c0, eps_r, T, V = 1.0, 20.0, 298.15, 0.1
    dilute = steric.surface_charge(V, c0, eps_r, T, 0.0)
    assert steric.surface_charge(V, c0, eps_r, T, 1e-9) == pytest.approx(dilute, rel=1e-6)
    for nu in (0.01, 0.5):
        sigma = steric.surface_charge(V, c0, eps_r, T, nu)
        assert sigma < dilute
        assert steric.wall_potential(sigma, c0, eps_r, T, nu) == pytest.approx(V, rel=1e-10)
    cp, cm = steric.equilibrium_concentrations(40.0, 0.5)  # far past saturation
    assert cm == pytest.approx(2.0 / 0.5, rel=1e-6)  # the lattice is full of anions
    assert cp < 1e-30


@pytest.mark.parametrize("nu", [0.1, 0.5])
def test_crowded_wall_against_closed_form(nu):
    r = study("bikerman_wall", nu=nu, psi_wall_VT=6.0)
    assert r["packing"] == pytest.approx(nu, rel=1e-12)
    assert r["psi0_rel_err"] < 1e-4  # Kilic, Bazant and Ajdari (2007), their Eq. 7
    assert r["psi0_init_rel_err"] < 1e-4  # the crowded Poisson–Boltzmann initialisation
    assert r["psi0_dilute_VT"] < 0.9 * r["psi0_exact_VT"]  # crowding is not a small effect
    assert r["c_max_hat"] < r["c_lattice_hat"]  # no more ions than lattice sites
    assert r["c_max_hat"] > 0.5 * r["c_lattice_hat"]  # ... and the layer is crowded
    assert r["equilibrium_max_err"] < 1e-9  # c± = exp(∓psi) / (1 + 2 nu sinh^2(psi/2))
    assert r["charge_rel_err"] < 1e-6  # the diffuse charge screens the wall


def test_mms_with_crowding_orders():
    """The modified PNP equations converge at the P1 orders (L2 2, H1 1) with the crowding
    term, Butler–Volmer on the Li and a fixed charge."""
    a = 7.46e-9  # nu = 2 a^3 N_A c0 = 0.5 at c0 = 1 mol/m^3
    r = study("mms", script=POISSON, degree=1, levels=[8, 16, 32], ion_size=a)
    for name in ("up", "um", "psi"):
        assert abs(r[f"order_L2_{name}"] - 2.0) < 0.15, r
        assert abs(r[f"order_H1_{name}"] - 1.0) < 0.1, r


@pytest.mark.mpi
def test_crowded_wall_parallel():
    serial = study("bikerman_wall", nu=0.5)
    parallel = study("bikerman_wall", ranks=2, nu=0.5)
    assert_close_dicts(serial, parallel, rtol=1e-8, atol=1e-10)
