"""``interface.csv``: the columns, and the writer that appends electrode samples to it.

One row per electrode vertex and output time (docs/case-files.md §3): in 2D
``t,s,x,y,i_n,c_cation,c_anion,phi,E_t,E_n,eta`` with the arc length ``s``; in 3D
``t,x,y,z,...`` (no ``s``: a surface has no single arc length). The samples come from
:class:`depsim.output.interface.ElectrodeSampler`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from mpi4py import MPI

__all__ = ["INTERFACE_COLUMNS", "INTERFACE_COLUMNS_3D", "InterfaceCSV", "interface_columns"]

log = logging.getLogger("depsim")

#: the columns of ``interface.csv`` in 2D (docs/case-files.md §3)
INTERFACE_COLUMNS = ("t", "s", "x", "y", "i_n", "c_cation", "c_anion", "phi", "E_t", "E_n", "eta")
#: the columns of ``interface.csv`` in 3D: ``z`` added, no arc length ``s``
INTERFACE_COLUMNS_3D = (
    "t",
    "x",
    "y",
    "z",
    "i_n",
    "c_cation",
    "c_anion",
    "phi",
    "E_t",
    "E_n",
    "eta",
)


def interface_columns(gdim: int) -> tuple[str, ...]:
    """The ``interface.csv`` columns of a ``gdim``-dimensional run (2 or 3)."""
    if gdim == 2:
        return INTERFACE_COLUMNS
    if gdim == 3:
        return INTERFACE_COLUMNS_3D
    raise ValueError(f"no interface.csv columns for dimension {gdim}")


class InterfaceCSV:
    """Append electrode samples to ``interface.csv``: one row per electrode vertex and output
    time, header written once; only rank 0 touches the file.

    Columns (default :func:`interface_columns` of ``gdim``: :data:`INTERFACE_COLUMNS` in 2D,
    :data:`INTERFACE_COLUMNS_3D` in 3D): ``t`` (s), ``s`` (2D only), ``x``, ``y``, ``z`` (3D
    only) (m), ``i_n`` (A/m^2, plating current density, > 0 where Li deposits), ``c_cation``,
    ``c_anion`` (mol/m^3), ``phi`` (V), ``E_t``, ``E_n`` (V/m, tangential and normal field, n
    into the Li; ``E_t`` >= 0 in 3D, see the module docstring), ``eta`` (V, overpotential). A
    column missing from the samples is looked up under its alias (``i_n`` -> ``current_n``) and
    otherwise written as ``nan`` (with one warning).

    Args:
        path: the CSV file.
        columns: column names, in order (default: by ``gdim``).
        gdim: geometric dimension of the run (2 or 3), choosing the default columns.
        append: keep an existing file (restart) instead of starting a new one; its header wins
            over ``columns`` so that the file stays consistent.
        comm: communicator whose rank 0 writes.
    """

    ALIASES = {"i_n": "current_n"}

    def __init__(
        self,
        path: Path | str,
        columns: Sequence[str] | None = None,
        *,
        gdim: int = 2,
        append: bool = False,
        comm=None,
    ):
        self.path = Path(path)
        self.columns = list(interface_columns(gdim) if columns is None else columns)
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self._warned: set[str] = set()
        if self.comm.rank == 0:
            if append and self.path.exists() and self.path.stat().st_size > 0:
                with self.path.open() as fh:
                    header = fh.readline().strip().split(",")
                if header != self.columns:
                    log.warning(
                        "interface.csv: continuing the existing columns %s (not %s)",
                        ",".join(header),
                        ",".join(self.columns),
                    )
                    self.columns = header
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_text(",".join(self.columns) + "\n")

    def append(self, t: float, samples: Mapping[str, np.ndarray] | None):
        """Write the rows for output time ``t`` (s); a no-op on ranks other than 0."""
        if self.comm.rank != 0:
            return
        if samples is None:
            raise ValueError("no samples on rank 0")
        n = len(next(iter(samples.values())))
        cols = []
        for c in self.columns:
            if c == "t":
                cols.append(np.full(n, float(t)))
            elif c in samples:
                cols.append(np.asarray(samples[c], dtype=np.float64))
            elif self.ALIASES.get(c) in samples:
                cols.append(np.asarray(samples[self.ALIASES[c]], dtype=np.float64))
            else:
                if c not in self._warned:
                    log.warning("interface.csv: no values for column %r, writing nan", c)
                    self._warned.add(c)
                cols.append(np.full(n, np.nan))
        with self.path.open("a") as fh:
            np.savetxt(fh, np.column_stack(cols), fmt="%.10e", delimiter=",")
