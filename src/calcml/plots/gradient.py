"""Lesson 3's figures: a function of two variables as a surface, and its gradient field.

These functions only draw: the values and gradients they show are computed by
the library and passed in (a vectorised ``f(x, y)`` and ``grad(x, y)``).
"""

from __future__ import annotations

import numpy as np

from . import new_axes

__all__ = ["plot_surface", "plot_gradient_field", "plot_direction_sweep"]


def plot_surface(f, xlim=(-10, 10), ylim=(-10, 10), n: int = 60, ax=None, title: str = ""):
    """Draw ``z = f(x, y)`` as a 3-D surface (viridis). Returns the (3-D) Axes."""
    if ax is None:
        ax = new_axes(projection="3d", figsize=(6, 5))
    x = np.linspace(*xlim, n)
    y = np.linspace(*ylim, n)
    X, Y = np.meshgrid(x, y, indexing="xy")
    Z = np.asarray(f(X, Y), dtype=float)
    ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_zlabel("f(x, y)")
    if title:
        ax.set_title(title)
    return ax


def plot_gradient_field(f, grad, xlim=(-10, 10), ylim=(-10, 10), n: int = 20, ax=None, title: str = "",
                        point=None, point_gradient=None):
    """Contours of `f` with the gradient field as arrows of equal length, coloured by the gradient's norm.

    `grad(X, Y)` returns the pair ``(gx, gy)`` on the grid. Arrows show the
    direction only (so small gradients stay visible); the colour (viridis:
    purple small, yellow large) shows the norm. With `point` and
    `point_gradient`, the gradient at that point is drawn in red.
    """
    if ax is None:
        ax = new_axes(figsize=(6.2, 5.4))
    xs = np.linspace(*xlim, 200)
    ys = np.linspace(*ylim, 200)
    XX, YY = np.meshgrid(xs, ys, indexing="xy")
    ax.contour(XX, YY, np.asarray(f(XX, YY), dtype=float), levels=20, colors="0.75", linewidths=0.7)
    x = np.linspace(*xlim, n)
    y = np.linspace(*ylim, n)
    X, Y = np.meshgrid(x, y, indexing="xy")
    gx, gy = (np.asarray(g, dtype=float) for g in grad(X, Y))
    gx, gy = np.broadcast_to(gx, X.shape), np.broadcast_to(gy, X.shape)
    size = np.hypot(gx, gy)
    with np.errstate(invalid="ignore", divide="ignore"):
        ux = np.where(size > 0, gx / size, 0.0)
        uy = np.where(size > 0, gy / size, 0.0)
    q = ax.quiver(X, Y, ux, uy, size, cmap="viridis", pivot="mid")
    ax.figure.colorbar(q, ax=ax, label="|\u2207f|")
    if point is not None and point_gradient is not None:
        px, py = point
        gxp, gyp = point_gradient
        scale = 0.15 * (xlim[1] - xlim[0]) / max(np.hypot(gxp, gyp), 1e-300)
        ax.annotate("", xy=(px + gxp * scale, py + gyp * scale), xytext=(px, py),
                    arrowprops=dict(color="crimson", width=2, headwidth=8))
        ax.plot([px], [py], "o", color="crimson")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def plot_direction_sweep(result, ax=None, title: str = ""):
    """The measured rate of change against the direction's angle (a :class:`SteepestAscent`).

    The best angle is marked, and the gradient's angle and norm are drawn for comparison.
    """
    if ax is None:
        ax = new_axes(figsize=(6.5, 4))
    ax.plot(result.angles_deg, result.rates, color="tab:blue", label="measured rate of change")
    ax.axhline(result.gradient_norm, color="tab:green", ls="--", lw=1, label=f"|\u2207f| = {result.gradient_norm:.4g}")
    ax.axvline(result.gradient_angle_deg, color="tab:green", ls=":", lw=1,
               label=f"gradient direction {result.gradient_angle_deg:.2f}\u00b0")
    ax.plot([result.angle_deg], [result.rate], "o", color="crimson", label=f"best: {result.angle_deg:g}\u00b0")
    ax.set_xlabel("direction (degrees counter-clockwise from +x)")
    ax.set_ylabel("rate of change")
    ax.set_xlim(0, 360)
    ax.legend(loc="lower left", fontsize="small")
    if title:
        ax.set_title(title)
    return ax
