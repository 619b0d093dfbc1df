"""Calling f honestly: count the calls, turn exceptions and odd return types into data.

Shared by every numeric-derivative method. Exceptions raised by f are data here
(the status says so), not errors of calcml.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import DomainError

__all__ = ["EPS", "Evaluator", "as_real", "describe", "pow2_floor", "check_point"]

EPS = 2.0**-52  # the spacing of floats near 1 (numpy.finfo(float).eps)
_TINY_X = 1e-310  # a |x0| below this is treated as 0 for scaling steps (h ~ |x0| would underflow)
_TINY_F = 5e-324  # the spacing of floats at 0: the round-off floor of a value that underflowed


class Evaluator:
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
        return as_real(y)

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


def as_real(y) -> float:
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


def describe(exc: BaseException | None) -> str:
    return f"{type(exc).__name__}: {exc}" if exc is not None else ""


def pow2_floor(x: float) -> float:
    """The largest power of two not above x > 0."""
    return math.ldexp(0.5, math.frexp(x)[1])


def check_point(x0) -> float:
    if isinstance(x0, np.ndarray) and x0.ndim == 0:
        x0 = x0[()]
    if isinstance(x0, bool) or not isinstance(x0, (numbers.Real, np.floating, np.integer)):
        raise DomainError(f"x0 must be a real number; got {type(x0).__name__}. numeric_derivative "
                          "differentiates a function of one real variable at one point")
    x0 = float(x0)
    if not math.isfinite(x0):
        raise DomainError(f"x0 must be finite; got {x0}. A derivative at infinity is a limit, not a point")
    return x0
