"""``calcml critical`` and ``calcml minimize`` through the real entry point."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pytest
from scipy import optimize as so

from calcml.cli import main


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def cli(capsys, *args):
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


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
    (["--from", "1"], "x0 has 1 coordinate(s) but f has 2"),
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
