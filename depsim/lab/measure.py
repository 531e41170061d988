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
from depsim.lab.protocol import SAND_STEPS

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


def check_sand_steps(steps) -> None:
    """CaseError unless ``steps`` (``--sand-steps``) is an integer >= 20."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 20:
        raise CaseError(
            "--sand-steps", "time steps per expected Sand time", steps, "an integer >= 20"
        )


def measure(
    case,
    what: str | Sequence[str] | None = None,
    out_dir: Path | str | None = None,
    comm=None,
    elements: int = ELEMENTS,
    sand_steps: int = SAND_STEPS,
    protocol=None,
) -> LabResult:
    """Run the measurements ``what`` (default all of :data:`MEASUREMENTS`) on ``case`` (a
    validated :class:`depsim.case.Case`) and, when ``out_dir`` is given, write the folder.

    Raises CaseError for input the lab refuses (before anything is written) and
    SolverFailure when a protocol cannot be completed. ``elements``: across each virtual
    cell; ``sand_steps``: time steps per expected Sand time; ``protocol``: the protocol
    settings (:class:`depsim.lab.protocol.LabProtocol`; default: the literature defaults)."""
    from depsim.lab.cell import default_comm, material_from_case
    from depsim.lab.protocol import LabProtocol

    protocol = LabProtocol() if protocol is None else protocol

    names = parse_what(what)
    check_elements(elements)
    material = material_from_case(case)
    i_lim = material.closed_cell.limiting_current()
    if protocol.sand_current is not None and "sand" in names and material.fixed_charge == 0:
        if protocol.sand_current <= i_lim:
            raise CaseError(
                "--sand-current",
                f"at or below the closed cell's limiting current {i_lim:.6g} A/m^2 the surface "
                "never depletes (no Sand time)",
                protocol.sand_current,
                f"> {i_lim:.6g} A/m^2",
            )
    comm = default_comm() if comm is None else comm
    start = time.perf_counter()
    out, curves = _run(case, material, names, comm, int(elements), int(sand_steps), protocol)
    out["wall_time"] = time.perf_counter() - start
    out["mpi_size"] = comm.size
    folder = None
    if out_dir is not None:
        folder = Path(out_dir)
        _write(folder, out, curves, names, comm)
    return LabResult(out, folder, curves)


def _inputs(case, material) -> dict:
    from depsim.physics.separator import donnan_concentrations

    p = material.params
    i0_eff = p.i0  # the exchange current at the Li's c+ (the pore's, Donnan, in a charged one)
    c_plus = float(donnan_concentrations(p.c0, material.fixed_charge)[0])
    if p.kinetics in ("butler-volmer", "frumkin"):
        i0_eff = p.i0 * (c_plus / p.reference_concentration) ** p.alpha_a
    return {
        "conductivity": material.conductivity,
        "transference_number": material.t_plus,
        "exchange_current_density": p.i0,
        "exchange_current_density_effective": float(i0_eff),
        "thickness": material.thickness,
        "fixed_charge": material.fixed_charge,
        "pore_cation_concentration": c_plus,
        "double_layer_capacitance": material.double_layer_capacitance,
        "double_layer_capacitance_assumed": material.C_dl_assumed,
        "case": str(case.case.name),
    }


def _run(case, material, names, comm, n, sand_steps, protocol) -> tuple[dict, dict]:
    from depsim.errors import SolverFailure
    from depsim.lab.assessment import assess
    from depsim.lab.bruce_vincent import measure_bruce_vincent
    from depsim.lab.circuit_fit import fit_symmetric_cell
    from depsim.lab.eis import LiHalfCell, measure_eis
    from depsim.lab.sand import measure_sand
    from depsim.lab.tafel import measure_tafel, transport_corrected
    from depsim.physics.polarisation import richardson_zero_step

    out: dict = {"inputs": _inputs(case, material), "ignored": list(material.ignored)}
    out["protocol"] = {**protocol.as_dict(), "sand_steps": sand_steps}
    curves: dict = {}
    li = None
    try:
        if {"eis", "bruce-vincent", "tafel"} & set(names):
            li = LiHalfCell(material, n, comm)
            eis = measure_eis(material, li, n, comm, protocol.eis_points_per_decade)
            curves["eis"] = eis
            arcs = eis.arcs
            out["conductivity"] = eis.conductivity
            out["eis"] = {
                **arcs.as_dict(),
                "R_bulk_blocking": eis.R_bulk_blocking,
                "conductivity_li_cell": material.thickness / arcs.R_bulk,
                "frequency_range": [float(eis.frequency[0]), float(eis.frequency[-1])],
                "points_per_decade": protocol.eis_points_per_decade,
                "circuit_fit": fit_symmetric_cell(
                    eis.frequency, eis.Z, arcs, material.porosity, material.thickness
                ),
            }
        if "bruce-vincent" in names:
            if eis.arcs.R_interface is None:
                raise SolverFailure("Bruce-Vincent: the rest spectrum shows no interfacial arc")
            bv = measure_bruce_vincent(
                material, li, arcs.R_interface, eis.frequency, n, comm, dV=protocol.bv_step
            )
            curves["bruce-vincent"] = bv
            out["transference_number_bruce_vincent"] = bv.transference_number
            out["bruce_vincent"] = {**bv.as_dict(), "expected_bias": _bv_bias(bv, arcs, material)}
            finer = [
                measure_bruce_vincent(
                    material, li, arcs.R_interface, eis.frequency, n, comm, dV=bv.dV / 2**k
                )
                for k in range(1, protocol.bv_steps)
            ]
            if finer:
                steps = (bv.dV, *(m.dV for m in finer))
                values = (bv.transference_number, *(m.transference_number for m in finer))
                out["bruce_vincent_extrapolated"] = {
                    "steps": list(steps),
                    "transference_numbers": list(values),
                    "transference_number": richardson_zero_step(steps, values),
                }
        if "tafel" in names:
            try:
                tf = measure_tafel(
                    li, 0.5 * arcs.R_bulk, protocol.tafel_window, protocol.eta_max,
                    protocol.tafel_step,
                )  # fmt: skip
            except ValueError as exc:
                raise SolverFailure(f"Tafel: {exc}") from exc
            curves["tafel"] = tf
            out["exchange_current_density_tafel"] = tf.exchange_current_density
            out["tafel"] = tf.as_dict()
        if "sand" in names:
            current = float(case.current_density or 0.0)
            sd = measure_sand(
                material, current, n, comm, steps=sand_steps, current=protocol.sand_current
            )
            curves["sand"] = sd
            out["sand_time"] = sd.sand_time
            out["sand"] = sd.as_dict()
    finally:
        if li is not None:
            li.cell.destroy()
    if "bruce_vincent" in out and material.transport is not None:
        _hittorf_from_current_fraction(out, material)
    if "tafel" in curves:
        i_lim = _measured_limiting_current(out, curves["eis"], material)
        if i_lim is not None:
            out["tafel"]["transport_corrected"] = transport_corrected(
                curves["tafel"], i_lim, material.params.temperature, protocol.tafel_window
            )
    if "eis" not in names:
        out.pop("conductivity", None)
    assess(out)
    if "transference_number_hittorf" in out:
        out["recommended"]["transference_number_hittorf"] = out["transference_number_hittorf"]
    return out, curves


def _hittorf_from_current_fraction(out: dict, material) -> None:
    """Concentrated model: Bruce-Vincent measures the current fraction rho+, not t+0. Record
    Balsara and Newman's rho+ of the inputs beside the measured one, and the Hittorf t+0 that
    the measured rho+ (dV -> 0) gives with the measured kappa and the electrolyte's D(c0) and
    TDF(c0) (docs/virtual-lab.md §3)."""
    from depsim.physics.concentrated import hittorf_from_current_fraction

    p = material.params
    bv = out["bruce_vincent"]
    bv["current_fraction_balsara_newman"] = material.current_fraction
    extrapolated = out.get("bruce_vincent_extrapolated")
    rho = extrapolated["transference_number"] if extrapolated else bv["transference_number"]
    kappa = out.get("conductivity", material.conductivity)
    out["transference_number_hittorf"] = hittorf_from_current_fraction(
        rho, kappa, material.salt_diffusivity, material.thermodynamic_factor, p.c0, p.temperature
    )


def _bv_bias(bv, arcs, material) -> float | None:
    """Expected relative bias of the Bruce–Vincent t+ (Butler–Volmer curvature), or None for
    kinetics without that closed form."""
    from depsim.physics.constants import thermal_voltage
    from depsim.physics.polarisation import bruce_vincent_bias, butler_volmer_curvature

    p = material.params
    if p.kinetics == "linear":
        return 0.0  # no curvature
    if p.kinetics not in ("butler-volmer", "frumkin"):
        return None
    k = butler_volmer_curvature(p.alpha_a, p.alpha_c)
    V_T = thermal_voltage(p.temperature)
    return bruce_vincent_bias(
        bv.dV, bv.I0, bv.R0, bv.I_ss, arcs.R_bulk, bv.transference_number, k, V_T
    )


def _measured_limiting_current(out: dict, eis, material) -> float | None:
    """The half cell's limiting current F D c0 / ((1 - t+) L/2) [A/m^2] from measured values:
    t+ the Bruce–Vincent dV -> 0 value (the case's t+ when Bruce–Vincent is not run), D from
    the Sand time (:func:`depsim.lab.sand.diffusivity_from_sand_time`) or, without one, from
    the equivalent-circuit fit of the rest spectrum (:mod:`depsim.lab.circuit_fit`), or, without
    impedance.py, from the apex of its diffusion arc, D = eps (L/2)^2 omega_apex /
    (omega tau)_apex (less accurate where that arc is small beside the charge-transfer arc).
    None for a charged pore (no limiting current, no Boltzmann anion) or without any reading;
    the source of D
    is recorded in ``out["tafel"]``."""
    import math

    from depsim.lab.sand import diffusivity_from_sand_time
    from depsim.lab.tafel import half_cell_limiting_current
    from depsim.physics.impedance import warburg_apex_omega_tau

    if material.fixed_charge != 0:
        return None
    extrapolated = out.get("bruce_vincent_extrapolated")
    t_plus = extrapolated["transference_number"] if extrapolated else material.t_plus
    t_plus = out.get("transference_number_hittorf", t_plus)  # concentrated: t+0, not rho+
    half, c0 = 0.5 * material.thickness, material.params.c0
    f_apex = eis.arcs.f_diffusion_apex
    if out.get("sand_time") is not None:
        D = diffusivity_from_sand_time(out["sand_time"], out["sand"]["current"], material, t_plus)
        source = "sand"
    elif "salt_diffusivity" in out["eis"]["circuit_fit"]:
        D, source = out["eis"]["circuit_fit"]["salt_diffusivity"], "circuit fit"
    elif f_apex is not None:
        D = material.porosity * half**2 * 2.0 * math.pi * f_apex / warburg_apex_omega_tau()
        source = "diffusion arc"
    else:
        return None
    out["tafel"]["salt_diffusivity_measured"] = D
    out["tafel"]["salt_diffusivity_from"] = source
    return half_cell_limiting_current(D, c0, t_plus, material.thickness)


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
