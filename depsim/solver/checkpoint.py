"""Restart data: ``checkpoint/state.json`` (scalars) and ``checkpoint/state.npz`` (fields).

Fields are stored by dof coordinates (gathered on rank 0), so a run can be restarted on a
different number of MPI ranks: the mesh is rebuilt from the case (deterministically) and each
rank picks its dofs by coordinate. Written atomically (temporary file, then rename).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_SCALE = 1e13  # coordinates in m are matched on a 0.1 pm grid


def coordinate_keys(coords: np.ndarray) -> list[tuple]:
    """Hashable keys of points [m] on a 0.1 pm grid (to match dofs or vertices by position)."""
    return [tuple(row) for row in np.rint(coords * _SCALE).astype(np.int64)]


def _owned(problem, sub: int):
    V, dofs = problem.W.sub(sub).collapse()
    dofs = np.asarray(dofs).reshape(-1)
    n = V.dofmap.index_map.size_local * V.dofmap.index_map_bs
    return V.tabulate_dof_coordinates()[:n], dofs[:n], V, dofs


def save_checkpoint(folder: Path, sim, comm) -> None:
    """Write the state of ``sim`` (a :class:`~depsim.solver.simulation.Simulation`)."""
    pb = sim.problem
    data = {}
    for sub, name in enumerate(pb.field_names):
        coords, dofs, _, _ = _owned(pb, sub)
        parts = comm.gather((coords, [f.x.array[dofs] for f in (pb.U, pb.U_n, pb.U_nm1)]), root=0)
        if comm.rank == 0:
            data[f"{name}_coords"] = np.concatenate([p[0] for p in parts])
            for k, tag in enumerate(("", "_n", "_nm1")):
                data[f"{name}{tag}"] = np.concatenate([p[1][k] for p in parts])
    ss = sim.stepsize
    state = {
        "t": sim.t,
        "step": sim.step,
        "dt_prev": sim.dt_prev,
        "dt": ss.dt if ss is not None else None,
        "cell_potential": pb.cell_potential,
        "cell_potential_history": list(pb.potential_history),
        "newton_scales": list(sim.newton.scales),
        "charge_passed": sim.charge_passed,
        "charge_applied": sim.charge_applied,
        "salt0": sim.salt0,
        "salt_expected": sim.salt_expected,
        "dM_prev": sim._dM_prev,
    }
    if comm.rank == 0:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "state.tmp.npz"
        np.savez(tmp, **data)
        tmp.replace(folder / "state.npz")
        tmpj = folder / "state.tmp.json"
        tmpj.write_text(json.dumps(state, indent=1))
        tmpj.replace(folder / "state.json")
    comm.barrier()


def load_checkpoint(folder: Path, sim) -> None:
    """Restore ``sim`` from ``folder`` (written by :func:`save_checkpoint`)."""
    pb = sim.problem
    comm = pb.comm
    state = json.loads((folder / "state.json").read_text())
    data = None
    if comm.rank == 0:
        with np.load(folder / "state.npz") as z:
            data = {k: z[k] for k in z.files}
    data = comm.bcast(data, root=0)
    for sub, name in enumerate(pb.field_names):
        lookup = {k: i for i, k in enumerate(coordinate_keys(data[f"{name}_coords"]))}
        _, _, V, dofs = _owned(pb, sub)
        coords = V.tabulate_dof_coordinates()
        idx = np.array([lookup.get(k, -1) for k in coordinate_keys(coords)])
        if np.any(idx < 0):
            raise RuntimeError(
                f"checkpoint in {folder} does not match this mesh ({np.sum(idx < 0)} dofs not "
                "found): was the case or the mesh changed?"
            )
        for f, tag in ((pb.U, ""), (pb.U_n, "_n"), (pb.U_nm1, "_nm1")):
            f.x.array[dofs] = data[f"{name}{tag}"][idx]
    for f in (pb.U, pb.U_n, pb.U_nm1):
        f.x.scatter_forward()
    sim.t = state["t"]
    sim.step = state["step"]
    sim.dt_prev = state["dt_prev"]
    if sim.stepsize is not None and state["dt"] is not None:
        sim.stepsize.dt = state["dt"]
    pb.cell_potential = state["cell_potential"]
    # checkpoints written before the history was stored: the history is the current value
    history = state.get("cell_potential_history") or [state["cell_potential"]] * 2
    pb.potential_history = tuple(history)
    if state.get("newton_scales"):  # absent in checkpoints written before they were stored
        sim.newton.scales = tuple(state["newton_scales"])
    sim.charge_passed = state["charge_passed"]
    sim.charge_applied = state["charge_applied"]
    sim.salt0 = state["salt0"]
    sim.salt_expected = state["salt_expected"]
    sim._dM_prev = state["dM_prev"]
