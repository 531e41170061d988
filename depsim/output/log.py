"""Logging for runs: console on rank 0 (rich when available), ``run.log`` at DEBUG level, and a
progress bar over simulated time."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

__all__ = ["Progress", "setup_logging"]

LOGGER_NAME = "depsim"
_FMT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_console = None  # the rich Console shared by the log handler and Progress


def _rank(comm) -> int:
    if comm is None:
        try:
            from mpi4py import MPI

            comm = MPI.COMM_WORLD
        except ImportError:  # pragma: no cover
            return 0
    return comm.rank


def setup_logging(
    out_dir: Path | str | None = None,
    level: str | int = "INFO",
    quiet: bool = False,
    comm=None,
    *,
    append: bool = False,
) -> logging.Logger:
    """Configure and return the ``"depsim"`` logger (call again to reconfigure; it replaces the
    handlers it installed before).

    Args:
        out_dir: folder for ``run.log`` (written on rank 0 at DEBUG level); None: no file.
        level: console level (``"DEBUG"``, ``"INFO"``, ...).
        quiet: console shows warnings and errors only.
        comm: MPI communicator (default ``COMM_WORLD``); only its rank 0 prints or writes.
        append: append to an existing ``run.log`` (restart) instead of overwriting it.

    The logger does not propagate to the root logger, so nothing is printed twice and other
    ranks stay silent.
    """
    global _console
    logger = logging.getLogger(LOGGER_NAME)
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if _rank(comm) != 0:
        logger.addHandler(logging.NullHandler())
        return logger

    console_level = logging.WARNING if quiet else _level(level)
    try:
        from rich.console import Console
        from rich.logging import RichHandler

        _console = Console(stderr=True)
        handler: logging.Handler = RichHandler(
            console=_console, show_path=False, rich_tracebacks=False, markup=False
        )
        handler.setFormatter(logging.Formatter("%(message)s", datefmt="[%X]"))
    except ImportError:  # pragma: no cover
        _console = None
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.setLevel(console_level)
    logger.addHandler(handler)

    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(out / "run.log", mode="a" if append else "w", encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter(_FMT))
        logger.addHandler(fh)
    return logger


def _level(level: str | int) -> int:
    if isinstance(level, int):
        return level
    value = logging.getLevelName(str(level).upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r}")
    return value


def _fmt_time(t: float) -> str:
    return f"{t:.4g} s"


class Progress:
    """Progress over simulated time ``t`` in [t_start, t_end] (s).

    On rank 0 of an interactive terminal (and not ``quiet``) a transient rich progress bar shows
    the simulated time, the step size, the Newton iterations and an ETA. Otherwise every
    ``every``-th :meth:`update` logs one INFO line instead (nothing when ``quiet``, nothing on
    other ranks). Use as a context manager::

        with Progress(t_end, quiet=quiet) as bar:
            while t < t_end:
                ...
                bar.update(t, dt=dt, newton=its)
    """

    def __init__(
        self,
        t_end: float,
        *,
        t_start: float = 0.0,
        quiet: bool = False,
        comm=None,
        every: int = 50,
        logger: logging.Logger | None = None,
        description: str = "simulating",
    ):
        self.t_start, self.t_end = float(t_start), float(t_end)
        self.every = max(int(every), 1)
        self.logger = logger or logging.getLogger(LOGGER_NAME)
        self.quiet = quiet
        self.rank = _rank(comm)
        self.steps = 0
        self._wall0 = time.perf_counter()
        self._bar = None
        self._task = None
        console = _console
        tty = console.is_terminal if console is not None else sys.stderr.isatty()
        if self.rank == 0 and not quiet and tty:
            try:
                from rich import progress as rp
            except ImportError:  # pragma: no cover
                return
            self._bar = rp.Progress(
                rp.TextColumn("{task.description}"),
                rp.BarColumn(),
                rp.TextColumn("t = {task.fields[t]} / " + _fmt_time(self.t_end)),
                rp.TextColumn("dt = {task.fields[dt]}"),
                rp.TextColumn("newton {task.fields[newton]}"),
                rp.TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            self._task = self._bar.add_task(
                description,
                total=max(self.t_end - self.t_start, 0.0) or 1.0,
                t=_fmt_time(self.t_start),
                dt="-",
                newton="-",
            )

    @property
    def active(self) -> bool:
        """Whether a live progress bar is shown."""
        return self._bar is not None

    def __enter__(self):
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def update(self, t: float, dt: float | None = None, newton: int | None = None, **info):
        """Report that simulated time ``t`` (s) was reached with step ``dt`` (s) after ``newton``
        Newton iterations; ``info`` adds fields to the log line."""
        self.steps += 1
        if self.rank != 0:
            return
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=min(max(t - self.t_start, 0.0), self.t_end - self.t_start),
                t=_fmt_time(t),
                dt="-" if dt is None else _fmt_time(dt),
                newton="-" if newton is None else str(newton),
            )
        elif not self.quiet and self.steps % self.every == 0:
            extra = "".join(f" {k}={v}" for k, v in info.items())
            frac = (
                (t - self.t_start) / (self.t_end - self.t_start) if self.t_end > self.t_start else 1
            )
            self.logger.info(
                "step %d: t = %s / %s (%.0f %%), dt = %s, newton = %s, wall %.1f s%s",
                self.steps,
                _fmt_time(t),
                _fmt_time(self.t_end),
                100 * frac,
                "-" if dt is None else _fmt_time(dt),
                "-" if newton is None else newton,
                time.perf_counter() - self._wall0,
                extra,
            )

    def close(self):
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
