"""Every derivative rule of calcml.autodiff against two independent truths.

For each primitive we compute the derivative three ways and require agreement:

- calcml.autodiff (the rule under test), first order and, through the traced
  backward pass, second order;
- SymPy: the same function built from SymPy expressions and differentiated
  exactly, then evaluated with lambdify;
- central finite differences of a plain NumPy implementation.

Composite checks are written once as ``f(x, m)`` where ``m`` is a namespace of
operations: calcml.autodiff, NumPy (for finite differences) or NumPy object
arrays of SymPy symbols (for the exact derivative).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.special
import sympy as sp

import calcml.autodiff as ad
from calcml.autodiff import rules as rules_module
from calcml.errors import CalcmlError, MissingRuleError
from calcml.functions import functions as REGISTRY
from calcml.symbolic import sympy_function

RNG = np.random.default_rng(20240611)
BUILTIN_RULES = dict(rules_module.RULES)  # before any test registers a rule of its own


# ----- the two independent oracles ---------------------------------------------

def numeric_grad(fun, x, h=1e-6):
    """Central differences of a NumPy scalar function, one coordinate at a time."""
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += step
        xm[i] -= step
        g[i] = (fun(xp) - fun(xm)) / (2 * step)
    return g


def _obj(fn):
    return np.frompyfunc(fn, 1, 1)


def _sym_logsumexp(t, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(t), axis=axis, keepdims=keepdims)) if axis is not None or keepdims \
        else sp.log(np.sum(np.exp(t)))


SYM = SimpleNamespace(
    sum=np.sum, mean=np.mean, matmul=np.matmul, dot=np.dot, reshape=np.reshape,
    transpose=np.transpose, stack=np.stack, where=np.where, broadcast_to=np.broadcast_to,
    exp=_obj(sp.exp), log=_obj(sp.log), sin=_obj(sp.sin), cos=_obj(sp.cos), tan=_obj(sp.tan),
    tanh=_obj(sp.tanh), sqrt=_obj(sp.sqrt), abs=_obj(sp.Abs),
    sigmoid=_obj(lambda s: 1 / (1 + sp.exp(-s))), relu=_obj(lambda s: sp.Max(s, 0)),
    softplus=_obj(lambda s: sp.log(1 + sp.exp(s))), log_sigmoid=_obj(lambda s: -sp.log(1 + sp.exp(-s))),
    log1p=_obj(lambda s: sp.log(1 + s)), expm1=_obj(lambda s: sp.exp(s) - 1),
    logsumexp=lambda t, axis=None, keepdims=False: np.vectorize(sp.log, otypes=[object])(
        np.sum(np.vectorize(sp.exp, otypes=[object])(t), axis=axis, keepdims=keepdims)),
    log_softmax=lambda t, axis=-1: t - np.vectorize(sp.log, otypes=[object])(
        np.sum(np.vectorize(sp.exp, otypes=[object])(t), axis=axis, keepdims=True)),
)
NUM = SimpleNamespace(
    sum=np.sum, mean=np.mean, matmul=np.matmul, dot=np.dot, reshape=np.reshape,
    transpose=np.transpose, stack=np.stack, where=np.where, broadcast_to=np.broadcast_to,
    exp=np.exp, log=np.log, sin=np.sin, cos=np.cos, tan=np.tan, tanh=np.tanh, sqrt=np.sqrt,
    abs=np.abs, sigmoid=lambda v: 1 / (1 + np.exp(-v)), relu=lambda v: np.maximum(v, 0),
    softplus=lambda v: np.log1p(np.exp(v)), log_sigmoid=lambda v: -np.log1p(np.exp(-v)),
    log1p=np.log1p, expm1=np.expm1,
    logsumexp=scipy.special.logsumexp, log_softmax=scipy.special.log_softmax,  # SciPy: the reference
)


def sympy_grad_hess(f, x):
    """Exact gradient and Hessian of ``f(X, SYM)`` at `x`, by SymPy."""
    syms = sp.symbols(f"s0:{x.size}", real=True)
    X = np.array(syms, dtype=object).reshape(x.shape)
    expr = sp.sympify(f(X, SYM))
    grad = [sp.diff(expr, s) for s in syms]
    hess = sp.hessian(expr, syms)
    vals = [float(v) for v in x.ravel()]
    g = np.array(sp.lambdify(syms, grad, "numpy")(*vals), dtype=float).reshape(x.shape)
    h = np.array(sp.lambdify(syms, hess, "numpy")(*vals), dtype=float).reshape(x.shape + x.shape)
    return g, h


def check_three_ways(f, x, rtol=1e-6, second=True):
    """Gradient (and Hessian) of f by autodiff == SymPy == finite differences."""
    g_ad = ad.grad(lambda t: f(t, ad))(x)
    g_fd = numeric_grad(lambda v: f(v, NUM), x)
    g_sym, h_sym = sympy_grad_hess(f, x)
    np.testing.assert_allclose(g_ad, g_sym, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_ad, g_fd, rtol=rtol, atol=1e-6)
    assert g_ad.shape == x.shape
    if second:
        h_ad = ad.hessian(lambda t: f(t, ad))(x)
        np.testing.assert_allclose(h_ad, h_sym, rtol=1e-9, atol=1e-10)


# ----- elementwise functions of one argument -------------------------------------

def _test_range(entry):
    """Where to take test points: inside the entry's domain, clear of its ends (and of tan's poles)."""
    if entry.name == "tan":
        return (-1.2, 1.2)
    d = entry.domain
    return (max(d.lower, -3.0) + 0.05, min(d.upper, 3.0) - 0.05)


def _elementary(entry):
    """The SymPy function of a registry entry; calcml's own (sigmoid, ...) in their exp/log form,
    so that SymPy differentiates a formula, not calcml's fdiff."""
    cls = sympy_function(entry)
    return lambda s: sp.sympify(cls(s)).rewrite(sp.exp)


# name: (calcml function, NumPy function, SymPy function, domain of the test points).
# Every primitive of the registry is here (calcml.functions), plus relu and neg.
UNARY = {
    e.autodiff: (getattr(ad, e.autodiff), e.numpy, _elementary(e), _test_range(e)) for e in REGISTRY.values()
}
UNARY.update({
    "relu": (ad.relu, NUM.relu, lambda s: sp.Max(s, 0), (-3, 3)),
    "neg": (lambda t: -t, np.negative, lambda s: -s, (-3, 3)),
})
PIECEWISE_LINEAR = {"abs", "relu"}  # second derivative 0 away from the kink


def _points(domain, n=7):
    lo, hi = domain
    x = RNG.uniform(lo, hi, n)
    return np.where(np.abs(x) < 0.05, 0.3, x)  # keep clear of the kinks of abs and relu


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_rule_first_derivative(name):
    fn, np_fn, sym_fn, domain = UNARY[name]
    x = _points(domain)
    w = RNG.normal(size=x.shape)  # weights, so each element's slope is seen separately
    got = ad.grad(lambda t: ad.sum(w * fn(t)))(x)
    s = sp.Symbol("s", real=True)
    exact = sp.lambdify(s, sp.diff(sym_fn(s), s), "numpy")
    np.testing.assert_allclose(got, w * np.broadcast_to(exact(x), x.shape), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(got, numeric_grad(lambda v: np.sum(w * np_fn(v)), x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_rule_second_derivative_through_traced_pass(name):
    fn, _, sym_fn, domain = UNARY[name]
    x = _points(domain)
    w = RNG.normal(size=x.shape)
    slope = ad.grad(lambda t: ad.sum(fn(t)))  # elementwise f'(x)
    got = ad.grad(lambda t: ad.sum(w * slope(t)))(x)
    if name in PIECEWISE_LINEAR:
        expected = np.zeros_like(x)
    else:
        s = sp.Symbol("s", real=True)
        expected = w * np.broadcast_to(sp.lambdify(s, sp.diff(sym_fn(s), s, 2), "numpy")(x), x.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-11)


def test_unary_functions_accept_numbers_arrays_and_lists():
    assert ad.exp(0.0).value == 1.0
    np.testing.assert_allclose(ad.sin([0.0, np.pi / 2]).value, [0.0, 1.0])
    np.testing.assert_allclose(ad.sigmoid(np.array([0.0])).value, [0.5])


def test_sigmoid_is_accurate_in_both_tails():
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):  # no overflow in either tail
        s = ad.sigmoid(x).value
    np.testing.assert_allclose(s[:2], [np.exp(-800.0), np.exp(-40.0) / (1 + np.exp(-40.0))], rtol=1e-14)
    np.testing.assert_allclose(s[2:], [0.5, 1 / (1 + np.exp(-40.0)), 1.0], rtol=1e-15)


# ----- elementwise functions of two arguments ------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, np.subtract, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, np.multiply, lambda a, b: a * b),
    "div": (lambda a, b: a / b, np.divide, lambda a, b: a / b),
    "pow": (lambda a, b: a ** b, np.power, lambda a, b: a ** b),
    "maximum": (ad.maximum, np.maximum, sp.Max),
    "minimum": (ad.minimum, np.minimum, sp.Min),
}


def _pair(n=6):
    a = RNG.uniform(0.3, 2.5, n)  # positive: pow's log(a) and div's 1/b exist
    b = RNG.uniform(0.3, 2.5, n) * RNG.choice([-1.0, 1.0], n)
    b = np.where(np.abs(a - b) < 0.05, b + 0.2, b)  # no ties for maximum / minimum
    return a, b


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_rule_first_derivatives(name):
    fn, np_fn, sym_fn = BINARY[name]
    a, b = _pair()
    w = RNG.normal(size=a.shape)
    ga, gb = ad.grad(lambda x, y: ad.sum(w * fn(x, y)), argnum=(0, 1))(a, b)
    sa, sb = sp.symbols("a b", real=True)
    expr = sym_fn(sa, sb)
    exact_a = sp.lambdify((sa, sb), sp.diff(expr, sa), "numpy")(a, b)
    exact_b = sp.lambdify((sa, sb), sp.diff(expr, sb), "numpy")(a, b)
    np.testing.assert_allclose(ga, w * exact_a, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(gb, w * exact_b, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(ga, numeric_grad(lambda v: np.sum(w * np_fn(v, b)), a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, numeric_grad(lambda v: np.sum(w * np_fn(a, v)), b), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_rule_second_derivatives(name):
    fn, _, sym_fn = BINARY[name]
    a, b = _pair(1)
    v = np.array([a[0], b[0]])
    got = ad.hessian(lambda p: fn(p[0], p[1]))(v)
    if name in ("maximum", "minimum"):
        expected = np.zeros((2, 2))  # one argument passes through unchanged: flat slopes
    else:
        sa, sb = sp.symbols("a b", real=True)
        expected = np.array(sp.lambdify((sa, sb), sp.hessian(sym_fn(sa, sb), (sa, sb)), "numpy")(*v), dtype=float)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_rule_with_a_constant_on_either_side(name):
    fn, np_fn, _ = BINARY[name]
    a, b = _pair()
    np.testing.assert_allclose(ad.grad(lambda y: ad.sum(fn(a, y)))(b),
                               numeric_grad(lambda v: np.sum(np_fn(a, v)), b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ad.grad(lambda x: ad.sum(fn(x, 1.7)))(a),
                               numeric_grad(lambda v: np.sum(np_fn(v, 1.7)), a), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((), (2, 2)), ((5,), (1,))])
def test_broadcasting_gradients_are_summed_back_to_each_shape(name, shapes):
    fn, np_fn, _ = BINARY[name]
    sa, sb = shapes
    a = RNG.uniform(0.5, 2.0, sa)
    b = RNG.uniform(0.5, 2.0, sb) + 2.5  # b > a everywhere: no ties
    w = RNG.normal(size=np.broadcast_shapes(sa, sb))
    ga, gb = ad.grad(lambda x, y: ad.sum(w * fn(x, y)), argnum=(0, 1))(a, b)
    assert ga.shape == np.shape(a) and gb.shape == np.shape(b)
    np.testing.assert_allclose(ga, numeric_grad(lambda v: np.sum(w * np_fn(v, b)), a), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gb, numeric_grad(lambda v: np.sum(w * np_fn(a, v)), b), rtol=1e-6, atol=1e-6)


def test_pow_with_negative_base_and_integer_exponent():
    x = np.array([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(t ** 3))(x), 3 * x ** 2)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(t ** 2))(x), 2 * x)


def test_pow_exponent_gradient_at_zero_base_is_zero():
    # d/dy 0**y = 0 for y > 0 (documented convention; log(0) is never taken)
    with np.errstate(all="raise"):
        g = ad.grad(lambda y: ad.sum(np.array([0.0, 2.0]) ** y))(np.array([1.5, 1.5]))
    np.testing.assert_allclose(g, [0.0, np.log(2.0) * 2.0 ** 1.5])


# ----- conventions at points without a derivative ----------------------------------

def test_abs_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(ad.abs(t)))(np.array([-1.0, 0.0, 2.0])), [-1.0, 0.0, 1.0])


def test_relu_derivative_at_zero_is_zero():
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(ad.relu(t)))(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("fn", [ad.maximum, ad.minimum])
def test_maximum_and_minimum_split_ties_half_and_half(fn):
    gx, gy = ad.grad(lambda x, y: ad.sum(fn(x, y)), argnum=(0, 1))(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(gx + gy, [1.0, 1.0])  # the split always adds up to the whole slope
    assert gx[0] == gy[0] == 0.5


# ----- reductions, shapes and indexing: three ways, up to second order --------------

@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_sum_and_mean_over_axes(axis, keepdims, reduce):
    x = RNG.normal(size=(2, 3, 2))
    w = RNG.normal(size=np.shape(getattr(np, reduce)(x, axis=axis, keepdims=keepdims)))

    def f(t, m):
        r = getattr(m, reduce)(t, axis=axis, keepdims=keepdims)
        return m.sum(w * r * r)

    check_three_ways(f, x)


def test_sum_and_mean_methods_match_functions():
    x = RNG.normal(size=(3, 4))
    np.testing.assert_allclose(ad.grad(lambda t: (t * t).sum(axis=1).mean())(x), 2 * x / 3)


INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, None),
    "step": slice(None, None, -2),
    "row and column": (slice(None), 0),
    "fancy with repeats": (np.array([0, 0, 2]),),
    "2-D fancy": (np.array([0, 1, 1]), np.array([2, 2, 0])),
    "boolean mask": np.array([[True, False, True], [False, True, True], [True, True, False]]),
    "new axis and ellipsis": (None, Ellipsis, 1),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_gradient_scatters_back(name):
    index = INDEXES[name]
    x = RNG.normal(size=(3, 3))
    w = RNG.normal(size=np.shape(x[index]))
    check_three_ways(lambda t, m: m.sum(w * t[index] ** 3), x)


def test_indexing_with_a_list_and_a_tensor_index():
    x = np.arange(4.0)
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(t[[0, 0, 3]]))(x), [2.0, 0.0, 0.0, 1.0])
    idx = ad.Tensor([1, 1])  # a Tensor used as an index is read as plain numbers
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(t[idx.value.astype(int)]))(x), [0.0, 2.0, 0.0, 0.0])


def test_reshape_transpose_and_T():
    x = RNG.normal(size=(2, 3))
    w = RNG.normal(size=(3, 2))
    check_three_ways(lambda t, m: m.sum(w * m.reshape(t, (3, 2)) ** 2), x)
    check_three_ways(lambda t, m: m.sum(w * m.transpose(t) ** 3), x)
    y = RNG.normal(size=(2, 3, 2))
    w3 = RNG.normal(size=(3, 2, 2))
    check_three_ways(lambda t, m: m.sum(w3 * m.transpose(t, (1, 2, 0)) ** 2), y)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(w * t.T ** 2))(x), 2 * w.T * x)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(w * t.reshape(3, 2)))(x), w.reshape(2, 3))


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)),
                 ((2, 1, 3), (3, 2)), ((1, 2, 2), (3, 2, 1)), ((2, 3), (2, 3, 1))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES)
def test_matmul_for_every_operand_shape(sa, sb):
    a = RNG.normal(size=sa)
    b = RNG.normal(size=sb)
    w = RNG.normal(size=np.shape(a @ b))
    # a and b packed in one vector, so the Hessian includes the mixed a-b block
    n = a.size

    def f(p, m):
        return m.sum(w * m.matmul(m.reshape(p[:n], sa), m.reshape(p[n:], sb)) ** 2)

    check_three_ways(f, np.concatenate([a.ravel(), b.ravel()]))


def test_matmul_operator_dot_and_reflected_matmul():
    A = RNG.normal(size=(3, 2))
    x = RNG.normal(size=2)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(A @ t))(x), A.sum(axis=0))
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(ad.dot(A, t) ** 2))(x), 2 * A.T @ (A @ x))
    np.testing.assert_allclose(ad.grad(lambda t: ad.dot(t, t))(x), 2 * x)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(ad.dot(3.0, t)))(x), [3.0, 3.0])
    np.testing.assert_allclose(ad.grad(lambda B: ad.sum(B @ x))(A), np.outer(np.ones(3), x))


def test_where_routes_the_gradient_and_ignores_the_condition():
    x = RNG.normal(size=(2, 3))
    cond = x > 0
    check_three_ways(lambda t, m: m.sum(m.where(cond, t ** 2, 3 * t)), x)
    check_three_ways(lambda t, m: m.sum(m.where(cond[0], t ** 3, 2.0)), x)  # broadcast condition


def test_broadcast_to_and_stack():
    x = RNG.normal(size=(3,))
    w = RNG.normal(size=(2, 3))
    check_three_ways(lambda t, m: m.sum(w * m.broadcast_to(t, (2, 3)) ** 3), x)
    check_three_ways(lambda t, m: m.sum(w.T * m.stack([t ** 2, t[::-1] * t], axis=1)), x)
    check_three_ways(lambda t, m: m.sum(w * m.stack([m.exp(t), m.sin(t)])), x)


def test_a_composite_function_three_ways():
    # a small tanh layer with a softplus loss: every kind of rule in one graph
    W = RNG.normal(size=(2, 3))

    def f(p, m):
        h = m.tanh(m.matmul(W, p) + 0.1)
        z = m.sum(m.sigmoid(h) * m.sqrt(1 + p[:2] ** 2)) / m.mean(m.exp(p[1:]) + 1)
        return m.log(1 + m.exp(z)) + m.sum(m.cos(p[::2]) * m.sin(p[1]))

    check_three_ways(f, RNG.normal(size=3))


# ----- the table itself ----------------------------------------------------------

# Primitives whose rules are exercised by the structural tests of this file.
STRUCTURAL = {"matmul", "where", "sum", "mean", "broadcast_to", "getitem", "scatter", "reshape", "transpose",
              "stack", "identity", "logsumexp", "log_softmax"}


def test_every_rule_in_the_table_is_tested_and_has_a_formula():
    # The table itself is walked: a rule added without a test here fails.
    untested = set(BUILTIN_RULES) - set(UNARY) - set(BINARY) - STRUCTURAL
    assert not untested, f"rules without a test: {sorted(untested)}"
    for name in BUILTIN_RULES:
        assert rules_module.DESCRIPTIONS[name].startswith("g ->"), name


def test_every_registry_function_is_a_primitive_with_a_rule():
    for e in REGISTRY.values():
        assert e.autodiff in BUILTIN_RULES and e.autodiff in ad.__all__, e.name
        assert getattr(ad, e.autodiff).__name__ in (e.autodiff, "log"), e.name


def test_missing_rule_names_the_primitive():
    cube = ad.primitive("cube_without_rule", lambda v: v ** 3)
    x = ad.Tensor([1.0, 2.0])
    y = ad.sum(cube(x))
    np.testing.assert_array_equal(y.value, 9.0)  # the forward pass works without a rule
    with pytest.raises(MissingRuleError, match="'cube_without_rule'") as info:
        y.backward()
    assert isinstance(info.value, CalcmlError)
    assert "@calcml.autodiff.rule('cube_without_rule')" in str(info.value)
    with pytest.raises(MissingRuleError, match="cube_without_rule"):
        ad.grad(lambda t: ad.sum(cube(t)))(np.array([1.0]))


def test_a_user_primitive_with_its_rule():
    softplus = ad.primitive("softplus_for_test", lambda v: np.log1p(np.exp(v)))

    @ad.rule("softplus_for_test", "g -> g * sigmoid(x)")
    def softplus_rule(g, ans, need, ops, x):
        # d softplus = sigmoid = 1 - exp(-softplus); ops.exp works in both kinds of pass
        return (g * (1.0 - ops.exp(-ans)),)

    x = RNG.normal(size=4)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(softplus(t)))(x), 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(ad.hessian(lambda t: ad.sum(softplus(t)))(x),
                               np.diag(np.exp(-x) / (1 + np.exp(-x)) ** 2), rtol=1e-10, atol=1e-14)
    with pytest.raises(CalcmlError, match="non-empty name"):
        ad.primitive("", np.exp)


def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(rules_module.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(rules_module.unbroadcast(g, ()), g.sum())
    assert rules_module.unbroadcast(g, (2, 3, 4)) is g


# ----- logsumexp and log_softmax: three ways, and stable -------------------------------

@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_over_axes_three_ways(axis, keepdims):
    x = RNG.normal(size=(2, 3, 2))
    w = RNG.normal(size=np.shape(scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)))
    # m + log(sum(e^(x - m))) can cancel to near 0: the error is relative to the size of x
    np.testing.assert_allclose(ad.logsumexp(x, axis=axis, keepdims=keepdims).value,
                               scipy.special.logsumexp(x, axis=axis, keepdims=keepdims), rtol=1e-14, atol=1e-15)
    check_three_ways(lambda t, m: m.sum(w * m.logsumexp(t, axis=axis, keepdims=keepdims)), x)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_log_softmax_three_ways(axis):
    x = RNG.normal(size=(3, 4))
    w = RNG.normal(size=x.shape)
    np.testing.assert_allclose(ad.log_softmax(x, axis=axis).value, scipy.special.log_softmax(x, axis=axis),
                               rtol=1e-14)
    check_three_ways(lambda t, m: m.sum(w * m.log_softmax(t, axis=axis)), x)


def test_logsumexp_and_log_softmax_do_not_overflow():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e4, -1e4 + 1.0, -np.inf]])
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(ad.logsumexp(x, axis=1).value, scipy.special.logsumexp(x, axis=1), rtol=1e-15)
        np.testing.assert_allclose(ad.log_softmax(x, axis=1).value, scipy.special.log_softmax(x, axis=1),
                                   rtol=1e-15)
        g = ad.grad(lambda t: ad.sum(ad.logsumexp(t, axis=1)))(x)
    np.testing.assert_allclose(g, scipy.special.softmax(x, axis=1), rtol=1e-14, atol=1e-300)
    assert ad.logsumexp(np.full(3, -np.inf)).value == -np.inf  # log(0): every term is 0


def test_log_softmax_of_a_number_is_refused():
    with pytest.raises(CalcmlError, match="at least one axis"):
        ad.log_softmax(1.0)


# ----- issue 8 section 7: no finite answer turned into NaN or infinity -----------------

def test_the_branch_where_does_not_take_cannot_poison_the_gradient():
    f = lambda x: ad.sum(ad.where(x > 0, ad.sqrt(x), x))  # noqa: E731
    with np.errstate(all="ignore"):  # the untaken branches compute sqrt(-1), exp(1000), log(0)
        np.testing.assert_array_equal(ad.grad(f)(np.array([-1.0, -4.0])), [1.0, 1.0])
        np.testing.assert_allclose(ad.grad(f)(np.array([0.0, 4.0, -2.0])), [1.0, 0.25, 1.0])  # sqrt'(0) = inf unused
        # an overflowing branch, a log of 0 (x log x at 0), through the product rule too
        np.testing.assert_allclose(ad.grad(lambda x: ad.sum(ad.where(x < 700, ad.exp(x), 0.0)))(
            np.array([1000.0, 1.0])), [0.0, np.e])
        np.testing.assert_array_equal(ad.grad(lambda p: ad.sum(ad.where(p > 0, p * ad.log(p), 0.0)))(
            np.array([0.0, 1.0])), [0.0, 1.0])
        # second order through the traced pass as well
        h = ad.hessian(lambda x: ad.sum(ad.where(x > 0, ad.sqrt(x), x ** 2)))(np.array([-1.0, 4.0]))
    np.testing.assert_allclose(h, np.diag([2.0, -0.25 * 4.0 ** -1.5]))


def test_a_nan_in_the_selected_branch_stays_nan():
    with np.errstate(invalid="ignore"):
        g = ad.grad(lambda x: ad.sum(ad.where(x < 0, ad.sqrt(x), x)))(np.array([-1.0, 2.0]))
    assert np.isnan(g[0]) and g[1] == 1.0


def test_log_of_sigmoid_is_stable():
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        v, g = ad.value_and_grad(lambda x: ad.log(ad.sigmoid(x)))(-740.0)
    assert (v, g) == (-740.0, 1.0)
    # log(1 - sigmoid(x)) = log(sigmoid(-x)): the other half of binary cross-entropy
    v, g = ad.value_and_grad(lambda x: ad.log(1 - ad.sigmoid(x)))(740.0)
    assert (v, g) == (-740.0, -1.0)
    # the same numbers where the plain form is accurate
    x = np.array([-3.0, 0.5, 4.0])
    np.testing.assert_allclose(ad.log(ad.sigmoid(x)).value, np.log(1 / (1 + np.exp(-x))), rtol=1e-15)
    np.testing.assert_allclose(ad.grad(lambda t: ad.sum(ad.log(ad.sigmoid(t))))(x), 1 / (1 + np.exp(x)),
                               rtol=1e-15)
    assert ad.log(ad.sigmoid(x)).op == "log_sigmoid"


def test_softplus_and_log_sigmoid_at_the_extremes_against_mpmath():
    import mpmath

    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise"):
        sp_val, sp_grad = ad.value_and_grad(lambda t: ad.sum(ad.softplus(t)))(x)
        ls_grad = ad.grad(lambda t: ad.sum(ad.log_sigmoid(t)))(x)
        ls_val = ad.log_sigmoid(x).value
    with mpmath.workdps(60):
        for k, t in enumerate(x):
            t = mpmath.mpf(t)
            sig = 1 / (1 + mpmath.exp(-t))
            assert float(sp_grad[k]) == pytest.approx(float(sig), rel=1e-15, abs=1e-320)
            assert float(ls_grad[k]) == pytest.approx(float(1 - sig), rel=1e-15, abs=1e-320)
            assert float(ls_val[k]) == pytest.approx(float(-mpmath.log1p(mpmath.exp(-t))), rel=1e-15, abs=1e-320)
    assert sp_val == pytest.approx(float(sum(mpmath.log1p(mpmath.exp(mpmath.mpf(t))) for t in x)), rel=1e-15)


def test_overflow_gives_nan_not_a_silent_zero():
    # log(e^x + e^y) at 1000: floats overflow on the way; the gradient [0.5, 0.5] cannot be
    # computed in floats, and the answer must not be a finite wrong number.
    with np.errstate(all="ignore"):
        g = ad.grad(lambda v: ad.log(ad.exp(v[0]) + ad.exp(v[1])))(np.array([1000.0, 1000.0]))
    assert not np.any(np.isfinite(g))
    with np.errstate(all="ignore"):
        assert np.isnan(ad.grad(lambda x: ad.log(ad.exp(x)))(1000.0))
    assert ad.grad(lambda x: ad.log(ad.exp(x)))(10.0) == pytest.approx(1.0, rel=1e-15)


def test_the_rules_keep_float32():
    # The rules take their float type from their inputs: a float32 graph seeded with a float32
    # gradient gives float32 gradients everywhere (none of the rules casts to float64).
    from calcml.autodiff.backprop import backward_pass, toposort

    x = ad.Tensor(RNG.uniform(0.2, 0.9, size=(3, 4)).astype(np.float32))
    y = ad.Tensor(RNG.uniform(0.2, 0.9, size=(4,)).astype(np.float32))
    parts = [getattr(ad, e.autodiff)(x) for e in REGISTRY.values() if e.name not in ("asin", "acos")]
    parts += [ad.arcsin(x * 0.5), ad.arccos(x * 0.5), ad.relu(x - 0.5), ad.maximum(x, y), ad.minimum(x, y),
              ad.where(x > 0.5, x ** 2, x / y), ad.logsumexp(x, axis=1, keepdims=True) * ad.log_softmax(x),
              ad.broadcast_to(ad.mean(x, axis=0), (3, 4)), (x @ y.reshape(4, 1)).transpose() @ x,
              ad.stack([x[0], x[1, ::-1]]).sum(axis=0, keepdims=True), x ** y - y / x]
    total = parts[0].sum()
    for p in parts[1:]:
        total = total + p.sum()
    assert total.value.dtype == np.float32
    order, members = toposort(total, (x, y))
    for traced in (False, True):
        grads = backward_pass(total, order, members, np.ones((), np.float32), (x, y), traced=traced)
        for t in (x, y):
            g = grads[id(t)]
            value = g.value if isinstance(g, ad.Tensor) else g
            assert value.dtype == np.float32, (traced, value.dtype)
            assert np.all(np.isfinite(value))
