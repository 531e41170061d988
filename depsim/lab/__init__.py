"""The virtual electrochemistry lab (``depsim measure``, docs/virtual-lab.md): impedance
spectroscopy, Bruce-Vincent polarisation, Tafel analysis and chronopotentiometry to Sand's
time, simulated on the case's own model.

Modules: ``cell`` (the virtual cells), ``linear_response`` (the impedance solver),
``spectrum`` (frequency grid, reading arcs), ``eis``, ``bruce_vincent``, ``tafel``, ``sand``
(the protocols), ``measure`` (the command), ``plots`` (figures). Closed forms are in
:mod:`depsim.physics.impedance` and :mod:`depsim.physics.polarisation`.
"""

from depsim.lab.measure import MEASUREMENTS, LabResult, measure, parse_what

__all__ = ["MEASUREMENTS", "LabResult", "measure", "parse_what"]
