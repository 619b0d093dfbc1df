"""Figures. matplotlib lives only in this package.

Every plotting function takes an optional Axes (or a pair) and returns what it
drew on, so figures compose; :func:`save` writes one to PNG without a screen.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["save", "new_axes", "to_png"]


def _pyplot():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        # calcml writes files; it never needs a window, and there may be no screen.
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def new_axes(ncols: int = 1, figsize=None, projection=None):
    """A new figure with `ncols` Axes side by side (a single Axes when ncols == 1)."""
    plt = _pyplot()
    figsize = figsize or (6.0 * ncols, 4.5)
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = [fig.add_subplot(1, ncols, i + 1, projection=projection) for i in range(ncols)]
    return axes[0] if ncols == 1 else tuple(axes)


def save(fig, path, dpi: int = 110) -> Path:
    """Write `fig` to `path` (PNG), creating the folder, and close it. Returns the path."""
    plt = _pyplot()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def to_png(fig, dpi: int = 110) -> bytes:
    """`fig` as PNG bytes (nothing written to disk), and close it."""
    import io

    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
