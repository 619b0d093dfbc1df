"""Lesson 3's figures (calcml.plots.gradient): what is drawn equals what the test computes."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from calcml.multivariate import steepest_ascent  # noqa: E402
from calcml.plots.gradient import plot_direction_sweep, plot_gradient_field, plot_surface  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def f(x, y):
    return x**2 + 3 * y**2 - x * y


def grad(x, y):
    # by hand: (2x - y, 6y - x)
    return 2 * x - y, 6 * y - x


def _quiver(ax) -> Quiver:
    found = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(found) == 1
    return found[0]


def test_gradient_field_arrows_are_unit_gradients_coloured_by_norm():
    ax = plot_gradient_field(f, grad, xlim=(-2, 2), ylim=(-1, 1), n=9, title="field")
    assert isinstance(ax, Axes)
    q = _quiver(ax)
    X, Y = np.asarray(q.X), np.asarray(q.Y)
    assert X.size == 81
    gx, gy = 2 * X - Y, 6 * Y - X
    norm = np.hypot(gx, gy)
    moving = norm > 0
    np.testing.assert_allclose(np.asarray(q.U)[moving], gx[moving] / norm[moving], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(q.V)[moving], gy[moving] / norm[moving], rtol=1e-12)
    # the grid contains the stationary point (0, 0): no direction there, an arrow of length 0
    assert np.any(~moving)
    assert np.all(np.asarray(q.U)[~moving] == 0) and np.all(np.asarray(q.V)[~moving] == 0)
    np.testing.assert_allclose(np.asarray(q.get_array()).ravel(), norm, rtol=1e-12)
    assert ax.get_title() == "field"
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"


def test_gradient_field_with_constant_gradient_and_a_marked_point():
    # f = 3x - 4y has the constant gradient (3, -4); grad may return scalars, broadcast to the grid
    ax = plot_gradient_field(lambda x, y: 3 * x - 4 * y, lambda x, y: (3.0, -4.0), n=4,
                             point=(1.0, 2.0), point_gradient=(3.0, -4.0))
    q = _quiver(ax)
    np.testing.assert_allclose(np.asarray(q.U), 0.6)
    np.testing.assert_allclose(np.asarray(q.V), -0.8)
    np.testing.assert_allclose(np.asarray(q.get_array()).ravel(), 5.0)
    # the point itself is marked
    marked = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(marked) == 1
    assert (marked[0].get_xdata()[0], marked[0].get_ydata()[0]) == (1.0, 2.0)
    # and the red arrow leaves it along the gradient's direction
    arrows = [t for t in ax.texts if hasattr(t, "xyann")]
    assert len(arrows) == 1
    (x0, y0), (x1, y1) = arrows[0].xyann, arrows[0].xy
    assert (x0, y0) == (1.0, 2.0)
    assert math.atan2(y1 - y0, x1 - x0) == pytest.approx(math.atan2(-4.0, 3.0), rel=1e-12)


def test_direction_sweep_marks_the_best_angle():
    r = steepest_ascent("x^2 + y^3", [2, 3], resolution_deg=0.5)
    ax = plot_direction_sweep(r, title="sweep")
    assert isinstance(ax, Axes)
    curve = ax.get_lines()[0]
    np.testing.assert_allclose(curve.get_xdata(), r.angles_deg)
    np.testing.assert_allclose(curve.get_ydata(), r.rates)
    best = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(best) == 1
    bx, by = best[0].get_xdata()[0], best[0].get_ydata()[0]
    # the marked angle is the curve's maximum, and within half a step of atan2(27, 4), worked out here
    assert by == pytest.approx(np.max(curve.get_ydata()))
    assert abs(bx - math.degrees(math.atan2(27, 4))) <= 0.25 + 1e-9
    assert by == pytest.approx(math.hypot(4, 27), rel=1e-5)
    # the gradient's angle (vertical) and norm (horizontal) are drawn for comparison
    xs = {float(ln.get_xdata()[0]) for ln in ax.get_lines() if len(set(ln.get_xdata())) == 1}
    ys = {float(ln.get_ydata()[0]) for ln in ax.get_lines() if len(set(ln.get_ydata())) == 1}
    assert any(abs(x - math.degrees(math.atan2(27, 4))) < 1e-9 for x in xs)
    assert any(abs(y - math.hypot(4, 27)) < 1e-9 for y in ys)
    assert ax.get_xlim() == (0.0, 360.0)
    assert "counter-clockwise" in ax.get_xlabel()
    assert ax.get_title() == "sweep"


def test_plots_draw_on_a_given_axes():
    fig, (a1, a2) = plt.subplots(1, 2)
    assert plot_gradient_field(f, grad, n=3, ax=a1) is a1
    assert plot_direction_sweep(steepest_ascent("x*y", [1, 2], resolution_deg=5), ax=a2) is a2


def test_surface_heights_are_f():
    ax = plot_surface(f, xlim=(-1, 1), ylim=(-2, 2), n=7, title="bowl")
    assert ax.name == "3d"
    assert ax.get_zlabel() == "f(x, y)" and ax.get_title() == "bowl"
    zmin, zmax = ax.get_zlim()
    X, Y = np.meshgrid(np.linspace(-1, 1, 7), np.linspace(-2, 2, 7))
    Z = f(X, Y)
    # autoscaling covers every height drawn, and no more than a margin beyond
    assert zmin <= Z.min() and zmax >= Z.max()
    assert zmax - zmin <= 1.5 * (Z.max() - Z.min())
