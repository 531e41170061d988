"""``[electrolyte]`` and ``[separator]`` (with ``[[separator.sites]]``) of the case schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    StrictStr,
    model_validator,
)

from depsim.case.quantities import (
    Fraction01,
    Length,
    PositiveLength,
    Quantity,
    _close,
    _fail,
    _Table,
    nernst_einstein,
)
from depsim.case.table_properties import ElectrolyteProperties

# --------------------------------------------------------------------------------------------
# [electrolyte]


class Electrolyte(_Table):
    """``[electrolyte]``: bulk binary salt (z = +/-1).

    ``concentration`` c0 [mol/m^3], ``temperature`` [K], ``D_cation``/``D_anion`` [m^2/s],
    ``relative_permittivity`` [-]. Alternatively ``transference_number`` [-] and ``conductivity``
    [S/m] (both) set D+/D- by Nernst-Einstein at c0 and T; the results are stored in ``D_cation``
    and ``D_anion``.

    ``model``: "dilute" (Nernst–Planck with constant D+/D-, the default) or "concentrated"
    (Newman's binary electrolyte with the property functions of ``[electrolyte.properties]``,
    :class:`~depsim.case.table_properties.ElectrolyteProperties`; docs/model.md §2b).
    """

    concentration: Quantity("concentration", gt=0) = 2500.0
    temperature: Quantity("temperature", gt=0) = 298.15
    D_cation: Quantity("diffusivity", gt=0) = 1.0e-10
    D_anion: Quantity("diffusivity", gt=0) = 1.5e-10
    transference_number: Fraction01 | None = None
    conductivity: Quantity("conductivity", gt=0) | None = None
    relative_permittivity: Quantity("dimensionless", gt=0) = 20.0
    model: Literal["dilute", "concentrated"] = "dilute"
    properties: ElectrolyteProperties | None = None

    @model_validator(mode="after")
    def _nernst_einstein(self) -> Electrolyte:
        t, kappa = self.transference_number, self.conductivity
        if (t is None) != (kappa is None):
            missing = "conductivity" if kappa is None else "transference_number"
            given = "transference_number" if kappa is None else "conductivity"
            _fail(
                f"{given} is given without {missing}",
                field=missing,
                allowed="both transference_number and conductivity (Nernst-Einstein), or neither",
            )
        if t is None:
            return self
        dp, dm = nernst_einstein(t, kappa, self.concentration, self.temperature)
        for key, derived in (("D_cation", dp), ("D_anion", dm)):
            if key in self.model_fields_set and not _close(getattr(self, key), derived):
                _fail(
                    "given together with transference_number and conductivity, which set it by "
                    f"Nernst-Einstein to {derived:.6g} m^2/s",
                    field=key,
                    value=getattr(self, key),
                    allowed="either D_cation and D_anion, or transference_number and conductivity",
                )
        self.D_cation, self.D_anion = dp, dm
        return self


# --------------------------------------------------------------------------------------------
# [separator]


def _check_placement(table: Any) -> None:
    """The keys a placement along the electrode needs: ``period`` for "periodic",
    ``positions`` and ``width`` for "list" (charged sites, exchange-current patches)."""
    if table.pattern == "periodic" and table.period is None:
        _fail("required for pattern = 'periodic'", field="period", allowed="a length > 0")
    if table.pattern == "list":
        if not table.positions:
            _fail(
                "required (non-empty) for pattern = 'list'",
                field="positions",
                allowed="a list of x positions [m]",
            )
        if table.width is None:
            _fail("required for pattern = 'list'", field="width", allowed="a length > 0")


class Site(_Table):
    """``[[separator.sites]]``: charged sites at the separator/anode interface.

    ``surface_charge`` [C/m^2]; ``pattern``: "uniform" (everywhere), "periodic" (``period`` [m],
    covered ``fraction`` of each period, ``offset`` [m]) or "list" (sites of ``width`` [m] centred
    at ``positions`` [m], x coordinates along the electrode).
    """

    name: StrictStr = "site"
    surface_charge: Quantity("surface_charge") = 0.0
    pattern: Literal["uniform", "periodic", "list"] = "uniform"
    period: PositiveLength | None = None
    fraction: Quantity("dimensionless", gt=0, le=1) = 1.0
    offset: Length = 0.0
    positions: list[Length] | None = None
    width: PositiveLength | None = None

    @model_validator(mode="after")
    def _check(self) -> Site:
        _check_placement(self)
        return self


class Separator(_Table):
    """``[separator]``: properties of the separator region.

    ``material``: a name from the built-in library (:mod:`depsim.materials`), whose values fill
    the keys not given here. ``porosity`` eps [-] (default 1), ``transference_number`` [-] and
    ``conductivity`` [S/m] (measured, already effective; set D+/D- by Nernst-Einstein at the
    electrolyte's c0 and T), or ``bruggeman`` b (bulk electrolyte inside: D_eff = eps^b D;
    default 1.5 when t+/conductivity are not given). ``fixed_charge`` [C/m^3] of the matrix,
    ``sites`` charged interface sites.

    ``measured_at``: the salt concentration [mol/m^3] at which ``transference_number`` and
    ``conductivity`` were measured (default: the library material's when its values are used,
    else the electrolyte's c0); the dilute model converts
    them by Nernst-Einstein there. ``transference_method``: how the transference number was
    measured, "bruce-vincent" (the current fraction rho+) or "hittorf" (t+0), and
    ``macmullin``: the MacMullin number N_M = kappa / kappa_eff of a separator without a measured
    conductivity; the three are used by ``electrolyte.model = "concentrated"``
    (docs/model.md §2b).
    """

    material: StrictStr | None = None
    porosity: Quantity("dimensionless", gt=0, le=1) | None = None
    transference_number: Fraction01 | None = None
    conductivity: Quantity("conductivity", gt=0) | None = None
    bruggeman: Quantity("dimensionless", gt=0) | None = None
    fixed_charge: Quantity("volume_charge") = 0.0
    sites: list[Site] = Field(default_factory=list)
    measured_at: Quantity("concentration", gt=0) | None = None
    transference_method: Literal["bruce-vincent", "hittorf"] | None = None
    macmullin: Quantity("dimensionless", ge=1) | None = None
