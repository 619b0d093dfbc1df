"""plots.figures: the figures the lessons and the CLI share, checked against independent values."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

import calcml
from calcml.plots.figures import gradient_field_figure, rate_vs_rule_figure, running_sum_figure

X = sp.Symbol("x")


def test_rate_vs_rule_draws_f_and_its_derivative():
    sd = calcml.derivative("sin(x^2)")
    xs = np.linspace(-2, 2, 41)
    left, right = rate_vs_rule_figure(sd.expression, sd.derivative, "x", xs, label="f(x) = sin(x^2)")
    (f_line,) = left.get_lines()
    assert np.allclose(f_line.get_ydata(), np.sin(xs**2), rtol=0, atol=1e-15)
    labels = [ln.get_label() for ln in right.get_lines()]
    rule = right.get_lines()[labels.index("by the rules")].get_ydata()
    assert np.allclose(rule, 2 * xs * np.cos(xs**2), rtol=0, atol=1e-14)  # d/dx sin(x^2) by hand
    rate = right.get_lines()[0].get_ydata()  # the course's forward difference: close, not exact
    assert np.max(np.abs(rate - 2 * xs * np.cos(xs**2))) < 1e-2
    assert left.get_title() == "f(x) = sin(x^2)"


def test_rate_vs_rule_default_grid_and_label():
    sd = calcml.derivative("x^2")
    left, right = rate_vs_rule_figure(sd.expression, sd.derivative)
    x = left.get_lines()[0].get_xdata()
    assert x.size == 501 and x[0] == -10 and x[-1] == 10
    assert left.get_title() == "f(x) = x^2"  # math text as the lessons write it


def test_running_sum_matches_quadrature():
    anti = calcml.antiderivative("exp(-x)*x")
    ax = running_sum_figure(anti.expression, anti.antiderivative, "x", 0.0, 4.0, steps=400)
    running, shifted_F = ax.get_lines()
    x, s = running.get_xdata(), running.get_ydata()
    for i in (100, 250, 400):
        truth, _ = quad(lambda t: t * math.exp(-t), 0.0, float(x[i]), epsabs=1e-13)
        assert abs(s[i] - truth) < 1e-4  # the cumulative trapezoid with dx = 0.01
    # F(x) - F(0) drawn on its own grid: the exact area
    xs, Fs = shifted_F.get_xdata(), shifted_F.get_ydata()
    assert np.allclose(Fs, 1 - (xs + 1) * np.exp(-xs), atol=1e-12)


def test_running_sum_needs_a_finite_interval():
    anti = calcml.antiderivative("x")
    with pytest.raises(ValueError, match="finite"):
        running_sum_figure(anti.expression, anti.antiderivative, "x", -math.inf, 1.0)


def test_gradient_field_centres_on_the_point_and_marks_it():
    g = calcml.gradient("x^2 + y^3")
    ax = gradient_field_figure("x^2 + y^3", g.expressions, ["x", "y"], point=(2.0, 3.0), half_width=2.0)
    assert ax.get_xlim() == (0.0, 4.0) and ax.get_ylim() == (1.0, 5.0)
    (marker,) = ax.get_lines()
    assert marker.get_xdata().tolist() == [2.0] and marker.get_ydata().tolist() == [3.0]
    (arrow,) = ax.texts  # the red arrow: along the gradient (4, 27)
    (x1, y1), (x0, y0) = arrow.xy, arrow.xyann
    assert math.isclose(math.atan2(y1 - y0, x1 - x0), math.atan2(27, 4), rel_tol=1e-12)


def test_gradient_field_without_a_point():
    g = calcml.gradient("x*y")
    ax = gradient_field_figure("x*y", g.expressions, ["x", "y"], title="t")
    assert ax.get_xlim() == (-10.0, 10.0) and ax.get_title() == "t" and not ax.get_lines()
