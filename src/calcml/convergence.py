"""How fast the integration rules converge: the table of lesson 2.

For each fixed rule (Riemann sums, midpoint, trapezoid, Simpson) and n doubling,
the value, its true error against an exact value, and the *observed* order
``log2(error(n/2) / error(n))``: about 1, 2, 2 and 4 on smooth integrands, and
honestly less when the integrand is not smooth enough.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.integrate

from .errors import ComputationError, DomainError
from .integrate import (_REFERENCE_EPSREL, _ROUNDOFF, FIXED_RULES, _as_real, _check_callable, _check_limit,
                        _check_n, _fixed, _nodes, _sample)
from .numeric.tolerance import tolerance
from .results import _JSON, Status, jsonable

__all__ = ["convergence_table", "ConvergenceRow", "ConvergenceTable"]

@dataclass(frozen=True)
class ConvergenceRow(_JSON):
    """One rule at one n: its value, its true error, and the observed order.

    ``order = log(error(previous n) / error(n)) / log(n / previous n)``, i.e.
    log2 of the error ratio when n doubles; None on a method's first row and
    when either error is at round-off level, where the ratio means nothing.
    """

    method: str
    n: int
    value: float
    error: float
    order: float | None


@dataclass(frozen=True)
class ConvergenceTable(_JSON):
    """How each fixed rule's error shrinks as n grows.

    Attributes
    ----------
    rows : tuple of ConvergenceRow
        Grouped by method, n increasing within each method.
    exact : float
        The value the errors are measured against.
    exact_source : {"given", "symbolic", "reference"}
        Where `exact` came from; ``"reference"`` is quad at ``epsrel`` ~1e-14
        (also when a given or symbolic value disagreed with quadrature: then
        `message` says so and gives the value that was rejected).
    reference_error : float
        quad's error estimate of a ``"reference"`` exact value; 0 otherwise.
    message : str
        quad's complaint about the reference value, if it had one, and why a
        given exact value was rejected.
    rejected : float or None
        A given (or symbolic) exact value that disagreed with quadrature.
    """

    rows: tuple[ConvergenceRow, ...]
    exact: float
    exact_source: str
    reference_error: float = 0.0
    message: str = ""
    rejected: float | None = None

    def __post_init__(self):
        # A rejected exact value is never the source: the reference replaced it.
        if self.rejected is not None and self.exact_source != "reference":
            object.__setattr__(self, "exact_source", "reference")

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.method for r in self.rows))

    def observed_order(self, method: str) -> float | None:
        """Median of the last three orders reported for `method` (None if none)."""
        orders = [r.order for r in self.rows if r.method == method and r.order is not None]
        return float(np.median(orders[-3:])) if orders else None

    def to_records(self) -> list[dict]:
        """One plain dict per row (:func:`calcml.results.jsonable`: non-finite numbers as strings)."""
        return [jsonable(r) for r in self.rows]


def convergence_table(f: Callable, a: float, b: float, exact: float | None = None,
                      methods: Sequence[str] = ("left", "midpoint", "trapezoid", "simpson"),
                      ns: Sequence[int] = tuple(2**k for k in range(2, 13)),
                      exact_source: str | None = None) -> ConvergenceTable:
    """Errors of the fixed rules as n doubles, and the order they reveal.

    Parameters
    ----------
    f : callable
        The integrand.
    a, b : float
        Finite limits.
    exact : float, optional
        The true integral. When omitted, a reference value is computed with
        ``scipy.integrate.quad(epsabs=0, epsrel~1e-14, limit=500)``. A value
        given is checked against calcml's adaptive quadrature (scan, two
        opinions) before it is used: on disagreement beyond 1e-6 relative the
        table falls back to the reference and says so in ``message`` (SymPy
        once gave -1 for the integral of sqrt(2-x)*sqrt(1/(2-x)) over (0, 1)).
    methods : sequence of str
        Fixed rules (not ``"adaptive"``, which has no n).
    ns : sequence of int
        Increasing subinterval counts, by default 4, 8, ..., 4096.
    exact_source : {"given", "symbolic"}, optional
        How a supplied `exact` was obtained; default ``"given"``.

    Returns
    -------
    ConvergenceTable
        Observed orders near 1 (left/right), 2 (midpoint/trapezoid) and
        4 (Simpson) on smooth integrands; lower where `f` is not smooth (for
        sqrt on [0, 1] every rule but the Riemann sums drops to about 1.5).
        Orders are measured, never assumed.

    Raises
    ------
    DomainError
        Bad `methods`, `ns` or `exact_source`, or a rule's own DomainError.
    ComputationError
        A rule hit a non-finite sample (the table would be meaningless).

    Examples
    --------
    >>> import numpy as np
    >>> table = convergence_table(np.exp, 0, 1, exact=np.e - 1, methods=("midpoint", "simpson"))
    >>> print(f"midpoint order {table.observed_order('midpoint'):.2f} (theory 2), "
    ...       f"simpson order {table.observed_order('simpson'):.2f} (theory 4)")
    midpoint order 2.00 (theory 2), simpson order 4.00 (theory 4)
    """
    _check_callable(f)
    methods = tuple(methods) if not isinstance(methods, str) else (methods,)
    if not methods:
        raise DomainError("methods is empty; name at least one of " + ", ".join(FIXED_RULES))
    for m in methods:
        if m not in FIXED_RULES:
            raise DomainError(f"methods contains {m!r}; a convergence table needs fixed rules: "
                              f"choose from {', '.join(map(repr, FIXED_RULES))}")
    ns = tuple(ns)
    if not ns:
        raise DomainError("ns is empty; give increasing subinterval counts such as 4, 8, 16")
    for m in methods:
        for n in ns:
            _check_n(n, m)
    if any(n2 <= n1 for n1, n2 in zip(ns, ns[1:])):
        raise DomainError(f"ns={list(ns)} must be strictly increasing, e.g. 4, 8, 16, ...")
    a, b = _check_limit("a", a), _check_limit("b", b)

    reference_error, message, rejected_value = 0.0, "", None
    if exact is not None:
        exact = _check_limit("exact", exact)
        _refuse_infinite(exact, exact_source)
        source = "given" if exact_source is None else exact_source
        if source not in ("given", "symbolic"):
            raise DomainError(f"exact_source={exact_source!r}; use 'given' or 'symbolic'")
        rejected = _disagrees(f, a, b, exact)
        if rejected:
            rejected_value = exact
            exact, exact_source, message = None, None, f"the {source} exact value {exact!r} was rejected: {rejected}"
    if exact is None:
        if exact_source is not None:
            raise DomainError(f"exact_source={exact_source!r} was given without exact; pass both or neither")
        _refuse_divergent(f, a, b)
        exact, reference_error, complaint = _reference(f, a, b)
        message = "; ".join(m for m in (message, complaint) if m)
        exact_source = "reference"
    else:
        exact_source = "given" if exact_source is None else exact_source

    # An error at round-off level says nothing about the rule's order. The
    # floor is relative to the size of the integrand (|exact| can be 0 when
    # positive and negative parts cancel), and never below the reference's
    # own error estimate.
    scale = max(abs(exact), _mean_abs(f, a, b) * abs(b - a), np.finfo(float).tiny)
    floor = max(_ROUNDOFF * scale, 10 * reference_error)
    rows = []
    # The rows show the rules' accuracy, good or bad: a rule that misses the default
    # tolerance (NOT_CONVERGED) is a row like any other; a non-finite sample is not.
    tol = tolerance()
    lo, hi, sign = (a, b, 1.0) if a <= b else (b, a, -1.0)
    for method in methods:
        prev = None
        for n in ns:
            est = _fixed(f, lo, hi, method, n, tol, verify=False)
            est = dataclasses.replace(est, value=sign * est.value)
            if est.status not in (Status.SUCCESS, Status.NOT_CONVERGED):
                raise ComputationError(f"{method} with n={n} failed: {est.message}; "
                                       "drop that method or change the interval")
            error = abs(est.value - exact)
            order = None
            if prev is not None and min(prev[1], error) > floor:
                order = math.log(prev[1] / error) / math.log(n / prev[0])
            rows.append(ConvergenceRow(method, int(n), est.value, error, order))
            prev = (n, error)
    return ConvergenceTable(tuple(rows), float(exact), exact_source, reference_error, message, rejected_value)


def _disagrees(f: Callable, a: float, b: float, exact: float) -> str:
    """Why `exact` cannot be the integral of f over (a, b), or "" when quadrature agrees."""
    from .integrate import integral

    check = integral(f, a, b)
    if not check.ok:
        return ""  # no trustworthy second opinion: keep the value given
    if abs(check.value - exact) <= 1e-6 * max(abs(exact), abs(check.value)) + 10 * check.error + 1e-300:
        return ""
    return (f"adaptive quadrature gives {check.value!r} (error estimate {check.error:.1e}); "
            "the table uses a high-precision numeric reference instead")


def _refuse_infinite(exact: float, source) -> None:
    if not math.isfinite(exact):
        raise ComputationError(f"the exact value is {exact}{' (' + source + ')' if source else ''}: the integral diverges, so there is "
                               "no value to measure the rules' errors against and no convergence table")


def _refuse_divergent(f: Callable, a: float, b: float) -> None:
    """No reference value for an integral that may not exist (1/x over (-1, 2): quad returns the principal value)."""
    from .integrate import integral

    check = integral(f, a, b)
    if check.ok or not (check.status in (Status.INFINITE, Status.NAN) or "blows up" in check.message
                        or "diverge" in check.message):
        return
    if check.status is Status.NAN:
        raise ComputationError(f"no reference value: f is not defined on all of [{a:g}, {b:g}] ({check.message}); "
                               "pass exact= or change the interval")
    raise ComputationError(f"no convergence table: the integral of f over [{a:g}, {b:g}] may diverge "
                           f"(adaptive quadrature: {check.status.value}: {check.message}); there is no exact or "
                           "reference value to measure the rules' errors against (a numeric reference here would be "
                           "a principal value or noise). Pass exact= if you know the integral converges")


def _reference(f: Callable, a: float, b: float) -> tuple[float, float, str]:
    """quad at (almost) full double precision: value, its error estimate, quad's complaint."""
    def scalar_f(t: float) -> float:
        with np.errstate(all="ignore"):  # a NumPy float: 0.0**-1 is inf, not a ZeroDivisionError
            return float(_as_real(np.asarray(f(np.float64(t)))).reshape(()))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.integrate.IntegrationWarning)
        try:
            out = scipy.integrate.quad(scalar_f, a, b, epsabs=0, epsrel=_REFERENCE_EPSREL, limit=500,
                                       full_output=1)
        except (ArithmeticError, ValueError) as exc:
            raise ComputationError(f"no reference value: f raised {type(exc).__name__}: {exc} on [{a}, {b}]; "
                                   "pass exact=") from None
    value, error = float(out[0]), float(out[1])
    if not (math.isfinite(value) and math.isfinite(error)):
        raise ComputationError(f"no reference value: quad returned {value} on [{a}, {b}]; pass exact=")
    complaint = ""
    if len(out) > 3 and isinstance(out[3], str):
        complaint = ("reference from quad: " + " ".join(out[3].split()).split(". ")[0].rstrip(".")
                     + f"; its error estimate is {error:.1e}")
    return value, error, complaint


def _mean_abs(f: Callable, a: float, b: float) -> float:
    """Mean of |f| on a midpoint grid: a size for f that cancellation cannot zero."""
    y, _ = _sample(f, _nodes("midpoint", a, b, 257))
    if y is None:
        return 0.0
    y = np.abs(y[np.isfinite(y)])
    return float(np.mean(y)) if y.size else 0.0
