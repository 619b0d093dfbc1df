"""Lesson 5: the original network's bugs measured by calcml's own tools, the lesson run, its exercises.

The figures quoted in the lesson's errata are recomputed here, so the text cannot drift from the code.
"""

import numpy as np
import pytest

from calcml import gradient
from calcml.course import catalog, model
from calcml.course.content import errata_for
from calcml.course.exercises import exercises_for
from calcml.course.grading import grade
from calcml.course.lessons import lesson05 as L
from calcml.nn import unit_activity
from calcml.testing import check_grad


@pytest.fixture(scope="module")
def data():
    return L.original_data()


def _errata_text():
    return " ".join(e.claim + " " + e.correction for e in errata_for(5))


def test_one_layer_formula_three_lenses_to_1e10():
    f = L.one_layer_by_jacobians()
    assert f["J"].shape == (2, 3) and f["dy_dz"].shape == (2,) and f["dy_dx"].shape == (3,)
    # the Jacobian is diag(f') W, checked against calcml's own reverse mode on z = tanh(W x)
    import calcml.autodiff as ad
    np.testing.assert_allclose(f["J"], ad.jacobian(lambda v: ad.tanh(L.W_EX @ v))(L.X_EX), rtol=1e-14)
    r = gradient(L.EXPR_EX, at=list(L.X_EX), vars=["x1", "x2", "x3"])
    for lens in r.lenses.values():
        assert np.max(np.abs(lens.value - f["dy_dx"])) <= 1e-10
    off = np.max(np.abs(f["W_T_dy_dz"] - f["dy_dx"]))
    assert round(off, 3) == 0.075 and "off by 0.075" in _errata_text()


def test_check_grad_names_the_originals_two_gradient_bugs(data):
    X, y = data
    net = L.OriginalMLP()
    res = check_grad(lambda p: net.loss_at(p, X, y), lambda p: net.grads_at(p, X, y), net.params(),
                     batch_size=len(X))
    assert not res.ok
    assert list(res.groups) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for name, g in res.groups.items():
        assert g.verdict == "constant factor"
        want = 2.0 if name.startswith("W") else 2.0 / 1000
        assert g.ratio == pytest.approx(want, rel=1e-6)
        assert ("2.000\u00d7" if name.startswith("W") else "0.002000\u00d7 (= 2/N)") in g.finding
    text = _errata_text()
    assert "2.000x the true one" in text and "0.002000x = 2/N" in text
    # fix both and every entry agrees
    fixed = L.OriginalMLP(sigmoid_factor=1.0, bias_mean=False)
    assert check_grad(lambda p: fixed.loss_at(p, X, y), lambda p: fixed.grads_at(p, X, y), fixed.params()).ok


def test_original_loss_is_a_sum(data):
    X, y = data
    net = L.OriginalMLP()
    yhat = net.forward(X)
    total = net.loss(y, yhat)
    mean = float(np.mean(-(y * np.log(yhat) + (1 - y) * np.log(1 - yhat))))
    assert total == pytest.approx(1000 * mean, rel=1e-12)
    assert f"{total:.1f}" == "693.6" and "693.6" in _errata_text()


def test_dead_units_at_the_originals_initialisation(data):
    X, y = data
    act = unit_activity(L.as_mlp(L.OriginalMLP()), X)
    assert act.dead == ((2, 1), (2, 3))
    assert "units 1 and 3" in _errata_text()


def test_original_training_history(data):
    X, y = data
    acc = np.array([a for _, a in L.OriginalMLP().train(X, y)])
    first = int(np.flatnonzero(acc != 0.5)[0])
    text = _errata_text()
    assert f"first {first} epochs" in text
    assert f"peaks at {acc.max():.2f} at epoch {int(acc.argmax()) + 1}" in text
    assert f"ends at {acc[-1]:.2f} after 150" in text
    stalled = np.array([a for _, a in L.OriginalMLP(sigmoid_factor=1.0, bias_mean=False).train(X, y)])
    assert np.all(stalled == 0.5)
    net = L.fixed_network(X, y, seed=0)
    assert f"reach {net.score(X, y.ravel()):.3f}" in text and net.score(X, y.ravel()) > 0.97


def test_exercises_reference_and_feedback():
    ids = [e.id for e in exercises_for(5)]
    assert ids == ["5.1", "5.2", "5.3"]
    for e in exercises_for(5):
        ref = "; ".join(", ".join(r) for r in e.reference) if e.kind == "matrix" else e.reference
        assert grade(e, ref).correct
    assert grade("5.2", "s - s^2").correct
    two = grade("5.2", "2*s*(1-s)")
    assert not two.correct and two.mistake == "constant_factor" and "2 times" in two.feedback
    assert "s*(1 - s)" not in two.feedback  # the answer is not given away
    t = grade("5.1", "1, 0.5, 0; -2, 3, 0")
    assert not t.correct and t.mistake == "transposed"
    summed = grade("5.3", "8")
    assert not summed.correct and "4 times" in summed.feedback


@pytest.mark.slow
def test_lesson_five_runs_and_every_check_passes(tmp_path):
    run = catalog.run_lesson(5, tmp_path)
    checks = [b for b in run.blocks if isinstance(b, model.Result) and b.ok is not None]
    assert len(checks) >= 6 and all(b.ok for b in checks), [b.label for b in checks if not b.ok]
    figures = [b for b in run.blocks if isinstance(b, model.Figure)]
    assert len(figures) == 5 and all((tmp_path / f.path).stat().st_size > 5000 for f in figures)
    python = [b for b in run.blocks if isinstance(b, model.Code) and b.language == "python"]
    assert len(python) >= 4
    errata = [b for b in run.blocks if isinstance(b, model.Erratum)]
    assert len(errata) == 5


@pytest.mark.slow
def test_lesson_snippets_run_on_their_own():
    # each python snippet is self-contained: run it in a fresh namespace (the figure one draws, writes nothing)
    import matplotlib

    matplotlib.use("Agg")
    for source in (L._code_one_layer(), L._code_original(), L._code_fixed(), L._code_loop()):
        exec(compile(source, "<lesson 5 snippet>", "exec"), {"__name__": "snippet"})  # our own code, not user text
