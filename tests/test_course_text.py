"""The course's text and figures (issue 9 §8, issue 7 §6): through ``calcml lesson N``.

Every lesson here runs through the real entry point ``calcml.cli.main``; the
numbers the text reports are checked against independent truths (NumPy's
cumsum of the course's own running sum, SciPy's cumulative trapezoid, the
error theory of finite differences for e^x, a Hessian written by hand).
"""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid

import calcml.plots.figures as figures
from calcml.cli import main
from calcml.cli._unicode_math import latex_to_unicode, split_math
from calcml.course.content import sections


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one printed result per line for the assertions


@pytest.fixture
def spies(monkeypatch):
    """Record every call of the figure functions the CLI uses, and what they drew."""
    calls = {}
    for name in ("rate_vs_rule_figure", "running_sum_figure", "gradient_field_figure"):
        real = getattr(figures, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            out = _real(*args, **kwargs)
            calls.setdefault(_name, []).append((args, kwargs, out))
            return out

        monkeypatch.setattr(figures, name, spy)
    return calls


def body_lines(out: str) -> list[str]:
    """The lesson's printed lines outside the code panels (which show Python and shell, not math)."""
    return [ln for ln in out.splitlines() if not ln.lstrip().startswith(("│", "╭", "╰"))]


def value_of(out: str, label: str) -> str:
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith(label)]
    return line.split(":", 1)[1].strip()


# ----------------------------------------------------------------------------- lesson 1


@pytest.mark.slow  # lesson 1 takes about 4 s (the step-size study, many numeric derivatives)
def test_lesson_one_figure_best_steps_and_labels(capsys, tmp_path, spies):
    code, out, err = cli(capsys, "lesson", "1", "--out", str(tmp_path))
    assert code == 0, err
    # the figure comes from the CLI's function (the one `calcml diff --plot` uses), once per example
    drawn = [args[0] for args, _, _ in spies["rate_vs_rule_figure"]]
    assert [str(e) for e in drawn] == ["x**2", "x**3 - 2*x**2 + 1"]
    _, _, (left, right) = spies["rate_vs_rule_figure"][1]
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    # the lesson's words: h (not delta), calcml's numeric derivative (not a function name), the rules
    assert legend == ["rate of change, h = 0.0001", "calcml's numeric derivative", "by the rules"]
    assert "by the rate of change" in right.get_title() and "by the rules" in right.get_title()
    assert "f'(x) by the rate of change next to f'(x) by the rules" in out  # the caption says the same
    # the drawn rule is 3x^2 - 4x
    rule = right.get_lines()[2]
    np.testing.assert_allclose(rule.get_ydata(), 3 * rule.get_xdata() ** 2 - 4 * rule.get_xdata(), atol=1e-12)

    # Best steps at x = 30 for e^x against the theory (all derivatives are e^x): forward
    # h* = 2 sqrt(eps (1 + |x|)), central h* = (3 eps (1 + |x|))^(1/3). Within a factor 10.
    eps = np.finfo(float).eps
    best_f = float(value_of(out, "best h for the forward difference").split(";")[0])
    best_c = float(value_of(out, "best h for the central difference").split(";")[0])
    theory_f, theory_c = 2 * math.sqrt(31 * eps), (3 * 31 * eps) ** (1 / 3)
    assert theory_f / 10 < best_f < theory_f * 10
    assert theory_c / 10 < best_c < theory_c * 10
    assert best_c > best_f  # the central V bottoms out at a larger step
    # the theory printed next to them is the theory computed here
    assert f"{theory_f:.1e}" in value_of(out, "best h for the forward difference")
    assert f"{theory_c:.1e}" in value_of(out, "best h for the central difference")
    # the explanation and the numbers agree: the prose gives the same two figures
    prose = sections("lesson01")["stepsize"]
    assert "1.7\\times 10^{-7}" in prose and "2.7\\times 10^{-5}" in prose
    assert f"{theory_f:.1e}" == "1.7e-07" and f"{theory_c:.1e}" == "2.7e-05"


# ----------------------------------------------------------------------------- lesson 2


def test_lesson_two_gaps_are_absolute_and_located(capsys, tmp_path, spies):
    code, out, err = cli(capsys, "lesson", "2", "--out", str(tmp_path))
    assert code == 0, err
    # the running-sum figure comes from the CLI's function (`calcml integrate --plot`)
    assert [str(args[0]) for args, _, _ in spies["running_sum_figure"]] == ["2*x", "3*x**2 - 4*x"]
    assert "relative gap" not in out
    a, b, dx = -10.0, 10.0, 0.1
    for f, F, label in ((lambda x: 2 * x, lambda x: x**2, "2x"),
                        (lambda x: 3 * x**2 - 4 * x, lambda x: x**3 - 2 * x**2, "3x^2 - 4x")):
        # the course's running sum, written here as the course writes it
        x = np.arange(a, b, dx)
        course_gap = np.abs(np.cumsum(f(x) * dx) - (F(x) - F(a)))
        xt = np.linspace(a, b, 201)
        trap_gap = np.abs(cumulative_trapezoid(f(xt), xt, initial=0) - (F(xt) - F(a)))
        lines = [ln for ln in out.splitlines() if "largest absolute gap" in ln]
        shown = [ln for ln in lines if "left running sum" in ln]
        k = int(np.argmax(course_gap))
        assert k == 0  # the course's sum is one strip ahead: it is already f(a) dx at x = a
        assert any(f"{course_gap[k]:.1e} at x = {x[k]:g}" in ln for ln in shown), (label, shown)
        trap = [ln for ln in lines if "trapezoid" in ln]
        assert any(f"{trap_gap.max():.1e}" in ln or trap_gap.max() < 1e-12 for ln in trap), (label, trap)
    # the convergence figure's reference slopes carry the names its caption gives them
    flat = " ".join(out.split())  # a long caption may wrap
    caption = flat[flat.index("convergence-exp.png"):][:400]
    for p, rules in ((1, "Riemann"), (2, "midpoint, trapezoid"), (4, "Simpson")):
        assert f"-{p} ({rules})" in caption


# ----------------------------------------------------------------------------- lesson 3


def test_lesson_three_draws_the_gradient_field_with_the_cli_function(capsys, tmp_path, spies):
    code, out, err = cli(capsys, "lesson", "3", "--out", str(tmp_path))
    assert code == 0, err
    ((args, kwargs, ax),) = spies["gradient_field_figure"]
    assert args[0] == "x^2 + y^3" and kwargs["point"] == (2.0, 3.0)
    assert (tmp_path / "lesson-03" / "gradient-field.png").is_file()


# ----------------------------------------------------------------------------- lesson 4


def test_lesson_four_in_the_terminal(capsys, tmp_path):
    code, out, err = cli(capsys, "lesson", "4", "--out", str(tmp_path))
    assert code == 0, err
    lines = body_lines(out)
    text = "\n".join(lines)
    # no raw or half-eaten LaTeX: no backslash, no $, no ",;" left over from "\,\;"
    assert "\\" not in text and "$" not in text and ",;" not in text
    # the Hessian as a matrix: its rows on consecutive lines, one row each
    k = next(i for i, ln in enumerate(lines) if "H = ⎡ 2y  2x ⎤" in ln)
    assert lines[k + 1].strip() == "⎣ 2x  6y ⎦"
    assert lines[k + 1].index("⎣") == lines[k].index("⎡")  # the brackets line up
    # the prose's display formula: both matrices, rows separated
    k = next(i for i, ln in enumerate(lines) if "J = ⎡ ∂f₁/∂x  ∂f₁/∂y ⎤ = ⎡  2y  2x ⎤" in ln)
    assert "⎣ ∂f₂/∂x  ∂f₂/∂y ⎦   ⎣ 2xy  x² ⎦" in lines[k + 1]
    # the Hessian's values say where they were taken, and are the hand-written Hessian there
    x, y = 2.0, 3.0
    hand = np.array([[2 * y, 2 * x], [2 * x, 6 * y]])  # of x^2 y + y^3
    for lens in ("symbolic", "numeric", "automatic"):
        value = value_of(out, f"{lens} lens at (x, y) = (2, 3)")
        rows = [[float(v) for v in row.split(",")] for row in value.split("✓")[0].strip(" []").split(";")]
        np.testing.assert_allclose(rows, hand, rtol=1e-8)


# ----------------------------------------------------------------------------- lessons 5 and 7


@pytest.mark.slow
@pytest.mark.parametrize("number", [5, 7])
def test_lessons_five_and_seven_print_no_raw_latex(capsys, tmp_path, number):
    code, out, err = cli(capsys, "lesson", str(number), "--out", str(tmp_path))
    assert code == 0, err
    text = "\n".join(body_lines(out))
    assert "\\" not in text and "$" not in text
    if number == 5:
        assert "∂y/∂x = Jᵀ ∂y/∂z" in text
    else:
        assert "subject to" in text and "‖" in text and "Σᵢ αᵢyᵢ = 0" in text


# ----------------------------------------------------------------------------- the converter


@pytest.mark.parametrize("latex,unicode", [
    (r"f'(x)\,h", "f'(x) h"),                       # a thin space is a space, never a comma
    (r"(2xy,\; x^2 y)", "(2xy, x²y)"),
    (r"\frac{d}{dx} x^{n} = n x^{n-1}", "d/dx xⁿ = nxⁿ⁻¹"),
    (r"\frac{x^{n+1}}{n+1}", "xⁿ⁺¹/(n+1)"),
    (r"\epsilon^{1/3}", "ε^(1/3)"),                  # no superscript slash: written out
    (r"\partial f_i / \partial x_j", "∂fᵢ / ∂xⱼ"),
    (r"\nabla f \cdot u = |\nabla f| \cos\theta", "∇f · u = |∇f| cos θ"),
    (r"\int_a^b f(x)\,dx = F(b) - F(a)", "∫ₐᵇ f(x) dx = F(b) - F(a)"),
    (r"\sqrt{4^2 + 27^2}", "√(4² + 27²)"),
    (r"\sigma\left(p x + q y\right)", "σ(px + qy)"),
    (r"\operatorname{Im} f(x + ih)/h", "Im f(x + ih)/h"),
    (r"\mathrm{subject\ to}", "subject to"),
    (r"\weird{x}", "weird x"),                        # unknown: its name, no backslash
    (r"\lim_{h \to 0} h", "lim_(h → 0) h"),
    (r"\frac{1}{2} \lVert w \rVert^2", "1/2 ‖w‖²"),
])
def test_latex_to_unicode(latex, unicode):
    assert latex_to_unicode(latex) == unicode


def test_matrices_keep_their_rows():
    out = latex_to_unicode(r"J = \begin{bmatrix} 2 y & 2 x \\ 2 x y & x^{2} \\ 1 & 0 \end{bmatrix}")
    assert out.split("\n") == ["    ⎡  2y  2x ⎤",
                               "J = ⎢ 2xy  x² ⎥",
                               "    ⎣   1   0 ⎦"]
    assert latex_to_unicode(r"\begin{bmatrix} 1 & 2 \end{bmatrix}") == "[ 1  2 ]"
    assert latex_to_unicode(r"a = 1 \\ b = 2") == "a = 1\nb = 2"  # a line break outside a matrix


def test_inline_math_survives_markdown():
    # "*" and "_" produced or kept by a formula must reach the terminal as characters
    parts = split_math(r"Take $h^*$ and $a_{w}$, then $$x^2$$ after.")
    assert parts == [("markdown", r"Take h\* and a\_w, then "), ("display", "x²"), ("markdown", " after.")]


@pytest.mark.parametrize("lesson", [f"lesson0{n}" for n in range(1, 8)])
def test_lesson_prose_converts_cleanly(lesson):
    for part in sections(lesson).values():
        for kind, text in split_math(part):
            if kind == "display":
                assert "\\" not in text and "$" not in text, text
            else:
                unescaped = re.sub(r"\\[\\`*_\[\]<>#|~]", "", text)  # Markdown escapes are fine
                assert "$" not in unescaped and not re.search(r"\\[A-Za-z,;!]", unescaped), text
