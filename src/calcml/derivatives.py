"""The three-lens front door: one input, answered symbolically, numerically and automatically.

This module only routes: text and SymPy input go to the symbolic lens
(:mod:`calcml.symbolic`) and, turned into functions, to the numeric lens
(:mod:`calcml.finite_diff`, :mod:`calcml.integrate`); Python callables go to
the numeric lens directly. No calculus is computed here.
"""

from __future__ import annotations

import numbers
from typing import Callable

from .errors import DomainError
from .expressions import _as_expr, to_function

__all__ = ["derivative", "antiderivative", "convergence_table", "as_function"]


def _is_expression(f) -> bool:
    if isinstance(f, str):
        return True
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover - SymPy is a dependency
        return False
    return isinstance(f, sp.Basic)


def as_function(f, var=None, backend: str = "numpy") -> Callable:
    """A Python function of one variable from a callable, text or a SymPy expression.

    Callables are returned unchanged. For expressions, `var` names the variable
    (default: the only free one; an expression with several needs `var`).
    """
    if callable(f) and not _is_expression(f):
        return f
    expr = _as_expr(f)
    var = _single_variable(expr, var)
    return to_function(expr, [var], backend=backend)


def _single_variable(expr, var):
    from .expressions import free_variables

    names = [s.name for s in free_variables(expr)]
    if var is not None:
        return var if isinstance(var, str) else var.name
    if len(names) > 1:
        raise DomainError(f"the expression has variables {', '.join(names)}; "
                          f"pass var=... (one of {', '.join(names)}), or use gradient() for all of them")
    return names[0] if names else "x"


def derivative(f, var=None, order: int = 1, *, at=None, method: str | None = None, h: float | None = None,
               time_limit: float = 5.0):
    """The derivative of `f`, symbolically (with steps) or numerically at a point.

    Parameters
    ----------
    f : str, sympy.Expr or callable
        The function. Text goes through calcml's safe parser.
    var : str, optional
        The variable to differentiate by; needed when `f` has several.
    order : int
        1 for f', 2 for f'', ...
    at : float, optional
        Without `at`, the symbolic lens answers (text or SymPy input only).
        With `at`, the numeric lens estimates the derivative at that point.
    method : {None, "forward", "backward", "central", "richardson", "complex"}
        Numeric method; None picks the best available (complex step when the
        function accepts complex input, else Richardson-extrapolated central
        differences).
    h : float, optional
        A fixed step for the finite-difference methods (default: chosen from
        the point's scale). Mostly for teaching: a fixed step is what goes
        wrong at large arguments.
    time_limit : float
        Seconds allowed for the symbolic work.

    Returns
    -------
    SymbolicDerivative
        When `at` is None: ``derivative``, ``latex`` and the rule-by-rule ``steps``.
    Estimate
        When `at` is given: ``value``, ``error`` (an estimate, not a bound),
        ``method``, ``status`` and ``evaluations``.

    Examples
    --------
    >>> derivative("x^3 - 2x^2 + 1").derivative
    3*x**2 - 4*x
    >>> import math
    >>> est = derivative("exp(x)", at=30.0)
    >>> est.status.name, abs(est.value - math.exp(30)) / math.exp(30) < 1e-14
    ('SUCCESS', True)
    >>> round(derivative(math.sin, at=1.0).value, 12), round(math.cos(1.0), 12)
    (0.540302305868, 0.540302305868)
    """
    if not isinstance(order, numbers.Integral) or isinstance(order, bool) or order < 1:
        raise DomainError(f"order must be a positive integer; got {order!r}")
    if at is None:
        if not _is_expression(f):
            raise DomainError("a Python function has no symbolic derivative; pass at=... for a numeric "
                              "estimate, or give the function as text such as 'x^3 - 2x^2 + 1'")
        from .symbolic import symbolic_derivative

        return symbolic_derivative(_as_expr(f), var, order, time_limit=time_limit)
    from .finite_diff import numeric_derivative

    # Text becomes a function that also accepts complex input, so the complex step can be used.
    fn = as_function(f, var, backend="complex" if method in (None, "complex") else "numpy")
    return numeric_derivative(fn, at, method=method, h=h, order=order)


def antiderivative(f, var=None, *, time_limit: float = 5.0):
    """An antiderivative F of `f` (without the + C), with steps, verified by differentiating.

    Examples
    --------
    >>> r = antiderivative("3x^2 - 4x")
    >>> r.antiderivative, r.verified
    (x**3 - 2*x**2, True)
    """
    if not _is_expression(f):
        raise DomainError("antiderivative needs the function as text or a SymPy expression; "
                          "for a Python function use calcml.integral(f, a, b) or cumulative_integral")
    from .symbolic import antiderivative as _antiderivative

    expr = _as_expr(f)
    return _antiderivative(expr, _symbol(expr, var), time_limit=time_limit)


def _symbol(expr, var):
    from .expressions import free_variables

    name = _single_variable(expr, var)
    for s in free_variables(expr):
        if s.name == name:
            return s
    import sympy as sp

    return sp.Symbol(name, real=True)


def convergence_table(f, a: float, b: float, var=None, *, exact=None, time_limit: float = 5.0, **kwargs):
    """How the Riemann, trapezoid and Simpson rules converge on ``∫_a^b f``.

    For text or SymPy input the exact value comes from the symbolic lens when
    SymPy finds one within `time_limit`; otherwise (and for callables) from a
    high-precision reference quadrature. See
    :func:`calcml.convergence.convergence_table` for the table itself.
    """
    from . import convergence

    if exact is None and _is_expression(f):
        from .symbolic import definite_integral

        expr = _as_expr(f)
        try:
            value = definite_integral(expr, _symbol(expr, var), a, b, time_limit=time_limit)
        except Exception:  # noqa: BLE001 - no exact value: fall back to the reference quadrature
            value = None
        if value is not None:
            try:
                exact = float(value)
            except (TypeError, ValueError):
                exact = None
            if exact is not None:
                table = convergence.convergence_table(as_function(f, var), a, b, exact=exact, **kwargs)
                return _with_source(table, "symbolic")
    return convergence.convergence_table(as_function(f, var), a, b, exact=exact, **kwargs)


def _with_source(table, source: str):
    import dataclasses

    return dataclasses.replace(table, exact_source=source)
