"""calcml.testing: the tolerances, agree/max_discrepancy and check_grad."""

import re

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
        assert res.max_error < 1e-10
        assert "all 4 entries agree" in res.message
        np.testing.assert_allclose(res.numeric, sig(z) * (1 - sig(z)), rtol=1e-10)


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
    assert res.max_error == pytest.approx(sig(z[1]) * (1 - sig(z[1])), rel=1e-8)
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


# --- check_grad where there is nothing to check, and at kinks ---------------------------------------

def test_out_of_domain_point_is_an_error_not_a_verdict():
    with pytest.raises(DomainError, match="choose a point where f is smooth") as info:
        check_grad(lambda v: np.log(v[0]) + v[1], lambda v: np.zeros(2), [-2.0, 1.0])
    assert "out_of_domain" in str(info.value)


@pytest.mark.parametrize("f, left, right", [
    (lambda v: np.maximum(v[0], 0.0) + v[1] ** 2, 0.0, 1.0),   # a ReLU kink: slopes 0 and 1
    (lambda v: np.abs(v[0]) * 3.0 + v[1] ** 2, -3.0, 3.0),      # a symmetric kink: slopes -3 and 3
])
def test_at_a_kink_a_value_between_the_one_sided_derivatives_passes(f, left, right):
    # x sits on the kink: any value between the one-sided derivatives is a subgradient
    for inside in (left, right, 0.5 * (left + right), left + 0.1 * (right - left)):
        res = check_grad(f, lambda v, a=inside: np.array([a, 2 * v[1]]), [0.0, 1.0])
        assert res.ok, res.message
        assert res.groups["x"].kinks == 1 and "kink" in res.message
    for outside in (left - 0.01 * (right - left), right + 0.5):
        res = check_grad(f, lambda v, a=outside: np.array([a, 2 * v[1]]), [0.0, 1.0])
        assert not res.ok and res.worst_index == (0,)
        assert res.groups["x"].verdict == "wrong"


def test_kink_near_but_not_at_x_is_judged_by_the_true_derivative():
    # relu(v - 1e-5): at v = 0 the true derivative is 0; a step of 1e-2 crosses the kink
    f = lambda v: np.sum(np.maximum(v - 1e-5, 0.0)) + v[1] ** 3  # noqa: E731
    right = lambda v: np.array([0.0, 1.0 + 3 * v[1] ** 2])  # noqa: E731
    for step in (1e-2, 1e-4, 1e-6):
        assert check_grad(f, right, [0.0, 2.0], step=step).ok
    # 0.5 lies between the one-sided slopes of the wide stencil, but x is not on the kink
    assert not check_grad(f, lambda v: np.array([0.5, 13.0]), [0.0, 2.0], step=1e-2).ok


# --- issue 8: tolerances relative to the gradient's scale; float32 -----------------------------------

def test_tiny_gradient_that_is_half_the_truth_is_caught():
    res = check_grad(lambda v: 1e-10 * np.sum(v ** 2), lambda v: 1e-10 * v, [1.0, 2.0])
    assert not res.ok
    assert res.groups["x"].verdict == "constant factor"
    assert res.groups["x"].ratio == pytest.approx(0.5, rel=1e-6)
    assert check_grad(lambda v: 1e-10 * np.sum(v ** 2), lambda v: 2e-10 * v, [1.0, 2.0]).ok
    # and large scales too
    assert check_grad(lambda v: 1e10 * np.sum(v ** 2), lambda v: 2e10 * v, [1.0, 2.0]).ok
    assert not check_grad(lambda v: 1e10 * np.sum(v ** 2), lambda v: 2e10 * v * (1 + 1e-5), [1.0, 2.0]).ok


def test_float32_function_names_precision_and_suggests_float64():
    x = np.array([0.3, -1.2], dtype=np.float32)

    def f(z):
        return np.sum(sig(z))  # float32 in, float32 out

    res = check_grad(f, lambda z: sig(z) * (1 - sig(z)), x)
    assert res.ok
    note = res.findings[-1]
    assert "float32" in note and "float64" in note and "eps 1.2e-07" in note
    bad = check_grad(f, lambda z: 2 * sig(z) * (1 - sig(z)), x)
    assert not bad.ok and bad.groups["x"].ratio == pytest.approx(2.0, rel=1e-3)


def test_float32_too_coarse_is_not_ok_and_says_why():
    # a gradient far below float32's resolution of f: nothing can be checked
    x = np.array([1000.0, 2000.0], dtype=np.float32)

    def f(v):
        return np.float32(1e6) + np.sum(v * np.float32(1e-6))

    res = check_grad(f, lambda v: np.full(2, 1e-6), x)
    assert not res.ok
    assert "too coarse" in res.message and "float64" in res.message


# --- named parameter groups ---------------------------------------------------------------------------

def _linear_problem(n=6, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.normal(size=n)

    def loss(p):  # a SUM of squared errors over the batch
        r = X @ p["w"] + p["b"][0] - t
        return np.sum(r ** 2)

    def grads(p):
        r = X @ p["w"] + p["b"][0] - t
        return {"w": 2 * X.T @ r, "b": np.array([2 * np.sum(r)])}

    p = {"w": rng.normal(size=3), "b": rng.normal(size=1)}
    return loss, grads, p, X, t


def test_named_groups_right_gradient():
    loss, grads, p, X, t = _linear_problem()
    res = check_grad(loss, grads, p)
    assert res.ok and set(res.groups) == {"w", "b"}
    for g in res.groups.values():
        assert g.verdict == "ok" and g.ratio == pytest.approx(1.0, rel=1e-8)
    # the numeric estimate against the closed form
    r = X @ p["w"] + p["b"][0] - t
    np.testing.assert_allclose(res.numeric["w"], 2 * X.T @ r, rtol=1e-9)
    assert len(res.findings) == 2


@pytest.mark.parametrize("factor, cause", [
    (2.0, "a factor 2"),
    (-1.0, "a sign"),
    (1 / 6, "1/N with N = 6"),
    (6.0, "N = 6: a sum over the batch where the loss is a mean"),
    (2 / 6, "a factor 2; 1/N with N = 6"),
])
def test_named_groups_constant_factor_and_its_cause(factor, cause):
    loss, grads, p, X, t = _linear_problem()

    def scaled(q):
        d = grads(q)
        return {"w": d["w"], "b": factor * d["b"]}

    res = check_grad(loss, scaled, p, batch_size=6)
    assert not res.ok
    assert res.groups["w"].verdict == "ok"
    b = res.groups["b"]
    assert b.verdict == "constant factor" and b.ratio == pytest.approx(factor, rel=1e-7)
    assert cause in b.finding and b.finding.startswith("b: ")
    assert res.findings == (res.groups["w"].finding, b.finding)


def test_named_groups_one_wrong_entry_is_wrong_not_a_factor():
    loss, grads, p, X, t = _linear_problem()

    def off(q):
        d = grads(q)
        d["w"] = d["w"].copy()
        d["w"][1] *= 1.01
        return d

    res = check_grad(loss, off, p)
    assert not res.ok and res.worst_index == ("w", 1)
    assert res.groups["w"].verdict == "wrong" and "entry (1,)" in res.groups["w"].finding
    assert res.groups["b"].verdict == "ok"


def test_named_groups_bad_returns():
    loss, grads, p, X, t = _linear_problem()
    with pytest.raises(DomainError, match="names of x"):
        check_grad(loss, lambda q: {"w": grads(q)["w"]}, p)
    with pytest.raises(DomainError, match=r"shape \(1, 3\) for 'w'"):
        check_grad(loss, lambda q: {"w": grads(q)["w"][None, :], "b": grads(q)["b"]}, p)
    with pytest.raises(DomainError, match="empty dict"):
        check_grad(loss, grads, {})
    with pytest.raises(DomainError, match="step must be a positive number"):
        check_grad(loss, grads, p, step=-1.0)


# --- Jacobians: float32 and kinks go row by row ---------------------------------------------------------

def test_float32_jacobian_is_checked_not_refused():
    x = np.array([0.3, -0.5], dtype=np.float32)

    def f(v):
        return np.tanh(np.asarray(v, dtype=np.float32) * np.float32(2))

    def jac(v):
        return np.diag(2 * (1 - np.tanh(2 * np.asarray(v, dtype=np.float64)) ** 2))

    res = check_grad(f, jac, x)
    assert res.ok and "float32" in res.message and "float64" in res.message
    assert res.numeric.shape == (2, 2)
    bad = check_grad(f, lambda v: 2 * jac(v), x)
    assert not bad.ok and bad.worst_index == (0, 0)
    assert bad.groups["row 0"].verdict == "constant factor"
    assert bad.groups["row 0"].ratio == pytest.approx(2.0, rel=1e-3)


def test_jacobian_at_a_kink_uses_one_sided_derivatives():
    def f(v):
        return np.array([np.maximum(v[0], 0.0) + v[1], v[1] ** 2])

    assert check_grad(f, lambda v: np.array([[0.5, 1.0], [0.0, 2 * v[1]]]), [0.0, 1.0]).ok
    res = check_grad(f, lambda v: np.array([[1.5, 1.0], [0.0, 2 * v[1]]]), [0.0, 1.0])
    assert not res.ok and res.worst_index == (0, 0) and "1 of 2 rows disagree" in res.message


@pytest.mark.parametrize("x, says", [
    ({"a": np.zeros((0, 3))}, "has no entries"),
    ([[1.0], [2.0, 3.0]], "regular (rectangular) array"),
    ({}, "empty dict"),
    ([], "has no entries"),
])
def test_check_grad_refuses_points_it_cannot_check(x, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        check_grad(lambda p: 0.0, lambda p: p, x)
