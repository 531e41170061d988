"""Plain description of the cell geometry (:class:`CellGeometry`) and its validation.

Every length is in metres. :meth:`CellGeometry.from_case` reads the ``[geometry]`` table of a
loaded case (docs/case-files.md §2) with ``getattr``, so this module does not depend on
:mod:`depsim.case`; tests and scripts can build a :class:`CellGeometry` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

from depsim.errors import CaseError
from depsim.geometry.roughness import ROUGHNESS_KINDS, default_bump_width


class GeometryError(CaseError, ValueError):
    """Invalid geometry input (exit code 2). Also a ``ValueError``.

    ``key`` is the dotted case key (``"geometry.separator.gap"``).
    """


#: Where each CellGeometry field comes from in ``[geometry]``: (sub-table, key, conversion).
_CASE_KEYS = {
    "kind": ("", "kind", str),
    "file": ("", "file", Path),
    "dimension": ("", "dimension", int),
    "width": ("", "width", float),
    "height": ("", "height", float),
    "depth": ("", "depth", float),
    "roughness": ("electrode", "roughness", str),
    "amplitude": ("electrode", "amplitude", float),
    "count": ("electrode", "count", int),
    "seed": ("electrode", "seed", int),
    "bump_width": ("electrode", "bump_width", float),
    "separator_thickness": ("separator", "thickness", float),
    "separator_gap": ("separator", "gap", float),
    "mesh_size": ("mesh", "size", float),
    "electrode_size": ("mesh", "electrode_size", float),
    "grading_distance": ("mesh", "grading_distance", float),
    "save": ("mesh", "save", Path),
    "refinements": ("mesh", "refinements", int),
}


@dataclass(frozen=True)
class CellGeometry:
    """Geometry and mesh parameters of one cell (SI units: metres).

    Attributes:
        kind: ``"interface_cell"`` (built-in parametric cell) or ``"mesh_file"``.
        file: the .msh file for ``kind = "mesh_file"``.
        dimension: 2 or 3.
        width: W [m], extent in x (along the electrode).
        height: H [m], from the mean Li surface y = 0 to the top y = H.
        depth: D [m], extent in z (3D only; None -> W).
        roughness: ``"flat"``, ``"bumps"``, ``"sine"`` or ``"random"`` (see
            :mod:`depsim.geometry.roughness`).
        amplitude: peak height of the roughness above y = 0 [m].
        count: number of bumps / sine periods across the width.
        seed: seed of the random surface.
        bump_width: support of one bump [m]; None -> W / (2 count).
        separator_thickness: thickness of the porous separator layer [m]; None: no separator
            region (all cells are electrolyte).
        separator_gap: distance of the separator's bottom above the mean surface y = 0 [m];
            0: the separator touches the Li (its bottom is the rough electrode).
        mesh_size: bulk element size [m].
        electrode_size: element size at the electrode [m].
        grading_distance: distance from the electrode over which the size grows linearly from
            ``electrode_size`` to ``mesh_size`` [m].
        save: write the gmsh mesh to this .msh file (None: do not write).
        refinements: uniform refinements of the built mesh (nested meshes for geometric
            multigrid; :mod:`depsim.geometry.refinement`).
    """

    kind: str = "interface_cell"
    file: Path | None = None
    dimension: int = 2
    width: float = 10e-6
    height: float = 8e-6
    depth: float | None = None
    roughness: str = "flat"
    amplitude: float = 0.0
    count: int = 1
    seed: int = 0
    bump_width: float | None = None
    separator_thickness: float | None = None
    separator_gap: float = 0.0
    mesh_size: float = 0.25e-6
    electrode_size: float = 0.02e-6
    grading_distance: float = 1e-6
    save: Path | None = None
    refinements: int = 0

    def __post_init__(self):
        for key in ("file", "save"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, key, Path(value))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_case(cls, case) -> CellGeometry:
        """Build from a loaded case (or directly from its ``geometry`` object).

        Missing attributes take the dataclass defaults; numbers must already be SI floats.
        """
        g = getattr(case, "geometry", case)
        tables = {
            "": g,
            "electrode": getattr(g, "electrode", None),
            "separator": getattr(g, "separator", None),
            "mesh": getattr(g, "mesh", None),
        }
        kw = {}
        for f in fields(cls):
            table, name, convert = _CASE_KEYS[f.name]
            obj = tables[table]
            value = getattr(obj, name, None) if obj is not None else None
            value = f.default if value is None else value
            kw[f.name] = value if value is None else convert(value)
        return cls(**kw)

    def with_(self, **changes) -> CellGeometry:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    # ------------------------------------------------------------------ derived values
    @property
    def depth_or_width(self) -> float:
        """D [m] (W when no depth is given)."""
        return self.width if self.depth is None else float(self.depth)

    @property
    def effective_bump_width(self) -> float:
        """Support of one bump [m]."""
        if self.bump_width is None:
            return default_bump_width(self.width, self.count)
        return float(self.bump_width)

    @property
    def max_height(self) -> float:
        """Highest point of the Li surface above y = 0 [m] (0 for a flat surface)."""
        return 0.0 if self.roughness == "flat" else abs(self.amplitude)

    @property
    def has_separator(self) -> bool:
        return self.separator_thickness is not None

    @property
    def projected_area(self) -> float:
        """Projected electrode area: W [m] in 2D, W D [m^2] in 3D."""
        return self.width if self.dimension == 2 else self.width * self.depth_or_width

    def separator_levels(self) -> tuple[float, float] | None:
        """(bottom, top) y of the separator [m]; bottom = 0 means it starts at the Li surface."""
        if not self.has_separator:
            return None
        gap = self.separator_gap
        top = gap + float(self.separator_thickness)
        if math.isclose(top, self.height, rel_tol=1e-9, abs_tol=0.0):
            top = self.height
        return gap, top

    # ------------------------------------------------------------------ validation
    def validate(self) -> CellGeometry:
        """Check the parameters; raise :class:`GeometryError` naming the key. Returns self."""
        if self.kind not in ("interface_cell", "mesh_file"):
            raise GeometryError(
                "geometry.kind", "unknown geometry kind", self.kind, "'interface_cell', 'mesh_file'"
            )
        if self.dimension not in (2, 3):
            raise GeometryError("geometry.dimension", "must be 2 or 3", self.dimension, "2, 3")
        if self.kind == "mesh_file":
            if self.file is None:
                raise GeometryError(
                    "geometry.file", "kind = 'mesh_file' needs a file", None, "a path to a .msh"
                )
            return self
        for key, value in (("width", self.width), ("height", self.height)):
            if not value > 0:
                raise GeometryError(f"geometry.{key}", "must be positive", value, "> 0 m")
        if self.dimension == 3 and self.depth is not None and not self.depth > 0:
            raise GeometryError("geometry.depth", "must be positive", self.depth, "> 0 m")
        if self.roughness not in ROUGHNESS_KINDS:
            allowed = ", ".join(repr(k) for k in ROUGHNESS_KINDS)
            raise GeometryError(
                "geometry.electrode.roughness", "unknown roughness", self.roughness, allowed
            )
        if self.amplitude < 0:
            raise GeometryError(
                "geometry.electrode.amplitude", "must be >= 0", self.amplitude, ">= 0 m"
            )
        if self.max_height >= 0.5 * self.height:
            raise GeometryError(
                "geometry.electrode.amplitude",
                f"the roughness must stay well below the top of the cell (height "
                f"{self.height:g} m)",
                self.amplitude,
                f"< {0.5 * self.height:g} m",
            )
        if self.count < 1:
            raise GeometryError("geometry.electrode.count", "must be >= 1", self.count, ">= 1")
        if self.roughness == "bumps":
            pitch = self.width / self.count
            if self.dimension == 3:
                pitch = min(pitch, self.depth_or_width / self.count)
            bw = self.effective_bump_width
            if not 0 < bw <= pitch * (1 + 1e-12):
                raise GeometryError(
                    "geometry.electrode.bump_width",
                    "bumps may not overlap: the bump width must be at most the bump spacing",
                    bw,
                    f"0 < bump_width <= {pitch:g} m",
                )
        self._validate_mesh()
        self._validate_separator()
        return self

    def _validate_mesh(self):
        for key, value in (
            ("size", self.mesh_size),
            ("electrode_size", self.electrode_size),
        ):
            if not value > 0:
                raise GeometryError(f"geometry.mesh.{key}", "must be positive", value, "> 0 m")
        if self.electrode_size > self.mesh_size:
            raise GeometryError(
                "geometry.mesh.electrode_size",
                f"must not exceed the bulk size geometry.mesh.size = {self.mesh_size:g} m",
                self.electrode_size,
                f"<= {self.mesh_size:g} m",
            )
        if self.grading_distance < 0:
            raise GeometryError(
                "geometry.mesh.grading_distance", "must be >= 0", self.grading_distance, ">= 0 m"
            )
        if self.mesh_size > 0.5 * min(self.width, self.height):
            raise GeometryError(
                "geometry.mesh.size",
                "is too coarse for the cell",
                self.mesh_size,
                f"<= {0.5 * min(self.width, self.height):g} m",
            )

    def _validate_separator(self):
        if not self.has_separator:
            return
        t, gap = float(self.separator_thickness), self.separator_gap
        if not t > 0:
            raise GeometryError("geometry.separator.thickness", "must be positive", t, "> 0 m")
        if gap < 0:
            raise GeometryError("geometry.separator.gap", "must be >= 0", gap, ">= 0 m")
        if gap > 0 and gap <= self.max_height:
            raise GeometryError(
                "geometry.separator.gap",
                f"a separator above the Li (gap > 0) must clear the roughness: gap must exceed "
                f"the roughness amplitude {self.max_height:g} m (use gap = 0 for a separator "
                "pressed onto the Li)",
                gap,
                f"0, or > {self.max_height:g} m",
            )
        if gap == 0 and t <= self.max_height:
            raise GeometryError(
                "geometry.separator.thickness",
                f"a separator on the Li (gap = 0) must be thicker than the roughness amplitude "
                f"{self.max_height:g} m",
                t,
                f"> {self.max_height:g} m",
            )
        bottom, top = self.separator_levels()
        if top > self.height:
            raise GeometryError(
                "geometry.separator.thickness",
                f"the separator (gap + thickness = {gap + t:g} m) does not fit in the cell "
                f"(height {self.height:g} m)",
                t,
                f"<= {self.height - gap:g} m",
            )
