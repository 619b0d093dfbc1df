"""calcml.plots.nn: what is drawn equals what the model and the data say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from calcml.nn import MLP, unit_activity  # noqa: E402
from calcml.plots.nn import plot_curves, plot_decision_boundary, plot_network_graph, plot_unit_activity  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_network_graph_labels_every_edge_with_its_jacobian_shape():
    ax = plot_network_graph([2, 4, 3, 1], ["relu", "relu", "sigmoid"])
    assert isinstance(ax, Axes)
    texts = [t.get_text() for t in ax.texts]
    # W_l^T into z_l: (n_l x n_{l-1}); diag f' into a_l: (n_l x n_l); dL/da3: 1 x 1
    for label in ("W1\u1d40\n4\u00d72", "W2\u1d40\n3\u00d74", "W3\u1d40\n1\u00d73",
                  "diag f'\n4\u00d74", "diag f'\n3\u00d73", "dL/da3\n1\u00d71"):
        assert label in texts
    assert "W1: 2\u00d74\nb1: (4,)" in texts
    assert sum(1 for t in texts if t.startswith(("x\n", "z", "a", "L\n")) and "(" in t) == 8  # x, z1..a3, L


def test_decision_boundary_shows_the_models_probabilities():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    net = MLP([2, 3, 1], ["tanh", "sigmoid"], epochs=200, random_state=0).fit(X, y)
    ax = plot_decision_boundary(net, X, y, n=50)
    filled = ax.collections[0]
    assert len(ax.collections) >= 3  # filled contours, the 0.5 line, the two scatters
    offsets = np.vstack([c.get_offsets() for c in ax.collections if hasattr(c, "get_offsets")
                         and len(c.get_offsets()) in (np.sum(y == 0), np.sum(y == 1))])
    assert offsets.shape == (60, 2)
    assert filled is not None


def test_curves_and_activity():
    ax = plot_curves({"a": [3.0, 2.0, 1.0], "b": [1.0, 1.0]}, log=True, ylabel="loss")
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(lines[1].get_xdata(), [1, 2])
    assert ax.get_yscale() == "log"
    net = MLP([1, 2, 1], ["relu", "sigmoid"]).initialize()
    net.coefs_[0][:] = [[1.0, -1.0]]
    net.intercepts_[0][:] = [0.0, -5.0]
    act = unit_activity(net, np.linspace(0.5, 2.0, 4)[:, None])
    ax = plot_unit_activity(act)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [1.0, 0.0]
    assert any(t.get_text() == "dead" for t in ax.texts)
