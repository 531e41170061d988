"""Closed-form small-signal impedances of a binary electrolyte between Li (or blocking) faces.

Conventions (docs/virtual-lab.md §2): impedances are per projected electrode area [Ohm m^2],
Z = dV / di with V the potential of the top relative to the bottom electrode and i the plating
current density on the bottom electrode (> 0 plates), so every passive impedance has
Re Z >= 0 and a capacitive arc has Im Z < 0. omega = 2 pi f [rad/s].

The dilute binary salt (z+ = +1, z- = -1) of docs/model.md §2-§3 with effective ionic
diffusivities D+, D- (superficial fluxes), porosity eps (storage factor), bulk concentration
c0, conductivity kappa = F^2 c0 (D+ + D-)/(RT), t+ = D+/(D+ + D-) and salt diffusivity
D = 2 D+ D- / (D+ + D-).

**Half cell** (the Li at y = 0, a plane held at c0, phi_l = 0 at y = l): linearising
docs/model.md §2 and §4 (Butler-Volmer with alpha_a + alpha_c = 1 at c_s = c_ref, the
double-layer charging current i_d split equally between cation and anion) about the uniform
rest state gives, with k = sqrt(i omega eps / D) and g = tanh(k l) / (F D k):

    faradaic:      eta' = R_ct i_F - V_T dc_s/c0,        R_ct = V_T / i0   (eta' = phi_l - phi_s)
    double layer:  i_d  = i omega C_dl eta',             i = i_F + i_d
    diffusion:     dc_s = -g [ (1 - t+) i - i_d / 2 ]
    potential:     V    = (l / kappa) i + (2 t+ - 1) V_T dc_s/c0 + eta'

which :func:`half_cell_impedance` solves for V / i. Without C_dl it is the Randles form
l/kappa + R_ct + Z_W with the finite-length (transmissive) Warburg impedance

    Z_W = R_D tanh(sqrt(i omega tau)) / sqrt(i omega tau),
    R_D = 2 (1 - t+)^2 R T l / (F^2 D c0) = (l / kappa) (1 - t+) / t+,   tau = eps l^2 / D

(Barsoukov and Macdonald, *Impedance Spectroscopy*, 2nd ed., Wiley 2005, §2.2.3; Pollard and
Newman, J. Electrochem. Soc. 127, 744 (1980)).

**Symmetric cell** of thickness L with identical faces: at rest the linear response is odd about
the mid-plane (dc = 0 and phi_l at its mid value there), so Z_sym(L) = 2 Z_half(l = L/2) exactly:
bulk L/kappa, two charge-transfer arcs in series (2 R_ct, apex at omega = 1/(R_ct C_dl)) and a
diffusion arc of width R_D,sym = (L/kappa)(1 - t+)/t+ with tau = eps L^2 / (4 D).
A blocking face (no reaction, i0 = 0) carries the double-layer current only:
eta' = i / (i omega C_dl).
"""

from __future__ import annotations

import math

import numpy as np

from depsim.physics.constants import FARADAY, GAS_CONSTANT, thermal_voltage

WARBURG_APEX = None  # filled lazily by warburg_apex_omega_tau()


def bulk_resistance(thickness: float, conductivity: float) -> float:
    """R_b = L / kappa [Ohm m^2] of a slab of ``thickness`` [m] and ``conductivity`` [S/m]."""
    return float(thickness) / float(conductivity)


def charge_transfer_resistance(i0: float, temperature: float, alpha_sum: float = 1.0) -> float:
    """R_ct = V_T / ((alpha_a + alpha_c) i0) [Ohm m^2]: the slope of Butler-Volmer at
    equilibrium (exchange current density ``i0`` [A/m^2])."""
    return thermal_voltage(temperature) / (float(alpha_sum) * float(i0))


def diffusion_resistance(thickness: float, conductivity: float, t_plus: float) -> float:
    """R_D = (L/kappa)(1 - t+)/t+ [Ohm m^2]: the width of the diffusion arc of a binary salt
    (the low-frequency limit of Z_W) for a slab of ``thickness`` L."""
    return bulk_resistance(thickness, conductivity) * (1.0 - t_plus) / t_plus


def warburg_transmissive(omega, resistance: float, tau: float):
    """Finite-length Warburg impedance with a fixed-concentration far end:
    R_D tanh(sqrt(i omega tau)) / sqrt(i omega tau) [Ohm m^2] (complex array)."""
    s = np.sqrt(1j * np.asarray(omega, dtype=float) * float(tau))
    small = np.abs(s) < 1e-6
    safe = np.where(small, 1.0, s)
    return float(resistance) * np.where(small, 1.0 - s**2 / 3.0, np.tanh(safe) / safe)


def warburg_apex_omega_tau() -> float:
    """omega tau at the apex (largest -Im) of tanh(sqrt(i omega tau))/sqrt(i omega tau),
    found by golden-section search on ln(omega tau) (2.5387, independent of R_D and tau)."""
    global WARBURG_APEX
    if WARBURG_APEX is None:

        def minus_im(log_u: float) -> float:
            return float(-warburg_transmissive(math.exp(log_u), 1.0, 1.0).imag)

        WARBURG_APEX = math.exp(golden_max(minus_im, math.log(0.1), math.log(100.0)))
    return WARBURG_APEX


def golden_max(f, a: float, b: float, tol: float = 1e-10) -> float:
    """The maximiser of a unimodal ``f`` on [a, b] (golden-section search)."""
    r = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = f(c), f(d)
    while abs(b - a) > tol * max(1.0, abs(a) + abs(b)):
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = f(d)
    return 0.5 * (a + b)


def half_cell_impedance(
    omega,
    length: float,
    D_cation: float,
    D_anion: float,
    c0: float,
    temperature: float,
    i0: float,
    porosity: float = 1.0,
    double_layer_capacitance: float = 0.0,
):
    """Z(omega) [Ohm m^2] of a Li face (Butler-Volmer, alpha_a + alpha_c = 1, exchange current
    ``i0`` [A/m^2]; ``i0 = 0``: blocking) and ``length`` l [m] of binary electrolyte up to a plane
    at c0, phi_l = 0, at rest (see the module docstring). ``double_layer_capacitance`` C_dl
    [F/m^2] with the charging current split equally between the ions."""
    w = np.asarray(omega, dtype=float)
    V_T = thermal_voltage(temperature)
    D = 2.0 * D_cation * D_anion / (D_cation + D_anion)
    t_plus = D_cation / (D_cation + D_anion)
    kappa = FARADAY**2 * c0 * (D_cation + D_anion) / (GAS_CONSTANT * temperature)
    k = np.sqrt(1j * w * porosity / D)
    g = np.tanh(k * length) / (FARADAY * D * k)
    h = V_T * g / c0  # dc_s / c0 per unit flux combination, times V_T
    jwc = 1j * w * double_layer_capacitance
    if i0 > 0.0:
        R_ct = V_T / i0
        # eta'(1 + jwC R_ct + jwC h/2) = i (R_ct + (1 - t+) h)
        eta = (R_ct + (1.0 - t_plus) * h) / (1.0 + jwc * R_ct + 0.5 * jwc * h)
    else:  # blocking: i = i_d = jwC eta'
        eta = 1.0 / jwc
    dcs = -(g / c0) * ((1.0 - t_plus) - 0.5 * jwc * eta)  # dc_s/c0 per unit i
    return length / kappa + (2.0 * t_plus - 1.0) * V_T * dcs + eta


def symmetric_cell_impedance(omega, thickness: float, **half_cell) -> np.ndarray:
    """Z_sym(L) = 2 Z_half(L/2) [Ohm m^2] of a symmetric cell of ``thickness`` L [m] at rest
    (identical faces; keyword arguments of :func:`half_cell_impedance` without ``length``)."""
    return 2.0 * half_cell_impedance(omega, 0.5 * thickness, **half_cell)


def symmetric_diffusion_time(thickness: float, salt_diffusivity: float, porosity: float) -> float:
    """tau = eps (L/2)^2 / D [s] of the diffusion arc of a symmetric cell of ``thickness`` L;
    its apex is at omega = :func:`warburg_apex_omega_tau` / tau."""
    return porosity * (0.5 * thickness) ** 2 / salt_diffusivity


__all__ = [
    "bulk_resistance",
    "charge_transfer_resistance",
    "diffusion_resistance",
    "golden_max",
    "half_cell_impedance",
    "symmetric_cell_impedance",
    "symmetric_diffusion_time",
    "warburg_apex_omega_tau",
    "warburg_transmissive",
]
