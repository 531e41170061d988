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
  (:mod:`depsim.plots`);
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

import csv
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depsim.errors import CaseError, DepsimError, SolverFailure

__all__ = [
    "METRIC_COLUMNS",
    "CompareResult",
    "compare_cases",
    "metric_columns",
    "run_or_reuse",
]

log = logging.getLogger("depsim")

#: Metrics of the table, in order: (key, label, display unit, factor SI -> display, format).
METRICS: tuple[tuple[str, str, str, float, str], ...] = (
    ("i_mean", "mean plating current density", "mA/cm^2", 0.1, ".4g"),
    ("i_max", "max plating current density", "mA/cm^2", 0.1, ".4g"),
    ("i_min", "min plating current density", "mA/cm^2", 0.1, ".4g"),
    ("i_max_over_mean", "i_max / i_mean", "-", 1.0, ".5f"),
    ("i_cv", "CV of i_n along the electrode", "-", 1.0, ".4g"),
    ("tip_to_valley", "i_max / i_min", "-", 1.0, ".5f"),
    ("c_surface_min", "min surface concentration", "mol/L", 1e-3, ".5g"),
    ("c_surface_min_over_c0", "c_surface_min / c0", "-", 1.0, ".5f"),
    ("E_t_rms", "rms tangential field at the surface", "V/m", 1.0, ".4g"),
    ("E_n_spread", "spread of the normal field", "V/m", 1.0, ".4g"),
    ("cell_potential", "cell potential", "mV", 1e3, ".5g"),
    ("charge_balance_error", "charge balance error", "-", 1.0, ".2e"),
    ("mass_balance_error", "mass balance error", "-", 1.0, ".2e"),
    ("deposit_thickness_max", "max deposit thickness", "um", 1e6, ".4g"),
    ("deposit_thickness_min", "min deposit thickness", "um", 1e6, ".4g"),
    ("separator_transference_number", "separator t+ (as simulated)", "-", 1.0, ".4f"),
    ("separator_conductivity", "separator conductivity (as simulated)", "mS/cm", 10.0, ".4g"),
)
#: Columns that appear only when at least one case has a value for them.
OPTIONAL = ("separator_transference_number", "separator_conductivity")
#: All metric columns of comparison.csv / sweep.csv (SI units).
METRIC_COLUMNS = tuple(m[0] for m in METRICS)


@dataclass
class StudyResult:
    """What a study of several runs returns: its folder and its table (one dict per run, the
    same on every rank); ``failed`` names the runs that did not finish."""

    output_dir: Path
    table: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [r["name"] for r in self.table if r.get("status") != "finished"]


@dataclass
class CompareResult(StudyResult):
    """What :func:`compare_cases` returns: the folder, the table (the columns of
    ``comparison.csv``) and the figures."""

    figures: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Running or reusing one case (shared with depsim.sweep)


def _read_metrics(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / "metrics.json").read_text())
    except (OSError, ValueError):
        return None


def run_or_reuse(
    case, out_dir: Path, comm, quiet: bool = True, log_level: str = "info"
) -> dict[str, Any]:
    """Run ``case`` into ``out_dir`` on ``comm`` (collective), or reuse a finished run there.

    ``quiet`` hides the run's progress display; ``log_level`` is its console log level.

    Returns (on every rank of ``comm``) ``{"status", "message", "reused", "metrics"}`` where
    ``metrics`` is the content of ``metrics.json`` (None if the run left none). A
    :class:`SolverFailure` is caught and reported as ``status = "failed"``.
    """
    from depsim.case import case_hash
    from depsim.run import run_case

    out_dir = Path(out_dir)
    reuse = None
    if comm.rank == 0:
        m = _read_metrics(out_dir)
        if (
            m is not None
            and m.get("status") == "finished"
            and m.get("case_hash") == case_hash(case)
        ):
            reuse = m
    reuse = comm.bcast(reuse, root=0)
    if reuse is not None:
        return {"status": "finished", "message": "", "reused": True, "metrics": reuse}
    status, message = "finished", ""
    try:
        run_case(case, out_dir=out_dir, quiet=quiet, log_level=log_level, comm=comm)
    except SolverFailure as exc:
        status, message = "failed", str(exc)
    metrics = _read_metrics(out_dir) if comm.rank == 0 else None
    metrics = comm.bcast(metrics, root=0)
    if metrics is not None and status == "failed":
        message = metrics.get("message") or message
    return {"status": status, "message": message, "reused": False, "metrics": metrics}


def metric_columns(rows: Sequence[dict]) -> list[str]:
    """The metric columns present in a table: all of :data:`METRICS`, the optional separator
    ones only when some row has a value."""
    return [
        k for k in METRIC_COLUMNS if k not in OPTIONAL or any(r.get(k) is not None for r in rows)
    ]


def table_row(case, outcome: dict, folder: Path) -> dict[str, Any]:
    """One table row (SI values, None where missing) from a :func:`run_or_reuse` outcome."""
    m = outcome.get("metrics") or {}
    row: dict[str, Any] = {
        "name": case.case.name,
        "description": case.case.description,
        "status": outcome["status"],
        "t_end": m.get("t_end", m.get("t")),
    }
    for key in METRIC_COLUMNS:
        row[key] = m.get(key)
    row["mpi_size"] = m.get("mpi_size")
    row["reused"] = bool(outcome.get("reused"))
    row["output_dir"] = str(folder)
    row["message"] = outcome.get("message", "")
    return row


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return v


def write_csv(path: Path, rows: Sequence[dict], columns: Sequence[str]) -> Path:
    """Write ``rows`` with ``columns`` (floats at full precision, None as empty)."""
    with Path(path).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([_csv_value(r.get(c)) for c in columns])
    return Path(path)


def _fmt(value: Any, key: str) -> str:
    spec = {m[0]: m for m in METRICS}.get(key)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if spec is None:
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    return format(value * spec[3], spec[4])


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------------------------
# Logging of the comparison itself


def setup_command_log(
    out_dir: Path | None,
    filename: str,
    comm,
    *,
    append: bool = False,
    quiet: bool = False,
    level: str = "info",
):
    """Console on rank 0 at ``level`` (warnings only if ``quiet``) and ``out_dir/filename``
    (rank 0, DEBUG) for a compare/sweep command's own messages. Called again after each run
    (which reconfigures the logger)."""
    from depsim.output import setup_logging

    logger = setup_logging(None, level=level, quiet=quiet, comm=comm)
    if out_dir is not None and comm.rank == 0:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(
            Path(out_dir) / filename, mode="a" if append else "w", encoding="utf-8"
        )
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        logger.addHandler(fh)
    return logger


# --------------------------------------------------------------------------------------------
# The comparison


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
    from depsim import plots

    metric_cols = metric_columns(rows)
    columns = ["name", "description", "status", "t_end", *metric_cols, "message"]
    csv_path = write_csv(out / "comparison.csv", rows, columns)

    entries = [plots.CaseOutput(r["name"], Path(r["output_dir"]), r["status"]) for r in rows]
    figures: list[Path] = []
    for fn, name in (
        (plots.interface_profiles, "interface_profiles.png"),
        (plots.field_maps, "field_maps.png"),
        (plots.nonuniformity_vs_time, "nonuniformity_vs_time.png"),
    ):
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
        lines.append(f"- **{_md_escape(r['name'])}**: {_md_escape(desc)}{_md_escape(status)}")
    lines.append("")
    head = ["quantity", "unit", *[_md_escape(r["name"]) for r in rows]]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("| " + " | ".join(["---", "---"] + ["---:"] * len(rows)) + " |")
    lines.append("| status | | " + " | ".join(r["status"] for r in rows) + " |")
    lines.append("| end time | s | " + " | ".join(_fmt(r["t_end"], "t_end") for r in rows) + " |")
    for key in metric_cols:
        _, label, unit, _, _ = spec[key]
        vals = " | ".join(_fmt(r.get(key), key) for r in rows)
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
            "field_maps.png": "electrolyte potential and Li+ concentration, last output time "
            "(shared colour scale per row)",
            "nonuniformity_vs_time.png": "i_max / i_mean and the coefficient of variation of the "
            "current density against time",
        }
        for f in figures:
            name = Path(f).name
            lines.append(f"- [{name}]({name}): {captions.get(name, '')}")
            lines.append("")
            lines.append(f"  ![{name}]({name})")
        lines.append("")
    return "\n".join(lines)
