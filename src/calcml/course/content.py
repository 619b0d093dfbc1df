"""Lesson text and errata, read from package data (``calcml/course/content``)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from .model import Erratum

_SECTION = re.compile(r"^<!-- section: ([a-z0-9-]+) -->\s*$", re.MULTILINE)


@lru_cache(maxsize=None)
def sections(name: str) -> dict[str, str]:
    """The named sections of a lesson's Markdown file, e.g. ``sections("lesson01")["intro"]``."""
    text = resources.files(__package__).joinpath("content", f"{name}.md").read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts), 2)}


@lru_cache(maxsize=None)
def errata() -> tuple[Erratum, ...]:
    """Every known mistake of the original course, in lesson order."""
    raw = json.loads(resources.files(__package__).joinpath("content", "errata.json").read_text(encoding="utf-8"))
    return tuple(Erratum(int(e["lesson"]), e["claim"], e["correction"]) for e in raw)


def errata_for(lesson: int) -> tuple[Erratum, ...]:
    return tuple(e for e in errata() if e.lesson == lesson)
