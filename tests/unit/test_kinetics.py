"""Electrode kinetics laws (depsim.physics.kinetics): the registry, each law's rate and
inverse, the UFL form against numpy, and Marcus–Hush–Chidsey against its closed form.

MHC (Zeng, Smith, Bai, Bazant, J. Electroanal. Chem. 735, 77 (2014)):
- small overpotential: it agrees with symmetric Butler–Volmer, the difference falling as
  eta^2 (measured order 2);
- large overpotential: the current saturates at i0 * 4 / erfc(a(0)), anodic and cathodic.
"""

from __future__ import annotations

import math
import typing

import numpy as np
import pytest

from depsim.case.schema import Electrode
from depsim.physics import kinetics
from depsim.physics.butler_volmer import ButlerVolmer, Linear
from depsim.physics.marcus_hush_chidsey import MarcusHushChidsey, saturation_current


def test_registry_and_schema_agree():
    names = kinetics.names()
    assert set(names) == {"butler-volmer", "frumkin", "linear", "marcus-hush-chidsey"}
    allowed = typing.get_args(Electrode.model_fields["kinetics"].annotation)
    assert tuple(allowed) == names
    with pytest.raises(ValueError, match="unknown kinetics"):
        kinetics.make_law("tafel")


@pytest.mark.parametrize("name", ["butler-volmer", "frumkin", "linear", "marcus-hush-chidsey"])
def test_inverse_recovers_the_overpotential(name):
    law = kinetics.make_law(name, alpha_a=0.3, alpha_c=0.7, reorganization=8.0)
    for eta in (-6.0, -0.5, 0.0, 0.2, 4.0):
        for c_hat in (0.3, 1.0):
            i = float(law.rate(2.0, eta, c_hat))
            assert law.overpotential(i, 2.0, c_hat) == pytest.approx(eta, abs=1e-10)


def test_butler_volmer_values():
    bv = ButlerVolmer(0.3, 0.7)
    eta, c = 1.7, 0.4
    expected = 6.4 * (math.exp(0.3 * eta) - c * math.exp(-0.7 * eta))
    assert float(bv.rate(6.4, eta, c)) == pytest.approx(expected, rel=1e-14)
    assert float(Linear().rate(6.4, eta, c)) == pytest.approx(6.4 * eta, rel=1e-14)


def test_mhc_small_overpotential_is_butler_volmer():
    mhc, bv = MarcusHushChidsey(8.0), ButlerVolmer(0.5, 0.5)
    etas = np.array([1e-1, 1e-2, 1e-3])
    diff = np.abs(mhc.rate(1.0, etas, 1.0) - bv.rate(1.0, etas, 1.0)) / np.abs(
        bv.rate(1.0, etas, 1.0)
    )
    order = np.log(diff[:-1] / diff[1:]) / np.log(etas[:-1] / etas[1:])
    assert np.all(np.abs(order - 2.0) < 0.05), order
    assert diff[-1] < 1e-6
    assert float(mhc.rate(1.0, 0.0, 1.0)) == pytest.approx(0.0, abs=1e-15)  # equilibrium


@pytest.mark.parametrize("lam", [4.0, 8.0, 20.0])
def test_mhc_saturates_at_the_closed_form_plateau(lam):
    mhc = MarcusHushChidsey(lam)
    a0 = (lam - math.sqrt(1.0 + math.sqrt(lam))) / (2.0 * math.sqrt(lam))
    plateau = 4.0 / math.erfc(a0)
    assert saturation_current(1.0, lam) == pytest.approx(plateau, rel=1e-14)
    big = 2.0 * lam + 40.0
    assert float(mhc.rate(1.0, big, 1.0)) == pytest.approx(plateau, rel=1e-6)
    assert float(mhc.rate(1.0, -big, 0.5)) == pytest.approx(-0.5 * plateau, rel=1e-6)
    # Butler–Volmer keeps growing where MHC has flattened
    assert float(ButlerVolmer().rate(1.0, big, 1.0)) > 1e3 * plateau
    with pytest.raises(ValueError, match="no overpotential"):
        mhc.overpotential(1.01 * plateau, 1.0, 1.0)


@pytest.mark.parametrize("name", ["butler-volmer", "marcus-hush-chidsey"])
def test_ufl_form_matches_numpy(name):
    """The weak-form expression of a law equals its numpy value (assembled over a unit
    square with constant arguments)."""
    import dolfinx.fem as fem
    import ufl
    from dolfinx import default_scalar_type
    from dolfinx.mesh import create_unit_square
    from mpi4py import MPI

    mesh = create_unit_square(MPI.COMM_SELF, 1, 1)
    law = kinetics.make_law(name, alpha_a=0.4, alpha_c=0.6, reorganization=6.0)
    for eta, c_hat in ((-3.0, 0.8), (0.7, 1.2), (45.0, 1.0)):
        e = fem.Constant(mesh, default_scalar_type(eta))
        c = fem.Constant(mesh, default_scalar_type(c_hat))
        expr = law.rate(2.0, e, c, backend=kinetics.UFL) * ufl.dx(domain=mesh)
        value = fem.assemble_scalar(fem.form(expr))
        assert value == pytest.approx(float(law.rate(2.0, eta, c_hat)), rel=1e-7)


def test_reorganization_energy_in_si():
    law = kinetics.law_from_si(
        "marcus-hush-chidsey", reorganization_energy=0.2 * 1.602176634e-19, temperature=298.15
    )
    assert law.reorganization == pytest.approx(0.2 / (8.617333262e-5 * 298.15), rel=1e-9)
