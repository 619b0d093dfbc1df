"""Numeric gradients, Jacobians and Hessians (calcml.finite_diff_nd) against independent truths.

The truths are hand-derived formulas, mpmath's high-precision differentiation
and autograd, never calcml's own output.
"""

import math

import autograd
import autograd.numpy as anp
import mpmath as mp
import numpy as np
import pytest

from calcml.errors import DomainError
from calcml.finite_diff_nd import NumericArray, numeric_gradient, numeric_hessian, numeric_jacobian
from calcml.results import Status

RNG = np.random.default_rng(20240611)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen_grad(x):
    # d/dx_j of 100 (x_{j+1} - x_j^2)^2 + (1 - x_j)^2, plus the term where x_j is the "next" one
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosen_hess(x):
    n = x.size
    H = np.zeros((n, n))
    for j in range(n - 1):
        H[j, j] += 1200.0 * x[j] ** 2 - 400.0 * x[j + 1] + 2.0
        H[j + 1, j + 1] += 200.0
        H[j, j + 1] += -400.0 * x[j]
        H[j + 1, j] += -400.0 * x[j]
    return H


def rel_err(a, b):
    return float(np.max(np.abs(np.asarray(a) - b) / np.maximum(np.abs(b), 1.0)))


# --- the complex-step route on smooth functions ----------------------------------------------------

@pytest.mark.parametrize("n", [2, 5, 40])
def test_rosenbrock_gradient_to_rounding(n):
    x = RNG.uniform(-2, 2, n)
    g = numeric_gradient(rosen, x)
    assert isinstance(g, NumericArray)
    assert g.ok and g.method == "complex"
    assert g.value.shape == (n,) and g.error.shape == (n,)
    assert rel_err(g.value, rosen_grad(x)) < 1e-14
    # the error estimate is an estimate of rounding; the truth lies within a small multiple of it
    assert np.all(np.abs(g.value - rosen_grad(x)) <= 10 * g.error + 1e-12)
    # one evaluation at x, one complex one per coordinate, and the random-direction cross-check
    assert n + 1 <= g.evaluations <= n + 1 + 4


def test_gradient_matches_mpmath():
    # f(x, y, z) = exp(x) sin(y) / (1 + z^2) + x y z, differentiated by mpmath at 30 digits
    def f(v):
        return np.exp(v[0]) * np.sin(v[1]) / (1 + v[2] ** 2) + v[0] * v[1] * v[2]

    def f_mp(x, y, z):
        return mp.exp(x) * mp.sin(y) / (1 + z ** 2) + x * y * z

    with mp.workdps(30):
        for _ in range(3):
            p = RNG.uniform(-1.5, 1.5, 3)
            truth = np.array([float(mp.diff(f_mp, tuple(p), tuple(int(i == k) for i in range(3))))
                              for k in range(3)])
            g = numeric_gradient(f, p)
            assert g.ok and g.method == "complex"
            assert rel_err(g.value, truth) < 1e-14


def test_gradient_matches_autograd():
    def f(v):
        return anp.sum(anp.tanh(v) ** 2) + anp.log(1 + v[0] ** 2) * v[-1]

    for _ in range(3):
        p = RNG.normal(size=6)
        g = numeric_gradient(f, p)
        assert g.ok
        assert rel_err(g.value, autograd.grad(f)(p)) < 1e-13


def test_scalar_point_and_list_point():
    g = numeric_gradient(lambda v: v[0] ** 3, 2.0)
    assert g.value.shape == (1,) and abs(g.value[0] - 12.0) < 1e-13
    g = numeric_gradient(lambda v: v[0] * v[1], [3, 4])          # integers become floats
    np.testing.assert_allclose(g.value, [4.0, 3.0], rtol=1e-15)


def test_zero_function_value_with_zero_derivative():
    # x^2 y at (0, 1): f = 0 and the gradient is (2xy, x^2) = (0, 0); a smooth polynomial must succeed
    g = numeric_gradient(lambda v: v[0] ** 2 * v[1], [0.0, 1.0])
    assert g.ok
    np.testing.assert_allclose(g.value, [0.0, 0.0], atol=1e-15)


# --- functions the complex step must not be trusted on ----------------------------------------------

def test_partly_analytic_function_is_not_silently_wrong():
    # v0^2 + |v1|: analytic in v0, but abs() drops the imaginary part in v1, so the complex step
    # alone would say d/dv1 = 0. The truth at v1 = -2 is (2 v0, sign(v1)) = (2, -1).
    for p in ([1.0, -2.0], [-0.7, 3.5]):
        g = numeric_gradient(lambda v: v[0] ** 2 + abs(v[1]), p)
        assert g.ok
        assert g.method != "complex"
        np.testing.assert_allclose(g.value, [2 * p[0], np.sign(p[1])], rtol=1e-9)


def test_partly_analytic_jacobian_is_not_silently_wrong():
    def f(v):
        return np.array([v[0] * v[1], np.abs(v[0]) + v[1]])

    p = np.array([-1.5, 0.5])
    J = numeric_jacobian(f, p)
    assert J.ok and J.method != "complex"
    np.testing.assert_allclose(J.value, [[p[1], p[0]], [np.sign(p[0]), 1.0]], rtol=1e-9)


@pytest.mark.parametrize("f, truth", [
    # logaddexp refuses complex input; the truth is the softmax
    (lambda v: np.logaddexp(v[0], v[1]),
     lambda p: np.exp(p) / np.sum(np.exp(p))),
    # np.abs(.)**2 equals the square for reals but is not analytic
    (lambda v: np.abs(v[0] - 1.0) ** 2 + v[1] ** 3,
     lambda p: np.array([2 * (p[0] - 1.0), 3 * p[1] ** 2])),
])
def test_non_complex_capable_falls_back_to_richardson(f, truth):
    p = RNG.uniform(-1, 1, 2)
    g = numeric_gradient(f, p)
    assert g.ok and g.method == "richardson"
    assert len(g.estimates) == 2 and all(e.ok for e in g.estimates)
    assert rel_err(g.value, truth(p)) < 1e-8


def test_forcing_the_complex_step_on_a_real_only_function_is_an_error():
    g = numeric_gradient(lambda v: np.logaddexp(v[0], v[1]), [0.2, 0.1], method="complex")
    assert g.status is Status.ERROR
    assert np.all(np.isnan(g.value))
    assert "complex" in g.message


@pytest.mark.parametrize("method", ["richardson", "central"])
def test_explicit_real_methods(method):
    p = RNG.uniform(-1, 1, 4)
    g = numeric_gradient(rosen, p, method=method)
    assert g.method == method
    assert rel_err(g.value, rosen_grad(p)) < (1e-8 if method == "richardson" else 1e-5)


def test_symmetric_kink_is_reported_not_guessed():
    # |v0| at v0 = 0 has no derivative; a symmetric difference and the complex step both say 0
    g = numeric_gradient(lambda v: np.abs(v[0]) + v[1] ** 2, [0.0, 1.0])
    assert g.status is Status.NOT_DIFFERENTIABLE
    assert "coordinate 0" in g.message
    assert g.value[1] == pytest.approx(2.0, rel=1e-9)


def test_one_sided_kink_is_reported():
    g = numeric_gradient(lambda v: np.maximum(v[0], 0.0) * v[1], [0.0, 2.0])
    assert not g.ok
    assert g.status is Status.NOT_DIFFERENTIABLE


# --- failures at the point -------------------------------------------------------------------------

@pytest.mark.parametrize("f, p, status", [
    (lambda v: np.log(v[0]) + v[1], [-1.0, 1.0], Status.OUT_OF_DOMAIN),   # NaN
    (lambda v: np.sqrt(v[0]) * v[1], [-4.0, 1.0], Status.OUT_OF_DOMAIN),
    (lambda v: 1.0 / v[0] + v[1], [0.0, 1.0], Status.INFINITE),         # inf
])
def test_nan_or_inf_at_the_point(f, p, status):
    g = numeric_gradient(f, p)
    assert g.status is status and not g.ok
    assert np.all(np.isnan(g.value))
    assert "not finite" in g.message


def test_function_raising_at_the_point():
    def f(v):
        raise ValueError("boom")

    g = numeric_gradient(f, [1.0])
    assert g.status is Status.ERROR
    assert "ValueError" in g.message and "boom" in g.message


@pytest.mark.parametrize("x, words", [
    ([1.0, np.nan], "finite"),
    ([[1.0, 2.0]], "1-D"),
    ("abc", "numbers"),
])
def test_bad_points(x, words):
    with pytest.raises(DomainError, match=words):
        numeric_gradient(lambda v: v[0], x)


def test_gradient_of_a_vector_function_points_to_jacobian():
    with pytest.raises(DomainError, match="jacobian"):
        numeric_gradient(lambda v: v * 2.0, [1.0, 2.0])


def test_function_written_with_calcml_autodiff_ops():
    import calcml.autodiff as ad

    p = np.array([0.4, -1.1])
    g = numeric_gradient(lambda v: ad.sin(v[0]) * v[1], p)
    assert g.ok
    np.testing.assert_allclose(g.value, [np.cos(p[0]) * p[1], np.sin(p[0])], rtol=1e-14)
    J = numeric_jacobian(lambda v: ad.stack([v[0] * v[1], ad.exp(v[1])]), p)
    assert J.ok
    np.testing.assert_allclose(J.value, [[p[1], p[0]], [0.0, np.exp(p[1])]], rtol=1e-14, atol=1e-15)


# --- Jacobians ------------------------------------------------------------------------------------

@pytest.mark.parametrize("m, n", [(1, 1), (1, 3), (3, 2), (4, 6)])
def test_jacobian_shapes_and_values(m, n):
    A = RNG.normal(size=(m, n))

    def f(v):
        return np.tanh(A @ v) + v[0] ** 2

    p = RNG.normal(size=n)
    J = numeric_jacobian(f, p)
    # J = diag(1 - tanh(Ap)^2) A, plus 2 p0 in column 0
    truth = (1 - np.tanh(A @ p) ** 2)[:, None] * A
    truth[:, 0] += 2 * p[0]
    assert J.ok and J.value.shape == (m, n) and J.error.shape == (m, n)
    assert rel_err(J.value, truth) < 1e-14


def test_jacobian_of_a_scalar_function_is_one_row():
    p = np.array([1.0, 2.0, 3.0])
    J = numeric_jacobian(lambda v: np.prod(v), p)
    assert J.value.shape == (1, 3)
    np.testing.assert_allclose(J.value[0], [6.0, 3.0, 2.0], rtol=1e-15)


def test_jacobian_fallback_matches_autograd():
    def f(v):  # np.maximum with a constant far from the kink is fine, logaddexp is real-only
        return anp.array([anp.logaddexp(v[0], v[1]), v[0] * v[2] ** 2])

    p = RNG.normal(size=3)
    J = numeric_jacobian(f, p)
    assert J.ok and J.method == "richardson" and J.value.shape == (2, 3)
    assert len(J.estimates) == 6
    assert rel_err(J.value, autograd.jacobian(f)(p)) < 1e-8


# --- Hessians -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 6])
def test_hessian_of_rosenbrock(n):
    p = RNG.uniform(-1.5, 1.5, n)
    H = numeric_hessian(rosen, p)
    assert H.ok and H.value.shape == (n, n)
    assert H.method.startswith("complex")
    np.testing.assert_array_equal(H.value, H.value.T)
    assert rel_err(H.value, rosen_hess(p)) < 1e-6


def test_hessian_matches_autograd_and_error_estimate_is_honest():
    def f(v):
        return anp.exp(v[0] * v[1]) + anp.sin(v[2]) * v[0] ** 3

    p = RNG.uniform(-1, 1, 3)
    truth = autograd.hessian(f)(p)
    H = numeric_hessian(f, p)
    assert H.ok
    assert rel_err(H.value, truth) < 1e-6
    assert np.all(np.abs(H.value - truth) <= 100 * H.error + 1e-9)


def test_hessian_of_a_real_only_function():
    def f(v):
        return np.logaddexp(v[0], v[1])

    p = np.array([0.3, -0.4])
    s = np.exp(p) / np.sum(np.exp(p))
    truth = np.diag(s) - np.outer(s, s)    # the softmax Jacobian
    H = numeric_hessian(f, p)
    assert H.method.startswith("richardson")
    assert rel_err(H.value, truth) < 1e-6


def test_hessian_at_a_bad_point():
    H = numeric_hessian(lambda v: np.log(v[0]) * v[1], [-1.0, 2.0])
    assert not H.ok and H.value.shape == (2, 2)
    assert np.all(np.isnan(H.value))


# --- one meaning of SUCCESS: rtol and atol -----------------------------------------------------------


def test_gradient_success_means_within_the_tolerance_on_the_gradients_scale():
    f = lambda v: math.sin(v[0]) * v[1] + v[1] ** 3  # noqa: E731 - math.sin: no complex step
    x = [0.3, 2.0]
    exact = np.array([math.cos(0.3) * 2.0, math.sin(0.3) + 12.0])
    strict = numeric_gradient(f, x, "forward")
    loose = numeric_gradient(f, x, "forward", rtol=1e-5)
    assert loose.ok and np.max(np.abs(loose.value - exact)) <= 1e-5 * np.max(np.abs(exact)) * 10
    if strict.ok:
        assert np.max(np.abs(strict.value - exact)) <= 1e-6 * np.max(np.abs(exact))
    else:
        assert strict.status is Status.NOT_CONVERGED and strict.message


def test_zero_gradient_entry_is_judged_on_the_gradients_scale():
    # d/dx of x^2 + 100 y at x = 0 is 0: a relative tolerance on that entry alone could never be met.
    g = numeric_gradient(lambda v: v[0] ** 2 + 100 * math.log(v[1]), [0.0, 1.0], "central")
    assert g.ok, g
    np.testing.assert_allclose(g.value, [0.0, 100.0], atol=1e-6)


def test_hessian_and_jacobian_take_tolerances():
    H = numeric_hessian(lambda v: v[0] ** 2 * v[1] + v[1] ** 3, [2.0, 3.0], rtol=1e-12, atol=0.0)
    assert H.status in (Status.SUCCESS, Status.NOT_CONVERGED)
    assert numeric_hessian(lambda v: v[0] ** 2 * v[1] + v[1] ** 3, [2.0, 3.0], rtol=1e-5).ok
    J = numeric_jacobian(lambda v: np.array([v[0] * v[1], v[0]]), [1.0, 2.0], rtol=1e-9)
    assert J.ok
    with pytest.raises(ValueError, match="rtol"):
        numeric_gradient(lambda v: v[0], [1.0], rtol=-1.0)
