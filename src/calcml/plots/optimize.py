"""Lesson 6's figures: critical points on a curve, optimizer paths on contours, histories.

These functions only draw. Values, critical points and paths are computed by
the library (:func:`calcml.critical_points`, :func:`calcml.minimize`) and
passed in; `f` is a vectorised NumPy function (``calcml.to_function``).
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["KIND_STYLE", "plot_critical_points_1d", "plot_critical_points_2d", "plot_paths",
           "plot_path_on_curve", "plot_histories"]

#: Marker and colour for each kind of critical point (colour-blind safe: Okabe-Ito).
KIND_STYLE = {
    "minimum": ("o", "#009E73"),
    "maximum": ("^", "#D55E00"),
    "saddle": ("X", "#CC79A7"),
    "neither": ("s", "#E69F00"),
    "unknown": ("D", "0.4"),
}
_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "0.3")


def _mark(ax, x, y, kind, label=True):
    marker, color = KIND_STYLE.get(kind, KIND_STYLE["unknown"])
    ax.plot([x], [y], marker, color=color, markersize=9, zorder=5, label=kind if label else None)


def plot_critical_points_1d(f, df, points, xlim=(-1.5, 2.5), ax=None, title: str = "", n: int = 600):
    """f (solid) and f' (dashed) on one Axes, the critical points marked by kind.

    Parameters
    ----------
    f, df : callable
        Vectorised f and f'; NaN where undefined (not drawn).
    points : sequence of (x, f(x), kind)
    """
    if ax is None:
        ax = new_axes(figsize=(6.5, 4.2))
    x = np.linspace(*xlim, n)
    with np.errstate(all="ignore"):
        y, dy = (np.broadcast_to(np.asarray(g(x), dtype=float), x.shape) for g in (f, df))
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.plot(x, y, color=_COLORS[0], label="f(x)")
    ax.plot(x, dy, "--", color=_COLORS[6], label="f'(x)")
    seen = set()
    for px, py, kind in points:
        _mark(ax, float(px), float(py), kind, label=kind not in seen)
        seen.add(kind)
        ax.plot([float(px)], [0.0], "|", color="0.3", markersize=12)
    finite = np.concatenate([y[np.isfinite(y)], dy[np.isfinite(dy)]])
    if finite.size:
        lo, hi = np.percentile(finite, [2, 98])
        pad = 0.1 * (hi - lo + 1e-12)
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("x")
    ax.legend(loc="best", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def _contours(ax, f, xlim, ylim, levels, log):
    xs = np.linspace(*xlim, 300)
    ys = np.linspace(*ylim, 300)
    X, Y = np.meshgrid(xs, ys, indexing="xy")
    with np.errstate(all="ignore"):
        Z = np.asarray(f(X, Y), dtype=float)
    if log:
        Z = np.log10(Z - np.nanmin(Z) + 1e-3)
    ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8)


def plot_critical_points_2d(f, points, xlim=(-2, 2), ylim=(-2, 2), ax=None, title: str = "", levels: int = 25):
    """Contours of f(x, y) with the critical points marked by kind.

    `points` is a sequence of ((x, y), kind, label) where label is extra text
    (e.g. the Hessian's eigenvalues) written beside the marker.
    """
    if ax is None:
        ax = new_axes(figsize=(6.2, 5.2))
    _contours(ax, f, xlim, ylim, levels, log=False)
    seen = set()
    for (px, py), kind, text in points:
        _mark(ax, float(px), float(py), kind, label=kind not in seen)
        seen.add(kind)
        if text:
            ax.annotate(text, (float(px), float(py)), textcoords="offset points", xytext=(8, 8), fontsize=8)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def plot_paths(f, paths, xlim=(-2, 2), ylim=(-1, 3), ax=None, title: str = "", minimum=None,
               log_levels: bool = True, levels: int = 30):
    """Optimizer paths on the contours of f(x, y).

    Parameters
    ----------
    paths : mapping label -> array of shape (k, 2)
        Iterates, e.g. ``{"gd": result.path}``.
    minimum : (x, y), optional
        The true minimum, drawn as a star.
    log_levels : bool
        Contour log10(f - min f) (useful for Rosenbrock's banana valley).
    """
    if ax is None:
        ax = new_axes(figsize=(6.5, 5.2))
    _contours(ax, f, xlim, ylim, levels, log=log_levels)
    for (label, path), color in zip(paths.items(), _COLORS):
        p = np.asarray(path, dtype=float)
        ax.plot(p[:, 0], p[:, 1], ".-", color=color, markersize=3, linewidth=1.1, label=f"{label} ({len(p) - 1})")
        ax.plot([p[0, 0]], [p[0, 1]], "o", color="k", markersize=5)
    if minimum is not None:
        ax.plot([minimum[0]], [minimum[1]], "*", color="gold", markeredgecolor="k", markersize=15, zorder=6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="best", fontsize=8, title="method (steps)")
    if title:
        ax.set_title(title)
    return ax


def plot_path_on_curve(f, path, xlim=None, ax=None, title: str = "", n: int = 500):
    """A one-variable optimizer's iterates drawn on the curve y = f(x), numbered by colour."""
    if ax is None:
        ax = new_axes(figsize=(6.5, 4.2))
    p = np.asarray(path, dtype=float).reshape(-1)
    if xlim is None:
        finite = p[np.isfinite(p)]
        lo, hi = float(np.min(finite)), float(np.max(finite))
        pad = 0.2 * (hi - lo) + 0.5
        xlim = (lo - pad, hi + pad)
    x = np.linspace(*xlim, n)
    with np.errstate(all="ignore"):
        y = np.broadcast_to(np.asarray(f(x), dtype=float), x.shape)
        fp = np.asarray(f(p), dtype=float)
    ax.plot(x, y, color=_COLORS[0], label="f(x)")
    ax.plot(p, fp, "-", color="0.6", linewidth=0.8)
    sc = ax.scatter(p, fp, c=np.arange(len(p)), cmap="viridis", zorder=5, s=18)
    ax.figure.colorbar(sc, ax=ax, label="step")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if title:
        ax.set_title(title)
    return ax


def plot_histories(series, ax=None, title: str = "", ylabel: str = "f(x_k) - f*", log: bool = True):
    """Curves against the step number, e.g. f(x_k) - f* or ||grad f(x_k)|| for several methods.

    `series` maps a label to a 1-D array (non-positive values are not drawn on a log scale).
    """
    if ax is None:
        ax = new_axes(figsize=(6.5, 4.2))
    for (label, values), color in zip(series.items(), _COLORS):
        v = np.asarray(values, dtype=float)
        if log:
            v = np.where(v > 0, v, np.nan)
        ax.plot(np.arange(len(v)), v, color=color, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step k")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return ax
