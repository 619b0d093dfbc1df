"""What a lesson is made of: blocks of content, exercises, errata.

A lesson's worked examples call the library and return *blocks*; the terminal
renderer (the CLI) and the HTML report (:mod:`calcml.course.report`) both
present the same blocks. Nothing here computes any mathematics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Union


@dataclass(frozen=True)
class Text:
    """A paragraph or more of lesson prose, in a small Markdown subset.

    Supported: blank-line-separated paragraphs, ``## headings``, ``- `` bullet
    lists, ``**bold**``, ```code```, inline math ``$...$`` and display math
    ``$$...$$`` (LaTeX; rendered offline).
    """

    markdown: str


@dataclass(frozen=True)
class Formula:
    """A display formula: LaTeX, optionally with the SymPy expression it came from."""

    latex: str
    label: str = ""
    expr: Any = None


@dataclass(frozen=True)
class Result:
    """A worked result: a label and the plain-text value calcml computed."""

    label: str
    value: str
    ok: bool | None = None  # True/False for a check that passed/failed; None when not a check


@dataclass(frozen=True)
class Table:
    """A table of computed values."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A PNG the lesson wrote, relative to the output folder, with a caption."""

    path: str
    caption: str


@dataclass(frozen=True)
class Code:
    """A snippet of Python or shell a learner can run."""

    source: str
    language: str = "python"


@dataclass(frozen=True)
class Erratum:
    """A mistake in the original course, and what is right."""

    lesson: int
    claim: str
    correction: str


Block = Union[Text, Formula, Result, Table, Figure, Code, Erratum]


@dataclass(frozen=True)
class Exercise:
    """One task a learner can answer and have graded.

    Attributes
    ----------
    id : str
        ``"LESSON.K"``: ``"1.1"``, ``"39.2"``.
    lesson : int
    title : str
    prompt : str
        The task, as the learner reads it.
    kind : str
        What kind of answer it takes, which decides how it is graded:
        ``"derivative"`` / ``"antiderivative"`` / ``"expression"`` (text
        graded symbolically), ``"number"``, ``"vector"`` (numbers compared with
        the library's tolerances), ``"matrix"`` (expressions or numbers).
    reference : Any
        The reference answer, as text the safe parser reads (``"3x^2 - 4x"``),
        or a list of such texts for vectors and matrices (rows of texts).
    variables : tuple of str
        The variables the answer may use.
    function : str
        The function the task is about (text), when there is one; the grader
        uses it to diagnose mistakes (a derivative given where an
        antiderivative was asked, ...).
    domain : str
        Assumptions on the variables: ``"real"`` or ``"positive"`` (e.g. x > 0).
    hint : str
        One sentence that helps without giving the answer away.
    answer_format : str
        How to type the answer, e.g. ``"two numbers: 4, 27"``.
    tolerance : float or None
        For numeric answers: an absolute tolerance; None means the library's
        :data:`calcml.testing.RTOL` and :data:`~calcml.testing.ATOL`.
    point : tuple or None
        For a question about a function at a point: the point, one coordinate
        per variable, in the order of `variables`.
    unit : str or None
        The unit of a numeric answer: ``"degree"`` for an angle (graded modulo
        360 degrees, and a written unit such as ``45°`` is accepted).
    """

    id: str
    lesson: int
    title: str
    prompt: str
    kind: str
    reference: Any
    variables: tuple[str, ...] = ("x",)
    function: str = ""
    domain: str = "real"
    hint: str = ""
    answer_format: str = ""  # how to type the answer, e.g. "two numbers: 4,27"
    tolerance: float | None = None  # for numeric answers: None means calcml.testing's RTOL/ATOL
    point: tuple | None = None
    unit: str | None = None


@dataclass
class LessonRun:
    """What running a lesson produced: its blocks, the files its figures need, and its report folder.

    `files` maps each figure's relative path (``lesson-01/tangent.png``) to its
    PNG bytes. Lessons keep figures in memory; only the report folder's guarded
    writer (:mod:`calcml.course.folder`) puts them on disk, after its checks.
    """

    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)
    out_dir: Path | None = None
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


@dataclass(frozen=True)
class Lesson:
    """A lesson: its number, title, summary, exercises, errata and the function that runs it."""

    number: int
    title: str
    summary: str
    run: Callable[[Path], LessonRun]  # run(figure_dir) -> LessonRun
    exercises: tuple[Exercise, ...] = ()
    errata: tuple[Erratum, ...] = ()
    available: bool = True
