"""The case-file schema: the root :class:`Case` and, re-exported, one pydantic model per TOML
table (``table_*.py``; building blocks in :mod:`depsim.case.quantities`, validation and error
translation in :mod:`depsim.case.validation`; docs/case-files.md §2).

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

from pathlib import Path

from pydantic import (
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from depsim.case.quantities import _CONSISTENT_RTOL, _Table, nernst_einstein
from depsim.case.table_electrode import Electrode
from depsim.case.table_electrolyte import Electrolyte, Separator, Site
from depsim.case.table_geometry import (
    CaseInfo,
    ElectrodeShape,
    Geometry,
    MeshSettings,
    SeparatorLayer,
)
from depsim.case.table_numerics import Model, Output, PhaseField, Solver, Time
from depsim.case.table_operation import Operation, ProtocolStep
from depsim.errors import CaseError

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
    "PhaseField",
    "ProtocolStep",
    "Separator",
    "SeparatorLayer",
    "Site",
    "Solver",
    "Time",
    "nernst_einstein",
]

# --------------------------------------------------------------------------------------------
# The root


class Case(_Table):
    """A validated case: one attribute per TOML table, all values in SI units.

    Attributes: ``case`` (:class:`CaseInfo`), ``geometry`` (:class:`Geometry`), ``electrolyte``
    (:class:`Electrolyte`), ``separator`` (:class:`Separator` or None), ``electrode``
    (:class:`Electrode`), ``operation`` (:class:`Operation`), ``model`` (:class:`Model`), ``time``
    (:class:`Time`), ``solver`` (:class:`Solver`), ``output`` (:class:`Output`), ``phase_field``
    (:class:`PhaseField`, read with ``model.growth = "phase-field"``).
    ``source`` is the case file (None for a case built in memory); ``warnings`` lists
    questionable but valid settings.
    """

    case: CaseInfo = Field(default_factory=CaseInfo)
    geometry: Geometry = Field(default_factory=Geometry)
    electrolyte: Electrolyte = Field(default_factory=Electrolyte)
    separator: Separator | None = None
    electrode: Electrode = Field(default_factory=Electrode)
    operation: Operation = Field(default_factory=Operation)
    phase_field: PhaseField = Field(default_factory=PhaseField)
    model: Model = Field(default_factory=Model)
    time: Time = Field(default_factory=Time)
    solver: Solver = Field(default_factory=Solver)
    output: Output = Field(default_factory=Output)

    _source: Path | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def ale_growth(self) -> bool:
        """The Li surface moves as the mesh boundary (electrode.deposition, model.growth =
        "ale")."""
        return bool(self.electrode.deposition) and self.model.growth == "ale"

    @property
    def phase_field_growth(self) -> bool:
        """The Li surface is the diffuse xi = 1/2 of the phase field (electrode.deposition,
        model.growth = "phase-field")."""
        return bool(self.electrode.deposition) and self.model.growth == "phase-field"

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
        if (
            self.model.growth == "phase-field"
            and "deposition" not in self.electrode.model_fields_set
        ):
            self.electrode.deposition = True  # the phase field is a moving Li surface
        self.check_supported()
        self._collect_warnings()
        from depsim.case.concentrated import check_concentrated
        from depsim.case.phase_field import check_phase_field

        check_phase_field(self)

        self._warnings.extend(check_concentrated(self))
        return self

    def check_supported(self) -> None:
        """Refuse combinations of options that cannot run together (CaseError, exit code 2)."""
        el, steady = self.electrode, self.time.steady
        sep, layer = self.separator, self.geometry.separator
        gap = layer.gap if layer is not None and self.geometry.kind == "interface_cell" else 0.0
        charged_sites = sep is not None and any(s.surface_charge != 0 for s in sep.sites)
        rules = (  # (refused when, key, why, value, allowed)
            (
                charged_sites and gap > 0,
                "separator.sites",
                f"charged sites sit where the separator touches the Li, but "
                f"geometry.separator.gap = {gap:g} m lifts the separator off the Li; depsim "
                "neither moves them onto the Li nor places them on the separator's face",
                [s.name for s in sep.sites] if sep is not None else None,
                "geometry.separator.gap = 0 (separator pressed on the Li) with sites, or no "
                "charged sites with a gap (separator.fixed_charge charges the matrix itself)",
            ),
            (
                el.deposition and steady,
                "time.steady",
                "a moving surface has no steady state (with electrode.deposition = true)",
                True,
                "false",
            ),
            (
                el.double_layer_capacitance and self.model.charge == "poisson",
                "electrode.double_layer_capacitance",
                "model.charge = 'poisson' resolves the diffuse double layer itself; a lumped "
                "capacitance would count it twice",
                el.double_layer_capacitance,
                "0 with model.charge = 'poisson' (or charge = 'electroneutral')",
            ),
            (
                steady and self.operation.counter == "electrode",
                "time.steady",
                "a closed cell (operation.counter = 'electrode') has no unique steady "
                "state (its salt content is set by the initial condition); run it transient",
                True,
                "false",
            ),
        )
        for refused, key, why, value, allowed in rules:
            if refused:
                raise CaseError(key, why, value, allowed)
        self._check_ion_size()

    def _check_ion_size(self) -> None:
        """Bikerman's lattice holds the bulk salt only if its packing fraction is below 1."""
        a = self.model.ion_size
        if a is None or self.model.charge != "poisson":
            return
        from depsim.physics.constants import AVOGADRO
        from depsim.physics.steric import packing_fraction

        nu = packing_fraction(a, self.electrolyte.concentration)
        if nu >= 1.0:
            a_max = (0.5 / (AVOGADRO * self.electrolyte.concentration)) ** (1.0 / 3.0)
            raise CaseError(
                "model.ion_size",
                f"the ions of a {self.electrolyte.concentration:g} mol/m^3 salt would fill "
                f"nu = 2 a^3 N_A c0 = {nu:.3g} of the volume (must be < 1)",
                a,
                f"ion_size < {a_max * 1e9:.3g} nm at this concentration",
            )

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
        concentrated = self.electrolyte.model == "concentrated"
        # concentrated: a measured t+ alone is fine with Bruggeman (the MacMullin number);
        # check_concentrated refuses the keys that set N_M twice
        measured = {"conductivity"} if concentrated else {"transference_number", "conductivity"}
        if "bruggeman" in given and given & measured:
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
            if "bruggeman" in given and measured & set(lib):
                raise CaseError(
                    "separator.bruggeman",
                    f"material {mat.name!r} provides measured transference_number and "
                    "conductivity; bruggeman is for bulk electrolyte in a porous layer",
                    value=sep.bruggeman,
                    allowed="remove material (give porosity) or remove bruggeman",
                )
            from_lib = {k for k in ("transference_number", "conductivity") if k in lib} - given
            for key, value in lib.items():
                if key == "measured_at" and not from_lib:
                    continue  # the case's own t+ and conductivity: not the material's concentration
                if key not in given:
                    setattr(sep, key, value)
            i0 = mat.exchange_current_density
            if i0 is not None and "exchange_current_density" not in self.electrode.model_fields_set:
                self.electrode.exchange_current_density = i0
        if not concentrated and (sep.transference_number is None) != (sep.conductivity is None):
            missing = "conductivity" if sep.conductivity is None else "transference_number"
            raise CaseError(
                f"separator.{missing}",
                "transference_number and conductivity must be given together",
                allowed="both (Nernst-Einstein), or neither (bulk electrolyte with bruggeman)",
            )
        if sep.porosity is None:
            sep.porosity = 1.0
        if concentrated:
            if sep.conductivity is None and sep.macmullin is None and sep.bruggeman is None:
                sep.bruggeman = 1.5
        elif sep.transference_number is None and sep.bruggeman is None:
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
        if self.model.ion_size is not None and self.model.charge != "poisson":
            warn.append(
                "model.ion_size: not used with model.charge = 'electroneutral' (the finite "
                "ion size acts in the resolved diffuse layer of charge = 'poisson')"
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

        Measured t+ and conductivity: Nernst-Einstein at ``separator.measured_at`` (default the
        library material's, else the electrolyte's c0) and T (no Bruggeman). Otherwise bulk
        electrolyte: eps^bruggeman (D+, D-). (The dilute values; electrolyte.model =
        "concentrated" uses :mod:`depsim.case.concentrated`.)
        """
        sep = self.separator
        if sep is None:
            return None
        if sep.transference_number is not None and sep.conductivity is not None:
            c_m = sep.measured_at
            return nernst_einstein(
                sep.transference_number,
                sep.conductivity,
                self.electrolyte.concentration if c_m is None else c_m,
                self.electrolyte.temperature,
            )
        factor = (sep.porosity or 1.0) ** (sep.bruggeman or 1.5)
        return factor * self.electrolyte.D_cation, factor * self.electrolyte.D_anion
