"""The built-in library of measured separator and membrane properties.

The data live in ``separators.toml`` next to this module, one table per material, each value with
its source. Values a paper does not give are listed in the material's ``assumed`` list and are
reported as assumed by :func:`format_materials` (``depsim materials``), never as measured.

How a case uses a material (``[separator] material = "PIA"``):

* ``porosity``, ``transference_number`` and ``conductivity`` of the library fill the keys of the
  ``[separator]`` table that the user did not give; keys given inline override them.
* ``exchange_current_density`` of the library is the default of
  ``electrode.exchange_current_density`` **only if the user did not set that key** (anywhere in the
  ``inherits`` chain, or with ``--set``).
* ``thickness`` and ``sites`` are information for the user; the geometry and the charged sites of a
  case are always given explicitly (``[geometry.separator]``, ``[[separator.sites]]``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

from depsim.case.units import parse_quantity
from depsim.errors import CaseError

__all__ = ["Material", "MaterialValue", "format_materials", "get_material", "list_materials"]

#: Value keys a material may carry, with their dimension (see :data:`depsim.case.units.SI_UNITS`).
VALUE_DIMENSIONS: dict[str, str] = {
    "transference_number": "dimensionless",
    "conductivity": "conductivity",
    "exchange_current_density": "current_density",
    "porosity": "dimensionless",
    "thickness": "length",
    "conductivity_temperature": "temperature",
    "measured_at": "concentration",
}

#: Keys of the ``[separator]`` table that a material fills when the user does not give them
#: (``measured_at`` only together with the material's own t+ or conductivity).
SEPARATOR_KEYS = ("porosity", "transference_number", "conductivity", "measured_at")


@dataclass(frozen=True)
class MaterialValue:
    """One property of a material.

    ``value`` is in SI units (see :data:`VALUE_DIMENSIONS`), ``text`` is the value as written in
    the data file (e.g. ``"0.92 mS/cm"``), ``source`` where it comes from, and ``assumed`` is true
    when no paper gives it.
    """

    key: str
    value: float
    text: str
    source: str
    assumed: bool


@dataclass(frozen=True)
class Material:
    """A separator or membrane of the library.

    Attributes: ``name``, ``reference`` (the paper), ``description``, ``notes``, ``sites`` (text
    describing charged sites, e.g. PIA's N1/N2), ``values`` (key -> :class:`MaterialValue`) and
    ``assumed`` (the keys whose values no paper gives).
    """

    name: str
    reference: str
    description: str
    notes: str
    sites: str
    values: Mapping[str, MaterialValue] = field(default_factory=dict)
    assumed: tuple[str, ...] = ()

    def value(self, key: str) -> float | None:
        """The SI value of property ``key``, or None when the library has none."""
        v = self.values.get(key)
        return None if v is None else v.value

    @property
    def transference_number(self) -> float | None:
        """Cation transference number t+ [-]."""
        return self.value("transference_number")

    @property
    def conductivity(self) -> float | None:
        """Ionic conductivity of the electrolyte-filled separator [S/m] (already effective)."""
        return self.value("conductivity")

    @property
    def exchange_current_density(self) -> float | None:
        """Exchange current density of Li plating through this separator [A/m^2]."""
        return self.value("exchange_current_density")

    @property
    def porosity(self) -> float | None:
        """Porosity [-]."""
        return self.value("porosity")

    @property
    def thickness(self) -> float | None:
        """Thickness [m] (information only)."""
        return self.value("thickness")

    def separator_defaults(self) -> dict[str, float]:
        """Values for the ``[separator]`` keys (:data:`SEPARATOR_KEYS`) that the library has."""
        return {k: self.values[k].value for k in SEPARATOR_KEYS if k in self.values}


def _parse_value(name: str, key: str, raw: object) -> tuple[float, str, str]:
    if key not in VALUE_DIMENSIONS:
        raise ValueError(f"materials library: {name}.values.{key}: unknown property")
    if not isinstance(raw, dict) or "value" not in raw or "source" not in raw:
        raise ValueError(f"materials library: {name}.values.{key}: needs value and source")
    value = parse_quantity(raw["value"], VALUE_DIMENSIONS[key])
    return value, str(raw["value"]), str(raw["source"])


@cache
def _library() -> Mapping[str, Material]:
    text = resources.files("depsim.materials").joinpath("separators.toml").read_text("utf-8")
    data = tomllib.loads(text)
    out: dict[str, Material] = {}
    for name, entry in data.items():
        like = entry.get("like")
        values: dict[str, MaterialValue] = {}
        assumed = list(entry.get("assumed", []))
        if like is not None:
            base = data[like]
            for key, raw in base.get("values", {}).items():
                value, vtext, _ = _parse_value(name, key, raw)
                src = f"assumed (as {like}; {base['reference']} gives no separate value)"
                values[key] = MaterialValue(key, value, vtext, src, True)
                assumed.append(key)
        for key, raw in entry.get("values", {}).items():
            value, vtext, src = _parse_value(name, key, raw)
            values[key] = MaterialValue(key, value, vtext, src, key in assumed)
        for key in assumed:
            if key not in values:
                raise ValueError(f"materials library: {name}: assumed key {key!r} has no value")
        out[name] = Material(
            name=name,
            reference=entry.get("reference", ""),
            description=entry.get("description", ""),
            notes=entry.get("notes", ""),
            sites=entry.get("sites", ""),
            values=MappingProxyType(values),
            assumed=tuple(dict.fromkeys(assumed)),
        )
    return MappingProxyType(out)


def list_materials() -> list[str]:
    """Names of the built-in materials, in library order."""
    return list(_library())


def get_material(name: str) -> Material:
    """The material ``name`` (exact, or case-insensitive when unambiguous).

    Raises :class:`~depsim.errors.CaseError` with key ``separator.material`` for an unknown name.
    """
    lib = _library()
    if name in lib:
        return lib[name]
    folded = [n for n in lib if n.lower() == str(name).lower()]
    if len(folded) == 1:
        return lib[folded[0]]
    import difflib

    close = difflib.get_close_matches(str(name), list(lib), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise CaseError(
        "separator.material",
        f"unknown material{hint}",
        value=name,
        allowed=", ".join(lib),
    )


def _fmt(material: Material, key: str, unit: str, scale: float, fmt: str) -> str:
    v = material.values.get(key)
    if v is None:
        return "-"
    text = format(v.value / scale, fmt) + (f" {unit}" if unit else "")
    return text + (" (assumed)" if v.assumed else "")


def format_materials(names: list[str] | None = None) -> str:
    """A plain-text table of the library (what ``depsim materials`` prints).

    Values no paper gives are marked "(assumed)"; "-" means the library has no value (for the
    exchange current density the case's ``electrode.exchange_current_density`` then applies).
    """
    mats = [get_material(n) for n in (names or list_materials())]
    header = ("name", "t+", "conductivity", "measured in", "i0", "porosity", "thickness", "source")
    rows = [header]
    for m in mats:
        kappa = _fmt(m, "conductivity", "mS/cm", 0.1, ".3g")
        if "conductivity_temperature" in m.values:
            kappa += f" at {m.values['conductivity_temperature'].value - 273.15:.0f} C"
        rows.append(
            (
                m.name,
                _fmt(m, "transference_number", "", 1.0, ".3g"),
                kappa,
                _fmt(m, "measured_at", "M", 1000.0, ".3g"),
                _fmt(m, "exchange_current_density", "mA/cm^2", 10.0, ".3g"),
                _fmt(m, "porosity", "", 1.0, ".3g"),
                _fmt(m, "thickness", "um", 1e-6, ".3g"),
                m.reference,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append("")
    lines.append(
        "(assumed): not given by the source paper; a modelling assumption, not a measurement."
    )
    lines.append("-: no value; a case then uses its own [separator]/[electrode] values.")
    lines.append(
        "measured in: the salt concentration of the t+ and conductivity measurements (fills "
        "separator.measured_at; '-': the case's c0 unless it sets separator.measured_at)."
    )
    for m in mats:
        if m.sites:
            lines.append(f"{m.name} sites: {m.sites}")
    return "\n".join(lines)
