"""grad, value_and_grad, jacobian, hessian, vjp, jvp: against SymPy, autograd and each other."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcml.autodiff as ad
from calcml.errors import CalcmlError, DomainError

RNG = np.random.default_rng(11)


def numeric_jacobian(fun, x, h=1e-6):
    """Central differences, column by column: shape out.shape + x.shape."""
    x = np.array(x, dtype=float)
    cols = []
    for i in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += step
        xm[i] -= step
        cols.append((np.asarray(fun(xp)) - np.asarray(fun(xm))) / (2 * step))
    out_shape = np.shape(cols[0])
    return np.moveaxis(np.array(cols), 0, -1).reshape(out_shape + x.shape)


def rosen(x):
    return ad.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosen_grad_by_hand(x):
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] += -400 * x[:-1] * d - 2 * (1 - x[:-1])
    g[1:] += 200 * d
    return g


# ----- a three-variable function with its SymPy truth --------------------------------

X, Y, Z = sp.symbols("x y z", real=True)
F_SYM = sp.exp(X * Y) * sp.sin(Z) + X ** 3 / (1 + Y ** 2) + sp.log(1 + Z ** 2) * sp.tanh(X)
F_VARS = (X, Y, Z)


def f_ad(v):
    x, y, z = v[0], v[1], v[2]
    return ad.exp(x * y) * ad.sin(z) + x ** 3 / (1 + y ** 2) + ad.log(1 + z ** 2) * ad.tanh(x)


def _sym(expr, v):
    return np.array(sp.lambdify(F_VARS, expr, "numpy")(*v), dtype=float)


@pytest.mark.parametrize("seed", range(3))
def test_grad_matches_sympy(seed):
    v = np.random.default_rng(seed).uniform(-1, 1, 3)
    np.testing.assert_allclose(ad.grad(f_ad)(v), _sym([sp.diff(F_SYM, s) for s in F_VARS], v), rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_hessian_equals_jacobian_of_grad_and_sympy(seed):
    v = np.random.default_rng(seed).uniform(-1, 1, 3)
    h = ad.hessian(f_ad)(v)
    np.testing.assert_allclose(h, ad.jacobian(ad.grad(f_ad))(v), rtol=0, atol=0)
    np.testing.assert_allclose(h, _sym(sp.hessian(F_SYM, F_VARS), v), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-13)  # mixed partials commute


def test_third_derivatives_by_nesting():
    v = np.array([0.3, -0.4, 0.8])
    third = ad.jacobian(ad.hessian(f_ad))(v)
    expected = np.array([[[_sym(sp.diff(F_SYM, a, b, c), v) for c in F_VARS] for b in F_VARS] for a in F_VARS])
    np.testing.assert_allclose(third, expected, rtol=1e-10, atol=1e-11)
    np.testing.assert_allclose(ad.grad(ad.grad(ad.grad(ad.sin)))(0.7), -np.cos(0.7), rtol=1e-15)


def test_value_and_grad_returns_both_from_one_pass():
    v = np.array([0.2, 0.5, -0.3])
    value, g = ad.value_and_grad(f_ad)(v)
    np.testing.assert_allclose(value, _sym(F_SYM, v), rtol=1e-14)
    np.testing.assert_allclose(g, ad.grad(f_ad)(v), rtol=0)


# ----- against HIPS autograd ------------------------------------------------------------

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the comparison is optional; every other test here still runs
    autograd = anp = None

needs_autograd = pytest.mark.skipif(autograd is None, reason="autograd is not installed: skipping the comparison with it")


@needs_autograd
def test_rosenbrock_gradient_against_autograd_and_by_hand():
    x = RNG.uniform(-2, 2, 50)
    g = ad.grad(rosen)(x)
    a_rosen = lambda x: anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)  # noqa: E731
    np.testing.assert_allclose(g, autograd.grad(a_rosen)(x), rtol=1e-13)
    np.testing.assert_allclose(g, rosen_grad_by_hand(x), rtol=1e-13)
    np.testing.assert_allclose(ad.hessian(rosen)(x[:6]), autograd.hessian(a_rosen)(x[:6]), rtol=1e-13)


@needs_autograd
def test_mlp_loss_gradients_against_autograd():
    X = RNG.normal(size=(8, 3))
    y = RNG.integers(0, 2, 8).astype(float)
    W1, b1, W2 = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=4)

    def loss(W1, b1, W2, m, sig):
        p = sig(m.tanh(X @ W1 + b1) @ W2)
        return -m.mean(y * m.log(p) + (1 - y) * m.log(1 - p))

    ours = ad.grad(lambda a, b, c: loss(a, b, c, ad, ad.sigmoid), argnum=(0, 1, 2))(W1, b1, W2)
    theirs = autograd.grad(lambda a, b, c: loss(a, b, c, anp, lambda z: 1 / (1 + anp.exp(-z))),
                           argnum=(0, 1, 2))(W1, b1, W2)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)


# ----- jacobian, vjp, jvp ----------------------------------------------------------------

def layer(x):
    W = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.1]])
    return ad.tanh(W @ x) * ad.exp(x[:2])


def layer_np(x):
    W = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.1]])
    return np.tanh(W @ x) * np.exp(x[:2])


def test_jacobian_shape_and_values():
    x = RNG.normal(size=3)
    J = ad.jacobian(layer)(x)
    assert J.shape == (2, 3)
    np.testing.assert_allclose(J, numeric_jacobian(layer_np, x), rtol=1e-7, atol=1e-9)


def test_jacobian_of_matrix_input_and_output_has_out_shape_plus_in_shape():
    A = RNG.normal(size=(2, 3))
    J = ad.jacobian(lambda M: ad.tanh(M.T @ A))(RNG.normal(size=(2, 4)))
    assert J.shape == (4, 3, 2, 4)
    M = RNG.normal(size=(2, 4))
    np.testing.assert_allclose(ad.jacobian(lambda M: ad.tanh(M.T @ A))(M),
                               numeric_jacobian(lambda m: np.tanh(m.T @ A), M), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_jvp_and_vjp_are_consistent(seed):
    rng = np.random.default_rng(seed)
    x, v, u = rng.normal(size=3), rng.normal(size=3), rng.normal(size=2)
    value, jv = ad.jvp(layer, x, v)
    value2, vjp_fn = ad.vjp(layer, x)
    J = ad.jacobian(layer)(x)
    np.testing.assert_allclose(value, layer_np(x), rtol=1e-15)
    np.testing.assert_allclose(value2, value, rtol=0)
    np.testing.assert_allclose(jv, J @ v, rtol=1e-12)
    np.testing.assert_allclose(vjp_fn(u), u @ J, rtol=1e-12)
    # u . (J v) == (J^T u) . v: the same bilinear form, computed forward and backward
    np.testing.assert_allclose(u @ jv, vjp_fn(u) @ v, rtol=1e-12)
    np.testing.assert_allclose(jv, numeric_jacobian(layer_np, x) @ v, rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2 ** 32 - 1))
def test_vjp_is_linear_and_jvp_is_its_transpose(seed):
    rng = np.random.default_rng(seed)
    x, v = rng.normal(size=3), rng.normal(size=3)
    u1, u2, (a, b) = rng.normal(size=2), rng.normal(size=2), rng.normal(size=2)
    _, vjp_fn = ad.vjp(layer, x)
    np.testing.assert_allclose(vjp_fn(a * u1 + b * u2), a * vjp_fn(u1) + b * vjp_fn(u2), rtol=1e-10, atol=1e-12)
    _, jv = ad.jvp(layer, x, v)
    np.testing.assert_allclose(u1 @ jv, vjp_fn(u1) @ v, rtol=1e-10, atol=1e-12)


def test_vjp_fn_can_be_called_many_times():
    A = RNG.normal(size=(3, 3))
    _, vjp_fn = ad.vjp(lambda x: A @ ad.sin(x), np.zeros(3))
    for u in np.eye(3):
        np.testing.assert_allclose(vjp_fn(u), u @ A)


# ----- argnum, nesting, constants ---------------------------------------------------------

def test_argnum_int_tuple_negative_and_keyword_arguments():
    f = lambda x, y, scale=1.0: ad.sum(x * y ** 2) * scale  # noqa: E731
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_array_equal(ad.grad(f, argnum=1)(x, y), 2 * x * y)
    np.testing.assert_array_equal(ad.grad(f, argnum=-1)(x, y, scale=2.0), 4 * x * y)
    gx, gy = ad.grad(f, argnum=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, y ** 2)
    np.testing.assert_array_equal(gy, 2 * x * y)
    jx, jy = ad.jacobian(lambda a, b: a * b, argnum=(0, 1))(x, y)
    np.testing.assert_array_equal(jx, np.diag(y))
    np.testing.assert_array_equal(jy, np.diag(x))


def test_integer_input_is_fine_and_the_gradient_is_float():
    g = ad.grad(lambda x: ad.sum(x ** 2))(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 4.0, 6.0])
    assert ad.grad(lambda x: x * x)(3) == 6.0


def test_nested_grad_does_not_confuse_the_outer_variable():
    # d/dx [ x * (d/dy x*y at y=2) ] = d/dx x^2 = 2x: the inner grad must not count x
    assert ad.grad(lambda x: x * ad.grad(lambda y: x * y)(2.0))(3.0) == 6.0


def test_nested_grad_reading_the_outer_variable_twice():
    # inner: grad_y (x.y)^2 / 2 = (x.y) x, taken at y = x: |x|^2 x. Outer: sum(x * that) = |x|^4,
    # whose gradient is 4 |x|^2 x.
    x = np.array([0.5, -1.0, 2.0])

    def f(x):
        inner = ad.grad(lambda y: ad.sum(x * y) ** 2 / 2)(x)
        return ad.sum(x * inner)

    np.testing.assert_allclose(ad.grad(f)(x), 4 * np.dot(x, x) * x, rtol=1e-14)


def test_a_tensor_you_made_is_a_constant_to_the_transforms():
    W = ad.Tensor(RNG.normal(size=(2, 3)))
    g = ad.grad(lambda x: ad.sum(W @ x))(np.ones(3))
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, W.value.sum(axis=0))


def test_grad_of_a_tensor_returns_a_tensor():
    assert isinstance(ad.grad(lambda y: y * y)(ad.Tensor(3.0)), ad.Tensor)


def test_a_function_that_ignores_its_input_has_zero_gradient():
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(ad.grad(lambda t: 5.0)(x), [0.0, 0.0])
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(ad.Tensor([1.0, 2.0]) ** 2))(x), [0.0, 0.0])
    np.testing.assert_array_equal(ad.grad(lambda a, b: ad.sum(b * 2), argnum=0)(x, x), [0.0, 0.0])
    np.testing.assert_array_equal(ad.jacobian(lambda t: np.ones(3))(x), np.zeros((3, 2)))
    np.testing.assert_array_equal(ad.hessian(lambda t: ad.sum(t * 2))(x), np.zeros((2, 2)))
    value, jv = ad.jvp(lambda t: t * 2 + 1, x, np.ones(2))
    np.testing.assert_array_equal(jv, [2.0, 2.0])
    np.testing.assert_array_equal(ad.jvp(lambda t: np.ones(3), x, np.ones(2))[1], np.zeros(3))


def test_returned_gradients_are_fresh_writable_arrays():
    x = np.array([1.0, 2.0])
    g = ad.grad(lambda t: ad.sum(t))(x)
    g[0] = 99.0
    np.testing.assert_array_equal(ad.grad(lambda t: ad.sum(t))(x), [1.0, 1.0])
    np.testing.assert_array_equal(x, [1.0, 2.0])
    u = np.array([1.0, 1.0])
    _, vjp_fn = ad.vjp(lambda t: t + 0.0, x)
    out = vjp_fn(u)
    out[0] = 5.0
    np.testing.assert_array_equal(u, [1.0, 1.0])


def test_tensors_kept_by_the_function_keep_their_values():
    # grad frees intermediate values it alone holds; one the function stored must survive
    kept = []

    def f(x):
        h = ad.tanh(x) * 2
        kept.append(h)
        return ad.sum(h ** 2)

    x = np.array([0.1, 0.2])
    ad.grad(f)(x)
    np.testing.assert_allclose(kept[0].value, 2 * np.tanh(x))


# ----- errors -----------------------------------------------------------------------------

def test_grad_of_a_vector_output_says_to_use_jacobian():
    with pytest.raises(DomainError, match=r"grad needs a scalar output; got shape \(3,\)\. Try jacobian"):
        ad.grad(lambda x: x * 2)(np.ones(3))
    assert issubclass(DomainError, CalcmlError) and issubclass(DomainError, ValueError)


def test_grad_accepts_an_output_of_size_one():
    np.testing.assert_array_equal(ad.grad(lambda x: x[None, :1] * 3)(np.ones(2)), [3.0, 0.0])


@pytest.mark.parametrize("argnum", ["0", 1.0, True, (), (0, "a"), [0]])
def test_bad_argnum_type(argnum):
    with pytest.raises(DomainError, match="argnum must be an int or a non-empty tuple of ints"):
        ad.grad(lambda x: x, argnum=argnum)


def test_argnum_out_of_range_and_repeated():
    with pytest.raises(DomainError, match=r"argnum=2 but the function was called with 2 positional argument"):
        ad.grad(lambda x, y: x * y, argnum=2)(1.0, 2.0)
    with pytest.raises(DomainError, match="repeats a position"):
        ad.grad(lambda x, y: x * y, argnum=(0, 0))
    with pytest.raises(DomainError, match="hessian: argnum must be one int"):
        ad.hessian(lambda x, y: x * y, argnum=(0, 1))


def test_non_numeric_input_and_output():
    with pytest.raises(DomainError, match="argument 0 must be a real number or an array of them"):
        ad.grad(lambda x: x)("abc")
    with pytest.raises(DomainError, match="must return a number, an array or a Tensor; got str"):
        ad.grad(lambda x: "oops")(1.0)


def test_vjp_and_jvp_check_their_vector_shapes():
    _, vjp_fn = ad.vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(DomainError, match=r"vjp_fn needs a vector shaped like f's output, \(3,\); got \(2,\)"):
        vjp_fn(np.ones(2))
    with pytest.raises(DomainError, match=r"jvp needs a direction v shaped like x, \(3,\); got \(4,\)"):
        ad.jvp(lambda x: x * 2, np.ones(3), np.ones(4))
