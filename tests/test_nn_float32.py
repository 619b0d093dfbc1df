"""calcml.autodiff keeps float32 end to end: values, gradients and every intermediate gradient."""

import numpy as np
import pytest

import calcml.autodiff as ad
from calcml.autodiff.backprop import toposort


def _net(dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(16, 2)).astype(dtype)
    Y = (rng.random((16, 1)) > 0.5).astype(dtype)
    params = [rng.normal(size=(2, 6)).astype(dtype), (0.1 * rng.normal(size=6)).astype(dtype),
              rng.normal(size=(6, 1)).astype(dtype), (0.1 * rng.normal(size=1)).astype(dtype)]

    def loss(W1, b1, W2, b2):
        z = ad.tanh(ad.relu(X @ W1 + b1)) @ W2 + b2
        return ad.mean(ad.relu(z) + ad.log(1.0 + ad.exp(-ad.abs(z))) - Y * z)

    return loss, params


def test_float32_in_float32_out_and_close_to_float64():
    loss32, p32 = _net(np.float32)
    loss64, p64 = _net(np.float64)
    v32, g32 = ad.value_and_grad(loss32, argnum=(0, 1, 2, 3))(*p32)
    v64, g64 = ad.value_and_grad(loss64, argnum=(0, 1, 2, 3))(*p64)
    assert v32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in g32)
    assert float(v32) == pytest.approx(float(v64), rel=1e-6)
    for a, b in zip(g32, g64):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert ad.grad(loss32)(*p32).dtype == np.float32


def test_every_intermediate_gradient_stays_float32():
    loss, p = _net(np.float32)
    ts = [ad.Tensor(a) for a in p]
    out = loss(*ts)
    out.backward()
    order, _ = toposort(out)
    assert {str(n.grad.dtype) for n in order} == {"float32"}
    # a second call (gradients are set, not accumulated) keeps the dtype too
    out.backward()
    assert all(t.grad.dtype == np.float32 for t in ts)


def test_other_transforms_keep_float32():
    x = np.array([0.5, -1.0], dtype=np.float32)
    assert ad.jacobian(lambda v: ad.tanh(v) * v)(x).dtype == np.float32
    value, vjp_fn = ad.vjp(ad.sigmoid, x)
    assert value.dtype == np.float32 and vjp_fn(np.ones(2)).dtype == np.float32
    assert ad.jvp(ad.tanh, x, np.ones(2, dtype=np.float32))[1].dtype == np.float32
    assert ad.hessian(lambda v: ad.sum(v ** 3))(x).dtype == np.float32
    # integers and lists still become float64
    assert ad.grad(lambda v: ad.sum(v * v))(np.array([1, 2])).dtype == np.float64
    assert ad.grad(lambda v: ad.sum(v * v))([1.0, 2.0]).dtype == np.float64


def test_relu_fast_path_matches_the_rule_even_with_infinite_gradients():
    # log(relu(x)) at x < 0 sends an infinite gradient back to an inactive unit: the rule gives 0 there
    x = np.array([-1.0, 0.0, 2.0])
    g = ad.grad(lambda v: ad.sum(ad.relu(v) * 3.0))(x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 3.0])
    with np.errstate(all="ignore"):
        g = ad.grad(lambda v: ad.sum(ad.log(ad.relu(v) + 1.0) + ad.relu(v) ** 0.5))(x)
    assert g[0] == 0.0 and np.isfinite(g[2])
    # a node used twice collects both shares
    t = ad.Tensor(np.array([-1.0, 2.0]))
    out = ad.sum(ad.relu(t) * ad.relu(t))
    out.backward()
    np.testing.assert_array_equal(t.grad, [0.0, 4.0])
