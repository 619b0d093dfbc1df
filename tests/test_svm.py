"""calcml.svm against independent truths: exact rationals (SymPy), scikit-learn's SVC,
a QP written here from scratch in another formulation (Clarabel on the primal), and each other."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcml.errors import CalcmlError, ComputationError, DomainError, NotSeparableError
from calcml.svm import LinearSVM, compare_sklearn

THREE_X = [[0, 0], [1, 2], [2, 1]]
THREE_Y = [-1, 1, 1]
SIX_X = THREE_X + [[-1, -1], [-3, -1], [3, 3]]
SIX_Y = THREE_Y + [-1, -1, 1]


def separable(seed: int, n: int, d: int = 2, gap: float = 0.3):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    X = rng.normal(size=(4 * n, d))
    f = X @ w + rng.uniform(-0.5, 0.5) * np.linalg.norm(w)
    keep = np.abs(f) > gap * np.linalg.norm(w)
    X, f = X[keep][:n], f[keep][:n]
    return X, np.where(f > 0, 1, -1)


def noisy(seed: int, n: int, flip: int = 10):
    X, y = separable(seed, n, gap=0.0)
    y = y.copy()
    y[:flip] *= -1
    return X, y


def primal_qp(X, y, C=math.inf):
    """An independent reference: the PRIMAL QP in Clarabel, tight tolerances, multipliers from its duals."""
    import clarabel
    import scipy.sparse as sp

    X = np.asarray(X, float)
    y = np.asarray(y, float)
    n, d = X.shape
    hard = math.isinf(C)
    nv = d + 1 + (0 if hard else n)
    P = sp.diags(np.r_[np.ones(d), np.zeros(nv - d)], format="csc")
    q = np.r_[np.zeros(d + 1), np.zeros(0) if hard else np.full(n, C)]
    M = np.column_stack([y[:, None] * X, y])  # margins = M @ (w, b)
    if hard:
        A = sp.csc_matrix(-M)
        b = -np.ones(n)
        cones = [clarabel.NonnegativeConeT(n)]
    else:
        A = sp.vstack([sp.hstack([sp.csc_matrix(-M), -sp.identity(n)]),
                       sp.hstack([sp.csc_matrix((n, d + 1)), -sp.identity(n)])], format="csc")
        b = np.r_[-np.ones(n), np.zeros(n)]
        cones = [clarabel.NonnegativeConeT(2 * n)]
    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = 1e-12
    s.tol_ktratio = 1e-10
    sol = clarabel.DefaultSolver(P, q, A, b, cones, s).solve()
    assert sol.status in (clarabel.SolverStatus.Solved, clarabel.SolverStatus.AlmostSolved)
    x = np.asarray(sol.x)
    return x[:d], x[d], np.asarray(sol.z)[:n], sol.obj_val


# --- the lesson's data: exact answers ----------------------------------------------------------

@pytest.mark.parametrize("solver", ["slsqp", "qp", "auto"])
def test_three_points_exact(solver):
    m = LinearSVM(solver=solver).fit(THREE_X, THREE_Y)
    np.testing.assert_allclose(m.coef_, [[2 / 3, 2 / 3]], atol=1e-9)
    np.testing.assert_allclose(m.intercept_, [-1.0], atol=1e-9)
    np.testing.assert_allclose(m.alpha_, [4 / 9, 2 / 9, 2 / 9], atol=1e-9)
    assert m.margin_ == pytest.approx(3 / math.sqrt(2), abs=1e-9)
    assert m.coef_.shape == (1, 2) and m.intercept_.shape == (1,)
    np.testing.assert_array_equal(m.support_, [0, 1, 2])
    np.testing.assert_allclose(m.dual_coef_, [[-4 / 9, 2 / 9, 2 / 9]], atol=1e-9)
    np.testing.assert_array_equal(m.n_support_, [1, 2])
    np.testing.assert_array_equal(m.support_vectors_, THREE_X)
    assert m.alpha_.sum() == pytest.approx(np.linalg.norm(m.coef_) ** 2, abs=1e-12)  # sum alpha = |w|^2
    assert m.kkt_residuals_.max < 1e-12
    assert m.labels_ok if hasattr(m, "labels_ok") else True


def test_three_points_against_exact_rationals():
    """SymPy solves the KKT equations on the support vectors in exact rationals; every KKT
    inequality is then checked exactly, so this is the optimum; our floats must match it."""
    import sympy as sp

    a1, a2, a3, w1, w2, b = sp.symbols("a1 a2 a3 w1 w2 b")
    X = sp.Matrix(THREE_X)
    y = [-1, 1, 1]
    al = [a1, a2, a3]
    eqs = [w1 - sum(al[i] * y[i] * X[i, 0] for i in range(3)),
           w2 - sum(al[i] * y[i] * X[i, 1] for i in range(3)),
           sum(al[i] * y[i] for i in range(3))]
    eqs += [y[i] * (w1 * X[i, 0] + w2 * X[i, 1] + b) - 1 for i in range(3)]
    sol = sp.solve(eqs, [a1, a2, a3, w1, w2, b], dict=True)[0]
    assert all(sol[a] >= 0 for a in al)  # dual feasibility, exactly
    assert (sol[w1], sol[w2], sol[b]) == (sp.Rational(2, 3), sp.Rational(2, 3), -1)
    assert [sol[a] for a in al] == [sp.Rational(4, 9), sp.Rational(2, 9), sp.Rational(2, 9)]
    margin = 2 / sp.sqrt(sol[w1] ** 2 + sol[w2] ** 2)
    assert sp.simplify(margin - 3 / sp.sqrt(2)) == 0
    for solver in ("slsqp", "qp"):
        m = LinearSVM(solver=solver).fit(THREE_X, THREE_Y)
        np.testing.assert_allclose(m.alpha_, [float(sol[a]) for a in al], rtol=0, atol=1e-12)
        np.testing.assert_allclose(m.coef_[0], [float(sol[w1]), float(sol[w2])], rtol=0, atol=1e-12)
        assert m.margin_ == pytest.approx(float(margin), abs=1e-12)


def test_slsqp_multipliers_are_twice_alpha_for_the_lessons_objective():
    """SciPy's own multipliers for a^2 + b^2 (the lesson's objective) are (8/9, 4/9, 4/9)."""
    from scipy.optimize import minimize

    A = np.array([[0, 0, -1], [1, 2, 1], [2, 1, 1]], float)
    res = minimize(lambda z: z[0] ** 2 + z[1] ** 2, np.ones(3), method="SLSQP",
                   constraints=[{"type": "ineq", "fun": lambda z: A @ z - 1}], options={"ftol": 1e-14})
    np.testing.assert_allclose(res.multipliers, [8 / 9, 4 / 9, 4 / 9], atol=1e-7)
    np.testing.assert_allclose(LinearSVM(solver="slsqp").fit(THREE_X, THREE_Y).alpha_, res.multipliers / 2,
                               atol=1e-7)


@pytest.mark.parametrize("solver", ["slsqp", "qp"])
def test_six_points_same_line_new_alphas_zero(solver):
    m = LinearSVM(solver=solver).fit(SIX_X, SIX_Y)
    np.testing.assert_allclose(m.coef_, [[2 / 3, 2 / 3]], atol=1e-9)
    np.testing.assert_allclose(m.intercept_, [-1.0], atol=1e-9)
    np.testing.assert_allclose(m.alpha_[:3], [4 / 9, 2 / 9, 2 / 9], atol=1e-9)
    assert list(m.alpha_[3:]) == [0.0, 0.0, 0.0]  # exactly
    k = m.kkt_
    assert k.labels == ["support vector"] * 3 + ["outside the margin"] * 3
    # functional margins of the new points, by hand: y f(x) with f = 2/3 x + 2/3 y - 1
    np.testing.assert_allclose(k.functional_margin[3:], [7 / 3, 11 / 3, 3.0], atol=1e-9)
    np.testing.assert_allclose(k.functional_margin[:3], 1.0, atol=1e-9)
    assert np.all(k.complementary_slackness == pytest.approx(0.0, abs=1e-12))


def test_point_to_line_distance_of_support_vectors_is_half_the_margin():
    m = LinearSVM().fit(SIX_X, SIX_Y)
    X = np.asarray(SIX_X, float)
    dist = np.abs(m.decision_function(X)) / np.linalg.norm(m.coef_)
    np.testing.assert_allclose(dist[m.support_], m.margin_ / 2, atol=1e-12)
    assert np.all(dist[3:] > m.margin_ / 2)


# --- against scikit-learn ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("d", [2, 3])
def test_hard_margin_matches_sklearn(seed, d):
    from sklearn.svm import SVC

    X, y = separable(seed, 40, d)
    m = LinearSVM().fit(X, y)
    svc = SVC(kernel="linear", C=1e8, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(m.coef_, svc.coef_, atol=1e-6 * max(1, np.abs(svc.coef_).max()))
    np.testing.assert_allclose(m.intercept_, svc.intercept_, atol=1e-6 * max(1, abs(svc.intercept_[0])))
    assert sorted(m.support_) == sorted(svc.support_)
    theirs = np.zeros(len(y))
    theirs[svc.support_] = svc.dual_coef_[0]
    ours = np.zeros(len(y))
    ours[m.support_] = m.dual_coef_[0]
    np.testing.assert_allclose(ours, theirs, atol=1e-6 * max(1, np.abs(theirs).max()))


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
def test_soft_margin_matches_sklearn(C):
    from sklearn.svm import SVC

    X, y = noisy(3, 80)
    m = LinearSVM(C=C).fit(X, y)
    svc = SVC(kernel="linear", C=C, tol=1e-10).fit(X, y)
    # libsvm's own accuracy degrades as C grows (at C=100 its objective is ~5e-7 relative above
    # the optimum), so the tolerance follows C; our objective must never be the higher one
    tol = 1e-6 * max(1.0, C) ** 1.5
    np.testing.assert_allclose(m.coef_, svc.coef_, rtol=tol, atol=tol)
    np.testing.assert_allclose(m.intercept_, svc.intercept_, rtol=tol, atol=tol)
    assert np.all(m.alpha_ >= 0) and np.all(m.alpha_ <= C)
    theirs = np.zeros(len(y))
    theirs[svc.support_] = np.abs(svc.dual_coef_[0])
    np.testing.assert_allclose(m.alpha_, theirs, atol=tol * C)
    ys = np.where(y > 0, 1, -1)
    theirs_obj = 0.5 * np.sum(svc.coef_ ** 2) + C * np.maximum(0, 1 - ys * svc.decision_function(X)).sum()
    assert m.objective_ <= theirs_obj * (1 + 1e-12)


def test_string_labels_and_classes():
    y = ["cat" if v < 0 else "dog" for v in SIX_Y]
    m = LinearSVM().fit(SIX_X, y)
    np.testing.assert_array_equal(m.classes_, ["cat", "dog"])
    np.testing.assert_allclose(m.coef_, [[2 / 3, 2 / 3]], atol=1e-9)  # "dog" (classes_[1]) is +1
    np.testing.assert_array_equal(m.predict([[5, 5], [-5, -5]]), ["dog", "cat"])
    assert m.score(SIX_X, y) == 1.0
    # labels 0/1 as well
    m01 = LinearSVM().fit(SIX_X, [0 if v < 0 else 1 for v in SIX_Y])
    np.testing.assert_allclose(m01.coef_, m.coef_, atol=1e-12)


def test_compare_sklearn_rosetta_stone():
    X, y = separable(7, 30)
    c = compare_sklearn(LinearSVM(), X, y)
    assert c.max_difference < 1e-5
    text = str(c)
    for name in ("coef_", "intercept_", "dual_coef_ = y_i alpha_i", "alpha_", "support_", "n_support_",
                 "margin_ = 2/|w|", "kkt stationarity"):
        assert name in text
    assert c.sklearn_C == pytest.approx(10 * LinearSVM().fit(X, y).alpha_.max())
    soft = compare_sklearn(LinearSVM(C=0.5), *noisy(1, 60))
    assert soft.sklearn_C == 0.5 and soft.max_difference < 1e-5


def test_sklearn_clone_and_params():
    from sklearn.base import clone

    m = clone(LinearSVM(C=2.0, solver="qp"))
    assert m.get_params() == {"C": 2.0, "solver": "qp"}
    assert repr(m) == "LinearSVM(C=2.0, solver='qp')" and repr(LinearSVM()) == "LinearSVM()"
    assert repr(LinearSVM(C="big")) == "LinearSVM(C='big')"
    with pytest.raises(DomainError, match="no parameter 'gamma'"):
        m.set_params(gamma=1)


# --- solvers agree; scale is exact -----------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_slsqp_and_qp_agree_and_match_the_primal_qp(seed):
    X, y = separable(100 + seed, 30 + 10 * seed)
    a = LinearSVM(solver="slsqp").fit(X, y)
    b = LinearSVM(solver="qp").fit(X, y)
    w, b0, alpha, _ = primal_qp(X, y)
    for m in (a, b):
        np.testing.assert_allclose(m.coef_[0], w, atol=1e-7 * max(1, np.abs(w).max()))
        np.testing.assert_allclose(m.intercept_[0], b0, atol=1e-7 * max(1, abs(b0)))
        np.testing.assert_allclose(m.alpha_, alpha, atol=1e-6 * max(1, alpha.max()))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-10 * max(1, np.abs(w).max()))
    np.testing.assert_allclose(a.alpha_, b.alpha_, atol=1e-10 * max(1, alpha.max()))


@pytest.mark.parametrize("C", [0.01, 1.0, 1e3])
def test_soft_margin_objective_and_bounds_against_primal_qp(C):
    X, y = noisy(5, 150, flip=15)
    m = LinearSVM(C=C).fit(X, y)
    w, b0, alpha, obj = primal_qp(X, y, C)
    assert m.objective_ == pytest.approx(obj, rel=1e-7)
    assert m.alpha_.min() >= 0 and m.alpha_.max() <= C
    np.testing.assert_allclose(m.slack_, np.maximum(0, 1 - m.kkt_.functional_margin), atol=0)
    labels = set(m.kkt_.labels)
    assert "support vector, misclassified" in labels
    # every point strictly outside its margin line has alpha = 0; every support vector is on or inside it
    fm = m.kkt_.functional_margin
    assert np.all(m.alpha_[fm > 1 + 1e-6] == 0)
    assert np.all(fm[m.support_] <= 1 + 1e-6)


def test_working_set_is_exact_at_scale():
    X, y = separable(11, 5000)
    m = LinearSVM().fit(X, y)
    assert m.n_iter_ >= 1
    w, b0, alpha, _ = primal_qp(X, y)
    np.testing.assert_allclose(m.coef_[0], w, atol=1e-7 * max(1, np.abs(w).max()))
    np.testing.assert_allclose(m.intercept_[0], b0, atol=1e-7 * max(1, abs(b0)))
    assert set(m.support_) == set(np.flatnonzero(alpha > 1e-6 * alpha.max()))
    assert m.kkt_residuals_.max < 1e-9
    assert np.all(m.kkt_.functional_margin >= 1 - 1e-9)


def test_degenerate_support_more_vectors_than_dimensions():
    # a square grid: many points lie exactly on the two margin lines
    X = np.array([[i, j] for i in range(4) for j in range(3)], float)
    y = np.where(X[:, 0] >= 2, 1, -1)
    for solver in ("slsqp", "qp"):
        m = LinearSVM(solver=solver).fit(X, y)
        np.testing.assert_allclose(m.coef_, [[2.0, 0.0]], atol=1e-7)
        np.testing.assert_allclose(m.intercept_, [-3.0], atol=1e-7)
        assert m.kkt_residuals_.max < 1e-7
        on_margin = np.abs(m.kkt_.functional_margin - 1) < 1e-7
        assert on_margin.sum() == 6 and np.all(m.alpha_[~on_margin] == 0)


# --- errors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["slsqp", "qp"])
@pytest.mark.parametrize("n", [4, 100])
def test_not_separable_hard_margin_is_a_clear_error(solver, n):
    if n == 4:
        X, y = [[0, 0], [1, 1], [0, 1], [1, 0]], [-1, -1, 1, 1]  # XOR
    else:
        X, y = noisy(2, n)
    with pytest.raises(NotSeparableError, match=r"no line.*separates.*finite C") as err:
        LinearSVM(solver=solver).fit(X, y)
    assert isinstance(err.value, ValueError) and f"these {len(y)} points" in str(err.value)
    LinearSVM(C=1.0, solver=solver).fit(X, y)  # the suggested fix works


@pytest.mark.parametrize("kwargs, X, y, match", [
    ({}, [[0, 0], [1, 1]], [1, 1], r"only one class \(1\).*two classes"),
    ({}, [[0, 0], [1, 1], [2, 2]], [0, 1, 2], "3 classes"),
    ({}, [0, 1, 2], [0, 1, 1], "2-D array.*\\[\\[x1, x2\\]\\]"),
    ({}, [[0, 0], [1, float("nan")]], [0, 1], "NaN or infinite"),
    ({}, [[0, 0], [1, 1]], [0, 1, 1], "1-D array of 2 labels"),
    ({}, [["a", 0], [1, 1]], [0, 1], "2-D array of numbers"),
    ({"C": 0}, [[0, 0], [1, 1]], [0, 1], "C must be > 0"),
    ({"C": -1.0}, [[0, 0], [1, 1]], [0, 1], "C must be > 0"),
    ({"C": "big"}, [[0, 0], [1, 1]], [0, 1], "C must be a positive number"),
    ({"solver": "smo"}, [[0, 0], [1, 1]], [0, 1], "solver must be one of 'auto', 'slsqp', 'qp'"),
])
def test_bad_arguments(kwargs, X, y, match):
    with pytest.raises(DomainError, match=match) as err:
        LinearSVM(**kwargs).fit(X, y)
    assert isinstance(err.value, ValueError) and isinstance(err.value, CalcmlError)


def test_slsqp_soft_margin_size_limit():
    X, y = noisy(0, 201)
    with pytest.raises(DomainError, match="limited to 200 points.*got 201: use solver='qp'"):
        LinearSVM(C=1.0, solver="slsqp").fit(X, y)


def test_predict_errors():
    with pytest.raises(DomainError, match="not fitted yet; call fit"):
        LinearSVM().predict([[0, 0]])
    m = LinearSVM().fit(THREE_X, THREE_Y)
    with pytest.raises(DomainError, match="3 features but the model was fitted with 2"):
        m.decision_function([[0, 0, 0]])
    np.testing.assert_allclose(m.decision_function(THREE_X), [-1, 1, 1], atol=1e-9)


def test_kkt_table_records():
    m = LinearSVM().fit(SIX_X, SIX_Y)
    rec = m.kkt_.to_records()
    assert len(rec) == 6 and rec[3]["alpha"] == 0.0 and rec[0]["support_vector"]
    assert set(rec[0]) == {"index", "functional_margin", "alpha", "slack", "complementary_slackness",
                           "support_vector", "label"}
    assert len(m.kkt_.to_records(limit=2)) == 2
    assert isinstance(m.kkt_residuals_.to_dict()["stationarity"], float)


def test_computation_error_is_not_a_value_error():
    assert not issubclass(ComputationError, ValueError)


def test_near_degenerate_points_leave_no_crumbs():
    """Uniform points with an empty band: many points lie just beyond the margin, where an
    interior-point solver leaves alpha ~ 1e-6 relative; the fit must still be exact."""
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, size=(60_000, 2))
    f = X @ (np.array([1.0, 2.0]) / math.sqrt(5)) - 0.1
    keep = np.abs(f) > 0.05
    X, y = X[keep], np.where(f[keep] > 0, 1, -1)
    m = LinearSVM().fit(X, y)
    assert m.kkt_residuals_.max < 1e-9
    np.testing.assert_allclose(m.kkt_.functional_margin[m.support_], 1.0, atol=1e-9)
    w, b0, alpha, _ = primal_qp(X[np.abs(f[keep]) < 0.06], y[np.abs(f[keep]) < 0.06])  # only the band's edge matters
    np.testing.assert_allclose(m.coef_[0], w, atol=1e-7 * np.abs(w).max())


def test_polish_drops_a_crumb_off_the_margin():
    """A solver's alpha with a crumb (1e-4 relative) on a point far from its margin line, and w, b
    off by 1e-8: the polish must return the exact answer, with that point's alpha exactly 0."""
    from calcml.svm import solvers

    X = np.asarray(SIX_X, float)
    y = np.asarray(SIX_Y, float)
    G = y[:, None] * X
    alpha = np.array([4 / 9, 2 / 9, 2 / 9, 0.0, 0.0, 4e-5])  # (3, 3) has y f = 3, yet a crumb
    w, b, a = solvers.polish(G, y, math.inf, np.array([2 / 3 + 1e-8, 2 / 3]), -1.0 + 1e-8, alpha)
    np.testing.assert_allclose(w, [2 / 3, 2 / 3], atol=1e-14)
    assert b == pytest.approx(-1.0, abs=1e-14)
    np.testing.assert_allclose(a, [4 / 9, 2 / 9, 2 / 9, 0, 0, 0], atol=1e-14)
    assert a[5] == 0.0


def test_calcml_svm_is_a_lazy_submodule():
    import calcml

    assert "svm" in dir(calcml) and calcml.svm.LinearSVM is LinearSVM
    assert calcml.NotSeparableError is NotSeparableError and issubclass(NotSeparableError, ValueError)


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_soft_margin_slsqp_agrees_with_qp(C):
    X, y = noisy(4, 40, flip=5)
    a = LinearSVM(C=C, solver="slsqp").fit(X, y)
    b = LinearSVM(C=C, solver="qp").fit(X, y)
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-9)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.alpha_, b.alpha_, atol=1e-7 * C)
    assert a.solver_ == "slsqp" and b.solver_ == "qp"


def test_a_solution_that_breaks_the_kkt_conditions_is_an_error(monkeypatch):
    from calcml.svm import solvers

    # a solver that returns a feasible but non-optimal line with made-up multipliers
    monkeypatch.setitem(solvers.SOLVERS, "qp", lambda G, y, C: (np.array([1.0, 1.0]), -1.0, np.ones(len(y))))
    monkeypatch.setattr(solvers, "polish", lambda G, y, C, w, b, a: (w, b, a))
    m = LinearSVM(solver="qp")
    with pytest.raises(ComputationError, match=r"does not satisfy the KKT conditions.*stationarity.*try solver='slsqp'"):
        m.fit(THREE_X, THREE_Y)
    assert not hasattr(m, "coef_")  # nothing half-fitted


@pytest.mark.parametrize("seed", range(5))
def test_the_answer_depends_only_on_the_support_vectors(seed):
    """Lesson 7's 'why' as a law: refitting on the support vectors alone gives the same line and
    alphas; moving a non-support point further out (away from the line) changes nothing."""
    X, y = separable(200 + seed, 120)
    m = LinearSVM().fit(X, y)
    sv = LinearSVM().fit(X[m.support_], y[m.support_])
    np.testing.assert_allclose(sv.coef_, m.coef_, atol=1e-9 * max(1, np.abs(m.coef_).max()))
    np.testing.assert_allclose(sv.intercept_, m.intercept_, atol=1e-9 * max(1, abs(m.intercept_[0])))
    np.testing.assert_allclose(sv.alpha_, m.alpha_[m.support_], atol=1e-9 * max(1, m.alpha_.max()))
    moved = X.copy()
    others = np.setdiff1d(np.arange(len(y)), m.support_)
    normal = m.coef_[0] / np.linalg.norm(m.coef_[0])
    moved[others] += 3.0 * np.where(y[others] > 0, 1.0, -1.0)[:, None] * normal  # further from the line
    mm = LinearSVM().fit(moved, y)
    np.testing.assert_allclose(mm.coef_, m.coef_, atol=1e-9 * max(1, np.abs(m.coef_).max()))
    np.testing.assert_array_equal(mm.support_, m.support_)
