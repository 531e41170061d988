"""Virtual measurements: what a lab measurement would report for the material as simulated.

- :func:`measure_separator`: effective conductivity (ohmic drop) and transference number (Hittorf
  flux split; steady concentration gradient for uncharged materials) of a separator region,
  including the Donnan effect of a fixed charge.
"""

from depsim.virtual.separator import SeparatorMeasurement, measure_separator, slab_mesh

__all__ = ["SeparatorMeasurement", "measure_separator", "slab_mesh"]
