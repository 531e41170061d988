"""Studies of uniform refinement and geometric multigrid (depsim/geometry/refinement.py,
depsim/solver/multigrid.py).

Each study returns a dict of plain numbers, the same in serial and under ``mpirun -n 2``. Run
one directly (prints JSON on rank 0)::

    mpirun -n 2 python tests/verification/multigrid_studies.py refinement '{"dim": 3}'
"""

from __future__ import annotations

from pathlib import Path

# isort: off
import depsim  # noqa: F401  (loads the MPI of the dolfinx wheel: before dolfinx)

# isort: on
import numpy as np
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from depsim.case import load_case
from depsim.geometry import build_mesh
from depsim.geometry.refinement import barycentric, refine_bundle
from depsim.solver.block_schur import BlockSchurPreconditioner
from depsim.solver.build import build_problem
from depsim.solver.multigrid import block_prolongations
from depsim.solver.newton import BorderedNewton
from depsim.solver.simulation import Simulation
from depsim.solver.stepsize import Stepsize

COMM = MPI.COMM_WORLD
ROOT = Path(__file__).resolve().parents[2]
FLAT = ROOT / "cases" / "examples" / "flat_galvanostatic.toml"
PIA = ROOT / "cases" / "paper" / "pia.toml"


def _separator_case(dim: int, refinements: int = 0, **extra):
    """A small rough cell with a separator layer (internal facets) in ``dim`` D."""
    over = {
        "geometry.dimension": dim,
        "geometry.electrode.roughness": "bumps",
        "geometry.electrode.amplitude": "0.5 um",
        "geometry.separator.thickness": "2 um",
        "geometry.mesh.size": "4 um" if dim == 3 else "2 um",
        "geometry.mesh.electrode_size": "1 um" if dim == 3 else "0.5 um",
        "geometry.mesh.refinements": refinements,
        "separator.porosity": 0.6,
        "separator.bruggeman": 1.5,
        "separator.fixed_charge": "-1e8 C/m^3",
        **extra,
    }
    if dim == 3:
        over["geometry.depth"] = "10 um"
    return load_case(FLAT, over)


def refinement(dim: int, times: int = 2) -> dict:
    """Regions and tagged measures of the coarse and the refined cell, and how far a fine
    cell's vertices stray outside its parent (barycentric coordinates, -> 0)."""
    coarse = build_mesh(_separator_case(dim), COMM)
    fine = refine_bundle(coarse, times)
    res: dict = {"levels": len(fine.hierarchy), "cells": fine.n_cells, "cells0": coarse.n_cells}
    for name, count in coarse.cell_counts.items():
        res[f"cells_{name}"] = fine.cell_counts[name] / count
    for name, tag in coarse.facet_markers.items():
        res[f"measure_{name}"] = fine.facet_measure(tag) / coarse.facet_measure(tag)
    outside = 0.0
    meshes = [lev.mesh for lev in fine.hierarchy] + [fine.mesh]
    for lev, m_fine in zip(fine.hierarchy, meshes[1:], strict=True):
        m_c = lev.mesh
        n = m_fine.topology.index_map(dim).size_local
        xf = m_fine.geometry.x[m_fine.geometry.dofmaps[0][:n]]
        xc = m_c.geometry.x[m_c.geometry.dofmaps[0][lev.parent_cells]]
        outside = min(outside, float(barycentric(xc, xf).min()) if n else 0.0)
    res["outside"] = COMM.allreduce(outside, op=MPI.MIN)
    return res


def prolongation(dim: int, times: int = 2) -> dict:
    """The block prolongations reproduce a P1 field of the coarsest mesh on the finest, field
    by field and in the fieldsplit's order (max error relative to the field's size)."""
    case = _separator_case(dim, times, **{"model.charge": "poisson"})
    from depsim.geometry import build_geometry_mesh
    from depsim.geometry.cell_geometry import CellGeometry
    from depsim.solver.parameters import ModelParameters
    from depsim.solver.poisson_problem import PoissonNernstPlanckProblem

    bundle = build_geometry_mesh(CellGeometry.from_case(case), COMM)
    params = ModelParameters.from_case(case, mesh_has_separator=True)
    pb = PoissonNernstPlanckProblem(
        bundle.mesh,
        bundle.facet_tags,
        params,
        resolution="off",
        markers=bundle.markers,
        projected_area=bundle.projected_area,
        cell_tags=bundle.cell_tags,
    )
    W = pb.W
    names = tuple(pb.field_names)
    block = BlockSchurPreconditioner(pb, PETSc.KSP().create(COMM))
    scale = 1e6

    def linear(k):
        return lambda x: 1.0 + scale * ((k + 1) * x[0] - 2.0 * x[1] + 0.5 * x[dim - 1])

    errors = {}
    for split, is_, fields in (
        ("c", block.is_c, [i for i in range(len(names)) if names[i] != block.potential_field]),
        ("p", block.is_p, [names.index(block.potential_field)]),
    ):
        mats = block_prolongations(W, fields, is_.getIndices(), bundle.hierarchy)
        # the coarsest block vector: field j's values at the coarsest nodes, field-major
        V0 = fem.functionspace(bundle.hierarchy[0].mesh, ("Lagrange", 1))
        n0 = V0.dofmap.index_map.size_local
        parts = []
        for j in range(len(fields)):
            f = fem.Function(V0)
            f.interpolate(linear(fields[j]))
            parts.append(f.x.array[:n0])
        x = mats[0].createVecRight()
        x.setArray(np.concatenate(parts))
        for P in mats:
            y = P.createVecLeft()
            P.mult(x, y)
            x = y
        # the expected finest block vector: U's values gathered through the index set
        U = fem.Function(W)
        for field in fields:
            U.sub(field).interpolate(linear(field))
        U.x.scatter_forward()
        expected = U.x.petsc_vec.getSubVector(is_)
        x.axpy(-1.0, expected)
        errors[f"err_{split}"] = x.norm(PETSc.NormType.INFINITY) / expected.norm(
            PETSc.NormType.INFINITY
        )
        U.x.petsc_vec.restoreSubVector(is_, expected)
        errors[f"rows_{split}"] = mats[-1].getSize()[0]
    block.destroy()
    return errors


def paper_case(dim: int, refinements: int):
    """The paper cell (cases/paper/pia.toml) at coarse sizes (2 / 0.2 um) refined uniformly
    ``refinements`` times, with fixed 10 ms steps."""
    return load_case(
        PIA,
        {
            "geometry.dimension": dim,
            "geometry.mesh.size": "2 um",
            "geometry.mesh.electrode_size": "0.2 um",
            "geometry.mesh.refinements": refinements,
            "time.dt": "0.01 s",
            "time.adaptive": False,
        },
    )


def krylov(levels: list[int], multigrid: str, dim: int = 2, shared: bool = True) -> dict:
    """Krylov iterations per linear solve (3 fixed steps after the initial state) on the paper
    cell refined uniformly 0..n times from coarse sizes, and the cell potential at the end.
    ``shared = False``: the factored Schur complement on copies of the Jacobian's blocks
    instead of the fieldsplit's own."""
    res = {}
    for lev in levels:
        _, _, pb = build_problem(paper_case(dim, lev), COMM)
        newton = BorderedNewton(
            pb,
            linear="iterative",
            multigrid=multigrid,
            petsc_options={"ksp_rtol": 1e-6},
            prefix=f"mg_{multigrid}_{lev}_{int(shared)}_",
        )
        res[f"shared_{lev}"] = newton.block_pc.shared_blocks
        newton.block_pc.shared_blocks = newton.block_pc.shared_blocks and shared
        sim = Simulation(pb, newton, Stepsize(dt=0.01, adaptive=False))
        sim.initialise()
        its0, s0 = newton.total_linear_iterations, newton.total_linear_solves
        sim.advance(sim.t + 0.03)
        res[f"its_{lev}"] = (newton.total_linear_iterations - its0) / (
            newton.total_linear_solves - s0
        )
        res[f"total_its_{lev}"] = newton.total_linear_iterations
        res[f"potential_{lev}"] = float(pb.cell_potential)
        res[f"multigrid_{lev}"] = newton.multigrid
        res[f"dofs_{lev}"] = pb.W.dofmap.index_map.size_global * pb.W.dofmap.index_map_bs
        newton.destroy()
    return res


STUDIES = {"refinement": refinement, "prolongation": prolongation, "krylov": krylov}

if __name__ == "__main__":
    from study_cli import main

    main(STUDIES)
