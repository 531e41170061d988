"""Time series of nodal fields: ``fields.xdmf`` + ``fields.h5`` (meshio) and ``fields.bp`` (VTX).

* ``"xdmf"``: the P1 mesh and nodal values are gathered on rank 0 (:func:`gather_p1`) and written
  with ``meshio.xdmf.TimeSeriesWriter``, so meshio (and ParaView) can read the file back. meshio's
  time series keeps one mesh: when the mesh moves (ALE deposition) the point field
  ``"displacement"`` (m, relative to the first written coordinates, padded to 3 components) is
  written with every step, and ParaView's *Warp By Vector* animates the motion. The XML is
  rewritten after every step, so a run that stops early still leaves a readable file.
* ``"vtx"``: ``dolfinx.io.VTXWriter`` (ADIOS2, engine ``BP4``), written by all ranks in
  parallel; it stores the geometry with every step and so follows a moving mesh by itself.

Values are written as held by the functions, in SI units (mol/m^3, V, A/m^2, V/m).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from dolfinx import fem, io

from depsim.output.deferred import DeferredErrors
from depsim.output.gather import check_p1, gather_p1

__all__ = ["FORMATS", "FieldWriter"]

FORMATS = ("xdmf", "vtx")

log = logging.getLogger("depsim")


class _MeshioSeries:
    """meshio XDMF time series written on one rank (the h5 file lives beside the xdmf)."""

    def __init__(self, path: Path):
        import meshio

        self.path = Path(path)
        try:
            import h5py
        except ImportError:  # pragma: no cover - h5py is a dependency, but degrade gracefully
            h5py = None
            log.warning("h5py is not installed: %s stores its data inline (XML)", self.path.name)
        self.writer = meshio.xdmf.TimeSeriesWriter(self.path, data_format="HDF" if h5py else "XML")
        if h5py is not None:
            # meshio puts the .h5 in the current directory; open it beside the .xdmf instead
            # (the XML refers to it by its base name, i.e. relative to the .xdmf).
            h5 = self.path.with_suffix(".h5")
            self.writer.h5_filename = str(h5)
            self.writer.h5_file = h5py.File(h5, "w")
        self.points0: np.ndarray | None = None
        self.n_steps = 0

    def write(self, t, points, cells, point_data, moving: bool):
        from meshio._common import write_xml

        if self.points0 is None:
            self.points0 = points.copy()
            self.writer.write_points_cells(points, cells)
        elif points.shape != self.points0.shape:
            raise RuntimeError(
                "the mesh changed its number of points; call FieldWriter.update_mesh(functions)"
                " after remeshing"
            )
        data = dict(point_data)
        if moving:
            disp = np.zeros((points.shape[0], 3))
            disp[:, : points.shape[1]] = points - self.points0
            data["displacement"] = disp
        self.writer.write_data(float(t), point_data=data)
        self.n_steps += 1
        write_xml(self.path, self.writer.xdmf_file)
        if getattr(self.writer, "h5_file", None) is not None:
            self.writer.h5_file.flush()

    def close(self):
        from meshio._common import write_xml

        write_xml(self.path, self.writer.xdmf_file)
        if getattr(self.writer, "h5_file", None) is not None:
            self.writer.h5_file.close()
            self.writer.h5_file = None


def next_segment(out_dir: Path | str) -> int:
    """The first field-file segment number not yet used in ``out_dir`` (0 if none is)."""
    out_dir = Path(out_dir)
    if not any((out_dir / f"fields{ext}").exists() for ext in (".xdmf", ".bp")):
        return 0
    k = 1
    while any((out_dir / f"fields_{k:03d}{ext}").exists() for ext in (".xdmf", ".bp")):
        k += 1
    return k


class FieldWriter:
    """Write nodal fields at output times, in one or more formats.

    Args:
        mesh: the dolfinx mesh (coordinates in m) all ``functions`` live on.
        out_dir: output folder (created if missing); files ``fields.xdmf``/``fields.h5`` and
            ``fields.bp`` go there.
        formats: any of ``"xdmf"`` and ``"vtx"``; anything else raises ``ValueError``.
        functions: output name -> dolfinx Function on a continuous P1 space (scalar or vector of
            shape ``(gdim,)``), e.g. ``{"c_cation": ..., "phi": ..., "current": ..., "E": ...}``.
            The output uses the dict keys as field names (the functions are not renamed).
        moving_mesh: write ``"displacement"`` into the XDMF from the first step (set it for ALE
            runs so every step has the field); :meth:`update_mesh` switches it on later.
        first_segment: number of the first file segment (0: ``fields.xdmf``; k:
            ``fields_00k.xdmf``), e.g. :func:`next_segment` for a restarted run that must not
            overwrite the files written before it stopped.

    Collective: construct, :meth:`write` and :meth:`close` on all ranks.
    """

    def __init__(
        self,
        mesh,
        out_dir: Path | str,
        formats: Sequence[str],
        functions: Mapping[str, fem.Function],
        *,
        moving_mesh: bool = False,
        first_segment: int = 0,
    ):
        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown output format(s) {unknown}; choose from {list(FORMATS)}")
        self.out_dir = Path(out_dir)
        self.formats = list(dict.fromkeys(formats))
        self.moving = bool(moving_mesh)
        self.comm = mesh.comm
        self._segment = int(first_segment)
        self._xdmf: _MeshioSeries | None = None
        self._vtx = None
        self._copies: list[tuple[fem.Function, fem.Function]] = []
        self._closed = False
        if self.comm.rank == 0:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.comm.barrier()
        self._open(mesh, functions)

    # -- set-up -------------------------------------------------------------------------------
    def _stem(self) -> str:
        return "fields" if self._segment == 0 else f"fields_{self._segment:03d}"

    def _open(self, mesh, functions: Mapping[str, fem.Function]):
        if check_p1(functions) is not mesh:
            raise ValueError("the functions do not live on the given mesh")
        self.mesh = mesh
        self.functions = dict(functions)
        if "xdmf" in self.formats and self.comm.rank == 0:
            self._xdmf = _MeshioSeries(self.out_dir / f"{self._stem()}.xdmf")
        if "vtx" in self.formats:
            out, self._copies = [], []
            for name, f in self.functions.items():
                if f.name == name:
                    out.append(f)
                else:  # VTX names arrays after Function.name: write a named copy
                    g = fem.Function(f.function_space, name=name)
                    self._copies.append((f, g))
                    out.append(g)
            self._vtx = io.VTXWriter(
                self.comm, self.out_dir / f"{self._stem()}.bp", out, engine="BP4"
            )

    def _close_segment(self):
        if self._xdmf is not None:
            self._xdmf.close()
            self._xdmf = None
        if self._vtx is not None:
            self._vtx.close()
            self._vtx = None

    # -- public -------------------------------------------------------------------------------
    @property
    def paths(self) -> list[Path]:
        """The files (folders for VTX) of the current segment."""
        out = []
        if "xdmf" in self.formats:
            out += [self.out_dir / f"{self._stem()}.xdmf", self.out_dir / f"{self._stem()}.h5"]
        if "vtx" in self.formats:
            out.append(self.out_dir / f"{self._stem()}.bp")
        return out

    def update_mesh(self, functions: Mapping[str, fem.Function] | None = None, mesh=None):
        """Tell the writer the mesh has changed (collective).

        Without arguments: the mesh *moved* (same topology, new coordinates, e.g. ALE
        deposition). Every later XDMF step then carries ``"displacement"`` (m) relative to the
        first written coordinates; VTX follows the motion by itself.

        With ``functions`` (and optionally their ``mesh``): the mesh was *replaced* (remeshing).
        The current files are closed and a new segment ``fields_001.xdmf``/``.h5``/``.bp`` (then
        ``_002`` ...) is started on the new mesh.
        """
        if functions is None:
            self.moving = True
            return
        self._close_segment()
        self._segment += 1
        new_mesh = mesh if mesh is not None else check_p1(functions)
        self._open(new_mesh, functions)

    def write(self, t: float, deferred: DeferredErrors | None = None):
        """Write all fields at simulated time ``t`` (s). Collective.

        ``deferred``: where the rank-0 XDMF write keeps its error (so that the VTX write and the
        caller's later collective calls still run on every rank); None raises it at once.
        """
        if self._closed:
            raise RuntimeError("FieldWriter is closed")
        if "xdmf" in self.formats:
            points, cells, data = gather_p1(self.functions)
            if self.comm.rank == 0:
                with deferred.guard() if deferred is not None else nullcontext():
                    self._xdmf.write(t, points, cells, data, self.moving)
        if self._vtx is not None:
            for src, dst in self._copies:
                dst.x.array[:] = src.x.array
            self._vtx.write(float(t))

    def close(self):
        """Finish the files (collective; safe to call twice)."""
        if not self._closed:
            self._close_segment()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
