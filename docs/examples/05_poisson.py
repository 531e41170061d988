# %% [markdown]
# # Poisson mode: a resolved double layer against Gouy–Chapman
#
# With `model.charge = "poisson"` depsim drops electroneutrality: the cation and anion
# concentrations are separate unknowns and the potential obeys Poisson's equation,
#
# $$ -\nabla\cdot(\varepsilon_0 \varepsilon_r \nabla\phi) = F (c_+ - c_-). $$
#
# The diffuse double layer is then resolved. Its thickness is the Debye length
# λ_D = √(ε₀ε_r R T / 2F²c₀): 4.9 nm at 1 mol/m³ and ε_r = 20, but 0.1 nm at the paper's
# 2.5 mol/L, which is why this mode is for dilute electrolytes and nanoscale cells
# (`docs/poisson.md`). The mesh at the Li is refined to λ_D/5 automatically.
#
# We start from `cases/examples/poisson_dilute.toml` (1 mol/m³, a sub-micron cell) and make
# the one problem that has a closed-form answer: a **flat** Li surface carrying a uniform
# surface charge σ, at rest (zero current). In Poisson mode a charged site on the Li becomes
# a surface charge there, so one `[[separator.sites]]` entry with `pattern = "uniform"` charges
# the whole surface. At equilibrium the ions follow Boltzmann, and the 1D Poisson–Boltzmann
# solution is Gouy–Chapman:
#
# $$ \sigma = \sqrt{8 \varepsilon_0 \varepsilon_r R T c_0}\,\sinh\frac{\psi_0}{2 V_T}
#    \quad\text{(Grahame)}, \qquad
#    \psi(y) = 4 V_T\,\mathrm{artanh}\!\left(\tanh\frac{\psi_0}{4V_T}\, e^{-y/\lambda_D}\right), $$
#
# ψ measured from the bulk. The diffuse layer holds the opposite charge,
# F∫(c₊ − c₋) dy = −σ. σ = −5 mC/m² (a Li⁺-attracting, N1-like charge) gives ψ₀ ≈ −3.4 V_T.
# To run the unmodified case (a sine surface under a small plating current):
# `depsim run cases/examples/poisson_dilute.toml`.

# %%
import math
import os
from pathlib import Path

import numpy as np

import depsim
from depsim.physics.constants import FARADAY, GAS_CONSTANT, VACUUM_PERMITTIVITY
from depsim.plots import read_last_fields

# isort: split
from matplotlib.figure import Figure

SMALL = os.environ.get("DEPSIM_EXAMPLE_SMALL", "") not in ("", "0")
OUT = Path(os.environ.get("DEPSIM_EXAMPLE_OUT", "results/examples/poisson"))
CASES = Path(depsim.__file__).resolve().parent.parent / "cases"

sigma = -5e-3  # C/m^2
overrides = {
    "geometry.electrode.roughness": "flat",
    "geometry.width": "0.1 um",  # 20 lambda_D wide, 30 lambda_D high: the bulk is reached
    "geometry.height": "0.15 um",
    "geometry.mesh.size": "0.02 um",
    "operation.current_density": 0.0,
    "separator.sites": [{"name": "sigma", "surface_charge": sigma, "pattern": "uniform"}],
    "time.end": "10 us",
    "output.formats": ["xdmf"],  # the field file is read back below
}
if not SMALL:
    overrides["geometry.mesh.electrode_size"] = "0.5 nm"  # lambda_D / 10: P1 error / 4

# %% [markdown]
# ## The run
#
# The run starts from the Poisson–Boltzmann equilibrium with the reservoir (that is how
# depsim initialises Poisson mode) and stays there, since no current flows.

# %%
case = depsim.load_case(CASES / "examples/poisson_dilute.toml", overrides=overrides)
result = depsim.run(case, out_dir=OUT, quiet=True)
m = result.metrics

el = case.electrolyte
c0, T = el.concentration, el.temperature
V_T = GAS_CONSTANT * T / FARADAY
eps = VACUUM_PERMITTIVITY * el.relative_permittivity
lam = math.sqrt(eps * GAS_CONSTANT * T / (2 * FARADAY**2 * c0))
psi0_theory = 2 * V_T * math.asinh(sigma / math.sqrt(8 * eps * GAS_CONSTANT * T * c0))
print(f"Debye length          {1e9 * lam:.3f} nm")
print(f"mesh                  {m['cells']} cells, h_min = {1e9 * m['h_min']:.3f} nm")
print(f"net current at the Li {m['i_mean']:.1e} A/m^2")

# %% [markdown]
# ## Reading the fields back
#
# `fields.xdmf` holds the nodal fields; `depsim.plots.read_last_fields` returns the points,
# triangles and values of the last step. `phi` is the electrolyte potential with the Li at
# 0 V, so the potential across the diffuse layer is ψ = φ − φ_bulk, with φ_bulk at the top.

# %%
t, points, triangles, fields = read_last_fields(OUT, names=("phi", "c_cation", "c_anion"))
y = points[:, 1]
phi = fields["phi"]
top = y > y.max() - 1e-12
psi = phi - phi[top].mean()
psi0 = psi[y < 1e-12].mean()
profile = 4 * V_T * np.arctanh(math.tanh(psi0_theory / (4 * V_T)) * np.exp(-y / lam))
profile_err = np.abs(psi - profile).max() / abs(psi0_theory)

# Charge of the diffuse layer per unit area: integrate F (c+ - c-) over the triangles
# (P1: the mean of the vertex values times the area), divide by the width.
p = points[triangles][:, :, :2]
area = 0.5 * np.abs(
    (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
    - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1])
)
rho = FARADAY * (fields["c_cation"] - fields["c_anion"])
q_layer = (area * rho[triangles].mean(axis=1)).sum() / case.geometry.width

print(f"psi_0                 {psi0 / V_T:.5f} V_T (depsim), {psi0_theory / V_T:.5f} V_T (Grahame)")
print(f"profile, max error    {profile_err:.2e} of |psi_0| (Gouy-Chapman tanh law)")
print(f"layer charge          {q_layer:.5e} C/m^2 (depsim), {-sigma:.5e} C/m^2 (= -sigma)")
print(
    f"surface c+/c0         {fields['c_cation'][y < 1e-12].mean() / c0:.3f} "
    f"(Boltzmann: {math.exp(-psi0_theory / V_T):.3f})"
)

# %% [markdown]
# ## What must hold
#
# P1 elements of λ_D/5 put ψ₀ within about 0.5 % (docs/poisson.md: second order in h), the
# profile within about 1 %, and the nodal integration of the charge within a few per cent.

# %%
assert abs(psi0 / psi0_theory - 1) < 0.02, (psi0, psi0_theory)
assert profile_err < 0.03, profile_err
assert abs(q_layer / -sigma - 1) < 0.05, (q_layer, sigma)
assert abs(m["i_mean"]) < 1e-9

fig = Figure(figsize=(5, 3.5))
ax = fig.subplots()
order = np.argsort(y)
ax.plot(1e9 * y[order], psi[order] / V_T, ".", ms=3, label="depsim (nodes)")
yy = np.linspace(0, y.max(), 400)
gc = 4 * np.arctanh(math.tanh(psi0_theory / (4 * V_T)) * np.exp(-yy / lam))
ax.plot(1e9 * yy, gc, "k-", lw=1, label="Gouy–Chapman")
ax.set_xlim(0, 8 * 1e9 * lam)
ax.set_xlabel("distance from the Li (nm)")
ax.set_ylabel("ψ / V_T")
ax.legend()
fig.tight_layout()
fig.savefig(OUT / "double_layer.png", dpi=120)
print(f"figure: {OUT / 'double_layer.png'}")
print("EXAMPLE OK")
