"""Checking derivatives against each other, with tolerances defined once.

These tolerances are used everywhere calcml says two answers *agree*: the
three lenses in the CLI and the lessons, the exercise grader for numeric
answers, the project's own tests, and :func:`check_grad` on your code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RTOL", "ATOL", "agree", "max_discrepancy", "check_grad", "GradCheck"]

#: Relative tolerance for two derivative values to agree. Finite differences
#: with Richardson extrapolation reach ~1e-10 relative on smooth functions, so
#: 1e-7 leaves room for hard cases without letting real mistakes through
#: (a wrong rule is typically off by O(1)).
RTOL = 1e-7
#: Absolute tolerance, for values that should be zero.
ATOL = 1e-9

#: The one meaning of ``Status.SUCCESS`` for every approximation (numeric
#: derivatives, integrals, numeric gradients and Jacobians): the error estimate
#: has been checked (a second step, a second grid or an independent rule) and it
#: is at most ``atol + rtol * |value|``. These are the defaults of the ``rtol``
#: and ``atol`` parameters of those functions; a value that misses them is still
#: returned, with ``NOT_CONVERGED`` and its error estimate. An error below the
#: function's own rounding (a derivative that is 0 to within f's last digits, an
#: integral whose parts cancel to rounding) counts as meeting ``atol``: no
#: floating-point method can do better.
DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 0.0


def agree(a, b, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """True when `a` and `b` agree elementwise: ``|a - b| <= atol + rtol * |b|``.

    NaN never agrees with anything; shapes must broadcast to each other.

    Examples
    --------
    >>> agree(2.0000000001, 2.0)
    True
    >>> agree([4.0, 27.0], [4.0, 18.0])   # the course's 2y instead of 3y^2
    False
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def max_discrepancy(a, b) -> float:
    """The largest elementwise ``|a - b| / max(|b|, 1)``: a scale-aware distance for reports."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1.0))) if a.size else 0.0


@dataclass(frozen=True)
class GradCheck:
    """The verdict of :func:`check_grad`.

    Attributes
    ----------
    ok : bool
        True when every entry of your gradient agrees with the numeric one.
    analytic : numpy.ndarray
        What your gradient function returned.
    numeric : numpy.ndarray
        calcml's numeric estimate (complex step or Richardson differences).
    error : numpy.ndarray
        The numeric estimate's own error estimates, entry by entry.
    max_error : float
        The largest scaled disagreement, ``|analytic - numeric| / max(|numeric|, 1)``.
    worst_index : tuple
        Where that disagreement is.
    message : str
        One sentence: which entry is off and by how much, or that all agree.
    """

    ok: bool
    analytic: np.ndarray
    numeric: np.ndarray
    error: np.ndarray
    max_error: float
    worst_index: tuple
    message: str

    def __bool__(self) -> bool:
        return self.ok


def check_grad(f, grad_f, x, *, rtol: float = RTOL, atol: float = ATOL) -> GradCheck:
    """Check a hand-written gradient (or Jacobian) against calcml's numeric one.

    Parameters
    ----------
    f : callable
        ``f(x)`` for a 1-D array `x`: a scalar (then `grad_f` is a gradient)
        or a 1-D array (then `grad_f` returns the Jacobian, rows = outputs).
    grad_f : callable
        Your derivative, ``grad_f(x)``.
    x : array_like
        The point to check at. Check at a few random points: one point can
        hide a mistake that vanishes there.
    rtol, atol : float
        Tolerances; the defaults are calcml's, defined once in this module. The
        numeric estimate's own error estimate is added to them.

    Returns
    -------
    GradCheck
        Truthy when the gradient is right.

    Examples
    --------
    The original lesson 5 wrote the sigmoid's derivative with a factor 2:

    >>> import numpy as np
    >>> sig = lambda z: 1 / (1 + np.exp(-z))
    >>> f = lambda z: np.sum(sig(z))
    >>> check_grad(f, lambda z: sig(z) * (1 - sig(z)), [0.3, -1.2]).ok
    True
    >>> bad = check_grad(f, lambda z: 2 * sig(z) * (1 - sig(z)), [0.3, -1.2])
    >>> bad.ok, bad.worst_index
    (False, (0,))
    """
    from .errors import DomainError
    from .finite_diff_nd import _numbers, numeric_gradient, numeric_jacobian

    x = np.atleast_1d(np.asarray(x, dtype=float))
    with np.errstate(all="ignore"):
        out = _numbers(f(x))  # _numbers: f and grad_f may be written with calcml.autodiff (Tensors)
    num = numeric_jacobian(f, x) if out.size > 1 else numeric_gradient(f, x)
    analytic = np.asarray(_numbers(grad_f(x)), dtype=float)
    if analytic.shape != num.value.shape:
        what = "Jacobian" if out.size > 1 else "gradient"
        raise DomainError(f"grad_f returned shape {analytic.shape}, but the {what} at this point has shape "
                          f"{num.value.shape}")
    if not num.ok:
        raise DomainError(f"cannot check here: the numeric derivative failed ({num.status.value}: {num.message}); "
                          "choose a point where f is smooth")
    scaled = np.abs(analytic - num.value) / np.maximum(np.abs(num.value), 1.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.nanargmax(np.where(np.isnan(scaled), np.inf, scaled))),
                                                   scaled.shape))
    good = np.abs(analytic - num.value) <= atol + rtol * np.abs(num.value) + 10 * num.error
    ok = bool(np.all(good))
    if ok:
        message = f"all {analytic.size} entries agree (largest scaled difference {float(np.max(scaled)):.1e})"
    else:
        message = (f"entry {worst} is off: yours {analytic[worst]!r}, numeric {num.value[worst]!r} "
                   f"(\u00b1{num.error[worst]:.1e}); {int(np.sum(~good))} of {analytic.size} entries disagree")
    return GradCheck(ok, analytic, num.value, num.error, float(np.nanmax(scaled)), worst, message)
