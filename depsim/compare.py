"""``depsim compare``: run (or reuse) several cases and write a side-by-side table and figures.

:func:`compare_cases` runs the cases one after another, all MPI ranks together, each into its
own folder ``<out_dir>/<case name>``. A folder that already holds a finished run of the same
case (``metrics.json`` with ``status = "finished"`` and the same ``case_hash``) is reused, not
run again. Rank 0 then writes into ``out_dir``:

* ``comparison.csv`` -- one row per case: ``name, description, status, t_end``, the metrics of
  the last output time (SI units: A/m^2, mol/m^3, V/m, V, m, S/m) and ``message``;
* ``comparison.md`` -- the same numbers as a side-by-side markdown table (one column per case,
  display units), the description of each case and the list of figures;
* ``interface_profiles.png``, ``field_maps.png``, ``nonuniformity_vs_time.png``
  (:mod:`depsim.plots`), and ``morphology.png`` when cases are phase-field runs
  (:mod:`depsim.plots_phase_field`);
* ``compare.log`` -- which cases were run or reused and where the table and figures are.

Failures: a case whose solver gives up (:class:`~depsim.errors.SolverFailure`) does not stop the
comparison. It stays in the table with ``status = "failed"`` and its message, and the figures
show its last good state. After the table and figures are written, :func:`compare_cases`
raises :class:`~depsim.errors.SolverFailure` listing the failed cases (exit code 3 on the
command line), so the command exits 0 only when every case finished. Invalid input (duplicate
case names, unsupported features) is a :class:`~depsim.errors.CaseError` raised before anything
runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depsim.errors import CaseError, DepsimError, SolverFailure
from depsim.study import (
    METRIC_COLUMNS,
    METRICS,
    StudyResult,
    format_value,
    md_escape,
    metric_columns,
    run_or_reuse,
    setup_command_log,
    table_row,
    write_csv,
)

__all__ = [
    "METRIC_COLUMNS",
    "CompareResult",
    "compare_cases",
    "metric_columns",
    "run_or_reuse",
]

log = logging.getLogger("depsim")


@dataclass
class CompareResult(StudyResult):
    """What :func:`compare_cases` returns: the folder, the table (the columns of
    ``comparison.csv``) and the figures."""

    figures: list[Path] = field(default_factory=list)


def compare_cases(
    cases: Sequence,
    out_dir: Path | str | None = None,
    comm=None,
    quiet: bool = False,
    log_level: str = "info",
) -> CompareResult:
    """Run (or reuse) ``cases`` and write the comparison table and figures into ``out_dir``.

    Args:
        cases: validated :class:`depsim.case.Case` objects with unique ``case.name``.
        out_dir: folder of the comparison (default ``results/compare``); case ``X`` runs in
            ``out_dir/X``.
        comm: MPI communicator (default ``COMM_WORLD``); every case runs on all its ranks.
        quiet: console shows warnings and errors only (the command's ``--quiet``).
        log_level: console level of the comparison's own lines ("debug", "info", "warning").
            The individual runs show no progress display; at "debug" they log in full.

    Returns:
        :class:`CompareResult` (the same on every rank).

    Raises:
        CaseError: duplicate case names or an unsupported case (before anything runs).
        SolverFailure: after the table and figures are written, if some case failed.
    """
    from mpi4py import MPI

    from depsim.run import check_supported

    comm = comm or MPI.COMM_WORLD
    cases = list(cases)
    if not cases:
        raise CaseError("CASE", "no cases to compare", allowed="one or more case files")
    seen: dict[str, Any] = {}
    for c in cases:
        name = c.case.name
        if name in seen:
            where = [str(x.source) for x in (seen[name], c) if x.source is not None]
            raise CaseError(
                "case.name",
                "two cases of the comparison have the same name"
                + (f" ({', '.join(where)})" if where else ""),
                value=name,
                allowed="unique case names (set [case] name or --set case.name=...)",
            )
        seen[name] = c
        check_supported(c)

    out = Path(out_dir) if out_dir is not None else Path("results") / "compare"
    out = out.resolve()
    log_opts = dict(quiet=quiet, level=log_level)
    run_opts = dict(quiet=quiet or log_level != "debug", log_level=log_level)
    logger = setup_command_log(out, "compare.log", comm, **log_opts)
    logger.info("depsim compare: %d cases -> %s (MPI size %d)", len(cases), out, comm.size)

    rows: list[dict[str, Any]] = []
    for k, case in enumerate(cases, 1):
        folder = out / case.case.name
        logger.info("[%d/%d] %s -> %s", k, len(cases), case.case.name, folder)
        outcome = run_or_reuse(case, folder, comm, **run_opts)
        logger = setup_command_log(out, "compare.log", comm, append=True, **log_opts)
        if outcome["reused"]:
            logger.info(
                "[%d/%d] %s: reusing the finished run in %s (same case hash)",
                k,
                len(cases),
                case.case.name,
                folder,
            )
        elif outcome["status"] == "finished":
            logger.info("[%d/%d] %s: finished", k, len(cases), case.case.name)
        else:
            logger.error(
                "[%d/%d] %s: %s (%s)",
                k,
                len(cases),
                case.case.name,
                outcome["status"],
                outcome["message"],
            )
        rows.append(table_row(case, outcome, folder))

    figures: list[Path] = []
    error = None
    if comm.rank == 0:
        try:
            figures = _write_outputs(out, rows, logger)
        except Exception as exc:  # noqa: BLE001 - re-raised on every rank below
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("writing the comparison failed")
    error = comm.bcast(error, root=0)
    if error is not None:
        raise DepsimError(f"writing the comparison failed: {error}")
    figures = comm.bcast(figures, root=0)
    result = CompareResult(output_dir=out, table=rows, figures=figures)
    if result.failed:
        listing = "; ".join(
            f"{r['name']} ({r['status']}: {r['message'] or 'no message'})"
            for r in rows
            if r["status"] != "finished"
        )
        err = SolverFailure(
            f"{len(result.failed)} of {len(rows)} compared cases failed: {listing}; the "
            f"comparison of the others is in {out}"
        )
        err.output_dir = out
        err.result = result
        raise err
    return result


def _write_outputs(out: Path, rows: list[dict], logger) -> list[Path]:
    """comparison.csv, the figures and comparison.md (rank 0)."""
    from depsim import plots, plots_phase_field

    metric_cols = metric_columns(rows)
    columns = ["name", "description", "status", "t_end", *metric_cols, "message"]
    csv_path = write_csv(out / "comparison.csv", rows, columns)

    entries = [plots.CaseOutput(r["name"], Path(r["output_dir"]), r["status"]) for r in rows]
    figures: list[Path] = []
    drawings = [
        (plots.interface_profiles, "interface_profiles.png"),
        (plots.field_maps, "field_maps.png"),
        (plots.nonuniformity_vs_time, "nonuniformity_vs_time.png"),
    ]
    if any(plots_phase_field.is_phase_field_run(e.folder) for e in entries):
        drawings.append((plots_phase_field.morphology_series, "morphology.png"))
    for fn, name in drawings:
        try:
            figures.append(fn(entries, out / name))
        except Exception as exc:  # noqa: BLE001 - a figure must not lose the table
            logger.warning("figure %s could not be drawn: %s: %s", name, type(exc).__name__, exc)

    md_path = out / "comparison.md"
    md_path.write_text(_markdown(rows, metric_cols, figures))
    logger.info("comparison table: %s and %s", csv_path, md_path)
    for f in figures:
        logger.info("figure: %s", f)
    return figures


def _markdown(rows: list[dict], metric_cols: list[str], figures: list[Path]) -> str:
    spec = {m[0]: m for m in METRICS}
    lines = ["# depsim comparison", ""]
    lines.append(f"{len(rows)} cases, values at the last output time of each run.")
    lines.append("")
    for r in rows:
        status = "" if r["status"] == "finished" else f" -- **{r['status']}**: {r['message']}"
        desc = r["description"] or "(no description)"
        lines.append(f"- **{md_escape(r['name'])}**: {md_escape(desc)}{md_escape(status)}")
    lines.append("")
    head = ["quantity", "unit", *[md_escape(r["name"]) for r in rows]]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join(["---", "---"] + ["---:"] * len(rows)) + " |")
    lines.append("| status | | " + " | ".join(r["status"] for r in rows) + " |")
    lines.append(
        "| end time | s | " + " | ".join(format_value(r["t_end"], "t_end") for r in rows) + " |"
    )
    for key in metric_cols:
        _, label, unit, _, _ = spec[key]
        vals = " | ".join(format_value(r.get(key), key) for r in rows)
        lines.append(f"| {label} (`{key}`) | {unit} | {vals} |")
    lines.append("")
    lines.append(
        "comparison.csv holds the same numbers in SI units (A/m^2, mol/m^3, V/m, V, m, "
        "S/m) at full precision."
    )
    lines.append("")
    if figures:
        lines.append("## Figures")
        lines.append("")
        captions = {
            "interface_profiles.png": "plating current density and surface concentration along "
            "the electrode, last output time",
            "field_maps.png": "electrolyte potential and Li+ concentration, last output time, "
            "and i_n along the Li (each panel its own colour scale)",
            "nonuniformity_vs_time.png": "i_max / i_mean and the coefficient of variation of the "
            "current density against time",
            "morphology.png": "phase-field runs: the Li surface (xi = 1/2) at several times, and "
            "tip height and roughness against time",
        }
        for f in figures:
            name = Path(f).name
            lines.append(f"- [{name}]({name}): {captions.get(name, '')}")
            lines.append("")
            lines.append(f"  ![{name}]({name})")
        lines.append("")
    return "\n".join(lines)
