"""Adaptive quadrature that looks before it trusts: a scan for the mass, then two opinions.

``scipy.integrate.quad`` samples 21 points of each interval it is given. On
``exp(-(x - 3000)**2)`` over (0, 10000) none of them lands near the bump, every
sample is 0, and quad reports 0 with an error estimate of 0. No adaptive rule can
refine what it never saw, so calcml looks first:

1. **scan** -- f is sampled on a uniform grid of 16383 interior points (any
   finite range whose width is a float), on uniform grids of as many points over
   (-100, 100) and (-1e4, 1e4) where the range is much wider (infinite ones
   included), and on geometric grids around 0 and each finite end (``c +- 10**(k/16)``, from 1e-20 out to the whole range, 1e308 for an
   infinite end). If f is exactly 0 at every point and was quick to evaluate, it
   is scanned again 64 times more densely (for unbounded ranges over
   (-1e6, 1e6)). Mass seen at fewer than 5 neighbouring points (a bump of width
   1 hit by one geometric point at 1e5) is **zoomed** into: the gap between its
   neighbours is sampled 256 times more finely, up to 8 times. The runs of
   points where ``|f|`` is not negligible (above 1e-13 of its largest sample),
   the decades inside them, the largest sample and any non-finite sample become
   breakpoints;
2. **first opinion** -- quad on each piece between breakpoints, values and error
   estimates summed;
3. **second opinion** -- ``scipy.integrate.quad_vec`` (a different adaptive
   Gauss-Kronrod code) over the whole range with the same breakpoints. SUCCESS
   needs both to agree within the tolerance, neither to complain, and the error
   estimate to be within ``atol + rtol * |value|``.

What a scan cannot see is never reported as SUCCESS where it can be told apart:

- on an unbounded range (infinite, or wider than 2e6) where f was 0 at every
  scanned point, the result is 0 with ``NOT_CONVERGED`` ("no mass found in the
  scanned range"): the mass may sit farther out, or between the points;
- mass seen only at isolated points even after zooming (a bump of width 1 at
  1e200, where neighbouring floats are 1e184 apart) is ``NOT_CONVERGED``;
- f that overflows in floating point (``x**100 * exp(-x)`` gives inf * 0 = nan
  beyond x = 1210, ``math.exp(1000)`` raises) is ``NOT_CONVERGED`` with "f
  overflows in floating point at x=...", not a domain error; when f was made
  from text (it carries ``.expr``), the same expression is integrated in 30-digit
  mpmath instead, and SUCCESS needs two partitions to agree. Points reach f as
  ``np.float64``, so ``(-5e307)**2`` is inf (and ``exp(-inf)`` 0), not an
  OverflowError.

A limit of every sampling method: mass narrower than the scan's spacing, where
f is otherwise non-zero (a needle of width 2e-6 at 0.3 on top of x over
(0, 1), a spike of width 1e-3 at x = 5000.5 on (0, 10000)), can still be missed
by both opinions and reported as SUCCESS; a verified antiderivative is then the
only third opinion (:func:`calcml.integrate.compare_with_antiderivative`).
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import scipy.integrate

from .errors import DomainError
from .numeric.tolerance import Tolerance
from .results import Estimate, Status

__all__ = ["Scan", "scan", "adaptive_integral"]

_UNIFORM = 2**14 - 1  # interior points of the uniform scan of a finite range
_CORES = (1e2, 1e4)  # half-widths of the uniform scans of an infinite range
_PER_DECADE = 16  # geometric scan points per decade around 0 and the finite ends
_DENSE_IF_FASTER = 0.05  # seconds: a scan this fast (vectorised f) may be repeated 64 times denser
_NEGLIGIBLE = 1e-13  # |f| below this fraction of its largest sample is taken as no mass
_MAX_BREAKS = 400
_WIDE = 2e6  # a finite range wider than this is scanned (and judged) like an infinite one
_DENSE_HALF = 1e6  # the dense scan of an unbounded range covers (-1e6, 1e6)
_FAR = 1e308  # how far out the geometric scan goes on an unbounded range
_RESOLVED = 5  # a run of significant samples with fewer points than this is zoomed into
_ZOOM_POINTS = 255
_MAX_ZOOMS = 32  # runs zoomed into per round (the largest first)
_MAX_ZOOM_ROUNDS = 8  # each round is 256 times finer: 8 rounds reach 1e-19 of the gap
#: An error below this fraction of the integral of |f| is as good as double precision
#: allows when positive and negative parts cancel (the integral of sin over a period).
_ROUNDING = 1e-12


class Scan(NamedTuple):
    """Where f was sampled before integrating, and what was found.

    ``x`` sorted, ``y = f(x)``; ``breaks`` the interior breakpoints chosen;
    ``scale`` an estimate of ``integral |f|`` (for the rounding floor);
    ``singular`` points where f is infinite or spikes far above its typical size;
    ``unresolved`` points where f is significant at isolated samples only, even
    after zooming in (see :func:`_zoom`).
    """

    x: np.ndarray
    y: np.ndarray
    breaks: tuple
    scale: float
    singular: tuple
    unresolved: tuple = ()  # where f was significant at isolated points only, even after zooming in


def _unbounded(a: float, b: float) -> bool:
    """An infinite range, or one so wide that a uniform scan of it is coarser than the infinite-range scan."""
    return not (math.isfinite(a) and math.isfinite(b)) or not b - a <= _WIDE


def _scan_points(a: float, b: float) -> np.ndarray:
    pts = []
    with np.errstate(all="ignore"):
        if math.isfinite(b - a):
            pts.append(np.linspace(a, b, _UNIFORM + 2)[1:-1])
        for half in _CORES:  # uniform grids over the core, where user functions keep their mass
            lo, hi = max(a, -half), min(b, half)
            if lo < hi and (hi - lo) < (b - a) / 4:  # not already covered as finely above
                pts.append(np.linspace(lo, hi, _UNIFORM + 2))
        # Geometric grids around 0 and each finite end, out to the whole range (1e308 for infinite ends).
        span = max(abs(a), abs(b)) if math.isfinite(a) and math.isfinite(b) else _FAR
        top = math.log10(max(min(span, _FAR), 1e-300)) if span > 0 else 0.0
        offsets = 10.0 ** (np.arange(-20 * _PER_DECADE, int(_PER_DECADE * top) + 2) / _PER_DECADE)
        for c in {0.0, a, b}:
            if not math.isfinite(c):
                continue
            pts.append(c + offsets)
            pts.append(c - offsets)
        x = np.unique(np.concatenate(pts))
    return x[np.isfinite(x) & (x > a) & (x < b)]


def _dense_points(a: float, b: float) -> np.ndarray:
    """A second, 64 times denser uniform scan, for when the first saw f = 0 everywhere."""
    lo, hi = (max(a, -_DENSE_HALF), min(b, _DENSE_HALF)) if _unbounded(a, b) else (a, b)
    if not lo < hi:
        return np.zeros(0)
    return np.linspace(lo, hi, 64 * (_UNIFORM + 1) + 1)[1:-1]


def _zoom(f: Callable, sample: Callable, x: np.ndarray, y: np.ndarray, a: float, b: float):
    """Resample around mass the scan saw in fewer than a few points, until it is resolved.

    A bump of width 1 at x = 1e5 may be hit by a single geometric scan point whose
    neighbours are 15 % away; the breakpoints around it are then so far apart that
    quad's 21 nodes per piece never land on the bump and both opinions report 0.
    Each zoom samples the gap between the neighbours of the run of significant
    samples 256 times more finely, until the run has _RESOLVED points.
    """
    for round_ in range(_MAX_ZOOM_ROUNDS + 1):
        ay = np.where(np.isfinite(y), np.abs(y), 0.0)
        peak = float(ay.max()) if ay.size else 0.0
        if not peak > 0:
            return x, y, ()
        big = ay > _NEGLIGIBLE * peak
        edges = np.flatnonzero(np.diff(np.concatenate(([0], big.view(np.int8), [0]))))
        runs = [(int(s0), int(s1)) for s0, s1 in zip(edges[::2], edges[1::2]) if s1 - s0 < _RESOLVED]
        runs.sort(key=lambda r: -float(ay[r[0]:r[1]].max()))
        new = []
        for s0, s1 in runs[:_MAX_ZOOMS]:
            lo = float(x[s0 - 1]) if s0 > 0 else a
            hi = float(x[s1]) if s1 < x.size else b
            if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo <= 1e3 * np.finfo(float).eps * max(
                    abs(lo), abs(hi), 1e-300):
                continue
            new.append(np.linspace(lo, hi, _ZOOM_POINTS + 2)[1:-1])
        if not new or round_ == _MAX_ZOOM_ROUNDS:
            # What is still seen at a few isolated points after every zoom: narrower than
            # floating point resolves there (a bump of width 1 at 1e200), or a spike.
            return x, y, tuple(float(x[s0 + int(np.argmax(ay[s0:s1]))]) for s0, s1 in runs[:5])
        xn = np.unique(np.concatenate(new))
        yn, failure = sample(f, xn)
        if yn is None:
            raise _ScanFailed(failure)
        x, y = np.concatenate((x, xn)), np.concatenate((y, yn))
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    return x, y, ()


def scan(f: Callable, a: float, b: float, sample: Callable) -> Scan:
    """Sample f over (a, b) (ends excluded) and choose breakpoints where its mass is."""
    x = _scan_points(a, b)
    started = time.perf_counter()
    y, failure = sample(f, x)
    if y is None:
        raise _ScanFailed(failure)
    if not np.any(y != 0) and time.perf_counter() - started < _DENSE_IF_FASTER:
        # f was exactly 0 at every point: no evidence of mass at all. A vectorised f
        # is cheap to ask again, 64 times more densely, before 0 is believed.
        xd = _dense_points(a, b)
        yd, failure = sample(f, xd)
        if yd is None:
            raise _ScanFailed(failure)
        x, y = np.concatenate((x, xd)), np.concatenate((y, yd))
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    x, y, unresolved = _zoom(f, sample, x, y, a, b)
    finite = np.isfinite(y)
    ay = np.where(finite, np.abs(y), 0.0)
    peak = float(ay.max()) if ay.size else 0.0
    breaks = set()
    singular = []
    if ay.size and peak > 0:
        big = ay > _NEGLIGIBLE * peak
        # Each run of significant samples, widened to the neighbouring samples, is one piece.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], big.view(np.int8), [0]))))
        for start, stop in zip(edges[::2], edges[1::2]):
            breaks.add(float(x[max(start - 1, 0)]))
            breaks.add(float(x[min(stop, x.size - 1)]))
        breaks.add(float(x[int(np.argmax(ay))]))
        # Inside the region with mass, cut at the decades around 0 and the finite ends too:
        # a slowly decaying f (1/(1 + x**2)) is smooth on each decade, not across all of them.
        lo_m, hi_m = float(x[np.argmax(big)]), float(x[x.size - 1 - np.argmax(big[::-1])])
        for c in {0.0, a, b}:
            if math.isfinite(c):
                for k in range(-20, 309):
                    for p in (c - 10.0**k, c + 10.0**k):
                        if lo_m <= p <= hi_m and a < p < b:
                            breaks.add(p)
                    if 10.0**k > hi_m - lo_m:
                        break
        # Spikes: far above the typical size of f, and growing toward the spike.
        typical = float(np.median(ay[big])) if big.any() else peak
        spiky = ay > 1e4 * max(typical, 1e-300)
        runs = np.flatnonzero(np.diff(np.concatenate(([0], spiky.view(np.int8), [0]))))
        for start, stop in list(zip(runs[::2], runs[1::2]))[:5]:  # the peak of each run of spiky samples
            singular.append(float(x[start + int(np.argmax(ay[start:stop]))]))
    for i in np.flatnonzero(np.isinf(y))[:5]:
        singular.append(float(x[i]))
        breaks.add(float(x[i]))
    breaks = sorted(breaks)
    if len(breaks) > _MAX_BREAKS:  # many runs (an oscillating f): keep the outermost and the peak
        keep = {breaks[0], breaks[-1]} | ({float(x[int(np.argmax(ay))])} if peak > 0 else set())
        breaks = sorted(keep)
    widths = np.diff(np.concatenate(([x[0]], x))) if x.size else np.zeros(0)
    scale = float(np.sum(ay * widths)) if x.size else 0.0
    return Scan(x, y, tuple(breaks), scale, tuple(sorted(set(singular))), unresolved)


class _ScanFailed(Exception):
    pass


def _quad(fun: Callable, a: float, b: float, limit: int = 200) -> tuple[float, float, str]:
    # QUADPACK maps a half-infinite range (c, inf) by x = c + (1 - t)/t, a transform
    # of scale 1: for a tail that starts at |c| = 3e6 it sees almost nothing (the tail
    # of 1/(1 + x**2) came out 1.4e-10 instead of 3.2e-7). Rescale to the scale of c first.
    scale = 1.0
    if math.isinf(a) != math.isinf(b) and max(abs(a) if math.isfinite(a) else 0.0,
                                              abs(b) if math.isfinite(b) else 0.0) > 1.0:
        c = a if math.isfinite(a) else b
        scale = abs(c)
        sign = 1.0 if math.isfinite(a) else -1.0
        inner = fun

        def fun(s):  # noqa: F811 - the rescaled integrand, s in (0, inf)
            return inner(c + sign * scale * s)

        a, b = 0.0, math.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", scipy.integrate.IntegrationWarning)
        out = scipy.integrate.quad(fun, a, b, full_output=1, limit=limit)
    out = (out[0] * scale, out[1] * scale, *out[2:])
    complaint = out[3] if len(out) > 3 and isinstance(out[3], str) else ""
    complaint = complaint or next((str(w.message) for w in caught
                                   if issubclass(w.category, scipy.integrate.IntegrationWarning)), "")
    return float(out[0]), float(out[1]), " ".join(complaint.split()).split(". ")[0].rstrip(".")


def name_singularities(points) -> str:
    """A phrase naming where f blows up, for messages ("" when nothing was found)."""
    if not points:
        return ""
    shown = ", ".join(f"x = {p:.6g}" for p in points[:3])
    return f"f blows up near {shown} (found by sampling): a pole or singularity there"


def adaptive_integral(f: Callable, a: float, b: float, tol: Tolerance, scalar_f: Callable, seen: dict,
                      sample: Callable) -> Estimate:
    """Scan, then quad piece by piece, then quad_vec as a second opinion (see the module docstring)."""
    # Points go to f as NumPy floats, not Python floats: (-5e307)**2 is then inf (and
    # exp(-inf) = 0) instead of an OverflowError, as it already is for the vectorised call.
    user_f, f, scalar_f = f, _numpy_scalars(f), _numpy_scalars(scalar_f)
    try:
        sc = scan(f, a, b, sample)
    except _ScanFailed as exc:
        status, message = _failure(str(exc))
        return Estimate(math.nan, math.nan, "adaptive", status, seen["count"], message)
    evaluations = sc.x.size
    nan = np.flatnonzero(np.isnan(sc.y))
    if nan.size:
        x0 = float(sc.x[nan[0]])
        overflow = _overflow_note(user_f, x0)
        if overflow:
            exact = _mpmath_opinions(user_f, a, b, sc.breaks, tol, x0, evaluations)
            if exact is not None:
                return exact
            return Estimate(math.nan, math.inf, "adaptive", Status.NOT_CONVERGED, evaluations,
                            f"f overflows in floating point at x≈{x0:.6g} (f(x) came out nan there{overflow}); "
                            "the integral itself may still be finite: rescale f, or integrate it in log space")
        return Estimate(math.nan, math.inf, "adaptive", Status.NAN, evaluations,
                        f"f(x) is nan at x={x0!r} (and {nan.size - 1} more scanned point(s)): "
                        "f is not defined on all of the interval; split it there or check where f is defined")
    if _unbounded(a, b) and not np.any(sc.y[np.isfinite(sc.y)] != 0):
        # Every one of the scan's points says f = 0. On an unbounded range that is no
        # evidence: a bump of width 1 at x = 1.3e7 falls between points 15 % apart.
        lo, hi = float(sc.x[0]), float(sc.x[-1])
        return Estimate(0.0, math.inf, "adaptive", Status.NOT_CONVERGED, evaluations,
                        f"no mass found in the scanned range [{lo:.3g}, {hi:.3g}] (f was exactly 0 at all "
                        f"{evaluations} points: uniform up to |x| = {_DENSE_HALF:g}, then {_PER_DECADE} points per "
                        "decade); the integrand may be concentrated farther out or between the points, so 0 is "
                        "not confirmed: integrate over a finite range around its mass")
    if sc.unresolved:
        shown = ", ".join(f"x = {p:.6g}" for p in sc.unresolved[:3])
        return Estimate(math.nan, math.inf, "adaptive", Status.NOT_CONVERGED, evaluations,
                        f"f is significant only at isolated points near {shown}, even sampled 256**"
                        f"{_MAX_ZOOM_ROUNDS} times more finely there: a feature narrower than floating point "
                        "resolves at that x, or a spike; its mass cannot be measured from samples")
    # Pieces a few ulps wide (a decade point next to an end, 3 - 1e-16) only make quad complain.
    seen["singular"] = name_singularities(sc.singular)  # for the message if f raises inside quad
    cuts = [a]
    for p in (*sc.breaks, b):
        if p == b or math.isinf(cuts[-1]) or p - cuts[-1] > 1e3 * np.finfo(float).eps * max(abs(p), abs(cuts[-1]),
                                                                                              1e-300):
            cuts.append(p)
    if len(cuts) > 2 and math.isfinite(b) and cuts[-1] - cuts[-2] <= 1e3 * np.finfo(float).eps * max(abs(b), 1e-300):
        del cuts[-2]
    value = error = 0.0
    complaints = []
    for lo, hi in zip(cuts, cuts[1:]):
        if hi <= lo:
            continue
        # An oscillating f needs a few subintervals per sign change the scan saw.
        i, j = np.searchsorted(sc.x, [lo, hi])
        changes = int(np.count_nonzero(np.diff(np.signbit(sc.y[i:j])))) if j - i > 1 else 0
        v, e, c = _quad(scalar_f, lo, hi, limit=max(200, min(20 * changes, 20000)))
        value += v
        error += e
        if c:
            complaints.append(f"on [{lo:.6g}, {hi:.6g}]: {c}")
    evaluations += seen["count"]
    singular = name_singularities(sc.singular)
    if seen["bad"]:
        bx, bv = seen["bad"][0]
        bx = float(bx)
        status = Status.NAN if math.isnan(bv) else Status.INFINITE
        message = f"f(x) is {bv} at x={bx!r}: the integrand is not finite there"
        return Estimate(value, math.inf, "adaptive", status, evaluations,
                        message + (f"; {singular}" if singular else "") + "; split the interval there")
    if complaints or not (math.isfinite(value) and math.isfinite(error)):
        why = complaints[0] if complaints else "quad returned a non-finite value"
        return Estimate(value, max(error, 0.0) if math.isfinite(error) else math.inf, "adaptive",
                        Status.NOT_CONVERGED, evaluations,
                        f"scipy.integrate.quad {why}; the integral may diverge"
                        + (f" ({singular})" if singular else " or need splitting at a singularity")
                        + ", so do not trust the value")
    # The second opinion: another adaptive code over the whole range, same breakpoints.
    second, second_err, count2 = _second_opinion(f, a, b, sc.breaks, max(1e-3 * tol.rtol, 1e-13),
                                                  max(1e-3 * _ROUNDING * sc.scale, 1e-300))
    evaluations += count2
    floor = _ROUNDING * max(sc.scale, abs(value))
    gap = abs(value - second) if math.isfinite(second) else math.inf
    if not math.isfinite(second):
        return Estimate(value, error, "adaptive", Status.NOT_CONVERGED, evaluations,
                        f"quad (split at the mass found by a scan) gives {value!r}, but the second opinion "
                        "(quad_vec) failed, so the value is not confirmed"
                        + (f"; {singular}" if singular else ""))
    if gap > max(tol.bound(value), 10 * (error + second_err), floor):
        return Estimate(value, max(error, gap), "adaptive", Status.NOT_CONVERGED, evaluations,
                        f"two independent quadratures disagree: quad (split at the mass found by a scan) gives "
                        f"{value!r}, quad_vec gives {second!r}" + (f"; {singular}" if singular else ""))
    if gap <= error + second_err and second_err < error:
        # Consistent opinions (their gap within their error bars): keep the sharper one.
        value, error = second, second_err
    else:
        error = max(error, gap)
    if not tol.met(error, value, floor):
        return Estimate(value, error, "adaptive", Status.NOT_CONVERGED, evaluations,
                        f"the error estimate {error:.2g} is above the tolerance ({tol.describe()})")
    return Estimate(value, error, "adaptive", Status.SUCCESS, evaluations)


def _numpy_scalars(f: Callable) -> Callable:
    """f called with np.float64 where it would get a Python float (overflow gives inf, not an exception)."""
    def g(x):
        return f(np.float64(x) if type(x) is float else x)
    return g


def _failure(message: str) -> tuple[Status, str]:
    """Status and message when f raised during the scan: an overflow is not a domain error."""
    if message.startswith("f raised OverflowError"):
        at = message.rsplit(" at x=", 1)[-1]
        return Status.NOT_CONVERGED, (f"f overflows in floating point at x≈{at} ({message}); "
                                      "the integral itself may still be finite: rescale f, or integrate it in log space")
    return Status.ERROR, message


def _overflow_note(f: Callable, x0: float) -> str:
    """Why a nan of f at x0 is floating-point overflow (inf*0, inf-inf), or "" if nothing says so.

    Three witnesses: the same expression in mpmath (for functions made from text,
    which carry ``.expr``), f in extended precision, and f with NumPy's overflow
    raised instead of silenced.
    """
    expr = getattr(f, "expr", None)
    if expr is not None:
        try:
            import mpmath

            from .expressions import to_function

            fm = to_function(expr, getattr(f, "variables", None), backend="mpmath")
            v = fm(mpmath.mpf(x0))
            if mpmath.isfinite(v):
                return f"; in exact arithmetic f({x0:.6g}) = {mpmath.nstr(v, 4)}"
        except Exception:  # noqa: BLE001 - the witness is optional
            pass
    with np.errstate(all="ignore"):
        try:
            v = np.asarray(f(np.array([x0], dtype=np.longdouble)))
            if v.size == 1 and np.isfinite(v).all() and v.dtype == np.longdouble:
                return f"; in extended precision f({x0:.6g}) = {float(v.reshape(())):.4g}"
        except Exception:  # noqa: BLE001
            pass
    try:
        with np.errstate(over="raise", invalid="ignore", divide="ignore", under="ignore"):
            f(np.array([x0]))
    except FloatingPointError:
        return "; an intermediate result exceeded 1.8e308"
    except Exception:  # noqa: BLE001
        pass
    return ""


def _mpmath_opinions(f: Callable, a: float, b: float, breaks, tol: Tolerance, x0: float,
                     evaluations: int) -> Estimate | None:
    """For f made from text (it has ``.expr``) that overflows in floating point: two mpmath quadratures.

    ``x**100 * exp(-x)`` over (0, inf) is 100! = 9.3e157, a float, although f is
    inf * 0 = nan beyond x = 1210 in float64. mpmath evaluates the same expression
    in 30-digit arithmetic with an unbounded exponent; ``mpmath.quad`` (tanh-sinh)
    over the scan's breakpoints and over a finer partition (other nodes) must agree
    within the tolerance.
    None when f has no expression or the two do not agree.
    """
    expr = getattr(f, "expr", None)
    if expr is None:
        return None
    try:
        import mpmath

        from .expressions import to_function

        fm = to_function(expr, getattr(f, "variables", None), backend="mpmath")
    except Exception:  # noqa: BLE001 - no mpmath form: the caller reports the overflow
        return None
    inner = sorted(p for p in set(breaks) if a < p < b)
    if len(inner) > 40:  # mpmath integrates each piece separately: keep it affordable
        inner = inner[:: -(-len(inner) // 40)] + [inner[-1]]
    count = [0]

    def g(t):
        count[0] += 1
        return fm(t)

    pts = [mpmath.mpf(a), *map(mpmath.mpf, inner), mpmath.mpf(b)]
    # The second partition cuts every piece once more (an infinite one at 2|p| + 1): other nodes.
    split = [pts[0]]
    for lo, hi in zip(pts, pts[1:]):
        if mpmath.isinf(lo) or mpmath.isinf(hi):
            c = hi - 2 * abs(hi) - 1 if mpmath.isinf(lo) else lo + 2 * abs(lo) + 1
        else:
            c = lo + (hi - lo) * mpmath.mpf(0.382)
        split += [c, hi]
    try:
        with mpmath.workdps(30):
            v1, e1 = mpmath.quad(g, pts, method="tanh-sinh", error=True)
            v2, e2 = mpmath.quad(g, split, method="tanh-sinh", error=True)
            value, gap, error = float(v1), float(abs(v1 - v2)), float(max(abs(e1), abs(v1 - v2)))
    except Exception:  # noqa: BLE001 - mpmath could not do it either: report the overflow
        return None
    if not (math.isfinite(value) and math.isfinite(error)) or gap > tol.bound(value) or not tol.met(error, value, 0.0):
        return None
    return Estimate(value, error, "adaptive", Status.SUCCESS, evaluations + count[0],
                    f"f overflows in floating point at x\u2248{x0:.6g} (inf * 0 gives nan), so the integral was "
                    "computed from the same expression in 30-digit arithmetic: mpmath.quad (tanh-sinh) on two "
                    "partitions agrees")


def _second_opinion(f: Callable, a: float, b: float, breaks, epsrel: float,
                    epsabs: float) -> tuple[float, float, int]:
    count = [0]

    def g(t: float) -> float:
        count[0] += 1
        with np.errstate(all="ignore"):
            try:
                y = np.asarray(f(t), dtype=float)
            except Exception:  # noqa: BLE001 - the first opinion already reported f's failures
                return math.nan
        return float(y.reshape(())) if y.size == 1 else math.nan

    inner = [p for p in breaks if a < p < b]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out: Any = scipy.integrate.quad_vec(g, a, b, points=inner or None, epsrel=epsrel, epsabs=epsabs,
                                                limit=4000)
    except (ValueError, DomainError, ZeroDivisionError, OverflowError):
        return math.nan, math.inf, count[0]
    return float(out[0]), float(out[1]), count[0]
