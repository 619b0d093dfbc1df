"""The registry of elementary functions: one entry per function, read by every lens.

Each function calcml understands (``sin``, ``log``, ``sigmoid``, ``softplus``, ...)
is described once, here, by an :class:`ElementaryFunction` record:

- its canonical name and the aliases the parser also accepts (``ln`` is ``log``);
- where its SymPy class lives (``"sympy.log"``, or ``"calcml.symbolic.softplus"``
  for the functions calcml defines itself); :mod:`calcml.symbolic` builds it;
- its evaluations: NumPy on real arrays, NumPy on complex arrays (for the
  complex-step derivative) and mpmath (arbitrary precision, the reference);
- the name of its primitive in :mod:`calcml.autodiff` (whose derivative rule
  lives in :mod:`calcml.autodiff.rules` under that name);
- its real domain, a predicate every lens uses to say ``Status.OUT_OF_DOMAIN``;
- its step rule for :mod:`calcml.steps`: the rule's name and the derivative
  ``f'(u)`` written in the parser's own language;
- its LaTeX.

The parser (:mod:`calcml.expressions`), :func:`calcml.to_function`'s backends,
the symbolic lens, the step traces, :mod:`calcml.autodiff` and the grader all
read this table, so adding a function is adding one entry here (plus its
autodiff rule, and a SymPy class in :mod:`calcml.symbolic` when SymPy has none).
``tests/test_functions.py`` walks the table: an entry that lacks a backend, or
whose lenses disagree, fails there.

Importing this module imports neither NumPy, SymPy nor mpmath (the command line
starts faster that way): the evaluations are named as ``"module.attribute"`` and
resolved on first use. NumPy's and mpmath's own functions serve where they are
accurate; the numerically careful ones NumPy lacks (the stable sigmoid, softplus,
log_sigmoid, and complex extensions for the complex step) are in :mod:`calcml.stable`.

Examples
--------
>>> import calcml
>>> calcml.functions["log"].aliases, "softplus" in calcml.functions
(('ln',), True)
>>> from calcml.functions import functions, lookup
>>> functions["log"].aliases, lookup("ln").name
(('ln',), 'log')
>>> sp = functions["softplus"]
>>> float(sp.numpy(800.0)), 800.0                  # log(1 + e^800) = 800 + 1e-348
(800.0, 800.0)
>>> ls = functions["log_sigmoid"]
>>> float(ls.numpy(-740.0)), -740.0                # log(sigmoid(-740)) = -740 - 4e-322
(-740.0, -740.0)
>>> bool(functions["log"].domain.contains(-1.0)), functions["log"].domain.text
(False, 'x > 0')
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Callable

__all__ = ["ElementaryFunction", "Domain", "functions", "lookup", "NAMES", "resolve", "domain_violations",
           "classify_nonfinite"]

_INF = math.inf


def resolve(spec: str) -> Callable:
    """The object named by ``"package.module.attribute"`` (imported on demand).

    Examples
    --------
    >>> resolve("math.sqrt")(16.0)
    4.0
    """
    module, _, attr = spec.rpartition(".")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Domain:
    """The real numbers where a function is defined (and real).

    An interval from `lower` to `upper`, each end open or closed, minus the
    points described in `excluded` (only ``tan`` has any: its poles).

    Attributes
    ----------
    text : str
        The condition on the argument ``x``, for messages: ``"x > 0"``.
    lower, upper : float
        The ends of the interval (``-inf`` and ``inf`` when unbounded).
    lower_closed, upper_closed : bool
        Whether each end belongs to the domain.
    excluded : str
        Points removed from the interval, in words ("" when none).
    nonzero : str
        An expression in ``x`` (the parser's language) that must not be 0 there,
        the same points as a condition: ``"cos(x)"`` for tan ("" when none).
    """

    text: str = "every real x"
    lower: float = -_INF
    upper: float = _INF
    lower_closed: bool = False
    upper_closed: bool = False
    excluded: str = ""
    nonzero: str = ""

    @property
    def everywhere(self) -> bool:
        """True when every real number (floats included) is in the domain."""
        return self.lower == -_INF and self.upper == _INF and not self.excluded

    def contains(self, x):
        """Whether `x` is in the domain: a bool for a number, an array of bools for an array.

        Works on floats, NumPy arrays and mpmath numbers alike. NaN is outside.
        At floating-point resolution the poles of ``tan`` (odd multiples of
        pi/2) are never hit exactly, so they are not tested here; the parser
        refuses them when they are written exactly (``tan(pi/2)``).
        """
        low = (x >= self.lower) if self.lower_closed else (x > self.lower)
        high = (x <= self.upper) if self.upper_closed else (x < self.upper)
        return low & high


@dataclass(frozen=True)
class ElementaryFunction:
    """One elementary function, as every part of calcml sees it.

    Attributes
    ----------
    name : str
        The canonical name, as the parser writes it: ``"log"``.
    aliases : tuple of str
        Other names the parser accepts for it: ``("ln",)``.
    sympy : str
        Where its SymPy class (or constructor) lives, e.g. ``"sympy.log"`` or
        ``"calcml.symbolic.sigmoid"``; :func:`calcml.symbolic.sympy_function` resolves it.
    numpy_spec, complex_spec, mpmath_spec : str
        Where its evaluations live; use :attr:`numpy`, :attr:`complex` and
        :attr:`mpmath` to get the functions themselves.
    autodiff : str
        The name of its primitive in :mod:`calcml.autodiff` (and of the rule in
        ``calcml.autodiff.rules.RULES``).
    domain : Domain
        Its real domain.
    rule : str
        The name of its rule in a step trace.
    derivative : str
        ``f'(u)`` in the parser's language, e.g. ``"1/u"`` for ``log``.
    latex : str
        LaTeX of ``f(x)`` with ``{x}`` where the argument goes.
    description : str
        One line for people.
    """

    name: str
    aliases: tuple
    sympy: str
    numpy_spec: str
    complex_spec: str
    mpmath_spec: str
    autodiff: str
    domain: Domain
    rule: str
    derivative: str
    latex: str
    description: str = ""

    @property
    def names(self) -> tuple:
        """The canonical name followed by the aliases."""
        return (self.name,) + self.aliases

    def to_latex(self, arg: str, power: str | None = None) -> str:
        r"""LaTeX of this function applied to the LaTeX `arg` (raised to `power`, as ``\sin^{2}``).

        Examples
        --------
        >>> print(functions["sigmoid"].to_latex("x", "2"))
        \sigma^{2}\left(x\right)
        """
        text = self.latex.replace("{x}", arg)
        if power is None:
            return text
        cut = min((i for i in (text.find("{\\left("), text.find("\\left(")) if i > 0), default=-1)
        if cut < 0:  # no bracket to put the power before: bracket the whole
            return "\\left(%s\\right)^{%s}" % (text, power)
        return "%s^{%s}%s" % (text[:cut], power, text[cut:])

    @cached_property
    def numpy(self) -> Callable:
        """Evaluate on real floats or arrays (NumPy, vectorised, dtype kept)."""
        return resolve(self.numpy_spec)

    @cached_property
    def complex(self) -> Callable:
        """Evaluate on complex numbers or arrays (an analytic extension: the complex step works)."""
        return resolve(self.complex_spec)

    @cached_property
    def mpmath(self) -> Callable:
        """Evaluate one mpmath number at the current mpmath precision."""
        return resolve(self.mpmath_spec)


# ----- the table ----------------------------------------------------------------

_ALL_REALS = Domain()
_CLOSED_UNIT = Domain("-1 <= x <= 1", -1.0, 1.0, True, True)
_HERE = "calcml.stable."


def _entry(name, *, sympy, autodiff, derivative, latex, aliases=(), numpy=None, complex=None,
           mpmath=None, domain=_ALL_REALS, rule=None, description=""):
    return ElementaryFunction(
        name=name, aliases=tuple(aliases), sympy=sympy,
        numpy_spec=numpy or f"numpy.{autodiff}", complex_spec=complex or numpy or f"numpy.{autodiff}",
        mpmath_spec=mpmath or f"mpmath.{name}", autodiff=autodiff, domain=domain, rule=rule or name,
        derivative=derivative, latex=latex, description=description)


def _op(name: str) -> str:
    return r"\operatorname{%s}{\left({x} \right)}".replace("%s", name)


_ENTRIES = (
    # trigonometric (radians)
    _entry("sin", sympy="sympy.sin", autodiff="sin", derivative="cos(u)",
           latex=r"\sin{\left({x} \right)}", description="sine"),
    _entry("cos", sympy="sympy.cos", autodiff="cos", derivative="-sin(u)",
           latex=r"\cos{\left({x} \right)}", description="cosine"),
    _entry("tan", sympy="sympy.tan", autodiff="tan", derivative="1 + tan(u)^2",
           latex=r"\tan{\left({x} \right)}", description="tangent",
           domain=Domain("cos(x) != 0", excluded="the odd multiples of pi/2", nonzero="cos(x)")),
    _entry("asin", aliases=("arcsin",), sympy="sympy.asin", autodiff="arcsin",
           derivative="1/sqrt(1 - u^2)", latex=_op("asin"), domain=_CLOSED_UNIT, description="inverse sine"),
    _entry("acos", aliases=("arccos",), sympy="sympy.acos", autodiff="arccos",
           derivative="-1/sqrt(1 - u^2)", latex=_op("acos"), domain=_CLOSED_UNIT,
           description="inverse cosine"),
    _entry("atan", aliases=("arctan",), sympy="sympy.atan", autodiff="arctan", derivative="1/(1 + u^2)",
           latex=_op("atan"), description="inverse tangent"),
    # hyperbolic
    _entry("sinh", sympy="sympy.sinh", autodiff="sinh", derivative="cosh(u)",
           latex=r"\sinh{\left({x} \right)}", description="hyperbolic sine"),
    _entry("cosh", sympy="sympy.cosh", autodiff="cosh", derivative="sinh(u)",
           latex=r"\cosh{\left({x} \right)}", description="hyperbolic cosine"),
    _entry("tanh", sympy="sympy.tanh", autodiff="tanh", derivative="1 - tanh(u)^2",
           latex=r"\tanh{\left({x} \right)}", description="hyperbolic tangent"),
    _entry("asinh", aliases=("arcsinh",), sympy="sympy.asinh", autodiff="arcsinh",
           derivative="1/sqrt(1 + u^2)", latex=_op("asinh"), description="inverse hyperbolic sine"),
    # exponential and logarithm
    _entry("exp", sympy="sympy.exp", autodiff="exp", derivative="exp(u)", latex=r"e^{{x}}",
           description="e to the power x"),
    _entry("log", aliases=("ln",), sympy="sympy.log", autodiff="log", derivative="1/u",
           latex=r"\log{\left({x} \right)}", domain=Domain("x > 0", 0.0), description="natural logarithm"),
    _entry("sqrt", sympy="sympy.sqrt", autodiff="sqrt", derivative="1/(2*sqrt(u))", latex=r"\sqrt{{x}}",
           domain=Domain("x >= 0", 0.0, lower_closed=True), description="square root"),
    _entry("log1p", sympy="calcml.symbolic.log1p", autodiff="log1p", derivative="1/(1 + u)",
           latex=_op("log1p"), complex=_HERE + "log1p_complex", domain=Domain("x > -1", -1.0),
           description="log(1 + x), accurate for small x"),
    _entry("expm1", sympy="calcml.symbolic.expm1", autodiff="expm1", derivative="exp(u)",
           latex=_op("expm1"), complex=_HERE + "expm1_complex", description="e^x - 1, accurate for small x"),
    # a kink
    _entry("abs", sympy="sympy.Abs", autodiff="abs", derivative="u/abs(u)", latex=r"\left|{{x}}\right|",
           complex=_HERE + "abs_complex", mpmath=_HERE + "abs_mpmath",
           description="absolute value (no derivative at 0)"),
    # machine learning
    _entry("sigmoid", sympy="calcml.symbolic.sigmoid", autodiff="sigmoid",
           derivative="sigmoid(u)*(1 - sigmoid(u))", latex=r"\sigma\left({x}\right)",
           numpy=_HERE + "sigmoid_numpy", complex=_HERE + "sigmoid_complex", mpmath=_HERE + "sigmoid_mpmath",
           description="the logistic function 1/(1 + e^-x)"),
    _entry("softplus", sympy="calcml.symbolic.softplus", autodiff="softplus", derivative="sigmoid(u)",
           latex=_op("softplus"), numpy=_HERE + "softplus_numpy", complex=_HERE + "softplus_complex",
           mpmath=_HERE + "softplus_mpmath", description="log(1 + e^x), a smooth relu"),
    _entry("log_sigmoid", sympy="calcml.symbolic.log_sigmoid", autodiff="log_sigmoid",
           derivative="1 - sigmoid(u)", latex=r"\log\sigma\left({x}\right)",
           numpy=_HERE + "log_sigmoid_numpy", complex=_HERE + "log_sigmoid_complex",
           mpmath=_HERE + "log_sigmoid_mpmath", description="log(sigmoid(x)) = -softplus(-x)"),
)

#: The registry: canonical name -> :class:`ElementaryFunction`, read-only.
functions = MappingProxyType({e.name: e for e in _ENTRIES})

_BY_ANY_NAME = MappingProxyType({n: e for e in _ENTRIES for n in e.names})

#: Every name the parser accepts for a function: canonical names and aliases.
NAMES = tuple(_BY_ANY_NAME)


def lookup(name: str) -> ElementaryFunction:
    """The entry for `name` (canonical or alias).

    Raises
    ------
    KeyError
        When no function has that name.
    """
    return _BY_ANY_NAME[name]


# ----- the domain at a point, for every lens ---------------------------------------

def domain_violations(expr, point) -> tuple:
    """The conditions of the real domain of `expr` that fail at `point`, as sentences.

    Every function of the registry in `expr` is checked against its entry's
    domain, every even root (``u**(p/q)`` with q even, ``sqrt`` included) needs
    ``u >= 0`` and every denominator (``u**-n``) ``u != 0``. Arguments are
    evaluated with 30 significant digits and no exponent limit, so a float
    overflow (``exp(1000)``) is never mistaken for leaving the domain: overflow
    is not a domain error.

    Parameters
    ----------
    expr : sympy.Expr
        The expression, as SymPy holds it.
    point : dict
        Variable (Symbol or name) -> number.

    Returns
    -------
    tuple of str
        Empty when `point` is inside the domain.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> domain_violations(sympy.log(x - y), {"x": 1.0, "y": 3.0})
    ('log is defined for x > 0 only; its argument x - y is -2.0 here',)
    >>> domain_violations(sympy.log(sympy.exp(x) + sympy.exp(y)), {"x": 1000.0, "y": 1000.0})
    ()
    """
    import sympy

    from .symbolic import registry_entry

    by_name = {(k if isinstance(k, str) else k.name): v for k, v in point.items()}
    subs = {s: sympy.Float(by_name[s.name], 30) for s in expr.free_symbols if s.name in by_name}
    found = []
    for node in sympy.preorder_traversal(expr):
        if not node.args:
            continue
        entry = registry_entry(node)
        if entry is not None:
            arg = node.args[0]
            value = _value_at(arg, subs)
            if value is None:
                continue  # undefined further in: reported there
            if value == "complex" or not entry.domain.contains(value):
                shown = "not a real number" if value == "complex" else _show(value)
                found.append(f"{entry.name} is defined for {entry.domain.text} only; "
                             f"its argument {arg} is {shown} here")
        elif node.is_Pow and node.exp.is_Rational and (node.exp.is_negative or node.exp.q % 2 == 0):
            value = _value_at(node.base, subs)
            if value is None or value == "complex":
                continue
            if node.exp.is_negative and value == 0:
                found.append(f"division by zero: {node.base} is 0 here")
            elif node.exp.q % 2 == 0 and value < 0:
                found.append(f"an even root needs a number >= 0; {node.base} is {_show(value)} here")
    return tuple(dict.fromkeys(found))


def _value_at(arg, subs):
    """`arg` at the point as an mpmath number; "complex" when not real; None when undefined."""
    import sympy

    try:
        v = arg.evalf(30, subs=subs) if subs else arg.evalf(30)
    except (ArithmeticError, ValueError, TypeError):  # mpmath divides by 0 at a pole
        return None
    if not v.is_number or v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    re, im = v.as_real_imag()
    if im != 0 and abs(im) > 1e-25 * (1 + abs(re)):
        return "complex"
    return sympy.Float(re, 30)._to_mpmath(100)


def _show(value) -> str:
    import mpmath

    return mpmath.nstr(value, 6)


def _overflows(exprs, variables, point) -> bool:
    """Whether evaluating `exprs` in float64 at `point` overflows on the way (exp(1000), 1e200**2)."""
    import numpy as np

    from .expressions import to_function

    for e in exprs:
        try:
            f = to_function(e, list(variables))
            with np.errstate(over="raise"):
                value = np.asarray(f(*np.ravel(point).tolist()), dtype=complex)
            if not np.all(np.isfinite(value)):  # f itself is not finite in float64 inside its domain
                return True
        except (FloatingPointError, OverflowError):
            return True
        except Exception:  # noqa: BLE001 - any other failure says nothing about overflow
            continue
    return False


def classify_nonfinite(answers: dict, exprs, variables, point) -> dict:
    """Each lens answer at `point` with the status that names the cause of a missing number.

    A point outside the domain of one of `exprs` (:func:`domain_violations`)
    makes every lens ``OUT_OF_DOMAIN``, whatever number it produced (``1/x``,
    the derivative of ``log(x)``, is finite at x = -1, yet log is not defined
    there). Inside the domain, a lens whose number is not finite says
    ``INFINITE``: floating point overflowed, or the derivative really is
    infinite (``sqrt`` at 0); that is never called a domain error.

    `answers` maps lens name -> a frozen answer with ``value``, ``status`` and
    ``message`` fields; the result is a new dict of updated answers.
    """
    import dataclasses

    import numpy as np

    from .results import Status

    where = dict(zip([getattr(v, "name", v) for v in variables], np.ravel(point).tolist()))
    violations = tuple(dict.fromkeys(v for e in exprs for v in domain_violations(e, where)))
    out = {}
    for name, a in answers.items():
        if violations:
            a = dataclasses.replace(a, status=Status.OUT_OF_DOMAIN,
                                    message="the point is outside the domain: " + "; ".join(violations))
        elif a.status is Status.NOT_DIFFERENTIABLE:
            pass  # the lens found a kink: that is its answer
        elif a.status in (Status.NAN, Status.INFINITE, Status.OUT_OF_DOMAIN) or (
                a.value is not None and not np.all(np.isfinite(np.asarray(a.value, dtype=float)))):
            values = np.asarray(a.value if a.value is not None else np.nan, dtype=float)
            if np.any(np.isinf(values)) or a.status is Status.INFINITE or _overflows(exprs, variables, point):
                a = dataclasses.replace(a, status=Status.INFINITE, message=(
                    "inside the domain, but not finite in floating point (an overflow, or an infinite derivative)"
                    + ("" if name == "symbolic" else "; the symbolic lens uses 30 significant digits")))
            else:  # NaN inside the domain: 0/0 on the way (a kink such as sqrt(x^2+y^2) at 0, or inf - inf)
                a = dataclasses.replace(a, status=Status.NAN, message=(
                    "inside the domain, but the lens computed NaN (0/0 or inf - inf on the way: a kink, "
                    "or an overflow inside the function)"))
        out[name] = a
    return out


# ----- `calcml.functions` is itself the read-only mapping ------------------------------

class _RegistryModule(type(importlib), Mapping):
    """This module, which also reads as the registry: ``calcml.functions["log"]``.

    The registry is public as ``calcml.functions``; since that is also the name of
    this module, the module answers the mapping's questions itself (``[]``, ``in``,
    ``len``, iteration, ``keys``/``values``/``items``) and cannot be assigned to.
    """

    __eq__ = object.__eq__  # a module: equal to itself only, and hashable (Mapping would undo both)
    __hash__ = object.__hash__

    def __getitem__(self, name):
        return functions[name]

    def __iter__(self):
        return iter(functions)

    def __len__(self):
        return len(functions)

    def __repr__(self):
        return f"<calcml.functions: {len(functions)} elementary functions: {', '.join(functions)}>"


sys.modules[__name__].__class__ = _RegistryModule
