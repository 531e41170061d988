"""Support of the command line: rank-0 printing under MPI, and the argument parser of every
command (:func:`build_parser`; options and case files may come in any order)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import depsim  # first: loads the MPI of the dolfinx wheel before mpi4py (see depsim/__init__.py)
from depsim.lab.protocol import SAND_STEPS

__all__ = ["PROG", "build_parser", "comm", "err", "launched_by_mpi", "out", "parse", "rank"]

PROG = "depsim"
_MPI_ENV = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS", "SLURM_NTASKS")

# --------------------------------------------------------------------------------------------
# MPI helpers (mpi4py is imported only when the process was started by an MPI launcher)


def launched_by_mpi() -> bool:
    return any(v in os.environ for v in _MPI_ENV)


def comm():
    """``MPI.COMM_WORLD`` (imported lazily, after ``import depsim``), or None without mpi4py."""
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    return MPI.COMM_WORLD


def rank() -> int:
    if not launched_by_mpi():
        return 0
    c = comm()
    return 0 if c is None else c.rank


def out(*args: Any) -> None:
    if rank() == 0:
        print(*args, flush=True)


def err(message: str) -> None:
    if rank() == 0:
        text = " ".join(str(message).split("\n")).strip()  # exactly one line
        print(f"{PROG}: error: {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Parser


class _Parser(argparse.ArgumentParser):
    """argparse, but only rank 0 prints usage errors (exit code 2 as usual)."""

    def error(self, message: str):  # noqa: D401
        if rank() == 0:
            self.print_usage(sys.stderr)
            print(f"{self.prog}: error: {message}", file=sys.stderr, flush=True)
        sys.exit(2)


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a case key (dotted path); repeat it for several keys, e.g. "
        "--set separator.transference_number=0.6 --set 'time.end=10 s'",
    )


def _add_log_options(p: argparse.ArgumentParser) -> None:
    """``--quiet`` and ``--log-level``, the same on every command."""
    p.add_argument("--quiet", action="store_true", help="console: warnings and errors only")
    p.add_argument(
        "--log-level", choices=("debug", "info", "warning"), default="info", help="log detail"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the ``depsim`` command."""
    parser = _Parser(
        prog=PROG,
        description="Li-ion transport and Li electrodeposition at the separator/Li-metal "
        "interface (FEniCSx).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {depsim.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("run", help="run one case")
    p.add_argument("case", metavar="CASE", help="case file (TOML)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: output.dir)")
    _add_set(p)
    p.add_argument(
        "--restart",
        metavar="DIR",
        help="continue a stopped run from its folder (written to DIR unless --out is given)",
    )

    p = sub.add_parser("check", help="validate a case and print it resolved (SI units)")
    p.add_argument("case", metavar="CASE", help="case file (TOML)")
    _add_set(p)

    p = sub.add_parser("mesh", help="build only the mesh and report its size")
    p.add_argument("case", metavar="CASE", help="case file (TOML)")
    p.add_argument("--out", metavar="FILE.msh", help="write the gmsh mesh to this file")
    _add_set(p)

    p = sub.add_parser("compare", help="run or reuse several cases and compare them")
    p.add_argument("cases", metavar="CASE", nargs="+", help="case files (TOML)")
    p.add_argument("--out", metavar="DIR", help="folder of the comparison")
    _add_set(p)

    p = sub.add_parser("sweep", help="parameter sweep")
    p.add_argument("case", metavar="CASE", help="case file (TOML)")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=START:STOP:N",
        help="vary KEY over N values from START to STOP (repeatable)",
    )
    p.add_argument("--out", metavar="DIR", help="folder of the sweep")
    _add_set(p)

    p = sub.add_parser(
        "measure", help="virtual lab: EIS, Bruce-Vincent, Tafel and Sand on the case's model"
    )
    p.add_argument("case", metavar="CASE", help="case file (TOML)")
    p.add_argument(
        "--what",
        metavar="LIST",
        default="eis,bruce-vincent,tafel,sand",
        help="comma-separated measurements: eis, bruce-vincent, tafel, sand (default: all)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: results/<name>/lab)")
    p.add_argument(
        "--elements",
        metavar="N",
        type=int,
        default=120,
        help="elements across each virtual cell (>= 8; default 120)",
    )
    g = p.add_argument_group("protocol settings (defaults: docs/virtual-lab.md §8)")
    g.add_argument("--bv-step", metavar="DV", help="Bruce-Vincent step (default '10 mV')")
    g.add_argument(
        "--bv-steps",
        metavar="N",
        type=int,
        help="Bruce-Vincent steps dV, dV/2, ... extrapolated to dV -> 0 (default 3; 1: dV alone)",
    )
    g.add_argument(
        "--tafel-window", metavar="LO,HI", help="Tafel fit window |eta|/V_T (default 5,10)"
    )
    g.add_argument("--tafel-step", metavar="S", type=float, help="sweep step in V_T (0.25)")
    g.add_argument(
        "--eis-points-per-decade", metavar="N", type=int, help="EIS frequencies per decade (20)"
    )
    g.add_argument(
        "--sand-current",
        metavar="I",
        help="Sand plating current, e.g. '5 mA/cm^2' (default: the case's, or 4 x i_lim)",
    )
    g.add_argument(
        "--sand-steps",
        metavar="N",
        type=int,
        default=SAND_STEPS,
        help=f"time steps per expected Sand time (>= 20; default {SAND_STEPS})",
    )
    _add_set(p)

    sub.add_parser("info", help="versions, MPI size and available linear solvers")
    sub.add_parser("materials", help="list the built-in separator materials")
    for p in sub.choices.values():
        _add_log_options(p)
    return parser


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``, letting a command's options and case files come in any order
    (``compare A.toml --set K=V B.toml``): the command's own parser reads them intermixed."""
    commands = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if argv and argv[0] in commands:
        args = commands[argv[0]].parse_intermixed_args(argv[1:])
        args.command = argv[0]
        return args
    return parser.parse_args(argv)
