"""The effect of converting the separators' measured t+ and conductivity at the concentration
they were measured at (docs/paper-reproduction.md §1b), as one table after ``make paper``.

Reads the comparison.csv of three ``depsim compare`` runs of the same cases:

- A: ``OUT/measured_at_2.5M_dilute`` (dilute, converted at the simulated c0 = 2.5 M: the
  reading before the cases recorded ``separator.measured_at = "1 M"``),
- B: ``OUT`` (the paper cases as they are: dilute, converted at the 1 M of the measurement),
- C: ``OUT/measured_at_1M_concentrated`` (Newman's model, LiPF6 EC:DMC of Landesfeind and
  Gasteiger 2019, t+ read as a Bruce-Vincent current fraction: ASSUMED),

adds the closed-form quantities of each reading (salt D, Hittorf t+0, kappa at c0, diffusion
time, 1D limiting current: dilute closed form or Kirchhoff's integral), and writes
``OUT/inputs.md`` (also printed)::

    python scripts/paper_inputs.py results/paper
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel)

# isort: split

from depsim.case import load_case
from depsim.physics import concentrated as newman
from depsim.physics import electrolyte
from depsim.solver.parameters import ModelParameters

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "pp": ROOT / "cases/paper/pp.toml",
    "pia_homogenised": ROOT / "cases/paper/homogenised/pia.toml",
    "control2_homogenised": ROOT / "cases/paper/homogenised/control2.toml",
    "control3_homogenised": ROOT / "cases/paper/homogenised/control3.toml",
}
READINGS = {
    "A: dilute, at 2.5 M (before)": (
        "measured_at_2.5M_dilute",
        {"separator.measured_at": "2.5 M"},
    ),
    "B: dilute, at 1 M (default)": ("", {}),
    "C: concentrated LG2019, at 1 M": (
        "measured_at_1M_concentrated",
        {
            "electrolyte.model": "concentrated",
            "electrolyte.properties.source": "landesfeind2019-ec-dmc",
            "separator.transference_method": "bruce-vincent",
        },
    ),
}
METRICS = (  # key, label, scale to the printed unit, format
    ("i_cv", "CV of i_n", 1.0, "{:.5f}"),
    ("i_max_over_mean", "i_max / i_mean", 1.0, "{:.5f}"),
    ("c_surface_min_over_c0", "c_s,min / c0", 1.0, "{:.4f}"),
    ("E_t_rms", "E_t rms [V/m]", 1.0, "{:.1f}"),
    ("cell_potential", "cell potential [mV]", 1e3, "{:.2f}"),
)


def closed_forms(path: Path, overrides: dict) -> dict:
    """Salt D [m^2/s], t+0, kappa [mS/cm] at c0, L^2/D [s] and i_lim [mA/cm^2] of a reading."""
    case = load_case(path, overrides=overrides)
    c0, T, L = case.electrolyte.concentration, case.electrolyte.temperature, case.geometry.height
    sep = ModelParameters.from_case(case, mesh_has_separator=False).separator
    if sep.transport is None:
        D = electrolyte.salt_diffusivity(sep.D_cation, sep.D_anion)
        t0, kappa = sep.transference_number, sep.conductivity(c0, T)
        i_lim = electrolyte.limiting_current(sep.D_cation, sep.D_anion, c0, L)
    else:
        tr = sep.transport
        D, t0, kappa = tr.diffusivity(c0, T), tr.transference_number(c0, T), tr.conductivity(c0, T)
        i_lim = newman.limiting_current_kirchhoff(tr.diffusivity, tr.transference_number, c0, L, T)
    return {"D": D, "t0": t0, "kappa": 10 * kappa, "tau": L * L / D, "i_lim": i_lim / 10}


def table(out: Path) -> str:
    runs = {}
    for label, (sub, _) in READINGS.items():
        path = (out / sub if sub else out) / "comparison.csv"
        with path.open() as f:
            runs[label] = {row["name"]: row for row in csv.DictReader(f)}
    lines = ["# The separators' inputs at the concentration they were measured at", ""]
    lines.append("docs/paper-reproduction.md §1b explains the three readings.")
    for name, path in CASES.items():
        if any(name not in rows for rows in runs.values()):
            continue
        forms = {label: closed_forms(path, ov) for label, (_, ov) in READINGS.items()}
        lines += ["", f"## {name}", "", "| quantity | " + " | ".join(READINGS) + " |"]
        lines.append("|---|" + "---:|" * len(READINGS))
        for key, label, fmt in (
            ("D", "salt D at c0 [m²/s]", "{:.3g}"),
            ("t0", "t⁺₀ (Hittorf) [-]", "{:.3f}"),
            ("kappa", "κ_eff at c0 [mS/cm]", "{:.3f}"),
            ("tau", "diffusion time L²/D [s]", "{:.1f}"),
            ("i_lim", "1D limiting current [mA/cm²]", "{:.2f}"),
        ):
            lines.append(
                f"| {label} | " + " | ".join(fmt.format(forms[r][key]) for r in READINGS) + " |"
            )
        for key, label, scale, fmt in METRICS:
            values = [fmt.format(float(runs[r][name][key]) * scale) for r in READINGS]
            lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "results/paper")
    text = table(out)
    (out / "inputs.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
