"""Kink and domain diagnosis: turning what the difference quotients saw into a status.

Every numeric-derivative method ends here. A value is SUCCESS only when its error
estimate meets the tolerance asked for (:mod:`calcml.numeric.tolerance`); otherwise
the status names the cause: a kink or a jump (``NOT_DIFFERENTIABLE``), a pole or
an overflow (``INFINITE``), a point outside f's domain (``OUT_OF_DOMAIN``), NaN
(``NAN``), an exception in f (``ERROR``), or an estimate that is simply not
accurate enough (``NOT_CONVERGED``).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..results import Estimate, Status
from .evaluation import EPS, Evaluator, describe
from .tolerance import Tolerance

#: The accuracy each method *aims* for when it chooses its steps (not the
#: tolerance of SUCCESS, which is the caller's ``rtol`` and ``atol``): the
#: adaptive methods stop refining once past the bottom of the error V and
#: within this. First-order quotients cannot get much below sqrt(eps) ~ 1.5e-8.
RTOL = {"forward": 1e-6, "backward": 1e-6, "central": 1e-8, "richardson": 1e-8, "complex": 1e-8}
#: The same for second derivatives (order=2): plain second differences lose
#: twice as many digits to round-off (eps / h**2).
RTOL2 = {"forward": 1e-4, "backward": 1e-4, "central": 1e-6, "richardson": 1e-8}

#: A derivative indistinguishable from 0 in double precision,
#: ``|value| <= error <= ZERO_SCALE * eps * max|f| / max(|x0|, 1)`` (a critical
#: point), meets any tolerance: no method can do better, and the message says
#: "zero to within".
ZERO_SCALE = 1e3


class OneSided(NamedTuple):
    """The two one-sided slopes at x0 seen at step h (a kink when they keep disagreeing)."""

    right: float
    left: float
    h: float


class BadPoint(NamedTuple):
    """A stencil point where f failed: where, and what f gave (NaN, +-inf)."""

    x: float
    fx: float


def zero_tol(fscale: float, x0: float) -> float:
    """Below this a derivative cannot be told from 0: f's own rounding over the scale of x0.

    Never below 1e-300: when f is exactly 0 around x0 its rounding is 0 too, and
    an error estimate made of subnormal numbers means "exactly zero".
    """
    return max(ZERO_SCALE * EPS * fscale / max(abs(x0), 1.0), 1e-300)


def is_zero(err: float, value: float, zero: float) -> bool:
    """The derivative is 0 to within f's rounding: |value| <= err <= zero."""
    return math.isfinite(value) and abs(value) <= err <= zero


def success(err: float, value: float, tol: Tolerance, zero: float = 0.0) -> bool:
    """The one SUCCESS test: the error estimate within the tolerance, or 0 to within f's rounding."""
    return tol.met(err, value) or is_zero(err, value, zero)


def estimate(value, err, method, evaluations, tol: Tolerance, advice: str, note: str = "",
             zero: float = 0.0) -> Estimate:
    """SUCCESS when the error estimate meets the tolerance; else why not, and what to do."""
    within = tol.met(err, value)
    if within or is_zero(err, value, zero):
        if not within:  # the zero exception: say so
            note = f"f'(x0) is zero to within the error estimate {err:.2g}" + (f"; {note}" if note else "")
        return Estimate(value, err, method, Status.SUCCESS, evaluations, note)
    if not math.isfinite(value):
        return Estimate(value, math.inf, method, Status.INFINITE, evaluations,
                        "the derivative overflows: it is beyond the largest float" + (f"; {note}" if note else ""))
    if abs(value) <= err:
        # A derivative that is 0 (a critical point) has no relative accuracy to offer.
        message = (f"f'(x0) is zero to within the error estimate {err:.2g}, but that is more than f's "
                   f"rounding explains ({zero:.2g}) and more than the tolerance ({tol.describe()})")
    else:
        message = (f"the error estimate {err:.2g} (relative {err / abs(value):.2g}) is above the "
                   f"tolerance ({tol.describe()}); {advice}")
    return Estimate(value, err, method, Status.NOT_CONVERGED, evaluations, f"{message}; {note}" if note else message)


def failure(status: Status, method: str, ev: Evaluator, message: str) -> Estimate:
    return Estimate(math.nan, math.inf, method, status, ev.n, message)


def kink(s_big: float, s_small: float, ratio: float, noise: float, tol: float) -> bool:
    """True when s (the gap between one-sided slopes) fails to shrink with h.

    For a smooth f, s is proportional to h, so halving h (ratio 2) halves s; at
    a kink s tends to the jump in slope. The gap must also stand clear of
    round-off and of the tolerance, or there is nothing to report.
    """
    return abs(s_small) > abs(s_big) / math.sqrt(ratio) and abs(s_small) > max(100 * noise, tol)


def not_differentiable(ev: Evaluator, method: str, seen: OneSided) -> Estimate:
    # A pole that every real stencil straddles (closer to x0 than the steps can get)
    # looks the same from real steps, so the message names it too.
    return failure(Status.NOT_DIFFERENTIABLE, method, ev,
                   f"the one-sided derivatives disagree and keep disagreeing as h shrinks (right {seen.right:.6g}, "
                   f"left {seen.left:.6g} at h = {seen.h:.3g}): f has a kink or a jump at x0 (or a pole right "
                   "next to it)")


def staircase(ev: Evaluator, method: str, x0: float, flat_h: float, slope: float, slope_h: float) -> Estimate:
    """f is constant next to x0 but rises over larger steps: a staircase (rounded or quantised f).

    The value is 0, the slope where f is flat, but it is not SUCCESS: the error
    estimate is the slope seen over the larger step, and the message says why.
    """
    return Estimate(0.0, abs(slope), method, Status.NOT_CONVERGED, ev.n,
                    f"f is a staircase near x0 = {x0:g}: f(x0 + h) = f(x0 - h) = f(x0) for h up to {flat_h:.3g}, "
                    f"yet the slope over h = {slope_h:.3g} is {slope:.6g}. Where f is flat its derivative is 0, "
                    "but f is piecewise constant (rounded or quantised), so that 0 says nothing about the "
                    "trend and the steps between the stairs have no derivative")


def raised(ev: Evaluator, method: str, where: str) -> Estimate:
    """f raised: a division by zero is a pole and an overflow is an overflow (``INFINITE``), as
    when f returns inf there; any other exception is an ``ERROR`` that names it.

    Python arithmetic raises where NumPy returns inf (``1/x`` at 0, ``x**2`` at 1e300), so
    the same pole or overflow gets the same status whichever way f is written.
    """
    exc = ev.exc
    if isinstance(exc, ZeroDivisionError):
        return failure(Status.INFINITE, method, ev, f"f divides by zero {where}: a pole of f "
                       f"({describe(exc)})")
    if isinstance(exc, OverflowError):
        return failure(Status.INFINITE, method, ev, f"f overflows {where}: its value is beyond the largest "
                       f"float ({describe(exc)})")
    return failure(Status.ERROR, method, ev, f"f raised {where}: {describe(exc)}")


def bad_center(ev: Evaluator, x0: float, f0: float, method: str) -> Estimate:
    if ev.exc is not None:
        return raised(ev, method, f"at x0 = {x0:g}")
    if math.isnan(f0):
        return failure(Status.OUT_OF_DOMAIN, method, ev,
                       f"f(x0) is NaN: x0 = {x0:g} lies outside the domain of f (or f returns NaN there)")
    return failure(Status.INFINITE, method, ev, f"f(x0) is {f0}: x0 = {x0:g} is a pole of f or f overflows there")


def no_stencil(ev: Evaluator, method: str, x0: float, last_bad: BadPoint | None, fails, note: str) -> Estimate:
    """No difference quotient could be formed: f failed at every step tried beside x0."""
    where = f" (last tried f({last_bad.x:.6g}) = {last_bad.fx})" if last_bad else ""
    if ev.exc is not None:
        return raised(ev, method, f"beside x0 = {x0:g}{where}")
    if last_bad is not None and math.isinf(last_bad.fx):
        return failure(Status.INFINITE, method, ev, f"f is infinite at every step tried beside x0 = {x0:g}{where}: "
                       "a pole at or next to x0")
    return failure(Status.NAN, method, ev, f"f is NaN at every step tried beside x0 = {x0:g}{where}, on "
                   f"{'both sides' if min(fails) else 'one side'}; no difference quotient could be formed"
                   + (f"; {note}" if note else ""))
