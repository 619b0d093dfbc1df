"""Small helpers the lesson modules share: figures and number formatting."""

from __future__ import annotations

import re

from ...errors import DomainError
from ..model import Figure, LessonRun

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.png")


def figure(run: LessonRun, name: str, fig, caption: str) -> Figure:
    """Keep `fig` as the PNG ``lesson-0N/name`` of the run; return the block that shows it.

    Nothing is written here: the PNG stays in ``run.files`` until the report
    folder's guarded writer (:func:`calcml.course.folder.write_files`) has checked
    the folder, so a refused run writes nothing anywhere.
    """
    from ...plots import to_png

    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise DomainError(f"figure name {name!r} must be a plain file name ending in .png, "
                          "such as 'tangent.png' (letters, digits, '.', '_', '-')")
    rel = f"lesson-{run.number:02d}/{name}"
    if rel in run.files:
        raise DomainError(f"lesson {run.number} draws the figure {name!r} twice; give each figure its own name")
    run.files[rel] = to_png(fig)
    return Figure(rel, caption)


def num(x, digits: int = 15) -> str:
    """A float shown with `digits` significant digits (repr-like, without noise)."""
    return f"{float(x):.{digits}g}"


def sci(x) -> str:
    return f"{float(x):.1e}"
