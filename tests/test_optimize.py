"""minimize against closed forms and SciPy; labels; errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize as so

import calcml.autodiff as ad
from calcml.errors import CalcmlError, DomainError
from calcml.optimize import METHODS, minimize

ROSEN = "(1 - x)^2 + 100(y - x^2)^2"
A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, -1.0])


def quad(v):  # 0.5 v.A.v - b.v, written with calcml.autodiff operations
    return 0.5 * ad.sum(v * (ad.matmul(A, v))) - ad.sum(B * v)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_finds_the_quadratic_minimum(method):
    r = minimize(quad, [2.0, 2.0], method=method, tol=1e-9)
    truth = np.linalg.solve(A, B)                      # closed form: A x = b
    assert r.success and r.label == "minimum" and r.status == 0
    np.testing.assert_allclose(r.x, truth, atol=1e-8)
    assert r.path.shape == (r.nit + 1, 2) and r.values.shape == (r.nit + 1,)
    assert r.grad_norms.shape == (r.nit + 1,) and r.step_sizes.shape == (r.nit,)
    np.testing.assert_allclose(r.path[0], [2.0, 2.0])
    np.testing.assert_allclose(r.path[-1], r.x)
    assert r.grad_norms[-1] <= 1e-9


def test_gd_fixed_step_follows_the_closed_form():
    lr = 0.2
    r = minimize(quad, [2.0, 2.0], method="gd", learning_rate=lr, max_iter=30, tol=1e-30)
    xs = np.linalg.solve(A, B)
    M = np.eye(2) - lr * A
    for k in range(31):                                 # x_k - x* = (I - lr A)^k (x0 - x*)
        np.testing.assert_allclose(r.path[k], xs + np.linalg.matrix_power(M, k) @ (np.array([2.0, 2.0]) - xs),
                                   atol=1e-12)
    assert r.label == "not converged" and r.status == 1 and not r.success
    assert np.all(r.step_sizes == lr)


@pytest.mark.parametrize("convention", ["pytorch", "heavy_ball"])
def test_heavy_ball_recurrence(convention):
    # on f = a x^2 / 2 both forms satisfy x_{k+1} = (1 + beta - lr a) x_k - beta x_{k-1}  (Polyak 1964)
    a, lr, beta = 3.0, 0.1, 0.9
    r = minimize("1.5x^2", 1.0, method="momentum", learning_rate=lr, momentum=beta, convention=convention,
                 max_iter=40, tol=1e-30)
    x = r.path[:, 0]
    np.testing.assert_allclose(x[1], x[0] - lr * a * x[0])
    np.testing.assert_allclose(x[2:], (1 + beta - lr * a) * x[1:-1] - beta * x[:-2], atol=1e-13)
    assert r.method == f"momentum ({convention})"


@pytest.mark.parametrize("convention", ["pytorch", "sutskever"])
def test_nesterov_conventions_converge_on_rosenbrock_with_armijo(convention):
    r = minimize(ROSEN, [-1.2, 1.0], method="nesterov", convention=convention, line_search="armijo",
                 learning_rate=1e-3, max_iter=20000, tol=1e-6)
    assert r.success and np.allclose(r.x, [1, 1], atol=1e-4)


def test_adam_first_step_is_lr_times_the_sign():
    # at t = 1, m_hat / sqrt(v_hat) = g / |g| (Kingma & Ba 2015, section 2.1)
    r = minimize("x^2 + 5y^2", [1.0, -2.0], method="adam", learning_rate=0.05, max_iter=1, tol=1e-30)
    np.testing.assert_allclose(r.path[1], [1.0 - 0.05, -2.0 + 0.05], atol=1e-9)


def test_newton_solves_a_quadratic_in_one_step():
    r = minimize(quad, [5.0, -7.0], method="newton", tol=1e-10)
    assert r.nit == 1 and np.allclose(r.x, np.linalg.solve(A, B), atol=1e-12)


def test_newton_on_rosenbrock_reaches_1e_8_within_30_iterations():
    r = minimize(ROSEN, [-1.2, 1.0], method="newton", tol=1e-10)
    assert r.success and r.nit <= 30 and np.linalg.norm(r.x - 1) < 1e-8


def test_bfgs_against_scipy():
    f = lambda v: (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2
    g = lambda v: np.array([-2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] ** 2), 200 * (v[1] - v[0] ** 2)])
    ref = so.minimize(f, [-1.2, 1.0], jac=g, method="BFGS", options={"gtol": 1e-6})
    r = minimize(ROSEN, [-1.2, 1.0], method="bfgs", tol=1e-6)
    assert r.success and np.allclose(r.x, ref.x, atol=1e-5)
    assert abs(r.nit - ref.nit) <= 0.2 * ref.nit


def test_callable_with_autodiff_gradient_matches_scipy_logistic_regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = np.sign(X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.standard_normal(40))

    def loss(w):  # L2-regularised logistic loss, with calcml.autodiff operations
        return ad.sum(ad.log(1 + ad.exp(-y * ad.matmul(X, w)))) + 0.5 * ad.sum(w * w)

    def loss_np(w):
        return np.sum(np.log1p(np.exp(-y * (X @ w)))) + 0.5 * w @ w

    ref = so.minimize(loss_np, np.zeros(3), method="BFGS", options={"gtol": 1e-10})
    r = minimize(loss, np.zeros(3), method="bfgs", tol=1e-9)
    assert r.success and np.allclose(r.x, ref.x, atol=1e-6)


def test_user_jac_and_callback():
    calls = []
    r = minimize(lambda v: float(v @ v), [1.0, 2.0], method="gd", jac=lambda v: 2 * v, learning_rate=0.1,
                 callback=lambda k, x: calls.append(k) or k == 5, tol=1e-12)
    assert r.nit == 5 and calls == [1, 2, 3, 4, 5] and r.label == "not converged"
    np.testing.assert_allclose(r.x, 0.8 ** 5 * np.array([1.0, 2.0]))


def test_divergence_is_flagged_within_ten_steps():
    L = 20.0                                            # f = x^2 + 10 y^2: Hessian diag(2, 20)
    r = minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=2.2 / L)
    assert r.label == "diverged" and r.status == 2 and not r.success and r.nit <= 10
    ok = minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=1.9 / L)
    assert ok.label == "minimum" and ok.success


def test_saddle_and_maximum_are_never_success():
    r = minimize("x^2 - y^2", [1.0, 0.0], method="gd", learning_rate=0.1)   # on the stable line of the saddle
    assert r.label == "saddle" and not r.success and r.status == 0
    np.testing.assert_allclose(sorted(r.hessian_eigenvalues), [-2, 2])
    r = minimize("-x^2 - y^2", [0.0, 0.0], method="bfgs")
    assert r.label == "maximum" and not r.success


def test_nan_is_reported():
    r = minimize("sqrt(x)", [1.0], method="gd", learning_rate=3.0)  # x1 = 1 - 3/2 < 0: sqrt is NaN
    assert r.label == "nan" and r.status == 3 and not r.success


def test_armijo_gd_decreases_f_at_every_step():
    r = minimize(ROSEN, [-1.2, 1.0], method="gd", max_iter=300)
    assert np.all(np.diff(r.values) <= 0)


def test_one_variable_text_and_result_dict():
    r = minimize("(x - 3)^2 + 1", 0.0, method="newton")
    assert r.x.shape == (1,) and r.x[0] == pytest.approx(3) and r.fun == pytest.approx(1)
    d = r.to_dict()
    assert d["label"] == "minimum" and d["success"] is True and len(d["path"]) == r.nit + 1


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "sgd"}, "method must be one of"),
    ({"method": "momentum", "convention": "keras"}, "convention must be one of"),
    ({"method": "adam", "line_search": "armijo"}, "line_search='armijo' applies to"),
    ({"tol": -1.0}, "tol must be a positive number"),
    ({"learning_rate": 0}, "learning_rate must be a positive number"),
    ({"max_iter": 2.5}, "max_iter must be a whole number"),
    ({"momentum": 1.0}, "momentum must be in [0, 1)"),
    ({"x0": [1.0]}, "x0 has 1 coordinate(s) but f has 2"),
    ({"x0": [np.nan, 1.0]}, "x0 must be finite"),
])
def test_bad_arguments(kwargs, words):
    args = {"f": "x^2 + y^2", "x0": [1.0, 1.0], **kwargs}
    with pytest.raises(DomainError) as info:
        minimize(**args)
    assert isinstance(info.value, ValueError) and isinstance(info.value, CalcmlError)
    assert words in str(info.value)


def test_a_callable_autodiff_cannot_trace_says_pass_jac():
    with pytest.raises(DomainError, match="pass jac"):
        minimize(lambda v: float(np.sin(v[0])), [1.0], method="gd")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("f, truth", [
    ("(x - 1)^2 + 2(y + 2)^2 + x*y", (16 / 7, -18 / 7)),            # 2x - 2 + y = 0, 4y + 8 + x = 0
    ("log(1 + exp(x - 2)) + log(1 + exp(-x)) + y^2", (1.0, 0.0)),    # sigmoid(x - 2) = sigmoid(-x): x = 1
    ("sqrt(1 + x^2) + sqrt(1 + (y - 3)^2)", (0.0, 3.0)),
])
def test_defaults_converge_without_tuning(method, f, truth):
    r = minimize(f, [0.0, 0.0], method=method)
    assert r.success and np.allclose(r.x, truth, atol=1e-5)


def test_user_hessian_is_used_by_newton():
    calls = []

    def hess(v):
        calls.append(1)
        return A

    r = minimize(quad, [5.0, -7.0], method="newton", hess=hess)
    assert r.nit == 1 and calls and r.nhev == len(calls) and np.allclose(r.x, np.linalg.solve(A, B))


def test_nesterov_sutskever_recurrence():
    # Sutskever et al. (2013): v_{k+1} = beta v_k - lr f'(x_k + beta v_k); on f = a x^2/2 this is the linear map
    a, lr, beta = 2.0, 0.1, 0.8
    r = minimize("x^2", 1.0, method="nesterov", convention="sutskever", learning_rate=lr, momentum=beta,
                 max_iter=30, tol=1e-30)
    x, v = 1.0, 0.0
    for k in range(1, 31):
        v = beta * v - lr * a * (x + beta * v)
        x = x + v
        assert r.path[k, 0] == pytest.approx(x, abs=1e-14)


def test_one_variable_maximum_is_not_success():
    r = minimize("-(x - 2)^2", [2.0], method="newton")
    assert r.label == "maximum" and not r.success and r.status == 0


def test_bad_callback_and_betas():
    with pytest.raises(DomainError, match="callback must be callable"):
        minimize("x^2", 1.0, callback=3)
    with pytest.raises(DomainError, match="betas must be two numbers"):
        minimize("x^2", 1.0, method="adam", betas=(0.9, 1.0))
    with pytest.raises(DomainError, match="jac must be a callable"):
        minimize(lambda v: v @ v, [1.0], jac="auto")


@pytest.mark.parametrize("factor", [1.01, 1.1, 1.5])
def test_step_just_above_2_over_L_is_flagged_and_named(factor):
    L = 20.0                                            # x^2 + 10y^2: Hessian diag(2, 20), by hand
    r = minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=factor * 2 / L)
    assert r.label == "diverged" and r.nit <= 10
    assert "is above 2/L = 0.1 (L = 20" in r.message


def test_heavy_ball_limit_is_2_1_plus_beta_over_L():
    L, beta = 20.0, 0.9                                 # stable iff lr < 2(1 + beta)/L = 0.19 (Polyak 1964)
    bad = minimize("x^2 + 10y^2", [1.0, 1.0], method="momentum", learning_rate=0.195, momentum=beta)
    good = minimize("x^2 + 10y^2", [1.0, 1.0], method="momentum", learning_rate=0.185, momentum=beta)
    assert bad.label == "diverged" and bad.nit <= 10 and "2(1 + beta)/L = 0.19" in bad.message
    assert good.label == "minimum" and good.success


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_entries = st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 3))


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(a=_entries, b=_entries, c=_entries, x0=st.tuples(_entries, _entries),
       method=st.sampled_from(["gd", "newton", "bfgs", "momentum", "adam"]))
def test_success_only_at_a_minimum_on_random_quadratics(a, b, c, x0, method):
    # f = x'Hx/2 - r'x with H = [[a, b], [b, c]]: a minimum exists iff H is positive definite,
    # and then it is H^{-1} r (closed form); otherwise success must never be reported
    H = np.array([[a, b], [b, c]])
    r_ = np.array([1.0, -2.0])
    lam = np.linalg.eigvalsh(H)
    res = minimize(lambda v: 0.5 * v @ H @ v - r_ @ v, list(x0), method=method, jac=lambda v: H @ v - r_,
                   hess=lambda v: H, max_iter=3000, tol=1e-8)
    if lam[0] < -1e-9:
        assert not res.success and res.label != "minimum"
    if res.success:
        assert lam[0] > 0
        np.testing.assert_allclose(res.x, np.linalg.solve(H, r_), atol=1e-6 * (1 + 1 / lam[0]))


def test_keep_going_after_divergence_on_request():
    r = minimize("x^2 + 10y^2", [1.0, 1.0], method="gd", learning_rate=0.105, max_iter=40,
                 stop_on_divergence=False)
    assert r.nit == 40 and r.label == "diverged" and not r.success and "flagged at step 2" in r.message
    # along y each step multiplies by 1 - 0.105 * 20 = -1.1 (closed form)
    np.testing.assert_allclose(r.path[:, 1], (-1.1) ** np.arange(41), rtol=1e-12)


# --- the end-state verdict at a degenerate or flattening point (never "minimum" without evidence) -----------

def test_a_zero_hessian_maximum_is_not_a_minimum():
    # -x^4: f(d) - f(0) = -d^4 < 0 for every d != 0, so 0 is a strict maximum; H(0) = 0 (degenerate)
    r = minimize("-x^4", [0.0])
    assert r.label == "maximum" and not r.success and r.status == 0


def test_cubic_has_no_minimum_whatever_the_method():
    # x^3 is unbounded below (x -> -inf), so no point is a minimum
    for method, x0 in (("newton", 0.5), ("bfgs", 0.0)):
        r = minimize("x^3", [x0], method=method)
        assert r.label != "minimum" and not r.success, (method, r.message)
    r = minimize("x^3", [0.0])              # gradient exactly zero at the inflection: one side is lower
    assert r.label == "saddle" and "not an extremum" in r.message


def test_monkey_saddle_is_a_saddle():
    # x^3 - 3xy^2 = Re (x + iy)^3: on the circle of radius r it is r^3 cos(3 theta), of both signs
    r = minimize("x^3 - 3*x*y^2", [0.0, 0.0], method="bfgs")
    assert r.label == "saddle" and not r.success


@pytest.mark.parametrize("method", ["bfgs", "gd", "newton"])
def test_exp_has_no_minimum_although_its_gradient_vanishes(method):
    # inf exp(x) = 0 is not attained: the gradient e^x < tol far to the left, yet f keeps falling
    r = minimize("exp(x)", [0.0], method=method)
    assert r.status in (0, 1, 4) and r.label != "minimum" and not r.success, r.message
    if r.status == 0:
        assert r.label == "not confirmed" and r.x[0] < -10


def test_log_flattening_is_not_confirmed():
    # -log x -> -inf as x -> inf with gradient -1/x -> 0: no minimum anywhere
    r = minimize("-log(x)", [1.0], method="bfgs")
    assert r.label != "minimum" and not r.success


def test_degenerate_minimum_x4_is_found_by_the_enclosing_sphere():
    # x^4 + y^4: the minimum is 0 at the origin with a zero Hessian there; the label may say minimum
    # only because f is higher on a whole sphere around x, and x must be near the origin
    r = minimize("x^4 + y^4", [1.0, -0.5], method="bfgs")
    assert r.label == "minimum" and r.success and "sphere" in r.message
    assert np.max(np.abs(r.x)) < 0.05


def test_a_tiny_but_nondegenerate_minimum_is_still_a_minimum():
    # the PD check is relative: 1e-3 (x - 2)^2 has its minimum at x = 2 (by hand)
    r = minimize("(x - 2)^2 / 1000", [5.0], method="newton", tol=1e-12)
    assert r.label == "minimum" and r.success and abs(r.x[0] - 2) < 1e-8
