"""The ``depsim`` command line (docs/case-files.md §1).

Commands: ``run``, ``check``, ``mesh``, ``compare``, ``sweep``, ``measure``, ``info``,
``materials``.
Exit codes: 0 success; 2 invalid input (case file or command line: one line
``depsim: error: <message>`` on stderr, no traceback); 3 the solver failed; 4 the outputs
could not be written; 1 anything else.
Under ``mpirun`` only rank 0 prints. Every case is validated before any output folder is made.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import depsim  # first: loads the MPI of the dolfinx wheel before mpi4py (see depsim/__init__.py)
from depsim.cli_support import PROG, build_parser, parse
from depsim.cli_support import comm as _comm
from depsim.cli_support import err as _err
from depsim.cli_support import launched_by_mpi as _launched_by_mpi
from depsim.cli_support import out as _out
from depsim.cli_support import rank as _rank
from depsim.errors import CaseError, OutputFailure, SolverFailure

__all__ = ["build_parser", "main", "parse_vary"]


# --------------------------------------------------------------------------------------------
# Commands


def _overrides(items: Sequence[str]) -> dict[str, Any]:
    from depsim.case import parse_override

    out: dict[str, Any] = {}
    for item in items:
        key, value = parse_override(item)
        out[key] = value
    return out


def _load(path: str, overrides: dict[str, Any]):
    from depsim.case import load_case

    case = load_case(path, overrides=overrides)
    for w in case.warnings:
        if _rank() == 0:
            print(f"{PROG}: warning: {w}", file=sys.stderr, flush=True)
    return case


def _operation_summary(op) -> str:
    """One comment line on what drives the cell: the applied current, potential or protocol."""
    if op.steps:
        n, total = len(op.steps), op.protocol_duration
        return f"# protocol of {n} step(s) x {op.cycles} cycle(s), {total:.6g} s in all"
    if op.mode == "potentiostatic":
        return f"# applied potential {op.potential:.6g} V (top vs the grounded Li; > 0 plates Li)"
    return f"# applied current density {op.current_density:.6g} A/m^2 (> 0 plates Li)"


def _cmd_check(args) -> int:
    from depsim.case import case_hash, to_toml

    case = _load(args.case, _overrides(args.overrides))
    dp, dm = case.diffusivities()
    lines = [
        f"# depsim {depsim.__version__}: resolved case, SI units",
        f"# source: {case.source}",
        f"# case hash: {case_hash(case)}",
        f"# electrolyte D+ = {dp:.6g} m^2/s, D- = {dm:.6g} m^2/s",
    ]
    sd = case.separator_diffusivities()
    if sd is not None:
        how = (
            "Nernst-Einstein from t+ and conductivity"
            if case.separator.transference_number is not None
            else f"porosity^{case.separator.bruggeman:g} x electrolyte"
        )
        lines.append(f"# separator D+ = {sd[0]:.6g} m^2/s, D- = {sd[1]:.6g} m^2/s ({how})")
    lines.append(_operation_summary(case.operation))
    _out("\n".join(lines) + "\n\n" + to_toml(case).rstrip("\n"))
    return 0


def _cmd_run(args) -> int:
    overrides = _overrides(args.overrides)
    if args.out:
        overrides["output.dir"] = args.out
    elif args.restart:  # a restart continues in the stopped run's folder
        overrides["output.dir"] = args.restart
    case = _load(args.case, overrides)  # validated before any folder exists
    from depsim.run import run_case

    result = run_case(
        case,
        out_dir=Path(args.out) if args.out else Path(case.output.dir),
        restart=Path(args.restart) if args.restart else None,
        quiet=args.quiet,
        log_level=args.log_level,
    )
    out = getattr(result, "output_dir", None) or case.output.dir
    _out(str(out))
    return 0


def _cmd_mesh(args) -> int:
    case = _load(args.case, _overrides(args.overrides))
    from mpi4py import MPI

    from depsim.geometry import build_mesh, describe_mesh

    bundle = build_mesh(case, MPI.COMM_WORLD, save=Path(args.out) if args.out else None)
    _out(describe_mesh(bundle))
    return 0


def _study_options(args) -> dict[str, Any]:
    """Keyword arguments of a study (compare, sweep): its folder and the log options."""
    out = Path(args.out) if args.out else None
    return dict(out_dir=out, quiet=args.quiet, log_level=args.log_level)


def _print_folder(result) -> int:
    """Print where a study wrote its results (rank 0); exit code 0."""
    if isinstance(result, str | Path):
        _out(str(result))
    elif getattr(result, "output_dir", None) is not None:
        _out(str(result.output_dir))
    return 0


def _cmd_compare(args) -> int:
    overrides = _overrides(args.overrides)
    cases = [_load(p, overrides) for p in args.cases]
    from depsim.compare import compare_cases

    return _print_folder(compare_cases(cases, **_study_options(args)))


def parse_vary(item: str) -> tuple[str, str, str, int]:
    """Split ``KEY=START:STOP:N`` into (key, start text, stop text, n); raises CaseError."""
    allowed = "KEY=START:STOP:N, e.g. operation.current_density=1:10:4"
    if "=" not in item:
        raise CaseError("--vary", "expected KEY=START:STOP:N", value=item, allowed=allowed)
    key, spec = (s.strip() for s in item.split("=", 1))
    fields = spec.split(":")
    if not key or len(fields) != 3:
        raise CaseError("--vary", "expected KEY=START:STOP:N", value=item, allowed=allowed)
    start, stop, n_text = (f.strip() for f in fields)
    try:
        n = int(n_text)
    except ValueError:
        n = 0
    if n < 1:
        raise CaseError("--vary", "N must be an integer >= 1", value=item, allowed=allowed)
    return key, start, stop, n


def _cmd_sweep(args) -> int:
    from depsim.case import load_case, parse_value
    from depsim.case.keys import get_value

    overrides = _overrides(args.overrides)
    if not args.vary:
        raise CaseError("--vary", "at least one --vary KEY=START:STOP:N is needed")
    case = _load(args.case, overrides)
    vary: list[tuple[str, float, float, int]] = []
    for item in args.vary:
        key, start, stop, n = parse_vary(item)
        ends = []
        for text in (start, stop):  # validate both ends and convert them to SI
            probe = load_case(args.case, {**overrides, key: parse_value(text)})
            value = get_value(probe, key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise CaseError(key, "cannot be swept (not a number)", value=value)
            ends.append(float(value))
        vary.append((key, ends[0], ends[1], n))
    from depsim.sweep import run_sweep

    return _print_folder(run_sweep(case, vary, **_study_options(args)))


def _cmd_measure(args) -> int:
    from depsim.lab import measure, parse_what
    from depsim.lab.measure import check_elements, check_sand_steps
    from depsim.lab.protocol import protocol_from_options

    what = parse_what(args.what)  # refused before the case is even loaded
    check_elements(args.elements)
    check_sand_steps(args.sand_steps)
    protocol = protocol_from_options(args)
    case = _load(args.case, _overrides(args.overrides))
    out = Path(args.out) if args.out else Path(case.output.dir) / "lab"
    result = measure(
        case,
        what=what,
        out_dir=out,
        elements=args.elements,
        sand_steps=args.sand_steps,
        protocol=protocol,
    )
    from depsim.lab.assessment import summary_table

    _out(summary_table(result.measurements))
    for w in result.measurements["warnings"]:
        print(f"{PROG}: warning: {w}", file=sys.stderr, flush=True)
    _out(str(result.output_dir))
    return 0


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except Exception as exc:  # noqa: BLE001 - report any import failure
        return f"not available ({type(exc).__name__})"
    return str(getattr(mod, "__version__", "unknown"))


def _cmd_info(args) -> int:
    lines = [f"depsim      {depsim.__version__}", f"python      {sys.version.split()[0]}"]
    lines.append(f"dolfinx     {_version('dolfinx')}")
    try:
        from petsc4py import PETSc

        petsc = ".".join(str(v) for v in PETSc.Sys.getVersion())
        scalar = "complex" if PETSc.ScalarType().dtype.kind == "c" else "real"
        lines.append(f"PETSc       {petsc} ({scalar})")
        lines.append(f"petsc4py    {_version('petsc4py')}")
    except Exception as exc:  # noqa: BLE001
        PETSc = None
        lines.append(f"PETSc       not available ({type(exc).__name__})")
    lines.append(f"mpi4py      {_version('mpi4py')}")
    try:
        from mpi4py import MPI

        lib = MPI.Get_library_version().strip().splitlines()[0]
        lines.append(f"MPI         {lib}")
        lines.append(f"MPI size    {MPI.COMM_WORLD.size}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"MPI         not available ({type(exc).__name__})")
    if PETSc is not None:
        have = []
        for pkg in ("mumps", "superlu_dist", "hypre"):
            ok = bool(PETSc.Sys.hasExternalPackage(pkg))
            have.append(f"{pkg} {'yes' if ok else 'no'}")
        have.append("gamg yes")  # built into PETSc
        lines.append("solvers     " + ", ".join(have))
    _out("\n".join(lines))
    return 0


def _cmd_materials(args) -> int:
    from depsim.materials import format_materials

    _out(format_materials())
    return 0


_COMMANDS = {
    "run": _cmd_run,
    "check": _cmd_check,
    "mesh": _cmd_mesh,
    "compare": _cmd_compare,
    "sweep": _cmd_sweep,
    "measure": _cmd_measure,
    "info": _cmd_info,
    "materials": _cmd_materials,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``depsim`` command line; returns the exit code (see module docstring)."""
    parser = build_parser()
    try:
        args = parse(parser, sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # argparse: 0 for --help/--version, 2 for usage errors
        return int(exc.code or 0)
    debug = getattr(args, "log_level", "info") == "debug"
    if debug:
        logging.basicConfig(level=logging.DEBUG)
    try:
        return _COMMANDS[args.command](args)
    except CaseError as exc:
        _err(str(exc))
        return 2
    except (SolverFailure, OutputFailure) as exc:  # 3: the solver gave up; 4: the outputs
        _err(str(exc))
        if debug and _rank() == 0:
            traceback.print_exc()
        return exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        return 1
    except Exception as exc:  # noqa: BLE001 - exit code 1 for anything else
        comm = _comm() if _launched_by_mpi() else None
        if comm is not None and comm.size > 1:
            # an unexpected error may have hit this rank only: the others would wait for it in
            # a collective forever. Say which rank failed and end the whole job.
            print(
                f"{PROG}: error on rank {comm.rank}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
                flush=True,
            )
            if debug:
                traceback.print_exc()
            comm.Abort(1)
        _err(f"{type(exc).__name__}: {exc}")
        if debug and _rank() == 0:
            traceback.print_exc()
        elif _rank() == 0:
            print(f"{PROG}: run with --log-level debug for the traceback", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
