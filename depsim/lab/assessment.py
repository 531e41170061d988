"""The lab as an instrument: is each protocol well-conditioned on this cell, and what should be
reported (docs/virtual-lab.md §8).

:func:`assess` adds to the measurements ``warnings`` (one line each), ``valid`` (per plain
protocol value: True when its protocol is well-conditioned here) and ``recommended`` (the
estimates a careful experimentalist reports: Bruce–Vincent extrapolated to dV -> 0 from three
steps, Tafel corrected for concentration polarisation); :func:`summary_table` prints them with
the inputs they should return.

Thresholds (ASSUMED, the protocol-design rules of thumb they encode are stated with each):
a Bruce–Vincent value is flagged when its expected bias from the curvature of the kinetics
exceeds :data:`BV_BIAS_LIMIT` (kinetics without that estimate: when R0/R_b exceeds
:data:`BV_RATIO_LIMIT`); a Tafel fit when the largest current in its window exceeds
:data:`TAFEL_TRANSPORT_LIMIT` of the limiting current. A negatively charged pore has no limiting
current (its c+ cannot fall below |X|), but its c+ can still fall from the Donnan c+ to |X|: its
Tafel fit is flagged as well when that headroom 1 - |X|/c+ exceeds the same limit.
"""

from __future__ import annotations

BV_BIAS_LIMIT = 0.01  # |expected relative bias| of t+ above which Bruce–Vincent is flagged
BV_RATIO_LIMIT = 10.0  # R0/R_b above which Bruce–Vincent is flagged when its bias is unknown
TAFEL_TRANSPORT_LIMIT = 0.1  # largest |I| in the Tafel window over i_lim (10 %: 1 - c_s/c0)


def assess(out: dict) -> None:
    """Add ``warnings``, ``valid`` and ``recommended`` to the measurements ``out`` (in place)."""
    warnings: list[str] = []
    valid: dict[str, bool] = {}
    recommended: dict[str, float | None] = {}
    if "conductivity" in out:
        valid["conductivity"] = True
        recommended["conductivity"] = out["conductivity"]
    bv = out.get("bruce_vincent")
    if bv is not None:
        bias = bv.get("expected_bias")
        ratio = bv["R0"] / out["eis"]["R_bulk"]
        if bias is not None:
            ok = abs(bias) <= BV_BIAS_LIMIT
        else:  # kinetics without the closed form: judge by R0/R_b alone
            ok = ratio <= BV_RATIO_LIMIT
        valid["transference_number_bruce_vincent"] = ok
        if not ok:
            how = (
                f"the curvature of the kinetics biases it by about {100 * bias:+.1f} %"
                if bias is not None
                else "the curvature of the kinetics biases it (not estimated for these kinetics)"
            )
            warnings.append(
                f"Bruce-Vincent t+ = {bv['transference_number']:.4g} at dV = "
                f"{1e3 * bv['dV']:g} mV: R0/R_b = {ratio:.3g}, the formula subtracts I0 R0 = "
                f"{bv['I0'] * bv['R0'] / bv['dV']:.3f} dV from dV, so {how}; report the dV -> 0 "
                + (
                    "extrapolation (recommended.transference_number)"
                    if out.get("bruce_vincent_extrapolated")
                    else "extrapolation (--bv-steps 3)"
                )
            )
        extrapolated = out.get("bruce_vincent_extrapolated")
        recommended["transference_number"] = (
            extrapolated["transference_number"] if extrapolated else bv["transference_number"]
        )
    tf = out.get("tafel")
    if tf is not None:
        ratio = tf["transport_ratio"]
        ok = ratio <= TAFEL_TRANSPORT_LIMIT or _no_depletion(out["inputs"])
        valid["exchange_current_density_tafel"] = ok
        corrected = tf.get("transport_corrected")
        if not ok:
            hint = (
                "report the transport-corrected fit (recommended.exchange_current_density)"
                if corrected is not None
                else "no transport correction applies here (charged pore)"
            )
            inputs = out["inputs"]
            X, c_plus = inputs["fixed_charge"], inputs.get("pore_cation_concentration")
            where = (
                f"the pore's c+ can fall from {c_plus:.4g} to |X| = {abs(X):.4g} mol/m^3 and the "
                f"largest current in the window is {ratio:.3g} x the uncharged limiting current"
                if X < 0 and c_plus
                else f"the largest current in the window is {ratio:.3g} x the limiting current"
            )
            warnings.append(
                f"Tafel j0 = {tf['exchange_current_density']:.4g} A/m^2: {where} "
                f"(> {TAFEL_TRANSPORT_LIMIT:g}), so the fit measures concentration polarisation, "
                f"not kinetics; {hint}"
            )
        use = corrected is not None and not ok
        recommended["exchange_current_density"] = (
            corrected["exchange_current_density"] if use else tf["exchange_current_density"]
        )
    if "sand" in out:
        valid["sand_time"] = out.get("sand_time") is not None
    out["warnings"], out["valid"], out["recommended"] = warnings, valid, recommended


def _no_depletion(inputs: dict) -> bool:
    """Whether the pore's c+ stays within :data:`TAFEL_TRANSPORT_LIMIT` of its rest value at any
    current: a negative matrix charge X holds c+ >= |X| (electroneutrality), so c+ can fall by at
    most 1 - |X|/c+ (a matrix with X >= 0 depletes like a liquid)."""
    X, c_plus = inputs["fixed_charge"], inputs.get("pore_cation_concentration")
    if X >= 0 or not c_plus:
        return False
    return 1.0 - abs(X) / c_plus <= TAFEL_TRANSPORT_LIMIT


def _rows(out: dict) -> list[tuple[str, float | None, float | None, str]]:
    """(quantity, measured, input it should return, note) for the summary table."""
    inputs = out["inputs"]
    valid, rec = out.get("valid", {}), out.get("recommended", {})
    flag = {True: "", False: "ill-conditioned"}
    rows = []
    if "conductivity" in out:
        rows.append(("kappa [S/m], EIS", out["conductivity"], inputs["conductivity"], ""))
    bv = out.get("bruce_vincent")
    if bv is not None:
        # concentrated: Bruce-Vincent returns the current fraction rho+ (Balsara-Newman)
        rho = bv.get("current_fraction_balsara_newman")
        t_in = bv["transference_number_hittorf"] if rho is None else rho
        what = "t+" if rho is None else "rho+"
        note = flag[valid.get("transference_number_bruce_vincent", True)]
        label = f"{what}, Bruce-Vincent {1e3 * bv['dV']:g} mV"
        rows.append((label, bv["transference_number"], t_in, note))
        if out.get("bruce_vincent_extrapolated"):
            rows.append(
                (f"{what}, Bruce-Vincent dV->0", rec["transference_number"], t_in, "recommended")
            )
        if rho is not None and "transference_number_hittorf" in out:
            rows.append(("t+0 from rho+ (Balsara-Newman)", out["transference_number_hittorf"],
                         bv["transference_number_hittorf"], "recommended"))  # fmt: skip
    tf = out.get("tafel")
    if tf is not None:
        j_in = inputs["exchange_current_density_effective"]
        note = flag[valid.get("exchange_current_density_tafel", True)]
        rows.append(("j0 [A/m^2], Tafel", tf["exchange_current_density"], j_in, note))
        corrected = tf.get("transport_corrected")
        if corrected is not None:
            rows.append(("j0 [A/m^2], Tafel transport-corr.",
                         corrected["exchange_current_density"], j_in,
                         "recommended" if note else ""))  # fmt: skip
    sand = out.get("sand")
    if sand is not None:
        rows.append(("t_S [s], Sand", out.get("sand_time"), sand.get("sand_time_analytic"), ""))
    return rows


def summary_table(out: dict) -> str:
    """The measured values, the inputs they should return and their ratio, as text."""

    def num(v):
        return "-" if v is None else f"{v:.5g}"

    lines = [f"{'quantity':<36}{'measured':>12}{'input':>12}{'ratio':>9}  note"]
    for name, measured, expected, note in _rows(out):
        ratio = measured / expected if measured is not None and expected else None
        r = "-" if ratio is None else f"{ratio:.4f}"
        lines.append(f"{name:<36}{num(measured):>12}{num(expected):>12}{r:>9}  {note}".rstrip())
    return "\n".join(lines)


__all__ = ["BV_BIAS_LIMIT", "BV_RATIO_LIMIT", "TAFEL_TRANSPORT_LIMIT", "assess", "summary_table"]
