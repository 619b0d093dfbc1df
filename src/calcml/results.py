"""Frozen result types shared by every lens.

An approximation never returns a bare number: it returns an :class:`Estimate`
carrying the value, an error *estimate* (not a bound), the method, a named
:class:`Status` and the number of function evaluations it cost.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Status", "Estimate", "Step"]


class Status(enum.Enum):
    """How an approximation ended. Only ``SUCCESS`` means "trust the value"."""

    SUCCESS = "success"
    """The estimate met its tolerance."""
    NOT_CONVERGED = "not_converged"
    """A value was produced but its error estimate is above the tolerance."""
    NAN = "nan"
    """The function returned NaN at a point the method needed."""
    INFINITE = "infinite"
    """The function or the result is infinite (overflow, or a pole)."""
    OUT_OF_DOMAIN = "out_of_domain"
    """The point (or the whole stencil) lies outside the function's domain."""
    NOT_DIFFERENTIABLE = "not_differentiable"
    """The one-sided slopes disagree: a kink, a jump or a cusp."""
    ERROR = "error"
    """The function raised an exception."""

    @property
    def ok(self) -> bool:
        return self is Status.SUCCESS

    def __str__(self) -> str:  # the JSON and the CLI show the plain name
        return self.value


def _jsonable(x: Any) -> Any:
    import numpy as np  # here, not at the top: `calcml diff` without --at never needs NumPy

    if isinstance(x, np.ndarray):
        return [_jsonable(v) for v in x.tolist()] if x.ndim else _jsonable(x.item())
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if np.isfinite(x) else str(x)  # JSON has no nan/inf: "nan", "inf", "-inf"
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    return x


@dataclass(frozen=True)
class Estimate:
    """A numeric approximation with its error estimate.

    Attributes
    ----------
    value : float or numpy.ndarray
        The approximation. NaN when no value could be produced.
    error : float
        An *estimate* of the absolute error of `value`, not a guaranteed bound.
    method : str
        The method that produced `value` (``"central"``, ``"complex"``, ``"simpson"``...).
    status : Status
        ``Status.SUCCESS`` when the estimate met its tolerance; otherwise why not.
    evaluations : int
        How many times the function was evaluated.
    message : str
        A sentence for people, empty on plain success.
    """

    value: Any
    error: float
    method: str
    status: Status
    evaluations: int
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when `status` is ``Status.SUCCESS``."""
        return self.status is Status.SUCCESS

    def to_dict(self) -> dict:
        return {
            "value": _jsonable(self.value),
            "error": _jsonable(self.error),
            "method": self.method,
            "status": self.status.value,
            "evaluations": int(self.evaluations),
            "message": self.message,
        }

    def __repr__(self) -> str:
        v = self.value
        vs = f"{float(v):.16g}" if isinstance(v, float) or type(v).__name__.startswith("float") else repr(v)
        extra = f", message={self.message!r}" if self.message else ""
        return (f"Estimate(value={vs}, error={self.error:.2g}, method={self.method!r}, "
                f"status={self.status.name}, evaluations={self.evaluations}{extra})")


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a named rule applied to an expression.

    `expression` and `result` are SymPy expressions; `substeps` are the steps
    needed to finish this one (the inner derivative of a chain rule, the terms
    of a sum, ...).
    """

    rule: str
    expression: Any
    result: Any
    substeps: tuple["Step", ...] = field(default=())
    note: str = ""

    def walk(self):
        """Yield this step and its substeps depth-first, outer step first."""
        stack = [self]
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.substeps))

    def to_dict(self) -> dict:
        d = {"rule": self.rule, "expression": str(self.expression), "result": str(self.result)}
        if self.note:
            d["note"] = self.note
        if self.substeps:
            d["substeps"] = [s.to_dict() for s in self.substeps]
        return d
