"""Tafel analysis of a steady polarisation sweep (docs/virtual-lab.md §4).

Three-electrode arrangement of the symmetric cell: the bottom Li is the working electrode and a
Li reference sits at the mid-plane (the half cell's c0, phi_l = 0 plane: a Li there at c0 is at
0 V). The working electrode's potential is swept in steady states (potentiostatic, each step
continued from the previous one) from rest to +-``eta_max`` in both directions; the
overpotential is iR-corrected with the bulk resistance of the half cell read from EIS,
eta = V - I R_b/2 (V > 0 plates), and a Tafel line ln|I| = ln j0 + a |eta| / V_T is fitted on
each branch inside the window ``window`` (in units of V_T; default 5 to 10 V_T, where the
back reaction changes ln|I| by at most e^-5 = 0.7 %). j0 is the geometric mean of the two
branches' intercepts; a = alpha_c (cathodic, plating) and alpha_a (anodic).

No correction is made for concentration polarisation, as in the experiment: where the window
lies near the limiting current the fit is biased (reported: ``transport_ratio``, the largest
|I| in the window over the half cell's limiting current F D c0 / ((1 - t+) L/2)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from depsim.lab.eis import LiHalfCell
from depsim.physics.constants import FARADAY
from depsim.physics.polarisation import tafel_fit
from depsim.solver.newton import NewtonDivergence

WINDOW = (5.0, 10.0)  # |eta| / V_T of the Tafel fit (ASSUMED protocol choice, see docstring)
ETA_MAX = 12.0  # |eta| / V_T at the end of each sweep
STEP = 0.25  # V_T per sweep step
#: (sign of eta, TafelResult fields of its fit (j0, a, slope)): cathodic (plating), anodic
BRANCHES = (
    (1.0, ("j0_cathodic", "alpha_c", "slope_cathodic")),
    (-1.0, ("j0_anodic", "alpha_a", "slope_anodic")),
)


@dataclass(frozen=True)
class TafelResult:
    """SI: ``exchange_current_density`` j0 [A/m^2] (geometric mean of the branches),
    ``j0_cathodic``, ``j0_anodic`` [A/m^2], ``alpha_c``, ``alpha_a`` [-], ``slope_cathodic``,
    ``slope_anodic`` [V/decade], ``window`` [V] of |eta|, ``points`` per branch in it,
    ``transport_ratio`` [-] (None entries: a branch that does not reach the window), and
    the sweep: ``potential`` V [V], ``eta`` iR-corrected [V],
    ``current`` [A/m^2] (> 0 plates); ``thermal_voltage`` V_T [V]."""

    exchange_current_density: float
    j0_cathodic: float | None
    j0_anodic: float | None
    alpha_c: float | None
    alpha_a: float | None
    slope_cathodic: float | None
    slope_anodic: float | None
    window: tuple[float, float]
    points: tuple[int, int]
    transport_ratio: float
    potential: np.ndarray
    eta: np.ndarray
    current: np.ndarray
    thermal_voltage: float

    def as_dict(self) -> dict:
        keys = (
            "exchange_current_density j0_cathodic j0_anodic alpha_c alpha_a slope_cathodic "
            "slope_anodic transport_ratio"
        ).split()
        out = {k: getattr(self, k) for k in keys}
        out["window"] = list(self.window)
        out["points"] = list(self.points)
        return out


def half_cell_limiting_current(D: float, c0: float, t_plus: float, thickness: float) -> float:
    """F D c0 / ((1 - t+) L/2) [A/m^2]: the limiting current of the half cell Li | L/2 |
    reference plane (salt D [m^2/s], c0 [mol/m^3], cell thickness L [m])."""
    return FARADAY * D * c0 / ((1.0 - t_plus) * 0.5 * thickness)


def polarisation_sweep(li: LiHalfCell, eta_max: float = ETA_MAX, step: float = STEP):
    """(V [V], I [A/m^2]) of steady states from -eta_max to +eta_max V_T (a branch ends early
    where no steady state is found, e.g. beyond the limiting current)."""
    cell = li.cell
    pb = cell.problem
    V_T = cell.V_T
    points: list[tuple[float, float]] = []

    def load(v_hat: float) -> None:
        pb.V_hat.value = v_hat

    for sign in (1.0, -1.0):
        cell.rest()
        pb.set_mode("potentiostatic")
        v = float(pb.V_hat.value)
        v0 = v
        while abs(v - v0) < eta_max - 1e-9:
            target = v + sign * step
            try:
                cell.steady(load=load, target=target, start=v)
            except NewtonDivergence:
                break
            v = target
            points.append((v * V_T, cell.plating_current()))
        pb.set_mode("galvanostatic")
    cell.rest()
    points.sort()
    arr = np.array(points)
    return arr[:, 0], arr[:, 1]


def measure_tafel(
    li: LiHalfCell, R_bulk_half: float, window=WINDOW, eta_max: float = ETA_MAX, step=STEP
) -> TafelResult:
    """The sweep (to ``eta_max``, in steps of ``step``; V_T) and its Tafel fit in ``window``
    (|eta| / V_T; module docstring); ``R_bulk_half`` = R_b / 2 [Ohm m^2]."""
    mat = li.cell.material
    p = mat.params
    V_T = li.cell.V_T
    V, current = polarisation_sweep(li, eta_max, step)
    eta = V - current * R_bulk_half
    lo, hi = window[0] * V_T, window[1] * V_T
    branch: dict[str, float | None] = {}  # the TafelResult fields of each branch's fit
    counts = []
    for sign, keys in BRANCHES:
        sel = (np.sign(eta) == sign) & (np.abs(eta) >= lo) & (np.abs(eta) <= hi)
        counts.append(int(sel.sum()))
        ok = counts[-1] >= 2
        fit = tafel_fit(eta[sel], current[sel], p.temperature) if ok else (None,) * 3
        branch.update(zip(keys, fit, strict=True))
    sel_all = (np.abs(eta) >= lo) & (np.abs(eta) <= hi)
    i_max = float(np.abs(current[sel_all]).max()) if sel_all.any() else float("nan")
    i_lim = half_cell_limiting_current(mat.salt_diffusivity, p.c0, mat.t_plus, mat.thickness)
    found = [j for j in (branch["j0_cathodic"], branch["j0_anodic"]) if j is not None]
    if not found:
        raise ValueError("no branch of the polarisation sweep reaches the Tafel window")
    return TafelResult(
        exchange_current_density=float(np.prod(found) ** (1.0 / len(found))),
        window=(lo, hi),
        points=(counts[0], counts[1]),
        transport_ratio=i_max / i_lim,
        potential=V,
        eta=eta,
        current=current,
        thermal_voltage=V_T,
        **branch,
    )


#: c_s / c0 below which a plating point is not used: its corrected current and overpotential
#: change by (1 - c_s/c0) / (c_s/c0) times the relative error of i_lim (1 at 0.5)
MIN_SURFACE_FRACTION = 0.5


def transport_corrected(tf: TafelResult, i_lim: float, temperature: float, window=WINDOW) -> dict:
    """Tafel fit of the sweep corrected for concentration polarisation with the half cell's
    limiting current ``i_lim`` [A/m^2] at ``temperature`` [K] (docs/virtual-lab.md §4;
    uncharged binary salt).

    In a steady state of the half cell the salt profile is linear, c_s / c0 = 1 - I / i_lim
    (I > 0 plates), and the anion is at rest, so the electrolyte potential is Boltzmann's for
    the anion: phi_l(Li) - phi_l(reference) = V_T ln(c_s / c0), ohmic and diffusion drops
    together. The kinetic overpotential is then eta = V + V_T ln(c_s / c0) and the kinetic
    current I / (c_s / c0) on the plating branch (its rate is proportional to c+ at the
    surface; Koutecky-Levich's 1/I = 1/I_k + 1/I_lim for first-order kinetics) and I on the
    stripping branch. Plating points with c_s / c0 < :data:`MIN_SURFACE_FRACTION` are left out.
    Returns ``exchange_current_density`` [A/m^2] (geometric mean of the branches' j0), the
    branches' ``j0_cathodic``, ``j0_anodic``, ``alpha_c``, ``alpha_a``, ``points`` and the
    ``limiting_current`` used."""
    V_T = tf.thermal_voltage
    c_hat = 1.0 - tf.current / i_lim
    usable = c_hat >= MIN_SURFACE_FRACTION
    eta = tf.potential[usable] + V_T * np.log(c_hat[usable])
    kinetic = np.where(tf.current[usable] > 0.0, tf.current[usable] / c_hat[usable],
                       tf.current[usable])  # fmt: skip
    lo, hi = window[0] * V_T, window[1] * V_T
    out: dict = {"limiting_current": float(i_lim), "points": []}
    found = []
    for sign, (j0_key, alpha_key, _) in BRANCHES:
        sel = (np.sign(eta) == sign) & (np.abs(eta) >= lo) & (np.abs(eta) <= hi)
        out["points"].append(int(sel.sum()))
        if sel.sum() >= 2:
            j0, a, _slope = tafel_fit(eta[sel], kinetic[sel], temperature)
            out[j0_key], out[alpha_key] = j0, a
            found.append(j0)
        else:
            out[j0_key] = out[alpha_key] = None
    out["exchange_current_density"] = float(np.prod(found) ** (1.0 / len(found))) if found else None
    return out


__all__ = [
    "ETA_MAX",
    "WINDOW",
    "TafelResult",
    "half_cell_limiting_current",
    "measure_tafel",
    "polarisation_sweep",
    "transport_corrected",
]
