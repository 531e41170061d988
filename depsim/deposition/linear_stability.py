"""Linear stability of a cosine perturbation of the Li surface (derivation: docs/deposition.md).

The cell of the model: binary electrolyte (D+, D-), Li surface y = h(x) = a cos(k x) at the
bottom, reservoir (c = c0, phi = 0) at the distance H above the mean surface, galvanostatic
plating current density j > 0 (j = -i_BV), Butler-Volmer (or linear) kinetics, no surface
tension, Stefan flow neglected. The surface moves with v = V_m j_loc / F. The amplitude grows as
a(t) = a0 exp(s t) with

    s(k) = (V_m j / F) k / (k l + tanh(k H)),

where l is the ratio of a transport conductance to a kinetic conductance:

* ``regime="steady"`` (the model's regime after the concentration profile has settled,
  t >> H^2/D): the anion is blocked, so its electrochemical potential is uniform and
  phi = V_T ln(c/c0); transport is Laplace's equation for c with the "conductance" 2 D+ F, and
  l = 2 D+ F / K with K = dj/dc_s at fixed Li potential (the kinetic sensitivity to the surface
  concentration through both the Nernst term and the concentration factor of Butler-Volmer).
  Evaluated at the base state c_s = c0 - G H, G = j / (2 D+ F).
* ``regime="ohmic"`` (uniform concentration, e.g. t << H^2/D, or a supporting electrolyte):
  Laplace's equation for phi with conductivity kappa = F^2 c0 (D+ + D-) / (R T) and the
  linearised kinetics j = -eta / R_ct around the operating point: l = kappa R_ct.

**Concentrated electrolyte** (``transport``: the property functions of Newman's model,
docs/model.md §2b). With the anion blocked, N- = 0 gives N+ = -grad W with the Kirchhoff
potential W(c) = int D/(1 - t+0) dc, and the current i = -F grad W: W is harmonic, as c is in
the dilute model, so the same derivation holds with W in place of c. The Li-reference potential
is a function of c alone, dPhi/dc = F D / ((1 - t+0) kappa) + 2 V_T (1 - t+0) TDF / c, and the
kinetics see chi = Phi/V_T - ln(c/c0); the steady l = F W'(c_s) / K = F D(c_s) / ((1 - t+0(c_s))
K) with K = dj/dc_s at fixed Li potential. With the dilute equivalent properties W' = 2 D+ and
Phi = 2 V_T ln(c/c0): the dilute theory. The ohmic regime uses kappa(c0).

Limits: k -> 0: s -> (V_m j / F) / (l + H) (the k = 0 mode itself is fixed by the
galvanostatic control); k H >> 1: s -> (V_m j / F) k / (k l + 1), -> V_m j / (F l) as k -> inf
(no surface tension: no short-wave cut-off). Quasi-static fields require s << D k^2 and
s << D / H^2 (checked by :func:`validity`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from depsim.physics import concentrated as newman
from depsim.physics.constants import FARADAY, GAS_CONSTANT, LI_MOLAR_VOLUME, thermal_voltage
from depsim.physics.electrolyte_library import Electrolyte
from depsim.physics.kinetics import KineticsParameters

__all__ = [
    "StabilityParameters",
    "amplification",
    "base_state",
    "growth_rate",
    "growth_rate_ohmic",
    "validity",
]


@dataclass(frozen=True)
class StabilityParameters(KineticsParameters):
    """The cell and operating point, SI.

    Attributes: ``current_density`` j [A/m^2] (> 0 plates), ``height`` H [m] (mean Li surface
    to the reservoir), ``c0`` [mol/m^3], ``D_cation``, ``D_anion`` [m^2/s], ``i0`` [A/m^2],
    ``alpha_a``, ``alpha_c``, ``c_ref`` [mol/m^3] (None: c0), ``kinetics`` (a registered law;
    "frumkin" without sites is Butler–Volmer), ``reorganization_energy`` [J] (Marcus–Hush–
    Chidsey), ``temperature`` [K], ``molar_volume`` [m^3/mol], ``transport`` the property
    functions of the concentrated model (None: dilute, D+ and D-).
    """

    current_density: float
    height: float
    c0: float = 2500.0
    D_cation: float = 1.0e-10
    D_anion: float = 1.5e-10
    i0: float = 6.4
    alpha_a: float = 0.5
    alpha_c: float = 0.5
    c_ref: float | None = None
    kinetics: str = "butler-volmer"
    temperature: float = 298.15
    molar_volume: float = LI_MOLAR_VOLUME
    reorganization_energy: float | None = None
    transport: Electrolyte | None = None

    def with_(self, **changes) -> StabilityParameters:
        return replace(self, **changes)

    @property
    def limiting_current(self) -> float:
        """j_lim = 2 D+ F c0 / H [A/m^2] (concentrated: F W(c0) / H, Kirchhoff)."""
        if self.transport is not None:
            return FARADAY * self._kirchhoff(self.c0) / self.height
        return 2.0 * self.D_cation * FARADAY * self.c0 / self.height

    def _kirchhoff(self, c: float) -> float:
        """W(c) [mol/(m s)] of the concentrated model (physics.concentrated)."""
        tr = self.transport
        return newman.kirchhoff_potential(
            tr.diffusivity, tr.transference_number, c, self.temperature
        )

    def _chi(self, c: float) -> float:
        """chi = Phi/V_T - ln(c/c0) of the concentrated model's steady state (Phi(c0) = 0)."""
        phi_hat = newman.blocked_anion_potential(self.transport, c, self.c0, self.temperature)
        return phi_hat - math.log(c / self.c0)

    @property
    def surface_velocity(self) -> float:
        """Mean advance of the surface V_m j / F [m/s]."""
        return self.molar_volume * self.current_density / FARADAY

    @classmethod
    def from_case(cls, case, height: float | None = None) -> StabilityParameters:
        """From a validated case: bare electrolyte or a separator filling the cell (no fixed
        charge), reservoir on top, galvanostatic ``operation.current_density``."""
        if case.operation.counter != "reservoir":
            raise ValueError("the linear stability theory is for a reservoir on top")
        if case.geometry.separator is not None:
            raise ValueError("the linear stability theory is for a uniform cell (no layer)")
        if case.electrode.i0_pattern is not None:
            raise ValueError("the linear stability theory is for a uniform exchange current")
        Dp, Dm = case.diffusivities()
        sep = case.separator
        if sep is not None:
            if sep.fixed_charge:
                raise ValueError("the linear stability theory has no fixed charge")
            Dp, Dm = case.separator_diffusivities()
        transport = None
        if case.electrolyte.model == "concentrated":
            from depsim.case.concentrated import electrolyte_properties, separator_properties

            transport = electrolyte_properties(case)
            if sep is not None:
                transport, _ = separator_properties(case, transport)
        return cls(
            transport=transport,
            current_density=case.operation.current_density,
            height=case.geometry.height if height is None else height,
            c0=case.electrolyte.concentration,
            D_cation=Dp,
            D_anion=Dm,
            i0=case.electrode.i0,
            alpha_a=case.electrode.alpha_a,
            alpha_c=case.electrode.alpha_c,
            c_ref=case.reference_concentration,
            kinetics=case.electrode.kinetics,
            reorganization_energy=case.electrode.reorganization_energy,
            temperature=case.electrolyte.temperature,
        )


def _i_bv(p: StabilityParameters, eta_hat, c):
    """i_BV [A/m^2] (anodic positive) at eta/V_T and surface concentration c."""
    return p.kinetics_law.rate(p.i0, eta_hat, np.asarray(c) / p.reference_concentration)


def _solve_eta(p: StabilityParameters, c: float, i_target: float) -> float:
    """eta/V_T with i_BV(eta, c) = i_target (the law's inverse)."""
    return p.kinetics_law.overpotential(i_target, p.i0, c / p.reference_concentration)


def base_state(p: StabilityParameters, regime: str = "steady") -> dict[str, float]:
    """The flat operating point.

    Returns:
        ``c_s`` surface concentration [mol/m^3], ``gradient`` G [mol/m^4] (steady) or the field
        j/kappa [V/m] (ohmic), ``eta_hat`` overpotential / V_T at the surface, ``K`` dj/dc_s at
        fixed Li potential [A m/mol] (steady) or ``1/R_ct`` = dj/dphi_l [S/m^2] (ohmic),
        ``ell`` the length l [m], ``conductance`` (2 D+ F or kappa).
    """
    j = p.current_density
    if regime == "steady" and p.transport is not None:
        return _base_state_concentrated(p)
    if regime == "steady":
        sigma = 2.0 * p.D_cation * FARADAY
        G = j / sigma
        c_s = p.c0 - G * p.height
        if c_s <= 0.0:
            raise ValueError(
                f"current {j:g} A/m^2 exceeds the limiting current {p.limiting_current:g} A/m^2"
            )
        eta = _solve_eta(p, c_s, -j)
        psi_s = eta + math.log(c_s / p.c0)  # phi_s/V_T (phi_l = V_T ln(c/c0), eta = psi_s - psi)
        eps = 1e-6

        def j_at(c):
            return -float(_i_bv(p, psi_s - math.log(c / p.c0), c))

        K = (j_at(c_s * (1 + eps)) - j_at(c_s * (1 - eps))) / (2 * eps * c_s)
        return {
            "c_s": c_s,
            "gradient": G,
            "eta_hat": eta,
            "K": K,
            "ell": sigma / K,
            "conductance": sigma,
        }
    if regime == "ohmic":
        kappa = FARADAY**2 * p.c0 * (p.D_cation + p.D_anion) / (GAS_CONSTANT * p.temperature)
        if p.transport is not None:
            kappa = float(p.transport.conductivity(p.c0, p.temperature))
        vt = thermal_voltage(p.temperature)
        eta = _solve_eta(p, p.c0, -j)
        h = 1e-6
        g = (float(_i_bv(p, eta + h, p.c0)) - float(_i_bv(p, eta - h, p.c0))) / (2 * h * vt)
        return {
            "c_s": p.c0,
            "gradient": j / kappa,
            "eta_hat": eta,
            "K": g,
            "ell": kappa / g,
            "conductance": kappa,
        }
    raise ValueError(f"unknown regime {regime!r}; allowed: 'steady', 'ohmic'")


def _base_state_concentrated(p: StabilityParameters) -> dict[str, float]:
    """The steady base state of the concentrated model (module docstring): c_s from
    W(c_s) = W(c0) - j H / F, chi(c_s), K and l = F W'(c_s) / K."""
    from scipy.optimize import brentq

    j, T, tr = p.current_density, p.temperature, p.transport
    target = p._kirchhoff(p.c0) - j * p.height / FARADAY
    if target <= 0.0:
        raise ValueError(
            f"current {j:g} A/m^2 exceeds the limiting current {p.limiting_current:g} A/m^2"
        )
    c_s = brentq(lambda c: p._kirchhoff(c) - target, 1e-12 * p.c0, p.c0, xtol=1e-13 * p.c0)
    eta = _solve_eta(p, c_s, -j)
    psi_s = eta + p._chi(c_s)  # the law's eta = psi_s - chi (docs/model.md §2b)
    eps = 1e-6

    def j_at(c):
        return -float(_i_bv(p, psi_s - p._chi(c), c))

    K = (j_at(c_s * (1 + eps)) - j_at(c_s * (1 - eps))) / (2 * eps * c_s)
    sigma = FARADAY * tr.diffusivity(c_s, T) / (1.0 - tr.transference_number(c_s, T))
    return {
        "c_s": c_s,
        "gradient": j / sigma,  # dc/dy at the surface [mol/m^4]
        "eta_hat": eta,
        "K": K,
        "ell": sigma / K,
        "conductance": sigma,
    }


def growth_rate_ohmic(
    k,
    height: float,
    current_density: float,
    conductivity: float,
    kinetic_conductance: float,
    molar_volume: float = LI_MOLAR_VOLUME,
):
    """s(k) [1/s] at uniform concentration: (V_m j / F) k / (k kappa R_ct + tanh(k H)).

    Args:
        k: wavenumber(s) [1/m]; height H [m]; current_density j [A/m^2] (> 0 plates);
        conductivity kappa [S/m]; kinetic_conductance 1/R_ct = dj/d(phi_l) [S/m^2].
    """
    k = np.asarray(k, dtype=float)
    ell = conductivity / kinetic_conductance
    return molar_volume * current_density / FARADAY * k / (k * ell + np.tanh(k * height))


def growth_rate(k, p: StabilityParameters, regime: str = "steady"):
    """Growth rate s(k) [1/s] of a(t) = a0 exp(s t) (module docstring).

    Args:
        k: wavenumber(s) 2 pi / lambda [1/m] (scalar or array).
        p: :class:`StabilityParameters`.
        regime: "steady" (concentration polarisation settled) or "ohmic" (uniform c).
    """
    k = np.asarray(k, dtype=float)
    b = base_state(p, regime)
    s = p.surface_velocity * k / (k * b["ell"] + np.tanh(k * p.height))
    return float(s) if s.ndim == 0 else s


def amplification(
    k: float, p: StabilityParameters, t0: float, t1: float, regime: str = "steady", n: int = 200
) -> float:
    """a(t1)/a(t0) = exp(int s dt), with the gap H(t) = H - V_m j t / F shrinking as the surface
    advances from its position at t = 0 (trapezoidal rule, ``n`` intervals)."""
    ts = np.linspace(t0, t1, n + 1)
    s = np.array(
        [growth_rate(k, p.with_(height=p.height - p.surface_velocity * t), regime) for t in ts]
    )
    return float(np.exp(np.trapezoid(s, ts)))


def validity(k: float, p: StabilityParameters, regime: str = "steady") -> dict[str, float]:
    """Dimensionless checks of the quasi-static assumptions (all should be << 1):
    ``s_over_Dk2`` = s/(D k^2), ``s_over_DH2`` = s H^2/D (D the salt diffusivity),
    ``peclet`` = V H / D of the advancing surface, ``ka`` is left to the caller."""
    D = 2.0 * p.D_cation * p.D_anion / (p.D_cation + p.D_anion)
    if p.transport is not None:
        D = float(p.transport.diffusivity(p.c0, p.temperature))
    s = growth_rate(k, p, regime)
    return {
        "s": s,
        "s_over_Dk2": abs(s) / (D * k * k),
        "s_over_DH2": abs(s) * p.height**2 / D,
        "peclet": abs(p.surface_velocity) * p.height / D,
    }
