"""Each lesson as a Jupyter notebook, generated from the same blocks as the report and the terminal.

A lesson module builds blocks once (:mod:`calcml.course.model`); this module
turns them into cells:

========================  ==============================================================
block                     cell
========================  ==============================================================
Text                      markdown (the lesson's prose, as written)
Formula                   markdown with ``$$ ... $$`` (Jupyter renders the LaTeX)
Code, language "python"   a code cell, run top to bottom: the lesson's worked examples
                          through calcml's Python API; figure snippets draw the figures
Code, other languages     a fenced block in markdown (shell commands are shown, not run)
Result, Table             markdown: the values calcml computed when the notebook was made
Figure                    a markdown caption (the picture comes from the code cell above)
Erratum                   a markdown quote
each exercise             markdown (prompt, answer format, hint) and a code cell that calls
                          :func:`check`, the same grader as ``calcml check``
========================  ==============================================================

The source is jupytext's *percent* format (``# %%`` cells in a ``.py`` file):
plain text, diffable, written by ``calcml course`` beside the report. The
``.ipynb`` files are generated from it by ``calcml notebooks --out DIR`` (needs
the ``notebooks`` extra: jupytext, nbformat) and are never committed.

Hidden reference answers never enter a notebook: an exercise cell holds an
empty answer, and :func:`check` prints the verdict and the feedback only.
(Lessons 1 and 2 work their exercise as the lesson's own example, so those
answers are part of the lesson, in the notebook as in the report.)
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import CalcmlError, DomainError
from .model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text

__all__ = ["check", "notebook_source", "to_ipynb", "write_notebooks"]

_HEADER = """\
# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""
_MATH_OR_CODE = re.compile(r"(\$[^$]*\$|`[^`]*`)")
_NAME = re.compile(r"lesson\d\d\.(py|ipynb)")


def check(exercise_id: str, answer: str) -> None:
    """Grade `answer` to an exercise and print the verdict, as ``calcml check`` does.

    Used by the exercise cells of the notebooks: edit the answer, run the cell.
    Prints ``correct`` or ``not right yet`` and the grader's feedback; never the
    reference answer. An empty answer or one that cannot be read gets a message,
    not a traceback.

    Parameters
    ----------
    exercise_id : str
        The exercise's id, such as ``"1.1"``.
    answer : str
        The answer as text, such as ``"3x^2 - 4x"``.

    Examples
    --------
    >>> check("1.1", "3x^2 - 4x")
    correct
    >>> check("1.1", "3x^2 - 4")  # doctest: +ELLIPSIS
    not right yet
    Not quite: ...
    >>> check("1.1", "")
    Type your answer between the quotes, then run this cell again.
    """
    from .grading import grade

    if not isinstance(answer, str) or not answer.strip():
        print("Type your answer between the quotes, then run this cell again.")
        return
    try:
        verdict = grade(exercise_id, answer)
    except CalcmlError as err:
        print(f"error: {err}")
        return
    said = "correct" if verdict.correct else "not right yet"
    print(said)
    if verdict.feedback and verdict.feedback.strip().rstrip(".").lower() != said:
        print(verdict.feedback)


def _plain(text: str) -> str:
    """Plain text (where '*' means multiplication) made safe for a Markdown cell; math and code kept."""
    parts = _MATH_OR_CODE.split(str(text))
    return "".join(part if k % 2 else re.sub(r"([*_\\<>\[\]])", r"\\\1", part) for k, part in enumerate(parts))


def _markdown(text: str) -> str:
    lines = str(text).strip("\n").splitlines() or [""]
    return "# %% [markdown]\n" + "\n".join(f"# {line}" if line.strip() else "#" for line in lines) + "\n"


def _code(source: str) -> str:
    return "# %%\n" + source.strip("\n") + "\n"


def _cell(block: object) -> str:
    if isinstance(block, Text):
        return _markdown(re.sub(r"<!--.*?-->", "", block.markdown, flags=re.S))
    if isinstance(block, Formula):
        label = f"{_plain(block.label)}:\n\n" if block.label else ""
        return _markdown(f"{label}$$\n{block.latex}\n$$")
    if isinstance(block, Code):
        if str(block.language).lower() == "python":
            return _code(block.source)
        fence = "~~~~" if "```" in block.source else "```"
        return _markdown(f"{fence}{block.language}\n{block.source}\n{fence}")
    if isinstance(block, Result):
        badge = {True: " ✓", False: " ✗", None: ""}[block.ok]
        value = block.value.replace("`", "'")
        return _markdown(f"**{_plain(block.label)}**: `{value}`{badge}" if value else f"**{_plain(block.label)}**")
    if isinstance(block, Table):
        def row(cells):
            return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

        lines = [row(block.columns), "|" + "---|" * len(block.columns), *(row(r) for r in block.rows)]
        if block.caption:
            lines += ["", f"*{_plain(block.caption)}*"]
        return _markdown("\n".join(lines))
    if isinstance(block, Figure):
        return _markdown(f"*Figure: {_plain(block.caption)}* (a Python cell of this notebook draws it)")
    if isinstance(block, Erratum):
        return _markdown(f"> **The original course says:** {_plain(block.claim)}\n>\n"
                         f"> **In fact:** {_plain(block.correction)}")
    raise DomainError(f"a lesson block must be one of Text, Formula, Result, Table, Figure, Code, Erratum; "
                      f"got a {type(block).__name__}")


def _exercise_cells(exercise: Exercise) -> list[str]:
    text = [f"### Exercise {exercise.id}: {_plain(exercise.title)}", "", exercise.prompt]
    if exercise.answer_format:
        text += ["", f"**Answer format:** {_plain(exercise.answer_format)}"]
    if exercise.hint:
        text += ["", f"**Hint:** {_plain(exercise.hint)}"]
    code = ("from calcml.course.notebooks import check\n\n"
            'answer = ""  # type your answer between the quotes, then run this cell\n'
            f'check("{exercise.id}", answer)')
    return [_markdown("\n".join(text)), _code(code)]


def notebook_source(run: LessonRun, exercises: list[Exercise] | None = None) -> str:
    """The lesson `run` as a notebook in jupytext's percent format.

    Parameters
    ----------
    run : LessonRun
        What the lesson produced (``catalog.run_lesson(n, out_dir, write=False)``).
    exercises : list of Exercise, optional
        Its exercises; by default those of ``calcml.course.exercises`` for the lesson.

    Returns
    -------
    str
        The ``.py`` source: markdown cells and code cells, see the module's table.

    Examples
    --------
    >>> from calcml.course.model import Code, LessonRun, Text
    >>> run = LessonRun(1, "Slopes", [Text("The slope of $x^2$."), Code("print(2 * 3)")])
    >>> print(notebook_source(run, []).split("# ---\\n")[-1])  # doctest: +NORMALIZE_WHITESPACE
    # %% [markdown]
    # # Lesson 1: Slopes
    #
    # Made by calcml from the lesson's own blocks. Run the cells from the top; ...
    # %% [markdown]
    # The slope of $x^2$.
    # %%
    print(2 * 3)
    """
    if not isinstance(run, LessonRun):
        raise DomainError(f"run must be a LessonRun, got {type(run).__name__}")
    if exercises is None:
        from .exercises import exercises_for

        exercises = list(exercises_for(run.number))
    cells = [_markdown(f"# Lesson {run.number}: {run.title}\n\n"
                       "Made by calcml from the lesson's own blocks. Run the cells from the top; "
                       "change a number and run a cell again. The exercises at the end are graded "
                       "by the same grader as `calcml check`.")]
    cells += [_cell(block) for block in run.blocks]
    if exercises:
        cells.append(_markdown("## Exercises\n\nEdit the answer in a cell and run it to have it graded."))
        for exercise in exercises:
            cells += _exercise_cells(exercise)
    return _HEADER + "\n" + "\n".join(cells)


def to_ipynb(source: str) -> bytes:
    """The notebook (``.ipynb`` JSON, without outputs) for a percent-format `source`.

    Needs jupytext and nbformat (``pip install 'calcml[notebooks]'``).
    """
    try:
        import jupytext
        import nbformat
    except ImportError as err:
        raise DomainError(f"writing .ipynb files needs jupytext and nbformat ({err.name} is missing); "
                          "install them with: pip install 'calcml[notebooks]'") from None
    notebook = jupytext.reads(source, fmt="py:percent")
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")


def write_notebooks(out_dir: object, numbers: list[int] | None = None, progress=None) -> list[Path]:
    """Run the lessons and write ``lessonNN.py`` (percent source) and ``lessonNN.ipynb`` into `out_dir`.

    Written through the report folder's guarded writer: nothing is written
    before every lesson ran and the folder was checked; only files named
    ``lessonNN.py`` / ``lessonNN.ipynb`` that calcml wrote earlier are replaced.

    Returns
    -------
    list of Path
        The files written, two per lesson.

    Raises
    ------
    DomainError
        For a bad folder or a file in the way (see :mod:`calcml.course.folder`),
        an unknown or unavailable lesson, or missing jupytext/nbformat.
    """
    from .catalog import LESSONS, run_lesson
    from .folder import check_folder, read_manifest, write_files

    folder = check_folder(out_dir)
    if folder.is_dir():
        read_manifest(folder)
    if numbers is None:
        numbers = [n for n, info in LESSONS.items() if info.available]
    to_ipynb("# %%\n")  # the extra is there, before the lessons spend their time
    files: dict[str, bytes] = {}
    for n in numbers:
        if progress:
            progress(f"lesson {n}")
        run = run_lesson(n, folder, write=False)
        source = notebook_source(run)
        files[f"lesson{n:02d}.py"] = source.encode("utf-8")
        files[f"lesson{n:02d}.ipynb"] = to_ipynb(source)
    mine = {f"lesson{n:02d}." for n in numbers}
    return write_files(folder, files, owns=lambda name: bool(_NAME.fullmatch(name)) and name[:9] in mine)
