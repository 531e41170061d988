"""Bruce-Vincent transference number of the virtual Li|sep|Li cell (docs/virtual-lab.md §3).

1. EIS at rest gives the interfacial resistance R0 (the two charge-transfer arcs).
2. Chronoamperometry: the closed cell (both faces the case's Li, no double layer) steps from
   rest to dV (default 10 mV, the top Li positive: Li plates on the bottom). I0 is the current
   at t = 0+ with the composition still uniform (the consistent-initialisation solve: the
   double-layer spike of a real cell is over long before), and the cell is time-stepped
   (variable-step BDF2) for 15 relaxation times eps L^2 / (pi^2 D) to the steady current I_ss.
3. EIS at the steady state gives R_ss (the plating and stripping halves at +-I_ss).

t+ = I_ss (dV - I0 R0) / (I0 (dV - I_ss R_ss)) (:func:`depsim.physics.polarisation.bruce_vincent`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from depsim.lab.cell import Material, VirtualCell
from depsim.lab.eis import LiHalfCell, polarised_interfacial_resistance
from depsim.physics.polarisation import bruce_vincent
from depsim.physics.separator import donnan_transference_number

STEP = 0.010  # V: the 10 mV of the Bruce-Vincent protocol (Bruce and Vincent 1987)


@dataclass(frozen=True)
class BruceVincentResult:
    """SI: ``dV`` [V]; ``I0``, ``I_ss`` [A/m^2]; ``R0``, ``R_ss`` [Ohm m^2];
    ``transference_number`` (Bruce-Vincent) and ``transference_number_hittorf`` (the model's
    t+ at uniform composition, D+c+/(D+c+ + D-c-) with the Donnan c+-); ``time`` [s] and
    ``current`` [A/m^2] of the chronoamperogram; ``steady_drift`` |dI/I| over its last tenth;
    ``half_cell_voltage`` V_half(+I_ss) - V_half(-I_ss) [V] (equals dV when the symmetric
    decomposition of the polarised cell holds)."""

    dV: float
    I0: float
    R0: float
    I_ss: float
    R_ss: float
    transference_number: float
    transference_number_hittorf: float
    time: np.ndarray
    current: np.ndarray
    steady_drift: float
    half_cell_voltage: float

    def as_dict(self) -> dict:
        keys = ("dV", "I0", "R0", "I_ss", "R_ss", "transference_number")
        out = {k: getattr(self, k) for k in keys}
        out["transference_number_hittorf"] = self.transference_number_hittorf
        out["steady_drift"] = self.steady_drift
        out["half_cell_voltage"] = self.half_cell_voltage
        return out


def chronoamperometry(material: Material, n: int, comm, dV: float = STEP):
    """(t [s], I [A/m^2], I0) of the closed cell after a potential step ``dV`` [V] at t = 0;
    t[0] = 0 carries I0 and the run lasts 15 eps L^2 / (pi^2 D)."""
    from depsim.solver.simulation import Simulation
    from depsim.solver.stepsize import Stepsize

    cell = VirtualCell(material, "closed", n, comm, double_layer=False)
    try:
        pb = cell.problem
        pb.set_mode("potentiostatic")
        tau = material.porosity * material.thickness**2 / (math.pi**2 * material.salt_diffusivity)
        # steps up to tau / 5: the steady current moves by < 1e-7 relative against tau / 20
        steps = Stepsize(dt=1e-5 * tau, max_dt=0.2 * tau, min_dt=1e-12 * tau)
        sim = Simulation(pb, cell.newton, steps)
        sim.initialise(potential=dV)
        t, current = [0.0], [cell.plating_current()]

        def record(info) -> None:
            t.append(info.t)
            current.append(cell.plating_current())

        sim.advance(15.0 * tau, on_step=record)
    finally:
        cell.destroy()
    return np.array(t), np.array(current), current[0]


def measure_bruce_vincent(
    material: Material, li: LiHalfCell, R0: float, frequency, n: int, comm, dV: float = STEP
) -> BruceVincentResult:
    """The Bruce-Vincent protocol (module docstring); ``R0`` from the rest spectrum."""
    t, current, I0 = chronoamperometry(material, n, comm, dV)
    I_ss = float(current[-1])
    tail = current[t >= 0.9 * t[-1]]
    drift = float((tail.max() - tail.min()) / abs(I_ss))
    R_ss, V_sum = polarised_interfacial_resistance(li, I_ss, frequency)
    p = material.params
    t_h = donnan_transference_number(
        material.D_cation, material.D_anion, p.c0, material.fixed_charge
    )
    return BruceVincentResult(
        dV=dV,
        I0=float(I0),
        R0=float(R0),
        I_ss=I_ss,
        R_ss=float(R_ss),
        transference_number=bruce_vincent(dV, I0, R0, I_ss, R_ss),
        transference_number_hittorf=float(t_h),
        time=t,
        current=current,
        steady_drift=drift,
        half_cell_voltage=float(V_sum),
    )


__all__ = ["STEP", "BruceVincentResult", "chronoamperometry", "measure_bruce_vincent"]
