"""Poles and overflow get the same kind of answer however f is written.

Python arithmetic raises where NumPy returns inf (``1/x`` at 0 raises
ZeroDivisionError, ``x**2`` at 1e300 raises OverflowError). Text typed by a user,
a Python lambda and a NumPy function all describe the same f, so the numeric lens
must report the same status for all of them: a pole or an overflow is INFINITE,
a point outside the domain is OUT_OF_DOMAIN; never a raw exception or ERROR.
The truth for "is this a pole" is SymPy's own limit; for "does this overflow"
it is mpmath's exact value compared with the largest float.
"""

from __future__ import annotations

import math
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp

import calcml
from calcml.cli import main
from calcml.expressions import parse, to_function
from calcml.numeric import numeric_derivative
from calcml.results import Status

X = sp.Symbol("x")
FLOAT_MAX = sys.float_info.max

# (text, x0): a pole of f at x0 (SymPy: |f| -> oo as x -> x0)
POLES = [("1/x", 0.0), ("x^-2", 0.0), ("1/(x-1)", 1.0), ("1/sin(x)", 0.0), ("x^(-3)", 0.0)]
# (text, x0): f(x0) is beyond the largest float (mpmath says so)
OVERFLOWS = [("x^2", 1e300), ("(x^2)^300", 1e10), ("x^3", 1e200), ("exp(x)", 1000.0)]


@pytest.mark.parametrize("text,x0", POLES)
def test_poles_are_poles_by_sympy(text, x0):
    expr = sp.sympify(text.replace("^", "**"), locals={"x": X})
    right = sp.limit(abs(expr), X, x0, "+")
    assert right is sp.oo


@pytest.mark.parametrize("text,x0", POLES + OVERFLOWS)
def test_to_function_never_raises_at_a_pole_or_on_overflow(text, x0):
    f = to_function(parse(text))
    y = f(x0)  # a Python float in: NumPy semantics, not Python's
    assert math.isinf(y) or math.isnan(y)
    # the same value as a 0-d array or a NumPy scalar gives
    assert np.array_equal(f(np.float64(x0)), y, equal_nan=True)
    assert np.array_equal(f(np.array([x0]))[0], y, equal_nan=True)


@pytest.mark.parametrize("text,x0", OVERFLOWS)
def test_overflows_really_overflow(text, x0):
    with mpmath.workdps(30):
        f = to_function(parse(text), backend="mpmath")
        assert abs(f(mpmath.mpf(x0))) > FLOAT_MAX


@pytest.mark.parametrize("text,x0", POLES)
def test_numeric_lens_same_status_for_text_lambda_and_numpy(text, x0):
    py = {"1/x": lambda x: 1 / x, "x^-2": lambda x: x ** -2, "1/(x-1)": lambda x: 1 / (x - 1),
          "1/sin(x)": lambda x: 1 / math.sin(x), "x^(-3)": lambda x: x ** -3}[text]
    npf = to_function(parse(text))
    for f in (py, npf):
        est = numeric_derivative(f, x0)
        assert est.status is Status.INFINITE, (text, est)
        assert "pole" in est.message


@pytest.mark.parametrize("x0", [1e300, 1e200])
def test_numeric_lens_overflow_same_status_for_text_and_lambda(x0):
    for f in (lambda x: x ** 2, to_function(parse("x^2"))):
        est = numeric_derivative(f, x0)
        assert est.status is Status.INFINITE
        assert "overflow" in est.message
        assert "(34," not in est.message.split("(OverflowError")[0]


def test_python_api_pole_by_lambda_is_infinite_not_error():
    for f in (lambda x: 1 / x, lambda x: x ** -2):
        r = calcml.derivative(f, at=0.0)
        assert r.status is Status.INFINITE and "pole" in r.lenses["numeric"].message


def test_python_api_pole_by_text_is_the_domain_like_log():
    a, b = calcml.derivative("1/x", at=0.0), calcml.derivative("log(x)", at=0.0)
    assert a.status is b.status is Status.OUT_OF_DOMAIN
    assert "ZeroDivisionError" not in repr(a)


def test_python_api_overflow_text():
    # f(1e300) = 1e600 overflows, f'(1e300) = 2e300 does not: symbolic and automatic answer,
    # the numeric lens says why it cannot (f overflows), not "OverflowError: (34, ...)".
    r = calcml.derivative("x^2", at=1e300)
    assert r.value == pytest.approx(2e300, rel=1e-15)
    num = r.lenses["numeric"]
    assert num.status is Status.INFINITE and "overflows" in num.message and "Error" not in num.message


def cli(capsys, *args):
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("text,x0", [("1/x", "0"), ("x^-2", "0"), ("1/(x-1)", "1"), ("1/sin(x)", "0")])
def test_cli_pole_reported_like_log(capsys, text, x0):
    code, out, err = cli(capsys, "diff", text, "--at", x0)
    ref_code, _, _ = cli(capsys, "diff", "log(x)", "--at", "0")
    assert code == ref_code == 1
    assert "outside the domain" in out + err
    assert "ZeroDivisionError" not in out + err and "Traceback" not in out + err


@pytest.mark.parametrize("text,x0", [("x^2", "1e300"), ("(x^2)^300", "1e10")])
def test_cli_overflow_reported_like_exp(capsys, text, x0):
    code, out, err = cli(capsys, "diff", text, "--at", x0)
    assert "OverflowError" not in out + err and "(34" not in out + err
    assert "infinite" in out


@pytest.mark.parametrize("cmd,text,at", [("grad", "1/x + y", "0,1"), ("hessian", "1/(x*y)", "0,1"),
                                          ("grad", "x^2 + y", "1e300,1")])
def test_cli_grad_hessian_poles_and_overflow(capsys, cmd, text, at):
    code, out, err = cli(capsys, cmd, text, "--at", at)
    assert code in (0, 1)
    assert "Error:" not in out + err and "Traceback" not in out + err
    assert ("outside the domain" in out + err) or ("infinite" in out + err)


def test_python_api_gradient_pole_by_lambda():
    r = calcml.gradient(lambda v: 1 / v[0] + v[1], at=[0.0, 1.0])
    num = r.lenses["numeric"]
    assert num.status in (Status.INFINITE, Status.OUT_OF_DOMAIN), num
    assert "ZeroDivisionError: float" not in num.message or "pole" in num.message


@pytest.mark.parametrize("f,at,word", [(lambda v: 1 / float(v[0]) + v[1], [0.0, 1.0], "pole"),
                                       (lambda v: float(v[0]) ** 2 + v[1], [1e300, 1.0], "overflows")])
def test_python_api_gradient_python_arithmetic(f, at, word):
    # Python floats inside f raise; the numeric lens says pole / overflow, like NumPy's inf does
    num = calcml.gradient(f, at=at).lenses["numeric"]
    assert num.status is Status.INFINITE and word in num.message, num


@pytest.mark.parametrize("method", [None, "central", "forward", "richardson"])
@pytest.mark.parametrize("py,npf,x0", [
    (lambda x: 1 / (x - 1e-9), lambda x: np.float64(1) / (x - np.float64(1e-9)), 0.0),  # a pole beside x0
    (lambda x: 1 / x, lambda x: np.float64(1) / np.float64(x), 1e-320),                  # derivative overflows
    (lambda x: x ** 2, lambda x: np.float64(x) ** 2, 1.34e154),                         # f next to overflow
    (lambda x: 1 / x ** 2, lambda x: np.float64(1) / np.float64(x) ** 2, 1e-160),
    (lambda x: 1 / x, lambda x: np.float64(1) / np.float64(x), 0.0),
    (lambda x: x ** 3, lambda x: np.float64(x) ** 3, 1e200),
], ids=["pole-beside", "tiny-x", "near-overflow", "inverse-square", "pole-at", "cube-overflow"])
def test_python_and_numpy_arithmetic_get_the_same_status(py, npf, x0, method):
    with np.errstate(all="ignore"):
        a, b = numeric_derivative(py, x0, method), numeric_derivative(npf, x0, method)
    assert a.status is b.status, (a, b)
    assert a.status is not Status.ERROR
    if a.status is Status.SUCCESS:
        assert a.value == pytest.approx(b.value, rel=1e-12)


@pytest.mark.parametrize("expr", [X + sp.log(sp.Integer(0)), X + sp.nan, sp.oo * X, X * sp.zoo + 1])
def test_to_function_and_gradient_refuse_sympy_infinities(expr):
    # SymPy's zoo/nan/oo used to reach lambdify (KeyError: 'ComplexInfinity') or give inf silently
    from calcml.errors import ExpressionError

    with pytest.raises(ExpressionError, match="undefined as a function"):
        to_function(expr)
    y = sp.Symbol("y")
    if (expr + y).free_symbols == {X, y}:  # x + nan is nan: no variable left to name
        with pytest.raises(ExpressionError, match="undefined as a function"):
            calcml.gradient(expr + y, at=[1.0, 2.0])
