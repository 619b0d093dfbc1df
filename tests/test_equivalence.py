"""calcml's one equality check, and the antiderivative verification built on it.

Truth comes from outside calcml: identities of mathematics (checked by NumPy at
many points), counterexamples confirmed by NumPy at the point calcml names, and
SciPy's quadrature for antiderivatives (F(b) - F(a) against ∫ f over an interval).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

import calcml
from calcml.equivalence import Equivalence, equivalent, sample_points
from calcml.errors import ArgumentError
from calcml.expressions import parse, to_function

X = sp.Symbol("x")


def numpy_values(text, xs):
    f = to_function(parse(text), ["x"])
    with np.errstate(all="ignore"):
        return np.asarray(f(np.asarray(xs, dtype=float)), dtype=float) * np.ones_like(xs)


IDENTITIES = [
    ("sin(x)^2", "1 - cos(x)^2"),
    ("(x + 1)^2", "x^2 + 2x + 1"),
    ("exp(2x)", "exp(x)^2"),
    ("sigmoid(x)", "1/(1 + exp(-x))"),
    ("tanh(x)", "(exp(x) - exp(-x))/(exp(x) + exp(-x))"),
    ("sqrt(x^2)", "abs(x)"),
    ("log(exp(x))", "x"),
    ("abs(x)^2", "x^2"),
    ("cosh(x)^2 - sinh(x)^2", "1"),
    ("atan(x) + atan(1/x)", "pi/2*abs(x)/x"),
]


@pytest.mark.parametrize("a, b", IDENTITIES)
def test_identities_are_equal(a, b):
    xs = np.array([-7.3, -2.2, -0.4, 0.3, 1.7, 5.1])
    np.testing.assert_allclose(numpy_values(a, xs), numpy_values(b, xs), rtol=1e-9, atol=1e-12)  # the truth
    r = equivalent(a, b)
    assert isinstance(r, Equivalence) and r.equal is True and bool(r), r
    assert r.method in ("symbolic", "sampling") and r.message


DIFFERENT = [
    ("log(x^2)", "2*log(x)"),                 # defined for x < 0 on one side only
    ("sqrt(x)^2", "abs(x)"),                  # SymPy makes the first x: they differ for x < 0
    ("x", "abs(x)"),                          # a difference on the negative half only
    ("abs(x - 50)", "x - 50"),                # ... only left of 50
    ("x", "x + exp(x - 700)"),                # only at large x
    ("x^3", "x^3 + 1e-4*x^5"),                # only at large |x|, tiny near 0
    ("1", "1 + x^2 * 1e-9"),
    ("sin(x)", "sin(x) + 1e-6*sin(1000*x)"),
]


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_differences_anywhere_on_the_real_line_are_found(a, b):
    r = equivalent(a, b)
    assert r.equal is False, r
    if r.counterexample:                  # the point calcml names is a true counterexample (NumPy)
        (x0,) = r.counterexample.values()
        va, vb = numpy_values(a, [x0])[0], numpy_values(b, [x0])[0]
        assert np.isnan(va) != np.isnan(vb) or abs(va - vb) > 1e-12 * max(abs(va), abs(vb), 1e-300)


def test_piecewise_branches_are_each_sampled():
    x = sp.Symbol("x", real=True)
    right = sp.Piecewise((x, x <= 12), (x, True))
    wrong = sp.Piecewise((x, x <= 12), (x + 1, True))     # the branch beyond 12 is off by one
    assert equivalent(right, x).equal is True
    assert equivalent(wrong, x).equal is False
    pts = [p[0] for p in sample_points([x], [wrong])]
    assert any(11 < v < 12 for v in pts) and any(12 < v < 13 for v in pts)


def test_domain_option_and_errors():
    assert equivalent("log(x^2)", "2*log(x)", domain="positive").equal is True
    with pytest.raises(ArgumentError, match="domain must be 'real' or 'positive'"):
        equivalent("x", "x", domain="complex")
    with pytest.raises(ValueError):               # an ArgumentError is also a ValueError
        equivalent("x", "x", domain="complex")


def test_plain_and_real_symbols_compare_alike():
    xr = sp.Symbol("x", real=True)
    assert equivalent(sp.Abs(X) ** 2, xr**2).equal is True
    assert calcml.parse("abs(x)") != sp.Abs(xr)   # the parser's x is the user's plain x ...
    assert equivalent(calcml.parse("abs(x)"), sp.Abs(xr)).equal is True   # ... the check is by name


def test_symbolic_equivalent_uses_the_same_check():
    from calcml.symbolic import equivalent as symbolic_equivalent

    x = sp.Symbol("x")
    assert symbolic_equivalent(x, sp.Abs(x)) is False      # its 5 points in [0.2, 1.8] used to say True
    assert symbolic_equivalent(sp.sqrt(x**2), sp.Abs(x)) is True


# --- antiderivatives: verified over the whole domain, each Piecewise branch included ----------

def quad_vs_F(F, f_text, a, b):
    f = to_function(parse(f_text), ["x"])
    Fn = sp.lambdify(X, F, "mpmath")
    truth = quad(lambda t: float(f(t)), a, b, limit=200)[0]
    return truth, float(Fn(b) - Fn(a))


@pytest.mark.parametrize("text, a, b", [("abs(cos(x))", -1.0, 0.0), ("abs(sin(x))", -5.0, -4.0)])
def test_wrong_piecewise_antiderivatives_are_not_verified(text, a, b):
    r = calcml.antiderivative(text)
    truth, got = quad_vs_F(r.antiderivative, text, a, b)
    assert abs(truth - got) > 0.1                 # SymPy's answer is wrong on this interval (quadrature)
    assert r.verified is False


@pytest.mark.parametrize("text", ["1/(cos(x)+2)", "1/(sin(x)+2)", "exp(-abs(x))", "abs(x - 1)", "x*abs(x)"])
def test_right_antiderivatives_with_floors_and_branches_are_verified(text):
    r = calcml.antiderivative(text)
    for a, b in ((-9.0, -2.5), (-1.0, 2.0), (0.5, 11.0)):   # across the floor jumps and the branch points
        truth, got = quad_vs_F(r.antiderivative, text, a, b)
        assert got == pytest.approx(truth, rel=1e-8, abs=1e-10), (a, b)
    assert r.verified is True


@pytest.mark.slow
def test_antiderivative_stops_within_its_limit_plus_two_seconds():
    start = time.monotonic()
    try:
        r = calcml.antiderivative("1/(x^7+x+1)", time_limit=5.0)
    except calcml.TimeLimitError:
        r = None
    assert time.monotonic() - start < 5.0 + 2.0
    if r is not None:                 # an answer that could not be checked in time is not "verified"
        assert isinstance(r.verified, bool)
