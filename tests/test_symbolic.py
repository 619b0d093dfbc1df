"""Tests of calcml.symbolic against independent truth.

Derivatives are compared with central finite differences computed here with
NumPy; antiderivatives are differentiated back and definite integrals are
compared with scipy/mpmath quadrature. The time limit is measured with a
clock, in the main thread and in a worker thread.
"""

import json
import re
import signal
import threading
import time

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.special import expit

from calcml.errors import ComputationError, ArgumentError, ExpressionError, TimeLimitError
from calcml.symbolic import (
    antiderivative,
    definite_integral,
    equivalent,
    evaluate,
    free_variables,
    run_with_time_limit,
    sigmoid,
    simplify_for_reading,
    symbolic_derivative,
    symbolic_gradient,
    symbolic_hessian,
    symbolic_jacobian,
    to_latex,
)

x, y, p, q = sympy.symbols("x y p q")
RNG = np.random.default_rng(11)
# An integral SymPy grinds on for minutes (measured: no answer after 10 s).
HARD = sympy.log(sympy.sin(x)) * x**3 * sympy.exp(x**2)


def central_difference(expr, var, point: dict, h=1e-5):
    symbols = sorted(expr.free_symbols | {var}, key=lambda s: s.name)
    f = sympy.lambdify(symbols, expr, "numpy")
    up = [point[s] + (h if s == var else 0.0) for s in symbols]
    down = [point[s] - (h if s == var else 0.0) for s in symbols]
    return (f(*up) - f(*down)) / (2 * h)


def value(expr, point: dict) -> float:
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    return float(sympy.lambdify(symbols, expr, "numpy")(*[point[s] for s in symbols]))


def spin(seconds):
    """Pure-Python busy work that only a signal or a kill can stop."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "finished"


# ---------------------------------------------------------------- sigmoid


def test_sigmoid_matches_the_logistic_function():
    s = sigmoid(x)
    for t in (-3.0, -0.5, 0.0, 0.7, 4.0):
        assert float(s.subs(x, t).evalf()) == pytest.approx(expit(t), rel=1e-14)
    f = sympy.lambdify(x, s, "numpy")
    grid = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(f(grid), expit(grid), rtol=1e-14)
    with mpmath.workdps(40):  # evalf agrees with mpmath to 30 digits
        want = 1 / (1 + mpmath.exp(-mpmath.mpf(2)))
        assert abs(mpmath.mpf(str(sigmoid(sympy.Integer(2)).evalf(35))) - want) < 1e-30


def test_sigmoid_derivative_rewrite_and_latex():
    point = {x: 0.3}
    assert value(sympy.diff(sigmoid(x), x), point) == pytest.approx(
        central_difference(1 / (1 + sympy.exp(-x)), x, point), rel=1e-8)
    assert sympy.simplify(sigmoid(x).rewrite(sympy.exp) - 1 / (1 + sympy.exp(-x))) == 0
    assert to_latex(sigmoid(x)) == r"\sigma\left(x\right)"
    assert to_latex(sigmoid(x) ** 2) == r"\sigma^{2}\left(x\right)"
    assert sigmoid(0) == sympy.Rational(1, 2)
    assert sigmoid(sympy.Symbol("r", real=True)).is_positive


def test_sigmoid_lambdify_takes_complex_input():
    # The complex-step lens evaluates f(x + ih): Im f(x + ih) / h ~ f'(x).
    f = sympy.lambdify(x, sigmoid(x), "numpy")
    h = 1e-20
    slope = f(0.4 + 1j * h).imag / h
    assert slope == pytest.approx(expit(0.4) * (1 - expit(0.4)), rel=1e-12)


# ---------------------------------------------------------------- small helpers


def test_free_variables_sorted_by_name():
    assert free_variables(q * y + p * x) == (p, q, x, y)
    assert free_variables(sympy.Integer(3)) == ()


def test_simplify_for_reading_keeps_the_function():
    cases = [x * (3 * x - 4), 1 / (x + 1) - x / (x + 1) ** 2,
             sympy.exp(x) * sympy.sin(x**2) + 2 * x * sympy.exp(x) * sympy.cos(x**2),
             p * sympy.exp(-p * x) / (1 + sympy.exp(-p * x)) ** 2]
    for expr in cases:
        out = simplify_for_reading(expr)
        point = {x: 0.7, p: 1.3}
        assert value(out, point) == pytest.approx(value(expr, point), rel=1e-12)
    # A sum of terms is what a learner expects; factoring is no clear gain.
    assert simplify_for_reading(3 * x**2 - 4 * x) == 3 * x**2 - 4 * x
    # A rational derivative that collapses is collapsed.
    assert simplify_for_reading(1 / (x + 1) - x / (x + 1) ** 2) == 1 / (x + 1) ** 2
    # No new functions: the sigmoid slope stays in exp, not 1/cosh^2.
    assert not simplify_for_reading(cases[3]).has(sympy.cosh)


def test_equivalent():
    assert equivalent(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1)
    assert equivalent(sympy.diff(sigmoid(x), x), sympy.exp(-x) / (1 + sympy.exp(-x)) ** 2)
    assert not equivalent(sympy.sin(x), sympy.cos(x))
    assert not equivalent(x**2 + 1e-6 * x, x**2, prove=False)


# ---------------------------------------------------------------- derivatives


def test_lesson_polynomial():
    d = symbolic_derivative(x**3 - 2 * x**2 + 1)
    assert d.derivative == 3 * x**2 - 4 * x  # the lesson's answer, in the lesson's form
    assert d.variable == x and d.order == 1 and len(d.steps) == 1
    assert d.latex == "3 x^{2} - 4 x"
    for t in RNG.uniform(-2, 2, 5):
        want = central_difference(x**3 - 2 * x**2 + 1, x, {x: t})
        assert value(d.derivative, {x: t}) == pytest.approx(want, rel=1e-8, abs=1e-8)


def test_product_and_chain_derivative_reads_as_a_sum():
    f = sympy.sin(x**2) * sympy.exp(x)
    d = symbolic_derivative(f, x)
    assert d.derivative.is_Add  # exp(x)*sin(x**2) + 2*x*exp(x)*cos(x**2), not factored
    assert {"product", "chain"} <= {s.rule for s in d.steps[0].walk()}
    for t in RNG.uniform(-1.5, 1.5, 5):
        assert value(d.derivative, {x: t}) == pytest.approx(central_difference(f, x, {x: t}), rel=1e-7)


def test_logistic_of_a_linear_form_with_respect_to_x():
    f = 1 / (1 + sympy.exp(-(p * x + q * y)))
    d = symbolic_derivative(f, "x")
    assert d.variable == x
    point = {x: 0.2, y: -1.1, p: 0.8, q: 1.7}
    assert value(d.derivative, point) == pytest.approx(central_difference(f, x, point), rel=1e-8)
    assert not d.derivative.has(sympy.cosh)


def test_higher_orders_chain_their_traces():
    f = sympy.sin(x) * x**2
    d = symbolic_derivative(f, x, order=3)
    assert len(d.steps) == 3
    assert d.steps[0].expression == f
    for before, after in zip(d.steps, d.steps[1:]):
        assert equivalent(after.expression, before.result)  # step i differentiates step i-1
    truth = sympy.diff(f, x, 3)  # SymPy's own third derivative
    for t in RNG.uniform(-2, 2, 4):
        assert value(d.derivative, {x: t}) == pytest.approx(value(truth, {x: t}), rel=1e-12)


def test_constant_and_absolute_value():
    d = symbolic_derivative(sympy.Integer(7))
    assert d.derivative == 0 and d.variable == x
    assert symbolic_derivative(y**2, x).derivative == 0  # y is held constant
    a = symbolic_derivative(sympy.Abs(x**2 - 1), x)  # over the reals: 2x sign(x^2 - 1)
    for t in (-2.0, -0.5, 0.3, 1.7):
        assert value(a.derivative, {x: t}) == pytest.approx(
            central_difference(sympy.Abs(x**2 - 1), x, {x: t}), rel=1e-7)


def test_gradient_jacobian_hessian_against_finite_differences():
    f = x**2 * y + sigmoid(x * y) + sympy.sin(y)
    point = {x: 0.6, y: -1.2}
    grad = symbolic_gradient(f, [x, "y"])
    fd = [central_difference(f, v, point) for v in (x, y)]
    np.testing.assert_allclose(evaluate(grad, [x, y], [0.6, -1.2]), fd, rtol=1e-8)
    hess = evaluate(symbolic_hessian(f, [x, y]), [x, y], [0.6, -1.2])
    fd2 = [[central_difference(sympy.diff(f, a), b, point) for b in (x, y)] for a in (x, y)]
    np.testing.assert_allclose(hess, fd2, rtol=1e-7)
    np.testing.assert_allclose(hess, hess.T, rtol=1e-14)  # mixed partials agree
    jac = evaluate(symbolic_jacobian([x * y, x + y**2], [x, y]), [x, y], [2.0, 3.0])
    np.testing.assert_allclose(jac, [[3.0, 2.0], [1.0, 6.0]])  # by hand: [[y, x], [1, 2y]]
    assert np.isnan(evaluate((sympy.log(x),), [x], [-1.0])).all()  # outside the domain


def test_gradient_errors():
    with pytest.raises(ArgumentError, match=r"variables must be a list of symbols or names"):
        symbolic_gradient(x * y, "x")
    with pytest.raises(ArgumentError, match="variables is empty"):
        symbolic_gradient(x * y, [])
    with pytest.raises(ArgumentError, match=r"point needs 2 coordinates \(one per variable\), got 3"):
        evaluate((x, y), [x, y], [1, 2, 3])
    with pytest.raises(ExpressionError, match=r"exprs\[1\] must be a SymPy expression"):
        symbolic_jacobian([x, "y"], [x])


def test_derivative_result_is_json_ready():
    d = json.loads(json.dumps(symbolic_derivative(x**2).to_dict()))
    assert d["derivative"] == "2*x" and d["steps"][0]["rule"] == "power"


def test_derivative_errors():
    with pytest.raises(ArgumentError, match=r"expression has variables p, x; pass var=\.\.\. \(one of p, x\)"):
        symbolic_derivative(p * x)
    with pytest.raises(ArgumentError, match="order must be a whole number >= 1, got 0"):
        symbolic_derivative(x**2, order=0)
    with pytest.raises(ArgumentError, match="order must be a whole number >= 1, got True"):
        symbolic_derivative(x**2, order=True)
    with pytest.raises(ArgumentError, match="var must be a SymPy Symbol or a name, got int 3"):
        symbolic_derivative(x**2, 3)
    with pytest.raises(ArgumentError, match="var must be a variable name such as 'x', got '2x'"):
        symbolic_derivative(x**2, "2x")
    with pytest.raises(ExpressionError,
                       match=r"expr must be a SymPy expression, got str.*calcml.expressions.parse"):
        symbolic_derivative("x**2")
    with pytest.raises(ArgumentError, match=r"time_limit must be a positive number of seconds \(or None"):
        symbolic_derivative(x**2, time_limit=0)


# ---------------------------------------------------------------- antiderivatives


def test_lesson_antiderivative():
    F = antiderivative(3 * x**2 - 4 * x)
    assert sympy.expand(F.antiderivative - (x**3 - 2 * x**2)) == 0  # the lesson's answer
    assert F.verified and F.steps is not None and F.steps.rule == "sum"
    assert F.latex == sympy.latex(F.antiderivative)
    json.dumps(F.to_dict())


STANDARD = [sympy.sin(x), sympy.exp(2 * x), 1 / x, x * sympy.exp(x), sympy.cos(x) ** 2,
            1 / (1 + x**2), sympy.log(x), sigmoid(x), sympy.sqrt(x), sympy.tanh(x)]


@pytest.mark.parametrize("f", STANDARD, ids=str)
def test_antiderivative_differentiates_back(f):
    F = antiderivative(f, x)
    assert F.verified
    for t in RNG.uniform(0.3, 2.0, 3):  # finite differences of F give back f
        assert central_difference(F.antiderivative, x, {x: t}) == pytest.approx(
            value(f, {x: t}), rel=1e-7)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=1, max_size=6))
def test_random_polynomial_antiderivatives(coefficients):
    f = sum(c * x**k for k, c in enumerate(coefficients)) + sympy.Integer(0)
    F = antiderivative(f, x)
    assert sympy.expand(sympy.diff(F.antiderivative, x) - f) == 0
    assert F.verified


def test_no_closed_form():
    for f in (sympy.sin(sympy.sin(x)), x**x):
        with pytest.raises(ComputationError, match=(
                rf"no closed form found for ∫ {re_escape(f)} dx; the numeric route: "
                rf"calcml.integral\('{re_escape(f)}', a, b\)")) as info:
            antiderivative(f)
        assert "--" not in str(info.value)  # the library names Python, never a command-line flag


def re_escape(expr):
    return re.escape(str(expr))


def test_antiderivative_time_limit():
    start = time.monotonic()
    with pytest.raises(TimeLimitError, match=(
            r"symbolic integration did not finish within 0\.3 s; try the numeric route: "
            rf"calcml.integral\('{re_escape(HARD)}', a, b\)")):
        antiderivative(HARD, x, time_limit=0.3)
    assert time.monotonic() - start < 0.3 + 1.0


def test_antiderivative_errors():
    with pytest.raises(ArgumentError, match="expression has variables x, y"):
        antiderivative(x * y)
    with pytest.raises(ArgumentError, match="time_limit must be a positive number"):
        antiderivative(x, time_limit=-1)


# ---------------------------------------------------------------- definite integrals


def test_definite_integrals_against_quadrature():
    assert definite_integral(sympy.sin(x), x, 0, sympy.pi) == 2
    assert float(definite_integral(3 * x**2 - 4 * x, x, 0, 2)) == pytest.approx(
        quad(lambda t: 3 * t * t - 4 * t, 0, 2)[0], abs=1e-12)
    exact = definite_integral(sympy.exp(-x**2), x, -sympy.oo, sympy.oo)
    assert float(exact) == pytest.approx(float(mpmath.quad(lambda t: mpmath.exp(-t * t),
                                                           [-mpmath.inf, mpmath.inf])), rel=1e-14)
    half = definite_integral(x, x, 0, 0.5)  # a float bound is read as the decimal it shows
    assert half == sympy.Rational(1, 8)


def test_definite_integral_gives_none_without_closed_form_or_time():
    assert definite_integral(sympy.sin(sympy.sin(x)), x, 0, 1) is None
    start = time.monotonic()
    assert definite_integral(HARD, x, 1, 2, time_limit=0.2) is None
    assert time.monotonic() - start < 0.2 + 1.0


def test_definite_integral_errors():
    with pytest.raises(ExpressionError, match="a must be a SymPy expression, got str"):
        definite_integral(x, x, "0", 1)
    with pytest.raises(ArgumentError, match="time_limit must be a positive number"):
        definite_integral(x, x, 0, 1, time_limit=0)


# ---------------------------------------------------------------- the time limit


def test_time_limit_in_the_main_thread_interrupts():
    assert threading.current_thread() is threading.main_thread()
    start = time.monotonic()
    with pytest.raises(TimeLimitError, match=r"symbolic integration did not finish within 0\.3 s"):
        run_with_time_limit(sympy.integrate, HARD, x, seconds=0.3)
    assert time.monotonic() - start < 0.3 + 1.0
    start = time.monotonic()
    with pytest.raises(TimeLimitError, match=r"spinning did not finish within 0\.2 s; "
                                             r"try the numeric lens"):
        run_with_time_limit(spin, 30, seconds=0.2, what="spinning")
    assert time.monotonic() - start < 0.2 + 1.0


def test_time_limit_from_a_worker_thread_uses_a_child_process():
    outcome = {}

    def work():
        start = time.monotonic()
        try:
            run_with_time_limit(sympy.integrate, HARD, x, seconds=0.3)
        except TimeLimitError as exc:
            outcome["error"] = str(exc)
        outcome["elapsed"] = time.monotonic() - start
        outcome["value"] = run_with_time_limit(sympy.integrate, 2 * x, x, seconds=5)
        try:
            run_with_time_limit(symbolic_derivative, x**2, x, 0, seconds=5)
        except ArgumentError as exc:  # an error inside the child comes back as itself
            outcome["raised"] = str(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    assert outcome["error"].startswith("symbolic integration did not finish within 0.3 s")
    assert outcome["elapsed"] < 0.3 + 1.0
    assert outcome["value"] == x**2
    assert outcome["raised"].startswith("order must be a whole number")


def test_time_limit_restores_the_previous_handler_and_timer():
    fired = []

    def mine(signum, frame):
        fired.append(time.monotonic())

    before = signal.signal(signal.SIGALRM, mine)
    try:
        signal.setitimer(signal.ITIMER_REAL, 20.0)
        assert run_with_time_limit(spin, 0.05, seconds=2) == "finished"
        assert signal.getsignal(signal.SIGALRM) is mine
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 18.0 < remaining < 20.0  # the outer timer runs on
        assert not fired
        # An inner limit longer than the outer one keeps to the outer deadline,
        # and the outer owner still gets its alarm.
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        start = time.monotonic()
        with pytest.raises(TimeLimitError, match=r"within 0\.3 s"):
            run_with_time_limit(spin, 30, seconds=10)
        assert time.monotonic() - start < 1.0
        time.sleep(0.05)
        assert len(fired) == 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def test_a_tiny_time_limit_still_raises_the_time_limit_error():
    # A limit below the timer's resolution must fire as TimeLimitError, never leak out.
    for _ in range(20):
        with pytest.raises(TimeLimitError):
            run_with_time_limit(spin, 1, seconds=1e-9)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_passes_results_and_errors_through():
    assert run_with_time_limit(sum, [1, 2], seconds=1) == 3
    assert run_with_time_limit(sum, [1, 2], seconds=None) == 3
    with pytest.raises(ZeroDivisionError):
        run_with_time_limit(lambda: 1 / 0, seconds=1)
    with pytest.raises(ArgumentError, match=r"seconds must be a positive number of seconds"):
        run_with_time_limit(sum, [1], seconds=-2)
    with pytest.raises(ArgumentError, match="seconds must be a positive number"):
        run_with_time_limit(sum, [1], seconds="5")


def test_sigmoid_lambdify_keeps_precedence():
    # The printed exp form must be one unit: 1/sigmoid(x) is 1 + e^-x, not sigmoid(x).
    f = sympy.lambdify(x, 2 / sigmoid(x) ** 2, "numpy")
    assert f(0.5) == pytest.approx(2 * (1 + np.exp(-0.5)) ** 2, rel=1e-14)
    g = sympy.lambdify(x, 1 / sigmoid(x), "mpmath")
    assert float(g(mpmath.mpf("0.5"))) == pytest.approx(1 + np.exp(-0.5), rel=1e-14)
