"""The ion fluxes of ``electrolyte_model = "concentrated"`` (Newman's binary electrolyte,
:mod:`depsim.physics.concentrated`) on the cell's regions.

The property functions of each region (:class:`~depsim.solver.parameters.RegionProperties`
``transport``) are evaluated in UFL at c = c0 exp(u) and made dimensionless
(k = kappa R T / (F^2 D0 c0), d = D / D0); with a separator layer each coefficient is the
electrolyte's plus a DG0 indicator of the SEPARATOR cells times the difference, exact cell by
cell. Used by the electroneutral charge model without a fixed charge (the case refuses the
others).
"""

from __future__ import annotations

from depsim.errors import CaseError
from depsim.model.regions import region_function
from depsim.physics import concentrated as newman
from depsim.physics.constants import FARADAY, GAS_CONSTANT

__all__ = ["newman_fluxes"]


def newman_fluxes(pb, u, chi, c_hat):
    """Dimensionless (N+, N-) of the problem ``pb`` from the fields u = ln(c/c0), chi and
    c_hat = exp(u) (UFL)."""
    p = pb.params
    if pb.charge.name != "electroneutral" or pb.regions.fixed_charge is not None:
        raise CaseError(
            "electrolyte.model",
            "the concentrated model is electroneutral without a fixed charge",
            "concentrated",
            "model.charge = 'electroneutral' and separator.fixed_charge = 0",
        )
    T, c0, D0 = p.temperature, p.c0, pb.scales.diffusivity
    c = c0 * c_hat
    k_scale = GAS_CONSTANT * T / (FARADAY**2 * D0 * c0)

    def coefficients(region):
        props = region.transport
        return (
            props.conductivity(c, T) * k_scale,
            props.diffusivity(c, T) / D0,
            props.transference_number(c, T),
            props.thermodynamic_factor(c, T),
        )

    sep = p.separator
    if sep is None:
        coeffs = coefficients(p.electrolyte_region)
    elif p.separator_fills_cell:
        coeffs = coefficients(sep)
    else:
        ind = region_function(pb.mesh, pb.cell_tags, "separator_indicator", 0.0, 1.0)
        el = coefficients(p.electrolyte_region)
        coeffs = tuple(a + ind * (b - a) for a, b in zip(el, coefficients(sep), strict=True))
    n_plus, n_minus, _ = newman.fluxes(*coeffs, c_hat, u, chi, pb.grad_hat)
    return n_plus, n_minus
