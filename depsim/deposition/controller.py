"""Deposition in a run: the moving Li surface, remeshing, surface metrics and the profile figure.

:class:`DepositionController` is what :func:`depsim.run.run_case` uses when
``electrode.deposition = true``. Per accepted step it moves the surface and the mesh
(:class:`~depsim.deposition.ale.MovingSurface`); when the mesh quality falls below
``min_quality`` it rebuilds the cell on the current surface (:func:`~depsim.deposition.remesh.
remesh`), transfers the state (the solver's unknowns and their history, the cell potential, the
deposit thickness along the surface) and hands a new problem and Newton solver to the
:class:`~depsim.solver.simulation.Simulation`.

Surface metrics (``metrics.json``; lengths in m):

``deposit_thickness_max``/``_min``
    largest/smallest accumulated normal advance of the electrode vertices (the Li deposited
    normal to the surface at each point; negative where Li was stripped). Carried across
    remeshing by interpolation along x.
``surface_mean_height``, ``surface_rms``
    arc-length weighted mean and standard deviation of the surface height y.
``amplification``
    a(t)/a0 with a = sqrt(2) x the weighted rms height (:func:`~depsim.output.metrics.
    profile_amplitude`; exactly the amplitude of a cosine); None for an initially flat surface.
``deposited_volume``, ``deposit_volume_error``
    V_m/F times the charge through the electrode [m^2 per m of depth in 2D], and the relative
    difference between the electrolyte volume lost and that volume.
``mesh_quality_min``, ``remeshes``
    the smallest cell shape measure now, and how often the cell was remeshed.
``remesh_volume_correction``
    |sum of the volume the remeshing restored| / deposited volume: what the new surface's
    interpolation (and the cut of a folded surface) would have lost without the conservative
    shift (:func:`~depsim.deposition.remesh.remesh`).
``salt_swept``
    salt [mol per m of depth in 2D] that left the model with the electrolyte volume swept by
    the growing Li, the boundary integral of eps c+ D.(-n) over each move D (the neglected
    Stefan flow would carry it to the reservoir; docs/model.md §7), and, after remeshing,
    the change of the salt content by the field transfer.
    Both are added to the salt budget of the
    :class:`~depsim.solver.simulation.Simulation`, so ``mass_balance_error`` keeps measuring
    how well the discrete transport equations conserve salt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from mpi4py import MPI

from depsim.deposition.ale import MovingSurface
from depsim.deposition.remesh import (
    RemeshError,
    SurfaceProfile,
    electrode_surface,
    oriented_volume,
    remesh,
    transfer,
)
from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME

__all__ = ["DepositionController"]

log = logging.getLogger("depsim")


class DepositionController:
    """The moving Li surface of a run.

    Args:
        case: the validated case (its geometry is rebuilt when remeshing).
        bundle: the :class:`~depsim.geometry.MeshBundle` of the problem.
        problem: an :class:`~depsim.solver.problem.ElectroneutralProblem` built with
            ``moving_mesh=True``.
        sim: the :class:`~depsim.solver.simulation.Simulation` driving it.
        make_problem: bundle -> new problem on that mesh (for remeshing).
        make_newton: problem -> new Newton solver.
        min_quality: remesh when the smallest cell shape measure falls below it.
    """

    def __init__(
        self,
        case,
        bundle,
        problem,
        sim,
        make_problem: Callable,
        make_newton: Callable,
        min_quality: float = 0.25,
    ):
        self.case, self.bundle, self.sim = case, bundle, sim
        self.comm = problem.comm
        self.make_problem, self.make_newton = make_problem, make_newton
        self.min_quality = min_quality
        self.surface = MovingSurface(problem, markers=bundle.markers, min_quality=min_quality)
        self.volume0 = self.surface.volume0
        self.area = bundle.projected_area  # W (2D, per m of depth) or W D (3D) [m^(d-1)]
        self.remeshes = 0
        self.volume_correction = 0.0  # electrolyte volume added by the remesh shifts [m^d]
        self.salt_swept = 0.0
        self._a0: float | None = None
        self.profiles: list[tuple[float, np.ndarray, np.ndarray]] = []  # rank 0
        self.profile_label = "Li surface profiles"

    @property
    def problem(self):
        return self.surface.problem

    # --- time stepping ---------------------------------------------------------------------------
    def before_step(self, t: float, dt: float) -> None:
        """Set the mesh velocity of the ALE term for the step [t, t + dt]."""
        self.surface.before_step(t, dt)

    def after_step(self, dt: float) -> bool:
        """Move the surface and the mesh after an accepted step of ``dt`` [s]; remesh if the
        mesh degraded. Returns True when the problem was replaced (remeshed)."""
        q = self.surface.after_step(dt)
        self._book_salt(self.surface.last_swept_salt)
        self._check_gap()
        if not self.surface.needs_remesh:
            return False
        log.info(
            "t = %.6g s: mesh quality %.3g (%d inverted cells): remeshing",
            self.sim.t,
            q.min_quality,
            q.inverted,
        )
        salt = self.surface.problem.salt_amount()
        self.remesh()
        self._book_salt(salt - self.surface.problem.salt_amount())
        return True

    def _book_salt(self, lost: float) -> None:
        """Salt that left the model by the mesh motion (or remeshing): out of the budget."""
        self.salt_swept += lost
        if getattr(self.sim, "salt_expected", None) is not None:
            self.sim.salt_expected -= lost

    def remesh(self) -> None:
        """Rebuild the cell on the current Li surface and move the state onto it."""
        from depsim.errors import SolverFailure

        old = self.surface
        pb = old.problem
        tag = self.bundle.markers["electrode"]
        from depsim.geometry import GeometryError

        self._check_gap()
        try:
            if self.bundle.geometry is not None and self.bundle.geometry.kind != "interface_cell":
                raise RemeshError("only the built-in interface cell can be remeshed")
            # plating (i_BV < 0) grows the Li upward: a fold is cut by the upper envelope
            envelope = "upper" if pb.faradaic_current() < 0 else "lower"
            target = oriented_volume(pb.mesh, old.quality.reference_sign)
            # the geometry that built the mesh (Poisson mode: refined to the Debye length)
            geometry = self.bundle.geometry or self.case
            new_bundle, correction = remesh(
                geometry,
                pb.mesh,
                self.bundle.facet_tags,
                tag,
                envelope=envelope,
                target_volume=target,
                markers=self.bundle.markers,
            )
        except (RemeshError, GeometryError) as exc:
            raise SolverFailure(
                f"remeshing failed at t = {self.sim.t:.6g} s: {exc}",
                time=self.sim.t,
                stage="remesh",
            ) from exc
        # thickness along the old surface, carried over by interpolation along the surface
        nodes = old.mover._geom_nodes[old.growth.blocks]
        th = np.zeros(pb.mesh.geometry.x.shape[0])
        th[nodes] = old.growth.thickness
        prof = electrode_surface(pb.mesh, self.bundle.facet_tags, tag, values={"th": th})
        new_pb = self.make_problem(new_bundle)
        shared: dict = {}  # one point search for the three states
        for src, dst in ((pb.U, new_pb.U), (pb.U_n, new_pb.U_n), (pb.U_nm1, new_pb.U_nm1)):
            transfer(src, dst, cache=shared)
        new_pb.cell_potential = pb.cell_potential
        new_pb.potential_history = pb.potential_history
        new_pb.i_app_hat.value = float(pb.i_app_hat.value)
        surface = MovingSurface(new_pb, markers=new_bundle.markers, min_quality=self.min_quality)
        xs = new_pb.mesh.geometry.x[surface.mover._geom_nodes[surface.growth.blocks]]
        surface.growth.thickness = self._carry_thickness(prof, xs, envelope)
        surface.deposited_volume = old.deposited_volume
        surface.moves = old.moves
        old.destroy()
        scales = self.sim.newton.scales
        self.sim.newton.destroy()
        self.sim.problem = new_pb
        self.sim.newton = self.make_newton(new_pb)
        self.sim.newton.scales = scales  # the residual scale of the run, not of the next step
        self.surface = surface
        self.bundle = new_bundle
        self.remeshes += 1
        self.volume_correction += correction
        log.info(
            "remeshed: %d cells, h_min = %.3g um, quality %.3g; volume correction %.3g of the "
            "deposit",
            new_bundle.n_cells,
            new_bundle.h_min * 1e6,
            surface.last_quality.min_quality,
            correction / surface.deposited_volume if surface.deposited_volume else 0.0,
        )

    def _check_gap(self) -> None:
        """Stop (SolverFailure) when the Li surface comes within half an electrode element of
        a separator layer above it: the layer is rigid in this model (docs/deposition.md)."""
        from depsim.errors import SolverFailure

        geom = self.bundle.geometry
        levels = geom.separator_levels() if geom is not None else None
        if levels is None or levels[0] <= 0.0:
            return
        y = self.problem.mesh.geometry.x[:, 1]
        nodes = self.surface.mover._geom_nodes[self.surface.growth.blocks]
        top = self.comm.allreduce(float(y[nodes].max(initial=-np.inf)), op=MPI.MAX)
        if top > levels[0] - 0.5 * geom.electrode_size:
            raise SolverFailure(
                f"the Li surface reached the separator layer at t = {self.sim.t:.6g} s (Li at "
                f"y = {top:.4g} m, separator from y = {levels[0]:.4g} m): growth into a "
                "separator at a distance is not modelled (with geometry.separator.gap = 0 the "
                "separator is in contact with the Li and is compressed instead)",
                time=self.sim.t,
            )

    def _carry_thickness(self, prof, xs: np.ndarray, envelope: str) -> np.ndarray:
        """Deposit thickness of the old surface at the new electrode vertices ``xs``."""
        geom = self.bundle.geometry
        if isinstance(prof, SurfaceProfile):
            W = geom.width if geom is not None else (prof.x.max() - prof.x.min())
            keep = prof.x < prof.x.min() + W * (1 - 1e-12)
            return np.interp(xs[:, 0], prof.x[keep], prof.values["th"][keep], period=W)
        folded = prof.projected_area > geom.width * geom.depth_or_width * (1 + 1e-9)
        return prof.evaluate(
            xs[:, 0],
            xs[:, 2],
            geom.width,
            geom.depth_or_width,
            envelope=envelope if folded else None,
            name="th",
        )

    # --- metrics ---------------------------------------------------------------------------------
    def metrics(self, samples: dict | None) -> dict:
        """Surface metrics (collective; ``samples`` from the electrode sampler on rank 0)."""
        from depsim.output.metrics import profile_amplitude, weighted_mean, weighted_std

        lo, hi = self.surface.thickness_range()
        vol = self.surface.electrolyte_volume()
        dep = self.surface.deposited_volume
        out = {
            "deposit_thickness_max": hi,
            "deposit_thickness_min": lo,
            "deposited_volume": dep,
            "deposit_volume_error": abs((self.volume0 - vol) - dep) / abs(dep) if dep else None,
            "mesh_quality_min": self.surface.last_quality.min_quality,
            "remeshes": float(self.remeshes),
            "remesh_volume_correction": (abs(self.volume_correction) / abs(dep) if dep else 0.0),
            "salt_swept": self.salt_swept,
        }
        surf = None
        if self.comm.rank == 0 and samples is not None:
            y, w = samples["y"], samples["weight"]
            a = profile_amplitude(y, w)
            if self._a0 is None:
                self._a0 = a
            surf = {
                "surface_mean_height": weighted_mean(y, w),
                "surface_rms": weighted_std(y, w),
                # an initially flat surface (a0 below 1 pm) has no amplification
                "amplification": a / self._a0 if self._a0 > 1e-12 else None,
            }
        surf = self.comm.bcast(surf, root=0)
        out.update(surf or {})
        return out

    def record_profile(self, t: float, samples: dict | None) -> None:
        """Keep the surface profile of an output time for the figure (collective; kept on rank
        0). In 3D: the section of the surface by the mid-plane z = D/2 (the piecewise-linear
        surface evaluated on 400 points along x)."""
        if self.bundle.dimension == 3:
            geom = self.bundle.geometry
            W, D = geom.width, geom.depth_or_width
            tag = self.bundle.markers["electrode"]
            surf = electrode_surface(self.problem.mesh, self.bundle.facet_tags, tag)
            if self.comm.rank == 0:
                x = np.linspace(0.0, W, 401)
                folded = surf.projected_area > W * D * (1 + 1e-9)
                y = surf.evaluate(
                    x, np.full_like(x, 0.5 * D), W, D, envelope="upper" if folded else None
                )
                self.profiles.append((t, x, y))
                self.profile_label = "Li surface at z = D/2"
            return
        if self.comm.rank != 0 or samples is None or "x" not in samples:
            return
        order = np.argsort(samples["x"], kind="stable")
        self.profiles.append((t, samples["x"][order].copy(), samples["y"][order].copy()))

    def write_figure(self, path: Path, max_curves: int = 12) -> Path | None:
        """PNG of the surface profiles y(x) over time (rank 0; None elsewhere or if empty)."""
        if self.comm.rank != 0 or not self.profiles:
            return None
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        picks = np.unique(np.linspace(0, len(self.profiles) - 1, max_curves).round().astype(int))
        fig, ax = plt.subplots(figsize=(8, 4))
        cmap = plt.get_cmap("viridis")
        t_last = self.profiles[-1][0] or 1.0
        for k in picks:
            t, x, y = self.profiles[k]
            ax.plot(
                x * 1e6,
                y * 1e6,
                color=cmap(t / t_last if t_last else 0.0),
                lw=1.2,
                label=f"t = {t:.4g} s",
            )
        ax.set_xlabel("x [um]")
        ax.set_ylabel("Li surface y [um]")
        ax.set_title(f"{self.profile_label} (deposition)")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
        path = Path(path)
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path

    def faraday_check(self) -> dict:
        """Deposited volume against V_m Q W / F for the charge the simulation booked."""
        sim = self.sim
        expected = LI_MOLAR_VOLUME * sim.charge_passed * self.area / FARADAY
        lost = self.volume0 - self.surface.electrolyte_volume()
        return {
            "volume_lost": lost,
            "expected": expected,
            "rel_err": abs(lost - expected) / abs(expected) if expected else None,
        }

    def destroy(self) -> None:
        self.surface.destroy()
