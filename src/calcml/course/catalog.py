"""The course's table of contents: which lessons exist, which are available, and running them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import DomainError
from .content import errata
from .model import LessonRun


@dataclass(frozen=True)
class LessonInfo:
    number: int
    title: str
    module: str | None  # None: not written yet

    @property
    def available(self) -> bool:
        return self.module is not None


# Lessons 1-7 follow the original course; 39 is the Day 39 practice set.
LESSONS: dict[int, LessonInfo] = {
    1: LessonInfo(1, "Differential calculus", "lesson01"),
    2: LessonInfo(2, "Integration", "lesson02"),
    3: LessonInfo(3, "Gradient of a vector function", "lesson03"),
    4: LessonInfo(4, "Jacobian", "lesson04"),
    5: LessonInfo(5, "Backpropagation", None),
    6: LessonInfo(6, "Optimization", "lesson06"),
    7: LessonInfo(7, "Support vector machine", None),
    39: LessonInfo(39, "Day 39 practice set: calculus", "lesson39"),
}


def get_lesson(number: int) -> LessonInfo:
    """The lesson `number`; a clear error for unknown or not yet available lessons."""
    info = LESSONS.get(number)
    if info is None:
        raise DomainError(f"there is no lesson {number}; the lessons are "
                          f"{', '.join(str(n) for n in LESSONS)} (see: calcml lessons)")
    if not info.available:
        ready = ", ".join(str(n) for n, i in LESSONS.items() if i.available)
        raise DomainError(f"lesson {number} ({info.title}) is not available yet; available: {ready}")
    return info


def lesson_module(number: int):
    info = get_lesson(number)
    return importlib.import_module(f".lessons.{info.module}", __package__)


def summary(number: int) -> str:
    info = LESSONS[number]
    return lesson_module(number).SUMMARY if info.available else "not available yet"


def run_lesson(number: int, out_dir: Path) -> LessonRun:
    """Run lesson `number`: its blocks, with figures written under ``out_dir/lesson-0N/``."""
    module = lesson_module(number)
    run = LessonRun(number, module.TITLE, out_dir=Path(out_dir))
    module.build(run)
    return run


def run_course(out_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Run every available lesson and write the report ``out_dir/index.html``; return its path."""
    from .exercises import EXERCISES
    from .report import write_report

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DomainError(f"--out {out_dir} is a file, not a folder; choose a folder for the report")
    runs = []
    available = [n for n, info in LESSONS.items() if info.available]
    for n in available:
        if progress:
            progress(f"lesson {n}: {LESSONS[n].title}")
        runs.append(run_lesson(n, out_dir))
    if progress:
        progress("writing the report")
    shown = [e for e in EXERCISES.values() if e.lesson in available]
    return write_report(runs, shown, [e for e in errata()], out_dir)
