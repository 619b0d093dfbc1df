"""Lesson 6 run for real: its checks pass, its figures exist, its snippets run; its exercises grade."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from calcml.course import model
from calcml.course.catalog import run_lesson
from calcml.course.grading import grade


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson6")
    return run_lesson(6, out), out


def _blocks(run, kind):
    return [b for b in run.blocks if isinstance(b, kind)]


def test_every_check_in_the_lesson_passes(lesson):
    run, _ = lesson
    checks = [b for b in _blocks(run, model.Result) if b.ok is not None]
    assert len(checks) >= 5
    assert all(b.ok for b in checks), [b for b in checks if not b.ok]


def test_tables_hold_the_hand_worked_answers(lesson):
    run, _ = lesson
    tables = {t.caption: t for t in _blocks(run, model.Table)}
    cubic = tables["critical points of x^3 - 2x^2 + 1"]
    # f' = 3x^2 - 4x = x(3x - 4); f'' = 6x - 4: -4 at 0, +4 at 4/3; f(4/3) = 64/27 - 32/9 + 1 = -5/27
    assert [(r[0], r[1], r[2]) for r in cubic.rows] == [("0", "1", "maximum"), ("4/3", "-5/27", "minimum")]
    saddle = tables["critical points of x^3 - 3x + y^2"]
    assert {(r[0], r[3]) for r in saddle.rows} == {("(-1, 0)", "saddle"), ("(1, 0)", "minimum")}
    rates = tables["gradient descent on x^2 + 10y^2 from (1, 1); L = 20"]
    assert [r[3].split(" (")[0] for r in rates.rows] == ["minimum", "minimum", "minimum", "diverged"]  # lr > 2/L
    assert rates.rows[3][3] == "diverged (flagged at step 2)"
    lab = tables["Rosenbrock from (-1.2, 1), tol = 1e-6 on the gradient norm"]
    assert {r[0]: r[1] for r in lab.rows} == {"gd + Armijo": "minimum", "momentum": "minimum",
                                              "Adam": "minimum", "Newton": "minimum"}


def test_figures_are_written(lesson):
    run, out = lesson
    figures = _blocks(run, model.Figure)
    assert {f.path for f in figures} == {f"lesson-06/{n}.png" for n in
                                         ("cubic", "log", "saddle", "paths", "histories", "learning_rates")}
    for f in figures:
        data = (out / f.path).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_errata_and_text(lesson):
    run, _ = lesson
    errata = _blocks(run, model.Erratum)
    assert len(errata) == 3 and all("calcml" in e.correction for e in errata)
    assert sum(1 for b in run.blocks if isinstance(b, model.Text)) >= 8


@pytest.mark.slow
def test_python_snippets_run_on_their_own(lesson, capsys):
    run, _ = lesson
    snippets = [b.source for b in _blocks(run, model.Code) if b.language == "python"]
    assert len(snippets) == 6
    for source in snippets:
        exec(compile(source, "<lesson 6 snippet>", "exec"), {"__name__": "__snippet__"})  # our own code
        matplotlib.pyplot.close("all")
    out = capsys.readouterr().out
    assert "maximum" in out and "never 0 on (0, ∞)" in out and "diverged" in out
    assert "'lambda': 4" in out or "lambda: 4" in out


# --- exercises ------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["0: maximum; 4/3: minimum", "x = 4/3: min; x = 0: max",
                                    "4/3 : local minimum ; 0 : local maximum", "8/6: minimum; 0: maximum"])
def test_6_1_right(answer):
    assert grade("6.1", answer).correct


@pytest.mark.parametrize("answer, words", [
    ("0: minimum; 4/3: maximum", "0 is critical, but not a minimum"),
    ("4/3: minimum", "1 critical point is missing"),
    ("0: maximum; 4/3: minimum; 2: minimum", "2 is not a critical point"),
    ("0; 4/3: minimum", "say what kind of point 0 is"),
    ("none", "2 critical points are missing"),
])
def test_6_1_feedback_without_the_answer(answer, words):
    g = grade("6.1", answer)
    assert not g.correct and words in g.feedback
    assert "4/3: minimum" not in g.feedback and "0: maximum" not in g.feedback
    assert "expected" not in g.to_dict() and g.to_dict(reveal=True)["expected"] == "0: maximum; 4/3: minimum"


def test_6_1_bad_format_points_at_the_problem():
    from calcml.errors import ExpressionError

    with pytest.raises(ExpressionError, match="unknown kind 'peak'"):
        grade("6.1", "0: peak")
    with pytest.raises(ExpressionError, match="a point needs 1 coordinate"):
        grade("6.1", "(0, 1): maximum")


@pytest.mark.parametrize("answer", ["none", "None", "no critical point", "There is none."])
def test_6_2_right(answer):
    assert grade("6.2", answer).correct


@pytest.mark.parametrize("answer, words", [
    ("x = 0", "not even defined there"), ("0", "log 0 does not exist"), ("infinity", "Infinity is not a number"),
    ("x = 5", "f'(5) = 1/5, not 0"), ("x = -2", "outside the domain"), ("banana", "Answer with a value"),
])
def test_6_2_feedback(answer, words):
    g = grade("6.2", answer)
    assert not g.correct and words in g.feedback and "none" not in g.feedback.lower().split()


@pytest.mark.parametrize("answer, right", [("saddle", True), ("a saddle point", True), ("minimum", False),
                                           ("maximum", False), ("neither", False)])
def test_6_3(answer, right):
    g = grade("6.3", answer)
    assert g.correct is right and (right or "saddle" not in g.feedback.lower())


def test_6_3_reference_agrees_with_critical_points():
    from calcml.critical import critical_points

    kinds = {tuple(p.point.values()): p.kind for p in critical_points("x^3 - 3x + y^2").points}
    assert kinds[(-1, 0)] == "saddle"
