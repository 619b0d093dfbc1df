"""The registry of elementary functions (calcml.functions), walked entry by entry.

For every entry:

- every backend exists: the parser accepts each name, SymPy builds it, the NumPy,
  complex and mpmath evaluations run, calcml.autodiff has the primitive and a rule,
  the step trace has a rule, the LaTeX is what SymPy prints;
- the lenses agree with an independent reference at points inside the domain:
  mpmath at 50 digits, and its own numerical differentiation (``mpmath.diff``),
  which knows nothing of our derivative formulas; the symbolic lens (SymPy),
  finite differences of the NumPy evaluation, the complex step of the complex
  evaluation and reverse-mode autodiff are each compared with it, and the three-lens
  front door must report agreement;
- outside the domain the lenses report OUT_OF_DOMAIN, never a number;
- the numerically careful entries stay accurate at extreme arguments.
"""

from __future__ import annotations


import mpmath
import numpy as np
import pytest
import sympy

import calcml
import calcml.autodiff as ad
from calcml.autodiff.rules import DESCRIPTIONS, RULES
from calcml.expressions import FUNCTIONS, parse, to_function
from calcml.functions import Domain, ElementaryFunction, NAMES, functions, lookup
from calcml.results import Status
from calcml.symbolic import registry_entry, sympy_function, symbolic_derivative

NAMES_SORTED = sorted(functions)
KINKS = {"abs": 0.0}  # no derivative there
CANDIDATES = (-30.0, -2.3, -0.95, -0.4, -1e-3, 0.05, 0.5, 0.95, 2.5, 30.0)
OUTSIDE = (-30.0, -2.3, -1.5, 1.5, 2.5)
x = sympy.Symbol("x")  # as the parser makes it: a plain symbol, like the user's


def inside(entry):
    return [p for p in CANDIDATES if entry.domain.contains(p) and p != KINKS.get(entry.name)]


def outside(entry):
    return [p for p in OUTSIDE if not entry.domain.contains(p)]


def reference(entry, p):
    """Value and slope at p by mpmath alone: 500 digits (enough to see 1 - sigmoid(800)),
    a central difference of relative step 1e-40 (truncation error ~1e-80)."""
    with mpmath.workdps(500):
        t = mpmath.mpf(p)
        h = mpmath.mpf(10) ** -40 * max(1, abs(t))
        return +entry.mpmath(t), (entry.mpmath(t + h) - entry.mpmath(t - h)) / (2 * h)


def close(a, b, rtol, atol=0.0):
    a, b = complex(a), complex(b)
    return abs(a - b) <= atol + rtol * abs(b)


# ----- every entry has every backend ------------------------------------------------

def test_the_registry_is_read_only_and_has_the_required_entries():
    required = {"sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "sqrt",
                "abs", "sigmoid", "softplus", "log_sigmoid", "log1p", "expm1"}
    assert required <= set(functions)
    with pytest.raises(TypeError):
        functions["relu"] = functions["abs"]  # type: ignore[index]
    assert lookup("ln") is functions["log"] and lookup("arcsin") is functions["asin"]
    assert set(FUNCTIONS) == set(NAMES) == {n for e in functions.values() for n in e.names}
    with pytest.raises(KeyError):
        lookup("relu")


def test_importing_the_registry_imports_neither_numpy_nor_sympy():
    import subprocess
    import sys

    code = "import sys, calcml.functions; print('numpy' in sys.modules, 'sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(__import__("pathlib").Path(calcml.__file__).parents[1])})
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("name", NAMES_SORTED)
def test_every_entry_has_every_backend(name):
    e = functions[name]
    assert isinstance(e, ElementaryFunction) and isinstance(e.domain, Domain) and e.description
    # the parser, under every name, builds the entry's SymPy function
    cls = sympy_function(e)
    for alias in e.names:
        assert parse(f"{alias}(x)", ["x"]) == cls(x), alias
    assert registry_entry(cls(x)) is e
    # the evaluations
    assert np.isfinite(e.numpy(np.array([0.5])))[0]
    assert np.iscomplexobj(e.complex(np.array([0.5 + 1e-30j])))
    with mpmath.workdps(30):
        assert mpmath.isfinite(e.mpmath(mpmath.mpf("0.5")))
    # the autodiff primitive, its rule and its formula
    assert e.autodiff in ad.__all__ and callable(getattr(ad, e.autodiff))
    assert e.autodiff in RULES and DESCRIPTIONS[e.autodiff].startswith("g ->")
    # the step rule: the derivative text parses in u, and the trace uses the rule's name
    u = sympy.Symbol("u", real=True)
    slope = parse(e.derivative, [u])
    assert slope.free_symbols <= {u}
    from calcml.steps import derivative_steps

    top = derivative_steps(cls(x), x)
    assert top.rule == e.rule
    # the LaTeX is what SymPy prints for the function
    assert sympy.latex(cls(x)) == e.to_latex("x")


@pytest.mark.parametrize("name", NAMES_SORTED)
def test_the_derivative_text_is_the_derivative(name):
    # the registry's f'(u), against SymPy's own diff of f (away from kinks: the
    # delta SymPy puts at a jump is not part of a real derivative)
    e = functions[name]
    u = sympy.Symbol("u", real=True)
    f = sympy_function(e)(u)
    truth = sympy.diff(f, u).replace(sympy.DiracDelta, lambda *a: 0)
    slope = parse(e.derivative, [u])
    for p in inside(e):
        q = sympy.Rational(p)
        assert close(complex(slope.subs(u, q).evalf(30)), complex(truth.subs(u, q).evalf(30)), 1e-25, 1e-300)


# ----- the lenses agree inside the domain --------------------------------------------

@pytest.mark.parametrize("name", NAMES_SORTED)
def test_values_in_every_backend_match_mpmath(name):
    e = functions[name]
    cls = sympy_function(e)
    for p in inside(e):
        value, _ = reference(e, p)
        assert close(e.numpy(p), value, 1e-14, 1e-300), p
        assert close(to_function(f"{name}(x)")(p), value, 1e-14, 1e-300), p
        assert close(e.complex(complex(p, 0.0)).real, value, 1e-14, 1e-300), p
        # SymPy: its own evalf for SymPy's functions; the exp/log form for calcml's own
        expr = cls(sympy.Float(p, 60))
        if registry_entry(expr) is not None and hasattr(expr, "_elementary"):
            assert close(complex(expr.evalf(40)), value, 1e-30), p
            expr = expr._elementary()
        if abs(p) < 30:  # the exp/log form is only used where it does not cancel badly at 60 digits
            assert close(complex(sympy.N(expr, 40)), value, 1e-25, 1e-300), p
        with mpmath.workdps(40):
            got = to_function(f"{name}(x)", backend="mpmath")(mpmath.mpf(p))
        assert close(got, value, 1e-35, 1e-300), p


@pytest.mark.parametrize("name", NAMES_SORTED)
def test_each_lens_gives_the_derivative_of_mpmath(name):
    e = functions[name]
    cls = sympy_function(e)
    d = symbolic_derivative(cls(x), x).derivative
    f = to_function(f"{name}(x)")
    fc = to_function(f"{name}(x)", backend="complex")
    fad = getattr(ad, e.autodiff)
    for p in inside(e):
        value, slope = reference(e, p)
        # symbolic
        assert close(complex(sympy.N(d, 30, subs={x: sympy.Rational(p)})), slope, 1e-20, 1e-300), p
        # numeric: a central difference of the NumPy evaluation (truncation ~h^2, rounding ~eps/h)
        h = 1e-6 * max(1.0, abs(p))
        fd = (f(p + h) - f(p - h)) / (2 * h)
        assert close(fd, slope, 1e-6, 1e-9 * max(1.0, abs(float(value)))), p
        # numeric: the complex step of the complex evaluation (exact to rounding)
        hc = 1e-30 * max(1.0, abs(p))
        assert close(fc(complex(p, hc)).imag / hc, slope, 1e-12, 1e-300), p
        # automatic
        v, g = ad.value_and_grad(lambda t: fad(t))(p)
        assert close(v, value, 1e-14, 1e-300) and close(g, slope, 1e-12, 1e-300), p


@pytest.mark.parametrize("name", NAMES_SORTED)
def test_the_three_lens_front_door_agrees(name):
    e = functions[name]
    points = inside(e)
    for p in (points[0], points[len(points) // 2], points[-1]):
        r = calcml.gradient(f"{name}(x)", at=[p])
        _, slope = reference(e, p)
        assert set(r.lenses) == {"symbolic", "numeric", "automatic"}
        assert all(a.status is Status.SUCCESS for a in r.lenses.values()), (p, r.lenses)
        assert r.agree, (p, r.lenses)
        for a in r.lenses.values():
            assert close(float(a.value[0]), slope, 1e-7, 1e-12), (p, a)


# ----- outside the domain -------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in NAMES_SORTED if outside(functions[n])])
def test_outside_the_domain_every_lens_says_so(name):
    from calcml.functions import domain_violations

    e = functions[name]
    for p in outside(e):
        with np.errstate(all="ignore"):
            assert np.isnan(e.numpy(p)), p
        assert domain_violations(sympy_function(e)(x), {x: p}), p
        r = calcml.gradient(f"{name}(x)", at=[p])
        for lens, a in r.lenses.items():
            assert a.status is Status.OUT_OF_DOMAIN, (p, lens, a)
        assert r.value is None or not np.all(np.isfinite(r.value))


def test_domain_violations_name_the_function_and_the_condition():
    from calcml.functions import domain_violations

    y = sympy.Symbol("y", real=True)
    assert domain_violations(sympy.log(x) + y, {x: 2.0, y: -1.0}) == ()
    (message,) = domain_violations(sympy.log(x - y), {"x": 1.0, "y": 3.0})
    assert "log" in message and "x > 0" in message and "-2" in message
    assert domain_violations(sympy.sqrt(x), {x: -1.0})                 # sqrt is a power in SymPy
    assert domain_violations(x ** sympy.Rational(3, 4), {x: -1.0})      # an even root
    assert domain_violations(1 / x, {x: 0.0})                           # a zero denominator
    assert domain_violations(x ** sympy.Rational(1, 3), {x: -8.0}) == ()  # SymPy's real cube root is not ours to judge
    assert domain_violations(sympy.exp(x), {x: 1e6}) == ()             # overflow is not a domain error


# ----- stability at extreme arguments ----------------------------------------------------

EXTREMES = {
    "sigmoid": (-800.0, -40.0, 40.0, 700.0),
    "softplus": (-700.0, -40.0, 1e-300, 40.0, 800.0),
    "log_sigmoid": (-800.0, -740.0, -40.0, 40.0, 700.0),
    "log1p": (-1 + 1e-10, -1e-17, 1e-300, 1e-17, 1e300),
    "expm1": (-800.0, -1e-17, 1e-300, 1e-17, 700.0),
    "tanh": (-30.0, 1e-300, 30.0),
    "exp": (-700.0, 700.0),
}


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_stable_at_extreme_arguments(name):
    e = functions[name]
    f = to_function(f"{name}(x)")
    fc = to_function(f"{name}(x)", backend="complex")
    fad = getattr(ad, e.autodiff)
    for p in EXTREMES[name]:
        value, slope = reference(e, p)
        value, slope = complex(value), complex(slope)
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            assert close(e.numpy(p), value, 1e-14), p
            assert close(f(np.array([p]))[0], value, 1e-14), p
        assert close(fc(complex(p, 0.0)).real, value, 1e-14), p
        # small against p and its distance to the end of the domain, but h * slope stays a normal float
        h = 1e-10 * min(max(abs(p), 1e-300), abs(p - e.domain.lower))
        assert close(fc(complex(p, h)).imag / h, slope, 1e-12), p
        v, g = ad.value_and_grad(lambda t: fad(t))(p)
        assert close(v, value, 1e-14) and close(g, slope, 1e-12), p
        # SymPy at a float argument: the same digits
        assert close(complex(sympy_function(e)(sympy.Float(p)).evalf(20)), value, 1e-14), p


def test_the_float32_evaluations_stay_float32():
    v = np.array([-100.0, 0.5, 100.0], dtype=np.float32)
    for name in ("sigmoid", "softplus", "log_sigmoid", "log1p", "expm1", "tanh", "exp"):
        with np.errstate(all="ignore"):  # exp(100) overflows float32, log1p(-100) is NaN
            out = functions[name].numpy(v)
            assert getattr(ad, functions[name].autodiff)(v).value.dtype == np.float32, name
        assert out.dtype == np.float32, name


def test_the_complex_abs_is_an_analytic_extension_so_the_complex_step_works():
    f = to_function("abs(x)^3", backend="complex")
    h = 1e-30
    assert f(complex(-2.0, h)).imag / h == pytest.approx(-12.0, rel=1e-15)  # d|x|^3 = 3 x |x|
    assert f(complex(2.0, h)).imag / h == pytest.approx(12.0, rel=1e-15)


@pytest.mark.parametrize("name", NAMES_SORTED)
def test_the_symbolic_domain_condition_agrees_with_the_predicate(name):
    from calcml.symbolic import domain_condition

    e = functions[name]
    cond = domain_condition(e, x)
    for p in set(CANDIDATES) | set(OUTSIDE) | {-1.0, 0.0, 1.0}:
        assert bool(cond.subs(x, sympy.Rational(p))) == bool(e.domain.contains(p)), p
    if name == "tan":
        assert cond.subs(x, sympy.pi / 2) is sympy.false  # the pole, which floats never hit


# ----- overflow is not a domain error (issue 8, section 7) ------------------------------

def test_overflow_is_not_out_of_the_domain_and_the_symbolic_lens_answers():
    r = calcml.gradient("log(exp(x)+exp(y))", at=[1000, 1000])
    sym = r.lenses["symbolic"]
    assert sym.status is Status.SUCCESS and sym.value.tolist() == [0.5, 0.5]
    for lens in ("numeric", "automatic"):  # floats overflow: said, and never called a domain error
        assert r.lenses[lens].status is Status.INFINITE, r.lenses[lens]
        assert "inside the domain" in r.lenses[lens].message
    assert r.value.tolist() == [0.5, 0.5]
    # the same at a point where floats do not overflow: three agreeing lenses
    r = calcml.gradient("log(exp(x)+exp(y))", at=[1, 1])
    assert r.agree and r.value.tolist() == pytest.approx([0.5, 0.5], rel=1e-14)


def test_the_command_line_says_overflow_not_domain(capsys):
    import json

    from calcml.cli import main

    capsys.readouterr()
    try:
        main(["grad", "log(exp(x)+exp(y))", "--at", "1000,1000", "--json"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)  # the lenses disagree: the command may report that as a failure
    statuses = {name: lens["status"] for name, lens in out["lenses"].items()}
    assert "out_of_domain" not in statuses.values(), statuses
    assert statuses["symbolic"] == "success" and out["lenses"]["symbolic"]["value"] == [0.5, 0.5]
