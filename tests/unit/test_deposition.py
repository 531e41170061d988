"""Deposition: Faraday velocity, protocols (parsing, errors, time lookup), linear-stability
formula limits, the triangle/tetrahedron shape measure. Pure numpy, no dolfinx."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depsim.case import validate_case
from depsim.deposition import Protocol, deposit_thickness, normal_velocity
from depsim.deposition import linear_stability as ls
from depsim.errors import CaseError
from depsim.physics.constants import FARADAY, LI_MOLAR_VOLUME

UM_PER_H = 1e-6 / 3600.0


# --- Faraday ----------------------------------------------------------------------------------
def test_velocity_sign_and_magnitude():
    """5 A/m^2 of plating (i_BV = -5) advances the Li by 2.42 um/h; stripping recedes."""
    v = normal_velocity(-5.0)
    assert v > 0
    assert v / UM_PER_H == pytest.approx(2.425, abs=5e-3)
    assert normal_velocity(5.0) == pytest.approx(-v)
    assert LI_MOLAR_VOLUME == pytest.approx(1.300e-5, rel=1e-3)
    np.testing.assert_allclose(normal_velocity(np.array([-5.0, 0.0])), [v, 0.0])


def test_thickness_of_one_mah_per_cm2():
    """1 mAh/cm^2 = 3.6e4 C/m^2 is 4.85 um of Li."""
    assert deposit_thickness(3.6e4) == pytest.approx(4.85e-6, rel=2e-3)
    assert deposit_thickness(3.6e4) == pytest.approx(LI_MOLAR_VOLUME * 3.6e4 / FARADAY)


# --- protocols ---------------------------------------------------------------------------------
STEPS = [
    {"mode": "galvanostatic", "current_density": "0.5 mA/cm^2", "duration": "600 s"},
    {"mode": "rest", "duration": "60 s"},
    {"mode": "galvanostatic", "current_density": "-0.5 mA/cm^2", "duration": "600 s"},
]


def test_protocol_from_case():
    case = validate_case({"operation": {"steps": STEPS, "cycles": 2}})
    assert case.time.end == pytest.approx(2520.0)  # defaults to the protocol's duration
    assert case.operation.current_density == pytest.approx(5.0)  # the first step's
    p = Protocol.from_case(case)
    assert p.duration == pytest.approx(2520.0)
    assert p.at(0.0) == ("galvanostatic", pytest.approx(5.0))
    assert p.at(599.0)[1] == pytest.approx(5.0)
    # right-continuous: the rest starts at 600 s
    assert p.at(600.0)[1] == pytest.approx(0.0, abs=1e-15)
    assert p.at(700.0)[1] == pytest.approx(-5.0)
    assert p.at(1300.0)[1] == pytest.approx(5.0)  # second cycle
    assert p.segment(1300.0).cycle == 1 and p.segment(1300.0).label == "galvanostatic"
    assert p.segment(650.0).label == "rest"
    assert p.over_step(590.0, 10.0)[1] == pytest.approx(5.0)
    assert p.milestones() == pytest.approx([600, 660, 1260, 1860, 1920, 2520])
    assert p.milestones(1000.0) == pytest.approx([600, 660, 1000])
    assert p.charge(0, 2520) == pytest.approx(0.0, abs=1e-9)
    assert p.charge(0, 660) == pytest.approx(3000.0)
    assert p.switches(590, 600) and not p.switches(0, 590)


def test_protocol_constant_and_c_rate():
    p = Protocol.from_case(validate_case({"operation": {"current_density": 7.0}}))
    assert p.at(1e6) == ("galvanostatic", 7.0)
    assert p.milestones(10.0) == [10.0]
    case = validate_case(
        {
            "operation": {
                "capacity": "1 mAh/cm^2",
                "steps": [{"c_rate": 0.5, "duration": "1 h"}, {"mode": "rest", "duration": 10}],
            },
            "time": {"end": 100},
        }
    )
    assert case.operation.steps[0].current_density == pytest.approx(5.0)
    assert Protocol.from_case(case).at(0.0)[1] == pytest.approx(5.0)
    assert case.time.end == 100.0  # shorter than the protocol: allowed


def test_protocol_with_potentiostatic_steps():
    steps = [
        {"mode": "potentiostatic", "potential": "100 mV", "duration": 10},
        {"mode": "rest", "duration": 2},
        {"current_density": "-5 A/m^2", "duration": 5},
    ]
    case = validate_case({"operation": {"steps": steps}})
    p = Protocol.from_case(case)
    assert p.at(0.0) == ("potentiostatic", pytest.approx(0.1))
    assert p.at(11.0) == ("galvanostatic", 0.0)
    assert p.at(13.0) == ("galvanostatic", -5.0)
    assert [s.label for s in p.segments] == ["potentiostatic", "rest", "galvanostatic"]
    assert case.operation.current_density == 0.0  # the first current-controlled step's
    assert case.time.end == 17.0
    assert p.charge(0, 17) == pytest.approx(-25.0)  # potentiostatic steps count as 0


def test_protocol_resolved_case_reloads():
    from depsim.case.loader import resolved_dict

    steps = [*STEPS, {"mode": "potentiostatic", "potential": 0.1, "duration": 5}]
    case = validate_case({"operation": {"steps": steps, "cycles": 3}})
    again = validate_case(resolved_dict(case))
    assert again.operation.steps == case.operation.steps
    assert again.time.end == case.time.end


@pytest.mark.parametrize(
    "operation, time, key, words",
    [
        (
            {"steps": [{"mode": "galvanostatic", "current_density": 5}]},
            None,
            "operation.steps[0].duration",
            "required",
        ),
        (
            {"steps": [{"current_density": 5, "duraton": 1}]},
            None,
            "operation.steps[0].duraton",
            "did you mean 'duration'",
        ),
        (
            {"steps": [{"mode": "rest", "current_density": 5, "duration": 1}]},
            None,
            "operation.steps[0].current_density",
            "rest step",
        ),
        (
            {"steps": [{"mode": "pulse", "duration": 1}]},
            None,
            "operation.steps[0].mode",
            "invalid value",
        ),
        (
            {"steps": [{"mode": "galvanostatic", "duration": 1}]},
            None,
            "operation.steps[0].current_density",
            "needs its current",
        ),
        ({"steps": [{"c_rate": 1, "duration": 1}]}, None, "operation.steps[0].c_rate", "capacity"),
        (
            {"steps": [{"current_density": 5, "duration": "-1 s"}]},
            None,
            "operation.steps[0].duration",
            "out of range",
        ),
        (
            {"steps": [{"current_density": "5 V", "duration": 1}]},
            None,
            "operation.steps[0].current_density",
            "dimension",
        ),
        ({"cycles": 3}, None, "operation.cycles", "no steps"),
        ({"steps": STEPS, "cycles": 0}, None, "operation.cycles", "out of range"),
        ({"steps": []}, None, "operation.steps", "empty"),
        ({"mode": "potentiostatic", "steps": STEPS}, None, "operation.mode", "per step"),
        ({"steps": STEPS, "current_density": 3}, None, "operation.current_density", "first"),
        (
            {"steps": [{"mode": "potentiostatic", "duration": 1}]},
            None,
            "operation.steps[0].potential",
            "needs its potential",
        ),
        (
            {
                "steps": [
                    {
                        "mode": "potentiostatic",
                        "potential": 0.1,
                        "current_density": 5,
                        "duration": 1,
                    }
                ]
            },
            None,
            "operation.steps[0].current_density",
            "not the current",
        ),
        (
            {"steps": [{"mode": "rest", "potential": 0.1, "duration": 1}]},
            None,
            "operation.steps[0].potential",
            "has no potential",
        ),
        (
            {"steps": [{"mode": "potentiostatic", "potential": "5 A/m^2", "duration": 1}]},
            None,
            "operation.steps[0].potential",
            "dimension",
        ),
        (
            {"steps": STEPS, "c_rate": 1, "capacity": "1 mAh/cm^2"},
            None,
            "operation.c_rate",
            "per step",
        ),
        ({"steps": STEPS}, {"end": 2000}, "time.end", "beyond the end of the protocol"),
    ],
)
def test_protocol_errors(operation, time, key, words):
    data = {"operation": operation}
    if time:
        data["time"] = time
    with pytest.raises(CaseError) as err:
        validate_case(data)
    assert err.value.key == key
    assert words in str(err.value)


# --- linear stability -------------------------------------------------------------------------
P = ls.StabilityParameters(current_density=300.0, height=8e-6, i0=1e5)


@pytest.mark.parametrize("regime", ["steady", "ohmic"])
def test_growth_rate_limits(regime):
    b = ls.base_state(P, regime)
    V = P.surface_velocity
    assert V == pytest.approx(LI_MOLAR_VOLUME * 300.0 / FARADAY)
    # k -> 0: s -> V / (l + H)
    assert ls.growth_rate(1e-3, P, regime) == pytest.approx(V / (b["ell"] + P.height), rel=1e-6)
    # k H >> 1: s = V k / (k l + 1) -> V / l
    k = 1e9
    assert ls.growth_rate(k, P, regime) == pytest.approx(V * k / (k * b["ell"] + 1.0), rel=1e-12)
    assert ls.growth_rate(1e12, P, regime) == pytest.approx(V / b["ell"], rel=1e-5)
    # monotone increasing in k, and stripping is stable
    ks = np.logspace(3, 9, 50)
    assert np.all(np.diff(ls.growth_rate(ks, P, regime)) > 0)
    assert ls.growth_rate(1e6, P.with_(current_density=-300.0), regime) < 0


def test_growth_rate_closed_forms():
    """Steady regime: l = 2 D+ F / K with K from Butler-Volmer; ohmic: l = kappa R_ct."""
    b = ls.base_state(P, "steady")
    c_s = P.c0 - 300.0 * P.height / (2 * P.D_cation * FARADAY)
    assert b["c_s"] == pytest.approx(c_s, rel=1e-12)
    e = math.exp
    eta = b["eta_hat"]
    K = P.i0 / c_s * (0.5 * e(0.5 * eta) + 1.5 * (c_s / P.c0) * e(-0.5 * eta))
    assert b["K"] == pytest.approx(K, rel=1e-7)
    assert b["ell"] == pytest.approx(2 * P.D_cation * FARADAY / K, rel=1e-7)
    # linear kinetics: K = i0 / c_s
    lin = ls.base_state(P.with_(kinetics="linear"), "steady")
    assert lin["K"] == pytest.approx(P.i0 / lin["c_s"], rel=1e-7)
    # ohmic regime equals growth_rate_ohmic
    bo = ls.base_state(P, "ohmic")
    k = 2 * math.pi / 10e-6
    s = ls.growth_rate_ohmic(k, P.height, 300.0, bo["conductance"], bo["K"])
    assert ls.growth_rate(k, P, "ohmic") == pytest.approx(float(s), rel=1e-12)
    with pytest.raises(ValueError, match="limiting current"):
        ls.base_state(P.with_(current_density=1.01 * P.limiting_current))


def test_amplification_and_validity():
    k = 2 * math.pi / 10e-6
    s = ls.growth_rate(k, P)
    assert ls.amplification(k, P, 0.0, 1e-9) == pytest.approx(1.0)
    # over a short time the shrinking gap hardly matters
    assert math.log(ls.amplification(k, P, 0.0, 1.0)) == pytest.approx(s, rel=1e-2)
    v = ls.validity(k, P)
    assert v["s_over_Dk2"] < 1e-2 and v["peclet"] < 1e-2


# --- mesh quality (numpy part) -----------------------------------------------------------------
def test_shape_quality_known_cells():
    from depsim.deposition.quality import shape_quality, signed_measure

    eq = np.array([[[0, 0], [1, 0], [0.5, math.sqrt(3) / 2]]])
    right = np.array([[[0, 0], [1, 0], [0, 1]]])
    flat = np.array([[[0, 0], [1, 0], [2, 0]]])
    np.testing.assert_allclose(shape_quality(eq), [1.0])
    np.testing.assert_allclose(shape_quality(right), [math.sqrt(3) / 2])  # 4 sqrt3 (1/2) / 4
    np.testing.assert_allclose(shape_quality(flat), [0.0], atol=1e-15)
    assert signed_measure(right)[0] == pytest.approx(0.5)
    assert signed_measure(right[:, ::-1])[0] == pytest.approx(-0.5)
    a = 1.0
    tet = np.array(
        [
            [
                [0, 0, 0],
                [a, 0, 0],
                [a / 2, a * math.sqrt(3) / 2, 0],
                [a / 2, a * math.sqrt(3) / 6, a * math.sqrt(2.0 / 3.0)],
            ]
        ]
    )
    np.testing.assert_allclose(shape_quality(tet), [1.0])
    assert abs(signed_measure(tet)[0]) == pytest.approx(a**3 / (6 * math.sqrt(2)))


def test_folded_surface_is_cut_by_its_envelope():
    """A swallowtail (the fronts from both sides of a valley crossed) is removed by the upper
    envelope when the Li grows upward, and refused without a growth direction."""
    import numpy as np
    import pytest

    from depsim.deposition.remesh import RemeshError, SurfaceProfile, profile_function

    W = 1.0
    # polyline 0 -> 0.6 rising, then back to 0.4 (fold), then on to 1.0
    pts = np.array([[0.0, 0.0], [0.6, 0.6], [0.4, 0.2], [1.0, 0.0]])
    seg = np.hstack([pts[:-1], pts[1:]])
    proj = float(np.abs(seg[:, 2] - seg[:, 0]).sum())
    prof = SurfaceProfile(
        x=pts[:, 0], y=pts[:, 1], values={}, projected_length=proj, length=1.0, segments=seg
    )
    with pytest.raises(RemeshError):
        profile_function(prof, W)
    h = profile_function(prof, W, envelope="upper")
    # between x = 0.4 and 0.6 the upper branch is the rising segment y = x
    assert h(0.5) == pytest.approx(0.5)
    assert h(0.2) == pytest.approx(0.2)
    # right of the fold: the last segment from (0.4, 0.2) to (1, 0), above the fold
    assert h(0.8) == pytest.approx(0.2 * (1.0 - 0.8) / 0.6)
    lower = profile_function(prof, W, envelope="lower")
    # at x = 0.5 the branches are y = 0.5 (rising), 0.4 (folding back) and 0.2*(1-0.5)/0.6
    assert lower(0.5) == pytest.approx(min(0.5, 0.4, 0.2 * 0.5 / 0.6))


def _profile(x, y):
    from depsim.deposition.remesh import SurfaceProfile

    return SurfaceProfile(x=x, y=y, values={}, projected_length=1.0, length=1.0)


def test_smooth_profile_exact_for_a_parabola_and_keeps_crests():
    """The remeshing surface h(x): exact for a parabola (away from the periodic wrap, where the
    parabola has a kink), a cosine's crest kept far better than by the piecewise-linear
    interpolant, and no overshoot next to a sharp step (kinks stay linear)."""
    import numpy as np
    import pytest

    from depsim.deposition.remesh import profile_function

    rng = np.random.default_rng(1)
    x = np.sort(np.concatenate([[0.0], rng.uniform(0.01, 0.99, 40)]))
    h = profile_function(_profile(x, (x - 0.5) ** 2), 1.0)
    xq = np.linspace(0.2, 0.8, 301)
    assert np.max(np.abs(h(xq) - (xq - 0.5) ** 2)) < 1e-14

    n = 16
    x = (np.arange(n) + 0.5) / n  # no vertex on the crest at x = 0
    y = 0.1 * np.cos(2 * np.pi * x)
    smooth = profile_function(_profile(x, y), 1.0)
    linear = profile_function(_profile(x, y), 1.0, smooth=False)
    xq = np.linspace(0.0, 1.0, 2001)
    exact = 0.1 * np.cos(2 * np.pi * xq)
    err_s, err_l = np.max(np.abs(smooth(xq) - exact)), np.max(np.abs(linear(xq) - exact))
    assert err_l > 1e-3 and err_s < 0.05 * err_l
    assert smooth(0.0) == pytest.approx(0.1, rel=2e-3)  # the crest between two vertices

    x = np.linspace(0.0, 1.0, 21)[:-1]
    y = np.where(x < 0.5, 0.0, 1.0)  # a step: kinks at its foot and top
    s, lin = (
        profile_function(_profile(x, y), 1.0),
        profile_function(_profile(x, y), 1.0, smooth=False),
    )
    xq = np.linspace(0.4, 0.6, 101)
    assert np.allclose(s(xq), lin(xq), atol=1e-15)


def test_smooth_triangulated_surface_keeps_crests():
    """3D: the curvature-corrected surface on the electrode triangles reproduces a cosine bump
    much better than the piecewise-linear one (crests not cut)."""
    import numpy as np

    from depsim.deposition.remesh import TriangulatedSurface, surface_function

    W = D = 1.0
    n = 12
    g = np.linspace(0.0, 1.0, n + 1)

    def f(x, z):
        return 0.05 * np.cos(2 * np.pi * x) * np.cos(2 * np.pi * z)

    tris = []
    for i in range(n):
        for j in range(n):
            p = [(g[i], g[j]), (g[i + 1], g[j]), (g[i + 1], g[j + 1]), (g[i], g[j + 1])]
            for a, b, c in ((0, 1, 2), (0, 2, 3)):
                tris.append([(p[k][0], f(*p[k]), p[k][1]) for k in (a, b, c)])
    surf = TriangulatedSurface(tri=np.array(tris), values={}, projected_area=1.0, area=1.0)
    rng = np.random.default_rng(2)
    xq, zq = rng.uniform(0, 1, 2000), rng.uniform(0, 1, 2000)
    smooth = surface_function(surf, W, D)(xq, zq)
    linear = surface_function(surf, W, D, smooth=False)(xq, zq)
    err_s = np.max(np.abs(smooth - f(xq, zq)))
    err_l = np.max(np.abs(linear - f(xq, zq)))
    assert err_l > 1e-3 and err_s < 0.2 * err_l
