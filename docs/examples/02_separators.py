# %% [markdown]
# # Two separators side by side: PP against PIA
#
# Ding et al. (PNAS 2023) compare a polypropylene separator (PP) with a polyimine aerogel
# (PIA). The PIA has a higher Li⁺ transference number t⁺ and conductivity, and charged N1/N2
# sites at its face. depsim's materials library holds the measured values with their source,
# and a case picks a material with `[separator] material = "PIA"`.
#
# This example prints the two library entries, runs the paper's two cells
# (`cases/paper/pp.toml`, `cases/paper/pia.toml`: a 10 µm × 8 µm electrolyte-filled separator on
# a rough Li surface, 0.5 mA/cm² plating) through `depsim.compare.compare_cases` — the Python
# side of `depsim compare` — and prints a small table of what differs.

# %%
import os
from pathlib import Path

import depsim
from depsim.compare import compare_cases
from depsim.materials import get_material

SMALL = os.environ.get("DEPSIM_EXAMPLE_SMALL", "") not in ("", "0")
OUT = Path(os.environ.get("DEPSIM_EXAMPLE_OUT", "results/examples/separators"))
CASES = Path(depsim.__file__).resolve().parent.parent / "cases"

# %% [markdown]
# ## The materials library
#
# Each value carries its source; values that no paper gives are marked as assumed.

# %%
for name in ("PP", "PIA"):
    mat = get_material(name)
    for key in ("transference_number", "conductivity", "exchange_current_density", "porosity"):
        v = mat.values[key]
        print(f"{name:4s} {key:26s} {v.text:14s} {'(assumed)' if v.assumed else v.source}")

# %% [markdown]
# ## Running both cells
#
# The paper cells use a fine mesh at the Li and run 120 s. The small size for the tests keeps
# the electrode elements fine enough for the 1 µm site pattern of PIA but runs only 0.5 s.
# `compare_cases` runs each case into `OUT/<case name>` (a finished run with the same case
# hash is reused), then writes `comparison.md`, `comparison.csv` and three figures into `OUT`.

# %%
if SMALL:
    overrides = {
        "geometry.mesh.size": "2 um",
        "geometry.mesh.electrode_size": "0.125 um",
        "geometry.mesh.grading_distance": "1 um",
        "time.end": "0.5 s",
        "output.formats": [],
    }
else:
    overrides = {"time.end": "20 s"}
cases = [depsim.load_case(CASES / f"paper/{n}.toml", overrides=overrides) for n in ("pp", "pia")]
result = compare_cases(cases, out_dir=OUT)
rows = {r["name"]: r for r in result.table}
pp, pia = rows["pp"], rows["pia"]

# %% [markdown]
# ## The table
#
# `separator t⁺` and `κ` are *virtual measurements*: depsim simulates a Hittorf and a
# conductivity experiment on the separator as it is modelled, so they check that the
# case's transport parameters reproduce the measured values. The rest are the interface
# metrics at the last time: the minimum surface concentration, the rms tangential field along
# the Li and the non-uniformity of the plating current.

# %%
table = [
    ("separator t+ (simulated)", "separator_transference_number", 1.0, ".4f"),
    ("separator kappa (mS/cm)", "separator_conductivity", 10.0, ".4g"),
    ("cell potential (mV)", "cell_potential", 1e3, ".4g"),
    ("min c_s / c0", "c_surface_min_over_c0", 1.0, ".5f"),
    ("rms E_t at the Li (V/m)", "E_t_rms", 1.0, ".4g"),
    ("i_max / i_mean", "i_max_over_mean", 1.0, ".4f"),
    ("CV of i_n", "i_cv", 1.0, ".3g"),
]
header = f"t = {pp['t_end']:g} s"
print(f"\n{header:28s} {'PP':>10s} {'PIA':>10s}")
for label, key, scale, fmt in table:
    print(f"{label:28s} {format(pp[key] * scale, fmt):>10s} {format(pia[key] * scale, fmt):>10s}")
print(f"\ntable and figures: {result.output_dir} ({', '.join(f.name for f in result.figures)})")

# %% [markdown]
# ## What must hold
#
# * The simulated t⁺ of each separator is the library's value; its conductivity is the library's
#   scaled from the 1 M it was measured at to the simulated 2.5 M (κ ∝ c in a dilute salt;
#   `depsim materials`, column "measured in").
# * PIA's t⁺ is twice PP's. With more of the current carried by Li⁺, less salt has to diffuse
#   to the surface: PIA's surface concentration stays closer to c₀ and its tangential field
#   along the Li is weaker; with four times the conductivity its cell potential is lower.
# * The N1/N2 sites of PIA change the local exchange current density (Frumkin correction,
#   ×1.67 on N1, ×0.60 on N2), so PIA's plating current is *less* uniform than PP's in this
#   model — see `docs/paper-reproduction.md` for how that compares with the paper.

# %%
for row, name in ((pp, "PP"), (pia, "PIA")):
    mat = get_material(name)
    t_lib = mat.values["transference_number"].value
    c_m = mat.values["measured_at"].value  # 1 M: the conductivity's measurement
    k_sim = mat.values["conductivity"].value * 2500.0 / c_m  # dilute: kappa ~ c, at c0 = 2.5 M
    assert abs(row["separator_transference_number"] - t_lib) < 1e-6, (name, row)
    assert abs(row["separator_conductivity"] / k_sim - 1) < 1e-6, (name, row)
    assert row["status"] == "finished"
assert pia["separator_transference_number"] > pp["separator_transference_number"]
assert pia["c_surface_min_over_c0"] > pp["c_surface_min_over_c0"]
assert pia["E_t_rms"] < pp["E_t_rms"]
assert pia["cell_potential"] < pp["cell_potential"]
assert pia["i_cv"] > pp["i_cv"]
print("EXAMPLE OK")
