"""Lesson 7 run for real: its checks, its notebook snippets, its exercises, its errata's evidence, its figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from calcml.course import model
from calcml.course.catalog import run_lesson
from calcml.course.content import errata_for
from calcml.course.exercises import exercises_for, get_exercise
from calcml.course.grading import grade
from calcml.course.grading_lesson7 import read_points
from calcml.errors import ExpressionError
from calcml.svm import LinearSVM

SIX_X = [[0, 0], [1, 2], [2, 1], [-1, -1], [-3, -1], [3, 3]]
SIX_Y = [-1, 1, 1, -1, -1, 1]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_lesson(7, tmp_path_factory.mktemp("lesson7"))


def test_lesson_checks_all_pass(run):
    checks = [b for b in run.blocks if isinstance(b, model.Result) and b.ok is not None]
    assert len(checks) >= 10
    assert all(b.ok is True for b in checks), [b.label for b in checks if b.ok is not True]
    figures = [b for b in run.blocks if isinstance(b, model.Figure)]
    assert [f.path for f in figures] == ["lesson-07/three-points.png", "lesson-07/c-sweep.png",
                                         "lesson-07/soft-margin.png"]
    assert all((run.out_dir / f.path).is_file() for f in figures)


def test_lesson_answers_the_why_and_shows_the_kkt_table(run):
    text = " ".join(b.markdown for b in run.blocks if isinstance(b, model.Text))
    assert "Why the line does not move" in text and "complementary slackness" in text.lower()
    (table,) = [b for b in run.blocks if isinstance(b, model.Table) and b.caption == "The KKT table of the six points"]
    assert [r[3] for r in table.rows] == ["4/9", "2/9", "2/9", "0", "0", "0"]
    assert [r[5] for r in table.rows] == ["support vector"] * 3 + ["outside the margin"] * 3


def test_python_snippets_run_on_their_own(run):
    """Each Code(language='python') block is a notebook cell: it must run in a fresh namespace."""
    import matplotlib.pyplot as plt

    snippets = [b.source for b in run.blocks if isinstance(b, model.Code) and b.language == "python"]
    assert len(snippets) >= 6
    for src in snippets:
        namespace: dict = {"__name__": "__snippet__"}
        exec(compile(src, "<lesson 7 snippet>", "exec"), namespace)  # our own lesson code, not user input
        plt.close("all")


def test_three_point_figure_puts_every_support_vector_on_its_margin_line():
    from calcml.plots.svm import plot_svm

    X, y = SIX_X, SIX_Y
    m = LinearSVM().fit(X, y)
    ax = plot_svm(m, X, y)
    # the drawn contour lines are f = -1, 0, +1 of the model; each support vector lies on one
    levels = [float(v) for c in ax.collections if hasattr(c, "levels") for v in c.levels]
    assert {-1.0, 0.0, 1.0} <= set(levels)
    f = m.decision_function(np.asarray(X, float)[m.support_])
    np.testing.assert_allclose(np.abs(f), 1.0, atol=1e-12)
    circled = [c for c in ax.collections if c.get_label() == "support vectors"]
    np.testing.assert_allclose(circled[0].get_offsets(), np.asarray(X, float)[m.support_])
    ax.figure.clf()


def test_c_sweep_plot_returns_two_axes():
    from calcml.plots.svm import plot_c_sweep

    left, right = plot_c_sweep([0.1, 1, 10], [3.0, 2.0, 1.0], [10, 5, 3], [4.0, 1.0, 0.0])
    assert left.get_xscale() == "log" and right.get_yscale() == "log"
    np.testing.assert_allclose(left.lines[0].get_ydata(), [3.0, 2.0, 1.0])
    left.figure.clf()


# --- exercises --------------------------------------------------------------------------------------

def test_three_exercises():
    assert [e.id for e in exercises_for(7)] == ["7.1", "7.2", "7.3"]


def test_exercise_references_are_right_by_an_independent_route():
    from sklearn.svm import SVC

    svc = SVC(kernel="linear", C=1e8, tol=1e-10).fit(SIX_X, SIX_Y)
    w, b = svc.coef_[0].tolist(), float(svc.intercept_[0])
    assert grade("7.1", f"{w[0]!r}, {w[1]!r}, {b!r}").correct
    sv = " ".join(f"({SIX_X[i][0]}, {SIX_X[i][1]})" for i in svc.support_)
    assert grade("7.2", sv).correct
    assert grade("7.3", repr(float(2 / np.linalg.norm(w)))).correct


@pytest.mark.parametrize("ex_id, answer", [
    ("7.1", "(2/3, 2/3, -1)"), ("7.1", "0.6666666667 0.6666666667 -1"),
    ("7.2", "(2, 1), (0, 0), (1, 2)"), ("7.2", "[0, 0] [1, 2] [2, 1] (1, 2)"), ("7.2", "0,0; 1,2; 2,1"),
    ("7.2", "(4/2, sqrt(1)) (0, 0) (1, 2)"),
    ("7.3", "3/sqrt(2)"), ("7.3", "2.12132034"), ("7.3", "3*sqrt(2)/2"), ("7.3", "sqrt(9/2)"),
])
def test_equivalent_answers_are_accepted(ex_id, answer):
    assert grade(ex_id, answer).correct


@pytest.mark.parametrize("ex_id, answer, mistake, words", [
    ("7.2", "(0, 0) (3, 3)", "wrong_set", ["(3, 3) is not a support vector", "3 > 1", "2 support vectors are missing"]),
    ("7.2", "(0, 0) (1, 2) (2, 1) (5, 5)", "extra_points", ["(5, 5) is not one of the points"]),
    ("7.2", "(0, 0)", "missing_points", ["2 support vectors are missing"]),
    ("7.2", "(0, 0) (1, 2) (2, 1) (-1, -1)", "extra_points", ["functional margin y f(x) is 2.333 > 1"]),
])
def test_points_feedback(ex_id, answer, mistake, words):
    g = grade(ex_id, answer)
    assert not g.correct and g.mistake == mistake
    for w in words:
        assert w in g.feedback
    # the hidden answer is never spelled out
    assert "(1, 2) (2, 1)" not in g.feedback and "(2, 1)" not in g.feedback.replace(answer, "")


def test_scaled_line_gets_a_useful_hint():
    g = grade("7.1", "1, 1, -1.5")
    assert not g.correct and "3/2 times" in g.feedback


@pytest.mark.parametrize("text, words", [
    ("(0, 0) junk", "could not read 'junk'"),
    ("", "no points found"),
    ("(1, 2, 3)", "expected 2 numbers"),
    ("(1, x)", "unknown name"),
])
def test_points_reader_errors(text, words):
    with pytest.raises(ExpressionError, match=words):
        read_points(text)


def test_exercise_prompts_name_the_data():
    for ex_id in ("7.1", "7.2", "7.3"):
        assert "(3, 3)" in get_exercise(ex_id).prompt and "(-3, -1)" in get_exercise(ex_id).prompt


# --- the errata's evidence, measured again ------------------------------------------------------

def test_errata_evidence():
    from calcml import gradient

    texts = " ".join(e.claim + " " + e.correction for e in errata_for(7))
    assert len(errata_for(7)) >= 4
    # the sign of the Lagrangian
    minus = gradient("a^2 + b^2 - 8/9*(-c - 1) - 4/9*(a + 2*b + c - 1) - 4/9*(2*a + b + c - 1)",
                     at=(2 / 3, 2 / 3, -1), vars=["a", "b", "c"])
    plus = gradient("a^2 + b^2 + 8/9*(-c - 1) + 4/9*(a + 2*b + c - 1) + 4/9*(2*a + b + c - 1)",
                    at=(2 / 3, 2 / 3, -1), vars=["a", "b", "c"])
    assert minus.agree and np.allclose(minus.lenses["numeric"].value, 0, atol=1e-9)
    np.testing.assert_allclose(plus.lenses["symbolic"].value, [8 / 3, 8 / 3, 0], atol=1e-12)
    assert "(8/3, 8/3, 0)" in texts and "(8/9, 4/9, 4/9)" in texts
    # six equalities have no solution; the best least-squares attempt misses by 0.65
    X = np.asarray(SIX_X, float)
    y = np.asarray(SIX_Y, float)
    M = np.column_stack([y[:, None] * X, y])
    z = np.linalg.lstsq(M, np.ones(6), rcond=None)[0]
    assert round(float(np.abs(M @ z - 1).max()), 2) == 0.65 and "0.65" in texts
    # distances
    m = LinearSVM().fit(SIX_X, SIX_Y)
    d = np.abs(m.decision_function(X)) / np.linalg.norm(m.coef_)
    assert [round(float(v), 2) for v in d[3:]] == [2.47, 3.89, 3.18] and "2.47, 3.89 and 3.18" in texts
    assert round(float(d[0]), 4) == 1.0607 and list(LinearSVM().fit(SIX_X[:3], SIX_Y[:3]).support_) == [0, 1, 2]
    # the bounds of the original program
    tiny = LinearSVM().fit([[0, 0], [0.05, 0]], [-1, 1])
    np.testing.assert_allclose(tiny.coef_, [[40, 0]], atol=1e-9)
    from scipy.optimize import minimize

    A = np.array([[0, 0, -1], [0.05, 0, 1.0]])
    res = minimize(lambda w: w[0] ** 2 + w[1] ** 2, np.ones(3), method="SLSQP", bounds=((-10, 10),) * 3,
                   constraints=[{"type": "ineq", "fun": lambda w: A @ w - 1}])
    assert res.status == 8 and res.x[0] == pytest.approx(10) and (A @ res.x - 1).min() == pytest.approx(-1.5, abs=1e-6)
    assert "w = (40, 0)" in texts and "violated by 1.5" in texts


def test_margin_equals_three_over_root_two():
    assert LinearSVM().fit(SIX_X, SIX_Y).margin_ == pytest.approx(3 / math.sqrt(2), abs=1e-12)


