"""The three-lens front door: one input, answered symbolically, numerically and automatically.

This module only routes: text and SymPy input go to the symbolic lens
(:mod:`calcml.symbolic`) and, turned into functions, to the numeric lens
(:mod:`calcml.numeric`, :mod:`calcml.integrate`); Python callables go to
the numeric lens directly. No calculus is computed here.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import ArgumentError, CalcmlError, shown
from .expressions import _as_expr, to_function
from .results import _JSON, Estimate, LensAnswer, Status

__all__ = ["derivative", "DerivativeResult", "integral", "check_definite", "antiderivative", "convergence_table",
           "as_function"]


def _is_expression(f) -> bool:
    if isinstance(f, str):
        return True
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover - SymPy is a dependency
        return False
    return isinstance(f, sp.Basic)


def as_function(f, var=None, backend: str = "numpy") -> Callable:
    """A Python function of one variable from a callable, text or a SymPy expression.

    Callables are returned unchanged. For expressions, `var` names the variable
    (default: the only free one; an expression with several needs `var`).
    """
    if callable(f) and not _is_expression(f):
        return f
    expr = _as_expr(f)
    var = _single_variable(expr, var)
    return to_function(expr, [var], backend=backend)


def _single_variable(expr, var):
    from .expressions import free_variables

    names = [s.name for s in free_variables(expr)]
    if var is not None:
        return var if isinstance(var, str) else var.name
    if len(names) > 1:
        raise ArgumentError(f"the expression has variables {', '.join(names)}; "
                          f"pass var=... (one of {', '.join(names)}), or use gradient() for all of them")
    return names[0] if names else "x"


@dataclass(frozen=True)
class DerivativeResult(_JSON):
    """The answer of :func:`derivative`: one type whatever the arguments.

    Attributes
    ----------
    variable : str
        The variable of differentiation.
    order : int
        1 for f', 2 for f'', ...
    expression : sympy.Expr or None
        The function, in the caller's own symbols (None for a Python callable).
    derivative : sympy.Expr or None
        The exact derivative (None for a callable: it has no formula).
    latex : str or None
        LaTeX of `derivative`.
    steps : tuple of Step
        The rule-by-rule derivation, one trace per order (empty for a callable).
    at : float or None
        The point, when one was given.
    value : float or None
        The derivative at `at` from the most exact lens that succeeded
        (symbolic, then automatic, then numeric); for a callable, the numeric
        estimate's value (NaN when it has none). None without a point.
    status : Status
        ``SUCCESS`` when `value` can be trusted. Without a point: ``SUCCESS`` (the
        rules gave `derivative`). At a point where a lens finds the derivative
        does not exist (outside the domain, a kink, a pole) that lens's status wins
        over a numeric value: the exact lens knows the function as typed.
    lenses : dict of str to LensAnswer
        Each lens that ran: ``"symbolic"`` (exact value), ``"numeric"`` (finite
        differences, with an error estimate), ``"automatic"`` (reverse mode).
    agree : bool or None
        Whether the lenses with a value agree within :data:`calcml.testing.RTOL`
        and :data:`~calcml.testing.ATOL`; False when one of them failed; None
        when fewer than two have a value.
    estimate : Estimate or None
        The numeric lens's full :class:`~calcml.results.Estimate` (value, error
        estimate, method, status, evaluations).
    message : str
        Why `status` is not ``SUCCESS``, or that the lenses disagree; empty otherwise.
    """

    variable: str
    order: int
    expression: Any = None
    derivative: Any = None
    latex: str | None = None
    steps: tuple = ()
    at: float | None = None
    value: Any = None
    status: Status = Status.SUCCESS
    lenses: dict = field(default_factory=dict)
    agree: bool | None = None
    estimate: Estimate | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when `status` is ``Status.SUCCESS``."""
        return self.status is Status.SUCCESS

    # The numeric lens's figures, for code written against the Estimate that
    # derivative(..., at=...) used to return.
    @property
    def error(self) -> float:
        """An error estimate of `value`: the numeric lens's when `value` is its estimate; half a unit
        in the last place when `value` is an exact (symbolic or automatic) value rounded to a float."""
        import math

        if self.value is None:
            return float("nan")
        if self.estimate is not None and self.value is self.estimate.value:
            return self.estimate.error
        return math.ulp(float(self.value)) / 2 if math.isfinite(float(self.value)) else float("nan")

    @property
    def method(self) -> str:
        """The numeric method that ran (``""`` when none did)."""
        return self.estimate.method if self.estimate is not None else ""

    @property
    def evaluations(self) -> int:
        """Function evaluations of the numeric lens."""
        return self.estimate.evaluations if self.estimate is not None else 0


def derivative(f, var=None, order: int = 1, *, at=None, method: str | None = None, h: float | None = None,
               lens: str | None = None, rtol: float | None = None, atol: float | None = None,
               time_limit: float = 5.0) -> DerivativeResult:
    """The derivative of `f`: exactly with the steps, and at a point by every lens, compared.

    Parameters
    ----------
    f : str, sympy.Expr or callable
        The function. Text goes through calcml's safe parser; a callable takes
        one float (``math.sin``, ``lambda x: x**2``).
    var : str or sympy.Symbol, optional
        The variable to differentiate by; needed when `f` has several.
    order : int
        1 for f', 2 for f'', ... (the numeric lens handles orders 1 and 2).
    at : float, optional
        A point: each lens answers there and the answers are compared.
    method : {None, "forward", "backward", "central", "richardson", "complex"}
        The numeric lens's method; None picks the best available (the complex
        step when the function accepts complex input, else Richardson-extrapolated
        central differences).
    h : float, optional
        A fixed step for the finite-difference methods (default: chosen from
        the point's scale). Mostly for teaching: a fixed step is what goes
        wrong at large arguments.
    lens : {None, "all", "symbolic", "numeric", "automatic"}
        Which lenses answer at the point. Default: all three for text and SymPy
        input, the numeric lens for a callable (``"automatic"`` traces a callable
        written with :mod:`calcml.autodiff` operations).
    rtol, atol : float, optional
        The tolerance, passed to the numeric lens (its ``SUCCESS`` means an error
        estimate within ``atol + rtol * |value|``; defaults
        :data:`calcml.testing.DEFAULT_RTOL`, 1e-7, and
        :data:`~calcml.testing.DEFAULT_ATOL`, 0) and used to decide whether the
        lenses agree (defaults :data:`calcml.testing.RTOL`, ``ATOL``).
    time_limit : float
        Seconds allowed for each piece of symbolic work.

    Returns
    -------
    DerivativeResult
        ``derivative``, ``latex`` and ``steps`` (text or SymPy input); with `at`:
        ``value``, ``status``, each lens's answer in ``lenses``, ``agree``, and
        the numeric lens's :class:`~calcml.results.Estimate` as ``estimate``.

    Raises
    ------
    ArgumentError
        `order` not a positive integer, several variables and no `var`, no
        point for a callable, an unknown `lens` or `method`, a bad `rtol` or
        `atol` (not a finite number >= 0, or both 0).
    ExpressionError
        Text that cannot be read.
    TimeLimitError
        Symbolic differentiation that runs past `time_limit`.

    Examples
    --------
    >>> r = derivative("x^3 - 2x^2 + 1")
    >>> r.derivative
    3*x**2 - 4*x
    >>> r = derivative("x^3 - 2x^2 + 1", at=2.0)          # the same type, now with numbers
    >>> r.derivative, r.value, r.status.name, r.agree
    (3*x**2 - 4*x, 4.0, 'SUCCESS', True)
    >>> sorted(r.lenses), r.estimate.method
    (['automatic', 'numeric', 'symbolic'], 'complex')
    >>> import math                                        # a plain callable: the numeric lens
    >>> r = derivative(math.sin, at=1.0)
    >>> r.derivative is None, round(r.value, 12), round(math.cos(1.0), 12)
    (True, 0.540302305868, 0.540302305868)
    >>> derivative("abs(x)", at=0.0).status.name           # SymPy's sign(0) = 0 is not a slope
    'NOT_DIFFERENTIABLE'

    The course's forward difference misses the default tolerance; a looser one is met:

    >>> r = derivative(lambda x: x**2, at=3.0, method="forward", h=1e-4)
    >>> f"{r.value:.6f}", 2 * 3.0, r.status.name
    ('6.000100', 6.0, 'NOT_CONVERGED')
    >>> derivative(lambda x: x**2, at=3.0, method="forward", h=1e-4, rtol=1e-4).status.name
    'SUCCESS'
    """
    if not isinstance(order, numbers.Integral) or isinstance(order, bool) or order < 1:
        raise ArgumentError(f"order must be a positive integer (1 for f', 2 for f''); got {shown(order)}", "order")
    is_expr = _is_expression(f)
    if not is_expr and not callable(f):
        raise ArgumentError(f"f must be text such as 'x^2 + 1', a SymPy expression or a function of one float; "
                            f"got {type(f).__name__}", "f")
    if lens not in (None, "all", "symbolic", "numeric", "automatic"):
        raise ArgumentError(f"lens must be one of 'all', 'symbolic', 'numeric', 'automatic'; got {lens!r}", "lens")
    if at is None and not is_expr:
        raise ArgumentError("a Python function has no symbolic derivative; pass at=... for the numeric lens, "
                            "or give the function as text such as 'x^3 - 2x^2 + 1'", "at")
    if at is not None:
        at = _check_at(at)
    if rtol is not None or atol is not None:  # validated before any symbolic work (NumPy only when given)
        from .numeric import tolerance

        tolerance(rtol, atol)
    tol = (rtol, atol)
    if is_expr:
        return _expression_derivative(f, var, int(order), at, method, h, lens, time_limit, tol)
    return _callable_derivative(f, var, int(order), at, method, h, lens, tol)


def _check_at(at) -> float:
    import math

    if isinstance(at, str):
        from .expressions import parse

        try:
            at = parse(at, variables=[])
        except Exception as exc:
            raise ArgumentError(f"at must be a number; got {shown(at)}", "at") from exc
    try:
        x0 = float(at)
    except (TypeError, ValueError):
        raise ArgumentError(f"at must be a real number; got {type(at).__name__} {shown(at):.40}", "at") from None
    if not math.isfinite(x0):
        raise ArgumentError(f"at must be a finite number; got {x0}", "at")
    return x0


def _expression_derivative(f, var, order, at, method, h, lens, time_limit, tol) -> DerivativeResult:
    from .expressions import domain_conditions, parse_with_domain
    from .symbolic import symbolic_derivative

    if isinstance(f, str):
        expr, conditions = parse_with_domain(f)
    else:
        expr = _as_expr(f)
        conditions = domain_conditions(expr)
    sd = symbolic_derivative(expr, var, order, time_limit=time_limit)
    name = sd.variable.name
    base = dict(variable=name, order=order, expression=sd.expression, derivative=sd.derivative,
                latex=sd.latex, steps=sd.steps)
    if at is None:
        return DerivativeResult(**base)
    others = sorted(s.name for s in sd.expression.free_symbols if s.name != name)
    chosen = ("symbolic", "numeric", "automatic") if lens in (None, "all") else (lens,)
    if others:
        listed = ", ".join(others)
        if {s.name for s in sd.derivative.free_symbols} <= {name} and lens in (None, "all", "symbolic"):
            # d/dy x^2 = 0 whatever x is: the exact lens answers; the others would need x
            chosen = ("symbolic",)
            conditions = ()
        else:
            raise ArgumentError(f"the expression uses {listed} besides {name}; a point gives a value for {name} "
                                f"only: write numbers in place of {listed}, or use calcml.gradient for all the "
                                "variables", "at")
    answers: dict = {}
    estimate = None
    if "symbolic" in chosen:
        answers["symbolic"] = _symbolic_lens(sd, conditions, at, time_limit)
    domain_failure = None
    sym = answers.get("symbolic")
    if sym is None and conditions:  # the lenses that need numbers check the domain of the typed text too
        from .symbolic import evaluate_at

        _, st, msg = evaluate_at(expr, [sd.variable], [at], conditions=conditions, time_limit=time_limit)
        if st is Status.OUT_OF_DOMAIN:
            domain_failure = msg
    elif sym is not None and sym.status is Status.OUT_OF_DOMAIN:
        domain_failure = sym.message
    if "numeric" in chosen:
        if domain_failure:
            answers["numeric"] = LensAnswer("numeric", status=Status.OUT_OF_DOMAIN, method=method or "",
                                            message=domain_failure)
        elif order > 2 and lens in (None, "all"):
            pass  # finite differences stop at order 2; the symbolic and automatic lenses answer
        else:
            estimate = _numeric(as_function(expr, name, backend="complex" if method in (None, "complex")
                                            else "numpy"), at, method, h, order, tol)
            answers["numeric"] = _numeric_answer(estimate)
    if "automatic" in chosen:
        if domain_failure:
            answers["automatic"] = LensAnswer("automatic", status=Status.OUT_OF_DOMAIN, method="reverse mode",
                                              message=domain_failure)
        else:
            answers["automatic"] = _automatic_lens(_autodiff_function(expr, name), at, order)
    return _compare(base, at, answers, estimate, tol)


def _symbolic_lens(sd, conditions, at, time_limit) -> LensAnswer:
    import sympy

    from .symbolic import evaluate_at

    # the function and every lower-order derivative must exist at the point for this one to
    chain = [sd.expression]
    real = sympy.Symbol(sd.variable.name, real=True)
    current = sd.expression.xreplace({sd.variable: real})
    for _ in range(sd.order - 1):
        current = sympy.diff(current, real)
        chain.append(current.xreplace({real: sd.variable}))
    if sd.expression.free_symbols - {sd.variable}:
        chain = []  # other symbols have no numbers: only the (constant) derivative is evaluated
    value, status, message = evaluate_at(sd.derivative, [sd.variable], [at], chain=chain,
                                         conditions=conditions, time_limit=time_limit)
    return LensAnswer("symbolic", value=value, expressions=sd.derivative, status=status, method="exact",
                      message=message)


def _numeric(fn, at, method, h, order, tol) -> Estimate:
    from . import numeric

    rtol, atol = tol
    return numeric.numeric_derivative(fn, at, method=method, h=h, order=order, rtol=rtol, atol=atol)


def _numeric_answer(est: Estimate) -> LensAnswer:
    return LensAnswer("numeric", value=est.value, error=est.error, status=est.status, method=est.method,
                      message=est.message)


def _autodiff_function(expr, name):
    from .expressions import to_function

    try:
        return to_function(expr, [name], backend="autodiff")
    except CalcmlError as err:
        return err


def _automatic_lens(fn, at: float, order: int) -> LensAnswer:
    import numpy as np

    from . import autodiff as ad

    if isinstance(fn, Exception):
        return LensAnswer("automatic", status=Status.ERROR, method="reverse mode", message=str(fn))
    g = fn
    for _ in range(order):
        g = ad.grad(g)
    try:
        with np.errstate(all="ignore"):  # a point outside the domain shows up as NaN in the status
            value = float(np.asarray(g(at), dtype=float))
    except CalcmlError as err:
        return LensAnswer("automatic", status=Status.ERROR, method="reverse mode", message=str(err))
    except Exception as err:  # noqa: BLE001 - a callable that the autodiff engine cannot trace
        return LensAnswer("automatic", status=Status.ERROR, method="reverse mode",
                          message=f"could not trace the function with calcml.autodiff ({type(err).__name__}: "
                                  f"{err}); write it with calcml.autodiff operations (ad.sin, ad.exp, ...)")
    if np.isfinite(value):
        return LensAnswer("automatic", value=value, status=Status.SUCCESS, method="reverse mode")
    status = Status.NAN if np.isnan(value) else Status.INFINITE
    return LensAnswer("automatic", value=value, status=status, method="reverse mode",
                      message="reverse mode gave a derivative that is not finite at the point")


def _callable_derivative(f, var, order, at, method, h, lens, tol) -> DerivativeResult:
    if lens == "symbolic":
        raise ArgumentError("the symbolic lens needs the function as text or a SymPy expression", "lens")
    name = var if isinstance(var, str) else getattr(var, "name", "x")
    chosen = ("numeric",) if lens is None else (("numeric", "automatic") if lens == "all" else (lens,))
    answers: dict = {}
    estimate = None
    if "numeric" in chosen:
        estimate = _numeric(f, at, method, h, order, tol)
        answers["numeric"] = _numeric_answer(estimate)
    if "automatic" in chosen:
        answers["automatic"] = _automatic_lens(f, at, order)
    return _compare(dict(variable=name, order=order), at, answers, estimate, tol)


def _compare(base: dict, at: float, answers: dict, estimate, tol=(None, None)) -> DerivativeResult:
    from .multivariate import _agreement

    agreement = _agreement(answers, *tol)
    good = [a for a in answers.values() if a.ok]
    sym = answers.get("symbolic")
    if sym is not None and not sym.ok:
        # the exact lens knows the function as typed: its "no derivative here" wins
        value, status, message = None, sym.status, sym.message
    else:
        best = next((answers[k] for k in ("symbolic", "automatic", "numeric") if k in answers and answers[k].ok),
                    None)
        if best is not None:
            value, status, message = best.value, Status.SUCCESS, ""
        else:
            first = answers.get("numeric") or next(iter(answers.values()))
            value = estimate.value if estimate is not None else None
            status, message = first.status, first.message
    failed = [f"{a.lens} ({a.status.value if a.status else 'no answer'})" for a in answers.values() if not a.ok]
    if agreement is False and status is Status.SUCCESS:
        message = "the lenses disagree: " + ", ".join(
            [f"{a.lens} {shown(a.value)}" for a in good] + failed)
    elif failed and status is Status.SUCCESS:
        message = "not every lens could answer: " + ", ".join(failed)
    return DerivativeResult(**base, at=at, value=value, status=status, lenses=answers, agree=agreement,
                            estimate=estimate, message=message)


def integral(f, a, b, var=None, *, method: str = "adaptive", n: int | None = None, rtol: float | None = None,
             atol: float | None = None, check: bool = True, time_limit: float | None = 5.0) -> Estimate:
    """The definite integral of `f` from `a` to `b`, numerically, for text and SymPy input too.

    The front door of :func:`calcml.integrate.integral` (which takes callables):
    text such as ``"x^2"`` goes through calcml's safe parser and becomes a NumPy
    function first, as for :func:`derivative`; limits may be numbers or text
    such as ``"pi/2"`` or ``"-inf"``. For text and SymPy input the quadrature
    gets a second opinion: when SymPy finds an antiderivative F that is verified
    (F' = f), the fundamental theorem's F(b) - F(a) is compared with it
    (:func:`calcml.fundamental.check_with_antiderivative`, which also checks
    that F is continuous between the limits).

    Parameters
    ----------
    f : str, sympy.Expr or callable
        The integrand.
    a, b : float or str
        The limits.
    var : str, optional
        The variable of integration, when the expression has several.
    method : {"adaptive", "left", "right", "midpoint", "trapezoid", "simpson"}
        The rule, as in :func:`calcml.integrate.integral`.
    n : int, optional
        Subintervals of a fixed rule (default 1000).
    rtol, atol : float, optional
        The tolerance of ``SUCCESS`` (the error estimate must be at most
        ``atol + rtol * |value|``; defaults :data:`calcml.testing.DEFAULT_RTOL`,
        1e-7, and :data:`~calcml.testing.DEFAULT_ATOL`, 0), also the tolerance of
        the agreement with F(b) - F(a).
    check : bool
        Compare with F(b) - F(a) (text and SymPy input only). False skips the
        symbolic work; the quadrature is then checked by its own means only.
    time_limit : float or None
        Seconds for the symbolic work of the check (finding F, then F(b) - F(a));
        past it the quadrature stands unchecked.

    Returns
    -------
    Estimate
        The quadrature's estimate. When it claimed ``SUCCESS`` but F(b) - F(a)
        disagrees, status ``NOT_CONVERGED`` with both numbers in the message;
        when F shows that the integral diverges (F unbounded between the limits),
        ``INFINITE``. A quadrature that missed its tolerance stays
        ``NOT_CONVERGED`` (the exact value is added to its message).

    Raises
    ------
    ArgumentError
        Limits that are not numbers, an unknown `method`, a bad `n`, `rtol`
        or `atol` (see :func:`calcml.integrate.integral`).
    ExpressionError
        Text that cannot be read.

    Examples
    --------
    >>> est = integral("x^2", 0, 1)                       # exactly 1/3
    >>> round(est.value, 15), round(1 / 3, 15), est.status.name
    (0.333333333333333, 0.333333333333333, 'SUCCESS')
    >>> round(integral("sin(x)", 0, "pi").value, 12)      # exactly 2
    2.0

    F = -1/x gives F(1) - F(-1) = -2, but the integral of 1/x^2 over [-1, 1]
    diverges: never a SUCCESS, and the message says why.

    >>> est = integral("1/x^2", -1, 1, method="midpoint", n=1000)   # no node at the pole
    >>> est.status.name, "F(b) - F(a) = -2.0 is not the integral" in est.message
    ('NOT_CONVERGED', True)

    A bump of width 1e-6 at x = 5000.3 falls between every point the adaptive rule
    looks at, and both its opinions say 0; F(b) - F(a) = sqrt(pi) * 1e-6 does not:

    >>> est = integral("exp(-10^12*(x - 5000.3)^2)", 0, 10000)
    >>> est.value, est.status.name, "1.772453850905516e-06" in est.message
    (0.0, 'NOT_CONVERGED', True)
    """
    from .integrate import integral as numeric_integral

    is_expr = _is_expression(f)
    fn = as_function(f, var) if is_expr else f
    lo, hi = _limit(a, "a"), _limit(b, "b")
    est = numeric_integral(fn, lo, hi, method=method, n=n, rtol=rtol, atol=atol)
    if not (check and is_expr):
        return est
    return check_definite(f, var, a, b, est, rtol=rtol, atol=atol, time_limit=time_limit).estimate


def check_definite(f, var, a, b, est: Estimate, *, rtol=None, atol=None, time_limit: float | None = 5.0, anti=None):
    """`est` (a quadrature of text or SymPy `f` from `a` to `b`) checked against F(b) - F(a).

    `anti` is the :func:`antiderivative` result when the caller has it already.
    Returns a :class:`calcml.fundamental.AntiderivativeCheck`; with no verified
    antiderivative (none found in time, or not verified) its ``agree`` is None and
    its ``message`` says why.
    """
    from .fundamental import AntiderivativeCheck, check_with_antiderivative

    if anti is None:
        try:
            anti = antiderivative(f, var, time_limit=time_limit)
        except CalcmlError as err:
            return AntiderivativeCheck(est, message=f"no check by the antiderivative: {err}")
    if not anti.verified:
        return AntiderivativeCheck(est, anti.antiderivative,
                                   message="the antiderivative is not verified, so F(b) - F(a) is not used as a check")
    return check_with_antiderivative(est, anti.antiderivative, anti.variable, a, b, rtol=rtol, atol=atol,
                                     time_limit=time_limit)


def _limit(value, name: str) -> float:
    if isinstance(value, str):
        from .expressions import parse

        text = value.strip().lower()
        if text in ("inf", "+inf", "oo", "+oo", "\u221e"):
            return float("inf")
        if text in ("-inf", "-oo", "-\u221e"):
            return float("-inf")
        try:
            value = parse(value, variables=[])
        except CalcmlError as err:
            raise ArgumentError(f"{name} must be a number such as 0, -1.5 or pi/2; got {shown(value)} ({err})",
                                name) from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be a real number; got {type(value).__name__} {shown(value):.40}",
                            name) from None


def antiderivative(f, var=None, *, time_limit: float = 5.0):
    """An antiderivative F of `f` (without the + C), with steps, verified by differentiating.

    Examples
    --------
    >>> r = antiderivative("3x^2 - 4x")
    >>> r.antiderivative, r.verified
    (x**3 - 2*x**2, True)
    """
    if not _is_expression(f):
        raise ArgumentError("antiderivative needs the function as text or a SymPy expression; "
                          "for a Python function use calcml.integral(f, a, b) or cumulative_integral")
    from .symbolic import antiderivative as _antiderivative

    expr = _as_expr(f)
    return _antiderivative(expr, _symbol(expr, var), time_limit=time_limit)


def _symbol(expr, var):
    from .expressions import free_variables

    name = _single_variable(expr, var)
    for s in free_variables(expr):
        if s.name == name:
            return s
    import sympy as sp

    return sp.Symbol(name, real=True)


def convergence_table(f, a: float, b: float, var=None, *, exact=None, time_limit: float = 5.0, **kwargs):
    """How the Riemann, trapezoid and Simpson rules converge on ``∫_a^b f``.

    For text or SymPy input the exact value comes from the symbolic lens when
    SymPy finds one within `time_limit`; otherwise (and for callables) from a
    high-precision reference quadrature. See
    :func:`calcml.convergence.convergence_table` for the table itself.
    """
    from . import convergence

    if exact is None and _is_expression(f):
        from .symbolic import definite_integral

        expr = _as_expr(f)
        try:
            value = definite_integral(expr, _symbol(expr, var), a, b, time_limit=time_limit)
        except Exception:  # noqa: BLE001 - no exact value: fall back to the reference quadrature
            value = None
        if value is not None:
            try:
                exact = float(value)
            except (TypeError, ValueError):
                exact = None
            if exact is not None:
                return convergence.convergence_table(as_function(f, var), a, b, exact=exact,
                                                     exact_source="symbolic", **kwargs)
    return convergence.convergence_table(as_function(f, var), a, b, exact=exact, **kwargs)
