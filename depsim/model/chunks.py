"""Assembly in cell chunks: bounded memory for the coefficients dolfinx packs.

Before it integrates a form, dolfinx packs the values of all the form's coefficients on every
cell into one array (cells x the coefficients' element dimensions). For the transport residual
in 3D (the fields now and at the two previous steps, and the region coefficients: 28 values
per tetrahedron for the paper cell) that is 220 bytes per cell, 0.4 GB per rank at 3.5M
tetrahedra on two ranks: a transient that sets the run's peak memory (benchmarks/README.md,
"3D memory"). :func:`chunk_forms` splits a form into forms over consecutive blocks of its
cells, the same compiled kernels and coefficients, so that each block packs only its own
cells; the facet integrals (the boundary layer, small) stay whole in the first block. Summing
the blocks' vectors or matrices gives the form's, up to the order of floating-point additions
on the nodes shared by two blocks.

A form whose packed array fits :data:`CHUNK_BYTES` is returned unsplit (every 2D case and the
small 3D ones), so nothing changes there. :func:`blocks` makes a form's blocks once;
:func:`assemble_vector`, :func:`apply_lifting` and :func:`assemble_matrix` are dolfinx's
PETSc assemblers over them.
"""

from __future__ import annotations

import math
import weakref

import dolfinx.fem as fem
import dolfinx.fem.petsc as fem_petsc
import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

__all__ = [
    "CHUNK_BYTES",
    "apply_lifting",
    "assemble_matrix",
    "assemble_vector",
    "blocks",
    "chunk_forms",
    "packed_bytes",
]

#: the largest coefficient array packed at once, per rank [bytes]
CHUNK_BYTES = 64 * 2**20


def _cstride(form: fem.Form) -> int:
    """Number of coefficient values packed per entity (all the form's coefficients)."""
    total = 0
    for f in form._cpp_object.coefficients:
        V = f.function_space
        total += V.dofmap.dof_layout.num_dofs * V.dofmap.bs
    return total


def packed_bytes(form: fem.Form) -> int:
    """Bytes of the coefficient array of the form's cell integrals on this rank."""
    cpp = form._cpp_object
    if fem.IntegralType.cell not in cpp.integral_types:
        return 0
    cell = fem.IntegralType.cell
    n = sum(len(cpp.domains(cell, i)) for i in range(cpp.num_integrals(cell, 0)))
    return n * _cstride(form) * np.dtype(form.dtype).itemsize


def chunk_forms(form: fem.Form, max_bytes: int | None = None) -> list[fem.Form]:
    """``form`` as a list of forms over blocks of its cells (module docstring) whose packed
    coefficients take at most about ``max_bytes`` (None: :data:`CHUNK_BYTES`) each on this
    rank; ``[form]`` if it fits.

    Collective: every rank returns the same number of blocks (some may be empty).
    """
    comm = form.mesh.comm
    budget = CHUNK_BYTES if max_bytes is None else max_bytes
    parts = max(1, math.ceil(packed_bytes(form) / budget))
    parts = comm.allreduce(parts, op=MPI.MAX)
    if parts == 1:
        return [form]
    cpp, ufcx = form._cpp_object, form.ufcx_form
    ffi = form.module.ffi
    offsets = [ufcx.form_integral_offsets[t] for t in range(len(fem.IntegralType) + 1)]
    n_coeff = ufcx.num_coefficients
    ctype = type(cpp)
    out = []
    for k in range(parts):
        integrals = {}
        permutations = False
        for itype in cpp.integral_types:
            items = []
            for i in range(cpp.num_integrals(itype, 0)):
                itg = ufcx.form_integrals[offsets[int(itype.value)] + i]
                entities = cpp.domains(itype, i)
                if itype == fem.IntegralType.cell:
                    entities = np.array_split(entities, parts)[k]
                elif k > 0:
                    entities = entities[:0]
                kernel = int(ffi.cast("uintptr_t", itg.tabulate_tensor_float64))
                used = [c for c in range(n_coeff) if itg.enabled_coefficients[c]]
                items.append(
                    (
                        i,
                        kernel,
                        np.ascontiguousarray(entities, dtype=np.int32).ravel(),
                        np.asarray(used, dtype=np.int8),
                    )
                )
                permutations = permutations or bool(itg.needs_facet_permutations)
            integrals[itype] = items
        sub = ctype(
            list(cpp.function_spaces),
            integrals,
            list(cpp.coefficients),
            list(cpp.constants),
            permutations,
            [],
            cpp.mesh,
        )
        out.append(fem.Form(sub, ufcx, form.code, form.module))
    return out


#: the blocks of each split form (None: used whole); weak, so a dropped form is not kept
_BLOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def blocks(form: fem.Form) -> list[fem.Form]:
    """The blocks of ``form`` (:func:`chunk_forms` at :data:`CHUNK_BYTES`), made at the first
    call for this form object. Collective at that first call."""
    if form not in _BLOCKS:
        split = chunk_forms(form)
        _BLOCKS[form] = split if len(split) > 1 else None
    split = _BLOCKS[form]
    return [form] if split is None else split


def assemble_vector(b: PETSc.Vec, form: fem.Form) -> None:
    """Add the vector of the linear ``form`` to ``b`` (local and ghost entries; no ghost
    update), block by block."""
    for part in blocks(form):
        fem_petsc.assemble_vector(b, part)


def apply_lifting(b: PETSc.Vec, form: fem.Form, bcs, x0: PETSc.Vec, alpha: float) -> None:
    """dolfinx's ``apply_lifting(b, [form], [bcs], [x0], alpha)``, block by block."""
    for part in blocks(form):
        fem_petsc.apply_lifting(b, [part], bcs=[bcs], x0=[x0], alpha=alpha)


def assemble_matrix(A: PETSc.Mat, form: fem.Form | list[fem.Form], bcs) -> None:
    """Zero ``A`` and assemble the bilinear ``form`` (or the sum of a list of forms) with
    Dirichlet ``bcs`` (unit diagonal on their rows), block by block; finalised."""
    parts = [p for f in (form if isinstance(form, list) else [form]) for p in blocks(f)]
    A.zeroEntries()
    for k, part in enumerate(parts):
        if k:  # the last block inserted the unit diagonal: flush before adding again
            A.assemble(PETSc.Mat.AssemblyType.FLUSH)
        fem_petsc.assemble_matrix(A, part, bcs=bcs)
    A.assemble()
