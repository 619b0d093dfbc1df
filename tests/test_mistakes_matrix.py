"""The grader's matrix diagnosis with the default variables ("x",) and with fewer names than columns.

A numeric matrix exercise declared without ``variables=`` used to crash
``mistakes.diagnose_matrix`` with an IndexError (``wrt`` shorter than the number of
columns). Every wrong answer must get feedback, and the right mistake named. The
truth for the Jacobian exercise is SymPy's own ``Matrix.jacobian``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from calcml.course.grading import grade
from calcml.course.mistakes import Diagnosis, diagnose_matrix
from calcml.course.model import Exercise

REF = (("1", "-2"), ("0.5", "3"), ("0", "0"))
EX = Exercise(id="9.1", lesson=9, title="numbers", prompt="p", kind="matrix", reference=REF)


def test_default_variables_are_one_name_for_two_columns():
    assert EX.variables == ("x",) and len(REF[0]) == 2


@pytest.mark.parametrize("answer,mistake,words", [
    ("1, -2; 0.5, 3; 0, 1", None, "row 3, column 2: this entry is not right (5 of the 6 entries are right)"),
    ("2, -4; 1, 6; 0, 0", "constant_factor", "2 times the right entry"),
    ("-1, 2; -0.5, -3; 0, 0", "sign", "opposite sign"),
    ("-2, 1; 3, 0.5; 0, 0", "columns_swapped", "column j holds the derivatives with respect to the j-th input"),
    ("1, -2; 0.5, 3.000001; 0, 0", "near_miss", "close but not exact"),
])
def test_numeric_matrix_with_default_variables_gets_feedback(answer, mistake, words):
    g = grade(EX, answer)
    assert g.correct is False and g.mistake == mistake
    assert words in g.feedback


def test_numeric_matrix_right_answer_and_transpose():
    assert grade(EX, "1, -2; 0.5, 3; 0, 0").correct
    g = grade(EX, "1, 0.5, 0; -2, 3, 0")
    assert not g.correct and g.mistake == "transposed"


def test_jacobian_exercise_names_the_variables_and_finds_the_slip():
    x, y = sp.symbols("x y")
    J = sp.Matrix([x**2 + y, 3 * y]).jacobian([x, y])  # the truth: [[2x, 1], [0, 3]]
    ref = tuple(tuple(str(e) for e in J.row(i)) for i in range(2))
    ex = dataclasses.replace(EX, reference=ref, variables=("x", "y"), function="x^2 + y, 3y")
    assert grade(ex, "2x, 1; 0, 3").correct
    g = grade(ex, "x^2 + y, 1; 0, 3")
    assert g.mistake == "original_function" and "d f1/dx" in g.feedback
    g = grade(ex, "2x, 0; 0, 3")  # a 0 where 1 belongs: no "0 times the right one"
    assert not g.correct and "0 times" not in g.feedback and "row 1, column 2" in g.feedback


class _Same:
    """A sampler stand-in: exact SymPy equality, ratio from numbers."""

    def same(self, a, b):
        return sp.simplify(a - b) == 0

    def ratio(self, a, b):
        try:
            return float(a / b)
        except (TypeError, ZeroDivisionError):
            return None


def test_diagnose_matrix_with_no_names_and_no_components():
    ref = [[sp.Integer(1), sp.Integer(2)], [sp.Integer(3), sp.Integer(4)]]
    got = [[sp.Integer(1), sp.Integer(2)], [sp.Integer(3), sp.Integer(40)]]
    d = diagnose_matrix(got, ref, [(1, 1)], None, (), _Same())
    assert isinstance(d, Diagnosis) and d.mistake == "constant_factor"
    assert d.message.startswith("row 2, column 2: your answer is 10 times")
    assert np.isclose(float(got[1][1] / ref[1][1]), 10.0)
