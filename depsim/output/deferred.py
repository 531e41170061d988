"""Errors of rank-local writes, held back until the collective part of an output is done.

Under MPI an output time is a sequence of collective calls (gathers, broadcasts) with file
writes on rank 0 between them. If a rank-0 write raised at once (a full disk), rank 0 would leave
the sequence while the other ranks wait in the next gather for ever. :class:`DeferredErrors`
catches the error of each rank-local write, lets the sequence finish on every rank, and raises
the first error at the end (the caller then agrees on the failure across ranks).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["DeferredErrors"]


class DeferredErrors:
    """Collect the exceptions of rank-local writes; :meth:`raise_first` re-raises the first."""

    def __init__(self) -> None:
        self.errors: list[Exception] = []

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Run the block; an exception it raises is kept instead of propagating."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - any write error (OSError, h5py, meshio)
            self.errors.append(exc)

    def raise_first(self) -> None:
        """Raise the first kept exception (on this rank only; not collective)."""
        if self.errors:
            raise self.errors[0]
