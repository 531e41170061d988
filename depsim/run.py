"""Run one case: case -> mesh -> problem -> time loop (or steady solve) -> output folder.

This is the single function behind ``depsim run`` and :func:`depsim.run`. Everything that can
be refused (unsupported features, bad geometry) is refused before the output folder exists.
"""

from __future__ import annotations

import logging
from pathlib import Path

from depsim.runner import Run, RunResult, check_supported
from depsim.solver.build import build_problem, restart_bundle

log = logging.getLogger("depsim")


def run_case(case, out_dir: Path | str | None = None, **options) -> RunResult:
    """Run ``case`` (a validated :class:`depsim.case.Case`) and write its output folder: the
    steps of :class:`Run` in order. ``options``: those of :class:`Run` (``restart``, ``quiet``,
    ``log_level``, ``comm``).

    Raises :class:`~depsim.errors.CaseError` (before anything is written) for unsupported
    input and :class:`~depsim.errors.SolverFailure` when the solver gives up (after writing the
    last good state).
    """
    run = Run(case, out_dir, **options)
    try:
        run.build()
        run.initialise()
        run.advance()
        return run.finalise()
    finally:
        run.close()  # the field files stay readable whatever stopped the run


__all__ = ["Run", "RunResult", "build_problem", "check_supported", "restart_bundle", "run_case"]
