# %% [markdown]
# # A parameter sweep: how fast kinetics spoil the current distribution
#
# On a rough Li surface the tips are closer to the reservoir than the valleys, so the
# electrolyte's resistance favours the tips. Slow kinetics (a small exchange current density
# i₀) add a large charge-transfer resistance that is the same everywhere and evens the current
# out. The ratio of the two is the Wagner number
#
# $$ \mathrm{Wa} = \frac{\kappa}{\ell}\,\frac{\partial \eta}{\partial i}, \qquad
#    \frac{\partial \eta}{\partial i} = \frac{V_T}{i_0 \sqrt{1 + (i / 2 i_0)^2}} $$
#
# (Butler–Volmer with α_a = α_c = ½ at c₀, ℓ the roughness amplitude). A large Wa means a
# uniform current; raising i₀ lowers Wa and the current becomes less uniform.
#
# This example sweeps i₀ with `depsim.sweep.run_sweep` — the Python side of
# `depsim sweep CASE --vary electrode.exchange_current_density=START:STOP:N` — on the cell of
# `cases/examples/bumps_potentiostatic.toml` (three 0.5 µm bumps, an electrolyte with the
# PP separator's t⁺ = 0.39 and κ = 0.23 mS/cm), switched to 1 mA/cm² galvanostatic and solved
# directly for the steady state.

# %%
import math
import os
from pathlib import Path

import depsim
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.sweep import run_sweep

# isort: split
from matplotlib.figure import Figure

SMALL = os.environ.get("DEPSIM_EXAMPLE_SMALL", "") not in ("", "0")
OUT = Path(os.environ.get("DEPSIM_EXAMPLE_OUT", "results/examples/sweep"))
CASES = Path(depsim.__file__).resolve().parent.parent / "cases"

# %% [markdown]
# ## The case and the sweep
#
# The sweep values are SI (A/m², here 0.1 to 10 mA/cm²). Each grid point is the case with
# the point's value set and validated again; point `X` runs in `OUT/X`.

# %%
overrides = {
    "operation.mode": "galvanostatic",
    "operation.current_density": "1 mA/cm^2",
    "time.steady": True,
}
if SMALL:
    overrides |= {
        "geometry.mesh.size": "1 um",
        "geometry.mesh.electrode_size": "0.2 um",
        "output.formats": [],
    }
    n_points = 3
else:
    n_points = 6
KEY = "electrode.exchange_current_density"
case = depsim.load_case(CASES / "examples/bumps_potentiostatic.toml", overrides=overrides)
sweep = run_sweep(case, [(KEY, 1.0, 100.0, n_points)], out_dir=OUT)

# %% [markdown]
# ## Metrics against the parameter
#
# `sweep.table` has one row per point: the varied value (SI), the status and the metrics of
# the last output time — the columns of `sweep.csv`.

# %%
el = case.electrolyte
V_T = GAS_CONSTANT * el.temperature / FARADAY
kappa = el.conductivity  # S/m; D+ and D- follow from it and t+ (Nernst-Einstein)
i_app = case.operation.current_density
ell = case.geometry.electrode.amplitude

print(f"{'i0 (mA/cm2)':>12s} {'Wa':>8s} {'V (mV)':>9s} {'i_max/i_mean':>13s} {'CV of i_n':>10s}")
wagner = []
for row in sweep.table:
    i0 = row[KEY]
    wa = kappa / ell * V_T / (i0 * math.sqrt(1 + (i_app / (2 * i0)) ** 2))
    wagner.append(wa)
    print(
        f"{0.1 * i0:12.3g} {wa:8.3g} {1e3 * row['cell_potential']:9.4f} "
        f"{row['i_max_over_mean']:13.6f} {row['i_cv']:10.3e}"
    )
print(f"sweep.csv and sweep.png in {sweep.output_dir}")

# %% [markdown]
# ## What must hold
#
# Faster kinetics need less overpotential, so the cell potential falls with i₀; the Wagner
# number falls too, and the current concentrates at the bump tips: the coefficient of
# variation of the plating current rises. For Wa ≫ 1 (a nearly uniform, secondary current
# distribution) the CV scales roughly as 1/Wa; the figure shows it against Wa.

# %%
assert not sweep.failed, sweep.failed
V = [r["cell_potential"] for r in sweep.table]
cv = [r["i_cv"] for r in sweep.table]
assert all(a > b for a, b in zip(V, V[1:], strict=False)), V
assert all(a < b for a, b in zip(cv, cv[1:], strict=False)), cv
assert all(r["i_max_over_mean"] > 1 for r in sweep.table)

fig = Figure(figsize=(5, 3.5))
ax = fig.subplots()
ax.loglog(wagner, cv, "o-", label="depsim")
ax.loglog(wagner, [cv[-1] * wagner[-1] / w for w in wagner], "k--", label="∝ 1 / Wa")
ax.tick_params(which="minor", labelbottom=False, labelleft=False)
ax.legend()
ax.set_xlabel("Wagner number Wa")
ax.set_ylabel("CV of the plating current")
fig.tight_layout()
fig.savefig(OUT / "cv_vs_wagner.png", dpi=120)
print(f"figure: {OUT / 'cv_vs_wagner.png'}")
print("EXAMPLE OK")
