"""Safe parsing of math text, and turning expressions into functions.

User text never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``. It
goes through a small tokenizer and a precedence-climbing parser written here,
which builds SymPy objects node by node from a closed list of operators,
functions and constants. Anything else is refused with an
:class:`~calcml.errors.ExpressionError` that carries the position and a hint.

The grammar, loosest binding first::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | <implicit>) unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("^" | "**") unary)?        # right-associative: 2^3^2 = 2^9
    atom    := NUMBER | NAME | FUNC "(" expr ")" | "(" expr ")"

``<implicit>`` is a multiplication written without a sign, accepted right after
a number: ``3x^2`` is ``3*x^2`` and ``2(x+1)`` is ``2*(x+1)``. As in most
calculators and textbooks, ``-x^2`` is ``-(x^2)``.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .errors import ExpressionError
from .functions import NAMES as _FUNCTION_NAMES

__all__ = ["parse", "parse_with_domain", "domain_conditions", "to_function", "free_variables", "FUNCTIONS", "CONSTANTS", "LIMITS"]

#: Functions the parser accepts, each taking one argument: every name and alias
#: in the registry :data:`calcml.functions.functions` (``ln`` is ``log``,
#: ``sigmoid(z) = 1/(1 + exp(-z))``, ``softplus``, ``log_sigmoid``, ``log1p``, ...).
FUNCTIONS = _FUNCTION_NAMES
#: Named constants: ``pi`` and ``e`` (Euler's number), unless listed as variables.
CONSTANTS = ("pi", "e")


@dataclass(frozen=True)
class _Limits:
    max_length: int = 2000
    max_depth: int = 100
    max_number_digits: int = 60
    max_decimal_exponent: int = 400
    max_symbolic_exponent: int = 1000
    max_result_digits: int = 1000


#: The parser's safety limits: text length, nesting depth, size of literals and powers.
LIMITS = _Limits()

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[-+*/^(),])
  | (?P<pi>\u03c0)
  | (?P<unicode_op>[\u2212\u00d7\u00b7\u22c5])
    """,
    re.VERBOSE,
)
_UNICODE_OPS = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*"}

# What to say about characters a user may plausibly type.
_CHAR_HINTS = {
    ".": "attributes are not allowed; write numbers like 0.5 and call functions by name, e.g. sin(x)",
    "[": "subscripts are not allowed; name each variable, e.g. x1, x2",
    "]": "subscripts are not allowed; name each variable, e.g. x1, x2",
    "'": "strings are not allowed; write the math itself",
    '"': "strings are not allowed; write the math itself",
    "=": "write only the expression, without 'f(x) =' or 'y ='",
    "!": "factorials are not supported",
    "%": "the modulo operator is not supported",
    "{": "use round parentheses ( ) for grouping",
    "}": "use round parentheses ( ) for grouping",
    ":": "lambdas and slices are not allowed; write the math itself",
    ";": "write a single expression",
    "@": "matrix products are not supported in text input",
    "|": "write abs(x) for |x|",
    "\u00b2": "write x^2 for x\u00b2",
    "\u00b3": "write x^3 for x\u00b3",
}


@dataclass(frozen=True)
class _Tok:
    kind: str  # number, name, op, end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        m = _TOKEN.match(text, i)
        if m is None:
            ch = text[i]
            hint = _CHAR_HINTS.get(ch, "use numbers, variable names, + - * / ^ ( ) and the functions "
                                       + ", ".join(FUNCTIONS))
            raise ExpressionError(f"unexpected character {ch!r}", text, i, hint)
        kind = m.lastgroup
        if kind == "pi":
            toks.append(_Tok("name", "pi", i))
        elif kind == "unicode_op":
            toks.append(_Tok("op", _UNICODE_OPS[m.group()], i))
        elif kind != "ws":
            if kind == "number":
                _check_number_end(text, i, m.end())
            toks.append(_Tok(kind, m.group(), i))
        i = m.end()
    toks.append(_Tok("end", "", n))
    return toks


class _Parser:
    def __init__(self, text: str, variables: dict[str, object] | None, sp):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.depth = 0
        self.variables = variables
        self.sp = sp
        self.symbols: dict[str, object] = {}
        self.conditions: list[tuple[str, object]] = []  # the domain of the text as typed (see _note_domain)

    # -- helpers -------------------------------------------------------
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, pos: int, hint: str = "") -> ExpressionError:
        return ExpressionError(message, self.text, pos, hint)

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > LIMITS.max_depth:
            raise self.fail(f"expression nested deeper than {LIMITS.max_depth} levels", pos,
                            "simplify the expression or split it into parts")

    # -- grammar -------------------------------------------------------
    def parse(self):
        if self.peek().kind == "end":
            raise self.fail("empty expression", 0, "write an expression such as x^2 + 1")
        node = self.expr()
        t = self.peek()
        if t.kind != "end":
            if t.text == ")":
                raise self.fail("unmatched ')'", t.pos, "remove it or add the matching '('")
            if t.text == ",":
                raise self.fail("unexpected ','", t.pos, "functions take one argument; write one expression")
            raise self.fail(f"unexpected {t.text!r}", t.pos,
                            "put an operator between the two parts, e.g. x*y instead of x y")
        return node

    def expr(self):
        self.enter(self.peek().pos)
        left = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take()
            right = self.term()
            left = self.sp.Add(left, right) if op.text == "+" else self.sp.Add(left, -right)
            _check_size(self, left, op.pos)
        self.depth -= 1
        return left

    def term(self):
        left = self.unary()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in ("*", "/"):
                self.take()
                right = self.unary()
                if t.text == "*":
                    left = self.sp.Mul(left, right)
                else:
                    if right == 0:
                        raise self.fail("division by zero", t.pos, "check the denominator")
                    _note_domain(self.conditions, "nonzero", right)
                    left = self.sp.Mul(left, self.sp.Pow(right, -1))
                _check_size(self, left, t.pos)
            elif self.toks[self.i - 1].kind == "number" and (t.kind == "name" or t.text == "("):
                # implicit multiplication after a number: 3x, 2(x+1)
                right = self.unary()
                left = self.sp.Mul(left, right)
                _check_size(self, left, t.pos)
            else:
                return left

    def unary(self):
        t = self.peek()
        if t.kind == "op" and t.text in "+-":
            self.take()
            self.enter(t.pos)
            operand = self.unary()
            self.depth -= 1
            return -operand if t.text == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        t = self.peek()
        if t.kind == "op" and t.text in ("^", "**"):
            self.take()
            self.enter(t.pos)
            exponent = self.unary()  # right-associative, and 2^-1 works
            self.depth -= 1
            return self.make_power(base, exponent, t.pos)
        return base

    def atom(self):
        t = self.take()
        if t.kind == "number":
            return self.number(t)
        if t.kind == "name":
            return self.name(t)
        if t.text == "(":
            inner = self.expr()
            close = self.take()
            if close.text != ")":
                raise self.fail("missing ')'", close.pos if close.kind != "end" else len(self.text),
                                f"close the '(' opened at position {t.pos + 1}")
            return inner
        if t.kind == "end":
            raise self.fail("the expression ends too early", t.pos, "something is missing after the last operator")
        raise self.fail(f"unexpected {t.text!r}", t.pos, "expected a number, a name or '('")

    # -- leaves --------------------------------------------------------
    def number(self, t: _Tok):
        sp = self.sp
        mant, _, exp = t.text.lower().partition("e")
        whole, _, frac = mant.partition(".")
        digits = (whole + frac).lstrip("0")
        if len(digits) > LIMITS.max_number_digits:
            raise self.fail(f"number with more than {LIMITS.max_number_digits} digits", t.pos,
                            "use scientific notation, e.g. 1.5e30")
        e10 = int(exp) if exp else 0
        if abs(e10) > LIMITS.max_decimal_exponent:
            raise self.fail(f"number exponent beyond \u00b1{LIMITS.max_decimal_exponent}", t.pos,
                            "such numbers are outside what calcml computes with")
        # Kept exact: 0.5 becomes 1/2, 1e-7 becomes 1/10000000, so solving works later.
        value = sp.Rational(int(whole + frac or "0")) * sp.Rational(10) ** (e10 - len(frac))
        return value

    def name(self, t: _Tok):
        sp = self.sp
        word = t.text
        nxt = self.peek()
        if word.startswith("__") or word.endswith("__"):
            raise self.fail(f"name {word!r} is not allowed", t.pos, "names with double underscores are refused")
        if keyword.iskeyword(word) or word in ("print", "import", "lambda"):
            raise self.fail(f"Python keyword {word!r} is not allowed", t.pos,
                            "write math only: numbers, variables, operators and functions")
        is_var = self.variables is not None and word in self.variables
        if nxt.text == "(" and not is_var:
            fname = word.lower()
            if word not in FUNCTIONS:
                known = ", ".join(FUNCTIONS)
                hint = f"write {fname}(...) in lower case" if fname in FUNCTIONS else f"known functions: {known}"
                raise self.fail(f"unknown function {word!r}", t.pos, hint)
            self.take()
            self.enter(nxt.pos)
            arg = self.expr()
            self.depth -= 1
            close = self.take()
            if close.text == ",":
                raise self.fail(f"{word}() takes one argument", close.pos, f"write {word}(expression)")
            if close.text != ")":
                raise self.fail("missing ')'", close.pos, f"close the '(' of {word}(")
            return self.apply(word, arg, t.pos)
        if word in FUNCTIONS and not is_var:
            raise self.fail(f"function {word!r} needs parentheses", t.pos, f"write {word}(x)")
        if not is_var and word in CONSTANTS:
            return sp.pi if word == "pi" else sp.E
        if self.variables is not None and not is_var:
            allowed = ", ".join(self.variables) or "(none)"
            raise self.fail(f"unknown name {word!r}", t.pos, f"the variables are {allowed}")
        if word not in self.symbols:
            self.symbols[word] = (self.variables or {}).get(word) or _new_symbol(word)
        return self.symbols[word]

    def apply(self, fname: str, arg, pos: int):
        from .symbolic import sympy_function

        sp = self.sp
        if fname == "exp" and arg.is_Number and abs(float(arg)) > 10 * LIMITS.max_result_digits:
            raise self.fail("exp() of a huge number", pos, "such numbers are outside what calcml computes with")
        _note_function_domain(self.conditions, fname, arg)
        out = sympy_function(fname)(arg)
        if out.has(sp.zoo, sp.nan) and not arg.has(sp.zoo, sp.nan):
            raise self.fail(f"{fname}() is undefined here", pos, "check the argument")
        return out

    def make_power(self, base, exponent, pos: int):
        sp = self.sp
        if exponent.is_Number and exponent.is_finite:
            e = exponent
            if base.is_Number:
                b = abs(float(base)) if base != 0 else 0.0
                if b == 0 and e.is_negative:
                    raise self.fail("zero to a negative power", pos, "that is a division by zero")
                if b not in (0.0, 1.0):
                    # digits of the result: |e| * log10|b|; refuse before SymPy evaluates it
                    size = abs(float(e)) * abs(math.log10(b))
                    if size > LIMITS.max_result_digits:
                        raise self.fail(f"power too large (about 10^{size:.3g})", pos,
                                        f"results beyond 10^{LIMITS.max_result_digits} are refused")
                # a numeric base to a rational power with a huge denominator is also costly
                if getattr(e, "q", 1) > LIMITS.max_symbolic_exponent:
                    raise self.fail("exponent with a huge denominator", pos, "use a simpler exponent")
            elif abs(float(e)) > LIMITS.max_symbolic_exponent or getattr(e, "q", 1) > LIMITS.max_symbolic_exponent:
                raise self.fail(f"exponent {e} is too large (limit {LIMITS.max_symbolic_exponent})", pos,
                                "symbolic work with such powers can run away")
        elif exponent.is_Number:
            raise self.fail("infinite exponent", pos, "check the exponent")
        elif base.is_Number and base.is_finite is False:
            raise self.fail("infinite base", pos, "check the base")
        _note_power_domain(self.conditions, base, exponent)
        out = sp.Pow(base, exponent)
        _check_size(self, out, pos)
        return out


def parse(text: str, variables: Iterable[str] | None = None):
    """Parse math text into a SymPy expression, safely.

    Parameters
    ----------
    text : str
        Math such as ``"x^3 - 2x^2 + 1"``, ``"3*x**2 - 4*x"``, ``"sin(x^2)*exp(x)"``.
        ``^`` and ``**`` both mean power; a number may multiply what follows it
        without a sign (``3x``, ``2(x+1)``). Functions: see :data:`FUNCTIONS`;
        constants: ``pi`` and ``e``.
    variables : iterable of str, optional
        The allowed variable names. When given, any other name is an error
        (and a name listed here shadows a constant: ``variables=["e"]`` makes
        ``e`` a variable). When omitted, every unknown name is a variable.

    Returns
    -------
    sympy.Expr
        Built node by node; variables are real SymPy symbols. Decimal numbers
        are kept exact: ``0.5`` becomes ``1/2``.

    Raises
    ------
    ExpressionError
        For anything outside the grammar, with the position and a hint; also
        for text over 2,000 characters, nesting deeper than 100 levels, and
        numbers or powers too large to compute with.

    Examples
    --------
    >>> parse("x^3 - 2x^2 + 1")
    x**3 - 2*x**2 + 1
    >>> parse("0.5*x")
    x/2
    >>> parse("x.__class__")
    Traceback (most recent call last):
    ...
    calcml.errors.ExpressionError: unexpected character '.' at position 2. attributes are not allowed; write numbers like 0.5 and call functions by name, e.g. sin(x)
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected text, got {type(text).__name__}", hint="pass the expression as a string")
    return _parse_keeping(text, variables, {})


def parse_with_domain(text: str, variables: Iterable[str] | None = None):
    """:func:`parse`, and the domain conditions of the text *as typed*.

    SymPy rewrites some input as it is built (``sqrt(x)^2`` becomes ``x``), which
    would erase where the typed function is defined. The parser notes the
    conditions on the way: square-root and even-root arguments ``>= 0``,
    logarithm arguments ``> 0``, denominators ``!= 0``, ``asin``/``acos``
    arguments in [-1, 1].

    Returns
    -------
    (sympy.Expr, tuple of (str, sympy.Expr))
        The expression, and conditions ``(kind, u)`` with kind one of
        ``"positive"`` (u > 0), ``"nonnegative"`` (u >= 0), ``"nonzero"``,
        ``"unit"`` (-1 <= u <= 1).

    Examples
    --------
    >>> parse_with_domain("sqrt(x)^2")
    (x, (('nonnegative', x),))
    >>> parse_with_domain("log(x) / (x - 1)")[1]
    (('positive', x), ('nonzero', x - 1))
    """
    if not isinstance(text, str):
        return parse(text, variables), ()
    holder: dict = {}
    expr = _parse_keeping(text, variables, holder)
    return expr, tuple(holder["conditions"])


def _parse_keeping(text, variables, holder):
    """parse() itself, keeping the parser's domain conditions in `holder`."""
    import sympy as sp

    var_map = None
    if variables is not None:
        var_map = {}
        for v in variables:
            name = v if isinstance(v, str) else getattr(v, "name", None)
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z_0-9]*", name):
                raise ExpressionError(f"invalid variable name {v!r}", hint="use names like x, y, x1, theta")
            var_map[name] = v if not isinstance(v, str) else _new_symbol(name)
    if len(text) > LIMITS.max_length:
        raise ExpressionError(f"expression is {len(text)} characters long, over the limit of {LIMITS.max_length}",
                              hint="shorten it or split it into parts")
    from .hints import explained  # the same precise hints as parse()

    with explained(text):
        parser = _Parser(text, var_map, sp)
        expr = parser.parse()
    seen, conds = set(), []
    for c in parser.conditions:
        if c not in seen:
            seen.add(c)
            conds.append(c)
    holder["conditions"] = conds
    return expr


def domain_conditions(expr) -> tuple:
    """The domain conditions readable from a SymPy expression's tree (see :func:`parse_with_domain`).

    For text, prefer :func:`parse_with_domain`: it sees the text before SymPy rewrites it.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> domain_conditions(sympy.log(x) + 1 / sympy.sqrt(x))
    (('nonnegative', x), ('nonzero', x), ('positive', x))
    """
    import sympy as sp

    conds: list = []
    from .symbolic import registry_entry

    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Pow):
            _note_power_domain(conds, node.base, node.exp)
        elif isinstance(node, sp.Function) and len(node.args) == 1:
            entry = registry_entry(node)
            if entry is not None:
                _note_function_domain(conds, entry.name, node.args[0])
    seen, out = set(), []
    for c in conds:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return tuple(out)


# --- the domain of the text as typed, and size checks (kept apart from the grammar) -----------

def _new_symbol(name: str):
    """A variable as the user would make it: a plain ``sympy.Symbol(name)``, no assumptions.

    The symbolic lens uses real stand-ins internally and hands results back in these
    symbols, so ``result == 2*sympy.Symbol("x")`` and ``.subs(sympy.Symbol("x"), 3)`` work.
    """
    import sympy as sp

    return sp.Symbol(name)


def _note_domain(conds: list, kind: str, u) -> None:
    if getattr(u, "free_symbols", None):
        conds.append((kind, u))


def _note_function_domain(conds: list, fname: str, arg) -> None:
    """The registry's real domain of `fname`, as conditions on its argument `arg`."""
    from .functions import lookup

    try:
        d = lookup(fname).domain
    except KeyError:
        return
    if d.everywhere:
        return
    if (d.lower, d.upper, d.lower_closed, d.upper_closed) == (-1.0, 1.0, True, True):
        _note_domain(conds, "unit", arg)
    else:
        def bound(b):  # the registry's bounds are floats (0.0, -1.0); whole ones become integers
            return int(b) if b == int(b) else b

        if d.lower != -float("inf"):
            _note_domain(conds, "nonnegative" if d.lower_closed else "positive", arg - bound(d.lower))
        if d.upper != float("inf"):
            _note_domain(conds, "nonnegative" if d.upper_closed else "positive", bound(d.upper) - arg)
    if d.nonzero:
        import sympy as sp

        from .symbolic import sympy_function

        # the registry writes the points to remove as an expression in x, e.g. cos(x) for tan
        name, _, rest = d.nonzero.partition("(")
        if rest == "x)":
            _note_domain(conds, "nonzero", sympy_function(name)(arg))
        else:  # pragma: no cover - every entry today has the form f(x)
            _note_domain(conds, "nonzero", parse(d.nonzero, ["x"]).subs(sp.Symbol("x"), arg))


def _note_power_domain(conds: list, base, exponent) -> None:
    if not exponent.is_Number:
        if exponent.free_symbols:  # b^u with a variable exponent: real for b > 0
            _note_domain(conds, "positive", base)
        return
    if exponent.is_Rational and not exponent.is_Integer:
        # an even root needs base >= 0; so does an odd one, as SymPy and NumPy define
        # x^(1/3) (the principal, complex root for x < 0)
        _note_domain(conds, "nonnegative", base)
    elif exponent.is_Float and not exponent.is_integer:
        _note_domain(conds, "nonnegative", base)
    if exponent.is_negative:
        _note_domain(conds, "nonzero", base)


def _check_number_end(text: str, start: int, end: int) -> None:
    """Refuse number forms other languages accept: ``0x10``, ``0b101``, ``1_000``."""
    rest = text[end:end + 1]
    literal = text[start:end]
    if literal == "0" and rest in ("x", "X", "b", "B", "o", "O") and re.match(r"[0-9A-Fa-f]", text[end + 1:end + 2]):
        word = re.match(r"\w*", text[start:]).group()
        raise ExpressionError(f"{word!r} looks like a hexadecimal, binary or octal literal",
                              text, start, "calcml reads decimal numbers only: write 0x10 as 16")
    if rest == "_":
        raise ExpressionError("underscore inside a number", text, end,
                              f"write the digits without separators, e.g. 1000 for 1_000")


def _result_bound() -> int:
    global _BOUND
    if _BOUND is None or _BOUND[0] != LIMITS.max_result_digits:
        _BOUND = (LIMITS.max_result_digits, 10 ** LIMITS.max_result_digits)
    return _BOUND[1]


_BOUND = None


def _check_size(parser, node, pos: int) -> None:
    """Refuse any intermediate result holding a number beyond the size limits, not only literals."""
    sp = parser.sp
    bound = _result_bound()
    for a in node.atoms(sp.Rational):
        if abs(a.p) > bound or a.q > bound:
            raise parser.fail(f"a number in the result is beyond 10^{LIMITS.max_result_digits}", pos,
                              "such numbers are outside what calcml computes with; use smaller numbers")


def free_variables(expr) -> tuple:
    """The free symbols of `expr`, sorted by name."""
    return tuple(sorted(expr.free_symbols, key=lambda s: s.name))


def refuse_undefined(expr, purpose: str = "has no derivative") -> None:
    """Raise ExpressionError when `expr` holds an infinity or NaN (``x + zoo``, from log(0) or 1/0).

    SymPy folds ``log(0)`` to ``zoo`` and ``0/0`` to ``nan``; arithmetic with them follows
    no rule of calculus (``x + zoo`` is the constant zoo), so such an expression is not a
    function of its variables. The parser refuses these texts already; this is the same
    refusal for SymPy expressions given directly.
    """
    import sympy as sp

    for value, what in ((sp.zoo, "an infinity of no sign (zoo, from log(0) or 1/0)"),
                        (sp.nan, "an undefined value (nan, from 0/0)"),
                        (sp.oo, "an infinity (oo)"), (-sp.oo, "an infinity (-oo)")):
        if expr is value or expr.has(value):
            raise ExpressionError(f"the expression {expr} contains {what}, so it is undefined as a function "
                                  f"and {purpose}", hint="remove the undefined part (check the arguments of "
                                  "log, the denominators and the powers of 0)")


def _as_expr(expr, variables=None):
    if isinstance(expr, str):
        return parse(expr, variables)
    import sympy as sp

    if isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, (int, float)):
        return sp.nsimplify(expr) if isinstance(expr, float) else sp.Integer(expr)
    raise ExpressionError(f"expected text or a SymPy expression, got {type(expr).__name__}",
                          hint="pass a string such as 'x^2 + 1'")


def _resolve_variables(expr, variables) -> tuple:
    import sympy as sp

    free = free_variables(expr)
    if variables is None:
        return free
    by_name = {s.name: s for s in free}
    out = []
    for v in variables:
        name = v if isinstance(v, str) else getattr(v, "name", str(v))
        out.append(by_name.get(name) or (v if isinstance(v, sp.Symbol) else _new_symbol(name)))
    missing = set(by_name) - {s.name for s in out}
    if missing:
        raise ExpressionError(
            f"the expression uses {', '.join(sorted(missing))} which is not among the variables "
            f"{', '.join(s.name for s in out) or '(none)'}", hint="list every variable the expression uses")
    return tuple(out)


# --- numeric backends ---------------------------------------------------------
# lambdify writes the code; every registry function is printed as a call to the
# registry's own evaluation for the backend (the stable sigmoid, softplus, ...),
# so no backend keeps a list of its own.

def _registry_printer(base):
    """A subclass of the lambdify printer `base` that prints registry functions as ``_cm_<name>(arg)``."""
    from .symbolic import registry_entry

    class RegistryPrinter(base):
        def _print(self, expr, **kwargs):
            entry = registry_entry(expr) if getattr(expr, "args", None) else None
            if entry is None:
                return super()._print(expr, **kwargs)
            arg = expr.args[0]
            if entry.name == "log":  # the same function, evaluated without underflow or overflow
                stable = _stable_log(arg)
                if stable is not None:
                    name, inner = stable
                    return f"_cm_{name}({self._print(inner)})"
            if entry.name == "sqrt":  # a power in SymPy: the base printer's numpy.sqrt / mpmath.sqrt
                return super()._print(expr, **kwargs)
            return f"_cm_{entry.name}({self._print(arg)})"

    return RegistryPrinter


def _stable_log(arg):
    """``log(sigmoid(u))``, ``log(1 - sigmoid(u))`` and ``log(1 + exp(u))`` as (registry name, argument).

    Evaluated as written, ``log(sigmoid(-800))`` is ``log(0) = -inf`` and
    ``log(1 + exp(800))`` is ``log(inf)``, although both are about -800 and 800:
    the numeric backends evaluate them as ``log_sigmoid(u)``, ``log_sigmoid(-u)``
    and ``softplus(u)`` instead (the same function; the expression is unchanged).
    """
    from .symbolic import registry_entry

    def is_(e, name):
        entry = registry_entry(e) if getattr(e, "args", None) else None
        return entry is not None and entry.name == name

    if is_(arg, "sigmoid"):
        return "log_sigmoid", arg.args[0]
    if arg.is_Add and len(arg.args) == 2 and 1 in arg.args:
        other = arg.args[0] if arg.args[1] == 1 else arg.args[1]
        if is_(other, "exp"):
            return "softplus", other.args[0]
        if other.is_Mul and len(other.args) == 2 and -1 in other.args:
            inner = other.args[0] if other.args[1] == -1 else other.args[1]
            if is_(inner, "sigmoid"):
                return "log_sigmoid", -inner.args[0]
    return None


def _lambdify(syms, expr, backend: str):
    import sympy as sp

    from .functions import functions

    if backend == "mpmath":
        from sympy.printing.pycode import MpmathPrinter as base

        namespace = {f"_cm_{e.name}": e.mpmath for e in functions.values()}
        module = "mpmath"
    else:
        from sympy.printing.numpy import NumPyPrinter as base

        namespace = {f"_cm_{e.name}": (e.complex if backend == "complex" else e.numpy)
                     for e in functions.values()}
        module = "numpy"
    # the settings lambdify gives its own printers (names unqualified: the namespace has them)
    printer = _registry_printer(base)({"fully_qualified_modules": False, "inline": True,
                                       "allow_unknown_functions": True, "user_functions": {}})
    return sp.lambdify(syms, expr, modules=[namespace, module], printer=printer)


def to_function(expr, variables: Sequence | None = None, backend: str = "numpy") -> Callable:
    """Turn an expression (text or SymPy) into a Python function.

    Parameters
    ----------
    expr : str or sympy.Expr
        Text goes through :func:`parse` first.
    variables : sequence of str or Symbol, optional
        The order of the function's positional arguments. Default: the free
        variables sorted by name.
    backend : {"numpy", "complex", "mpmath", "autodiff"}
        ``"numpy"``: real float64, vectorised; points outside the domain give
        NaN (no warnings are printed). ``"complex"``: the same on complex
        input, for the complex-step derivative. ``"mpmath"``: arbitrary
        precision reference values. ``"autodiff"``: built from
        :mod:`calcml.autodiff` functions so it can be traced. Every function
        of the text is evaluated by its entry in :data:`calcml.functions`
        (the stable sigmoid, softplus, ... and the complex extension of abs).

    Returns
    -------
    callable
        ``f(*args)`` with one argument per variable; the variables in order are
        in ``f.variables`` and the expression in ``f.expr``. Python floats are
        evaluated as NumPy floats: a pole gives inf (``1/x`` at 0), an overflow
        inf (``x^2`` at 1e300), never ZeroDivisionError or OverflowError.

    Raises
    ------
    ExpressionError
        If the expression holds an infinity or NaN (SymPy's ``zoo`` from ``log(0)``).

    Examples
    --------
    >>> f = to_function("x^2 * y + y^3")
    >>> f.variables
    ('x', 'y')
    >>> float(f(2.0, 3.0))   # 4*3 + 27
    39.0
    >>> g = to_function("1/x + x^2")
    >>> float(g(0.0)), float(g(1e300))   # a pole and an overflow: inf, as NumPy says, not an exception
    (inf, inf)
    """
    expr = _as_expr(expr, variables)
    refuse_undefined(expr, "cannot be evaluated")
    syms = _resolve_variables(expr, variables)
    if backend in ("numpy", "complex"):
        fn = _numpy_function(expr, syms, complex_=(backend == "complex"))
    elif backend == "mpmath":
        fn = _lambdify(syms, expr, "mpmath")
    elif backend == "autodiff":
        fn = _autodiff_function(expr, syms)
    else:
        raise ValueError(f"backend must be one of 'numpy', 'complex', 'mpmath', 'autodiff'; got {backend!r}")
    fn.variables = tuple(s.name for s in syms)
    fn.expr = expr
    return fn


def _numpy_function(expr, syms, complex_: bool):
    import numpy as np

    raw = _lambdify(syms, expr, "complex" if complex_ else "numpy")
    dtype = complex if complex_ else float

    def scalar(a):
        if complex_:
            return np.complex128(a)
        if isinstance(a, complex):
            return np.float64(a.real) if a.imag == 0 else np.complex128(a)
        return np.float64(a)

    def f(*args):
        with np.errstate(all="ignore"):
            # NumPy scalars, never Python floats: Python arithmetic raises at a pole
            # (1/x at 0: ZeroDivisionError) or on overflow (x**2 at 1e300: OverflowError),
            # where NumPy gives inf/nan like every other function of the registry does.
            vals = [scalar(a) if isinstance(a, (float, complex)) else np.asarray(a, dtype=dtype) for a in args]
            out = raw(*vals)
            if np.ndim(out) == 0 and len(args) and any(np.ndim(a) for a in vals):
                # a constant expression: broadcast it to the input's shape
                out = np.broadcast_to(np.asarray(out, dtype=dtype),
                                      np.broadcast_shapes(*(np.shape(a) for a in vals))).copy()
            return out

    return f


def _autodiff_function(expr, syms):
    from . import autodiff as ad
    from .symbolic import registry_entry

    def build(node):
        # compile the SymPy tree once into nested closures (depth <= the parser's limit)
        if node.is_Symbol:
            k = syms.index(node)
            return lambda args: args[k]
        if node.is_Number or node.is_NumberSymbol:
            c = float(node)
            return lambda args: c
        kids = [build(a) for a in node.args]
        if node.is_Add:
            def add(args):
                acc = kids[0](args)
                for k in kids[1:]:
                    acc = acc + k(args)
                return acc
            return add
        if node.is_Mul:
            def mul(args):
                acc = kids[0](args)
                for k in kids[1:]:
                    acc = acc * k(args)
                return acc
            return mul
        entry = registry_entry(node)
        if entry is not None:  # sqrt(u) is the power u**(1/2): this catches it first
            fn = getattr(ad, entry.autodiff)
            k0 = kids[0]
            return lambda args: fn(k0(args))
        if node.is_Pow:
            b, e = kids
            return lambda args: b(args) ** e(args)
        from .errors import MissingRuleError

        raise MissingRuleError(f"calcml.autodiff has no primitive for {node.func.__name__}; "
                                   "use the symbolic or numeric lens for this expression")

    body = build(expr)

    def f(*args):
        return body(args)

    return f
