"""The course report: page structure, MathML formulas, Markdown, escaping, errata once, files.

The page is parsed with the standard library's HTML parser (an independent
reader of what the report wrote). Formulas are read back as XML with
``xml.etree`` and compared with what the LaTeX says by hand (which identifiers,
numbers, fractions, rows). Whether the browser draws them is
tests/test_course_browser.py's job.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from calcml.course.model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text
from calcml.course.report import MANIFEST_NAME, markdown_to_html, render_latex, write_report
from calcml.errors import DomainError

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
# The lesson-1 erratum as the issue quotes it: Markdown must not eat its '*'.
STARS = "off by about f''(x)*dx/2 plus round-off of about 1e-16*|f(x)|/dx, so use fy = 3*yv**2"

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}


class PageParser(HTMLParser):
    """Checks tag balance and collects what the tests look at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.h2: list[str] = []
        self.ids: list[str] = []
        self.sections: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.math = 0
        self.scripts = 0
        self.visible_text: list[str] = []  # text outside <math>, <script>, <style>
        self.emphasised: list[str] = []  # text inside <em> / <strong>
        self._capture_h2 = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.math += tag == "math"
        self.scripts += tag == "script"
        if "id" in attrs:
            self.ids.append(attrs["id"])
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
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

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
        if not {"math", "script", "style"} & set(self.stack):
            self.visible_text.append(data)
        if {"em", "strong"} & set(self.stack):
            self.emphasised.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def png_bytes(curve: int = 2) -> bytes:
    """A small real PNG drawn by matplotlib (no pyplot state)."""
    import io

    figure = MplFigure(figsize=(2, 1.5), dpi=60)
    FigureCanvasAgg(figure)
    figure.add_subplot().plot([0, 1, 2, 3], [k**curve for k in range(4)])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def make_runs(*, second_figure: bool = True) -> list[LessonRun]:
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
            Erratum(1, "the slope of $x^3$ is $x^2$", STARS),
        ],
        files={"lesson-01/tangent.png": png_bytes()},
    )
    blocks = [Formula(MATRIX, label="Jacobian"), Formula(SYMPY_MATRIX)]
    files = {}
    if second_figure:
        files["lesson-02/field.png"] = png_bytes(3)
        blocks.append(Figure("lesson-02/field.png", "a gradient field"))
    return [lesson1, LessonRun(2, "Jacobian", blocks, files=files)]


EXERCISES = [
    Exercise("1.1", 1, "Power rule", "Differentiate $3x^3 - 2x^2$.", "derivative", "9x^2 - 4x",
             hint="Each x^n gives n*x^(n-1).", answer_format="an expression in x"),
    Exercise("2.2", 2, "A Jacobian", "Find the Jacobian of (x*y, x + y).", "matrix", [["y", "x"], ["1", "1"]]),
    Exercise("6.1", 6, "Later", "A lesson not in this report.", "number", "1"),
]
# The lesson-1 erratum is both in the run's blocks and in this list (as calcml course passes them).
ERRATA = [Erratum(2, "the gradient is a scalar", "it is a vector"), Erratum(1, "the slope of $x^3$ is $x^2$", STARS),
          Erratum(7, "a claim of lesson 7", "its correction")]


def listing(root: Path, skip: Path | None = None) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and (skip is None or not p.is_relative_to(skip))}


def visible(page: str) -> str:
    return " ".join(htmllib.unescape("".join(parse(page).visible_text)).split())


# ---------------------------------------------------------------- the page


def test_page_structure(tmp_path):
    out = tmp_path / "report"
    index = write_report(make_runs(), EXERCISES, ERRATA, out)
    assert index == out / "index.html"
    page = index.read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.problems == [] and parsed.stack == [], (parsed.problems, parsed.stack)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.h2 == ["Contents", "Lesson 1: Differentiation", "Lesson 2: Jacobian", "Lessons not in this report"]
    assert parsed.sections == ["lesson-1", "lesson-2", "more"]
    assert parsed.images == ["lesson-01/tangent.png", "lesson-02/field.png"]
    for src in parsed.images:
        assert (out / unquote(src)).read_bytes()[:4] == b"\x89PNG"
    # Offline: no URL with a scheme anywhere (MathML's xmlns included), links are fragments or figures.
    assert "http://" not in page and "https://" not in page and "//" not in "".join(parsed.links)
    assert all(link.startswith("#") or link in parsed.images for link in parsed.links)
    assert all(link[1:] in parsed.ids for link in parsed.links if link.startswith("#"))
    assert parsed.scripts == 1  # only the render check
    # Exercises: the commands, never the reference answers.
    for exercise in EXERCISES:
        assert f"calcml check {exercise.id} &quot;ANSWER&quot;" in page
    assert "9x^2 - 4x" not in page and "[['y'" not in page
    assert page.count('class="badge badge-ok"') == 2 and page.count('class="badge badge-fail"') == 1


def test_contents_lists_each_lesson_with_its_exercises_and_errata(tmp_path):
    page = write_report(make_runs(), EXERCISES, ERRATA, tmp_path).read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="#([^"]+)"', toc) == [
        "lesson-1", "lesson-1-errata", "lesson-1-exercises", "lesson-2", "lesson-2-errata",
        "lesson-2-exercises", "more"]
    assert page.index("<nav") < page.index('<section class="lesson"')
    # Lesson 1's section holds its erratum and its exercise; lesson 2's its own.
    lesson1 = re.search(r'<section class="lesson" id="lesson-1">.*?</section>', page, re.S).group(0)
    lesson2 = re.search(r'<section class="lesson" id="lesson-2">.*?</section>', page, re.S).group(0)
    assert "Exercise 1.1" in lesson1 and "Exercise 2.2" not in lesson1 and "Exercise 2.2" in lesson2
    assert "it is a vector" in lesson2 and "it is a vector" not in lesson1
    assert "Exercise 6.1" in page and "its correction" in page  # lessons not in the report: the last section


def test_each_erratum_is_shown_once(tmp_path):
    page = write_report(make_runs(), EXERCISES, ERRATA, tmp_path).read_text(encoding="utf-8")
    text = visible(page)
    assert text.count("off by about f''(x)") == 1
    assert page.count('class="erratum"') == 3


def test_stars_in_plain_text_survive(tmp_path):
    # Issue 9 §8: Markdown ate the '*' of f''(x)*dx/2 ... 1e-16*|f(x)|/dx and italicised the middle.
    page = write_report(make_runs(), EXERCISES, ERRATA, tmp_path).read_text(encoding="utf-8")
    text = visible(page)
    assert STARS in text
    assert "Each x^n gives n*x^(n-1)." in text  # a hint, plain text too
    assert not any("dx" in piece for piece in parse(page).emphasised)


def test_the_courses_plain_text_keeps_every_star():
    # Every real exercise and erratum: no '*' lost, nothing emphasised that looks like a formula.
    from calcml.course.content import errata
    from calcml.course.exercises import EXERCISES

    exercises = list(EXERCISES.values())
    page = write_report([], exercises, list(errata()), Path(__import__("tempfile").mkdtemp())).read_text("utf-8")
    text = visible(page)
    for item in exercises:
        for piece in (item.prompt, item.hint, item.answer_format):
            plain = re.sub(r"`", "", " ".join(piece.split()))
            if "$" not in plain:
                assert plain in text, plain
    for item in errata():
        assert " ".join(item.correction.split()) in text
    assert not [p for p in parse(page).emphasised if re.search(r"[-+*/=()|^]", p)]


def test_markdown():
    html = markdown_to_html(
        "# Top\n## Rule\n### Detail\nA **bold** `x**2` claim costs $5 or $6.\n"
        "Inline $x^2$, \\$ sign.\n\n- first $a$\n- second\n  continued\n\nBefore $$\\frac{1}{2}$$ after."
        "\n\n<!-- section: hidden -->\nA <b>tag</b> & more, it *grows*.\n\n![remote](http://example.org/x.png)"
    )
    parsed = parse(html)
    assert not parsed.problems and parsed.stack == []
    assert "<h3>Top</h3>" in html and "<h3>Rule</h3>" in html and "<h4>Detail</h4>" in html
    assert "<strong>bold</strong>" in html and "<code>x**2</code>" in html and "<em>grows</em>" in html
    assert "costs $5 or $6." in html  # currency is not math
    assert "$ sign" in html and parsed.math == 3  # x^2, a, and the display fraction; $$..$$ inside a paragraph
    assert '<math display="block">' in html
    assert "<li>second\ncontinued</li>" in html
    assert "section: hidden" not in html and "A &lt;b&gt;tag&lt;/b&gt; &amp; more" in html
    assert "<img" not in html and "example.org" not in html and "remote" in html  # an image: its alt text


# ---------------------------------------------------------------- formulas


def mathml(latex: str, display: bool = False) -> ET.Element:
    html = render_latex(latex, display)
    assert html.startswith("<math") and "latex-fallback" not in html, html
    return ET.fromstring(html)


def tokens(element: ET.Element, tag: str) -> list[str]:
    return [e.text for e in element.iter(tag)]


def test_formulas_become_mathml_with_the_right_parts():
    cubic = mathml(FORMULAS[0])
    assert cubic.get("display") == "inline"
    assert tokens(cubic, "mn") == ["3", "2", "4"] and tokens(cubic, "mi") == ["x", "x"]
    (power,) = cubic.iter("msup")
    assert [c.text for c in power.iter() if c.tag in ("mi", "mn")] == ["x", "2"]
    assert "\u2212" in tokens(cubic, "mo")  # a real minus sign
    sigmoid = mathml(FORMULAS[2], display=True)
    assert sigmoid.get("display") == "block" and len(list(sigmoid.iter("mfrac"))) == 1
    assert "\u2207" in tokens(mathml(FORMULAS[7]), "mo")  # nabla
    limit = mathml(FORMULAS[5])
    assert "lim" in tokens(limit, "mo") and "\u2192" in tokens(limit, "mo")
    assert "\u222b" in tokens(mathml(FORMULAS[6]), "mo")  # the integral sign


@pytest.mark.parametrize("latex, rows, columns", [(MATRIX, 3, 2), (SYMPY_MATRIX, 2, 2),
                                                 (r"\begin{pmatrix} a \\ b \end{pmatrix}", 2, 1)])
def test_matrices_become_tables(latex, rows, columns):
    element = mathml(latex, display=True)
    (table,) = element.iter("mtable")
    assert len(table.findall("mtr")) == rows
    assert all(len(row.findall("mtd")) == columns for row in table.findall("mtr"))


def test_unreadable_latex_is_shown_as_source_not_dropped():
    for latex in [r"\undefinedmacro{x}", r"\begin{bmatrix} 1", r"x^{<script>"]:
        html = render_latex(latex, display=True)
        if latex == r"x^{<script>":  # readable: the '<' is an operator, escaped
            assert "<script>" not in html and "&lt;" in html or "&#x0003C;" in html
            continue
        assert html.startswith('<code class="latex-fallback"') and "<math" not in html
        assert htmllib.unescape(re.sub(r"<[^>]+>", "", html)) == latex
    assert render_latex("   ") == ""
    with pytest.raises(DomainError, match="latex must be a string"):
        render_latex(3.0)


def test_sympy_latex_renders_without_fallback():
    sympy = pytest.importorskip("sympy")
    x, y, p, q, t = sympy.symbols("x y p q t")
    expressions = [
        3 * x**2 - 4 * x, sympy.exp(x) * sympy.sin(x**2), 1 / (1 + sympy.exp(-p * x - q * y)),
        sympy.Function("sigma")(p * x + q * y), sympy.log(x), sympy.sqrt(x**2 + y**2), sympy.tanh(x),
        sympy.Max(0, x), sympy.Heaviside(x), sympy.Piecewise((x, x > 0), (0, True)), sympy.Abs(x),
        sympy.Matrix([[2 * x * y], [x**2 + 3 * y**2]]), sympy.Matrix([x * y, x + y]).jacobian([x, y]),
        sympy.Integral(sympy.exp(x), (x, 0, 1)), sympy.Derivative(sympy.sin(x**2), x),
        sympy.Limit(sympy.sin(x) / x, x, 0), sympy.Sum(x**t, (t, 0, sympy.oo)),
        sympy.Eq(sympy.Function("f")(x), x**3), sympy.Le(x, 1), sympy.Symbol("theta_0") * sympy.Symbol("w_1"),
        sympy.erf(x), sympy.atan(x), sympy.Symbol("lambda_1") * sympy.Symbol("alpha"),
    ]
    for expression in expressions:
        latex = sympy.latex(expression)
        assert "latex-fallback" not in render_latex(latex, display=True), latex


# ---------------------------------------------------------------- text and escaping


def test_user_text_is_escaped(tmp_path):
    nasty = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    run = LessonRun(1, "Escaping <b>", [
        Text(nasty), Result(nasty, nasty, ok=None), Table((nasty,), ((nasty,),), caption=nasty),
        Code(nasty), Formula(r"x", label=nasty), Erratum(1, nasty, nasty),
    ])
    page = write_report([run], [], [], tmp_path, title="T <i>").read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.scripts == 1 and parsed.images == [] and not parsed.problems
    assert "&lt;script&gt;" in page and "<img src=x" not in page
    assert "<b>" not in page and "<i>" not in page and "Escaping &lt;b&gt;" in page


# ---------------------------------------------------------------- files on disk


def test_second_run_removes_only_its_own_stale_files(tmp_path):
    out = tmp_path / "site" / "report"
    write_report(make_runs(), EXERCISES, ERRATA, out)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == ["index.html", "lesson-01/tangent.png", "lesson-02/field.png"]
    (out / "notes.txt").write_text("mine")
    (out / "lesson-02" / "mine.png").write_bytes(b"not a png")
    outside = listing(tmp_path, skip=out)

    write_report(make_runs(second_figure=False), EXERCISES, ERRATA, out)
    assert not (out / "lesson-02" / "field.png").exists()  # stale, and ours: removed
    assert (out / "lesson-01" / "tangent.png").is_file()
    assert (out / "notes.txt").read_text() == "mine" and (out / "lesson-02" / "mine.png").exists()
    assert sorted(json.loads((out / MANIFEST_NAME).read_text())["files"]) == ["index.html", "lesson-01/tangent.png"]
    assert "field.png" not in (out / "index.html").read_text()
    assert listing(tmp_path, skip=out) == outside


def test_same_input_same_page(tmp_path):
    first = write_report(make_runs(), EXERCISES, ERRATA, tmp_path).read_bytes()
    second = write_report(make_runs(), EXERCISES, ERRATA, tmp_path).read_bytes()
    assert first == second


def test_refusals_write_nothing(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>my homepage</p>")
    with pytest.raises(DomainError, match="was not written by calcml"):
        write_report(make_runs(), [], [], foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["index.html"]
    assert (foreign / "index.html").read_text() == "<p>my homepage</p>"
    with pytest.raises(DomainError, match="root of the file system"):
        write_report([], [], [], Path("/"))
    with pytest.raises(DomainError, match="out_dir must be a folder path"):
        write_report([], [], [], 42)


@pytest.mark.parametrize("path, message", [
    ("../escape.png", r"contains '\.\.'"),
    ("/tmp/absolute.png", "must be relative"),
    ("lesson-01/missing.png", "not among the lesson's files"),
    ("index.html", "name the report itself uses"),
    ("", "non-empty relative path"),
])
def test_bad_figure_paths(tmp_path, path, message):
    run = LessonRun(3, "Integration", [Text("x"), Figure(path, "caption")])
    with pytest.raises(DomainError, match=message) as info:
        write_report([run], [], [], tmp_path / "report")
    assert "runs[0].blocks[1] (lesson 3)" in str(info.value)
    assert not (tmp_path / "report").exists()


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
    with pytest.raises(DomainError, match="has the name of a page or figure"):
        write_report(make_runs(), [], [], out, extra_files={"index.html": b"x"})
    assert not out.exists()
