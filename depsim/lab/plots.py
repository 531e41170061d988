"""Figures of ``depsim measure`` (matplotlib, Agg, PNG; call on one rank).

``nyquist.png`` and ``bode.png`` (the Li|sep|Li and SS|sep|SS spectra), ``chronoamperogram.png``
(Bruce-Vincent), ``tafel.png`` (the polarisation sweep and its fitted lines) and
``chronopotentiogram.png`` (Sand). Units: impedance in Ohm cm^2, current density in mA/cm^2,
potential in mV, frequency in Hz, time in s.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from depsim.plots import I_SCALE, I_UNIT, pyplot, save_figure

Z_SCALE, Z_UNIT = 1e4, "Ω cm$^2$"  # Ohm m^2 -> Ohm cm^2


def _panel():
    """(figure, axes) of a new figure with one 6.5 x 4 in panel."""
    return pyplot().subplots(figsize=(6.5, 4))


def _label(ax, xlabel: str, ylabel: str, title: str | None = None, legend: bool = False) -> None:
    """Axis labels of ``ax``, its ``title`` (if given) and its legend (if ``legend``)."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend()


def _save(fig, path: Path) -> Path:
    """Lay out ``fig`` and write it to ``path``."""
    fig.tight_layout()
    return save_figure(fig, path)


def nyquist(eis, path: Path) -> Path:
    """-Im Z against Re Z of both cells (equal axes for the Li cell)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, Z, title in ((axes[0], eis.Z, "Li|sep|Li"), (axes[1], eis.Z_blocking, "SS|sep|SS")):
        ax.plot(Z.real * Z_SCALE, -Z.imag * Z_SCALE, ".-", ms=3)
        _label(ax, f"Re Z ({Z_UNIT})", f"-Im Z ({Z_UNIT})", title)
    axes[0].set_aspect("equal", adjustable="datalim")
    Zb = eis.Z_blocking
    top = 20.0 * float(Zb.real.max())  # the blocking branch is vertical: show its foot
    axes[1].set_ylim(0.0, top * Z_SCALE)
    return _save(fig, path)


def bode(eis, path: Path) -> Path:
    """|Z| and the phase against frequency."""
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True)
    for Z, label in ((eis.Z, "Li|sep|Li"), (eis.Z_blocking, "SS|sep|SS")):
        ax1.loglog(eis.frequency, np.abs(Z) * Z_SCALE, label=label)
        ax2.semilogx(eis.frequency, -np.degrees(np.angle(Z)), label=label)
    ax1.set_ylabel(f"|Z| ({Z_UNIT})")
    ax1.legend()
    _label(ax2, "f (Hz)", "-phase (°)")
    return _save(fig, path)


def chronoamperogram(bv, path: Path) -> Path:
    """Current against time after the potential step, with I0 and I_ss marked."""
    fig, ax = _panel()
    t = np.maximum(bv.time, bv.time[1] if bv.time.size > 1 else 1.0)
    ax.semilogx(t, bv.current * I_SCALE, ".-", ms=3)
    ax.axhline(bv.I0 * I_SCALE, ls="--", c="gray", label="I$_0$")
    ax.axhline(bv.I_ss * I_SCALE, ls=":", c="k", label="I$_{ss}$")
    title = f"ΔV = {bv.dV * 1e3:g} mV: t+ = {bv.transference_number:.4f}"
    _label(ax, "t (s)", f"I ({I_UNIT})", title, legend=True)
    return _save(fig, path)


def tafel(tf, path: Path) -> Path:
    """log10 |I| against the iR-corrected overpotential, with the fitted Tafel lines."""
    fig, ax = _panel()
    sel = tf.current != 0.0
    ax.semilogy(tf.eta[sel] * 1e3, np.abs(tf.current[sel]) * I_SCALE, ".", ms=4, label="sweep")
    lo, hi = tf.window
    for j0, a, sign, name in (
        (tf.j0_cathodic, tf.alpha_c, 1.0, "cathodic fit"),
        (tf.j0_anodic, tf.alpha_a, -1.0, "anodic fit"),
    ):
        if j0 is None:
            continue
        eta = np.linspace(0.0, hi, 50)
        fit = j0 * np.exp(a * eta / tf.thermal_voltage) * I_SCALE
        ax.semilogy(sign * eta * 1e3, fit, "--", label=name)
    for x in (-hi, -lo, lo, hi):
        ax.axvline(x * 1e3, c="gray", lw=0.5)
    title = f"j0 = {tf.exchange_current_density * I_SCALE:.4g} {I_UNIT}"
    _label(ax, "η - IR (mV, > 0 plating)", f"|I| ({I_UNIT})", title, legend=True)
    return _save(fig, path)


def chronopotentiogram(sd, path: Path) -> Path:
    """Cell potential and surface concentration against time to depletion."""
    fig, ax = _panel()
    ax.plot(sd.time, sd.potential * 1e3, "-")
    if sd.sand_time is not None:
        ax.axvline(sd.sand_time, ls="--", c="gray", label="t$_S$ measured")
    if sd.sand_time_analytic is not None:
        ax.axvline(sd.sand_time_analytic, ls=":", c="k", label="t$_S$ analytic")
    title = f"I = {sd.current * I_SCALE:.4g} {I_UNIT}"
    _label(ax, "t (s)", "V (mV)", title, legend=True)
    return _save(fig, path)


def write_figures(folder: Path, curves: dict) -> list[Path]:
    """Every figure whose measurement is in ``curves``."""
    done = []
    if "eis" in curves:
        done += [nyquist(curves["eis"], folder / "nyquist.png")]
        done += [bode(curves["eis"], folder / "bode.png")]
    if "bruce-vincent" in curves:
        done.append(chronoamperogram(curves["bruce-vincent"], folder / "chronoamperogram.png"))
    if "tafel" in curves:
        done.append(tafel(curves["tafel"], folder / "tafel.png"))
    if "sand" in curves:
        done.append(chronopotentiogram(curves["sand"], folder / "chronopotentiogram.png"))
    return done


__all__ = ["bode", "chronoamperogram", "chronopotentiogram", "nyquist", "tafel", "write_figures"]
