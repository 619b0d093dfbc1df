"""The entry point: numeric_derivative picks a method and returns one Estimate."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import DomainError
from ..results import Estimate
from .complex_step import complex_step
from .diagnosis import bad_center
from .evaluation import Evaluator, check_point
from .richardson import richardson
from .schemes import quotient
from .tolerance import tolerance

__all__ = ["numeric_derivative", "METHODS"]

METHODS = ("forward", "backward", "central", "richardson", "complex")


def numeric_derivative(f, x0, method: str | None = None, *, h: float | None = None, order: int = 1,
                       rtol: float | None = None, atol: float | None = None) -> Estimate:
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
    rtol, atol : float, optional
        The tolerance of SUCCESS: the error estimate must be at most
        ``atol + rtol * |value|``. Defaults :data:`calcml.testing.DEFAULT_RTOL`
        (1e-7) and :data:`calcml.testing.DEFAULT_ATOL` (0). A derivative that is
        0 to within f's own rounding (a critical point) meets any tolerance.

    Returns
    -------
    Estimate
        ``value``; ``error``, an *estimate* of the absolute error, not a bound
        (Richardson: the disagreement of the last two extrapolation levels plus
        the round-off floor; complex step: the disagreement of two step sizes
        plus a few ulps; quotients: the change when h doubles, scaled to the
        method's order, plus the round-off); ``status``, ``SUCCESS`` only when
        the error estimate is within ``atol + rtol * |value|``; the number of
        ``evaluations`` of f (at most :data:`MAX_EVALUATIONS` for the adaptive
        methods); and a ``message`` saying what went wrong otherwise.

    Raises
    ------
    DomainError
        f not callable or not scalar-valued, x0 not a finite real number,
        an unknown method, h not positive, order not 1 or 2, or a bad
        `rtol` / `atol`.

    Notes
    -----
    Statuses: NaN at x0 gives ``OUT_OF_DOMAIN`` (log at -1); an infinite f(x0)
    ``INFINITE`` (a pole); one-sided slopes that do not agree as h shrinks give
    ``NOT_DIFFERENTIABLE`` (abs at 0); slopes that grow without bound give
    ``INFINITE`` (sqrt at 0, a vertical tangent), and so do quotients beyond
    the largest float (1/x at 1e-308: the derivative overflows); a staircase
    (``np.round(x, 3)``, flat next to x0 but rising over larger steps) gives
    ``NOT_CONVERGED`` with value 0 and a message saying so; an exception in f gives
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

    The course's forward difference, next to the truth: with h = 1e-4 it is
    off by h, which misses the default tolerance (1e-7 relative) but meets a
    looser one:

    >>> est = numeric_derivative(lambda x: x**2, 3.0, "forward", h=1e-4)
    >>> f"{est.value:.6f}", 2 * 3.0, est.status.name
    ('6.000100', 6.0, 'NOT_CONVERGED')
    >>> numeric_derivative(lambda x: x**2, 3.0, "forward", h=1e-4, rtol=1e-4).status.name
    'SUCCESS'

    A kink and a point outside the domain are reported, not guessed:

    >>> numeric_derivative(abs, 0.0).status.name
    'NOT_DIFFERENTIABLE'
    >>> numeric_derivative(np.log, -1.0).status.name
    'OUT_OF_DOMAIN'
    """
    if not callable(f):
        raise DomainError(f"f must be a function of one float (a callable); got {type(f).__name__}. "
                          "Pass e.g. lambda x: x**2, or give text to calcml.derivative()")
    x0 = check_point(x0)
    tol = tolerance(rtol, atol)
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

    ev = Evaluator(f)
    with np.errstate(all="ignore"):
        f0 = ev.real(x0)
        name = method or ("central" if h is not None else "richardson")
        if not math.isfinite(f0):
            return bad_center(ev, x0, f0, name)
        if method is None and h is None and order == 1:
            est = complex_step(ev, x0, f0, None, True, tol)
            if est is not None:
                return est
        if method == "complex":
            return complex_step(ev, x0, f0, h, False, tol)
        if name == "richardson":
            return richardson(ev, x0, f0, order, h, tol)
        return quotient(ev, x0, f0, name, order, h, tol)
