"""The course report: every lesson run, with its exercises and errata, as one offline HTML page.

``calcml course`` runs the lessons (which compute their results and keep their
figures in memory) and then calls :func:`write_report`, which presents those
blocks as ``out_dir/index.html``. The page is self-contained: CSS and a small
script inline, figures by relative path, and formulas as MathML, which current
browsers render natively, offline, as selectable text that screen readers
read. It refers to nothing on the network.

Well-kept libraries do the work: the prose is CommonMark, rendered by
markdown-it-py with mdit-py-plugins' ``$...$`` / ``$$...$$`` math; each formula
is converted by latex2mathml. A formula latex2mathml cannot read (or that
leaves an unknown macro behind) is shown as its LaTeX source in a
``<code class="latex-fallback">``, never dropped; the browser test requires
none in the course.

Which text is Markdown: the lesson prose (:class:`Text`). Exercise prompts,
captions, labels, hints and errata are plain text in which ``*`` means
multiplication (``f''(x)*dx/2``, ``sigmoid(p*x + q*y)``): there emphasis is
off, while code spans and ``$...$`` math still work. Results, tables and code are shown verbatim.

Files are written only through :func:`calcml.course.folder.write_files`: the
page, the figures the runs hold in memory and any extra files (the notebooks'
sources), after checking the whole folder first (see that module's rules).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from calcml.course.folder import MANIFEST_NAME, check_folder, check_name, output_kind, write_files
from calcml.course.model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text
from calcml.errors import DomainError

__all__ = ["write_report", "markdown_to_html", "render_latex", "MANIFEST_NAME"]

_INDEX = "index.html"
# The browser may load images from the report's own folder and the inline
# style and script, and nothing else: even a stray URL could not reach the network.
_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

_CSS = """
:root { --fg: #1d2330; --muted: #5b6475; --accent: #1f5aa6; --line: #d9dee7; --soft: #f4f6f9;
  --warn-bg: #fff7e3; --warn-line: #d99a00; --ok: #1a7f37; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg);
  font: 1rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.page { max-width: 60rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .4rem; }
h2 { font-size: 1.55rem; margin: 3rem 0 1rem; padding-bottom: .3rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.2rem; margin: 2rem 0 .6rem; }
h4 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
.subtitle, figcaption, caption, .formula-label, footer { color: var(--muted); }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  padding: .4rem 1.5rem .8rem; }
nav.toc h2 { margin: .5rem 0; border: 0; font-size: 1.15rem; }
nav.toc ol { margin: 0; padding-left: 1.4rem; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em;
  background: var(--soft); padding: .05em .3em; border-radius: 3px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem;
  overflow-x: auto; line-height: 1.45; }
pre code { background: none; padding: 0; font-size: .88rem; }
figure { margin: 1.5rem 0; text-align: center; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { font-size: .92rem; margin-top: .4rem; }
.formula { margin: 1rem 0; }
.formula-label { font-size: .92rem; }
.formula math[display="block"] { margin: .3rem 0; }
math { font-size: 1.1em;
  font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre", math; }
math[display="block"] { overflow-x: auto; overflow-y: hidden; padding: .2rem 0; }
.latex-fallback { color: var(--bad); }
dl.results { display: grid; grid-template-columns: minmax(10rem, max-content) 1fr; gap: .3rem 1.2rem;
  margin: 1rem 0; padding: .7rem 1rem; border-left: 3px solid var(--accent); background: var(--soft); }
dl.results > div { display: contents; }
dl.results dt { font-weight: 600; }
dl.results dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display: inline-block; min-width: 1.4em; margin-left: .5em; padding: 0 .35em; border-radius: 3px;
  color: #fff; font-family: system-ui, sans-serif; font-weight: 700; text-align: center; }
.badge-ok { background: var(--ok); }
.badge-fail { background: var(--bad); }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: .92rem; }
caption { caption-side: bottom; padding-top: .4rem; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .7rem; text-align: right; }
th { background: var(--soft); }
td:first-child, th:first-child { text-align: left; }
.erratum { margin: 1rem 0; padding: .6rem 1rem; background: var(--warn-bg);
  border-left: 4px solid var(--warn-line); border-radius: 0 4px 4px 0; }
.erratum p { margin: .2rem 0; }
.exercise { margin: 1.2rem 0 2rem; }
nav.toc ol ol { list-style: none; padding-left: 1rem; font-size: .92rem; }
.exercise details { margin: .4rem 0; }
footer { margin-top: 4rem; font-size: .85rem; border-top: 1px solid var(--line); padding-top: 1rem; }
@media print {
  .page { max-width: none; padding: 0; }
  nav.toc { break-after: page; }
  section.lesson { break-before: page; }
  pre, table, .erratum, dl.results { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""

# Runs in the browser: records failed resources and script errors (the capture
# phase sees an <img> failing to load, which does not bubble), then on load
# writes a verdict into <body data-render-check>. The browser test reads it.
_SCRIPT = """
(function () {
  var problems = [];
  window.addEventListener('error', function (event) {
    var target = event.target;
    if (target && target !== window && target.getAttribute) {
      problems.push('failed to load ' + (target.getAttribute('src') || target.tagName));
    } else {
      problems.push('script error: ' + (event.message || 'unknown'));
    }
  }, true);
  window.addEventListener('load', function () {
    var broken = [], empty = 0, i;
    for (i = 0; i < document.images.length; i++) {
      var image = document.images[i];
      if (!image.complete || image.naturalWidth === 0) broken.push(image.getAttribute('src'));
    }
    var formulas = document.getElementsByTagName('math');
    for (i = 0; i < formulas.length; i++) {
      var box = formulas[i].getBoundingClientRect();
      if (box.width === 0 || box.height === 0) empty += 1;
    }
    var verdict = [];
    if (broken.length) verdict.push('broken images: ' + broken.join(', '));
    if (empty) verdict.push('formulas with no size: ' + empty);
    if (problems.length) verdict.push('errors: ' + problems.join('; '));
    var sections = document.querySelectorAll('main > section'), layout = [];
    for (i = 0; i < sections.length; i++) {
      var where = sections[i].getBoundingClientRect();
      layout.push(sections[i].id + ':' + Math.round(where.top + window.scrollY) + ':' + Math.round(where.height));
    }
    document.body.dataset.layout = layout.join(' ');
    document.body.dataset.pageHeight = String(document.documentElement.scrollHeight);
    document.body.dataset.formulas = String(formulas.length);
    document.body.dataset.mathFallbacks = String(document.querySelectorAll('.latex-fallback').length);
    document.body.dataset.renderCheck = verdict.length ? verdict.join(' | ') : 'ok';
  });
})();
"""


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------- formulas and Markdown

_XMLNS = re.compile(r'\s+xmlns="[^"]*"')
_LEFTOVER_MACRO = re.compile(r">\\[A-Za-z]+<")


@lru_cache(maxsize=4096)
def render_latex(latex: str, display: bool = False) -> str:
    """One formula as MathML (``<math>``), or its source in a ``latex-fallback`` code span.

    Parameters
    ----------
    latex : str
        A LaTeX formula without delimiters, as SymPy's ``latex()`` writes it.
    display : bool
        Display style (its own line, large fractions) instead of inline.

    Returns
    -------
    str
        HTML. latex2mathml converts the formula; when it fails, or leaves a
        macro it does not know as text (``\\undefinedmacro``), the escaped
        source is returned instead, so no formula is silently lost.

    Raises
    ------
    DomainError
        If `latex` is not a string.

    Examples
    --------
    >>> render_latex(r"\\frac{1}{2}")
    '<math display="inline"><mrow><mfrac><mrow><mn>1</mn></mrow><mrow><mn>2</mn></mrow></mfrac></mrow></math>'
    >>> render_latex(r"\\nosuchmacro{x}")
    '<code class="latex-fallback" title="formula not rendered">\\\\nosuchmacro{x}</code>'
    """
    if not isinstance(latex, str):
        raise DomainError(f"latex must be a string, got {type(latex).__name__}")
    source = latex.strip()
    if not source:
        return ""
    from latex2mathml.converter import convert

    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds; every one means "not rendered"
        mathml = None
    if mathml is None or _LEFTOVER_MACRO.search(mathml):
        return f'<code class="latex-fallback" title="formula not rendered">{_escape(source)}</code>'
    return _polish(_XMLNS.sub("", mathml, count=1))


# Operators written under/over themselves in display style (LaTeX's \lim_{h \to 0}).
_LIMIT_OPERATORS = {"lim", "max", "min", "sup", "inf", "liminf", "limsup", "argmax", "argmin"}
_PRIMES = {"\u2032", "\u2033", "\u2034"}


def _polish(mathml: str) -> str:
    """Four fixes to latex2mathml's output, each seen on screenshots in Chromium.

    - ``\\lim_{h \\to 0}`` comes out as ``msub``, so the limit sits beside "lim"
      even in display style: it becomes ``munder`` with ``movablelimits``, which
      MathML Core places under in display style and beside inline, as LaTeX does;
    - ``f'`` comes out as a superscript prime, which browsers raise a second
      time (the prime glyph already sits high): it becomes ``f`` followed by
      the prime;
    - a function name (``log``, ``sin``) runs into its argument (``logx``): a
      thin space follows it unless a parenthesis does;
    - a bar ``|`` gets the spacing of a relation (``= | ∇f |``): it is a
      delimiter of an absolute value or a norm in the course, so no space.
    """
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        return mathml
    for parent in root.iter():
        children = list(parent)
        for k, child in enumerate(children):
            if child.tag in ("msub", "msubsup") and len(child) and child[0].tag == "mo" \
                    and (child[0].text or "") in _LIMIT_OPERATORS:
                child.tag = "munder" if child.tag == "msub" else "munderover"
                child[0].set("movablelimits", "true")
            elif child.tag == "msup" and len(child) == 2:
                script = child[1]
                text = "".join(script.itertext())
                if text and set(text) <= _PRIMES and all(e.tag in ("mi", "mo", "mrow") for e in script.iter()):

                    child.tag, child.attrib = "mrow", {}
                    child.remove(script)
                    prime = ET.SubElement(child, "mo", {"lspace": "0", "rspace": "0"})
                    prime.text = text
            elif child.tag == "mo" and (child.text or "") in ("|", "\u2016", "\u2223"):
                child.set("lspace", "0")  # |x| and ||w|| are delimiters here, not the relation "divides"
                child.set("rspace", "0")
            elif child.tag in ("mi", "mo") and len(child.text or "") > 1 and (child.text or "").isalpha() \
                    and k + 1 < len(children):
                following = children[k + 1]
                opens = following.tag == "mo" and (following.text or "") in "([{"
                fenced = following.tag == "mrow" and len(following) and following[0].tag == "mrow" \
                    and len(following[0]) and following[0][0].get("fence") == "true"
                if not (opens or fenced) and child.get("movablelimits") is None:
                    child.tail = None
                    space = ET.Element("mspace", {"width": "0.1667em"})
                    parent.insert(list(parent).index(child) + 1, space)
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def _math(content: str, options: dict) -> str:
    return render_latex(content, display=bool(options.get("display_mode")))


@lru_cache(maxsize=2)
def _parser(prose: bool):
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False})
    # A page that works offline shows only the lessons' own figures: an image in the prose becomes its alt text.
    md.add_render_rule("image", lambda renderer, tokens, idx, options, env: _escape(tokens[idx].content))
    if not prose:
        md.disable(["emphasis"])  # plain text: '*' is multiplication there
    # No space inside $...$ and no digit outside it, so "costs $5 or $6" stays text.
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True, renderer=_math)
    return md


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"<(/?)h([1-6])>")


def markdown_to_html(text: str) -> str:
    """Lesson prose (CommonMark with ``$...$`` / ``$$...$$`` math) as HTML for the report.

    Raw HTML in the text is escaped, HTML comments are dropped, images are not
    loaded, and headings start at ``<h3>`` (the page uses ``<h1>``/``<h2>``).

    Examples
    --------
    >>> page = markdown_to_html("The slope of $x^2$ is **twice** $x$.")
    >>> page.count("<math"), "<strong>twice</strong>" in page, "$" in page
    (2, True, False)
    """
    rendered = _parser(True).render(_COMMENT.sub("", str(text))).strip()
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{3 if int(m.group(2)) <= 2 else 4}>", rendered)


def _plain(text: str) -> str:
    """Plain text on one line: code spans and $math$ work, '*' is left alone."""
    return _parser(False).renderInline(str(text))


def _plain_blocks(text: str) -> str:
    """Plain text in paragraphs (an exercise's prompt): like :func:`_plain`, with blank lines kept."""
    return _parser(False).render(_COMMENT.sub("", str(text))).strip()


# ---------------------------------------------------------------- blocks


def _results(rows: list[Result]) -> str:
    badges = {
        True: '<span class="badge badge-ok" title="check passed">✓</span>',
        False: '<span class="badge badge-fail" title="check failed">✗</span>',
        None: "",
    }
    body = "".join(
        f"<div><dt>{_escape(row.label)}</dt><dd>{_escape(row.value)}{badges[row.ok]}</dd></div>"
        for row in rows
    )
    return f'<dl class="results">{body}</dl>'


def _erratum(erratum: Erratum) -> str:
    return (
        f'<aside class="erratum"><p><strong>The original course says:</strong> {_plain(erratum.claim)}</p>'
        f"<p><strong>In fact:</strong> {_plain(erratum.correction)}</p></aside>"
    )


def _figure(block: Figure, files: dict[str, bytes], where: str) -> str:
    path = check_name(block.path, f"{where}: Figure.path")
    if path == _INDEX:
        raise DomainError(f"{where}: Figure.path {block.path!r} is a name the report itself uses; rename the figure")
    if path not in files:
        raise DomainError(
            f"{where}: the figure {path!r} is not among the lesson's files; a lesson makes its figures "
            "with calcml.course.lessons._common.figure, which keeps the PNG in LessonRun.files"
        )
    return (
        f'<figure><img src="{_escape(quote(path))}" alt="{_escape(block.caption)}">'
        f"<figcaption>{_plain(block.caption)}</figcaption></figure>"
    )


def _block(block: object, files: dict[str, bytes], where: str) -> str:
    if isinstance(block, Text):
        return markdown_to_html(block.markdown)
    if isinstance(block, Formula):
        label = f'<div class="formula-label">{_plain(block.label)}</div>' if block.label else ""
        return f'<div class="formula">{label}{render_latex(block.latex, display=True)}</div>'
    if isinstance(block, Table):
        head = "".join(f"<th>{_escape(c)}</th>" for c in block.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        caption = f"<caption>{_plain(block.caption)}</caption>" if block.caption else ""
        return (
            f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    if isinstance(block, Figure):
        return _figure(block, files, where)
    if isinstance(block, Code):
        language = re.sub(r"[^a-z0-9+-]", "", str(block.language).lower())
        return f'<pre><code class="language-{language}">{_escape(block.source)}</code></pre>'
    raise DomainError(
        f"{where} is a {type(block).__name__}; a lesson block must be one of "
        "Text, Formula, Result, Table, Figure, Code, Erratum"
    )


def _anchor(exercise_id: str) -> str:
    return "exercise-" + re.sub(r"[^A-Za-z0-9]+", "-", exercise_id)


def _exercise(exercise: Exercise) -> str:
    parts = [
        f'<article class="exercise" id="{_anchor(exercise.id)}">',
        f"<h4>Exercise {_escape(exercise.id)}: {_escape(exercise.title)}</h4>",
        _plain_blocks(exercise.prompt),
    ]
    if exercise.answer_format:
        parts.append(f"<p><strong>Answer format:</strong> {_plain(exercise.answer_format)}</p>")
    if exercise.hint:
        parts.append(f"<details><summary>Hint</summary><p>{_plain(exercise.hint)}</p></details>")
    parts.append(
        f"<pre><code>calcml exercise {_escape(exercise.id)}\n"
        f"calcml check {_escape(exercise.id)} &quot;ANSWER&quot;</code></pre></article>"
    )
    return "\n".join(parts)


def _lesson(run: LessonRun, index: int, errata: list[Erratum], exercises: list[Exercise],
            files: dict[str, bytes]) -> str:
    n = run.number
    parts = [f'<section class="lesson" id="lesson-{n}">', f"<h2>Lesson {n}: {_escape(run.title)}</h2>"]
    pending: list[Result] = []  # consecutive Results share one definition list
    for k, block in enumerate(run.blocks):
        if isinstance(block, Erratum):
            continue  # shown once, with the lesson's other errata, below
        if isinstance(block, Result):
            pending.append(block)
            continue
        if pending:
            parts.append(_results(pending))
            pending = []
        parts.append(_block(block, files, f"runs[{index}].blocks[{k}] (lesson {n})"))
    if pending:
        parts.append(_results(pending))
    if errata:
        parts.append(f'<h3 id="lesson-{n}-errata">Errata of the original course</h3>')
        parts.extend(_erratum(e) for e in errata)
    if exercises:
        parts.append(f'<h3 id="lesson-{n}-exercises">Exercises</h3>')
        parts.append("<p>Show one in the terminal with <code>calcml exercise ID</code>; have an answer graded "
                     "with <code>calcml check ID &quot;ANSWER&quot;</code> (or in the lesson's notebook).</p>")
        parts.extend(_exercise(e) for e in exercises)
    parts.append("</section>")
    return "\n".join(parts)


def _as_list(items: object, name: str, kind: type) -> list:
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise DomainError(f"{name} must be a list of {kind.__name__}, got {type(items).__name__}")
    items = list(items)
    for k, item in enumerate(items):
        if not isinstance(item, kind):
            raise DomainError(f"{name}[{k}] is a {type(item).__name__}; expected a {kind.__name__}")
    return items


def _unique(errata: list[Erratum]) -> list[Erratum]:
    return list(dict.fromkeys(errata))  # Erratum is frozen, so equal entries collapse to one


def write_report(
    runs: list[LessonRun],
    exercises: list[Exercise],
    errata: list[Erratum],
    out_dir: Path,
    *,
    title: str = "calcml: Calculus for Machine Learning",
    extra_files: dict[str, bytes] | None = None,
) -> Path:
    """Write the course as one self-contained HTML page, ``out_dir/index.html``.

    The page opens with a contents list; each lesson is followed by its own
    errata and exercises. Each erratum is shown once, whether a lesson's
    blocks carry it, `errata` lists it, or both.

    Parameters
    ----------
    runs : list of LessonRun
        What each lesson produced, in page order. Each Figure's PNG must be in
        its run's ``files`` (lessons make figures with ``_common.figure``).
    exercises : list of Exercise
        Shown under their lesson with their prompts and the commands that show
        and grade them; never their reference answers.
    errata : list of Erratum
        Mistakes in the original course, shown under their lesson (those of
        lessons not in `runs` in a last section).
    out_dir : path
        The report folder; created if missing.
    title : str
        The page title.
    extra_files : dict of str to bytes, optional
        More files to write in the same guarded step (the notebooks' sources).

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    DomainError
        Before anything is written: for a bad `out_dir`, a file in the way that
        calcml did not write (``index.html`` included), a link on the way
        (see :mod:`calcml.course.folder`), a Figure whose PNG the run does not
        hold, and for arguments of the wrong type.

    Examples
    --------
    >>> import tempfile
    >>> from calcml.course.model import Formula, LessonRun, Result, Text
    >>> run = LessonRun(1, "Differentiation", [Text("The slope of $x^2$ is $2x$."),
    ...                                        Formula(r"\\frac{d}{dx} x^{2} = 2 x"),
    ...                                        Result("f'(3), truth 6", "6.000000000", ok=True)])
    >>> page = write_report([run], [], [], Path(tempfile.mkdtemp()))
    >>> text = page.read_text()
    >>> page.name, "<h2>Lesson 1: Differentiation</h2>" in text, text.count("<math"), "://" in text
    ('index.html', True, 3, False)
    """
    runs = _as_list(runs, "runs", LessonRun)
    exercises = _as_list(exercises, "exercises", Exercise)
    errata = _as_list(errata, "errata", Erratum)
    numbers = [run.number for run in runs]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise DomainError(f"runs has lesson {duplicates[0]} more than once; pass each lesson's run once")
    out_dir = check_folder(out_dir)

    files: dict[str, bytes] = {}
    for run in runs:
        for name, data in run.files.items():
            files[check_name(name, f"lesson {run.number}'s file")] = data
    all_errata = _unique([b for run in runs for b in run.blocks if isinstance(b, Erratum)] + errata)
    sections, toc = [], []
    for k, run in enumerate(runs):
        own_errata = [e for e in all_errata if e.lesson == run.number]
        own_exercises = [e for e in exercises if e.lesson == run.number]
        sections.append(_lesson(run, k, own_errata, own_exercises, files))
        sub = []
        if own_errata:
            sub.append(f'<li><a href="#lesson-{run.number}-errata">Errata ({len(own_errata)})</a></li>')
        if own_exercises:
            sub.append(f'<li><a href="#lesson-{run.number}-exercises">Exercises: '
                       f'{", ".join(_escape(e.id) for e in own_exercises)}</a></li>')
        inner = f"<ol>{''.join(sub)}</ol>" if sub else ""
        toc.append(f'<li><a href="#lesson-{run.number}">Lesson {run.number}: {_escape(run.title)}</a>{inner}</li>')
    rest_errata = [e for e in all_errata if e.lesson not in numbers]
    rest_exercises = [e for e in exercises if e.lesson not in numbers]
    if rest_errata or rest_exercises:
        body = "".join(_erratum(e) for e in sorted(rest_errata, key=lambda e: e.lesson))
        body += "".join(_exercise(e) for e in rest_exercises)
        sections.append(f'<section id="more"><h2>Lessons not in this report</h2>{body}</section>')
        toc.append('<li><a href="#more">Lessons not in this report: errata and exercises</a></li>')
    n_errata = len(all_errata)
    notebook_sources = sorted(name for name in (extra_files or {}) if name.startswith("notebooks/"))
    notebooks_note = (
        "<p>Each lesson is also a Jupyter notebook: its source is beside this page in "
        f"<code>notebooks/</code> ({len(notebook_sources)} files in jupytext's percent format); "
        "<code>calcml notebooks --out DIR</code> writes them as <code>.ipynb</code>.</p>\n"
        if notebook_sources else "")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="calcml">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{_escape(title)}</title>
<style>{_CSS}</style>
<script>{_SCRIPT}</script>
</head>
<body>
<div class="page">
<header><h1>{_escape(title)}</h1>
<p class="subtitle">Written by <code>calcml course</code>: {len(runs)} lessons, {len(exercises)} exercises,
{n_errata} errata of the original course.
Every number on this page was computed by calcml when the page was written.</p></header>
{notebooks_note}<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(toc)}</ol></nav>
<main>
{chr(10).join(sections)}
</main>
<footer>calcml: the calculus behind machine learning, runnable and checkable. This page works offline.</footer>
</div>
</body>
</html>
"""
    for name in extra_files or {}:
        if check_name(name, "extra file") in files or name == _INDEX:
            raise DomainError(f"extra file {name!r} has the name of a page or figure; rename it")
    # The course owns its page, its figures and its notebook sources; files of ``calcml notebooks``
    # in the same folder are left alone.
    write_files(out_dir, {_INDEX: page.encode("utf-8"), **files, **(extra_files or {})},
                owns=lambda name: output_kind(name) in ("page", "figure", "course-notebook"))
    return out_dir / _INDEX
