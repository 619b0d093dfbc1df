"""The multivariable front door (calcml.multivariate): gradient, jacobian, hessian,
directional_derivative, steepest_ascent.

Truths are computed here independently: SymPy's own diff/hessian on expressions
built in the test, autograd for callables, hand-derived formulas, and NumPy
finite differences written in the test.
"""

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import sympy

import calcml.autodiff as ad
from calcml.errors import ArgumentError
from calcml.multivariate import (LENSES, LensComparison, SteepestAscent, directional_derivative, gradient,
                                 hessian, jacobian, steepest_ascent)
from calcml.results import Estimate, Status

RNG = np.random.default_rng(31337)


def truth(text):
    """The same formula built by SymPy itself (plain symbols, no calcml parsing)."""
    return sympy.parse_expr(text.replace("^", "**"))


def same(calc_expr, sympy_expr):
    # compare through text so that symbol assumptions cannot matter
    return sympy.simplify(sympy.sympify(str(calc_expr)) - sympy_expr) == 0


def at_point(exprs, names, p):
    """Evaluate SymPy expressions at a point with SymPy (N), not calcml's evaluation."""
    subs = {sympy.Symbol(n): float(v) for n, v in zip(names, p)}
    return np.array([[float(sympy.N(e.subs(subs), 30)) for e in row] if isinstance(row, (list, tuple))
                     else float(sympy.N(row.subs(subs), 30)) for row in exprs], dtype=float)


def lens_values(r):
    return {name: ans.value for name, ans in r.lenses.items()}


SCALAR = [
    ("x^2*y + sin(x*y)", ["x", "y"]),
    ("exp(x - y^2) + log(1 + x^2)", ["x", "y"]),
    ("x*y*z + z^3/(1 + x^2)", ["x", "y", "z"]),
    ("tanh(x)*cos(y) + sqrt(1 + y^2)", ["x", "y"]),
]


# --- gradient of text: symbolic expressions and the three lenses ----------------------------------

@pytest.mark.parametrize("text, names", SCALAR)
def test_gradient_expressions_equal_sympy_diff(text, names):
    r = gradient(text)
    assert isinstance(r, LensComparison) and r.kind == "gradient"
    assert r.variables == tuple(names)
    assert list(r.lenses) == ["symbolic"] and r.at is None and r.value is None and r.agree is None
    F = truth(text)
    expected = [sympy.diff(F, sympy.Symbol(n)) for n in names]
    assert len(r.expressions) == len(names)
    assert all(same(g, e) for g, e in zip(r.expressions, expected))


@pytest.mark.parametrize("text, names", SCALAR)
def test_gradient_three_lenses_agree_with_the_truth(text, names):
    F = truth(text)
    expected = [sympy.diff(F, sympy.Symbol(n)) for n in names]
    for _ in range(2):
        p = RNG.uniform(-1.5, 1.5, len(names))
        r = gradient(text, at=p)
        assert set(r.lenses) == set(LENSES)
        assert r.agree is True
        exact = at_point(expected, names, p)
        for name, value in lens_values(r).items():
            assert r.lenses[name].ok, name
            np.testing.assert_allclose(value, exact, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(r.value, exact, rtol=1e-12, atol=1e-14)
        assert r.lenses["numeric"].error.shape == (len(names),)


def test_issue_acceptance_gradient():
    r = gradient("x^2 + y^3", at=(2, 3))
    for name in LENSES:
        np.testing.assert_allclose(r.lenses[name].value, [4.0, 27.0], rtol=1e-12)
    assert r.agree is True
    assert same(r.expressions[0], truth("2*x")) and same(r.expressions[1], truth("3*y^2"))


def test_gradient_of_sympy_input_and_vars_order():
    x, y = sympy.symbols("x y")
    r = gradient(x**2 * y, at=[1.5, -2.0], vars=["y", "x"])          # columns in the order asked
    assert r.variables == ("y", "x")
    # the point follows vars: y = 1.5, x = -2; the gradient is (d/dy, d/dx) = (x^2, 2xy)
    np.testing.assert_allclose(r.value, [(-2.0) ** 2, 2 * (-2.0) * 1.5], rtol=1e-14)
    assert gradient("x*y", vars="y, x").variables == ("y", "x")


def test_a_lens_can_be_chosen():
    r = gradient("x^2 + y^3", at=[1, 1], lens="numeric")
    assert list(r.lenses) == ["numeric"] and r.agree is None
    np.testing.assert_allclose(r.value, [2.0, 3.0])
    r = gradient("x^2 + y^3", lens="symbolic")
    assert list(r.lenses) == ["symbolic"]
    r = gradient("x^2 + y^3", at=[1, 1], lens="all")
    assert set(r.lenses) == set(LENSES)


# --- Hessians ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, names", SCALAR)
def test_hessian_equals_sympy_hessian(text, names):
    syms = [sympy.Symbol(n) for n in names]
    H_true = sympy.hessian(truth(text), syms)
    r = hessian(text)
    n = len(names)
    assert len(r.expressions) == n and all(len(row) == n for row in r.expressions)
    for i in range(n):
        for j in range(n):
            assert same(r.expressions[i][j], H_true[i, j])
            assert same(r.expressions[i][j], sympy.sympify(str(r.expressions[j][i])))   # symmetric


@pytest.mark.parametrize("text, names", SCALAR[:3])
def test_hessian_lenses_at_a_point(text, names):
    syms = [sympy.Symbol(n) for n in names]
    H_true = sympy.hessian(truth(text), syms).tolist()
    p = RNG.uniform(-1, 1, len(names))
    r = hessian(text, at=p)
    exact = at_point(H_true, names, p)
    assert r.agree is True
    for name, value in lens_values(r).items():
        np.testing.assert_allclose(value, exact, rtol=1e-6, atol=1e-8, err_msg=name)
        np.testing.assert_allclose(value, np.asarray(value).T, rtol=1e-12, atol=1e-12, err_msg=name)


def test_hessian_is_the_jacobian_of_the_gradient():
    text = "x^3*y - exp(x*y) + y^4"
    g = gradient(text).expressions
    J = jacobian(list(g), vars=["x", "y"]).expressions
    H = hessian(text).expressions
    for i in range(2):
        for j in range(2):
            assert sympy.simplify(sympy.sympify(str(J[i][j])) - sympy.sympify(str(H[i][j]))) == 0
    p = [0.3, -0.8]
    np.testing.assert_allclose(hessian(text, at=p).value, jacobian(list(g), at=p, vars=["x", "y"]).value,
                               rtol=1e-12)


# --- Jacobians --------------------------------------------------------------------------------------

def test_issue_acceptance_jacobian():
    r = jacobian(["2*x*y", "x^2*y"])
    expected = [[truth("2*y"), truth("2*x")], [truth("2*x*y"), truth("x^2")]]
    assert len(r.expressions) == 2
    for row, want in zip(r.expressions, expected):
        assert all(same(a, b) for a, b in zip(row, want))
    p = RNG.uniform(-2, 2, 2)
    r = jacobian(["2*x*y", "x^2*y"], at=p)
    x, y = p
    for name, value in lens_values(r).items():
        np.testing.assert_allclose(value, [[2 * y, 2 * x], [2 * x * y, x**2]], rtol=1e-12, err_msg=name)
    assert r.agree is True and r.value.shape == (2, 2)


def test_jacobian_of_text_against_sympy_jacobian():
    texts = ["x*exp(y)", "sin(x) + z^2", "x*y*z"]
    syms = sympy.symbols("x y z")
    J_true = sympy.Matrix([truth(t) for t in texts]).jacobian(syms)
    r = jacobian(texts)
    assert r.variables == ("x", "y", "z")
    for i in range(3):
        for j in range(3):
            assert same(r.expressions[i][j], J_true[i, j])
    p = RNG.uniform(-1, 1, 3)
    r = jacobian(texts, at=p)
    exact = at_point(J_true.tolist(), ["x", "y", "z"], p)
    assert r.agree is True
    for name, value in lens_values(r).items():
        np.testing.assert_allclose(value, exact, rtol=1e-10, atol=1e-12, err_msg=name)


def test_single_text_jacobian_is_one_row():
    r = jacobian("x^2*y", at=[2.0, 5.0])
    np.testing.assert_allclose(r.value, [[20.0, 4.0]], rtol=1e-12)


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_lesson4_sigmoid_layer_jacobian():
    # f(x, y) = (sigma(px + qy), sigma(rx + sy), sigma(tx + uy)); row i of the Jacobian is
    # sigma'(a_i) times the weights, with sigma' = sigma (1 - sigma).
    rows = ["sigmoid(p*x + q*y)", "sigmoid(r*x + s*y)", "sigmoid(t*x + u*y)"]
    r = jacobian(rows, vars=["x", "y"])
    assert r.variables == ("x", "y")
    # parameters stay symbolic; refuse to evaluate while they are letters
    with pytest.raises(ArgumentError, match="not among the variables"):
        jacobian(rows, vars=["x", "y"], at=[0.1, 0.2])
    for _ in range(2):
        W = RNG.normal(size=(3, 2))
        p = RNG.normal(size=2)
        consts = dict(zip("pqrstu", W.ravel()))
        # 1. the symbolic formulas, with numbers for the constants, evaluated by SymPy
        subs = {sympy.Symbol(k): v for k, v in consts.items()}
        subs.update({sympy.Symbol("x"): p[0], sympy.Symbol("y"): p[1]})
        z = sympy.Symbol("z")
        as_exp = {"sigmoid": sympy.Lambda(z, 1 / (1 + sympy.exp(-z)))}   # the definition, written here
        sym = np.array([[float(sympy.sympify(str(e), locals=as_exp).subs(subs).evalf()) for e in row]
                        for row in r.expressions])
        # 2. central differences of NumPy sigmoids, written here
        def layer(v):
            return _np_sigmoid(W @ v)
        h = 1e-6
        fd = np.column_stack([(layer(p + h * e) - layer(p - h * e)) / (2 * h) for e in np.eye(2)])
        # 3. the hand formula p sigma (1 - sigma)
        s = _np_sigmoid(W @ p)
        hand = (s * (1 - s))[:, None] * W
        np.testing.assert_allclose(sym, hand, rtol=1e-12)
        np.testing.assert_allclose(fd, hand, rtol=1e-7, atol=1e-10)
        # 4. the same rows with numbers in place of the constants, through all three lenses
        numeric_rows = [f"sigmoid(({float(W[i, 0])!r})*x + ({float(W[i, 1])!r})*y)" for i in range(3)]
        r3 = jacobian(numeric_rows, at=p)
        assert r3.agree is True
        for name, value in lens_values(r3).items():
            np.testing.assert_allclose(value, hand, rtol=1e-9, err_msg=name)


# --- callables --------------------------------------------------------------------------------------

def test_callable_gets_numeric_and_automatic_lenses():
    def f(v):  # plain operators only: both a NumPy array and a calcml Tensor go through
        return v[0] ** 2 * v[1] + 3.0 * v[1] / (1.0 + v[0] ** 2)

    def f_ag(v):
        return v[0] ** 2 * v[1] + 3.0 * v[1] / (1.0 + v[0] ** 2)

    p = RNG.normal(size=2)
    r = gradient(f, at=p)
    assert set(r.lenses) == {"numeric", "automatic"}
    assert r.variables == ("x0", "x1") and r.expressions is None
    assert r.agree is True
    exact = autograd.grad(f_ag)(p)
    for name, value in lens_values(r).items():
        np.testing.assert_allclose(value, exact, rtol=1e-12, err_msg=name)


def test_callable_with_calcml_autodiff_ops():
    def f(v):
        return ad.sin(v[0]) * ad.exp(v[1])

    def f_ag(v):
        return anp.sin(v[0]) * anp.exp(v[1])

    p = RNG.normal(size=2)
    r = gradient(f, at=p, vars=["a", "b"])
    assert r.variables == ("a", "b") and r.agree is True
    for name, value in lens_values(r).items():
        np.testing.assert_allclose(value, autograd.grad(f_ag)(p), rtol=1e-12, err_msg=name)
    H = hessian(f, at=p)
    assert H.agree is True
    np.testing.assert_allclose(H.value, autograd.hessian(f_ag)(p), rtol=1e-6)
    J = jacobian(lambda v: ad.stack([v[0] * v[1], ad.sin(v[0])]), at=p)
    assert J.agree is True
    np.testing.assert_allclose(J.value, [[p[1], p[0]], [np.cos(p[0]), 0.0]], rtol=1e-12, atol=1e-15)


def test_callable_using_numpy_functions_is_traced_by_the_automatic_lens():
    # np.sin has a calcml.autodiff primitive: the automatic lens traces it and agrees
    p = np.array([0.7, 2.0])
    r = gradient(lambda v: np.sin(v[0]) * v[1], at=p)
    assert r.lenses["automatic"].ok and r.agree is True
    np.testing.assert_allclose(r.lenses["automatic"].value, [np.cos(p[0]) * p[1], np.sin(p[0])], rtol=1e-15)


def test_callable_using_numpy_functions_reports_the_automatic_lens_failure():
    p = np.array([0.7, 2.0])
    r = gradient(lambda v: np.log10(v[0]) * v[1], at=p)  # np.log10 has no primitive
    auto = r.lenses["automatic"]
    assert auto.status is Status.ERROR and auto.value is None and not auto.ok
    assert "calcml.autodiff" in auto.message
    assert r.lenses["numeric"].ok
    assert "np.log10" in auto.message
    np.testing.assert_allclose(r.value, [p[1] / (p[0] * np.log(10)), np.log10(p[0])], rtol=1e-12)
    assert r.agree is None                # only one lens has a value
    d = r.to_dict()
    assert d["lenses"]["automatic"]["status"] == "error" and "message" in d["lenses"]["automatic"]


def test_callable_point_and_names():
    with pytest.raises(ArgumentError, match="1 variable names for a point with 2 coordinates"):
        gradient(lambda v: v[0] * v[1], at=[1, 2], vars=["a"])
    with pytest.raises(ArgumentError, match="symbolic lens needs the function as text"):
        gradient(lambda v: v[0], at=[1.0], lens="symbolic")
    with pytest.raises(ArgumentError, match="text, a SymPy expression or a callable"):
        gradient(42, at=[1.0])


# --- input errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: gradient("x*y", lens="numeric"), "numeric lens needs a point"),
    (lambda: gradient("x*y", lens="automatic"), "automatic lens needs a point"),
    (lambda: gradient(lambda v: v[0], lens="numeric"), "needs a point"),
    (lambda: gradient("x*y", at=[1, 2], lens="magic"), "lens must be one of"),
    (lambda: gradient("x*y", at=[1, 2, 3]), "needs 2 coordinates; got 3"),
    (lambda: gradient("x*y", at="2,3,4"), "needs 2 coordinates; got 3"),
    (lambda: gradient("x*y", at=[1, float("nan")]), "must be finite"),
    (lambda: gradient("x*y", at=[1, float("inf")]), "must be finite"),
    (lambda: gradient("x*y", at="2,abc"), "numbers separated by commas"),
    (lambda: gradient("x*y", at=[[1, 2]]), "flat list of coordinates"),
    (lambda: gradient("3 + 4"), "no variables"),
    (lambda: jacobian([], at=[1.0]), "at least one expression"),
    (lambda: hessian("x*y", at=[1]), "needs 2 coordinates; got 1"),
])
def test_input_errors(call, words):
    with pytest.raises(ArgumentError, match=words):
        call()


def test_point_parsing():
    np.testing.assert_allclose(gradient("x*y", at="2,3").at, [2.0, 3.0])
    np.testing.assert_allclose(gradient("x*y", at=" 2 , 3 ").value, [3.0, 2.0])
    np.testing.assert_allclose(gradient("x*y", at="pi, 1/2").at, [math.pi, 0.5])
    np.testing.assert_allclose(gradient("x*y", at=(2, 3)).value, [3.0, 2.0])
    np.testing.assert_allclose(gradient("x*y", at=np.array([2, 3])).value, [3.0, 2.0])
    np.testing.assert_allclose(gradient("x^3", at=2).value, [12.0])          # a bare number for one variable


def test_parameters_stay_symbolic_but_refuse_a_point():
    r = gradient("a*x^2 + b*y", vars=["x", "y"])
    assert r.variables == ("x", "y")
    assert same(r.expressions[0], truth("2*a*x")) and same(r.expressions[1], truth("b"))
    with pytest.raises(ArgumentError, match=r"uses a, b, which is not among the variables x, y"):
        gradient("a*x^2 + b*y", vars=["x", "y"], at=[1, 2])
    with pytest.raises(ArgumentError, match="add it to the variables"):
        hessian("a*x^2", vars=["x"], at=[1])
    with pytest.raises(ArgumentError, match="not among the variables"):
        directional_derivative("a*x + y", [1, 1], [1, 0], vars=["x", "y"])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_out_of_domain_point_is_reported_by_every_lens():
    r = gradient("sqrt(x)*y", at=[-1.0, 1.0])
    assert r.agree is False and r.value is None
    for name in LENSES:
        assert not r.lenses[name].ok, name


def test_to_dict_is_plain_data():
    import json

    d = gradient("x^2 + y^3", at=[2, 3]).to_dict()
    json.dumps(d)
    assert d["kind"] == "gradient" and d["variables"] == ["x", "y"] and d["agree"] is True
    assert d["value"] == [4.0, 27.0] and d["gradient"] == ["2*x", "3*y**2"]
    assert set(d["lenses"]) == set(LENSES)


# --- directional derivatives ------------------------------------------------------------------------

@pytest.mark.parametrize("text, names", SCALAR)
def test_directional_derivative_is_grad_dot_unit(text, names):
    F = truth(text)
    grad_exprs = [sympy.diff(F, sympy.Symbol(n)) for n in names]
    for _ in range(2):
        p = RNG.uniform(-1, 1, len(names))
        d = RNG.normal(size=len(names)) * RNG.uniform(0.1, 10)
        est = directional_derivative(text, p, d)
        assert isinstance(est, Estimate) and est.ok
        exact = float(at_point(grad_exprs, names, p) @ (d / np.linalg.norm(d)))
        assert est.value == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_directional_derivative_of_a_callable_and_length_independence():
    f = lambda v: v[0] ** 2 + 3 * v[0] * v[1]   # noqa: E731  grad = (2x + 3y, 3x)
    p = np.array([1.0, -2.0])
    u = np.array([3.0, 4.0])
    exact = (2 * p[0] + 3 * p[1]) * 0.6 + 3 * p[0] * 0.8
    assert directional_derivative(f, p, u).value == pytest.approx(exact, rel=1e-10)
    assert directional_derivative(f, p, 100 * u).value == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize("direction, words", [
    ([0, 0], "non-zero"),
    ([0.0, float("nan")], "non-zero finite"),
    ([1, 0, 0], "needs 2 components"),
])
def test_directional_derivative_errors(direction, words):
    with pytest.raises(ArgumentError, match=words):
        directional_derivative("x^2 + y^2", [1, 1], direction)


# --- steepest ascent --------------------------------------------------------------------------------

def test_issue_acceptance_steepest_ascent_circle():
    r = steepest_ascent("x^2+y^2", (1, 1))
    assert isinstance(r, SteepestAscent)
    assert r.angle_deg == pytest.approx(45.0, abs=1e-9)
    np.testing.assert_allclose(r.gradient, [2.0, 2.0], rtol=1e-12)
    # the documented tolerance: 1e-6 relative plus |grad| (1 - cos(resolution))
    tol = 1e-6 * 2 * math.sqrt(2) + 2 * math.sqrt(2) * (1 - math.cos(math.radians(r.resolution_deg)))
    assert abs(r.rate - 2 * math.sqrt(2)) <= tol
    assert r.gradient_norm == pytest.approx(2 * math.sqrt(2), rel=1e-12)
    assert r.agree is True
    assert "counter-clockwise from the +x axis" in r.convention


def test_issue_acceptance_steepest_ascent_cubic():
    r = steepest_ascent("x^2 + y^3", (2, 3))
    np.testing.assert_allclose(r.gradient, [4.0, 27.0], rtol=1e-12)
    true_angle = math.degrees(math.atan2(27, 4))            # 81.57...
    assert r.gradient_angle_deg == pytest.approx(true_angle, rel=1e-12)
    assert abs(r.angle_deg - true_angle) <= r.resolution_deg / 2 + 1e-9
    assert round(r.angle_deg, 1) == pytest.approx(81.6)
    assert r.rate == pytest.approx(math.hypot(4, 27), rel=1e-5)
    assert r.agree is True


@pytest.mark.parametrize("text, angle", [
    ("x + y", 45.0),
    ("-x", 180.0),
    ("-y", 270.0),
    ("x - y", 315.0),
    ("-x + y", 135.0),
    ("-x - 2*y", math.degrees(math.atan2(-2, -1)) % 360),   # third quadrant
    ("y", 90.0),
    ("x", 0.0),
])
def test_angle_convention_in_every_quadrant(text, angle):
    r = steepest_ascent(text, [0.3, -0.4], resolution_deg=0.5, vars=["x", "y"])
    assert 0.0 <= r.angle_deg < 360.0
    gap = abs((r.angle_deg - angle + 180.0) % 360.0 - 180.0)
    assert gap <= 0.25 + 1e-9
    assert r.gradient_angle_deg == pytest.approx(angle, abs=1e-9)
    assert r.agree is True


def test_steepest_ascent_of_a_callable_and_the_sweep():
    f = lambda v: np.exp(0.5 * v[0]) * np.cos(v[1])   # noqa: E731
    p = np.array([0.2, 2.0])
    g = np.array([0.5 * np.exp(0.1) * np.cos(2.0), -np.exp(0.1) * np.sin(2.0)])
    r = steepest_ascent(f, p, resolution_deg=1.0)
    assert r.angles_deg.shape == (360,) and r.rates.shape == (360,)
    np.testing.assert_allclose(r.angles_deg[:3], [0.0, 1.0, 2.0])
    # each swept rate is the directional derivative grad . (cos t, sin t)
    t = np.radians(r.angles_deg)
    np.testing.assert_allclose(r.rates, g[0] * np.cos(t) + g[1] * np.sin(t), atol=1e-6)
    assert r.gradient_angle_deg == pytest.approx(math.degrees(math.atan2(g[1], g[0])) % 360, abs=1e-9)
    assert r.agree is True


@pytest.mark.parametrize("kwargs, words", [
    (dict(f="x*y*z", at=[1, 1, 1]), "needs 2 variables, got 3"),
    (dict(f="x", at=[1]), "needs 2 variables, got 1"),
    (dict(f=lambda v: v[0], at=[1, 2, 3]), "needs 2 variables"),
    (dict(f="x*y", at=[1, 1], resolution_deg=0), "resolution_deg must be between"),
    (dict(f="x*y", at=[1, 1], resolution_deg=90), "resolution_deg must be between"),
    (dict(f="x*y", at=[1, 1], resolution_deg="1"), "resolution_deg"),
    (dict(f="x*y", at=[1, 1], resolution_deg=float("nan")), "resolution_deg"),
])
def test_steepest_ascent_errors(kwargs, words):
    with pytest.raises(ArgumentError, match=words):
        steepest_ascent(**kwargs)


def test_steepest_ascent_to_dict():
    d = steepest_ascent("x^2+y^2", (1, 1), resolution_deg=1).to_dict()
    assert d["angle_deg"] == pytest.approx(45.0) and d["gradient"] == [2.0, 2.0]
    assert d["convention"].startswith("degrees")


# --- rtol / atol reach the numeric lens; the course's quotient is written once ------------------

@pytest.mark.parametrize("fn, name, args", [
    (gradient, "numeric_gradient", ("x^2 + y^3", [1.0, 2.0])),
    (jacobian, "numeric_jacobian", (["x*y", "x + y"], [1.0, 2.0])),
    (hessian, "numeric_hessian", ("x^2*y", [1.0, 2.0])),
])
def test_tolerances_reach_the_numeric_lens(monkeypatch, fn, name, args):
    import calcml.finite_diff_nd as nd

    seen = []
    real = getattr(nd, name)

    def spy(*a, **kw):
        seen.append((kw.get("rtol"), kw.get("atol")))
        return real(*a, **kw)

    monkeypatch.setattr(nd, name, spy)
    r = fn(args[0], at=args[1], rtol=1e-5, atol=1e-9)
    assert seen == [(1e-5, 1e-9)] and r.lenses["numeric"].ok and r.agree is True
    with pytest.raises(ArgumentError, match="rtol"):
        fn(args[0], at=args[1], rtol=-1.0)


def test_steepest_ascent_uses_the_one_difference_quotient(monkeypatch):
    import calcml.numeric as numeric

    calls = []
    real = numeric.difference_quotient

    def spy(f, x, h, scheme="forward"):
        calls.append(scheme)
        return real(f, x, h, scheme)

    monkeypatch.setattr(numeric, "difference_quotient", spy)
    r = steepest_ascent("x^2 + y^3", [2, 3], resolution_deg=1.0)
    # two one-sided (forward) quotients per direction, Richardson-combined: the rate is a one-sided limit
    assert len(calls) == 720 and set(calls) == {"forward"}
    assert abs(r.angle_deg - math.degrees(math.atan2(27, 4))) <= 1.0


@pytest.mark.parametrize("text, rate", [("sqrt(x^2+y^2)", 1.0), ("abs(x)+abs(y)", math.sqrt(2))])
def test_steepest_ascent_at_a_kink_reports_the_one_sided_rate(text, rate):
    # at the tip of a cone the directional derivative (a one-sided limit) exists in every direction
    r = steepest_ascent(text, [0, 0], resolution_deg=1.0)
    assert r.rate == pytest.approx(rate, rel=1e-6) and r.agree is False   # no gradient to agree with
