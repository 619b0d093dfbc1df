"""F(b) - F(a) as a second opinion on quadrature: the library, the front door and the command line.

Truth is independent of calcml: mpmath's quadrature at 30 digits, closed forms
written here by hand (sqrt(pi), e - 1, -pi/2), and the mathematics of the
divergent integral of 1/x^2 over [-1, 1].
"""

from __future__ import annotations

import json
import math
import re

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import calcml
from calcml.fundamental import AntiderivativeCheck, check_with_antiderivative
from calcml.integrate import integral as quadrature
from calcml.results import Estimate, Status, jsonable
from cli_runner import cli, cli_json

X = sp.Symbol("x")
SQRT_PI = math.sqrt(math.pi)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


# --- the library: check_with_antiderivative ----------------------------------------------------

def test_agreement_keeps_the_quadrature_and_gives_the_exact_value():
    est = quadrature(lambda t: t**2, 0, 1)
    check = check_with_antiderivative(est, X**3 / 3, X, 0, 1)
    assert isinstance(check, AntiderivativeCheck)
    assert check.estimate is est and est.ok
    assert check.difference == sp.Rational(1, 3) and check.agree is True and check.message == ""
    assert check.value == pytest.approx(float(mp.quad(lambda t: t**2, [0, 1])), rel=1e-15)


def test_a_wrong_success_is_demoted_with_both_numbers():
    # A quadrature that claims SUCCESS with a value 1% off: the theorem says otherwise.
    claimed = Estimate(0.99 * (math.e - 1), 1e-12, "simpson", Status.SUCCESS, 10)
    check = check_with_antiderivative(claimed, sp.exp(X), X, 0, 1)
    assert check.agree is False
    assert check.estimate.status is Status.NOT_CONVERGED
    assert repr(claimed.value) in check.estimate.message and repr(math.e - 1) in check.estimate.message
    assert check.estimate.error >= 0.01 * (math.e - 1) * 0.99


def test_a_pole_between_the_limits_is_divergence_not_minus_two():
    # F = -1/x gives F(1) - F(-1) = -2, but the integral of 1/x^2 over [-1, 1] diverges.
    claimed = Estimate(-2.0, 1e-12, "adaptive", Status.SUCCESS, 100)
    check = check_with_antiderivative(claimed, -1 / X, X, -1, 1)
    assert check.naive == -2.0 and check.difference is None and check.value is None
    assert check.agree is False
    assert check.estimate.status is Status.INFINITE and not check.estimate.ok
    assert "-2.0 is not the integral" in check.estimate.message and "diverges" in check.estimate.message
    # a quadrature that already failed keeps its own status, and learns why
    failed = quadrature(lambda t: 1 / t**2, -1, 1, method="midpoint", n=1000)
    check = check_with_antiderivative(failed, -1 / X, X, -1, 1)
    assert check.estimate.status is failed.status is Status.NOT_CONVERGED
    assert check.estimate.message.startswith(failed.message) and "diverges" in check.estimate.message


def test_a_finite_jump_of_F_is_taken_out():
    # d/dx atan(1/x) = -1/(1+x^2), but atan(1/x) jumps by pi at 0: F(1) - F(-1) = +pi/2,
    # while the integral of -1/(1+x^2) over [-1, 1] is -pi/2.
    truth = float(mp.quad(lambda t: -1 / (1 + t**2), [-1, 1]))
    assert truth == pytest.approx(-math.pi / 2, rel=1e-15)
    est = quadrature(lambda t: -1 / (1 + t**2), -1, 1)
    check = check_with_antiderivative(est, sp.atan(1 / X), X, -1, 1)
    assert check.naive == pytest.approx(math.pi / 2, rel=1e-15)
    assert check.value == pytest.approx(truth, rel=1e-15) and check.agree is True and check.estimate.ok


@pytest.mark.parametrize("F, a, b, truth", [
    (X * sp.log(X) - X, 0, 1, -1.0),                       # F(0) undefined: its one-sided limit is 0
    (sp.sqrt(sp.pi) * sp.erf(X) / 2, "-inf", 38, SQRT_PI),  # a limit at an infinite end
    (2 * sp.sqrt(X), 0, 1, 2.0),                            # an integrable singularity of f at the end
    (-sp.cos(X), "pi", 0, -2.0),                            # reversed limits, given as text
])
def test_limits_at_the_ends(F, a, b, truth):
    f = sp.lambdify(X, sp.diff(F, X), "numpy")
    lo = -math.inf if a == "-inf" else (math.pi if a == "pi" else a)
    est = quadrature(f, lo, b)
    check = check_with_antiderivative(est, F, X, a, b)
    assert check.value == pytest.approx(truth, rel=1e-14)
    assert check.agree is True and check.estimate.ok


def test_F_not_defined_between_the_limits_is_not_used():
    # SymPy's log(x) for 1/x is not real on [-1, 0): no difference, and no claim either way
    est = quadrature(lambda t: 1 / t, -1, 2)
    check = check_with_antiderivative(est, sp.log(X), X, -1, 2)
    assert check.difference is None and check.agree is None and "not used" in check.message
    assert not check.estimate.ok  # the quadrature itself sees the pole


def test_the_check_stays_within_its_time_limit(monkeypatch):
    import time

    import calcml.fundamental as fundamental

    def slow(*args):  # symbolic work that would run for a minute
        time.sleep(60)

    monkeypatch.setattr(fundamental, "_difference", slow)
    est = quadrature(np.cos, 0, 1)
    started = time.monotonic()
    check = check_with_antiderivative(est, sp.sin(X), X, 0, 1, time_limit=0.5)
    assert time.monotonic() - started < 2.5
    assert check.estimate is est and check.agree is None and "within 0.5 s" in check.message


# --- the Python front door ------------------------------------------------------------------

BUMP = "exp(-10^12*(x - 5000.3)^2)"  # width 1e-6 at 5000.3: between every scan point
BUMP_TRUTH = SQRT_PI * 1e-6


def _bump(t):
    return np.exp(-1e12 * (t - 5000.3) ** 2)


def test_front_door_demotes_a_quadrature_that_saw_nothing():
    plain = quadrature(_bump, 0, 10000)
    est = calcml.integral(BUMP, 0, 10000)
    assert est.value == plain.value and abs(est.value - BUMP_TRUTH) > 0.5 * BUMP_TRUTH
    assert est.status is Status.NOT_CONVERGED
    assert str(BUMP_TRUTH)[:14] in est.message and repr(plain.value) in est.message
    # check=False: the quadrature alone, exactly what calcml.integrate.integral says
    assert calcml.integral(BUMP, 0, 10000, check=False) == plain


def test_a_fixed_rule_whose_nodes_step_over_the_mass():
    # Simpson with 10 strips on [-10000, 38]: nodes 1000 apart, all where exp(-x^2) is 0;
    # the Gauss-Legendre check shares those panels. The scan sees the mass.
    est = quadrature(lambda t: np.exp(-t**2), -10000, 38, method="simpson", n=10)
    assert est.status is Status.NOT_CONVERGED and "misses where f's mass is" in est.message
    assert abs(est.value - SQRT_PI) > 1
    assert "singularity" not in est.message  # a narrow bump is not a pole
    # smooth integrands on grids that see them keep their SUCCESS (and the scan agrees)
    est = quadrature(np.exp, 0, 1, method="simpson", n=20)
    assert est.ok and abs(est.value - (math.e - 1)) <= 1e-7 * (math.e - 1)


def test_front_door_divergent_integral_is_never_success():
    for kw in ({}, {"method": "midpoint", "n": 1000}, {"method": "trapezoid", "n": 999}):
        est = calcml.integral("1/x^2", -1, 1, **kw)
        assert not est.ok, kw
        assert "diverges" in est.message, kw


def test_front_door_agreement_and_tolerances():
    est = calcml.integral("exp(x)", 0, 1)
    assert est.ok and est.value == pytest.approx(math.e - 1, rel=1e-13)
    missed = calcml.integral("exp(x)", 0, 1, method="simpson", n=10)
    assert missed.status is Status.NOT_CONVERGED
    assert repr(math.e - 1) in missed.message       # the exact value is added to the message
    assert "n=20" in missed.message                 # and the n that meets the tolerance
    assert calcml.integral("exp(x)", 0, 1, method="simpson", n=20).ok
    assert calcml.integral("exp(x)", 0, 1, method="simpson", n=10, rtol=1e-5).ok
    with pytest.raises(ValueError, match="rtol"):
        calcml.integral("exp(x)", 0, 1, rtol=-1.0)


# --- the command line -----------------------------------------------------------------------

def test_cli_agreement_is_shown(capsys):
    code, out, err = cli(capsys, "integrate", "x^2", "--from", "0", "--to", "1")
    assert code == 0, err
    assert "F(b) \u2212 F(a) = 1/3 = 0.3333333333333333: agrees with the quadrature" in out
    d = cli_json(capsys, "integrate", "x^2", "--from", "0", "--to", "1")
    check = d["antiderivative_check"]
    assert d["status"] == "success" and check["agree"] is True and check["difference"] == "1/3"
    assert check["value"] == pytest.approx(float(mp.quad(lambda t: t**2, [0, 1])), rel=1e-15)


def test_cli_a_quadrature_that_saw_nothing_exits_1_with_both_numbers(capsys):
    d = cli_json(capsys, "integrate", BUMP, "--from", "0", "--to", "10000", code=1)
    assert d["status"] == "not_converged" and d["antiderivative_check"]["agree"] is False
    assert str(BUMP_TRUTH)[:14] in d["message"]
    assert d["antiderivative_check"]["value"] == pytest.approx(BUMP_TRUTH, rel=1e-14)
    code, out, err = cli(capsys, "integrate", BUMP, "--from", "0", "--to", "10000")
    assert code == 1 and str(BUMP_TRUTH)[:14] in out + err and "success" not in out


def test_cli_pole_between_the_limits(capsys):
    d = cli_json(capsys, "integrate", "1/x^2", "--from", "-1", "--to", "1", code=1)
    assert d["status"] != "success"
    check = d["antiderivative_check"]
    assert check["naive"] == -2.0 and check["value"] is None and check["agree"] is False
    assert "-2.0 is not the integral" in d["message"] and "diverges" in d["message"]
    code, out, err = cli(capsys, "integrate", "1/x^2", "--from", "-1", "--to", "1")
    assert code == 1 and "diverges" in out + err


def test_cli_fixed_rule_missing_the_tolerance_says_what_to_do(capsys):
    code, out, err = cli(capsys, "integrate", "exp(x)", "--from", "0", "--to", "1", "--method", "simpson", "--n", "10")
    assert code == 1
    text = out + err
    assert "not_converged" in text and "--n 20" in text and "--rtol" in text and "n=" not in text
    assert repr(math.e - 1) in text
    d = cli_json(capsys, "integrate", "exp(x)", "--from", "0", "--to", "1", "--method", "simpson", "--n", "10",
                 "--rtol", "1e-5")
    assert d["status"] == "success" and d["antiderivative_check"]["agree"] is True
    assert d["value"] == pytest.approx(math.e - 1, rel=1e-5)


def test_cli_without_a_verified_antiderivative_has_no_check(capsys):
    # sin(sin(x)) has no closed form: the quadrature stands alone, and says so by a null check
    d = cli_json(capsys, "integrate", "sin(sin(x))", "--from", "0", "--to", "1")
    assert d["antiderivative_check"] is None
    assert d["value"] == pytest.approx(float(mp.quad(lambda t: mp.sin(mp.sin(t)), [0, 1])), rel=1e-12)


@pytest.mark.parametrize("args", [("--rtol", "-1"), ("--rtol", "0", "--atol", "0"), ("--atol", "nan")])
def test_cli_bad_tolerances_exit_2_naming_the_flag(capsys, args):
    for command in (("integrate", "x", "--from", "0", "--to", "1"), ("diff", "x^2", "--at", "1")):
        code, out, err = cli(capsys, *command, *args)
        assert code == 2, (command, args, out, err)
        assert "--rtol" in err or "--atol" in err, err


def test_cli_diff_passes_the_tolerance_to_the_numeric_lens(capsys, monkeypatch):
    import calcml.numeric as numeric

    seen = []
    real = numeric.numeric_derivative

    def spy(*args, **kwargs):
        seen.append((kwargs.get("rtol"), kwargs.get("atol")))
        return real(*args, **kwargs)

    monkeypatch.setattr(numeric, "numeric_derivative", spy)
    d = cli_json(capsys, "diff", "exp(x)", "--at", "1", "--rtol", "1e-4", "--atol", "1e-12")
    assert seen == [(1e-4, 1e-12)]
    assert d["status"] == "success" and d["value"] == pytest.approx(math.e, rel=1e-4)


def test_cli_help_documents_the_tolerances(capsys):
    from calcml.testing import DEFAULT_ATOL, DEFAULT_RTOL

    for command in ("integrate", "diff"):
        code, out, _ = cli(capsys, command, "--help")
        text = " ".join(out.split())  # help text is wrapped
        assert code == 0 and "--rtol" in text and "--atol" in text
        for name, value in (("RTOL", DEFAULT_RTOL), ("ATOL", DEFAULT_ATOL)):
            shown = re.search(rf"default ([0-9.e+-]+), calcml.testing.DEFAULT_{name}", text)
            assert shown and float(shown.group(1)) == value, (command, name, text)


def test_json_of_the_check_is_the_one_encoder():
    check = check_with_antiderivative(quadrature(np.exp, 0, 1), sp.exp(X), X, 0, 1)
    d = jsonable(check)
    assert d["difference"] == "-1 + E" and d["agree"] is True and d["estimate"]["status"] == "success"
    assert json.loads(json.dumps(check.to_dict())) == d


def test_sympy_failing_inside_the_check_leaves_the_quadrature_alone(monkeypatch):
    import calcml.fundamental as fundamental
    from sympy.core.function import PoleError

    def fails(*args):
        raise PoleError("no series here")

    monkeypatch.setattr(fundamental, "_difference", fails)
    est = quadrature(np.cos, 0, 1)
    check = check_with_antiderivative(est, sp.sin(X), X, 0, 1)
    assert check.estimate is est and check.agree is None and "PoleError" in check.message


@pytest.mark.parametrize("seed", range(5))
def test_polynomials_agree_with_numpy_polyint(seed):
    rng = np.random.default_rng(seed)
    coefs = rng.integers(-5, 6, size=rng.integers(2, 7)).astype(float)
    a, b = sorted(rng.uniform(-3, 3, size=2))
    F_np = np.polyint(coefs)
    truth = float(np.polyval(F_np, b) - np.polyval(F_np, a))
    F = sum(int(c) * X ** (len(coefs) - i) / (len(coefs) - i) for i, c in enumerate(coefs))
    est = quadrature(lambda t: np.polyval(coefs, t), a, b)
    check = check_with_antiderivative(est, F, X, a, b)
    assert check.value == pytest.approx(truth, rel=1e-12, abs=1e-12)
    assert check.agree is True and check.estimate.ok
