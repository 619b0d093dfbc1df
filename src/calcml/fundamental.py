"""The fundamental theorem of calculus as a second opinion: F(b) - F(a) next to the quadrature.

Lesson 2 ends with ``∫_a^b f = F(b) - F(a)`` for an antiderivative F. The
theorem has a condition that is easy to forget: F' = f on the whole of [a, b]
and F continuous there. ``∫_{-1}^{1} 1/x^2 dx`` is the classic trap: F = -1/x
gives F(1) - F(-1) = -2, a negative number for the integral of a positive
function; the integral diverges, because F is unbounded at 0.

:func:`check_with_antiderivative` applies the theorem with its condition:

- F is evaluated at the limits as one-sided limits (``F(a+)``, ``F(b-)``; limits
  at infinite ends), under the time limit;
- points between the limits where F is not continuous (SymPy's
  ``continuous_domain``) split the interval: where F is unbounded the integral
  diverges; where it jumps by a finite amount the jump is taken out
  (``∫ = F(b-) - F(a+) - Σ (F(c+) - F(c-))``);
- the exact value is compared with the quadrature by
  :func:`calcml.integrate.compare_with_antiderivative`: a disagreement is
  reported (status not ``SUCCESS``, both numbers in the message), never hidden.

The quadrature's status is never raised by the check: an inaccurate rule stays
``NOT_CONVERGED`` even when F(b) - F(a) is known exactly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from .results import _JSON, Estimate, Status

__all__ = ["AntiderivativeCheck", "check_with_antiderivative"]

_MAX_BREAKS = 20  # more points of discontinuity than this between the limits: not used as a check


@dataclass(frozen=True)
class AntiderivativeCheck(_JSON):
    """The quadrature of ``∫_a^b f`` next to F(b) - F(a) from a verified antiderivative.

    Attributes
    ----------
    estimate : Estimate
        The quadrature after the check: unchanged when the two agree (or no check
        was possible); otherwise status ``NOT_CONVERGED`` (they disagree) or
        ``INFINITE`` (F shows that the integral diverges), with both numbers in
        the message.
    antiderivative : sympy.Expr or None
        F.
    difference : sympy.Expr or None
        The exact value of the integral by the theorem (F(b-) - F(a+), less the
        jumps of F between the limits); None when it does not exist (the integral
        diverges) or could not be found.
    value : float or None
        `difference` as a float.
    naive : float or None
        The plain ``F(b) - F(a)``, which is not the integral when F is not
        continuous on [a, b] (-2 for 1/x^2 on [-1, 1]).
    agree : bool or None
        True when the quadrature and `value` agree within the tolerance plus the
        quadrature's error estimate; False when they do not (or when F shows the
        integral diverges); None when there was nothing to compare.
    message : str
        What was found, for people (empty when the two simply agree).
    """

    estimate: Estimate
    antiderivative: Any = None
    difference: Any = None
    value: float | None = None
    naive: float | None = None
    agree: bool | None = None
    message: str = ""


def check_with_antiderivative(est: Estimate, antiderivative, var, a, b, *, rtol: float | None = None,
                              atol: float | None = None, time_limit: float | None = 5.0) -> AntiderivativeCheck:
    """Compare a quadrature of ``∫_a^b f`` with the fundamental theorem of calculus.

    Parameters
    ----------
    est : Estimate
        The quadrature (:func:`calcml.integral` or :func:`calcml.integrate.integral`).
    antiderivative : sympy.Expr
        F with F' = f, already verified (:func:`calcml.antiderivative` says
        ``verified=True``); an unverified F proves nothing and should not be passed.
    var : sympy.Symbol
        The variable of F.
    a, b : float, str or sympy number
        The limits (``"pi/2"``, ``"-inf"``, ``sympy.pi`` and floats are accepted);
        whole floats are taken as exact integers.
    rtol, atol : float, optional
        The agreement tolerance (defaults :data:`calcml.testing.DEFAULT_RTOL`,
        ``DEFAULT_ATOL``), as for :func:`calcml.integrate.compare_with_antiderivative`.
    time_limit : float or None
        Seconds for the symbolic work (one-sided limits, continuity); past it
        the check is skipped and the message says so.

    Returns
    -------
    AntiderivativeCheck

    Notes
    -----
    The theorem (e.g. Apostol, *Calculus* I, §5.1) needs F continuous on [a, b]
    with F' = f inside; an improper integral over a point c where F is
    unbounded diverges. Continuity is decided by SymPy's ``continuous_domain``;
    when SymPy cannot decide it (``erf``, ``floor``, Piecewise) the plain one-sided
    values at the limits are used, and a wrong difference then shows up as a
    disagreement with the quadrature, which is reported.

    Examples
    --------
    >>> import numpy as np, sympy
    >>> from calcml.integrate import integral
    >>> x = sympy.Symbol("x")
    >>> est = integral(lambda t: t**2, 0, 1)
    >>> check = check_with_antiderivative(est, x**3 / 3, x, 0, 1)
    >>> check.difference, f"{check.estimate.value:.15f}", check.agree, check.estimate.status.name
    (1/3, '0.333333333333333', True, 'SUCCESS')

    The classic trap: F = -1/x gives F(1) - F(-1) = -2, but F is unbounded at 0
    and the integral of 1/x^2 over [-1, 1] diverges:

    >>> est = integral(lambda t: 1 / t**2, -1, 1, method="midpoint", n=1000)    # no node at 0
    >>> check = check_with_antiderivative(est, -1 / x, x, -1, 1)
    >>> check.naive, check.difference, check.agree, check.estimate.status.name
    (-2.0, None, False, 'NOT_CONVERGED')
    >>> print(check.message)
    F(b) - F(a) = -2.0 is not the integral: F = -1/x is unbounded at x = 0, between the limits, so the integral diverges

    A quadrature that claims SUCCESS there would be marked ``INFINITE``; one that
    disagrees with F(b) - F(a), ``NOT_CONVERGED`` (both numbers in the message).
    """
    from .errors import TimeLimitError
    from .integrate import compare_with_antiderivative
    from .timelimit import run_with_time_limit

    try:
        found = run_with_time_limit(_difference, antiderivative, var, a, b, seconds=time_limit,
                                    what="F(b) - F(a)")
    except TimeLimitError:
        return AntiderivativeCheck(est, antiderivative, message=f"F(b) - F(a) was not found within {time_limit} s: "
                                   "the quadrature is not checked against the antiderivative")
    except Exception as exc:  # noqa: BLE001 - SymPy's limits raise many kinds (PoleError, ...): no check then
        return AntiderivativeCheck(est, antiderivative, message=f"F(b) - F(a) could not be evaluated "
                                   f"({type(exc).__name__}): the quadrature is not checked against it")
    difference, naive, problem = found
    if difference is None:
        if problem.startswith("diverges"):
            why = (f"F(b) - F(a) = {_fmt(naive)} is not the integral: F = {antiderivative} "
                   f"{problem[len('diverges: '):]}, so the integral diverges")
            status = est.status if not est.ok else Status.INFINITE
            shown = why if est.ok else f"{est.message}; {why}" if est.message else why
            return AntiderivativeCheck(dataclasses.replace(est, status=status, message=shown,
                                                           error=math.inf if est.ok else est.error),
                                       antiderivative, None, None, naive, False, why)
        return AntiderivativeCheck(est, antiderivative, None, None, naive, None,
                                   f"F(b) - F(a) is not used as a check: {problem}")
    value = float(difference)
    checked = compare_with_antiderivative(est, value, rtol=rtol, atol=atol)
    if checked is not est:  # the quadrature claimed SUCCESS and F(b) - F(a) says otherwise
        return AntiderivativeCheck(checked, antiderivative, difference, value, naive, False, checked.message)
    from .numeric import tolerance

    tol = tolerance(rtol, atol)
    if not math.isfinite(est.value):
        return AntiderivativeCheck(est, antiderivative, difference, value, naive, None,
                                   f"F(b) - F(a) = {_fmt(value)}; the quadrature has no finite value to compare")
    gap = abs(est.value - value)
    close = gap <= tol.bound(value) + (est.error if est.ok and math.isfinite(est.error) else 0.0)
    note = "" if close and est.ok else (
        f"F(b) - F(a) = {_fmt(value)} from the antiderivative; the quadrature {_fmt(est.value)} is "
        f"{'within' if close else 'off by'} {gap:.3g}" + ("" if close else f" ({tol.describe()})"))
    if note and not est.ok:
        est = dataclasses.replace(est, message=f"{est.message}; {note}" if est.message else note)
    return AntiderivativeCheck(est, antiderivative, difference, value, naive, close, note)


def _fmt(v) -> str:
    return "undefined" if v is None else repr(float(v))


def _exact(v):
    """A limit as SymPy: text is parsed safely, whole floats become integers, infinities oo."""
    import sympy

    if isinstance(v, str):
        text = v.strip().lower()
        if text in ("inf", "+inf", "oo", "+oo", "\u221e"):
            return sympy.oo
        if text in ("-inf", "-oo", "-\u221e"):
            return -sympy.oo
        from .expressions import parse

        return parse(v, variables=[])
    if isinstance(v, sympy.Basic):
        return v
    v = float(v)
    if math.isinf(v):
        return sympy.oo if v > 0 else -sympy.oo
    return sympy.Integer(int(v)) if v.is_integer() else sympy.Float(v, 17)


def _difference(F, x, a, b):
    """(exact integral by the theorem or None, plain F(b) - F(a) as a float or None, what was found)."""
    import sympy
    from sympy.calculus.util import continuous_domain

    lo, hi = _exact(a), _exact(b)
    sign = 1
    if lo == hi:
        return sympy.Integer(0), 0.0, ""
    if bool(lo > hi):
        lo, hi, sign = hi, lo, -1
    naive = _naive(F, x, lo, hi, sign)
    jumps = sympy.Integer(0)
    try:
        defined = continuous_domain(F, x, sympy.Interval(lo, hi))
        outside = sympy.Interval(lo, hi) - defined
    except (NotImplementedError, ValueError, TypeError):  # SymPy cannot decide (erf, floor, Piecewise...)
        outside = sympy.S.EmptySet
    if outside is not sympy.S.EmptySet:
        if not isinstance(outside, sympy.FiniteSet):
            return None, naive, f"F = {F} is not defined (as a real function) on {outside}, inside [{lo}, {hi}]"
        inner = [c for c in outside if bool(lo < c) and bool(c < hi)]
        if len(inner) > _MAX_BREAKS:
            return None, naive, f"F = {F} has more than {_MAX_BREAKS} points of discontinuity inside [{lo}, {hi}]"
        for c in inner:
            left, right = sympy.limit(F, x, c, "-"), sympy.limit(F, x, c, "+")
            for side in (left, right):
                if _infinite(side):
                    return None, naive, f"diverges: is unbounded at {x} = {c}, between the limits"
                if not _finite_real(side):
                    return None, naive, f"F = {F} has no limit at {x} = {c}, between the limits"
            jumps += right - left
    ends = []
    for point, direction in ((lo, "+"), (hi, "-")):
        value = _at(F, x, point, direction)
        if _infinite(value):
            return None, naive, f"diverges: is unbounded at the limit {x} = {point}"
        if not _finite_real(value):
            return None, naive, f"F = {F} has no finite value at the limit {x} = {point}"
        ends.append(value)
    exact = sign * (ends[1] - ends[0] - jumps)
    try:
        exact = sympy.nsimplify(exact) if exact.is_Float else sympy.simplify(exact)
    except Exception:  # noqa: BLE001 - a reading form only; the value is what matters
        pass
    return exact, naive, ""


def _at(F, x, point, direction):
    import sympy

    if point.is_infinite:
        return sympy.limit(F, x, point)
    value = F.subs(x, point)
    if _finite_real(value):
        return value
    return sympy.limit(F, x, point, direction)  # F(0) of x log x is undefined; its limit is 0


def _naive(F, x, lo, hi, sign) -> float | None:
    """Plain F(b) - F(a) (limits only at infinite ends): what a learner would write."""
    import sympy

    try:
        ends = [sympy.limit(F, x, p) if p.is_infinite else F.subs(x, p) for p in (lo, hi)]
        v = complex(sympy.N(sign * (ends[1] - ends[0])))
    except (TypeError, ValueError, ArithmeticError):
        return None
    return v.real if v.imag == 0 and math.isfinite(v.real) else None


def _infinite(v) -> bool:
    import sympy

    return v in (sympy.oo, -sympy.oo, sympy.zoo) or bool(getattr(v, "is_infinite", False))


def _finite_real(v) -> bool:
    import sympy

    if v is sympy.nan or v.has(sympy.nan, sympy.zoo, sympy.oo, sympy.AccumBounds):
        return False
    try:
        c = complex(sympy.N(v))
    except (TypeError, ValueError):
        return False
    return math.isfinite(c.real) and abs(c.imag) <= 1e-12 * max(1.0, abs(c.real))
