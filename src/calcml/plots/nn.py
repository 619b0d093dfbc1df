"""Lesson 5's figures: a network's graph with the Jacobian of every edge, decision
boundaries, loss curves and how often each ReLU unit fires.

These functions only draw: the model, the curves and the activity are computed by
:mod:`calcml.nn` and passed in.
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["plot_network_graph", "plot_decision_boundary", "plot_curves", "plot_unit_activity"]


def plot_network_graph(layer_sizes, activations, ax=None, title: str = ""):
    """The computation graph x -> z1 -> a1 -> ... -> L, each edge labelled with its Jacobian's shape.

    One row of nodes for one sample: the input x, then per layer the pre-activation
    ``z_l = W_l^T a_{l-1} + b_l`` and the activation ``a_l = f_l(z_l)``, then the loss.
    An edge ``u -> v`` carries the Jacobian dv/du (rows: v's entries, columns: u's),
    the matrix backpropagation multiplies by (transposed) when it walks the edge
    backwards. The parameters hang below the z nodes with the shape of their gradient.

    Returns
    -------
    matplotlib.axes.Axes
    """
    sizes = [int(s) for s in layer_sizes]
    if ax is None:
        ax = new_axes(figsize=(2.1 * (2 * len(sizes)), 3.6))
    nodes = [("x", sizes[0], "input")]
    for l, (n, act) in enumerate(zip(sizes[1:], activations), 1):
        nodes.append((f"z{l}", n, "pre-activation"))
        nodes.append((f"a{l}", n, str(act)))
    nodes.append(("L", 1, "loss"))
    xs = np.arange(len(nodes)) * 2.0
    for (name, n, what), x in zip(nodes, xs):
        ax.text(x, 0.0, f"{name}\n({n},)", ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.4", fc="#e8f0fb" if name[0] != "L" else "#fbe8e8", ec="0.3"))
        ax.text(x, -0.42, what, ha="center", va="top", fontsize=7.5, color="0.35")
    for i in range(len(nodes) - 1):
        (u, nu, _), (v, nv, what) = nodes[i], nodes[i + 1]
        ax.annotate("", xy=(xs[i + 1] - 0.55, 0.0), xytext=(xs[i] + 0.55, 0.0),
                    arrowprops=dict(arrowstyle="->", color="0.2"))
        if v.startswith("z"):
            label = f"W{v[1:]}\u1d40\n{nv}\u00d7{nu}"
        elif v.startswith("a"):
            label = f"diag f'\n{nv}\u00d7{nv}"
        else:
            label = f"dL/d{u}\n1\u00d7{nu}"
        ax.text(0.5 * (xs[i] + xs[i + 1]), 0.22, label, ha="center", va="bottom", fontsize=8, color="#1f4e99")
    for l in range(1, len(sizes)):
        x = xs[2 * l - 1]
        ax.annotate("", xy=(x, -0.75), xytext=(x, -1.25), arrowprops=dict(arrowstyle="->", color="0.55"))
        ax.text(x, -1.3, f"W{l}: {sizes[l - 1]}\u00d7{sizes[l]}\nb{l}: ({sizes[l]},)", ha="center", va="top",
                fontsize=7.5, color="0.3")
    ax.set_xlim(xs[0] - 1.0, xs[-1] + 1.0)
    ax.set_ylim(-2.0, 0.9)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def plot_decision_boundary(model, X, y, ax=None, title: str = "", n: int = 200):
    """The data coloured by class over the model's probability of the second class, with the 0.5 contour.

    `model` needs ``predict_proba`` (columns following ``classes_``); `X` is (n, 2).
    """
    if ax is None:
        ax = new_axes(figsize=(5.4, 4.8))
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    pad = 0.25
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, n)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, n)
    GX, GY = np.meshgrid(xs, ys)
    P = model.predict_proba(np.column_stack([GX.ravel(), GY.ravel()]))[:, 1].reshape(GX.shape)
    cs = ax.contourf(GX, GY, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    ax.contour(GX, GY, P, levels=[0.5], colors="k", linewidths=1.2)
    classes = np.unique(y)
    for c, colour in zip(classes, ("#2166ac", "#b2182b")):
        m = y == c
        ax.scatter(X[m, 0], X[m, 1], s=8, c=colour, edgecolors="none", label=f"class {c}")
    ax.figure.colorbar(cs, ax=ax, label="P(second class)")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_curves(curves: dict, ax=None, title: str = "", xlabel: str = "epoch", ylabel: str = "", log: bool = False):
    """Several curves against the epoch: ``{label: sequence of values}``."""
    if ax is None:
        ax = new_axes(figsize=(6.0, 4.0))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), np.asarray(values, dtype=float), label=label, lw=1.5)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_unit_activity(activity, ax=None, title: str = ""):
    """Bars: for each ReLU unit the fraction of samples where it is active; dead units marked."""
    if ax is None:
        ax = new_axes(figsize=(6.0, 3.6))
    labels, values = [], []
    for layer, frac in zip(activity.layers, activity.fraction_active):
        for u, f in enumerate(frac, 1):
            labels.append(f"L{layer}.{u}")
            values.append(float(f))
    colours = ["#b2182b" if v == 0 else "#4393c3" for v in values]
    ax.bar(range(len(values)), values, color=colours)
    for i, v in enumerate(values):
        if v == 0:
            ax.text(i, 0.02, "dead", ha="center", va="bottom", fontsize=8, color="#b2182b", rotation=90)
    ax.set_xticks(range(len(values)), labels)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fraction of samples with z > 0")
    ax.set_xlabel("ReLU unit (layer.unit)")
    if title:
        ax.set_title(title)
    return ax
