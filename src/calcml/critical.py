"""Critical points that explain themselves: where, what kind, and why.

:func:`critical_points` finds the points where the gradient of a function is
zero (and, in one variable, where the derivative does not exist inside the
domain), classifies each one and says *why*:

- one variable: the first non-zero derivative at the point (second-derivative
  test, then the higher-order test: an even order gives an extremum, an odd
  order does not), or else the sign of f' on either side (first-derivative test);
- several variables: the signs of the Hessian's eigenvalues; when the Hessian
  is singular, a proof by SymPy that f(p + u) - f(p) keeps one sign, a
  higher-order test along lines through p, and last a sampling test on small
  circles (named as such in the reason).

The real domain is derived from the expression (log arguments > 0, bases of
fractional powers >= 0, denominators != 0, ...) and can be narrowed with
``domain``. The symbolic answer is cross-checked numerically by a multistart
root search on the gradient (SciPy); a numeric root counts only when Newton's
method in 50-digit arithmetic confirms it as a zero of the gradient inside the
domain (so cancellation next to a hole, as in sin(x)/x at 0, or underflow on a
flat shoulder, as in exp(-1/x^2), is not a critical point). Symbolic work runs
under calcml's time limit (:mod:`calcml.timelimit`), and the whole call keeps
to about ``time_limit`` + 2 s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from .classify import classify_1d, classify_nd, tidy
from .errors import DomainError, TimeLimitError

__all__ = ["CriticalPoint", "CriticalPoints", "critical_points"]

KINDS = ("minimum", "maximum", "saddle", "neither", "unknown")
_FAMILY_WINDOW = 10     # for infinitely many points, the members listed lie in [-10, 10]


@dataclass(frozen=True)
class CriticalPoint:
    """One critical point.

    Attributes
    ----------
    point : Mapping[str, sympy.Expr]
        Variable name -> exact coordinate.
    value : sympy.Expr
        f at the point, exact.
    kind : str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` (several variables),
        ``"neither"`` (one variable, not an extremum) or ``"unknown"``.
    reason : str
        The test that decided the kind, with its numbers.
    stationary : bool
        True where the gradient is zero; False where f' does not exist (one variable).
    """

    point: Mapping[str, Any]
    value: Any
    kind: str
    reason: str
    stationary: bool = True

    def coordinates(self) -> tuple[float, ...]:
        """The point as floats, in the order of the variables."""
        return tuple(float(v) for v in self.point.values())

    def to_dict(self) -> dict:
        return {"point": {k: str(v) for k, v in self.point.items()},
                "approx": {k: float(v) for k, v in self.point.items()},
                "value": str(self.value), "kind": self.kind, "reason": self.reason,
                "stationary": self.stationary}


@dataclass(frozen=True)
class CriticalPoints:
    """The critical points of a function, classified, with what is known about completeness.

    Attributes
    ----------
    expression : sympy.Expr
    variables : tuple of str
    points : tuple of CriticalPoint
        Sorted by coordinates. For infinitely many points, the members of each
        family that lie in [-10, 10].
    complete : bool
        True only when `points` is known to be every critical point.
    families : tuple of str
        Descriptions of infinite families (``"x = 2*n*pi + pi/2, n integer"``).
    domain : str
        The real domain used (derived from the expression, narrowed by ``domain``).
    message : str
        A sentence that explains the answer, in particular an empty one.
    numeric_check : str
        What the multistart numeric search found: ``"agree ..."``, ``"disagree ..."``
        or ``"skipped ..."``.
    """

    expression: Any
    variables: tuple[str, ...]
    points: tuple[CriticalPoint, ...]
    complete: bool
    families: tuple[str, ...]
    domain: str
    message: str
    numeric_check: str = "skipped"

    def __post_init__(self):
        # The work is done over real symbols; the result holds the user's plain symbols, so that
        # ``r.expression.subs(sympy.Symbol("x"), 2)`` works as a SymPy user expects.
        e = self.expression
        if getattr(e, "free_symbols", None):
            import sympy as sp

            object.__setattr__(self, "expression", e.xreplace({s: sp.Symbol(s.name) for s in e.free_symbols}))

    @property
    def kinds(self) -> dict:
        """Kind -> number of points of that kind."""
        out: dict = {}
        for p in self.points:
            out[p.kind] = out.get(p.kind, 0) + 1
        return out

    def to_dict(self) -> dict:
        return {"expression": str(self.expression), "variables": list(self.variables),
                "points": [p.to_dict() for p in self.points], "complete": self.complete,
                "families": list(self.families), "domain": self.domain, "message": self.message,
                "numeric_check": self.numeric_check}


# --------------------------------------------------------------------------------------
# the front door
# --------------------------------------------------------------------------------------

def critical_points(f, vars=None, domain=None, *, check: bool = True,
                    time_limit: float | None = 5.0) -> CriticalPoints:
    """Find, classify and explain the critical points of `f`.

    Parameters
    ----------
    f : str or sympy.Expr
        The function. Text goes through calcml's safe parser.
    vars : sequence of str, or str, optional
        The variables (``"x,y"`` or ``["x", "y"]``). Default: the free
        variables sorted by name.
    domain : optional
        Narrows the real domain derived from the expression. One variable: a
        pair ``(low, high)`` meaning the open interval (``None`` for an
        infinite end) or a SymPy set. Several variables: a mapping
        ``{name: (low, high)}`` of open intervals.
    check : bool
        Cross-check a complete answer with a multistart numeric root search
        on the gradient (SciPy); the outcome is in ``numeric_check``.
    time_limit : float or None
        Seconds allowed for the symbolic work (solving, classifying). The
        numeric cross-check gets what is left of `time_limit` + 1.5 s (at
        least 0.5 s), so the whole call ends within about `time_limit` + 2 s;
        a cross-check cut short is reported in ``numeric_check`` (and, for an
        answer SymPy could not complete, in ``message``).

    Returns
    -------
    CriticalPoints

    Raises
    ------
    ExpressionError
        For text calcml cannot read.
    DomainError
        For bad `vars` or `domain` (also a ValueError).
    TimeLimitError
        When SymPy does not finish within `time_limit` and `check` is False,
        or when neither SymPy nor the numeric search that then takes over
        finishes within the budget. With `check`, a SymPy time-out otherwise
        gives a numeric-only answer with ``complete=False`` that says so.

    Notes
    -----
    Tests: second-derivative and higher-order derivative tests (the first
    non-zero derivative of even order decides min/max, of odd order gives
    neither), the first-derivative sign test, and the Hessian eigenvalue test
    (e.g. Stewart, *Calculus*, §4.3 and §14.7). A singular Hessian is
    settled by a symbolic sign proof of f(p+u) - f(p), by the higher-order
    test along lines, or by sampling (said so in ``reason``).

    Examples
    --------
    >>> r = critical_points("x^3 - 2x^2 + 1")
    >>> [(p.point["x"], p.kind) for p in r.points]      # by hand: 3x^2 - 4x = x(3x - 4)
    [(0, 'maximum'), (4/3, 'minimum')]
    >>> print(critical_points("log(x)").message)
    no critical point: f'(x) = 1/x is never 0 on (0, ∞), and x = 0 is outside the domain
    >>> [p.kind for p in critical_points("x^2 - y^2").points]
    ['saddle']
    """
    import sympy as sp

    from .timelimit import run_with_time_limit

    expr, syms = _prepare(f, vars)
    conditions = _domain_conditions(expr)
    box = _box(domain, syms)

    def work():
        if len(syms) == 1:
            return _one_variable(expr, syms[0], conditions, box)
        return _several_variables(expr, syms, conditions, box)

    import time

    started = time.monotonic()
    if check:
        import scipy.optimize  # noqa: F401 - its import (up to a second, cold) is not the search's time
    try:
        result = run_with_time_limit(work, seconds=time_limit, what="finding the critical points",
                                     hint="try calcml.minimize from a few starting points instead")
    except TimeLimitError as exc:
        if not check:
            raise
        # SymPy ran out of time: answer with what a numeric search finds in the time left, and say so
        dom = "R^%d" % len(syms) if not conditions and not box else " and ".join(
            [sp.sstr(c) for c in conditions] + [f"{s.name} in {_fmt_set(v)}" for s, v in box.items()])
        result = CriticalPoints(expr, tuple(s.name for s in syms), (), False, (), dom,
                                f"SymPy did not solve for the critical points within {time_limit:g} s, so this "
                                "answer is numeric only and may be incomplete")
        left = max(1.0, time_limit + 1.8 - (time.monotonic() - started))
        try:
            return run_with_time_limit(_with_numeric_points, result, expr, syms, conditions, box, seconds=left,
                                       what="the numeric search for the critical points")
        except TimeLimitError:
            raise TimeLimitError(f"{exc}; the numeric search that followed did not finish within the "
                                 f"{left:.2g} s left either") from None
    if check and result.families:
        return _replace(result, numeric_check="skipped: infinitely many critical points")
    if check:
        stage = _with_numeric_check if result.complete else _with_numeric_points
        # one budget for the whole call: the cross-check gets what the symbolic work left of limit + 1.5 s
        left = None if time_limit is None else max(0.5, time_limit + 1.5 - (time.monotonic() - started))
        try:
            result = run_with_time_limit(stage, result, expr, syms, conditions, box, seconds=left,
                                         what="the numeric cross-check of the critical points",
                                         hint="allow more time with time_limit=...")
        except TimeLimitError as exc:
            result = _replace(result, numeric_check=f"cut short: {exc}")
            if not result.complete:
                result = _replace(result, message=result.message + "; the numeric search for the points SymPy "
                                  "could not find ran out of time, so there may be others")
    return result


def _replace(r: CriticalPoints, **changes) -> CriticalPoints:
    import dataclasses

    return dataclasses.replace(r, **changes)


# --------------------------------------------------------------------------------------
# input and domain
# --------------------------------------------------------------------------------------

def _prepare(f, vars):
    import sympy as sp

    from .expressions import parse

    names = None
    if vars is not None:
        if isinstance(vars, str):
            names = [v.strip() for v in vars.split(",") if v.strip()]
        else:
            names = [v if isinstance(v, str) else getattr(v, "name", None) for v in vars]
        if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise DomainError(f"vars must be variable names such as 'x,y' or ['x', 'y']; got {vars!r}")
        if len(set(names)) != len(names):
            raise DomainError(f"vars lists a variable twice: {vars!r}; name each once")
    if isinstance(f, (str, sp.Basic)):
        expr = parse(f, names) if isinstance(f, str) else f
        # the work is over the reals: rebuild the expression over real symbols of the same names
        # (results name variables by their names, so no real symbol reaches the user)
        expr = expr.xreplace({s: sp.Symbol(s.name, real=True) for s in expr.free_symbols})
    else:
        raise DomainError(f"f must be text such as 'x^3 - 2x^2 + 1' or a SymPy expression; "
                          f"got {type(f).__name__}")
    free = sorted(expr.free_symbols, key=lambda s: s.name)
    if names is None:
        syms = tuple(free)
        if not syms:
            raise DomainError("f has no variable, so it has no critical points to find; "
                              "write a function of x (or pass vars=...)")
    else:
        by_name = {s.name: s for s in free}
        missing = set(by_name) - set(names)
        if missing:
            raise DomainError(f"f uses {', '.join(sorted(missing))}, which vars does not list; "
                              "list every variable")
        syms = tuple(by_name.get(n, sp.Symbol(n, real=True)) for n in names)
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise DomainError("f is not finite anywhere (it contains an infinity or 1/0); check the expression")
    return expr, syms


def _domain_conditions(expr) -> list:
    """Conditions (SymPy relationals) for `expr` to be real and finite, from its structure."""
    import sympy as sp

    conds = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.log):
            conds.append(sp.Gt(node.args[0], 0))
        elif isinstance(node, sp.Pow):
            base, e = node.args
            if e.is_number and e.is_integer is not True:
                conds.append(sp.Gt(base, 0) if e.is_negative else sp.Ge(base, 0))
            elif e.is_number and e.is_negative:
                conds.append(sp.Ne(base, 0))
            elif not e.is_number:
                conds.append(sp.Gt(base, 0))  # x^y with a variable exponent: base > 0
        elif isinstance(node, (sp.asin, sp.acos)):
            conds.append(sp.Le(sp.Abs(node.args[0]), 1))
        elif isinstance(node, sp.tan):
            conds.append(sp.Ne(sp.cos(node.args[0]), 0))
    return [c for c in conds if c is not sp.true]


def _box(domain, syms):
    """The user's narrowing as {symbol: (low, high)} or {symbol: Set}."""
    import sympy as sp

    if domain is None:
        return {}
    if len(syms) == 1 and (isinstance(domain, sp.Set) or isinstance(domain, (tuple, list))):
        domain = {syms[0].name: domain}
    if not isinstance(domain, Mapping):
        raise DomainError("domain must be a pair (low, high) for one variable or a mapping "
                          f"{{name: (low, high)}}; got {domain!r}")
    out = {}
    names = {s.name: s for s in syms}
    for name, spec in domain.items():
        if name not in names:
            raise DomainError(f"domain names {name!r}, which is not a variable of f "
                              f"({', '.join(names)})")
        if isinstance(spec, sp.Set):
            out[names[name]] = spec
            continue
        if not (isinstance(spec, (tuple, list)) and len(spec) == 2):
            raise DomainError(f"domain[{name!r}] must be a pair (low, high), None for an infinite end; "
                              f"got {spec!r}")
        lo, hi = (sp.nsimplify(b) if b is not None else (-sp.oo if i == 0 else sp.oo)
                  for i, b in enumerate(spec))
        if not lo < hi:
            raise DomainError(f"domain[{name!r}] = {spec!r} is empty: low must be below high")
        out[names[name]] = sp.Interval.open(lo, hi)
    return out


def _defined(expr, conditions, point: dict) -> bool:
    """Whether `point` lies in the domain: every condition holds and f is finite and real."""
    import sympy as sp

    for c in conditions:
        v = c.subs(point)
        if v is sp.true:
            continue
        if v is sp.false:
            return False
        try:
            if not bool(v.n(30)):
                return False
        except TypeError:
            return False
    val = expr.subs(point)
    return bool(val.is_finite is not False and val.is_real is not False)


def _in_box(box, point: dict) -> bool:
    import sympy as sp

    return all(box[s].contains(point[s]) is sp.true for s in box)


# --------------------------------------------------------------------------------------
# one variable
# --------------------------------------------------------------------------------------

def _one_variable(expr, x, conditions, box) -> CriticalPoints:
    import sympy as sp

    dom = sp.S.Reals
    periodic = []
    for c in conditions:
        if c.has(sp.sin, sp.cos, sp.tan):
            # solveset answers such conditions over one period only: keep them as a pointwise filter
            periodic.append(c)
            continue
        try:
            dom = dom & sp.solveset(c, x, sp.S.Reals)
        except (NotImplementedError, ValueError):
            pass
    if x in box:
        dom = dom & box[x]
    dom_text = _fmt_set(dom) + "".join(f"{' where' if i == 0 else ' and'} {_fmt_condition(c)}"
                                       for i, c in enumerate(periodic))
    d = sp.diff(expr, x)
    d_read = tidy(d)
    fam: list[str] = []
    complete = True
    notes = []
    if d_read == 0:
        return CriticalPoints(expr, (x.name,), (), False, (f"every {x.name} in {dom_text} (f is constant)",),
                              dom_text, f"f is constant on {dom_text}: every point is critical "
                              "(each a minimum and a maximum, not strict)")
    from .symbolic import sigmoid

    solvable = sp.simplify(d.rewrite(sp.exp)) if d.has(sigmoid) else d  # solveset knows exp, not sigmoid
    roots = _polynomial_real_roots(solvable, x)
    zeros = sp.FiniteSet(*[r for r in roots if dom.contains(r) is sp.true]) if roots is not None else \
        sp.solveset(sp.Eq(solvable, 0), x, dom)
    stationary = []
    if isinstance(zeros, sp.Intersection) and any(isinstance(a, sp.FiniteSet) for a in zeros.args):
        # roots SymPy wrote with I although they may be real (a cubic's casus irreducibilis)
        (finite,) = [a for a in zeros.args if isinstance(a, sp.FiniteSet)]
        zeros = sp.FiniteSet(*[sp.re(v) for v in finite if _is_real(v)])
        zeros = sp.FiniteSet(*[v for v in zeros if dom.contains(v) is sp.true])
    if isinstance(zeros, sp.FiniteSet) or zeros is sp.S.EmptySet:
        stationary = list(zeros)
    elif isinstance(zeros, sp.ConditionSet) or zeros.has(sp.ConditionSet):
        complete = False
        notes.append(f"SymPy could not solve f'({x.name}) = {sp.sstr(d_read)} = 0 exactly")
    else:
        complete = False
        members, fam = _family_members(zeros, x)
        stationary = members
    stationary = [s for s in stationary if s.is_real is not False and _defined(expr, conditions, {x: s})]
    singular, outside = _singular_points(expr, d, x, conditions, dom)
    stationary = [s for s in stationary if s not in singular]  # e.g. SymPy's sign(0) = 0 for |x|'
    candidates = sorted(set(stationary) | set(singular), key=lambda v: float(v))
    points = []
    for i, x0 in enumerate(candidates):
        kind, reason = classify_1d(expr, d, x, x0, candidates, x0 in stationary)
        points.append(CriticalPoint({x.name: x0}, tidy(expr.subs(x, x0)), kind, reason, x0 in stationary))
    message = _message_1d(x, d_read, dom_text, points, outside, fam, complete, notes)
    return CriticalPoints(expr, (x.name,), tuple(points), complete, tuple(fam), dom_text, message)


def _polynomial_real_roots(d, x):
    """Exact real roots of the numerator of f' when it is a polynomial with rational coefficients, else None.

    ``Poly.real_roots`` isolates every real root (CRootOf where no radical form is simple), so
    the set is complete; the denominator's roots are removed (f' is undefined there).
    """
    import sympy as sp

    num, den = sp.fraction(sp.together(d))
    try:
        pn, pd = sp.Poly(num, x), sp.Poly(den, x)
    except sp.PolynomialError:
        return None
    if pn.domain not in (sp.ZZ, sp.QQ) or pd.domain not in (sp.ZZ, sp.QQ) or pn.degree() < 1:
        return None if pn.degree() >= 1 else []
    bad = set(pd.real_roots()) if pd.degree() >= 1 else set()
    return [r for r in dict.fromkeys(pn.real_roots()) if r not in bad]


def _family_members(s, x):
    """Members in [-10, 10] of an infinite solution set, and a description of each family."""
    import sympy as sp

    parts = s.args if isinstance(s, sp.Union) else (s,)
    members, descriptions = [], []
    window = sp.Interval(-_FAMILY_WINDOW, _FAMILY_WINDOW)
    for part in parts:
        if isinstance(part, sp.FiniteSet):
            members += list(part)
            continue
        if isinstance(part, sp.Intersection):  # ImageSet & domain
            inner = [a for a in part.args if isinstance(a, sp.ImageSet)]
            if inner:
                part = inner[0]
        if isinstance(part, sp.ImageSet):
            lam = part.lamda
            n = lam.variables[0]
            k_ = sp.Symbol("n", integer=True)
            descriptions.append(f"{x.name} = {sp.sstr(lam.expr.subs(n, k_))}, n integer")
            for k in range(-10, 11):
                v = lam.expr.subs(n, k)
                if window.contains(v) is sp.true:
                    members.append(v)
        else:
            descriptions.append(f"{x.name} in {_fmt_set(part)}")
    return members, descriptions


def _singular_points(expr, d, x, conditions, dom):
    """Points inside the domain where f is defined but f' is not; and such points outside it."""
    import sympy as sp

    bases = set()
    for node in sp.preorder_traversal(d):
        if isinstance(node, sp.Pow) and node.args[1].is_number and node.args[1].is_negative:
            bases.add(node.args[0])
        elif isinstance(node, (sp.log,)):
            bases.add(node.args[0])
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Abs):
            bases.add(node.args[0])
    found, outside = [], []
    for b in bases:
        try:
            sols = sp.solveset(sp.Eq(b, 0), x, sp.S.Reals)
        except (NotImplementedError, ValueError):
            continue
        if not isinstance(sols, sp.FiniteSet):
            continue
        for x0 in sols:
            inside = _interior(dom, x0) and _defined(expr, conditions, {x: x0})
            if not inside:
                if dom.contains(x0) is not sp.true:
                    outside.append(x0)
                continue
            left = sp.limit(d, x, x0, "-")
            right = sp.limit(d, x, x0, "+")
            if left == right and left.is_finite:
                continue  # f' extends continuously: differentiable there (the solver sees it if 0)
            found.append(x0)
    return sorted(set(found), key=float), sorted(set(outside), key=float)


def _interior(dom, x0) -> bool:
    import sympy as sp

    if dom.contains(x0) is not sp.true:
        return False
    return dom.boundary.contains(x0) is not sp.true


def _fmt_set(s) -> str:
    import sympy as sp

    if s == sp.S.Reals:
        return "(-\u221e, \u221e)"
    if isinstance(s, sp.Interval):
        lo = "[" if not s.left_open else "("
        hi = "]" if not s.right_open else ")"
        return f"{lo}{_end(s.start)}, {_end(s.end)}{hi}"
    if isinstance(s, sp.Union):
        return " U ".join(_fmt_set(a) for a in s.args)
    if isinstance(s, sp.Complement) and s.args[0] == sp.S.Reals and isinstance(s.args[1], sp.FiniteSet):
        return "all reals except " + ", ".join(sp.sstr(a) for a in s.args[1])
    return sp.sstr(s)


def _fmt_condition(c) -> str:
    import sympy as sp

    ops = {sp.Ne: "!=", sp.Gt: ">", sp.Ge: ">=", sp.Lt: "<", sp.Le: "<="}
    op = ops.get(type(c))
    return f"{sp.sstr(c.lhs)} {op} {sp.sstr(c.rhs)}" if op else sp.sstr(c)


def _end(v) -> str:
    import sympy as sp

    return {sp.oo: "\u221e", -sp.oo: "-\u221e"}.get(v, sp.sstr(v))


def _message_1d(x, d_read, dom_text, points, outside, fam, complete, notes) -> str:
    import sympy as sp

    n = x.name
    if fam:
        head = "infinitely many critical points: " + "; ".join(fam)
        return f"{head}; listed: those in [-{_FAMILY_WINDOW}, {_FAMILY_WINDOW}]"
    if notes:
        return "; ".join(notes) + "; the list may be incomplete"
    if points:
        parts = [f"{p.kind} at {n} = {sp.sstr(p.point[n])}" for p in points]
        return f"{len(points)} critical point{'s' if len(points) > 1 else ''}: " + ", ".join(parts)
    msg = f"no critical point: f'({n}) = {sp.sstr(d_read)} is never 0 on {dom_text}"
    if outside:
        where = " and ".join(f"{n} = {sp.sstr(o)}" for o in outside)
        verb = "is" if len(outside) == 1 else "are"
        msg += f", and {where} {verb} outside the domain"
    return msg


# --------------------------------------------------------------------------------------
# several variables
# --------------------------------------------------------------------------------------

def _several_variables(expr, syms, conditions, box) -> CriticalPoints:
    import sympy as sp

    names = tuple(s.name for s in syms)
    grad = [tidy(sp.diff(expr, s)) for s in syms]
    polynomial = all(_polynomial_zeros(g, syms) for g in grad)
    try:
        sols = sp.solve(grad, syms, dict=True)
    except NotImplementedError:
        sols, polynomial = [], False
    complete = polynomial
    families, pts = [], []
    for sol in sols:
        values = {s: sol.get(s, s) for s in syms}
        if any(v.free_symbols for v in values.values()):
            complete = False
            families.append(", ".join(f"{s.name} = {sp.sstr(v)}" for s, v in values.items()))
            continue
        if not all(_is_real(v) for v in values.values()):
            continue
        values = {s: (sp.re(v) if v.is_real is not True else v) for s, v in values.items()}
        values = {s: tidy(v) for s, v in values.items()}
        if not _defined(expr, conditions, values) or not _in_box(box, values):
            continue
        pts.append(values)
    # dedupe and sort
    uniq = {tuple(p[s] for s in syms): p for p in pts}
    ordered = sorted(uniq.values(), key=lambda p: tuple(float(p[s]) for s in syms))
    H = sp.hessian(expr, syms)
    points = []
    for p in ordered:
        kind, reason = classify_nd(expr, H, syms, p)
        points.append(CriticalPoint({s.name: p[s] for s in syms}, tidy(expr.subs(p)), kind, reason))
    dom = "R^%d" % len(syms) if not conditions and not box else \
        " and ".join([sp.sstr(c) for c in conditions] +
                     [f"{s.name} in {_fmt_set(v)}" for s, v in box.items()])
    gtext = "(" + ", ".join(sp.sstr(g) for g in grad) + ")"
    if families:
        message = "infinitely many critical points: " + "; ".join(families)
    elif not complete:
        message = (f"{len(points)} critical point(s) found; the gradient {gtext} is not a system of "
                   "polynomial equations, so SymPy cannot guarantee these are all")
    elif points:
        message = f"{len(points)} critical point{'s' if len(points) > 1 else ''}: " + ", ".join(
            f"{q.kind} at ({', '.join(sp.sstr(v) for v in q.point.values())})" for q in points)
    else:
        message = f"no critical point: the gradient {gtext} is never zero on the domain ({dom})"
    return CriticalPoints(expr, names, tuple(points), complete, tuple(families), dom, message)


def _polynomial_zeros(g, syms) -> bool:
    """Whether g = 0 is a polynomial equation once factors that are never 0 (exp(...), positive) are dropped.

    SymPy's ``solve`` finds every solution of a polynomial system (Groebner bases), so then
    the solution set is complete; x*exp(-x^2 - y^2) has gradient (1 - 2x^2) exp(...), -2xy exp(...).
    """
    import sympy as sp

    def essential(e):
        return sp.Mul(*[f for f in sp.Mul.make_args(sp.factor_terms(e))
                        if not (isinstance(f, sp.exp) or (f.is_Pow and isinstance(f.base, sp.exp))
                                or f.is_positive or (f.free_symbols and f.is_zero is False and f.is_finite))])

    num, den = sp.together(g).as_numer_denom()
    return essential(num).is_polynomial(*syms) and essential(den).is_polynomial(*syms)


def _is_real(v) -> bool:
    import sympy as sp

    if v.is_real is not None:
        return bool(v.is_real)
    z = complex(sp.N(v, 30))
    return abs(z.imag) < 1e-25


# --------------------------------------------------------------------------------------
# numeric cross-check
# --------------------------------------------------------------------------------------

def _numeric_roots(expr, syms, conditions, box, near=(), wide=1.0):
    """Stationary points found by a multistart local root search on the gradient (SciPy's hybr,
    polished by Gauss-Newton steps, which still converge, linearly, at a singular Hessian), each
    confirmed as a zero of the gradient by Newton's method in 50-digit arithmetic.

    Returns the points (floats), a description of the search, the Hessian function, and the
    points as {symbol: 30-digit Float}. Starts lie in [-s, s]^n with s >= `wide`.
    """
    import numpy as np
    import sympy as sp
    from scipy.optimize import root

    n = len(syms)
    g = sp.lambdify(syms, [sp.diff(expr, s) for s in syms], "numpy")
    hess = sp.hessian(expr, syms)
    H = sp.lambdify(syms, hess, "numpy") if not hess.has(sp.DiracDelta, sp.sign, sp.Heaviside) else None

    def gv(v):
        with np.errstate(all="ignore"):
            return np.asarray(g(*v), dtype=float).ravel()

    def hv(v):
        if H is None:  # a kink in f': difference the gradient instead
            h = 1e-6
            return np.column_stack([(gv(v + h * e) - gv(v - h * e)) / (2 * h) for e in np.eye(n)])
        with np.errstate(all="ignore"):
            return np.asarray(H(*v), dtype=float).reshape(n, n)

    scale = float(math.ceil(2 * max([1.0] + [float(np.max(np.abs(c))) for c in near])))
    near_scale, scale = scale, max(scale, float(wide))
    verify = _high_precision_newton(expr, syms)
    exact: list = []
    rejected: list = []
    rng = np.random.default_rng(12345)
    starts = list(rng.uniform(-scale, scale, size=(40 if n == 1 else 60, n)))
    if scale > near_scale:   # a wide search keeps the density of the usual one near the origin too
        starts += list(rng.uniform(-near_scale, near_scale, size=(20 if n == 1 else 30, n)))
    starts += [c + 0.1 * rng.standard_normal(n) for c in near]
    found: list = []
    for x0 in starts:
        if not np.all(np.isfinite(gv(x0))):
            continue
        try:
            x = root(gv, x0, jac=hv if H is not None else None, method="hybr", options={"xtol": 1e-14}).x
            with np.errstate(all="ignore"):
                for _ in range(200):
                    J = hv(x)
                    if not np.all(np.isfinite(J)):
                        break
                    step = np.linalg.lstsq(J, -gv(x), rcond=None)[0]
                    if not np.all(np.isfinite(step)):
                        break
                    x = x + step
                    if np.max(np.abs(step)) < 1e-15 * (1 + np.max(np.abs(x))):
                        break
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, TypeError):
            continue
        gx = gv(x)
        # a root far outside the box searched is usually an underflow (exp(x) -> 0 at x = -700)
        if not (np.all(np.isfinite(gx)) and np.linalg.norm(gx) < 1e-9 and np.max(np.abs(x)) <= 2 * scale):
            continue
        if any(np.max(np.abs(x - y)) <= 1e-6 for y in found + rejected):
            continue             # already verified (or rejected) nearby
        precise = verify(x)
        if precise is None:      # not a zero of the gradient at 50 digits: noise, a flat region, a hole
            rejected.append(x)
            continue
        x = np.array([float(v) for v in precise])
        pt = {s: sp.Float(v, 30) for s, v in zip(syms, precise)}
        if not _defined(expr, conditions, pt) or not _in_box(box, pt) or _at_boundary(conditions, pt):
            continue
        if all(np.max(np.abs(x - y)) > 1e-6 for y in found):
            found.append(x)
            exact.append(pt)
    box_text = f"[-{scale:g}, {scale:g}]" + (f"^{n}" if n > 1 else "")
    return found, f"{len(starts)} root searches started in {box_text}", hv, exact


def _at_boundary(conditions, pt) -> bool:
    """Whether `pt` is within 1e-12 of the edge of a domain condition (x = 0 for sin(x)/x).

    Near a removable singularity the cancellation in f' makes a point next to the hole look
    stationary even at 50 digits; the hole itself is outside the domain, so such a point is dropped.
    """
    import sympy as sp

    for c in conditions:
        if not isinstance(c, (sp.Ne, sp.Gt, sp.Ge, sp.Lt, sp.Le)):
            continue
        try:
            gap = abs(complex(sp.N((c.lhs - c.rhs).subs(pt), 30)))
        except (TypeError, ValueError):
            continue
        if gap < 1e-12:
            return True
    return False


def _high_precision_newton(expr, syms):
    """A function x (floats) -> the coordinates (mpmath, 50 digits) of a zero of the gradient near x, or None.

    Newton's method on the gradient in 50-digit arithmetic, from the numeric root. Accepted when
    the steps fall below 1e-30 (relative), or shrink geometrically (ratio q < 0.95, as at a
    multiple root) with a remaining distance q/(1 - q) |step| below 1e-12 and an exactly
    vanishing gradient in the limit. Rejected: a float "root" where cancellation or underflow made
    the gradient look zero (sin(x)/x near 0, exp(-1/x^2) on its flat shoulders): there the 50-digit
    Newton iteration wanders off or crawls (q -> 1).
    """
    import mpmath
    import sympy as sp

    grad = [sp.diff(expr, s) for s in syms]
    try:
        g = sp.lambdify(syms, grad, "mpmath")
        h = sp.lambdify(syms, sp.hessian(expr, syms), "mpmath")
    except Exception:  # noqa: BLE001 - a function mpmath cannot evaluate: no verification possible
        return lambda x: None
    n = len(syms)

    def verify(x):
        with mpmath.workdps(50):
            v = mpmath.matrix([mpmath.mpf(float(c)) for c in x])
            start = v.copy()
            last = None
            try:
                for k in range(300):
                    gv = mpmath.matrix(g(*v))
                    if mpmath.norm(gv) == 0:
                        last = mpmath.mpf(0)
                        break
                    H = mpmath.matrix(h(*v))
                    try:
                        step = mpmath.lu_solve(H, gv)
                    except ZeroDivisionError:  # singular Hessian (x^2 + y^4 on the line y = 0): regularise
                        step = mpmath.lu_solve(H + mpmath.mpf(10) ** -40 * (1 + mpmath.mnorm(H, 1))
                                               * mpmath.eye(n), gv)
                    v = v - step
                    size = mpmath.norm(step)
                    if not mpmath.isfinite(size):
                        return None
                    if size < mpmath.mpf(10) ** -30 * (1 + mpmath.norm(v)):
                        last = mpmath.mpf(0)
                        break
                    if last is not None and size > 0:
                        q = size / last
                        if q < 0.95 and size * q / (1 - q) < mpmath.mpf(10) ** -12 * (1 + mpmath.norm(v)) \
                                and k > 20:
                            last = mpmath.mpf(0)
                            break
                    last = size
                else:
                    return None
            except (ZeroDivisionError, TypeError, ValueError, OverflowError):
                return None
            if last != 0 or mpmath.norm(v - start) > 1e-4 * (1 + mpmath.norm(start)):
                return None
            if any(mpmath.im(c) != 0 for c in v):
                return None
            return [mpmath.nstr(mpmath.re(c), 40) for c in v]

    return verify


def _with_numeric_check(result: CriticalPoints, expr, syms, conditions, box) -> CriticalPoints:
    """Compare the symbolic stationary points with a multistart numeric root search."""
    import numpy as np

    symbolic = [np.array(p.coordinates()) for p in result.points if p.stationary]
    found, nstarts, hv, _ = _numeric_roots(expr, syms, conditions, box, symbolic)
    worst = 0.0
    missing = []
    for c in symbolic:
        dist = min([np.max(np.abs(c - y)) for y in found], default=np.inf)
        degenerate = abs(np.linalg.det(hv(c))) < 1e-10
        tol = 1e-3 if degenerate else 1e-8
        if dist > tol:
            missing.append(c)
        elif not degenerate:
            worst = max(worst, dist)
    extra = [y for y in found if all(np.max(np.abs(y - c)) > 1e-3 for c in symbolic)]
    if missing or extra:
        parts = []
        if missing:
            parts.append("not found numerically: " + ", ".join(str(np.round(m, 6).tolist()) for m in missing))
        if extra:
            parts.append("found numerically but not symbolically: "
                         + ", ".join(str(np.round(e, 6).tolist()) for e in extra))
        text = "disagree: " + "; ".join(parts)
        if extra:
            # each extra point is a zero of the gradient at 50 digits: the symbolic list missed it,
            # so it cannot be called complete
            message = (result.message + "; but a numeric search found critical points SymPy did not "
                       "(each confirmed at 50 digits): " + ", ".join(str(np.round(e, 6).tolist()) for e in extra)
                       + ", so the list is incomplete")
            return _replace(result, complete=False, message=message, numeric_check=text)
        return _replace(result, message=result.message + "; the numeric check disagrees (see numeric_check)",
                        numeric_check=text)
    else:
        # a singular Hessian makes root finding converge slowly: 1e-3 there, 1e-8 elsewhere
        text = (f"agree: {nstarts} found no stationary point either" if not found
                else f"agree: {nstarts} found the same {len(found)} stationary point(s), "
                     f"to {max(worst, 1e-16):.0e} (tolerance 1e-8)")
    return _replace(result, numeric_check=text)


def _with_numeric_points(result: CriticalPoints, expr, syms, conditions, box) -> CriticalPoints:
    """An incomplete symbolic answer: add the stationary points a numeric search finds.

    A numeric root is turned into an exact point when a simple exact number
    (``nsimplify``) makes the gradient exactly zero; otherwise it is kept as a
    float, and its kind comes from the same tests at that float point.
    """
    import numpy as np
    import sympy as sp

    have = [np.array(p.coordinates()) for p in result.points]
    # SymPy could not solve: search wider than the points it has (at least [-10, 10] per variable)
    found, nstarts, _, precise = _numeric_roots(expr, syms, conditions, box, have, wide=_FAMILY_WINDOW)
    new = [(y, q) for y, q in zip(found, precise) if all(np.max(np.abs(y - c)) > 1e-6 for c in have)]
    if not new:
        return _replace(result, numeric_check=f"{nstarts} found no other stationary point")
    grad = [sp.diff(expr, s) for s in syms]
    H = sp.hessian(expr, syms)
    points = list(result.points)
    for y, q in new:
        exact = {s: sp.nsimplify(float(v), [sp.pi, sp.E], tolerance=1e-10) for s, v in zip(syms, y)}
        if all(sp.expand(gi.subs(exact)) == 0 for gi in grad):
            p, how = exact, "found numerically, exact: the gradient is 0 there"
        else:
            p, how = q, "found numerically and confirmed a zero of the gradient at 50 digits (shown to 30)"
        if len(syms) == 1:
            d = grad[0]
            kind, reason = classify_1d(expr, d, syms[0], p[syms[0]], [p[syms[0]]], True)
        else:
            kind, reason = classify_nd(expr, H, syms, p)
        points.append(CriticalPoint({s.name: p[s] for s in syms}, tidy(expr.subs(p)), kind,
                                    f"{how}; {reason}"))
    points.sort(key=lambda q: q.coordinates())
    msg = result.message + (f"; a numeric search in {nstarts.split(' in ')[-1]} added {len(new)} point(s), "
                            "each confirmed at 50 digits; there may be others")
    return _replace(result, points=tuple(points), message=msg,
                    numeric_check=f"{nstarts} added {len(new)} point(s)")
