"""The one check of calcml for "are these two expressions the same function?".

The exercise grader, :func:`calcml.symbolic.equivalent` and the verification of
antiderivatives all ask it here, so they cannot disagree. The check works over
the **real numbers** and looks at the whole domain of both sides:

1. **Symbolic, cheap**: the difference is 0 as written, after ``expand``, or,
   for rational functions, after ``cancel`` (which decides them exactly).
2. **Sampling**: both sides evaluated with mpmath at 40 significant digits at
   fixed points that cover the real line (negative and positive, magnitudes from
   1e-7 to 1e3, uniform points in [-3, 3]) and, on each side of every switching
   point of ``abs``, ``sign``, ``floor`` and of every ``Piecewise`` condition, a
   point in each branch. A point where one side is defined and the other is not
   (``log(x^2)`` and ``2*log(x)`` at x = -1) or where they differ by more than
   the tolerance is a counterexample: the answer is False, at once.
3. **Symbolic, expensive**: ``simplify`` of the difference, under the time limit.
4. When SymPy cannot decide in time, agreement at every usable point (at least
   :data:`MIN_POINTS`) answers True; fewer usable points leave it undecided.

Two values ``a`` and ``b`` agree when ``|a - b| <= RTOL * max(|a|, |b|) + ATOL``
(:data:`RTOL` and :data:`ATOL` below: evaluation is at 40 digits, so a genuine
identity agrees to far better than that, and a wrong answer is typically off by
O(1) somewhere in the domain).

Sampling finds differences; it cannot prove identity. A True from step 4 says
"equal at every point tried", and :attr:`Equivalence.method` says which step
decided.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from .results import _JSON

__all__ = ["Equivalence", "equivalent", "RTOL", "ATOL", "MIN_POINTS", "sample_points"]

#: Relative tolerance of the sampled comparison (values computed to 40 digits).
RTOL = 1e-12
#: Absolute tolerance of the sampled comparison, for values that should be 0.
ATOL = 1e-15
#: Usable points (both sides defined) needed before sampling alone may answer True.
MIN_POINTS = 3

_DPS = 40
# The magnitudes every variable is sampled at, with both signs.
_MAGNITUDES = (1e-7, 1e-3, 0.1, 0.37, 0.83, 1.3, 2.1, 2.9, 4.6, 11.0, 37.0, 1e3)
_UNIFORM = 16  # extra points uniform in [-3, 3] (or (0, 4] on the positive domain)


@dataclass(frozen=True)
class Equivalence(_JSON):
    """The verdict of :func:`equivalent`.

    Attributes
    ----------
    equal : bool or None
        True: the same function on the domain; False: a counterexample was found
        (or SymPy showed a nonzero constant difference); None: undecided.
    method : str
        What decided: ``"symbolic"`` (SymPy reduced the difference), ``"sampling"``
        (the points), or ``"undecided"``.
    points : int
        How many points had both sides defined and were compared.
    counterexample : dict or None
        ``{variable name: value}`` of a point where the two differ (or where only
        one of them is defined).
    message : str
        One sentence: what decided, or why nothing could.
    """

    equal: bool | None
    method: str
    points: int = 0
    counterexample: Any = None
    message: str = ""

    def __bool__(self) -> bool:
        return self.equal is True


def equivalent(a, b, variables=None, *, domain: str = "real", time_limit: float | None = 2.0,
               simplify: bool = True, seed: int = 0) -> Equivalence:
    """Whether `a` and `b` are the same function of real variables, symbolically first, then by sampling.

    Parameters
    ----------
    a, b : str or sympy.Expr
        The two expressions (text goes through calcml's safe parser).
    variables : sequence of sympy.Symbol or str, optional
        The variables to sample (default: the free symbols of both, by name).
    domain : {"real", "positive"}
        Where the variables live: the whole real line, or x > 0 (then
        ``log(x^2)`` equals ``2*log(x)``).
    time_limit : float or None
        Seconds allowed for the whole check (None: no limit); ``simplify`` gets
        what the sampling leaves. Out of time: undecided (``equal=None``).
    simplify : bool
        False skips step 3 (SymPy's ``simplify``): the points decide, quickly.
    seed : int
        Seeds the uniform points, so a verdict is reproducible.

    Returns
    -------
    Equivalence
        Truthy exactly when `equal` is True.

    Raises
    ------
    ArgumentError
        An unknown `domain`.

    Examples
    --------
    >>> equivalent("sin(x)^2", "1 - cos(x)^2").equal
    True
    >>> r = equivalent("log(x^2)", "2*log(x)")          # not on the reals: x = -0.0000001
    >>> r.equal, r.method, r.counterexample
    (False, 'sampling', {'x': -1e-07})
    >>> equivalent("log(x^2)", "2*log(x)", domain="positive").equal
    True
    """
    import sympy as sp

    from .errors import ArgumentError
    from .expressions import _as_expr

    if domain not in ("real", "positive"):
        raise ArgumentError(f"domain must be 'real' or 'positive'; got {domain!r}", "domain")
    a, b = _as_expr(a), _as_expr(b)
    names = sorted({s.name for s in (a.free_symbols | b.free_symbols)}) if variables is None else [
        v if isinstance(v, str) else v.name for v in variables]
    assume = {"positive": True} if domain == "positive" else {"real": True}
    stand_in = {n: sp.Symbol(n, **assume) for n in names}
    real = {s: stand_in[s.name] for s in (a.free_symbols | b.free_symbols) if s.name in stand_in}
    a, b = _locally_constant(a.xreplace(real)), _locally_constant(b.xreplace(real))
    syms = [stand_in[n] for n in names]

    verdict = _cheap(a - b)
    if verdict is not None:
        return Equivalence(verdict, "symbolic", message="SymPy reduced the difference to "
                                                        + ("0" if verdict else "a nonzero constant"))
    import time

    from .errors import TimeLimitError
    from .timelimit import run_with_time_limit

    started = time.monotonic()

    def sample():
        pts = sample_points(syms, [a, b], domain=domain, seed=seed)
        return _compare_at(a, b, syms, pts)

    try:
        same, used, where = run_with_time_limit(sample, seconds=time_limit, what="comparing values")
    except TimeLimitError:
        return Equivalence(None, "undecided", message="the values could not be compared within the time limit")
    if same is False:
        return Equivalence(False, "sampling", used, where,
                           f"they differ at {_show_point(where)}")
    left = None if time_limit is None else time_limit - (time.monotonic() - started)
    verdict = _expensive(a - b, left) if simplify and (left is None or left > 0.02) else None
    if verdict is not None:
        return Equivalence(verdict, "symbolic", used, message="SymPy's simplify reduced the difference to "
                                                              + ("0" if verdict else "a nonzero constant"))
    if used >= MIN_POINTS:
        return Equivalence(True, "sampling", used,
                           message=f"equal at all {used} points tried, from 1e-7 to 1e3 in size and of both signs"
                                   + (" (SymPy could not decide in time)" if simplify else ""))
    return Equivalence(None, "undecided", used,
                       message=f"only {used} point(s) had both sides defined, and SymPy could not decide")


# --- the symbolic steps ---------------------------------------------------------------------------

def _cheap(d):
    import sympy as sp

    if d == 0:
        return True
    try:
        e = sp.expand(d)
        if e == 0:
            return True
        if e.is_rational_function():
            # expand + cancel bring a rational function to a normal form: they decide exactly
            return sp.cancel(e) == 0
    except Exception:  # noqa: BLE001 - SymPy refusing a shape is not a verdict
        return None
    return None


def _expensive(d, time_limit):
    import sympy as sp

    from .errors import TimeLimitError
    from .timelimit import run_with_time_limit

    def work():
        e = sp.simplify(d)
        if e == 0:
            return True
        if not e.free_symbols and e.is_number:
            v = complex(sp.N(e, _DPS))
            return False if abs(v) > 1e-20 else None
        return None

    try:
        return run_with_time_limit(work, seconds=time_limit, what="checking equality symbolically")
    except TimeLimitError:
        return None
    except Exception:  # noqa: BLE001 - simplify failing on a shape: undecided, the points stand
        return None


def _locally_constant(expr):
    """Derivatives SymPy leaves unevaluated on floor/ceiling are 0 away from the jumps."""
    import sympy as sp

    def is_step_derivative(e):
        return isinstance(e, (sp.Derivative, sp.Subs)) and e.has(sp.floor, sp.ceiling, sp.frac)

    return expr.replace(is_step_derivative, lambda e: sp.S.Zero) if expr.has(sp.Derivative, sp.Subs) else expr


# --- sampling -------------------------------------------------------------------------------------

def sample_points(symbols, exprs=(), *, domain: str = "real", seed: int = 0) -> list:
    """The points the check samples: a list of tuples, one coordinate per symbol.

    Every variable goes through the magnitudes 1e-7 ... 1e3 with both signs (only
    positive ones on the positive domain), then uniform points; and on each side of
    every switching point of `exprs` (where an ``abs``/``sign`` argument or a
    ``Piecewise`` condition changes sign, found for one variable) a point in each
    branch. Magnitudes above 40 are left out when an exponential is nested in
    another (``exp(exp(x))`` at 1e3 has no float, and costs mpmath dearly).

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> pts = sample_points([x], [abs(x - 5)])
    >>> min(p[0] for p in pts) < 0 < max(p[0] for p in pts)
    True
    >>> any(4.9 < p[0] < 5 for p in pts) and any(5 < p[0] < 5.1 for p in pts)
    True
    """
    symbols = list(symbols)
    if not symbols:
        return [()]
    cap = 40.0 if any(_nested_exponential(e) for e in exprs) else math.inf
    mags = [m for m in _MAGNITUDES if m <= cap]
    signed = mags if domain == "positive" else [v for m in mags for v in (m, -m)]
    rng = random.Random(seed * 7919 + 17)
    lo, hi = (1e-3, 4.0) if domain == "positive" else (-3.0, 3.0)
    pts = []
    n = len(symbols)
    switches = _switching_points(symbols, exprs) if n == 1 else []
    extra = []
    for s in switches:
        for off in (0.5, 1e-3):
            extra += [s - off * max(1.0, abs(s)), s + off * max(1.0, abs(s))]
    if domain == "positive":
        extra = [v for v in extra if v > 0]
    if n == 1:
        pts = [(v,) for v in signed + extra] + [(rng.uniform(lo, hi),) for _ in range(_UNIFORM)]
    else:
        # each coordinate walks the magnitudes, shifted so that the variables differ at each point
        for k, _ in enumerate(signed):
            pts.append(tuple(signed[(k + 5 * i) % len(signed)] for i in range(n)))
        pts += [tuple(rng.uniform(lo, hi) for _ in range(n)) for _ in range(_UNIFORM)]
    return pts


def _nested_exponential(expr) -> bool:
    import sympy as sp

    growers = (sp.exp, sp.sinh, sp.cosh)
    for node in sp.preorder_traversal(expr):
        if isinstance(node, growers) and any(isinstance(a, growers) or (isinstance(a, sp.Pow) and a.exp.free_symbols)
                                             for a in sp.preorder_traversal(node.args[0])):
            return True
        if isinstance(node, sp.Pow) and node.exp.free_symbols and node.exp.has(sp.exp, sp.Pow):
            return True
    return False


def _switching_points(symbols, exprs) -> list:
    """Real roots (at most 6) of the arguments of abs/sign/... and of Piecewise conditions, in one variable."""
    import sympy as sp

    (x,) = symbols
    found: list = []
    targets = []
    for e in exprs:
        for f in e.atoms(sp.Abs, sp.sign, sp.Heaviside, sp.floor, sp.ceiling):
            targets.append(f.args[0])
        for pw in e.atoms(sp.Piecewise):
            for _, cond in pw.args:
                for rel in cond.atoms(sp.core.relational.Relational):
                    targets.append(rel.lhs - rel.rhs)
    for t in targets:
        if len(found) >= 6 or not t.has(x):
            continue
        try:
            if t.is_polynomial(x) and sp.degree(t, x) <= 2:
                roots = sp.solve(t, x)
            else:
                continue
        except Exception:  # noqa: BLE001 - an argument SymPy cannot solve adds no points
            continue
        for r in roots:
            try:
                v = complex(sp.N(r))
            except (TypeError, ValueError):
                continue
            if abs(v.imag) < 1e-12 and math.isfinite(v.real) and v.real not in found:
                found.append(v.real)
    return found[:6]


def _values(expr, symbols, points, dps: int = _DPS) -> list:
    """mpmath values at the points (`dps` digits), None where undefined, complex or not a number."""
    import mpmath
    import sympy as sp

    from .expressions import to_function

    try:
        fn = to_function(expr, symbols, backend="mpmath")
    except Exception:  # noqa: BLE001 - a function mpmath's printer lacks: fall back to SymPy's evalf
        fn = None
    out = []
    with mpmath.workdps(dps):
        for pt in points:
            try:
                if fn is not None:
                    v = mpmath.mpc(fn(*[mpmath.mpf(c) for c in pt]))
                else:
                    raise NameError
            except (NameError, AttributeError):
                v = _evalf(expr, symbols, pt, dps)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                v = None
            if v is None or not (mpmath.isfinite(v.real) and mpmath.isfinite(v.imag)):
                out.append(None)
            elif abs(v.imag) > mpmath.mpf(10) ** (10 - dps) * (1 + abs(v.real)):
                out.append(None)  # complex: outside the real domain
            else:
                out.append(v.real)
    return out


def _evalf(expr, symbols, pt, dps: int = _DPS):
    import mpmath
    import sympy as sp

    try:
        v = sp.N(expr.xreplace({s: sp.Rational(c) for s, c in zip(symbols, pt)}), dps)
        if v.has(sp.nan, sp.zoo) or not v.is_number:
            return None
        re, im = v.as_real_imag()
        return mpmath.mpc(mpmath.mpf(str(sp.N(re, dps))), mpmath.mpf(str(sp.N(im, dps))))
    except Exception:  # noqa: BLE001 - no value here
        return None


def _compare_at(a, b, symbols, points):
    """(False, used, point) at the first difference; else (True, used, None)."""
    import sympy as sp

    va, vb = _values(a, symbols, points), _values(b, symbols, points)
    # an unevaluated derivative or integral has no value anywhere: that says nothing about its domain
    opaque = a.has(sp.Derivative, sp.Integral, sp.Subs) or b.has(sp.Derivative, sp.Integral, sp.Subs)
    used = 0
    for pt, x, y in zip(points, va, vb):
        if (x is None and y is None) or (opaque and (x is None or y is None)):
            continue
        if _differ(x, y):
            # 40 digits can lose everything to cancellation (tanh(x) + 1 at x = -1000 needs
            # about 870): a difference counts only if it survives more precision
            for dps in (150, 1000):
                (x,), (y,) = _values(a, symbols, [pt], dps), _values(b, symbols, [pt], dps)
                if not _differ(x, y):
                    break
            else:
                return False, used, {s.name: float(c) for s, c in zip(symbols, pt)}
            if x is None and y is None:
                continue
        used += 1
    return True, used, None


def _differ(x, y) -> bool:
    if x is None and y is None:
        return False
    return x is None or y is None or abs(x - y) > RTOL * max(abs(x), abs(y)) + ATOL


def _show_point(where) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in where.items()) if where else "a constant"
