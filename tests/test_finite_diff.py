"""Tests for calcml.numeric (numeric derivatives) against independent truth.

Reference derivatives come from mpmath: the analytic derivative evaluated with
50 significant digits (or mpmath.diff at that precision), never from calcml.
"""

from __future__ import annotations

import math
import warnings

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcml.errors import ComputationError, DomainError
from calcml.numeric import MAX_EVALUATIONS, METHODS, RTOL, numeric_derivative
from calcml.results import Estimate, Status
from calcml.stepsize import StepSizeStudy, step_size_study

mp.mp.dps = 50


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (name, numpy version (takes complex), math version (real only), x0, f' in mpmath)
TRAPS = [
    ("x^20", lambda x: x**20, lambda x: x**20, 10.0, lambda x: 20 * x**19),
    ("exp", np.exp, math.exp, 30.0, mp.exp),
    ("exp", np.exp, math.exp, -30.0, mp.exp),
    ("log", np.log, math.log, 1e-3, lambda x: 1 / x),
    ("log", np.log, math.log, 1e-7, lambda x: 1 / x),
    ("sin", np.sin, math.sin, 1.0, mp.cos),
    ("sin", np.sin, math.sin, 1e6, mp.cos),
    ("1/x", lambda x: 1 / x, lambda x: 1 / x, 2.0, lambda x: -1 / x**2),
    ("1/x", lambda x: 1 / x, lambda x: 1 / x, 1e-3, lambda x: -1 / x**2),
    ("sqrt", np.sqrt, math.sqrt, 4.0, lambda x: 1 / (2 * mp.sqrt(x))),
    ("sqrt", np.sqrt, math.sqrt, 1e-4, lambda x: 1 / (2 * mp.sqrt(x))),
    ("tanh", np.tanh, math.tanh, 0.5, lambda x: 1 / mp.cosh(x) ** 2),
    ("tanh", np.tanh, math.tanh, 10.0, lambda x: 1 / mp.cosh(x) ** 2),
    ("sigmoid", _sigmoid, lambda x: 1 / (1 + math.exp(-x)), 0.0, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    ("sigmoid", _sigmoid, lambda x: 1 / (1 + math.exp(-x)), -20.0, lambda x: mp.exp(-x) / (1 + mp.exp(-x)) ** 2),
    ("x^x", lambda x: x**x, lambda x: x**x, 2.0, lambda x: x**x * (1 + mp.log(x))),
    ("x^x", lambda x: x**x, lambda x: x**x, 0.1, lambda x: x**x * (1 + mp.log(x))),
    ("atan", np.arctan, math.atan, 1e3, lambda x: 1 / (1 + x**2)),
    ("sin(1/x)", lambda x: np.sin(1 / x), lambda x: math.sin(1 / x), 0.05, lambda x: -mp.cos(1 / x) / x**2),
    ("gauss", lambda x: np.exp(-x * x / 2), lambda x: math.exp(-x * x / 2), 1.0, lambda x: -x * mp.exp(-x * x / 2)),
    ("x^2", lambda x: x * x, lambda x: x * x, 1e8, lambda x: 2 * x),
    ("cos", np.cos, math.cos, 1e-8, lambda x: -mp.sin(x)),
    ("exp", np.exp, math.exp, 1e-10, mp.exp),
]
IDS = [f"{t[0]}@{t[3]:g}" for t in TRAPS]
# Where finite differences cannot reach 1e-8 relative accuracy at all: the
# derivative is tiny next to f (round-off eps|f|/h swamps it at any usable h).
FD_LIMITED = {"tanh@10", "cos@1e-08"}


def truth(case) -> float:
    return float(case[4](mp.mpf(case[3])))


def rel_err(value, exact):
    return abs(value - exact) / abs(exact)


def assert_honest(est: Estimate, exact: float):
    """A success must be right to 1e-6 relative, and the error estimate must cover the true error."""
    if est.ok:
        assert rel_err(est.value, exact) <= 1e-6, f"silent failure: {est}"
        assert abs(est.value - exact) <= 10 * est.error + 4 * np.finfo(float).eps * abs(exact), est


# ----------------------------------------------------------------- accuracy against mpmath


@pytest.mark.parametrize("case", TRAPS, ids=IDS)
def test_default_on_numpy_functions_is_the_complex_step_and_exact_to_rounding(case):
    est = numeric_derivative(case[1], case[3])
    exact = truth(case)
    assert est.method == "complex" and est.ok, est
    assert rel_err(est.value, exact) <= 1e-14
    assert est.evaluations <= MAX_EVALUATIONS
    assert_honest(est, exact)


@pytest.mark.parametrize("case", TRAPS, ids=IDS)
def test_complex_method_within_1e14(case):
    est = numeric_derivative(case[1], case[3], "complex")
    assert est.ok and est.method == "complex"
    assert rel_err(est.value, truth(case)) <= 1e-14


@pytest.mark.parametrize("method", [None, "richardson"])
@pytest.mark.parametrize("case", TRAPS, ids=IDS)
def test_richardson_on_real_only_functions(case, method):
    """math functions refuse complex input, so the default falls back to Richardson."""
    est = numeric_derivative(case[2], case[3], method)
    exact = truth(case)
    assert est.evaluations <= MAX_EVALUATIONS
    assert_honest(est, exact)
    if est.method == "complex":  # plain Python operators (x**20, 1/x) do take complex input
        assert method is None and est.ok and rel_err(est.value, exact) <= 1e-14
        return
    assert est.method == "richardson"
    if f"{case[0]}@{case[3]:g}" in FD_LIMITED:
        assert est.status is Status.NOT_CONVERGED and est.message
        assert rel_err(est.value, exact) < 1e-3  # still the right number, to the digits it claims
    else:
        assert est.ok, est
        assert rel_err(est.value, exact) <= 1e-10


@pytest.mark.parametrize("method,bound", [("forward", 1e-5), ("backward", 1e-5), ("central", 1e-7)])
@pytest.mark.parametrize("case", TRAPS, ids=IDS)
def test_plain_quotients_succeed_only_when_accurate(case, method, bound):
    exact = truth(case)
    for f in case[1:3]:
        est = numeric_derivative(f, case[3], method)
        assert est.method == method
        assert_honest(est, exact)
        if est.ok:
            assert rel_err(est.value, exact) <= bound
        else:
            assert est.message


def test_plain_quotients_succeed_on_most_traps():
    # A first-order quotient cannot get much below sqrt(eps) ~ 1.5e-8 relative, so it
    # meets the default tolerance (1e-7) only sometimes, and a looser one (1e-6) mostly.
    ok = {m: sum(numeric_derivative(c[1], c[3], m).ok for c in TRAPS) for m in ("forward", "central")}
    loose = sum(numeric_derivative(c[1], c[3], "forward", rtol=1e-6).ok for c in TRAPS)
    assert loose >= 17 and ok["central"] >= 17 and ok["forward"] >= 8, (ok, loose)


@pytest.mark.parametrize("case", TRAPS, ids=IDS)
@pytest.mark.parametrize("rtol", [1e-4, 1e-6, 1e-9])
@pytest.mark.parametrize("method", ["forward", "central", None])
def test_success_means_within_the_tolerance_asked_for(case, rtol, method):
    exact = truth(case)
    est = numeric_derivative(case[1], case[3], method, rtol=rtol)
    if est.ok:
        # The error estimate is an estimate: allow it to be off by a factor of 10.
        assert abs(est.value - exact) <= 10 * rtol * abs(exact) + 1e-300, est
    else:
        assert est.message


def test_the_course_step_gives_the_course_number_and_an_honest_status():
    est = numeric_derivative(lambda x: x**2, 3.0, "forward", h=1e-4)
    assert est.value == pytest.approx(6.0001, rel=1e-9)  # (9.00060001 - 9) / 1e-4
    assert est.status is Status.NOT_CONVERGED
    assert est.error == pytest.approx(1e-4, rel=0.01)  # truncation h f''/2 = 1e-4
    assert "tolerance" in est.message


def test_given_step_is_used_as_is_for_central():
    h = 1e-3
    est = numeric_derivative(np.sin, 1.0, "central", h=h)
    assert est.value == pytest.approx((math.sin(1 + h) - math.sin(1 - h)) / (2 * h), rel=1e-12)
    # the truncation error h^2 |f'''| / 6 is what the estimate should report
    assert est.error == pytest.approx(h * h * math.cos(1.0) / 6, rel=0.05)


def test_method_none_with_h_means_central_with_that_step():
    est = numeric_derivative(np.exp, 1.0, h=1e-3)
    assert est.method == "central"
    assert est.value == pytest.approx((math.exp(1.001) - math.exp(0.999)) / 0.002, rel=1e-12)


# ----------------------------------------------------------------- never out of the domain


@pytest.mark.parametrize("method", [None, *METHODS])
@pytest.mark.parametrize("f,x0", [(np.log, 1e-7), (math.log, 1e-7), (lambda x: 1 / x, 1e-3),
                                  (np.sqrt, 1e-4), (math.sqrt, 1e-4), (lambda x: np.sin(1 / x), 0.05)])
def test_no_evaluation_crosses_zero_near_a_singularity(f, x0, method):
    seen = []

    def spy(x):
        seen.append(x.real if isinstance(x, complex) else x)
        return f(x)

    # First-order quotients reach ~1e-8 at best: ask them for 1e-6.
    est = numeric_derivative(spy, x0, method, rtol=1e-6 if method in ("forward", "backward") else None)
    assert seen and min(seen) > 0, f"evaluated at {min(seen)}"
    if method != "complex" or f not in (math.log, math.sqrt):
        assert est.ok, est


def test_domain_edge_goes_one_sided_and_says_so():
    f = lambda x: x**1.5 + 2 * x if x >= 0 else math.nan  # noqa: E731 - defined only for x >= 0
    est = numeric_derivative(f, 1.0)
    assert est.ok and est.value == pytest.approx(3.5, rel=1e-10)
    # at the edge itself the derivative is one-sided and the message says so
    est = numeric_derivative(lambda x: math.sqrt(x) ** 3 + 2 * x if x >= 0 else math.nan, 0.0)
    assert "one-sided" in est.message
    assert abs(est.value - 2.0) < 1e-2


# ----------------------------------------------------------------- statuses and messages


@pytest.mark.parametrize("method", [None, *METHODS])
def test_x0_outside_the_domain(method):
    for f in (np.log, np.sqrt):
        est = numeric_derivative(f, -1.0, method)
        assert est.status is Status.OUT_OF_DOMAIN and math.isnan(est.value)
        assert "outside the domain" in est.message and "-1" in est.message


@pytest.mark.parametrize("method", [None, *METHODS])
def test_nan_and_inf_and_pole(method):
    assert numeric_derivative(lambda x: math.nan, 1.0, method).status is Status.OUT_OF_DOMAIN
    est = numeric_derivative(lambda x: math.inf, 1.0, method)
    assert est.status is Status.INFINITE and "f(x0) is inf" in est.message
    est = numeric_derivative(lambda x: np.float64(1.0) / x, 0.0, method)  # numpy: 1/0 = inf
    assert est.status is Status.INFINITE and "pole" in est.message
    est = numeric_derivative(lambda x: 1 / x, 0.0, method)  # Python: 1/0 raises, still a pole
    assert est.status is Status.INFINITE and "pole" in est.message and "ZeroDivisionError" in est.message
    est = numeric_derivative(lambda x: x ** 2, 1e300, method)  # Python: OverflowError, still an overflow
    assert est.status is Status.INFINITE and "overflows" in est.message
    est = numeric_derivative(lambda x: 1 / x if x else 1 / "x", 0.0, method)  # any other exception: ERROR
    assert est.status is Status.ERROR and "TypeError" in est.message


@pytest.mark.parametrize("method", [None, "forward", "backward", "central", "richardson"])
@pytest.mark.parametrize("f,x0", [(abs, 0.0), (np.abs, 0.0), (lambda x: abs(x - 1.5), 1.5),
                                  (lambda x: np.maximum(x, 0.0), 0.0), (lambda x: np.maximum(x, -x), 0.0)])
def test_kinks_are_not_differentiable(f, x0, method):
    est = numeric_derivative(f, x0, method)
    assert est.status is Status.NOT_DIFFERENTIABLE, est
    assert math.isnan(est.value) and "kink" in est.message


def test_kink_message_gives_both_slopes():
    est = numeric_derivative(lambda x: 3 * x if x > 0 else -x, 0.0)
    assert "right 3" in est.message and "left -1" in est.message


def test_complex_method_refuses_what_it_cannot_see():
    est = numeric_derivative(abs, 0.5, "complex")
    assert est.status is Status.ERROR and "complex" in est.message and "richardson" in est.message
    # x|x| accepts complex input, but is not analytic: the complex step alone would say 1.5
    est = numeric_derivative(lambda x: x * np.abs(x), 1.5, "complex")
    assert not est.ok and "not complex-analytic" in est.message
    # a tie broken by the imaginary part at a kink
    assert not numeric_derivative(lambda x: np.maximum(x, -x), 0.0, "complex").ok


def test_function_that_raises_reports_its_text():
    def boom(x):
        raise RuntimeError("the model diverged")

    for method in (None, *METHODS):
        est = numeric_derivative(boom, 1.0, method)
        assert est.status is Status.ERROR
        assert "RuntimeError: the model diverged" in est.message


def test_raising_beside_x0_is_treated_as_leaving_the_domain():
    est = numeric_derivative(math.log, 1e-9)  # math.log raises ValueError for x <= 0
    assert est.ok and est.value == pytest.approx(1e9, rel=1e-10)


def test_vertical_tangent_and_jump():
    for f in (np.sqrt, math.sqrt, np.cbrt):
        est = numeric_derivative(f, 0.0)
        assert est.status is Status.INFINITE and "infinite" in est.message
    est = numeric_derivative(lambda x: 1.0 if x >= 0 else 0.0, 0.0)
    assert est.status is Status.NOT_DIFFERENTIABLE and "jumps" in est.message


def test_a_zero_derivative_succeeds_only_as_zero_within_rounding():
    for f, x0 in [(math.cos, 0.0), (np.cos, 0.0), (lambda x: x**3 - 2 * x**2 + 1, 4 / 3), (lambda x: 5.0, 1.0)]:
        est = numeric_derivative(f, x0)
        assert est.ok and abs(est.value) <= est.error < 1e-12, est
        assert "zero to within" in est.message
    # a quotient whose error is far above f's rounding cannot claim a zero derivative
    est = numeric_derivative(math.cos, 0.0, "forward")
    assert est.status is Status.NOT_CONVERGED and "zero to within" in est.message
    # ... nor can a tiny but nonzero derivative pass as zero: cos'(1e-8) = -1e-8 needs relative accuracy
    est = numeric_derivative(math.cos, 1e-8)
    assert not est.ok or rel_err(est.value, -math.sin(1e-8)) < 1e-8


def test_nothing_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numeric_derivative(np.log, -1.0)
        numeric_derivative(lambda x: np.float64(1.0) / x, 0.0)
        numeric_derivative(lambda x: np.exp(x) * 1e300, 100.0)
        # casting complex to float warns in numpy: the complex step must abort quietly
        est = numeric_derivative(lambda x: np.exp(np.asarray(x).astype(float)), 1.0)
        assert est.ok and est.method == "richardson"


# ----------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("x0", [math.nan, math.inf, -math.inf])
def test_non_finite_x0_is_a_domain_error(x0):
    with pytest.raises(DomainError, match="x0 must be finite"):
        numeric_derivative(np.exp, x0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(method="secant"), "method must be None or one of"),
    (dict(h=0.0), "h must be a positive finite step"),
    (dict(h=-1e-3), "h must be a positive finite step"),
    (dict(h=math.nan), "h must be a positive finite step"),
    (dict(order=3), "order must be 1 or 2"),
    (dict(order=2, method="complex"), "first derivatives only"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(DomainError, match=match):
        numeric_derivative(np.exp, 1.0, **kwargs)


def test_bad_f_and_x0():
    with pytest.raises(DomainError, match="callable"):
        numeric_derivative(3.0, 1.0)
    with pytest.raises(DomainError, match="real number"):
        numeric_derivative(np.exp, 1 + 2j)
    with pytest.raises(DomainError, match="one real number"):
        numeric_derivative(lambda x: np.array([x, x]), 1.0)


# ----------------------------------------------------------------- automatic choice


def test_auto_chooses_complex_for_exp_and_richardson_where_complex_fails():
    assert numeric_derivative(np.exp, 1.0).method == "complex"
    cases = [
        (abs, 0.5, 1.0),  # abs() of a complex number is real
        (lambda x: np.maximum(x, 0.0), -1.0, 0.0),  # returns 0j: zero imaginary part
        (lambda x: np.maximum(x, 0.0), 2.0, 1.0),  # ... unless complex happens to work
        (lambda x: x * np.abs(x), 1.5, 3.0),  # complex but not analytic: the step alone gives 1.5
        (lambda x: np.logaddexp(0.0, x), 2.0, 1 / (1 + math.exp(-2.0))),  # refuses complex input
        (math.exp, 1.0, math.e),
    ]
    for f, x0, exact in cases:
        est = numeric_derivative(f, x0)
        assert est.value == pytest.approx(exact, rel=1e-10, abs=1e-14), (f, x0, est)
        if f is not cases[2][0]:
            assert est.method == "richardson", (x0, est)


def test_richardson_second_derivative_against_mpmath():
    for f, x0, d2 in [(math.exp, 1.0, mp.exp), (math.sin, 1e6, lambda x: -mp.sin(x)),
                      (lambda x: x**x, 0.5, lambda x: mp.diff(lambda t: t**t, x, 2)),
                      (math.tanh, 0.5, lambda x: mp.diff(mp.tanh, x, 2))]:
        est = numeric_derivative(f, x0, order=2)
        exact = float(d2(mp.mpf(x0)))
        assert est.ok and est.method == "richardson"
        assert rel_err(est.value, exact) <= 1e-9
        c = numeric_derivative(f, x0, "central", order=2)
        assert_honest(c, exact)


# ----------------------------------------------------------------- property: polynomials


# Coefficients and points of ordinary size (or exactly 0): a coefficient of 1e-300
# tests the float format, not differentiation.
_COEF = st.one_of(st.just(0.0), st.floats(-10, 10).filter(lambda c: abs(c) > 1e-100))


@settings(max_examples=60, deadline=None)
@given(coeffs=st.lists(_COEF, min_size=1, max_size=7),
       x=st.one_of(st.just(0.0), st.floats(-5, 5).filter(lambda t: abs(t) > 1e-100)),
       method=st.sampled_from([None, "richardson", "complex"]))
def test_polynomials_match_their_exact_derivative(coeffs, x, method):
    def p(t):  # Horner; works for complex t as well
        acc = 0.0
        for c in reversed(coeffs):
            acc = acc * t + c
        return acc

    xm = mp.mpf(x)
    exact = float(sum(k * mp.mpf(c) * xm ** (k - 1) for k, c in enumerate(coeffs) if k))
    size = float(sum(abs(k * c) * abs(x) ** (k - 1) for k, c in enumerate(coeffs) if k))
    value_size = float(sum(abs(c) * abs(x) ** k for k, c in enumerate(coeffs)))
    est = numeric_derivative(p, x, method)
    assert est.evaluations <= MAX_EVALUATIONS
    # Cancellation in p itself limits any method to about eps * (sum of |terms|) / scale.
    tol = 1e-9 * (size + value_size / max(1.0, abs(x))) + 1e-12
    if est.ok:  # right to the tolerance, or (a derivative lost in rounding) to within its error
        assert abs(est.value - exact) <= tol
        assert abs(est.value - exact) <= max(10 * RTOL["richardson"] * abs(exact), 2 * est.error)
    else:  # no success: the error estimate must still cover the truth
        assert math.isnan(est.value) or abs(est.value - exact) <= max(tol, 2 * est.error)
    curvature = float(sum(abs(k * (k - 1) * c) * abs(x) ** (k - 2) for k, c in enumerate(coeffs) if k > 1))
    if abs(x) >= 1e-3 and abs(exact) > 1e-3 * (size + value_size + curvature):
        assert est.ok, est  # p' is well away from 0, and not lost next to p or p''


# ----------------------------------------------------------------- the step-size study


def test_step_size_study_has_the_v_shape():
    study = step_size_study(math.exp, 1.0)
    assert isinstance(study, StepSizeStudy)
    assert study.h[0] == pytest.approx(0.1) and study.h[-1] == pytest.approx(1e-15)
    assert study.h.size >= 15 and np.all(np.diff(study.h) < 0)
    assert study.forward_error.shape == study.central_error.shape == study.h.shape
    assert study.exact == pytest.approx(math.e, rel=1e-12) and study.relative
    for err, best in ((study.forward_error, study.best_h_forward), (study.central_error, study.best_h_central)):
        k = int(np.nonzero(study.h == best)[0][0])  # the best step is one of the grid's
        assert 0 < k < err.size - 1
        assert err[k] < 10 * np.nanmin(err)  # and its error is near the lowest measured
        assert err[0] > 100 * err[k] and err[-1] > 100 * err[k]  # down, then up again
    # truncation slopes: forward error ~ h, central ~ h^2 at the large-h end
    assert study.forward_error[0] / study.forward_error[2] == pytest.approx(10, rel=0.1)
    assert study.central_error[0] / study.central_error[2] == pytest.approx(100, rel=0.1)
    # the central V bottoms out at a larger h, and lower
    assert study.best_h_central > study.best_h_forward
    assert np.nanmin(study.central_error) < np.nanmin(study.forward_error)


@pytest.mark.parametrize("x0", [0.0, 1.0, 30.0, -20.0])
def test_step_size_study_best_steps_follow_the_theory_not_the_noise(x0):
    # Theory for f = exp (every derivative is e^x): the forward error is h/2 (truncation) plus
    # R/h with R ~ eps (1 + |x0|) (rounding f, and rounding x0 + h, relative to f'), so
    # h* = 2 sqrt(eps (1 + |x0|)); the central error h^2/6 + R/h gives h* = (3 eps (1 + |x0|))^(1/3).
    # At x0 = 30 the raw minimum of the forward error sits at 1e-9, 160 times too small:
    # round-off noise. The study's best steps must be within a factor 10 of the theory.
    eps = np.finfo(float).eps
    study = step_size_study(math.exp, x0, exact=math.exp(x0))
    theory_f = 2 * math.sqrt(eps * (1 + abs(x0)))
    theory_c = (3 * eps * (1 + abs(x0))) ** (1 / 3)
    assert theory_f / 10 < study.best_h_forward < theory_f * 10
    assert theory_c / 10 < study.best_h_central < theory_c * 10
    assert study.lowest_h_forward in study.h  # the raw minimum is still reported, as such


def test_step_size_study_best_step_of_a_quadratic_central_is_the_largest():
    # (x+h)^2 - (x-h)^2 = 4xh exactly: the central quotient has no truncation error, only round-off,
    # which falls as h grows; the fitted V must not invent a bottom.
    study = step_size_study(lambda t: t * t, 1.0, exact=2.0)
    assert study.best_h_central == study.h[0]


def test_step_size_study_errors_are_the_plain_quotients():
    hs = [1e-2, 1e-5]
    study = step_size_study(np.sin, 2.0, exact=math.cos(2.0), hs=hs)
    for k, h in enumerate(sorted(hs, reverse=True)):
        fwd = (math.sin(2 + h) - math.sin(2)) / h
        assert study.forward_error[k] == pytest.approx(abs(fwd - math.cos(2.0)) / abs(math.cos(2.0)))


def test_step_size_study_explanation_and_validation():
    study = step_size_study(math.exp, 30.0, exact=math.exp(30.0))
    text = study.explanation()
    assert "truncation" in text.lower() and "round-off" in text.lower()
    assert f"{study.best_h_central:.1e}" in text and f"{study.best_h_forward:.1e}" in text
    with pytest.raises(DomainError, match="hs must be"):
        step_size_study(math.exp, 1.0, hs=[1e-3, -1.0])
    with pytest.raises(ComputationError, match="pass exact"):
        step_size_study(abs, 0.0)
    zero = step_size_study(math.cos, 0.0, exact=0.0)
    assert not zero.relative


@pytest.mark.parametrize("method", [None, "richardson", "central"])
def test_a_function_that_is_exactly_zero_has_derivative_zero_with_success(method):
    est = numeric_derivative(lambda t: 0.0 * t, 1.0, method=method)
    assert est.status is Status.SUCCESS
    assert est.value == 0.0
