"""The symbolic lens: exact derivatives and antiderivatives with SymPy.

This module (with :mod:`calcml.steps`) is the only place calcml asks SymPy to do
calculus. Everything here works over the **real numbers**: the variables are
treated as real while differentiating or integrating (so ``d|x|/dx = sign(x)``
rather than SymPy's complex-variable formula), and the answers are handed back
in the caller's own symbols.

SymPy can run away on a hard integral and cannot be interrupted from another
thread, so every public entry point runs under a wall-clock limit
(:func:`run_with_time_limit`) and raises :class:`calcml.errors.TimeLimitError`
when it runs out.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass
from typing import Any

import sympy

from calcml.errors import ArgumentError, CalcmlError, ComputationError, ExpressionError, TimeLimitError, shown
from calcml.results import _JSON, Step
from calcml.timelimit import _check_time_limit, _time_limit_error, run_with_time_limit  # noqa: F401 - re-exported

__all__ = [
    "sigmoid",
    "softplus",
    "log_sigmoid",
    "log1p",
    "expm1",
    "sympy_function",
    "registry_entry",
    "domain_condition",
    "run_with_time_limit",
    "SymbolicDerivative",
    "symbolic_derivative",
    "symbolic_gradient",
    "symbolic_jacobian",
    "symbolic_hessian",
    "evaluate",
    "evaluate_at",
    "Antiderivative",
    "antiderivative",
    "definite_integral",
    "simplify_for_reading",
    "equivalent",
    "to_latex",
    "free_variables",
]



# --------------------------------------------------------------------------
# The registry's functions that SymPy does not have (see calcml.functions)
# --------------------------------------------------------------------------


class _RegistryFunction(sympy.Function):
    """A SymPy function whose numbers, LaTeX and lambdify code come from calcml's registry.

    A named function (rather than its exp/log form) keeps derivatives readable
    (``sigma' = sigma (1 - sigma)``) and keeps the numerically stable evaluation:
    ``evalf`` and ``lambdify`` call the registry's mpmath and NumPy versions.
    Each subclass gives its derivative (``fdiff``), its exp/log form (``rewrite``)
    and its values at special points (``eval``).
    """

    nargs = 1
    _registry_name = ""

    @classmethod
    def _entry(cls):
        from calcml.functions import functions

        return functions[cls._registry_name]

    @classmethod
    def _float_value(cls, arg):
        # a float argument evaluates, like sin(0.5) does
        return cls._value_at(arg, arg._prec) if arg.is_Float else None

    #: Exact values at 0, +oo and -oo, as SymPy numbers (None: leave the call unevaluated).
    _at_zero = _at_plus_infinity = _at_minus_infinity = None

    @classmethod
    def eval(cls, arg):
        if arg.is_zero and cls._at_zero is not None:
            return cls._at_zero
        if arg is sympy.S.Infinity and cls._at_plus_infinity is not None:
            return cls._at_plus_infinity
        if arg is sympy.S.NegativeInfinity and cls._at_minus_infinity is not None:
            return cls._at_minus_infinity
        return cls._float_value(arg)

    @classmethod
    def _value_at(cls, arg, prec):
        """The value at the real number `arg`, to `prec` bits, by the registry's mpmath version."""
        import mpmath

        with mpmath.workprec(prec + 20):  # guard digits for log1p(exp(x)) and friends
            value = cls._entry().mpmath(arg._to_mpmath(prec + 20))
        if isinstance(value, mpmath.mpc):
            return None
        return sympy.Float(value, precision=prec)

    def _eval_evalf(self, prec):
        arg = self.args[0].evalf(prec_to_dps(prec) + 10)
        if not (arg.is_Number and arg.is_real):
            return None
        return self._value_at(arg, prec)

    def _elementary(self):
        """The same function written with exp and log only (for SymPy's integrator)."""
        return self._eval_rewrite_as_exp(self.args[0])

    def _eval_rewrite_as_log(self, arg, **kwargs):
        return self._eval_rewrite_as_exp(arg)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _latex(self, printer, exp=None):
        return self._entry().to_latex(printer._print(self.args[0]), exp)

    # lambdify: the registry's stable NumPy and mpmath evaluations
    def _numpycode(self, printer):
        return "%s(%s)" % (printer._module_format(self._entry().numpy_spec), printer._print(self.args[0]))

    def _mpmathcode(self, printer):
        return "%s(%s)" % (printer._module_format(self._entry().mpmath_spec), printer._print(self.args[0]))

    # other printers (math, cmath, jax, ...): the exp/log form in their own module
    def _pythoncode(self, printer):
        return "(%s)" % printer._print(self._elementary())

    _cmathcode = _jaxcode = _cupycode = _pythoncode


def prec_to_dps(prec):
    from mpmath.libmp import prec_to_dps as convert

    return convert(prec)


class sigmoid(_RegistryFunction):
    r"""The logistic function :math:`\sigma(x) = 1/(1 + e^{-x})`.

    :math:`\sigma' = \sigma(1 - \sigma)`, the identity backpropagation uses.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.diff(sigmoid(x), x)
    (1 - sigmoid(x))*sigmoid(x)
    >>> sigmoid(x).rewrite(sympy.exp)
    1/(1 + exp(-x))
    >>> f = sympy.lambdify(x, sigmoid(x), "numpy")   # works with lambdify
    >>> round(float(f(2.0)), 6), round(1 / (1 + 2.718281828459045 ** -2), 6)
    (0.880797, 0.880797)
    """

    _registry_name = "sigmoid"
    _at_zero, _at_plus_infinity, _at_minus_infinity = sympy.S.Half, sympy.S.One, sympy.S.Zero

    def fdiff(self, argindex=1):
        # d sigma(u)/du = sigma(u) (1 - sigma(u))
        s = self.func(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sympy.exp(-arg))

    def _eval_is_positive(self):
        if self.args[0].is_real:  # 0 < sigma(x) < 1 for every finite real x
            return True
        return None


class softplus(_RegistryFunction):
    r"""The softplus :math:`\log(1 + e^{x})`, a smooth ReLU.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.diff(softplus(x), x), softplus(x).rewrite(sympy.exp)
    (sigmoid(x), log(exp(x) + 1))
    >>> softplus(sympy.Float(800)), softplus(0)     # no overflow; log 2 exactly
    (800.000000000000, log(2))
    """

    _registry_name = "softplus"
    _at_zero, _at_plus_infinity, _at_minus_infinity = sympy.log(2), sympy.S.Infinity, sympy.S.Zero

    def fdiff(self, argindex=1):
        # d softplus(u)/du = e^u / (1 + e^u) = sigma(u)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sympy.log(1 + sympy.exp(arg))

    def _eval_is_positive(self):
        if self.args[0].is_real:  # log(1 + e^x) > log 1 = 0
            return True
        return None


class log_sigmoid(_RegistryFunction):
    r"""The logarithm of the sigmoid, :math:`\log\sigma(x) = -\mathrm{softplus}(-x)`.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.diff(log_sigmoid(x), x), log_sigmoid(x).rewrite(sympy.exp)
    (1 - sigmoid(x), -log(1 + exp(-x)))
    >>> log_sigmoid(sympy.Float(-740))              # log of a number below 1e-321
    -740.000000000000
    """

    _registry_name = "log_sigmoid"
    _at_zero, _at_plus_infinity, _at_minus_infinity = -sympy.log(2), sympy.S.Zero, sympy.S.NegativeInfinity

    def fdiff(self, argindex=1):
        # d log sigma(u)/du = sigma'(u) / sigma(u) = 1 - sigma(u)
        return 1 - sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return -sympy.log(1 + sympy.exp(-arg))

    def _eval_is_negative(self):
        if self.args[0].is_real:  # sigma(x) < 1
            return True
        return None


class log1p(_RegistryFunction):
    r""":math:`\log(1 + x)`, accurate for small x; real for x > -1.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.diff(log1p(x), x), log1p(x).rewrite(sympy.log)
    (1/(x + 1), log(x + 1))
    >>> log1p(sympy.Float("1e-30"))                 # log(1 + 1e-30) would round to 0
    1.00000000000000e-30
    """

    _registry_name = "log1p"

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sympy.S.Zero
        if arg is sympy.S.Infinity:
            return sympy.S.Infinity
        if arg.is_Float:
            return cls._float_value(arg) if arg > -1 else None
        return None

    def fdiff(self, argindex=1):
        # d log(1 + u)/du = 1 / (1 + u)
        return 1 / (1 + self.args[0])

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sympy.log(1 + arg)

    def _eval_is_real(self):
        return (self.args[0] + 1).is_positive or None


class expm1(_RegistryFunction):
    r""":math:`e^{x} - 1`, accurate for small x.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> sympy.diff(expm1(x), x), expm1(x).rewrite(sympy.exp)
    (exp(x), exp(x) - 1)
    >>> expm1(sympy.Float("1e-30"))                 # e^x - 1 would round to 0
    1.00000000000000e-30
    """

    _registry_name = "expm1"
    _at_zero, _at_plus_infinity, _at_minus_infinity = sympy.S.Zero, sympy.S.Infinity, sympy.S.NegativeOne

    def fdiff(self, argindex=1):
        # d (e^u - 1)/du = e^u
        return sympy.exp(self.args[0])

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return sympy.exp(arg) - 1


def sympy_function(entry):
    """The SymPy class (or constructor) of a registry entry or name: ``"log"`` -> ``sympy.log``.

    Examples
    --------
    >>> sympy_function("ln"), sympy_function("softplus")
    (log, softplus)
    """
    from calcml.functions import lookup, resolve

    entry = lookup(entry) if isinstance(entry, str) else entry
    if entry.sympy.startswith("calcml.symbolic."):
        return globals()[entry.sympy.rpartition(".")[2]]
    return resolve(entry.sympy)


def domain_condition(entry, arg) -> sympy.Basic:
    """Where the registry entry (or name) `entry` is defined at `arg`, as a SymPy condition.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x", real=True)
    >>> domain_condition("log", x - 1), domain_condition("asin", 2*x), domain_condition("tan", x)
    (x - 1 > 0, (2*x >= -1) & (2*x <= 1), Ne(cos(x), 0))
    >>> domain_condition("exp", x)
    True
    """
    from calcml.expressions import parse
    from calcml.functions import lookup

    d = (lookup(entry) if isinstance(entry, str) else entry).domain
    def exact(bound):  # the registry's bounds are floats (0.0, -1.0); whole ones become integers
        return sympy.Integer(int(bound)) if bound == int(bound) else sympy.Float(bound)

    parts = []
    if d.lower != -float("inf"):
        parts.append(sympy.Ge(arg, exact(d.lower)) if d.lower_closed else sympy.Gt(arg, exact(d.lower)))
    if d.upper != float("inf"):
        parts.append(sympy.Le(arg, exact(d.upper)) if d.upper_closed else sympy.Lt(arg, exact(d.upper)))
    if d.nonzero:
        x = sympy.Dummy("x", real=True)
        parts.append(sympy.Ne(parse(d.nonzero, [x]).xreplace({x: arg}), 0))
    return sympy.And(*parts)


def registry_entry(expr):
    """The registry entry of the function at the top of `expr`, or None.

    ``sqrt(u)`` is ``u**(1/2)`` in SymPy: it is found as the ``sqrt`` entry.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> registry_entry(sympy.asin(x)).name, registry_entry(sympy.sqrt(x)).name, registry_entry(x + 1)
    ('asin', 'sqrt', None)
    """
    if expr.is_Pow and expr.exp == sympy.S.Half:
        from calcml.functions import functions

        return functions["sqrt"]
    return _by_class().get(expr.func)


_BY_CLASS: dict = {}


def _by_class() -> dict:
    if not _BY_CLASS:
        from calcml.functions import functions

        for entry in functions.values():
            cls = sympy_function(entry)
            if isinstance(cls, type):  # sympy.sqrt is a function that builds a Pow
                _BY_CLASS[cls] = entry
    return _BY_CLASS


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def free_variables(expr) -> tuple[sympy.Symbol, ...]:
    """The free symbols of `expr`, sorted by name.

    Examples
    --------
    >>> import sympy
    >>> p, x, y = sympy.symbols("p x y")
    >>> free_variables(p * x + y**2)
    (p, x, y)
    """
    return tuple(sorted(_as_expr(expr).free_symbols, key=lambda s: s.name))


def to_latex(expr) -> str:
    r"""LaTeX for `expr` (``sigmoid`` prints as :math:`\sigma`).

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> to_latex(sigmoid(x) * x**2)
    'x^{2} \\sigma\\left(x\\right)'
    """
    return sympy.latex(_as_expr(expr))


def simplify_for_reading(expr) -> sympy.Expr:
    """The most readable of a few equivalent forms of `expr`.

    The candidates are `expr` itself and its expansion (a sum of terms is what
    a learner expects: ``3*x**2 - 4*x``, not ``x*(3*x - 4)``); the factored
    and ``simplify`` forms replace them only when clearly shorter (under 3/4
    of the operations counted by ``sympy.count_ops``), as when a rational
    derivative collapses to ``1/(x + 1)**2``.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> simplify_for_reading(3*x**2 - 4*x)              # factoring is no clear gain
    3*x**2 - 4*x
    >>> simplify_for_reading((x + 1)*sympy.exp(x) - sympy.exp(x))   # expanding is
    x*exp(x)
    >>> simplify_for_reading(1 / (x + 1) - x / (x + 1) ** 2)
    (x + 1)**(-2)
    """
    expr = _as_expr(expr)

    def attempt(transform):
        try:
            return transform(expr)
        except Exception:  # a transform that fails is just not a candidate
            return None

    def ops(e):
        return sympy.count_ops(e)

    def functions(e):
        return {type(f) for f in e.atoms(sympy.Function)}

    plain = [c for c in (expr, attempt(sympy.expand)) if c is not None]
    best = [min(plain, key=ops)]  # min keeps the first on ties: the raw form
    known = functions(expr)

    def tidy():
        # On a rational function, factor and cancel find everything simplify would,
        # without simplify's cost (its first call also imports sympy.physics: ~0.2 s).
        rational = expr.is_rational_function(*sorted(expr.free_symbols, key=str))
        for transform in (sympy.factor, sympy.cancel) if rational else (sympy.factor, sympy.simplify):
            candidate = attempt(transform)
            # A form that brings in new functions (a sigmoid's slope as 1/cosh^2)
            # is shorter but no longer reads like the rules that made it.
            if (candidate is not None and ops(candidate) < 0.75 * ops(best[0])
                    and functions(candidate) <= known):
                best[0] = candidate

    # Tidying is for the eye only: it gets a second of its own and never sinks the answer
    # (factor() on log(exp(x) + exp(1000)) alone can take longer than the whole limit).
    import threading

    if threading.current_thread() is threading.main_thread():
        try:
            run_with_time_limit(tidy, seconds=_TIDY_SECONDS, what="tidying the formula")
        except TimeLimitError:
            pass
    else:
        tidy()
    return best[0]


#: Seconds allowed for making a result more readable (factor, simplify) after it is found.
_TIDY_SECONDS = 1.0


def equivalent(a, b, *, prove: bool = True) -> bool:
    """Whether two expressions are equal as functions of real variables.

    calcml's one equality check, :func:`calcml.equivalence.equivalent`: cheap exact
    checks first, then values at 40 digits at points covering the whole real
    line (both signs, magnitudes 1e-7 to 1e3, each branch of a Piecewise), where
    one clear mismatch, or a point where only one side is defined, answers False.
    With `prove`, ``simplify`` (under a 2 s limit) then tries to show the
    difference is 0; failing that, or without `prove`, agreement at every point
    answers True.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> equivalent(sympy.sin(x) ** 2, 1 - sympy.cos(x) ** 2)
    True
    >>> equivalent(x**2, x**3)
    False
    """
    return bool(_decide(_as_expr(a, "a"), _as_expr(b, "b"), prove))


def _decide(a, b, prove: bool) -> bool | None:
    """:func:`equivalent`, but None when nothing could decide."""
    from calcml.equivalence import equivalent as check

    return check(a, b, simplify=prove).equal


def _sigmoid_as_exp(expr):
    """`expr` with calcml's own functions (sigmoid, softplus, ...) in their exp/log form."""
    return expr.replace(lambda e: isinstance(e, _RegistryFunction), lambda e: e._elementary())


def _as_expr(expr, name: str = "expr") -> sympy.Expr:
    if isinstance(expr, sympy.Expr):
        return expr
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        # 0.1 means one tenth, as the parser reads it, not the nearest binary fraction
        return sympy.Rational(repr(expr)) if isinstance(expr, float) else sympy.Integer(expr)
    raise ExpressionError(
        f"{name} must be a SymPy expression, got {type(expr).__name__} {expr!r}",
        hint="parse text first with calcml.expressions.parse(text)")


def _real_symbols(*exprs) -> dict:
    """Real stand-ins for the symbols of `exprs` not already known to be real."""
    found = set().union(*(e.free_symbols for e in exprs))
    return {s: sympy.Symbol(s.name, real=True) for s in found if not s.is_real}


def _resolve_variable(expr, var) -> sympy.Symbol:
    names = free_variables(expr)
    if var is None:
        if len(names) > 1:
            listed = ", ".join(s.name for s in names)
            raise ArgumentError(f"expression has variables {listed}; pass var=... (one of {listed})", "var")
        return names[0] if names else sympy.Symbol("x")
    if isinstance(var, str):
        matches = [s for s in names if s.name == var]
        if matches:
            return matches[0]
        if not var.isidentifier():
            raise ArgumentError(f"var must be a variable name such as 'x', got {var!r}", "var")
        return sympy.Symbol(var)
    if isinstance(var, sympy.Symbol):
        return var
    raise ArgumentError(f"var must be a SymPy Symbol or a name, got {type(var).__name__} {var!r}", "var")


# --------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicDerivative(_JSON):
    """An exact derivative with its derivation.

    Attributes
    ----------
    expression : sympy.Expr
        The function that was differentiated.
    variable : sympy.Symbol
        The variable of differentiation.
    order : int
        How many times it was differentiated.
    derivative : sympy.Expr
        The result, in the form :func:`simplify_for_reading` picks.
    latex : str
        LaTeX of `derivative`.
    steps : tuple of Step
        One rule-by-rule trace per order; trace ``i`` differentiates the
        result of trace ``i - 1``.
    """

    expression: Any
    variable: Any
    order: int
    derivative: Any
    latex: str
    steps: tuple[Step, ...]



def symbolic_derivative(expr, var=None, order: int = 1, *,
                        time_limit: float | None = 5.0) -> SymbolicDerivative:
    """Differentiate `expr` exactly, with the steps.

    Parameters
    ----------
    expr : sympy.Expr
        What to differentiate (``calcml.expressions.parse`` makes one from text).
    var : sympy.Symbol or str, optional
        The variable. By default the expression's only variable; an expression
        without variables is a constant, differentiated with respect to ``x``.
    order : int
        How many times to differentiate, >= 1.
    time_limit : float or None
        Seconds allowed for the whole computation (None: no limit).

    Raises
    ------
    ArgumentError
        Several variables and no `var`, or `order` below 1.
    TimeLimitError
        When the work runs past `time_limit`.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> d = symbolic_derivative(x**3 - 2*x**2 + 1)
    >>> d.derivative                      # by the rules
    3*x**2 - 4*x
    >>> h = 1e-6                          # next to a central difference at x = 2
    >>> f = lambda t: t**3 - 2*t**2 + 1
    >>> d.derivative.subs(x, 2), round((f(2 + h) - f(2 - h)) / (2 * h), 6)
    (4, 4.0)
    >>> [s.rule for s in d.steps[0].substeps]
    ['power', 'constant multiple', 'constant']
    """
    expr = _as_expr(expr)
    var = _resolve_variable(expr, var)
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise ArgumentError(f"order must be a whole number >= 1, got {shown(order)}", "order")
    _check_time_limit(time_limit)
    return run_with_time_limit(_differentiate, expr, var, order, seconds=time_limit,
                               what="symbolic differentiation")


def _differentiate(expr, var, order) -> SymbolicDerivative:
    from calcml.steps import derivative_steps

    # The work is done on real stand-ins (d|x|/dx = sign(x), not SymPy's complex formula);
    # every expression handed back, steps included, is in the caller's own symbols.
    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}
    rvar = var.xreplace(real)
    traces, current = [], expr.xreplace(real)
    for _ in range(order):
        truth = sympy.diff(current, rvar)
        try:
            trace = derivative_steps(current, rvar)
        except CalcmlError:
            raise
        except Exception as exc:  # noqa: BLE001 - a shape the step rules cannot take apart
            # SymPy's answer stands, as one step that says it is SymPy's
            trace = Step("SymPy's diff", current, truth,
                         note=f"no rule-by-rule trace for this expression ({type(exc).__name__})")
        traces.append(_in_symbols(trace, back))
        # The next order starts from this order's readable result.
        current = simplify_for_reading(truth)
    result = current.xreplace(back)
    return SymbolicDerivative(expr, var, int(order), result, to_latex(result), tuple(traces))


def _in_symbols(step, back: dict):
    """A step trace with its expressions moved from the real stand-ins back to the caller's symbols."""
    import dataclasses

    def move(e):
        return e.xreplace(back) if isinstance(e, sympy.Basic) else e

    return dataclasses.replace(step, expression=move(step.expression), result=move(step.result),
                               substeps=tuple(_in_symbols(s, back) for s in step.substeps))


def symbolic_gradient(expr, variables) -> tuple:
    """The exact gradient of a scalar expression: one partial derivative per variable.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> symbolic_gradient(x**2 * y + y**3, [x, y])
    (2*x*y, x**2 + 3*y**2)
    """
    expr = _as_expr(expr)
    return tuple(_partial(expr, v) for v in _variables(expr, variables))


def symbolic_jacobian(exprs, variables) -> tuple:
    """The exact Jacobian: row i holds the gradient of ``exprs[i]``.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> symbolic_jacobian([x * y, x + y**2], [x, y])
    ((y, x), (1, 2*y))
    """
    rows = [_as_expr(e, f"exprs[{i}]") for i, e in enumerate(exprs)]
    return tuple(symbolic_gradient(e, variables) for e in rows)


def symbolic_hessian(expr, variables) -> tuple:
    """The exact Hessian: entry (i, j) is the second partial d^2 f / dx_i dx_j.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> symbolic_hessian(x**2 * y + y**3, [x, y])
    ((2*y, 2*x), (2*x, 6*y))
    """
    return symbolic_jacobian(symbolic_gradient(expr, variables), variables)


def evaluate(matrix, variables, point):
    """The numbers of a (nested) tuple of expressions at `point`, as a float array.

    Evaluated exactly by SymPy at the point (so ``DiracDelta``, ``sign`` and
    the like evaluate too) and rounded to float64; a point where an entry is
    undefined or not real gives NaN, one where it overflows float64 gives ±inf.
    :func:`evaluate_at` also says why, and checks kinks and domains.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> evaluate(((y, x), (1, 2*y)), [x, y], [3.0, 0.5]).tolist()
    [[0.5, 3.0], [1.0, 1.0]]
    """
    import numpy as np

    variables = list(variables)
    at = _exact_point(variables, point)
    shape = np.shape(np.empty(sympy.Array(matrix).shape)) if isinstance(matrix, tuple) else ()
    flat = list(sympy.flatten(matrix)) if isinstance(matrix, tuple) else [matrix]
    return np.array([_float(_value(_as_expr(e), at)) for e in flat], dtype=float).reshape(shape)


#: Functions whose argument being 0 (an integer, for floor and ceiling) marks a possible kink or jump.
_NONSMOOTH = ("Abs", "sign", "Heaviside", "DiracDelta", "floor", "ceiling", "frac")

# Working precision of point evaluations, and the relative offset of the one-sided probes.
_DPS = 40
_PROBE = sympy.Rational(1, 10**18)


def _exact_point(variables, point) -> dict:
    import numpy as np

    at = np.asarray(point, dtype=float).ravel()
    if at.size != len(variables):
        raise ArgumentError(f"point needs {len(variables)} coordinates (one per variable), got {at.size}",
                            "point")
    # sympy.Rational(float) is the float's exact binary value: nothing is rounded on the way in
    return {v: sympy.Rational(float(c)) for v, c in zip(variables, at)}


class _TooLarge(ArithmeticError):
    """An exact value too large for SymPy's arbitrary-precision evaluation to finish."""


def _indeterminate(expr, at: dict) -> bool:
    """Whether `expr` is 0/0-like (NaN, not a pole) at the exact point `at`."""
    real = _real_symbols(expr, *at)
    rat = {real.get(k, k): v for k, v in at.items()}
    try:
        v = expr.xreplace(real).xreplace(rat)
    except (ZeroDivisionError, TypeError, ValueError, OverflowError, RecursionError):
        return False
    return bool(v.has(sympy.nan)) and not v.has(sympy.zoo)


def _value(expr, at: dict):
    """`expr` at the exact point `at`, to _DPS digits: a SymPy number, or None where undefined."""
    real = _real_symbols(expr, *at)
    rat = {real.get(k, k): v for k, v in at.items()}
    try:
        v = expr.xreplace(real).xreplace(rat)
        if v.has(sympy.DiracDelta):  # DiracDelta at a nonzero number is 0; at 0 it is no number
            v = v.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero if a[0] != 0 else sympy.nan)
        v = sympy.N(v, _DPS)
    except (RecursionError, MemoryError) as err:  # exp(exp(1e300)): mpmath recurses without end
        raise _TooLarge(str(expr)) from err
    except (ZeroDivisionError, TypeError, ValueError, OverflowError):
        return None
    if v.has(sympy.nan, sympy.zoo) or v.free_symbols or not v.is_number:
        return None
    if v.has(sympy.oo, -sympy.oo):
        return v
    if v.atoms(sympy.Function) - v.atoms(sympy.re, sympy.im):
        return None  # a function SymPy could not evaluate here (e.g. log1p(-30)): no real number
    try:
        re, im = v.as_real_imag()
        if im != 0 and abs(im) > sympy.Float(10) ** (5 - _DPS) * (1 + abs(re)):
            return None  # complex: outside the real domain
    except TypeError:  # an undecidable comparison: no usable number
        return None
    return re


def _float(v) -> float:
    if v is None:
        return float("nan")
    try:
        return float(v)
    except (TypeError, OverflowError):
        return float("nan")


def _kink_points(exprs, at: dict) -> bool:
    """Whether a non-smooth function in `exprs` has its switching argument at 0 at `at`."""
    for e in exprs:
        for atom in e.atoms(sympy.Function):
            name = type(atom).__name__
            if name in _NONSMOOTH:
                v = _value(atom.args[0], at)
                if v is None:
                    return True
                if name in ("floor", "ceiling", "frac"):
                    if abs(v - sympy.floor(v)) < sympy.Float(10) ** (10 - _DPS) * (1 + abs(v)):
                        return True
                elif abs(v) < sympy.Float(10) ** (10 - _DPS) * (1 + max(abs(c) for c in at.values()) if at else 1):
                    return True
        for pw in e.atoms(sympy.Piecewise):
            for _, cond in pw.args:
                for rel in cond.atoms(sympy.core.relational.Relational):
                    v = _value(rel.lhs - rel.rhs, at)
                    if v is None or v == 0 or abs(v) < sympy.Float(10) ** (10 - _DPS):
                        return True
        for mm in e.atoms(sympy.Max, sympy.Min):
            vals = [_value(a, at) for a in mm.args]
            if any(v is None for v in vals) or len({sympy.N(v, 20) for v in vals}) < len(vals):
                return True
    return False


def _one_sided_disagree(exprs, at: dict) -> bool:
    """At a possible kink: whether some expression has different limits from the two sides of a coordinate."""
    for var, c in at.items():
        delta = _PROBE * max(1, abs(c))
        for e in exprs:
            if var not in e.free_symbols and not any(s.name == var.name for s in e.free_symbols):
                continue
            left = _value(e, {**at, var: c - delta})
            right = _value(e, {**at, var: c + delta})
            if left is None or right is None:
                return True
            if left.has(sympy.oo, -sympy.oo) or right.has(sympy.oo, -sympy.oo):
                return True
            if abs(left - right) > sympy.Float(10) ** -9 * (1 + max(abs(left), abs(right))):
                return True
    return False


def evaluate_at(matrix, variables, point, *, chain=(), conditions=(), time_limit: float | None = 5.0):
    """The exact answer at a point, rounded to floats, with the status a lens reports.

    Parameters
    ----------
    matrix : sympy.Expr or nested tuple of sympy.Expr
        The derivative(s) to evaluate.
    variables : sequence of sympy.Symbol
        The symbols, in the order of the point's coordinates.
    point : array_like of float
        One coordinate per variable.
    chain : sequence of sympy.Expr
        The function and the lower-order derivatives that `matrix` was made
        from: each must be defined and continuous at the point for the
        derivative to exist there (``abs(x)`` at 0 has no derivative although
        SymPy's ``sign(0)`` is 0).
    conditions : sequence of (str, sympy.Expr)
        The domain conditions of the text as typed (see
        :func:`calcml.expressions.domain_conditions`): ``("positive", u)``,
        ``("nonnegative", u)``, ``("nonzero", u)``, ``("unit", u)``.
    time_limit : float or None
        Seconds allowed for the evaluation.

    Returns
    -------
    (value, status, message)
        `value` is a float (for an expression) or a float array (for a nested
        tuple), NaN where there is no number; `status` is a :class:`Status`.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> evaluate_at(sympy.sign(x), [x], [0.0], chain=[sympy.Abs(x)])[1].name
    'NOT_DIFFERENTIABLE'
    >>> value, status, _ = evaluate_at(2*sympy.Abs(x), [x], [0.0], chain=[x*sympy.Abs(x)])
    >>> value, status.name            # x|x| is differentiable at 0, slope 0
    (0.0, 'SUCCESS')
    """
    from calcml.results import Status

    variables = list(variables)
    at = _exact_point(variables, point)
    nested = isinstance(matrix, tuple)
    flat = [_as_expr(e) for e in (sympy.flatten(matrix) if nested else [matrix])]
    chain = [_as_expr(e) for e in chain]

    def work():
        import numpy as np

        shape = np.shape(np.empty(sympy.Array(matrix).shape)) if nested else ()
        nan = np.full(shape, np.nan) if nested else float("nan")
        for kind, u in conditions:
            v = _value(u, at)
            broken = v is None or (
                (kind == "positive" and not v > 0) or (kind == "nonnegative" and not v >= 0)
                or (kind == "nonzero" and v == 0) or (kind == "unit" and not -1 <= v <= 1))
            if broken:
                return nan, Status.OUT_OF_DOMAIN, _domain_message(kind, u, variables, point)
        for e in chain[:1]:
            if _value(e, at) is None:
                return nan, Status.OUT_OF_DOMAIN, f"the function is not defined at {_where(variables, point)}"
        if _kink_points(chain + flat, at) and _one_sided_disagree(chain[1:] + flat if chain else flat, at):
            return nan, Status.NOT_DIFFERENTIABLE, (
                f"not differentiable at {_where(variables, point)}: the slopes from the two sides differ "
                "(a kink, a jump or a cusp)")
        values = [_value(e, at) for e in flat]
        for e in chain[1:]:
            if _value(e, at) is None:
                values = [None]
        if any(v is None for v in values):
            if any(v is None and _indeterminate(e, at) for v, e in zip(values, flat)):
                # 0/0: no pole; the formula is silent here (sqrt(x^2+y^2) at the origin, sqrt(x^4+y^4) too,
                # whose gradient exists). The other lenses, or a limit, have to decide.
                return nan, Status.NAN, (f"the exact formula is indeterminate (0/0) at {_where(variables, point)}: "
                                         "the symbolic lens gives no number there (a kink, or a removable "
                                         "singularity of the formula); compare the numeric lens")
            return nan, Status.INFINITE, (f"the exact derivative has no finite value at {_where(variables, point)} "
                                          "(a pole or a vertical tangent)")
        floats = np.array([_float(v) for v in values], dtype=float).reshape(shape)
        if not np.all(np.isfinite(floats)):
            big = next(v for v in values if not math.isfinite(_float(v)))
            return (floats if nested else float(floats)), Status.INFINITE, (
                f"the exact value ({_big(big)}) overflows float64 at {_where(variables, point)}")
        return (floats if nested else float(floats)), Status.SUCCESS, ""

    def guarded():
        import numpy as np

        try:
            return work()
        except _TooLarge:
            shape = np.shape(np.empty(sympy.Array(matrix).shape)) if nested else ()
            return (np.full(shape, np.nan) if nested else float("nan")), Status.INFINITE, (
                f"the exact value at {_where(variables, point)} is too large to evaluate, far beyond float64")

    return run_with_time_limit(guarded, seconds=time_limit, what="evaluating the exact derivative")


def _big(v) -> str:
    """A number beyond float64, in scientific notation (mpmath formats what Python cannot)."""
    try:
        import mpmath

        return mpmath.nstr(sympy.Float(v, 10)._to_mpmath(40), 6)
    except Exception:  # noqa: BLE001 - beyond even that: say so without the digits
        return "beyond float64"


def _where(variables, point) -> str:
    import numpy as np

    coords = np.asarray(point, dtype=float).ravel()
    return ", ".join(f"{v} = {c:g}" for v, c in zip(variables, coords))


def _domain_message(kind: str, u, variables, point) -> str:
    need = {"positive": f"{u} > 0", "nonnegative": f"{u} >= 0", "nonzero": f"{u} != 0",
            "unit": f"-1 <= {u} <= 1"}.get(kind, str(u))
    return f"{_where(variables, point)} is outside the domain of the function as typed: it needs {need}"


def _partial(expr, var):
    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}
    return sympy.diff(expr.xreplace(real), var.xreplace(real)).xreplace(back)


def _variables(expr, variables) -> list:
    if variables is None or isinstance(variables, (str, sympy.Symbol)):
        raise ArgumentError("variables must be a list of symbols or names, such as ['x', 'y']", "variables")
    found = [_resolve_variable(expr, v) for v in variables]
    if not found:
        raise ArgumentError("variables is empty; pass at least one variable", "variables")
    return found


# --------------------------------------------------------------------------
# Integrals
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Antiderivative(_JSON):
    """An exact antiderivative F with F' = f (the constant of integration left off).

    Attributes
    ----------
    expression : sympy.Expr
        The integrand f.
    variable : sympy.Symbol
        The variable of integration.
    antiderivative : sympy.Expr
        F, in the form :func:`simplify_for_reading` picks.
    latex : str
        LaTeX of `antiderivative`.
    steps : Step or None
        SymPy's manual-integration trace, or None when it has none.
    verified : bool
        Whether d/dx F was checked to equal f (see :func:`equivalent`).
    """

    expression: Any
    variable: Any
    antiderivative: Any
    latex: str
    steps: Step | None
    verified: bool



def antiderivative(expr, var=None, *, time_limit: float | None = 5.0) -> Antiderivative:
    """Integrate `expr` exactly: F with F' = f.

    Parameters
    ----------
    expr : sympy.Expr
        The integrand f.
    var : sympy.Symbol or str, optional
        As in :func:`symbolic_derivative`.
    time_limit : float or None
        Seconds allowed for SymPy's ``integrate``; the step trace gets what is
        left of them and is dropped (``steps=None``) when there is none.

    Raises
    ------
    ComputationError
        When SymPy finds no closed form.
    TimeLimitError
        When ``integrate`` runs past `time_limit`.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> F = antiderivative(3*x**2 - 4*x)
    >>> F.antiderivative, F.verified
    (x**3 - 2*x**2, True)
    >>> from scipy.integrate import quad       # F(3) - F(0) next to quadrature
    >>> exact = F.antiderivative.subs(x, 3) - F.antiderivative.subs(x, 0)
    >>> exact, round(quad(lambda t: 3*t*t - 4*t, 0, 3)[0], 12)
    (9, 9.0)
    """
    expr = _as_expr(expr)
    var = _resolve_variable(expr, var)
    _check_time_limit(time_limit)
    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}
    started = time.monotonic()

    def integrate():
        # SymPy's integrator knows exp, not sigmoid: hand it the exp form.
        f = _sigmoid_as_exp(expr).xreplace(real)
        return simplify_for_reading(sympy.integrate(f, var.xreplace(real)))

    try:
        found = run_with_time_limit(integrate, seconds=time_limit, what="symbolic integration")
    except TimeLimitError:  # say it again with this integrand in the suggested command
        raise _time_limit_error("symbolic integration", time_limit, _numeric_hint(expr)) from None
    except CalcmlError:
        raise
    except Exception as exc:  # SymPy's own failures (NotImplementedError, PolynomialError, ...)
        raise _no_closed_form(expr, var, f" (SymPy: {exc})") from exc
    if found.has(sympy.Integral):
        raise _no_closed_form(expr, var)
    F = found.xreplace(back)

    def remaining():
        if time_limit is None:
            return None
        return time_limit - (time.monotonic() - started)

    # The check first: F' = f over the whole real domain, each Piecewise branch
    # included (calcml.equivalence); floor terms count as constants away from
    # their jumps. Then the step trace, a teaching extra, gets what time is left.
    left = remaining()
    verified = _verify_antiderivative(found, expr.xreplace(real), var.xreplace(real),
                                      None if left is None else max(left, 1.0))
    steps = None
    left = remaining()
    if left is None or left > 0.05:
        from calcml.steps import integration_steps
        try:
            steps = run_with_time_limit(integration_steps, expr, var, seconds=left,
                                        what="the integration trace")
        except Exception:  # the trace is a teaching extra: no trace is fine
            steps = None
    return Antiderivative(expr, var, F, to_latex(F), steps, verified)


def _verify_antiderivative(F, f, var, seconds) -> bool:
    """Whether F' = f, by calcml's one equivalence check, within `seconds` (None: no limit).

    Runs out of time -> not verified: an unverified answer is never called verified.
    """
    from calcml.equivalence import equivalent as same_function

    def check():
        slope = sympy.diff(F, var)
        return same_function(slope, f, [var], time_limit=None if seconds is None else max(seconds / 2, 0.05))

    if seconds is not None and seconds <= 0.05:
        return False
    try:
        return bool(run_with_time_limit(check, seconds=seconds, what="checking the antiderivative"))
    except TimeLimitError:
        return False


def _numeric_hint(expr) -> str:
    return f"try the numeric route: calcml.integral({str(expr)!r}, a, b) for a definite integral"


def _no_closed_form(expr, var, detail: str = "") -> ComputationError:
    return ComputationError(
        f"no closed form found for ∫ {expr} d{var}{detail}; the numeric route: "
        f"calcml.integral({str(expr)!r}, a, b) for a definite integral")


def definite_integral(expr, var, a, b, *, time_limit: float | None = 5.0):
    """The exact value of the integral of `expr` from `a` to `b`, or None.

    None when SymPy finds no closed form within `time_limit` seconds (or the
    value is undefined). A divergent integral may come back as ``oo``.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> exact = definite_integral(sympy.sin(x), x, 0, sympy.pi)
    >>> from scipy.integrate import quad       # next to quadrature
    >>> exact, round(quad(lambda t: __import__("math").sin(t), 0, 3.141592653589793)[0], 12)
    (2, 2.0)
    >>> definite_integral(sympy.sin(sympy.sin(x)), x, 0, 1) is None
    True
    """
    expr = _as_expr(expr)
    var = _resolve_variable(expr, var)
    lo, hi = _as_expr(a, "a"), _as_expr(b, "b")
    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}

    def integrate():
        return sympy.integrate(_sigmoid_as_exp(expr).xreplace(real), (var.xreplace(real), lo, hi))

    _check_time_limit(time_limit)
    try:
        value = run_with_time_limit(integrate, seconds=time_limit, what="symbolic integration")
    except Exception:  # out of time, or SymPy gave up: no exact value
        return None
    if value.has(sympy.Integral) or value is sympy.nan:
        return None
    return value.xreplace(back)
