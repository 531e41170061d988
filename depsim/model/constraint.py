"""The galvanostatic constraint: the cell potential as a global unknown (bordered Newton).

Under current control the mean current density through the bottom Li must equal the applied
one. With i_hat the electrode's total current / j0 (anodic positive) and A_hat its projected
area over L0^(d-1)::

    G(U, V) = (1/A_hat) int_Ge i_hat ds_hat + i_app_hat = 0

:class:`~depsim.solver.newton.BorderedNewton` solves the transport residual R(U, V) = 0 together
with G by Keller's bordering, which needs r = dG/dU, b = dR/dV and d = dG/dV. V enters only
through the electrode potential, phi_s / V_T = psi_s = -V_hat, so b and d are derivatives of the
electrode's source terms with respect to psi_s, times d psi_s / dV = -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import dolfinx.fem as fem
import ufl

from depsim.model.quadrature import compile_form

__all__ = ["GlobalConstraint", "current_forms", "ion_source"]


@dataclass
class GlobalConstraint:
    """Compiled forms of the galvanostatic constraint G(U, V) = 0 and its derivatives.

    G = (1/A_hat) int_Ge i_hat ds_hat + i_app_hat   (scalar form)
    r = dG/dU (vector form), b = dR/dV (vector form), d = dG/dV (scalar form).
    """

    G: fem.Form
    r: fem.Form
    b: fem.Form
    d: fem.Form


def ion_source(equation, current):
    """The electrode source of one equation (UFL / j0, None when it has none): the equation's
    combination ``cation * i+ - anion * i-`` of the ion currents of ``current``
    (:class:`~depsim.model.electrode.ElectrodeCurrent`; the anion's flux into the electrolyte
    is -i-/F). An equation weighting both ions oppositely takes the total current."""
    a, b = equation.cation, equation.anion
    if a and a == -b:
        return current.total if a == 1 else a * current.total
    parts = []
    if a:
        parts.append(current.cation if a == 1 else a * current.cation)
    if b and current.anion is not None:
        parts.append(-b * current.anion)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def current_forms(pb, current, tests):
    """(constraint, G_current, G_faradaic) of the problem ``pb`` for the electrode
    ``current``: the compiled mean-current form (always), the mean faradaic-current form (None
    without a double layer) and the :class:`GlobalConstraint` (None unless ``pb`` is
    galvanostatic)."""
    L0, tdim = pb.scales.length, pb.tdim
    A_hat = pb._constant(pb.projected_area * L0 ** (-(tdim - 1)))
    surface = pb.surface_integral(current)  # expr -> int_Ge expr ds_hat
    G = surface(current.total / A_hat)
    G_current = compile_form(G)
    G_faradaic = compile_form(surface(current.faradaic / A_hat)) if pb.double_layer else None
    if not pb.galvanostatic:
        return None, G_current, G_faradaic
    b_terms = []
    n_charge = len(pb.charge.equations)
    for eq, q in zip(pb.charge.equations, tests[:n_charge], strict=True):
        src = ion_source(eq, current)
        if src is None:
            continue
        d_src = ufl.diff(src, current.psi_s)  # d psi_s / dV = -1 and R = -src q: b = d_src q
        b_terms.append(d_src * q * (1.0 - pb.init) if eq.transient else d_src * q)
    b = b_terms[0]
    for term in b_terms[1:]:
        b = b + term
    b_form = surface(b)
    if pb.phase is not None:  # xi's residual -v delta q: its velocity is the faradaic current's
        v_delta = -pb.phase.v_factor * current.faradaic * pb.phase.reacting_delta
        q = tests[pb.phase.index]
        b_form += ufl.diff(v_delta, current.psi_s) * q * (1.0 - pb.init) * pb.vol_scale * pb.dx
    di_dpsis = ufl.diff(current.total, current.psi_s)
    constraint = GlobalConstraint(
        G=G_current,
        r=compile_form(ufl.derivative(G, pb.U, ufl.TestFunction(pb.W))),
        b=compile_form(b_form),
        d=compile_form(surface(-(di_dpsis / A_hat))),
    )
    return constraint, G_current, G_faradaic
