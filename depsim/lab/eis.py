"""Electrochemical impedance spectroscopy of the virtual cells (docs/virtual-lab.md §2).

- **Li|sep|Li at rest**: the symmetric cell's spectrum, 2 Z_half of the Li half cell (the
  case's kinetics and C_dl); it shows the bulk resistance, the two charge-transfer arcs and the
  finite-length Warburg arc of the salt.
- **SS|sep|SS** (blocking faces, double layer only): its high-frequency intercept is the bulk
  resistance R_b and the measured conductivity kappa = L / R_b.
- **Li|sep|Li polarised** at a steady current I (Bruce-Vincent "after"): the plating half at
  +I plus the stripping half at -I; only its interfacial resistance is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from depsim.lab.cell import Material, VirtualCell
from depsim.lab.linear_response import LinearResponse
from depsim.lab.spectrum import Arcs, frequency_grid, interfacial_resistance, read_arcs


@dataclass(frozen=True)
class EISResult:
    """``frequency`` [Hz]; ``Z`` (Li|sep|Li) and ``Z_blocking`` (SS|sep|SS) [Ohm m^2, complex];
    ``arcs`` read off the Li cell's spectrum; ``R_bulk_blocking`` the SS cell's high-frequency
    intercept [Ohm m^2]; ``conductivity`` L / R_bulk_blocking [S/m]."""

    frequency: np.ndarray
    Z: np.ndarray
    Z_blocking: np.ndarray
    arcs: Arcs
    R_bulk_blocking: float
    conductivity: float


class LiHalfCell:
    """The Li half cell of the lab with the double layer, kept for the polarised spectra and
    the Tafel sweep (``cell``: the :class:`VirtualCell`)."""

    def __init__(self, material: Material, n: int, comm):
        self.cell = VirtualCell(material, "li-half", n, comm, double_layer=True)

    def spectrum_function(self):
        """z(omega) of the half cell at its present state (a fresh linearisation)."""
        lr = LinearResponse(self.cell.problem)
        return lr.impedance, lr

    def polarise(self, current: float) -> float:
        """Steady state at plating ``current`` [A/m^2] from rest (continuation); returns the
        half cell's potential [V] (the Li against a Li reference at the mid-plane, > 0
        drives plating)."""
        cell = self.cell
        cell.rest()
        cell.steady(load=cell.set_current, target=current, start=0.0)
        return cell.problem.cell_potential


def measure_eis(material: Material, li: LiHalfCell, n: int, comm, points_per_decade=20):
    """The rest spectra of Li|sep|Li and SS|sep|SS (:class:`EISResult`)."""
    f = frequency_grid(material, points_per_decade)
    omega = 2.0 * math.pi * f
    li.cell.rest()
    z_half, lr = li.spectrum_function()

    def z(w):
        return 2.0 * z_half(w)

    Z = z(omega)
    arcs = read_arcs(z, omega, Z, faces=2)
    lr.destroy()
    blocking = VirtualCell(material, "blocking-half", n, comm, double_layer=True)
    try:
        blocking.rest()
        lrb = LinearResponse(blocking.problem)
        Zb = 2.0 * lrb.impedance(omega)
        lrb.destroy()
    finally:
        blocking.destroy()
    R_b = float(Zb.real[-1])
    return EISResult(f, Z, Zb, arcs, R_b, material.thickness / R_b)


def polarised_interfacial_resistance(li: LiHalfCell, current: float, frequency: np.ndarray):
    """(R_ss [Ohm m^2], cell voltage [V]) of the Li|sep|Li cell at steady plating ``current``
    [A/m^2]: the interfacial resistances of its plating half (+I) and stripping half (-I)
    summed, and V_half(+I) - V_half(-I) (the closed cell's voltage at that current)."""
    omega = 2.0 * math.pi * np.asarray(frequency)
    R, V = 0.0, 0.0
    for sign in (1.0, -1.0):
        V += sign * li.polarise(sign * current)
        z, lr = li.spectrum_function()
        R += interfacial_resistance(z, omega)
        lr.destroy()
    li.cell.rest()
    return R, V


__all__ = ["EISResult", "LiHalfCell", "measure_eis", "polarised_interfacial_resistance"]
