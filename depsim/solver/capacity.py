"""Currents the electrode kinetics cannot carry, refused before anything is solved or written.

A saturating law (Marcus–Hush–Chidsey: :meth:`depsim.physics.kinetics.KineticsLaw.plateau`)
carries at most i0 * plateau at any overpotential. Under electroneutrality with an uncharged
pore liquid at the Li, plating lowers the surface concentration below c0, so the cathodic
plateau at c+ = c0 bounds every current the cell can plate; stripping is bounded by the anodic
plateau, which does not depend on c+. A galvanostatic load above the bound has no solution: it
is refused (exit code 2) with the plateau's value, instead of a failed initial solve.

Where the local i0 or c+ at the Li can exceed these bounds (an i0 pattern, Frumkin sites, a
charged matrix's Donnan enrichment, the Poisson model's double layer) nothing is refused here:
a load above what the solve can carry then stops with exit code 3 and the plateau in the log.
"""

from __future__ import annotations

from depsim.errors import CaseError
from depsim.physics.constants import AVOGADRO, FARADAY

__all__ = ["check_current_capacity", "kinetic_plateau"]


def kinetic_plateau(params) -> tuple[float, float] | None:
    """(stripping, plating) current bounds [A/m^2] of the case's kinetics at c+ = c0, or None
    when the law does not saturate."""
    law = params.kinetics_law
    bound = law.plateau(params.c0 / params.reference_concentration)
    if bound is None:
        return None
    return params.i0 * bound[0], params.i0 * bound[1]


def check_current_capacity(params, protocol, poisson: bool = False) -> None:
    """Refuse (CaseError, exit 2) a galvanostatic segment of ``protocol`` whose current density
    [A/m^2] (> 0 plates) exceeds the kinetics' plateau (module docstring)."""
    bounds = kinetic_plateau(params)
    if bounds is None or poisson or params.i0_pattern is not None or params.frumkin_sites:
        return
    if params.has_fixed_charge:
        return
    strip, plate = bounds
    for seg in protocol.segments:
        if seg.mode != "galvanostatic" or seg.value == 0.0:
            continue
        limit = plate if seg.value > 0 else strip
        if abs(seg.value) < limit:
            continue
        key = "operation.current_density" if len(protocol.segments) == 1 else "operation.steps"
        branch = "plating" if seg.value > 0 else "stripping"
        lam = params.reorganization_energy
        detail = f", reorganization_energy = {lam * AVOGADRO / FARADAY:.4g} eV" if lam else ""
        raise CaseError(
            key,
            f"{abs(seg.value):.6g} A/m^2 of {branch} is above the {params.kinetics} plateau "
            f"{limit:.6g} A/m^2 (i0 = {params.i0:.6g} A/m^2{detail}, c+ = c0): no overpotential "
            "carries it",
            seg.value,
            f"|current density| < {limit:.6g} A/m^2, or a larger exchange_current_density or "
            "reorganization_energy",
        )
