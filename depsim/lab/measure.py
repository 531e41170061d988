"""``depsim measure``: run the virtual measurements of a case and write their folder.

``DIR/measurements.json`` (rank 0) holds the measured values with the raw quantities behind
them and the inputs they should return; ``DIR/eis.csv`` (Li|sep|Li) and
``DIR/eis_blocking.csv`` (SS|sep|SS) the spectra; PNG figures the curves
(:mod:`depsim.lab.plots`). Everything is refused (CaseError) before the folder is made.
Every rank takes part in every solve (the strip is distributed over the communicator).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from depsim.errors import CaseError

MEASUREMENTS = ("eis", "bruce-vincent", "tafel", "sand")
ELEMENTS = 120  # elements across each cell (graded towards the Li): converged, docs §6


@dataclass
class LabResult:
    """``measurements`` (the content of measurements.json) and ``output_dir`` (None when
    nothing was written); ``curves``: the arrays behind the figures."""

    measurements: dict
    output_dir: Path | None
    curves: dict = field(default_factory=dict)


def parse_what(what: str | Sequence[str] | None) -> tuple[str, ...]:
    """The measurements asked for, in the lab's order; CaseError for an unknown or empty
    list (``--what``)."""
    if what is None:
        return MEASUREMENTS
    items = what.split(",") if isinstance(what, str) else list(what)
    names = [str(s).strip().lower() for s in items if str(s).strip()]
    bad = [s for s in names if s not in MEASUREMENTS]
    if bad or not names:
        raise CaseError(
            "--what",
            f"unknown measurement {bad[0]!r}" if bad else "no measurement given",
            allowed=", ".join(MEASUREMENTS) + " (comma-separated)",
        )
    return tuple(m for m in MEASUREMENTS if m in names)


def check_elements(elements) -> None:
    """CaseError unless ``elements`` (``--elements``) is an integer >= 8."""
    if isinstance(elements, bool) or not isinstance(elements, int) or elements < 8:
        raise CaseError("--elements", "elements across the cell", elements, "an integer >= 8")


def measure(
    case,
    what: str | Sequence[str] | None = None,
    out_dir: Path | str | None = None,
    comm=None,
    elements: int = ELEMENTS,
    sand_steps: int = 1000,
) -> LabResult:
    """Run the measurements ``what`` (default all of :data:`MEASUREMENTS`) on ``case`` (a
    validated :class:`depsim.case.Case`) and, when ``out_dir`` is given, write the folder.

    Raises CaseError for input the lab refuses (before anything is written) and
    SolverFailure when a protocol cannot be completed. ``elements``: across each virtual
    cell; ``sand_steps``: time steps per expected Sand time."""
    from depsim.lab.cell import default_comm, material_from_case

    names = parse_what(what)
    check_elements(elements)
    material = material_from_case(case)
    comm = default_comm() if comm is None else comm
    start = time.perf_counter()
    out, curves = _run(case, material, names, comm, int(elements), int(sand_steps))
    out["wall_time"] = time.perf_counter() - start
    out["mpi_size"] = comm.size
    folder = None
    if out_dir is not None:
        folder = Path(out_dir)
        _write(folder, out, curves, names, comm)
    return LabResult(out, folder, curves)


def _inputs(case, material) -> dict:
    p = material.params
    return {
        "conductivity": material.conductivity,
        "transference_number": material.t_plus,
        "exchange_current_density": p.i0,
        "thickness": material.thickness,
        "fixed_charge": material.fixed_charge,
        "double_layer_capacitance": material.double_layer_capacitance,
        "double_layer_capacitance_assumed": material.C_dl_assumed,
        "case": str(case.case.name),
    }


def _run(case, material, names, comm, n, sand_steps) -> tuple[dict, dict]:
    from depsim.errors import SolverFailure
    from depsim.lab.bruce_vincent import measure_bruce_vincent
    from depsim.lab.eis import LiHalfCell, measure_eis
    from depsim.lab.sand import measure_sand
    from depsim.lab.tafel import measure_tafel

    out: dict = {"inputs": _inputs(case, material), "ignored": list(material.ignored)}
    curves: dict = {}
    li = None
    try:
        if {"eis", "bruce-vincent", "tafel"} & set(names):
            li = LiHalfCell(material, n, comm)
            eis = measure_eis(material, li, n, comm)
            curves["eis"] = eis
            arcs = eis.arcs
            out["conductivity"] = eis.conductivity
            out["eis"] = {
                **arcs.as_dict(),
                "R_bulk_blocking": eis.R_bulk_blocking,
                "conductivity_li_cell": material.thickness / arcs.R_bulk,
                "frequency_range": [float(eis.frequency[0]), float(eis.frequency[-1])],
                "points_per_decade": 20,
            }
        if "bruce-vincent" in names:
            if eis.arcs.R_interface is None:
                raise SolverFailure("Bruce-Vincent: the rest spectrum shows no interfacial arc")
            bv = measure_bruce_vincent(material, li, arcs.R_interface, eis.frequency, n, comm)
            curves["bruce-vincent"] = bv
            out["transference_number_bruce_vincent"] = bv.transference_number
            out["bruce_vincent"] = bv.as_dict()
        if "tafel" in names:
            try:
                tf = measure_tafel(li, 0.5 * arcs.R_bulk)
            except ValueError as exc:
                raise SolverFailure(f"Tafel: {exc}") from exc
            curves["tafel"] = tf
            out["exchange_current_density_tafel"] = tf.exchange_current_density
            out["tafel"] = tf.as_dict()
        if "sand" in names:
            current = float(case.current_density or 0.0)
            sd = measure_sand(material, current, n, comm, steps=sand_steps)
            curves["sand"] = sd
            out["sand_time"] = sd.sand_time
            out["sand"] = sd.as_dict()
    finally:
        if li is not None:
            li.cell.destroy()
    if "eis" not in names:
        out.pop("conductivity", None)
    return out, curves


def _write(folder: Path, out: dict, curves: dict, names, comm) -> None:
    """The output folder (rank 0 writes; every rank waits for it)."""
    from depsim.lab import plots
    from depsim.lab.spectrum import write_csv

    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
        if "eis" in names:
            eis = curves["eis"]
            write_csv(folder / "eis.csv", eis.frequency, eis.Z)
            write_csv(folder / "eis_blocking.csv", eis.frequency, eis.Z_blocking)
        (folder / "measurements.json").write_text(json.dumps(out, indent=2) + "\n")
        plots.write_figures(folder, curves)
    comm.Barrier()


__all__ = ["ELEMENTS", "MEASUREMENTS", "LabResult", "check_elements", "measure", "parse_what"]
