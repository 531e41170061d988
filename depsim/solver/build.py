"""Building the model of a case: its mesh (the Debye-resolved one in Poisson mode, or a
restarted moving surface's), its parameters and the transport problem of ``model.charge``."""

from __future__ import annotations

from pathlib import Path

from depsim.errors import CaseError

__all__ = ["build_problem", "phase_field_band", "restart_bundle"]


def build_problem(case, comm, bundle=None):
    """Mesh, parameters and the problem of ``model.charge`` for ``case`` (nothing written).

    Poisson mode first checks that the Debye length can be resolved (CaseError otherwise) and
    refines the electrode element size to lambda_D / 5. ``bundle``: use this mesh (e.g. a
    remeshed cell) instead of building the case's.
    """
    from depsim.geometry import build_mesh
    from depsim.solver.parameters import ModelParameters

    poisson = case.model.charge == "poisson"  # (refused with a phase field)
    phase_field = None
    if case.phase_field_growth:
        bundle, phase_field = _phase_field_cell(case, comm, bundle)
    elif bundle is None:
        bundle = _debye_resolved_mesh(case, comm) if poisson else build_mesh(case, comm)
    params = ModelParameters.from_case(
        case, mesh_has_separator=bundle.cell_counts.get("separator", 0) > 0
    ).with_(phase_field=phase_field)
    common = dict(
        markers=bundle.markers, projected_area=bundle.projected_area, cell_tags=bundle.cell_tags
    )
    if poisson:
        from depsim.solver.poisson_problem import PoissonNernstPlanckProblem

        problem = PoissonNernstPlanckProblem(
            bundle.mesh,
            bundle.facet_tags,
            params,
            resolution="raise",
            moving_mesh=case.ale_growth,
            **common,
        )
    else:
        from depsim.solver.problem import ElectroneutralProblem

        problem = ElectroneutralProblem(
            bundle.mesh,
            bundle.facet_tags,
            params,
            moving_mesh=case.ale_growth,
            **common,
        )
    problem.mesh_hierarchy = tuple(bundle.hierarchy)
    return bundle, params, problem


def _phase_field_cell(case, comm, bundle=None):
    """(bundle, PhaseFieldParameters) of a phase-field case: its structured cell
    (:mod:`depsim.geometry.phase_field_cell`, unless ``bundle`` is given) and the diffuse
    surface starting on the case's roughness."""
    from depsim.geometry.cell_geometry import CellGeometry
    from depsim.geometry.interface_cell import profile_function
    from depsim.geometry.phase_field_cell import build_phase_field_cell
    from depsim.physics.phase_field import PhaseFieldParameters

    geom, pf = CellGeometry.from_case(case), case.phase_field
    if bundle is None:
        bundle = build_phase_field_cell(geom, pf.li_thickness, phase_field_band(case), comm)
    h = profile_function(geom)  # the case's roughness, h(x) or h(x, z)

    def surface(x):
        return h(x[0]) if geom.dimension == 2 else h(x[0], x[2])

    params = PhaseFieldParameters(
        width=pf.interface_width,
        initial_height=0.0,
        restoring=pf.restoring,
        reference_current=pf.reference_current,
        electrolyte_floor=pf.electrolyte_floor,
        conservative=pf.form == "conservative",
        li_enters_separator=pf.li_enters_separator,
        surface=surface,
        anisotropy=pf.anisotropy,
        anisotropy_mode=pf.anisotropy_mode,
        anisotropy_angle=pf.anisotropy_angle,
        noise=pf.noise,
        noise_length=pf.noise_length,
        noise_seed=pf.noise_seed,
        tangential_damping=pf.tangential_damping,
    )
    return bundle, params


def phase_field_band(case) -> float:
    """y_band [m]: the height above the mean surface that the fine elements of the phase-field
    cell reach: ``phase_field.band``, or the roughness amplitude + 2 um + 4 interface widths;
    at most the cell height. (Not from the run's duration: a restarted run must find the same
    mesh.)"""
    pf, geo = case.phase_field, case.geometry
    if pf.band is not None:
        return min(pf.band, geo.height)
    amplitude = geo.electrode.amplitude if geo.electrode.roughness != "flat" else 0.0
    return min(amplitude + 2.0e-6 + 4.0 * pf.interface_width, geo.height)


def _debye_resolved_mesh(case, comm):
    """The case's cell resolving lambda_D at the Li: an interface cell without a separator
    layer (and without a moving surface) gets an anisotropic boundary layer
    (:mod:`depsim.geometry.boundary_layer`); other cells get isotropic elements of at most
    lambda_D / 5 at the Li. CaseError when that would need an unreasonable mesh."""
    from depsim.geometry import build_geometry_mesh
    from depsim.geometry.boundary_layer import (
        layered_cell_size,
        layered_interface_cell,
        supports_layered_mesh,
    )
    from depsim.geometry.cell_geometry import CellGeometry
    from depsim.geometry.debye_resolution import MAX_CELLS
    from depsim.physics.electrolyte import debye_length

    geom = CellGeometry.from_case(case)
    if supports_layered_mesh(geom) and not case.ale_growth:
        el = case.electrolyte
        lam = debye_length(el.concentration, el.relative_permittivity, el.temperature)
        # a charged matrix meets the uncharged reservoir in a Donnan layer at the top
        top = case.separator is not None and case.separator.fixed_charge != 0
        columns, rows = layered_cell_size(geom, lam, refine_top=top)
        per = 2 if geom.dimension == 2 else 6  # triangles or tetrahedra per column and row
        if per * columns * rows > MAX_CELLS:
            raise CaseError(
                "geometry.mesh.electrode_size",
                f"the Debye-layer mesh would have {columns} columns x {rows} rows x {per} = "
                f"{per * columns * rows:.3g} cells (limit {MAX_CELLS:.2g})",
                geom.electrode_size,
                "a larger electrode_size (the column width along the Li)",
            )
        from depsim.geometry.refinement import refine_bundle

        bundle = layered_interface_cell(geom, comm, lam, refine_top=top)
        return refine_bundle(bundle, geom.refinements)
    return build_geometry_mesh(_debye_resolved_geometry(case), comm)


def _debye_resolved_geometry(case):
    """The case's :class:`~depsim.geometry.CellGeometry` with the electrode element size at
    most lambda_D / 5 (checked to be feasible)."""
    import dataclasses

    from depsim.geometry.cell_geometry import CellGeometry
    from depsim.geometry.debye import check_resolvable, required_element_size

    geom = CellGeometry.from_case(case)
    c0, T = case.electrolyte.concentration, case.electrolyte.temperature
    eps_r = case.electrolyte.relative_permittivity
    extent = (geom.width, geom.height) + ((geom.depth,) if geom.dimension == 3 else ())
    check_resolvable(extent, c0, eps_r, T)
    h = required_element_size(c0, eps_r, T)
    # gmsh sizes are edge lengths: leave a margin for the element height normal to the Li
    return dataclasses.replace(geom, electrode_size=min(geom.electrode_size, 0.7 * h))


def restart_bundle(case, comm, folder: Path):
    """The moved (and possibly remeshed) mesh of a deposition run's checkpoint."""
    from depsim.deposition.restart import read_mesh
    from depsim.geometry.cell_geometry import CellGeometry

    if case.model.charge == "poisson":
        geom = _debye_resolved_geometry(case)
    else:
        geom = CellGeometry.from_case(case)
    return read_mesh(folder, comm, geom, geom.projected_area)
