"""Checking derivatives against each other, with tolerances defined once.

These tolerances are used everywhere calcml says two answers *agree*: the
three lenses in the CLI and the lessons, the exercise grader for numeric
answers, the project's own tests, and :func:`check_grad` on your code.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RTOL", "ATOL", "agree", "max_discrepancy"]

#: Relative tolerance for two derivative values to agree. Finite differences
#: with Richardson extrapolation reach ~1e-10 relative on smooth functions, so
#: 1e-7 leaves room for hard cases without letting real mistakes through
#: (a wrong rule is typically off by O(1)).
RTOL = 1e-7
#: Absolute tolerance, for values that should be zero.
ATOL = 1e-9


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
