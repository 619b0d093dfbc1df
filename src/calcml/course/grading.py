"""Grading a learner's answer to an exercise: right or wrong, and why.

An answer is text. It goes through the safe parser (:func:`calcml.parse`, never
``eval``) with the exercise's variables, then is compared with the reference
answer in the way the exercise's ``kind`` asks:

- ``"derivative"`` / ``"expression"``: the same function, decided by calcml's one
  equality check, :func:`calcml.equivalence.equivalent`: ``expand``/``cancel``
  first (which settle every rational function exactly), then values at 40 digits
  at points covering the whole domain (both signs, magnitudes 1e-7 to 1e3, each
  branch of a Piecewise), where one difference settles a wrong answer at once,
  then ``simplify`` under the time limit; when SymPy cannot decide in time, the
  agreeing points decide.
- ``"antiderivative"``: right when it differs from the reference by a constant,
  i.e. when both have the same derivative; ``+ C`` is optional.
- ``"number"`` / ``"vector"``: numbers written ``4, 27``, ``(4, 27)``, ``[4, 27]``
  or ``4 27`` (read by :mod:`calcml.course.answers`), each through the safe parser
  (``2*sqrt(2)`` is fine), compared with :func:`calcml.testing.agree` (or the
  exercise's own tolerance).
- ``"matrix"``: rows separated by ``;`` and entries by ``,``, or ``[[a, b], [c, d]]``;
  each entry compared like an expression. ``sigmoid(z)`` and ``1/(1+exp(-z))`` are
  the same thing.

The domain matters: with ``domain="positive"`` the variables are positive symbols
and the sample points are positive, so ``log(x^2)`` equals ``2*log(x)`` there;
on the reals it does not (at x = -1 one side is undefined).

A wrong answer gets feedback from :mod:`calcml.course.mistakes`, which names the
mistake when it is a common one, without giving the answer away.

>>> grade("1.1", "3*x**2 - 4*x").correct
True
>>> g = grade("1.1", "3x^2 - 4")
>>> g.correct, g.feedback
(False, 'Not quite: the term -2x^2 should give -4x; your answer has -4.')
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..errors import ArgumentError, ExpressionError, TimeLimitError, shown
from ..expressions import parse, to_function
from ..results import jsonable
from ..testing import agree
from . import mistakes
from .answers import read_matrix, read_numbers, split_matrix, split_vector
from .exercises import get_exercise, is_angle, point_of
from .model import Exercise

__all__ = ["Grade", "grade", "Sampler", "N_POINTS"]

#: How many random points the numeric comparison uses.
N_POINTS = 30
_DIGITS = 30  # working precision of the numeric comparison


@dataclass(frozen=True)
class Grade:
    """The verdict on one answer.

    Attributes
    ----------
    id : str
        The exercise's id.
    correct : bool
    feedback : str
        One or a few sentences for the learner. It never contains the full
        expected answer.
    expected : str
        The reference answer, readable (shown only when asked for).
    mistake : str or None
        A short code for the mistake diagnosed (``"exponent_not_lowered"``,
        ``"sign"``, ...; see :mod:`calcml.course.mistakes`), None when the answer
        is right or the mistake is not a known one.
    """

    id: str
    correct: bool
    feedback: str
    expected: str = field(metadata={"json": False})  # shown only when asked for
    mistake: str | None = field(default=None, metadata={"json": False})

    def to_dict(self, reveal: bool = False) -> dict:
        """``id``, ``correct`` and ``feedback`` (:func:`calcml.results.jsonable`), plus ``expected``
        only when `reveal` is true."""
        out = jsonable(self)
        if reveal:
            out["expected"] = self.expected
        return out


def grade(exercise_or_id, answer: str, *, time_limit: float = 2.0) -> Grade:
    """Grade `answer` to an exercise.

    Parameters
    ----------
    exercise_or_id : Exercise or str
        The exercise, or its id such as ``"1.1"``.
    answer : str
        The learner's answer as text, e.g. ``"3x^2 - 4x"`` or ``"12, 31"``.
    time_limit : float
        Seconds of SymPy simplification allowed in all; past it the numeric
        comparison at random points decides. Looking for the mistake in a
        wrong answer gets as long again (at least 0.5 s).

    Returns
    -------
    Grade

    Raises
    ------
    ArgumentError
        For an unknown exercise id.
    ExpressionError
        For an answer that cannot be read, with the position of the problem in
        `answer`; also for a vector or matrix of the wrong size.

    Examples
    --------
    >>> grade("2.1", "x^3 - 2x^2 + 7").correct      # any constant may be added
    True
    >>> grade("39.2", "(12, 31)").correct
    True
    >>> print(grade("39.3", "2(2x+1)").mistake)
    missing_chain_factor
    """
    ex = exercise_or_id if isinstance(exercise_or_id, Exercise) else get_exercise(exercise_or_id)
    if not isinstance(answer, str):
        raise ExpressionError(f"the answer must be text, got {type(answer).__name__}",
                              hint="pass the answer as a string, e.g. '3x^2 - 4x'")
    if not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise ArgumentError(f"time_limit must be a positive number of seconds; got {shown(time_limit)}", "time_limit")
    budget = _Budget(float(time_limit))
    if ex.kind in ("derivative", "antiderivative", "expression"):
        return _grade_expression(ex, answer, budget)
    if ex.kind in ("number", "vector"):
        return _grade_numbers(ex, answer)
    if ex.kind == "matrix":
        return _grade_matrix(ex, answer, budget)
    if ex.kind == "points":  # lesson 7: a set of labelled points (grading_lesson7.py)
        from .grading_lesson7 import grade_points

        return grade_points(ex, answer)
    if ex.kind in ("critical_points", "choice"):  # lesson 6's kinds live in their own module
        from . import grading_lesson6

        return grading_lesson6.grade(ex, answer)
    raise ArgumentError(f"exercise {ex.id} has kind {ex.kind!r}, which the grader does not know", "kind")


# --- symbols, the reference, and the numeric sampler ------------------------------------------

def _symbols(ex: Exercise, constants: bool = False) -> dict:
    """The exercise's variables as SymPy symbols carrying the domain's assumptions."""
    assume = {"positive": True} if ex.domain == "positive" else {"real": True}
    syms = {v: sp.Symbol(v, **assume) for v in ex.variables}
    if constants:  # the constant of integration, written C or c
        for name in ("C", "c"):
            syms.setdefault(name, sp.Symbol(name, real=True))
    return syms


class Sampler:
    """Values of expressions at fixed random points of a domain, at 30 significant digits.

    Used to *name* a mistake (:mod:`calcml.course.mistakes`); whether an answer is
    right is decided by :func:`calcml.equivalence.equivalent`. The points are the
    same for every call (seeded by `seed`), so a diagnosis is reproducible. Real
    domain: each coordinate uniform in [-3, 3]; positive domain: uniform in [0.1, 4].
    """

    def __init__(self, symbols, domain: str = "real", n: int = N_POINTS, seed: int = 0):
        rng = np.random.default_rng(seed)
        lo, hi = (0.1, 4.0) if domain == "positive" else (-3.0, 3.0)
        self.symbols = tuple(symbols)
        self.domain = domain
        self.seed = seed
        self.points = rng.uniform(lo, hi, size=(n, len(self.symbols)))
        self._cache: dict = {}

    def values(self, expr) -> list:
        """The value at each point as a float, or None where it is undefined or not real."""
        import mpmath

        expr = mistakes.exp_form(mistakes.as_basic(expr))
        if expr in self._cache:
            return self._cache[expr]
        fn = to_function(expr, self.symbols, backend="mpmath")
        out = []
        with mpmath.workdps(_DIGITS):
            for pt in self.points:
                try:
                    v = mpmath.mpc(fn(*[mpmath.mpf(float(c)) for c in pt]))
                except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                    out.append(None)
                    continue
                real = float(v.real) if mpmath.isfinite(v.real) and mpmath.isfinite(v.imag) else math.inf
                if not math.isfinite(real) or abs(v.imag) > 1e-20 * (1 + abs(v.real)):
                    out.append(None)  # undefined, beyond floats, or complex: outside the real domain
                else:
                    out.append(real)
        self._cache[expr] = out
        return out

    def same(self, a, b, min_points: int = 3):
        """True when `a` and `b` agree at every point; None when too few points are usable.

        Points where both are undefined are skipped. A point where only one of them is
        defined is a difference: the two have different domains (on the reals,
        ``log(x^2)`` is defined at x = -1 and ``2*log(x)`` is not).
        """
        used = 0
        for va, vb in zip(self.values(a), self.values(b)):
            if va is None and vb is None:
                continue
            if va is None or vb is None or not agree(va, vb):
                return False
            used += 1
        return True if used >= min_points else None

    def ratio(self, a, b):
        """The constant k with a = k*b at every point, or None when there is none."""
        pairs = [(va, vb) for va, vb in zip(self.values(a), self.values(b))
                 if va is not None and vb is not None and abs(vb) > 1e-6]
        if len(pairs) < 3:
            return None
        k = pairs[0][0] / pairs[0][1]
        return k if all(agree(va, k * vb) for va, vb in pairs) else None


class _Budget:
    """Seconds of symbolic work left for one grading; runs SymPy under calcml's time limit."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def diagnose(self, fn, *args) -> mistakes.Diagnosis:
        """Run a diagnosis with a time limit of its own: as long as the comparison's, at least 0.5 s."""
        from ..symbolic import run_with_time_limit

        try:
            return run_with_time_limit(fn, *args, seconds=max(self.seconds, 0.5), what="looking for the mistake")
        except TimeLimitError:
            return mistakes.Diagnosis(None, "your answer is not equivalent to the right one")


def _equivalent(a, b, sampler: Sampler, budget: _Budget) -> bool:
    """Is `a` the same function as `b` on the exercise's domain? calcml's one equality check decides.

    :func:`calcml.equivalence.equivalent`: symbolic first, then values at points
    covering the whole domain (both signs and magnitudes from 1e-7 to 1e3 on the
    reals), then ``simplify`` with what is left of the grading's time budget.
    """
    from ..equivalence import equivalent

    a, b = mistakes.exp_form(a), mistakes.exp_form(b)
    left = budget.deadline - time.monotonic()
    # the sampling always gets time of its own (the answer's values must be compared);
    # SymPy's simplify only what is left of the grading's budget
    verdict = equivalent(a, b, sampler.symbols, domain=sampler.domain,
                         time_limit=max(left, 1.0), simplify=left > 0.02, seed=sampler.seed)
    return verdict.equal is True


def _seed(ex: Exercise) -> int:
    return zlib.crc32(ex.id.encode())


# --- expressions ----------------------------------------------------------------------------

def _grade_expression(ex: Exercise, answer: str, budget: _Budget) -> Grade:
    anti = ex.kind == "antiderivative"
    syms = _symbols(ex, constants=anti)
    var = syms[ex.variables[0]]
    got = parse(answer, list(syms.values()))  # an ExpressionError reaches the caller with its position
    ref = parse(ex.reference, list(syms.values()))
    f = parse(ex.function, list(syms.values())) if ex.function else None
    expected = ex.reference + (" + C" if anti else "")
    sampler = Sampler(list(syms.values()), ex.domain, seed=_seed(ex))
    if anti:
        ok = _equivalent(sp.diff(got, var), sp.diff(ref, var), sampler, budget)
    else:
        ok = _equivalent(got, ref, sampler, budget)
    if ok:
        if anti:
            text = (f"Correct: the derivative of your answer is {ex.function}." if f is not None else "Correct.")
            return Grade(ex.id, True, text + " Any constant may be added.", expected)
        return Grade(ex.id, True, "Correct.", expected)
    if anti:
        dx = budget.diagnose(mistakes.diagnose_antiderivative, got, f, ref, var, sampler)
    elif ex.kind == "derivative" and f is not None:
        dx = budget.diagnose(mistakes.diagnose_derivative, got, f, ref, var, sampler)
    else:
        dx = budget.diagnose(mistakes.diagnose_expression, got, ref, sampler)
    return Grade(ex.id, False, _wrong(dx, ex), expected, dx.mistake)


def _wrong(dx, ex: Exercise) -> str:
    """The feedback on a wrong answer: the diagnosis, and the exercise's hint when no mistake was named."""
    text = f"Not quite: {dx.message.rstrip('.')}."
    if dx.mistake is None and ex.hint:
        text += f" Hint: {ex.hint}"
    return text


# --- numbers and vectors --------------------------------------------------------------------

def _grade_numbers(ex: Exercise, answer: str) -> Grade:
    ref = ex.reference if ex.kind == "vector" else (ex.reference,)
    point = point_of(ex)
    at = f" at the point {tuple(point)}" if point else ""
    text = answer
    if is_angle(ex):  # a unit after the number is fine: 45°, 45 deg, 45 degrees
        stripped = text.rstrip()
        for unit in ("\u00b0", "degrees", "degree", "deg"):
            if stripped.endswith(unit):
                text = stripped[: -len(unit)]
                break
    nums = read_numbers(text, len(ref), hint=f"give numbers: evaluate{at}" if point else "")
    expected = ", ".join(ref) if ex.kind == "number" else "(" + ", ".join(ref) + ")"
    values = []
    for i, v in enumerate(nums, 1):
        z = complex(sp.N(v, _DIGITS))
        if not (math.isfinite(z.real) and math.isfinite(z.imag)) or abs(z.imag) > 1e-12 * (1 + abs(z.real)):
            where = f"component {i}" if len(nums) > 1 else "your answer"
            return Grade(ex.id, False, f"Not quite: {where} is not a finite real number.", expected, "not_real")
        values.append(z.real)
    truth = [float(sp.N(parse(r), _DIGITS)) for r in ref]
    if _numbers_agree(ex, values, truth):
        return Grade(ex.id, True, "Correct.", expected)
    syms = _symbols(ex)
    f = parse(ex.function, list(syms.values())) if ex.function else None
    dx = mistakes.diagnose_numbers(values, truth, f, tuple(syms.values()), point,
                                   lambda a, b: _close(ex, a, b), angle=is_angle(ex))
    return Grade(ex.id, False, _wrong(dx, ex), expected, dx.mistake)


def _close(ex: Exercise, a: float, b: float) -> bool:
    if is_angle(ex):  # the same direction: compare modulo a full turn
        a = b + ((a - b + 180.0) % 360.0 - 180.0)
    if ex.tolerance is not None:
        return agree(a, b, rtol=0.0, atol=ex.tolerance)
    return agree(a, b)


def _numbers_agree(ex: Exercise, values, truth) -> bool:
    return all(_close(ex, a, b) for a, b in zip(values, truth))


# --- matrices -------------------------------------------------------------------------------

def _grade_matrix(ex: Exercise, answer: str, budget: _Budget) -> Grade:
    syms = _symbols(ex)
    variables = list(syms.values())
    ref = [[parse(e, variables) for e in row] for row in ex.reference]
    shape = (len(ref), len(ref[0]))
    expected = "; ".join(", ".join(row) for row in ex.reference)
    sampler = Sampler(variables, ex.domain, seed=_seed(ex))

    def same(a, b):
        return _equivalent(a, b, sampler, budget)

    try:
        got = read_matrix(answer, shape, variables)
    except ExpressionError:
        # the transpose is a classic slip: name it instead of only refusing the shape
        rows = split_matrix(answer)
        if shape[0] != shape[1] and len(rows) == shape[1] and all(len(r) == shape[0] for r in rows):
            t = read_matrix(answer, (shape[1], shape[0]), variables)
            if all(same(t[j][i], ref[i][j]) for i in range(shape[0]) for j in range(shape[1])):
                return Grade(ex.id, False,
                             f"Not quite: your matrix is the transpose of the Jacobian. Write one row per "
                             f"output ({shape[0]} rows) and one column per input ({shape[1]} columns).",
                             expected, "transposed")
        raise
    wrong = [(i, j) for i in range(shape[0]) for j in range(shape[1]) if not same(got[i][j], ref[i][j])]
    if not wrong:
        return Grade(ex.id, True, "Correct.", expected)
    comps = [parse(c, variables) for c, _ in split_vector(ex.function)] if ex.function else None
    wrt = [syms[v] for v in ex.variables[: shape[1]]]
    dx = budget.diagnose(mistakes.diagnose_matrix, got, ref, wrong, comps, wrt, sampler)
    return Grade(ex.id, False, _wrong(dx, ex), expected, dx.mistake)
