"""What the rest of depsim needs from a transport problem: the typed interface.

Newton (:mod:`depsim.solver.newton`), the time loop (:mod:`depsim.solver.simulation`),
checkpoints, the outputs and the moving surface use a problem only through these attributes and
methods. The composed problem :class:`~depsim.model.transport.CellProblem` implements it for
every charge model (:class:`~depsim.solver.problem.ElectroneutralProblem`,
:class:`~depsim.solver.poisson_problem.PoissonNernstPlanckProblem`); a new charge model or part
needs no change elsewhere (docs/architecture.md). Dimensionless quantities carry a hat; SI ones say
their unit.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["TransportProblem"]


@runtime_checkable
class TransportProblem(Protocol):
    """A transport problem on one mesh (see the module docstring)."""

    # -- discretisation: the mixed space, its unknowns and their history -------------------------
    mesh: Any  #: dolfinx mesh, coordinates in metres
    comm: Any  #: its MPI communicator
    W: Any  #: the mixed function space; one sub-space per field
    field_names: tuple[str, ...]  #: names of the sub-spaces of W, in order (checkpoints)
    U: Any  #: the unknowns now; U_n, U_nm1: at the two previous steps
    U_n: Any
    U_nm1: Any
    residual: Any  #: compiled residual form F(U)
    jacobian: Any  #: compiled Jacobian form dF/dU
    bcs: list  #: Dirichlet conditions
    constraint: Any  #: the galvanostatic constraint forms (GlobalConstraint), None when none

    # -- controls: time stepping and load (dolfinx Constants) ------------------------------------
    a0: Any  #: BDF coefficients (a0 = a1 = a2 = 0: steady)
    a1: Any
    a2: Any
    dt_hat: Any  #: step over the time scale
    init: Any  #: 1 while solving for the consistent initial state
    V_hat: Any  #: cell potential / V_T (the global unknown under current control)
    V_hat_n: Any  #: its values at the two previous steps
    V_hat_nm1: Any
    i_app_hat: Any  #: applied current density / j0

    # -- physics the outputs and the moving surface read ----------------------------------------
    params: Any  #: :class:`~depsim.solver.parameters.ModelParameters` (SI)
    scales: Any  #: :class:`~depsim.physics.scaling.Scales`
    markers: dict[str, int]  #: facet marker values ("electrode", "top", ...)
    facet_tags: Any
    galvanostatic: bool  #: the cell potential is an unknown (current control)
    closed: bool  #: a Li counter electrode on top (no reservoir)
    double_layer: bool  #: a double-layer capacitance at the bottom Li
    i_hat: Any  #: UFL: total current density into the electrolyte at the bottom Li / j0
    i_faradaic_hat: Any  #: UFL: its faradaic part (Li plates with it) / j0
    i0_factor: Any  #: P1 factor on i0 along the bottom Li (pattern, Frumkin), or None
    x_hat: Any  #: fixed charge X / c0 (None, Constant or DG0)
    porosity: Any  #: storage factor (Constant or DG0)
    c_plus_expr: Any  #: UFL c+/c0, c-/c0 and phi_l/V_T, cell-wise
    c_minus_expr: Any
    psi_phys_expr: Any
    salt_expr: Any  #: UFL concentration whose integral is the salt content / c0
    mesh_displacement: Any  #: vector P1 [m] of the ALE term, None without a moving mesh

    def set_bdf(self, dt: float, dt_prev: float | None, order: int = 2) -> None: ...

    def set_steady(self) -> None: ...

    def set_initialisation(self, on: bool) -> None: ...

    def set_mode(self, mode: str) -> None: ...

    def set_uniform_state(self, c_hat: float = 1.0) -> None: ...

    def start_history(self) -> None: ...

    def shift_history(self) -> None: ...

    @property
    def cell_potential(self) -> float: ...

    @property
    def potential_history(self) -> tuple[float, float]: ...

    def electrode_current(self) -> float: ...

    def faradaic_current(self) -> float: ...

    def salt_amount(self) -> float: ...

    def salt_inflow(self) -> float: ...

    def surface_concentration_min(self) -> float: ...

    def nodal_species(self) -> tuple: ...
