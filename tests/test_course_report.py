"""The course report: page structure, offline math, escaping, the manifest rules, errors.

The page is parsed with the standard library's HTML parser (an independent
reader of what the report wrote); the SVG formulas are checked against the
layout matplotlib itself reports for the same formula.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from calcml.course import mathrender
from calcml.course.mathrender import latex_to_svg, render_latex, to_mathtext
from calcml.course.model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text
from calcml.course.report import MANIFEST_NAME, markdown_to_html, write_report
from calcml.errors import DomainError

# What SymPy's latex() writes for the course's formulas, plus hand-written ones.
FORMULAS = [
    r"3 x^{2} - 4 x",
    r"e^{x} \sin{\left(x^{2} \right)}",
    r"\frac{1}{1 + e^{- p x - q y}}",
    r"\sigma\left(p x + q y\right)",
    r"\frac{\partial f}{\partial x}",
    r"\lim_{h \to 0} \frac{f(x+h)-f(x)}{h}",
    r"\int_{a}^{b} f(x)\,dx",
    r"\nabla f = (2x, 3y^2)",
]
MATRIX = r"J = \begin{bmatrix} 2 x & 0 \\ y & x \\ \cos{\left(x \right)} & - e^{y} \end{bmatrix}"
SYMPY_MATRIX = r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]"

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}


class PageParser(HTMLParser):
    """Checks tag balance and collects what the tests look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.h2: list[str] = []
        self.sections: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.svg_count = 0
        self.scripts = 0
        self.visible_text: list[str] = []  # text outside <svg>, <script>, <style>
        self._capture_h2 = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg" and attrs.get("class") == "mt":
            self.svg_count += 1
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self.sections.append(attrs.get("id", ""))
        if tag == "img":
            self.images.append(attrs["src"])
        for name in ("href", "src"):
            if name in attrs:
                self.links.append(attrs[name])
        if tag == "h2":
            self._capture_h2 = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        # <path .../> inside SVG: complete in itself.
        pass

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "h2" and self._capture_h2 is not None:
            self.h2.append("".join(self._capture_h2).strip())
            self._capture_h2 = None

    def handle_data(self, data):
        if self._capture_h2 is not None:
            self._capture_h2.append(data)
        if not {"svg", "script", "style"} & set(self.stack):
            self.visible_text.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def save_png(path: Path, curve: int = 2) -> None:
    """A small real PNG drawn by matplotlib (no pyplot state)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure = MplFigure(figsize=(2, 1.5), dpi=60)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1, 2, 3], [k**curve for k in range(4)])
    figure.savefig(path)


def make_runs(out_dir: Path, *, second_figure: bool = True) -> list[LessonRun]:
    save_png(out_dir / "lesson-01" / "tangent.png")
    lesson1 = LessonRun(
        1,
        "Differentiation",
        [
            Text("## Slopes\nThe slope of $x^2$ is $2x$.\n\n$$\\lim_{h \\to 0} \\frac{f(x+h)-f(x)}{h}$$\n\n- one\n- two"),
            *[Formula(latex, label=f"formula {k}") for k, latex in enumerate(FORMULAS)],
            Result("f'(2), symbolic", "4", ok=True),
            Result("f'(2), numeric", "4.0000000001", ok=True),
            Result("a failed check", "5", ok=False),
            Table(("h", "error"), (("0.1", "1e-2"), ("0.01", "1e-4")), caption="error like $h^2$"),
            Figure("lesson-01/tangent.png", "the tangent line"),
            Code("derivative('x^2', at=2)"),
            Erratum(1, "the slope of $x^3$ is $x^2$", "it is $3x^2$"),
        ],
    )
    blocks = [Formula(MATRIX, label="Jacobian"), Formula(SYMPY_MATRIX)]
    if second_figure:
        save_png(out_dir / "lesson-02" / "field.png", curve=3)
        blocks.append(Figure("lesson-02/field.png", "a gradient field"))
    return [lesson1, LessonRun(2, "Jacobian", blocks)]


EXERCISES = [
    Exercise("1.1", 1, "Power rule", "Differentiate $3x^3 - 2x^2$.", "derivative", "9x^2 - 4x",
             hint="Term by term.", answer_format="an expression in x"),
    Exercise("4.2", 4, "A Jacobian", "Find the Jacobian of (x*y, x + y).", "matrix", [["y", "x"], ["1", "1"]]),
]
ERRATA = [Erratum(2, "the gradient is a scalar", "it is a vector")]


def listing(root: Path, skip: Path | None = None) -> dict[str, float]:
    """Every file under root (but not under skip) with its modification time."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and (skip is None or not p.is_relative_to(skip))
    }


# ---------------------------------------------------------------- the page


def test_page_structure(tmp_path):
    out = tmp_path / "report"
    index = write_report(make_runs(out), EXERCISES, ERRATA, out)
    assert index == out / "index.html"
    page = index.read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.problems == [] and parsed.stack == [], (parsed.problems, parsed.stack)
    assert page.startswith("<!DOCTYPE html>")
    assert "Lesson 1: Differentiation" in parsed.h2 and "Lesson 2: Jacobian" in parsed.h2
    assert "Errata of the original course" in parsed.h2 and "Exercises" in parsed.h2
    assert parsed.sections == ["lesson-1", "lesson-2", "errata", "exercises"]
    assert parsed.images == ["lesson-01/tangent.png", "lesson-02/field.png"]
    for src in parsed.images:
        assert (out / unquote(src)).is_file()
    # Offline: no URL with a scheme anywhere, and every link is a fragment or a relative file.
    assert "http://" not in page and "https://" not in page and "//" not in "".join(parsed.links)
    assert all(link.startswith("#") or link in parsed.images for link in parsed.links)
    assert parsed.scripts == 1  # only the render check
    # The exercises section gives the commands and no reference answers.
    for exercise in EXERCISES:
        assert f"calcml exercise {exercise.id}" in page
        assert f"calcml check {exercise.id} &quot;ANSWER&quot;" in page
    assert "9x^2 - 4x" not in page
    assert "it is a vector" in page and "an expression in x" in page
    # Results: a definition list with one badge per check.
    assert page.count("class=\"badge badge-ok\"") == 2 and page.count("class=\"badge badge-fail\"") == 1


def test_math_is_svg_not_raw_latex(tmp_path):
    out = tmp_path / "report"
    page = write_report(make_runs(out), [], [], out).read_text(encoding="utf-8")
    parsed = parse(page)
    visible = "".join(parsed.visible_text)
    assert 'class="latex-fallback"' not in page
    for latex in FORMULAS + [MATRIX, SYMPY_MATRIX, r"\frac{f(x+h)-f(x)}{h}"]:
        assert latex not in visible
    assert "\\frac" not in visible and "\\begin" not in visible and "$" not in visible
    # 8 formulas + inline math + the matrices' parts: plenty of SVGs.
    assert parsed.svg_count >= len(FORMULAS) + 3 + 6 + 4


@pytest.mark.parametrize("latex", FORMULAS + [r"\mathbb{R}^{n}", r"\left\lVert w \right\rVert \le 1"])
def test_formula_svg_matches_matplotlib_layout(latex):
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    html = render_latex(latex, display=False)
    assert html.count('<svg class="mt"') == 1 and "latex-fallback" not in html
    # The box is the one matplotlib's own parser computes for the formula: laid
    # out at 100 pt (small sizes are rounded to whole points) and scaled to 10 pt.
    width, height, depth, *_ = MathTextParser("path").parse(
        f"${to_mathtext(latex)}$", dpi=72, prop=FontProperties(size=100, math_fontfamily="cm")
    )
    width, height, depth = width / 10, height / 10, depth / 10
    box = [float(v) for v in re.search(r'viewBox="([^"]+)"', html).group(1).split()]
    assert box == pytest.approx([0, -(height - depth), width, height], abs=0.01)
    assert re.search(r'width="([\d.]+)em"', html).group(1) == pytest.approx(f"{width / 10:.3f}".rstrip("0").rstrip("."))
    # Every outline point lies in the box (no glyph drawn off its canvas).
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", re.search(r' d="([^"]+)"', html).group(1))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert len(xs) > 10
    slack = 0.6  # glyph outlines may overshoot mathtext's box by a hair
    assert min(xs) >= -slack and max(xs) <= width + slack
    assert min(ys) >= -(height - depth) - slack and max(ys) <= depth + slack


def test_svg_sizes_follow_the_formula():
    def size(latex):
        html = latex_to_svg(latex)
        return [float(v) for v in re.search(r'viewBox="([^"]+)"', html).group(1).split()[2:]]

    assert size("xxxx")[0] > 3 * size("x")[0]
    assert size(r"\frac{1}{2}")[1] > 1.3 * size("12")[1]
    # Display math uses display-size fractions, as LaTeX does.
    inline, display = render_latex(r"\frac{a}{b}", False), render_latex(r"\frac{a}{b}", True)
    height = lambda html: float(re.search(r'height="([\d.]+)em"', html).group(1))  # noqa: E731
    assert height(display) > height(inline)


@pytest.mark.parametrize(
    "latex, rows, columns, brackets",
    [
        (MATRIX, 3, 2, ("open", "close")),
        (SYMPY_MATRIX, 2, 2, ("open", "close")),
        (r"\begin{pmatrix} a \\ b \end{pmatrix}^{T} x", 2, 1, ("open", "close")),
        (r"\begin{matrix} 1 & 2 & 3 \end{matrix}", 1, 3, ()),
        (r"|x| = \begin{cases} x & \text{for}\: x \geq 0 \\ - x & \text{otherwise} \end{cases}", 2, 2, ("open",)),
    ],
)
def test_matrices_become_grids(latex, rows, columns, brackets):
    html = render_latex(latex, display=True)
    assert "latex-fallback" not in html
    assert html.count('<span class="mx-row">') == rows
    assert html.count('<span class="mx-cell') == rows * columns
    assert tuple(side for side in ("open", "close") if f"delim-{side}" in html) == brackets
    assert "\\begin" not in re.sub(r'(aria-label="[^"]*"|<title>.*?</title>)', "", html)
    assert not parse(html).problems


def test_unreadable_latex_falls_back_to_source():
    for latex in [r"\undefinedmacro{x}", r"\frac{\begin{bmatrix}1\end{bmatrix}}{2}", r"\begin{tabular}x\end{tabular}",
                  r"\begin{bmatrix} 1", r"x^{<script>"]:
        html = render_latex(latex, display=True)
        assert '<code class="latex-fallback"' in html and "<svg" not in html
        assert "<script>" not in html
    assert render_latex("   ", display=False) == '<span class="math math-inline"></span>'
    with pytest.raises(DomainError, match="latex must be a string"):
        render_latex(3.0)


def test_renders_are_cached():
    # Speed is measured in benchmarks, not here: this checks that a formula is rendered once.
    latex_to_svg.cache_clear()
    render_latex.cache_clear()
    formulas = [rf"\frac{{{k}}}{{1 + e^{{-{k} x}}}} + \int_{{0}}^{{{k}}} \sin{{\left(t \right)}}\,dt" for k in range(5)]
    first = [render_latex(latex, display=True) for latex in formulas]
    assert all("<svg" in html for html in first)
    misses = render_latex.cache_info().misses
    again = [render_latex(latex, display=True) for latex in formulas]
    assert again == first
    assert render_latex.cache_info().misses == misses
    assert render_latex.cache_info().hits >= len(formulas)


# ---------------------------------------------------------------- text and escaping


def test_user_text_is_escaped(tmp_path):
    out = tmp_path / "report"
    nasty = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    run = LessonRun(1, "Escaping <b>", [
        Text(nasty), Result(nasty, nasty, ok=None), Table((nasty,), ((nasty,),), caption=nasty),
        Code(nasty), Formula(r"x", label=nasty), Erratum(1, nasty, nasty),
    ])
    page = write_report([run], [], [], out, title="T <i>").read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.scripts == 1 and parsed.images == [] and not parsed.problems
    assert "&lt;script&gt;" in page and "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "<b>" not in page and "<i>" not in page and "Escaping &lt;b&gt;" in page


def test_markdown_subset():
    html = markdown_to_html(
        "# Top\n## Rule\n### Detail\nA **bold** `x**2` claim: x**2 + y**2 costs $5 or $6.\n"
        "Inline $x^2$, \\$ sign.\n\n- first $a$\n- second\n  continued\n\nBefore $$\\frac{1}{2}$$ after."
        "\n\n<!-- section: hidden -->\nA <b>tag</b> & more, it *grows*, 2*x*y and 2 * 3 * 4 stay."
    )
    assert "it <em>grows</em>, 2*x*y and 2 * 3 * 4 stay." in html
    assert "section: hidden" not in html and "<p>A &lt;b&gt;tag&lt;/b&gt; &amp; more," in html
    assert "<h3>Top</h3>" in html and "<h3>Rule</h3>" in html and "<h4>Detail</h4>" in html
    assert "<strong>bold</strong>" in html and "<code>x**2</code>" in html
    assert "x**2 + y**2 costs $5 or $6." in html  # no bold and no math where there is none
    assert "$ sign" in html and html.count('class="math math-inline"') == 2
    assert "<li>second continued</li>" in html
    # Display math cuts the paragraph: a <div> may not stand inside a <p>.
    assert re.search(r'<p>Before</p>\s*<div class="math math-display">.*</div>\s*<p>after\.</p>', html, re.S)
    assert not parse(html).problems


# ---------------------------------------------------------------- files on disk


def test_second_run_removes_only_its_own_stale_files(tmp_path):
    out = tmp_path / "site" / "report"
    before_parent = sorted(p.name for p in tmp_path.parent.iterdir())
    write_report(make_runs(out), EXERCISES, ERRATA, out)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["files"] == ["index.html", "lesson-01/tangent.png", "lesson-02/field.png"]
    # The user's own files, one beside the page and one beside a figure.
    (out / "notes.txt").write_text("mine")
    (out / "lesson-02" / "mine.png").write_bytes(b"not a png")
    outside = listing(tmp_path, skip=out)

    write_report(make_runs(out, second_figure=False), EXERCISES, ERRATA, out)
    assert not (out / "lesson-02" / "field.png").exists()  # stale, and ours: removed
    assert (out / "lesson-01" / "tangent.png").is_file()  # still presented: kept
    assert (out / "notes.txt").read_text() == "mine" and (out / "lesson-02" / "mine.png").exists()
    assert json.loads((out / MANIFEST_NAME).read_text())["files"] == ["index.html", "lesson-01/tangent.png"]
    assert "field.png" not in (out / "index.html").read_text()
    # Nothing written anywhere else.
    assert listing(tmp_path, skip=out) == outside
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before_parent
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "index.html", "lesson-01", "lesson-02", "notes.txt"]


def test_same_input_same_page(tmp_path):
    out = tmp_path / "report"
    first = write_report(make_runs(out), EXERCISES, ERRATA, out).read_bytes()
    second = write_report(make_runs(out), EXERCISES, ERRATA, out).read_bytes()
    assert first == second


def test_tampered_manifest_deletes_nothing_outside(tmp_path):
    out = tmp_path / "report"
    write_report(make_runs(out), [], [], out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / "linked.txt").symlink_to(victim)
    (out / "subdir").mkdir()
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    manifest["files"] += ["../victim.txt", str(victim), "linked.txt", "subdir", MANIFEST_NAME, 7]
    (out / MANIFEST_NAME).write_text(json.dumps(manifest))
    write_report(make_runs(out), [], [], out)
    assert victim.read_text() == "keep" and (out / "linked.txt").is_symlink() and (out / "subdir").is_dir()


def test_refusals(tmp_path):
    runs = make_runs(tmp_path / "report")
    a_file = tmp_path / "report.html"
    a_file.write_text("mine")
    with pytest.raises(DomainError, match="exists and is not a folder"):
        write_report(runs, [], [], a_file)
    assert a_file.read_text() == "mine"
    with pytest.raises(DomainError, match="root of the file system"):
        write_report([], [], [], Path("/"))
    with pytest.raises(DomainError, match="out_dir must be a folder path"):
        write_report([], [], [], 42)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>my homepage</p>")
    with pytest.raises(DomainError, match="was not written by calcml"):
        write_report([], [], [], foreign)
    assert (foreign / "index.html").read_text() == "<p>my homepage</p>"
    assert not (foreign / MANIFEST_NAME).exists()


@pytest.mark.parametrize(
    "path, message",
    [
        ("../escape.png", r"contains '\.\.'"),
        ("lesson-01/../../escape.png", r"contains '\.\.'"),
        ("/tmp/absolute.png", "must be relative"),
        ("C:\\figures\\x.png", "must be relative"),
        ("lesson-01/missing.png", "does not exist"),
        ("index.html", "name the report itself uses"),
        ("", "non-empty relative path"),
    ],
)
def test_bad_figure_paths(tmp_path, path, message):
    out = tmp_path / "report"
    save_png(tmp_path / "escape.png")
    run = LessonRun(3, "Integration", [Text("x"), Figure(path, "caption")])
    with pytest.raises(DomainError, match=message) as info:
        write_report([run], [], [], out)
    assert "runs[0].blocks[1] (lesson 3)" in str(info.value)
    assert not (out / "index.html").exists()


def test_figure_through_a_link_out_of_the_folder(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    save_png(tmp_path / "elsewhere" / "plot.png")
    (out / "lesson-01").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(DomainError, match="outside the report folder"):
        write_report([LessonRun(1, "L", [Figure("lesson-01/plot.png", "c")])], [], [], out)


def test_bad_arguments(tmp_path):
    out = tmp_path / "report"
    with pytest.raises(DomainError, match=r"runs\[0\] is a dict; expected a LessonRun"):
        write_report([{"number": 1}], [], [], out)
    with pytest.raises(DomainError, match=r"runs\[0\]\.blocks\[0\] \(lesson 1\) is a str"):
        write_report([LessonRun(1, "L", ["plain text"])], [], [], out)
    with pytest.raises(DomainError, match="lesson 1 more than once"):
        write_report([LessonRun(1, "A"), LessonRun(1, "B")], [], [], out)
    with pytest.raises(DomainError, match="exercises must be a list of Exercise"):
        write_report([], "1.1", [], out)
    with pytest.raises(DomainError, match=r"errata\[0\] is a str"):
        write_report([], [], ["a mistake"], out)


def test_matrix_environments_table_is_consistent():
    # Every environment the renderer claims to handle renders without fallback.
    for name in mathrender.MATRIX_ENVIRONMENTS:
        html = render_latex(rf"\begin{{{name}}} a & b \\ c & d \end{{{name}}}", display=True)
        assert "latex-fallback" not in html, name


def test_sympy_latex_renders_without_fallback():
    sympy = pytest.importorskip("sympy")
    x, y, p, q, t = sympy.symbols("x y p q t")
    expressions = [
        3 * x**2 - 4 * x, sympy.exp(x) * sympy.sin(x**2), 1 / (1 + sympy.exp(-p * x - q * y)),
        sympy.Function("sigma")(p * x + q * y), sympy.log(x), sympy.sqrt(x**2 + y**2), sympy.tanh(x),
        sympy.Max(0, x), sympy.Heaviside(x), sympy.Piecewise((x, x > 0), (0, True)), sympy.Abs(x),
        sympy.Matrix([[2 * x * y], [x**2 + 3 * y**2]]), sympy.Matrix([x * y, x + y]).jacobian([x, y]),
        sympy.Integral(sympy.exp(x), (x, 0, 1)), sympy.Derivative(sympy.sin(x**2), x),
        sympy.Limit(sympy.sin(x) / x, x, 0), sympy.Sum(x**t, (t, 0, sympy.oo)), sympy.Mod(x, 2),
        sympy.Eq(sympy.Function("f")(x), x**3), sympy.Le(x, 1), sympy.Symbol("theta_0") * sympy.Symbol("w_1"),
    ]
    for expression in expressions:
        latex = sympy.latex(expression)
        assert "latex-fallback" not in render_latex(latex, display=True), latex
