"""Exceptions that map to the command line's exit codes (docs/case-files.md §1)."""

from __future__ import annotations


class DepsimError(Exception):
    """Base class; exit code 1."""

    exit_code = 1


class CaseError(DepsimError):
    """Invalid input (case file or command line); exit code 2, one message, no traceback.

    ``key`` is the dotted path of the offending key (``"electrolyte.D_cation"``), ``value`` what the
    user gave and ``allowed`` a short statement of what is allowed.
    """

    exit_code = 2

    def __init__(self, key: str, message: str, value: object = None, allowed: str | None = None):
        self.key = key
        self.value = value
        self.allowed = allowed
        text = f"{key}: {message}" if key else message
        if value is not None:
            text += f" (got {value!r})"
        if allowed:
            text += f"; allowed: {allowed}"
        super().__init__(text)


class SolverFailure(DepsimError):
    """The solver failed after its own recovery attempts; exit code 3.

    ``time`` is the simulated time [s] of the failure; the last good state has been written.
    ``stage`` says where the run was: "initial" (the initial potential solve), "steady", "step"
    (the time loop, after step cut-backs) or "remesh" (a moving surface's new mesh); the run
    sets it when the raiser did not.
    """

    exit_code = 3

    def __init__(self, message: str, time: float | None = None, stage: str | None = None):
        self.time = time
        self.stage = stage
        super().__init__(message)


class OutputFailure(DepsimError):
    """The run's outputs could not be written (disk full, no permission, a broken file);
    exit code 4. The message names what was being written and at what simulated time [s].
    The solver state was fine: rerun with ``--restart`` from the last checkpoint or elsewhere.
    """

    exit_code = 4
    stage = "output"

    def __init__(self, message: str, time: float | None = None):
        self.time = time
        super().__init__(message)


class SandTimeReached(SolverFailure):
    """The surface concentration reached zero (limiting current exceeded): Sand's time."""
