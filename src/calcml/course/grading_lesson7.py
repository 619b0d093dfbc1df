"""Grading a set of points (lesson 7: "which points are support vectors?").

An answer lists points as ``(0, 0) (1, 2) (2, 1)``, ``(0,0), (1,2)`` or ``0, 0; 1, 2``; each
coordinate goes through the safe parser, so ``(1/2, sqrt(2))`` works too. Order and
repetition do not matter. The feedback names only points the learner wrote (which of them are
not support vectors, and why, from calcml's own KKT table) and says how many are missing,
never which: the reference stays hidden unless asked for.
"""

from __future__ import annotations

from ..errors import ExpressionError
from .answers import _closing, read_numbers

__all__ = ["DATA", "grade_points", "read_points"]

#: exercise id -> (points, labels) of the data set the exercise is about
DATA: dict[str, tuple] = {}

def _top_level_groups(text: str):
    """The insides of the top-level (...) / [...] groups, and whatever else stands between them."""
    groups, rest, i = [], [], 0
    while i < len(text):
        if text[i] in "([":
            j = _closing(text, i)
            if j < 0:
                raise ExpressionError("a bracket is not closed", text, i, hint="close every ( with )")
            groups.append(text[i + 1:j])
            i = j + 1
        else:
            rest.append(text[i])
            i += 1
    return groups, "".join(rest)


def read_points(text: str) -> list[tuple[float, float]]:
    """The 2-D points in `text`: bracketed pairs, or pairs separated by ';'."""
    groups, rest = _top_level_groups(text)
    rest = rest.replace(",", " ").replace(";", " ").strip()
    if groups and rest:
        raise ExpressionError(f"could not read {rest!r} as part of a point", text,
                              hint="write each point in brackets, e.g. (0, 0) (1, 2)")
    if not groups:
        groups = [g for g in text.split(";") if g.strip()]
    if not groups:
        raise ExpressionError("no points found", text, hint="write points such as (0, 0) (1, 2)")
    points = []
    for g in groups:
        x, y = read_numbers(g, 2, hint="each point has two coordinates, e.g. (1, 2)")
        points.append((float(x), float(y)))
    return points


def _same(p, q) -> bool:
    return abs(p[0] - q[0]) <= 1e-9 * (1 + abs(q[0])) and abs(p[1] - q[1]) <= 1e-9 * (1 + abs(q[1]))


def _show(p) -> str:
    return f"({p[0]:g}, {p[1]:g})"


def grade_points(ex, answer: str):
    """Grade a set of points against the exercise's reference, one text such as ``"(0, 0) (1, 2)"``."""
    from ..svm import LinearSVM
    from .grading import Grade

    ref = read_points(ex.reference)
    expected = " ".join(_show(p) for p in ref)
    given = []
    for p in read_points(answer):
        if not any(_same(p, q) for q in given):
            given.append(p)
    X, y = DATA[ex.id]
    extra = [p for p in given if not any(_same(p, q) for q in ref)]
    missing = [q for q in ref if not any(_same(p, q) for p in given)]
    if not extra and not missing:
        return Grade(ex.id, True, "Correct: exactly the points with alpha > 0, each on its margin line.", expected)
    notes = []
    if extra:
        model = LinearSVM().fit(X, y)
        for p in extra:
            idx = [i for i, q in enumerate(X) if _same(p, q)]
            if not idx:
                notes.append(f"{_show(p)} is not one of the points of the task.")
            else:
                fm = model.kkt_.functional_margin[idx[0]]
                notes.append(f"{_show(p)} is not a support vector: its functional margin y f(x) is "
                             f"{fm:.4g} > 1, so complementary slackness makes its alpha 0.")
    if missing:
        notes.append(f"{len(missing)} support vector{'s are' if len(missing) > 1 else ' is'} missing: "
                     "look for the points that lie exactly on a margin line (y f(x) = 1).")
    mistake = "extra_points" if extra and not missing else "missing_points" if missing and not extra else "wrong_set"
    return Grade(ex.id, False, "Not quite. " + " ".join(notes), expected, mistake)


# the data of exercise 7.2 (the six points of lesson 7's task)
DATA["7.2"] = ([(0.0, 0.0), (1.0, 2.0), (2.0, 1.0), (-1.0, -1.0), (-3.0, -1.0), (3.0, 3.0)],
               [-1, 1, 1, -1, -1, 1])
