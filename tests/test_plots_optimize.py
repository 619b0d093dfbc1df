"""Lesson 6's figures (calcml.plots.optimize): what is drawn equals what was passed in."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from calcml.plots.optimize import (KIND_STYLE, plot_critical_points_1d, plot_critical_points_2d,  # noqa: E402
                                   plot_histories, plot_path_on_curve, plot_paths)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line(ax, label):
    (line,) = [l for l in ax.get_lines() if l.get_label() == label]
    return line


def test_curve_and_derivative_with_marked_points():
    f = lambda x: x**3 - 2 * x**2 + 1           # noqa: E731
    df = lambda x: 3 * x**2 - 4 * x             # noqa: E731
    ax = plot_critical_points_1d(f, df, [(0.0, 1.0, "maximum"), (4 / 3, -5 / 27, "minimum")], xlim=(-1, 2))
    assert isinstance(ax, Axes)
    x, y = _line(ax, "f(x)").get_data()
    np.testing.assert_allclose(y, f(x))
    x, y = _line(ax, "f'(x)").get_data()
    np.testing.assert_allclose(y, df(x))
    peak = _line(ax, "maximum")
    assert peak.get_marker() == KIND_STYLE["maximum"][0] and tuple(peak.get_xydata()[0]) == (0.0, 1.0)


def test_undefined_values_are_not_drawn():
    with np.errstate(all="ignore"):
        ax = plot_critical_points_1d(np.log, lambda x: 1 / x, [], xlim=(-1, 3))
    x, y = _line(ax, "f(x)").get_data()
    assert np.all(np.isnan(y[x <= 0])) and np.all(np.isfinite(y[x > 0]))


def test_2d_points_and_paths_on_contours():
    f = lambda x, y: x**2 - y**2                # noqa: E731
    ax = plot_critical_points_2d(f, [((0, 0), "saddle", "eigenvalues -2, 2")])
    assert _line(ax, "saddle").get_marker() == KIND_STYLE["saddle"][0]
    assert any(t.get_text() == "eigenvalues -2, 2" for t in ax.texts)
    path = np.array([[1.0, 1.0], [0.5, 0.8], [0.1, 0.7]])
    ax = plot_paths(f, {"gd": path}, xlim=(-2, 2), ylim=(-2, 2), minimum=(0, 0), log_levels=False)
    np.testing.assert_allclose(_line(ax, "gd (2)").get_xydata(), path)
    assert ax.get_xlim() == (-2, 2)


def test_path_on_curve_and_histories():
    f = lambda x: (x - 3) ** 2                  # noqa: E731
    path = np.array([0.0, 1.5, 2.5, 2.9])
    ax = plot_path_on_curve(f, path)
    (pts,) = ax.collections
    np.testing.assert_allclose(pts.get_offsets(), np.column_stack([path, f(path)]))
    ax = plot_histories({"a": [4.0, 1.0, 0.0, 0.25]}, ylabel="f")
    x, y = _line(ax, "a").get_data()
    assert list(x) == [0, 1, 2, 3] and np.isnan(y[2]) and ax.get_yscale() == "log"   # 0 is not drawn on log
