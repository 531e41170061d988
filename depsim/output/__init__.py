"""Outputs of a run: field files, electrode samples (``interface.csv``), metrics
(``metrics.json``) and logging.

==================  ========================================================================
``gather``          :func:`gather_p1` — P1 mesh and nodal values from all ranks onto rank 0
``fields``          :class:`FieldWriter` — ``fields.xdmf``/``.h5`` (meshio) and ``fields.bp`` (VTX)
``interface``       :class:`ElectrodeSampler`, :class:`InterfaceCSV` — values along the Li surface
``metrics``         :func:`surface_statistics`, :func:`rms`, :class:`MetricsRecorder`,
                    :func:`versions`
``log``             :func:`setup_logging`, :class:`Progress`
==================  ========================================================================

The dolfinx-based names are imported lazily, so ``from depsim.output import surface_statistics``
works without dolfinx.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "gather_p1": "gather",
    "FieldWriter": "fields",
    "FORMATS": "fields",
    "ElectrodeSampler": "interface",
    "InterfaceCSV": "interface",
    "INTERFACE_COLUMNS": "interface",
    "INTERFACE_COLUMNS_3D": "interface",
    "interface_columns": "interface",
    "MetricsRecorder": "metrics",
    "interface_metrics": "metrics",
    "profile_amplitude": "metrics",
    "rms": "metrics",
    "surface_statistics": "metrics",
    "versions": "metrics",
    "weighted_mean": "metrics",
    "weighted_std": "metrics",
    "Progress": "log",
    "setup_logging": "log",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
