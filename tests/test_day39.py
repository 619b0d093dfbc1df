"""The Day 39 practice set (:mod:`calcml.course.day39`) against independent truths.

The truths: SymPy's own ``diff`` and ``expand`` for the symbolic answers; the
analytic gradient (2xy, x^2 + 3y^2) of f(x, y) = x^2 y + y^3 for the numeric one.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from calcml.course import day39

x = sp.Symbol("x")


def analytic_gradient(a: float, b: float) -> np.ndarray:
    # f(x, y) = x^2 y + y^3:  df/dx = 2xy,  df/dy = x^2 + 3y^2
    return np.array([2 * a * b, a * a + 3 * b * b])


def _x_of(expr):
    (sym,) = expr.free_symbols
    return sym


def test_symbolic_derivative():
    poly, deriv = day39.symbolic_derivative()
    assert isinstance(poly, sp.Expr) and isinstance(deriv, sp.Expr)
    X = _x_of(poly)
    assert X.name == "x" and deriv.free_symbols == {X}
    assert sp.expand(poly - (X**3 - 2 * X**2 + 5)) == 0
    assert sp.expand(deriv - sp.diff(poly, X)) == 0
    assert sp.expand(deriv - (3 * X**2 - 4 * X)) == 0
    # the same as the practice set's answer written with a plain Symbol("x")
    assert sp.expand(deriv.subs(X, x) - sp.diff(x**3 - 2 * x**2 + 5, x)) == 0


def test_numerical_gradient_at_the_practice_point():
    g = day39.numerical_gradient()
    assert isinstance(g, np.ndarray) and g.shape == (2,) and g.dtype == float
    assert np.all(np.abs(g - np.array([12.0, 31.0])) <= 1e-9)
    assert np.array_equal(analytic_gradient(2.0, 3.0), [12.0, 31.0])


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (-1.5, 2.0), (3.0, -0.25), (10.0, 7.0), (1e-3, -4e2)])
def test_numerical_gradient_at_other_points(a, b):
    g = day39.numerical_gradient(a, b)
    truth = analytic_gradient(a, b)
    assert np.allclose(g, truth, rtol=1e-9, atol=1e-9), (g, truth)


@pytest.mark.parametrize("step", [1e-3, 1e-4, 1e-5])
def test_numerical_gradient_with_an_explicit_step(step):
    g = day39.numerical_gradient(2.0, 3.0, step=step)
    assert isinstance(g, np.ndarray) and g.shape == (2,)
    # A central difference with step h is off by h^2/6 * f''' plus round-off ~ eps*|f|/h:
    # here f_xxx = 0 and f_yyy = 6, so df/dy is off by about h^2, df/dx only by round-off.
    err = np.abs(g - np.array([12.0, 31.0]))
    assert err[0] <= 1e-8
    assert err[1] <= 2 * step**2 + 1e-8
    assert err[1] >= 0.5 * step**2 or step**2 < 1e-9  # the step really is the one given


def test_chain_rule_derivative():
    y, dy = day39.chain_rule_derivative()
    X = _x_of(y)
    assert X.name == "x"
    assert sp.expand(y - (4 * X**2 + 4 * X + 1)) == 0
    assert sp.expand(dy - (8 * X + 4)) == 0
    assert sp.expand(dy - sp.diff((2 * X + 1) ** 2, X)) == 0
    # returned expanded, as the practice set does
    assert y == sp.expand(y) and dy == sp.expand(dy)
    assert y.subs(X, x) == 4 * x**2 + 4 * x + 1 and dy.subs(X, x) == 8 * x + 4


def test_the_seed_forward_difference_is_worse():
    # The practice set's own method: (f(x+h) - f(x))/h with h = 1e-6, written out here.
    def f(a, b):
        return a**2 * b + b**3

    h = 1e-6
    seed = np.array([(f(2 + h, 3) - f(2, 3)) / h, (f(2, 3 + h) - f(2, 3)) / h])
    seed_err = np.max(np.abs(seed - [12.0, 31.0]))
    assert seed_err > 1e-6  # truncation h/2 * f_yy = 9e-6 in df/dy
    ours = np.max(np.abs(day39.numerical_gradient() - [12.0, 31.0]))
    assert ours < seed_err / 1000
    # and calcml's reproduction of the seed's estimate shows the same error
    fd = day39.forward_difference_gradient()
    assert np.allclose(fd, seed, rtol=0, atol=1e-7)
    assert np.max(np.abs(fd - [12.0, 31.0])) > 1e-6


# --- the practice set's own checks, written with a plain Symbol("x") (issue 9 §5) -------------

def test_checks_written_as_the_practice_set_writes_them():
    polynomial, derivative = day39.symbolic_derivative()
    assert polynomial == x**3 - 2 * x**2 + 5
    assert derivative == sp.diff(polynomial, x)
    composite, dcomposite = day39.chain_rule_derivative()
    assert composite == sp.expand((2 * x + 1) ** 2)
    assert dcomposite == sp.expand(sp.diff((2 * x + 1) ** 2, x))


def test_calcml_symbols_are_the_users_symbols():
    import calcml

    y = sp.Symbol("y")
    r = calcml.derivative("x^2")
    assert r.derivative == 2 * x
    assert r.derivative.subs(x, 3) == 6                 # not silently 2*x
    assert sp.diff(r.expression, x) == 2 * x
    assert calcml.parse("x*y + sin(x)") == x * y + sp.sin(x)
    assert calcml.antiderivative("3x^2").antiderivative == x**3
    assert calcml.derivative("abs(x)").derivative.subs(x, -2) == -1   # real inside, plain outside
    g = calcml.gradient("x^2*y + y^3")
    assert g.expressions == (2 * x * y, x**2 + 3 * y**2)
    h = calcml.hessian("x^2*y + y^3")
    assert h.expressions[0][1] == 2 * x
    for result in (r.derivative, r.expression, g.expressions[1]):
        assert all(s.assumptions0 == sp.Symbol(s.name).assumptions0 for s in result.free_symbols)
