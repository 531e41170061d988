"""Checks of a case with ``model.growth = "phase-field"`` (docs/phase-field.md).

Only the keys the phase-field model uses are checked, and only when it is chosen; a
``[phase_field]`` table in a case that does not use it is reported as a warning.
"""

from __future__ import annotations

from depsim.errors import CaseError

__all__ = ["MIN_ELEMENTS_PER_WIDTH", "check_phase_field", "resolve_noise_seed"]

#: the interface width must span at least this many elements of the fine band
MIN_ELEMENTS_PER_WIDTH = 3.0


def check_phase_field(case) -> None:
    """Refuse what the phase-field model cannot run (CaseError naming the key), or warn about
    an unused ``[phase_field]`` table."""
    pf = case.phase_field
    if case.model.growth != "phase-field":
        if pf.model_fields_set:
            case._warnings.append(
                f"phase_field.{sorted(pf.model_fields_set)[0]}: not used with model.growth = "
                f"{case.model.growth!r} (set model.growth = 'phase-field')"
            )
        return
    el, mesh = case.electrode, case.geometry.mesh
    layer = case.geometry.separator
    gap = layer.gap if layer is not None else 0.0
    rules = (  # (refused when, key, why, value, allowed)
        (
            not el.deposition,
            "model.growth",
            "'phase-field' moves the Li surface, but electrode.deposition = false fixes it",
            "phase-field",
            "electrode.deposition = true (or unset), or no model.growth",
        ),
        (
            pf.interface_width is None,
            "phase_field.interface_width",
            "the interface width must be given with model.growth = 'phase-field'",
            None,
            f"a length of at least {MIN_ELEMENTS_PER_WIDTH:g} x geometry.mesh.electrode_size "
            f"({MIN_ELEMENTS_PER_WIDTH * mesh.electrode_size:.3g} m)",
        ),
        (
            pf.interface_width is not None
            and pf.interface_width < MIN_ELEMENTS_PER_WIDTH * mesh.electrode_size,
            "phase_field.interface_width",
            f"the interface must span at least {MIN_ELEMENTS_PER_WIDTH:g} elements of the fine "
            f"band (geometry.mesh.electrode_size = {mesh.electrode_size:.3g} m)",
            pf.interface_width,
            f">= {MIN_ELEMENTS_PER_WIDTH * mesh.electrode_size:.3g} m, or a smaller "
            "geometry.mesh.electrode_size",
        ),
        (
            case.geometry.kind != "interface_cell",
            "geometry.kind",
            "the phase-field cell is built on a structured mesh of the interface cell",
            case.geometry.kind,
            "interface_cell",
        ),
        (
            case.model.charge != "electroneutral",
            "model.charge",
            "the phase-field model is electroneutral (the Poisson model is not coupled yet)",
            case.model.charge,
            "electroneutral",
        ),
        (
            case.electrolyte.model != "dilute",
            "electrolyte.model",
            "the phase-field model uses the dilute Nernst–Planck transport",
            case.electrolyte.model,
            "dilute",
        ),
        (
            el.double_layer_capacitance > 0,
            "electrode.double_layer_capacitance",
            "a lumped double layer has no diffuse-interface form here",
            el.double_layer_capacitance,
            "0",
        ),
        (
            case.operation.counter != "reservoir",
            "operation.counter",
            "the phase-field cell has a reservoir on top",
            case.operation.counter,
            "reservoir",
        ),
        (
            layer is not None and not pf.li_enters_separator and gap <= 0.0,
            "phase_field.li_enters_separator",
            "the separator lies on the Li (geometry.separator.gap = 0) and the Li may not enter "
            "it: the Li cannot grow anywhere",
            False,
            "true, or a geometry.separator.gap > 0",
        ),
    )
    three_d = case.geometry.dimension == 3 and pf.anisotropy > 0.0
    rules += (
        (
            three_d and pf.anisotropy_mode != 4,
            "phase_field.anisotropy_mode",
            "3D cells take the cubic anisotropy only",
            pf.anisotropy_mode,
            "4 (or geometry.dimension = 2)",
        ),
        (
            three_d and pf.anisotropy_angle != 0.0,
            "phase_field.anisotropy_angle",
            "3D cells take the cubic anisotropy with its fast direction along y only",
            pf.anisotropy_angle,
            "0 (or geometry.dimension = 2)",
        ),
        (
            three_d and pf.anisotropy >= 0.6,
            "phase_field.anisotropy",
            "the cubic factor 1 + eps (4 sum n^4 - 3) turns negative for eps >= 0.6",
            pf.anisotropy,
            "[0, 0.6) in 3D",
        ),
    )
    for refused, key, why, value, allowed in rules:
        if refused:
            raise CaseError(key, why, value, allowed)


def resolve_noise_seed(case, ranks: int, restart_dir=None) -> int | None:
    """Fix ``phase_field.noise_seed`` of a phase-field case with noise before it is built:
    a given seed is kept; a restart takes the stopped run's (its case.resolved.toml); a serial
    run draws one (returned, to be logged; it is written to case.resolved.toml). Under MPI a
    missing seed is refused (CaseError): a run on several ranks must be repeatable from its
    case file. Returns the drawn seed, or None."""
    import secrets

    pf = case.phase_field
    if not case.phase_field_growth or pf.noise == 0.0 or pf.noise_seed is not None:
        return None
    if restart_dir is not None:
        import tomllib
        from pathlib import Path

        resolved = Path(restart_dir) / "case.resolved.toml"
        if resolved.exists():
            seed = tomllib.loads(resolved.read_text()).get("phase_field", {}).get("noise_seed")
            if seed is not None:
                pf.noise_seed = int(seed)
                return None
    if ranks > 1:
        raise CaseError(
            "phase_field.noise_seed",
            f"must be given with phase_field.noise > 0 on {ranks} MPI ranks (a parallel run is "
            "repeatable from its case file)",
            None,
            "an integer >= 0 (e.g. --set phase_field.noise_seed=1)",
        )
    pf.noise_seed = secrets.randbits(32)
    return pf.noise_seed
