"""Tests for calcml.integrate against independent truth.

The truth comes from mpmath quadrature at 30 digits, from exact
antiderivatives, and from the Euler-Maclaurin leading error terms of each rule
(whose derivatives mpmath computes), never from calcml's own output.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcml.convergence import convergence_table
from calcml.errors import ComputationError, DomainError
from calcml.integrate import (
    DEFAULT_N,
    FIXED_RULES,
    METHODS,
    cumulative_integral,
    integral,
)
from calcml.results import Status

mpmath.mp.dps = 30

# (name, numpy version, mpmath version, a, b): smooth on [a, b]
SMOOTH = [
    ("exp", np.exp, mpmath.exp, 0.0, 1.0),
    ("cos", np.cos, mpmath.cos, 0.0, 2.0),
    ("runge", lambda x: 1 / (1 + x**2), lambda x: 1 / (1 + x**2), 0.0, 2.0),
    ("poly5", lambda x: x**5 - 2 * x**3 + x, lambda x: x**5 - 2 * x**3 + x, -0.5, 1.5),
]
NOMINAL_ORDER = {"left": 1, "right": 1, "midpoint": 2, "trapezoid": 2, "simpson": 4}


def truth(mf, a, b) -> float:
    return float(mpmath.quad(mf, [a, b]))


# ------------------------------------------------------------------ adaptive

@pytest.mark.parametrize("f, mf, a, b", [
    (np.exp, mpmath.exp, 0, 1),
    (np.sin, mpmath.sin, 0, 2),
    (lambda x: 1 / (1 + x**2), lambda x: 1 / (1 + x**2), -1, 3),
    (np.sqrt, mpmath.sqrt, 0, 1),
    (lambda x: 3 * x**2 - 4 * x, lambda x: 3 * x**2 - 4 * x, -2, 5),
    (lambda x: np.exp(-x**2), lambda x: mpmath.exp(-x**2), -np.inf, np.inf),
    (lambda x: 1 / (1 + x**2), lambda x: 1 / (1 + x**2), 0, np.inf),
])
def test_adaptive_matches_mpmath(f, mf, a, b):
    est = integral(f, a, b)
    exact = float(mpmath.quad(mf, [a, b]))
    assert est.ok and est.method == "adaptive" and est.message == ""
    assert abs(est.value - exact) <= max(10 * est.error, 1e-14 * abs(exact))
    assert est.evaluations > 0


def test_adaptive_error_estimate_is_not_wildly_optimistic():
    est = integral(lambda x: np.abs(x - 0.3) ** 0.5, 0, 1)
    exact = float(mpmath.quad(lambda x: abs(x - mpmath.mpf("0.3")) ** 0.5, [0, 0.3, 1]))
    assert abs(est.value - exact) <= 10 * est.error


# ------------------------------------------------------------------ fixed rules

def leading_error(method, mf, a, b, n):
    """Euler-Maclaurin: the leading term of (exact - rule) for a smooth f."""
    h = (b - a) / n
    d = lambda k: float(mpmath.diff(mf, b, k) - mpmath.diff(mf, a, k))  # noqa: E731
    return {
        "left": h / 2 * d(0),
        "right": -h / 2 * d(0),
        "midpoint": h**2 / 24 * d(1),
        "trapezoid": -(h**2) / 12 * d(1),
        "simpson": -(h**4) / 180 * d(3),
    }[method]


@pytest.mark.parametrize("name, f, mf, a, b", SMOOTH, ids=[s[0] for s in SMOOTH])
@pytest.mark.parametrize("method", FIXED_RULES)
def test_fixed_rule_error_matches_euler_maclaurin(method, name, f, mf, a, b):
    n = 64
    est = integral(f, a, b, method=method, n=n)
    actual = truth(mf, a, b) - est.value
    predicted = leading_error(method, mf, a, b, n)
    # One meaning of SUCCESS: a rule with n = 64 mostly misses the default tolerance
    # (1e-7 relative) and says so, but its value is still the rule's value.
    assert est.status in (Status.SUCCESS, Status.NOT_CONVERGED)
    assert est.ok == (est.error <= 1e-7 * abs(est.value)) or est.ok
    assert actual == pytest.approx(predicted, rel=0.06)


@pytest.mark.parametrize("name, f, mf, a, b", SMOOTH, ids=[s[0] for s in SMOOTH])
@pytest.mark.parametrize("method", FIXED_RULES)
def test_fixed_rule_error_estimate_is_close_to_true_error(method, name, f, mf, a, b):
    for n in (64, 66):  # nested halving, and a non-nested partner grid
        est = integral(f, a, b, method=method, n=n)
        actual = abs(truth(mf, a, b) - est.value)
        assert 0.8 * actual <= est.error <= 1.25 * actual


def test_default_n_and_evaluation_counts_are_honest():
    seen = []

    def f(x):
        seen.append(np.size(x))
        return np.exp(x)

    for method in FIXED_RULES:
        seen.clear()
        est = integral(f, 0, 1, method=method)
        assert est.evaluations == sum(seen)
        # n = DEFAULT_N subintervals: the rule itself needs n or n + 1 points
        assert est.evaluations >= DEFAULT_N
    assert DEFAULT_N == 1000
    est = integral(np.exp, 0, 1, method="trapezoid", n=10)
    assert est.status is Status.NOT_CONVERGED  # error ~1.4e-3: no independent check is spent on it
    assert est.evaluations == 10 + 1  # the n/2 grid reuses every other point
    est = integral(f, 0, 1, method="trapezoid")
    assert est.ok  # a SUCCESS was confirmed by an independent adaptive quadrature, whose calls count too
    assert est.evaluations > DEFAULT_N + 1


@pytest.mark.parametrize("method", METHODS)
def test_reversed_limits_flip_the_sign_and_equal_limits_give_zero(method):
    n = None if method == "adaptive" else 50
    forward = integral(np.cos, 0.2, 1.7, method=method, n=n)
    backward = integral(np.cos, 1.7, 0.2, method=method, n=n)
    assert backward.value == pytest.approx(-forward.value, rel=1e-13)
    zero = integral(np.cos, 0.5, 0.5, method=method, n=n)
    assert zero.value == 0 and zero.ok and zero.evaluations == 0


def test_scalar_only_and_constant_functions_fall_back_to_one_call_per_point():
    for method in METHODS:
        n = None if method == "adaptive" else 20
        assert integral(math.sin, 0, 2, method=method, n=n).value == pytest.approx(
            integral(np.sin, 0, 2, method=method, n=n).value, rel=1e-14)
        constant = integral(lambda x: 3.0, -1, 2, method=method, n=n)
        assert constant.ok and constant.value == pytest.approx(9.0, rel=1e-14)


# ------------------------------------------------------------------ statuses

@pytest.mark.parametrize("method", METHODS)
def test_nan_integrand_is_reported_as_nan(method):
    n = None if method == "adaptive" else 10
    est = integral(np.log, -1, 1, method=method, n=n)
    assert est.status is Status.NAN and not est.ok
    assert "nan at x=" in est.message
    if method in ("left", "trapezoid", "simpson"):
        assert "at x=-1.0 " in est.message  # the first bad point of the grid


@pytest.mark.parametrize("method", ["left", "right", "trapezoid", "simpson", "midpoint"])
def test_pole_hit_by_the_grid_is_reported_as_infinite(method):
    est = integral(lambda x: 1 / x, -1, 1, method=method, n=10)
    assert est.status is Status.INFINITE and not est.ok
    assert "at x=0.0" in est.message
    if method == "midpoint":  # the 10 midpoints miss 0; the n=5 estimate grid does not
        assert "error estimate" in est.message


def test_adaptive_divergent_integral_is_not_success():
    est = integral(lambda x: 1 / x, 0, 1)
    assert est.status is Status.NOT_CONVERGED
    assert est.message.startswith("scipy.integrate.quad") and "do not trust" in est.message


def test_integrand_that_raises_gives_error_status():
    est = integral(math.log, -1, 1, method="simpson", n=10)
    assert est.status is Status.ERROR
    assert est.message == "f raised ValueError: math domain error at x=-1.0"

    def boom(x):
        raise RuntimeError("no")

    est = integral(boom, 0, 1)
    assert est.status is Status.ERROR and "RuntimeError: no at x=" in est.message


def test_overflowing_sum_is_infinite():
    est = integral(lambda x: np.full_like(x, 1e308), 0, 10, method="left", n=4)
    assert est.status is Status.INFINITE and "overflowed" in est.message


# ------------------------------------------------------------------ error messages

@pytest.mark.parametrize("kwargs, match", [
    (dict(method="gauss"), r"unknown method 'gauss'; choose one of: 'left', 'right', 'midpoint', "
                           r"'trapezoid', 'simpson', 'adaptive'"),
    (dict(method="simpson", n=7), r"n=7 is odd, but Simpson's rule .*use an even number such as 8"),
    (dict(method="left", n=0), r"n=0 is too small: use at least 1 subinterval"),
    (dict(method="left", n=-3), r"n=-3 is too small"),
    (dict(method="left", n=2.5), r"n must be a whole number of subintervals, got 2.5"),
    (dict(method="left", n=True), r"n must be a whole number"),
    (dict(method="left", n=10**8), r"n=100000000 is too large"),
    (dict(method="adaptive", n=10), r"n=10 only applies to the fixed rules .*leave n out"),
])
def test_integral_argument_errors(kwargs, match):
    with pytest.raises(DomainError, match=match):
        integral(np.exp, 0, 1, **kwargs)


def test_integral_limit_and_integrand_errors():
    with pytest.raises(DomainError, match=r"b=inf is infinite, but method='simpson' needs a finite "
                                          r"interval: use method='adaptive'"):
        integral(np.exp, 0, np.inf, method="simpson")
    with pytest.raises(DomainError, match=r"a=-inf is infinite"):
        integral(np.exp, -np.inf, 0, method="left")
    with pytest.raises(DomainError, match=r"a is NaN; give a real number"):
        integral(np.exp, np.nan, 1)
    with pytest.raises(DomainError, match=r"b must be a real number, got '1'"):
        integral(np.exp, 0, "1")
    with pytest.raises(DomainError, match=r"a must be a real number, got True"):
        integral(np.exp, True, 1)
    with pytest.raises(DomainError, match=r"b - a overflows"):
        integral(np.exp, -1e308, 1e308, method="left")
    with pytest.raises(DomainError, match=r"f must be a callable .* got float"):
        integral(1.0, 0, 1)
    with pytest.raises(DomainError, match=r"f returned complex values; integrate its real and imaginary"):
        integral(lambda x: x + 1j, 0, 1, method="left")
    with pytest.raises(DomainError, match=r"f returned complex values"):
        integral(lambda x: complex(x, 1), 0, 1)
    with pytest.raises(DomainError, match=r"f returned 2 values for the single point x=.*one number per x"):
        integral(lambda x: np.array([x, x]).reshape(2, -1) if np.ndim(x) else np.array([x, x]), 0, 1,
                 method="left", n=4)
    with pytest.raises(DomainError, match=r"f returned 3 values for the single point"):
        integral(lambda x: np.ones(3), 0, 1)
    with pytest.raises(DomainError, match=r"f must return numbers, got an array of dtype"):
        integral(lambda x: np.array(["a"] * np.size(x)), 0, 1, method="left", n=3)


def test_sympy_numbers_are_accepted_as_limits():
    sympy = pytest.importorskip("sympy")
    est = integral(np.sin, 0, sympy.pi)
    assert est.value == pytest.approx(2.0, rel=1e-13)


# ------------------------------------------------------------------ hypothesis

coef = st.floats(-10, 10, allow_nan=False)
limit = st.floats(-5, 5, allow_nan=False)


def exact_poly_integral(c, a, b) -> Fraction:
    """Exact integral of sum c[k] x^k from a to b, in rational arithmetic."""
    a, b = Fraction(a), Fraction(b)
    return sum(Fraction(ck) * (b ** (k + 1) - a ** (k + 1)) / (k + 1) for k, ck in enumerate(c))


def poly_scale(c, a, b) -> float:
    m = max(abs(a), abs(b), 1.0)
    return (sum(abs(ck) * m**k for k, ck in enumerate(c)) + 1e-300) * max(abs(b - a), 1e-300)


@settings(max_examples=150, deadline=None)
@given(st.lists(coef, min_size=4, max_size=4), limit, limit)
def test_simpson_with_two_subintervals_is_exact_for_cubics(c, a, b):
    est = integral(lambda x: c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3, a, b, method="simpson", n=2)
    assert abs(est.value - float(exact_poly_integral(c, a, b))) <= 1e-12 * poly_scale(c, a, b)


@settings(max_examples=150, deadline=None)
@given(st.lists(coef, min_size=2, max_size=2), limit, limit, st.integers(1, 60))
def test_trapezoid_is_exact_for_lines(c, a, b, n):
    est = integral(lambda x: c[0] + c[1] * x, a, b, method="trapezoid", n=n)
    assert abs(est.value - float(exact_poly_integral(c, a, b))) <= 1e-12 * poly_scale(c, a, b)


# ------------------------------------------------------------------ running sum

def test_lesson_two_running_sum_is_the_course_computation_and_one_strip_ahead():
    dx = 0.1
    run = cumulative_integral(lambda x: 2 * x, -10, 10, dx, method="left")
    x = np.arange(-10, 10, dx)  # the course, verbatim in spirit
    np.testing.assert_array_equal(run.x, x)
    np.testing.assert_allclose(run.F, np.cumsum(2 * x * dx), rtol=0, atol=1e-12)
    # O(dx) from the antiderivative x^2 - 100 ...
    assert np.max(np.abs(run.F - (x**2 - 100))) <= 25 * dx
    # ... and exactly the left sum up to x + dx: for f = 2x the left rule on
    # [a, c] misses exactly dx * (c - a), so F = (x+dx)^2 - 100 - dx (x + dx + 10).
    c = x + dx
    np.testing.assert_allclose(run.F, c**2 - 100 - dx * (c + 10), rtol=0, atol=1e-9)
    assert run.F[0] == pytest.approx(2 * -10 * dx)  # F(a) is not 0: one strip already


def test_left_running_sum_error_is_first_order():
    errs = []
    for dx in (0.1, 0.05, 0.025):
        run = cumulative_integral(lambda x: 2 * x, -10, 10, dx, method="left")
        errs.append(np.max(np.abs(run.F - (run.x**2 - 100))))
    assert errs[0] / errs[1] == pytest.approx(2, rel=0.05)
    assert errs[1] / errs[2] == pytest.approx(2, rel=0.05)


def test_cumulative_trapezoid_of_lesson_two_task():
    G = lambda x: x**3 - 2 * x**2  # noqa: E731  (antiderivative of 3x^2 - 4x)
    for a, b, dx in [(-10, 10, 0.1), (-1, 2.05, 0.1), (0, 1, 0.3)]:
        run = cumulative_integral(lambda x: 3 * x**2 - 4 * x, a, b, dx)
        # dx = 0.1 is far from 1e-7 relative accuracy: the values are there, the status says so
        assert run.method == "trapezoid" and run.status is Status.NOT_CONVERGED
        assert run.x[0] == a and run.x[-1] == b and run.F[0] == 0.0
        exact = G(run.x) - G(a)
        # trapezoid error on each strip is h^3/12 * f'' = h^3/2 for f'' = 6
        bound = np.cumsum(np.concatenate(([0.0], np.diff(run.x) ** 3 / 2)))
        np.testing.assert_allclose(run.F - exact, bound, rtol=1e-6, atol=1e-9)
        actual = np.max(np.abs(run.F - exact))
        assert 0.5 * actual <= run.error <= 2 * actual  # the estimate is close to the truth
        assert np.all(np.diff(run.x) <= dx * (1 + 1e-12))
    loose = cumulative_integral(lambda x: 3 * x**2 - 4 * x, -10, 10, 0.1, rtol=1e-4)
    assert loose.ok and np.max(np.abs(loose.F - (G(loose.x) - G(-10)))) <= 1e-4 * np.max(np.abs(loose.F))


def test_cumulative_trapezoid_is_exact_for_lesson_two_example():
    run = cumulative_integral(lambda x: 2 * x, -10, 10, 0.1)
    np.testing.assert_allclose(run.F, run.x**2 - 100, rtol=0, atol=1e-10)
    assert run.x.size == 201


def test_cumulative_result_is_frozen_and_jsonable():
    run = cumulative_integral(np.sqrt, -1, 1, 0.5)
    assert run.status is Status.NAN and "nan at x=-1.0" in run.message
    with pytest.raises(ValueError):
        run.F[0] = 1.0
    with pytest.raises(AttributeError):
        run.method = "left"
    d = json.loads(json.dumps(run.to_dict(), allow_nan=False))
    assert d["status"] == "nan" and d["F"][0] == 0.0 and "nan" in d["F"]
    err = cumulative_integral(math.log, -1, 1, 0.5)
    assert err.status is Status.ERROR and "ValueError" in err.message


@pytest.mark.parametrize("args, kwargs, match", [
    ((-1, 1, 0), {}, r"dx=0.0 must be a positive finite step such as 0.01"),
    ((-1, 1, -0.1), {}, r"dx=-0.1 must be a positive"),
    ((-1, 1, np.inf), {}, r"dx=inf must be a positive"),
    ((1, -1, 0.1), {}, r"a=1.0 must be less than b=-1.0"),
    ((1, 1, 0.1), {}, r"a=1.0 must be less than b=1.0"),
    ((0, np.inf, 0.1), {}, r"a=0.0 and b=inf must both be finite"),
    ((0, 10, 1e-7), {}, r"dx=1e-07 makes 1e\+08 points on \[0.0, 10.0\], more than the limit of 1e\+07; "
                        r"use a larger dx"),
    ((0, 1, 0.1), {"method": "simpson"}, r"unknown method 'simpson' for a running integral; "
                                         r"choose 'trapezoid' or 'left'"),
])
def test_cumulative_errors(args, kwargs, match):
    with pytest.raises(DomainError, match=match):
        cumulative_integral(np.exp, *args, **kwargs)


# ------------------------------------------------------------------ convergence tables

@pytest.mark.parametrize("name, f, mf, a, b", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_observed_orders_on_smooth_functions(name, f, mf, a, b):
    table = convergence_table(f, a, b, exact=truth(mf, a, b), methods=FIXED_RULES)
    assert table.exact_source == "given"
    for method in FIXED_RULES:
        assert table.observed_order(method) == pytest.approx(NOMINAL_ORDER[method], abs=0.1), method
        rows = [r for r in table.rows if r.method == method]
        assert [r.n for r in rows] == [2**k for k in range(2, 13)]
        assert rows[0].order is None
        for r in rows:  # value and error are consistent with the independent truth
            assert r.error == pytest.approx(abs(r.value - table.exact), abs=1e-15)


def test_sqrt_order_drop_is_reported_not_assumed():
    # sqrt has an unbounded derivative at 0: every rule but the Riemann sums
    # converges like n^-1.5 there, Simpson included.
    table = convergence_table(np.sqrt, 0, 1, exact=2 / 3, methods=FIXED_RULES)
    assert table.observed_order("left") == pytest.approx(1.0, abs=0.1)
    for method in ("midpoint", "trapezoid", "simpson"):
        assert table.observed_order(method) == pytest.approx(1.5, abs=0.1)
        orders = [r.order for r in table.rows if r.method == method and r.order is not None]
        assert max(orders) < 1.7  # never the nominal 2 or 4


def test_round_off_rows_show_no_order():
    exact = math.e - 1
    table = convergence_table(np.exp, 0, 1, exact=exact, methods=("simpson",))
    rows = table.rows
    assert any(r.error < 1e-14 * exact for r in rows)  # Simpson reaches round-off by n=4096
    for r in rows:
        if r.error < 1e-14 * exact:
            assert r.order is None
        if r.order is not None:
            assert 3.5 < r.order < 4.5
    # a symmetric cancellation (midpoint of sin on [-1, 1] is 0 to round-off)
    table = convergence_table(np.sin, -1, 1, exact=0.0, methods=("midpoint", "left"))
    assert all(r.order is None for r in table.rows if r.method == "midpoint")
    assert table.observed_order("midpoint") is None
    assert table.observed_order("left") == pytest.approx(1.0, abs=0.05)


def test_reference_exact_value_and_sources():
    table = convergence_table(lambda x: 1 / (1 + x**2), 0, 2, methods=("trapezoid",))
    assert table.exact_source == "reference"
    assert table.exact == pytest.approx(math.atan(2), rel=1e-14, abs=0)
    assert 0 < table.reference_error < 1e-12
    assert table.observed_order("trapezoid") == pytest.approx(2.0, abs=0.05)
    given_ = convergence_table(np.exp, 0, 1, exact=math.e - 1, methods=("left",), ns=(4, 8))
    assert given_.exact_source == "given" and given_.reference_error == 0
    symbolic = convergence_table(np.exp, 0, 1, exact=math.e - 1, methods=("left",), ns=(4, 8),
                                 exact_source="symbolic")
    assert symbolic.exact_source == "symbolic"


def test_to_records_is_json_friendly():
    table = convergence_table(np.exp, 0, 1, methods=("left", "simpson"), ns=(4, 8, 16))
    records = table.to_records()
    text = json.dumps(records, allow_nan=False)
    back = json.loads(text)
    assert [set(r) for r in back] == [{"method", "n", "value", "error", "order"}] * 6
    assert back[0]["order"] is None and back[3]["order"] is None
    assert [r["method"] for r in back] == ["left"] * 3 + ["simpson"] * 3
    assert isinstance(back[1]["order"], float)
    assert table.methods == ("left", "simpson")


def test_convergence_table_errors():
    with pytest.raises(DomainError, match=r"methods contains 'adaptive'; a convergence table needs fixed "
                                          r"rules: choose from 'left', 'right'"):
        convergence_table(np.exp, 0, 1, methods=("left", "adaptive"))
    with pytest.raises(DomainError, match=r"methods is empty"):
        convergence_table(np.exp, 0, 1, methods=())
    with pytest.raises(DomainError, match=r"ns is empty"):
        convergence_table(np.exp, 0, 1, ns=())
    with pytest.raises(DomainError, match=r"ns=\[8, 4\] must be strictly increasing"):
        convergence_table(np.exp, 0, 1, ns=(8, 4))
    with pytest.raises(DomainError, match=r"n=5 is odd, but Simpson's rule"):
        convergence_table(np.exp, 0, 1, ns=(5, 10))
    with pytest.raises(DomainError, match=r"exact_source='symbolic' was given without exact"):
        convergence_table(np.exp, 0, 1, exact_source="symbolic")
    with pytest.raises(DomainError, match=r"exact_source='guess'; use 'given' or 'symbolic'"):
        convergence_table(np.exp, 0, 1, exact=1.7, exact_source="guess")
    with pytest.raises(DomainError, match=r"exact is NaN"):
        convergence_table(np.exp, 0, 1, exact=float("nan"))
    with pytest.raises(ComputationError, match=r"left with n=4 failed: f\(x\) is inf at x=0.0.*drop that method"):
        convergence_table(lambda x: 1 / np.sqrt(x), 0, 1, exact=2.0, methods=("left",))
    with pytest.raises(ComputationError, match=r"no reference value"):
        convergence_table(lambda x: np.full_like(np.asarray(x, float), np.nan), 0, 1, methods=("midpoint",))
    # the midpoint rule never touches the endpoint singularity, so it still works
    table = convergence_table(lambda x: 1 / np.sqrt(x), 0, 1, exact=2.0, methods=("midpoint",), ns=(4, 8))
    assert table.rows[-1].error < table.rows[0].error
