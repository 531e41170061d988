"""``[model]``, ``[time]``, ``[solver]`` and ``[output]`` of the case schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from depsim.case.quantities import (
    DEFAULT_FIELDS,
    Integer,
    PathValue,
    PositiveLength,
    PositiveTime,
    Quantity,
    _as_int,
    _fail,
    _Table,
)
from depsim.physics.phase_field import TANGENTIAL_DAMPING


class Model(_Table):
    """``[model]``: ``charge`` "electroneutral" | "poisson"; ``formulation`` "log"
    (log-concentration unknowns); ``element_degree`` 1 | 2; ``ion_size`` [m] (Poisson only:
    the Bikerman finite-ion-size term, :mod:`depsim.physics.steric`; unset: dilute ions);
    ``growth`` of a moving Li (``electrode.deposition = true``): "ale" (the Li surface is
    the moving mesh boundary) | "phase-field" (a diffuse Li surface on a fixed mesh,
    ``[phase_field]``, docs/phase-field.md; implies ``electrode.deposition = true``)."""

    charge: Literal["electroneutral", "poisson"] = "electroneutral"
    growth: Literal["ale", "phase-field"] = "ale"
    formulation: Literal["log"] = "log"
    element_degree: Annotated[Literal[1, 2], BeforeValidator(_as_int)] = 1
    ion_size: PositiveLength | None = None


class PhaseField(_Table):
    """``[phase_field]`` (read with ``model.growth = "phase-field"``; docs/phase-field.md):
    ``interface_width`` w [m] (xi from 0.12 to 0.88 across it; at least 3 elements of
    ``geometry.mesh.electrode_size``); ``li_thickness`` [m], the Li below the mean surface
    inside the mesh (default 1 um); ``band`` [m], the height above the mean surface that the
    fine elements reach (default: the roughness amplitude + 2 um + 4 w, at most the cell);
    ``restoring`` beta (numerical, default 2); ``reference_current`` [A/m^2] of beta
    (default: the applied current density, or the limiting current 2 D+ F c0 / H under
    potential control); ``electrolyte_floor`` psi_min (default 1e-6); ``form``
    "conservative" (default: no curvature motion, the Li volume changes only by the
    reaction) | "allen-cahn" (the plain Allen–Cahn term); ``li_enters_separator`` (default
    true: the Li may grow into a separator's pores; false: it stops at the separator's
    face); the kinetic anisotropy of the exchange current density, ``anisotropy`` epsilon in
    [0, 1) (default 0; 3D: below 0.6), ``anisotropy_mode`` m (default 4; 3D: 4, cubic) and
    ``anisotropy_angle`` theta_0 of its fast direction from the y axis (default 0; radians or
    ``"30 deg"``; 3D: 0); its heterogeneity, ``noise`` A in [0, 1) (default 0: i0 x (1 + A
    eta), eta a seeded lattice noise in [-1, 1]), ``noise_length`` its lattice spacing [m]
    (default: the interface width) and ``noise_seed`` (an integer; required under MPI;
    serial default: drawn, logged and written to case.resolved.toml); ``tangential_damping``
    gamma of the surface diffusion of grid-scale ripples (numerical, default 16; 0: none;
    model/phase_field_smoothing.py)."""

    interface_width: PositiveLength | None = None
    li_thickness: PositiveLength = 1.0e-6
    band: PositiveLength | None = None
    restoring: Quantity("dimensionless", gt=0) = 2.0
    reference_current: Quantity("current_density", gt=0) | None = None
    electrolyte_floor: Quantity("dimensionless", gt=0, lt=0.01) = 1.0e-6
    form: Literal["conservative", "allen-cahn"] = "conservative"
    li_enters_separator: StrictBool = True
    anisotropy: Quantity("dimensionless", ge=0, lt=1) = 0.0
    anisotropy_mode: Integer(ge=1, le=12) = 4
    anisotropy_angle: Quantity("dimensionless") = 0.0
    noise: Quantity("dimensionless", ge=0, lt=1) = 0.0
    noise_length: PositiveLength | None = None
    noise_seed: Integer(ge=0) | None = None
    tangential_damping: Quantity("dimensionless", ge=0) = TANGENTIAL_DAMPING


class Time(_Table):
    """``[time]``: ``end`` [s], initial step ``dt`` [s], ``adaptive`` step control between
    ``min_dt`` and ``max_dt`` [s]; ``steady``: solve the steady state directly."""

    end: PositiveTime = 60.0
    dt: PositiveTime = 1e-3
    adaptive: StrictBool = True
    max_dt: PositiveTime = 1.0
    min_dt: PositiveTime = 1e-9
    steady: StrictBool = False
    _given: frozenset[str] | None = PrivateAttr(default=None)  # keys the user set

    def fit_defaults(self) -> None:
        """Unset ``dt`` and ``min_dt`` defaults shrink to fit ``end``/``max_dt`` and ``dt``
        (a default never refuses a short run); given values are checked as they are. May be
        called again after ``end`` changed (a protocol's duration): the keys the user set are
        recorded at the first call (assigning a default marks it as set)."""
        if self._given is None:
            self._given = frozenset(self.model_fields_set)
        given = self._given
        if "dt" not in given:
            self.dt = min(self.dt, self.end, self.max_dt)
        if "min_dt" not in given:
            self.min_dt = min(self.min_dt, self.dt)

    @model_validator(mode="after")
    def _check(self) -> Time:
        self.fit_defaults()
        if self.steady:  # a steady solve does not step in time: dt, end, min/max_dt unused
            return self
        step_rule = "min_dt <= dt <= min(max_dt, end)"
        for key, limit_key, allowed in (
            ("dt", "end", step_rule),
            ("dt", "max_dt", step_rule),
            ("min_dt", "dt", "min_dt <= dt"),
        ):
            value, limit = getattr(self, key), getattr(self, limit_key)
            if value > limit:
                _fail(
                    f"larger than {limit_key} = {limit:g} s",
                    field=key,
                    value=value,
                    allowed=allowed,
                )
        return self


PetscValue = StrictStr | StrictBool | StrictInt | StrictFloat


class Solver(_Table):
    """``[solver]``: Newton tolerances ``snes_rtol`` [-, relative to the solve's initial residual
    norm], ``snes_atol`` [-, time steps only, relative to the problem's residual scale; see
    docs/solver.md], ``max_it``;
    ``linear``: "auto" (default: LU below a measured size, the iterative solver
    above; see docs/solver.md) | "iterative" (GMRES with a block Schur preconditioner, GAMG on
    the blocks) | "mumps" | "superlu_dist" (direct LU) | "gamg" | "fieldsplit" (plain Krylov
    options);
    ``multigrid`` (used by the iterative solver): "auto" (default: geometric multigrid on the
    nested meshes of ``geometry.mesh.refinements`` >= 1, else GAMG) | "algebraic" (GAMG) |
    "geometric";
    ``petsc_options``: extra PETSc options passed through unchanged (option name without '-'
    -> value)."""

    snes_rtol: Quantity("dimensionless", gt=0) = 1e-8
    snes_atol: Quantity("dimensionless", ge=0) = 1e-7
    max_it: Integer(ge=1) = 25
    linear: Literal["auto", "iterative", "mumps", "gamg", "fieldsplit", "superlu_dist"] = "auto"
    multigrid: Literal["auto", "algebraic", "geometric"] = "auto"
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
