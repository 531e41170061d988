"""Phase-field growth (docs/phase-field.md): its growth rate against linear-stability theory,
and the cost of a step against one scalar Poisson solve on the same mesh.

    python benchmarks/bench_phase_field.py growth      # table + docs/figures/phase_field_growth.png
    python benchmarks/bench_phase_field.py cost        # table: step / Poisson, Newton iterations

``growth``: a cosine perturbation (a0 = 50 nm) of wavelength 10, 5 and 2.5 um at interface
widths 0.2 and 0.1 um (tests/verification/phase_field_studies.py ``growth_rate``), the measured
rate between 3 and 15 s against ``deposition/linear_stability.py`` over k.
``cost``: planar plating at 300 A/m^2 on a 5 um wide cell of 0.05 / 0.025 / 0.0125 um elements
(w = 4 elements), 20 fixed steps of 0.02 s after the start-up; the wall time of a step (its Newton
solve) over one scalar Poisson solve (assembly + LU + solve, MUMPS) on the same mesh.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "verification"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import depsim  # noqa: E402, F401  (loads MPI for the dolfinx wheel)

# isort: split

import numpy as np  # noqa: E402
import phase_field_studies as pfs  # noqa: E402

from depsim.deposition import linear_stability as ls  # noqa: E402

FIGURE = ROOT / "docs" / "figures" / "phase_field_growth.png"


def growth() -> None:
    rows = []
    for width in (0.2e-6, 0.1e-6):
        for count in (1, 2, 4):
            t0 = time.perf_counter()
            r = pfs.growth_rate(count=count, width=width)
            rows.append((width, 10.0 / count, r, time.perf_counter() - t0))
            print(json.dumps({"width_um": width * 1e6, "wavelength_um": 10 / count, **r}))
    print("\n| w (um) | lambda (um) | s measured (1/s) | s theory (1/s) | rel. error | wall (s) |")
    print("|---|---|---|---|---|---|")
    for width, lam, r, wall in rows:
        print(
            f"| {width * 1e6:g} | {lam:g} | {r['s_measured']:.5f} | {r['s_theory']:.5f} | "
            f"{r['s_measured'] / r['s_theory'] - 1:+.1%} | {wall:.0f} |"
        )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = ls.StabilityParameters(current_density=300.0, height=8e-6, i0=1e4)
    k = np.linspace(0.3e6, 3.0e6, 200)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(k * 1e-6, [ls.growth_rate(kk, p) for kk in k], "k-", label="linear stability")
    for width, marker in ((0.2e-6, "o"), (0.1e-6, "s")):
        pts = [(2 * math.pi / (lam * 1e-6), r["s_measured"]) for w, lam, r, _ in rows if w == width]
        ax.plot(
            [q[0] * 1e-6 for q in pts],
            [q[1] for q in pts],
            marker,
            mfc="none",
            label=f"phase field, w = {width * 1e6:g} um",
        )
    ax.set_xlabel("k (1/um)")
    ax.set_ylabel("growth rate s (1/s)")
    ax.set_title("cosine perturbation, 300 A/m^2, i0 = 1 A/cm^2, H = 8 um")
    ax.legend()
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=120)
    print(f"\nfigure: {FIGURE.relative_to(ROOT)}")


def cost() -> None:
    from bench_core import poisson_baseline

    from depsim.physics.phase_field import PhaseFieldParameters
    from depsim.solver.parameters import ModelParameters

    print("| h (um) | dofs | step (s) | Poisson (s) | step / Poisson | Newton it. per step |")
    print("|---|---|---|---|---|---|")
    for h in (0.05e-6, 0.025e-6, 0.0125e-6):
        width = 4 * h
        rows = pfs.graded_rows(h, 2e-6, 9e-6, 0.5e-6)
        pf = PhaseFieldParameters(width=width, initial_height=1e-6)
        params = ModelParameters(current_density=300.0, phase_field=pf)
        nx = max(1, int(round(5e-6 / h)))
        pb, sim = pfs.make_run(5e-6, rows, nx, params, 0.02, 0.02, adaptive=False)
        sim.initialise()
        sim.advance(0.1)  # start-up (first factorisations)
        it0, wall0, steps0 = sim.newton.total_iterations, sim.wall_newton, sim.step
        sim.advance(0.1 + 20 * 0.02)
        steps = sim.step - steps0
        per_step = (sim.wall_newton - wall0) / steps
        its = (sim.newton.total_iterations - it0) / steps

        class _Bundle:
            mesh, facet_tags, markers = pb.mesh, pb.facet_tags, {"top": 2}

        base = poisson_baseline(_Bundle, "mumps", 3)["time"]
        n = pb.W.dofmap.index_map.size_global * 3
        print(
            f"| {h * 1e6:g} | {n} | {per_step:.4f} | {base:.4f} | {per_step / base:.2f} | "
            f"{its:.2f} |"
        )


if __name__ == "__main__":
    {"growth": growth, "cost": cost}[sys.argv[1] if len(sys.argv) > 1 else "growth"]()
