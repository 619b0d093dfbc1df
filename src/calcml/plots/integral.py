"""Figures for lesson 2: the running sum against the antiderivative, and convergence.

Both functions only draw results computed by :mod:`calcml.integrate`; no
integration happens here. matplotlib is imported inside the functions (through
:func:`calcml.plots.new_axes`) so importing this module stays cheap.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import DomainError

__all__ = ["plot_running_sum", "plot_convergence"]

# The orders of the rules, labelled as the lesson's caption names them: the error of a rule
# of order p falls like n**-p, a line of slope -p on log-log axes.
_REFERENCE_SLOPES = ((1, "Riemann"), (2, "midpoint, trapezoid"), (4, "Simpson"))


def _evaluate(F: Callable, x: np.ndarray) -> np.ndarray:
    """F at every x: one vectorised call, else one call per point."""
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(F(x), dtype=float)
        except Exception:  # a scalar-only function such as math.sin
            y = None
        if y is None or y.shape != x.shape:
            y = np.array([float(np.asarray(F(float(t))).reshape(())) for t in x])
    return y


def plot_running_sum(cumulative, antiderivative: Callable, ax=None, shift: bool = True):
    """Lesson 2's figure: the running sum of f next to an antiderivative F.

    Any two antiderivatives differ by a constant, so F is drawn as
    ``F(x) - F(a)`` (``shift=True``): it then starts at 0 at ``x = a`` like the
    running sum, and the two curves coincide up to the rule's error (O(dx) for
    the course's ``"left"`` sum, O(dx**2) for ``"trapezoid"``).

    Parameters
    ----------
    cumulative : calcml.integrate.CumulativeIntegral
        From :func:`calcml.integrate.cumulative_integral`.
    antiderivative : callable
        F with F' = f, vectorised if possible.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    shift : bool
        Subtract F(a) (default). With False, F is drawn as is and sits a
        constant away from the running sum.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    DomainError
        `antiderivative` not callable, or F(a) not finite while ``shift=True``.

    Examples
    --------
    >>> from calcml.integrate import cumulative_integral
    >>> run = cumulative_integral(lambda x: 2 * x, -10, 10, 0.1)
    >>> ax = plot_running_sum(run, lambda x: x**2)
    >>> [line.get_label() for line in ax.get_lines()]
    ['running sum (trapezoid, dx=0.1)', 'F(x) - F(a)']
    """
    from . import new_axes

    if not callable(antiderivative):
        raise DomainError(f"antiderivative must be a callable F with F' = f, got {type(antiderivative).__name__}")
    x = np.asarray(cumulative.x, dtype=float)
    a = float(x[0])
    # F is smooth, so draw it on a fine grid over the same span.
    xs = np.linspace(a, float(x[-1]), max(x.size, 400))
    Fx = _evaluate(antiderivative, xs)
    label = "F(x)"
    if shift:
        Fa = float(_evaluate(antiderivative, np.array([a]))[0])
        if not np.isfinite(Fa):
            raise DomainError(f"F(a) = {Fa} at a={a!r} is not finite, so F cannot be shifted; "
                              "pass shift=False or start the grid elsewhere")
        Fx = Fx - Fa
        label = "F(x) - F(a)"
    if ax is None:
        ax = new_axes()
    ax.plot(x, cumulative.F, lw=2.5, alpha=0.6, label=f"running sum ({cumulative.method}, dx={cumulative.dx:g})")
    ax.plot(xs, Fx, "--", lw=1.5, color="black", label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("area from a to x")
    ax.set_title("Running sum of f and its antiderivative")
    ax.legend()
    return ax


def plot_convergence(table, ax=None):
    """Log-log plot of |error| against n for each rule, with slopes 1, 2 and 4.

    A rule of order p draws a line parallel to the reference of slope -p once
    n is large enough; a flatter line means the integrand is not smooth enough
    for that order (sqrt near 0), a floor means round-off.

    Parameters
    ----------
    table : calcml.convergence.ConvergenceTable
        From :func:`calcml.convergence.convergence_table`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np
    >>> from calcml.convergence import convergence_table
    >>> ax = plot_convergence(convergence_table(np.exp, 0, 1, methods=("left", "simpson")))
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    from . import new_axes

    if ax is None:
        ax = new_axes()
    shown = []
    for method in table.methods:
        rows = [r for r in table.rows if r.method == method]
        n = np.array([r.n for r in rows], dtype=float)
        err = np.array([r.error for r in rows], dtype=float)
        keep = err > 0  # an exact 0 has no place on a log axis
        if not keep.any():
            ax.plot([], [], "o-", label=f"{method} (exact at every n)")
            continue
        order = table.observed_order(method)
        suffix = f", order {order:.2f}" if order is not None else ""
        ax.loglog(n[keep], err[keep], "o-", ms=4, label=f"{method}{suffix}")
        shown.append((n[keep], err[keep]))
    if shown:
        # Reference lines C n^-p start just above the largest error at the
        # smallest n, so each rule's line can be compared by eye with its
        # nominal slope without hiding under the data.
        n0 = min(ns[0] for ns, _ in shown)
        n1 = max(ns[-1] for ns, _ in shown)
        e0 = 3 * max(es[0] for ns, es in shown if ns[0] == n0)
        lo = min(es.min() for _, es in shown)
        hi = max(es.max() for _, es in shown)
        nn = np.array([n0, n1])
        for (p, rules), style in zip(_REFERENCE_SLOPES, (":", "-.", "--")):
            ax.loglog(nn, e0 * (nn / n0) ** -p, style, color="gray", lw=1, label=f"slope -{p} ({rules})")
        ax.set_ylim(lo / 10, hi * 10)  # the reference lines must not dwarf the data
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (subintervals)")
    ax.set_ylabel("|error|")
    ax.set_title(f"Convergence of the fixed rules (exact value: {table.exact_source})")
    ax.legend(fontsize="small")
    return ax
