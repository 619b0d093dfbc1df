"""calcml.hints through the parser's public face (calcml.expressions.parse)."""

from __future__ import annotations

import warnings

import pytest
import sympy as sp

from calcml.errors import ExpressionError
from calcml.expressions import parse
from calcml.hints import ReadingWarning, explain


@pytest.mark.parametrize("variables", [None, ["x"]])
def test_a_variable_before_parentheses(variables):
    # the same message whether the parser knows the variables (the grader) or not (diff)
    with pytest.raises(ExpressionError) as info:
        parse("3 + x(x+1)", variables)
    err = info.value
    assert err.reason == "'x' is not a function" and err.position == 4 and err.hint == "to multiply, write x*(x+1)"
    assert err.pointer().splitlines()[1] == "    ^"
    assert parse("3 + x*(x+1)", variables) == 3 + sp.Symbol("x") * (sp.Symbol("x") + 1)


def test_an_unknown_function_name_keeps_its_message_and_gains_the_product_hint():
    with pytest.raises(ExpressionError) as info:
        parse("foo(x)")
    assert info.value.reason == "unknown function 'foo'" and info.value.hint.endswith("to multiply, write foo*(x)")


def test_errors_the_hints_do_not_know_are_unchanged():
    with pytest.raises(ExpressionError) as info:
        parse("x +* 2")
    assert explain(info.value) is info.value
    assert info.value.reason == "unexpected '*'"


@pytest.mark.parametrize("text", ["x = 2", "y = x^2"])
def test_equations_keep_the_parser_hint(text):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert "write only the expression" in info.value.hint


def test_glued_names_warn_but_parse():
    with pytest.warns(ReadingWarning, match="'xy' is read as one variable named xy; for a product write x\\*y"):
        expr = parse("xy + z")
    assert {s.name for s in expr.free_symbols} == {"xy", "z"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse("theta^2 + x*y + x1 + sin(x)")  # Greek names, products and indexed names: no warning


@pytest.mark.parametrize("text, name, position", [("2x(x+1)", "x", 1), ("3 + 2y(y-1)", "y", 5), ("0.5t(t+1)", "t", 3)])
def test_a_coefficient_before_a_variable_before_parentheses(text, name, position):
    # the number glued in front ("2x") must not hide the hint that x is not a function
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.reason == f"'{name}' is not a function" and info.value.position == position
    assert f"write {name}*(" in info.value.hint
