# %% [markdown]
# # A first run: a flat Li | electrolyte cell under galvanostatic plating
#
# The smallest useful depsim run. A flat Li electrode sits at the bottom of a 10 µm × 8 µm
# cell of binary salt electrolyte (2.5 mol/L, D₊ = 1e-10 m²/s, D₋ = 1.5e-10 m²/s); the top is a
# reservoir at the bulk concentration. A constant current of 0.5 mA/cm² plates Li on the
# bottom, and the cell potential V (top relative to the Li) is a global unknown that the
# solver adjusts so that the Butler–Volmer current equals the applied current.
#
# The case file is `cases/examples/flat_galvanostatic.toml`; `depsim check` prints every key
# with its default. Here we load it from Python and change a few keys through `overrides`,
# exactly like `--set KEY=VALUE` on the command line.
#
# Run it from the repository root:
#
# ```bash
# python docs/examples/01_first_run.py            # normal size
# DEPSIM_EXAMPLE_SMALL=1 python docs/examples/01_first_run.py   # tiny, for the tests
# mpirun -n 2 python docs/examples/01_first_run.py   # the same numbers on 2 ranks
# ```

# %%
import math
import os
from pathlib import Path

import depsim  # import depsim before mpi4py and dolfinx: it loads the wheel's MPI

# isort: split
from matplotlib.figure import Figure
from mpi4py import MPI

from depsim.physics.constants import FARADAY, GAS_CONSTANT

SMALL = os.environ.get("DEPSIM_EXAMPLE_SMALL", "") not in ("", "0")
OUT = Path(os.environ.get("DEPSIM_EXAMPLE_OUT", "results/examples/first_run"))
CASES = Path(depsim.__file__).resolve().parent.parent / "cases"
RANK0 = MPI.COMM_WORLD.rank == 0


def say(*args):
    """Print on rank 0 only (every rank runs this script under mpirun)."""
    if RANK0:
        print(*args, flush=True)


# Small size for the tests: a coarse mesh, a short run, no field files.
small = {
    "geometry.mesh.size": "2 um",
    "geometry.mesh.electrode_size": "1 um",
    "time.end": "0.2 s",
    "output.formats": [],
}
overrides = small if SMALL else {"time.end": "1 s"}

# %% [markdown]
# ## The transient run
#
# `depsim.load_case` reads and validates the case (units become SI), `depsim.run` runs it and
# writes the output folder (`metrics.json`, `interface.csv`, fields, checkpoint, log). The
# returned `result.metrics` holds the values at the last output time and their time series.

# %%
case = depsim.load_case(CASES / "examples/flat_galvanostatic.toml", overrides=overrides)
result = depsim.run(case, out_dir=OUT / "transient", quiet=True)
m = result.metrics

i_app = case.operation.current_density  # A/m^2, > 0 plates Li
say(f"applied current density   {i_app:.6g} A/m^2")
say(f"mean plating current i_mean {m['i_mean']:.10g} A/m^2 at t = {m['t']:.3g} s")
say(f"cell potential            {1e3 * m['cell_potential']:.6f} mV")
say(f"charge balance error      {m['charge_balance_error']:.2e}")
say(f"time steps / Newton its   {m['steps']} / {m['newton_iterations']}")

# %% [markdown]
# On a flat electrode the plating current is uniform, so its mean along the surface must be
# the applied current density, and the charge that went through the electrode must equal the
# applied charge.

# %%
assert abs(m["i_mean"] - i_app) <= 1e-6 * i_app, (m["i_mean"], i_app)
assert m["i_max_over_mean"] < 1 + 1e-4, m["i_max_over_mean"]
assert m["charge_balance_error"] < 1e-8, m["charge_balance_error"]

# %% [markdown]
# ## At t = 0: kinetics plus Ohm's law
#
# The run starts from the uniform concentration c₀. There the electrolyte is an ohmic
# conductor, κ = F² c₀ (D₊ + D₋) / (R T) (Nernst–Einstein), and Butler–Volmer at c = c₀
# inverts to η = −2 V_T asinh(i / 2i₀). The first output (t = 0, written after the
# consistent initialisation of the potential) must be V(0) = 2 V_T asinh(i / 2i₀) + i L / κ.

# %%
el = case.electrolyte
c0, T = el.concentration, el.temperature
V_T = GAS_CONSTANT * T / FARADAY
i0 = case.electrode.exchange_current_density
L = case.geometry.height
kappa = FARADAY**2 * c0 * (el.D_cation + el.D_anion) / (GAS_CONSTANT * T)
V0_theory = 2 * V_T * math.asinh(i_app / (2 * i0)) + i_app * L / kappa
V0 = m["time_series"]["cell_potential"][0]
say(f"V(t = 0)                  {1e3 * V0:.9f} mV (depsim)")
say(f"                          {1e3 * V0_theory:.9f} mV (kinetics + ohmic drop)")
assert m["time_series"]["t"][0] == 0.0
assert abs(V0 / V0_theory - 1) < 1e-8, (V0, V0_theory)

# %% [markdown]
# ## The steady state has a closed form
#
# At steady state the anion does not move (it is blocked at the Li), so
# N₋ = −D₋ (∇c − c ∇φ/V_T) = 0 gives c ∝ exp(φ/V_T), and the cation flux becomes
# N₊ = −2 D₊ ∇c: the concentration is linear,
#
# $$ c_s = c_0 \left(1 - \frac{i}{i_\mathrm{lim}}\right), \qquad
#    i_\mathrm{lim} = \frac{2 F D_+ c_0}{L}, $$
#
# and the electrolyte potential drops by V_T ln(c₀/c_s) across the cell. At the Li the
# concentration-dependent Butler–Volmer law (α_a = α_c = ½, U = 0 at c₀)
#
# $$ -i = i_0 \left[e^{\eta/2V_T} - \frac{c_s}{c_0} e^{-\eta/2V_T}\right] $$
#
# is a quadratic in e^{η/2V_T}. The cell potential is V = −η + V_T ln(c₀/c_s).
# depsim solves the steady state directly with `time.steady = true`.

# %%
i_lim = 2 * FARADAY * el.D_cation * c0 / L
c_s = c0 * (1 - i_app / i_lim)
y = (-i_app + math.sqrt(i_app**2 + 4 * i0**2 * c_s / c0)) / (2 * i0)  # e^(eta / 2 V_T)
eta = 2 * V_T * math.log(y)
V_theory = -eta + V_T * math.log(c0 / c_s)

steady_case = depsim.load_case(
    CASES / "examples/flat_galvanostatic.toml", overrides={**overrides, "time.steady": True}
)
steady = depsim.run(steady_case, out_dir=OUT / "steady", quiet=True).metrics

say(f"i / i_lim                 {i_app / i_lim:.3e}")
say(f"steady cell potential     {1e3 * steady['cell_potential']:.9f} mV (depsim)")
say(f"                          {1e3 * V_theory:.9f} mV (closed form)")
say(f"surface concentration     {steady['c_surface_min']:.6f} (depsim), {c_s:.6f} mol/m^3")
rel = abs(steady["cell_potential"] / V_theory - 1)
say(f"relative difference       {rel:.1e}")
assert rel < 1e-8, rel
assert abs(steady["c_surface_min"] / c_s - 1) < 1e-8

# %% [markdown]
# The transient run approaches this value: the diffusion time L²/D of the cell is about
# 0.5 s, and the cell potential rises from the purely kinetic and ohmic value at t = 0 as
# the concentration polarisation builds up.

# %%
ts = m["time_series"]
if RANK0:  # Figure (not pyplot): renders PNG with Agg, no display needed
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    ax.plot(ts["t"], [1e3 * v for v in ts["cell_potential"]], "o-", label="depsim, transient")
    ax.axhline(1e3 * V_theory, color="k", ls="--", label="steady state, closed form")
    ax.axhline(1e3 * V0_theory, color="gray", ls=":", label="t = 0, kinetics + ohmic")
    ax.set_xlabel("t (s)")
    ax.set_ylabel("cell potential (mV)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "cell_potential.png", dpi=120)
    say(f"figure: {OUT / 'cell_potential.png'}")

# The key numbers, in a form the tests compare between serial and mpirun -n 2.
say(f"KEY cell_potential {m['cell_potential']:.15e}")
say(f"KEY steady_cell_potential {steady['cell_potential']:.15e}")
say("EXAMPLE OK")
