"""NumPy functions applied to calcml.autodiff Tensors: traced exactly, or refused by name.

Truths: mpmath's own numerical derivative of each registry function at 30 digits,
derivatives worked by hand from NumPy values, and the numeric lens (finite
differences) of ``calcml.gradient``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import calcml
import calcml.autodiff as ad
from calcml.autodiff import NumpyFunctionError, Tensor
from calcml.errors import ArgumentError, CalcmlError
from calcml.functions import functions
from calcml.results import Status

# a point inside every entry's domain (arcsin/arccos need |x| < 1, log/sqrt x > 0)
X0 = 0.3
UFUNC_ENTRIES = [e for e in functions.values() if isinstance(getattr(np, e.autodiff, None), np.ufunc)]


def test_the_registry_functions_numpy_has_are_many():
    # exp log sin cos tan tanh arcsin arccos arctan sinh cosh sqrt abs log1p expm1 at least
    names = {e.autodiff for e in UFUNC_ENTRIES}
    assert {"exp", "log", "sin", "cos", "tan", "tanh", "arcsin", "arccos", "arctan", "sinh", "cosh",
            "sqrt", "abs", "log1p", "expm1"} <= names


@pytest.mark.parametrize("entry", UFUNC_ENTRIES, ids=lambda e: e.autodiff)
def test_numpy_ufunc_of_a_tensor_is_the_registry_primitive(entry):
    ufunc = getattr(np, entry.autodiff)
    y = ufunc(Tensor(X0))
    assert isinstance(y, Tensor) and y.op == entry.autodiff
    assert float(y.value) == pytest.approx(float(ufunc(X0)), rel=1e-15)
    g = ad.grad(lambda x: ufunc(x))(X0)
    with mpmath.workdps(30):
        truth = float(mpmath.diff(entry.mpmath, mpmath.mpf(X0)))
    assert float(g) == pytest.approx(truth, rel=1e-13)


def test_brief_example_gradient_of_np_sum_np_tanh_agrees_with_the_numeric_lens():
    at = np.array([0.5, 1.0])
    r = calcml.gradient(lambda v: np.sum(np.tanh(v)), at=at)
    auto, num = r.lenses["automatic"], r.lenses["numeric"]
    assert auto.status is Status.SUCCESS and num.status is Status.SUCCESS and r.agree is True
    np.testing.assert_allclose(auto.value, 1 - np.tanh(at) ** 2, rtol=1e-15)
    np.testing.assert_allclose(num.value, 1 - np.tanh(at) ** 2, rtol=1e-9)


def test_matmul_and_mixed_ndarray_operands():
    W = np.array([[1.0, 2.0], [3.0, -4.0]])
    b = np.array([0.5, -0.25])
    v = np.array([0.3, -0.2])

    def f(x):
        return np.sum(np.exp(W @ x + b)) + np.float64(2.0) * np.sum(x * x) + np.mean(np.maximum(x, 0.0))

    g = ad.grad(f)(v)
    z = W @ v + b
    truth = W.T @ np.exp(z) + 4 * v + (v > 0) / 2
    np.testing.assert_allclose(g, truth, rtol=1e-14)
    assert float(ad.value_and_grad(f)(v)[0]) == pytest.approx(f(v), rel=1e-15)  # the same f on plain arrays


def test_np_dot_of_tensors_is_the_dot_product_not_elementwise():
    v = np.array([1.0, 2.0, 3.0])
    val, g = ad.value_and_grad(lambda x: np.dot(x, x))(v)
    assert np.shape(val) == () and float(val) == 14.0
    np.testing.assert_array_equal(g, 2 * v)


def test_where_reshape_transpose_stack_through_numpy():
    v = np.array([-1.0, 2.0, 3.0, -4.0])

    def f(x):
        m = np.reshape(x, (2, 2))
        y = np.where(np.transpose(m) > 0, np.transpose(m) ** 2, -np.transpose(m))
        return np.sum(np.stack([y, y], axis=0))

    truth = 2 * np.where(v > 0, 2 * v, -1.0)
    np.testing.assert_array_equal(ad.grad(f)(v), truth)


@pytest.mark.parametrize("call,words", [
    (lambda x: np.sum(np.log10(x)), "np.log10 is not differentiable by calcml.autodiff: write calcml.autodiff.log(x) / np.log(10)"),
    (lambda x: np.max(x), "np.max is not differentiable by calcml.autodiff: use calcml.autodiff.logsumexp"),
    (lambda x: np.sum(np.sign(x) * x), "np.sign is not differentiable by calcml.autodiff: it is piecewise constant"),
    (lambda x: np.add.reduce(x), "np.add.reduce is not differentiable by calcml.autodiff: use calcml.autodiff.sum"),
    (lambda x: np.sum(np.exp(x, out=np.empty(2))), "np.exp(..., out=...) is not supported"),
    (lambda x: np.sum(np.square(x)), "np.square is not differentiable by calcml.autodiff: write x ** 2"),
    (lambda x: np.linalg.norm(x), "np.norm is not differentiable by calcml.autodiff: write calcml.autodiff.sqrt"),
    (lambda x: float(np.sum(x)), "float(t)"),
    (lambda x: x[np.argmax(x)], "np.argmax is not differentiable by calcml.autodiff: it gives positions, "
                                "not numbers: call it on t.value"),
    (lambda x: np.sum(np.where(x)), "np.where with one argument is not differentiable"),
    (lambda x: np.sum(np.cumprod(x)), "np.cumprod is not differentiable by calcml.autodiff: write f with "
                                      "calcml.autodiff's functions (abs, arccos,"),
    (lambda x: np.multiply.outer(x, x), "np.multiply.outer is not differentiable"),
    (lambda x: np.sum(np.sum(x, dtype=np.float32)), "np.sum(..., dtype=...) is not supported"),
    (lambda x: math.sin(x[0]), "math.sin"),
])
def test_numpy_functions_without_a_primitive_are_refused_by_name(call, words):
    with pytest.raises(NumpyFunctionError) as info:
        ad.grad(call)(np.array([0.5, 2.0]))
    assert words in str(info.value)
    err = info.value
    assert isinstance(err, CalcmlError) and isinstance(err, ArgumentError) and isinstance(err, TypeError)


def test_gradient_lens_reports_the_replacement_not_a_raw_type_error():
    r = calcml.gradient(lambda v: np.sum(np.log10(v)), at=[0.5, 2.0])
    auto = r.lenses["automatic"]
    assert auto.status is Status.ERROR and auto.value is None
    assert "np.log10" in auto.message and "calcml.autodiff.log" in auto.message
    assert "does not support ufuncs" not in auto.message
    np.testing.assert_allclose(r.value, 1 / (np.array([0.5, 2.0]) * np.log(10)), rtol=1e-9)


def test_predicates_give_plain_booleans():
    t = Tensor([1.0, np.nan, -2.0])
    np.testing.assert_array_equal(np.isnan(t), [False, True, False])
    np.testing.assert_array_equal(np.greater(t, 0.0), [True, False, False])
    assert np.shape(t) == (3,) and np.ndim(t) == 1 and np.size(t) == 3


def test_float_of_a_constant_tensor_is_still_allowed():
    # only a Tensor that depends on the inputs being differentiated is refused
    assert float(Tensor(2.5)) == 2.5
    g = ad.grad(lambda x: x * float(Tensor(3.0)))(1.0)
    assert float(g) == 3.0


# ----- float32 stays float32 through maximum / minimum / where (brief item 3) ---------

@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_with_a_python_float_keep_float32(op):
    x = np.array([1.5, -2.0, 0.0, 3.0], dtype=np.float32)
    y = getattr(ad, op)(Tensor(x), 0.0)
    assert y.value.dtype == np.float32 and y.args[1].dtype == np.float32
    y = getattr(ad, op)(0.0, Tensor(x))
    assert y.value.dtype == np.float32 and y.args[0].dtype == np.float32
    f = lambda t: ad.sum(getattr(ad, op)(t, 0.0) ** 2)  # noqa: E731
    g = ad.grad(f)(x)
    assert g.dtype == np.float32
    truth = 2 * getattr(np, op)(x.astype(np.float64), 0.0) * np.where(x == 0, 0.5, (x > 0) == (op == "maximum"))
    np.testing.assert_allclose(g, truth, rtol=1e-7)
    H = ad.hessian(f)(x)
    assert H.dtype == np.float32
    np.testing.assert_allclose(np.diag(H), 2 * np.where(x == 0, 0.25, (x > 0) == (op == "maximum")), rtol=1e-7)


def test_maximum_of_two_float32_tensors_builds_float32_weights():
    from calcml.autodiff.rules import _split_weights

    w = _split_weights(np.array([True, False]), np.array([False, True]), np.ones(2, dtype=np.float32))
    assert w.dtype == np.float32 and w.tolist() == [1.0, 0.5]
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    b = np.array([3.0, 2.0, 1.0], dtype=np.float32)
    ga, gb = ad.grad(lambda p, q: ad.sum(ad.maximum(p, q)), argnum=(0, 1))(a, b)
    assert ga.dtype == gb.dtype == np.float32
    np.testing.assert_array_equal(ga, [0, 0.5, 1])
    np.testing.assert_array_equal(gb, [1, 0.5, 0])


def test_where_with_python_constant_keeps_float32():
    x = np.array([-1.0, 4.0], dtype=np.float32)
    y = ad.where(x > 0, Tensor(x), 0.0)
    assert y.value.dtype == np.float32 and y.args[1].dtype == np.float32
    with np.errstate(invalid="ignore"):  # sqrt(-1) in the branch not taken
        g = ad.grad(lambda t: ad.sum(ad.where(t > 0, ad.sqrt(t), 0.0)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [0.0, 0.25], rtol=1e-7)


def test_a_strong_numpy_scalar_still_promotes_like_numpy():
    x = np.array([1.0, -1.0], dtype=np.float32)
    y = ad.maximum(Tensor(x), np.float64(0.0))
    assert y.value.dtype == np.maximum(x, np.float64(0.0)).dtype


# ----- the lenses and the optimizer with functions written in NumPy ----------------------

def test_jacobian_and_hessian_of_numpy_callables_agree_with_the_hand_derivation():
    at = np.array([0.5, 1.0])
    W = np.array([[1.0, 2.0], [3.0, -1.0]])
    J = calcml.jacobian(lambda v: np.tanh(W @ v), at=at)
    t = np.tanh(W @ at)
    assert J.lenses["automatic"].ok and J.agree is True
    np.testing.assert_allclose(J.lenses["automatic"].value, (1 - t**2)[:, None] * W, rtol=1e-14)
    H = calcml.hessian(lambda v: np.sum(np.tanh(v)) + v[0] * v[1], at=at)
    assert H.lenses["automatic"].ok and H.agree is True
    th = np.tanh(at)
    np.testing.assert_allclose(H.lenses["automatic"].value,
                               np.diag(-2 * th * (1 - th**2)) + np.array([[0, 1], [1, 0]]), rtol=1e-14)


def test_minimize_a_numpy_written_function():
    from scipy.optimize import brentq

    r = calcml.minimize(lambda v: np.sum((v - 1.0) ** 2) + np.sum(np.exp(-v)), [0.0, 0.0])
    root = brentq(lambda s: 2 * (s - 1) - np.exp(-s), 0.0, 3.0, xtol=1e-15)  # f'(s) = 0, per coordinate
    assert r.success
    np.testing.assert_allclose(r.x, [root, root], rtol=1e-6)
