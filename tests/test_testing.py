"""calcml.testing: the tolerances, agree/max_discrepancy and check_grad."""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from calcml.errors import DomainError
from calcml.testing import ATOL, RTOL, GradCheck, agree, check_grad, max_discrepancy

RNG = np.random.default_rng(7)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- the tolerances and agree ------------------------------------------------------------------------

def test_tolerances_are_tight_but_not_zero():
    assert 0 < RTOL <= 1e-6 and 0 < ATOL <= 1e-8


def test_agree_is_relative_with_an_absolute_floor():
    b = np.array([3.0, -250.0, 1e6])
    assert agree(b * (1 + 0.5 * RTOL), b)
    assert not agree(b * (1 + 3 * RTOL), b)
    # near zero the absolute tolerance decides
    assert agree(0.5 * ATOL, 0.0)
    assert not agree(3 * ATOL, 0.0)
    # explicit tolerances override the defaults
    assert agree(1.01, 1.0, rtol=0.02) and not agree(1.01, 1.0, rtol=0.001)


def test_agree_edge_cases():
    assert not agree(np.nan, np.nan)
    assert not agree([1.0, np.nan], [1.0, 2.0])
    assert not agree([1.0, 2.0], [1.0, 2.0, 3.0])        # shapes that do not broadcast
    assert agree([[2.0, 2.0]], 2.0)                        # shapes that do
    assert not agree([4.0, 27.0], [4.0, 18.0])             # the course's 2y for d(y^3)/dy at y = 3


def test_max_discrepancy_by_hand():
    a = np.array([1.0, 10.5, 0.25])
    b = np.array([1.0, 10.0, 0.0])
    # |a - b| / max(|b|, 1) = (0, 0.5/10, 0.25/1)
    assert max_discrepancy(a, b) == pytest.approx(0.25)
    assert max_discrepancy([2.0, 3.0], [2.0, 3.0]) == 0.0
    assert max_discrepancy([], []) == 0.0


# --- check_grad on gradients -------------------------------------------------------------------------

def test_right_gradient_passes_at_random_points():
    def f(z):
        return np.sum(sig(z))

    for _ in range(3):
        z = RNG.normal(size=4)
        res = check_grad(f, lambda z: sig(z) * (1 - sig(z)), z)
        assert isinstance(res, GradCheck)
        assert res.ok and bool(res)
        assert res.max_error < 1e-12
        assert "all 4 entries agree" in res.message
        np.testing.assert_allclose(res.numeric, sig(z) * (1 - sig(z)), rtol=1e-14)


def test_lesson5_wrong_sigmoid_derivative_is_caught():
    # The original lesson 5 wrote sigma' = 2 sigma (1 - sigma): off by a factor 2 everywhere.
    z = np.array([1.7, -0.2, 0.9])

    def f(z):
        return np.sum(sig(z))

    res = check_grad(f, lambda z: 2 * sig(z) * (1 - sig(z)), z)
    assert not res.ok and not bool(res)
    # the scaled difference is sigma'(z) itself (|2s' - s'| / max(s', 1)); largest where |z| is smallest
    expected = int(np.argmax(sig(z) * (1 - sig(z))))
    assert res.worst_index == (expected,) == (1,)
    assert res.max_error == pytest.approx(sig(z[1]) * (1 - sig(z[1])), rel=1e-10)
    assert f"entry {res.worst_index}" in res.message
    assert "3 of 3 entries disagree" in res.message


def test_one_wrong_entry_is_named():
    def f(v):
        return v[0] ** 2 * v[1] + np.exp(v[2])

    def almost(v):  # d/dv1 should be v0^2; write v0 instead
        return np.array([2 * v[0] * v[1], v[0], np.exp(v[2])])

    res = check_grad(f, almost, [1.5, -0.5, 0.2])
    assert not res.ok and res.worst_index == (1,)
    assert "entry (1,)" in res.message and "1 of 3 entries disagree" in res.message


def test_autograd_gradient_passes():
    def f(v):
        return anp.sum(anp.sin(v) * anp.cos(v[::-1])) + anp.log1p(v[0] ** 2)

    v = RNG.normal(size=5)
    assert check_grad(f, autograd.grad(f), v).ok


def test_tolerance_arguments():
    def f(v):
        return v[0] ** 3

    nearly = lambda v: np.array([3 * v[0] ** 2 * (1 + 1e-5)])  # noqa: E731
    assert not check_grad(f, nearly, [1.2]).ok
    assert check_grad(f, nearly, [1.2], rtol=1e-4).ok


# --- check_grad on Jacobians -------------------------------------------------------------------------

def _layer(W):
    return lambda x: np.tanh(W @ x)


def test_right_jacobian_passes_and_wrong_one_fails():
    W = RNG.normal(size=(3, 2))
    x = RNG.normal(size=2)
    f = _layer(W)
    right = lambda x: (1 - np.tanh(W @ x) ** 2)[:, None] * W   # noqa: E731
    res = check_grad(f, right, x)
    assert res.ok and res.numeric.shape == (3, 2)

    def wrong(x):  # row 2 forgets the chain-rule factor
        J = right(x)
        J[2] = W[2]
        return J

    bad = check_grad(f, wrong, x)
    assert not bad.ok
    assert bad.worst_index[0] == 2 and len(bad.worst_index) == 2
    assert f"entry {bad.worst_index}" in bad.message


def test_transposed_jacobian_is_a_shape_error():
    W = RNG.normal(size=(3, 2))
    f = _layer(W)
    with pytest.raises(DomainError, match=r"shape \(2, 3\).*Jacobian.*shape \(3, 2\)"):
        check_grad(f, lambda x: ((1 - np.tanh(W @ x) ** 2)[:, None] * W).T, np.ones(2))


def test_gradient_shape_mismatch_message():
    with pytest.raises(DomainError, match=r"grad_f returned shape \(3,\).*gradient.*shape \(2,\)"):
        check_grad(lambda v: v[0] * v[1], lambda v: np.zeros(3), [1.0, 2.0])


# --- check_grad where there is nothing to check -------------------------------------------------------

@pytest.mark.parametrize("f, x, word", [
    (lambda v: np.maximum(v[0], 0.0) + v[1] ** 2, [0.0, 1.0], "not_differentiable"),  # a ReLU kink
    (lambda v: np.abs(v[0]) * 3.0 + v[1], [0.0, 1.0], "not_differentiable"),          # a symmetric kink
    (lambda v: np.log(v[0]) + v[1], [-2.0, 1.0], "out_of_domain"),
])
def test_non_smooth_point_is_an_error_not_a_verdict(f, x, word):
    with pytest.raises(DomainError, match="choose a point where f is smooth") as info:
        check_grad(f, lambda v: np.zeros(2), x)
    assert word in str(info.value)
