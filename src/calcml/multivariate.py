"""Gradients, Jacobians, Hessians, directional derivatives: three lenses, compared.

The front door of lessons 3 and 4. Each function takes text, SymPy input or a
Python callable and answers with every lens the input allows:

- ``symbolic``: exact expressions (text and SymPy input), evaluated at the point;
- ``numeric``: finite differences with error estimates
  (:mod:`calcml.finite_diff_nd`);
- ``automatic``: reverse mode with :mod:`calcml.autodiff`.

and says whether they agree within the tolerances of :mod:`calcml.testing`.
Callables take one 1-D array (``f(x)``, as SciPy's optimizers do) or one number
per coordinate (``lambda x, y: x**2 + y**3``). Text is read with the domain
conditions of the text as typed (:func:`calcml.expressions.parse_with_domain`), and
every lens reports ``OUT_OF_DOMAIN`` outside them; the symbolic lens runs under the
time limit and says ``NOT_DIFFERENTIABLE`` at kinks (:func:`calcml.symbolic.evaluate_at`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ArgumentError, CalcmlError, shown
from .results import _JSON, LensAnswer, Status

__all__ = ["LensAnswer", "LensComparison", "gradient", "jacobian", "hessian",
           "directional_derivative", "steepest_ascent", "SteepestAscent", "LENSES"]

LENSES = ("symbolic", "numeric", "automatic")


@dataclass(frozen=True)
class LensComparison(_JSON):
    """A gradient, Jacobian or Hessian answered by one or more lenses.

    Attributes
    ----------
    kind : str
        ``"gradient"``, ``"jacobian"`` or ``"hessian"``.
    variables : tuple of str
        The inputs, in order (the columns).
    at : numpy.ndarray or None
        The point, when one was given.
    expressions : nested tuple of sympy.Expr or None
        The symbolic answer (rows of a matrix are inner tuples).
    value : numpy.ndarray or None
        The numbers at the point from the most exact lens that succeeded
        (symbolic, then automatic, then numeric).
    lenses : dict
        ``{"symbolic": LensAnswer, "numeric": ..., "automatic": ...}``, the lenses used.
    agree : bool or None
        Whether every lens with a value agrees with the others (None when fewer than two have one).
    """

    kind: str
    variables: tuple
    at: Any
    expressions: Any
    value: Any
    lenses: dict = field(default_factory=dict)
    agree: bool | None = None

    def to_dict(self) -> dict:
        """:func:`calcml.results.jsonable` of the comparison; the formulas also under the kind's
        name (``"gradient"``...), the key the command line documents."""
        d = super().to_dict()
        if self.expressions is not None:
            d[self.kind] = d["expressions"]
        return d


# --- input handling -----------------------------------------------------------------------------

def _is_expression(f) -> bool:
    from .derivatives import _is_expression as is_expr

    return is_expr(f)


def _expressions(f, vars, many: bool, with_domain: bool = False):
    """Parse text/SymPy input: (SymPy expressions, the variables' symbols, other symbols).

    Symbols that are not among `vars` are constants (parameters) to the
    symbolic lens; the lenses that need numbers refuse them (see _require_numbers).
    """
    from .expressions import _as_expr, free_variables

    items = list(f) if many else [f]
    if many and not items:
        raise ArgumentError("jacobian needs at least one expression", "fs")
    if isinstance(vars, str):
        vars = [v.strip() for v in vars.split(",") if v.strip()]
    from .expressions import domain_conditions, parse_with_domain

    parsed = [parse_with_domain(e) if isinstance(e, str) else (_as_expr(e), domain_conditions(_as_expr(e)))
              for e in items]
    exprs = [e for e, _ in parsed]
    conditions = tuple(c for _, cs in parsed for c in cs)
    found = {s.name: s for e in exprs for s in free_variables(e)}
    names = sorted(found) if vars is None else [v if isinstance(v, str) else v.name for v in vars]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ArgumentError(f"vars lists {', '.join(twice)} more than once; name each variable once", "vars")
    import sympy as sp

    syms = tuple(found.get(n) or sp.Symbol(n) for n in names)
    if not syms:
        raise ArgumentError("the expression has no variables; pass vars=... to differentiate by", "vars")
    params = tuple(found[n] for n in sorted(set(found) - set(names)))
    if with_domain:
        return exprs, syms, params, conditions
    return exprs, syms, params


def _require_numbers(params, names) -> None:
    if params:
        extra = ", ".join(p.name for p in params)
        raise ArgumentError(f"the expression uses {extra}, which is not among the variables {', '.join(names)}; "
                          f"add it to the variables or write numbers in its place to evaluate at a point")


def _choose_lenses(lens, is_expr: bool, at) -> tuple:
    if lens in (None, "all"):
        if not is_expr:
            return ("numeric", "automatic")
        return LENSES if at is not None else ("symbolic",)
    if lens not in LENSES:
        raise ArgumentError(f"lens must be one of symbolic, numeric, automatic, all; got {lens!r}", "lens")
    if lens == "symbolic" and not is_expr:
        raise ArgumentError("the symbolic lens needs the function as text or a SymPy expression", "lens")
    if lens != "symbolic" and at is None:
        raise ArgumentError(f"the {lens} lens needs a point: pass at=...", "at")
    return (lens,)


def _point(at, n: int):
    if at is None:
        return None
    if isinstance(at, str):
        from .expressions import parse

        try:
            at = [float(parse(s, variables=[])) for s in at.split(",")]
        except (TypeError, ValueError):
            raise ArgumentError(f"the point must be numbers separated by commas; got {at!r}", "at") from None
    pt = np.atleast_1d(np.asarray(at, dtype=float))
    if pt.ndim != 1:
        raise ArgumentError(f"the point must be a flat list of coordinates such as [2, 3]; got shape {pt.shape}", "at")
    if n and pt.size != n:
        raise ArgumentError(f"the point needs {n} coordinate{'s' if n != 1 else ''}; got {pt.size}", "at")
    if not np.all(np.isfinite(pt)):
        raise ArgumentError(f"the point must be finite; got {pt.tolist()}", "at")
    return pt


def _vector_function(exprs, syms, backend: str, vector_out: bool):
    """A function of one 1-D array built from the parsed expressions."""
    from .expressions import to_function

    fns = [to_function(e, [s.name for s in syms], backend=backend) for e in exprs]
    if backend == "autodiff":
        from . import autodiff as ad

        def f(v):
            args = [v[i] for i in range(len(syms))]
            outs = [fn(*args) for fn in fns]
            outs = [o if isinstance(o, ad.Tensor) else ad.Tensor(np.asarray(o, dtype=float)) for o in outs]
            return ad.stack(outs) if vector_out else outs[0]
        return f

    def g(v):
        outs = [fn(*[v[i] for i in range(len(syms))]) for fn in fns]
        return np.array(outs) if vector_out else outs[0]
    return g


def _agreement(answers: dict, rtol: float | None = None, atol: float | None = None) -> bool | None:
    """Whether the lenses that answered agree.

    None when fewer than two lenses ran (a lens with status ``ERROR`` could not:
    a callable the autodiff engine cannot trace), or when exactly one produced a
    number and the others could not (floats that overflow, a numeric estimate
    that did not converge: each says why in its own status). False when the
    numbers differ beyond `rtol` / `atol` (the caller's tolerance; by default
    :data:`calcml.testing.RTOL` / ``ATOL``), when one lens gives a number while
    another says the derivative is not there (a kink, a point outside the
    domain), or when none of several lenses has a number.
    """
    from .testing import ATOL, RTOL
    from .testing import agree as close

    def agree(a, b):
        return close(a, b, rtol=RTOL if rtol is None else rtol, atol=ATOL if atol is None else atol)

    ran = [a for a in answers.values() if a.status is not None and a.status is not Status.ERROR]
    answered = [a for a in ran if a.ok and a.value is not None]
    absent = [a for a in ran if a.status in (Status.NOT_DIFFERENTIABLE, Status.OUT_OF_DOMAIN)]
    if len(ran) < 2:
        return None
    if absent and answered:
        return False  # one lens gives a number where another says there is no derivative
    if not answered:
        return False  # several lenses ran and none has a number: nothing agrees
    if len(answered) < 2:
        return None  # one answer (the others overflowed, or did not converge): nothing to compare it with
    ref = answered[0].value
    return all(agree(a.value, ref) for a in answered[1:])


def _best(answers: dict):
    sym = answers.get("symbolic")
    if sym is not None and sym.status is not None and not sym.ok:
        return None  # the exact lens knows the function as typed: no derivative here
    for name in ("symbolic", "automatic", "numeric"):
        a = answers.get(name)
        if a is not None and a.value is not None and a.ok:
            return a.value
    return None


def _run_automatic(fn_for_ad, transform, pt) -> LensAnswer:
    try:
        with np.errstate(all="ignore"):  # a point outside the domain shows up as NaN in the status
            val = np.asarray(transform(fn_for_ad)(pt), dtype=float)
    except CalcmlError as err:
        return LensAnswer("automatic", status=Status.ERROR, method="reverse mode", message=str(err))
    except Exception as err:  # noqa: BLE001 - a callable that the autodiff engine cannot trace
        return LensAnswer("automatic", status=Status.ERROR, method="reverse mode",
                          message=f"could not trace the function with calcml.autodiff: {type(err).__name__}: {err}; "
                                  "write it with calcml.autodiff operations (ad.sin, ad.exp, ...) instead of NumPy's")
    status = Status.SUCCESS if np.all(np.isfinite(val)) else (
        Status.NAN if np.any(np.isnan(val)) else Status.INFINITE)
    return LensAnswer("automatic", value=val, status=status, method="reverse mode",
                      message="" if status.ok else "the derivative is not finite at the point")


def _symbolic_lens(kind, exprs, syms, conditions, pt, time_limit) -> LensAnswer:
    """The exact matrix (under the time limit) and, at a point, its checked value."""
    from . import symbolic

    def build():
        if kind == "gradient":
            return symbolic.symbolic_gradient(exprs[0], syms)
        if kind == "jacobian":
            return symbolic.symbolic_jacobian(exprs, syms)
        return symbolic.symbolic_hessian(exprs[0], syms)

    mat = symbolic.run_with_time_limit(build, seconds=time_limit, what=f"the symbolic {kind}")
    if pt is None:
        return LensAnswer("symbolic", expressions=mat, status=Status.SUCCESS, method="exact")
    # the function first (it must be defined at the point); for a Hessian also the
    # gradient, which must exist there for the Hessian to
    chain = [] if kind == "jacobian" else list(exprs)
    if kind == "hessian":
        chain += list(symbolic.symbolic_gradient(exprs[0], syms))
    value, status, message = symbolic.evaluate_at(mat, syms, pt, chain=chain, conditions=conditions,
                                                  time_limit=time_limit)
    if kind == "jacobian" and status is Status.SUCCESS:
        # each output must be defined and smooth at the point
        for e in exprs:
            _, st, msg = symbolic.evaluate_at(e, syms, pt, chain=[e], time_limit=time_limit)
            if st is Status.OUT_OF_DOMAIN:
                value, status, message = np.full(np.shape(value), np.nan), st, msg
                break
    return LensAnswer("symbolic", value=value, expressions=mat, status=status, method="exact", message=message)


def _one_array_function(f, pt):
    """`f` as a function of one 1-D array; ``lambda x, y: ...`` (one argument per coordinate) is adapted.

    Raises at once when `f` takes neither one array nor one number per coordinate.
    """
    import inspect

    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
        varargs = any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # builtins without a signature: call them as they are
        return f
    if pt is None or len(params) <= 1 and not (varargs and not params):
        return f
    if len(params) == pt.size or (varargs and not params):
        def on_array(v, _f=f):
            return _f(*[v[i] for i in range(pt.size)])
        on_array.names = tuple(p.name for p in params) if params else None
        return on_array
    raise ArgumentError(f"the function takes {len(params)} arguments but the point has {pt.size} coordinates; "
                        "write f(v) taking one array, or one argument per coordinate", "f")


def _three_lenses(kind, f, vars, at, lens, *, many: bool, time_limit: float | None = 5.0,
                  rtol: float | None = None, atol: float | None = None):
    from . import autodiff as ad
    from . import finite_diff_nd as nd
    from .numeric import tolerance

    tolerance(rtol, atol)  # validated once, before any symbolic work
    is_expr = _is_expression(f) if not many else all(_is_expression(e) for e in f)
    if many and not is_expr and not callable(f):
        raise ArgumentError("jacobian takes a list of expressions or one callable returning an array", "fs")
    lenses = _choose_lenses(lens, is_expr, at)
    vector_out = kind == "jacobian"
    answers: dict = {}
    expressions = None
    conditions: tuple = ()
    if is_expr:
        exprs, syms, params, conditions = _expressions(f, vars, many, with_domain=True)
        names = tuple(s.name for s in syms)
        pt = _point(at, len(syms))
        if pt is not None:
            _require_numbers(params, names)
    else:
        if not callable(f):
            raise ArgumentError(f"expected text, a SymPy expression or a callable; got {type(f).__name__}", "f")
        pt = _point(at, 0)
        f = _one_array_function(f, pt)
        names = tuple(vars.split(",")) if isinstance(vars, str) else (
            tuple(vars) if vars is not None else (getattr(f, "names", None) or tuple(f"x{i}" for i in range(pt.size))))
        if len(names) != pt.size:
            raise ArgumentError(f"{len(names)} variable names for a point with {pt.size} coordinates", "vars")
    if "symbolic" in lenses:
        answers["symbolic"] = expressions_answer = _symbolic_lens(kind, exprs, syms, conditions, pt, time_limit)
        expressions = expressions_answer.expressions
    domain_failure = None
    if pt is not None and is_expr and conditions:
        sym = answers.get("symbolic")
        if sym is not None:
            domain_failure = sym.message if sym.status is Status.OUT_OF_DOMAIN else None
        else:
            from .symbolic import evaluate_at

            _, st, msg = evaluate_at(exprs[0], syms, pt, conditions=conditions, time_limit=time_limit)
            domain_failure = msg if st is Status.OUT_OF_DOMAIN else None
    if domain_failure:  # every lens checks the domain of the text as typed
        for name in ("numeric", "automatic"):
            if name in lenses:
                answers[name] = LensAnswer(name, status=Status.OUT_OF_DOMAIN, message=domain_failure)
        lenses = tuple(n for n in lenses if n not in ("numeric", "automatic"))
    if "numeric" in lenses:
        fn = _vector_function(exprs, syms, "complex", vector_out) if is_expr else f
        if kind == "gradient":
            r = nd.numeric_gradient(fn, pt, rtol=rtol, atol=atol)
        elif kind == "jacobian":
            r = nd.numeric_jacobian(fn, pt, rtol=rtol, atol=atol)
        else:
            r = nd.numeric_hessian(fn, pt, rtol=rtol, atol=atol)
        answers["numeric"] = LensAnswer("numeric", value=r.value, error=r.error, status=r.status,
                                        method=r.method, message=r.message)
    if "automatic" in lenses:
        fn = _vector_function(exprs, syms, "autodiff", vector_out) if is_expr else f
        transform = {"gradient": ad.grad, "jacobian": ad.jacobian, "hessian": ad.hessian}[kind]
        answers["automatic"] = _run_automatic(fn, transform, pt)
    if is_expr and pt is not None and not domain_failure:
        # Inside the domain of the text as typed, a lens without a finite number met an overflow
        # (or an infinite derivative): INFINITE, never OUT_OF_DOMAIN. The symbolic lens has
        # already said what happened, from its exact evaluation.
        from .functions import classify_nonfinite

        answers.update(classify_nonfinite({k: a for k, a in answers.items() if k != "symbolic"}, exprs, syms, pt))
    return LensComparison(kind, names, pt, expressions, _best(answers), answers, _agreement(answers, rtol, atol))


def gradient(f, at=None, *, vars=None, lens: str | None = None, time_limit: float | None = 5.0,
             rtol: float | None = None, atol: float | None = None) -> LensComparison:
    """The gradient of a scalar function, by the symbolic, numeric and automatic lenses.

    Parameters
    ----------
    f : str, sympy.Expr or callable
        Text such as ``"x^2 + y^3"``, or ``f(x)`` taking a 1-D array.
    at : array_like or str, optional
        The point (``[2, 3]`` or ``"2,3"``). Needed by the numeric and automatic lenses.
    vars : sequence of str or "x,y", optional
        The variables in order (default: the expression's, sorted by name;
        for callables they only name the coordinates).
    lens : {"all", "symbolic", "numeric", "automatic"}, optional
        Default "all": every lens the input allows (text with a point: all three).
    time_limit : float or None
        Seconds allowed for each piece of symbolic work (None: no limit).
    rtol, atol : float, optional
        The tolerance, passed to the numeric lens (its ``SUCCESS`` means every
        entry's error estimate is within ``atol + rtol * |value|``; defaults
        :data:`calcml.testing.DEFAULT_RTOL`, 1e-7, and ``DEFAULT_ATOL``, 0) and
        used to decide ``agree`` (defaults :data:`calcml.testing.RTOL`, ``ATOL``).

    Returns
    -------
    LensComparison
        ``expressions`` (symbolic), ``value`` at the point, each lens's answer
        in ``lenses``, and ``agree``.

    Raises
    ------
    ArgumentError
        A point of the wrong size, an unknown `lens`, a bad `rtol` / `atol`...

    Examples
    --------
    >>> r = gradient("x^2 + y^3", at=[2, 3])
    >>> r.expressions, r.value, r.agree
    ((2*x, 3*y**2), array([ 4., 27.]), True)
    >>> sorted(r.lenses)
    ['automatic', 'numeric', 'symbolic']
    """
    return _three_lenses("gradient", f, vars, at, lens, many=False, time_limit=time_limit, rtol=rtol, atol=atol)


def jacobian(fs, *more, at=None, vars=None, lens: str | None = None,
             time_limit: float | None = 5.0, rtol: float | None = None, atol: float | None = None) -> LensComparison:
    """The Jacobian matrix (rows: outputs, columns: inputs), by three lenses.

    Parameters
    ----------
    fs : list of (str or sympy.Expr), str, sympy.Expr, or callable
        The outputs: a list of expressions, or the first of several given one by
        one (``jacobian("2*x*y", "x^2*y", at=[1, 2])``), or ``f(x)`` returning an array.
    *more : str or sympy.Expr
        The other outputs, when they are given one by one.
    at, vars, lens, time_limit, rtol, atol
        As in :func:`gradient`.

    Returns
    -------
    LensComparison
        ``expressions`` (rows of SymPy expressions), ``value`` (shape (outputs, inputs)).

    Raises
    ------
    ArgumentError
        Outputs that are neither a list nor texts, a point of the wrong size...
    TimeLimitError
        Symbolic work past `time_limit`.

    Examples
    --------
    >>> r = jacobian(["2*x*y", "x^2*y"])
    >>> r.expressions
    ((2*y, 2*x), (2*x*y, x**2))
    >>> jacobian("2*x*y", "x^2*y", at=[1, 2]).value       # the outputs may also come one by one
    array([[4., 2.],
           [4., 1.]])
    """
    if more:
        if all(_is_expression(e) for e in more) and _is_expression(fs):
            fs = [fs, *more]            # jacobian("2*x*y", "x^2*y", at=[1, 2]), as the CLI takes them
        elif len(more) == 1 and at is None:
            at = more[0]                # jacobian(["2*x*y", "x^2*y"], [1, 2])
        else:
            raise ArgumentError("jacobian takes the outputs as one list or as separate texts, then at=...: "
                                "jacobian('2*x*y', 'x^2*y', at=[1, 2])", "fs")
    many = not callable(fs) or isinstance(fs, str)
    if isinstance(fs, str):
        fs = [fs]
    return _three_lenses("jacobian", fs, vars, at, lens, many=many, time_limit=time_limit, rtol=rtol, atol=atol)


def hessian(f, at=None, *, vars=None, lens: str | None = None, time_limit: float | None = 5.0,
            rtol: float | None = None, atol: float | None = None) -> LensComparison:
    """The Hessian matrix of second derivatives (symmetric), by three lenses.

    Parameters (`rtol` and `atol` included) as in :func:`gradient`. At a point the symbolic lens evaluates the
    exact matrix (``DiracDelta`` terms included: 0 away from their point) and says
    ``NOT_DIFFERENTIABLE`` where the gradient has a kink.

    Examples
    --------
    >>> hessian("x^2*y + y^3").expressions
    ((2*y, 2*x), (2*x, 6*y))
    """
    return _three_lenses("hessian", f, vars, at, lens, many=False, time_limit=time_limit, rtol=rtol, atol=atol)


def _scalar_function(f, vars, backend="complex"):
    """(function of one 1-D array, variable names, is_expression)."""
    if _is_expression(f):
        exprs, syms, params = _expressions(f, vars, many=False)
        names = tuple(s.name for s in syms)
        _require_numbers(params, names)
        return _vector_function(exprs, syms, backend, False), names, True
    if not callable(f):
        raise ArgumentError(f"expected text, a SymPy expression or a callable; got {type(f).__name__}", "f")
    return f, None, False


def directional_derivative(f, at, direction, *, vars=None):
    """The rate of change of `f` at `at` along `direction` (normalised to length 1).

    Estimated numerically as the derivative of ``t -> f(at + t u)`` at 0, with
    ``u = direction / |direction|``; equals ``grad f . u`` for differentiable f.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> est = directional_derivative("x^2 + y^2", [1, 1], [1, 1])
    >>> round(est.value, 12), round(2 * 2 ** 0.5, 12)
    (2.828427124746, 2.828427124746)
    """
    from .numeric import numeric_derivative

    fn, names, _ = _scalar_function(f, vars)
    pt = _point(at, len(names) if names else 0)
    u = np.atleast_1d(np.asarray(direction, dtype=float))
    if u.shape != pt.shape:
        raise ArgumentError(f"direction needs {pt.size} components like the point; got {u.size}", "direction")
    norm = float(np.linalg.norm(u))
    if not math.isfinite(norm) or norm == 0.0:
        raise ArgumentError("the direction must be a non-zero finite vector; a zero direction has no rate of change",
                            "direction")
    u = u / norm
    return numeric_derivative(lambda t: fn(pt + t * u), 0.0)


@dataclass(frozen=True)
class SteepestAscent(_JSON):
    """Lesson 3's experiment: the direction in which f rises fastest, found by sweeping directions.

    Angles are in degrees, measured counter-clockwise from the +x axis
    (``convention`` says so), in [0, 360).
    """

    angle_deg: float
    rate: float
    gradient: np.ndarray
    gradient_angle_deg: float
    gradient_norm: float
    angles_deg: np.ndarray = field(metadata={"json": False})  # the sweep, for plots
    rates: np.ndarray = field(metadata={"json": False})
    resolution_deg: float
    agree: bool
    convention: str = "degrees counter-clockwise from the +x axis"


def steepest_ascent(f, at, resolution_deg: float = 0.1, *, vars=None) -> SteepestAscent:
    """Sweep the directions around a point of a function of two variables; find the steepest.

    The rate of change along each unit direction ``u = (cos t, sin t)`` is
    measured with the course's difference quotient
    (:func:`calcml.numeric.difference_quotient`), central:
    ``(f(p + h u) - f(p - h u)) / 2h`` (the course used the forward one, which
    is biased by the curvature).
    The best angle is then compared with the gradient's direction
    ``atan2(g_y, g_x)`` and the best rate with ``|grad f|``: they agree to
    within the angular resolution.

    Examples
    --------
    >>> r = steepest_ascent("x^2 + y^3", [2, 3])
    >>> r.angle_deg, round(r.gradient_angle_deg, 2), r.gradient.tolist()
    (81.6, 81.57, [4.0, 27.0])
    >>> steepest_ascent("x^2 + y^2", [1, 1]).angle_deg
    45.0
    """
    fn, names, _ = _scalar_function(f, vars, backend="numpy")
    pt = _point(at, len(names) if names else 0)
    if pt.size != 2:
        raise ArgumentError(f"steepest_ascent sweeps directions in the plane: it needs 2 variables, got {pt.size}",
                            "at")
    if not (isinstance(resolution_deg, (int, float)) and 1e-4 <= resolution_deg <= 45):
        raise ArgumentError(f"resolution_deg must be between 0.0001 and 45 degrees; got {shown(resolution_deg)}",
                            "resolution_deg")
    count = int(round(360.0 / resolution_deg))
    angles = np.arange(count) * (360.0 / count)
    t = np.deg2rad(angles)
    U = np.stack([np.cos(t), np.sin(t)], axis=1)
    from .numeric import difference_quotient

    h = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.max(np.abs(pt))))
    with np.errstate(all="ignore"):
        # The rate along u is the one-sided limit (f(p + t u) - f(p))/t, t -> 0+: it exists at a
        # kink too (1 in every direction at the tip of the cone sqrt(x^2+y^2), where a central
        # quotient says 0). Two forward quotients, Richardson-combined: error O(h^2) like central.
        rates = np.array([2 * difference_quotient(lambda s, u=u: fn(pt + s * u), 0.0, h / 2, "forward")
                          - difference_quotient(lambda s, u=u: fn(pt + s * u), 0.0, h, "forward") for u in U],
                         dtype=float)
    if not np.any(np.isfinite(rates)):
        raise ArgumentError("the function is not finite around the point; choose a point inside its domain", "at")
    k = int(np.nanargmax(rates))
    g = gradient(f, at=pt, vars=vars, lens="numeric").lenses["numeric"]
    grad = np.asarray(g.value, dtype=float)
    gnorm = float(np.linalg.norm(grad))
    gangle = float(np.degrees(np.arctan2(grad[1], grad[0])) % 360.0)
    diff = abs((angles[k] - gangle + 180.0) % 360.0 - 180.0)
    if g.ok and gnorm <= 1e-9:  # a stationary point: no direction to compare, only the rate 0
        agree = bool(abs(rates[k]) <= 1e-6)
    else:
        agree = bool(g.ok and diff <= resolution_deg and abs(rates[k] - gnorm) <= 1e-6 * max(1.0, gnorm)
                     + gnorm * (1 - math.cos(math.radians(resolution_deg))))
    return SteepestAscent(round(float(angles[k]), 10), float(rates[k]), grad, gangle, gnorm, angles, rates,
                          float(resolution_deg), agree)
