"""Height of the Li metal surface, y = h(x) in 2D and y = h(x, z) in 3D.

All lengths are in metres. The mean Li surface is the plane y = 0 and the electrolyte lies above
the surface (y > h). The profiles:

``flat``
    h = 0.
``sine``
    h = amplitude * cos(2 pi count x / width) (in 3D: ridges along z, the same function of x).
``bumps``
    ``count`` smooth cos^2 bumps of peak height ``amplitude`` on the flat base y = 0, centred at
    x_k = (k + 1/2) width / count, each of support ``bump_width`` (default width / (2 count)):
    h = amplitude * cos^2(pi (x - x_k) / bump_width) for |x - x_k| < bump_width / 2.
    In 3D: count x count radially symmetric bumps (r = distance to the bump centre in x-z).
``random``
    Seeded (``numpy.random.default_rng(seed)``) sum of Fourier modes with random phases and a
    k^-1 amplitude spectrum, periodic in x (and z). In 2D the modes are k = count ... count + 7
    (k periods per width); in 3D all (kx, kz) with count <= |k| < count + 4. The sum is scaled so
    that its peak |h| equals ``amplitude``; its mean is zero.

Every profile is periodic: h(0) = h(width) (and h(x, 0) = h(x, depth)).
"""

from __future__ import annotations

import numpy as np

ROUGHNESS_KINDS = ("flat", "bumps", "sine", "random")

#: number of Fourier modes of the 2D random surface
RANDOM_MODES_2D = 8
#: 3D random surface: modes with count <= |k| < count + RANDOM_BAND_3D
RANDOM_BAND_3D = 4
_NORM_SAMPLES_2D = 8192
_NORM_SAMPLES_3D = 256


def default_bump_width(width: float, count: int) -> float:
    """Default support of one bump [m]: half the bump spacing, width / (2 count)."""
    return width / (2 * max(int(count), 1))


def _random_modes_2d(count: int, seed: int):
    k = np.arange(max(int(count), 1), max(int(count), 1) + RANDOM_MODES_2D, dtype=float)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=k.size)
    return k, 1.0 / k, phase


def _random_modes_3d(count: int, seed: int):
    c = max(int(count), 1)
    kmax = c + RANDOM_BAND_3D
    modes = []
    for kx in range(0, kmax + 1):
        for kz in range(-kmax, kmax + 1):
            if kx == 0 and kz <= 0:  # (kx, kz) and (-kx, -kz) are the same mode
                continue
            kk = np.hypot(kx, kz)
            if c <= kk < kmax:
                modes.append((kx, kz))
    modes = np.array(modes, dtype=float)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0.0, 2.0 * np.pi, size=len(modes))
    return modes, 1.0 / np.hypot(modes[:, 0], modes[:, 1]), phase


def _random_raw_2d(xi, count, seed):
    """Unscaled random profile at normalised positions xi = x / width."""
    k, a, phase = _random_modes_2d(count, seed)
    return np.cos(2.0 * np.pi * np.multiply.outer(xi, k) + phase) @ a


def _random_raw_3d(xi, zeta, count, seed):
    modes, a, phase = _random_modes_3d(count, seed)
    arg = np.multiply.outer(xi, modes[:, 0]) + np.multiply.outer(zeta, modes[:, 1])
    return np.cos(2.0 * np.pi * arg + phase) @ a


def _random_scale_2d(count, seed):
    xi = np.linspace(0.0, 1.0, _NORM_SAMPLES_2D, endpoint=False)
    return np.max(np.abs(_random_raw_2d(xi, count, seed)))


def _random_scale_3d(count, seed):
    s = np.linspace(0.0, 1.0, _NORM_SAMPLES_3D, endpoint=False)
    xi, zeta = np.meshgrid(s, s, indexing="ij")
    return np.max(np.abs(_random_raw_3d(xi.ravel(), zeta.ravel(), count, seed)))


def surface_height(
    x,
    roughness: str,
    amplitude: float,
    width: float,
    count: int = 1,
    seed: int = 0,
    bump_width: float | None = None,
    z=None,
    depth: float | None = None,
) -> np.ndarray:
    """Height h [m] of the Li surface above the mean surface y = 0.

    Args:
        x: positions along the width [m] (array-like, any shape).
        roughness: ``"flat"``, ``"bumps"``, ``"sine"`` or ``"random"`` (see the module docstring).
        amplitude: peak height [m] (for ``random``: peak |h|).
        width: cell width W [m] (the period in x).
        count: number of bumps / sine periods per width; lowest random wavenumber.
        seed: seed of the random surface.
        bump_width: support of one bump [m]; None -> width / (2 count).
        z: positions along the depth [m] (3D; same shape as ``x``); None for a 2D profile h(x).
        depth: cell depth D [m] (3D; the period in z); None -> ``width``.

    Returns:
        h [m], an array of the broadcast shape of ``x`` (and ``z``).
    """
    x = np.asarray(x, dtype=float)
    three_d = z is not None
    if three_d:
        z = np.asarray(z, dtype=float)
        x, z = np.broadcast_arrays(x, z)
        depth = float(width if depth is None else depth)
    count = max(int(count), 1)
    amplitude = float(amplitude)

    if roughness == "flat" or amplitude == 0.0:
        return np.zeros_like(x)
    if roughness == "sine":
        return amplitude * np.cos(2.0 * np.pi * count * x / width)
    if roughness == "bumps":
        bw = default_bump_width(width, count) if bump_width is None else float(bump_width)
        pitch_x = width / count
        pitch = min(pitch_x, depth / count) if three_d else pitch_x
        if not 0.0 < bw <= pitch * (1.0 + 1e-12):
            raise ValueError(
                f"bump_width = {bw:g} m must be > 0 and at most the bump spacing {pitch:g} m "
                "(bumps may not overlap)"
            )
        # distance to the nearest bump centre (centres at (k + 1/2) pitch)
        dx = np.mod(x, pitch_x) - 0.5 * pitch_x
        if three_d:
            pitch_z = depth / count
            dz = np.mod(z, pitch_z) - 0.5 * pitch_z
            r = np.hypot(dx, dz)
        else:
            r = np.abs(dx)
        return np.where(r < 0.5 * bw, amplitude * np.cos(np.pi * r / bw) ** 2, 0.0)
    if roughness == "random":
        if three_d:
            raw = _random_raw_3d(x / width, z / depth, count, seed)
            return amplitude * raw / _random_scale_3d(count, seed)
        raw = _random_raw_2d(x / width, count, seed)
        return amplitude * raw / _random_scale_2d(count, seed)
    raise ValueError(
        f"unknown roughness {roughness!r}; allowed: {', '.join(repr(k) for k in ROUGHNESS_KINDS)}"
    )


def surface_slope(x, roughness, amplitude, width, count=1, seed=0, bump_width=None, dx=None):
    """dh/dx [-] of the 2D profile, by a centred difference with step ``dx`` [m] (default W/1e6)."""
    x = np.asarray(x, dtype=float)
    step = width * 1e-6 if dx is None else dx
    hp = surface_height(x + step, roughness, amplitude, width, count, seed, bump_width)
    hm = surface_height(x - step, roughness, amplitude, width, count, seed, bump_width)
    return (hp - hm) / (2.0 * step)


def arc_length(roughness, amplitude, width, count=1, seed=0, bump_width=None, n=200001) -> float:
    """Length [m] of the 2D profile y = h(x), 0 <= x <= W (composite Simpson quadrature)."""
    n = n + 1 if n % 2 == 0 else n
    x = np.linspace(0.0, width, n)
    f = np.sqrt(1.0 + surface_slope(x, roughness, amplitude, width, count, seed, bump_width) ** 2)
    dx = x[1] - x[0]
    return float(dx / 3.0 * (f[0] + f[-1] + 4.0 * f[1:-1:2].sum() + 2.0 * f[2:-1:2].sum()))


def mean_height(roughness, amplitude, width, count=1, seed=0, bump_width=None, n=200001) -> float:
    """Mean of h over one width [m] (trapezoidal rule over the periodic profile)."""
    x = np.linspace(0.0, width, n, endpoint=False)
    return float(np.mean(surface_height(x, roughness, amplitude, width, count, seed, bump_width)))
