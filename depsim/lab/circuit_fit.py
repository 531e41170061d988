"""Equivalent-circuit fit of the Li|sep|Li spectrum, as experimentalists read EIS data
(docs/virtual-lab.md §2), beside the lab's apex reading.

Circuit ``R0-p(R1,C1)-Ws1`` of impedance.py (M. D. Murbach, B. Gerwe, N. Dawson-Elli,
L. Tsui, J. Open Source Softw. 5, 2349 (2020), doi:10.21105/joss.02349): the bulk R_b, the two
faces' charge-transfer arcs lumped into one R_int || C (C = C_dl / 2 per face pair) and the
finite-length ("short") Warburg of the salt, Z_W = R_D tanh(sqrt(i omega tau)) /
sqrt(i omega tau), tau = eps (L/2)^2 / D. Fitted by complex nonlinear least squares weighted
by |Z|, started from the apex reading. The fit gives tau directly, so D = eps (L/2)^2 / tau,
where the apex reading ((omega tau)_apex = 2.5406) is biased once the diffusion arc is small
beside the charge-transfer arc.

impedance.py is an optional dependency (extra ``lab``, installed by ``make setup``); without it
the fit is reported as not done.
"""

from __future__ import annotations

import math

import numpy as np

CIRCUIT = "R0-p(R1,C1)-Ws1"
_PLOTS = "impedance.visualization"


def _custom_circuit():
    """impedance.py's ``CustomCircuit``, without loading its plotting helpers. Its circuits
    module imports ``impedance.visualization`` (altair, pandas and pyplot: 0.8 s of each
    ``depsim measure``) although a fit never plots; unless that module is loaded already, a
    stand-in takes its place whose functions load the real module on their first call."""
    import sys
    import types

    if _PLOTS not in sys.modules:
        stand_in = types.ModuleType(_PLOTS, "loads impedance.visualization on first use")
        for name in ("plot_altair", "plot_bode", "plot_nyquist", "plot_residuals"):
            setattr(stand_in, name, _deferred(name))
        sys.modules[_PLOTS] = stand_in
    from impedance.models.circuits import CustomCircuit

    return CustomCircuit


def _deferred(name: str):
    def call(*args, **kwargs):
        import importlib
        import sys

        module = sys.modules.get(_PLOTS)
        if module is None or not hasattr(module, "__file__"):  # still the stand-in
            sys.modules.pop(_PLOTS, None)
            module = importlib.import_module(_PLOTS)
        return getattr(module, name)(*args, **kwargs)

    call.__name__ = name
    return call


def fit_symmetric_cell(frequency, Z, arcs, porosity: float, thickness: float) -> dict:
    """Fit :data:`CIRCUIT` to the spectrum (``frequency`` [Hz], complex ``Z`` [Ohm m^2]) from
    the apex reading ``arcs`` (:class:`depsim.lab.spectrum.Arcs`). Returns (SI) ``R_bulk``,
    ``R_interface``, ``C_interface`` (per face), ``R_diffusion``, ``tau_diffusion`` [s],
    ``salt_diffusivity`` [m^2/s], ``residual`` (rms of |Z_fit - Z| / |Z|) and ``circuit``;
    ``{"circuit": CIRCUIT, "error": why}`` when the fit cannot be made."""
    try:
        CustomCircuit = _custom_circuit()
    except ImportError:
        return {"circuit": CIRCUIT, "error": "impedance.py is not installed (pip extra 'lab')"}
    from depsim.physics.impedance import warburg_apex_omega_tau

    if arcs.R_interface is None or arcs.f_diffusion_apex is None:
        return {"circuit": CIRCUIT, "error": "the spectrum shows no interfacial or diffusion arc"}
    f = np.asarray(frequency, dtype=float)
    Z = np.asarray(Z, dtype=complex)
    tau0 = warburg_apex_omega_tau() / (2.0 * math.pi * arcs.f_diffusion_apex)
    R_D0 = max(arcs.R_diffusion or 0.0, 1e-3 * arcs.R_interface)
    guess = [arcs.R_bulk, arcs.R_interface, 0.5 * arcs.C_interface, R_D0, tau0]
    circuit = CustomCircuit(CIRCUIT, initial_guess=guess)
    try:
        circuit.fit(f, Z, weight_by_modulus=True)
    except (RuntimeError, ValueError) as exc:
        return {"circuit": CIRCUIT, "error": f"the fit did not converge: {exc}"}
    R_b, R_int, C, R_D, tau = (float(v) for v in circuit.parameters_)
    residual = float(np.sqrt(np.mean(np.abs(circuit.predict(f) - Z) ** 2 / np.abs(Z) ** 2)))
    return {
        "circuit": CIRCUIT,
        "R_bulk": R_b,
        "R_interface": R_int,
        "C_interface": 2.0 * C,
        "R_diffusion": R_D,
        "tau_diffusion": tau,
        "salt_diffusivity": porosity * (0.5 * thickness) ** 2 / tau,
        "residual": residual,
    }


__all__ = ["CIRCUIT", "fit_symmetric_cell"]
