"""The steps of one run (:class:`Run`: build -> initialise -> advance -> finalise) and what a
run returns (:class:`RunResult`). :func:`depsim.run.run_case` runs the steps in order."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from depsim.case.phase_field import resolve_noise_seed
from depsim.errors import OutputFailure, SolverFailure
from depsim.output.exports import RunOutputs, step_scalars
from depsim.run_summary import deposition_summary as _deposition
from depsim.run_summary import dofs, failure_record, json_default, separator_summary
from depsim.solver.build import build_problem, restart_bundle

__all__ = ["Run", "RunResult", "check_supported"]


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


class Run:
    """One case, as four steps: :meth:`build` (mesh, problem, solvers, protocol, moving surface;
    nothing written), :meth:`initialise` (the output folder and exports, then the initial
    state or the restart), :meth:`advance` (the steady solve or the time loop) and
    :meth:`finalise` (checkpoint, metrics.json, the result).

    ``out_dir`` defaults to ``restart`` (a restart continues in the stopped run's folder), else
    ``output.dir``. A failure in :meth:`initialise` or :meth:`advance` (the initial solve, a
    step, a remesh: :class:`SolverFailure`; writing the outputs: :class:`OutputFailure`) is
    recorded with its stage: the last good state is written where the outputs still work, the
    log says what happened and metrics.json carries ``status = "failed"`` and ``failure``;
    :meth:`finalise` then raises it (exit code 3 or 4).
    """

    def __init__(
        self,
        case,
        out_dir: Path | str | None = None,
        restart: Path | str | None = None,
        quiet: bool = False,
        log_level: str = "info",
        comm=None,
    ):
        from mpi4py import MPI

        self.case, self.quiet, self.log_level = case, quiet, log_level
        self.comm = comm or MPI.COMM_WORLD
        self.wall0 = time.perf_counter()
        check_supported(case)
        self.restart_dir = Path(restart).resolve() if restart is not None else None
        self.drawn_seed = resolve_noise_seed(case, self.comm.size, self.restart_dir)
        if out_dir is not None:
            self.out_dir = Path(out_dir)
        else:  # a restart continues in the stopped run's own folder
            self.out_dir = self.restart_dir or Path(case.output.dir)
        self.deposition = case.ale_growth  # a moving mesh (the phase field needs none)
        if self.restart_dir is not None:
            from depsim.deposition.restart import check_restart_folder

            check_restart_folder(self.restart_dir, self.deposition)
        self.status, self.message = "finished", ""
        self.stage = "build"  # where the run is: build, initial, steady, step, output, done
        self.failure: SolverFailure | OutputFailure | None = None
        self.time_loop = None  # wall time of the time loop [s] (transient runs)
        self.controller = None
        self.outputs = None

    # --- 1. build (nothing written yet) --------------------------------------------------------
    def build(self) -> None:
        """Mesh, problem, Newton solver, time loop, protocol and moving surface."""
        from depsim.deposition.protocol import Protocol
        from depsim.solver.capacity import check_current_capacity
        from depsim.solver.simulation import Simulation
        from depsim.solver.stepsize import Stepsize

        case, comm = self.case, self.comm
        restart_mesh = None
        if self.restart_dir is not None and self.deposition:  # the moved mesh, not the case's
            restart_mesh = restart_bundle(case, comm, self.restart_dir / "checkpoint")
        self.bundle, self.params, problem = build_problem(case, comm, bundle=restart_mesh)
        self.stepsize = Stepsize(
            dt=case.time.dt,
            max_dt=case.time.max_dt,
            min_dt=case.time.min_dt,
            adaptive=case.time.adaptive,
        )
        self.sim = Simulation(problem, self.make_newton(problem), self.stepsize)
        self.protocol = Protocol.from_case(case)
        check_current_capacity(self.params, self.protocol, case.model.charge == "poisson")
        if case.operation.steps:
            self.stepsize.milestones = self.protocol.milestones(case.time.end)
        if self.deposition:
            from depsim.deposition.controller import DepositionController

            self.controller = DepositionController(
                case,
                self.bundle,
                problem,
                self.sim,
                make_problem=lambda b: build_problem(case, comm, bundle=b)[2],
                make_newton=self.make_newton,
                min_quality=case.geometry.mesh.remesh_quality,
            )

    def make_newton(self, problem):
        """The case's Newton solver (``[solver]``) for a problem."""
        from depsim.solver.newton import BorderedNewton

        s = self.case.solver
        return BorderedNewton(
            problem,
            rtol=s.snes_rtol,
            atol=s.snes_atol,
            max_it=s.max_it,
            linear=s.linear,
            multigrid=s.multigrid,
            petsc_options=dict(s.petsc_options),
        )

    # --- 2. initialise ----------------------------------------------------------------------------
    def initialise(self) -> None:
        """The output folder, log and exports; then the initial state (or the restart)."""
        from depsim.case import to_toml
        from depsim.output import setup_logging

        case, comm, out_dir, restart = self.case, self.comm, self.out_dir, self.restart_dir
        problem = self.sim.problem
        if comm.rank == 0:
            if restart is not None and out_dir.resolve() != restart:
                # continue elsewhere: start from a copy of everything the stopped run wrote, so
                # the new folder holds the whole history (field segments, series, interface.csv)
                shutil.copytree(restart, out_dir, dirs_exist_ok=True)
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "case.resolved.toml").write_text(to_toml(case))
        comm.barrier()
        self.logger = logger = setup_logging(
            out_dir, level=self.log_level, quiet=self.quiet, comm=comm, append=restart is not None
        )
        logger.info("depsim run %s -> %s (MPI size %d)", case.case.name, out_dir, comm.size)
        logger.info(
            "mesh: %d cells, h_min = %.3g um; %d dofs",
            self.bundle.n_cells,
            self.bundle.h_min * 1e6,
            dofs(problem),
        )
        if self.drawn_seed is not None:
            logger.info(
                "phase_field.noise_seed drawn: %d (set it to repeat this run)", self.drawn_seed
            )
        self.outputs = RunOutputs(case, problem, self.bundle, out_dir, comm, append=bool(restart))
        self.outputs.deposition = self.controller
        self.stage = "initial"
        try:
            self._initial_state()
        except (SolverFailure, OutputFailure) as exc:
            self._failed(exc)

    def _initial_state(self) -> None:
        from depsim.solver.checkpoint import load_checkpoint

        sim, case = self.sim, self.case
        if self.restart_dir is not None:
            load_checkpoint(self.restart_dir / "checkpoint", sim)
            self.outputs.metrics.resume(self.restart_dir / "metrics.json", sim.t)
            if self.controller is not None:
                from depsim.deposition.restart import load_deposition_state

                load_deposition_state(self.restart_dir / "checkpoint", self.controller)
            self.logger.info("restarted from %s at t = %.6g s", self.restart_dir, sim.t)
            return
        start = None
        if case.operation.steps:  # start in the first step's mode
            mode, value = self.protocol.at(0.0)
            sim.set_mode(mode)
            sim.set_load(value)
            start = value if mode == "potentiostatic" else None
        sim.initialise(potential=start)
        if not case.time.steady:
            self._write(0.0)

    # --- 3. advance -------------------------------------------------------------------------------
    def advance(self) -> None:
        """The steady solve, or the time loop to ``time.end`` with the protocol, the moving
        surface, output and checkpoints at their intervals."""
        if self.status != "finished":
            return
        try:
            if self.case.time.steady:
                self.stage = "steady"
                self._steady()
            else:
                self.stage = "step"
                self._time_loop()
        except (SolverFailure, OutputFailure) as exc:
            self._failed(exc)

    def _write(self, t: float) -> None:
        """Write the outputs of time ``t`` [s]; any error on any rank becomes an
        :class:`OutputFailure` on every rank (naming the folder, the time and the cause)."""
        error = None
        try:
            self.outputs.write(t, self.sim, step_scalars(self.sim.problem, self.sim))
        except Exception as exc:  # noqa: BLE001 - disk full, permissions, a broken file
            error = f"{type(exc).__name__}: {exc}"
        errors = [e for e in self.comm.allgather(error) if e is not None]
        if errors:
            raise OutputFailure(
                f"writing the outputs to {self.out_dir} at t = {t:.6g} s failed: {errors[0]}",
                time=t,
            )

    def _steady(self) -> None:
        sim = self.sim
        sim.solve_steady()
        self._write(0.0)
        self.logger.info(
            "steady state: V = %.6g V, i = %.6g A/m^2",
            sim.problem.cell_potential,
            -sim.problem.faradaic_current(),
        )

    def _time_loop(self) -> None:
        from depsim.output import Progress

        case, sim, protocol, controller = self.case, self.sim, self.protocol, self.controller
        t_end, every, ckpt_every = case.time.end, case.output.every, case.output.checkpoint_every
        progress = Progress(
            t_end, t_start=sim.t, quiet=self.quiet, comm=self.comm, logger=self.logger
        )

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
                self.outputs.replace_problem(sim.problem, controller.bundle)
            eps = 1e-9 * info.dt
            switch = bool(case.operation.steps) and protocol.switches(info.t - eps, info.t + eps)
            if switch:  # the load jumps at info.t: restart small and with implicit Euler
                self.stepsize.dt = case.time.dt
                sim.dt_prev = None
            if info.step % every == 0 or switch or info.t >= t_end * (1 - 1e-12):
                self._write(info.t)
            if ckpt_every and info.step % ckpt_every == 0:
                self.checkpoint()

        loop0 = time.perf_counter()
        with progress:
            sim.advance(t_end, on_step, before_step)
        self.time_loop = time.perf_counter() - loop0

    def _failed(self, exc: SolverFailure | OutputFailure) -> None:
        """Record a failure (its stage, time and message) and write the last good state (U_n,
        restored after the failed step) and a checkpoint. Writing them may fail too (the
        outputs are what failed, or the state never existed): that is logged, not raised."""
        if getattr(exc, "stage", None) is None:
            exc.stage = self.stage
        self.status, self.message, self.failure = "failed", str(exc), exc
        self.logger.error("%s [stage: %s]", exc, exc.stage)
        sim = self.sim
        problem = sim.problem
        problem.U.x.array[:] = problem.U_n.x.array
        if sim.salt0 is None:  # the initial solve failed: there is no good state to keep
            self.logger.error("no initial state: no fields or checkpoint written for t = 0")
            return
        if not isinstance(exc, OutputFailure):
            try:
                if self.outputs.last_time is None or self.outputs.last_time < sim.t:
                    self._write(sim.t)
            except OutputFailure as second:
                self.logger.error("the last good state was not written: %s", second)
        try:
            self.checkpoint()
        except Exception as second:  # noqa: BLE001 - the failure being reported comes first
            self.logger.error("no checkpoint was written: %s: %s", type(second).__name__, second)

    def checkpoint(self) -> None:
        """Restart data: the solver state and, for a moving surface, its mesh and state."""
        from depsim.solver.checkpoint import save_checkpoint

        folder = self.out_dir / "checkpoint"
        save_checkpoint(folder, self.sim, self.comm)
        if self.controller is not None:
            from depsim.deposition.restart import save_deposition_state

            save_deposition_state(folder, self.controller, self.sim.step)

    # --- 4. finalise ------------------------------------------------------------------------------
    def finalise(self) -> RunResult:
        """Close the exports, write the last checkpoint and metrics.json; return the result
        (or raise the recorded SolverFailure)."""
        from depsim.case import case_hash
        from depsim.output import versions

        case, comm, sim, out_dir = self.case, self.comm, self.sim, self.out_dir
        try:
            self.outputs.close()
            if self.status == "finished" and not case.time.steady:
                self.checkpoint()
        except Exception as exc:  # noqa: BLE001
            if self.failure is None:
                self._failed(OutputFailure(f"closing the outputs in {out_dir} failed: {exc}"))
        problem, newton = sim.problem, sim.newton
        failure = self.failure
        extra = {
            "status": self.status,
            "message": self.message,
            "failure": None if failure is None else failure_record(failure, self.stage, sim.t),
            "case": case.case.name,
            "case_hash": case_hash(case),
            "versions": versions(),
            "mpi_size": comm.size,
            "wall_time": None,  # set last
            "newton_time": sim.wall_newton,
            "time_loop_wall": self.time_loop,
            "steps": sim.step,
            "newton_iterations": newton.total_iterations,
            "linear_iterations": newton.total_linear_iterations,
            "lu_factorisations": newton.total_factorisations,
            "dofs": dofs(problem),
            "cells": self.bundle.n_cells,
            "h_min": self.bundle.h_min,
            "t_end": sim.t,
            **separator_summary(self.params, self.logger),
            **self._deposition_summary(),
        }
        extra["wall_time"] = time.perf_counter() - self.wall0
        metrics = self.outputs.metrics.to_dict(extra)
        written = None
        if comm.rank == 0:
            try:
                self.outputs.metrics.write_json(out_dir / "metrics.json", extra)
            except Exception as exc:  # noqa: BLE001
                written = f"{type(exc).__name__}: {exc}"
        written = comm.bcast(written, root=0)
        if written is not None:
            self.logger.error("metrics.json was not written: %s", written)
            if failure is None:
                failure = OutputFailure(f"writing {out_dir / 'metrics.json'} failed: {written}")
        self.logger.info("%s in %.1f s; outputs in %s", self.status, extra["wall_time"], out_dir)
        newton.destroy()
        self.stage = "done"
        if failure is not None:
            failure.output_dir = out_dir
            raise failure
        return RunResult(
            metrics=json.loads(json.dumps(metrics, default=json_default)),
            output_dir=out_dir,
            status=self.status,
            message=self.message,
        )

    def close(self) -> None:
        """Close the exports (field files) if they are open; safe to call more than once."""
        if self.outputs is not None and not self.outputs.closed:
            self.outputs.close()

    def _deposition_summary(self) -> dict:
        """The moving surface's figure and Faraday check; a diagnostic that does not fail."""
        try:
            dim = self.case.geometry.dimension
            return _deposition(self.controller, self.out_dir, dim, self.logger)
        except Exception as exc:  # noqa: BLE001 - e.g. the figure could not be written
            self.logger.warning("deposition summary failed: %s", exc)
            return {}
