"""The transport model: one problem composed of a charge model and parts.

See :mod:`depsim.model.transport` (:class:`~depsim.model.transport.CellProblem`) and
docs/architecture.md.
"""
