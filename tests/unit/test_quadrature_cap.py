"""The quadrature-degree cap of the transport forms (depsim/model/quadrature.py)."""

from __future__ import annotations

import depsim  # noqa: F401  (loads MPI for the dolfinx wheel)

# isort: split

import dolfinx.fem as fem
import numpy as np
import pytest
import ufl
from dolfinx import mesh as dmesh
from mpi4py import MPI

from depsim.model.quadrature import MAX_DEGREE, capped, compile_form


@pytest.fixture(scope="module")
def space():
    msh = dmesh.create_unit_square(MPI.COMM_WORLD, 8, 8)
    return fem.functionspace(msh, ("Lagrange", 1))


def test_low_degree_integrals_keep_the_estimate(space):
    u = fem.Function(space)
    v = ufl.TestFunction(space)
    form = (ufl.exp(u) * v + ufl.inner(ufl.grad(u), ufl.grad(v))) * ufl.dx
    out = capped(form)
    assert all("quadrature_degree" not in itg.metadata() for itg in out.integrals())


def test_high_degree_integrals_are_capped_and_accurate(space):
    """sqrt(1 + exp(u)^2)-like Donnan terms: UFL's estimate far above the cap; the capped rule
    integrates the smooth integrand to well below the P1 discretisation error."""
    u = fem.Function(space)
    u.interpolate(lambda x: 0.5 * np.sin(3 * x[0]) * np.cos(2 * x[1]))
    c = ufl.exp(u)
    integrand = ufl.sqrt(c**4 + 4.0) * ufl.exp(-(c**2)) + ufl.sqrt(1.0 + c**6)
    form = integrand * ufl.dx
    out = capped(form)
    assert [itg.metadata()["quadrature_degree"] for itg in out.integrals()] == [MAX_DEGREE]
    exact = fem.assemble_scalar(fem.form(form, form_compiler_options={}))  # UFL's estimate
    approx = fem.assemble_scalar(compile_form(form))
    exact, approx = (MPI.COMM_WORLD.allreduce(x) for x in (exact, approx))
    assert abs(approx - exact) <= 1e-9 * abs(exact)
