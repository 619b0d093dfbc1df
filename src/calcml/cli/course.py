"""The course on the command line: ``lessons``, ``lesson``, ``exercise``, ``check`` and ``course``."""

from __future__ import annotations

from typing import List

import typer

from ._shared import (
    EXIT_FAILED as _EXIT_FAILED,
    DEFAULT_OUT as _DEFAULT_OUT,
    console as _console,
    emit_json as _emit_json,
    esc as _esc,
)


# --- the course -------------------------------------------------------------------------------

def lessons(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """List the course's lessons and which are available."""
    from ..course.catalog import LESSONS, summary

    rows = [{"number": n, "title": i.title, "available": i.available, "summary": summary(n)}
            for n, i in LESSONS.items()]
    if as_json:
        _emit_json({"lessons": rows})
        return
    from rich.table import Table

    t = Table(title="calcml course")
    for col in ("lesson", "title", "available", "what it covers"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["number"]), _esc(r["title"]), "yes" if r["available"] else "not yet", _esc(r["summary"]))
    _console(prose=True).print(t)
    _console(prose=True).print("Run one with: calcml lesson N   |   the whole course: calcml course")


def lesson(
    number: int = typer.Argument(..., help="Lesson number (see: calcml lessons)."),
    out: str = typer.Option(_DEFAULT_OUT, "--out", help="Folder for the figures (written to OUT/lesson-0N/)."),
):
    """Run one lesson: its explanation, worked examples and figures."""
    from pathlib import Path

    from ..course.catalog import get_lesson, run_lesson
    from ..course.exercises import exercises_for

    get_lesson(number)
    con = _console(prose=True)
    with con.status(f"running lesson {number}..."):
        run = run_lesson(number, Path(out))
    _render_lesson(con, run)
    ex = exercises_for(number)
    if ex:
        con.rule("Exercises")
        for e in ex:
            con.print(f"[bold]{_esc(e.id)}[/bold] {_esc(e.title)}:  calcml exercise {_esc(e.id)}")


def _render_lesson(con, run) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.table import Table

    from ..course import model
    from ._unicode_math import latex_to_unicode, split_math

    con.rule(f"Lesson {run.number}: {_esc(run.title)}")
    for b in run.blocks:
        if isinstance(b, model.Text):
            # LaTeX becomes Unicode before Markdown sees it (Markdown would eat "\," and run a
            # matrix's rows together); display formulas keep their own lines.
            for kind, part in split_math(b.markdown):
                if kind == "display":
                    _print_formula(con, "", part)
                else:
                    con.print(Markdown(part))
        elif isinstance(b, model.Formula):
            _print_formula(con, b.label, latex_to_unicode(b.latex))
        elif isinstance(b, model.Result):
            badge = "" if b.ok is None else ("  [green]\u2713[/green]" if b.ok else "  [red]\u2717[/red]")
            con.print(f"  [bold]{_esc(b.label)}[/bold]: {_esc(b.value)}{badge}")
        elif isinstance(b, model.Table):
            t = Table(title=_esc(b.caption) if b.caption else None)
            for c in b.columns:
                t.add_column(_esc(c), justify="right")
            for r in b.rows:
                t.add_row(*(_esc(c) for c in r))
            con.print(t)
        elif isinstance(b, model.Figure):
            con.print(f"  [cyan]figure[/cyan] {_esc(run.out_dir / b.path)}: {_esc(b.caption)}")
        elif isinstance(b, model.Code):
            # Code as plain lines, never wrapped, so that it can be copied and run as it is
            con.print(f"[dim]--- {_esc(b.language)} ---[/dim]")
            con.print(_esc(b.source), soft_wrap=True, highlight=False)
            con.print("[dim]---[/dim]")
        elif isinstance(b, model.Erratum):
            con.print(Panel(f"[bold]The original course says:[/bold] {_esc(b.claim)}\n"
                            f"[bold]In fact:[/bold] {_esc(b.correction)}",
                            title="erratum", border_style="yellow"))


def _print_formula(con, label: str, text: str) -> None:
    """A formula already in Unicode: on the label's line when it is one line, else indented below it."""
    from rich.text import Text

    lines = text.split("\n")
    lead = f"  {label}: " if label else "  "
    if len(lines) == 1:
        con.print(Text(lead + lines[0]), soft_wrap=False)
        return
    if label:
        con.print(Text(f"  {label}:"))
    for line in lines:
        con.print(Text("    " + line), no_wrap=True, overflow="ignore", crop=False)


def exercise(
    exercise_id: str = typer.Argument(..., metavar="ID", help="Exercise id, e.g. 1.1."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Show an exercise's task."""
    from ..course.exercises import get_exercise

    e = get_exercise(exercise_id)
    info = {"id": e.id, "lesson": e.lesson, "title": e.title, "prompt": e.prompt, "kind": e.kind,
            "answer_format": e.answer_format, "hint": e.hint,
            "check": f'calcml check {e.id} "YOUR ANSWER"'}
    if as_json:
        _emit_json(info)
        return
    con = _console(prose=True)
    con.rule(f"Exercise {_esc(e.id)}: {_esc(e.title)}")
    # one paragraph per line when piped (soft_wrap): a terminal wraps it, a program reads it whole
    con.print(_esc(e.prompt), soft_wrap=not con.is_terminal)
    if e.answer_format:
        con.print(f"[dim]Answer format:[/dim] {_esc(e.answer_format)}", soft_wrap=not con.is_terminal)
    if e.hint:
        con.print(f"[dim]Hint:[/dim] {_esc(e.hint)}", soft_wrap=not con.is_terminal)
    con.print(f'Check your answer: calcml check {_esc(e.id)} "YOUR ANSWER"', soft_wrap=not con.is_terminal)


def check(
    exercise_id: str = typer.Argument(..., metavar="ID", help="Exercise id, e.g. 1.1."),
    answer: str = typer.Argument(..., help="Your answer, e.g. '3x^2 - 4x'."),
    reveal: bool = typer.Option(False, "--reveal", help="Also show the expected answer."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Grade an answer: exit code 0 when it is right, 1 when it is wrong."""
    from ..course.grading import grade

    g = grade(exercise_id, answer)
    if as_json:
        _emit_json(g.to_dict(reveal=reveal))
    else:
        con = _console()
        con.print("[green bold]correct[/green bold]" if g.correct else "[red bold]not right yet[/red bold]")
        if g.feedback and not (g.correct and g.feedback.strip().rstrip(".").lower() == "correct"):
            con.print(_esc(g.feedback))  # "Correct." would only repeat the verdict
        if reveal:
            con.print(f"expected: {_esc(g.expected)}")
    if not g.correct:
        raise typer.Exit(_EXIT_FAILED)  # a wrong answer: the computation (grading) says no


def course(
    out: str = typer.Option(_DEFAULT_OUT, "--out", help="Folder for the report (OUT/index.html) and figures."),
):
    """Run the whole course and write an HTML report with figures."""
    import time
    from pathlib import Path

    from ..course.catalog import run_course

    con = _console(prose=True)
    t0 = time.perf_counter()
    if con.is_terminal:  # progress per lesson on a terminal; piped output gets the result only
        with con.status("running the course...") as status:
            def progress(msg: str) -> None:
                status.update(f"running the course: {_esc(msg)}")
                con.print(f"  {_esc(msg)}  [dim]({time.perf_counter() - t0:.1f} s)[/dim]")

            path = run_course(Path(out), progress=progress)
    else:
        path = run_course(Path(out))
    con.print(f"[bold]report written to {_esc(path.resolve())}[/bold]  ({time.perf_counter() - t0:.1f} s)")
    con.print(f"open it in a browser: file://{_esc(path.resolve())}")


def register(app: typer.Typer) -> None:
    """Add this group's commands to `app`."""
    app.command("lessons")(lessons)
    app.command("lesson")(lesson)
    app.command("exercise")(exercise)
    app.command("check")(check)
    app.command("course")(course)
