"""Difference schemes and the choice of step: the course's quotient, and the same done carefully.

* :func:`difference_quotient` is the course's rate of change, written once:
  ``(f(x + h) - f(x)) / h`` (forward), its mirror (backward) and the symmetric
  ``(f(x + h) - f(x - h)) / 2h`` (central), exactly as a reader types them. The
  step-size study, the lesson-1 figure and the numeric gradient's cross-check
  all call it.
* :func:`quotient` is what ``numeric_derivative(method="forward" | "backward" |
  "central")`` runs: the same quotient at a step scaled to x0 (a power of two, so
  x0 + h is exact), never crossing 0, with an error estimate from the quotient at
  2h and a kink check.

Their error has two parts that pull h in opposite directions: truncation (~h, or
~h**2 for central) and round-off (~eps |f| / h). :func:`calcml.stepsize.step_size_study`
draws that V.
"""

from __future__ import annotations

import math

from ..errors import DomainError
from ..results import Estimate, Status
from .diagnosis import RTOL, RTOL2, OneSided, estimate, failure, kink, not_differentiable, raised, zero_tol
from .evaluation import _TINY_F, _TINY_X, EPS, Evaluator, pow2_floor
from .tolerance import Tolerance

__all__ = ["difference_quotient", "SCHEMES"]

SCHEMES = ("forward", "backward", "central")

# Default steps as a fraction of the point's scale: the h that balances
# truncation against round-off, sqrt(eps) for first-order quotients, eps**(1/3)
# for central ones, eps**(1/4) for a second derivative. Powers of two, so that
# x0 + h is exact whenever h is at least the spacing of floats near x0.
_H_FIRST = 2.0**-26  # ~1.5e-8
_H_CENTRAL = 2.0**-17  # ~7.6e-6
_H_SECOND = 2.0**-13  # ~1.2e-4


def difference_quotient(f, x, h, scheme: str = "forward"):
    """The course's rate of change of f at x with step h, exactly as written by hand.

    Parameters
    ----------
    f : callable
        Called with ``x + h`` etc.; vectorised over arrays if `x` or `h` is one.
    x, h : float or numpy.ndarray
        Points and steps (they broadcast). No rounding tricks: ``x + h`` is
        whatever floating point makes of it, which is the lesson of the step-size study.
    scheme : {"forward", "backward", "central"}
        ``(f(x+h) - f(x))/h``, ``(f(x) - f(x-h))/h`` or ``(f(x+h) - f(x-h))/(2h)``.
        Error (Taylor): about ``h |f''| / 2`` for the one-sided quotients and
        ``h**2 |f'''| / 6`` for the central one, plus round-off ~ ``eps |f| / h``.

    Returns
    -------
    float or numpy.ndarray
        The quotient; no error estimate and no status (use
        :func:`calcml.numeric.numeric_derivative` for those).

    Raises
    ------
    DomainError
        An unknown `scheme`.

    Examples
    --------
    >>> import math
    >>> q = difference_quotient(math.exp, 1.0, 1e-4)
    >>> f"{q:.8f}", f"{math.exp(1.0):.8f}"     # forward: off by about h e / 2
    ('2.71841775', '2.71828183')
    >>> f"{difference_quotient(math.exp, 1.0, 1e-4, 'central'):.8f}"
    '2.71828183'
    """
    if scheme == "forward":
        return (f(x + h) - f(x)) / h
    if scheme == "backward":
        return (f(x) - f(x - h)) / h
    if scheme == "central":
        return (f(x + h) - f(x - h)) / (2 * h)
    raise DomainError(f"scheme must be one of {', '.join(map(repr, SCHEMES))}; got {scheme!r}")


def quotient(ev: Evaluator, x0: float, f0: float, method: str, order: int, h: float | None,
             tol: Tolerance) -> Estimate:
    """The plain forward, backward or central quotient, with an honest error estimate.

    The value is the plain quotient at step h (no extrapolation: that is the
    point of these methods). The error estimate compares it with the quotient at
    2h: truncation error is ~h**p (p = 1 one-sided, 2 central), so the difference
    of the two is (2**p - 1) times the error at h. Round-off, ~eps |f| / h**order,
    is added.
    """
    if h is not None:
        return _quotient_at(ev, x0, f0, method, order, h, 0, tol)
    base = (_H_SECOND if order == 2 else _H_CENTRAL) if method == "central" else \
        (_H_CENTRAL if order == 2 else _H_FIRST)
    ax = abs(x0) if abs(x0) >= _TINY_X else 0.0
    # The step scales with the point. Below |x0| = 1 two scales compete: a function
    # singular at 0 (log, 1/x, sqrt) needs h ~ |x0|, one smooth there (exp, cos)
    # needs h ~ 1. Try both and keep the smaller error estimate.
    steps = [base * max(ax, 1.0)] + ([base * ax] if 0.0 < ax < 1.0 else [])
    # No stencil point may cross 0 (where log, 1/x and sqrt break): the farthest point
    # on the side of 0 stays within |x0|/2 of x0. `reach` counts its steps from x0.
    toward = -1.0 if x0 > 0 else 1.0
    sign = {"forward": 1.0, "backward": -1.0, "central": 0.0}[method]
    reach = 2 if sign == 0.0 else (1 if sign != toward else (4 if order == 2 else 2))
    best = None
    for step in steps:
        if ax:
            step = min(step, ax / (2 * reach))
        est = _quotient_at(ev, x0, f0, method, order, pow2_floor(step), 3, tol)
        if best is None or (math.isfinite(est.value) and not (est.error >= best.error)):
            best = est
    if best.evaluations != ev.n:
        best = Estimate(best.value, best.error, best.method, best.status, ev.n, best.message)
    return best


def _quotient_at(ev, x0, f0, method, order, h, retries, tol: Tolerance):
    aim = min(RTOL[method] if order == 1 else RTOL2[method], tol.rtol)  # what a kink must stand clear of
    sign = {"forward": 1.0, "backward": -1.0, "central": 0.0}[method]
    for _ in range(retries + 1):
        if sign == 0.0:
            pts = (x0 + h, x0 - h, x0 + 2 * h, x0 - 2 * h)
        else:
            pts = (x0 + sign * h, x0 + 2 * sign * h) + ((x0 + 4 * sign * h,) if order == 2 else ())
        ev.exc = None
        fs = []
        for x in pts:
            fs.append(ev.real(x))
            if not math.isfinite(fs[-1]):
                break
        else:
            break
        h /= 16.0  # a stencil point left the domain (or hit a pole): shrink and retry
    else:
        bad = pts[len(fs) - 1]
        if ev.exc is not None:
            return raised(ev, method, f"at x = {bad:g} (h = {h * 16:.3g})")
        status = Status.INFINITE if math.isinf(fs[-1]) else Status.OUT_OF_DOMAIN
        return failure(status, method, ev, f"f({bad:g}) = {fs[-1]}: the stencil x0 +- h leaves the domain "
                       f"of f or meets a pole (last h = {h * 16:.3g}); use a smaller h or another method")
    if sign == 0.0:
        fp, fm, fp2, fm2 = fs
        if order == 1:
            d1, d2 = (fp - fm) / (pts[0] - pts[1]), (fp2 - fm2) / (pts[2] - pts[3])
            noise = (EPS * abs(fp) + EPS * abs(fm) + _TINY_F) / (pts[0] - pts[1])  # scaled first: no overflow
        else:
            d1, d2 = (fp - 2 * f0 + fm) / (h * h), (fp2 - 2 * f0 + fm2) / (4 * h * h)
            noise = 4 * EPS * (abs(fp) + 2 * abs(f0) + abs(fm)) / (h * h)
        err = abs(d1 - d2) / 3.0 + noise
        if order == 1:
            # A kink: the one-sided slopes differ by s(h) = (fp - 2 f0 + fm)/h, which
            # shrinks like h for a smooth f (s ~ h f'') but not at a kink.
            s1, s2 = (fp - 2 * f0 + fm) / h, (fp2 - 2 * f0 + fm2) / (2 * h)
            # At a kink the symmetric quotient still settles (to the mean of the two
            # slopes); at a step too large for f it does not, and s means nothing.
            if kink(s2, s1, 2.0, 4 * EPS * (abs(fp) + 2 * abs(f0) + abs(fm)) / h, aim * abs(d1)) \
                    and abs(d1 - d2) <= 0.1 * abs(s1):
                return not_differentiable(ev, method, OneSided((fp - f0) / h, (f0 - fm) / h, h))
    else:
        f1, f2 = fs[0], fs[1]
        hs = [pts[0] - x0, pts[1] - x0]  # signed, as taken after rounding
        if order == 1:
            d1, d2 = (f1 - f0) / hs[0], (f2 - f0) / hs[1]
            noise = (EPS * abs(f1) + EPS * abs(f0) + _TINY_F) / h
        else:
            f4 = fs[2]
            d1 = (f2 - 2 * f1 + f0) / (h * h)
            d2 = (f4 - 2 * f2 + f0) / (4 * h * h)
            noise = 4 * EPS * (abs(f2) + 2 * abs(f1) + abs(f0)) / (h * h)
        err = abs(d1 - d2) + noise
        if order == 1:
            # One more value, on the other side, to tell a kink from a one-sided method's O(h) error.
            fo = ev.real(x0 - sign * h)
            if math.isfinite(fo):
                other = (f0 - fo) / (sign * h)
                if abs(d1 - other) > 8 * abs(d1 - d2) + 100 * noise + aim * abs(d1):
                    right, left = (d1, other) if sign > 0 else (other, d1)
                    return not_differentiable(ev, method, OneSided(right, left, h))
    if not math.isfinite(d1):
        return failure(Status.INFINITE, method, ev, f"the difference quotient overflows at h = {h:.3g}: "
                       "the derivative is beyond the largest float, or f jumps by more than h can resolve")
    zero = zero_tol(max(abs(f0), *(abs(v) for v in fs)), x0)
    return estimate(d1, err, method, ev.n, tol, f"h = {h:.3g} is too large or too small for this "
                    "quotient (see step_size_study); method='richardson' or the complex step do better", zero=zero)
