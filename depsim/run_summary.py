"""The numbers a run adds to ``metrics.json`` besides its time series: the separator as
simulated, the moving surface's Faraday check, the size of the problem, and the record of a
failure (where it happened, when, why, with which exit code)."""

from __future__ import annotations

import numpy as np

__all__ = ["deposition_summary", "dofs", "failure_record", "json_default", "separator_summary"]


def dofs(problem) -> int:
    """Global number of unknowns of a problem's mixed space."""
    return problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs


def json_default(obj):
    """``json.dumps`` default: numpy scalars as Python numbers, anything else None."""
    if isinstance(obj, np.generic):
        return obj.item()
    return None


def failure_record(exc, stage: str, time: float | None) -> dict:
    """``metrics.json``'s ``failure`` entry: ``stage`` ("initial", "steady", "step", "remesh",
    "output"), ``time`` [s] of the failure, ``kind`` (the exception class), ``exit_code`` and
    ``message``."""
    return {
        "stage": getattr(exc, "stage", None) or stage,
        "time": getattr(exc, "time", None) if getattr(exc, "time", None) is not None else time,
        "kind": type(exc).__name__,
        "exit_code": int(getattr(exc, "exit_code", 1)),
        "message": str(exc),
    }


def separator_summary(params, logger) -> dict:
    """Virtual measurement of the separator as simulated (depsim.virtual): its effective
    transference number (Hittorf) and conductivity at c0; {} without a separator."""
    if params.separator is None:
        return {}
    from depsim.virtual import measure_separator

    try:
        m = measure_separator(params.separator, params.c0, params.temperature, steady=False)
    except Exception as exc:  # a diagnostic must not fail the run
        logger.warning("virtual separator measurement failed: %s", exc)
        return {"separator_transference_number": None, "separator_conductivity": None}
    logger.info(
        "separator as simulated: t+ = %.4g, conductivity = %.4g S/m (Donnan potential %.4g mV)",
        m.transference_number,
        m.conductivity,
        1e3 * m.donnan_potential,
    )
    return {
        "separator_transference_number": m.transference_number,
        "separator_conductivity": m.conductivity,
        "separator_donnan_potential": m.donnan_potential,
    }


def deposition_summary(controller, out_dir, dimension: int, logger) -> dict:
    """The surface-profile figure and Faraday's check of a moving surface ({} without)."""
    if controller is None:
        return {}
    fig = controller.write_figure(out_dir / "surface_profiles.png")
    check = controller.faraday_check()
    if fig is not None:
        logger.info("surface profiles: %s", fig)
    logger.info(
        "deposition: electrolyte volume lost %.6g vs V_m Q A / F = %.6g m^%d (rel. %.2g); "
        "%d remeshes",
        check["volume_lost"],
        check["expected"],
        dimension,
        check["rel_err"] or 0.0,
        controller.remeshes,
    )
    return {
        "deposit_volume_expected": check["expected"],
        "deposit_volume_lost": check["volume_lost"],
        "deposit_faraday_error": check["rel_err"],
    }
