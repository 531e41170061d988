"""PIA's N1/N2 sites as a homogenised fixed charge of the separator matrix (a priori chemistry).

Ding et al., Proc. Natl. Acad. Sci. U.S.A. 120, e2314264120 (2023), doi:10.1073/pnas.2314264120
build the polyimine aerogel (PIA) by aldimine condensation of 1,3,5-tris(p-formylphenyl)benzene
(TFPB, three CHO) with tris(2-aminoethyl)amine (TREN, three NH2 and one tertiary N). The N1 sites
are the imine N (C=N), the N2 sites the protonated tertiary amine N. The sites sit about a
nanometre apart, far below every transport length of the 10 um cell, so here they are
homogenised into a volumetric fixed charge X [mol/m^3 of pore liquid] of the matrix, which
depsim's electroneutral Teorell–Meyer–Sievers (Donnan) separator model already carries
(docs/separators.md §3).

**Counts per repeat unit** (:data:`PIA_REPEAT_UNIT`). Complete condensation (the paper's FT-IR:
the C=O band vanishes) at the stoichiometric ratio TFPB : TREN = 1 : 1 (3 CHO : 3 NH2; ASSUMED
stoichiometric, the paper gives no feed ratio in the main text) gives per repeat unit
C27H18O3 + C6H18N4 - 3 H2O = C33H30N4, M = 482.6 g/mol, with **3 N1** (every NH2 became an
imine) and **1 N2** (TREN's tertiary N).

**Charge per site** (:data:`ADSORPTION_ENERGY_RATIO`). Signs from the paper: N1 is "negatively
charged" (high electron-cloud density, ESP red, attracts Li+), N2 positively charged
(protonated, repels Li+). Magnitudes: ASSUMED proportional to the paper's DFT Li adsorption
energies, q1 : q2 = -0.65 : +0.28 (eV), q_i = k E_i [e], with one overall scale k [e/eV]. The
formal-charge alternative (N1 neutral, N2 +1) is kept as :data:`FORMAL_CHARGES`: it makes the
matrix cationic and cannot reproduce t+ > t+ of the liquid at any scale.

**Closure** (:func:`closure`). The scale k (equivalently X_PIA) is fixed by the one measured
number that depends on it, PIA's t+ = 0.78 (Hittorf, ideal Donnan at the concentration c_m it was
measured at, the paper's 1 M LiPF6): with the pore liquid's D+/D- from the uncharged PP
separator's measured t+ = 0.39, X = c_m (1/sqrt(r) - sqrt(r)), r = t/(1-t) D-/D+. PIA's
kappa = 0.92 mS/cm at c_m then fixes the magnitude of the effective pore diffusivities:
kappa = F^2 (D+ c+ + D- c-)/RT. The fixed charge and the diffusivities are properties of the
matrix and the liquid, so they carry over to the simulated bulk c0; t+ and kappa there follow
from the Donnan state at c0 (at c0 = 2.5 M: less exclusion, t+ below 0.78). Controls 2 (N1
only) and 3 (N2 only) take the same counts without the other site: X_c = X_PIA z_c / z_PIA, no
new fitted number.

**Exchange current.** The measured i0 of the PIA cell is the pore liquid's; depsim's Butler–Volmer
in a charged region scales the reference i0 by (c+/c0)^alpha_a = exp(-alpha_a zeta) (this is the
averaged Frumkin factor of the sites: the Donnan potential zeta V_T is their mean potential at
the Li face), so the reference i0 is i0_measured exp(alpha_a zeta_PIA) with zeta_PIA at the c_m
of the measurement; the controls take PIA's reference i0. (As on the Nernst-Einstein route, the
measured i0 is the liquid's value at the simulated c0: its own concentration dependence is not
converted.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from depsim.physics import separator as sep
from depsim.physics.constants import FARADAY, thermal_voltage

__all__ = [
    "ADSORPTION_ENERGY_RATIO",
    "FORMAL_CHARGES",
    "PIA_REPEAT_UNIT",
    "TFPB",
    "TREN",
    "ChargedMatrix",
    "Closure",
    "RepeatUnit",
    "closure",
    "donnan_state",
    "fixed_charge_of_counts",
    "hittorf_ceiling",
    "molar_mass",
    "site_density",
]

#: Molar masses [g/mol] (IUPAC standard atomic weights C 12.011, H 1.008, N 14.007, O 15.999).
_ATOMIC = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999}


def molar_mass(formula: dict[str, int]) -> float:
    """Molar mass [kg/mol] of ``formula`` (element -> count)."""
    return sum(_ATOMIC[el] * n for el, n in formula.items()) * 1e-3


@dataclass(frozen=True)
class RepeatUnit:
    """Site counts per repeat unit of a network and its molar mass [kg/mol]."""

    name: str
    n1: int  # imine N (N1) per repeat unit
    n2: int  # protonated tertiary amine N (N2) per repeat unit
    molar_mass: float  # kg/mol

    def without(self, site: str) -> RepeatUnit:
        """The same network lacking one kind of site ("N1" or "N2"), as the paper's controls."""
        if site == "N1":
            return RepeatUnit(f"{self.name} without N1", 0, self.n2, self.molar_mass)
        if site == "N2":
            return RepeatUnit(f"{self.name} without N2", self.n1, 0, self.molar_mass)
        raise ValueError(f"site must be 'N1' or 'N2', got {site!r}")


TFPB = {"C": 27, "H": 18, "O": 3}  # 1,3,5-tris(p-formylphenyl)benzene
TREN = {"C": 6, "H": 18, "N": 4}  # tris(2-aminoethyl)amine
#: TFPB + TREN - 3 H2O = C33H30N4 (1 : 1, complete aldimine condensation; see module docstring).
PIA_REPEAT_UNIT = RepeatUnit(
    "PIA (TFPB + TREN)", n1=3, n2=1, molar_mass=molar_mass({"C": 33, "H": 30, "N": 4})
)

#: Relative site charges q1 : q2 [e per unit scale], ASSUMED proportional to the DFT Li adsorption
#: energies of Ding et al. 2023 (N1 -0.65 eV, N2 +0.28 eV).
ADSORPTION_ENERGY_RATIO = (-0.65, +0.28)
#: Formal charges (N1 neutral imine, N2 protonated +1): a sensitivity variant.
FORMAL_CHARGES = (0.0, +1.0)


def fixed_charge_of_counts(unit: RepeatUnit, charges: tuple[float, float]) -> float:
    """Charge per repeat unit z = n1 q1 + n2 q2 [e] for site charges ``charges`` = (q1, q2) [e]."""
    return unit.n1 * charges[0] + unit.n2 * charges[1]


def site_density(unit: RepeatUnit, porosity: float, skeleton_density: float) -> float:
    """Repeat units per pore volume [mol/m^3]: (1 - eps) rho_s / (M eps).

    ``skeleton_density`` rho_s [kg/m^3] of the dense polymer (the paper gives none; used only for
    the plausibility check of the fitted charge per site).
    """
    return (1.0 - porosity) * skeleton_density / (unit.molar_mass * porosity)


def donnan_state(
    D_cation: float, D_anion: float, c0: float, X: float, temperature: float
) -> tuple[float, float, float, float]:
    """Ideal-Donnan pore state: (t+ [-], kappa [S/m], c+ [mol/m^3], zeta [-]) at bulk ``c0``."""
    c_plus, _ = sep.donnan_concentrations(c0, X)
    t = sep.donnan_transference_number(D_cation, D_anion, c0, X)
    kappa = sep.donnan_conductivity(D_cation, D_anion, c0, X, temperature)
    return float(t), float(kappa), float(c_plus), float(math.asinh(X / (2.0 * c0)))


@dataclass(frozen=True)
class ChargedMatrix:
    """One separator of the charged-matrix route (SI).

    ``X`` fixed charge [mol/m^3 pore], ``rho_fix`` = X F eps [C/m^3 separator], ``z`` charge per
    repeat unit in units of the fitted scale, ``t_plus`` and ``conductivity`` [S/m] (ideal Donnan
    at the simulated c0), ``zeta`` the Donnan potential / V_T at c0, ``i0_reference`` [A/m^2]
    (at c+ = c0); ``t_plus_measured``, ``conductivity_measured`` the same at the c_m of the
    measurement.
    """

    name: str
    X: float
    rho_fix: float
    z: float
    t_plus: float
    conductivity: float
    zeta: float
    i0_reference: float
    t_plus_measured: float
    conductivity_measured: float


@dataclass(frozen=True)
class Closure:
    """Result of :func:`closure`: pore-liquid effective D+/D- [m^2/s], the fitted scale and the
    four separators. ``scale`` k [e/eV] needs ``units_per_pore`` [mol/m^3] (from an ASSUMED
    skeleton density); ``q_n1``, ``q_n2`` [e] are the implied charges per site."""

    D_cation_eff: float
    D_anion_eff: float
    X_pia: float
    units_per_pore: float
    scale: float
    q_n1: float
    q_n2: float
    materials: dict[str, ChargedMatrix]


def closure(
    c0: float = 2500.0,
    c_measured: float | None = 1000.0,
    temperature: float = 298.15,
    t_plus_liquid: float = 0.39,
    t_plus_pia: float = 0.78,
    kappa_pia: float = 0.092,
    porosity: float = 0.78,
    i0_pia: float = 6.4,
    alpha_a: float = 0.5,
    charges: tuple[float, float] = ADSORPTION_ENERGY_RATIO,
    unit: RepeatUnit = PIA_REPEAT_UNIT,
    skeleton_density: float = 1200.0,
) -> Closure:
    """Fix the one charge scale by PIA's t+ and the pore diffusivities by PIA's kappa.

    Defaults: c0 [mol/m^3] and T [K] of cases/paper; ``c_measured`` [mol/m^3] the concentration
    of the measurements (1 M LiPF6; None: at c0, the reading before cases/paper recorded it);
    t+ of the liquid = PP's measured 0.39 (PP
    carries no ionisable group); PIA t+ 0.78, kappa 0.092 S/m, porosity 0.78, i0 6.4 A/m^2
    (Ding et al. 2023); ``skeleton_density`` 1200 kg/m^3 ASSUMED (dense aromatic polyimine;
    plausibility check only). Raises ValueError if the charge hypothesis ``charges`` gives PIA a
    matrix charge of the wrong sign for t+_PIA (no positive scale reproduces the measurement).
    """
    c_m = c0 if c_measured is None else c_measured
    ratio = t_plus_liquid / (1.0 - t_plus_liquid)  # D+/D- of the pore liquid
    X_pia = sep.fixed_charge_for_transference(t_plus_pia, ratio, 1.0, c_m)
    z_pia = fixed_charge_of_counts(unit, charges)
    if z_pia == 0.0 or X_pia / z_pia <= 0.0:
        raise ValueError(
            f"charges {charges} give PIA a charge per unit of {z_pia:+.3g}; t+ = {t_plus_pia} "
            f"needs X = {X_pia:+.4g} mol/m^3: no positive scale reproduces it"
        )
    c_plus, c_minus = (float(v) for v in sep.donnan_concentrations(c_m, X_pia))
    V_T = thermal_voltage(temperature)
    D_anion = kappa_pia * V_T / (FARADAY * (ratio * c_plus + c_minus))
    D_cation = ratio * D_anion
    zeta_pia = math.asinh(X_pia / (2.0 * c_m))
    i0_ref = i0_pia * math.exp(alpha_a * zeta_pia)
    n_u = site_density(unit, porosity, skeleton_density)
    scale = X_pia / (n_u * z_pia)  # e/eV (or e per unit charge of the hypothesis)
    mats: dict[str, ChargedMatrix] = {}
    for name, u in (
        ("PIA", unit),
        ("control2", unit.without("N2")),
        ("control3", unit.without("N1")),
    ):
        z = fixed_charge_of_counts(u, charges)
        X = X_pia * z / z_pia
        t, kappa, _, zeta = donnan_state(D_cation, D_anion, c0, X, temperature)
        t_m, kappa_m, _, _ = donnan_state(D_cation, D_anion, c_m, X, temperature)
        mats[name] = ChargedMatrix(
            name, X, X * FARADAY * porosity, z, t, kappa, zeta, i0_ref, t_m, kappa_m
        )
    return Closure(
        D_cation, D_anion, X_pia, n_u, scale, scale * charges[0], scale * charges[1], mats
    )


def hittorf_ceiling(
    c0: float,
    temperature: float = 298.15,
    t_plus_liquid: float = 0.39,
    porosity: float = 0.78,
    skeleton_density: float = 1200.0,
    unit: RepeatUnit = PIA_REPEAT_UNIT,
) -> float:
    """Largest ideal-Donnan t+ [-] the counts allow: every N1 at -1 e, N2 neutral, at ``c0``."""
    X = -unit.n1 * site_density(unit, porosity, skeleton_density)
    ratio = t_plus_liquid / (1.0 - t_plus_liquid)
    return sep.donnan_transference_number(ratio, 1.0, c0, X)
