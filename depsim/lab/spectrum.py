"""Impedance spectra of the virtual cells and what an experimenter reads off them.

The symmetric cells are computed on their half by symmetry (docs/virtual-lab.md §2): at rest
Z_sym = 2 Z_half exactly; a polarised Li|Li cell is the sum of its plating and stripping halves.

Reading a spectrum (``Z`` [Ohm m^2], ``Z.imag < 0`` for a capacitive arc):

- **bulk resistance** R_b: the high-frequency intercept, Re Z at the highest frequency (the
  grid reaches 1e4 times the charge-transfer apex frequency, where the arc's remainder is 1e-8
  of its width);
- **interfacial arc**: the highest-frequency maximum of -Im Z, refined by golden-section search
  on ln(omega) with extra solves; its width R_int = 2 max(-Im Z) (a parallel RC arc) and the
  capacitance C = 1 / (omega_apex R_int);
- **diffusion arc**: the lowest-frequency maximum of -Im Z (refined the same way) and its width
  R_D = Re Z(f_min) - R_b - R_int.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from depsim.physics.impedance import charge_transfer_resistance, golden_max


def frequency_grid(material, points_per_decade: int = 20) -> np.ndarray:
    """Frequencies [Hz], ``points_per_decade`` per decade, from 1e-2 of the diffusion arc's
    apex scale 1/(2 pi tau_D) to 1e4 times the fastest interfacial scale 1/(2 pi R C_dl)
    (R the smaller of R_ct and the bulk resistance), rounded out to whole decades."""
    L, eps, D = material.thickness, material.porosity, material.salt_diffusivity
    tau_D = eps * (0.5 * L) ** 2 / D
    p = material.params
    R_b = L / material.conductivity
    R_ct = charge_transfer_resistance(p.i0, p.temperature, p.alpha_a + p.alpha_c)
    tau_fast = min(R_ct, R_b) * material.double_layer_capacitance
    lo = math.floor(math.log10(0.01 / (2.0 * math.pi * tau_D)))
    hi = math.ceil(math.log10(1.0e4 / (2.0 * math.pi * tau_fast)))
    return np.logspace(lo, hi, (hi - lo) * points_per_decade + 1)


@dataclass(frozen=True)
class Arcs:
    """What a spectrum shows (SI; None where the spectrum has no such feature):
    ``R_bulk`` [Ohm m^2], ``R_interface`` [Ohm m^2], ``f_interface_apex`` [Hz],
    ``C_interface`` [F/m^2] (the capacitance of one face, :func:`read_arcs`),
    ``f_diffusion_apex`` [Hz], ``R_diffusion`` [Ohm m^2]."""

    R_bulk: float
    R_interface: float | None
    f_interface_apex: float | None
    C_interface: float | None
    f_diffusion_apex: float | None
    R_diffusion: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _local_maxima(y: np.ndarray) -> list[int]:
    return [k for k in range(1, len(y) - 1) if y[k] > y[k - 1] and y[k] >= y[k + 1]]


def _refine_apex(z: Callable, omega: np.ndarray, k: int) -> tuple[float, complex]:
    """(omega, Z) at the maximum of -Im Z near grid index ``k`` (golden section on ln omega)."""
    a, b = math.log(omega[k - 1]), math.log(omega[k + 1])
    log_w = golden_max(lambda s: float(-z(np.array([math.exp(s)]))[0].imag), a, b, tol=1e-7)
    w = math.exp(log_w)
    return w, complex(z(np.array([w]))[0])


def read_arcs(z: Callable, omega: np.ndarray, Z: np.ndarray, faces: int = 2) -> Arcs:
    """Read a spectrum ``Z`` on the grid ``omega`` [rad/s]; ``z(omega)`` evaluates more points.

    ``faces``: number of identical interfaces in series (2 for a symmetric cell): the
    interfacial capacitance of one face is faces / (omega_apex R_int)."""
    R_b = float(Z.real[-1])
    maxima = _local_maxima(-Z.imag)
    if not maxima:
        return Arcs(R_b, None, None, None, None, None)
    w_int, Z_int = _refine_apex(z, omega, maxima[-1])
    R_int = 2.0 * float(-Z_int.imag)
    C = faces / (w_int * R_int)
    f_D = R_D = None
    if len(maxima) >= 2:
        w_D, _ = _refine_apex(z, omega, maxima[0])
        f_D = w_D / (2.0 * math.pi)
        R_D = float(Z.real[0]) - R_b - R_int
    return Arcs(R_b, R_int, w_int / (2.0 * math.pi), C, f_D, R_D)


def interfacial_resistance(z: Callable, omega: np.ndarray) -> float:
    """Width R_int [Ohm m^2] of the highest-frequency arc of ``z`` on the grid ``omega``."""
    Z = z(omega)
    arcs = read_arcs(z, omega, Z, faces=1)
    if arcs.R_interface is None:
        raise ValueError("the spectrum has no interfacial arc")
    return arcs.R_interface


def write_csv(path, frequency: np.ndarray, Z: np.ndarray) -> None:
    """``f,Z_re,Z_im`` [Hz, Ohm m^2, Ohm m^2], one row per frequency (Z_im < 0: capacitive)."""
    rows = ["f,Z_re,Z_im"]
    rows += [f"{f:.10e},{z.real:.12e},{z.imag:.12e}" for f, z in zip(frequency, Z, strict=True)]
    path.write_text("\n".join(rows) + "\n")


__all__ = ["Arcs", "frequency_grid", "interfacial_resistance", "read_arcs", "write_csv"]
