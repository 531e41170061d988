"""``[case]`` and ``[geometry]`` (with ``[geometry.electrode]``, ``[geometry.separator]`` and
``[geometry.mesh]``) of the case schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from depsim.case.quantities import (
    Fraction01,
    Integer,
    PathValue,
    PositiveLength,
    Quantity,
    _as_int,
    _fail,
    _Table,
)

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
    is remeshed when the smallest element shape measure (1 = equilateral) falls below it;
    ``refinements``: split every element uniformly this many times after meshing (each edge
    halved: 4x the triangles, 8x the tetrahedra per refinement), which gives the iterative
    solver its geometric multigrid; the sizes above are then those of the coarsest mesh."""

    size: PositiveLength = 0.25e-6
    electrode_size: PositiveLength = 0.02e-6
    grading_distance: PositiveLength = 1e-6
    save: PathValue | None = None
    remesh_quality: Fraction01 = 0.25
    refinements: Integer(ge=0) = 0

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
            if top > self.height * (1.0 + 1e-9):  # as CellGeometry.separator_levels
                _fail(
                    f"gap + thickness = {top:g} m exceeds height = {self.height:g} m",
                    field="separator.thickness",
                    value=self.separator.thickness,
                    allowed="gap + thickness <= height (equal: the separator reaches the "
                    "reservoir at the top)",
                )
        return self
