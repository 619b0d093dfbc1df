"""``calcml notebooks``: every lesson as a Jupyter notebook (percent-format source and .ipynb)."""

from __future__ import annotations

from typing import List, Optional

import typer


def notebooks(
    out: str = typer.Option("notebooks", "--out", help="Folder for lessonNN.py and lessonNN.ipynb."),
    lesson: Optional[List[int]] = typer.Option(None, "--lesson", help="Only this lesson (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Write each lesson as a notebook: jupytext percent source and .ipynb, no outputs."""
    from ..course.catalog import get_lesson
    from ..course.notebooks import write_notebooks
    from ._shared import console, emit_json, esc

    numbers = None
    if lesson:
        numbers = list(dict.fromkeys(lesson))
        for n in numbers:
            get_lesson(n)
    con = console()
    show = con.print if (con.is_terminal and not as_json) else None
    written = write_notebooks(out, numbers, progress=(lambda m: show(f"  {esc(m)}")) if show else None)
    if as_json:
        emit_json({"out": out, "files": [str(p) for p in written]})
        return
    for path in written:
        con.print(f"wrote {esc(path)}")
    con.print("open them with: jupyter lab " + esc(out))


def register(app: typer.Typer) -> None:
    app.command("notebooks")(notebooks)
