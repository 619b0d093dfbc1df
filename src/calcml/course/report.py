"""The course report: every lesson run, the errata and the exercises as one offline HTML page.

``calcml course`` runs the lessons (which compute their results and write their
figures into ``out_dir/lesson-0N/``) and then calls :func:`write_report`, which
presents those blocks as ``out_dir/index.html``. The page is self-contained:
CSS and a small script inline, formulas as inline SVG
(:mod:`calcml.course.mathrender`), figures by relative path. It refers to
nothing on the network, so it opens the same offline, from a USB stick or in
ten years.

Two safety rules, because the output folder may be one the user chose:

- the report writes only ``index.html`` and a manifest (``.calcml-report.json``)
  in `out_dir`, and never writes outside it;
- a later run deletes only files an earlier run listed in its manifest and no
  longer produces (a figure a lesson stopped drawing). A user's own files
  survive, and an ``index.html`` calcml did not write is never overwritten.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from calcml.course.markdown import escape as _escape
from calcml.course.markdown import inline as _inline
from calcml.course.markdown import markdown_to_html
from calcml.course.mathrender import MATH_CSS, render_latex
from calcml.course.model import Code, Erratum, Exercise, Figure, Formula, LessonRun, Result, Table, Text
from calcml.errors import DomainError

__all__ = ["write_report", "markdown_to_html", "MANIFEST_NAME"]

MANIFEST_NAME = ".calcml-report.json"
_INDEX = "index.html"
_GENERATOR = "calcml.course.report"
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
.formula .math-display { margin: .3rem 0; }
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
    var formulas = document.querySelectorAll('svg.mt');
    for (i = 0; i < formulas.length; i++) {
      if (formulas[i].getBoundingClientRect().width === 0) empty += 1;
    }
    var verdict = [];
    if (broken.length) verdict.push('broken images: ' + broken.join(', '));
    if (empty) verdict.push('formulas with no width: ' + empty);
    if (problems.length) verdict.push('errors: ' + problems.join('; '));
    document.body.dataset.mathFallbacks = String(document.querySelectorAll('.latex-fallback').length);
    document.body.dataset.renderCheck = verdict.length ? verdict.join(' | ') : 'ok';
  });
})();
"""


def _figure_path(path: object, out_dir: Path, where: str) -> str:
    """Check a Figure's path: relative, inside out_dir, an existing file. Returns it in POSIX form."""
    if not isinstance(path, str) or not path.strip():
        raise DomainError(f"{where}: Figure.path must be a non-empty relative path string, got {path!r}")
    posix = PurePosixPath(path)
    if "\\" in path or posix.is_absolute() or PureWindowsPath(path).drive:
        raise DomainError(
            f"{where}: Figure.path {path!r} must be relative to the report folder with '/' separators, "
            "such as 'lesson-01/tangent.png'"
        )
    if ".." in posix.parts:
        raise DomainError(
            f"{where}: Figure.path {path!r} contains '..'; figures must lie inside the report folder"
        )
    normal = str(PurePosixPath(*[part for part in posix.parts if part != "."]))
    if normal in (_INDEX, MANIFEST_NAME):
        raise DomainError(f"{where}: Figure.path {path!r} is a name the report itself uses; rename the figure")
    target = out_dir / normal
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise DomainError(f"{where}: Figure.path {path!r} leads outside the report folder through a link")
    if not target.is_file():
        raise DomainError(
            f"{where}: the figure {normal!r} does not exist in {out_dir}; the lesson must save it "
            "there before the report is written"
        )
    return normal


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
        f'<aside class="erratum"><p><strong>Erratum (lesson {erratum.lesson}).</strong> '
        f"The original course says: {_inline(erratum.claim)} — "
        f"in fact: {_inline(erratum.correction)}</p></aside>"
    )


def _block(block: object, out_dir: Path, where: str, figures: list[str]) -> str:
    if isinstance(block, Text):
        return markdown_to_html(block.markdown)
    if isinstance(block, Formula):
        label = f'<div class="formula-label">{_inline(block.label)}</div>' if block.label else ""
        return f'<div class="formula">{label}{render_latex(block.latex, display=True)}</div>'
    if isinstance(block, Table):
        head = "".join(f"<th>{_escape(c)}</th>" for c in block.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
        )
        caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
        return (
            f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
    if isinstance(block, Figure):
        path = _figure_path(block.path, out_dir, where)
        figures.append(path)
        return (
            f'<figure><img src="{_escape(quote(path))}" alt="{_escape(block.caption)}">'
            f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
        )
    if isinstance(block, Code):
        language = re.sub(r"[^a-z0-9+-]", "", str(block.language).lower())
        return f'<pre><code class="language-{language}">{_escape(block.source)}</code></pre>'
    if isinstance(block, Erratum):
        return _erratum(block)
    raise DomainError(
        f"{where} is a {type(block).__name__}; a lesson block must be one of "
        "Text, Formula, Result, Table, Figure, Code, Erratum"
    )


def _lesson(run: LessonRun, index: int, out_dir: Path, figures: list[str]) -> str:
    parts = [
        f'<section class="lesson" id="lesson-{run.number}">',
        f"<h2>Lesson {run.number}: {_escape(run.title)}</h2>",
    ]
    pending: list[Result] = []  # consecutive Results share one definition list
    for k, block in enumerate(run.blocks):
        if isinstance(block, Result):
            pending.append(block)
            continue
        if pending:
            parts.append(_results(pending))
            pending = []
        parts.append(_block(block, out_dir, f"runs[{index}].blocks[{k}] (lesson {run.number})", figures))
    if pending:
        parts.append(_results(pending))
    parts.append("</section>")
    return "\n".join(parts)


def _exercise(exercise: Exercise) -> str:
    anchor = re.sub(r"[^A-Za-z0-9]+", "-", exercise.id)
    parts = [
        f'<article class="exercise" id="exercise-{anchor}">',
        f"<h3>Exercise {_escape(exercise.id)}: {_escape(exercise.title)}</h3>",
        markdown_to_html(exercise.prompt),
    ]
    if exercise.answer_format:
        parts.append(f"<p><strong>Answer format:</strong> {_escape(exercise.answer_format)}</p>")
    if exercise.hint:
        parts.append(f"<details><summary>Hint</summary><p>{_inline(exercise.hint)}</p></details>")
    parts.append(
        f"<pre><code>calcml exercise {_escape(exercise.id)}\n"
        f"calcml check {_escape(exercise.id)} &quot;ANSWER&quot;</code></pre></article>"
    )
    return "\n".join(parts)


def _as_list(items: object, name: str, kind: type) -> list:
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise DomainError(f"{name} must be a list of {kind.__name__}, got {type(items).__name__}")
    items = list(items)
    for k, item in enumerate(items):
        if not isinstance(item, kind):
            raise DomainError(f"{name}[{k}] is a {type(item).__name__}; expected a {kind.__name__}")
    return items


def _check_out_dir(out_dir: object) -> Path:
    if not isinstance(out_dir, (str, os.PathLike)):
        raise DomainError(f"out_dir must be a folder path, got {type(out_dir).__name__}")
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise DomainError(f"out_dir {str(path)!r} exists and is not a folder; choose a folder for the report")
    resolved = path.resolve()
    if resolved == Path(resolved.anchor):
        raise DomainError(f"out_dir {str(path)!r} is the root of the file system; choose a folder of its own")
    return path


def _read_manifest(out_dir: Path) -> list[str]:
    """The files an earlier run listed, or [] when there is no readable manifest."""
    try:
        data = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("generator") != _GENERATOR:
        return []
    if not isinstance(data.get("files"), list):
        return []
    return [name for name in data["files"] if isinstance(name, str)]


def _remove_stale(out_dir: Path, old: list[str], new: set[str]) -> None:
    root = out_dir.resolve()
    for name in old:
        if name in new:
            continue
        posix = PurePosixPath(name)
        # A manifest is a file on disk: trust none of it. Only plain relative
        # names, only regular files, only inside out_dir after links resolve.
        if posix.is_absolute() or ".." in posix.parts or "\\" in name or not name or name == MANIFEST_NAME:
            continue
        target = out_dir / name
        if target.is_symlink() or not target.is_file() or not target.resolve().is_relative_to(root):
            continue
        target.unlink()


def _write_atomically(path: Path, text: str) -> None:
    # Written beside its final name and moved into place, so a reader never sees half a page.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_report(
    runs: list[LessonRun],
    exercises: list[Exercise],
    errata: list[Erratum],
    out_dir: Path,
    *,
    title: str = "calcml: Calculus for Machine Learning",
) -> Path:
    """Write the course as one self-contained HTML page, ``out_dir/index.html``.

    Parameters
    ----------
    runs : list of LessonRun
        What each lesson produced, in page order. Their Figure paths are
        relative to `out_dir` and the files must already be there.
    exercises : list of Exercise
        Listed with their prompts and the commands that show and grade them.
    errata : list of Erratum
        Mistakes in the original course, listed in their own section.
    out_dir : path
        The report folder; created if missing.
    title : str
        The page title.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    DomainError
        For an `out_dir` that is a file or the file-system root, for an
        ``index.html`` in `out_dir` that calcml did not write, for a Figure path
        that is absolute, contains ``..``, leaves `out_dir` or does not exist,
        and for arguments of the wrong type.

    Notes
    -----
    Next to the page, ``.calcml-report.json`` lists the files this run
    presented (the page and its figures). The next run deletes the files of the
    old list that it no longer presents, and nothing else.

    Examples
    --------
    >>> import tempfile
    >>> from calcml.course.model import Formula, LessonRun, Result, Text
    >>> run = LessonRun(1, "Differentiation", [Text("The slope of $x^2$ is $2x$."),
    ...                                        Formula(r"\\frac{d}{dx} x^{2} = 2 x"),
    ...                                        Result("f'(3), truth 6", "6.000000000", ok=True)])
    >>> page = write_report([run], [], [], Path(tempfile.mkdtemp()))
    >>> text = page.read_text()
    >>> page.name, "<h2>Lesson 1: Differentiation</h2>" in text, "://" in text
    ('index.html', True, False)
    """
    runs = _as_list(runs, "runs", LessonRun)
    exercises = _as_list(exercises, "exercises", Exercise)
    errata = _as_list(errata, "errata", Erratum)
    numbers = [run.number for run in runs]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
    if duplicates:
        raise DomainError(f"runs has lesson {duplicates[0]} more than once; pass each lesson's run once")
    out_dir = _check_out_dir(out_dir)
    old = _read_manifest(out_dir) if out_dir.is_dir() else []
    index = out_dir / _INDEX
    if index.exists() and _INDEX not in old:
        raise DomainError(
            f"{index} exists and was not written by calcml; move it away or choose another folder "
            "for the report"
        )
    out_dir.mkdir(parents=True, exist_ok=True)

    figures: list[str] = []
    lessons = [_lesson(run, k, out_dir, figures) for k, run in enumerate(runs)]
    toc = "".join(
        f'<li><a href="#lesson-{r.number}">Lesson {r.number}: {_escape(r.title)}</a></li>' for r in runs
    )
    toc += '<li><a href="#errata">Errata of the original course</a></li>'
    toc += '<li><a href="#exercises">Exercises</a></li>'
    errata_html = "\n".join(_erratum(e) for e in sorted(errata, key=lambda e: e.lesson))
    errata_html = errata_html or "<p>None recorded.</p>"
    exercises_html = "\n".join(_exercise(e) for e in exercises) or "<p>No exercises.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="calcml">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{_escape(title)}</title>
<style>{_CSS}{MATH_CSS}</style>
<script>{_SCRIPT}</script>
</head>
<body>
<div class="page">
<header><h1>{_escape(title)}</h1>
<p class="subtitle">Written by <code>calcml course</code>: {len(runs)} lessons, {len(exercises)} exercises.
Every number on this page was computed by calcml when the page was written.</p></header>
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>
<main>
{chr(10).join(lessons)}
<section id="errata"><h2>Errata of the original course</h2>
{errata_html}
</section>
<section id="exercises"><h2>Exercises</h2>
<p>Show an exercise in the terminal with <code>calcml exercise ID</code>; have an answer graded with
<code>calcml check ID "ANSWER"</code>.</p>
{exercises_html}
</section>
</main>
<footer>calcml: the calculus behind machine learning, runnable and checkable. This page works offline.</footer>
</div>
</body>
</html>
"""
    _write_atomically(index, page)
    produced = [_INDEX, *dict.fromkeys(figures)]
    _remove_stale(out_dir, old, set(produced))
    manifest = {"generator": _GENERATOR, "format": 1, "files": produced}
    _write_atomically(out_dir / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return index
