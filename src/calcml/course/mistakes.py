"""Naming a learner's mistake: common wrong answers, built from the exercise and compared.

When an answer is wrong, the grader asks this module *why*. The method is to
make the mistake on purpose: from the exercise's function, build the answers a
learner gets by a known slip (the exponent not lowered, a chain-rule factor
left out, an antiderivative given for a derivative, ...) and compare each with
the learner's answer at the grader's sample points. The first that matches
names the mistake. For polynomials the answer is also compared term by term,
which points at the one term of f that went wrong.

The messages never state the whole expected answer; naming what one term of f
should give is fine, and so is a value at one point.

The mistake codes (:attr:`Diagnosis.mistake`):

=====================================  =========================================================
``original_function``                  the function given back
``antiderivative_instead_of_derivative``  integrated where differentiating was asked
``derivative_instead_of_antiderivative``  differentiated where integrating was asked
``exponent_not_lowered``               c*x^n -> c*n*x^n
``coefficient_not_multiplied``         c*x^n -> c*x^(n-1)
``coefficient_not_divided``            integrating c*x^n gave c*x^(n+1)
``exponent_not_raised``                integrating c*x^n gave c*x^n/(n+1)
``missing_chain_factor``               g'(h(x)) without the factor h'(x)
``constant_factor``                    the right answer times a constant other than 1 or -1
``sign``                               the right answer negated, or one term's sign flipped
``kept_constant_term``                 a constant term of f left in f'
``dropped_constant_term``              the constant term of the answer left out
``missing_term``                       one term left out
``term_not_differentiated``            one term of f copied unchanged
``other_variable_not_constant``        a partial derivative that did not hold the other variables fixed
``wrong_term``                         one term of f differentiated wrongly, no known slip
``extra_term``                         a term that no term of f accounts for
``components_swapped``                 a vector's components in the wrong order
``columns_swapped`` / ``transposed``   a Jacobian's columns, or the whole matrix, the wrong way round
``radians_instead_of_degrees``         an angle in radians where degrees were asked
``opposite_direction``                 the direction of steepest descent instead of ascent
``not_real``                           a number with an imaginary part
=====================================  =========================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ..testing import agree

__all__ = ["Diagnosis", "show", "exp_form", "derivative_slips", "antiderivative_slips", "chain_slips",
           "diagnose_derivative", "diagnose_antiderivative", "diagnose_expression", "diagnose_numbers",
           "diagnose_matrix"]


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong: a short code (None when unknown) and a sentence for the learner."""

    mistake: str | None
    message: str


def as_basic(expr):
    """A SymPy object from a SymPy object or a Python number; text is refused.

    User text reaches SymPy only through calcml's safe parser, so nothing here
    may turn a string into an expression.
    """
    if isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        return sp.Integer(expr) if isinstance(expr, int) else sp.Float(expr)
    raise TypeError(f"expected a SymPy expression or a number, got {type(expr).__name__}")


def show(expr) -> str:
    """An expression in the notation a learner types: ``3x^2 - 4x`` rather than ``3*x**2 - 4*x``.

    >>> show(sp.Symbol("x")**3 * -2)
    '-2x^3'
    """
    text = sp.sstr(as_basic(expr)).replace("**", "^")
    return re.sub(r"(?<![\w.^])(\d+)\*(?=[A-Za-z(])", r"\1", text)


def exp_form(expr):
    """`expr` with each sigmoid(z) written as 1/(1 + exp(-z)): both spellings then compare equal."""
    from ..symbolic import sigmoid

    return expr.replace(lambda e: isinstance(e, sigmoid), lambda e: 1 / (1 + sp.exp(-e.args[0])))


def _fmt(value: float) -> str:
    """A number for a message: exact-looking when it is a simple fraction."""
    if math.isfinite(value) and abs(value) < 1e6:
        frac = Fraction(value).limit_denominator(100)
        if abs(frac - value) <= 1e-12 * max(1.0, abs(value)):
            return str(frac)
    return f"{value:.6g}"


# --- the slips, one term at a time -----------------------------------------------------------

def _monomial(term, v):
    """(c, n) when `term` is c*v^n with c free of v and n a number; else None."""
    c, n = term.as_coeff_exponent(v)
    return None if c.has(v) or not n.is_Number else (c, n)


def derivative_slips(term, v) -> list:
    """Wrong derivatives of one term (in `v`) that learners often write: (code, wrong, why) triples.

    >>> x = sp.Symbol("x")
    >>> [(code, show(wrong)) for code, wrong, _ in derivative_slips(-2 * x**2, x)][:2]
    [('exponent_not_lowered', '-4x^2'), ('coefficient_not_multiplied', '-2x')]
    """
    out = []
    if not term.has(v):
        for w in sorted(term.free_symbols, key=lambda s: s.name):
            out.append(("other_variable_not_constant", sp.diff(term, w),
                        f"while only {v} changes, {show(term)} is a constant"))
        out.append(("kept_constant_term", term, "a constant has derivative 0"))
        return out
    right = sp.diff(term, v)
    mono = _monomial(term, v)
    if mono is not None and mono[1] not in (0, 1):
        c, n = mono
        out.append(("exponent_not_lowered", c * n * v**n, "the power rule lowers the exponent by one"))
        out.append(("coefficient_not_multiplied", c * v ** (n - 1),
                    "the power rule also brings the old exponent down as a factor"))
    out.append(("missing_term", sp.Integer(0), ""))
    out.append(("sign", -right, "check the sign"))
    out.append(("term_not_differentiated", term, "this term was not differentiated"))
    return out


def antiderivative_slips(term, v) -> list:
    """Wrong antiderivatives of one term c*v^n (n != -1) that learners often write."""
    mono = _monomial(term, v)
    if mono is None or mono[1] == -1:
        return []
    c, n = mono
    right = c * v ** (n + 1) / (n + 1)
    out = [("coefficient_not_divided", c * v ** (n + 1), "divide by the new exponent"),
           ("exponent_not_raised", c * v**n / (n + 1), "the exponent goes up by one")]
    if n != 0:
        out.append(("derivative_instead_of_antiderivative", c * n * v ** (n - 1), "that is its derivative"))
    out += [("missing_term", sp.Integer(0), ""), ("sign", -right, "check the sign")]
    return out


def _inner_parts(f, v) -> list:
    """The insides h of the compositions g(h) in f that depend on v: function arguments, powered bases."""
    found = []
    for node in sp.preorder_traversal(f):
        if isinstance(node, sp.Function) and node.args:
            h = node.args[0]
        elif node.is_Pow and not node.exp.has(v):
            h = node.base
        else:
            continue
        if h.has(v) and h != v and h not in found:
            found.append(h)
    return found


def chain_slips(f, v) -> list:
    """For each inside h of f: the derivative of f in v with the chain rule's factor dh/dv left out.

    Replacing h by a fresh symbol u, the true derivative is df/dv + df/du * dh/dv; the slip
    drops dh/dv (takes it as 1).

    >>> x = sp.Symbol("x")
    >>> [(show(h), show(sp.expand(wrong))) for h, wrong in chain_slips((2*x + 1)**2, x)]
    [('2x + 1', '4x + 2')]
    """
    u = sp.Dummy("u")
    out = []
    for h in _inner_parts(f, v):
        fu = exp_form(f.xreplace({h: u}))
        out.append((h, (sp.diff(fu, v) + sp.diff(fu, u)).subs(u, h)))
    return out


def _power_rule_slips(f, v, anti: bool) -> list:
    """Whole wrong answers: one power-rule slip made on every term of the polynomial f."""
    if not f.is_polynomial(v):
        return []
    terms = sp.Poly(sp.expand(f), v).terms()

    def total(rule):
        return sp.Add(*[rule(c, n) for (n,), c in terms])

    if anti:
        return [("coefficient_not_divided", total(lambda c, n: c * v ** (n + 1)),
                 "integrating x^n gives x^(n+1)/(n+1): divide by the new exponent"),
                ("exponent_not_raised", total(lambda c, n: c * v**n / (n + 1)),
                 "integrating x^n raises the exponent by one, to x^(n+1)/(n+1)")]
    return [("exponent_not_lowered", total(lambda c, n: c * n * v**n),
             "the power rule lowers the exponent by one: x^n becomes n*x^(n-1)"),
            ("coefficient_not_multiplied", total(lambda c, n: c * v ** (n - 1) if n else 0),
             "the power rule also brings the old exponent down as a factor: x^n becomes n*x^(n-1)")]


def _term_by_term(answer, f, v, anti: bool):
    """For polynomials: the first term of f whose derivative (antiderivative) the answer gets wrong."""
    if not (f.is_polynomial(v) and answer.is_polynomial(v)):
        return None
    if any(p.exp.is_Number and abs(p.exp) > 60 for p in answer.atoms(sp.Pow)):
        return None  # no learner's slip gives such powers, and expanding them is costly
    fe = sp.expand(f)
    fterms = {m[0]: c for m, c in sp.Poly(fe, v).terms()}
    got = {m[0]: c for m, c in sp.Poly(sp.expand(answer), v).terms()}
    if anti:
        got.pop(0, None)  # the constant of integration is free
    claimed, wrong = set(), []
    for n in sorted(fterms, reverse=True):
        c = fterms[n]
        if n == 0 and not anti:
            continue  # a constant contributes nothing to f'
        k, e = (n + 1, c / (n + 1)) if anti else (n - 1, c * n)
        claimed.add(k)
        if sp.expand(got.get(k, 0) - e) != 0:
            wrong.append((n, c, k, e))
    extras = sp.Add(*[a * v**k for k, a in got.items() if k not in claimed])
    expanded = f"after expanding, f = {show(fe)}: " if fe != f else ""
    if not wrong:
        if extras == 0:
            return None
        if not anti and fterms.get(0, 0) != 0 and sp.expand(extras - fterms[0]) == 0:
            return Diagnosis("kept_constant_term",
                             f"the constant term {show(fterms[0])} of f should disappear: a constant has derivative 0")
        return Diagnosis("extra_term", f"your answer has a term that no term of f accounts for: {show(extras)}")
    n, c, k, e = wrong[0]
    term = c * v**n
    yours = got.get(k, 0) * v**k + (extras if len(wrong) == 1 else 0)
    code, why = "wrong_term", ""
    for slip, alt, reason in (antiderivative_slips(term, v) if anti else derivative_slips(term, v)):
        if sp.expand(yours - alt) == 0:
            code, why = slip, reason
            break
    has = show(yours) if yours != 0 else "nothing for it"
    msg = f"{expanded}the term {show(term)} should give {show(e * v**k)}; your answer has {has}"
    msg += f" ({why})" if why else ""
    if len(wrong) > 1:
        more = len(wrong) - 1
        msg += f"; {more} more term{'s' * (more > 1)} of f {'are' if more > 1 else 'is'} off too"
    return Diagnosis(code, msg)


# --- whole answers ---------------------------------------------------------------------------

def _factor(a, b, sampler, what: str, subject: str = "your answer"):
    """`a` = k*`b` with a constant k != 1: the sign (k = -1) or a constant factor."""
    k = sampler.ratio(a, b)
    if k is None or agree(k, 1.0) or agree(k, 0.0):  # "0 times the right one" is no factor: a 0
        return None
    if agree(k, -1.0):
        return Diagnosis("sign", f"{subject} has the opposite sign of {what}")
    return Diagnosis("constant_factor", f"{subject} is {_fmt(k)} times {what}: check the constant factors")


def _differ_at(a, b, sampler):
    """A simple point where `a` and `b` differ: (text, value of a, value of b), or None."""
    syms = sorted((a - b).free_symbols | b.free_symbols, key=lambda s: s.name)
    starts = (2, 1, 3, 0.5, 1.5, 4) if sampler.domain == "positive" else (2, 1, 3, -1, -2, 0.5)
    for c in starts:
        vals = {s: sp.nsimplify(c) + i for i, s in enumerate(syms)}
        try:
            va, vb = complex(sp.N(a.subs(vals), 20)), complex(sp.N(b.subs(vals), 20))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not all(math.isfinite(z.real) and abs(z.imag) < 1e-12 for z in (va, vb)):
            continue
        if not agree(va.real, vb.real):
            where = ", ".join(f"{s} = {_fmt(float(val))}" for s, val in vals.items()) or "every point"
            return where, va.real, vb.real
    return None


def diagnose_expression(answer, ref, sampler, what: str = "the correct answer") -> Diagnosis:
    """A wrong expression with no function to work from: a constant factor, or where it differs."""
    d = _factor(answer, ref, sampler, what)
    if d is not None:
        return d
    at = _differ_at(answer, ref, sampler)
    if at:
        return Diagnosis(None, f"at {at[0]} your answer gives {_fmt(at[1])}, but {what} there is {_fmt(at[2])}")
    return Diagnosis(None, f"your answer is not equivalent to {what}")


def diagnose_derivative(answer, f, ref, v, sampler) -> Diagnosis:
    """Why `answer` is not the derivative of `f` in `v` (whose right value is `ref`)."""
    same = sampler.same
    if same(answer, f):
        return Diagnosis("original_function", "that is the function itself; differentiate it")
    if f.has(v) and same(sp.diff(answer, v), f):
        return Diagnosis("antiderivative_instead_of_derivative",
                         "your answer is an antiderivative of f (its derivative is f); the task asks "
                         "for the derivative")
    for code, cand, why in _power_rule_slips(f, v, anti=False):
        if same(answer, cand):
            return Diagnosis(code, why)
    for inner, cand in chain_slips(f, v):
        if same(answer, cand):
            return Diagnosis("missing_chain_factor", f"the chain rule also multiplies by the derivative of "
                                                     f"the inside function u = {show(inner)} (that is, by du/d{v})")
    d = _factor(answer, ref, sampler, "the derivative")
    if d is not None:
        return d
    const_f = sp.Add(*[t for t in sp.Add.make_args(sp.expand(f)) if not t.has(v)])
    if const_f != 0 and same(answer, ref + const_f):
        return Diagnosis("kept_constant_term",
                         f"the constant term {show(const_f)} of f should disappear: a constant has derivative 0")
    const_ref = sp.Add(*[t for t in sp.Add.make_args(sp.expand(ref)) if not t.has(v)])
    if const_ref != 0 and same(answer, ref - const_ref):
        return Diagnosis("dropped_constant_term",
                         f"your answer is missing the derivative's constant term, {show(const_ref)}")
    d = _term_by_term(answer, f, v, anti=False)
    if d is not None:
        return d
    for t in sp.Add.make_args(sp.expand(ref)):
        if same(answer, ref - t):
            return Diagnosis("missing_term", f"a term is missing from your answer: {show(t)}")
        if same(answer, ref - 2 * t):
            return Diagnosis("sign", f"the term {show(t)} has the wrong sign in your answer")
    return diagnose_expression(answer, ref, sampler, "the derivative")


def diagnose_antiderivative(answer, f, ref, v, sampler) -> Diagnosis:
    """Why `answer` is not an antiderivative of `f` in `v` (one of which is `ref`)."""
    same = sampler.same
    slope = sp.diff(answer, v)
    if f is None:
        return diagnose_expression(slope, sp.diff(ref, v), sampler, "the function to integrate")
    fp, fpp = sp.diff(f, v), sp.diff(f, v, 2)
    if fp != 0 and (same(answer, fp) or (fpp != 0 and same(slope, fpp))):
        return Diagnosis("derivative_instead_of_antiderivative",
                         "your answer is the derivative of f; the task asks for a function whose derivative is f")
    if fp != 0 and same(slope, fp):
        return Diagnosis("original_function", "that is f itself; find a function whose derivative is f")
    for code, cand, why in _power_rule_slips(f, v, anti=True):
        if same(slope, sp.diff(cand, v)):
            return Diagnosis(code, why)
    d = _factor(slope, f, sampler, "f", subject="the derivative of your answer")
    if d is not None:
        return d
    d = _term_by_term(answer, f, v, anti=True)
    if d is not None:
        return d
    at = _differ_at(slope, f, sampler)
    if at:
        return Diagnosis(None, f"at {at[0]} the derivative of your answer is {_fmt(at[1])}, but f there is "
                               f"{_fmt(at[2])}")
    return Diagnosis(None, "the derivative of your answer is not f")


def diagnose_numbers(values, truth, f, symbols, point, close, angle: bool = False) -> Diagnosis:
    """Why numbers (a gradient at `point`, an angle in degrees, ...) are wrong.

    `close(a, b)` says whether two numbers agree under the exercise's tolerance.
    """
    n = len(values)
    if angle and n == 1:
        a, r = values[0], truth[0]
        if close(math.degrees(a), r):
            return Diagnosis("radians_instead_of_degrees", "that angle is in radians; give it in degrees")
        if close(a, r + 180):
            return Diagnosis("opposite_direction", "that is the direction of steepest descent; the gradient "
                                                   "points uphill")
        if close(a, 90 - r):
            return Diagnosis("components_swapped", "the angle of a vector (a, b) is atan2(b, a): the second "
                                                   "component goes first")
    if n > 1 and all(close(a, r) for a, r in zip(values[::-1], truth)):
        return Diagnosis("components_swapped", "your components are in the wrong order")
    if (near := near_miss(values, truth)) is not None:
        return near
    nonzero = [(a, r) for a, r in zip(values, truth) if abs(r) > 1e-12]
    if nonzero and not angle:
        k = nonzero[0][0] / nonzero[0][1]
        if not agree(k, 1.0) and all(close(a, k * r) for a, r in zip(values, truth)):
            if agree(k, -1.0):
                return Diagnosis("sign", "your answer has the opposite sign")
            return Diagnosis("constant_factor", f"your answer is {_fmt(k)} times the right one")
    names = [f"df/d{s}" for s in symbols] if f is not None and point and n == len(symbols) else \
        [f"component {i + 1}" for i in range(n)]
    bad = [i for i in range(n) if not close(values[i], truth[i])]
    if f is not None and point and n == len(symbols) and not angle:
        at = dict(zip(symbols, (sp.nsimplify(c) for c in point)))
        for i in bad:
            v = symbols[i]
            for term in sp.Add.make_args(f):
                right = sp.diff(term, v)
                for code, alt, why in derivative_slips(term, v):
                    if close(values[i], truth[i] - float(right.subs(at)) + float(alt.subs(at))):
                        value = _fmt(float(right.subs(at)))
                        contrib = show(right) if right.free_symbols == set() else f"{show(right)} = {value}"
                        msg = f"{names[i]} is off: the term {show(term)} should contribute {contrib} at " \
                              f"{tuple(point)}" + (f"; {why}" if why else "")
                        return Diagnosis(code, msg)
    if len(bad) < n:
        ok = [names[i] for i in range(n) if i not in bad]
        return Diagnosis(None, f"{' and '.join(names[i] for i in bad)} {'is' if len(bad) == 1 else 'are'} not "
                               f"right; {' and '.join(ok)} {'is' if len(ok) == 1 else 'are'}")
    return Diagnosis(None, "your answer is not the expected value" if n == 1 else
                     "none of the components is right")


def diagnose_matrix(got, ref, wrong, comps, wrt, sampler) -> Diagnosis:
    """Why a matrix (a Jacobian of the components `comps` with respect to `wrt`) is wrong.

    `wrt` names the inputs of the columns; it may be shorter than the number of
    columns (a numeric matrix exercise whose variables are the default ``("x",)``),
    and then those columns are named by their position. `comps` may be None (no
    function given): the chain-rule and "the function itself" checks are skipped.
    """
    rows, cols = len(ref), len(ref[0])
    same = sampler.same
    wrt = list(wrt or ())
    named = len(wrt) >= cols
    if cols > 1 and all(same(got[i][cols - 1 - j], ref[i][j]) for i in range(rows) for j in range(cols)):
        inputs = f" ({', '.join(map(str, wrt[:cols]))})" if named else ""
        return Diagnosis("columns_swapped", f"your columns are in the wrong order: column j holds the "
                                            f"derivatives with respect to the j-th input{inputs}")
    near = near_miss(*_numbers_of(got, ref, wrong))
    if near is not None:
        return near
    found = [_entry(got[i][j], ref[i][j], comps[i] if comps and i < len(comps) else None,
                    wrt[j] if j < len(wrt) else None, sampler) for i, j in wrong]
    i, j = wrong[0]
    name = (f"row {i + 1}, column {j + 1} (d f{i + 1}/d{wrt[j]})" if j < len(wrt) and comps
            else f"row {i + 1}, column {j + 1}")
    msg = f"{name}: {found[0].message}"
    others = len(wrong) - 1
    if others:
        alike = all(d.mistake == found[0].mistake for d in found) and found[0].mistake
        msg += (f"; the same goes for {others} other entr{'ies' if others > 1 else 'y'}" if alike else
                f"; {others} other entr{'ies are' if others > 1 else 'y is'} not right either")
    right = rows * cols - len(wrong)
    if right:
        msg += f" ({right} of the {rows * cols} entries are right)"
    return Diagnosis(found[0].mistake, msg)


def _numbers_of(got, ref, wrong):
    """The wrong entries as floats (yours, the right ones), or two empty lists when one is not a number."""
    values, truth = [], []
    for i, j in wrong:
        a, r = got[i][j], ref[i][j]
        if getattr(a, "free_symbols", None) or getattr(r, "free_symbols", None):
            return [], []
        try:
            values.append(float(a))
            truth.append(float(r))
        except (TypeError, ValueError):
            return [], []
    return values, truth


def _entry(a, r, fi, v, sampler) -> Diagnosis:
    if fi is not None and v is not None:
        for inner, cand in chain_slips(fi, v):
            if sampler.same(a, cand):
                return Diagnosis("missing_chain_factor", f"the chain-rule factor is missing: multiply by the "
                                                         f"derivative of the inside function u = {show(inner)} (by du/d{v})")
        if sampler.same(a, fi):
            return Diagnosis("original_function", "that is the function itself, not its derivative")
    d = _factor(a, r, sampler, "the right entry")
    return d if d is not None else Diagnosis(None, "this entry is not right")


# A numeric near miss: every number within this relative distance of the right one (but outside
# the exercise's own tolerance, or it would have been accepted).
NEAR_MISS_RTOL = 1e-3


def near_miss(values, truth) -> Diagnosis | None:
    """Diagnosis for numbers that are all close to the right ones but not exact, else None.

    Typical cause: an estimate (finite differences, a rounded decimal) where the
    exercise asks for the exact value. Without this check a ratio of 1.0000003
    would be reported as "1 times the right one".
    """
    if not values or len(values) != len(truth):
        return None
    worst = 0.0
    for a, r in zip(values, truth):
        scale = max(abs(r), 1e-12)
        if not (math.isfinite(a) and abs(a - r) <= NEAR_MISS_RTOL * scale):
            return None
        worst = max(worst, abs(a - r) / scale)
    return Diagnosis("near_miss", f"your answer is close but not exact (within {worst:.1e}, relative). "
                                  "Is it an estimate, by finite differences for example? Give the exact value")
