"""Grading lesson 6's answers: a set of classified critical points, or one word.

Two kinds of answer, used by the exercises of lesson 6:

- ``"critical_points"``: points with their kinds, separated by ``;``, each
  ``point: kind``; a point is a number (one variable) or ``(x, y)``. For
  example ``0: maximum; 4/3: minimum`` or ``(-1, 0): saddle``. ``x = 0`` is read
  as ``0``. Points go through the safe parser (``4/3``, ``sqrt(2)`` are fine)
  and are compared with :func:`calcml.testing.agree`; the kind must match.
  The order does not matter.
- ``"choice"``: one word (or a short phrase) from the exercise's choices;
  common wrong answers get their own feedback (:data:`FEEDBACK`).

Feedback talks about the learner's own answer (a point that is not critical,
a wrong kind, how many are missing), never about the hidden reference.

>>> from calcml.course.exercises import get_exercise
>>> grade(get_exercise("6.1"), "x = 4/3: minimum; x = 0: maximum").correct
True
>>> grade(get_exercise("6.2"), "x = 0").feedback
"f'(x) = 1/x is not 0 at x = 0: it is not even defined there, and neither is log x (log 0 does not exist). Is there any x > 0 where 1/x = 0?"
"""

from __future__ import annotations

import re

from ..errors import ExpressionError
from .model import Exercise

# SymPy, NumPy and the answer reader are imported inside the functions: course/exercises.py imports
# this module to register lesson 6's choices, and listing exercises must stay quick.

__all__ = ["KINDS", "CHOICES", "FEEDBACK", "grade"]

KINDS = ("critical_points", "choice")
_WORDS = ("minimum", "maximum", "saddle", "neither")
_SYNONYMS = {"min": "minimum", "local minimum": "minimum", "local min": "minimum", "max": "maximum",
             "local maximum": "maximum", "local max": "maximum", "saddle point": "saddle",
             "inflection": "neither", "inflection point": "neither", "none": "none",
             "no critical point": "none", "no critical points": "none", "nothing": "none", "no solution": "none",
             "empty": "none", "there is none": "none", "no x": "none"}

#: Exercise id -> the words accepted as an answer to a "choice" exercise.
CHOICES: dict[str, tuple[str, ...]] = {}
#: Exercise id -> {normalised wrong answer: feedback}.
FEEDBACK: dict[str, dict[str, str]] = {}


def _normalise(text: str) -> str:
    t = re.sub(r"\s+", " ", text.strip().lower()).strip(" .!")
    t = re.sub(r"^(it is|it's|the answer is|answer:)\s*(an?\s+|a\s+)?", "", t)
    t = re.sub(r"^(a|an)\s+", "", t)
    t = re.sub(r"^x\s*=\s*", "x = ", t)
    return _SYNONYMS.get(t, t)


def grade(ex: Exercise, answer: str):
    """Grade `answer` to a lesson-6 exercise; returns a :class:`calcml.course.grading.Grade`."""
    from .grading import Grade

    if ex.kind == "choice":
        word = _normalise(answer)
        if word in CHOICES.get(ex.id, ()) and word == _normalise(ex.reference):
            return Grade(ex.id, True, "Right.", ex.reference)
        special = FEEDBACK.get(ex.id, {})
        key = word.replace("x = ", "")
        if word in special or key in special:
            return Grade(ex.id, False, special.get(word) or special[key], ex.reference, mistake="known")
        if word not in CHOICES.get(ex.id, ()):
            value = _derivative_at(ex, key)
            if value is not None:
                return Grade(ex.id, False, value, ex.reference, mistake="not_critical")
            return Grade(ex.id, False, f"Answer with {ex.answer_format}.", ex.reference, mistake="format")
        return Grade(ex.id, False, "Not this one. " + ex.hint, ex.reference, mistake="wrong_choice")
    if ex.kind == "critical_points":
        return _grade_points(ex, answer)
    raise ValueError(f"exercise {ex.id} has kind {ex.kind!r}, which grading_lesson6 does not know")


def _derivative_at(ex: Exercise, text: str):
    """For a one-variable function and an answer that is a number: "f'(5) = 1/5, not 0"."""
    import sympy as sp

    if not ex.function or len(ex.variables) != 1:
        return None
    try:
        from ..expressions import parse

        v = parse(text, ())
        x = sp.Symbol(ex.variables[0])  # the parser's plain symbol
        d = sp.diff(parse(ex.function, ex.variables), x).subs(x, v)
    except (ExpressionError, TypeError, ValueError):
        return None
    if ex.domain == "positive" and v.is_positive is False:
        return f"{ex.variables[0]} = {sp.sstr(v)} is outside the domain ({ex.variables[0]} > 0)."
    d = sp.simplify(d)
    if d.is_zero:
        return None
    shown = "undefined" if d.has(sp.zoo, sp.nan) or d.is_real is False else sp.sstr(d)
    return f"f'({sp.sstr(v)}) = {shown}, not 0."


def read_points(text: str, n: int) -> list:
    """Read ``point: kind; point: kind`` into [(tuple of SymPy numbers, kind)]; kind may be ''."""
    from .answers import parse_piece, split_vector

    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the answer is empty", text, hint="write points like 0: maximum; 4/3: minimum")
    if _normalise(text) == "none":
        return []
    out = []
    offset = 0
    for chunk in text.split(";"):
        here = offset
        offset += len(chunk) + 1
        if not chunk.strip():
            continue
        point_text, _, kind_text = chunk.rpartition(":") if ":" in chunk else (chunk, "", "")
        kind = _normalise(kind_text) if kind_text.strip() else ""
        if kind and kind not in _WORDS:
            raise ExpressionError(f"unknown kind {kind_text.strip()!r}", text, here + len(point_text) + 1,
                                  "write minimum, maximum, saddle or neither after the point")
        stripped = re.sub(r"^\s*(x\s*=\s*)", "", point_text)
        lead = len(point_text) - len(stripped)
        parts = split_vector(stripped)
        if len(parts) != n:
            raise ExpressionError(f"a point needs {n} coordinate{'s' if n > 1 else ''}, got {len(parts)}", text,
                                  here, "write one point per ';', e.g. " + ("0: maximum" if n == 1 else
                                                                            "(1, 0): minimum"))
        coords = tuple(parse_piece(p, here + lead + o, text, (), "give numbers, e.g. 4/3") for p, o in parts)
        out.append((coords, kind))
    return out


def _reference(ex: Exercise) -> list:
    return read_points(ex.reference, len(ex.variables))


def _same(a, b) -> bool:
    import sympy as sp

    from ..testing import agree

    return all(agree(float(sp.N(x, 30)), float(sp.N(y, 30))) for x, y in zip(a, b))


def _show(p) -> str:
    import sympy as sp

    return sp.sstr(p[0]) if len(p) == 1 else "(" + ", ".join(sp.sstr(c) for c in p) + ")"


def _grade_points(ex: Exercise, answer: str):
    from .grading import Grade

    truth = _reference(ex)
    given = read_points(answer, len(ex.variables))
    notes, matched = [], set()
    for coords, kind in given:
        hit = [i for i, (t, _) in enumerate(truth) if _same(coords, t)]
        if not hit:
            notes.append(f"{_show(coords)} is not a critical point: the derivative is not 0 there "
                         "(or it is outside the domain)")
            continue
        matched.add(hit[0])
        want = truth[hit[0]][1]
        if not kind:
            notes.append(f"say what kind of point {_show(coords)} is (minimum, maximum, saddle or neither)")
        elif kind != want:
            notes.append(f"{_show(coords)} is critical, but not a {kind}: check the second derivative "
                         "(or the Hessian's eigenvalues) there")
    missing = len(truth) - len(matched)
    if missing > 0:
        notes.append(f"{missing} critical point{'s are' if missing > 1 else ' is'} missing: solve f' = 0 completely")
    if not notes:
        return Grade(ex.id, True, "Right: every critical point, each with its kind.", ex.reference)
    return Grade(ex.id, False, "Not yet: " + "; ".join(notes) + ".", ex.reference,
                 mistake="missing" if missing > 0 and len(notes) == 1 else "points")
