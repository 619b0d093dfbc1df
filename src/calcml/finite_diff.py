"""Compatibility name: numeric differentiation now lives in the package :mod:`calcml.numeric`.

Kept only because ``calcml.derivatives`` still imports from here; new code imports
from :mod:`calcml.numeric`.
"""

from .numeric import MAX_EVALUATIONS, METHODS, RTOL, RTOL2, ZERO_SCALE, numeric_derivative

__all__ = ["numeric_derivative", "METHODS", "RTOL", "RTOL2", "ZERO_SCALE", "MAX_EVALUATIONS"]
