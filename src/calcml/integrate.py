"""Numeric integration: Riemann sums, trapezoid, Simpson, adaptive quadrature.

Lesson 2 of the course adds up ``f(x) * dx`` over a grid and calls the running
total the integral. This module does that honestly and then does it better:

- :func:`integral` -- one definite integral by a named rule, with an error
  *estimate* and a :class:`~calcml.results.Status`;
- :func:`cumulative_integral` -- the running sum of lesson 2 (an antiderivative
  sampled on a grid), either exactly as the course computes it or by the
  cumulative trapezoid rule;
- :mod:`calcml.convergence` -- how the error of each rule shrinks as ``n``
  doubles (1 for Riemann sums, 2 for midpoint and trapezoid, 4 for Simpson).

The integrand is a Python callable. It is called with a NumPy array of points;
when that raises or returns the wrong shape it is called once per point.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .errors import DomainError
from .numeric.tolerance import Tolerance, tolerance
from .results import _JSON, Estimate, Status

__all__ = [
    "integral",
    "compare_with_antiderivative",
    "cumulative_integral",
    "CumulativeIntegral",
    "FIXED_RULES",
    "METHODS",
    "DEFAULT_N",
]

# Order p of each rule: on a smooth integrand its error behaves like C * h**p.
_ORDER = {"left": 1, "right": 1, "midpoint": 2, "trapezoid": 2, "simpson": 4}
FIXED_RULES = tuple(_ORDER)
METHODS = FIXED_RULES + ("adaptive",)
DEFAULT_N = 1000
"""Subintervals used by the fixed rules when ``n`` is not given."""
_MAX_POINTS = 10**7  # beyond this a grid costs hundreds of MB: refuse, say why
# quad refuses epsrel <= 50 * machine epsilon (about 1.1e-14) when epsabs is 0,
# so the "1e-14" reference tolerance sits just above that floor.
_REFERENCE_EPSREL = 51 * np.finfo(float).eps
_ROUNDOFF = 1e-14  # relative error below which observed orders are noise


# ---------------------------------------------------------------- validation

def _check_callable(f: Any) -> None:
    if not callable(f):
        raise DomainError(f"f must be a callable such as np.sin or lambda x: x**2, got {type(f).__name__}")


def _check_limit(name: str, v: Any) -> float:
    try:  # floats, ints, NumPy scalars, SymPy numbers such as pi; not bools or text
        if isinstance(v, (bool, np.bool_, str, bytes)) or np.ndim(v) != 0:
            raise TypeError
        v = float(v)
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a real number, got {v!r}") from None
    if math.isnan(v):
        raise DomainError(f"{name} is NaN; give a real number")
    return v


def _check_n(n: Any, method: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise DomainError(f"n must be a whole number of subintervals, got {n!r}")
    n = int(n)
    if n < 1:
        raise DomainError(f"n={n} is too small: use at least 1 subinterval")
    if n > _MAX_POINTS:
        raise DomainError(f"n={n} is too large (the limit is {_MAX_POINTS:.0e} subintervals); "
                          "use method='adaptive' for a more accurate answer")
    if method == "simpson" and n % 2:
        raise DomainError(f"n={n} is odd, but Simpson's rule works on pairs of subintervals: "
                          f"use an even number such as {n + 1}")
    return n


# ---------------------------------------------------------------- sampling

def _sample(f: Callable, x: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Evaluate f at every x: one vectorised call, else one call per point.

    Returns (samples, "") or (None, message) when f raised an exception.
    NumPy's divide/invalid warnings are silenced: NaN and inf samples are
    reported through the Status instead, naming the first bad x.
    """
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(f(x))
        except Exception:  # e.g. math.sin on an array: fall back below
            y = None
        if y is None or y.shape != x.shape:
            values = []
            for xi in x:
                try:
                    yi = np.asarray(f(float(xi)))
                except Exception as exc:  # the integrand itself failed here
                    return None, f"f raised {type(exc).__name__}: {exc} at x={float(xi)!r}"
                if yi.size != 1:
                    raise DomainError(f"f returned {yi.size} values for the single point x={float(xi)!r}; "
                                      "f must return one number per x")
                values.append(yi.reshape(()).item())
            y = np.array(values)
    return _as_real(y), ""


def _as_real(y: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(y):
        raise DomainError("f returned complex values; integrate its real and imaginary parts separately")
    if y.dtype.kind not in "biuf":
        raise DomainError(f"f must return numbers, got an array of dtype {y.dtype}")
    return y.astype(float)


def _first_bad(x: np.ndarray, y: np.ndarray, adaptive: bool = False) -> tuple[Status, str] | None:
    """Status and message for the first non-finite sample, or None if all are finite."""
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size == 0:
        return None
    # NaN (undefined) outranks inf (a pole): report the first NaN if there is one.
    nan = np.flatnonzero(np.isnan(y))
    i = nan[0] if nan.size else bad[0]
    status = Status.NAN if nan.size else Status.INFINITE
    more = f" (and {bad.size - 1} more non-finite point(s))" if bad.size > 1 else ""
    hint = ("split the interval there or check where f is defined" if adaptive
            else "split the interval there, change the grid, or use method='adaptive'")
    return status, f"f(x) is {y[i]} at x={float(x[i])!r}{more}: the integrand is not finite there; {hint}"


# ---------------------------------------------------------------- fixed rules

def _nodes(method: str, a: float, b: float, n: int) -> np.ndarray:
    h = (b - a) / n
    if method == "left":
        return a + h * np.arange(n)
    if method == "midpoint":
        return a + h * (np.arange(n) + 0.5)
    x = a + h * np.arange(n + 1)
    x[-1] = b  # no rounding drift at the far end
    return x[1:] if method == "right" else x


def _combine(method: str, y: np.ndarray, a: float, b: float, n: int) -> float:
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by the status
        return _weighted_sum(method, y, (b - a) / n)


def _weighted_sum(method: str, y: np.ndarray, h: float) -> float:
    if method in ("left", "right", "midpoint"):
        return float(h * np.sum(y))
    if method == "trapezoid":  # h * (y0/2 + y1 + ... + y_{n-1} + yn/2)
        return float(h * (np.sum(y) - 0.5 * (y[0] + y[-1])))
    # Simpson: h/3 * (y0 + 4 y1 + 2 y2 + 4 y3 + ... + 4 y_{n-1} + yn)
    return float(h / 3 * (y[0] + y[-1] + 4 * np.sum(y[1:-1:2]) + 2 * np.sum(y[2:-1:2])))


def _partner_n(method: str, n: int) -> int:
    """The grid compared against for the error estimate: about n/2, else 2n."""
    m = n // 2
    if method == "simpson" and m % 2:
        m -= 1
    return m if m >= (2 if method == "simpson" else 1) else 2 * n


def _fixed(f: Callable, a: float, b: float, method: str, n: int, tol: Tolerance, verify: bool = True) -> Estimate:
    x = _nodes(method, a, b, n)
    y, failure = _sample(f, x)
    if y is None:
        return Estimate(math.nan, math.nan, method, Status.ERROR, x.size, failure)
    evaluations = x.size
    bad = _first_bad(x, y)
    value = _combine(method, y, a, b, n)
    if bad:
        return Estimate(value, math.inf, method, bad[0], evaluations, bad[1])

    # Error estimate (Richardson): the error of a rule of order p behaves like
    # C h^p, so two grids with h and r*h differ by C h^p (r^p - 1). Solving for
    # C h^p gives the error of the finer one. It is an estimate: it assumes the
    # asymptotic regime and a smooth f (on sqrt near 0 Simpson is not order 4),
    # so it is checked below before it is trusted.
    m = _partner_n(method, n)
    if m * 2 == n and method != "midpoint":  # nested grid: reuse the samples
        ym = y[1::2] if method == "right" else y[::2]
    else:
        xm = _nodes(method, a, b, m)
        ym, failure = _sample(f, xm)
        if ym is None:
            return Estimate(value, math.nan, method, Status.ERROR, evaluations, failure)
        evaluations += xm.size
        bad = _first_bad(xm, ym)
        if bad:  # value may look fine, but the integrand is not finite on [a, b]
            return Estimate(value, math.inf, method, bad[0], evaluations,
                            bad[1] + " (found by the grid used for the error estimate)")
    value_m = _combine(method, ym, a, b, m)
    p = _ORDER[method]
    r = n / m
    error = float(abs(value - value_m) / abs(r**p - 1))  # also right when the partner is finer (r < 1)
    if not math.isfinite(value):
        return Estimate(value, math.inf, method, Status.INFINITE, evaluations,
                        "the sum overflowed although every sample is finite; rescale f")
    floor = 1e-12 * (b - a) / n * float(np.sum(np.abs(y)))  # cancellation to rounding (see adaptive.py)
    spike = _spike(x, y)
    if not tol.met(error, value, floor):
        return Estimate(value, error, method, Status.NOT_CONVERGED, evaluations,
                        f"the error estimate {error:.2g} is above the tolerance ({tol.describe()}); "
                        + (f"{spike}; " if spike else "") + _advice(method, n, error, value, tol))
    if not verify:
        return Estimate(value, error, method, Status.SUCCESS, evaluations)
    # The rule's own estimate compares it with itself on a nested grid, which cannot see
    # aliasing (cos(1000 x) sampled at its peaks on every grid) or features between the
    # nodes. An independent rule on other points must agree before the estimate is trusted.
    check, failure = _gauss_legendre(f, a, b, n)
    evaluations += 4 * n
    if check is None or not math.isfinite(check):
        return Estimate(value, error, method, Status.NOT_CONVERGED, evaluations,
                        f"the rule's error estimate {error:.2g} could not be confirmed: an independent "
                        f"Gauss-Legendre rule {failure or 'gave a non-finite value'}")
    gap = abs(value - check)
    if gap > max(tol.bound(value), 10 * error, floor):
        return Estimate(value, gap, method, Status.NOT_CONVERGED, evaluations,
                        f"the rule's own error estimate ({error:.2g}) is contradicted by an independent rule "
                        f"(4-point Gauss-Legendre on {n} panels gives {check!r}): the grid misses what f does "
                        "between its nodes (f oscillates on the scale of the grid -- aliasing -- or has narrow "
                        "features); use method='adaptive'" + (f"; {spike}" if spike else ""))
    # A third look, where the mass is: Gauss-Legendre shares the rule's panels, so panels
    # far wider than a narrow bump (exp(-x^2) on [-10000, 38] with 10 Simpson strips: nodes
    # 1000 apart, all where f is 0) fool both. The adaptive rule's scan (16383 uniform
    # points plus geometric ones near 0 and the ends) is summed by the trapezoid rule on
    # its own points; only a gross disagreement counts, as the scan is no precise rule.
    if n < _SCAN_POINTS:
        seen = _scan_sum(f, a, b)
        if seen is not None:
            total, scale, where, count = seen
            evaluations += count
            if where is not None:
                return Estimate(value, math.inf, method, Status.INFINITE, evaluations,
                                f"f is not finite at x={where!r}, between the grid's nodes (found by a scan of "
                                "f); the integral may not exist: split the interval there or check where f is "
                                "defined")
            if abs(total - value) > max(_SCAN_AGREEMENT * max(scale, abs(value)), tol.bound(value), 10 * error):
                return Estimate(value, abs(total - value), method, Status.NOT_CONVERGED, evaluations,
                                f"the grid of {n} subintervals misses where f's mass is: a scan of f at "
                                f"{count} points finds mass the grid does not see (the scan's trapezoid sum is "
                                f"{total:.6g}, the rule's {value!r}); "
                                + _advice(method, n, abs(total - value), value, tol))
    return Estimate(value, max(error, gap), method, Status.SUCCESS, evaluations)


_SCAN_POINTS = 2**14  # a grid at least this fine sees as much as the scan does
_SCAN_AGREEMENT = 1e-3  # relative to the integral of |f|: the scan's trapezoid sum is this good or better


def _scan_sum(f: Callable, a: float, b: float) -> tuple[float, float, float | None, int] | None:
    """The trapezoid sum of f over the adaptive rule's scan points (and the ends, when finite).

    Returns (sum, integral of |f| on the same points, the first x where f is not
    finite or None, evaluations), or None when f raised during the scan.
    """
    import time

    from .adaptive import _DENSE_IF_FASTER, _dense_points, _scan_points

    x = _scan_points(a, b)
    started = time.perf_counter()
    y, failure = _sample(f, x)
    if y is None:
        return None
    if not np.any(y != 0) and time.perf_counter() - started < _DENSE_IF_FASTER:
        # f was 0 at every point: a vectorised f is cheap to ask again, 64 times more densely
        xd = _dense_points(a, b)
        yd, failure = _sample(f, xd)
        if yd is None:
            return None
        x, y = np.concatenate((x, xd)), np.concatenate((y, yd))
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        return math.nan, math.nan, float(x[bad[0]]), x.size
    ends, fe = np.array([a, b]), None
    fe, _ = _sample(f, ends)
    if fe is not None and np.all(np.isfinite(fe)):  # the ends, when f is finite there
        x, y = np.concatenate(([a], x, [b])), np.concatenate(([fe[0]], y, [fe[1]]))
    with np.errstate(all="ignore"):
        total = float(np.trapezoid(y, x)) if hasattr(np, "trapezoid") else float(np.trapz(y, x))
        scale = float(np.sum(np.abs(y[1:] + y[:-1]) / 2 * np.diff(x)))
    return total, scale, None, x.size


def _advice(method: str, n: int, error: float, value: float, tol: Tolerance) -> str:
    """What to change when a fixed rule misses the tolerance: n, the tolerance, or the method.

    The error of a rule of order p behaves like C / n**p, so the n that meets the
    tolerance is about ``n * (error / allowed) ** (1 / p)`` (an estimate: it assumes
    the rule is in its asymptotic regime).
    """
    allowed = tol.bound(value)
    hints = []
    if allowed > 0 and math.isfinite(error) and error > 0:
        need = math.ceil(1.2 * n * (error / allowed) ** (1 / _ORDER[method]))
        need += need % 2 if method == "simpson" else 0
        if need <= _MAX_POINTS:
            hints.append(f"a larger n (about n={need} for this tolerance)")
    if value and math.isfinite(value) and math.isfinite(error):
        looser = 10.0 ** math.ceil(math.log10(max(error / abs(value), 1e-300)))
        hints.append(f"a looser tolerance (rtol={looser:g} would accept this error estimate)")
    hints.append("method='adaptive'")
    return "use " + (", ".join(hints[:-1]) + " or " + hints[-1] if len(hints) > 1 else hints[0])


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(4)


def _gauss_legendre(f: Callable, a: float, b: float, panels: int) -> tuple[float | None, str]:
    """Composite 4-point Gauss-Legendre: nodes inside each panel, never on the rule's grid.

    Exact for polynomials of degree 7 on each panel; its nodes sit at irrational
    fractions of the panel, so a frequency that the equally spaced grid aliases
    to a constant is not aliased the same way here.
    """
    h = (b - a) / panels
    mids = a + h * (np.arange(panels) + 0.5)
    x = (mids[:, None] + 0.5 * h * _GL_NODES[None, :]).ravel()
    y, failure = _sample(f, x)
    if y is None:
        return None, failure
    if not np.all(np.isfinite(y)):
        return None, "met a non-finite value of f"
    with np.errstate(all="ignore"):
        return float(0.5 * h * np.sum(y.reshape(panels, 4) @ _GL_WEIGHTS)), ""


def _spike(x: np.ndarray, y: np.ndarray) -> str:
    """Name where the samples blow up (a pole or an integrable singularity), or ""."""
    ay = np.abs(y)
    if ay.size < 3:
        return ""
    i = int(np.argmax(ay))
    typical = float(np.median(ay))
    if typical == 0.0 or not ay[i] > 100 * typical:
        return ""  # most samples exactly 0: mass in one place (a bump), not evidence of a pole
    where = "at the end" if i in (0, ay.size - 1) else "inside the interval"
    sign = " where f changes sign (a pole)" if 0 < i < ay.size - 1 and (
        np.sign(y[i - 1]) != np.sign(y[i + 1]) or np.sign(y[i]) != np.sign(y[i + 1] if ay[i + 1] > ay[i - 1]
                                                                            else y[i - 1])) else ""
    return (f"f blows up near x = {float(x[i]):.6g} {where}{sign} (|f| = {ay[i]:.3g} there, typically "
            f"{typical:.3g}): a singularity that the grid cannot resolve; the integral may not even exist")


# ---------------------------------------------------------------- adaptive

class _Abort(Exception):
    """Raised inside the quad callback to stop it when f itself failed."""


def _adaptive(f: Callable, a: float, b: float, tol: Tolerance) -> Estimate:
    from .adaptive import adaptive_integral

    seen: dict[str, Any] = {"count": 0, "bad": [], "failure": ""}

    def scalar_f(t: float) -> float:
        seen["count"] += 1
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(f(t))
        except Exception as exc:
            seen["failure"] = f"f raised {type(exc).__name__}: {exc} at x={float(t)!r}"
            raise _Abort from exc
        if y.size != 1:
            raise DomainError(f"f returned {y.size} values for the single point x={float(t)!r}; "
                              "f must return one number per x")
        v = float(_as_real(y).reshape(()))
        if not math.isfinite(v):
            seen["bad"].append((t, v))
        return v

    try:
        return adaptive_integral(f, a, b, tol, scalar_f, seen, _sample)
    except _Abort:
        singular = seen.get("singular", "")
        return Estimate(math.nan, math.nan, "adaptive", Status.ERROR, seen["count"],
                        seen["failure"] + (f"; {singular}" if singular else ""))


def compare_with_antiderivative(est: Estimate, difference: float, *, rtol: float | None = None,
                                atol: float | None = None) -> Estimate:
    """Check a quadrature against ``F(b) - F(a)`` from a verified antiderivative F.

    Parameters
    ----------
    est : Estimate
        What :func:`integral` returned.
    difference : float
        ``F(b) - F(a)`` (limits of F at infinite ends), computed by the caller.
    rtol, atol : float, optional
        The agreement tolerance; defaults :data:`calcml.testing.DEFAULT_RTOL`, ``DEFAULT_ATOL``.

    Returns
    -------
    Estimate
        `est` unchanged when the two agree (within the tolerance plus the
        quadrature's error estimate); otherwise `est` with status
        ``NOT_CONVERGED``, its error at least the disagreement, and a message
        that gives both numbers. A disagreement is reported, never hidden:
        either the quadrature missed something or the antiderivative is wrong.

    Examples
    --------
    >>> import math, numpy as np
    >>> est = integral(lambda x: np.exp(-x**2), -10000, 38)
    >>> checked = compare_with_antiderivative(est, math.sqrt(math.pi))    # erf: F(38) - F(-10000)
    >>> print(f"{checked.value:.12f} (truth {math.sqrt(math.pi):.12f}) {checked.status}")
    1.772453850906 (truth 1.772453850906) success
    >>> compare_with_antiderivative(est, 1.0).status.name
    'NOT_CONVERGED'
    """
    tol = tolerance(rtol, atol)
    d = _check_limit("difference", difference)
    if not est.ok or not math.isfinite(d) or not math.isfinite(est.value):
        return est
    gap = abs(est.value - d)
    if gap <= tol.bound(d) + est.error:
        return est
    return Estimate(est.value, max(est.error, gap), est.method, Status.NOT_CONVERGED, est.evaluations,
                    f"the quadrature ({est.value!r}) and F(b) - F(a) from the antiderivative ({d!r}) disagree by "
                    f"{gap:.3g}: one of them is wrong (a missed feature of f, or a wrong antiderivative)"
                    + (f"; {est.message}" if est.message else ""))


def integral(f: Callable, a: float, b: float, method: str = "adaptive", n: int | None = None, *,
             rtol: float | None = None, atol: float | None = None) -> Estimate:
    """Definite integral of `f` from `a` to `b`, with an error estimate.

    Parameters
    ----------
    f : callable
        The integrand, vectorised over NumPy arrays if possible (``np.sin``,
        ``lambda x: x**2``). When an array call raises or returns the wrong
        shape, `f` is called once per point instead.
    a, b : float
        The limits. ``a > b`` is allowed (the sign flips) and ``a == b`` gives 0.
        Infinite limits are accepted by ``"adaptive"`` only.
    method : {"adaptive", "left", "right", "midpoint", "trapezoid", "simpson"}
        ``"adaptive"`` scans f for where its mass is and runs
        ``scipy.integrate.quad`` (QUADPACK) between the breakpoints found, with
        ``scipy.integrate.quad_vec`` as a second opinion (:mod:`calcml.adaptive`);
        the others are the fixed rules on `n` equal subintervals, of order 1, 1,
        2, 2 and 4.
    n : int, optional
        Number of subintervals for a fixed rule (even for Simpson). Default
        1000 (``DEFAULT_N``). Not accepted with ``"adaptive"``, which picks its
        own points.
    rtol, atol : float, optional
        The tolerance of SUCCESS: the error estimate must be at most
        ``atol + rtol * |value|`` (defaults :data:`calcml.testing.DEFAULT_RTOL`,
        1e-7, and :data:`calcml.testing.DEFAULT_ATOL`, 0). An error below 1e-12 of
        the integral of |f| (parts that cancel to rounding) meets any tolerance.

    Returns
    -------
    Estimate
        `error` is an *estimate*, not a bound. ``SUCCESS`` means that estimate
        was checked and is within the tolerance:

        - ``"adaptive"``: quad's estimate summed over the pieces, at least the
          gap to quad_vec; ``NOT_CONVERGED`` when quad complains, the two
          opinions disagree, or the estimate misses the tolerance; points where
          f blows up are named.
        - fixed rules: the Richardson estimate from comparing `n` with about
          ``n/2`` subintervals, which assumes the rule's nominal order. A rule
          that misses the tolerance still returns its value, with
          ``NOT_CONVERGED`` and that estimate (so an inaccurate rule can be shown
          honestly); one that meets it must also agree with an independent
          rule (composite 4-point Gauss-Legendre on `n` panels, whose nodes are
          not on the grid), because a grid can alias an oscillation or step over
          a feature that a nested grid cannot see. Samples that blow up are named.

        ``NAN`` or ``INFINITE`` (naming the first bad x) when a sample is not
        finite, ``ERROR`` when `f` raised. ``evaluations`` counts every call of
        f, the scan and the checks included.

    Raises
    ------
    DomainError
        Unknown `method`, bad `n` (< 1, odd for Simpson, or given to
        ``"adaptive"``), NaN limits, infinite limits with a fixed rule, or a bad
        `rtol` / `atol` (also a ValueError).

    Examples
    --------
    The integral of exp from 0 to 1 is e - 1. Simpson with 10 strips is off by
    1e-6, which misses the default tolerance; it says so, with its estimate:

    >>> import math, numpy as np
    >>> est = integral(np.exp, 0, 1, method="simpson", n=10)
    >>> print(f"{est.value:.10f} (truth {np.e - 1:.10f}), error estimate {est.error:.1e}, {est.status}")
    1.7182827819 (truth 1.7182818285), error estimate 9.5e-07, not_converged
    >>> integral(np.exp, 0, 1, method="simpson", n=10, rtol=1e-5).status.name
    'SUCCESS'

    The mass of exp(-x^2) sits near 0, far from both ends; the scan finds it:

    >>> est = integral(lambda x: np.exp(-x**2), -math.inf, 38)
    >>> print(f"{est.value:.12f} (truth {math.sqrt(math.pi):.12f}) {est.status}")
    1.772453850906 (truth 1.772453850906) success
    >>> est = integral(lambda x: 1 / (1 + x**2), -np.inf, np.inf)
    >>> print(f"{est.value:.12f} (truth {np.pi:.12f}) {est.status}")
    3.141592653590 (truth 3.141592653590) success

    Sampled at its peaks, cos(1000 x) looks constant; the independent check says so:

    >>> est = integral(lambda x: np.cos(1000 * x), 0, 2 * math.pi, method="simpson", n=1000)
    >>> f"{est.value:.4f}", 0.0, est.status.name
    ('6.2832', 0.0, 'NOT_CONVERGED')
    """
    _check_callable(f)
    tol = tolerance(rtol, atol)
    if method not in METHODS:
        raise DomainError(f"unknown method {method!r}; choose one of: {', '.join(map(repr, METHODS))}")
    a = _check_limit("a", a)
    b = _check_limit("b", b)
    if method == "adaptive":
        if n is not None:
            raise DomainError(f"n={n!r} only applies to the fixed rules ({', '.join(FIXED_RULES)}); "
                              "method='adaptive' chooses its own points, so leave n out")
    else:
        n = _check_n(DEFAULT_N if n is None else n, method)
        for name, v in (("a", a), ("b", b)):
            if math.isinf(v):
                raise DomainError(f"{name}={v} is infinite, but method={method!r} needs a finite interval: "
                                  "use method='adaptive' for infinite limits")
        if not math.isfinite(b - a):
            raise DomainError(f"b - a overflows for a={a!r}, b={b!r}; use a shorter interval")
    if a == b:
        return Estimate(0.0, 0.0, method, Status.SUCCESS, 0)
    if a > b:  # integrate over [b, a] and flip the sign, so "left" stays the left end of each strip
        est = _adaptive(f, b, a, tol) if method == "adaptive" else _fixed(f, b, a, method, n, tol)
        return dataclasses.replace(est, value=-est.value)
    if method == "adaptive":
        return _adaptive(f, a, b, tol)
    return _fixed(f, a, b, method, n, tol)


# ---------------------------------------------------------------- running sum

@dataclass(frozen=True, eq=False)
class CumulativeIntegral(_JSON):
    """A running integral F sampled on a grid (read-only arrays).

    Attributes
    ----------
    x, F : numpy.ndarray
        The grid and the running integral on it.
    method : str
        ``"trapezoid"`` (``F[k]`` approximates the integral from ``x[0]`` to
        ``x[k]``) or ``"left"`` (the course's running sum: ``F[k]`` already
        includes the strip ``[x[k], x[k] + dx]``).
    dx : float
        The step.
    status : Status
        ``SUCCESS`` when the error estimate is within ``atol + rtol * max|F|``
        (the tolerance asked for, on the scale of the whole running integral);
        ``NOT_CONVERGED`` when it is not (the values are still there);
        ``NAN``/``INFINITE`` when a sample was not finite.
    evaluations : int
        How many points `f` was evaluated at.
    message : str
        Why the status is not ``SUCCESS``; empty otherwise.
    error : float
        An estimate (not a bound) of the largest error of `F` on the grid.
    """

    x: np.ndarray
    F: np.ndarray
    method: str
    dx: float
    status: Status = Status.SUCCESS
    evaluations: int = 0
    message: str = ""
    error: float = math.nan

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCESS


def cumulative_integral(f: Callable, a: float, b: float, dx: float, method: str = "trapezoid", *,
                        rtol: float | None = None, atol: float | None = None) -> CumulativeIntegral:
    """The running integral of `f` from `a`: lesson 2's antiderivative on a grid.

    Parameters
    ----------
    f : callable
        The integrand (vectorised if possible, as for :func:`integral`).
    a, b : float
        Finite limits with ``a < b``.
    dx : float
        The step, > 0.
    method : {"trapezoid", "left"}
        ``"trapezoid"`` (default): the grid ``a, a + dx, ...`` ends exactly at
        `b` (the last step is shorter if `dx` does not divide ``b - a``);
        ``F[0] = 0`` and ``F[k]`` is the trapezoid rule from `a` to ``x[k]``,
        accurate to O(dx**2) for smooth `f`.
        ``"left"``: exactly the course's computation,
        ``x = np.arange(a, b, dx)`` and ``F = np.cumsum(f(x) * dx)``. It is a
        left Riemann sum that is one strip ahead: ``F[k]`` is the sum up to
        ``x[k] + dx``, not ``x[k]``, so ``F[0] = f(a) dx`` and the error is O(dx).
    rtol, atol : float, optional
        The tolerance of SUCCESS, on the scale of the running integral
        (defaults in :mod:`calcml.testing`).

    Returns
    -------
    CumulativeIntegral

    Raises
    ------
    DomainError
        `dx` not > 0, ``a >= b``, non-finite limits, more than 10**7 points,
        or an unknown `method`.

    Examples
    --------
    Lesson 2: the running integral of 2x from -10 is x**2 - 100.

    >>> run = cumulative_integral(lambda x: 2 * x, -10, 10, 0.1)
    >>> print(f"F(0) = {run.F[100]:.12f} (truth {0**2 - 100})")
    F(0) = -100.000000000000 (truth -100)
    >>> course = cumulative_integral(lambda x: 2 * x, -10, 10, 0.1, method="left")
    >>> x, F = course.x[150], course.F[150]
    >>> print(f"x = {x:.1f}: F = {F:.2f}; truth at x + dx {(x + 0.1)**2 - 100:.2f}, at x {x**2 - 100:.2f}")
    x = 5.0: F = -75.50; truth at x + dx -73.99, at x -75.00
    >>> course.status.name, f"{course.error:.1f}"    # its error estimate: (f(-10) - f(x)) dx / 2, at most 2
    ('NOT_CONVERGED', '2.0')
    """
    _check_callable(f)
    tol = tolerance(rtol, atol)
    if method not in ("trapezoid", "left"):
        raise DomainError(f"unknown method {method!r} for a running integral; choose 'trapezoid' or 'left'")
    a, b, dx = _check_limit("a", a), _check_limit("b", b), _check_limit("dx", dx)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise DomainError(f"a={a} and b={b} must both be finite for a running integral")
    if not a < b:
        raise DomainError(f"a={a} must be less than b={b}: the running integral goes left to right")
    if not (dx > 0 and math.isfinite(dx)):
        raise DomainError(f"dx={dx} must be a positive finite step such as {(b - a) / 200:g}")
    if (b - a) / dx > _MAX_POINTS:
        raise DomainError(f"dx={dx} makes {(b - a) / dx:.3g} points on [{a}, {b}], more than the limit "
                          f"of {_MAX_POINTS:.0e}; use a larger dx such as {(b - a) / 1e4:g}")
    if method == "left":
        x = np.arange(a, b, dx)
    else:
        # k steps of dx, then b itself; a last step shorter than dx/1e9 is
        # rounding, not a step, so b replaces that point instead.
        x = a + dx * np.arange(math.floor((b - a) / dx) + 1)
        if b - x[-1] > 1e-9 * dx:
            x = np.append(x, b)
        x[-1] = b
    y, failure = _sample(f, x)
    if y is None:
        return _frozen(x, np.full(x.shape, np.nan), method, dx, Status.ERROR, x.size, failure)
    with np.errstate(all="ignore"):
        if method == "left":
            F = np.cumsum(y * dx)
        else:  # each strip adds its width times the mean of its two ends
            F = np.concatenate(([0.0], np.cumsum(np.diff(x) * (y[1:] + y[:-1]) / 2)))
    bad = _first_bad(x, y)
    if bad:
        return _frozen(x, F, method, dx, bad[0], x.size, bad[1], math.inf)
    error = _running_error(x, y, F, method, dx)
    scale = float(np.max(np.abs(F))) if F.size else 0.0
    floor = 1e-12 * dx * float(np.sum(np.abs(y)))
    if tol.met(error, scale, floor):
        return _frozen(x, F, method, dx, Status.SUCCESS, x.size, "", error)
    return _frozen(x, F, method, dx, Status.NOT_CONVERGED, x.size,
                   f"the largest error estimate {error:.2g} is above the tolerance ({tol.describe()}) on the "
                   f"scale of the running integral (max |F| = {scale:.3g}); use a smaller dx"
                   + (" or method='trapezoid'" if method == "left" else ""), error)


def _running_error(x: np.ndarray, y: np.ndarray, F: np.ndarray, method: str, dx: float) -> float:
    """An estimate of the largest error of the running integral on its grid.

    Left sums: the trapezoid over the same strips differs from the left sum up to
    x[k+1] by ``(f(x[0]) - f(x[k+1])) dx / 2``, the leading (Euler-Maclaurin) error
    of the left sum. Trapezoid: against the trapezoid on every other point,
    ``(F_dx - F_2dx) / 3`` at the shared points (Richardson, order 2).
    """
    with np.errstate(all="ignore"):
        if method == "left":
            return float(np.max(np.abs(y[0] - y[1:])) * dx / 2) if y.size > 1 else math.inf
        if x.size < 3:
            return math.inf
        xc, yc = x[::2], y[::2]
        if xc[-1] != x[-1]:  # keep the far end in the coarse grid
            xc, yc = np.append(xc, x[-1]), np.append(yc, y[-1])
            fine = np.append(F[::2], F[-1])
        else:
            fine = F[::2]
        coarse = np.concatenate(([0.0], np.cumsum(np.diff(xc) * (yc[1:] + yc[:-1]) / 2)))
        return float(np.max(np.abs(fine - coarse)) / 3)


def _frozen(x, F, method, dx, status, evaluations, message, error=math.nan) -> CumulativeIntegral:
    x.setflags(write=False)
    F.setflags(write=False)
    return CumulativeIntegral(x, F, method, dx, status, evaluations, message, error)
