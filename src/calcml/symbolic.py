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

import numbers
import random
import time
from dataclasses import dataclass
from typing import Any

import sympy

from calcml.errors import CalcmlError, ComputationError, DomainError, ExpressionError, TimeLimitError
from calcml.results import Step
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

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sympy.S.Half
        if arg is sympy.S.Infinity:
            return sympy.S.One
        if arg is sympy.S.NegativeInfinity:
            return sympy.S.Zero
        return cls._float_value(arg)

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

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sympy.log(2)
        if arg is sympy.S.Infinity:
            return sympy.S.Infinity
        if arg is sympy.S.NegativeInfinity:
            return sympy.S.Zero
        return cls._float_value(arg)

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

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return -sympy.log(2)
        if arg is sympy.S.Infinity:
            return sympy.S.Zero
        if arg is sympy.S.NegativeInfinity:
            return sympy.S.NegativeInfinity
        return cls._float_value(arg)

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

    @classmethod
    def eval(cls, arg):
        if arg.is_zero:
            return sympy.S.Zero
        if arg is sympy.S.Infinity:
            return sympy.S.Infinity
        if arg is sympy.S.NegativeInfinity:
            return sympy.S.NegativeOne
        return cls._float_value(arg)

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
    best = min(plain, key=ops)  # min keeps the first on ties: the raw form
    known = functions(expr)
    # On a rational function, factor and cancel find everything simplify would,
    # without simplify's cost (its first call also imports sympy.physics: ~0.2 s).
    rational = expr.is_rational_function(*sorted(expr.free_symbols, key=str))
    for transform in (sympy.factor, sympy.cancel) if rational else (sympy.factor, sympy.simplify):
        candidate = attempt(transform)
        # A form that brings in new functions (a sigmoid's slope as 1/cosh^2)
        # is shorter but no longer reads like the rules that made it.
        if (candidate is not None and ops(candidate) < 0.75 * ops(best)
                and functions(candidate) <= known):
            best = candidate
    return best


def equivalent(a, b, *, prove: bool = True) -> bool:
    """Whether two expressions are equal as functions of real variables.

    Cheap exact checks first (the difference is 0 as written or after
    ``expand``); then both sides are evaluated to 30 digits at random points,
    where one clear mismatch answers False. Without `prove`, agreement at
    every point tried (at least two) answers True. With `prove` (or when no
    point could be evaluated) ``cancel`` and ``simplify`` try to show the
    difference is 0; failing that, the points decide.

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
    real = _real_symbols(a, b)
    a, b = a.xreplace(real), b.xreplace(real)
    diff = a - b
    if diff == 0 or sympy.expand(diff) == 0:
        return True
    verdict = _numeric_verdict(a, b)
    if verdict is False or (verdict and not prove):
        return verdict
    for transform in (sympy.cancel, sympy.simplify):
        try:
            if transform(diff) == 0:
                return True
        except Exception:  # cancel refuses some non-rational shapes
            pass
    return verdict


def _numeric_verdict(a, b, points: int = 5) -> bool | None:
    """True/False when random points decide a == b, None when none could be evaluated."""
    symbols = sorted((a - b).free_symbols, key=lambda s: s.name)
    rng = random.Random(20240611)  # fixed: the same check gives the same verdict
    valid = 0
    for _ in range(points):
        at = {s: sympy.Float(rng.uniform(0.2, 1.8), 30) for s in symbols}
        try:
            va, vb = complex(a.evalf(30, subs=at)), complex(b.evalf(30, subs=at))
        except (TypeError, ValueError, ZeroDivisionError):
            continue  # a pole, or something evalf cannot reduce to a number
        if not all(map(_finite, (va, vb))):
            continue
        if abs(va - vb) > 1e-12 * (1 + abs(va) + abs(vb)):
            return False
        valid += 1
    return True if valid >= 2 else None


def _finite(z: complex) -> bool:
    return abs(z.real) < float("inf") and abs(z.imag) < float("inf") and z == z


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
            raise DomainError(f"expression has variables {listed}; pass var=... (one of {listed})")
        return names[0] if names else sympy.Symbol("x")
    if isinstance(var, str):
        matches = [s for s in names if s.name == var]
        if matches:
            return matches[0]
        if not var.isidentifier():
            raise DomainError(f"var must be a variable name such as 'x', got {var!r}")
        return sympy.Symbol(var)
    if isinstance(var, sympy.Symbol):
        return var
    raise DomainError(f"var must be a SymPy Symbol or a name, got {type(var).__name__} {var!r}")


# --------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicDerivative:
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

    def to_dict(self) -> dict:
        return {"expression": str(self.expression), "variable": str(self.variable),
                "order": self.order, "derivative": str(self.derivative), "latex": self.latex,
                "steps": [s.to_dict() for s in self.steps]}


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
    DomainError
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
        raise DomainError(f"order must be a whole number >= 1, got {order!r}")
    _check_time_limit(time_limit)
    return run_with_time_limit(_differentiate, expr, var, order, seconds=time_limit,
                               what="symbolic differentiation")


def _differentiate(expr, var, order) -> SymbolicDerivative:
    from calcml.steps import derivative_steps

    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}
    traces, current = [], expr
    for _ in range(order):
        trace = derivative_steps(current, var)
        traces.append(trace)
        # The next order starts from this order's readable result.
        truth = sympy.diff(current.xreplace(real), var.xreplace(real)).xreplace(back)
        current = simplify_for_reading(truth)
    return SymbolicDerivative(expr, var, int(order), current, to_latex(current), tuple(traces))


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

    A point outside the domain gives NaN entries (NumPy's warnings silenced).

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> evaluate(((y, x), (1, 2*y)), [x, y], [3.0, 0.5]).tolist()
    [[0.5, 3.0], [1.0, 1.0]]
    """
    variables = list(variables)
    import numpy as np

    at = np.asarray(point, dtype=float).ravel()
    if at.size != len(variables):
        raise DomainError(f"point needs {len(variables)} coordinates (one per variable), got {at.size}")
    f = sympy.lambdify(variables, sympy.Array(matrix), "numpy")
    with np.errstate(all="ignore"):
        out = np.asarray(f(*at), dtype=float)
    if not np.all(np.isfinite(out)):
        # Floats overflow (exp(1000) / (exp(1000) + exp(1000))); SymPy's evalf does not:
        # evaluate those entries again with 30 significant digits.
        flat = sympy.Array(matrix).reshape(out.size).tolist() if out.ndim else [sympy.sympify(matrix)]
        subs = {v: sympy.Float(float(a), 30) for v, a in zip(variables, at)}
        for k in np.flatnonzero(~np.isfinite(out.ravel())):
            try:
                exact = flat[k].evalf(30, subs=subs)
            except (ArithmeticError, ValueError, TypeError):  # a pole: mpmath divides by 0
                continue
            if exact.is_real and exact.is_finite:
                out.ravel()[k] = float(exact)  # may still be inf: beyond the float range
    return out


def _partial(expr, var):
    real = _real_symbols(expr, var)
    back = {v: k for k, v in real.items()}
    return sympy.diff(expr.xreplace(real), var.xreplace(real)).xreplace(back)


def _variables(expr, variables) -> list:
    if variables is None or isinstance(variables, (str, sympy.Symbol)):
        raise DomainError("variables must be a list of symbols or names, such as ['x', 'y']")
    found = [_resolve_variable(expr, v) for v in variables]
    if not found:
        raise DomainError("variables is empty; pass at least one variable")
    return found


# --------------------------------------------------------------------------
# Integrals
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Antiderivative:
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

    def to_dict(self) -> dict:
        return {"expression": str(self.expression), "variable": str(self.variable),
                "antiderivative": str(self.antiderivative), "latex": self.latex,
                "steps": self.steps.to_dict() if self.steps is not None else None,
                "verified": self.verified}


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

    steps = None
    left = remaining()
    if left is None or left > 0.05:
        from calcml.steps import integration_steps
        try:
            steps = run_with_time_limit(integration_steps, expr, var, seconds=left,
                                        what="the integration trace")
        except Exception:  # the trace is a teaching extra: no trace is fine
            steps = None

    # The check: d/dx F = f, proved by simplify when it can, else at random points.
    left = remaining()
    slope, f = sympy.diff(found, var.xreplace(real)), expr.xreplace(real)
    try:
        verified = run_with_time_limit(equivalent, slope, f,
                                       seconds=max(left, 0.5) if left is not None else None,
                                       what="checking the antiderivative")
    except TimeLimitError:
        verified = bool(_numeric_verdict(slope, f))
    return Antiderivative(expr, var, F, to_latex(F), steps, verified)


def _numeric_hint(expr) -> str:
    return f'try the numeric route: calcml integrate "{expr}" --from A --to B'


def _no_closed_form(expr, var, detail: str = "") -> ComputationError:
    return ComputationError(
        f"no closed form found for ∫ {expr} d{var}{detail}; the numeric route: "
        f'calcml integrate "{expr}" --from A --to B')


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
