"""The ``calcml`` command line: a thin typer app.

Each command parses its arguments, calls the library and renders the result,
as rich text or, with ``--json``, as one JSON object. Errors become exit codes
here and only here: 0 ok, 1 the computation failed, 2 bad input or usage.
Heavy imports (SymPy, SciPy, matplotlib) happen inside the command that needs
them, so ``calcml --help`` stays quick.
"""

from __future__ import annotations

import json
import math
import sys
from typing import List, Optional

import typer

app = typer.Typer(
    name="calcml",
    help="The calculus behind machine learning: derivatives, integrals, gradients and "
         "Jacobians, three ways that check each other. Run 'calcml course' for the whole course.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

from ._shared import (  # noqa: F401 - the helpers every command group shares
    DEFAULT_OUT as _DEFAULT_OUT,
    Failed as _Failed,
    console as _console,
    emit_json as _emit_json,
    esc as _esc,
    number as _number,
    plot_path as _plot_path,
    state as _state,
    steps_json as _steps_json,
    steps_tree as _steps_tree,
)


# --- global options ---------------------------------------------------------------------------

def _version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"calcml {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    _state["verbose"] = verbose


# --- lesson 1: diff ---------------------------------------------------------------------------

@app.command()
def diff(
    expr: str = typer.Argument(..., help="The function, e.g. 'x^3 - 2x^2 + 1'."),
    var: Optional[str] = typer.Option(None, "--var", help="Variable to differentiate by (default: the only one)."),
    order: int = typer.Option(1, "--order", min=1, max=10, help="Order of the derivative."),
    at: Optional[str] = typer.Option(None, "--at", help="Also estimate the derivative numerically at this point."),
    method: Optional[str] = typer.Option(
        None, "--method", help="Numeric method: forward, backward, central, richardson, complex (default: best)."),
    steps: bool = typer.Option(False, "--steps", help="Show the rule-by-rule derivation."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the lesson-1 figure (f and f') to this PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Differentiate an expression: the rules, the steps, and a numeric check at a point."""
    from ..derivatives import derivative
    from ..expressions import parse, to_function

    plot = _plot_path(plot)
    expression = parse(expr)
    sd = derivative(expression, var, order)
    variable = sd.variable.name
    out = {
        "input": expr,
        "variable": variable,
        "order": order,
        "derivative": str(sd.derivative),
        "latex": sd.latex,
        "steps": [row for s in sd.steps for row in _steps_json(s)],
    }
    est = None
    if at is not None:
        from ..testing import agree  # NumPy: only needed for the numeric check

        x0 = _number(at, "--at")
        est = derivative(expression, variable, order, at=x0, method=method)
        exact = _exact_at(to_function(sd.derivative, [variable], backend="mpmath"), x0)
        out.update({"at": x0, **{k: v for k, v in est.to_dict().items()},
                    "exact": exact if exact is None or math.isfinite(exact) else str(exact),
                    "agree": bool(est.ok and exact is not None and agree(est.value, exact))})
    if plot:
        _plot_rate_vs_rule(expression, sd, variable, plot)
        out["plot"] = plot
    if as_json:
        _emit_json(out)
    else:
        con = _console()
        prime = "'" * order if order <= 3 else f"^({order})"
        con.print(f"f({_esc(variable)}) = {_esc(expression)}")
        con.print(f"[bold]f{prime}({_esc(variable)}) = {_esc(sd.derivative)}[/bold]")
        if steps:
            for i, s in enumerate(sd.steps, 1):
                title = "Steps" if len(sd.steps) == 1 else f"Steps, derivative {i}"
                con.print(_steps_tree(s, title))
        if est is not None:
            con.print(f"at {variable} = {x0:g}:  numeric {est.value!r} \u00b1 {est.error:.1e} "
                      f"({est.method}, {est.evaluations} evaluations, {est.status.value})")
            shown = "undefined at this point" if exact is None else repr(exact)
            con.print(f"            symbolic {shown}   agree: {'yes' if out['agree'] else 'NO'}")
            if est.message:
                con.print(f"[yellow]{_esc(est.message)}[/yellow]")
        if plot:
            con.print(f"figure written to {_esc(plot)}")
    if est is not None and not est.ok:
        raise _Failed(est.message or f"the numeric estimate did not succeed ({est.status.value})")


def _exact_at(f, x0: float) -> Optional[float]:
    """The symbolic derivative's value at x0 (mpmath), or None where it is undefined or not real."""
    try:
        value = f(x0)
        if getattr(value, "imag", 0) != 0:  # e.g. d/dx sqrt(x) at x < 0: complex, not a real slope
            return None
        return float(getattr(value, "real", value))
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None  # 1/x at 0, log at 0, ...: the rules give no number there


def _plot_rate_vs_rule(expression, sd, variable: str, path: str) -> None:
    import numpy as np

    from ..expressions import to_function
    from ..plots import save
    from ..plots.derivative import plot_rate_vs_rule

    f = to_function(expression, [variable])
    df = to_function(sd.derivative, [variable])
    axes = plot_rate_vs_rule(f, df, np.linspace(-10, 10, 501), label=str(expression))
    save(axes[0].figure, path)


# --- lesson 2: integrate ----------------------------------------------------------------------

@app.command()
def integrate(
    expr: str = typer.Argument(..., help="The integrand, e.g. '3x^2 - 4x'."),
    var: Optional[str] = typer.Option(None, "--var", help="Variable of integration (default: the only one)."),
    a: Optional[str] = typer.Option(None, "--from", help="Lower limit, for a definite integral."),
    b: Optional[str] = typer.Option(None, "--to", help="Upper limit, for a definite integral."),
    method: str = typer.Option(
        "adaptive", "--method", help="left, right, midpoint, trapezoid, simpson or adaptive."),
    n: Optional[int] = typer.Option(None, "--n", min=1, help="Number of subintervals for the fixed rules."),
    table: bool = typer.Option(False, "--table", help="Convergence table of the rules (needs --from/--to)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the lesson-2 figure (running sum vs F) to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Integrate an expression: the antiderivative with steps, and definite integrals numerically."""
    from ..derivatives import antiderivative, as_function, convergence_table
    from ..errors import ComputationError, DomainError
    from ..expressions import parse
    from ..integrate import integral

    plot = _plot_path(plot)
    expression = parse(expr)
    if (a is None) != (b is None):
        raise DomainError("give both --from and --to for a definite integral")
    if table and a is None:
        raise DomainError("--table needs --from and --to")
    out: dict = {"input": expr}
    anti = None
    no_closed_form = None
    try:
        anti = antiderivative(expression, var)
    except ComputationError as err:
        no_closed_form = str(err)
        if a is None:
            raise
    if anti is not None:
        out.update({
            "variable": anti.variable.name,
            "antiderivative": str(anti.antiderivative),
            "latex": anti.latex,
            "verified": bool(anti.verified),
            "steps": _steps_json(anti.steps) if anti.steps is not None else [],
        })
    else:
        out.update({"antiderivative": None, "latex": None, "steps": [], "note": no_closed_form})
    est = None
    if a is not None:
        lo, hi = _number(a, "--from"), _number(b, "--to")
        f = as_function(expression, var)
        est = integral(f, lo, hi, method=method, n=n)
        out.update({"from": lo, "to": hi, **est.to_dict()})
        if table:
            tab = convergence_table(expression, lo, hi, var)
            out["table"] = tab.to_records()
            out["exact"] = tab.exact
            out["exact_source"] = tab.exact_source
    if plot:
        _plot_running_sum(expression, anti, var, plot, a, b)
        out["plot"] = plot
    if as_json:
        _emit_json(out)
    else:
        _render_integral(out, anti, est, table)
    if est is not None and not est.ok:
        raise _Failed(est.message or f"the numeric integral did not succeed ({est.status.value})")


def _render_integral(out: dict, anti, est, table: bool) -> None:
    con = _console()
    if anti is not None:
        v = anti.variable.name
        con.print(f"[bold]\u222b {_esc(anti.expression)} d{_esc(v)} = {_esc(anti.antiderivative)} + C[/bold]")
        con.print(f"verified by differentiation: {'yes' if anti.verified else 'NO'}")
        if anti.steps is not None:
            con.print(_steps_tree(anti.steps, "Steps"))
    else:
        con.print(f"[yellow]{_esc(out['note'])}[/yellow]")
    if est is not None:
        con.print(f"\u222b from {out['from']:g} to {out['to']:g} = {est.value!r} \u00b1 {est.error:.1e} "
                  f"({est.method}, {est.evaluations} evaluations, {est.status.value})")
        if est.message:
            con.print(f"[yellow]{_esc(est.message)}[/yellow]")
    if table:
        from rich.table import Table

        t = Table(title=f"Convergence (exact value {out['exact']!r}, {_esc(out['exact_source'])})")
        for col in ("method", "n", "value", "error", "order"):
            t.add_column(col, justify="right")
        for r in out["table"]:
            order = "" if r["order"] is None else f"{r['order']:.2f}"
            t.add_row(r["method"], str(r["n"]), f"{r['value']:.15g}", f"{r['error']:.2e}", order)
        con.print(t)
    if out.get("plot"):
        con.print(f"figure written to {_esc(out['plot'])}")


def _plot_running_sum(expression, anti, var, path, a, b) -> None:
    from ..derivatives import as_function
    from ..errors import ComputationError
    from ..integrate import cumulative_integral
    from ..plots import save
    from ..plots.integral import plot_running_sum

    if anti is None:
        raise ComputationError("the running-sum figure needs a closed-form antiderivative")
    lo = _number(a, "--from") if a is not None else -10.0
    hi = _number(b, "--to") if b is not None else 10.0
    f = as_function(expression, var)
    cum = cumulative_integral(f, lo, hi, (hi - lo) / 200)
    F = as_function(anti.antiderivative, anti.variable.name)
    ax = plot_running_sum(cum, F)
    save(ax.figure, path)


# --- lessons 3 and 4: grad, jacobian, hessian, steepest ------------------------------------------

def _render_comparison(r, title: str) -> None:
    import numpy as np

    con = _console()
    if r.expressions is not None:
        con.print(f"[bold]{title} = {_esc(_nested(r.expressions))}[/bold]")
    if r.at is not None:
        con.print(f"at ({', '.join(f'{n} = {v:g}' for n, v in zip(r.variables, r.at))}):")
        for name, ans in r.lenses.items():
            val = _nested(np.asarray(ans.value).tolist()) if ans.value is not None else "-"
            extra = f"  {_esc(f'[{ans.method}]')}" if ans.method else ""
            mark = "" if ans.ok else f"  [red]{_esc(ans.status.value)}: {_esc(ans.message)}[/red]"
            con.print(f"  {name:<9} {_esc(val)}{extra}{mark}")
        if r.agree is not None:
            con.print(f"  lenses agree: {'yes' if r.agree else '[red]NO[/red]'}")


def _nested(x) -> str:
    if isinstance(x, (tuple, list)):
        return "[" + ", ".join(_nested(e) for e in x) + "]"
    if isinstance(x, float):
        return f"{x:.15g}"
    return str(x)


def _finish_comparison(r, as_json: bool, title: str) -> None:
    if as_json:
        _emit_json(r.to_dict())
    else:
        _render_comparison(r, title)
    failed = [f"{n}: {a.message or a.status.value}" for n, a in r.lenses.items() if not a.ok]
    if failed:
        raise _Failed("; ".join(failed))
    if r.agree is False:
        raise _Failed("the lenses disagree")


@app.command()
def grad(
    expr: str = typer.Argument(..., help="A function of several variables, e.g. 'x^2 + y^3'."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 2,3."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the gradient field (two variables) to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The gradient, three ways (symbolic, numeric, automatic), and whether they agree."""
    from ..multivariate import gradient

    plot = _plot_path(plot)
    r = gradient(expr, at=at, vars=vars, lens=lens)
    if plot:
        _plot_gradient_field(expr, vars, r, plot)
    _finish_comparison(r, as_json, "\u2207f")
    if plot and not as_json:
        _console().print(f"figure written to {_esc(plot)}")


def _plot_gradient_field(expr, vars, r, path) -> None:
    from ..errors import DomainError
    from ..expressions import to_function
    from ..multivariate import gradient
    from ..plots import save
    from ..plots.gradient import plot_gradient_field

    if len(r.variables) != 2:
        raise DomainError("--plot draws functions of two variables")
    names = list(r.variables)
    sym = r if r.expressions is not None else gradient(expr, vars=names, lens="symbolic")
    f = to_function(expr, names)
    gx, gy = (to_function(e, names) for e in sym.expressions)
    pt = None if r.at is None else tuple(r.at)
    if pt is not None:
        lo = [c - 5 for c in pt]
        xlim, ylim = (lo[0], pt[0] + 5), (lo[1], pt[1] + 5)
    else:
        xlim = ylim = (-10, 10)
    ax = plot_gradient_field(f, lambda X, Y: (gx(X, Y), gy(X, Y)), xlim=xlim, ylim=ylim, title=f"\u2207({expr})",
                             point=pt, point_gradient=None if pt is None else (gx(*pt), gy(*pt)))
    save(ax.figure, path)


@app.command("jacobian")
def jacobian_cmd(
    exprs: List[str] = typer.Argument(..., help="The outputs, e.g. '2*x*y' 'x^2*y'."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 1,2."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The Jacobian matrix (rows: outputs, columns: variables), three ways."""
    from ..multivariate import jacobian

    _finish_comparison(jacobian(list(exprs), at=at, vars=vars, lens=lens), as_json, "J")


@app.command("hessian")
def hessian_cmd(
    expr: str = typer.Argument(..., help="A function of several variables, e.g. 'x^2*y + y^3'."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    at: Optional[str] = typer.Option(None, "--at", help="Point, e.g. 2,3."),
    lens: str = typer.Option("all", "--lens", help="symbolic, numeric, automatic or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """The Hessian matrix of second derivatives, three ways."""
    from ..multivariate import hessian

    _finish_comparison(hessian(expr, at=at, vars=vars, lens=lens), as_json, "H")


@app.command()
def steepest(
    expr: str = typer.Argument(..., help="A function of two variables, e.g. 'x^2 + y^2'."),
    at: str = typer.Option(..., "--at", help="Point, e.g. 1,1."),
    vars: Optional[str] = typer.Option(None, "--vars", help="Variables in order, e.g. x,y (default: sorted)."),
    resolution: float = typer.Option(0.1, "--resolution", help="Angular step of the sweep, in degrees."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the rate-vs-angle sweep to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Sweep the directions around a point: where does the function rise fastest?"""
    from ..multivariate import steepest_ascent

    plot = _plot_path(plot)
    r = steepest_ascent(expr, at, resolution, vars=vars)
    if plot:
        from ..plots import save
        from ..plots.gradient import plot_direction_sweep

        save(plot_direction_sweep(r, title=expr).figure, plot)
    if as_json:
        d = r.to_dict()
        if plot:
            d["plot"] = plot
        _emit_json(d)
    else:
        con = _console()
        con.print(f"[bold]steepest ascent at {r.angle_deg:g} degrees[/bold] ({_esc(r.convention)}), rate {r.rate:.10g}")
        con.print(f"gradient {_esc(_nested(r.gradient.tolist()))}: direction {r.gradient_angle_deg:.4f} degrees, "
                  f"norm {r.gradient_norm:.10g}")
        con.print(f"sweep and gradient agree (within {r.resolution_deg:g} degrees): {'yes' if r.agree else 'NO'}")
        if plot:
            con.print(f"figure written to {_esc(plot)}")
    if not r.agree:
        raise _Failed("the sweep and the gradient disagree")


# --- the course -------------------------------------------------------------------------------

@app.command()
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
    _console().print(t)
    _console().print("Run one with: calcml lesson N   |   the whole course: calcml course")


@app.command()
def lesson(
    number: int = typer.Argument(..., help="Lesson number (see: calcml lessons)."),
    out: str = typer.Option(_DEFAULT_OUT, "--out", help="Folder for the figures (written to OUT/lesson-0N/)."),
):
    """Run one lesson: its explanation, worked examples and figures."""
    from pathlib import Path

    from ..course.catalog import get_lesson, run_lesson
    from ..course.exercises import exercises_for

    get_lesson(number)
    con = _console()
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

    con.rule(f"Lesson {run.number}: {_esc(run.title)}")
    for b in run.blocks:
        if isinstance(b, model.Text):
            con.print(Markdown(b.markdown))
        elif isinstance(b, model.Formula):
            body = _pretty(b.expr) if b.expr is not None and "=" not in b.latex else b.latex
            con.print(f"  {_esc(b.label) + ': ' if b.label else ''}{_esc(body)}")
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
            con.print(Panel(_esc(b.source), expand=False, border_style="dim"))
        elif isinstance(b, model.Erratum):
            con.print(Panel(f"[bold]The original course says:[/bold] {_esc(b.claim)}\n"
                            f"[bold]In fact:[/bold] {_esc(b.correction)}",
                            title="erratum", border_style="yellow"))


def _pretty(expr) -> str:
    return str(expr)


@app.command()
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
    con = _console()
    con.rule(f"Exercise {_esc(e.id)}: {_esc(e.title)}")
    con.print(_esc(e.prompt))
    if e.answer_format:
        con.print(f"[dim]Answer format:[/dim] {_esc(e.answer_format)}")
    if e.hint:
        con.print(f"[dim]Hint:[/dim] {_esc(e.hint)}")
    con.print(f'Check your answer: calcml check {_esc(e.id)} "YOUR ANSWER"')


@app.command()
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
        if g.feedback:
            con.print(_esc(g.feedback))
        if reveal:
            con.print(f"expected: {_esc(g.expected)}")
    if not g.correct:
        raise typer.Exit(1)


@app.command()
def course(
    out: str = typer.Option(_DEFAULT_OUT, "--out", help="Folder for the report (OUT/index.html) and figures."),
):
    """Run the whole course and write an HTML report with figures."""
    import time
    from pathlib import Path

    from ..course.catalog import run_course

    con = _console()
    t0 = time.perf_counter()
    with con.status("running the course...") as status:
        def progress(msg: str) -> None:
            status.update(f"running the course: {_esc(msg)}")
            con.print(f"  {_esc(msg)}")

        path = run_course(Path(out), progress=progress)
    con.print(f"[bold]report written to {_esc(path.resolve())}[/bold]  ({time.perf_counter() - t0:.1f} s)")
    con.print(f"open it in a browser: file://{_esc(path.resolve())}")


# --- command groups in their own modules --------------------------------------------------------

#: Modules of this package that add commands: each defines ``register(app)``.
GROUPS: tuple[str, ...] = ("optimize",)


def _register_groups() -> None:
    import importlib

    for name in GROUPS:
        importlib.import_module(f".{name}", __name__).register(app)


_register_groups()


# --- entry point ------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> None:
    """Run the app; turn calcml's errors into one-line messages and exit codes."""
    from ..errors import CalcmlError, ComputationError

    try:
        app(args=argv, standalone_mode=True)
    except SystemExit:
        raise
    except _Failed as err:
        _error(str(err), code=1)
    except ComputationError as err:
        _error(str(err), code=1)
    except CalcmlError as err:
        pointer = err.pointer() if hasattr(err, "pointer") else ""
        _error(str(err), code=2, detail=pointer)
    except KeyboardInterrupt:
        _error("interrupted", code=130)
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, exit 1
        _error(f"internal error: {type(err).__name__}: {err} (run with --verbose for the traceback)", code=1)


def _error(message: str, code: int, detail: str = "") -> None:
    if _state["verbose"]:
        import traceback

        traceback.print_exc()
    sys.stderr.write(f"error: {message}\n")
    if detail:
        sys.stderr.write("".join(f"  {line}\n" for line in detail.splitlines()))
    raise SystemExit(code)
