"""Numeric derivatives of a function of one variable: finite differences and the complex step.

Three ideas, from the course's to the best:

* **difference quotients** (``"forward"``, ``"backward"``, ``"central"``): the
  rate of change ``(f(x + h) - f(x)) / h`` of lesson 1 and its symmetric cousin
  ``(f(x + h) - f(x - h)) / 2h``. Their error has two parts that pull h in
  opposite directions: truncation (~h, or ~h**2 for central) and round-off
  (~eps |f| / h). :func:`calcml.stepsize.step_size_study` draws that V.
* **Richardson extrapolation** (``"richardson"``): central differences at a
  shrinking sequence of steps h, 4h, 16h, ... combined (Neville's polynomial
  extrapolation in h**2 to h = 0) so that the h**2, h**4, ... error terms cancel.
  The sequence starts at the scale of x0 and the best window of three or four
  steps is kept, so the step adapts to the function instead of being guessed.
* **the complex step** (``"complex"``): for f analytic and real on the real axis,
  ``f(x + ih) = f(x) + ih f'(x) - h**2 f''(x)/2 + ...``, so ``Im f(x + ih) / h``
  is f'(x) with an O(h**2) error and *no subtraction*: h can be 1e-20 and the
  answer is correct to the last digit. It needs an f that accepts complex input
  and is analytic; calcml checks both before trusting it.

Every function returns a frozen :class:`~calcml.results.Estimate` whose ``error``
is an *estimate*, never a bound, and whose ``status`` says whether to trust the
value. A pole, a kink, NaN, overflow, a point outside the domain or an exception
in f give a non-success status and a message, never a silent wrong number.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .errors import DomainError
from .results import Estimate, Status

__all__ = ["numeric_derivative", "METHODS", "RTOL", "RTOL2", "ZERO_SCALE",
           "MAX_EVALUATIONS"]

EPS = 2.0**-52  # the spacing of floats near 1 (numpy.finfo(float).eps)
METHODS = ("forward", "backward", "central", "richardson", "complex")

#: The tolerance behind ``Status.SUCCESS``: the error estimate must be at most
#: ``RTOL[method] * |value|``. First-order quotients cannot get much below
#: sqrt(eps) ~ 1.5e-8, hence their looser tolerance. The tolerance is relative:
#: a tiny derivative such as tanh'(10) = 8.2e-9 must be right in its own digits.
#: The one exception is a derivative indistinguishable from 0 in double
#: precision, ``|value| <= error <= ZERO_SCALE * eps * max|f| / max(|x0|, 1)``
#: (a critical point): it succeeds, with a message saying "zero to within".
RTOL = {"forward": 1e-6, "backward": 1e-6, "central": 1e-8, "richardson": 1e-8, "complex": 1e-8}
#: The same for second derivatives (order=2): plain second differences lose
#: twice as many digits to round-off (eps / h**2), hence 100 x looser.
RTOL2 = {"forward": 1e-4, "backward": 1e-4, "central": 1e-6, "richardson": 1e-8}

ZERO_SCALE = 1e3

#: The adaptive methods (``None``, ``"richardson"``) evaluate f at most this often.
MAX_EVALUATIONS = 30

# Default steps as a fraction of the point's scale: the h that balances
# truncation against round-off, sqrt(eps) for first-order quotients, eps**(1/3)
# for central ones, eps**(1/4) for a second derivative. Powers of two, so that
# x0 + h is exact whenever h is at least the spacing of floats near x0.
_H_FIRST = 2.0**-26  # ~1.5e-8
_H_CENTRAL = 2.0**-17  # ~7.6e-6
_H_SECOND = 2.0**-13  # ~1.2e-4
_H_COMPLEX = 2.0**-66  # ~1.4e-20: no cancellation, so as small as we like
_H_CHECK = 2.0**-40  # ~9.1e-13: the analyticity check of the complex step
_TINY_X = 1e-300  # a |x0| below this is treated as 0 for scaling steps (h ~ |x0| would underflow)
_TINY_F = 5e-324  # the spacing of floats at 0: the round-off floor of a value that underflowed


# --------------------------------------------------------------------------- evaluation


class _Evaluator:
    """Calls f, counts the calls, and turns what f does into a float.

    Exceptions raised by f are data here (the status says so), not errors of
    calcml; the last one is kept for the message. A failed call gives NaN.
    """

    __slots__ = ("f", "n", "exc")

    def __init__(self, f):
        self.f = f
        self.n = 0
        self.exc = None

    def real(self, x: float) -> float:
        self.n += 1
        try:
            y = self.f(x)
        except Exception as exc:  # noqa: BLE001 - any failure of f becomes a status
            self.exc = exc
            return math.nan
        if isinstance(y, float):  # the hot path: Python floats and numpy.float64
            return float(y)
        return _as_real(y)

    def complex(self, z: complex):
        """f(z) as a Python complex, or None when f cannot take or return complex numbers."""
        self.n += 1
        try:
            y = self.f(z)  # called with warnings as errors, see _complex_step
        except Exception:  # noqa: BLE001 - f cannot take complex input: fall back
            return None
        if isinstance(y, (complex, np.complexfloating)):
            return complex(y)
        if isinstance(y, np.ndarray) and y.size == 1 and np.iscomplexobj(y):
            return complex(y.reshape(()))
        return None  # a real-typed result (abs(), .real, float()) hides the derivative


def _as_real(y) -> float:
    if isinstance(y, (numbers.Real, np.floating, np.integer)) and not isinstance(y, bool):
        return float(y)
    if isinstance(y, (complex, np.complexfloating)):
        # A complex value for real input: f is not real-valued here (np.emath.log(-1)).
        return float(y.real) if y.imag == 0 else math.nan
    arr = np.asarray(y)
    if arr.size != 1 or arr.dtype.kind not in "biufc":
        raise DomainError(f"f must return one real number; it returned {type(y).__name__}"
                          f"{' of shape ' + str(arr.shape) if arr.ndim else ''}. Use gradient() or "
                          "jacobian() for functions of or into several numbers")
    v = arr.reshape(())[()]
    if arr.dtype.kind == "c":
        return float(v.real) if v.imag == 0 else math.nan
    return float(v)


def _describe(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else ""


def _pow2_floor(x: float) -> float:
    """The largest power of two not above x > 0."""
    return math.ldexp(0.5, math.frexp(x)[1])


def _zero_tol(fscale: float, x0: float) -> float:
    """Below this a derivative cannot be told from 0: f's own rounding over the scale of x0.

    Never below 1e-300: when f is exactly 0 around x0 its rounding is 0 too, and
    an error estimate made of subnormal numbers means "exactly zero".
    """
    return max(ZERO_SCALE * EPS * fscale / max(abs(x0), 1.0), 1e-300)


def _success(err: float, value: float, rtol: float, atol: float = 0.0) -> bool:
    if not math.isfinite(value):
        return False
    return err <= rtol * abs(value) or abs(value) <= err <= atol


def _estimate(value, err, method, evaluations, rtol, advice: str, note: str = "", atol: float = 0.0) -> Estimate:
    """SUCCESS when the error estimate meets the relative tolerance; else why not, and what to do."""
    if _success(err, value, rtol, atol):
        if err > rtol * abs(value):  # the zero exception: say so
            note = f"f'(x0) is zero to within the error estimate {err:.2g}" + (f"; {note}" if note else "")
        return Estimate(value, err, method, Status.SUCCESS, evaluations, note)
    if abs(value) <= err:
        # A derivative that is 0 (a critical point) has no relative accuracy to offer.
        message = (f"f'(x0) is zero to within the error estimate {err:.2g}, but that is more than f's "
                   f"rounding explains ({atol:.2g}); a relative tolerance ({rtol:g}) cannot be met")
    else:
        message = (f"the error estimate {err:.2g} (relative {err / abs(value):.2g}) is above the "
                   f"tolerance {rtol:g}; {advice}")
    return Estimate(value, err, method, Status.NOT_CONVERGED, evaluations, f"{message}; {note}" if note else message)


def _failure(status: Status, method: str, ev: _Evaluator, message: str) -> Estimate:
    return Estimate(math.nan, math.inf, method, status, ev.n, message)


# --------------------------------------------------------------------------- public entry


def numeric_derivative(f, x0, method: str | None = None, *, h: float | None = None, order: int = 1) -> Estimate:
    """The derivative of a function of one real variable at a point, numerically.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a Python float x. For the complex step it must also
        accept a complex x (NumPy ufuncs and Python operators do; ``math``
        functions do not).
    x0 : float
        The point; must be finite.
    method : {None, "forward", "backward", "central", "richardson", "complex"}
        None picks the best available: the complex step when f takes complex
        input, returns a genuinely complex result, and passes calcml's
        analyticity checks; otherwise Richardson-extrapolated central
        differences. With `h` given and no method, a central difference with
        that step. ``Estimate.method`` says which one ran.
    h : float, optional
        The step. Default: scaled to x0, never crossing 0 (where log, 1/x and
        sqrt break), shrunk where f fails at a stencil point: the quotients try
        ``c * max(|x0|, 1)`` and, below |x0| = 1, ``c * |x0|`` (c = sqrt(eps)
        one-sided, eps**(1/3) central) and keep the smaller error estimate;
        Richardson starts at ``max(|x0|, 1) / 2`` (``|x0| / 2`` below 1); the
        complex step uses ``1.4e-20 * |x0|``. A step you give is used as is
        (for "richardson" it is the largest step of the sequence), even if it
        leaves f's domain: the status then says so.
    order : {1, 2}
        The first or the second derivative. The second uses central (or
        one-sided) second differences; "complex" supports order 1 only.

    Returns
    -------
    Estimate
        ``value``; ``error``, an *estimate* of the absolute error, not a bound
        (Richardson: the disagreement of the last two extrapolation levels plus
        the round-off floor; complex step: the disagreement of two step sizes
        plus a few ulps; quotients: the change when h doubles, scaled to the
        method's order, plus the round-off); ``status``, ``SUCCESS`` only when
        the error estimate is within ``RTOL[method] * |value|`` (``RTOL2`` for
        order 2); the number of
        ``evaluations`` of f (at most :data:`MAX_EVALUATIONS` for the adaptive
        methods); and a ``message`` saying what went wrong otherwise.

    Raises
    ------
    DomainError
        f not callable or not scalar-valued, x0 not a finite real number,
        an unknown method, h not positive, or order not 1 or 2.

    Notes
    -----
    Statuses: NaN at x0 gives ``OUT_OF_DOMAIN`` (log at -1); an infinite f(x0)
    ``INFINITE`` (a pole); one-sided slopes that do not agree as h shrinks give
    ``NOT_DIFFERENTIABLE`` (abs at 0); slopes that grow without bound give
    ``INFINITE`` (sqrt at 0, a vertical tangent); an exception in f gives
    ``ERROR`` with its text. When f is undefined on one side of x0 (sqrt at 0)
    the adaptive method goes one-sided and says so in the message.

    Examples
    --------
    The complex step is exact to rounding where f accepts complex numbers:

    >>> import math, numpy as np
    >>> est = numeric_derivative(np.exp, 30.0)
    >>> est.method, est.status.name, abs(est.value / math.exp(30) - 1) < 1e-15
    ('complex', 'SUCCESS', True)

    ``math.log`` does not take complex input, so Richardson extrapolation runs,
    with steps scaled to x0 = 1e-7 so that none leaves the domain:

    >>> est = numeric_derivative(math.log, 1e-7)
    >>> est.method, f"{est.value:.10e}", f"{1 / 1e-7:.10e}"
    ('richardson', '1.0000000000e+07', '1.0000000000e+07')

    The course's forward difference, next to the truth:

    >>> est = numeric_derivative(lambda x: x**2, 3.0, "forward", h=1e-4)
    >>> f"{est.value:.6f}", 2 * 3.0, est.status.name
    ('6.000100', 6.0, 'NOT_CONVERGED')

    A kink and a point outside the domain are reported, not guessed:

    >>> numeric_derivative(abs, 0.0).status.name
    'NOT_DIFFERENTIABLE'
    >>> numeric_derivative(np.log, -1.0).status.name
    'OUT_OF_DOMAIN'
    """
    if not callable(f):
        raise DomainError(f"f must be a function of one float (a callable); got {type(f).__name__}. "
                          "Pass e.g. lambda x: x**2, or give text to calcml.derivative()")
    x0 = _check_point(x0)
    if method is not None and method not in METHODS:
        raise DomainError(f"method must be None or one of {', '.join(repr(m) for m in METHODS)}; got {method!r}")
    if h is not None:
        if isinstance(h, bool) or not isinstance(h, (numbers.Real, np.floating, np.integer)) \
                or not (math.isfinite(h) and h > 0):
            raise DomainError(f"h must be a positive finite step; got {h!r}. Leave it out to let calcml choose")
        h = float(h)
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order not in (1, 2):
        raise DomainError(f"order must be 1 or 2 for a numeric derivative; got {order!r}. For higher orders "
                          "differentiate symbolically (calcml.derivative(text, order=n))")
    if method == "complex" and order != 1:
        raise DomainError("method='complex' computes first derivatives only; use method='richardson' for order=2")

    ev = _Evaluator(f)
    with np.errstate(all="ignore"):
        f0 = ev.real(x0)
        name = method or ("central" if h is not None else "richardson")
        if not math.isfinite(f0):
            return _bad_center(ev, x0, f0, name)
        if method is None and h is None and order == 1:
            est = _complex_step(ev, x0, f0, None, auto=True)
            if est is not None:
                return est
        if method == "complex":
            return _complex_step(ev, x0, f0, h, auto=False)
        if name == "richardson":
            return _richardson(ev, x0, f0, order, h)
        return _quotient(ev, x0, f0, name, order, h)


def _check_point(x0) -> float:
    if isinstance(x0, np.ndarray) and x0.ndim == 0:
        x0 = x0[()]
    if isinstance(x0, bool) or not isinstance(x0, (numbers.Real, np.floating, np.integer)):
        raise DomainError(f"x0 must be a real number; got {type(x0).__name__}. numeric_derivative "
                          "differentiates a function of one real variable at one point")
    x0 = float(x0)
    if not math.isfinite(x0):
        raise DomainError(f"x0 must be finite; got {x0}. A derivative at infinity is a limit, not a point")
    return x0


def _bad_center(ev: _Evaluator, x0: float, f0: float, method: str) -> Estimate:
    if ev.exc is not None:
        return _failure(Status.ERROR, method, ev, f"f raised at x0 = {x0:g}: {_describe(ev.exc)}")
    if math.isnan(f0):
        return _failure(Status.OUT_OF_DOMAIN, method, ev,
                        f"f(x0) is NaN: x0 = {x0:g} lies outside the domain of f (or f returns NaN there)")
    return _failure(Status.INFINITE, method, ev,
                    f"f(x0) is {f0}: x0 = {x0:g} is a pole of f or f overflows there")


# --------------------------------------------------------------------------- complex step


def _complex_step(ev: _Evaluator, x0: float, f0: float, h: float | None, auto: bool) -> Estimate | None:
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
        return None if auto else _failure(fail[0], method, ev, fail[1] + "; use method='richardson'")
    c1 = y1.imag / h1
    if y2 is None or not (math.isfinite(y2.real) and math.isfinite(y2.imag)):
        return None if auto else _failure(Status.NOT_CONVERGED, method, ev,
                                          "f(x0 - id) failed where f(x0 + ih) did not; use method='richardson'")
    c2 = -y2.imag / d
    err = abs(c1 - c2) + 4.0 * EPS * abs(c1) + _TINY_F / h1
    # The analyticity check, one real evaluation stepping away from 0 (the most
    # common domain boundary) so that log and sqrt near 0 stay inside their domain.
    sign = 1.0 if x0 >= 0 else -1.0
    xr = x0 + sign * d
    dr = abs(xr - x0)  # the step actually taken, after rounding x0 + d
    fr = ev.real(xr)
    checked = math.isfinite(fr) and dr > 0
    if checked:
        P = fr + y2.real - 2.0 * f0
        Q = -sign * y2.imag * (dr / d)
        floor = 16.0 * EPS * (abs(fr) + abs(y2.real) + 2.0 * abs(f0))
        # |y2.real - f0| ~ d**2 |f''|/2 keeps a point where f' = 0 but f'' != 0 from failing.
        if abs(P - Q) > 1e-3 * (abs(P) + abs(Q) + abs(y2.real - f0)) + floor:
            if auto:
                return None
            slope = P / dr * sign
            return Estimate(c1, max(err, abs(c1 - slope)), method, Status.NOT_CONVERGED, ev.n,
                            f"f is not complex-analytic at x0: the complex steps +ih and -id give {c1:.6g} and "
                            f"{c2:.6g}, a real difference about {slope:.6g} (a kink, or abs(), max(), .real "
                            "inside f); use method='richardson'")
    atol = _zero_tol(max(abs(f0), abs(fr) if math.isfinite(fr) else 0.0), x0)
    if auto and not _success(err, c1, RTOL[method], atol):
        return None
    if y1.imag == 0.0 and not checked:
        return _failure(Status.NOT_CONVERGED, method, ev, "Im f(x0 + ih) is exactly 0 and f could not be "
                        "evaluated beside x0 to confirm that f'(x0) = 0; use method='richardson'")
    if not math.isfinite(c1):
        return None if auto else _failure(Status.INFINITE, method, ev, "the complex-step slope overflowed")
    return _estimate(c1, err, method, ev.n, RTOL[method],
                     f"the steps h = {h1:.3g} and {d:.3g} disagree by {abs(c1 - c2):.2g}; try a smaller h", atol=atol)


# --------------------------------------------------------------------------- difference quotients


def _quotient(ev: _Evaluator, x0: float, f0: float, method: str, order: int, h: float | None) -> Estimate:
    """The plain forward, backward or central quotient, with an honest error estimate.

    The value is the plain quotient at step h (no extrapolation: that is the
    point of these methods). The error estimate compares it with the quotient at
    2h: truncation error is ~h**p (p = 1 one-sided, 2 central), so the difference
    of the two is (2**p - 1) times the error at h. Round-off, ~eps |f| / h**order,
    is added.
    """
    if h is not None:
        return _quotient_at(ev, x0, f0, method, order, h, retries=0)
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
        est = _quotient_at(ev, x0, f0, method, order, _pow2_floor(step), retries=3)
        if best is None or (math.isfinite(est.value) and not (est.error >= best.error)):
            best = est
    if best.evaluations != ev.n:
        best = Estimate(best.value, best.error, best.method, best.status, ev.n, best.message)
    return best


def _quotient_at(ev, x0, f0, method, order, h, retries):
    rtol = RTOL[method] if order == 1 else RTOL2[method]
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
            return _failure(Status.ERROR, method, ev,
                            f"f raised at x = {bad:g} (h = {h * 16:.3g}): {_describe(ev.exc)}")
        status = Status.INFINITE if math.isinf(fs[-1]) else Status.OUT_OF_DOMAIN
        return _failure(status, method, ev, f"f({bad:g}) = {fs[-1]}: the stencil x0 +- h leaves the domain "
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
            kink = _kink(s2, s1, 2.0, 4 * EPS * (abs(fp) + 2 * abs(f0) + abs(fm)) / h, rtol * abs(d1)) \
                and abs(d1 - d2) <= 0.1 * abs(s1)
            if kink:
                return _not_differentiable(ev, method, (fp - f0) / h, (f0 - fm) / h, h)
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
                if abs(d1 - other) > 8 * abs(d1 - d2) + 100 * noise + rtol * abs(d1):
                    right, left = (d1, other) if sign > 0 else (other, d1)
                    return _not_differentiable(ev, method, right, left, h)
    if not math.isfinite(d1):
        return _failure(Status.INFINITE, method, ev, f"the difference quotient overflowed at h = {h:.3g}")
    atol = _zero_tol(max(abs(f0), *(abs(v) for v in fs)), x0)
    return _estimate(d1, err, method, ev.n, rtol, f"h = {h:.3g} is too large or too small for this "
                     "quotient (see step_size_study); method='richardson' or the complex step do better", atol=atol)


def _kink(s_big: float, s_small: float, ratio: float, noise: float, tol: float) -> bool:
    """True when s (the gap between one-sided slopes) fails to shrink with h.

    For a smooth f, s is proportional to h, so halving h (ratio 2) halves s; at
    a kink s tends to the jump in slope. The gap must also stand clear of
    round-off and of the tolerance, or there is nothing to report.
    """
    return abs(s_small) > abs(s_big) / math.sqrt(ratio) and abs(s_small) > max(100 * noise, tol)


def _not_differentiable(ev, method, right, left, h) -> Estimate:
    return _failure(Status.NOT_DIFFERENTIABLE, method, ev,
                    f"the one-sided derivatives disagree and keep disagreeing as h shrinks (right {right:.6g}, "
                    f"left {left:.6g} at h = {h:.3g}): f has a kink (or a jump) at x0")


# --------------------------------------------------------------------------- Richardson


class _Tableau:
    """Neville's tableau over one sequence of shrinking steps.

    Row i holds the quotient at step i (column 0) and its extrapolations to h = 0
    through the previous steps, as a polynomial in u (h**2 for central quotients,
    whose error has only even powers; h for one-sided ones): column j cancels
    the first j error terms. Each entry carries the round-off it inherits.
    """

    __slots__ = ("us", "ds", "rows", "noises", "samples", "href")

    def __init__(self):
        self.us, self.ds, self.rows, self.noises, self.samples = [], [], [], [], []
        self.href = 0.0

    def add(self, h: float, d: float, noise: float, sample, even: bool):
        """Add a step; return the windows of 3 or 4 steps ending here as (value, spread, noise, first)."""
        self.href = self.href or h  # u in units of the first step: no underflow near 1e-300
        u = (h / self.href) ** 2 if even else h / self.href
        if self.us and u >= self.us[-1]:
            return None  # no smaller than the last step, after rounding
        i = len(self.us)
        self.us.append(u)
        self.ds.append(d)
        self.samples.append(sample)
        row, nrow, windows = [d], [noise], []
        for j in range(1, min(i, 3) + 1):
            ua, above = self.us[i - j], self.rows[i - 1][j - 1]
            row.append((ua * row[j - 1] - u * above) / (ua - u))
            nrow.append((ua * nrow[j - 1] + u * self.noises[i - 1][j - 1]) / (ua - u))
            # Ridders' error: the disagreement with both parents in the tableau.
            windows.append((row[j], max(abs(row[j] - row[j - 1]), abs(row[j] - above)), nrow[j], i - j))
        self.rows.append(row)
        self.noises.append(nrow)
        return windows


def _richardson(ev: _Evaluator, x0: float, f0: float, order: int, h: float | None) -> Estimate:
    """Adaptive central differences with Richardson extrapolation.

    The steps run h_k = H / 4**k, powers of two (so x0 +- h is exact), from
    H = max(|x0|, 1) / 2, or |x0| / 2 when |x0| < 1: the stencil then never
    crosses 0, the usual home of a pole or branch point (log, 1/x, sqrt). Every
    window of 3 or 4 consecutive steps in Neville's tableau is a candidate,
    scored by the disagreement of its last two extrapolation levels plus the
    round-off it inherits, relative to its value; the best one wins. So the step
    is chosen by the function, not guessed: large where f is smooth on a large
    scale (x**2 at 1e8), small where it varies fast (sin at 1e6).

    Three fallbacks. Where f fails (NaN, inf, an exception) the step shrinks
    64-fold. If one side still fails at a step too small to be useful while the
    other works, x0 is on the edge of f's domain (sqrt at 0): one-sided
    differences. If steps scaled to a small |x0| drown in round-off, f is
    smooth through 0 (exp or cos at 1e-10): one-sided differences away from 0,
    at the absolute scale. One-sided steps halve, and their error has every
    power of h.
    """
    method = "richardson"
    rtol = RTOL[method]
    ax = abs(x0) if abs(x0) >= _TINY_X else 0.0
    near_zero = 0.0 < ax < 1.0
    step = start = h if h is not None else _pow2_floor(ax / 2 if near_zero else 0.5 * max(ax, 1.0))
    tiny_step = 2.0**-26 * max(ax, 1.0)  # below this a central stencil is all round-off
    side = 0  # 0: central; +1 / -1: one-sided to the right / left
    tab = _Tableau()
    central = tab
    best = None  # (score, err, value, window's first three central samples or None)
    near = None  # the best of the central steps alone: (score, err, value)
    zero = 1e-300
    fails = [0, 0]  # failed stencil points to the right, to the left
    first = 1.0  # the side evaluated first: the one that failed last
    prev = None  # one-sided second derivative: the previous point (step, f)
    last_bad = None
    note = ""
    while True:
        if ev.n + (2 if side == 0 else 1) > MAX_EVALUATIONS or step < 1e-305 or step <= 4 * EPS * ax:
            break
        if side == 0:
            fa = ev.real(x0 + first * step)
            # If the side that failed last fails again, the other side is not needed.
            fb = ev.real(x0 - first * step) if math.isfinite(fa) else math.nan
            if not math.isfinite(fb):
                bad = first if not math.isfinite(fa) else -first
                fails[bad < 0] += 1
                last_bad = (x0 + bad * step, fa if bad == first else fb)
                first = bad
                if not tab.us and step < tiny_step and fails[bad < 0] >= 2 and fails[bad > 0] == 0:
                    side, step = -bad, start  # x0 is on the edge of f's domain
                    note = (f"one-sided ({'forward' if side > 0 else 'backward'}) differences: f fails "
                            f"{'left' if side > 0 else 'right'} of x0, which looks like the edge of its domain")
                    continue
                step /= 64
                continue
            fp, fm = (fa, fb) if first > 0 else (fb, fa)
            xp, xm = x0 + step, x0 - step
            hp, hm = xp - x0, x0 - xm
            if order == 1:
                d = (fp - fm) / (xp - xm)
                noise = (EPS * abs(fp) + EPS * abs(fm) + _TINY_F) / (xp - xm)  # scaled first: no overflow
            else:
                d = 2 * ((fp - f0) / hp - (f0 - fm) / hm) / (hp + hm)
                noise = 16 * EPS * (abs(fp) / 4 + abs(f0) / 2 + abs(fm) / 4) / (hp * hm)
            sample = (0.5 * (xp - xm), fp, fm)
            step /= 4
        else:
            x = x0 + side * step
            fx = ev.real(x)
            if not math.isfinite(fx):
                fails[side < 0] += 1
                last_bad = (x, fx)
                step /= 16
                prev = None
                continue
            s = abs(x - x0)
            step /= 2
            if order == 1:
                d = (fx - f0) / (x - x0)
                noise = (EPS * abs(fx) + EPS * abs(f0) + _TINY_F) / s
            else:
                older, prev = prev, (s, fx)
                if older is None or older[0] != 2 * s:
                    continue
                d = (older[1] - 2 * fx + f0) / (s * s)
                noise = 4 * EPS * (abs(older[1]) + 2 * abs(fx) + abs(f0)) / (s * s)
            sample = (s, fx, math.nan)
        if not math.isfinite(d):
            continue
        windows = tab.add(sample[0], d, noise, sample, even=side == 0)
        if windows is None:
            continue
        # Windows are scored by relative error (each track's quotients can differ in size
        # by many decades), but a derivative near 0 has no relative error to speak of:
        # below 1e-3 x the function's own slope scale |f| / max(|x0|, 1), or sqrt(eps) x
        # the largest quotient, windows compare by absolute error.
        zero = max(zero, 2.0**-26 * abs(d), 1e-3 * max(abs(f0), abs(sample[1])) / max(ax, 1.0))
        newest = min((w[1] for w in windows), default=math.inf)
        for value, spread, wnoise, lo in windows[1:]:
            # Candidates span three steps or more: two quotients can agree by accident
            # (a staircase seen from afar), three rarely do.
            err = spread + 2 * wnoise + 2 * EPS * abs(value)
            score = err / max(abs(value), zero)
            if best is None or score < best[0]:
                fscale = max(abs(f0), *(abs(v) for smp in tab.samples[lo:] for v in smp[1:] if v == v))
                best = (score, err, value, tab.samples[lo:lo + 3] if side == 0 else None, fscale)
            if tab is central and (near is None or score < near[0]):
                near = (score, err, value)
        # Stop once past the bottom of the V: the best window met the tolerance and the
        # newest windows are far worse, or their round-off alone (which only grows as h
        # shrinks) already exceeds the best error.
        if best is not None and best[0] <= rtol and (newest > 30 * best[1] or 2 * noise > best[1]
                                                     or best[0] <= 8 * EPS):
            break
        # Steps scaled to a small |x0| drowning in round-off: f is smooth through 0, so
        # take one-sided steps away from 0 at the absolute scale instead.
        if side == 0 and near_zero and h is None and len(tab.us) >= 3 and 2 * noise > rtol * abs(d) \
                and (best is None or best[0] > rtol):
            side, step, tab, prev = (1 if x0 > 0 else -1), 0.5, _Tableau(), None
            note = ("one-sided differences away from 0: steps scaled to |x0| drowned in round-off, "
                    "so f was taken to be smooth through 0")

    if best is None:
        return _no_stencil(ev, method, x0, last_bad, fails, note)
    _, err, value, window, fscale = best
    atol = _zero_tol(fscale, x0)
    if near is not None and tab is not central and abs(near[2] - value) > 3 * (near[1] + err):
        # The steps near x0 and the steps at the absolute scale see different slopes:
        # structure between the two scales (a staircase), so neither is to be trusted.
        return Estimate(value, max(err, abs(near[2] - value)), method, Status.NOT_CONVERGED, ev.n,
                        f"steps scaled to |x0| give {near[2]:.6g} (+- {near[1]:.2g}) but steps at the absolute "
                        f"scale give {value:.6g} (+- {err:.2g}): f has structure between the two scales")
    if window is not None and len(window) == 3:
        kink = _richardson_kink(window, f0, order, rtol * abs(value))
        if kink is not None:
            return _not_differentiable(ev, method, *kink)
    if not _success(err, value, rtol, atol) and _jumps(central.samples[-3:]):
        hh, fp, fm = central.samples[-1]
        return _failure(Status.NOT_DIFFERENTIABLE, method, ev, "f jumps at x0: f(x0 + h) - f(x0 - h) stays near "
                        f"{fp - fm:.6g} as h shrinks to {hh:.3g}")
    if not _success(err, value, rtol, atol) and _diverging(tab.ds[-4:], tab.noises[-4:]):
        return Estimate(math.copysign(math.inf, tab.ds[-1]), math.inf, method, Status.INFINITE, ev.n,
                        "the difference quotients grow without bound as h shrinks "
                        f"({tab.ds[-4]:.3g}, ..., {tab.ds[-1]:.3g}): the derivative looks infinite (a vertical tangent)"
                        + (f"; {note}" if note else ""))
    return _estimate(value, err, method, ev.n, rtol, f"Richardson extrapolation stopped after {ev.n} "
                     "evaluations: f is too rough, or its derivative too small next to f, for more digits", note,
                     atol=atol)


def _jumps(samples) -> bool:
    """f(x0 + h) - f(x0 - h) does not shrink with h (it would, like 2h f'(x0), were f continuous)."""
    if len(samples) < 3:
        return False
    gaps = [abs(p - m) for _, p, m in samples]
    scale = max(abs(p) + abs(m) for _, p, m in samples)
    return min(gaps) > 1e-6 * scale and min(gaps) > 0.8 * max(gaps)


def _diverging(ds, nrows) -> bool:
    """The last quotients keep one sign and grow steadily, far above round-off: an infinite slope."""
    if len(ds) < 4 or len({math.copysign(1.0, d) for d in ds}) != 1:
        return False
    grows = all(abs(b) >= 1.2 * abs(a) for a, b in zip(ds, ds[1:]))
    return grows and all(abs(d) > 1e6 * r[0] for d, r in zip(ds, nrows))


def _richardson_kink(samples, f0, order, tol):
    """(right slope, left slope, h) when the gap between one-sided slopes does not shrink with h."""
    (h1, p1, m1), (h2, p2, m2), (h3, p3, m3) = samples
    if order == 1:
        gaps = [(p - 2 * f0 + m) / hh for hh, p, m in samples]
        noise = 4 * EPS * (abs(p3) + 2 * abs(f0) + abs(m3)) / h3
        ok = all(_kink(g1, g2, hh1 / hh2, noise, tol) for g1, g2, hh1, hh2 in
                 zip(gaps, gaps[1:], (h1, h2), (h2, h3)))
        # ... while the symmetric quotients settle (to the mean slope), or h is just too large.
        ok = ok and abs((p1 - m1) / (2 * h1) - (p3 - m3) / (2 * h3)) <= 0.1 * abs(gaps[2])
        return ((p3 - f0) / h3, (f0 - m3) / h3, h3) if ok else None
    # Second derivative: one-sided second derivatives from two steps each side,
    # F'' ~ 2 (F(h) - F(h')) / (h - h') with F the forward slope; same test.
    def one_sided(ha, pa, ma, hb, pb, mb):
        right = 2 * ((pa - f0) / ha - (pb - f0) / hb) / (ha - hb)
        left = 2 * ((f0 - mb) / hb - (f0 - ma) / ha) / (ha - hb)
        return right, left
    r1, l1 = one_sided(h1, p1, m1, h2, p2, m2)
    r2, l2 = one_sided(h2, p2, m2, h3, p3, m3)
    noise = 16 * EPS * (abs(p3) + abs(f0) + abs(m3) + abs(p2) + abs(m2)) / (h2 * h3)
    if _kink(r1 - l1, r2 - l2, h1 / h2, noise, tol):
        return r2, l2, h3
    return None


def _no_stencil(ev, method, x0, last_bad, fails, note) -> Estimate:
    where = f" (last tried f({last_bad[0]:.6g}) = {last_bad[1]})" if last_bad else ""
    if ev.exc is not None:
        return _failure(Status.ERROR, method, ev, f"f raised beside x0 = {x0:g}{where}: {_describe(ev.exc)}")
    if last_bad is not None and math.isinf(last_bad[1]):
        return _failure(Status.INFINITE, method, ev, f"f is infinite at every step tried beside x0 = {x0:g}{where}: "
                        "a pole at or next to x0")
    return _failure(Status.NAN, method, ev, f"f is NaN at every step tried beside x0 = {x0:g}{where}, on "
                    f"{'both sides' if min(fails) else 'one side'}; no difference quotient could be formed"
                    + (f"; {note}" if note else ""))
