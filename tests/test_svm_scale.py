"""LinearSVM at every scale: coordinates from 1e-9 to 1e9 (and far from the origin) give the
exact answer, checked against closed forms worked out by hand below and against an
independent Clarabel primal QP on the UNscaled problem; the separability test and the KKT
acceptance do not depend on the units of X."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcml.errors import ComputationError, DomainError, NotSeparableError
from calcml.svm import LinearSVM, compare_sklearn
from calcml.svm import solvers

from test_svm import THREE_X, THREE_Y, noisy, primal_qp, separable

SCALES = [1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9]


@pytest.mark.parametrize("solver", ["qp", "slsqp"])
@pytest.mark.parametrize("k", SCALES)
def test_two_points_on_the_diagonal_exact(k, solver):
    # (0,0) labelled -1 and (k,k) labelled +1. By symmetry w = (a, a); both points on their
    # margin lines: b = -1 and 2 a k + b = 1, so a = 1/k. Stationarity w = sum alpha_i y_i x_i
    # = alpha_2 (k, k) gives alpha_2 = 1/k^2, and sum alpha_i y_i = 0 gives alpha_1 = alpha_2.
    # The margin is 2/|w| = sqrt(2) k.
    m = LinearSVM(solver=solver).fit([[0, 0], [k, k]], [-1, 1])
    np.testing.assert_allclose(m.coef_[0], [1 / k, 1 / k], rtol=1e-9)
    assert m.intercept_[0] == pytest.approx(-1.0, rel=1e-9)
    np.testing.assert_allclose(m.alpha_, [1 / k ** 2, 1 / k ** 2], rtol=1e-9)
    assert m.margin_ == pytest.approx(math.sqrt(2) * k, rel=1e-9)
    np.testing.assert_allclose(m.kkt_.functional_margin, [1, 1], atol=1e-12)
    np.testing.assert_array_equal(m.predict([[-k, -k], [2 * k, 2 * k]]), [-1, 1])


@pytest.mark.parametrize("k", SCALES)
@pytest.mark.parametrize("shift", [0.0, 1e3])
def test_lessons_three_points_scaled_and_shifted_exact(k, shift):
    # x -> k x + t maps the lesson's answer (w0 = (2/3, 2/3), b0 = -1, alpha0 = (4/9, 2/9, 2/9))
    # to w = w0 / k, b = b0 - w . t (f(x) is unchanged) and alpha = alpha0 / k^2 (then
    # w = sum alpha_i y_i x_i holds again, the t terms cancelling because sum alpha_i y_i = 0).
    t = np.array([shift, -2 * shift]) * k
    X = k * np.asarray(THREE_X, float) + t
    m = LinearSVM().fit(X, THREE_Y)
    w = np.array([2 / 3, 2 / 3]) / k
    np.testing.assert_allclose(m.coef_[0], w, rtol=1e-9)
    b = -1 - w @ t
    assert m.intercept_[0] == pytest.approx(b, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(m.alpha_, np.array([4 / 9, 2 / 9, 2 / 9]) / k ** 2, rtol=1e-9)
    assert m.margin_ == pytest.approx(3 / math.sqrt(2) * k, rel=1e-9)
    res = m.kkt_residuals_
    # residuals in the units of X: alpha-sized ones relative to alpha, w-sized ones to |w|
    assert res.primal_feasibility <= 1e-12
    assert res.complementary_slackness <= 1e-12 * m.alpha_.max()
    assert res.sum_alpha_y <= 1e-12 * m.alpha_.max()
    assert res.stationarity <= 1e-12 * np.linalg.norm(w)


@pytest.mark.parametrize("k", [1e-3, 1e3])
@pytest.mark.parametrize("solver", ["qp", "slsqp"])
def test_random_data_against_the_primal_qp_on_unscaled_data(k, solver):
    X, y = separable(31, 40)
    Xk = k * X + 7.0 * k
    m = LinearSVM(solver=solver).fit(Xk, y)
    w, b0, alpha, _ = primal_qp(Xk, y)  # Clarabel on the problem as given, no scaling
    np.testing.assert_allclose(m.coef_[0], w, rtol=1e-6, atol=1e-7 * np.abs(w).max())
    assert m.intercept_[0] == pytest.approx(b0, rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(m.alpha_, alpha, atol=1e-6 * alpha.max())


@pytest.mark.parametrize("k", [1e-7, 1e-3, 1e4, 1e8])
def test_soft_margin_scale_law(k):
    # Data k X with C / k^2 is the same problem: 1/2 |w|^2 + (C/k^2) sum xi at w = w0 / k is
    # (1/k^2) (1/2 |w0|^2 + C sum xi), so w = w0 / k, the slacks stay, alpha = alpha0 / k^2.
    # The unit-scale fit is checked against scikit-learn here, the scaled one against it by the law.
    from sklearn.svm import SVC

    X, y = noisy(3, 60, flip=6)
    C = 0.7
    svc = SVC(kernel="linear", C=C, tol=1e-10).fit(X, y)
    m1 = LinearSVM(C=C).fit(X, y)
    np.testing.assert_allclose(m1.coef_, svc.coef_, rtol=1e-6, atol=1e-7)
    mk = LinearSVM(C=C / k ** 2).fit(k * X, y)
    np.testing.assert_allclose(mk.coef_, svc.coef_ / k, rtol=1e-6, atol=1e-7 / k)
    assert mk.intercept_[0] == pytest.approx(svc.intercept_[0], rel=1e-6, abs=1e-7)
    np.testing.assert_allclose(mk.slack_, m1.slack_, atol=1e-7)
    np.testing.assert_allclose(mk.alpha_ * k ** 2, m1.alpha_, atol=1e-7 * C)
    assert mk.alpha_.max() <= C / k ** 2  # the bound holds exactly, not one rounding above


def test_working_set_at_large_and_small_scale():
    X, y = separable(12, 300)
    m1 = LinearSVM().fit(X, y)
    w, b0, alpha, _ = primal_qp(X, y)
    np.testing.assert_allclose(m1.coef_[0], w, rtol=1e-7, atol=1e-8)
    for k in (1e-8, 1e8):
        m = LinearSVM().fit(k * X, y)
        np.testing.assert_allclose(m.coef_[0], w / k, rtol=1e-7, atol=1e-8 / k)
        assert m.intercept_[0] == pytest.approx(b0, rel=1e-7, abs=1e-8)
        np.testing.assert_array_equal(m.support_, m1.support_)


@pytest.mark.parametrize("k", [1e-8, 1.0, 1e8])
def test_kkt_acceptance_is_relative_to_the_scale(monkeypatch, k):
    # A solver whose multipliers are 0.1 % off must be refused at every scale (an absolute
    # tolerance let it through at 1e8, where alpha ~ 1e-16, and at 1e-8, where alpha ~ 1e16).
    true_qp = solvers.SOLVERS["qp"]

    def off(G, y, C):
        w, b, a = true_qp(G, y, C)
        a = a.copy()
        a[0] *= 1.001
        return w, b, a

    monkeypatch.setitem(solvers.SOLVERS, "qp", off)
    monkeypatch.setattr(solvers, "polish", lambda G, y, C, w, b, a: (w, b, a))
    with pytest.raises(ComputationError, match="does not satisfy the KKT conditions"):
        LinearSVM(solver="qp").fit(k * np.asarray(THREE_X, float), THREE_Y)


# --- separability does not depend on the units ------------------------------------------------------

@pytest.mark.parametrize("k", SCALES)
def test_separability_is_scale_invariant(k):
    # x = 5e-10 k separates (0,0) and (1e-9 k, 0) (and the far points (5k, 5k), (-5k, -5k));
    # XOR never separates
    X = np.array([[0, 0], [1e-9, 0], [5, 5], [-5, -5]]) * k
    y = np.array([-1.0, 1, 1, -1])
    assert solvers.check_separable(y[:, None] * X, y)
    xor = np.array([[0, 0], [1, 1], [0, 1], [1, 0]]) * k
    yx = np.array([-1.0, -1, 1, 1])
    assert not solvers.check_separable(yx[:, None] * xor, yx)
    with pytest.raises(NotSeparableError):
        LinearSVM().fit(xor, yx)


@pytest.mark.parametrize("k", [1e-6, 1.0, 1e6])
@pytest.mark.parametrize("solver", ["qp", "slsqp"])
def test_a_tiny_gap_far_from_the_other_points_exact(solver, k):
    # The widest line is x = 5e-10 k: the near points (0,0) and (1e-9 k, 0) on their margin
    # lines give w = (2e9 / k, 0), b = -1; w = sum alpha_i y_i x_i = alpha_2 (1e-9 k, 0) gives
    # alpha_2 = 2e18 / k^2 = alpha_1 (sum alpha_i y_i = 0); the far points (+-5k, +-5k) have
    # functional margins 1e10 + 1 and alpha 0. The gap is 1e-10 of the data's spread: the data
    # was called inseparable before, and a solver on all four points at once cannot resolve it.
    X = np.array([[0, 0], [1e-9, 0], [5, 5], [-5, -5]]) * k
    m = LinearSVM(solver=solver).fit(X, [-1, 1, 1, -1])
    w = 2e9 / k
    np.testing.assert_allclose(m.coef_[0], [w, 0], rtol=1e-9, atol=1e-12 * w)
    assert m.intercept_[0] == pytest.approx(-1, rel=1e-9)
    np.testing.assert_allclose(m.alpha_, [2e18 / k ** 2, 2e18 / k ** 2, 0, 0], rtol=1e-9)
    np.testing.assert_array_equal(m.support_, [0, 1])
    np.testing.assert_allclose(m.kkt_.functional_margin, [1, 1, 1e10 + 1, 1e10 + 1], rtol=1e-9)
    assert m.margin_ == pytest.approx(1e-9 * k, rel=1e-9)


# --- the comparison with scikit-learn at every scale -------------------------------------------------

@pytest.mark.parametrize("k", [1e-8, 1e-4, 1e4, 1e8])
def test_compare_sklearn_at_every_scale(k):
    c = compare_sklearn(LinearSVM(), [[0, 0], [k, k]], [-1, 1])
    assert c.max_difference < 1e-6
    X, y = separable(7, 30)
    assert compare_sklearn(LinearSVM(), k * X, y).max_difference < 1e-5


# --- labels -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_labels_are_an_error(bad):
    with pytest.raises(DomainError, match=r"y has a non-finite value .* at index 1") as err:
        LinearSVM().fit([[0, 0], [1, 1], [2, 2]], [-1.0, bad, 1.0])
    assert isinstance(err.value, ValueError)
    with pytest.raises(DomainError, match=r"at index 2"):
        LinearSVM().fit([[0, 0], [1, 1], [2, 2]], np.array(["a", "b", bad], dtype=object))


@pytest.mark.parametrize("p, q", [((1e8, 1.0), (0.0, 0.0)), ((1.0, 1e-8), (0.0, 0.0)),
                                  ((1e8 + 1, 5.0), (1e8, 3.0)), ((3e-9, 1e6), (1e-9, 1e6 - 1e-3))])
def test_two_points_with_different_scales_per_feature_exact(p, q):
    # two points: the widest line is the perpendicular bisector, w = 2 (p - q) / |p - q|^2
    # (both on their margin lines: w . (p - q) = 2), b = -w . (p + q) / 2
    p, q = np.array(p), np.array(q)
    w = 2 * (p - q) / np.sum((p - q) ** 2)
    for solver in ("qp", "slsqp"):
        m = LinearSVM(solver=solver).fit([q, p], [-1, 1])
        np.testing.assert_allclose(m.coef_[0], w, rtol=1e-9, atol=1e-12 * np.abs(w).max())
        b = -w @ (p + q) / 2
        assert m.intercept_[0] == pytest.approx(b, rel=1e-9, abs=1e-9)


def test_decision_function_far_from_the_origin():
    # the lesson's points moved to 1e8: f = -1 at (0,0) + t and +1 at the other two support
    # vectors, exactly (w . x + b in the original coordinates loses ~1e-8 to cancellation)
    t = np.array([1e8, -1e8])
    X = np.asarray(THREE_X, float) + t
    m = LinearSVM().fit(X, THREE_Y)
    np.testing.assert_allclose(m.decision_function(X), [-1, 1, 1], atol=1e-12)
    np.testing.assert_allclose(m.decision_function(np.array([[5.0, 5.0]]) + t), [2 / 3 * 10 - 1], rtol=1e-12)


@pytest.mark.parametrize("k", SCALES)
def test_relative_kkt_residual_is_scale_free(k):
    m = LinearSVM().fit(k * np.asarray(THREE_X, float), THREE_Y)
    assert m.kkt_residuals_.relative < 1e-12
    assert m.kkt_residuals_.to_dict()["relative"] == m.kkt_residuals_.relative
    # the absolute ones carry units: alpha ~ 1/k^2, so they are compared with alpha here
    assert m.kkt_residuals_.complementary_slackness < 1e-12 * m.alpha_.max()


def test_a_C_outside_the_floating_point_range_after_scaling_is_a_clear_error():
    # the scaled problem uses C s^2; 1e-300 * (1e-20)^2 underflows to 0
    with pytest.raises(DomainError, match=r"C=1e-300 times the squared size of the data.*rescale X"):
        LinearSVM(C=1e-300).fit(1e-20 * np.asarray(THREE_X, float), THREE_Y)
