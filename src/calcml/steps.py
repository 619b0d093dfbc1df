"""Step-by-step derivation traces: the rules a learner would apply, in order.

:func:`derivative_steps` differentiates by the textbook rules (sum, constant
multiple, power, product, quotient, chain and one rule per elementary
function) and records each application as a :class:`calcml.results.Step`.
Every step's result is checked against ``sympy.diff`` as it is made, so a
trace can be wrong only by being unreadable, never by being false.

:func:`integration_steps` translates SymPy's own manual-integration trace
(``sympy.integrals.manualintegrate``) into the same Step tree with readable
rule names, and :func:`format_steps` prints either kind as an indented tree.

A trace's top step carries the note "differentiate with respect to x" (or
"integrate ..."); a step that works in another variable (the outer function
of a chain rule, in u) says so in its own note. :func:`format_steps` reads
these notes to write ``d/du[...]``.
"""

from __future__ import annotations

import dataclasses
import re

import sympy

from calcml.errors import ComputationError, ExpressionError
from calcml.results import Step
from calcml.symbolic import _as_expr, _decide, _real_symbols, _sigmoid_as_exp

__all__ = ["derivative_steps", "integration_steps", "format_steps"]

# One rule per elementary function, read from the registry (calcml.functions):
# SymPy class -> (rule name, u -> the derivative of f(u) with respect to u), for
# example log -> ("log", 1/u) and sigmoid -> ("sigmoid", sigmoid(u)*(1 - sigmoid(u))).
# The chain rule multiplies by du/dx. Each entry is made on first use (parsing the
# registry's derivative text), so a trace pays only for the functions it meets.
_FUNCTION_RULES: dict = {}
_U = sympy.Symbol("u", real=True)


def _rule_for(cls):
    """(rule name, derivative in u) for the SymPy class `cls`, or None outside the registry."""
    if cls not in _FUNCTION_RULES:
        from calcml.symbolic import _by_class

        entry = _by_class().get(cls)
        if entry is None:
            return None
        from calcml.expressions import parse

        slope = parse(entry.derivative, [_U])  # the registry writes f'(u) as text

        def outer(v, slope=slope):
            return slope.xreplace({_U: v})

        _FUNCTION_RULES[cls] = (entry.rule, outer)
    return _FUNCTION_RULES[cls]


def _function_rules() -> dict:
    """The whole table (every registry function whose SymPy form is a function class)."""
    from calcml.functions import functions
    from calcml.symbolic import sympy_function

    for entry in functions.values():
        cls = sympy_function(entry)
        if isinstance(cls, type):  # sqrt(u) is a power: power() names it
            _rule_for(cls)
    return _FUNCTION_RULES


_WRT = re.compile(r"(differentiate|integrate) with respect to (\w+)")


# --------------------------------------------------------------------------
# Derivatives
# --------------------------------------------------------------------------


def derivative_steps(expr, var) -> Step:
    """The rule-by-rule derivation of d(expr)/d(var).

    Parameters
    ----------
    expr : sympy.Expr
        The function to differentiate.
    var : sympy.Symbol
        The variable.

    Returns
    -------
    Step
        The top step; its result is d(expr)/d(var), as the rules produce it
        (``calcml.symbolic.simplify_for_reading`` tidies it).

    Raises
    ------
    ExpressionError
        If `expr` contains an infinity or NaN (``x + zoo``, made by ``log(0)``):
        it is undefined as a function, and the rules do not apply to it.
    ComputationError
        If a step disagrees with ``sympy.diff`` (a bug in a rule).

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> top = derivative_steps(sympy.sin(x**2) * sympy.exp(x), x)
    >>> top.rule, [s.rule for s in top.substeps]
    ('product', ['exp', 'chain'])
    >>> print(format_steps(top))
    product: d/dx[exp(x)*sin(x**2)] = 2*x*exp(x)*cos(x**2) + exp(x)*sin(x**2)
      exp: d/dx[exp(x)] = exp(x)
      chain: d/dx[sin(x**2)] = 2*x*cos(x**2)
        sin: d/du[sin(u)] = cos(u)   (outer function of u = x**2)
        power: d/dx[x**2] = 2*x
    >>> sympy.diff(sympy.sin(x**2) * sympy.exp(x), x)   # the truth, in SymPy's order
    2*x*exp(x)*cos(x**2) + exp(x)*sin(x**2)
    """
    expr = _as_expr(expr)
    if not isinstance(var, sympy.Symbol):
        raise ExpressionError(f"var must be a SymPy Symbol, got {type(var).__name__} {var!r}")
    _refuse_undefined(expr)
    top = _Differentiator(var).step(expr)
    note = f"differentiate with respect to {var}"
    return dataclasses.replace(top, note=f"{note}; {top.note}" if top.note else note)


def _refuse_undefined(expr) -> None:
    # x + zoo (from log(0)) is the constant zoo to SymPy, so d/dx is 0, while the sum rule
    # says 1: no rule-by-rule trace means anything for an undefined expression. Refuse it.
    from calcml.expressions import refuse_undefined

    refuse_undefined(expr)


class _Differentiator:
    """Applies the rules for one variable; `step` recurses into the parts."""

    def __init__(self, var: sympy.Symbol):
        self.var = var

    def make(self, rule, expr, result, substeps=(), note="", wrt=None) -> Step:
        wrt = self.var if wrt is None else wrt
        # The check, over the reals (so that d|u| = sign(u) is SymPy's answer too).
        real = _real_symbols(expr, wrt)
        truth = sympy.diff(expr.xreplace(real), wrt.xreplace(real))
        # Only a clear mismatch is an error; a check nothing can decide lets it stand.
        if _decide(result.xreplace(real), truth, prove=False) is False:
            raise ComputationError(f"the {rule} rule gave {result} for d/d{wrt}[{expr}], "
                                   f"but SymPy gives {truth}; please report this")
        return Step(rule, expr, result, tuple(substeps), note)

    def step(self, f) -> Step:
        x = self.var
        if not f.has(x):
            return self.make("constant", f, sympy.S.Zero)    # d c = 0
        if f == x:
            return self.make("identity", f, sympy.S.One)     # d x = 1
        if f.is_Add:                                         # d(u + v) = du + dv
            parts = [self.step(t) for t in f.as_ordered_terms()]
            return self.make("sum", f, sympy.Add(*[p.result for p in parts]), parts)
        if f.is_Mul:
            return self.mul(f)
        if f.is_Pow:
            return self.power(f)
        if isinstance(f, sympy.Function) and len(f.args) == 1:
            return self.function(f)
        # No teaching rule (a function of several arguments, ...): SymPy's word.
        return self.make(type(f).__name__.lower(), f, sympy.diff(f, x),
                         note="no rule written for this shape; SymPy's result")

    def mul(self, f) -> Step:
        x = self.var
        const, rest = f.as_independent(x, as_Add=False)
        if const != 1:                                       # d(c u) = c du
            inner = self.step(rest)
            return self.make("constant multiple", f, const * inner.result, [inner])
        factors = rest.as_ordered_factors()
        # SymPy stores x/(x + 1) as x*(x + 1)**-1; a factor with a negative
        # number as exponent belongs to a denominator, read as a quotient.
        below = [g for g in factors if g.as_base_exp()[1].is_number and g.as_base_exp()[1].is_negative]
        if below:                                            # d(u/v) = (v du - u dv) / v^2
            num = sympy.Mul(*[g for g in factors if g not in below])
            den = sympy.Mul(*[1 / g for g in below])
            top, bottom = self.step(num), self.step(den)
            result = (top.result * den - num * bottom.result) / den**2
            return self.make("quotient", f, result, [top, bottom],
                             note=f"numerator {num}, denominator {den}")
        # d(u v w) = du v w + u dv w + u v dw
        parts = [self.step(g) for g in factors]
        terms = [parts[i].result * sympy.Mul(*(factors[:i] + factors[i + 1:]))
                 for i in range(len(factors))]
        return self.make("product", f, sympy.Add(*terms), parts)

    def power(self, f) -> Step:
        x = self.var
        base, exp = f.base, f.exp
        if not exp.has(x):                                   # d u^n = n u^(n-1)
            rule = "sqrt" if exp == sympy.S.Half else "power"
            return self.outer_then_inner(f, rule, base, lambda u: u**exp,
                                         lambda u: exp * u ** (exp - 1))
        if not base.has(x):                                  # d a^u = a^u ln a
            return self.outer_then_inner(f, "exponential", exp, lambda u: base**u,
                                         lambda u: base**u * sympy.log(base))
        # Logarithmic differentiation: u^v = e^(v ln u), so
        # d u^v = u^v (dv ln u + v du / u).
        du, dv = self.step(base), self.step(exp)
        result = f * (dv.result * sympy.log(base) + exp * du.result / base)
        return self.make("general power", f, result, [du, dv],
                         note=f"write it as exp({exp}*log({base})) and use the chain rule")

    def function(self, f) -> Step:
        arg = f.args[0]
        found = _rule_for(f.func)
        if found is not None:
            rule, outer = found
        else:  # a SymPy function outside calcml's registry (sec, erf, ...): SymPy's derivative
            rule = f.func.__name__
            def outer(u, g=f.func):
                return sympy.diff(g(u), u)
        return self.outer_then_inner(f, rule, arg, f.func, outer)

    def outer_then_inner(self, f, rule, inner, build, outer) -> Step:
        """Apply `rule` directly when `inner` is the variable, else by the chain rule.

        `build(u)` rebuilds the outer function around u; `outer(u)` is its
        derivative with respect to u.
        """
        if inner == self.var:
            return self.make(rule, f, outer(self.var))
        # d g(u(x)) = g'(u) du/dx, with g' worked out in a fresh symbol u.
        u = _fresh_symbol(f, "u")
        outer_step = self.make(rule, build(u), outer(u), wrt=u,
                               note=f"outer function of {u} = {inner}; "
                                    f"differentiate with respect to {u}")
        inner_step = self.step(inner)
        result = outer_step.result.xreplace({u: inner}) * inner_step.result
        return self.make("chain", f, result, [outer_step, inner_step])


def _fresh_symbol(expr, preferred: str) -> sympy.Symbol:
    taken = {s.name for s in expr.free_symbols}
    for name in (preferred, "v", "w", "t", "s"):
        if name not in taken:
            return sympy.Symbol(name)
    i = 1
    while f"{preferred}{i}" in taken:
        i += 1
    return sympy.Symbol(f"{preferred}{i}")


# --------------------------------------------------------------------------
# Integrals
# --------------------------------------------------------------------------

# Readable names for SymPy's manualintegrate rules; anything else is named
# after its class ("ErfRule" -> "erf").
_INTEGRAL_RULES = {
    "ConstantRule": "constant",                    # ∫ c dx = c x
    "ConstantTimesRule": "constant multiple",      # ∫ c f = c ∫ f
    "PowerRule": "power rule",                     # ∫ x^n = x^(n+1)/(n+1)
    "NestedPowRule": "power rule",
    "AddRule": "sum",                              # ∫ (f + g) = ∫ f + ∫ g
    "PartsRule": "integration by parts",           # ∫ u dv = u v - ∫ v du
    "CyclicPartsRule": "integration by parts, repeated until the integral returns",
    "ReciprocalRule": "log",                       # ∫ 1/x = ln x
    "ExpRule": "exp",                              # ∫ e^x = e^x; ∫ a^x = a^x / ln a
    "SinRule": "sin", "CosRule": "cos", "SinhRule": "sinh", "CoshRule": "cosh",
    "SecTanRule": "sec tan", "CscCotRule": "csc cot", "Sec2Rule": "sec^2", "Csc2Rule": "csc^2",
    "ArcsinRule": "arcsin", "ArcsinhRule": "arcsinh", "ArctanRule": "arctan",
    "RewriteRule": "rewrite", "CompleteSquareRule": "complete the square",
    "TrigSubstitutionRule": "trigonometric substitution",
    "DerivativeRule": "derivative", "PiecewiseRule": "piecewise",
    "SqrtQuadraticRule": "square root of a quadratic",
    "ReciprocalSqrtQuadraticRule": "reciprocal square root of a quadratic",
    "SqrtQuadraticDenomRule": "square root of a quadratic in the denominator",
}


def integration_steps(expr, var) -> Step | None:
    """SymPy's manual-integration trace of ∫ expr d(var), as calcml Steps.

    Each step's `result` is an antiderivative of its `expression` (without +C).
    Substitutions work in a fresh symbol (u, v, ...) that the note defines.

    Returns None when SymPy's manual integrator does not know the integral
    (``sympy.integrate`` may still find it by other algorithms).

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> print(format_steps(integration_steps(2 * x * sympy.cos(x**2), x)))
    constant multiple: ∫ 2*x*cos(x**2) dx = sin(x**2)
      substitution u = x**2: ∫ x*cos(x**2) dx = sin(x**2)/2
        constant multiple: ∫ cos(u)/2 du = sin(u)/2
          cos: ∫ cos(u) du = sin(u)
    >>> sympy.diff(sympy.sin(x**2), x)     # check: differentiate the answer
    2*x*cos(x**2)
    >>> integration_steps(sympy.sin(sympy.sin(x)), x) is None
    True
    """
    expr = _as_expr(expr)
    if not isinstance(var, sympy.Symbol):
        raise ExpressionError(f"var must be a SymPy Symbol, got {type(var).__name__} {var!r}")
    _refuse_undefined(expr)
    # Integrate over the reals (|x| and sqrt(x^2) behave), then hand back the caller's symbols.
    real = _real_symbols(expr, var)
    plain = _sigmoid_as_exp(expr)  # SymPy's integrator knows exp and log, not sigmoid or softplus
    from sympy.integrals import manualintegrate as mi  # ~40 ms to import: only when integrating

    # SymPy keeps module-level state across calls: a counter that limits integration by parts
    # (manualintegrate() clears it after each integral, integral_steps() does not) and loop-guard
    # entries that an interrupted call (our time limit) leaves behind. Start and end clean, or a
    # later x*exp(x) finds by-parts "used up" and gets no steps at all.
    _reset_manualintegrate(mi)
    try:
        rule = mi.integral_steps(plain.xreplace(real), var.xreplace(real))
    finally:
        _reset_manualintegrate(mi)
    if rule.contains_dont_know():
        return None
    back = {v: k for k, v in real.items()}
    top = _convert(rule, back, frozenset(s.name for s in expr.free_symbols))
    if plain != expr:
        top = Step("rewrite", expr, top.result, (top,), _rewrite_note(expr))
    note = f"integrate with respect to {var}"
    return dataclasses.replace(top, note=f"{note}; {top.note}" if top.note else note)


def _reset_manualintegrate(mi) -> None:
    """Clear SymPy manualintegrate's cross-call state (by-parts counter, loop guard)."""
    for name in ("_parts_u_cache", "_integral_cache"):
        cache = getattr(mi, name, None)
        if cache is not None:
            cache.clear()


def _rewrite_note(expr) -> str:
    """'rewrite sigmoid(u) as 1/(1 + exp(-u))', for each of calcml's own functions in `expr`."""
    from calcml.symbolic import _RegistryFunction

    u = sympy.Symbol("u")
    found = sorted({type(f) for f in expr.atoms(sympy.Function) if isinstance(f, _RegistryFunction)},
                   key=lambda c: c.__name__)
    return "rewrite " + "; ".join(f"{c(u)} as {c(u)._elementary()}" for c in found)


def _convert(rule, rename: dict, taken: frozenset) -> Step:
    """One manualintegrate rule (and its sub-rules) as a Step.

    `rename` maps SymPy's dummies (and real stand-ins) to readable symbols;
    `taken` holds the names in use along the path from the top, so a
    substitution variable never clashes with an outer one.
    """
    kind = type(rule).__name__
    if kind == "AlternativeRule":  # SymPy found several ways; show the first that works
        usable = [r for r in rule.alternatives if not r.contains_dont_know()]
        return _convert(usable[0], rename, taken)
    expr = rule.integrand
    if kind == "URule":  # SymPy sometimes states this integrand in u; say it in x
        expr = expr.xreplace({rule.u_var: rule.u_func})
    expr = expr.xreplace(rename)
    result = rule.eval().xreplace(rename)
    name = _INTEGRAL_RULES.get(kind) or kind.removesuffix("Rule").lower()
    note = ""
    subs: list[Step] = []
    if kind in ("URule", "TrigSubstitutionRule"):
        # ∫ f(g(x)) g'(x) dx = ∫ f(u) du, worked in a fresh symbol
        dummy = rule.u_var if kind == "URule" else rule.theta
        new = sympy.Symbol(_new_name(taken, "u" if kind == "URule" else "theta"))
        inner = {**rename, dummy: new}
        if kind == "URule":
            name = f"substitution {new} = {rule.u_func.xreplace(rename)}"
        else:
            note = f"{rule.func.xreplace(rename)} = {rule.func.xreplace(inner)}"
        sub = _convert(rule.substep, inner, taken | {new.name})
        subs = [dataclasses.replace(sub, note=_join(sub.note, f"integrate with respect to {new}"))]
    elif kind == "PartsRule":                        # ∫ u dv = u v - ∫ v du
        note = _parts_note(rule, rename)
        subs = [_convert(r, rename, taken) for r in (rule.v_step, rule.second_step) if r is not None]
    elif kind == "CyclicPartsRule":
        for part in rule.parts_rules:
            v = _convert(part.v_step, rename, taken)
            subs.append(dataclasses.replace(v, note=_join(v.note, "by parts, " + _parts_note(part, rename))))
        note = "the integral comes back; solve for it"
    else:
        if kind == "ExpRule" and rule.base != sympy.E:
            name = "exponential"
        if kind == "RewriteRule":
            note = f"rewrite as {rule.rewritten.xreplace(rename)}"
        from sympy.integrals.manualintegrate import Rule

        for field in dataclasses.fields(rule):  # substep / substeps / subfunctions
            value = getattr(rule, field.name)
            for r in (value if isinstance(value, (list, tuple)) else [value]):
                if isinstance(r, tuple) and r and isinstance(r[0], Rule):
                    r = r[0]  # PiecewiseRule: (rule, condition)
                if isinstance(r, Rule):
                    subs.append(_convert(r, rename, taken))
    return Step(name, expr, result, tuple(subs), note)


def _parts_note(rule, rename: dict) -> str:
    u, dv = rule.u.xreplace(rename), rule.dv.xreplace(rename)
    names = {s.name for s in (u * dv).free_symbols}
    # The textbook letters u and dv, unless a substitution already uses u or v.
    first, second = ("f", "dg") if names & {"u", "v"} else ("u", "dv")
    var = rule.v_step.variable.xreplace(rename)
    return f"{first} = {u}, {second} = {dv} d{var}"


def _new_name(taken: frozenset, preferred: str) -> str:
    for name in (preferred, "v", "w", "z") if preferred == "u" else (preferred, "phi"):
        if name not in taken:
            return name
    i = 1
    while f"{preferred}{i}" in taken:
        i += 1
    return f"{preferred}{i}"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


# --------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------


def format_steps(step: Step, var=None, *, integral: bool | None = None) -> str:
    """A trace as plain text: one line per step, substeps indented.

    Each line reads ``rule: d/dx[expression] = result`` (or
    ``rule: ∫ expression dx = result``), followed by the step's note in
    parentheses when it has more to say.

    Parameters
    ----------
    step : Step
        The top step of a trace.
    var : sympy.Symbol or str, optional
        The variable; by default read from the top step's note.
    integral : bool, optional
        Whether this is an integration trace; by default read from the note.

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> print(format_steps(derivative_steps(3 * x**2, x)))
    constant multiple: d/dx[3*x**2] = 6*x
      power: d/dx[x**2] = 2*x
    """
    if not isinstance(step, Step):
        raise ExpressionError(f"step must be a calcml Step, got {type(step).__name__}")
    found = _WRT.search(step.note)
    if integral is None:
        integral = bool(found) and found.group(1) == "integrate"
    if var is None:
        var = found.group(2) if found else "x"
    lines: list[str] = []
    stack = [(step, 0, str(var))]
    while stack:
        s, depth, v = stack.pop()
        here = _WRT.search(s.note)
        v = here.group(2) if here else v
        shown = f"({s.expression})" if integral and s.expression.is_Add else str(s.expression)
        body = f"∫ {shown} d{v}" if integral else f"d/d{v}[{shown}]"
        note = _WRT.sub("", s.note).strip(" ;,")
        lines.append(f"{'  ' * depth}{s.rule}: {body} = {s.result}" + (f"   ({note})" if note else ""))
        stack.extend((sub, depth + 1, v) for sub in reversed(s.substeps))
    return "\n".join(lines)
