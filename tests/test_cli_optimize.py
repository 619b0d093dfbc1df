"""``calcml critical`` and ``calcml minimize`` through the real entry point."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy import optimize as so

from cli_runner import cli


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_critical_cubic(capsys):
    code, out, _ = cli(capsys, "critical", "x^3 - 2x^2 + 1")
    assert code == 0
    assert "x = 0" in out and "maximum" in out and "x = 4/3" in out and "minimum" in out
    assert "f''(0) = -4 < 0" in out      # by hand: f'' = 6x - 4


def test_critical_log_explains(capsys):
    code, out, _ = cli(capsys, "critical", "log(x)")
    assert code == 0
    assert "no critical point: f'(x) = 1/x is never 0 on (0, ∞), and x = 0 is outside the domain" in out


def test_critical_json(capsys):
    code, out, _ = cli(capsys, "critical", "x^2 - y^2 + 2y", "--vars", "x,y", "--json")
    d = json.loads(out)
    assert code == 0 and d["complete"] is True and d["variables"] == ["x", "y"]
    (p,) = d["points"]                  # by hand: (2x, -2y + 2) = 0 at (0, 1), H = diag(2, -2)
    assert p["point"] == {"x": "0", "y": "1"} and p["kind"] == "saddle" and p["value"] == "1"
    assert set(d) == {"expression", "variables", "points", "complete", "families", "domain", "message",
                      "numeric_check"}


def test_critical_bad_input_is_exit_2(capsys):
    code, _, err = cli(capsys, "critical", "x^2 +")
    assert code == 2 and "error:" in err


def test_minimize_newton_rosenbrock_json_against_scipy(capsys, tmp_path):
    png = tmp_path / "path.png"
    code, out, _ = cli(capsys, "minimize", "(1 - x)^2 + 100(y - x^2)^2", "--from", "-1.2,1", "--method",
                       "newton", "--plot", str(png), "--json")
    d = json.loads(out)
    ref = so.minimize(so.rosen, [-1.2, 1.0], jac=so.rosen_der, hess=so.rosen_hess, method="Newton-CG",
                      options={"xtol": 1e-12})
    assert code == 0 and d["label"] == "minimum" and d["success"] is True
    assert np.allclose(d["x"], ref.x, atol=1e-8) and d["nit"] <= 30
    assert len(d["path"]) == d["nit"] + 1 and len(d["step_sizes"]) == d["nit"]
    assert d["plot"] == str(png) and mpimg.imread(png).shape[2] in (3, 4)


def test_minimize_saddle_exits_1(capsys):
    code, out, err = cli(capsys, "minimize", "x^2 - y^2", "--from", "1,0", "--method", "gd", "--lr", "0.1")
    assert code == 1 and "saddle" in out and "did not end at a minimum" in err


def test_minimize_divergence_json(capsys):
    code, out, _ = cli(capsys, "minimize", "x^2 + 10y^2", "--from", "1,1", "--method", "gd", "--lr", "0.11",
                       "--json")
    d = json.loads(out)
    assert code == 1 and d["label"] == "diverged" and d["nit"] <= 10


def test_minimize_one_variable_plot(capsys, tmp_path):
    png = tmp_path / "curve.png"
    code, out, _ = cli(capsys, "minimize", "(x - 3)^2", "--from", "0", "--method", "momentum", "--lr", "0.1",
                       "--convention", "heavy_ball", "--plot", str(png))
    assert code == 0 and "minimum" in out and png.exists()


@pytest.mark.parametrize("args, words", [
    (["--from", "1,1", "--method", "sgd"], "method must be one of"),
    (["--from", "1"], "--from has 1 coordinate(s) but f has 2"),   # the option, not the parameter x0
    (["--from", "1,1", "--plot", "out.svg"], "--plot must name a .png file"),
    (["--from", "1,a"], "--from"),
])
def test_minimize_bad_input_is_exit_2(capsys, args, words):
    code, _, err = cli(capsys, "minimize", "x^2 + y^2", *args)
    assert code == 2 and words in err


@pytest.mark.slow
def test_lesson_6_runs_from_the_cli(capsys, tmp_path):
    code, out, _ = cli(capsys, "lesson", "6", "--out", str(tmp_path))
    assert code == 0 and "Optimization" in out and "never 0 on (0, ∞)" in out
    assert (tmp_path / "lesson-06" / "paths.png").exists()


def test_exercise_6_2_check_from_the_cli(capsys):
    code, out, _ = cli(capsys, "check", "6.2", "x = 0")
    assert code == 1 and "not even defined there" in out and "none" not in out.lower().split()
    code, out, _ = cli(capsys, "check", "6.2", "none")
    assert code == 0 and "correct" in out


# --- verdicts that used to be "minimum" with exit 0 -----------------------------------------------------------

@pytest.mark.parametrize("args, label", [
    (("-x^4", "--from", "0"), "maximum"),                              # -d^4 < 0 around 0
    (("x^3", "--from", "0.5", "--method", "newton"), None),            # x^3 has no minimum at all
    (("x^3-3*x*y^2", "--from", "0,0", "--method", "bfgs"), "saddle"),  # monkey saddle: r^3 cos(3 theta)
    (("exp(x)", "--from", "0", "--method", "bfgs"), "not confirmed"),  # inf e^x = 0 is not attained
])
def test_minimize_never_calls_a_non_minimum_a_minimum(capsys, args, label):
    code, out, _ = cli(capsys, "minimize", *args, "--json")
    d = json.loads(out)
    assert code == 1 and d["success"] is False and d["label"] != "minimum"
    if label is not None:
        assert d["label"] == label


# --- messages name the command line's options, not Python parameters -----------------------------------------

def _error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("args, expected, absent", [
    (("minimize", "x^2", "--from", "1", "--lr", "0"), "--lr must be a positive number", "learning_rate"),
    (("minimize", "x^2", "--from", "1", "--tol", "-1"), "--tol must be a positive number", "error: tol"),
    (("minimize", "x^2", "--from", "1", "--momentum", "1"), "--momentum must be in [0, 1)", "error: momentum"),
    (("minimize", "x^2", "--from", "1,2"), "--from has 2 coordinate(s)", "x0"),
    (("minimize", "x^2", "--from", "1", "--lr", "nan"), "--lr must be a finite number", "unknown name"),
    (("minimize", "x^2", "--from", "nan"), "--from must be a finite number", "unknown name"),
    (("steepest", "x^2+y^2", "--at", "1,1", "--resolution", "0"), "--resolution must be between", "resolution_deg"),
    (("steepest", "x^2", "--at", "1"), "calcml steepest sweeps directions", "steepest_ascent"),
    (("train", "--layers", "2,4,1", "--activations", "relu,tanh"), "--activations must end with sigmoid", "loss="),
])
def test_error_messages_name_cli_options(capsys, args, expected, absent):
    code, _, err = cli(capsys, *args)
    line = _error(err)
    assert code == 2 and expected in line and absent not in line, line


def test_critical_flat_function_has_no_spurious_points(capsys):
    # exp(-1/x^2) has no critical point (f' = 2 exp(-1/x^2)/x^3 != 0): no "disagree" next to "complete: yes"
    code, out, _ = cli(capsys, "critical", "exp(-1/x^2)")
    assert code == 0 and "complete: yes" in out and "disagree" not in out and "agree" in out


def test_critical_sinc_is_incomplete_and_skips_the_hole(capsys):
    code, out, _ = cli(capsys, "critical", "sin(x)/x", "--json")
    d = json.loads(out)
    assert code == 0 and d["complete"] is False and "incomplete" in d["message"]
    xs = [p["approx"]["x"] for p in d["points"]]
    assert xs and all(abs(v) > 1 for v in xs)              # no point at the hole x = 0
    assert any(abs(v - 4.493409457909064) < 1e-9 for v in xs)   # tan x = x (tabulated root)
