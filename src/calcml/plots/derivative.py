"""Figures for lesson 1: the rate of change against the rules, and the step-size V.

Both functions only draw what :mod:`calcml.numeric` computes (plus the
course's own one-line forward difference, drawn as the course drew it).
matplotlib is imported inside the functions, through :func:`calcml.plots.new_axes`.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..errors import DomainError

__all__ = ["plot_step_size_study", "plot_rate_vs_rule"]

COURSE_H = 1e-4  # the step lesson 1 uses for its rate of change


def _values(F: Callable, x: np.ndarray) -> np.ndarray:
    """F at every x: one vectorised call when F allows it, else one call per point."""
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(F(x), dtype=float)
        except Exception:  # noqa: BLE001 - a scalar-only function such as math.sin
            y = None
        if y is None or y.shape != x.shape:
            out = []
            for t in x:
                try:
                    out.append(float(np.asarray(F(float(t)), dtype=float).reshape(())))
                except (ArithmeticError, ValueError):  # outside F's domain: a gap in the curve
                    out.append(math.nan)
            y = np.array(out)
    return y


def plot_step_size_study(study, ax=None):
    """Log-log error against step h for the forward and central quotients: the V.

    The falling side is truncation error (slope 1 for forward, 2 for central),
    the rising side round-off (slope -1); dotted reference lines show those
    slopes and a marker sits at each best h.

    Parameters
    ----------
    study : calcml.stepsize.StepSizeStudy
        From :func:`calcml.stepsize.step_size_study`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import math
    >>> from calcml.stepsize import step_size_study
    >>> ax = plot_step_size_study(step_size_study(math.exp, 1.0, exact=math.e))
    >>> ax.get_xscale(), ax.get_yscale(), ax.get_lines()[0].get_label()
    ('log', 'log', 'forward (f(x+h) - f(x))/h')
    """
    from . import new_axes

    if ax is None:
        ax = new_axes()
    h = np.asarray(study.h, dtype=float)
    kind = "relative" if study.relative else "absolute"
    curves = (("forward (f(x+h) - f(x))/h", study.forward_error, study.best_h_forward, "tab:red", 1),
              ("central (f(x+h) - f(x-h))/2h", study.central_error, study.best_h_central, "tab:blue", 2))
    drawn = []
    for label, err, best_h, color, order in curves:
        err = np.asarray(err, dtype=float)
        keep = np.isfinite(err) & (err > 0)  # an exact 0 has no place on a log axis
        ax.loglog(h[keep], err[keep], "o-", ms=3.5, color=color, label=label)
        if keep.any():
            drawn.append(err[keep])
            # The star sits at the study's best h (the bottom of its fitted V, robust to
            # the round-off side's scatter), on the error measured there.
            at = int(np.argmin(np.abs(np.log(h) - math.log(best_h)))) if math.isfinite(best_h) \
                else int(np.nanargmin(np.where(keep, err, np.nan)))
            ax.loglog([h[at]], [err[at]], "*", ms=14, color=color, markeredgecolor="black",
                      label=f"best h = {best_h:.0e}, bottom of the fitted V ({kind} error {err[at]:.1e})")
            # Truncation reference C h**order, a little above the error at the largest h
            # so that it shows beside the data rather than under it.
            first = int(np.argmax(keep))
            hh = np.array([h[first], h[at]])
            ax.loglog(hh, 3 * err[first] * (hh / h[first]) ** order, ":", color=color, lw=1.2,
                      label=f"slope {order} (truncation)")
    if drawn:
        # Round-off reference C / h through the error at the smallest h.
        last = np.isfinite(study.forward_error) & (np.asarray(study.forward_error) > 0)
        if last.any():
            k = int(np.nonzero(last)[0][-1])
            hh = np.array([h[k], h[k] * 1e6])
            ax.loglog(hh, 3 * study.forward_error[k] * h[k] / hh, "--", color="gray", lw=1,
                      label="slope -1 (round-off)")
        lo = min(e.min() for e in drawn)
        hi = max(e.max() for e in drawn)
        ax.set_ylim(lo / 10, hi * 10)
    ax.set_xlabel("step h")
    ax.set_ylabel(f"{kind} error of f'(x0)")
    ax.set_title(f"Step size against error at x0 = {study.x0:g}")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside: the V fills the axes
    return ax


def plot_rate_vs_rule(f: Callable, df_rule: Callable, x, ax=None, label: str = "f", h: float | None = None):
    """Lesson 1's figure: f on the left; on the right f' by the rate of change next to f' by the rules.

    The rate of change is the course's forward difference ``(f(x+h) - f(x))/h``
    (``h = 1e-4`` as in the course), drawn together with calcml's numeric
    derivative (:func:`~calcml.numeric.numeric_derivative`) at each x (points
    where it finds no derivative, such as a kink, are left out) and f' by the
    rules. The legend speaks the lesson's words: "rate of change, h = ...",
    "calcml's numeric derivative", "by the rules".

    Parameters
    ----------
    f : callable
        The function, vectorised if possible.
    df_rule : callable
        f' by the rules of differentiation, vectorised if possible.
    x : array_like
        Points to draw at (1-d, at least two, finite).
    ax : pair of matplotlib.axes.Axes, optional
        The two panels; a new figure with two side-by-side panels when omitted.
    label : str
        The left panel's title, e.g. ``"f(x) = x^2"`` (a bare name ``"g"`` becomes ``"y = g(x)"``).
    h : float, optional
        The step of the rate of change; default 1e-4.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        The left (f) and right (f') panels.

    Raises
    ------
    DomainError
        f or df_rule not callable, a bad x or h, or ax not a pair.

    Examples
    --------
    >>> import numpy as np
    >>> left, right = plot_rate_vs_rule(lambda x: x**2, lambda x: 2 * x, np.linspace(-10, 10, 201))
    >>> [line.get_label() for line in right.get_lines()]
    ['rate of change, h = 0.0001', "calcml's numeric derivative", 'by the rules']
    >>> rule = right.get_lines()[-1]
    >>> float(rule.get_ydata()[150]), 2 * float(np.linspace(-10, 10, 201)[150])  # f'(5) drawn, next to 2x
    (10.0, 10.0)
    """
    from . import new_axes
    from ..numeric import difference_quotient, numeric_derivative
    from ..results import Status

    for name, fn in (("f", f), ("df_rule", df_rule)):
        if not callable(fn):
            raise DomainError(f"{name} must be a callable; got {type(fn).__name__}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise DomainError("x must be a 1-d array of at least two finite points, e.g. numpy.linspace(-10, 10, 401)")
    h = COURSE_H if h is None else h
    if isinstance(h, bool) or not (isinstance(h, (int, float, np.floating)) and math.isfinite(h) and h > 0):
        raise DomainError(f"h must be a positive finite step, such as 1e-4; got {h!r}")
    if ax is None:
        left, right = new_axes(2, figsize=(12, 5))
    else:
        try:
            left, right = ax
        except (TypeError, ValueError):
            raise DomainError("ax must be a pair of Axes (left for f, right for f'); "
                              "leave it out to get a new figure") from None
    y = _values(f, x)
    rate = difference_quotient(lambda t: _values(f, t), x, h)  # the course's rate of change
    estimates = [numeric_derivative(f, float(t)) for t in x]
    # A value that missed its tolerance (a zero derivative has no relative accuracy)
    # is still drawn; a point with no derivative at all (a kink, a pole) is left out.
    calc = np.array([e.value if e.status in (Status.SUCCESS, Status.NOT_CONVERGED) else np.nan for e in estimates],
                    dtype=float)
    rule = _values(df_rule, x)

    left.plot(x, y, color="tab:green")
    left.set_title(label if "=" in label else f"y = {label}(x)")
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    right.plot(x, rate, color="red", alpha=0.5, lw=3, label=f"rate of change, h = {h:g}")
    right.plot(x, calc, ":", color="black", lw=1.5, label="calcml's numeric derivative")
    right.plot(x, rule, color="blue", alpha=0.6, lw=1.5, label="by the rules")
    right.set_title("f'(x) by the rate of change and by the rules")
    right.set_xlabel("x")
    right.set_ylabel("f'(x)")
    right.legend()
    return left, right
