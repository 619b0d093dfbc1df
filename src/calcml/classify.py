"""How a critical point is classified, and the reason given for it.

- One variable: the first derivative that does not vanish at the point
  (second-derivative test, then the higher-order test: an even order gives an
  extremum, an odd order does not), else the sign of f' on either side
  (first-derivative test), which is also the test at a point where f' does not exist.
- Several variables: the signs of the Hessian's eigenvalues. When the Hessian
  is singular: a SymPy proof that f(p + u) - f(p) keeps one sign, then the
  higher-order test along lines through p (eigenvectors and axes), and last a
  sampling test on small circles, which is named as such in the reason
  (Peano's y^2 - 3x^2 y + 2x^4 has a minimum on every line through 0 and is a saddle).

References: Stewart, *Calculus*, sections 4.3 and 14.7; for the singular case,
the counterexample of Peano (1884).
"""

from __future__ import annotations

import math

__all__ = ["classify_1d", "classify_nd", "sign_of", "tidy"]

_MAX_ORDER = 8  # the higher-order test looks at derivatives up to this order


def tidy(e):
    """`e` simplified by SymPy, unless that makes it longer."""
    import sympy as sp

    out = sp.simplify(e)
    return out if sp.count_ops(out) <= sp.count_ops(e) else e


def show(v) -> str:
    """An exact number as text, with its decimal value when it is not a plain rational (sqrt(2) ≈ 1.41421)."""
    import sympy as sp

    text = sp.sstr(v)
    if getattr(v, "is_Rational", False) or not getattr(v, "is_number", False):
        return text
    try:
        return f"{text} ≈ {float(v):.6g}"
    except (TypeError, ValueError):
        return text


def classify_1d(expr, d, x, x0, candidates, stationary):
    """(kind, reason) for the critical point `x0` of `expr` in the variable `x`.

    Parameters
    ----------
    expr, d : sympy.Expr
        f and f'.
    x : sympy.Symbol
    x0 : SymPy number
        The point.
    candidates : sequence
        Every critical point: the sign test looks closer to `x0` than any other one.
    stationary : bool
        False where f' does not exist: only the sign test applies.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> classify_1d(x**4, 4 * x**3, x, sp.Integer(0), [0], True)[0]   # by hand: f^(4)(0) = 24 > 0
    'minimum'
    >>> classify_1d(x**3, 3 * x**2, x, sp.Integer(0), [0], True)[0]   # f'''(0) = 6: odd order
    'neither'
    """
    import sympy as sp

    fx = x.name
    if stationary:
        dk = d
        for k in range(2, _MAX_ORDER + 1):
            dk = sp.diff(dk, x)
            v = tidy(dk.subs(x, x0))
            sgn = sign_of(v)
            if sgn is None:
                break
            if sgn == 0:
                continue
            name = "f''" if k == 2 else f"f^({k})"
            shown = f"{name}({show(x0)}) = {show(v)}"
            if k % 2 == 0:
                kind = "minimum" if sgn > 0 else "maximum"
                test = "second-derivative test" if k == 2 else \
                    f"higher-order test: the first non-zero derivative has even order {k}"
                return kind, f"{shown} {'>' if sgn > 0 else '<'} 0 ({test})"
            lower = "f''" if k == 3 else f"f'' ... f^({k - 1})"
            return "neither", (f"{lower} vanish at {sp.sstr(x0)} and {shown} != 0: the first non-zero "
                               f"derivative has odd order {k}, so f' keeps its sign (not an extremum)")
    # first-derivative test: the sign of f' on each side, closer than any other candidate
    others = [abs(float(c) - float(x0)) for c in candidates if c != x0]
    h = min([1e-3] + [g / 2 for g in others])
    h = sp.Rational(str(h)) if h >= 1e-12 else sp.Rational(1, 10**12)
    left, right = (sign_of(sp.N(d.subs(x, x0 + s * h), 30)) for s in (-1, 1))
    why = "f' does not exist there; " if not stationary else ""
    if left is None or right is None:
        return "unknown", f"{why}the sign of f' near {sp.sstr(x0)} could not be decided"
    sym = {1: "+", -1: "-", 0: "0"}
    signs = f"f' is {sym[left]} just left of {fx} = {sp.sstr(x0)} and {sym[right]} just right"
    if left < 0 < right:
        return "minimum", f"{why}{signs} (first-derivative test)"
    if left > 0 > right:
        return "maximum", f"{why}{signs} (first-derivative test)"
    if left == right and left != 0:
        return "neither", f"{why}{signs}: f keeps increasing or decreasing through it (first-derivative test)"
    return "unknown", f"{why}{signs}; no test decides"


def sign_of(v):
    """+1, -1 or 0 for a SymPy number, None when undecidable (or not finite)."""
    import sympy as sp

    if not isinstance(v, sp.Basic):  # a Python number from our own code (never text): no sympify
        v = sp.Integer(v) if isinstance(v, int) else sp.Float(float(v))
    if v.is_zero:
        return 0
    if v.is_positive:
        return 1
    if v.is_negative:
        return -1
    if v.is_finite is False or v.has(sp.zoo, sp.nan):
        return None
    try:
        z = complex(sp.N(v, 50))
    except (TypeError, ValueError):
        return None
    if not math.isfinite(z.real) or abs(z.imag) > 1e-30:
        return None
    if abs(z.real) < 1e-40:
        return 0  # numerically zero at 50 digits (SymPy could not prove it)
    return 1 if z.real > 0 else -1


def classify_nd(expr, H, syms, p):
    """(kind, reason) for the stationary point `p` ({symbol: value}) of `expr`, whose Hessian is `H`.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y", real=True)
    >>> f = x**2 - y**2
    >>> classify_nd(f, sp.hessian(f, (x, y)), (x, y), {x: 0, y: 0})[0]   # H = diag(2, -2)
    'saddle'
    >>> f = y**2 - 3 * x**2 * y + 2 * x**4       # Peano: a minimum on every line through 0, yet a saddle
    >>> classify_nd(f, sp.hessian(f, (x, y)), (x, y), {x: 0, y: 0})[0]
    'saddle'
    """
    import sympy as sp

    Hp = H.subs(p).applyfunc(tidy)
    eig = None
    if len(syms) <= 3 and all(v.is_Rational for v in Hp):
        eig = []  # exact eigenvalues of a rational matrix
        for lam, mult in Hp.eigenvals().items():
            eig += [tidy(lam)] * mult
    elif len(syms) <= 3:
        try:
            eig = []
            for lam, mult in Hp.eigenvals().items():
                eig += [tidy(lam)] * mult
        except Exception:  # noqa: BLE001 - SymPy's eigenvalue routines can fail to converge; go numeric
            eig = None
    if eig is None:
        import mpmath

        with mpmath.workdps(40):
            mp = mpmath.matrix([[mpmath.mpf(str(sp.N(v, 40))) for v in row] for row in Hp.tolist()])
            eig = [sp.Float(str(v), 30) for v in mpmath.eigsy(mp, eigvals_only=True)]
    signs = [sign_of(sp.re(e)) for e in eig]
    shown = "Hessian eigenvalues " + ", ".join(sp.sstr(e) for e in eig)
    if None not in signs and 0 not in signs:
        if all(s > 0 for s in signs):
            return "minimum", f"{shown}: all positive (Hessian test)"
        if all(s < 0 for s in signs):
            return "maximum", f"{shown}: all negative (Hessian test)"
        return "saddle", f"{shown}: of both signs (Hessian test)"
    if 1 in signs and -1 in signs:
        return "saddle", f"{shown}: of both signs (Hessian test; one is zero, which does not matter)"
    # degenerate: the Hessian test does not decide
    us = [sp.Symbol(f"u{i}", real=True) for i in range(len(syms))]
    diff = sp.expand(expr.subs({s: p[s] + u for s, u in zip(syms, us)}, simultaneous=True) - expr.subs(p))
    head = f"{shown}: singular, so the Hessian test does not decide; "
    if diff.is_nonnegative:
        return "minimum", head + f"f(p + u) - f(p) = {sp.sstr(diff)} >= 0 for every u (SymPy proves it)"
    if diff.is_nonpositive:
        return "maximum", head + f"f(p + u) - f(p) = {sp.sstr(diff)} <= 0 for every u (SymPy proves it)"
    # the higher-order test along lines through p: eigenvectors and the axes
    t = sp.Symbol("t", real=True)
    directions = [list(v) for _, _, vecs in Hp.eigenvects() for v in vecs] if len(syms) <= 3 else []
    directions += [[1 if i == j else 0 for i in range(len(syms))] for j in range(len(syms))]
    found = {}
    for v in directions:
        g = diff.subs({u: vi * t for u, vi in zip(us, v)}, simultaneous=True)
        kind = _line_kind(g, t)
        if kind is not None:
            found.setdefault(kind, v)
    if "neither" in found or ("minimum" in found and "maximum" in found):
        v = found.get("neither") or found["maximum"]
        how = "is not an extremum" if "neither" in found else "has a maximum (and along another a minimum)"
        return "saddle", head + (f"along the direction ({', '.join(sp.sstr(c) for c in v)}) f {how} "
                                 "(higher-order test on the line)")
    sampled = _sample_signs(diff, us)
    if sampled == {1, -1}:
        return "saddle", head + ("f - f(p) takes both signs on every sampled circle of radius 1e-1 ... 1e-4 "
                                 "around p (sampling test, not a proof)")
    guess = {frozenset({1}): "a minimum", frozenset({-1}): "a maximum"}.get(frozenset(sampled - {0}), "nothing")
    return "unknown", head + f"no test decides (sampling on small circles suggests {guess})"


def _line_kind(g, t):
    """min/max/neither of g(t) at t = 0 by the first non-zero derivative, or None."""
    import sympy as sp

    dk = g
    for k in range(1, _MAX_ORDER + 1):
        dk = sp.diff(dk, t)
        s = sign_of(dk.subs(t, 0))
        if s is None:
            return None
        if s == 0:
            continue
        if k % 2:
            return "neither"
        return "minimum" if s > 0 else "maximum"
    return None


def _sample_signs(diff, us) -> set:
    import numpy as np
    import sympy as sp

    fn = sp.lambdify(us, diff, "numpy")
    out = set()
    n = len(us)
    rng = np.random.default_rng(0)
    dirs = rng.standard_normal((4000, n))
    if n == 2:
        a = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
        dirs = np.column_stack([np.cos(a), np.sin(a)])
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    for r in (1e-1, 1e-2, 1e-3, 1e-4):
        with np.errstate(all="ignore"):
            vals = np.asarray(fn(*(r * dirs).T), dtype=float)
        vals = vals[np.isfinite(vals)]
        out |= {int(s) for s in np.unique(np.sign(vals))}
    return out
