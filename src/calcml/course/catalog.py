"""The course's table of contents: which lessons exist, which are available, and running them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import ArgumentError
from .content import errata
from .model import LessonRun


@dataclass(frozen=True)
class LessonInfo:
    """One entry of the table of contents.

    A written lesson's title and summary live in its module (``TITLE``,
    ``SUMMARY``) and nowhere else; `planned` is the working title of a lesson
    not written yet (it is ignored once `module` is set).
    """

    number: int
    planned: str | None
    module: str | None  # None: not written yet

    @property
    def available(self) -> bool:
        return self.module is not None

    @property
    def title(self) -> str:
        """The lesson's title: its module's ``TITLE``, or the planned title while it is not written."""
        if self.module is None:
            return self.planned or f"Lesson {self.number}"
        return lesson_module(self.number).TITLE

    @property
    def summary(self) -> str:
        """The lesson's one-sentence summary (its module's ``SUMMARY``)."""
        if self.module is None:
            return "not available yet"
        return lesson_module(self.number).SUMMARY


# Lessons 1-7 follow the original course; 39 is the Day 39 practice set.
LESSONS: dict[int, LessonInfo] = {
    1: LessonInfo(1, None, "lesson01"),
    2: LessonInfo(2, None, "lesson02"),
    3: LessonInfo(3, None, "lesson03"),
    4: LessonInfo(4, None, "lesson04"),
    5: LessonInfo(5, None, "lesson05"),
    6: LessonInfo(6, None, "lesson06"),
    7: LessonInfo(7, None, "lesson07"),
    39: LessonInfo(39, None, "lesson39"),
}


def get_lesson(number: int) -> LessonInfo:
    """The lesson `number`; a clear error for unknown or not yet available lessons."""
    info = LESSONS.get(number)
    if info is None:
        raise ArgumentError(f"there is no lesson {number}; the lessons are "
                          f"{', '.join(str(n) for n in LESSONS)}", "number")
    if not info.available:
        ready = ", ".join(str(n) for n, i in LESSONS.items() if i.available)
        raise ArgumentError(f"lesson {number} ({info.title}) is not available yet; available: {ready}")
    return info


def lesson_module(number: int):
    info = get_lesson(number)
    return importlib.import_module(f".lessons.{info.module}", __package__)


def summary(number: int) -> str:
    """The summary of lesson `number` (``"not available yet"`` for one not written)."""
    return LESSONS[number].summary


def run_lesson(number: int, out_dir: Path, *, write: bool = True) -> LessonRun:
    """Run lesson `number`: its blocks, with its figures in ``run.files``.

    With `write` (``calcml lesson N --out DIR``) the figures are then written to
    ``out_dir/lesson-0N/`` through the report folder's guarded writer
    (:func:`calcml.course.folder.write_files`), which owns only that lesson's
    folder; `out_dir` is checked before the lesson runs. ``run_course`` passes
    ``write=False`` and writes everything in one checked step at the end.
    """
    from .folder import check_folder, write_files

    module = lesson_module(number)
    out_dir = check_folder(out_dir)
    run = LessonRun(number, module.TITLE, out_dir=out_dir)  # the title, from its one place
    module.build(run)
    if write and run.files:
        prefix = f"lesson-{number:02d}/"
        write_files(out_dir, run.files, owns=lambda name: name.startswith(prefix))
    return run


def run_course(out_dir: Path, progress: Callable[[str], None] | None = None, *,
               notebooks: bool = True) -> Path:
    """Run every available lesson and write the report ``out_dir/index.html``; return its path.

    Nothing is written until every lesson has run and the whole folder has been
    checked (:mod:`calcml.course.folder`); a refused run leaves `out_dir` as it
    was. `progress`, when given, is called with ``"lesson N: TITLE"`` before each
    lesson and ``"writing the report"`` at the end (the CLI shows these on a
    terminal). With `notebooks`, each lesson's notebook source (jupytext percent
    format, see :mod:`calcml.course.notebooks`) is written as
    ``out_dir/notebooks/lessonNN.py``.
    """
    from .exercises import EXERCISES
    from .folder import check_folder, read_manifest
    from .report import write_report

    out_dir = check_folder(out_dir)
    if out_dir.is_dir():
        read_manifest(out_dir)  # a foreign manifest refuses the run before the lessons spend their time
    runs = []
    available = [n for n, info in LESSONS.items() if info.available]
    for n in available:
        if progress:
            progress(f"lesson {n}: {LESSONS[n].title}")
        runs.append(run_lesson(n, out_dir, write=False))
    if progress:
        progress("writing the report")
    shown = [e for e in EXERCISES.values() if e.lesson in available]
    extra = {}
    if notebooks:
        from .notebooks import notebook_source

        for run in runs:
            extra[f"notebooks/lesson{run.number:02d}.py"] = notebook_source(run).encode("utf-8")
    return write_report(runs, shown, list(errata()), out_dir, extra_files=extra)
