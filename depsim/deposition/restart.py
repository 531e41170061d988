"""Restart data of a run with a moving Li surface (``checkpoint/`` of the run folder).

A deposition run cannot rebuild its mesh from the case: the Li surface moved and the cell may
have been remeshed. Its checkpoint therefore also holds

* the current (moved) mesh with its cell and facet tags, ``mesh_<step>.xdmf``/``.h5`` written
  by dolfinx's XDMFFile (read back on any number of ranks; the file name is recorded in
  ``deposition.json``, which is replaced atomically after the mesh is written, and older
  mesh files are removed only then);
* ``deposition.npz``: per electrode vertex the deposit thickness and, per mesh vertex, the two
  last node displacements D_n, D_(n-1) of the ALE term, all keyed by vertex coordinates;
* ``deposition.json``: the controller's scalars (initial volume, deposited volume, remeshes,
  volume corrections, swept salt, the reference amplitude), the mesh mover's reference cell
  volume and the surface profiles kept for the figure.

The solver's unknowns and the time-stepping state are in ``state.npz``/``state.json``
(:mod:`depsim.solver.checkpoint`), matched by dof coordinates on the mesh read back here, so a
restarted run continues exactly where it stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from dolfinx import io
from dolfinx.mesh import GhostMode

from depsim.solver.checkpoint import coordinate_keys

__all__ = ["check_restart_folder", "load_deposition_state", "read_mesh", "save_deposition_state"]

_STATE = "deposition.json"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp.json")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def _write_mesh(folder: Path, name: str, bundle) -> None:
    """The mesh, its facet tags and (if any) cell tags in ``folder/name.xdmf`` (collective)."""
    mesh = bundle.mesh
    with io.XDMFFile(mesh.comm, folder / f"{name}.xdmf", "w") as f:
        f.write_mesh(mesh)
        bundle.facet_tags.name = "facet_tags"
        f.write_meshtags(bundle.facet_tags, mesh.geometry)
        if bundle.cell_tags is not None:
            bundle.cell_tags.name = "cell_tags"
            f.write_meshtags(bundle.cell_tags, mesh.geometry)


def read_mesh(folder: Path, comm, geometry, projected_area: float):
    """The :class:`~depsim.geometry.MeshBundle` saved by :func:`save_deposition_state`
    (collective; any number of ranks), with the markers it had."""
    from depsim.geometry.bundle import make_bundle

    state = json.loads((Path(folder) / _STATE).read_text())
    path = Path(folder) / f"{state['mesh']}.xdmf"
    with io.XDMFFile(comm, path, "r") as f:
        mesh = f.read_mesh(ghost_mode=GhostMode.shared_facet, name="mesh")
        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)
        facet_tags = f.read_meshtags(mesh, name="facet_tags")
        cell_tags = f.read_meshtags(mesh, name="cell_tags") if state["cell_tags"] else None
    return make_bundle(
        mesh,
        cell_tags,
        facet_tags,
        state["markers"],
        geometry=geometry,
        projected_area=projected_area,
    )


def _vertex_data(V, geom_nodes, arrays: dict):
    """(coordinates, {name: rows}) of the owned vertex blocks of the vector P1 space V."""
    n = V.dofmap.index_map.size_local
    x = V.mesh.geometry.x[geom_nodes[:n]]
    return x, {k: np.asarray(a)[:n] for k, a in arrays.items()}


def save_deposition_state(folder: Path, controller, step: int) -> None:
    """Write the moving-surface part of a checkpoint (collective)."""
    comm = controller.comm
    folder = Path(folder)
    surface = controller.surface
    mover, growth = surface.mover, surface.growth
    V = mover.V
    gdim = mover.gdim
    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
    comm.barrier()
    name = f"mesh_{step:08d}"
    _write_mesh(folder, name, controller.bundle)

    # nodal displacements D_n, D_(n-1) (vector P1, all vertices) and the thickness (electrode)
    zero = np.zeros(V.dofmap.index_map.size_local + V.dofmap.index_map.num_ghosts)
    disp = {}
    for key, d in (("last", surface._last_disp), ("prev", surface._prev_disp)):
        disp[key] = (zero.repeat(gdim) if d is None else d).reshape(-1, gdim)
    x, rows = _vertex_data(V, mover._geom_nodes, disp)
    n_own = V.dofmap.index_map.size_local
    owned_e = growth.blocks < n_own
    xe = V.mesh.geometry.x[mover._geom_nodes[growth.blocks[owned_e]]]
    parts = comm.gather((x, rows, xe, growth.thickness[owned_e]), root=0)
    if comm.rank == 0:
        data = {
            "vertex_coords": np.concatenate([p[0] for p in parts]),
            "electrode_coords": np.concatenate([p[2] for p in parts]),
            "thickness": np.concatenate([p[3] for p in parts]),
        }
        for key in disp:
            data[f"disp_{key}"] = np.concatenate([p[1][key] for p in parts])
        tmp = folder / "deposition.tmp.npz"
        np.savez(tmp, **data)
        tmp.replace(folder / "deposition.npz")
        old = None
        if (folder / _STATE).exists():
            old = json.loads((folder / _STATE).read_text()).get("mesh")
        _write_json(
            folder / _STATE,
            {
                "mesh": name,
                "cell_tags": controller.bundle.cell_tags is not None,
                "markers": controller.bundle.markers,
                "has_last": surface._last_disp is not None,
                "has_prev": surface._prev_disp is not None,
                "volume0": controller.volume0,
                "deposited_volume": surface.deposited_volume,
                "moves": surface.moves,
                "remeshes": controller.remeshes,
                "volume_correction": controller.volume_correction,
                "salt_swept": controller.salt_swept,
                "a0": controller._a0,
                "vol_ref": mover._vol_ref,
                "profiles": [[t, x.tolist(), y.tolist()] for t, x, y in controller.profiles],
            },
        )
        if old and old != name:
            for suffix in (".xdmf", ".h5"):
                (folder / f"{old}{suffix}").unlink(missing_ok=True)
    comm.barrier()


def _lookup(stored: np.ndarray, wanted: np.ndarray, what: str, folder: Path) -> np.ndarray:
    table = {k: i for i, k in enumerate(coordinate_keys(stored))}
    idx = np.array([table.get(k, -1) for k in coordinate_keys(wanted)], dtype=np.int64)
    if np.any(idx < 0):
        raise RuntimeError(
            f"checkpoint in {folder}: {np.sum(idx < 0)} {what} of the saved mesh not found"
        )
    return idx


def load_deposition_state(folder: Path, controller) -> None:
    """Restore the moving-surface state saved by :func:`save_deposition_state` into a
    controller built on the mesh from :func:`read_mesh` (collective)."""
    folder = Path(folder)
    comm = controller.comm
    state = json.loads((folder / _STATE).read_text())
    data = None
    if comm.rank == 0:
        with np.load(folder / "deposition.npz") as z:
            data = {k: z[k] for k in z.files}
    data = comm.bcast(data, root=0)
    surface = controller.surface
    mover, growth = surface.mover, surface.growth
    x = mover.V.mesh.geometry.x
    idx = _lookup(data["vertex_coords"], x[mover._geom_nodes], "vertices", folder)
    if state["has_last"]:
        surface._last_disp = data["disp_last"][idx].ravel().copy()
    if state["has_prev"]:
        surface._prev_disp = data["disp_prev"][idx].ravel().copy()
    ie = _lookup(
        data["electrode_coords"], x[mover._geom_nodes[growth.blocks]], "electrode vertices", folder
    )
    growth.thickness = data["thickness"][ie].copy()
    surface.deposited_volume = state["deposited_volume"]
    surface.moves = state["moves"]
    mover._vol_ref = state["vol_ref"]
    controller.volume0 = state["volume0"]
    controller.remeshes = state["remeshes"]
    controller.volume_correction = state["volume_correction"]
    controller.salt_swept = state["salt_swept"]
    controller._a0 = state["a0"]
    if comm.rank == 0:
        controller.profiles = [
            (t, np.asarray(xs), np.asarray(ys)) for t, xs, ys in state["profiles"]
        ]


def check_restart_folder(folder: Path, deposition: bool) -> None:
    """CaseError (key ``--restart``) unless ``folder`` holds a checkpoint, with the moving
    surface's data when the run to continue moves the mesh (``deposition``)."""
    from depsim.errors import CaseError

    if not (folder / "checkpoint" / "state.json").exists():
        allowed = "a run folder with checkpoint/state.json"
        raise CaseError("--restart", "no checkpoint found", str(folder), allowed)
    if deposition and not (folder / "checkpoint" / "deposition.json").exists():
        raise CaseError(
            "--restart",
            "the checkpoint has no moving-surface data (was it written by a run with "
            "electrode.deposition = false?)",
            str(folder),
            "a checkpoint of a deposition run",
        )
