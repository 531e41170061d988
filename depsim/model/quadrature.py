"""Quadrature degree of the problem's forms: UFL's estimate, capped.

UFL estimates the polynomial degree of an integrand from its operators (``exp`` and ``sqrt``
add 2 to the degree of their argument, products add degrees). For the plain cell with P1
fields the estimates are 2-5 on cells and 7-9 on the electrode facets, but the Donnan terms of
a charged separator (square roots and exponentials of sums of exponentials) reach 45 on cells
and 57 on facets: a Gauss–Jacobi rule of 23^3 = 12,167 points per tetrahedron, which made a 3D
separator cell unaffordable (benchmarks/README.md, "Linear solvers at scale"). Every integral
whose estimate exceeds :data:`MAX_DEGREE` is integrated with a rule of degree
:data:`MAX_DEGREE` instead: exact for polynomials of degree 10, and for the smooth integrands
of P1 fields an error far below the discretisation error (the verification tests of the
charged separator are unchanged within their tolerances). Integrals at or below the cap keep
UFL's estimate, so the forms of every uncharged case are unchanged.

All forms that must agree discretely (the residual, its Jacobian, the constraint's border, the
salt and charge integrals of the balances) are compiled through :func:`compile_form` with the
same cap, so the discrete balances hold to round-off as before.
"""

from __future__ import annotations

import dolfinx.fem as fem
import ufl
from ufl.algorithms import expand_derivatives
from ufl.algorithms.estimate_degrees import estimate_total_polynomial_degree

__all__ = ["MAX_DEGREE", "capped", "compile_form"]

#: the highest quadrature degree used for any integral of the transport problem
MAX_DEGREE = 10


def capped(form: ufl.Form, cap: int = MAX_DEGREE) -> ufl.Form:
    """``form`` (derivatives expanded) with every integral whose estimated degree exceeds
    ``cap`` given ``quadrature_degree = cap``; integrals with an explicit degree are kept."""
    form = expand_derivatives(form)
    integrals = []
    for itg in form.integrals():
        meta = dict(itg.metadata())
        if "quadrature_degree" not in meta:
            degree = estimate_total_polynomial_degree(itg.integrand())
            if degree > cap:
                meta["quadrature_degree"] = cap
        integrals.append(itg.reconstruct(metadata=meta))
    return ufl.Form(integrals)


def compile_form(form: ufl.Form, cap: int = MAX_DEGREE) -> fem.Form:
    """The dolfinx form of ``form`` with its quadrature degree capped at ``cap``."""
    return fem.form(capped(form, cap))
