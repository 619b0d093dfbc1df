"""The command line, through its real entry point ``calcml.cli.main``.

Most tests call ``main([...])`` in-process (that is where exceptions become exit
codes) and read stdout/stderr with capsys; a few start real processes
(``python -m calcml`` and the installed ``calcml`` script). Every number a
command prints is checked against an independent truth: SymPy's own ``diff``
and ``hessian``, SciPy's ``quad``, ``math`` for closed forms.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

import calcml
from calcml.course import catalog
from cli_runner import cli, cli_json

X, Y = sp.symbols("x y")
COMMANDS = ("diff", "integrate", "grad", "jacobian", "hessian", "steepest",
            "lessons", "lesson", "exercise", "check", "course")
SRC = str(Path(calcml.__file__).resolve().parents[1])


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    # rich wraps at 80 columns when it is not writing to a terminal; a wide
    # console keeps each printed result on one line for the assertions.
    monkeypatch.setenv("COLUMNS", "200")


def same(a: str, b) -> bool:
    """True when the SymPy text `a` is the same function as `b` (a SymPy expression)."""
    return sp.simplify(sp.sympify(a, locals={"x": X, "y": Y}) - b) == 0


def assert_png(path: Path) -> None:
    assert path.is_file(), path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert float(np.ptp(img[..., :3])) > 0.1, "the figure is blank"


def error_line(err: str) -> str:
    """The one 'error: ...' line of stderr (and check there is exactly one, without a traceback)."""
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- diff ---------------------------------------------------------------------------------

CUBIC = X**3 - 2 * X**2 + 1
DIFF_KEYS = {"input", "variable", "order", "derivative", "latex", "steps"}
AT_KEYS = {"at", "value", "error", "method", "status", "evaluations", "message", "exact", "agree", "lenses"}


def test_diff_text(capsys):
    code, out, err = cli(capsys, "diff", "x^3 - 2x^2 + 1")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("f(x) = ") and same(lines[0][len("f(x) = "):], CUBIC)
    assert lines[1].startswith("f'(x) = ") and same(lines[1][len("f'(x) = "):], sp.diff(CUBIC, X))


def test_diff_json_keys_as_documented(capsys):
    d = cli_json(capsys, "diff", "x^3 - 2x^2 + 1")
    assert set(d) == DIFF_KEYS
    assert d["input"] == "x^3 - 2x^2 + 1" and d["variable"] == "x" and d["order"] == 1
    assert same(d["derivative"], sp.diff(CUBIC, X))
    assert d["latex"] == sp.latex(sp.sympify(d["derivative"]))
    for row in d["steps"]:
        assert set(row) == {"rule", "expression", "result", "depth"}
    d = cli_json(capsys, "diff", "x^3 - 2x^2 + 1", "--at", "2")
    assert set(d) == DIFF_KEYS | AT_KEYS


def test_diff_steps_text_ends_in_the_derivative(capsys):
    code, out, _ = cli(capsys, "diff", "x^3 - 2x^2 + 1", "--steps")
    assert code == 0
    lines = out.splitlines()
    i = lines.index("Steps")
    tree = lines[i + 1:]
    # the root: the sum rule turning the whole cubic into its derivative
    rule, _, rest = tree[0].lstrip("└── ").partition(": ")
    before, after = rest.split("  →  ")
    assert rule == "sum" and same(before, CUBIC) and same(after, 3 * X**2 - 4 * X)
    assert after.strip() == "3*x**2 - 4*x"
    for rule in ("power", "constant multiple", "constant"):
        assert any(f" {rule}: " in ln for ln in tree[1:]), rule


@pytest.mark.parametrize("text", ["x^3 - 2x^2 + 1", "sin(x^2)*exp(x)", "log(x)/x"])
def test_diff_json_steps_are_true_derivatives(capsys, text):
    # Each step claims d/dx(expression) = result; SymPy checks every claim on its own.
    d = cli_json(capsys, "diff", text)
    assert d["steps"][0]["depth"] == 0
    assert same(d["steps"][0]["result"], sp.diff(sp.sympify(d["steps"][0]["expression"]), X))
    checked = 0
    for row in d["steps"]:
        e = sp.sympify(row["expression"])
        if e.free_symbols <= {X}:  # chain-rule outer steps are in u, not x
            assert same(row["result"], sp.diff(e, X)), row
            checked += 1
    assert checked >= 2
    depths = [row["depth"] for row in d["steps"]]
    assert all(b <= a + 1 for a, b in zip(depths, depths[1:])), "not depth first"


def test_diff_exp_at_30(capsys):
    d = cli_json(capsys, "diff", "exp(x)", "--at", "30")
    truth = math.exp(30)
    assert d["status"] == "success" and d["agree"] is True
    assert abs(d["value"] / truth - 1) <= 1e-12
    assert abs(d["exact"] / truth - 1) <= 1e-12
    assert d["at"] == 30.0 and d["evaluations"] > 0 and d["error"] >= 0


def test_diff_text_at_point(capsys):
    code, out, _ = cli(capsys, "diff", "sin(x)", "--at", "pi/3")
    assert code == 0
    assert "at x = 1.0472" in out and "agree: yes" in out


def test_diff_second_order(capsys):
    d = cli_json(capsys, "diff", "x^3 - 2x^2 + 1", "--order", "2", "--at", "1.5")
    second = sp.diff(CUBIC, X, 2)
    assert d["order"] == 2 and same(d["derivative"], second)
    assert abs(d["value"] - float(second.subs(X, 1.5))) < 1e-6
    code, out, _ = cli(capsys, "diff", "sin(x)", "--order", "2")
    assert code == 0 and "f''(x) = -sin(x)" in out


def test_diff_forward_method(capsys):
    d = cli_json(capsys, "diff", "sin(x)", "--at", "1", "--method", "forward")
    assert d["method"] == "forward" and d["status"] == "success"
    # a forward difference is only first-order accurate: close, but not to the last digit
    assert abs(d["value"] - math.cos(1)) < 1e-6


def test_diff_kink_is_not_differentiable(capsys):
    code, out, err = cli(capsys, "diff", "abs(x)", "--at", "0", "--json")
    assert code == 1
    d = json.loads(out)
    assert d["status"] == "not_differentiable" and d["agree"] is False
    assert "kink" in d["message"] and err == ""  # the message once, in the JSON object


@pytest.mark.parametrize("text, at", [("log(x)", "-1"), ("1/x", "0"), ("sqrt(x)", "-1"), ("exp(x)", "1000")])
def test_diff_outside_the_domain_fails_cleanly(capsys, text, at):
    code, out, err = cli(capsys, "diff", text, "--at", at, "--json")
    assert code == 1
    d = json.loads(out)  # still valid JSON (no bare NaN or Infinity)
    assert d["status"] != "success" and d["agree"] is False
    assert d["message"] and "internal error" not in d["message"] and err == ""


def test_diff_log_at_minus_one_text(capsys):
    code, out, err = cli(capsys, "diff", "log(x)", "--at", "-1")
    assert code == 1
    assert "agree: NO" in out
    assert "outside the domain" not in out and err.count("outside the domain") == 1  # the message once


def test_diff_undefined_exact_value(capsys):
    # The rules give -1/x**2, which has no value at 0: the JSON says null, the text says so.
    d = cli_json(capsys, "diff", "1/x", "--at", "0", code=1)
    assert d["exact"] is None
    code, out, _ = cli(capsys, "diff", "1/x", "--at", "0")
    assert code == 1 and "symbolic undefined at this point" in out


def test_diff_other_variable(capsys):
    code, out, _ = cli(capsys, "diff", "sin(x)*y", "--var", "y")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("f(y) = ") and same(lines[0][len("f(y) = "):], sp.sin(X) * Y)
    assert lines[1] == "f'(y) = sin(x)"


def test_diff_plot(capsys, tmp_path):
    png = tmp_path / "d.png"
    d = cli_json(capsys, "diff", "x^3 - 2x^2 + 1", "--plot", str(png))
    assert d["plot"] == str(png)
    assert_png(png)
    png2 = tmp_path / "sub" / "e.png"  # calcml creates no folder for a figure: refused, nothing written
    code, out, err = cli(capsys, "diff", "sin(x)", "--plot", str(png2))
    assert code == 2 and out == "" and "does not exist; create it first" in err and not png2.parent.exists()
    png2.parent.mkdir()
    code, out, _ = cli(capsys, "diff", "sin(x)", "--plot", str(png2))
    assert code == 0 and f"figure written to {png2}" in out
    assert_png(png2)


def test_diff_plot_must_be_png(capsys, tmp_path):
    code, out, err = cli(capsys, "diff", "x", "--plot", str(tmp_path / "f.txt"))
    assert code == 2 and out == ""
    assert "--plot must name a .png file" in error_line(err)
    assert list(tmp_path.iterdir()) == []


# --- integrate ----------------------------------------------------------------------------

INT_KEYS = {"input", "variable", "antiderivative", "latex", "verified", "steps"}
DEF_KEYS = {"from", "to", "value", "error", "method", "status", "evaluations", "message", "antiderivative_check"}


def test_integrate_text(capsys):
    code, out, _ = cli(capsys, "integrate", "3x^2 - 4x")
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("∫ 3*x**2 - 4*x dx = ") and first.endswith(" + C")
    F = first[len("∫ 3*x**2 - 4*x dx = "):-len(" + C")]
    assert same(str(sp.diff(sp.sympify(F), X)), 3 * X**2 - 4 * X)
    assert "verified by differentiation: yes" in out
    assert "power rule: x  →  x**2/2" in out


def test_integrate_json_keys(capsys):
    d = cli_json(capsys, "integrate", "3x^2 - 4x")
    assert set(d) == INT_KEYS
    assert d["verified"] is True
    assert same(str(sp.diff(sp.sympify(d["antiderivative"]), X)), 3 * X**2 - 4 * X)
    d = cli_json(capsys, "integrate", "3x^2 - 4x", "--from", "0", "--to", "2")
    assert set(d) == INT_KEYS | DEF_KEYS
    assert abs(d["value"] - 0.0) < 1e-12  # x^3 - 2x^2 from 0 to 2 = 8 - 8


@pytest.mark.parametrize("text, f, a, b", [
    ("exp(-x)*cos(3x)", lambda t: math.exp(-t) * math.cos(3 * t), "0", "2"),
    ("exp(-x^2)", lambda t: math.exp(-t * t), "-1", "2"),
    ("1/(1 + x^2)", lambda t: 1 / (1 + t * t), "-1", "3"),
    ("sqrt(x)", math.sqrt, "0", "4"),
])
def test_integrate_definite_against_quad(capsys, text, f, a, b):
    d = cli_json(capsys, "integrate", text, "--from", a, "--to", b)
    truth, _ = quad(f, float(a), float(b), epsabs=1e-14, epsrel=1e-13)
    assert d["status"] == "success" and d["method"] == "adaptive"
    assert abs(d["value"] - truth) <= 1e-9 * max(1.0, abs(truth))


def test_integrate_fixed_rule(capsys):
    d = cli_json(capsys, "integrate", "sin(x)", "--from", "0", "--to", "pi", "--method", "simpson", "--n", "64")
    assert d["method"] == "simpson" and d["to"] == pytest.approx(math.pi)
    # Simpson's error bound (b-a) h^4 max|f''''| / 180 with h = pi/64
    assert abs(d["value"] - 2.0) <= math.pi * (math.pi / 64) ** 4 / 180 * 1.01
    assert d["value"] != 2.0


def test_integrate_table(capsys):
    d = cli_json(capsys, "integrate", "exp(x)", "--from", "0", "--to", "1", "--table")
    assert set(d) == INT_KEYS | DEF_KEYS | {"table", "exact", "exact_source"}
    assert abs(d["exact"] - (math.e - 1)) < 1e-14
    rows = d["table"]
    assert rows and all(set(r) == {"method", "n", "value", "error", "order"} for r in rows)
    by = {}
    for r in rows:
        assert abs(r["error"] - abs(r["value"] - (math.e - 1))) <= 1e-15 + 1e-9 * r["error"]
        by.setdefault(r["method"], []).append(r)
    # the observed orders of convergence are the textbook ones (while above round-off)
    for method, order in (("left", 1), ("trapezoid", 2), ("simpson", 4)):
        orders = [r["order"] for r in by[method] if r["order"] is not None and r["error"] > 1e-11]
        assert orders and all(abs(o - order) < 0.1 for o in orders), (method, orders)
        errors = [r["error"] for r in by[method]]
        assert errors[-1] < errors[0]
    code, out, _ = cli(capsys, "integrate", "exp(x)", "--from", "0", "--to", "1", "--table")
    assert code == 0 and "Convergence (exact value" in out and "simpson" in out


def test_integrate_without_closed_form(capsys):
    code, out, err = cli(capsys, "integrate", "sin(sin(x))")
    assert code == 1 and err == ""  # the note once, on stdout
    assert out.startswith("no closed form found for ∫ sin(sin(x)) dx")
    d = cli_json(capsys, "integrate", "sin(sin(x))", code=1)
    assert d["antiderivative"] is None and d["note"].startswith("no closed form")
    d = cli_json(capsys, "integrate", "sin(sin(x))", "--from", "0", "--to", "1")
    assert d["antiderivative"] is None and "no closed form" in d["note"]
    truth, _ = quad(lambda t: math.sin(math.sin(t)), 0, 1, epsabs=1e-14)
    assert abs(d["value"] - truth) < 1e-10
    code, out, _ = cli(capsys, "integrate", "sin(sin(x))", "--from", "0", "--to", "1")
    assert code == 0 and "no closed form" in out and "∫ from 0 to 1 = 0.43060610" in out


def test_integrate_failure_is_exit_1(capsys):
    d = cli_json(capsys, "integrate", "1/x", "--from", "-1", "--to", "1", code=1)
    assert d["status"] != "success"


def test_integrate_plot(capsys, tmp_path):
    png = tmp_path / "i.png"
    d = cli_json(capsys, "integrate", "3x^2 - 4x", "--from", "-2", "--to", "3", "--plot", str(png))
    assert d["plot"] == str(png)
    assert_png(png)


def test_integrate_limit_errors(capsys):
    code, out, err = cli(capsys, "integrate", "x", "--from", "0")
    assert code == 2 and "give both --from and --to for a definite integral" in error_line(err)
    code, out, err = cli(capsys, "integrate", "x", "--to", "1")
    assert code == 2 and "give both --from and --to" in error_line(err)
    code, out, err = cli(capsys, "integrate", "x", "--table")
    assert code == 2 and "--table needs --from and --to" in error_line(err)
    code, out, err = cli(capsys, "integrate", "x", "--from", "0", "--to", "oops")
    assert code == 2 and error_line(err).startswith("error: --to: unknown name 'oops'")
    code, out, err = cli(capsys, "integrate", "x", "--from", "0", "--to", "1", "--method", "bogus")
    assert code == 2 and "unknown method 'bogus'" in error_line(err)


# --- grad, steepest, jacobian, hessian ------------------------------------------------------

def test_grad_three_lenses(capsys):
    d = cli_json(capsys, "grad", "x^2 + y^3", "--at", "2,3")
    f = X**2 + Y**3
    truth = [float(sp.diff(f, v).subs({X: 2, Y: 3})) for v in (X, Y)]
    assert truth == [4.0, 27.0]
    assert {"gradient", "value", "lenses", "agree"} <= set(d)
    assert set(d) <= {"kind", "variables", "gradient", "expressions", "at", "value", "lenses", "agree"}
    assert d["variables"] == ["x", "y"] and d["at"] == [2.0, 3.0] and d["agree"] is True
    assert [same(g, sp.diff(f, v)) for g, v in zip(d["gradient"], (X, Y))] == [True, True]
    assert np.allclose(d["value"], truth, rtol=1e-12, atol=0)
    assert set(d["lenses"]) == {"symbolic", "numeric", "automatic"}
    for name, lens in d["lenses"].items():
        assert {"status", "value", "method"} <= set(lens) <= {"lens", "status", "value", "error", "expressions",
                                                                "method", "message"}
        assert lens["status"] == "success", name
        assert np.allclose(lens["value"], truth, rtol=1e-9, atol=1e-12), name


def test_grad_text(capsys):
    code, out, _ = cli(capsys, "grad", "x^2 + y^3", "--at", "2,3")
    assert code == 0
    assert "∇f = [2*x, 3*y**2]" in out
    for line in ("symbolic  [4, 27]  [exact]", "numeric   [4, 27]  [complex]",
                 "automatic [4, 27]  [reverse mode]", "lenses agree: yes"):
        assert line in out


def test_grad_text_keeps_brackets(capsys):
    # [y, x] looks like a rich style tag; it must be printed, not swallowed
    code, out, _ = cli(capsys, "grad", "x*y")
    assert code == 0 and out.strip() == "∇f = [y, x]"


def test_grad_single_lens_and_plot(capsys, tmp_path):
    d = cli_json(capsys, "grad", "x*y", "--at", "1,2", "--lens", "automatic")
    assert set(d["lenses"]) == {"automatic"} and d["value"] == [2.0, 1.0]
    png = tmp_path / "g.png"
    code, out, _ = cli(capsys, "grad", "x^2 + y^3", "--at", "2,3", "--plot", str(png))
    assert code == 0 and f"figure written to {png}" in out
    assert_png(png)


def test_grad_bad_points(capsys):
    code, _, err = cli(capsys, "grad", "x*y", "--at", "1")
    assert code == 2 and "--at needs 2 coordinates; got 1" in error_line(err)
    code, _, err = cli(capsys, "grad", "x*y", "--at", "1,abc")
    assert code == 2 and error_line(err).startswith("error: --at, coordinate 2: unknown name 'abc' at position 1")
    code, _, err = cli(capsys, "grad", "x*y", "--at", "1,inf")
    assert code == 2 and error_line(err) == "error: --at, coordinate 2 must be a finite number, got 'inf'"
    code, _, err = cli(capsys, "grad", "x*y", "--lens", "bogus")
    assert code == 2 and "lens must be one of" in error_line(err)
    code, _, err = cli(capsys, "grad", "x^2", "--at", "1", "--plot", "g.png")
    assert code == 2 and "--plot draws functions of two variables" in error_line(err)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_grad_pole_is_exit_1(capsys):
    d = cli_json(capsys, "grad", "1/x + y", "--at", "0,1", code=1)
    assert any(lens["status"] != "success" for lens in d["lenses"].values())


def test_steepest(capsys):
    d = cli_json(capsys, "steepest", "x^2+y^2", "--at", "1,1")
    assert set(d) == {"angle_deg", "rate", "gradient", "gradient_angle_deg", "gradient_norm",
                      "resolution_deg", "agree", "convention", "message"}
    assert abs(d["angle_deg"] - 45) <= d["resolution_deg"]
    assert abs(d["gradient_angle_deg"] - 45) < 1e-9
    assert abs(d["rate"] - 2 * math.sqrt(2)) < 1e-6
    assert abs(d["gradient_norm"] - 2 * math.sqrt(2)) < 1e-9
    assert np.allclose(d["gradient"], [2, 2]) and d["agree"] is True and d["message"] == ""
    code, out, _ = cli(capsys, "steepest", "x^2+y^2", "--at", "1,1")
    assert code == 0 and out.startswith("steepest ascent at 45 degrees")


def test_steepest_asymmetric(capsys, tmp_path):
    # the gradient of x^2 + y^3 at (2, 3) is (4, 27): atan2(27, 4) = 81.57 degrees
    png = tmp_path / "s.png"
    d = cli_json(capsys, "steepest", "x^2 + y^3", "--at", "2,3", "--resolution", "0.05", "--plot", str(png))
    assert abs(d["angle_deg"] - math.degrees(math.atan2(27, 4))) <= 0.05
    assert d["resolution_deg"] == 0.05 and d["plot"] == str(png)
    assert_png(png)


def test_steepest_errors(capsys):
    code, _, err = cli(capsys, "steepest", "x+y+z", "--at", "1,1,1")
    assert code == 2 and "needs 2 variables, got 3" in error_line(err)
    code, _, err = cli(capsys, "steepest", "x^2+y^2")
    assert code == 2 and "Missing option '--at'" in err


def test_jacobian(capsys):
    d = cli_json(capsys, "jacobian", "2*x*y", "x^2*y")
    assert d["jacobian"] == [["2*y", "2*x"], ["2*x*y", "x**2"]]
    F = sp.Matrix([2 * X * Y, X**2 * Y])
    J = F.jacobian([X, Y])
    assert all(same(d["jacobian"][i][j], J[i, j]) for i in range(2) for j in range(2))
    d = cli_json(capsys, "jacobian", "2*x*y", "x^2*y", "--at", "1,2")
    truth = np.array(J.subs({X: 1, Y: 2}), dtype=float)
    assert d["agree"] is True and np.allclose(d["value"], truth, rtol=1e-10)
    code, out, _ = cli(capsys, "jacobian", "2*x*y", "x^2*y")
    assert code == 0 and out.strip() == "J = [[2*y, 2*x], [2*x*y, x**2]]"


def test_hessian(capsys):
    f = X**2 * Y + Y**3
    H = sp.hessian(f, (X, Y))
    d = cli_json(capsys, "hessian", "x^2*y + y^3", "--at", "2,3")
    assert all(same(d["hessian"][i][j], H[i, j]) for i in range(2) for j in range(2))
    assert d["agree"] is True
    assert np.allclose(d["value"], np.array(H.subs({X: 2, Y: 3}), dtype=float), rtol=1e-8)
    code, out, _ = cli(capsys, "hessian", "x*y*z")
    assert code == 0 and out.strip() == "H = [[0, z, y], [z, 0, x], [y, x, 0]]"


# --- the course -----------------------------------------------------------------------------

def test_lessons(capsys):
    d = cli_json(capsys, "lessons")
    rows = d["lessons"]
    assert [r["number"] for r in rows] == list(catalog.LESSONS)
    for r in rows:
        info = catalog.LESSONS[r["number"]]
        assert r["title"] == info.title and r["available"] == info.available
        assert r["summary"] and (info.available or r["summary"] == "not available yet")
    code, out, _ = cli(capsys, "lessons")
    assert code == 0 and "Run one with: calcml lesson N" in out
    for info in catalog.LESSONS.values():
        assert info.title in out


def test_lesson_one(capsys, tmp_path):
    code, out, err = cli(capsys, "lesson", "1", "--out", str(tmp_path))
    assert code == 0, err
    pngs = sorted((tmp_path / "lesson-01").glob("*.png"))
    assert pngs and sorted(p.name for p in tmp_path.iterdir()) == [".calcml-report.json", "lesson-01"]
    for png in pngs:
        assert f"figure {png}" in out
        assert_png(png)
    assert "Lesson 1: Differential calculus" in out
    assert "✗" not in out and "erratum" in out and "calcml exercise 1.1" in out
    assert "d/dx[x**3 - 2*x**2 + 1] = 3*x**2 - 4*x" in out  # steps printed, not eaten as markup


def test_lesson_errors(capsys, monkeypatch):
    code, out, err = cli(capsys, "lesson", "99")
    assert code == 2 and out == ""
    # the library's message names no command; the CLI may add its own pointer (calcml lessons)
    assert error_line(err).startswith("error: there is no lesson 99; the lessons are "
                                      + ", ".join(map(str, catalog.LESSONS)))
    code, _, err = cli(capsys, "lesson", "abc")
    assert code == 2 and "Invalid value for 'number'" in err
    # every lesson of the course is written; a catalog entry without a module is still refused clearly
    n = 7
    monkeypatch.setitem(catalog.LESSONS, n, catalog.LessonInfo(n, "Support vector machine", None))
    code, _, err = cli(capsys, "lesson", str(n))
    assert code == 2
    assert f"lesson {n} ({catalog.LESSONS[n].title}) is not available yet; available: " in error_line(err)


def test_exercise(capsys):
    code, out, _ = cli(capsys, "exercise", "1.1")
    assert code == 0
    assert "Exercise 1.1: Differentiate a cubic" in out and "x^3 - 2x^2 + 1" in out
    assert 'Check your answer: calcml check 1.1 "YOUR ANSWER"' in out
    d = cli_json(capsys, "exercise", "39.2")
    assert set(d) == {"id", "lesson", "title", "prompt", "kind", "answer_format", "hint", "check"}
    assert d["id"] == "39.2" and d["lesson"] == 39 and d["kind"] == "vector"
    code, out, err = cli(capsys, "exercise", "9.9")
    assert code == 2 and out == ""
    assert error_line(err).startswith("error: unknown exercise '9.9'; the exercises are 1.1, 2.1")


def test_check_right_and_wrong(capsys):
    code, out, _ = cli(capsys, "check", "1.1", "3x^2 - 4x")
    assert code == 0 and out.splitlines()[0] == "correct"
    code, out, _ = cli(capsys, "check", "1.1", "3x^2 - 4")
    assert code == 1
    assert out.splitlines()[0] == "not right yet"
    assert "the term -2x^2 should give -4x" in out  # the feedback names the term
    code, out, _ = cli(capsys, "check", "2.1", "x^3 - 2x^2 + 7")
    assert code == 0 and out.startswith("correct")
    code, out, _ = cli(capsys, "check", "39.2", "(12, 31)")
    assert code == 0


def test_check_json(capsys):
    d = cli_json(capsys, "check", "1.1", "3x^2 - 4", "--reveal", code=1)
    assert set(d) == {"id", "correct", "feedback", "expected"}
    assert d["id"] == "1.1" and d["correct"] is False and "-2x^2" in d["feedback"]
    assert same(str(calcml.parse(d["expected"])), sp.diff(CUBIC, X))
    d = cli_json(capsys, "check", "1.1", "3x^2 - 4x")
    assert set(d) == {"id", "correct", "feedback"} and d["correct"] is True
    code, out, _ = cli(capsys, "check", "1.1", "3x^2 - 4", "--reveal")
    assert code == 1 and "expected: 3x^2 - 4x" in out


def test_check_errors(capsys):
    code, out, err = cli(capsys, "check", "9.9", "x")
    assert code == 2 and "unknown exercise '9.9'" in error_line(err)
    code, out, err = cli(capsys, "check", "39.2", "1,2,3")
    assert code == 2 and "expected 2 numbers, got 3" in error_line(err)
    code, out, err = cli(capsys, "check", "1.1")
    assert code == 2 and "Missing argument" in err


def test_course(capsys, tmp_path, monkeypatch):
    # The whole course is run (and checked) by tests/test_course_lessons.py; here
    # only the command's wiring is under test, so the catalog is cut to the Day 39
    # set and one lesson that is not available (which the course must skip).
    small = {n: catalog.LESSONS[n] for n in (39,)}
    small[7] = catalog.LessonInfo(7, "Support vector machine", None)
    monkeypatch.setattr(catalog, "LESSONS", small)
    out_dir = tmp_path / "report"
    code, out, err = cli(capsys, "course", "--out", str(out_dir))
    assert code == 0, err
    index = out_dir / "index.html"
    assert index.is_file() and "Day 39" in index.read_text(encoding="utf-8")
    assert f"report written to {index.resolve()}" in out
    assert "lesson 39: " not in out and "report written to" in out  # piped: no progress lines
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_course_out_is_a_file(capsys, tmp_path):
    f = tmp_path / "taken"
    f.write_text("mine")
    code, _, err = cli(capsys, "course", "--out", str(f))
    assert code == 2 and "is a file, not a folder; choose a folder for the report" in error_line(err)
    assert f.read_text() == "mine"


# --- bad input, usage errors, the error channel -----------------------------------------------

ATTACKS = {
    "import": "__import__('os').system('touch {dir}/pwned')",
    "power tower": "9**9**9**9",
    "deep parentheses": "(" * 500 + "x" + ")" * 500,
    "long text": "x+" * 1500,
    "attribute chain": "x.__class__.__bases__[0].__subclasses__()",
    "dunder": "().__class__",
    "lambda": "lambda: 1",
}


@pytest.fixture(scope="module")
def _warm():
    # import the heavy modules once, so the time guard below measures the refusal only
    import calcml.course.grading  # noqa: F401
    import calcml.derivatives  # noqa: F401
    import calcml.multivariate  # noqa: F401


@pytest.mark.parametrize("command", [["diff"], ["integrate"], ["grad"], ["check", "1.1"]], ids=" ".join)
@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_input_is_refused(capsys, tmp_path, monkeypatch, _warm, command, name):
    monkeypatch.chdir(tmp_path)
    text = ATTACKS[name].format(dir=tmp_path)
    t0 = time.perf_counter()
    code, out, err = cli(capsys, *command, text)
    elapsed = time.perf_counter() - t0
    assert code == 2
    assert out == ""
    assert error_line(err).startswith("error: ")
    assert err.splitlines()[0].startswith("error: ")  # the message comes first, its pointer after
    assert list(tmp_path.iterdir()) == []  # nothing created, pwned included
    assert elapsed < 3.0, f"refusing {name!r} took {elapsed:.1f} s"  # a guard against hangs


def test_verbose_shows_the_traceback(capsys):
    code, _, err = cli(capsys, "--verbose", "diff", "__import__('os')")
    assert code == 2 and "Traceback" in err and "ExpressionError" in err
    assert [ln for ln in err.splitlines() if ln.startswith("error: ")][0].startswith("error: unexpected character")


def test_unexpected_error_is_one_line(capsys, monkeypatch):
    import calcml.derivatives

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(calcml.derivatives, "derivative", boom)
    code, out, err = cli(capsys, "diff", "x")
    assert code == 1 and out == ""
    assert error_line(err) == ("error: internal error: RuntimeError: boom "
                               "(run with --verbose for the traceback)")
    code, _, err = cli(capsys, "-v", "diff", "x")
    assert code == 1 and "Traceback" in err and "RuntimeError: boom" in err


def test_bad_points(capsys):
    code, _, err = cli(capsys, "diff", "x", "--at", "abc")
    assert code == 2 and error_line(err).startswith("error: --at: unknown name 'abc' at position 1")
    code, _, err = cli(capsys, "diff", "x", "--at", "1e400")
    assert code == 2 and error_line(err) == "error: --at must be a finite number, got '1e400'"
    code, _, err = cli(capsys, "diff", "x", "--at", "1,2")
    assert code == 2 and error_line(err).startswith("error: --at: unexpected ','")
    code, _, err = cli(capsys, "diff", "x*y")
    assert code == 2 and "expression has variables x, y; pass --var ... (one of x, y)" in error_line(err)
    code, _, err = cli(capsys, "diff", "x", "--at", "1", "--method", "bogus")
    assert code == 2 and "--method must be one of 'forward'" in error_line(err)


@pytest.mark.parametrize("args, message", [
    (["diff", "x", "--bogus"], "No such option: --bogus"),
    (["diff"], "Missing argument 'EXPR'"),
    (["nosuchcommand"], "No such command 'nosuchcommand'"),
    (["diff", "x", "--order", "0"], "Invalid value for '--order'"),
    (["integrate", "x", "--from", "0", "--to", "1", "--n", "0"], "Invalid value for '--n'"),
])
def test_usage_errors(capsys, args, message):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_no_arguments_shows_help(capsys):
    code, out, err = cli(capsys)
    assert code in (0, 2)  # click's no_args_is_help exits 0 or 2 depending on its version
    assert all(c in out + err for c in COMMANDS)


def test_version(capsys):
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"calcml {calcml.__version__}"


# --- real processes ---------------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


def test_python_m_calcml_help():
    p = subprocess.run([sys.executable, "-m", "calcml", "--help"], capture_output=True, text=True,
                       env=_env(), timeout=60)
    assert p.returncode == 0, p.stderr
    for c in COMMANDS:
        assert f"  {c} " in p.stdout, c


def test_python_m_calcml_exit_codes():
    p = subprocess.run([sys.executable, "-m", "calcml", "diff", "__import__('os').system('x')"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("error: unexpected character") and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "calcml", "check", "1.1", "3x^2 - 4"],
                       capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode == 1 and p.stdout.startswith("not right yet")


def _console_script() -> str | None:
    # prefer the script installed beside this interpreter (a venv need not be on PATH)
    beside = Path(sys.executable).parent / "calcml"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("calcml")


def test_console_script():
    script = _console_script()
    if script is None:
        pytest.skip("the calcml console script is not installed (pip install -e . puts it on PATH)")
    p = subprocess.run([script, "--help"], capture_output=True, text=True, env=_env(), timeout=60)
    assert p.returncode == 0 and all(f"  {c} " in p.stdout for c in COMMANDS)
    p = subprocess.run([script, "diff", "x^3 - 2x^2 + 1", "--json"], capture_output=True, text=True,
                       env=_env(), timeout=60)
    assert p.returncode == 0 and same(json.loads(p.stdout)["derivative"], sp.diff(CUBIC, X))
