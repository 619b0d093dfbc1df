"""calcml.derivative: one answer type, every lens at a point, and the lenses' honesty.

Truths: SymPy's own ``diff`` on real symbols and mpmath for values; the math of
kinks and domains (|x| has no derivative at 0, sqrt(x)^2 is undefined below 0).
"""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

import calcml
from calcml.derivatives import DerivativeResult
from calcml.errors import ArgumentError, ExpressionError
from calcml.results import Estimate, LensAnswer, Status, jsonable

X = sp.Symbol("x")
XR = sp.Symbol("x", real=True)


# --- one type ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: calcml.derivative("x^2"),
    lambda: calcml.derivative("x^2", at=1.0),
    lambda: calcml.derivative(sp.sin(X), at=0.3, order=2),
    lambda: calcml.derivative(math.sin, at=1.0),
    lambda: calcml.derivative(np.exp, at=2.0, method="central"),
])
def test_derivative_returns_one_type_whatever_the_arguments(call):
    r = call()
    assert type(r) is DerivativeResult
    json.dumps(jsonable(r), allow_nan=False)          # plain JSON, through the one encoder
    assert json.loads(json.dumps(r.to_dict()))["order"] == r.order


def test_text_at_a_point_answers_with_every_lens_and_compares():
    r = calcml.derivative("x^3 - 2x^2 + 1", at=1.5)
    truth = float(sp.diff(XR**3 - 2 * XR**2 + 1, XR).subs(XR, sp.Rational(3, 2)))
    assert set(r.lenses) == {"symbolic", "numeric", "automatic"}
    assert all(isinstance(a, LensAnswer) and a.ok for a in r.lenses.values())
    for a in r.lenses.values():
        assert a.value == pytest.approx(truth, rel=1e-12)
    assert r.value == truth and r.agree is True and r.status is Status.SUCCESS
    assert isinstance(r.estimate, Estimate) and r.estimate.value == pytest.approx(truth, rel=1e-12)
    assert r.derivative == 3 * X**2 - 4 * X and r.steps and r.latex


def test_higher_orders_come_from_the_symbolic_and_automatic_lenses():
    r = calcml.derivative("sin(x)*exp(x)", at=0.7, order=4)
    truth = float(sp.diff(sp.sin(XR) * sp.exp(XR), XR, 4).subs(XR, 0.7))
    assert set(r.lenses) == {"symbolic", "automatic"} and r.estimate is None
    assert r.lenses["automatic"].value == pytest.approx(truth, rel=1e-12)
    assert r.value == pytest.approx(truth, rel=1e-14) and r.agree is True


def test_a_callable_keeps_its_numeric_estimate():
    r = calcml.derivative(lambda t: t**3, at=2.0, method="forward", h=1e-4)
    assert r.derivative is None and r.steps == () and set(r.lenses) == {"numeric"}
    assert r.value == r.estimate.value and r.method == "forward" and r.evaluations > 0
    assert r.status is r.estimate.status and abs(r.value - 12.0) < 1e-2
    r = calcml.derivative(lambda t: t**3 + 2 / t, at=0.5, lens="all")   # floats and Tensors alike
    assert set(r.lenses) == {"numeric", "automatic"} and r.agree is True
    assert r.lenses["automatic"].value == pytest.approx(3 * 0.25 - 2 / 0.25, rel=1e-14)


@pytest.mark.parametrize("call, words", [
    (lambda: calcml.derivative("x^2", order=0), "order must be a positive integer"),
    (lambda: calcml.derivative(math.sin), "pass at=..."),
    (lambda: calcml.derivative(42, at=1.0), "f must be text"),
    (lambda: calcml.derivative("x^2", at=1.0, lens="magic"), "lens must be one of"),
    (lambda: calcml.derivative("x^2", at="oops"), "at must be a number"),
    (lambda: calcml.derivative("x^2", at=math.inf), "at must be a finite number"),
    (lambda: calcml.derivative("x*y", at=1.0, var="x"), "write numbers in place of y"),
])
def test_bad_arguments_raise_an_argument_error_that_is_a_value_error(call, words):
    with pytest.raises(ArgumentError, match=words) as info:
        call()
    assert isinstance(info.value, ValueError) and "--" not in str(info.value)


# --- the symbolic lens at kinks and through non-smooth functions (issue 8 §6) -------------------

@pytest.mark.parametrize("text, at", [("abs(x)", 0.0), ("abs(x - 2)", 2.0), ("abs(x)^3 + abs(x)", 0.0),
                                      ("x + abs(sin(x))", 0.0), ("sqrt(x^2)", 0.0)])
def test_a_kink_is_not_differentiable_in_the_symbolic_lens(text, at):
    r = calcml.derivative(text, at=at)
    assert r.lenses["symbolic"].status is Status.NOT_DIFFERENTIABLE
    assert r.status is Status.NOT_DIFFERENTIABLE and r.value is None and r.agree is False
    # SymPy's own rules give a number there (sign(0) = 0): the lens must not repeat it
    assert sp.diff(calcml.parse(text).xreplace({X: XR}), XR).subs(XR, at).is_number


@pytest.mark.parametrize("text, at, truth", [("x*abs(x)", 0.0, 0.0), ("abs(x)^2", 0.0, 0.0),
                                             ("abs(x)", 1.0, 1.0), ("abs(x)", -3.0, -1.0)])
def test_smooth_points_of_non_smooth_functions_answer(text, at, truth):
    r = calcml.derivative(text, at=at)
    assert r.lenses["symbolic"].ok and r.lenses["symbolic"].value == truth


@pytest.mark.parametrize("text, order, at", [("abs(x)", 2, 1.0), ("abs(x)", 2, -2.0), ("x*abs(x)", 3, 1.5),
                                             ("abs(x - 1)*x", 2, 3.0)])
def test_dirac_deltas_away_from_zero_evaluate(text, order, at):
    r = calcml.derivative(text, at=at, order=order)
    xr = XR
    smooth = calcml.parse(text).xreplace({X: xr}).rewrite(sp.Piecewise)
    truth = float(sp.diff(smooth, xr, order).subs(xr, at))   # the derivative of the branch holding `at`
    assert r.lenses["symbolic"].ok and r.lenses["symbolic"].value == pytest.approx(truth, abs=1e-14)


def test_second_derivative_at_a_kink_of_the_first():
    assert calcml.derivative("x*abs(x)", at=0.0, order=2).lenses["symbolic"].status is Status.NOT_DIFFERENTIABLE
    assert calcml.derivative("abs(x)", at=0.0, order=2).lenses["symbolic"].status is Status.NOT_DIFFERENTIABLE


def test_hessian_of_abs_times_y_at_a_smooth_point():
    r = calcml.hessian("abs(x)*y", at=[1, 1])
    np.testing.assert_array_equal(r.lenses["symbolic"].value, [[0.0, 1.0], [1.0, 0.0]])
    assert r.agree is True
    r = calcml.hessian("abs(x)*y", at=[-2, 1])
    np.testing.assert_array_equal(r.lenses["symbolic"].value, [[0.0, -1.0], [-1.0, 0.0]])
    assert calcml.hessian("abs(x)*y", at=[0, 1]).lenses["symbolic"].status is Status.NOT_DIFFERENTIABLE
    assert calcml.gradient("abs(x)*y", at=[0, 1]).value is None


# --- the domain of the text as typed (issue 8 §5) ---------------------------------------------------

@pytest.mark.parametrize("text, at", [("sqrt(x)^2", -1.0), ("sqrt(x)*sqrt(x)", -4.0), ("x/x", 0.0),
                                      ("log(x) - log(x) + x", -1.0), ("exp(log(x))", -2.0),
                                      ("(x^(1/4))^4", -1.0), ("asin(x) - asin(x)", 2.0)])
def test_points_outside_the_typed_domain_are_out_of_domain_in_every_lens(text, at):
    r = calcml.derivative(text, at=at)
    assert r.status is Status.OUT_OF_DOMAIN and r.value is None and r.agree is False
    for name in ("symbolic", "numeric", "automatic"):
        assert r.lenses[name].status is Status.OUT_OF_DOMAIN, name
    assert "outside the domain" in r.message


def test_the_domain_is_kept_in_gradients_too():
    r = calcml.gradient("sqrt(x)^2*y", at=[-1, 1])
    assert r.value is None and r.agree is False
    assert all(a.status is Status.OUT_OF_DOMAIN for a in r.lenses.values())
    assert calcml.gradient("sqrt(x)^2*y", at=[4, 1]).agree is True


def test_overflow_is_not_a_domain_error():
    r = calcml.derivative("exp(x)", at=1000.0)
    sym = r.lenses["symbolic"]
    assert sym.status is Status.INFINITE and "overflows" in sym.message
    exact = mpmath.exp(1000)
    assert f"{float(mpmath.log10(exact)):.0f}" == "434" and "e+434" in sym.message


# --- calcml's symbols are the user's (issue 9 §5) -------------------------------------------------

def test_results_use_plain_symbols():
    r = calcml.derivative("x^2", at=3.0)
    assert r.derivative == 2 * X and r.derivative.subs(X, 3) == 6
    assert sp.diff(r.expression, X) == r.derivative
    assert calcml.antiderivative("2x").antiderivative.subs(X, 3) == 9
    J = calcml.jacobian(["2*x*y", "x^2*y"]).expressions
    y = sp.Symbol("y")
    assert J == ((2 * y, 2 * X), (2 * X * y, X**2))


# --- the API as people type it (issue 9 §6) ---------------------------------------------------------

def test_gradient_of_a_function_of_several_scalars():
    r = calcml.gradient(lambda x, y: x**2 + y**3, at=[2, 3])
    np.testing.assert_allclose(r.value, [4.0, 27.0], rtol=1e-13)
    assert r.variables == ("x", "y") and r.agree is True
    with pytest.raises(ArgumentError, match="takes 3 arguments but the point has 2"):
        calcml.gradient(lambda x, y, z: x, at=[1, 2])


def test_jacobian_of_separate_texts():
    r = calcml.jacobian("2*x*y", "x^2*y", at=[1, 2])
    np.testing.assert_array_equal(r.value, [[4.0, 2.0], [4.0, 1.0]])
    assert r.expressions == calcml.jacobian(["2*x*y", "x^2*y"]).expressions
    np.testing.assert_array_equal(calcml.jacobian(["2*x*y", "x^2*y"], [1, 2]).value, r.value)


def test_jacobian_and_hessian_run_under_the_time_limit():
    big = "*".join(f"sin(x + {k}*y)^{k}" for k in range(1, 40))
    with pytest.raises(calcml.TimeLimitError):
        calcml.hessian(big, at=[0.3, 0.4], time_limit=0.01)
    with pytest.raises(calcml.TimeLimitError):
        calcml.jacobian([big, big], time_limit=0.01)


# --- the parser's size limits, on every result (issue 8 §11) --------------------------------------

@pytest.mark.parametrize("text", ["10^1000*10^1000*10^1000*10^1000*10^1000*x", "10^1000 + 10^1000*9",
                                  "(10^600)*(10^600)", "10^999*100*x", "x*10^700/10^-700"])
def test_size_limits_hold_for_products_and_sums(text):
    with pytest.raises(ExpressionError, match=r"beyond 10\^1000") as info:
        calcml.parse(text)
    assert info.value.position is not None and info.value.hint


@pytest.mark.parametrize("text, hint", [("0x10", "decimal numbers only"), ("0b101*x", "decimal numbers only"),
                                        ("1_000", "without separators"), ("2.5_0*x", "without separators")])
def test_number_forms_of_other_languages_are_refused(text, hint):
    with pytest.raises(ExpressionError, match=hint) as info:
        calcml.parse(text)
    assert info.value.position is not None


def test_integral_accepts_text_like_the_other_front_doors():
    from scipy.integrate import quad

    est = calcml.integral("x^2", 0, 1)
    assert est.ok and est.value == pytest.approx(1 / 3, rel=1e-12)
    est = calcml.integral("exp(-x^2)", "-inf", "inf")
    assert est.ok and est.value == pytest.approx(math.sqrt(math.pi), rel=1e-10)
    est = calcml.integral("sin(x)", 0, "pi/2")
    assert est.value == pytest.approx(quad(math.sin, 0, math.pi / 2)[0], rel=1e-12)
    with pytest.raises(ArgumentError, match="a must be a number"):
        calcml.integral("x", "abc", 1)


@pytest.mark.parametrize("call", [
    lambda: calcml.derivative("x^2", order=np.int64(0)),
    lambda: calcml.derivative("x^2", at=np.float64("nan")),
    lambda: calcml.steepest_ascent("x^2+y^2", [1, 1], resolution_deg=np.float64(0.00001)),
    lambda: calcml.antiderivative("x", time_limit=np.float64(-0.48)),
    lambda: calcml.integral("x", np.array(["a"]), 1),
])
def test_messages_never_show_numpy_reprs(call):
    with pytest.raises(ArgumentError) as info:
        call()
    assert "np." not in str(info.value) and "array(" not in str(info.value), str(info.value)


def test_the_time_limit_never_fires_into_the_callers_own_alarm():
    import signal
    import time

    from calcml.timelimit import run_with_time_limit

    calls = []

    def mine(signum, frame):
        calls.append(signum)

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        with pytest.raises(calcml.TimeLimitError):
            run_with_time_limit(time.sleep, 2.0, seconds=0.1)
        assert signal.getsignal(signal.SIGALRM) is mine        # the caller's handler, restored exactly
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)   # no timer left behind
        time.sleep(0.4)                                        # the 0.25 s repeat of ours must not reach it
        assert calls == []
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_a_derivative_free_of_the_other_symbols_has_a_value_at_every_point():
    # d/dy x^2 = 0 without a point; at a point it must say the same, not refuse
    assert calcml.derivative("x^2", var="y").derivative == 0
    r = calcml.derivative("x^2", var="y", at=1.0)
    assert r.value == 0.0 and r.ok and set(r.lenses) == {"symbolic"}
    with pytest.raises(ArgumentError, match="write numbers in place of x"):
        calcml.derivative("x*y", var="y", at=1.0)


def test_overflow_beyond_any_float_format_is_still_reported():
    r = calcml.derivative("exp(exp(exp(x)))", at=5.0)
    assert r.status is Status.INFINITE and "overflows float64" in r.message
    exponent = mpmath.exp(mpmath.exp(5)) / mpmath.log(10)     # log10 of the exact value (mpmath)
    assert f"e+{str(int(exponent))[:12]}" in r.message   # its first digits


def test_a_variable_listed_twice_is_an_argument_error():
    with pytest.raises(ArgumentError, match="vars lists x more than once"):
        calcml.gradient("x", at=[1, 1], vars="x,x")


def test_argument_errors_name_their_parameter():
    for call, param in [(lambda: calcml.derivative("x^2", order=0), "order"),
                        (lambda: calcml.derivative("x^2", at="oops"), "at"),
                        (lambda: calcml.gradient("x*y", at=[1, 2], lens="magic"), "lens"),
                        (lambda: calcml.antiderivative("x", time_limit=-1), "time_limit")]:
        with pytest.raises(ArgumentError) as info:
            call()
        assert info.value.parameter == param


def test_the_library_never_names_a_command_line_flag():
    # The CLI translates parameter names into its flags in one place; the library speaks Python.
    import ast
    import re
    from pathlib import Path

    flags = re.compile(r"(?<![\w-])--(var|vars|at|from|to|order|method|out|json|table|n|lens|steps|plot|"
                       r"reveal|verbose|resolution)\b")
    root = Path(calcml.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        if "cli" in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text())
        # the messages: every text inside a raise statement, and the hints/messages built for one
        texts = [n for r in ast.walk(tree) if isinstance(r, ast.Raise) for n in ast.walk(r)]
        texts += [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and
                  any(w in f.name for w in ("hint", "message", "error", "closed_form")) for n in ast.walk(f)]
        texts += [n for a in ast.walk(tree) if isinstance(a, ast.Assign) and
                  any(isinstance(t, ast.Name) and ("HINT" in t.id or "MESSAGE" in t.id) for t in a.targets)
                  for n in ast.walk(a)]
        for node in texts:
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and flags.search(node.value):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value[:80]!r}")
    assert found == []


def test_derivative_rtol_atol_reach_the_numeric_lens_and_the_agreement():
    # forward difference with a fixed step: off by about h f''/2 = 1e-4 relative
    tight = calcml.derivative("x^2", at=3.0, method="forward")
    assert tight.lenses["numeric"].value == pytest.approx(6.0, rel=1e-6)
    r = calcml.derivative(lambda x: x**2, at=3.0, method="forward", h=1e-4)
    assert r.status is Status.NOT_CONVERGED and r.value == pytest.approx(6.0001, rel=1e-12)
    r = calcml.derivative(lambda x: x**2, at=3.0, method="forward", h=1e-4, rtol=1e-4)
    assert r.ok and r.estimate.ok
    r = calcml.derivative("x^2", at=3.0, method="forward", h=1e-4, rtol=1e-4)
    assert r.lenses["numeric"].ok and r.agree is True  # agreement uses the caller's tolerance too
    r = calcml.derivative("x^2", at=3.0, method="forward", h=1e-4)
    # at the default tolerance the numeric lens does not answer (NOT_CONVERGED, 6.0001); the exact and
    # automatic lenses agree, and the message names the lens that could not answer
    assert r.lenses["numeric"].status is Status.NOT_CONVERGED and r.agree is True and "numeric" in r.message
    with pytest.raises(ArgumentError, match="atol"):
        calcml.derivative("x^2", at=3.0, atol=float("nan"))


def test_convergence_table_of_text_takes_the_symbolic_exact_value():
    table = calcml.convergence_table("x^3", 0, 2)
    assert table.exact_source == "symbolic" and table.exact == 4.0   # 2^4 / 4, by hand
    records = table.to_records()
    assert records[0].keys() == {"method", "n", "value", "error", "order"}
    assert json.loads(json.dumps(records)) == records
