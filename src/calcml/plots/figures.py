"""The course's figures, assembled from math text: shared by the lessons and the CLI.

The drawing functions in :mod:`.derivative`, :mod:`.integral` and :mod:`.gradient`
take values; these functions take an expression, ask the library for what the
figure shows (the derivative's or antiderivative's function, a running
integral, a gradient field) and draw it with those functions. No calculus is
done here: every number comes from ``calcml.expressions.to_function`` or
``calcml.integrate``.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

__all__ = ["rate_vs_rule_figure", "running_sum_figure", "gradient_field_figure"]


def rate_vs_rule_figure(expression, derivative, variable: str = "x", x=None, label: Optional[str] = None):
    """Lesson 1: f, and f' by the rate of change next to f' by the rules.

    Parameters
    ----------
    expression, derivative : sympy.Expr
        f and its derivative by the rules (e.g. ``calcml.derivative(text)``'s
        ``expression`` and ``derivative``).
    variable : str
        The variable of both.
    x : array of shape (n,), optional
        Where to draw; default 501 points on [-10, 10].
    label : str, optional
        The title of f's panel (default ``"f(x) = <expression>"``, written as
        the lessons write math text: ``x^3 - 2x^2 + 1``, not ``x**3 - 2*x**2 + 1``).

    Returns
    -------
    (Axes, Axes)
        The two Axes of :func:`calcml.plots.derivative.plot_rate_vs_rule`.

    Examples
    --------
    >>> import numpy as np, calcml
    >>> sd = calcml.derivative("x^3 - 2x^2 + 1")
    >>> left, right = rate_vs_rule_figure(sd.expression, sd.derivative, "x", np.array([-1.0, 0.0, 2.0]))
    >>> rule = right.get_lines()[-1]                       # f' by the rules, as drawn
    >>> rule.get_ydata().tolist(), [3 * t**2 - 4 * t for t in (-1.0, 0.0, 2.0)]   # next to 3x^2 - 4x
    ([7.0, 0.0, 4.0], [7.0, 0.0, 4.0])
    """
    from ..expressions import to_function
    from .derivative import plot_rate_vs_rule

    f = to_function(expression, [variable])
    df = to_function(derivative, [variable])
    x = np.linspace(-10, 10, 501) if x is None else np.asarray(x, dtype=float)
    return plot_rate_vs_rule(f, df, x, label=f"f({variable}) = {_math_text(expression)}" if label is None else label)


def _math_text(expression) -> str:
    """An expression as the lessons write math text: ``^`` for powers, ``2x`` for 2*x.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> _math_text(x**3 - 2 * x**2 + 1), _math_text(sympy.sin(3 * x) * x), _math_text("x^2 + y^3")
    ('x^3 - 2x^2 + 1', 'x*sin(3x)', 'x^2 + y^3')
    """
    import re

    text = str(expression).replace("**", "^")
    return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=[A-Za-z(])", r"\1", text)  # 2*x -> 2x, never 12*3


def running_sum_figure(expression, antiderivative, variable: str = "x", a: float = -10.0, b: float = 10.0,
                       steps: int = 200, ax=None):
    """Lesson 2: the running sum of f from `a` next to an antiderivative F, shifted to coincide.

    Parameters
    ----------
    expression, antiderivative : sympy.Expr
        f and F (e.g. ``calcml.antiderivative(text)``'s ``expression`` and ``antiderivative``).
    variable : str
        Their variable.
    a, b : float
        The interval, finite, ``a < b``.
    steps : int
        Number of running-sum steps (dx = (b - a) / steps), cumulative trapezoid.

    Returns
    -------
    Axes

    Raises
    ------
    DomainError
        When `a` or `b` is not finite or ``a >= b`` (from ``cumulative_integral``).

    Examples
    --------
    >>> import calcml
    >>> anti = calcml.antiderivative("3x^2 - 4x")
    >>> ax = running_sum_figure(anti.expression, anti.antiderivative, "x", 0.0, 3.0)
    >>> running = ax.get_lines()[0].get_ydata()           # the running sum from 0 to x
    >>> round(float(running[-1]), 3), 3.0**3 - 2 * 3.0**2   # next to F(3) - F(0)
    (9.0, 9.0)
    """
    from ..expressions import to_function
    from ..integrate import cumulative_integral
    from .integral import plot_running_sum

    f = to_function(expression, [variable])
    F = to_function(antiderivative, [variable])
    cum = cumulative_integral(f, a, b, (b - a) / steps)
    return plot_running_sum(cum, F, ax=ax)


def gradient_field_figure(expression, gradient: Sequence, variables: Sequence[str], point=None,
                          half_width: float = 5.0, ax=None, title: Optional[str] = None):
    """Lesson 3: contours of f(x, y) and its gradient field, with the gradient at `point`.

    Parameters
    ----------
    expression : sympy.Expr or str
        f, a function of the two `variables`.
    gradient : sequence of 2 sympy.Expr
        Its gradient by the rules (``calcml.gradient(f).expressions``).
    variables : sequence of 2 str
        The order of the axes: (horizontal, vertical).
    point : sequence of 2 float, optional
        Where to mark the gradient; the view is centred on it (±`half_width`),
        else it is [-10, 10]².
    title : str, optional
        Default ``∇(expression)``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import calcml
    >>> g = calcml.gradient("x^2 + y^3")
    >>> ax = gradient_field_figure("x^2 + y^3", g.expressions, ["x", "y"], point=(2, 3))
    >>> ax.get_title(), ax.get_xlim() == (-3.0, 7.0)
    ('∇(x^2 + y^3)', True)
    """
    from ..expressions import to_function
    from .gradient import plot_gradient_field

    names = list(variables)
    f = to_function(expression, names)
    gx, gy = (to_function(e, names) for e in gradient)
    if point is not None:
        pt = tuple(float(c) for c in point)
        xlim, ylim = (pt[0] - half_width, pt[0] + half_width), (pt[1] - half_width, pt[1] + half_width)
    else:
        pt, xlim, ylim = None, (-10, 10), (-10, 10)
    return plot_gradient_field(f, lambda X, Y: (gx(X, Y), gy(X, Y)), xlim=xlim, ylim=ylim, ax=ax,
                               title=f"\u2207({_math_text(expression)})" if title is None else title, point=pt,
                               point_gradient=None if pt is None else (gx(*pt), gy(*pt)))
