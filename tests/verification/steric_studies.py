"""Studies of the finite-ion-size (Bikerman) Poisson model (run by test_steric.py, also under
``mpirun -n 2``): the crowded equilibrium double layer at a charged wall against Kilic, Bazant
and Ajdari's closed form (Phys. Rev. E 75, 021502, 2007)."""

from __future__ import annotations

import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: split
import numpy as np
from mpi4py import MPI
from poisson_studies import COMM, T, _blocking_equilibrium, _max, _y_values

from depsim.geometry import debye as debye_mesh
from depsim.physics import electrolyte, steric
from depsim.physics import poisson as pnp
from depsim.physics.constants import AVOGADRO


def ion_size_for(nu: float, c0: float) -> float:
    """The ion size a [m] whose packing fraction 2 a^3 N_A c0 is ``nu``."""
    return (nu / (2.0 * AVOGADRO * c0)) ** (1.0 / 3.0)


def bikerman_wall(
    nu: float = 0.5,
    psi_wall_VT: float = 6.0,
    c0: float = 1.0,
    eps_r: float = 20.0,
    degree: int = 2,
    per_debye: float = 5.0,
    length_debye: float = 30.0,
) -> dict:
    """Equilibrium double layer of crowded ions at a blocking wall (y = 0) whose charge sigma
    is Bikerman's for the wall potential ``psi_wall_VT`` V_T; reservoir at
    ``length_debye`` lambda_D. Solved by the (crowded) Poisson–Boltzmann initialisation and
    then by the steady modified PNP equations from it."""
    lam = electrolyte.debye_length(c0, eps_r, T)
    L = length_debye * lam
    V_T = T * 8.314462618 / 96485.33212
    sigma = steric.surface_charge(psi_wall_VT * V_T, c0, eps_r, T, nu)
    bundle = debye_mesh.debye_strip(
        COMM, L, c0, eps_r, T, width=L / 10, nx=1, per_debye=per_debye, fine_debye=3.0,
        growth=1.15, h_max=lam / 2,
    )  # fmt: skip
    pb, newton, _, rep_init = _blocking_equilibrium(
        bundle, c0, degree, L, eps_r, atol=1e-13, surface_charge={"electrode": sigma},
        ion_size=ion_size_for(nu, c0),
    )  # fmt: skip
    y0, psi_init = _y_values(pb, 2)
    psi0_init = COMM.allreduce(
        float(np.max(psi_init[np.isclose(y0, 0.0)], initial=-np.inf)), op=MPI.MAX
    )
    pb.set_steady()
    rep = newton.solve()
    y, psi = _y_values(pb, 2)
    _, up = _y_values(pb, 0)
    _, um = _y_values(pb, 1)
    psi0 = COMM.allreduce(float(np.max(psi[np.isclose(y, 0.0)], initial=-np.inf)), op=MPI.MAX)
    cp, cm = steric.concentrations(up, um, nu)  # u±: log activities
    cp_eq, cm_eq = steric.equilibrium_concentrations(psi, nu)
    charge = pb.space_charge() / (L / 10)  # per wall area
    return {
        "packing": pb.packing,
        "sigma": sigma,
        "psi0_exact_VT": psi_wall_VT,
        "psi0_VT": psi0,
        "psi0_rel_err": abs(psi0 - psi_wall_VT) / psi_wall_VT,
        "psi0_init_rel_err": abs(psi0_init - psi_wall_VT) / psi_wall_VT,
        "psi0_dilute_VT": pnp.grahame_potential(sigma, c0, eps_r, T) / V_T,
        "c_max_hat": _max(np.concatenate([cp, cm])),
        "c_lattice_hat": 2.0 / nu,
        "equilibrium_max_err": _max(
            np.abs(np.concatenate([cp - cp_eq, cm - cm_eq])) / np.concatenate([cp_eq, cm_eq])
        ),
        "charge_rel_err": abs(charge + sigma) / abs(sigma),
        "newton_init": float(rep_init.iterations),
        "newton_steady": float(rep.iterations),
    }


STUDIES = {"bikerman_wall": bikerman_wall}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
