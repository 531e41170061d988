"""depsim: Li-ion transport and Li electrodeposition at the separator/Li-metal interface.

The public API mirrors the command line::

    import depsim
    case = depsim.load_case("cases/paper/pia.toml", overrides={"time.end": "10 s"})
    result = depsim.run(case)
    print(result.metrics["i_cv"])
"""

from __future__ import annotations

try:  # the PyPI wheel `dolfinx-solver-real` must load its MPI before dolfinx is imported
    import dolfinx_solver  # noqa: F401
except ImportError:  # conda / Docker installs of dolfinx do not ship it
    pass

__version__ = "0.1.0"

# Load the submodule ``depsim.run`` now, so that importing it later cannot rebind the package
# attribute ``depsim.run`` (the function below) to the module.
from depsim import run as _run_module  # noqa: E402,F401

__all__ = ["__version__", "load_case", "measure", "run"]


def load_case(path, overrides=None):
    """Load, merge (``inherits``), override and validate a TOML case file (:mod:`depsim.case`)."""
    from depsim.case import load_case as _load

    return _load(path, overrides=overrides)


def run(case, out_dir=None, **kwargs):
    """Run one case; returns a :class:`depsim.run.RunResult` (``.metrics``, ``.output_dir``)."""
    from depsim.run import run_case

    return run_case(case, out_dir=out_dir, **kwargs)


def measure(case, what=None, out_dir=None, **kwargs):
    """Virtual measurements of ``case`` (``what``: a list or comma-separated string of
    ``eis``, ``bruce-vincent``, ``tafel``, ``sand``; default all); returns a
    :class:`depsim.lab.LabResult` (``.measurements``, ``.output_dir``). MPI-aware."""
    from depsim.lab import measure as _measure

    return _measure(case, what=what, out_dir=out_dir, **kwargs)
