"""Small helpers the lesson modules share: figures and number formatting."""

from __future__ import annotations

from ..model import Figure, LessonRun


def figure(run: LessonRun, name: str, fig, caption: str) -> Figure:
    """Save `fig` as ``lesson-0N/name`` inside the run's output folder; return the block."""
    from ...plots import save

    rel = f"lesson-{run.number:02d}/{name}"
    save(fig, run.out_dir / rel)
    return Figure(rel, caption)


def num(x, digits: int = 15) -> str:
    """A float shown with `digits` significant digits (repr-like, without noise)."""
    return f"{float(x):.{digits}g}"


def sci(x) -> str:
    return f"{float(x):.1e}"
