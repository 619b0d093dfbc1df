"""Frozen result types shared by every lens.

An approximation never returns a bare number: it returns an :class:`Estimate`
carrying the value, an error *estimate* (not a bound), the method, a named
:class:`Status` and the number of function evaluations it cost.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Status", "Estimate", "Step", "LensAnswer", "jsonable"]


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


def jsonable(obj: Any) -> Any:
    """Plain JSON data (dict, list, str, float, int, bool, None) for any calcml result.

    The one serialiser of calcml: it walks frozen dataclasses field by field
    (a field whose ``metadata`` has ``json=False`` is left out, e.g. a long sweep
    kept for plots), enums (their value), NumPy arrays and scalars, SymPy objects
    (their text, in SymPy syntax), mappings and sequences. JSON has no NaN or
    infinity, so non-finite numbers become the strings ``"nan"``, ``"inf"`` and
    ``"-inf"``.

    Examples
    --------
    >>> import json, math
    >>> est = Estimate(math.inf, math.nan, "central", Status.INFINITE, 4)
    >>> json.dumps(jsonable(est))
    '{"value": "inf", "error": "nan", "method": "central", "status": "infinite", "evaluations": 4, "message": ""}'
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, enum.Enum):
        return jsonable(obj.value)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else str(float(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if f.metadata.get("json", True)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    module = type(obj).__module__.split(".")[0]
    if module == "numpy":
        import numpy as np  # only when there is an array: `calcml diff` without --at never needs NumPy

        if isinstance(obj, np.ndarray):
            return jsonable(obj.tolist())
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return jsonable(float(obj))
        if isinstance(obj, np.complexfloating):
            return jsonable(complex(obj))
    if isinstance(obj, complex):
        return {"real": jsonable(obj.real), "imag": jsonable(obj.imag)}
    if module == "sympy":
        return str(obj)
    return str(obj)


def _jsonable(x: Any) -> Any:  # the old private name, kept for callers not yet moved to jsonable
    return jsonable(x)


class _JSON:
    """Mixin: ``to_dict()`` is :func:`jsonable` of the result (one mechanism for every type)."""

    def to_dict(self) -> dict:
        """The result as plain JSON data; see :func:`jsonable`."""
        return jsonable(self)


@dataclass(frozen=True)
class Estimate(_JSON):
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

    def __repr__(self) -> str:
        v = self.value
        vs = f"{float(v):.16g}" if isinstance(v, float) or type(v).__name__.startswith("float") else repr(v)
        extra = f", message={self.message!r}" if self.message else ""
        return (f"Estimate(value={vs}, error={self.error:.2g}, method={self.method!r}, "
                f"status={self.status.name}, evaluations={self.evaluations}{extra})")


@dataclass(frozen=True)
class Step(_JSON):
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


@dataclass(frozen=True)
class LensAnswer(_JSON):
    """One lens's answer to a derivative question: numbers at the point and, symbolically, formulas.

    Attributes
    ----------
    lens : str
        ``"symbolic"``, ``"numeric"`` or ``"automatic"``.
    value : float, numpy.ndarray or None
        The lens's number(s) at the point; None without a point or when it has none.
    error : float, numpy.ndarray or None
        The numeric lens's error *estimate* (not a bound); None for the other lenses.
    expressions : sympy.Expr, nested tuple of sympy.Expr, or None
        The symbolic lens's exact formulas.
    status : Status or None
        What happened (a symbolic answer without a point: ``SUCCESS``, the formulas
        were found). There is no default: a lens that ran says how it ended.
    method : str
        How the lens got its answer (``"exact"``, ``"complex"``, ``"reverse mode"``...).
    message : str
        Why the status is not ``SUCCESS``, for people; empty otherwise.
    """

    lens: str
    value: Any = None
    error: Any = None
    expressions: Any = None
    status: Status | None = None
    method: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when `status` is ``Status.SUCCESS``."""
        return self.status is Status.SUCCESS
