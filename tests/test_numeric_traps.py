"""Numeric derivatives of staircases, knots, overflow and poles next to x0 (issue 8, section 9).

Each kind is tested with the case from the issue and with other members of the
same kind. The truth is analytic (the slopes of a piecewise-linear interpolant, the
derivative of 1/x) or from mpmath at 50 digits, never from calcml.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import calcml
from calcml.numeric import difference_quotient, numeric_derivative
from calcml.results import Status

mp.mp.dps = 50
OK_OR_NOT_CONVERGED = (Status.SUCCESS, Status.NOT_CONVERGED)


def _silently_wrong(est, exact, rel=1e-6) -> bool:
    return est.ok and not abs(est.value - exact) <= rel * abs(exact) + 1e-12


# --------------------------------------------------------------------------- staircases


def test_rounded_function_is_not_a_success_with_a_false_slope():
    est = calcml.derivative(lambda x: np.round(x, 3), at=0.5)
    assert not (est.ok and abs(est.value) > 1e-9), est  # f is flat at 0.5: 0, never 1.024 with SUCCESS
    assert est.value == 0.0 or not est.ok
    if not est.ok:
        assert "staircase" in est.message


@pytest.mark.parametrize("f, x0", [
    (lambda x: np.round(x, 3), 0.5),
    (lambda x: np.round(x, 3), 0.123),
    (lambda x: np.round(x, 1), 2.01),
    (lambda x: np.round(1000 * x) / 1000, -3.25),
    (lambda x: np.floor(x * 64) / 64, 0.3),
    (lambda x: np.float32(x) * 1.0, 1.0 + 2.0**-30),  # float32 rounding: a staircase of step 1.2e-7
    (lambda x: math.floor(x * 1e4) / 1e4, 7.77777),
])
@pytest.mark.parametrize("method", [None, "richardson"])
def test_staircases_are_never_a_silent_slope(f, x0, method):
    est = numeric_derivative(f, x0, method)
    # The derivative where f is flat is 0; the trend of the stairs is about 1 (or 1/64 steps).
    assert not (est.ok and abs(est.value) > 1e-9), est
    if not est.ok:
        assert est.message


def test_smooth_functions_are_not_taken_for_staircases():
    for f, x0, exact in [(np.sin, 0.5, math.cos(0.5)), (math.exp, 2.0, math.exp(2.0)),
                         (lambda x: x**3, 1e-3, 3e-6), (math.log, 1e5, 1e-5)]:
        est = numeric_derivative(f, x0)
        assert est.ok and abs(est.value - exact) <= 1e-8 * abs(exact), est


# --------------------------------------------------------------------------- knots

XS = np.linspace(0, 1, 11)


@pytest.mark.parametrize("knot", [0.5, 0.3, 0.7, 0.1])
@pytest.mark.parametrize("method", [None, "richardson", "central"])
def test_interp_knot_is_not_differentiable(knot, method):
    f = lambda x: np.interp(x, XS, XS**2)  # noqa: E731 - slopes 2 * knot -+ 0.1 either side
    est = numeric_derivative(f, knot, method)
    assert est.status is Status.NOT_DIFFERENTIABLE, est
    assert "kink" in est.message


def test_interp_between_knots_is_the_segment_slope():
    f = lambda x: np.interp(x, XS, XS**2)  # noqa: E731
    est = numeric_derivative(f, 0.55)
    assert est.ok and est.value == pytest.approx(1.1, rel=1e-9)  # (0.36 - 0.25) / 0.1


@pytest.mark.parametrize("f, x0", [
    (lambda x: max(x, 2 * x - 1), 1.0),  # slopes 1 and 2
    (lambda x: abs(x - 0.25) + x, 0.25),
    (lambda x: np.maximum(0.0, x) * 3 + x, 0.0),
])
def test_other_kinks_are_not_differentiable(f, x0):
    assert numeric_derivative(f, x0).status is Status.NOT_DIFFERENTIABLE


# --------------------------------------------------------------------------- overflow


@pytest.mark.parametrize("x0", [1e-308, -1e-308, 1e-160, 2e-200, 1e-300])
def test_derivative_that_overflows_is_infinite(x0):
    est = calcml.derivative(lambda x: 1 / x, at=x0)  # -1/x0**2 is beyond the largest float
    assert est.status is Status.INFINITE, est
    assert est.value == -math.inf
    assert "overflow" in est.message


def test_large_but_finite_derivative_is_found():
    est = numeric_derivative(lambda x: 1 / x, 1e-150)
    exact = -1e300
    assert est.ok and est.value == pytest.approx(exact, rel=1e-10), est


def test_exp_near_the_top_of_the_float_range():
    est = numeric_derivative(math.exp, 709.0)
    assert est.ok and est.value == pytest.approx(math.exp(709.0), rel=1e-10)


# --------------------------------------------------------------------------- the right cause


def test_tan_at_the_float_next_to_its_pole_is_finite():
    x0 = math.pi / 2  # the float is 6.1e-17 below the pole: tan' = 1/cos^2 is finite there
    exact = 1 / mp.cos(mp.mpf(x0)) ** 2
    est = calcml.derivative(np.tan, at=x0)
    assert est.status is not Status.NOT_DIFFERENTIABLE, est  # no kink: a pole within one float spacing
    assert not _silently_wrong(est, float(exact))
    if est.ok:
        assert est.value == pytest.approx(float(exact), rel=1e-6)
    else:
        assert "pole" in est.message


def test_log_second_derivative_near_zero_is_finite():
    est = calcml.derivative(np.log, at=1e-5, order=2)
    assert est.status is not Status.INFINITE
    assert est.ok and est.value == pytest.approx(-1e10, rel=1e-6), est


@pytest.mark.parametrize("x0", [1e-3, 1e-4, 1e-6])
def test_reciprocal_second_derivative_near_zero(x0):
    est = numeric_derivative(lambda x: 1 / x, x0, order=2)  # 2 / x0**3
    assert not _silently_wrong(est, 2 / x0**3)
    assert est.status in OK_OR_NOT_CONVERGED


# --------------------------------------------------------------------------- one meaning of SUCCESS


def test_success_is_within_the_tolerance_asked_for():
    # A forward difference at the course's step: off by h f''/2 = 1e-4 relative ~ 1.7e-5.
    f, x0 = math.sin, 1.0
    exact = math.cos(1.0)
    strict = numeric_derivative(f, x0, "forward", h=1e-4)
    loose = numeric_derivative(f, x0, "forward", h=1e-4, rtol=1e-3)
    assert strict.status is Status.NOT_CONVERGED and "tolerance" in strict.message
    assert loose.ok and abs(loose.value - exact) <= 1e-3 * abs(exact)
    assert strict.value == loose.value  # the same quotient, judged against a different tolerance


def test_atol_accepts_a_small_absolute_error():
    est = numeric_derivative(lambda x: x**2, 1e-3, "forward", h=1e-6, rtol=0.0, atol=1e-5)
    assert est.ok and abs(est.value - 2e-3) <= 1e-5


@pytest.mark.parametrize("kw, word", [({"rtol": -1.0}, "rtol"), ({"atol": math.nan}, "atol"),
                                      ({"rtol": "1e-3"}, "rtol"), ({"rtol": 0.0, "atol": 0.0}, "rtol")])
def test_bad_tolerances_are_refused_with_the_parameter_named(kw, word):
    with pytest.raises(ValueError, match=word):
        numeric_derivative(math.sin, 1.0, **kw)


def test_difference_quotient_is_the_course_formula():
    # The forward quotient of x^2 at 3 with h = 1e-4 is (9.00060001 - 9) / 1e-4 = 6.0001.
    assert difference_quotient(lambda x: x * x, 3.0, 1e-4) == pytest.approx(6.0001, rel=1e-9)
    assert difference_quotient(lambda x: x * x, 3.0, 1e-4, "backward") == pytest.approx(5.9999, rel=1e-9)
    assert difference_quotient(lambda x: x * x, 3.0, 1e-4, "central") == pytest.approx(6.0, rel=1e-9)
    x = np.array([0.0, 1.0])
    np.testing.assert_allclose(difference_quotient(np.exp, x, 1e-6, "central"), np.exp(x), rtol=1e-9)
    with pytest.raises(ValueError, match="scheme"):
        difference_quotient(np.exp, 1.0, 1e-3, "upwind")


def test_the_old_module_is_gone_and_the_front_door_uses_the_package(monkeypatch):
    # calcml.finite_diff was a temporary re-export; the numeric lens lives in calcml.numeric only
    import importlib

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("calcml.finite_diff")
    import calcml.derivatives as d
    import calcml.numeric as numeric

    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs)
        return real(*args, **kwargs)

    real = numeric.numeric_derivative
    monkeypatch.setattr(numeric, "numeric_derivative", spy)
    d.derivative(np.exp, at=1.0, rtol=1e-5)
    assert seen and seen[0]["rtol"] == 1e-5


@pytest.mark.parametrize("f, x0, exact", [
    (np.tan, math.pi / 2 - 1e-8, lambda x: 1 / mp.cos(x) ** 2),
    (np.tan, math.pi / 2 - 1e-10, lambda x: 1 / mp.cos(x) ** 2),
    (lambda x: 1 / (x - 1e-9), 0.0, lambda x: -1 / (x - mp.mpf("1e-9")) ** 2),
    (lambda x: 1 / (x - 1e-9), 2e-9, lambda x: -1 / (x - mp.mpf("1e-9")) ** 2),
])
def test_pole_close_to_x0_is_not_called_a_kink(f, x0, exact):
    truth = float(exact(mp.mpf(x0)))
    est = numeric_derivative(f, x0)
    assert est.ok, est
    assert est.value == pytest.approx(truth, rel=1e-8)


@pytest.mark.parametrize("x0", [math.pi / 2, 3 * math.pi / 2, -math.pi / 2])
def test_pole_within_one_float_is_named(x0):
    est = numeric_derivative(np.tan, x0)
    truth = float(1 / mp.cos(mp.mpf(x0)) ** 2)
    assert est.status is Status.NOT_CONVERGED and "pole" in est.message
    assert est.value == pytest.approx(truth, rel=1e-8)  # the value at that float is still right
    real_only = numeric_derivative(math.tan, x0)  # no complex step: real stencils all straddle the pole
    assert not real_only.ok and "pole" in real_only.message


@pytest.mark.parametrize("f, x0", [
    (lambda x: np.sqrt(x**2), 0.0),                 # |x| written through a branch cut
    (lambda x: np.sqrt((x - 1)**2), 1.0),
    (lambda x: (x**2)**0.5, 0.0),
    (lambda x: np.exp(np.log(x**2) / 2), 0.0),
])
def test_a_kink_hidden_behind_a_branch_cut_is_not_a_complex_step_success(f, x0):
    # NumPy's signed zero makes f(x0 + ih) and f(x0 - id) agree (slope 1 both ways) although the
    # one-sided slopes are +1 and -1: the real step on the other side must expose it
    r = calcml.derivative(f, at=x0)
    assert not r.ok and r.status is Status.NOT_DIFFERENTIABLE
