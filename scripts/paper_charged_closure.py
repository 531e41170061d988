"""Print the charged-matrix closure of PIA's N1/N2 sites (depsim.physics.site_chemistry) and the
case-file values of cases/paper/charged/ that follow from it (docs/paper-reproduction.md §6).

    python scripts/paper_charged_closure.py                 # fitted at 1 M, simulated at 2.5 M
    python scripts/paper_charged_closure.py --measured-at 0 # fitted at c0 (the reading before)
"""

from __future__ import annotations

import argparse

from depsim.physics import site_chemistry as sc
from depsim.physics.constants import FARADAY, thermal_voltage


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c0", type=float, default=2500.0, help="simulated bulk c [mol/m^3]")
    ap.add_argument(
        "--measured-at",
        type=float,
        default=1000.0,
        help="concentration of the t+/kappa measurements [mol/m^3] (0: at c0)",
    )
    ap.add_argument("--skeleton-density", type=float, default=1200.0, help="ASSUMED [kg/m^3]")
    args = ap.parse_args(argv)
    c0, eps, bru = args.c0, 0.78, 1.5
    c_m = args.measured_at or c0
    cl = sc.closure(c0=c0, c_measured=c_m, skeleton_density=args.skeleton_density)
    u = sc.PIA_REPEAT_UNIT
    print(f"repeat unit {u.name}: N1 = {u.n1}, N2 = {u.n2}, M = {u.molar_mass * 1e3:.2f} g/mol")
    print(f"pore liquid D+_eff = {cl.D_cation_eff:.4e}, D-_eff = {cl.D_anion_eff:.4e} m^2/s")
    print(
        f"  case [electrolyte] (Bruggeman {bru}, porosity {eps}): "
        f'D_cation = "{cl.D_cation_eff / eps**bru:.5g} m^2/s", '
        f'D_anion = "{cl.D_anion_eff / eps**bru:.5g} m^2/s"'
    )
    kap0 = FARADAY * (cl.D_cation_eff + cl.D_anion_eff) * c0 / thermal_voltage(298.15)
    print(f"  uncharged matrix (X = 0) at c0: kappa = {kap0 * 10:.4g} mS/cm, t+ = 0.39")
    print(
        f"fitted at {c_m:g} mol/m^3: X_PIA = {cl.X_pia:.5g} mol/m^3 = {cl.X_pia / c_m:.4f} c_m "
        f"= {cl.X_pia / c0:.4f} c0; "
        f"{cl.units_per_pore:.1f} mol of repeat units per m^3 pore "
        f"(skeleton {args.skeleton_density} kg/m^3)"
        f" -> q(N1) = {cl.q_n1:+.3f} e, q(N2) = {cl.q_n2:+.3f} e per site"
    )
    print(f"t+ ceiling of the counts (every N1 at -1 e) at c_m: {sc.hittorf_ceiling(c_m):.3f}")
    print(
        "| separator | z per unit | X / c0 | fixed_charge [C/m^3] | t+ at c_m | kappa at c_m "
        "[mS/cm] | t+ at c0 | kappa at c0 [mS/cm] | i0_ref |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in cl.materials.values():
        print(
            f"| {m.name} | {m.z:+.2f} k | {m.X / c0:+.4f} | {m.rho_fix:.5g} "
            f"| {m.t_plus_measured:.4f} | {m.conductivity_measured * 10:.4g} | {m.t_plus:.4f} "
            f"| {m.conductivity * 10:.4g} | {m.i0_reference * 0.1:.4g} mA/cm^2 |"
        )


if __name__ == "__main__":
    main()
