"""Tests for calcml.plots.derivative: what is drawn, checked against the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from calcml.errors import DomainError  # noqa: E402
from calcml.stepsize import step_size_study  # noqa: E402
from calcml.plots.derivative import plot_rate_vs_rule, plot_step_size_study  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_step_size_plot_draws_both_curves_and_marks_the_best_h():
    study = step_size_study(math.exp, 30.0, exact=math.exp(30.0))
    ax = plot_step_size_study(study)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = lines_by_label(ax)
    fwd = lines["forward (f(x+h) - f(x))/h"]
    keep = study.forward_error > 0
    np.testing.assert_array_equal(fwd.get_xdata(), study.h[keep])
    np.testing.assert_array_equal(fwd.get_ydata(), study.forward_error[keep])
    cen = lines["central (f(x+h) - f(x-h))/2h"]
    np.testing.assert_array_equal(cen.get_xdata(), study.h[study.central_error > 0])
    stars = [line for label, line in lines.items() if label.startswith("best h")]
    assert sorted(float(s.get_xdata()[0]) for s in stars) == sorted([study.best_h_forward, study.best_h_central])
    assert {"slope 1 (truncation)", "slope 2 (truncation)", "slope -1 (round-off)"} <= set(lines)
    # the reference slopes really have those slopes
    for label, p in (("slope 1 (truncation)", 1), ("slope 2 (truncation)", 2), ("slope -1 (round-off)", -1)):
        x, y = lines[label].get_data()
        assert math.log(y[1] / y[0]) / math.log(x[1] / x[0]) == pytest.approx(p)
    assert "relative" in ax.get_ylabel() and "30" in ax.get_title()
    assert ax.get_legend() is not None


def test_step_size_plot_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    out = plot_step_size_study(step_size_study(np.sin, 1.0), ax=ax)
    assert out is ax and len(ax.get_lines()) >= 2


def test_rate_vs_rule_is_lesson_ones_figure():
    x = np.linspace(-10, 10, 101)
    f = lambda t: t**3 - 2 * t**2 + 1  # noqa: E731 - the lesson's task
    df = lambda t: 3 * t**2 - 4 * t  # noqa: E731
    left, right = plot_rate_vs_rule(f, df, x, label="f(x) = x^3 - 2x^2 + 1")
    assert left.figure is right.figure and left is not right
    (curve,) = left.get_lines()
    np.testing.assert_allclose(curve.get_ydata(), f(x))
    lines = lines_by_label(right)
    assert set(lines) == {"rate of change, h = 0.0001", "calcml's numeric derivative", "by the rules"}
    # the course's quotient, computed here independently
    np.testing.assert_allclose(lines["rate of change, h = 0.0001"].get_ydata(), (f(x + 1e-4) - f(x)) / 1e-4)
    np.testing.assert_allclose(lines["by the rules"].get_ydata(), df(x))
    np.testing.assert_allclose(lines["calcml's numeric derivative"].get_ydata(), df(x), rtol=1e-9, atol=1e-9)
    assert left.get_title() == "f(x) = x^3 - 2x^2 + 1" and right.get_title() == "f'(x) by the rate of change and by the rules"
    assert [t.get_text() for t in right.get_legend().get_texts()] == [
        "rate of change, h = 0.0001", "calcml's numeric derivative", "by the rules"]


def test_rate_vs_rule_with_scalar_functions_given_axes_and_h():
    fig, axes = plt.subplots(1, 2)
    x = np.linspace(0.5, 3, 11)
    left, right = plot_rate_vs_rule(math.log, lambda t: 1 / t, x, ax=axes, h=0.1)
    assert (left, right) == tuple(axes)
    rate = lines_by_label(right)["rate of change, h = 0.1"].get_ydata()
    np.testing.assert_allclose(rate, [(math.log(t + 0.1) - math.log(t)) / 0.1 for t in x])


def test_rate_vs_rule_leaves_out_points_without_a_derivative():
    x = np.array([-1.0, 0.0, 1.0])
    _, right = plot_rate_vs_rule(np.abs, np.sign, x)
    calc = lines_by_label(right)["calcml's numeric derivative"].get_ydata()
    assert calc[0] == pytest.approx(-1) and math.isnan(calc[1]) and calc[2] == pytest.approx(1)


@pytest.mark.parametrize("kwargs,match", [
    (dict(f=3), "f must be a callable"),
    (dict(x=[1.0]), "at least two"),
    (dict(h=0.0), "h must be"),
    (dict(ax="left"), "pair of Axes"),
])
def test_rate_vs_rule_validation(kwargs, match):
    args = dict(f=np.sin, df_rule=np.cos, x=np.linspace(0, 1, 5))
    args.update(kwargs)
    with pytest.raises(DomainError, match=match):
        plot_rate_vs_rule(**args)
