"""``electrolyte.model = "concentrated"``: the property functions of the electrolyte and the
separator, resolved from the case, and the checks of the keys they use (docs/model.md §2b).

**Electrolyte.** Each of kappa(c, T) [S/m], D(c, T) [m^2/s], t+0(c, T) [-] and the
thermodynamic factor TDF(c, T) [-] comes from, in this order, ``[electrolyte.properties]``
(a constant or a table), the library entry ``electrolyte.properties.source``
(:mod:`depsim.physics.electrolyte_library`), or the ideal dilute salt of
``electrolyte.D_cation``/``D_anion`` (:func:`depsim.physics.concentrated.dilute_equivalent`), so
that a concentrated case without properties is the dilute model exactly.

**Separator** (superficial, effective values; MacMullin number N_M = kappa / kappa_eff):

- N_M = kappa(c_m, T) / ``separator.conductivity`` with a measured conductivity, measured at
  c_m = ``separator.measured_at``; else ``separator.macmullin``; else Bruggeman,
  N_M = eps^-b (b = ``separator.bruggeman``, default 1.5);
- kappa_eff(c) = kappa(c) / N_M, D_eff(c) = D(c) / N_M, the same TDF(c);
- t+0: a measured ``separator.transference_number`` measured by ``transference_method`` =
  "hittorf" is t+0 (constant); by "bruce-vincent" it is the current fraction rho+, converted to
  t+0 at c_m by Balsara and Newman's relation
  (:func:`depsim.physics.concentrated.hittorf_from_current_fraction`); without one, the
  electrolyte's t+0(c).
"""

from __future__ import annotations

from dataclasses import dataclass

from depsim.errors import CaseError
from depsim.physics import concentrated as newman
from depsim.physics.electrolyte_library import Electrolyte, constant, get_electrolyte, tabulated

__all__ = [
    "PROPERTY_KEYS",
    "SeparatorConversion",
    "check_concentrated",
    "electrolyte_properties",
    "separator_properties",
]

PROPERTY_KEYS = ("conductivity", "diffusivity", "transference_number", "thermodynamic_factor")


def electrolyte_properties(case) -> Electrolyte:
    """The electrolyte's four property functions of (c [mol/m^3], T [K]) (module docstring)."""
    el = case.electrolyte
    props = el.properties
    entry = get_electrolyte(props.source) if props is not None and props.source else None
    fallback = newman.dilute_equivalent(el.D_cation, el.D_anion, el.temperature)
    funcs = {}
    for key, dilute in zip(PROPERTY_KEYS, fallback, strict=True):
        given = getattr(props, key) if props is not None else None
        if isinstance(given, tuple):
            funcs[key] = tabulated([c for c, _ in given], [v for _, v in given])
        elif given is not None:
            funcs[key] = constant(given)
        elif entry is not None and getattr(entry, key) is not None:
            funcs[key] = getattr(entry, key)
        else:
            funcs[key] = dilute
    if entry is None:
        inf = float("inf")
        return Electrolyte("case", "case file", (0.0, inf), (0.0, inf), **funcs)
    return Electrolyte(
        entry.name, entry.source, entry.concentration_range, entry.temperature_range, **funcs
    )


@dataclass(frozen=True)
class SeparatorConversion:
    """How the separator's measured values were converted (for the resolved case and the
    docs): the MacMullin number N_M [-], where it came from, and t+0 at c_m (None: the
    electrolyte's)."""

    macmullin: float
    macmullin_from: str
    hittorf: float | None


def separator_properties(case, el: Electrolyte) -> tuple[Electrolyte, SeparatorConversion]:
    """The separator region's property functions from the electrolyte's ``el`` (module
    docstring), and the conversion made."""
    sep, T = case.separator, case.electrolyte.temperature
    c_m = sep.measured_at if sep.measured_at is not None else case.electrolyte.concentration
    if sep.conductivity is not None:
        n_m, origin = el.conductivity(c_m, T) / sep.conductivity, "conductivity"
    elif sep.macmullin is not None:
        n_m, origin = sep.macmullin, "macmullin"
    else:
        b = sep.bruggeman if sep.bruggeman is not None else 1.5
        n_m, origin = (sep.porosity or 1.0) ** (-b), "bruggeman"
    kappa, D = el.conductivity, el.diffusivity

    def kappa_eff(c, T):
        return kappa(c, T) / n_m

    def D_eff(c, T):
        return D(c, T) / n_m

    t0, hittorf = el.transference_number, None
    if sep.transference_number is not None:
        if sep.transference_method == "hittorf":
            hittorf = sep.transference_number
        else:  # "bruce-vincent": the current fraction rho+ (check_concentrated asks for one)
            hittorf = newman.hittorf_from_current_fraction(
                sep.transference_number,
                kappa(c_m, T),
                D(c_m, T),
                el.thermodynamic_factor(c_m, T),
                c_m,
                T,
            )
        t0 = constant(hittorf)
    props = Electrolyte(
        f"{el.name} in the separator",
        el.source,
        el.concentration_range,
        el.temperature_range,
        conductivity=kappa_eff,
        diffusivity=D_eff,
        transference_number=t0,
        thermodynamic_factor=el.thermodynamic_factor,
    )
    return props, SeparatorConversion(n_m, origin, hittorf)


def check_concentrated(case) -> list[str]:
    """Refuse what the concentrated model cannot do (CaseError naming the key) and return the
    warnings of valid but questionable settings (one line each)."""
    el, sep = case.electrolyte, case.separator
    if el.model != "concentrated":
        return _dilute_warnings(case)
    if case.model.charge == "poisson":
        raise CaseError(
            "electrolyte.model",
            "the concentrated (Newman) model is electroneutral; model.charge = 'poisson' "
            "resolves the diffuse layer of a dilute solution and has no concentrated form here",
            "concentrated",
            "'dilute' with model.charge = 'poisson', or model.charge = 'electroneutral'",
        )
    if sep is not None and sep.fixed_charge != 0.0:
        raise CaseError(
            "separator.fixed_charge",
            "a charged matrix (Donnan) is dilute-solution physics; the concentrated model has "
            "no fixed charge",
            sep.fixed_charge,
            "0 with electrolyte.model = 'concentrated' (or electrolyte.model = 'dilute')",
        )
    warnings: list[str] = []
    if sep is not None:
        measured = [k for k in ("transference_number", "conductivity") if getattr(sep, k)]
        if measured and sep.measured_at is None:
            raise CaseError(
                "separator.measured_at",
                f"required with a measured separator.{measured[0]} and electrolyte.model = "
                "'concentrated': the loader converts it at the concentration it was measured at",
                None,
                "a concentration, e.g. '1 M' or '1000 mol/m^3'",
            )
        if sep.transference_number is not None and sep.transference_method is None:
            raise CaseError(
                "separator.transference_method",
                "required with a measured separator.transference_number and electrolyte.model "
                "= 'concentrated' (Bruce-Vincent measures the current fraction rho+, not t+0)",
                None,
                "'bruce-vincent' or 'hittorf'",
            )
        conflicts = [k for k in ("conductivity", "macmullin", "bruggeman") if _given(sep, k)]
        if len(conflicts) > 1:
            raise CaseError(
                f"separator.{conflicts[1]}",
                f"cannot be combined with separator.{conflicts[0]}: each sets the MacMullin number",
                getattr(sep, conflicts[1]),
                "one of conductivity (measured), macmullin or bruggeman",
            )
    props = electrolyte_properties(case)
    c0, T = el.concentration, el.temperature
    points = [("electrolyte.concentration", c0)]
    if sep is not None and sep.measured_at is not None:
        points.append(("separator.measured_at", sep.measured_at))
    for where, c in points:
        _check_values(props, c, T, where)
    if el.properties is not None and el.properties.source:
        entry = get_electrolyte(el.properties.source)
        warnings += entry.range_warnings(c0, T, key="electrolyte")
        if sep is not None and sep.measured_at is not None:
            lo, hi = entry.concentration_range
            if not lo <= sep.measured_at <= hi:
                warnings.append(
                    f"separator.measured_at: {sep.measured_at:g} mol/m^3 is outside the range "
                    f"of the {entry.name!r} fit ({lo:g} to {hi:g} mol/m^3)"
                )
    if sep is not None:
        _, conv = separator_properties(case, props)
        if conv.macmullin < 1.0:
            warnings.append(
                f"separator.conductivity: above the electrolyte's at measured_at (MacMullin "
                f"number {conv.macmullin:.3g} < 1); the separator conducts better than the bulk"
            )
        if conv.hittorf is not None and conv.hittorf < 0.0:
            warnings.append(
                f"separator.transference_number: the Bruce-Vincent current fraction converts "
                f"to a negative Hittorf t+0 = {conv.hittorf:.3g} (Balsara-Newman)"
            )
    return warnings


def _given(sep, key: str) -> bool:
    if key == "conductivity":
        return sep.conductivity is not None
    return key in sep.model_fields_set and getattr(sep, key) is not None


def _check_values(props: Electrolyte, c: float, T: float, where: str) -> None:
    """kappa, D, TDF > 0 and t+0 < 1 at concentration c (named by ``where``)."""
    for key in PROPERTY_KEYS:
        value = getattr(props, key)(c, T)
        bad = value >= 1.0 if key == "transference_number" else value <= 0.0
        if bad:
            raise CaseError(
                f"electrolyte.properties.{key}",
                f"{value:.4g} at {where} = {c:g} mol/m^3 and T = {T:g} K is unphysical",
                value,
                "t+0 < 1" if key == "transference_number" else "a value > 0",
            )


def _dilute_warnings(case) -> list[str]:
    el, sep = case.electrolyte, case.separator
    out = []
    if el.properties is not None:
        out.append(
            "electrolyte.properties: not used with electrolyte.model = 'dilute' (set "
            "electrolyte.model = 'concentrated' to use the property functions)"
        )
    if sep is not None:
        for key in ("transference_method", "macmullin"):
            if getattr(sep, key) is not None:
                out.append(
                    f"separator.{key}: not used with electrolyte.model = 'dilute' (the "
                    "dilute model reads a measured t+ as D+/(D+ + D-) and Bruggeman for a "
                    "porous layer)"
                )
    return out
