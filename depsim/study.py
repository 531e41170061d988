"""What the studies of several runs share (``depsim compare``, ``depsim sweep``): running or
reusing one case, the metrics table (its columns, rows, CSV and number formats), the study's own
log, and :class:`StudyResult`."""

import csv
import gc
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depsim.errors import SolverFailure

__all__ = [
    "METRICS",
    "METRIC_COLUMNS",
    "OPTIONAL",
    "StudyResult",
    "metric_columns",
    "run_or_reuse",
    "setup_command_log",
    "table_row",
    "format_value",
    "md_escape",
    "write_csv",
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
    ("deposit_thickness", "mean deposit thickness (phase field)", "um", 1e6, ".4g"),
    ("tip_height", "tip height (phase field)", "um", 1e6, ".4g"),
    ("roughness", "surface roughness RMS (phase field)", "um", 1e6, ".4g"),
    ("current_cv", "CV of the plating current (phase field)", "-", 1.0, ".4g"),
    ("separator_transference_number", "separator t+ (as simulated)", "-", 1.0, ".4f"),
    ("separator_conductivity", "separator conductivity (as simulated)", "mS/cm", 10.0, ".4g"),
)
#: Columns that appear only when at least one case has a value for them.
OPTIONAL = (
    "deposit_thickness",
    "tip_height",
    "roughness",
    "current_cv",
    "separator_transference_number",
    "separator_conductivity",
)
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
    finally:
        # Free the run's PETSc objects now, at the same point on every rank: left to the cyclic
        # garbage collector, their (collective) destruction can start on one rank while another
        # is inside the next case's mesh generation, and the two ranks deadlock.
        gc.collect()
    metrics = _read_metrics(out_dir) if comm.rank == 0 else None
    metrics = comm.bcast(metrics, root=0)
    if metrics is not None and status == "failed":
        message = metrics.get("message") or message
    return {"status": status, "message": message, "reused": False, "metrics": metrics}


def metric_columns(rows: Sequence[dict]) -> list[str]:
    """The metric columns present in a table: all of :data:`METRICS`, the optional (separator
    and phase-field) ones only when some row has a value."""
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


def format_value(value: Any, key: str) -> str:
    spec = {m[0]: m for m in METRICS}.get(key)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if spec is None:
        return f"{value:.4g}" if isinstance(value, float) else str(value)
    return format(value * spec[3], spec[4])


def md_escape(text: str) -> str:
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
