"""The course's exercises: every task a learner can answer with ``calcml check``.

Each exercise is an :class:`~calcml.course.model.Exercise` registered here with
:func:`_exercise`, lesson by lesson, in id order. A later lesson adds its
exercises the same way: a block of ``_exercise(...)`` calls under a heading
comment, and nothing else changes: the grader (:mod:`calcml.course.grading`)
reads the exercise's ``kind`` to decide how to compare, and its ``function``
to diagnose common mistakes.

Conventions the grader relies on:

- ``reference`` is text the safe parser reads: one text for
  ``"derivative"``/``"antiderivative"``/``"expression"``/``"number"``, a list
  of texts for ``"vector"``, a list of rows of texts for ``"matrix"``.
- For ``"number"`` and ``"vector"`` exercises about a function evaluated at a
  point, ``variables`` are the function's variables (the order of the gradient's
  components) and the point is the exercise's ``point``; the learner's answer
  is plain numbers.
- An angle answered in degrees has ``unit="degree"`` (``angle=True`` says the
  same): the grader then accepts any angle naming the same direction (45 and
  -315 alike).

>>> get_exercise("1.1").reference
'3x^2 - 4x'
>>> [e.id for e in exercises_for(3)]
['3.1', '3.2']
"""

from __future__ import annotations

import re

from ..errors import ArgumentError
from .model import Exercise

__all__ = ["EXERCISES", "KINDS", "UNITS", "get_exercise", "exercises_for", "point_of", "is_angle"]

#: The kinds of answer the grader knows how to compare.
KINDS = ("derivative", "antiderivative", "expression", "number", "vector", "matrix", "points",
         "critical_points", "choice")  # points: lesson 7 (grading_lesson7.py); the last two: lesson 6 (grading_lesson6.py)
#: The units a numeric answer may have (None: a plain number).
UNITS = (None, "degree")

_ALL: list[Exercise] = []
_ID = re.compile(r"([1-9][0-9]*)\.([1-9][0-9]*)")


def _exercise(id: str, title: str, prompt: str, kind: str, reference, *, point: tuple | None = None,
              angle: bool = False, **fields) -> Exercise:
    """Build an exercise, check it is well formed, and register it.

    ``point=`` and ``unit=`` become the exercise's fields; ``angle=True`` is
    another way to write ``unit="degree"``.
    """
    m = _ID.fullmatch(id)
    if m is None:
        raise ArgumentError(f"exercise id {id!r} must look like LESSON.K, e.g. '1.1'", "id")
    if kind not in KINDS:
        raise ArgumentError(f"exercise {id}: kind must be one of {', '.join(KINDS)}; got {kind!r}", "kind")
    if any(e.id == id for e in _ALL):
        raise ArgumentError(f"exercise {id} is registered twice", "id")
    if angle:
        fields["unit"] = "degree"
    if fields.get("unit") not in UNITS:
        raise ArgumentError(f"exercise {id}: unit must be one of {UNITS}; got {fields.get('unit')!r}", "unit")
    if kind == "vector" and not (isinstance(reference, (list, tuple)) and reference
                                 and all(isinstance(r, str) for r in reference)):
        raise ArgumentError(f"exercise {id}: a vector reference is a list of texts", "reference")
    if kind == "matrix" and not (isinstance(reference, (list, tuple)) and reference
                                 and all(isinstance(r, (list, tuple)) and len(r) == len(reference[0])
                                         for r in reference)):
        raise ArgumentError(f"exercise {id}: a matrix reference is a list of rows of equal length", "reference")
    if kind in ("derivative", "antiderivative", "expression", "number") and not isinstance(reference, str):
        raise ArgumentError(f"exercise {id}: the reference of a {kind} exercise is one text", "reference")
    if point is not None and len(point) != len(fields.get("variables", ("x",))):
        raise ArgumentError(f"exercise {id}: the point needs one coordinate per variable", "point")
    ex = Exercise(id=id, lesson=int(m.group(1)), title=title, prompt=prompt, kind=kind,
                  reference=tuple(tuple(r) if isinstance(r, list) else r for r in reference)
                  if isinstance(reference, list) else reference,
                  point=tuple(point) if point is not None else None, **fields)
    _ALL.append(ex)
    return ex


# --- lesson 1: differentiation ------------------------------------------------------------

_exercise(
    "1.1", "Differentiate a cubic",
    "Let f(x) = x^3 - 2x^2 + 1. Use the rules of differentiation (the power rule, "
    "term by term) to find f'(x). You can check it against the limit of the difference "
    "quotient with `calcml diff`.",
    "derivative", "3x^2 - 4x",
    function="x^3 - 2x^2 + 1",
    hint="Each x^n turns into n*x^(n-1); a constant on its own has slope 0.",
    answer_format="an expression in x, e.g. 5x^4 - 2x",
)

# --- lesson 2: integration ----------------------------------------------------------------

_exercise(
    "2.1", "Undo a derivative",
    "Find a function F(x) whose derivative is f(x) = 3x^2 - 4x (an antiderivative of f). "
    "Any constant may be added to your F.",
    "antiderivative", "x^3 - 2x^2",
    function="3x^2 - 4x",
    hint="Run the power rule backwards: x^n comes from x^(n+1)/(n+1).",
    answer_format="an expression in x; '+ C' is optional, e.g. x^4/4 + x + C",
)

# --- lesson 3: gradient -------------------------------------------------------------------

_exercise(
    "3.1", "A gradient at a point",
    "For f(x, y) = x^2 + y^2, work out the gradient (df/dx, df/dy) at the point (1, 1).",
    "vector", ["2", "2"],
    variables=("x", "y"), function="x^2 + y^2", point=(1, 1),
    hint="Take the partial derivative in one variable while the other stays fixed, then put in the point.",
    answer_format="two numbers, e.g. 3, -1 or (3, -1)",
)

_exercise(
    "3.2", "Which way is uphill?",
    "Standing at (1, 1) on the surface f(x, y) = x^2 + y^2, in which direction does f grow "
    "fastest? Give the direction as an angle in degrees, counted counter-clockwise from "
    "the positive x axis.",
    "number", "45",
    variables=("x", "y"), function="x^2 + y^2", point=(1, 1), unit="degree", tolerance=0.1,
    hint="The gradient points uphill; the angle of a vector (a, b) is atan2(b, a).",
    answer_format="one number of degrees, e.g. 30 (within 0.1 degree)",
)

# --- lesson 4: Jacobian -------------------------------------------------------------------

_exercise(
    "4.1", "The Jacobian of three sigmoid units",
    "Let sigmoid(z) = 1/(1 + exp(-z)) and take constants p, q, r, s, t, u. The map "
    "f(x, y) = (sigmoid(p*x + q*y), sigmoid(r*x + s*y), sigmoid(t*x + u*y)) sends two inputs "
    "to three outputs. Write its Jacobian matrix with respect to (x, y): one row per output, "
    "the derivative in x first and in y second.",
    "matrix",
    [["p*sigmoid(p*x+q*y)*(1-sigmoid(p*x+q*y))", "q*sigmoid(p*x+q*y)*(1-sigmoid(p*x+q*y))"],
     ["r*sigmoid(r*x+s*y)*(1-sigmoid(r*x+s*y))", "s*sigmoid(r*x+s*y)*(1-sigmoid(r*x+s*y))"],
     ["t*sigmoid(t*x+u*y)*(1-sigmoid(t*x+u*y))", "u*sigmoid(t*x+u*y)*(1-sigmoid(t*x+u*y))"]],
    variables=("x", "y", "p", "q", "r", "s", "t", "u"),
    function="sigmoid(p*x+q*y), sigmoid(r*x+s*y), sigmoid(t*x+u*y)",
    hint="sigmoid'(z) = sigmoid(z)*(1 - sigmoid(z)); the chain rule then multiplies by the "
         "derivative of the inside.",
    answer_format="3 rows of 2 entries: rows separated by ';', entries by ','; write "
                  "sigmoid(...) or 1/(1+exp(-(...)))",
)

# --- lesson 7: support vector machine -------------------------------------------------------

_SVM_TASK = ("Class -1: (0, 0), (-1, -1), (-3, -1). Class +1: (1, 2), (2, 1), (3, 3). ")

_exercise(
    "7.1", "The six-point line",
    _SVM_TASK + "Find the maximum-margin line a x + b y + c = 0 that separates the two classes, "
    "scaled as the SVM scales it: the points nearest the line have |a x + b y + c| = 1.",
    "vector", ["2/3", "2/3", "-1"],
    variables=("a", "b", "c"), tolerance=1e-6,
    hint="Solve min a^2 + b^2 subject to y_i (a x_i + b y_i + c) >= 1 (calcml svm --points ...), "
         "or guess which points are nearest and make their constraints equalities.",
    answer_format="three numbers a, b, c, e.g. 0.5, -1, 2 or fractions such as 1/3",
)

_exercise(
    "7.2", "Which points are support vectors?",
    _SVM_TASK + "Which of the six points are support vectors, that is, have a Lagrange "
    "multiplier alpha_i > 0? (Why do the others have alpha_i = 0?)",
    "points", "(0, 0) (1, 2) (2, 1)",
    hint="Complementary slackness: alpha_i (y_i f(x_i) - 1) = 0, so a point strictly beyond its "
         "margin line (y_i f(x_i) > 1) has alpha_i = 0.",
    answer_format="points in brackets, e.g. (0, 0) (3, 3)",
)

_exercise(
    "7.3", "The margin width",
    _SVM_TASK + "How wide is the band between the margin lines a x + b y + c = -1 and "
    "a x + b y + c = +1 of the maximum-margin line?",
    "number", "3/sqrt(2)",
    variables=("a", "b", "c"), tolerance=1e-6,
    hint="The distance from a point to the line is |a x0 + b y0 + c| / sqrt(a^2 + b^2); "
         "the band is 2 / sqrt(a^2 + b^2) wide.",
    answer_format="one number, e.g. 1.5 or 3/sqrt(2) (within 1e-6)",
)

# --- Lesson 5: backpropagation ------------------------------------------------------------

_exercise(
    "5.1", "The Jacobian in backward()",
    "A ReLU layer computes a_out = relu(W a_in + b) with W = [[1, -2], [0.5, 3], [-1, 1]] (3 units, "
    "2 inputs), b = (0.2, -1, 0.1), at a_in = (1, 0.5). Give the Jacobian d a_out / d a_in, the matrix "
    "backward() multiplies by (transposed) to pass the gradient to the layer below.",
    "matrix", [["1", "-2"], ["0.5", "3"], ["0", "0"]],
    variables=("a1", "a2"),  # the columns: the layer's two inputs
    hint="z = W a_in + b first; then row k of the Jacobian is relu'(z_k) times row k of W.",
    answer_format="3 rows of 2 numbers: rows separated by ';', entries by ','",
)

_exercise(
    "5.2", "The sigmoid's derivative, in terms of s",
    "Let s = sigmoid(z) = 1/(1 + exp(-z)). Write d s / d z as an expression in s only (the form "
    "backward() uses, because s is already known from the forward pass).",
    "expression", "s*(1 - s)",
    variables=("s",),
    hint="Differentiate 1/(1 + exp(-z)) and express exp(-z) through s: exp(-z) = (1 - s)/s.",
    answer_format="an expression in s, e.g. s^2 + 1",
)

_exercise(
    "5.3", "The bias gradient: sum or mean?",
    "A batch of N = 4 samples; the loss is the mean L = (1/4)(l1 + l2 + l3 + l4). For the output unit, "
    "backpropagation gives d l_i / d z_i = 2.5, -0.5, 3, 3 for the four samples (the 1/4 not yet "
    "included). The unit's bias b is added to every z_i. What is dL/db?",
    "number", "2",
    hint="dz_i/db = 1 for every sample, and the mean weighs each sample's loss by 1/N.",
    answer_format="one number, e.g. 0.5",
)

# --- Day 39: practice set -----------------------------------------------------------------

_exercise(
    "39.1", "Differentiate a polynomial",
    "Find the derivative of the polynomial f(x) = x^3 - 2x^2 + 5.",
    "derivative", "3x^2 - 4x",
    function="x^3 - 2x^2 + 5",
    hint="Go term by term with the power rule; the constant 5 does not change as x moves.",
    answer_format="an expression in x, e.g. 5x^4 - 2x",
)

_exercise(
    "39.2", "A gradient of two variables",
    "For f(x, y) = x^2*y + y^3, find the gradient (df/dx, df/dy) at the point (2, 3).",
    "vector", ["12", "31"],
    variables=("x", "y"), function="x^2*y + y^3", point=(2, 3),
    hint="In df/dy the term x^2*y counts too: with x held fixed it is a constant times y.",
    answer_format="two numbers, e.g. 3, -1 or (3, -1)",
)

_exercise(
    "39.3", "The chain rule",
    "Differentiate y(x) = (2x + 1)^2. Either multiply it out first, or use the chain rule "
    "with the inner function u = 2x + 1; both roads lead to the same answer.",
    "derivative", "8x + 4",
    function="(2x + 1)^2",
    hint="The chain rule: the outer derivative 2u, times the derivative of the inside u = 2x + 1.",
    answer_format="an expression in x, e.g. 6x - 2",
)


# --- Lesson 6: optimization -------------------------------------------------------------------
# Kinds "critical_points" and "choice" are graded by course/grading_lesson6.py (choices and the
# feedback for known wrong answers are registered there, by exercise id).
from . import grading_lesson6 as _g6  # noqa: E402

_exercise(
    "6.1", "Critical points, with their kinds",
    "Find every critical point of f(x) = x^3 - 2x^2 + 1 and say for each whether it is a local "
    "minimum, a local maximum or neither.",
    "critical_points", "0: maximum; 4/3: minimum",
    function="x^3 - 2x^2 + 1",
    hint="Factor f'(x); then the sign of f'' at each root decides.",
    answer_format="points with their kinds, separated by ';', e.g. 1: minimum; -2: maximum",
)
_exercise(
    "6.2", "Where is the derivative of log x zero?",
    "Let f(x) = log x (x > 0). At which x is f'(x) = 0? Answer 'none' if there is no such x.",
    "choice", "none",
    function="log(x)", domain="positive",
    hint="Write f'(x) and ask whether a fraction with numerator 1 can ever be 0.",
    answer_format="a value such as 'x = 2', or 'none'",
)
_g6.CHOICES["6.2"] = ("none",)
_g6.FEEDBACK["6.2"] = {
    "0": "f'(x) = 1/x is not 0 at x = 0: it is not even defined there, and neither is log x "
         "(log 0 does not exist). Is there any x > 0 where 1/x = 0?",
    "infinity": "Infinity is not a number x you can put into f'; 1/x gets close to 0 as x grows "
                "but never reaches it. Is there any x > 0 where 1/x = 0?",
    "1": "At x = 1, f(x) = log 1 = 0, but the question is about f'(x) = 1/x, which is 1 there.",
}
_g6.FEEDBACK["6.2"]["oo"] = _g6.FEEDBACK["6.2"]["\u221e"] = _g6.FEEDBACK["6.2"]["infinity"]
_exercise(
    "6.3", "Classify a critical point of two variables",
    "f(x, y) = x^3 - 3x + y^2 has a critical point at (-1, 0). Is it a minimum, a maximum, a saddle "
    "or neither?",
    "choice", "saddle",
    variables=("x", "y"), function="x^3 - 3x + y^2",
    hint="Compute the Hessian at (-1, 0) and look at the signs of its eigenvalues.",
    answer_format="one word: minimum, maximum, saddle or neither",
)
_g6.CHOICES["6.3"] = ("minimum", "maximum", "saddle", "neither")
_g6.FEEDBACK["6.3"] = {
    "minimum": "Along y, f = y^2 + 2 does grow away from (-1, 0), but along x, f''(-1) = 6x = -6 < 0 "
               "makes it fall: what is a point that is a minimum one way and a maximum the other?",
    "maximum": "Along x it is a maximum (f_xx = 6x = -6 < 0), but along y, f_yy = 2 > 0 makes f "
               "grow: what is a point that is a minimum one way and a maximum the other?",
}


def _order(ex: Exercise) -> tuple[int, int]:
    lesson, k = ex.id.split(".")
    return int(lesson), int(k)


#: Every exercise, by id, in id order (1.1, 2.1, 3.1, 3.2, 4.1, 39.1, ...).
EXERCISES: dict[str, Exercise] = {e.id: e for e in sorted(_ALL, key=_order)}


def get_exercise(id) -> Exercise:
    """The exercise with this id.

    Parameters
    ----------
    id : str
        ``"LESSON.K"``, e.g. ``"1.1"``.

    Raises
    ------
    ArgumentError
        For an id that names no exercise; the message lists the ids there are.

    Examples
    --------
    >>> get_exercise("39.2").reference
    ('12', '31')
    >>> get_exercise("9.9")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    calcml.errors.ArgumentError: unknown exercise '9.9'; the exercises are 1.1, 2.1, 3.1, ...
    """
    key = str(id).strip()
    ex = EXERCISES.get(key)
    if ex is None:
        raise ArgumentError(f"unknown exercise {key!r}; the exercises are {', '.join(EXERCISES)}", "id")
    return ex


def exercises_for(lesson: int) -> list[Exercise]:
    """The exercises of one lesson, in order (an empty list when it has none)."""
    return [e for e in EXERCISES.values() if e.lesson == lesson]


def point_of(exercise: Exercise) -> tuple | None:
    """The point an exercise's function is evaluated at, or None (its ``point`` field)."""
    return exercise.point


def is_angle(exercise: Exercise) -> bool:
    """True when the exercise's answer is an angle in degrees (``unit == "degree"``)."""
    return exercise.unit == "degree"
