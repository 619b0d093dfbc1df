"""The Day 39 practice set, answered with calcml's own API.

The three functions keep the practice set's names and meaning, so its checks
still apply, but each is built on calcml: the symbolic lens for the
derivatives, and the numeric lens, with error control, for the gradient.

>>> poly, d = symbolic_derivative()
>>> d
3*x**2 - 4*x
>>> g = numerical_gradient()
>>> bool(abs(g[0] - 12) < 1e-9 and abs(g[1] - 31) < 1e-9)
True
"""

from __future__ import annotations

import numpy as np

__all__ = ["symbolic_derivative", "numerical_gradient", "chain_rule_derivative", "forward_difference_gradient"]


def _f(x, y):
    # f(x, y) = x^2 y + y^3
    return x**2 * y + y**3


def symbolic_derivative():
    """The polynomial x^3 - 2x^2 + 5 and its derivative, as SymPy expressions."""
    from .. import derivative, parse

    poly = parse("x^3 - 2x^2 + 5")
    return poly, derivative(poly).derivative


def numerical_gradient(x_val: float = 2.0, y_val: float = 3.0, step: float | None = None) -> np.ndarray:
    """The gradient of f(x, y) = x^2 y + y^3 at (x_val, y_val), estimated numerically.

    Each partial derivative is calcml's numeric derivative along one coordinate:
    by default the best method available (here the complex step, exact to
    rounding); with `step`, central differences with that fixed step.
    Compare the practice set's forward difference with step 1e-6, which is off
    by about 1e-5.

    Returns
    -------
    numpy.ndarray
        ``[df/dx, df/dy]``; exactly ``(2xy, x^2 + 3y^2) = (12, 31)`` at (2, 3).
    """
    from .. import derivative
    from ..errors import ComputationError

    method = None if step is None else "central"
    parts = (
        derivative(lambda t: _f(t, y_val), at=float(x_val), method=method, h=step),
        derivative(lambda t: _f(x_val, t), at=float(y_val), method=method, h=step),
    )
    for name, est in zip(("df/dx", "df/dy"), parts):
        if step is None and not est.ok:
            raise ComputationError(f"{name} could not be estimated: {est.message or est.status.value}")
    return np.array([parts[0].value, parts[1].value], dtype=float)


def forward_difference_gradient(x_val: float = 2.0, y_val: float = 3.0, step: float = 1e-6) -> np.ndarray:
    """The practice set's own estimate, a forward difference with a fixed step, for comparison."""
    from .. import derivative

    return np.array([
        derivative(lambda t: _f(t, y_val), at=float(x_val), method="forward", h=step).value,
        derivative(lambda t: _f(x_val, t), at=float(y_val), method="forward", h=step).value,
    ], dtype=float)


def chain_rule_derivative():
    """y = (2x + 1)^2 expanded, and its derivative expanded: (4x^2 + 4x + 1, 8x + 4)."""
    import sympy as sp

    from .. import derivative, parse

    y = parse("(2x + 1)^2")
    return sp.expand(y), sp.expand(derivative(y).derivative)
