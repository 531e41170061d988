"""Run one case: case -> mesh -> problem -> time loop (or steady solve) -> output folder.

This is the single function behind ``depsim run`` and :func:`depsim.run`. Everything that can
be refused (unsupported features, bad geometry) is refused before the output folder exists.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from depsim.errors import CaseError, SolverFailure
from depsim.solver.build import build_problem, restart_bundle

log = logging.getLogger("depsim")


@dataclass
class RunResult:
    """What a run returns: the metrics (as in ``metrics.json``) and where the outputs are."""

    metrics: dict
    output_dir: Path
    status: str = "finished"
    message: str = ""
    extra: dict = field(default_factory=dict)


def check_supported(case) -> None:
    """Refuse combinations of options that cannot run (exit code 2). The rules live in the case
    layer (:meth:`depsim.case.Case.check_supported`) and already ran when the case was
    validated; this checks a case that was changed since."""
    case.check_supported()


def run_case(
    case,
    out_dir: Path | str | None = None,
    restart: Path | str | None = None,
    quiet: bool = False,
    log_level: str = "info",
    comm=None,
) -> RunResult:
    """Run ``case`` (a validated :class:`depsim.case.Case`) and write its output folder.

    Raises :class:`~depsim.errors.CaseError` (before anything is written) for unsupported
    input and :class:`~depsim.errors.SolverFailure` when the solver gives up (after writing the
    last good state).
    """
    from mpi4py import MPI

    from depsim.case import case_hash, to_toml
    from depsim.output import Progress, setup_logging, versions
    from depsim.output.exports import RunOutputs, step_scalars
    from depsim.solver.checkpoint import load_checkpoint, save_checkpoint
    from depsim.solver.newton import BorderedNewton
    from depsim.solver.simulation import Simulation
    from depsim.solver.stepsize import Stepsize

    comm = comm or MPI.COMM_WORLD
    wall0 = time.perf_counter()
    check_supported(case)
    restart_dir = Path(restart).resolve() if restart is not None else None
    if out_dir is not None:
        out_dir = Path(out_dir)
    else:  # a restart continues in the stopped run's own folder
        out_dir = restart_dir if restart_dir is not None else Path(case.output.dir)
    deposition = bool(case.electrode.deposition)
    if restart_dir is not None and not (restart_dir / "checkpoint" / "state.json").exists():
        raise CaseError(
            "--restart",
            "no checkpoint found",
            str(restart_dir),
            "a run folder with checkpoint/state.json",
        )
    if (
        restart_dir is not None
        and deposition
        and not (restart_dir / "checkpoint" / "deposition.json").exists()
    ):
        raise CaseError(
            "--restart",
            "the checkpoint has no moving-surface data (was it written by a run with "
            "electrode.deposition = false?)",
            str(restart_dir),
            "a checkpoint of a deposition run",
        )

    # --- set-up (nothing written yet) -------------------------------------------------------------
    restart_mesh = None
    if restart_dir is not None and deposition:  # the moved mesh, not the case's
        restart_mesh = restart_bundle(case, comm, restart_dir / "checkpoint")
    bundle, params, problem = build_problem(case, comm, bundle=restart_mesh)

    def make_newton(pb):
        """The case's Newton solver (``[solver]``) for a problem."""
        return BorderedNewton(
            pb,
            rtol=case.solver.snes_rtol,
            atol=case.solver.snes_atol,
            max_it=case.solver.max_it,
            linear=case.solver.linear,
            petsc_options=dict(case.solver.petsc_options),
        )

    newton = make_newton(problem)
    t_end = case.time.end
    every = case.output.every
    stepsize = Stepsize(
        dt=case.time.dt,
        max_dt=case.time.max_dt,
        min_dt=case.time.min_dt,
        adaptive=case.time.adaptive,
    )
    sim = Simulation(problem, newton, stepsize)
    from depsim.deposition.protocol import Protocol

    protocol = Protocol.from_case(case)
    if case.operation.steps:
        stepsize.milestones = protocol.milestones(t_end)
    controller = None
    if deposition:
        from depsim.deposition.controller import DepositionController

        controller = DepositionController(
            case,
            bundle,
            problem,
            sim,
            make_problem=lambda b: build_problem(case, comm, bundle=b)[2],
            make_newton=make_newton,
            min_quality=case.geometry.mesh.remesh_quality,
        )

    # --- output folder ---------------------------------------------------------------------------
    if comm.rank == 0:
        if restart_dir is not None and out_dir.resolve() != restart_dir:
            # continue elsewhere: start from a copy of everything the stopped run wrote, so the
            # new folder holds the whole history (field segments, time series, interface.csv)
            shutil.copytree(restart_dir, out_dir, dirs_exist_ok=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "case.resolved.toml").write_text(to_toml(case))
    comm.barrier()
    logger = setup_logging(
        out_dir, level=log_level, quiet=quiet, comm=comm, append=restart_dir is not None
    )
    logger.info("depsim run %s -> %s (MPI size %d)", case.case.name, out_dir, comm.size)
    logger.info(
        "mesh: %d cells, h_min = %.3g um; %d dofs",
        bundle.n_cells,
        bundle.h_min * 1e6,
        problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs,
    )
    outputs = RunOutputs(case, problem, bundle, out_dir, comm, append=restart_dir is not None)
    outputs.deposition = controller

    def checkpoint():
        """Restart data: the solver state and, for a moving surface, its mesh and state."""
        save_checkpoint(out_dir / "checkpoint", sim, comm)
        if controller is not None:
            from depsim.deposition.restart import save_deposition_state

            save_deposition_state(out_dir / "checkpoint", controller, sim.step)

    status, message = "finished", ""
    time_loop = None  # wall time of the time loop [s] (transient runs)
    newton_its = 0
    try:
        if restart_dir is not None:
            load_checkpoint(restart_dir / "checkpoint", sim)
            outputs.metrics.resume(restart_dir / "metrics.json", sim.t)
            if controller is not None:
                from depsim.deposition.restart import load_deposition_state

                load_deposition_state(restart_dir / "checkpoint", controller)
            logger.info("restarted from %s at t = %.6g s", restart_dir, sim.t)
        else:
            start = None
            if case.operation.steps:  # start in the first step's mode
                mode, value = protocol.at(0.0)
                sim.set_mode(mode)
                sim.set_load(value)
                start = value if mode == "potentiostatic" else None
            rep = sim.initialise(potential=start)
            newton_its += rep.iterations
        if case.time.steady:
            rep = sim.solve_steady()
            outputs.write(0.0, sim, step_scalars(problem, sim))
            logger.info(
                "steady state: V = %.6g V, i = %.6g A/m^2",
                problem.cell_potential,
                -problem.electrode_current(),
            )
        else:
            if restart_dir is None:
                outputs.write(0.0, sim, step_scalars(problem, sim))
            progress = Progress(t_end, t_start=sim.t, quiet=quiet, comm=comm, logger=logger)
            ckpt_every = case.output.checkpoint_every

            def before_step(t, dt):
                if case.operation.steps:
                    mode, value = protocol.over_step(t, dt)
                    sim.set_mode(mode)
                    if mode == "potentiostatic" or value != sim.applied_current:
                        sim.set_load(value)
                if controller is not None:
                    controller.before_step(t, dt)

            def on_step(info):
                progress.update(
                    info.t, dt=info.dt, newton=info.iterations, V=f"{info.cell_potential:.4g} V"
                )
                if controller is not None and controller.after_step(info.dt):
                    outputs.replace_problem(sim.problem, controller.bundle)
                eps = 1e-9 * info.dt
                switch = bool(case.operation.steps) and protocol.switches(
                    info.t - eps, info.t + eps
                )
                if switch:
                    # the load jumps at info.t: restart small and with implicit Euler
                    stepsize.dt = case.time.dt
                    sim.dt_prev = None
                if info.step % every == 0 or switch or info.t >= t_end * (1 - 1e-12):
                    outputs.write(info.t, sim, step_scalars(sim.problem, sim))
                if ckpt_every and info.step % ckpt_every == 0:
                    checkpoint()

            loop0 = time.perf_counter()
            with progress:
                sim.advance(t_end, on_step, before_step)
            time_loop = time.perf_counter() - loop0
    except SolverFailure as exc:
        status, message = "failed", str(exc)
        logger.error("%s", exc)
        # the last good state is U_n (restored after the failed step): write it
        problem = sim.problem
        problem.U.x.array[:] = problem.U_n.x.array
        if outputs.last_time is None or outputs.last_time < sim.t:
            outputs.write(sim.t, sim, step_scalars(problem, sim))
        checkpoint()
    finally:
        outputs.close()
    problem, newton = sim.problem, sim.newton

    if status == "finished" and not case.time.steady:
        checkpoint()
    deposition_metrics = {}
    if controller is not None:
        fig = controller.write_figure(out_dir / "surface_profiles.png")
        check = controller.faraday_check()
        deposition_metrics = {
            "deposit_volume_expected": check["expected"],
            "deposit_volume_lost": check["volume_lost"],
            "deposit_faraday_error": check["rel_err"],
        }
        if fig is not None:
            logger.info("surface profiles: %s", fig)
        logger.info(
            "deposition: electrolyte volume lost %.6g vs V_m Q A / F = %.6g m^%d (rel. %.2g); "
            "%d remeshes",
            check["volume_lost"],
            check["expected"],
            case.geometry.dimension,
            check["rel_err"] or 0.0,
            controller.remeshes,
        )
    separator_metrics = _separator_metrics(params, logger)
    wall = time.perf_counter() - wall0
    extra = {
        "status": status,
        "message": message,
        "case": case.case.name,
        "case_hash": case_hash(case),
        "versions": versions(),
        "mpi_size": comm.size,
        "wall_time": wall,
        "newton_time": sim.wall_newton,
        "time_loop_wall": time_loop,
        "steps": sim.step,
        "newton_iterations": newton.total_iterations,
        "linear_iterations": newton.total_linear_iterations,
        "lu_factorisations": newton.total_factorisations,
        "dofs": problem.W.dofmap.index_map.size_global * problem.W.dofmap.index_map_bs,
        "cells": bundle.n_cells,
        "h_min": bundle.h_min,
        "t_end": sim.t,
        **separator_metrics,
        **deposition_metrics,
    }
    metrics = outputs.metrics.to_dict(extra)
    if comm.rank == 0:
        outputs.metrics.write_json(out_dir / "metrics.json", extra)
    logger.info("%s in %.1f s; outputs in %s", status, wall, out_dir)
    newton.destroy()
    if status == "failed":
        err = SolverFailure(message, time=sim.t)
        err.output_dir = out_dir
        raise err
    return RunResult(
        metrics=json.loads(json.dumps(metrics, default=_none)),
        output_dir=out_dir,
        status=status,
        message=message,
    )


def _none(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    return None


def _separator_metrics(params, logger) -> dict:
    """Virtual measurement of the separator as simulated (depsim.virtual): its effective
    transference number (Hittorf) and conductivity at c0; {} without a separator."""
    if params.separator is None:
        return {}
    from depsim.virtual import measure_separator

    try:
        m = measure_separator(params.separator, params.c0, params.temperature, steady=False)
    except Exception as exc:  # a diagnostic must not fail the run
        logger.warning("virtual separator measurement failed: %s", exc)
        return {"separator_transference_number": None, "separator_conductivity": None}
    logger.info(
        "separator as simulated: t+ = %.4g, conductivity = %.4g S/m (Donnan potential %.4g mV)",
        m.transference_number,
        m.conductivity,
        1e3 * m.donnan_potential,
    )
    return {
        "separator_transference_number": m.transference_number,
        "separator_conductivity": m.conductivity,
        "separator_donnan_potential": m.donnan_potential,
    }
