"""Tests for calcml.plots.integral: what is drawn, checked against the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from calcml.errors import DomainError  # noqa: E402
from calcml.convergence import convergence_table  # noqa: E402
from calcml.integrate import FIXED_RULES, cumulative_integral  # noqa: E402
from calcml.plots.integral import plot_convergence, plot_running_sum  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_running_sum_plot_shows_the_course_sum_and_the_shifted_antiderivative():
    dx = 0.1
    run = cumulative_integral(lambda x: 2 * x, -10, 10, dx, method="left")
    ax = plot_running_sum(run, lambda x: x**2)
    lines = lines_by_label(ax)
    assert set(lines) == {"running sum (left, dx=0.1)", "F(x) - F(a)"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["running sum (left, dx=0.1)", "F(x) - F(a)"]
    xs, ys = lines["running sum (left, dx=0.1)"].get_data()
    np.testing.assert_array_equal(xs, run.x)
    np.testing.assert_array_equal(ys, run.F)
    xF, yF = lines["F(x) - F(a)"].get_data()
    # the shifted antiderivative is x^2 - 100: it starts at 0 at x = a ...
    assert xF[0] == -10 and yF[0] == 0.0
    np.testing.assert_allclose(yF, xF**2 - 100, atol=1e-9)
    # ... and the two curves coincide to O(dx) (the left sum is one strip ahead)
    assert np.max(np.abs(np.interp(run.x, xF, yF) - run.F)) <= 25 * dx


def test_running_sum_plot_coincides_for_the_trapezoid_and_the_task_function():
    run = cumulative_integral(lambda x: 3 * x**2 - 4 * x, -10, 10, 0.1)
    ax = plot_running_sum(run, lambda x: x**3 - 2 * x**2)
    xF, yF = lines_by_label(ax)["F(x) - F(a)"].get_data()
    exact = lambda x: x**3 - 2 * x**2 - (-1000 - 200)  # noqa: E731
    np.testing.assert_allclose(yF, exact(xF), rtol=1e-12, atol=1e-9)
    # trapezoid error here is (x - a) dx^2 / 2 <= 0.1: the curves overlap
    assert np.max(np.abs(run.F - exact(run.x))) <= 20 * 0.1**2 / 2 + 1e-9


def test_running_sum_plot_without_shift_and_on_a_given_axes():
    run = cumulative_integral(np.cos, 0, 3, 0.01)
    fig, ax = plt.subplots()
    out = plot_running_sum(run, math.sin, ax=ax, shift=False)  # scalar-only F is fine
    assert out is ax
    xF, yF = lines_by_label(ax)["F(x)"].get_data()
    np.testing.assert_allclose(yF, np.sin(xF), atol=1e-15)


def test_running_sum_plot_errors():
    run = cumulative_integral(lambda x: x, 0, 1, 0.1)
    with pytest.raises(DomainError, match=r"antiderivative must be a callable F with F' = f, got str"):
        plot_running_sum(run, "x**2/2")
    with pytest.raises(DomainError, match=r"F\(a\) = -inf at a=0.0 is not finite.*pass shift=False"):
        plot_running_sum(run, np.log)


def test_convergence_plot_draws_each_rule_and_the_reference_slopes():
    table = convergence_table(np.exp, 0, 1, exact=math.e - 1, methods=FIXED_RULES, ns=(4, 8, 16, 32, 64))
    ax = plot_convergence(table)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    lines = lines_by_label(ax)
    for method in FIXED_RULES:
        (label,) = [k for k in lines if k.startswith(method + ",")]
        assert label.endswith(f"order {table.observed_order(method):.2f}")
        n, err = lines[label].get_data()
        rows = [r for r in table.rows if r.method == method]
        np.testing.assert_array_equal(n, [r.n for r in rows])
        np.testing.assert_array_equal(err, [r.error for r in rows])
    # labelled as lesson 2's caption names them
    for p, rules in ((1, "Riemann"), (2, "midpoint, trapezoid"), (4, "Simpson")):
        n, err = lines[f"slope -{p} ({rules})"].get_data()
        slope = np.log(err[-1] / err[0]) / np.log(n[-1] / n[0])
        assert slope == pytest.approx(-p)
        assert err[0] > max(r.error for r in table.rows)  # drawn above the data, not over it
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "slope -4 (Simpson)" in legend and any(t.startswith("simpson") for t in legend)


def test_convergence_plot_handles_exact_rules_and_a_given_axes():
    # the trapezoid rule is exact on a line: nothing to put on a log axis
    table = convergence_table(lambda x: 2 * x + 1, 0, 1, exact=2.0, methods=("trapezoid", "left"), ns=(4, 8, 16))
    fig, ax = plt.subplots()
    assert plot_convergence(table, ax=ax) is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert "trapezoid (exact at every n)" in labels
    assert any(label.startswith("left, order 1.00") for label in labels)
