"""The course report in a real browser: headless Chromium loads the page from disk.

What is checked, and how:

- the page's own render check (an inline script) writes ``data-render-check``
  on ``<body>`` after the load event: ``"ok"`` only when every ``<img>`` loaded
  (complete, naturalWidth > 0), every ``<math>`` formula has a width and a
  height (Chromium lays MathML out natively), and no error event fired (the capture phase sees failed resources too). Chromium's
  ``--dump-dom`` prints the DOM *after* scripts ran, so the attribute is read
  from there;
- Chromium's log on stderr carries one ``CONSOLE`` line per console message of
  the page; the report logs nothing, so any such line is a failure;
- a screenshot of the whole page is a real, non-blank PNG.

Two negative controls show the checks can fail: a deleted figure must turn the
verdict into "broken images: ...", and an uncaught error on a test page must
show up as a CONSOLE line.

Skipped, with the reason printed, when Chromium is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from calcml.course.model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text
from calcml.course.report import write_report

pytestmark = pytest.mark.browser

TIMEOUT = 180  # seconds per Chromium run (generous: a loaded 2-core machine is slow to screenshot)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("chromium not installed: apt-get install chromium (the CI script installs it)")
    return found


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--allow-file-access-from-files", "--hide-scrollbars",
        "--virtual-time-budget=5000", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def console_lines(stderr: str) -> list[str]:
    """Chromium's log lines for messages the page sent to its console (errors included)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_bytes(power: int) -> bytes:
    import io

    figure = MplFigure(figsize=(5, 3), dpi=80)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = [k / 10 for k in range(-20, 21)]
    axes.plot(xs, [x**power for x in xs], label=f"x^{power}")
    axes.legend()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def build_report(out: Path) -> Path:
    runs = [
        LessonRun(1, "Differentiation", [
            Text("## Three lenses\nThe derivative of $x^3 - 2x^2$ is $3x^2 - 4x$, the limit\n\n"
                 "$$\\lim_{h \\to 0} \\frac{f(x+h)-f(x)}{h}$$\n\n- **symbolic** with SymPy\n- `numeric`"),
            Formula(r"3 x^{2} - 4 x", label="symbolic"),
            Formula(r"e^{x} \sin{\left(x^{2} \right)}"),
            Result("f'(2), symbolic", "4", ok=True),
            Result("f'(2), central difference", "4.000000000067", ok=True),
            Table(("h", "error"), (("1e-2", "1.0e-4"), ("1e-3", "1.0e-6"))),
            Figure("lesson-01/power.png", "x squared"),
            Code("calcml diff 'x^3 - 2x^2' --at 2"),
            Erratum(1, "the derivative of $x^3$ is $x^2$", "it is $3x^2$"),
        ], files={"lesson-01/power.png": png_bytes(2)}),
        LessonRun(2, "Gradient and Jacobian", [
            Formula(r"\frac{1}{1 + e^{- p x - q y}}", label="a sigmoid"),
            Formula(r"\nabla f = (2x, 3y^2)"),
            Formula(r"J = \begin{bmatrix} 2 x & 0 \\ y & x \end{bmatrix}", label="a Jacobian"),
            Formula(r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]"),
            Figure("lesson-02/cubic.png", "x cubed"),
        ], files={"lesson-02/cubic.png": png_bytes(3)}),
    ]
    exercises = [Exercise("1.1", 1, "Power rule", "Differentiate $3x^3$.", "derivative", "9x^2")]
    return write_report(runs, exercises, [Erratum(1, "a claim", "the truth")], out)


def body_attributes(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1)))


def test_report_renders_in_chromium(chromium, tmp_path):
    index = build_report(tmp_path / "report")
    done = run_chromium(chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom",
                        index.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    attributes = body_attributes(done.stdout)
    assert attributes.get("data-render-check") == "ok", attributes
    assert attributes.get("data-math-fallbacks") == "0", attributes
    assert "Lesson 1: Differentiation" in done.stdout and "Lesson 2: Gradient and Jacobian" in done.stdout
    assert int(attributes.get("data-formulas", "0")) >= 10 and done.stdout.count("<math") >= 10
    assert console_lines(done.stderr) == []


def test_screenshot_is_a_real_picture(chromium, tmp_path):
    from matplotlib.image import imread

    index = build_report(tmp_path / "report")
    shot = tmp_path / "report.png"
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,4000",
                        index.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    if os.environ.get("CALCML_SCREENSHOT_DIR"):
        keep = Path(os.environ["CALCML_SCREENSHOT_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, keep / "report.png")
    assert shot.stat().st_size > 10_000
    pixels = imread(shot)
    assert pixels.shape[:2] == (4000, 1280)
    # Not one colour: text, formulas and figures make many distinct rows.
    rows = pixels[..., :3].std(axis=(1, 2))
    assert pixels[..., :3].std() > 0.01 and (rows > 0.01).sum() > 400


def test_render_check_reports_a_broken_image(chromium, tmp_path):
    index = build_report(tmp_path / "report")
    (tmp_path / "report" / "lesson-02" / "cubic.png").unlink()
    done = run_chromium(chromium, tmp_path / "profile", "--dump-dom", index.as_uri())
    verdict = body_attributes(done.stdout).get("data-render-check", "")
    assert verdict.startswith("broken images: lesson-02/cubic.png"), verdict


def test_console_errors_would_be_seen(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>undefinedFunction();</script><p>x</p>")
    done = run_chromium(chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom",
                        page.as_uri())
    assert any("undefinedFunction" in line for line in console_lines(done.stderr)), done.stderr[-2000:]


# ---------------------------------------------------------------- the real course


@pytest.fixture(scope="module")
def real_course(tmp_path_factory):
    from calcml.course.catalog import run_course

    out = tmp_path_factory.mktemp("course") / "report"
    return run_course(out, notebooks=False)


@pytest.mark.slow
def test_the_real_course_renders_with_a_screenshot_per_lesson(chromium, real_course, tmp_path):
    """Every lesson of `calcml course`: no console error, every formula and lesson laid out, ink on the page.

    The pictures go to $CALCML_SCREENSHOT_DIR when it is set, to be looked at.
    """
    from calcml.course.catalog import LESSONS

    done = run_chromium(chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom",
                        "--window-size=1100,900", real_course.as_uri())
    attributes = body_attributes(done.stdout)
    assert attributes.get("data-render-check") == "ok", attributes.get("data-render-check")
    assert attributes.get("data-math-fallbacks") == "0"
    assert int(attributes["data-formulas"]) == done.stdout.count("<math") > 50
    assert console_lines(done.stderr) == []
    layout = {name: (int(top), int(height)) for name, top, height in
              (item.split(":") for item in attributes["data-layout"].split())}
    available = [n for n, info in LESSONS.items() if info.available]
    assert [f"lesson-{n}" for n in available] == [k for k in layout if k.startswith("lesson-")]

    for n in available:
        assert layout[f"lesson-{n}"][1] > 300, (n, layout[f"lesson-{n}"])  # every lesson laid out, not empty

    # A picture of the top of the page (the contents and lesson 1), looked at for ink. Headless Chromium
    # leaves parts of a screenshot tens of thousands of pixels tall unpainted at random, and scrolling
    # to a deep anchor gives a blank viewport, so the lessons further down are checked through the DOM
    # above (laid out, formulas rendered, no console error), not through pixels.
    import numpy as np
    from PIL import Image  # matplotlib's own dependency

    top, height = layout[f"lesson-{available[0]}"]
    view = top + min(height, 2500)
    shot = tmp_path / "page.png"
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", f"--window-size=1100,{view}",
                        real_course.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    picture = Image.open(shot).convert("RGB").crop((0, top, 1100, view))
    lesson = np.asarray(picture, dtype=np.float32) / 255
    # Ink on the page: many rows carry text, formulas or figures.
    assert (lesson.std(axis=(1, 2)) > 0.01).sum() > 0.3 * lesson.shape[0]
    keep = Path(os.environ["CALCML_SCREENSHOT_DIR"]) if os.environ.get("CALCML_SCREENSHOT_DIR") else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        picture.save(keep / f"lesson-{available[0]:02d}.png")


@pytest.mark.slow
def test_the_real_report_shows_each_erratum_once_with_its_stars(real_course):
    """Issue 9 §8 on the real page: the lesson-1 erratum was shown twice, and Markdown ate its '*'."""
    import html

    from calcml.course.catalog import LESSONS
    from calcml.course.content import errata

    page = real_course.read_text(encoding="utf-8")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    shown = [e for e in errata() if LESSONS[e.lesson].available]
    assert shown
    for erratum in shown:
        assert text.count(" ".join(erratum.correction.split())) == 1, erratum.correction[:60]
    lesson1 = [e for e in shown if e.lesson == 1]
    assert any("f''(x)*dx/2" in e.correction and "1e-16*|f(x)|/dx" in e.correction for e in lesson1)
    assert "<em>dx/2" not in page
    # The page opens with the contents: every lesson, and under it its exercises and errata.
    contents = page[page.index('<nav class="toc"'):page.index("</nav>")]
    for n, info in LESSONS.items():
        if info.available:
            assert f'href="#lesson-{n}"' in contents
    assert 'href="#lesson-1-errata"' in contents and 'href="#lesson-1-exercises"' in contents
