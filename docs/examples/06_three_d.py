# %% [markdown]
# # A 3D cell: a single Li bump under a steady plating current
#
# Everything in depsim runs in 3D as well: `geometry.dimension = 3` turns the interface cell
# into a box of width × depth × height (tetrahedra), with the Li at the bottom. The case keys
# are the same as in 2D; `geometry.electrode` shapes the surface in both directions.
#
# Two steady states, solved directly (`time.steady = true`), on a 4 × 4 × 4 µm box built
# from `cases/examples/flat_galvanostatic.toml`:
#
# 1. **flat Li** at 0.5 mA/cm²: the problem is one-dimensional, and the cell potential must
#    equal the closed form of the first example (`01_first_run.py`) with L = 4 µm;
# 2. **one bump** (1 µm high) at 50 mA/cm²: the bump's tip is closer to the reservoir, so it
#    draws more than the mean current.

# %%
import math
import os
from pathlib import Path

import numpy as np

import depsim
from depsim.physics.constants import FARADAY, GAS_CONSTANT
from depsim.plots import last_interface

# isort: split
from matplotlib.figure import Figure

SMALL = os.environ.get("DEPSIM_EXAMPLE_SMALL", "") not in ("", "0")
OUT = Path(os.environ.get("DEPSIM_EXAMPLE_OUT", "results/examples/three_d"))
CASES = Path(depsim.__file__).resolve().parent.parent / "cases"

box = {
    "geometry.dimension": 3,
    "geometry.width": "4 um",
    "geometry.depth": "4 um",
    "geometry.height": "4 um",
    "time.steady": True,
}
if SMALL:
    box |= {
        "geometry.mesh.size": "1 um",
        "geometry.mesh.electrode_size": "0.4 um",
        "output.formats": [],
    }
else:
    box |= {"geometry.mesh.size": "0.5 um", "geometry.mesh.electrode_size": "0.15 um"}
source = CASES / "examples/flat_galvanostatic.toml"

# %% [markdown]
# ## 1. Flat Li: the 1D closed form in 3D
#
# c_s = c₀(1 − i/i_lim) with i_lim = 2FD₊c₀/L, η from the concentration-dependent
# Butler–Volmer law, V = −η + V_T ln(c₀/c_s) (derivation in `01_first_run.py`).

# %%
flat_case = depsim.load_case(source, overrides=box)
flat = depsim.run(flat_case, out_dir=OUT / "flat", quiet=True).metrics

el = flat_case.electrolyte
c0 = el.concentration
V_T = GAS_CONSTANT * el.temperature / FARADAY
i = flat_case.operation.current_density
i0 = flat_case.electrode.exchange_current_density
c_s = c0 * (1 - i * flat_case.geometry.height / (2 * FARADAY * el.D_cation * c0))
y = (-i + math.sqrt(i**2 + 4 * i0**2 * c_s / c0)) / (2 * i0)
V_theory = -2 * V_T * math.log(y) + V_T * math.log(c0 / c_s)

print(f"flat: {flat['cells']} tetrahedra, {flat['dofs']} dofs")
print(
    f"flat: cell potential {1e3 * flat['cell_potential']:.9f} mV (depsim), "
    f"{1e3 * V_theory:.9f} mV (closed form)"
)
print(
    f"flat: i_mean {flat['i_mean']:.10g} A/m^2 (applied {i:g}), i_max/i_mean - 1 = "
    f"{flat['i_max_over_mean'] - 1:.1e}"
)
assert abs(flat["cell_potential"] / V_theory - 1) < 1e-8
assert abs(flat["i_mean"] / i - 1) < 1e-6
assert abs(flat["i_max_over_mean"] - 1) < 1e-6

# %% [markdown]
# ## 2. One bump
#
# `roughness = "bumps"` with `count = 1` puts one smooth bump in the middle of the surface.
# The mean plating current over the (larger) bumpy surface is below the applied current per
# projected area, while the total charge through the electrode per projected area is the
# applied current.

# %%
bump_case = depsim.load_case(
    source,
    overrides=box
    | {
        "geometry.electrode.roughness": "bumps",
        "geometry.electrode.count": 1,
        "geometry.electrode.amplitude": "1 um",
        "geometry.electrode.bump_width": "1.5 um",
        "operation.current_density": "50 mA/cm^2",
    },
)
result = depsim.run(bump_case, out_dir=OUT / "bump", quiet=True)
bump = result.metrics
i_b = bump_case.operation.current_density
print(f"bump: {bump['cells']} tetrahedra, {bump['dofs']} dofs")
print(
    f"bump: applied {0.1 * i_b:g} mA/cm^2, mean over the surface "
    f"{0.1 * bump['i_mean']:.4f} mA/cm^2, charge per projected area "
    f"{0.1 * bump['current_mean_fe']:.6f} mA/cm^2"
)
print(
    f"bump: i_max/i_mean {bump['i_max_over_mean']:.4f}, CV {bump['i_cv']:.3e}, "
    f"min c_s/c0 {bump['c_surface_min_over_c0']:.4f}"
)

# %% [markdown]
# `interface.csv` holds the plating current at every Li vertex. Against the height of the
# vertex it shows the tip effect: the higher, the more current.

# %%
_, surf = last_interface(result.output_dir)
corr = np.corrcoef(surf["y"], surf["i_n"])[0, 1]
tip = surf["i_n"][np.argmax(surf["y"])]
print(
    f"bump: i_n at the highest vertex / i_mean = {tip / bump['i_mean']:.4f}; "
    f"correlation of i_n with height {corr:.3f}"
)

assert abs(bump["current_mean_fe"] / i_b - 1) < 1e-8
assert bump["i_mean"] < i_b  # the surface is larger than its projection
assert bump["i_max_over_mean"] > 1.005
assert tip > bump["i_mean"] and corr > 0.8

fig = Figure(figsize=(5, 3.5))
ax = fig.subplots()
ax.plot(1e6 * surf["y"], 0.1 * surf["i_n"], ".")
ax.axhline(0.1 * bump["i_mean"], color="k", ls="--", label="mean")
ax.set_xlabel("height of the Li vertex (µm)")
ax.set_ylabel("plating current (mA/cm²)")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "bump_current.png", dpi=120)
print(f"figure: {OUT / 'bump_current.png'}")
print("EXAMPLE OK")
