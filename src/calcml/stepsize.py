"""The step-size study: why a finite difference with a fixed step can go badly wrong.

The error of a difference quotient is truncation (shrinking with h: ~h for the
forward quotient, ~h^2 for the central one) plus round-off (growing as h
shrinks: ~eps |f| / h). Plotted against h on log axes it is a V; its bottom is
the best step, and it moves with the scale of x and f. This is calcml's answer
to the course reader whose numeric derivative of e^x "blew up" at large x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import DomainError
from .numeric import numeric_derivative
from .numeric.evaluation import Evaluator, check_point
from .numeric.schemes import difference_quotient

__all__ = ["step_size_study", "StepSizeStudy"]


@dataclass(frozen=True)
class StepSizeStudy:
    """How the error of the forward and central quotients depends on the step h.

    Attributes
    ----------
    x0 : float
        The point.
    h : numpy.ndarray
        The steps, largest first (default 1e-1 down to 1e-15, two per decade).
    forward_error, central_error : numpy.ndarray
        The error of ``(f(x0+h) - f(x0))/h`` and ``(f(x0+h) - f(x0-h))/2h`` at
        each h, exactly as a reader would type them (no step rounding tricks):
        *relative* to ``|exact|`` when `relative` is True (``exact != 0``),
        absolute otherwise. NaN where f failed at a stencil point.
    exact : float
        The reference derivative: the value given, else calcml's best
        :func:`numeric_derivative`.
    best_h_forward, best_h_central : float
        The bottom of each V: the step of the grid where the *fitted* error
        curve ``C h**p + R/h`` (p = 1 forward, 2 central) is lowest. The raw
        errors on the round-off side are noise (a lucky cancellation can make
        one tiny step look excellent), so the raw minimum is not a reliable
        best step; the fit follows the trend of the whole curve.
    relative : bool
        Whether the errors are relative (True unless ``exact == 0``).
    lowest_h_forward, lowest_h_central : float
        The steps with the smallest *measured* error (noisy; see above).
    """

    x0: float
    h: np.ndarray
    forward_error: np.ndarray
    central_error: np.ndarray
    exact: float
    best_h_forward: float
    best_h_central: float
    relative: bool = True
    lowest_h_forward: float = math.nan
    lowest_h_central: float = math.nan

    def explanation(self) -> str:
        """A few sentences on why the error curve is a V, with this study's numbers."""
        kind = "relative" if self.relative else "absolute"
        ef = float(np.nanmin(self.forward_error)) if np.isfinite(self.forward_error).any() else math.nan
        ec = float(np.nanmin(self.central_error)) if np.isfinite(self.central_error).any() else math.nan
        return (
            f"Two errors pull the step h in opposite directions. Truncation: the quotient is a "
            f"straight-line slope, off by about h|f''|/2 for the forward difference and h^2|f'''|/6 for "
            f"the central one, so it shrinks as h shrinks (slope 1 and 2 on the log-log plot). "
            f"Round-off: f(x0+h) and f(x0) carry errors of about eps|f| (eps = 2.2e-16) and their "
            f"difference is divided by h, so this part grows like eps|f|/h (slope -1); below the "
            f"spacing of floats near x0, x0 + h is not even x0 plus h. Their sum is a V. Below its bottom "
            f"the measured errors scatter (a lucky cancellation can make one tiny step look excellent: "
            f"here the smallest measured forward error is at h = {self.lowest_h_forward:.1e}), so the best "
            f"step is read from the V fitted to the whole curve, C h^p + R/h. Here the forward difference "
            f"is best near h = {self.best_h_forward:.1e} (lowest measured {kind} error {ef:.1e}), "
            f"about sqrt(eps) times the length over which f changes, and the central difference near "
            f"h = {self.best_h_central:.1e} (lowest measured {kind} error {ec:.1e}), about eps^(1/3) times it: a larger "
            f"step and a smaller error. "
            f"A step smaller than the bottom of the V makes the answer worse, not better; a fixed h "
            f"ignores the scale of x0 and of f. Judge an error relative to |f'(x0)| (where f' is huge, "
            f"as for e^x at x = 30, a small relative error is a large absolute one), let the step "
            f"follow x0, or avoid the trade-off: Richardson extrapolation or the complex step."
        )


def step_size_study(f, x0, exact: float | None = None, hs=None) -> StepSizeStudy:
    """The error of the forward and central quotients of f at x0 across steps h: the V-shaped curve.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    x0 : float
        The point.
    exact : float, optional
        The true f'(x0). Default: calcml's best :func:`numeric_derivative`
        (which must succeed).
    hs : array_like, optional
        Positive steps; default ``10**-1 ... 10**-15``, two per decade.

    Returns
    -------
    StepSizeStudy
        Errors are relative to |exact| (absolute when exact is 0).

    Raises
    ------
    DomainError
        Bad `x0` or `hs`, or f not callable.
    ComputationError
        No `exact` given and calcml's own estimate did not succeed.

    Examples
    --------
    A reader's numeric derivative of e^x "blew up" at x = 30. With the course's
    fixed step h = 1e-4 the absolute error is huge, yet the *relative* error is
    5e-5 at x = 30 exactly as at x = 0 (truncation, h/2 for e^x). What does
    blow up is a fixed tiny step: near 30 the floats are 3.6e-15 apart, so
    x + 1e-13 is not x plus 1e-13. A step scaled to x does not have that
    problem:

    >>> import math
    >>> x, exact = 30.0, math.exp(30.0)
    >>> forward = lambda h: (math.exp(x + h) - math.exp(x)) / h
    >>> rel = lambda v: abs(v - exact) / exact
    >>> f"{abs(forward(1e-4) - exact):.1e}", f"{rel(forward(1e-4)):.1e}"  # absolute, relative
    ('5.3e+08', '5.0e-05')
    >>> f"{rel(forward(1e-13)):.0e}"  # fixed tiny step: the rounding of x + h dominates
    '6e-03'
    >>> f"{rel(forward(1.5e-8 * x)):.0e}"  # h = sqrt(eps) * |x|
    '2e-07'
    >>> study = step_size_study(math.exp, x, exact=exact)
    >>> study.best_h_forward < study.best_h_central  # the central V bottoms out at a larger h
    True
    >>> f"{numeric_derivative(math.exp, x).value / exact - 1:.0e}"  # calcml's default: Richardson
    '2e-14'
    """
    if not callable(f):
        raise DomainError(f"f must be a function of one float (a callable); got {type(f).__name__}")
    x0 = check_point(x0)
    if hs is None:
        hs = 10.0 ** (-np.arange(2, 31) / 2.0)
    hs = np.asarray(hs, dtype=float)
    if hs.ndim != 1 or hs.size == 0 or not np.all(np.isfinite(hs) & (hs > 0)):
        raise DomainError("hs must be a non-empty 1-d array of positive finite steps, e.g. numpy.logspace(-1, -15, 29)")
    hs = np.sort(hs)[::-1]
    if exact is None:
        est = numeric_derivative(f, x0)
        if not est.ok:
            from .errors import ComputationError

            raise ComputationError(f"no reference derivative at x0 = {x0:g}: calcml's estimate says "
                                   f"{est.status.value} ({est.message}); pass exact=...")
        exact = float(est.value)
    exact = float(exact)
    ev = Evaluator(f)
    fwd = np.full(hs.shape, np.nan)
    cen = np.full(hs.shape, np.nan)
    with np.errstate(all="ignore"):
        for k, step in enumerate(hs):  # the course's quotients, nominal h, no rounding tricks
            fwd[k] = difference_quotient(ev.real, x0, step, "forward")
            cen[k] = difference_quotient(ev.real, x0, step, "central")
        relative = exact != 0
        scale = abs(exact) if relative else 1.0
        fwd = np.abs(fwd - exact) / scale
        cen = np.abs(cen - exact) / scale

    def lowest(err):
        return float(hs[np.nanargmin(err)]) if np.isfinite(err).any() else math.nan

    return StepSizeStudy(x0, hs, fwd, cen, exact, _fitted_best(hs, fwd, 1), _fitted_best(hs, cen, 2),
                         bool(relative), lowest(fwd), lowest(cen))


def _fitted_best(hs: np.ndarray, err: np.ndarray, order: int) -> float:
    """The grid step at the bottom of the error model ``C h**order + R/h`` fitted to `err`.

    The model is the one the explanation gives (truncation plus round-off).
    It is fitted to log(err) with a robust loss (soft L1), so that the
    round-off side's scatter, including lucky near-zero errors, moves it
    little. Its minimum is at ``h* = (R / (order C))**(1/(order+1))``; the
    answer is the grid step nearest to h* in log scale. Points with an error
    of 50% or more (h below the spacing of floats near x0, where the quotient
    is 0 or garbage) and exact zeros are left out. With fewer than three
    usable points, or a fit that fails, the raw minimum is returned.
    """
    from scipy.optimize import least_squares

    keep = np.isfinite(err) & (err > 0) & (err < 0.5)
    if not np.isfinite(err).any():
        return math.nan
    raw = float(hs[np.nanargmin(err)])
    if keep.sum() < 3:
        return raw
    h, e = hs[keep], err[keep]
    logh, loge = np.log(h), np.log(e)

    def residual(t):  # t = (log C, log R): the model in log space, positive by construction
        return np.logaddexp(t[0] + order * logh, t[1] - logh) - loge

    start = [loge[0] - order * logh[0], loge[-1] + logh[-1]]  # truncation at the largest h, round-off at the smallest
    fit = least_squares(residual, start, loss="soft_l1", f_scale=0.5)
    if not (fit.success and np.all(np.isfinite(fit.x))):
        return raw
    log_hstar = (fit.x[1] - fit.x[0] - math.log(order)) / (order + 1)
    return float(hs[np.argmin(np.abs(np.log(hs) - log_hstar))])
