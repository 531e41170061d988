"""The exports of a run: what :func:`depsim.run.run_case` writes at each output time.

:class:`RunOutputs` holds the field writer, the electrode sampler, the ``interface.csv`` writer
and the metrics recorder of one run, follows a remeshed cell, and writes all of them at once
(:meth:`RunOutputs.write`). Adding an export means adding it here (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["RunOutputs", "step_scalars"]


class RunOutputs:
    """The exports of one run, written by one object: field files (XDMF/VTX segments),
    ``interface.csv`` rows and the metrics time series (``metrics.json``); checkpoints are
    written beside them by the run (:mod:`depsim.solver.checkpoint`)."""

    def __init__(self, case, problem, bundle, out_dir: Path, comm, append: bool = False):
        from depsim.output import ElectrodeSampler, FieldWriter, InterfaceCSV, MetricsRecorder
        from depsim.output.fields import next_segment
        from depsim.solver.postprocess import OutputFields

        self.case, self.problem, self.comm = case, problem, comm
        self.out_dir = out_dir
        names = list(dict.fromkeys([*case.output.fields, "c_cation", "c_anion", "phi", "E"]))
        self.fields = OutputFields(problem, names)
        written = {n: f for n, f in self.fields.functions.items() if n in case.output.fields}
        self.phase_surface = None
        if problem.phase is not None:  # the diffuse Li surface: xi and its current density
            from depsim.output.phase_field import PhaseFieldSurface

            self.phase_surface = PhaseFieldSurface(problem, case.phase_field.li_thickness)
            if not append and comm.rank == 0:  # a new run into a used folder starts it anew
                (out_dir / "surface.csv").unlink(missing_ok=True)
            funcs = self.phase_surface.functions
            written.update(xi=funcs["xi"], plating_current=funcs["i_n"])
        self.writer = FieldWriter(
            problem.mesh,
            out_dir,
            list(case.output.formats),
            written,
            moving_mesh=case.ale_growth,
            # a restarted run continues in new files (fields_00k) after the existing ones
            first_segment=comm.bcast(next_segment(out_dir) if append and comm.rank == 0 else 0),
        )
        self.sampler = ElectrodeSampler(
            problem.mesh, bundle.facet_tags, bundle.markers.get("electrode", 1)
        )
        self.csv = InterfaceCSV(
            out_dir / "interface.csv", gdim=problem.mesh.geometry.dim, append=append, comm=comm
        )
        self.metrics = MetricsRecorder()
        self.last_time = None
        self.closed = False
        self.deposition = None  # DepositionController of a run with a moving Li surface

    def replace_problem(self, problem, bundle) -> None:
        """Follow a remeshed cell: new output fields, a new field-file segment, a new sampler."""
        from depsim.output import ElectrodeSampler
        from depsim.solver.postprocess import OutputFields

        self.problem = problem
        names = list(self.fields.functions)
        self.fields = OutputFields(problem, names)
        written = {n: f for n, f in self.fields.functions.items() if n in self.case.output.fields}
        self.writer.update_mesh(written, mesh=problem.mesh)
        self.sampler = ElectrodeSampler(
            problem.mesh, bundle.facet_tags, bundle.markers.get("electrode", 1)
        )

    def interface_samples(self) -> dict | None:
        from depsim.solver.postprocess import electrode_reaction_current

        funcs = self.fields.functions
        sampled = {k: funcs[k] for k in ("c_cation", "c_anion", "phi", "E")}
        if self.problem.i0_factor is not None:  # Frumkin factor of the charged sites (P1)
            sampled["i0_factor"] = self.problem.i0_factor
        s = self.sampler.sample(sampled)
        if s is None:
            return None
        i_bv = electrode_reaction_current(self.problem, s)
        s.pop("i0_factor", None)
        s["i_n"] = -i_bv  # plating positive
        s["eta"] = -s["phi"]  # phi_s - phi_l with the Li grounded
        return s

    def write(self, t: float, sim, extra_scalars: dict) -> dict:
        """Write fields, interface rows and the metrics of time ``t`` [s]. Collective: an error
        of a rank-local file write is raised after the collective calls (on that rank only)."""
        from depsim.output import interface_metrics
        from depsim.output.deferred import DeferredErrors

        deferred = DeferredErrors()
        if self.deposition is not None:
            self.fields.refresh_mass()  # the mesh moved
        self.fields.update()
        surface = None if self.phase_surface is None else self.phase_surface.sample()
        self.writer.write(t, deferred)
        scalars: dict = {}
        if self.phase_surface is None:
            samples = self.interface_samples()
            with deferred.guard():
                self.csv.append(t, samples)
            if samples is not None:
                scalars = interface_metrics(samples, c0=self.problem.params.c0)
        else:  # the diffuse surface (output/phase_field.py): surface.csv, surface metrics
            with deferred.guard():
                self.phase_surface.append_csv(self.out_dir / "surface.csv", t, surface)
            samples = None
        scalars = self.comm.bcast(scalars, root=0)
        scalars.update(extra_scalars)
        scalars["charge_balance_error"] = sim.charge_balance_error()
        scalars["mass_balance_error"] = sim.mass_balance_error()
        scalars["deposit_thickness_max"] = None
        scalars["deposit_thickness_min"] = None
        if self.phase_surface is not None:
            scalars.update(self.phase_surface.metrics(surface))
        if self.deposition is not None:
            scalars.update(self.deposition.metrics(samples))
            self.deposition.record_profile(t, samples)
        self.metrics.record(t, **scalars)
        self.last_time = t
        deferred.raise_first()
        return scalars

    def close(self) -> None:
        self.writer.close()
        self.closed = True


def step_scalars(problem, sim) -> dict:
    """The scalars recorded at every output time besides the interface metrics: the cell
    potential [V], the mean electrode current [A/m^2], the salt change and the step [s]."""
    return {
        "cell_potential": problem.cell_potential,
        "current_mean_fe": -problem.faradaic_current(),
        "salt_change": sim.salt_change(),
        "dt": sim.dt_prev,
    }
