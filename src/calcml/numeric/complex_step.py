"""The complex step: f'(x0) = Im f(x0 + ih) / h, with no subtraction and so no cancellation.

For f analytic and real on the real axis, ``f(x + ih) = f(x) + ih f'(x) - h**2 f''(x)/2 + ...``,
so ``Im f(x + ih) / h`` is f'(x) with an O(h**2) error and no round-off from a
difference: h can be 1e-20 and the answer is right to the last digit (Squire and
Trapp, SIAM Review 40, 1998). It needs an f that accepts complex input and is
analytic; :func:`complex_step` checks both before trusting it.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

from ..results import Estimate, Status
from .diagnosis import RTOL, estimate, failure, success, zero_tol
from .evaluation import _TINY_F, _TINY_X, EPS, Evaluator
from .tolerance import Tolerance

_H_COMPLEX = 2.0**-66  # ~1.4e-20: no cancellation, so as small as we like
_H_CHECK = 2.0**-40  # ~9.1e-13: the analyticity check of the complex step


def complex_step(ev: Evaluator, x0: float, f0: float, h: float | None, auto: bool,
                 tol: Tolerance) -> Estimate | None:
    """Im f(x0 + ih)/h, checked twice; with auto=True, None means "not applicable, fall back".

    Checks, each cheap and each aimed at a way the complex step fails silently:

    1. f must return a complex number whose imaginary part is not exactly 0 and
       whose real part is f(x0): abs(), .real and float() hide the derivative.
    2. A second step on the *other* side, -i*d, must give the same slope. For an
       analytic f, f(conj z) = conj f(z), so the two agree; comparisons such as
       np.maximum break ties at a kink by the imaginary part and do not.
    3. Analyticity (Cauchy-Riemann): with a real step d and the complex step -id,
       ``P = f(x0 + d) + Re f(x0 - id) - 2 f(x0)`` and ``Q = -Im f(x0 - id)`` agree to
       O(d**3) for analytic f (the d**2 terms cancel), but not for x*abs(x) or z.real*z.
    """
    scale = abs(x0) if abs(x0) >= _TINY_X else 1.0
    h1 = h if h is not None else _H_COMPLEX * scale
    method = "complex"
    d = _H_CHECK * scale
    with warnings.catch_warnings():
        # A cast that discards the imaginary part (numpy's ComplexWarning) must abort
        # the complex step, not print and carry on.
        warnings.simplefilter("error")
        y1 = ev.complex(complex(x0, h1))
        usable = y1 is not None and math.isfinite(y1.real) and math.isfinite(y1.imag) and (y1.imag or not auto)
        y2 = ev.complex(complex(x0, -d)) if usable else None
    fail = None
    if not h1 > 0.0:  # a user step below the smallest float
        fail = (Status.ERROR, f"the imaginary step h = {h!r} underflows to 0")
    elif y1 is None:
        fail = (Status.ERROR, "f does not accept complex input or returns a real number for it "
                              "(abs(), .real or float() discard the imaginary part)")
    elif not (math.isfinite(y1.real) and math.isfinite(y1.imag)):
        fail = (Status.NAN, "f(x0 + ih) is not finite")
    elif auto and y1.imag == 0.0:
        # Either f'(x0) = 0 or f dropped the imaginary part on the way (np.abs(z) + 0j);
        # Richardson can tell the difference, so the automatic choice falls back.
        return None
    elif abs(y1.real - f0) > 1e-8 * (abs(f0) + abs(y1.imag / h1) * scale) + 1e-300 + (
            abs(y2.real - f0) if y2 is not None else 0.0):  # allow Re f(x0 + ih) - f(x0) = -h**2 f''/2
        fail = (Status.NOT_CONVERGED, f"Re f(x0 + ih) = {y1.real:.17g} differs from f(x0) = {f0:.17g}: "
                                      "f treats complex input differently from real input")
    if fail is not None:
        return None if auto else failure(fail[0], method, ev, fail[1] + "; use method='richardson'")
    c1 = y1.imag / h1
    if y2 is None or not (math.isfinite(y2.real) and math.isfinite(y2.imag)):
        return None if auto else failure(Status.NOT_CONVERGED, method, ev,
                                         "f(x0 - id) failed where f(x0 + ih) did not; use method='richardson'")
    c2 = -y2.imag / d
    err = abs(c1 - c2) + 4.0 * EPS * abs(c1) + _TINY_F / h1
    near_pole = False
    aim = tol if tol.rtol <= RTOL[method] else Tolerance(RTOL[method], tol.atol)
    if h is None and not aim.met(err, c1) and abs(c1 - c2) > 64 * EPS * abs(c1):
        # The step -id may be too large for f (a pole within ~d of x0): ask again
        # with two much smaller imaginary steps before giving up on the complex step.
        tiny = _tiny_pair(ev, x0, h1)
        if tiny is not None:
            c1, c2 = tiny
            err = abs(c1 - c2) + 4.0 * EPS * abs(c1) + _TINY_F / h1
            near_pole = True
    # The analyticity check, one real evaluation stepping away from 0 (the most
    # common domain boundary) so that log and sqrt near 0 stay inside their domain.
    sign = 1.0 if x0 >= 0 else -1.0
    analytic, slope, fr, checked = _cauchy_riemann(ev, x0, f0, d, y2, sign)
    # Near a pole the check's step d may straddle it: retry with real steps down to a few floats.
    dk, ulp = d, abs(math.nextafter(x0, math.inf) - x0)
    while near_pole and not analytic and dk > 4 * ulp:
        dk /= 8
        yk = ev.complex(complex(x0, -dk))
        if yk is None or not (math.isfinite(yk.real) and math.isfinite(yk.imag)):
            break
        analytic, slope, fr, checked = _cauchy_riemann(ev, x0, f0, dk, yk, sign)
    if checked and analytic and not near_pole and not _two_sided_agree(ev, x0, f0, d, fr, sign, c1):
        # sqrt(x**2) at 0: NumPy's branch cut (a signed zero picks the side) makes +ih and -id agree
        # and fools the Cauchy-Riemann check too; the real step on the other side does not lie
        analytic, slope = False, (fr - f0) / (sign * d)
    if checked and not analytic:
        pole = _pole_next_to(ev, x0, f0, c1, err) if near_pole else None
        if pole is not None:
            return pole
        if auto:
            return None
        return Estimate(c1, max(err, abs(c1 - slope)), method, Status.NOT_CONVERGED, ev.n,
                        f"f is not complex-analytic at x0: the complex steps +ih and -id give {c1:.6g} and "
                        f"{c2:.6g}, a real difference about {slope:.6g} (a kink, or abs(), max(), .real "
                        "inside f); use method='richardson'")
    zero = zero_tol(max(abs(f0), abs(fr) if math.isfinite(fr) else 0.0), x0)
    # The automatic choice keeps the complex step only when it reached the accuracy
    # it aims for, and never on the "zero to within rounding" exception when its two
    # steps disagree outright (1/x at 1e-308: the step is not small next to x0).
    if auto and (not success(err, c1, aim, zero) or abs(c1 - c2) > 0.5 * abs(c1)):
        return None
    if y1.imag == 0.0 and not checked:
        return failure(Status.NOT_CONVERGED, method, ev, "Im f(x0 + ih) is exactly 0 and f could not be "
                       "evaluated beside x0 to confirm that f'(x0) = 0; use method='richardson'")
    if not math.isfinite(c1):
        return None if auto else failure(Status.INFINITE, method, ev, "the complex-step slope overflowed")
    return estimate(c1, err, method, ev.n, tol,
                    f"the steps h = {h1:.3g} and {d:.3g} disagree by {abs(c1 - c2):.2g}; try a smaller h", zero=zero)


class Analyticity(NamedTuple):
    """Check 3 of :func:`complex_step` at one step d."""

    analytic: bool  # real and complex steps agree (Cauchy-Riemann), or the check could not run
    slope: float  # the slope the real step saw
    fr: float  # f(x0 + sign d)
    checked: bool  # whether the real step could be taken at all


def _cauchy_riemann(ev: Evaluator, x0: float, f0: float, d: float, y2: complex, sign: float) -> Analyticity:
    """Check 3 of :func:`complex_step`: does a real step d agree with the complex step -id?"""
    xr = x0 + sign * d
    dr = abs(xr - x0)  # the step actually taken, after rounding x0 + d
    fr = ev.real(xr)
    if not (math.isfinite(fr) and dr > 0):
        return Analyticity(True, math.nan, fr, False)
    P = fr + y2.real - 2.0 * f0
    Q = -sign * y2.imag * (dr / d)
    floor = 16.0 * EPS * (abs(fr) + abs(y2.real) + 2.0 * abs(f0))
    # |y2.real - f0| ~ d**2 |f''|/2 keeps a point where f' = 0 but f'' != 0 from failing.
    analytic = abs(P - Q) <= 1e-3 * (abs(P) + abs(Q) + abs(y2.real - f0)) + floor
    return Analyticity(analytic, P / dr * sign, fr, True)


def _two_sided_agree(ev: Evaluator, x0: float, f0: float, d: float, fr: float, sign: float, c1: float) -> bool:
    """Whether the real steps on both sides of x0 see the complex-step slope `c1`.

    The mean of the two one-sided slopes is the central difference, c1 + O(d**2) for
    a smooth f; at a kink it is the average of two different slopes (0 for |x| at 0,
    where the complex step may say 1). A point where the other side cannot be
    evaluated (a domain boundary) is not judged here.
    """
    xl = x0 - sign * d
    fl = ev.real(xl)
    dl, dr = abs(x0 - xl), abs((x0 + sign * d) - x0)
    if not (math.isfinite(fl) and dl > 0 and dr > 0):
        return True
    right = (fr - f0) / dr * sign
    left = (f0 - fl) / dl * sign
    floor = 64.0 * EPS * (abs(f0) + abs(fr) + abs(fl)) / min(dl, dr)
    return abs(0.5 * (right + left) - c1) <= 1e-2 * (abs(c1) + 0.5 * abs(right - left)) + floor


def _tiny_pair(ev: Evaluator, x0: float, h1: float):
    """The complex-step slopes at two much smaller steps, +i ha and -i hb, or None if they disagree.

    Their O(h**2) error is (h / distance to the nearest singularity)**2, negligible
    even for a pole 1e-17 away from x0.
    """
    ha, hb = h1 * 2.0**-20, h1 * 2.0**-19
    ya, yb = ev.complex(complex(x0, ha)), ev.complex(complex(x0, -hb))
    if ya is None or yb is None or not all(map(math.isfinite, (ya.real, ya.imag, yb.real, yb.imag))):
        return None
    ca, cb = ya.imag / ha, -yb.imag / hb
    if abs(ya.imag) < 1e-280 or abs(ca - cb) > 1e-10 * abs(ca):
        return None
    return ca, cb


def _pole_next_to(ev: Evaluator, x0: float, f0: float, c1: float, err: float) -> Estimate | None:
    """A pole closer to x0 than the next float (np.tan at math.pi / 2), or None.

    Tiny imaginary steps agree (f is analytic near x0) but the real step of the
    analyticity check does not: something lies between. When f also jumps across
    zero against its slope between x0 and a neighbouring float, that something is
    a pole within one float spacing. No real step can then confirm the complex
    step (every real stencil crosses the pole), so the value is returned as
    NOT_CONVERGED, with the cause named.
    """
    up, down = math.nextafter(x0, math.inf), math.nextafter(x0, -math.inf)
    fu, fd = ev.real(up), ev.real(down)
    if not (math.isfinite(fu) and math.isfinite(fd)):
        return None
    noise = 1e3 * EPS * max(abs(f0), abs(fu), abs(fd))
    for xn, fn in ((up, fu), (down, fd)):
        slope_sign = math.copysign(1.0, c1) * math.copysign(1.0, xn - x0)
        if math.copysign(1.0, fn) != math.copysign(1.0, f0) and (fn - f0) * slope_sign < -noise:
            return Estimate(c1, err, "complex", Status.NOT_CONVERGED, ev.n,
                            f"the complex step gives {c1:.6g}, but f has a pole between x0 = {x0!r} and the next "
                            f"float {xn!r} (f jumps from {f0:.6g} to {fn:.6g} against its slope): no real step "
                            "can confirm the value, so it is not SUCCESS; the derivative at this float is finite")
    return None
