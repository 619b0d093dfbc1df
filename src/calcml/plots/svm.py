"""Lesson 7's figures: a fitted linear SVM in the plane, and a soft-margin sweep over C.

These functions only draw what :class:`calcml.svm.LinearSVM` computed: the separating line
and the margin lines are the contours f = 0 and f = -1, +1 of the model's own
``decision_function``, so every support vector lands on a margin line when the fit is right.
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["plot_svm", "plot_c_sweep"]

_COLOURS = ("tab:blue", "tab:orange")
_MARKERS = ("o", "s")


def plot_svm(model, X, y, ax=None, title: str = "", annotate_alpha: bool = True, pad: float = 1.0):
    """The points of both classes, the line f(x) = 0, the margin lines f(x) = -1 and +1, and the
    support vectors circled (with their alpha_i when `annotate_alpha`).

    Parameters
    ----------
    model : calcml.svm.LinearSVM
        Fitted on two features.
    X : array_like, shape (n_samples, 2)
    y : array_like, shape (n_samples,)
        Labels as given to ``fit``.
    ax : matplotlib Axes, optional
    title : str
    annotate_alpha : bool
        Write alpha_i next to each support vector.
    pad : float
        Margin around the data, in data units.

    Returns
    -------
    matplotlib Axes
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if ax is None:
        ax = new_axes(figsize=(6.0, 5.4))
    lo = X.min(axis=0) - pad
    hi = X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    F = model.decision_function(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, F, levels=[-np.inf, -1, 1, np.inf], colors=["#dbe8f5", "#f4f4f4", "#fbe5d0"], alpha=0.8)
    cs = ax.contour(gx, gy, F, levels=[-1, 0, 1], colors=["tab:blue", "k", "tab:orange"],
                    linestyles=["--", "-", "--"], linewidths=[1.2, 2.0, 1.2])
    ax.clabel(cs, fmt={-1: "f = -1", 0: "f = 0", 1: "f = +1"}, fontsize=8)
    for k, label in enumerate(model.classes_):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=_COLOURS[k], marker=_MARKERS[k], s=45, zorder=3,
                   label=f"class {label}")
    sv = X[model.support_]
    ax.scatter(sv[:, 0], sv[:, 1], s=220, facecolors="none", edgecolors="k", linewidths=1.5, zorder=4,
               label="support vectors")
    if annotate_alpha and len(model.support_) <= 12:
        for i in model.support_:
            ax.annotate(f"\u03b1={model.alpha_[i]:.4g}", X[i], textcoords="offset points", xytext=(8, -12),
                        fontsize=8)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="best", fontsize=8)
    w, b = model.coef_[0], model.intercept_[0]
    line = f"{w[0]:.4g} x {'-' if w[1] < 0 else '+'} {abs(w[1]):.4g} y {'-' if b < 0 else '+'} {abs(b):.4g} = 0"
    ax.set_title(title or f"{line}, margin {model.margin_:.4g}")
    return ax


def plot_c_sweep(C, margin, n_support, total_slack, axes=None):
    """Soft margin against C (log scale): the margin width, the number of support vectors and
    the total slack. Returns the pair of Axes (left: margin and support vectors, right: slack)."""
    C = np.asarray(C, dtype=float)
    if axes is None:
        axes = new_axes(2, figsize=(11.0, 4.2))
    left, right = axes
    left.semilogx(C, margin, "o-", color="tab:blue", label="margin 2/|w|")
    left.set_xlabel("C")
    left.set_ylabel("margin width 2/|w|", color="tab:blue")
    twin = left.twinx()
    twin.semilogx(C, n_support, "s--", color="tab:orange", label="support vectors")
    twin.set_ylabel("number of support vectors", color="tab:orange")
    left.set_title("larger C: narrower margin, fewer support vectors")
    right.loglog(C, np.maximum(np.asarray(total_slack, dtype=float), 1e-16), "o-", color="tab:green")
    right.set_xlabel("C")
    right.set_ylabel("total slack  \u03a3 \u03be\u1d62")
    right.set_title("larger C: less slack tolerated")
    return left, right
