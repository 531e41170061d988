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

from depsim.model.quadrature import TRANSCENDENTAL_DEGREE, capped, compile_form


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
    """sqrt(1 + exp(u)^2)-like Donnan terms: UFL's estimate far above the cap; the degree-4
    rule integrates the smooth integrand to 1e-9 of UFL's own rule (measured 5e-10 on this
    8 x 8 mesh, 8e-12 on 16 x 16), a millionth of the P1 discretisation error of the same
    integral (6.5e-3: the integrand of the interpolated u against that of u itself)."""
    u = fem.Function(space)
    u.interpolate(lambda x: 0.5 * np.sin(3 * x[0]) * np.cos(2 * x[1]))
    c = ufl.exp(u)
    integrand = ufl.sqrt(c**4 + 4.0) * ufl.exp(-(c**2)) + ufl.sqrt(1.0 + c**6)
    form = integrand * ufl.dx
    out = capped(form)
    degrees = [itg.metadata()["quadrature_degree"] for itg in out.integrals()]
    assert degrees == [TRANSCENDENTAL_DEGREE]
    exact = fem.assemble_scalar(fem.form(form, form_compiler_options={}))  # UFL's estimate
    approx = fem.assemble_scalar(compile_form(form))
    x = ufl.SpatialCoordinate(space.mesh)
    ce = ufl.exp(0.5 * ufl.sin(3 * x[0]) * ufl.cos(2 * x[1]))
    smooth = ufl.sqrt(ce**4 + 4.0) * ufl.exp(-(ce**2)) + ufl.sqrt(1.0 + ce**6)
    continuum = fem.assemble_scalar(fem.form(smooth * ufl.dx(metadata={"quadrature_degree": 12})))
    exact, approx, continuum = (MPI.COMM_WORLD.allreduce(v) for v in (exact, approx, continuum))
    assert abs(approx - exact) <= 1e-9 * abs(exact)
    assert abs(approx - exact) <= 1e-6 * abs(exact - continuum)
