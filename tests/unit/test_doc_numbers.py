"""Numbers quoted in the paper documentation are the ones the code computes.

The 1D limiting currents of the paper's PP and PIA cells, and the fraction of them that the
galvanostatic 0.5 C current is, appear as text in ``docs/paper-reproduction.md``. Each quote is
found by a regular expression next to a stable phrase, and compared with the value computed from
the case file by depsim's own closed-form relation (``depsim.physics.electrolyte``; no FEM
solve): the computed value, rounded to the printed number of decimals, must equal the printed
string. ``README.md`` does not quote these numbers (checked, so that a quote added there is
caught).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from depsim.case import load_case
from depsim.physics.electrolyte import limiting_current

REPO = Path(__file__).resolve().parents[2]
PAPER_DOC = REPO / "docs" / "paper-reproduction.md"
README = REPO / "README.md"
NUMBER = r"(\d+(?:\.\d+)?)"
A_M2_PER_MA_CM2 = 10.0  # 1 mA/cm^2 = 10 A/m^2


def _flat(path: Path) -> str:
    """The text of ``path`` with every run of whitespace (line breaks included) as one space."""
    return " ".join(path.read_text(encoding="utf-8").split())


def _case(name: str):
    return load_case(REPO / "cases" / "paper" / f"{name}.toml")


def _limiting_current(name: str) -> float:
    """i_lim [A/m^2] of the paper case ``name``: F D c0 / ((1 - t+) L), the separator filling
    the cell between the Li and the reservoir (L = the cell height)."""
    case = _case(name)
    assert case.geometry.separator is None, "the separator must fill the cell for L = height"
    D_plus, D_minus = case.separator_diffusivities()
    return limiting_current(
        D_plus, D_minus, case.electrolyte.concentration, float(case.geometry.height)
    )


def _as_printed(value: float, printed: str) -> str:
    """``value`` rounded to as many decimals as ``printed`` shows."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return f"{value:.{decimals}f}"


def _find(pattern: str, text: str) -> re.Match:
    match = re.search(pattern, text)
    assert match, f"phrase not found in the docs (was it reworded?): {pattern!r}"
    return match


def test_rounding_check_can_fail():
    """The comparison distinguishes the last printed digit."""
    assert _as_printed(460.92 / A_M2_PER_MA_CM2, "46.1") == "46.1"
    assert _as_printed(460.92 / A_M2_PER_MA_CM2, "46.2") != "46.2"
    assert _as_printed(57.6, "58") == "58"
    assert _as_printed(57.6, "57") != "57"


def test_limiting_currents_in_the_potentiostatic_table():
    text = _flat(PAPER_DOC)
    match = _find(
        r"\| mean plating current \(1D limiting current\) \| [\d.]+ mA/cm² \("
        + NUMBER
        + r"\) \| [\d.]+ mA/cm² \("
        + NUMBER
        + r"\) \|",
        text,
    )
    for name, printed in (("pp", match.group(1)), ("pia", match.group(2))):
        value = _limiting_current(name) / A_M2_PER_MA_CM2
        assert _as_printed(value, printed) == printed, (name, printed, value)


def test_pp_limiting_current_in_the_set_up():
    text = _flat(PAPER_DOC)
    printed = _find(r"i_lim = 2 t₊ κ V_T / L = " + NUMBER + r" A/m²", text).group(1)
    value = _limiting_current("pp")
    assert _as_printed(value, printed) == printed, (printed, value)


def test_operating_point_as_a_fraction_of_the_limiting_current():
    """Section 1: the 0.5 C current as a percentage of each cell's i_lim, with the i_lim."""
    text = _flat(PAPER_DOC)
    match = _find(
        r"runs at "
        + NUMBER
        + r" % of i_lim for PP \("
        + NUMBER
        + r" A/m²\) and "
        + NUMBER
        + r" % for PIA \("
        + NUMBER
        + r" A/m², the "
        + NUMBER
        + r" mA/cm²",
        text,
    )
    pp_pct, pp_ilim, pia_pct, pia_ilim, pia_ilim_ma = match.groups()
    for name, pct, ilim in (("pp", pp_pct, pp_ilim), ("pia", pia_pct, pia_ilim)):
        i_lim = _limiting_current(name)
        i_app = _case(name).current_density
        assert i_app == pytest.approx(5.0)  # 0.5 C of the ASSUMED 1 mAh/cm^2
        assert _as_printed(i_lim, ilim) == ilim, (name, ilim, i_lim)
        assert _as_printed(100.0 * i_app / i_lim, pct) == pct, (name, pct, i_app / i_lim)
    value = _limiting_current("pia") / A_M2_PER_MA_CM2
    assert _as_printed(value, pia_ilim_ma) == pia_ilim_ma, (pia_ilim_ma, value)


def test_pp_limiting_current_in_the_verdict_table():
    text = _flat(PAPER_DOC)
    printed = _find(r"the limiting current, " + NUMBER + r" mA/cm² for this cell", text).group(1)
    value = _limiting_current("pp") / A_M2_PER_MA_CM2
    assert _as_printed(value, printed) == printed, (printed, value)


def test_readme_quotes_no_limiting_current_unchecked():
    """A limiting-current value quoted in the README would need a check here."""
    text = _flat(README)
    quoted = re.findall(r"limiting current[^.|]{0,40}?\d+(?:\.\d+)? (?:mA/cm²|A/m²)", text)
    assert not quoted, f"README quotes a limiting current; add a check for it: {quoted}"


SECTION_1B = {  # the three readings of docs/paper-reproduction.md section 1b
    "A": {"separator.measured_at": "2.5 M"},
    "B": {},
    "C": {
        "electrolyte.model": "concentrated",
        "electrolyte.properties.source": "landesfeind2019-ec-dmc",
        "separator.transference_method": "bruce-vincent",
    },
}


def _limiting_current_1b(path: Path, reading: str) -> float:
    """i_lim [A/m^2] of section 1b: dilute closed form (A, B) or Kirchhoff's integral of the
    concentrated separator's D(c)/N_M and t+0 (C)."""
    from depsim.physics.concentrated import limiting_current_kirchhoff
    from depsim.solver.parameters import ModelParameters

    case = load_case(path, overrides=SECTION_1B[reading])
    c0, L = case.electrolyte.concentration, float(case.geometry.height)
    sep = ModelParameters.from_case(case, mesh_has_separator=False).separator
    if sep.transport is None:
        return limiting_current(sep.D_cation, sep.D_anion, c0, L)
    tr = sep.transport
    return limiting_current_kirchhoff(
        tr.diffusivity, tr.transference_number, c0, L, case.electrolyte.temperature
    )


@pytest.mark.parametrize(
    "label, path",
    [
        ("**PP**", REPO / "cases/paper/pp.toml"),
        ("**PIA, sites homogenised**", REPO / "cases/paper/homogenised/pia.toml"),
    ],
)
def test_section_1b_limiting_currents(label, path):
    text = PAPER_DOC.read_text(encoding="utf-8")
    table = text[text.index(label) :]
    row = _find(
        r"\| 1D limiting current \[mA/cm²\] \| " + " \\| ".join([NUMBER] * 3) + r" \|", table
    )
    for reading, printed in zip("ABC", row.groups(), strict=True):
        value = _limiting_current_1b(path, reading) / A_M2_PER_MA_CM2
        assert _as_printed(value, printed) == printed, (label, reading, printed, value)
