"""The case-file schema: one pydantic model per TOML table (docs/case-files.md §2).

Every key has a default. Unknown keys are errors. Quantities are declared with their dimension
(:func:`Quantity`) and stored as floats in SI units; a number in the file is already SI, a string
carries its unit (``"0.5 mA/cm^2"``). Validation errors are turned into one
:class:`~depsim.errors.CaseError` naming the dotted key, the value and what is allowed
(:func:`validate_case`).

Derived values are resolved during validation and stored in the models, so that the resolved
case (``depsim check``, ``case.resolved.toml``) shows what the solver uses:

* ``electrolyte.D_cation``/``D_anion`` from ``transference_number`` + ``conductivity``
  (Nernst-Einstein, :func:`nernst_einstein`);
* the ``[separator]`` keys from the materials library (``separator.material``), and
  ``electrode.exchange_current_density`` from the library only if the user did not set it;
* ``electrode.reference_concentration`` (default: ``electrolyte.concentration``);
* ``operation.current_density`` from ``c_rate`` x ``capacity``;
* ``geometry.electrode.bump_width`` (default ``width / (2 count)``), ``case.name`` (default: the
  file stem) and ``output.dir`` (default ``results/<name>``, made absolute against the working
  directory).

A redundant key that agrees with the derived value (to 1e-9 relative) is accepted, so that a
resolved case file loads again unchanged; a contradicting one is an error.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from depsim.case.units import SI_UNITS, QuantityError, parse_quantity
from depsim.errors import CaseError
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.physics.kinetics import names as kinetics_names

__all__ = [
    "Case",
    "CaseInfo",
    "Electrode",
    "ElectrodeShape",
    "Electrolyte",
    "Geometry",
    "MeshSettings",
    "Model",
    "Operation",
    "Output",
    "ProtocolStep",
    "Separator",
    "SeparatorLayer",
    "Site",
    "Solver",
    "Time",
    "nernst_einstein",
    "validate_case",
]

#: Relative tolerance for "redundant but consistent" keys (resolved files load again).
_CONSISTENT_RTOL = 1e-9

#: Output fields a run can write (docs/case-files.md §2) and the default selection.
FIELD_NAMES = ("c_cation", "c_anion", "phi", "current", "E", "eta")
DEFAULT_FIELDS = ("c_cation", "c_anion", "phi", "current", "E")


# --------------------------------------------------------------------------------------------
# Typed building blocks


class Unit:
    """Annotation marker: the SI unit (and dimension name) of a quantity field."""

    def __init__(self, dimension: str):
        self.dimension = dimension
        self.unit = SI_UNITS[dimension]

    def __repr__(self) -> str:
        return f"Unit({self.unit or 'dimensionless'!r})"


def _fail(message: str, *, field: str | None = None, allowed: str | None = None, **extra):
    """Raise a pydantic error that :func:`validate_case` turns into a CaseError.

    ``field`` is a key relative to the model raising it (``"alpha_a"``, ``"electrode.amplitude"``);
    ``value=...`` in ``extra`` reports the offending value.
    """
    ctx: dict[str, Any] = {"message": message}
    if field is not None:
        ctx["field"] = field
    if allowed is not None:
        ctx["allowed"] = allowed
    if "value" in extra:
        ctx["value"] = extra["value"]
    raise PydanticCustomError("depsim", "{message}", ctx)


def _quantity_converter(dimension: str):
    def convert(value: Any) -> Any:
        try:
            return parse_quantity(value, dimension)
        except QuantityError as exc:
            _fail(exc.message, allowed=exc.allowed)

    convert.__name__ = f"to_si_{dimension}"
    return convert


def Quantity(dimension: str, **constraints) -> Any:  # noqa: N802 (a type factory)
    """A float field of the given dimension, converted to SI (``Quantity("length", gt=0)``)."""
    return Annotated[
        float,
        BeforeValidator(_quantity_converter(dimension)),
        Unit(dimension),
        Field(**constraints),
    ]


def _as_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail("expected an integer", allowed="an integer")
    if isinstance(value, float):
        if not value.is_integer():
            _fail("expected an integer", allowed="an integer")
        return int(value)
    return value


def Integer(**constraints) -> Any:  # noqa: N802 (a type factory)
    """An integer field (a TOML integer, or a float with an integral value)."""
    return Annotated[int, BeforeValidator(_as_int), Field(**constraints)]


def _path(value: Any) -> Any:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        _fail("expected a path (a non-empty string)", allowed="a path string")
    return Path(value)


PathValue = Annotated[Path, BeforeValidator(_path)]

Length = Quantity("length")
PositiveLength = Quantity("length", gt=0)
PositiveTime = Quantity("time", gt=0)
Fraction01 = Quantity("dimensionless", gt=0, lt=1)


def nernst_einstein(
    transference_number: float, conductivity: float, concentration: float, temperature: float
) -> tuple[float, float]:
    """Ion diffusivities (D+, D-) [m^2/s] from t+ [-], conductivity [S/m], c0 [mol/m^3], T [K].

    D+ = t+ kappa R T / (F^2 c0),  D- = (1 - t+) kappa R T / (F^2 c0)   (docs/model.md §6).
    """
    d = conductivity * GAS_CONSTANT * temperature / (FARADAY**2 * concentration)
    return transference_number * d, (1.0 - transference_number) * d


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_CONSISTENT_RTOL, abs_tol=0.0)


class _Table(BaseModel):
    """Base of all tables: unknown keys forbidden, defaults for everything."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=(), validate_default=False)


# --------------------------------------------------------------------------------------------
# [case]


class CaseInfo(_Table):
    """``[case]``: ``name`` (default: the case file's stem; not inherited), ``description``,
    ``inherits`` (path of a parent case, relative to this file; merged away by the loader)."""

    name: StrictStr | None = None
    description: StrictStr = ""
    inherits: StrictStr | None = None

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str | None) -> str | None:
        if v is not None and (
            not v.strip() or v in (".", "..") or re.search(r"[/\\\x00-\x1f]", v) is not None
        ):
            _fail(
                "not usable as a folder name",
                allowed="a non-empty name without '/', '\\' or control characters",
            )
        return v


# --------------------------------------------------------------------------------------------
# [geometry]


class ElectrodeShape(_Table):
    """``[geometry.electrode]``: the Li surface at the bottom of the cell.

    ``roughness``: "flat" | "bumps" | "sine" | "random" (seeded); ``amplitude`` [m] peak height
    above the mean surface y = 0 (0 <= amplitude < height/2); ``count`` number of bumps/periods;
    ``seed`` for "random"; ``bump_width`` [m] (default width / (2 count)).
    """

    roughness: Literal["flat", "bumps", "sine", "random"] = "flat"
    amplitude: Quantity("length", ge=0) = 0.5e-6
    count: Integer(ge=1) = 3
    seed: Integer() = 1
    bump_width: Quantity("length", gt=0) | None = None


class SeparatorLayer(_Table):
    """``[geometry.separator]``: a porous layer of ``thickness`` [m] at ``gap`` [m] above the
    electrode (0: in contact). Without it a ``[separator]`` fills the whole cell."""

    thickness: PositiveLength = 2e-6
    gap: Quantity("length", ge=0) = 0.0


class MeshSettings(_Table):
    """``[geometry.mesh]``: bulk element ``size`` [m], ``electrode_size`` [m] at the Li surface,
    ``grading_distance`` [m] over which the size grows, ``save``: optional .msh file to write
    (relative to the working directory), ``remesh_quality``: with a moving Li surface, the cell
    is remeshed when the smallest element shape measure (1 = equilateral) falls below it."""

    size: PositiveLength = 0.25e-6
    electrode_size: PositiveLength = 0.02e-6
    grading_distance: PositiveLength = 1e-6
    save: PathValue | None = None
    remesh_quality: Fraction01 = 0.25

    def resolve(self, cell_extent: float | None) -> None:
        """Fit the defaults the user did not set to the cell, then check the sizes.

        ``cell_extent`` = min(width, height) [m] of the builtin cell (None for a mesh file,
        whose sizes are not used): an unset ``size`` is capped at half of it, and an unset
        ``electrode_size`` at ``size``, so a default never refuses a small cell.
        """
        given = self.model_fields_set
        if cell_extent is not None and "size" not in given:
            self.size = min(self.size, 0.5 * cell_extent)
        if "electrode_size" not in given:
            self.electrode_size = min(self.electrode_size, self.size)
        if cell_extent is not None and self.electrode_size > self.size:
            _fail(
                f"must not exceed size = {self.size:g} m",
                field="mesh.electrode_size",
                value=self.electrode_size,
                allowed="0 < electrode_size <= size",
            )


class Geometry(_Table):
    """``[geometry]``: the builtin parametric cell (``kind = "interface_cell"``) of ``width`` x
    ``height`` (x ``depth`` in 3D) [m], or a gmsh ``file`` (``kind = "mesh_file"``, path relative
    to the case file that names it). ``depth`` is used only when ``dimension = 3``."""

    kind: Literal["interface_cell", "mesh_file"] = "interface_cell"
    file: PathValue | None = None
    dimension: Annotated[Literal[2, 3], BeforeValidator(_as_int)] = 2
    width: PositiveLength = 10e-6
    height: PositiveLength = 8e-6
    depth: PositiveLength = 10e-6
    electrode: ElectrodeShape = Field(default_factory=ElectrodeShape)
    separator: SeparatorLayer | None = None
    mesh: MeshSettings = Field(default_factory=MeshSettings)

    @field_validator("file")
    @classmethod
    def _check_file(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return v
        base = (info.context or {}).get("base_dir")
        if not v.is_absolute() and base is not None:
            v = Path(base) / v
        v = v.resolve()
        if not v.is_file():
            _fail("mesh file not found", value=str(v), allowed="an existing gmsh .msh file")
        return v

    @model_validator(mode="after")
    def _check(self) -> Geometry:
        if self.kind == "mesh_file" and self.file is None:
            _fail("required when kind = 'mesh_file'", field="file", allowed="a gmsh .msh path")
        if self.kind == "interface_cell" and self.file is not None:
            _fail(
                "only used with kind = 'mesh_file'",
                field="file",
                value=str(self.file),
                allowed="omit it, or set kind = 'mesh_file'",
            )
        builtin = self.kind == "interface_cell"
        self.mesh.resolve(min(self.width, self.height) if builtin else None)
        if not builtin:  # a mesh file: the shape, layer and size keys below are not used
            return self
        el = self.electrode
        if el.roughness != "flat" and el.amplitude >= 0.5 * self.height:
            _fail(
                f"must be smaller than height/2 = {0.5 * self.height:g} m",
                field="electrode.amplitude",
                value=el.amplitude,
                allowed="0 <= amplitude < height/2",
            )
        if el.bump_width is None:
            el.bump_width = self.width / (2 * el.count)
        elif el.roughness == "bumps" and el.bump_width > self.width / el.count:
            _fail(
                f"bumps overlap: must not exceed width/count = {self.width / el.count:g} m",
                field="electrode.bump_width",
                value=el.bump_width,
                allowed="0 < bump_width <= width/count",
            )
        if self.separator is not None:
            top = self.separator.gap + self.separator.thickness
            if top >= self.height:
                _fail(
                    f"gap + thickness = {top:g} m must be smaller than height = {self.height:g} m",
                    field="separator.thickness",
                    value=self.separator.thickness,
                    allowed="gap + thickness < height",
                )
        return self


# --------------------------------------------------------------------------------------------
# [electrolyte]


class Electrolyte(_Table):
    """``[electrolyte]``: bulk binary salt (z = +/-1).

    ``concentration`` c0 [mol/m^3], ``temperature`` [K], ``D_cation``/``D_anion`` [m^2/s],
    ``relative_permittivity`` [-]. Alternatively ``transference_number`` [-] and ``conductivity``
    [S/m] (both) set D+/D- by Nernst-Einstein at c0 and T; the results are stored in ``D_cation``
    and ``D_anion``.
    """

    concentration: Quantity("concentration", gt=0) = 2500.0
    temperature: Quantity("temperature", gt=0) = 298.15
    D_cation: Quantity("diffusivity", gt=0) = 1.0e-10
    D_anion: Quantity("diffusivity", gt=0) = 1.5e-10
    transference_number: Fraction01 | None = None
    conductivity: Quantity("conductivity", gt=0) | None = None
    relative_permittivity: Quantity("dimensionless", gt=0) = 20.0

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
    """

    material: StrictStr | None = None
    porosity: Quantity("dimensionless", gt=0, le=1) | None = None
    transference_number: Fraction01 | None = None
    conductivity: Quantity("conductivity", gt=0) | None = None
    bruggeman: Quantity("dimensionless", gt=0) | None = None
    fixed_charge: Quantity("volume_charge") = 0.0
    sites: list[Site] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# [electrode], [operation], [model], [time], [solver], [output]


def _number_or_table(value: Any) -> str:
    """Union tag of a key that takes a number (a quantity) or a table."""
    return "<table>" if isinstance(value, dict | BaseModel) else "<number>"


class ExchangeCurrentPatch(_Table):
    """One entry of ``patches`` in an exchange-current pattern: i0 = ``value`` [A/m^2] where the
    patch lies, placed like charged sites: "periodic" (``period`` [m], covered ``fraction``,
    ``offset`` [m]) or "list" (``width`` [m] centred at each of ``positions`` [m])."""

    value: Quantity("current_density", gt=0)
    pattern: Literal["periodic", "list"] = "periodic"
    period: PositiveLength | None = None
    fraction: Quantity("dimensionless", gt=0, le=1) = 0.5
    offset: Length = 0.0
    positions: list[Length] | None = None
    width: PositiveLength | None = None

    @model_validator(mode="after")
    def _check(self) -> ExchangeCurrentPatch:
        _check_placement(self)
        return self


class ExchangeCurrentPattern(_Table):
    """``electrode.exchange_current_density`` as a table: i0(x) along the Li surface.

    ``value`` [A/m^2] i0 where nothing else applies (and the reference of the kinetics);
    ``profile_x`` [m] with ``profile_values`` [A/m^2]: a piecewise-linear profile replacing
    ``value``; ``patches``: regions of their own i0 (a later patch wins). See
    :mod:`depsim.physics.exchange_current`.
    """

    value: Quantity("current_density", gt=0) = 6.4
    profile_x: list[Length] | None = None
    profile_values: list[Quantity("current_density", gt=0)] | None = None
    patches: list[ExchangeCurrentPatch] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ExchangeCurrentPattern:
        xs, vs = self.profile_x, self.profile_values
        if (xs is None) != (vs is None):
            missing = "profile_values" if vs is None else "profile_x"
            _fail(
                "profile_x and profile_values must be given together",
                field=missing,
                allowed="two lists of the same length (positions [m], i0 [A/m^2])",
            )
        if xs is not None:
            if len(xs) != len(vs) or len(xs) < 2:
                _fail(
                    f"{len(xs)} positions but {len(vs)} values",
                    field="profile_values",
                    allowed="as many values as profile_x positions (at least 2)",
                )
            if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
                _fail(
                    "positions must increase",
                    field="profile_x",
                    value=xs,
                    allowed="strictly increasing x positions [m]",
                )
        return self


class Electrode(_Table):
    """``[electrode]``: Li metal kinetics.

    ``exchange_current_density`` i0 [A/m^2] (default 6.4 = 0.64 mA/cm^2, or the separator
    material's value when the user does not set it), ``alpha_a`` + ``alpha_c`` = 1,
    ``kinetics``: "butler-volmer" | "frumkin" | "linear" | "marcus-hush-chidsey" (the laws of
    :mod:`depsim.physics.kinetics`), ``reorganization_energy`` lambda [J per particle, e.g.
    "0.2 eV"] of Marcus–Hush–Chidsey kinetics, ``reference_concentration`` c_ref
    [mol/m^3] (default: electrolyte.concentration), ``deposition`` (moving Li surface),
    ``double_layer_capacitance`` [F/m^2]. ``exchange_current_density`` may also be a table
    (:class:`ExchangeCurrentPattern`) for an i0 that varies along the surface.
    """

    exchange_current_density: Annotated[
        Annotated[Quantity("current_density", gt=0), Tag("<number>")]
        | Annotated[ExchangeCurrentPattern, Tag("<table>")],
        Discriminator(_number_or_table),
    ] = 6.4
    alpha_a: Fraction01 = 0.5
    alpha_c: Fraction01 = 0.5
    kinetics: Literal[kinetics_names()] = "butler-volmer"  # the registered laws
    reorganization_energy: Quantity("energy", gt=0) | None = None
    reference_concentration: Quantity("concentration", gt=0) | None = None
    deposition: StrictBool = False
    double_layer_capacitance: Quantity("capacitance", ge=0) = 0.0

    @property
    def i0(self) -> float:
        """The reference exchange current density [A/m^2]: the number, or a pattern's value."""
        i0 = self.exchange_current_density
        return i0.value if isinstance(i0, ExchangeCurrentPattern) else float(i0)

    @property
    def i0_pattern(self) -> ExchangeCurrentPattern | None:
        """The exchange-current pattern table, or None for a uniform i0."""
        i0 = self.exchange_current_density
        return i0 if isinstance(i0, ExchangeCurrentPattern) else None

    @model_validator(mode="after")
    def _check(self) -> Electrode:
        if self.kinetics == "marcus-hush-chidsey" and self.reorganization_energy is None:
            _fail(
                "required for kinetics = 'marcus-hush-chidsey'",
                field="reorganization_energy",
                allowed="an energy > 0, e.g. '0.2 eV' (per particle)",
            )
        if abs(self.alpha_a + self.alpha_c - 1.0) > 1e-12:
            _fail(
                f"alpha_a + alpha_c = {self.alpha_a + self.alpha_c:.12g} must equal 1",
                field="alpha_a",
                value=self.alpha_a,
                allowed="alpha_a + alpha_c = 1, each in (0, 1)",
            )
        return self


class ProtocolStep(_Table):
    """One entry of ``[operation] steps``: ``mode`` "galvanostatic" (``current_density``
    [A/m^2], > 0 plates Li, or ``c_rate`` [1/h] with ``operation.capacity``), "rest"
    (galvanostatic at zero current) or "potentiostatic" (``potential`` [V] of the top relative
    to the grounded Li), held for ``duration`` [s] (required)."""

    mode: Literal["galvanostatic", "rest", "potentiostatic"] = "galvanostatic"
    current_density: Quantity("current_density") | None = None
    c_rate: Quantity("dimensionless") | None = None
    potential: Quantity("potential") | None = None
    duration: PositiveTime | None = None

    @model_validator(mode="after")
    def _check(self) -> ProtocolStep:
        if self.duration is None:
            _fail(
                "required key is missing",
                field="duration",
                allowed="a duration > 0 s, e.g. '600 s'",
            )
        if self.mode != "potentiostatic" and self.potential is not None:
            _fail(
                f"a {self.mode} step has no potential",
                field="potential",
                value=self.potential,
                allowed="omit it, or mode = 'potentiostatic'",
            )
        if self.mode == "potentiostatic":
            for key in ("current_density", "c_rate"):
                if getattr(self, key) is not None:
                    _fail(
                        "a potentiostatic step sets the potential, not the current",
                        field=key,
                        value=getattr(self, key),
                        allowed="potential = '0.1 V' (omit the current)",
                    )
            if self.potential is None:
                _fail(
                    "a potentiostatic step needs its potential",
                    field="potential",
                    allowed="potential (e.g. '0.1 V', the top relative to the grounded Li)",
                )
        elif self.mode == "rest":
            if self.c_rate is not None:
                _fail(
                    "a rest step has no current",
                    field="c_rate",
                    value=self.c_rate,
                    allowed="omit it (rest = galvanostatic at zero current)",
                )
            if self.current_density not in (None, 0.0):
                _fail(
                    "a rest step has no current",
                    field="current_density",
                    value=self.current_density,
                    allowed="omit it or 0 (rest = galvanostatic at zero current)",
                )
            self.current_density = 0.0
        elif self.current_density is None and self.c_rate is None:
            _fail(
                "a galvanostatic step needs its current",
                field="current_density",
                allowed="current_density (e.g. '0.5 mA/cm^2', > 0 plates) or c_rate",
            )
        return self


class Operation(_Table):
    """``[operation]``: ``mode`` "galvanostatic" (``current_density`` [A/m^2], > 0 plates Li on
    the bottom electrode; or ``c_rate`` [1/h] with ``capacity`` [C/m^2, e.g. "3 mAh/cm^2"]:
    current_density = c_rate capacity / 3600 s) or "potentiostatic" (``potential`` [V] of the top
    relative to the grounded Li); ``counter``: "reservoir" (bulk c, phi = 0) or "electrode".

    Protocols: ``steps`` = a list of :class:`ProtocolStep` (``{mode = "galvanostatic",
    current_density = "0.5 mA/cm^2", duration = "600 s"}``, ``{mode = "rest", duration =
    "60 s"}``, ``{mode = "potentiostatic", potential = "0.1 V", duration = "60 s"}``, ...) run
    one after the other, repeated ``cycles`` times (``mode`` is then given per step).
    ``current_density`` is then that of the first current-controlled step, and ``time.end``
    defaults to the protocol's duration (see :mod:`depsim.deposition.protocol`)."""

    mode: Literal["galvanostatic", "potentiostatic"] = "galvanostatic"
    current_density: Quantity("current_density") = 5.0
    c_rate: Quantity("dimensionless") | None = None
    capacity: Quantity("capacity", gt=0) | None = None
    potential: Quantity("potential") = 0.5
    counter: Literal["reservoir", "electrode"] = "reservoir"
    steps: list[ProtocolStep] | None = None
    cycles: Integer(ge=1) = 1

    @model_validator(mode="after")
    def _c_rate(self) -> Operation:
        if self.c_rate is None or (self.mode == "potentiostatic" and self.steps is None):
            return self  # potentiostatic: the current keys are not used (a warning says so)
        if self.capacity is None:
            _fail(
                "c_rate needs capacity (areal capacity)",
                field="c_rate",
                value=self.c_rate,
                allowed="c_rate together with capacity, e.g. capacity = '3 mAh/cm^2'",
            )
        if self.c_rate == 0:
            _fail("must not be zero", field="c_rate", value=0.0, allowed="c_rate != 0")
        derived = self.c_rate * self.capacity / 3600.0
        if "current_density" in self.model_fields_set and not _close(self.current_density, derived):
            _fail(
                f"given together with c_rate and capacity, which set it to {derived:.6g} A/m^2",
                field="current_density",
                value=self.current_density,
                allowed="either current_density, or c_rate with capacity",
            )
        self.current_density = derived
        return self

    @model_validator(mode="after")
    def _protocol(self) -> Operation:
        if self.steps is None:
            if self.cycles != 1:
                _fail(
                    "cycles repeats a protocol; there are no steps",
                    field="cycles",
                    value=self.cycles,
                    allowed="cycles = 1, or give steps",
                )
            return self
        if not self.steps:
            _fail("empty protocol", field="steps", allowed="at least one step, or omit steps")
        if self.mode != "galvanostatic":
            _fail(
                "with steps the mode is given per step",
                field="mode",
                value=self.mode,
                allowed="omit operation.mode with steps (each step has its own mode)",
            )
        if self.c_rate is not None:
            _fail(
                "with steps the current is given per step",
                field="c_rate",
                value=self.c_rate,
                allowed="c_rate (or current_density) inside each step",
            )
        for k, step in enumerate(self.steps):
            if step.c_rate is None:
                continue
            if self.capacity is None:
                _fail(
                    "c_rate needs operation.capacity (areal capacity)",
                    field=f"steps[{k}].c_rate",
                    value=step.c_rate,
                    allowed="capacity = '3 mAh/cm^2' in [operation]",
                )
            derived = step.c_rate * self.capacity / 3600.0
            if step.current_density is not None and not _close(step.current_density, derived):
                _fail(
                    f"given together with c_rate and capacity, which set it to {derived:.6g} A/m^2",
                    field=f"steps[{k}].current_density",
                    value=step.current_density,
                    allowed="either current_density, or c_rate",
                )
            step.current_density = derived
        # the first current-controlled step's current (0 if every step is potentiostatic)
        first = next((s.current_density for s in self.steps if s.mode != "potentiostatic"), 0.0)
        if "current_density" in self.model_fields_set and not _close(self.current_density, first):
            _fail(
                f"the protocol sets it to the first step's current, {first:.6g} A/m^2",
                field="current_density",
                value=self.current_density,
                allowed="omit it with steps (give the current in each step)",
            )
        self.current_density = first
        return self

    @property
    def protocol_duration(self) -> float | None:
        """Total duration of the protocol [s] (cycles x sum of the step durations), or None."""
        if not self.steps:
            return None
        return self.cycles * sum(s.duration for s in self.steps)


class Model(_Table):
    """``[model]``: ``charge`` "electroneutral" | "poisson"; ``formulation`` "log"
    (log-concentration unknowns); ``element_degree`` 1 | 2."""

    charge: Literal["electroneutral", "poisson"] = "electroneutral"
    formulation: Literal["log"] = "log"
    element_degree: Annotated[Literal[1, 2], BeforeValidator(_as_int)] = 1


class Time(_Table):
    """``[time]``: ``end`` [s], initial step ``dt`` [s], ``adaptive`` step control between
    ``min_dt`` and ``max_dt`` [s]; ``steady``: solve the steady state directly."""

    end: PositiveTime = 60.0
    dt: PositiveTime = 1e-3
    adaptive: StrictBool = True
    max_dt: PositiveTime = 1.0
    min_dt: PositiveTime = 1e-9
    steady: StrictBool = False

    def fit_defaults(self) -> None:
        """Unset ``dt`` and ``min_dt`` defaults shrink to fit ``end``/``max_dt`` and ``dt``
        (a default never refuses a short run); given values are checked as they are."""
        given = self.model_fields_set
        if "dt" not in given:
            self.dt = min(self.dt, self.end, self.max_dt)
        if "min_dt" not in given:
            self.min_dt = min(self.min_dt, self.dt)

    @model_validator(mode="after")
    def _check(self) -> Time:
        self.fit_defaults()
        if self.steady:  # a steady solve does not step in time: dt, end, min/max_dt unused
            return self
        if self.dt > self.end:
            _fail(
                f"larger than end = {self.end:g} s",
                field="dt",
                value=self.dt,
                allowed="min_dt <= dt <= min(max_dt, end)",
            )
        if self.dt > self.max_dt:
            _fail(
                f"larger than max_dt = {self.max_dt:g} s",
                field="dt",
                value=self.dt,
                allowed="min_dt <= dt <= min(max_dt, end)",
            )
        if self.min_dt > self.dt:
            _fail(
                f"larger than dt = {self.dt:g} s",
                field="min_dt",
                value=self.min_dt,
                allowed="min_dt <= dt",
            )
        return self


PetscValue = StrictStr | StrictBool | StrictInt | StrictFloat


class Solver(_Table):
    """``[solver]``: Newton tolerances ``snes_rtol`` [-, relative to the solve's initial residual
    norm], ``snes_atol`` [-, time steps only, relative to the problem's residual scale; see
    docs/solver.md], ``max_it``;
    ``linear``: "mumps" | "gamg" | "fieldsplit" | "superlu_dist"; ``petsc_options``: extra PETSc
    options passed through unchanged (option name without '-' -> value)."""

    snes_rtol: Quantity("dimensionless", gt=0) = 1e-8
    snes_atol: Quantity("dimensionless", ge=0) = 1e-7
    max_it: Integer(ge=1) = 25
    linear: Literal["mumps", "gamg", "fieldsplit", "superlu_dist"] = "mumps"
    petsc_options: dict[str, PetscValue] = Field(default_factory=dict)


class Output(_Table):
    """``[output]``: ``dir`` (default ``results/<case name>``, relative to the working
    directory; stored absolute), ``formats`` from {"xdmf", "vtx"}, fields written ``every`` N
    steps (and always the last), ``fields`` from {c_cation, c_anion, phi, current, E, eta},
    ``checkpoint_every`` N steps (0: never)."""

    dir: PathValue | None = None
    formats: list[Literal["xdmf", "vtx"]] = Field(default_factory=lambda: ["xdmf", "vtx"])
    every: Integer(ge=1) = 10
    fields: list[Literal["c_cation", "c_anion", "phi", "current", "E", "eta"]] = Field(
        default_factory=lambda: list(DEFAULT_FIELDS)
    )
    checkpoint_every: Integer(ge=0) = 100

    @field_validator("dir")
    @classmethod
    def _absolute(cls, v: Path | None) -> Path | None:
        return None if v is None else (Path.cwd() / v.expanduser()).resolve()

    @field_validator("formats", "fields")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return list(dict.fromkeys(v))


# --------------------------------------------------------------------------------------------
# The root


class Case(_Table):
    """A validated case: one attribute per TOML table, all values in SI units.

    Attributes: ``case`` (:class:`CaseInfo`), ``geometry`` (:class:`Geometry`), ``electrolyte``
    (:class:`Electrolyte`), ``separator`` (:class:`Separator` or None), ``electrode``
    (:class:`Electrode`), ``operation`` (:class:`Operation`), ``model`` (:class:`Model`), ``time``
    (:class:`Time`), ``solver`` (:class:`Solver`), ``output`` (:class:`Output`).
    ``source`` is the case file (None for a case built in memory); ``warnings`` lists
    questionable but valid settings.
    """

    case: CaseInfo = Field(default_factory=CaseInfo)
    geometry: Geometry = Field(default_factory=Geometry)
    electrolyte: Electrolyte = Field(default_factory=Electrolyte)
    separator: Separator | None = None
    electrode: Electrode = Field(default_factory=Electrode)
    operation: Operation = Field(default_factory=Operation)
    model: Model = Field(default_factory=Model)
    time: Time = Field(default_factory=Time)
    solver: Solver = Field(default_factory=Solver)
    output: Output = Field(default_factory=Output)

    _source: Path | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    # -- resolution of defaults that depend on several tables --------------------------------

    @model_validator(mode="after")
    def _resolve(self, info: ValidationInfo) -> Case:
        ctx = info.context or {}
        if self.case.name is None:
            self.case.name = ctx.get("stem") or "case"
        if self.output.dir is None:
            self.output.dir = (Path.cwd() / "results" / self.case.name).resolve()
        if self.electrode.reference_concentration is None:
            self.electrode.reference_concentration = self.electrolyte.concentration
        if self.geometry.separator is not None and self.separator is None:
            raise CaseError(
                "separator",
                "[geometry.separator] declares a separator layer but there is no [separator] "
                "table with its properties",
                allowed="add [separator] (e.g. material = 'PIA') or remove [geometry.separator]",
            )
        if self.separator is not None:
            self._resolve_separator(self.separator)
        self._resolve_protocol()
        self._collect_warnings()
        return self

    def _resolve_protocol(self) -> None:
        """time.end defaults to the protocol's duration and may not exceed it."""
        total = self.operation.protocol_duration
        if total is None:
            return
        t = self.time
        if "end" not in t.model_fields_set:
            t.end = total
            t.fit_defaults()
        elif t.end > total * (1.0 + _CONSISTENT_RTOL):
            raise CaseError(
                "time.end",
                f"beyond the end of the protocol (operation.steps x cycles = {total:g} s)",
                value=t.end,
                allowed=f"end <= {total:g} s (or omit it: the protocol's duration)",
            )
        if t.dt > t.end and not t.steady:
            raise CaseError(
                "time.dt",
                f"larger than end = {t.end:g} s",
                value=t.dt,
                allowed="min_dt <= dt <= min(max_dt, end)",
            )

    def _resolve_separator(self, sep: Separator) -> None:
        given = set(sep.model_fields_set)
        if "bruggeman" in given and given & {"transference_number", "conductivity"}:
            raise CaseError(
                "separator.bruggeman",
                "cannot be combined with transference_number/conductivity (measured values are "
                "already effective; no Bruggeman on top)",
                value=sep.bruggeman,
                allowed="either bruggeman, or transference_number and conductivity",
            )
        if sep.material is not None:
            from depsim.materials import get_material

            mat = get_material(sep.material)
            lib = mat.separator_defaults()
            if "bruggeman" in given and ("transference_number" in lib or "conductivity" in lib):
                raise CaseError(
                    "separator.bruggeman",
                    f"material {mat.name!r} provides measured transference_number and "
                    "conductivity; bruggeman is for bulk electrolyte in a porous layer",
                    value=sep.bruggeman,
                    allowed="remove material (give porosity) or remove bruggeman",
                )
            for key, value in lib.items():
                if key not in given:
                    setattr(sep, key, value)
            i0 = mat.exchange_current_density
            if i0 is not None and "exchange_current_density" not in self.electrode.model_fields_set:
                self.electrode.exchange_current_density = i0
        if (sep.transference_number is None) != (sep.conductivity is None):
            missing = "conductivity" if sep.conductivity is None else "transference_number"
            raise CaseError(
                f"separator.{missing}",
                "transference_number and conductivity must be given together",
                allowed="both (Nernst-Einstein), or neither (bulk electrolyte with bruggeman)",
            )
        if sep.porosity is None:
            sep.porosity = 1.0
        if sep.transference_number is None and sep.bruggeman is None:
            sep.bruggeman = 1.5

    def _collect_warnings(self) -> None:
        warn = self._warnings
        warn.clear()
        sep = self.separator
        charged = sep is not None and any(s.surface_charge != 0 for s in sep.sites)
        if (
            charged
            and self.model.charge == "electroneutral"
            and self.electrode.kinetics != "frumkin"
        ):
            warn.append(
                "separator.sites: surface charge has no effect with model.charge = "
                "'electroneutral' and electrode.kinetics = "
                f"{self.electrode.kinetics!r}; use kinetics = 'frumkin' or charge = 'poisson'"
            )
        shape = self.geometry.electrode
        if self.geometry.kind == "interface_cell" and shape.roughness == "flat":
            unused = sorted({"amplitude", "count", "seed"} & shape.model_fields_set)
            if unused:
                warn.append(
                    f"geometry.electrode.{unused[0]}: not used with roughness = 'flat' "
                    "(set roughness to 'bumps', 'sine' or 'random' to use it)"
                )
        op = self.operation
        if op.mode == "potentiostatic" and op.steps is None:
            unused = sorted({"current_density", "c_rate", "capacity"} & op.model_fields_set)
            if unused:
                warn.append(
                    f"operation.{unused[0]}: not used with operation.mode = 'potentiostatic' "
                    "(the potential is applied)"
                )
        if sep is not None and sep.fixed_charge != 0 and sep.transference_number is not None:
            warn.append(
                "separator.fixed_charge: combined with a measured transference_number, which "
                "already contains the effect of the matrix charge"
            )

    # -- convenience ---------------------------------------------------------------------------

    @property
    def source(self) -> Path | None:
        """The case file this case was loaded from (None if built in memory)."""
        return self._source

    @property
    def warnings(self) -> list[str]:
        """Questionable but valid settings found during validation (one line each)."""
        return list(self._warnings)

    @property
    def reference_concentration(self) -> float:
        """c_ref of the kinetics [mol/m^3] (electrode.reference_concentration, resolved)."""
        ref = self.electrode.reference_concentration
        return self.electrolyte.concentration if ref is None else ref

    @property
    def current_density(self) -> float:
        """Applied current density [A/m^2] (> 0 plates Li), from c_rate x capacity if given."""
        return self.operation.current_density

    def diffusivities(self) -> tuple[float, float]:
        """Bulk electrolyte (D+, D-) [m^2/s], after Nernst-Einstein if t+/conductivity given."""
        return self.electrolyte.D_cation, self.electrolyte.D_anion

    def separator_diffusivities(self) -> tuple[float, float] | None:
        """Effective (D+, D-) [m^2/s] in the separator region, or None without a separator.

        Measured t+ and conductivity: Nernst-Einstein at the electrolyte's c0 and T (no
        Bruggeman). Otherwise bulk electrolyte: eps^bruggeman (D+, D-).
        """
        sep = self.separator
        if sep is None:
            return None
        if sep.transference_number is not None and sep.conductivity is not None:
            return nernst_einstein(
                sep.transference_number,
                sep.conductivity,
                self.electrolyte.concentration,
                self.electrolyte.temperature,
            )
        factor = (sep.porosity or 1.0) ** (sep.bruggeman or 1.5)
        return factor * self.electrolyte.D_cation, factor * self.electrolyte.D_anion


# --------------------------------------------------------------------------------------------
# Validation and error translation


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None``, ``list[X]``, ``Annotated[X, ...]``."""
    seen = [annotation]
    while seen:
        ann = seen.pop()
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
        origin = typing.get_origin(ann)
        if origin in (typing.Union, types.UnionType, list, Annotated):
            seen.extend(typing.get_args(ann)[:1] if origin is Annotated else typing.get_args(ann))
    return None


def _walk(loc: tuple) -> tuple[str, type[BaseModel] | None, Any]:
    """Dotted key of ``loc`` (union tags dropped), the model holding the last part and its field."""
    parts: list[str] = []
    model: type[BaseModel] | None = Case
    parent: type[BaseModel] | None = Case
    field = None
    in_free = False  # inside a free-form dict (petsc_options) or a list of scalars
    for item in loc:
        if isinstance(item, str) and item.startswith("<"):  # a union tag (<number>, <table>)
            continue
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            continue
        if in_free:
            if item in ("str", "int", "float", "bool") or "[" in item:
                continue
            parts.append(item)
            continue
        parts.append(item)
        parent = model
        if model is not None and item in model.model_fields:
            field = model.model_fields[item]
            model = _unwrap_model(field.annotation)
            if model is None:
                in_free = True
        else:
            field, model, in_free = None, None, True
    return ".".join(parts), parent, field


_BOUND_OPS = {
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}


def _metadata(field: Any) -> list[Any]:
    """Flattened annotation metadata of a field (also inside ``X | None`` and nested Field())."""
    if field is None:
        return []
    todo = list(field.metadata)
    for arg in typing.get_args(field.annotation):
        todo.extend(getattr(arg, "__metadata__", ()))
    out = []
    while todo:
        meta = todo.pop(0)
        if isinstance(meta, FieldInfo):
            todo.extend(meta.metadata)
        else:
            out.append(meta)
    return out


def _bounds_of(field: Any) -> str:
    """All bounds of a field as text ("> 0 and < 1")."""
    ops = {
        annotated_types.Gt: (">", "gt"),
        annotated_types.Ge: (">=", "ge"),
        annotated_types.Lt: ("<", "lt"),
        annotated_types.Le: ("<=", "le"),
    }
    found = [
        f"{ops[type(m)][0]} {getattr(m, ops[type(m)][1])}"
        for m in _metadata(field)
        if type(m) in ops
    ]
    return " and ".join(found)


def _unit_of(field: Any) -> str:
    for meta in _metadata(field):
        if isinstance(meta, Unit):
            return f" {meta.unit}" if meta.unit else ""
    return ""


_TYPE_WORDS = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "an integer",
    "float_type": "a number",
    "list_type": "a list (TOML array)",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def field_unit(loc: tuple) -> str:
    """The SI unit of the schema field at ``loc`` (a split dotted key; "" when dimensionless,
    not a quantity or not a field)."""
    return _unit_of(_walk(loc)[2]).strip()


def _to_case_error(exc: ValidationError) -> CaseError:
    """One CaseError from the first error of a pydantic ValidationError."""
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    etype = err["type"]
    value = err.get("input")
    key, parent, field = _walk(loc)
    if etype == "extra_forbidden":
        name = str(loc[-1])
        valid = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        if not close:  # case-insensitive second chance ("d_cation" -> "D_cation")
            lowered = {v.lower(): v for v in valid}
            close = [lowered[m] for m in difflib.get_close_matches(name.lower(), list(lowered), 1)]
        if close:
            return CaseError(key, f"unknown key; did you mean {close[0]!r}?")
        return CaseError(key, "unknown key", allowed=", ".join(valid))
    if etype == "depsim":
        if "field" in ctx:  # raised by a model validator about one of its keys
            key = f"{key}.{ctx['field']}" if key else ctx["field"]
            value = None
        return CaseError(
            key,
            ctx.get("message", err["msg"]),
            value=ctx.get("value", value),
            allowed=ctx.get("allowed"),
        )
    if etype == "literal_error":
        return CaseError(key, "invalid value", value=value, allowed=ctx.get("expected"))
    if etype in _BOUND_OPS:
        bounds = _bounds_of(field) or f"{_BOUND_OPS[etype]} {next(iter(ctx.values()))}"
        return CaseError(key, "out of range", value=value, allowed=bounds + _unit_of(field))
    if etype == "missing":
        return CaseError(key, "required key is missing")
    if etype in _TYPE_WORDS:
        return CaseError(
            key, f"wrong type {type(value).__name__}", value=value, allowed=_TYPE_WORDS[etype]
        )
    return CaseError(key, err["msg"], value=value)


def validate_case(
    data: dict[str, Any], *, source: Path | None = None, base_dir: Path | None = None
) -> Case:
    """Validate a (merged, overridden) case dict into a :class:`Case`.

    ``source`` is the case file (its stem is the default ``case.name``); ``base_dir`` resolves a
    relative ``geometry.file`` (default: the directory of ``source``). Raises CaseError.
    """
    if base_dir is None and source is not None:
        base_dir = Path(source).parent
    context = {"stem": Path(source).stem if source is not None else None, "base_dir": base_dir}
    try:
        case = Case.model_validate(data, context=context)
    except ValidationError as exc:
        raise _to_case_error(exc) from None
    case._source = None if source is None else Path(source).resolve()
    return case
