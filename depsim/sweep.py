"""``depsim sweep``: a parameter sweep over the Cartesian product of linspaces of case keys.

:func:`run_sweep` builds one case per grid point -- the case with the point's values set and
validated again through :mod:`depsim.case` (so an invalid point is a
:class:`~depsim.errors.CaseError` naming the key, raised before anything runs) and named
``<case>_<key>=<value>`` (SI value; the last part of the dotted key). Point ``X`` runs in
``<out_dir>/X``; a finished run of the same case there is reused.

Under MPI the points are spread over the ranks: with P ranks and N points the communicator is
split (``comm.Split``) into G = min(P, N) groups of consecutive ranks, group g runs the points
g, g + G, g + 2G, ... one after another with ``run_case(..., comm=group_comm)``, and the results
are gathered on rank 0, which writes

* ``sweep.csv`` -- one row per point: ``name``, the varied values (SI), ``status``, ``t_end``,
  the metrics of the last output time (SI), ``mpi_size`` (ranks of the point's run), ``message``;
* ``sweep.png`` -- the main metrics against the first varied key (one line per combination of
  the other keys);
* ``sweep.log``.

Failures: a point whose solver fails stays in the table (``status = "failed"``); after the table
and figure are written, :func:`run_sweep` raises :class:`~depsim.errors.SolverFailure` listing
the failed points (exit code 3), so the command exits 0 only when every point finished.

How a point case is made: the values must be applied to the case *as written* (so that derived
values -- D+/D- from t+ and conductivity, the reference concentration from c0, values from a
separator material -- are derived again for the point). The case's source file is read again
(with its ``inherits``) and the smallest set of overrides that reproduces the given case (same
``case_hash``) is recovered, e.g. the ``--set`` options of the command line; the point's values
are applied on top. A case without a source file (or whose file changed) falls back to its
resolved values, in which derived values stay fixed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from depsim.errors import CaseError, DepsimError, SolverFailure
from depsim.study import StudyResult

__all__ = ["SweepPoint", "SweepResult", "grid", "point_cases", "run_sweep"]


@dataclass
class SweepPoint:
    """One grid point: its values (key -> SI value) and its validated case."""

    index: int
    values: dict[str, float]
    case: Any


@dataclass
class SweepResult(StudyResult):
    """What :func:`run_sweep` returns: the folder and the table (one dict per point, the
    columns of ``sweep.csv``; the same on every rank), the swept keys and the figure."""

    keys: list[str] = field(default_factory=list)
    figure: Path | None = None


# --------------------------------------------------------------------------------------------
# Grid and point cases


def _check_vary(vary) -> list[tuple[str, float, float, int]]:
    out = []
    if not vary:
        raise CaseError("--vary", "at least one KEY=START:STOP:N is needed")
    for item in vary:
        try:
            key, start, stop, n = item
        except (TypeError, ValueError):
            raise CaseError("--vary", "expected (key, start, stop, n)", value=item) from None
        for v in (start, stop):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise CaseError(key, "sweep ends must be finite numbers (SI)", value=v)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise CaseError(key, "the number of sweep values must be an integer >= 1", value=n)
        out.append((str(key), float(start), float(stop), int(n)))
    keys = [k for k, *_ in out]
    if len(set(keys)) != len(keys):
        raise CaseError("--vary", "a key is varied twice", value=keys)
    return out


def grid(vary: Sequence[tuple[str, float, float, int]]) -> list[dict[str, float]]:
    """The Cartesian product of ``linspace(start, stop, n)`` of each key (first key slowest)."""
    vary = _check_vary(vary)
    axes = [[float(v) for v in np.linspace(a, b, n)] for _, a, b, n in vary]
    keys = [k for k, *_ in vary]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


def _short_names(keys: Sequence[str]) -> dict[str, str]:
    """The last part of each dotted key, or more parts where that is ambiguous."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            short = ".".join(parts[-n:])
            if sum(1 for k in keys if k.split(".")[-n:] == parts[-n:]) == 1:
                break
        out[key] = short
    return out


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _validate(data: dict, source, overrides: dict):
    from depsim.case import apply_overrides, validate_case

    return validate_case(apply_overrides(data, overrides), source=source)


def base_data(case) -> dict:
    """A raw case dict that validates to ``case`` and from which derived values are derived
    again: the source file's merged dict plus the fewest overrides reproducing ``case`` (its
    ``case_hash``); without a usable source, the resolved dict of ``case``."""
    from depsim.case import case_hash, read_case_dict, resolved_dict

    target_hash = case_hash(case)
    name = case.case.name
    source = case.source
    if source is not None and Path(source).is_file():
        try:
            raw = read_case_dict(source)
            raw.setdefault("case", {})["name"] = name
            base = _validate(raw, source, {})
            target = _flatten(resolved_dict(case))
            have = _flatten(resolved_dict(base))
            diff = {
                k: target.get(k)
                for k in set(target) | set(have)
                if k != "output.dir" and target.get(k) != have.get(k)
            }
            overrides = dict(sorted(diff.items()))
            if case_hash(_validate(raw, source, overrides)) == target_hash:
                # drop overrides that are derived from others (re-derived without them)
                for key in list(overrides):
                    trial = {k: v for k, v in overrides.items() if k != key}
                    try:
                        if case_hash(_validate(raw, source, trial)) == target_hash:
                            overrides = trial
                    except CaseError:
                        pass
                from depsim.case import apply_overrides

                return apply_overrides(raw, overrides)
        except CaseError:
            pass
    data = resolved_dict(case)
    data.get("output", {}).pop("dir", None)
    return data


def point_cases(case, vary, out_dir: Path) -> list[SweepPoint]:
    """The validated case of every grid point (named ``<case>_<key>=<value>``, output folder
    ``out_dir/<name>``). Raises CaseError for an invalid point, naming the key."""
    from depsim.run import check_supported

    points_values = grid(vary)
    keys = list(points_values[0])
    short = _short_names(keys)
    data = base_data(case)
    points: list[SweepPoint] = []
    names: set[str] = set()
    for k, values in enumerate(points_values):
        tag = "_".join(f"{short[key]}={values[key]:.6g}" for key in keys)
        name = f"{case.case.name}_{tag}"
        if name in names:  # values equal to 6 digits (n > 1 with start == stop ...)
            name = f"{name}_{k}"
        names.add(name)
        overrides = {**values, "case.name": name, "output.dir": str(Path(out_dir) / name)}
        try:
            pcase = _validate(data, case.source, overrides)
        except CaseError as exc:
            if exc.key in values or any(exc.key.startswith(key) for key in values):
                raise
            # an error elsewhere, caused by this point's values: name the point and its values
            setting = ", ".join(f"{key} = {v:.6g}" for key, v in values.items())
            text = str(exc)
            if exc.key and text.startswith(f"{exc.key}: "):
                text = text[len(exc.key) + 2 :]
            raise CaseError(exc.key, f"{text} (at the sweep point {setting})") from None
        check_supported(pcase)
        points.append(SweepPoint(index=k, values=values, case=pcase))
    return points


def _units(keys: Sequence[str]) -> dict[str, str]:
    """SI unit of each key from the case schema ('' when dimensionless or unknown)."""
    from depsim.case.keys import unit_of

    out = {}
    for key in keys:
        try:
            out[key] = unit_of(key)
        except CaseError:  # a malformed key: no label (validation reports it)
            out[key] = ""
    return out


# --------------------------------------------------------------------------------------------
# The sweep


def _groups(size: int, n_points: int) -> tuple[int, list[int]]:
    """(number of groups G = min(size, n), the group (colour) of each rank): consecutive
    blocks of ranks, group 0 holding rank 0."""
    g = max(1, min(size, n_points))
    return g, [r * g // size for r in range(size)]


def run_sweep(
    case,
    vary: Sequence[tuple[str, float, float, int]],
    out_dir: Path | str | None = None,
    comm=None,
    quiet: bool = False,
    log_level: str = "info",
) -> SweepResult:
    """Run the sweep of ``case`` over ``vary`` = [(dotted key, start, stop, n), ...] (SI).

    Args:
        case: a validated :class:`depsim.case.Case`.
        vary: keys and their ranges; the grid is the Cartesian product of the linspaces.
        out_dir: folder of the sweep (default ``results/<case name>_sweep``).
        comm: MPI communicator (default ``COMM_WORLD``), split into min(size, points) groups.
        quiet: console shows warnings and errors only (the command's ``--quiet``).
        log_level: console level of the sweep's own lines ("debug", "info", "warning"). The
            points show no progress display; at "debug" group 0's runs log in full.

    Returns:
        :class:`SweepResult` (the same on every rank).

    Raises:
        CaseError: an invalid sweep or grid point (before anything runs).
        SolverFailure: after sweep.csv and sweep.png are written, if some point failed.
    """
    from mpi4py import MPI

    from depsim.study import metric_columns, run_or_reuse, setup_command_log, table_row, write_csv

    comm = comm or MPI.COMM_WORLD
    vary = _check_vary(vary)
    out = Path(out_dir) if out_dir is not None else Path("results") / f"{case.case.name}_sweep"
    out = out.resolve()
    points = point_cases(case, vary, out)
    keys = [k for k, *_ in vary]

    n_groups, colours = _groups(comm.size, len(points))
    colour = colours[comm.rank]
    log_opts = dict(quiet=quiet, level=log_level)
    logger = setup_command_log(out, "sweep.log", comm, **log_opts)
    logger.info(
        "depsim sweep %s: %d points over %s -> %s (MPI size %d, %d group%s)",
        case.case.name,
        len(points),
        ", ".join(keys),
        out,
        comm.size,
        n_groups,
        "" if n_groups == 1 else "s",
    )
    sub = comm.Split(colour, comm.rank)
    mine: list[dict[str, Any]] = []
    try:
        for p in points[colour::n_groups]:
            folder = out / p.case.case.name
            try:
                outcome = run_or_reuse(
                    p.case,
                    folder,
                    sub,
                    quiet=quiet or log_level != "debug" or colour != 0,
                    log_level=log_level,
                )
            except Exception as exc:  # noqa: BLE001 - reported in the table, raised below
                outcome = {
                    "status": "error",
                    "message": f"{type(exc).__name__}: {exc}",
                    "reused": False,
                    "metrics": None,
                }
            if comm.rank == 0:  # progress of the points of group 0 (the others: below)
                logger = setup_command_log(out, "sweep.log", comm, append=True, **log_opts)
                logger.info(
                    "[%d/%d] %s: %s",
                    p.index + 1,
                    len(points),
                    p.case.case.name,
                    "reused" if outcome["reused"] else outcome["status"],
                )
            if sub.rank == 0:
                row = table_row(p.case, outcome, folder)
                row.update(p.values)
                row["index"] = p.index
                row["group"] = colour
                mine.append(row)
    finally:
        import gc

        gc.collect()  # release the PETSc/dolfinx objects of the runs before freeing their comm
        sub.Free()
    gathered = comm.gather(mine, root=0)
    rows = None
    if comm.rank == 0:
        rows = sorted((r for part in gathered for r in part), key=lambda r: r["index"])
    rows = comm.bcast(rows, root=0)
    logger = setup_command_log(out, "sweep.log", comm, append=True, **log_opts)
    for r in rows:
        what = "reused" if r["reused"] else r["status"]
        if r["status"] == "finished":
            logger.info(
                "%s: %s (group %d, run on %s rank%s)",
                r["name"],
                what,
                r["group"],
                r["mpi_size"],
                "" if r["mpi_size"] == 1 else "s",
            )
        else:
            logger.error("%s: %s (%s)", r["name"], r["status"], r["message"])

    figure = None
    error = None
    if comm.rank == 0:
        try:
            columns = [
                "name",
                *keys,
                "status",
                "t_end",
                *metric_columns(rows),
                "mpi_size",
                "message",
            ]
            csv_path = write_csv(out / "sweep.csv", rows, columns)
            logger.info("sweep table: %s", csv_path)
            try:
                from depsim import plots_sweep

                figure = plots_sweep.sweep_metrics(
                    rows,
                    keys,
                    out / "sweep.png",
                    units=_units(keys),
                    title=f"sweep of {case.case.name}",
                )
                logger.info("figure: %s", figure)
            except Exception as exc:  # noqa: BLE001 - the table is what matters
                logger.warning("sweep.png could not be drawn: %s: %s", type(exc).__name__, exc)
        except Exception as exc:  # noqa: BLE001 - re-raised on every rank below
            error = f"{type(exc).__name__}: {exc}"
    error = comm.bcast(error, root=0)
    if error is not None:
        raise DepsimError(f"writing the sweep table failed: {error}")
    figure = comm.bcast(figure, root=0)
    result = SweepResult(output_dir=out, table=rows, keys=keys, figure=figure)
    bad = [r for r in rows if r["status"] != "finished"]
    if bad:
        listing = "; ".join(
            f"{r['name']} ({r['status']}: {r['message'] or 'no message'})" for r in bad
        )
        cls = SolverFailure if all(r["status"] == "failed" for r in bad) else DepsimError
        err = cls(
            f"{len(bad)} of {len(rows)} sweep points failed: {listing}; the table of all "
            f"points is in {out / 'sweep.csv'}"
        )
        err.output_dir = out
        err.result = result
        raise err
    return result
