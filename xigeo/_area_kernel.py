"""The compiled survey-area kernel: ellipsoidal areas of flat rings (numba).

What :func:`xigeo.area.area` runs for ``method="ellipsoidal"``: each ring's
vertices are taken from Gauss–Krüger back to (B, L) (:func:`_inverse_tm`,
Krüger's series as PROJ's tmerc) and the ellipsoidal trapezoids between
the edges and a reference meridian are summed (:func:`_ring_area`), under
the 三调 rules when ``survey`` is set (the numbers in
:mod:`xigeo._survey_rules`, frozen in when numba compiles). The module
docstring of :mod:`xigeo.area` explains the method; this module holds only
the arithmetic and imports nothing above the kernel level (the rings come
from :mod:`xigeo._rings`), so that ``import xigeo`` loads no numba: it is
imported when an area is first computed.

>>> import numpy as np
>>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])  # 1° × 1°
>>> a, f = 6378137.0, 1 / 298.257222101
>>> m2 = ring_areas_m2(xy, np.array([0, 5]), projected=False, a=a, f=f, survey=False)
>>> round(float(m2[0]) / 1e6, 3)   # km² of the 1° cell at the equator, edges along the parallels
12308.464
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from ._jit import prepare

prepare(__name__)  # a cache folder numba can write to, before numba is imported

import numba  # noqa: E402
import numpy as np  # noqa: E402

from numba import types as _t  # noqa: E402

from ._layers import thread_count  # noqa: E402
from ._survey_rules import ARCSEC_DECIMALS, DENSIFY_EDGE_M, GK_DECIMALS  # noqa: E402

__all__ = ["ring_areas_m2"]

# the rules as scale factors; numba freezes module constants when it compiles
_GK_SCALE = 10.0**GK_DECIMALS
_SEC_SCALE = 10.0**ARCSEC_DECIMALS
#: points per thread: a block of rings runs on a thread per CPU from this many points each
POINTS_PER_THREAD = 100_000

# Explicit signatures: each function compiles once, when this module is imported (or loads from
# numba's cache), for exactly these types; the inputs are read-only C arrays, so writable and
# read-only arrays take the same compiled code (docs/performance.md, "The first call").
_F8 = _t.float64
_VEC_RO = _t.Array(_t.float64, 1, "C", readonly=True)
_XY_RO = _t.Array(_t.float64, 2, "C", readonly=True)
_OFF_RO = _t.Array(_t.int64, 1, "C", readonly=True)


def _kruger_coefficients(f: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Rectifying radius factor and the inverse Krüger series to 6th order in n.

    Returns ``A/a`` (A = rectifying radius), β₁..β₆ (ζ → ζ′, Karney 2011
    eq. 36) and δ₁..δ₆ (conformal latitude χ → φ, Karney 2011 eq. 11), as
    used by PROJ's ``tmerc`` (etmerc) implementation.
    """
    n = f / (2.0 - f)
    n2, n3, n4, n5, n6 = n**2, n**3, n**4, n**5, n**6
    a_ratio = (1.0 + n2 / 4 + n4 / 64 + n6 / 256) / (1.0 + n)
    beta = np.array([
        n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604800,
        n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720,
        17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720,
        4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600,
        4583 * n5 / 161280 - 108847 * n6 / 3991680,
        20648693 * n6 / 638668800,
    ])
    delta = np.array([
        2 * n - 2 * n2 / 3 - 2 * n3 + 116 * n4 / 45 + 26 * n5 / 45 - 2854 * n6 / 675,
        7 * n2 / 3 - 8 * n3 / 5 - 227 * n4 / 45 + 2704 * n5 / 315 + 2323 * n6 / 945,
        56 * n3 / 15 - 136 * n4 / 35 - 1262 * n5 / 105 + 73814 * n6 / 2835,
        4279 * n4 / 630 - 332 * n5 / 35 - 399572 * n6 / 14175,
        4174 * n5 / 315 - 144838 * n6 / 6237,
        601676 * n6 / 22275,
    ])
    return a_ratio, beta, delta


@numba.njit(cache=True, nogil=True, inline="always")
def _sinh_cosh(x: float) -> tuple[float, float]:
    """sinh x and cosh x; a Taylor polynomial (exact to 1 ulp) for |x| ≤ 0.1, else expm1."""
    if abs(x) <= 0.1:
        x2 = x * x
        sh = x * (1.0 + x2 / 6.0 * (1.0 + x2 / 20.0 * (1.0 + x2 / 42.0 * (
            1.0 + x2 / 72.0 * (1.0 + x2 / 110.0 * (1.0 + x2 / 156.0))))))
        return sh, math.sqrt(1.0 + sh * sh)
    em = math.expm1(x)
    inv = 1.0 / (em + 1.0)
    sh = 0.5 * (em + em * inv)
    return sh, sh + inv


@numba.njit(_t.UniTuple(_F8, 4)(_F8, _F8, _F8, _F8, _F8, _VEC_RO, _VEC_RO), cache=True, nogil=True)
def _inverse_tm(east: float, north: float, k0a: float, fe: float, fn: float,
                beta: np.ndarray, delta: np.ndarray) -> tuple[float, float, float, float]:
    """Gauss–Krüger (E, N) → (φ, λ − λ0, sin φ, cos φ), φ and λ in radians.

    Krüger's n-series to 6th order (Karney 2011, as PROJ's tmerc): ζ′ =
    ζ − Σ βj sin(2jζ) by complex Clenshaw summation, the conformal latitude
    χ from ζ′, then φ = χ + Σ δj sin(2jχ). To save transcendental calls
    without losing precision (agreement with PROJ: ~1e-14°): sin ξ′, cos ξ′
    come from sin 2ξ, cos 2ξ and the small correction ξ − ξ′ (< 1e-3), and
    sin φ, cos φ from χ and φ − χ (< 0.0034 rad), by Taylor series.
    """
    xi = (north - fn) / k0a
    eta = (east - fe) / k0a
    s2x = math.sin(2.0 * xi)
    c2x = math.cos(2.0 * xi)
    sh2y, ch2y = _sinh_cosh(2.0 * eta)
    # Clenshaw for Σ βj sin(2jζ): b_k = β_k + 2cos(2ζ) b_{k+1} − b_{k+2}; sum = b_1 sin(2ζ)
    ar = 2.0 * c2x * ch2y
    ai = -2.0 * s2x * sh2y
    b1r = 0.0
    b1i = 0.0
    b2r = 0.0
    b2i = 0.0
    for j in range(5, -1, -1):
        b0r = beta[j] + ar * b1r - ai * b1i - b2r
        b0i = ar * b1i + ai * b1r - b2i
        b2r = b1r
        b2i = b1i
        b1r = b0r
        b1i = b0i
    sr = s2x * ch2y
    si = c2x * sh2y
    dxi = b1r * sr - b1i * si  # ξ − ξ′
    etap = eta - (b1r * si + b1i * sr)
    # sin ξ, cos ξ from the double angle (|ξ| < π/2), then rotate by −dxi
    cx = math.sqrt(0.5 * (1.0 + c2x))
    sx = s2x / (2.0 * cx)
    d2 = dxi * dxi
    sd = dxi * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0))
    cd = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0))
    sxp = sx * cd - cx * sd
    cxp = cx * cd + sx * sd
    shy, chy = _sinh_cosh(etap)
    sinchi = sxp / chy
    coschi = math.sqrt(shy * shy + cxp * cxp) / chy
    lam = math.atan(shy / cxp)  # cos ξ′ > 0
    # Clenshaw for Σ δj sin(2jχ)
    c2 = 2.0 * (coschi * coschi - sinchi * sinchi)
    r1 = 0.0
    r2 = 0.0
    for j in range(5, -1, -1):
        r0 = delta[j] + c2 * r1 - r2
        r2 = r1
        r1 = r0
    d = r1 * 2.0 * sinchi * coschi
    d2 = d * d
    sd = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0))
    cd = 1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0))
    sinphi = sinchi * cd + coschi * sd
    cosphi = coschi * cd - sinchi * sd
    phi = math.atan(sinchi / coschi) + d
    return phi, lam, sinphi, cosphi


@numba.njit(cache=True, nogil=True, inline="always")
def _q(s: float, e: float, e2: float) -> float:
    """q(B) = sinB/(1 − e² sin²B) + atanh(e sinB)/e, from s = sin B.

    For e² ≤ 0.01 (every real ellipsoid) as the series
    2s·Σ x^k (k+1)/(2k+1), x = e² sin²B, 12 terms (truncation < 1e-26);
    on a sphere q = 2 sin B.
    """
    if e2 > 0.01:
        return s / (1.0 - e2 * s * s) + math.atanh(e * s) / e
    x = e2 * s * s
    acc = 12.0 / 23.0
    for k in range(10, -1, -1):
        acc = (k + 1.0) / (2.0 * k + 1.0) + x * acc
    return 2.0 * s * acc


@numba.njit(_F8(_XY_RO, _t.int64, _t.int64, _t.boolean, _F8, _F8, _F8, _F8, _F8, _F8, _VEC_RO,
                 _VEC_RO, _t.boolean), cache=True, nogil=True)
def _ring_area(xy: np.ndarray, start: int, end: int, projected: bool, e: float, e2: float,
               lon0: float, k0a: float, fe: float, fn: float, beta: np.ndarray,
               delta: np.ndarray, survey: bool) -> float:
    """Unsigned ellipsoidal area of one closed ring, in units of b²."""
    deg = math.pi / 180.0
    arcsec = deg / 3600.0
    acc = 0.0
    lon_ref = 0.0
    prev_dl = 0.0
    prev_q = 0.0
    px = 0.0
    py = 0.0
    x0 = math.nan
    y0 = math.nan
    q0 = 0.0
    for i in range(start, end):
        x = xy[i, 0]
        y = xy[i, 1]
        extra = 0
        if projected and survey:
            # rule 1: GK coordinates to 4 decimals; rule 2: ⌊len/70⌋ points on long edges
            x = math.floor(x * _GK_SCALE + 0.5) / _GK_SCALE
            y = math.floor(y * _GK_SCALE + 0.5) / _GK_SCALE
            if i > start:
                length = math.sqrt((x - px) * (x - px) + (y - py) * (y - py))
                if length > DENSIFY_EDGE_M:
                    extra = int(math.floor(length / DENSIFY_EDGE_M))
        for k in range(1, extra + 2):
            if k <= extra:
                t = k / (extra + 1.0)
                qx = px + t * (x - px)
                qy = py + t * (y - py)
            else:
                qx = x
                qy = y
                if i == end - 1 and x == x0 and y == y0:  # the closing vertex: known
                    acc += prev_dl * (q0 - prev_q)
                    break
            if projected:
                phi, lam, sinphi, cosphi = _inverse_tm(qx, qy, k0a, fe, fn, beta, delta)
                lon = lon0 + lam
                if survey:  # rule 3: B, L to 1e-6 arc-second
                    phi_r = math.floor(phi / arcsec * _SEC_SCALE + 0.5) / _SEC_SCALE * arcsec
                    sinphi += cosphi * (phi_r - phi)  # exact to ~1e-24
            else:
                phi = qy * deg
                lon = qx * deg
                if survey:
                    phi = math.floor(qy * 3600.0 * _SEC_SCALE + 0.5) / _SEC_SCALE * arcsec
                sinphi = math.sin(phi)
            if survey:
                lon = math.floor(lon / arcsec * _SEC_SCALE + 0.5) / _SEC_SCALE * arcsec
            qv = _q(sinphi, e, e2)
            if i == start:
                lon_ref = lon
                prev_q = qv
                q0 = qv
                x0 = x
                y0 = y
                continue
            dl = lon - lon_ref
            acc += (prev_dl + dl) * (qv - prev_q)
            prev_dl = dl
            prev_q = qv
        px = x
        py = y
    return abs(0.25 * acc)


@numba.njit(_t.none(_XY_RO, _OFF_RO, _t.int64, _t.int64, _t.boolean, _F8, _F8, _F8, _F8, _F8, _F8,
                     _VEC_RO, _VEC_RO, _t.boolean, _t.Array(_F8, 1, "C")), cache=True, nogil=True)
def _ellipsoidal_kernel(xy: np.ndarray, ring_offsets: np.ndarray, first: int, last: int,
                        projected: bool, a: float, f: float, lon0: float, k0a: float,
                        fe: float, fn: float, beta: np.ndarray, delta: np.ndarray,
                        survey: bool, out: np.ndarray) -> None:
    """Unsigned ellipsoidal area (m²) of rings ``first``..``last − 1`` into ``out``.

    ``xy``: (n, 2) easting/northing (projected) or lon/lat degrees
    (geographic); ring r spans ``xy[ring_offsets[r]:ring_offsets[r+1]]``
    (closed). ``lon0`` in radians. Releases the GIL, so that blocks of rings
    can run on several threads.
    """
    e2 = f * (2.0 - f)
    e = math.sqrt(e2)
    b2 = (a * (1.0 - f)) ** 2
    for r in range(first, last):
        start = ring_offsets[r]
        end = ring_offsets[r + 1]
        if end - start >= 4:
            out[r] = _ring_area(xy, start, end, projected, e, e2, lon0, k0a, fe, fn,
                                beta, delta, survey) * b2


def ring_areas_m2(xy: np.ndarray, ring_off: np.ndarray, *, projected: bool, a: float, f: float,
                  lon0: float = 0.0, k0: float = 1.0, fe: float = 0.0, fn: float = 0.0,
                  survey: bool = True) -> np.ndarray:
    """Unsigned ellipsoidal area (m²) of every ring, blocks of rings on a thread per CPU.

    ``xy``: (n, 2) float64 easting/northing (``projected``: a transverse
    Mercator with central meridian ``lon0`` degrees, scale ``k0``, false
    easting/northing ``fe``/``fn``) or lon/lat degrees; ring r spans
    ``xy[ring_off[r]:ring_off[r + 1]]`` (closed); ``a``, ``f`` the
    ellipsoid. Rings of fewer than 4 points measure 0.
    """
    a_ratio, beta, delta = _kruger_coefficients(f)
    # the one type each kernel is compiled for (a copy only where the input differs)
    xy = np.ascontiguousarray(xy, dtype=np.float64)
    ring_off = np.ascontiguousarray(ring_off, dtype=np.int64)
    ring_m2 = np.zeros(ring_off.size - 1)
    workers = thread_count(xy.shape[0], POINTS_PER_THREAD)
    # blocks of rings with about the same number of points, one per thread
    cuts = np.searchsorted(ring_off, np.linspace(0, xy.shape[0], workers + 1)[1:-1])
    bounds = np.concatenate([[0], cuts, [ring_off.size - 1]]).astype(np.int64)

    def run(block: int) -> None:
        _ellipsoidal_kernel(xy, ring_off, int(bounds[block]), int(bounds[block + 1]),
                            bool(projected), float(a), float(f), math.radians(lon0),
                            float(k0 * a * a_ratio), float(fe), float(fn), beta, delta, bool(survey),
                            ring_m2)

    if workers == 1:
        run(0)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, range(workers)))
    return ring_m2
