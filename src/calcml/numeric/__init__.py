"""Numeric derivatives of a function of one variable, one concept per module.

Three ideas, from the course's to the best, and the diagnosis that keeps them honest:

* :mod:`~calcml.numeric.schemes` -- difference quotients (``"forward"``,
  ``"backward"``, ``"central"``): the rate of change of lesson 1, written once in
  :func:`difference_quotient`, and the same quotient at a step scaled to x0;
* :mod:`~calcml.numeric.richardson` -- central differences at shrinking steps,
  extrapolated to h = 0 (``"richardson"``, the default for real-only f);
* :mod:`~calcml.numeric.complex_step` -- ``Im f(x + ih) / h`` (``"complex"``),
  exact to rounding for analytic f that accepts complex input;
* :mod:`~calcml.numeric.diagnosis` -- kinks, jumps, staircases, poles, overflow
  and points outside the domain become a named :class:`~calcml.results.Status`;
* :mod:`~calcml.numeric.tolerance` -- the one meaning of SUCCESS (``rtol``, ``atol``).

:func:`numeric_derivative` (:mod:`~calcml.numeric.derivative`) picks the method
and returns a frozen :class:`~calcml.results.Estimate` whose ``error`` is an
*estimate*, never a bound.
"""

from __future__ import annotations

from .derivative import METHODS, numeric_derivative
from .diagnosis import RTOL, RTOL2, ZERO_SCALE
from .richardson import MAX_EVALUATIONS
from .schemes import SCHEMES, difference_quotient
from .tolerance import Tolerance, tolerance

__all__ = ["numeric_derivative", "difference_quotient", "METHODS", "SCHEMES", "MAX_EVALUATIONS", "RTOL", "RTOL2",
           "ZERO_SCALE", "Tolerance", "tolerance"]
