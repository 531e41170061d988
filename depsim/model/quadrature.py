"""Quadrature degree of the problem's forms: UFL's estimate, capped.

UFL estimates the polynomial degree of an integrand from its operators (``exp`` and ``sqrt``
add 2 to the degree of their argument, products add degrees). For the plain cell with P1
fields the estimates are 2-5 on cells and 7-9 on the electrode facets, but the Donnan terms of
a charged separator (square roots and exponentials of sums of exponentials) reach 45 on cells
and 57 on facets: a Gauss–Jacobi rule of 23^3 = 12,167 points per tetrahedron, which made a 3D
separator cell unaffordable (benchmarks/README.md, "Linear solvers at scale"). Every integral
whose estimate exceeds :data:`MAX_DEGREE` is integrated with a rule of degree
:data:`TRANSCENDENTAL_DEGREE` (4) instead. These integrands are smooth functions of P1 fields
that vary little across an element, so the rule's error is far below the discretisation error:
on the paper's charged cases (galvanostatic and 0.5 V) every metric of metrics.json, time
series included, agrees with the former degree-10 rule to 3e-8 relative, while a
charged-separator step costs 2.5-2.9 scalar Poisson solves instead of 6.8-7.8
(benchmarks/README.md, "Charged separators"). Integrals at or below :data:`MAX_DEGREE` keep
UFL's estimate, so the forms of every uncharged case are unchanged (the paper's PIA case:
identical metrics).

The concentrated electrolyte's property functions (:mod:`depsim.model.concentrated`: rational
functions, square roots and exponentials of c = c0 e^u) make the residual transcendental too
(estimate 47). Its integrals take :func:`concentrated_degree`, 2 p for Lagrange degree p: the
degree of the stiffness integrand with constant coefficients, so the rule's error is of the
discretisation's order. Measured: the manufactured solutions keep their orders (P1 L2
1.94–1.99, H1 0.96–1.00; P2 L2 2.93–3.00, H1 1.91–1.99), the 1D Kirchhoff profiles their errors,
and a P1 step on the paper-sized cell costs 0.038 s against 0.051 s with the degree-4 rule
(dilute: 0.037 s).

All forms that must agree discretely (the residual, its Jacobian, the constraint's border, the
salt and charge integrals of the balances) are compiled through :func:`compile_form` with the
same cap, so the discrete balances hold to round-off as before.
"""

from __future__ import annotations

import dolfinx.fem as fem
import ufl
from ufl.algorithms import expand_derivatives
from ufl.algorithms.estimate_degrees import estimate_total_polynomial_degree

__all__ = ["MAX_DEGREE", "TRANSCENDENTAL_DEGREE", "capped", "compile_form", "concentrated_degree"]

#: UFL's estimate above which an integral is taken to be transcendental (the Donnan terms)
MAX_DEGREE = 10
#: the quadrature degree of those integrals
TRANSCENDENTAL_DEGREE = 4


def capped(form: ufl.Form, cap: int = MAX_DEGREE, degree: int = TRANSCENDENTAL_DEGREE) -> ufl.Form:
    """``form`` (derivatives expanded) with every integral whose estimated degree exceeds
    ``cap`` given ``quadrature_degree = degree``; integrals with an explicit degree are kept."""
    form = expand_derivatives(form)
    integrals = []
    for itg in form.integrals():
        meta = dict(itg.metadata())
        if "quadrature_degree" not in meta:
            estimate = estimate_total_polynomial_degree(itg.integrand())
            if estimate > cap:
                meta["quadrature_degree"] = degree
        integrals.append(itg.reconstruct(metadata=meta))
    return ufl.Form(integrals)


def compile_form(
    form: ufl.Form, cap: int = MAX_DEGREE, degree: int = TRANSCENDENTAL_DEGREE
) -> fem.Form:
    """The dolfinx form of ``form`` with its transcendental integrals (estimate above ``cap``)
    at ``degree`` (:func:`capped`)."""
    return fem.form(capped(form, cap, degree))


def concentrated_degree(element_degree: int) -> int:
    """Quadrature degree of the concentrated model's transcendental integrals: 2 p for
    Lagrange degree p (module docstring)."""
    return 2 * element_degree
