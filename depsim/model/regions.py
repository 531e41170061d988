"""Regions of the cell: the material coefficients of the free electrolyte and the separator.

Without a separator, or with a separator filling the whole cell, the coefficients are
Constants. With a separator layer they are DG0 Functions set from the mesh's cell tags: the
cells tagged SEPARATOR (:data:`depsim.geometry.markers.SEPARATOR`) take the separator's values,
all others the free electrolyte's (:class:`~depsim.solver.parameters.RegionProperties`).
Dimensionless: d± = D±/D0, porosity eps_p, fixed charge X/c0 (signed, c- = c+ + X under
electroneutrality, :mod:`depsim.physics.separator`).
"""

from __future__ import annotations

import dolfinx.fem as fem
import dolfinx.la
import numpy as np
import ufl

from depsim.geometry import markers as region_markers

__all__ = ["RegionCoefficients", "region_coefficients", "region_function"]


class RegionCoefficients:
    """d+, d-, porosity and the fixed charge X/c0 of the cell's regions.

    Attributes: ``d_plus``, ``d_minus``, ``porosity`` (Constants or DG0); ``fixed_charge``
    (X/c0: None without a fixed charge, else Constant or DG0); ``layer`` (True for a separator
    layer in free electrolyte, DG0 coefficients).
    """

    def __init__(self, d_plus, d_minus, porosity, fixed_charge, layer: bool):
        self.d_plus, self.d_minus, self.porosity = d_plus, d_minus, porosity
        self.fixed_charge = fixed_charge
        self.layer = layer

    def nodal_fixed_charge(self, mesh, cell_tags, x_separator: float):
        """X/c0 at the nodes (P1 Function, or the Constant itself; None without a fixed
        charge): a node touching a separator cell takes the separator's value ``x_separator``
        (the charged side wins at a Donnan interface)."""
        if self.fixed_charge is None or not self.layer:
            return self.fixed_charge
        V1 = fem.functionspace(mesh, ("Lagrange", 1))
        ind = region_function(mesh, cell_tags, "separator_indicator", 0.0, 1.0)
        b = fem.assemble_vector(fem.form(ind * ufl.TestFunction(V1) * ufl.dx))
        b.scatter_reverse(dolfinx.la.InsertMode.add)
        b.scatter_forward()
        f = fem.Function(V1, name="fixed_charge_nodal")
        f.x.array[:] = np.where(b.array > 0.0, x_separator, 0.0)
        return f


def region_coefficients(mesh, params, scales, cell_tags, const) -> RegionCoefficients:
    """The coefficients of ``params`` (:class:`~depsim.solver.parameters.ModelParameters`) on
    ``mesh``; ``const`` makes a Constant, ``cell_tags`` are needed for a separator layer."""
    D0 = scales.diffusivity
    sep, el = params.separator, params.electrolyte_region
    if sep is None or params.separator_fills_cell:
        reg = el if sep is None else sep
        fixed = const(reg.fixed_charge / params.c0) if reg.fixed_charge != 0.0 else None
        return RegionCoefficients(
            const(reg.D_cation / D0), const(reg.D_anion / D0), const(reg.porosity), fixed, False
        )
    if cell_tags is None:
        raise ValueError("a separator layer needs the mesh's cell_tags (SEPARATOR cells)")

    def dg0(name, v_el, v_sep):
        return region_function(mesh, cell_tags, name, v_el, v_sep)

    fixed = None
    if sep.fixed_charge != 0.0:
        fixed = dg0("fixed_charge", 0.0, sep.fixed_charge / params.c0)
    return RegionCoefficients(
        dg0("d_plus", el.D_cation / D0, sep.D_cation / D0),
        dg0("d_minus", el.D_anion / D0, sep.D_anion / D0),
        dg0("porosity", el.porosity, sep.porosity),
        fixed,
        True,
    )


def region_function(mesh, cell_tags, name: str, value_elsewhere: float, value_separator: float):
    """A DG0 Function: ``value_separator`` on the cells tagged SEPARATOR, ``value_elsewhere``
    on all others (region-wise material coefficients of a separator layer)."""
    Q = fem.functionspace(mesh, ("DG", 0))
    sep_dofs = Q.dofmap.list[cell_tags.find(region_markers.SEPARATOR), 0]
    f = fem.Function(Q, name=name)
    f.x.array[:] = value_elsewhere
    f.x.array[sep_dofs] = value_separator
    f.x.scatter_forward()
    return f
