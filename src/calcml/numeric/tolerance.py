"""The one meaning of ``Status.SUCCESS``: a checked error estimate within the tolerance asked for.

Every approximation in calcml (numeric derivatives, integrals, numeric gradients)
takes ``rtol`` and ``atol``, with the defaults of :data:`calcml.testing.DEFAULT_RTOL`
and :data:`calcml.testing.DEFAULT_ATOL`, and calls :meth:`Tolerance.met` to decide
SUCCESS. A value that misses the tolerance is still returned, with
``NOT_CONVERGED`` and its error estimate, so an inaccurate rule can be shown honestly.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from ..errors import DomainError
from ..testing import DEFAULT_ATOL, DEFAULT_RTOL

__all__ = ["Tolerance", "tolerance"]


class Tolerance(NamedTuple):
    """``rtol`` and ``atol`` as asked for: a value passes when ``error <= atol + rtol * |value|``."""

    rtol: float
    atol: float

    def bound(self, value: float) -> float:
        """The largest error allowed for `value`."""
        return self.atol + self.rtol * abs(value)

    def met(self, error: float, value: float, floor: float = 0.0) -> bool:
        """True when `value` is finite and its error estimate is within the tolerance.

        `floor` is the rounding level of the computation itself (f's last digits):
        an error below it is as good as double precision allows, so it passes too.
        """
        if not (math.isfinite(value) and error == error):
            return False
        return error <= self.atol + self.rtol * abs(value) or error <= floor

    def describe(self) -> str:
        parts = [f"rtol={self.rtol:g}"] + ([f"atol={self.atol:g}"] if self.atol else [])
        return ", ".join(parts)


def tolerance(rtol: float | None = None, atol: float | None = None) -> Tolerance:
    """Validate ``rtol`` and ``atol`` (None means calcml's default) into a :class:`Tolerance`.

    Raises
    ------
    DomainError
        A tolerance that is not a finite number >= 0, or both zero.
    """
    if rtol is None and atol is None:
        return _DEFAULT  # the common case, on the hot path of every numeric derivative
    values = []
    for name, v, default in (("rtol", rtol, DEFAULT_RTOL), ("atol", atol, DEFAULT_ATOL)):
        if v is None:
            v = default
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.floating, np.integer)) \
                or not (math.isfinite(float(v)) and float(v) >= 0):
            raise DomainError(f"{name} must be a finite number >= 0 (e.g. {default:g}, the default); got {v!r}")
        values.append(float(v))
    if values == [0.0, 0.0]:
        raise DomainError("rtol=0 with atol=0 is a tolerance no estimate can meet; "
                          f"give a positive one (rtol={DEFAULT_RTOL:g} is the default)")
    return Tolerance(*values)


_DEFAULT = Tolerance(DEFAULT_RTOL, DEFAULT_ATOL)
