"""Lessons 1 and 2 on the command line: ``calcml diff`` and ``calcml integrate``."""

from __future__ import annotations

import math
from typing import Optional

import typer

from ._shared import (
    check_variables as _check_variables,
    Failed as _Failed,
    console as _console,
    emit_json as _emit_json,
    esc as _esc,
    number as _number,
    plot_path as _plot_path,
    steps_json as _steps_json,
    steps_tree as _steps_tree,
)


# --- lesson 1: diff ---------------------------------------------------------------------------

def diff(
    expr: str = typer.Argument(..., metavar="EXPR", callback=_check_variables, help="The function, e.g. 'x^3 - 2x^2 + 1'."),
    var: Optional[str] = typer.Option(None, "--var", callback=_check_variables,
        help="Variable to differentiate by (default: the only one)."),
    order: int = typer.Option(1, "--order", min=1, max=10, help="Order of the derivative."),
    at: Optional[str] = typer.Option(None, "--at", help="Also estimate the derivative numerically at this point."),
    method: Optional[str] = typer.Option(
        None, "--method", help="Numeric method: forward, backward, central, richardson, complex (default: best)."),
    steps: bool = typer.Option(False, "--steps", help="Show the rule-by-rule derivation."),
    rtol: Optional[float] = typer.Option(
        None, "--rtol", help="Relative tolerance of success: error estimate <= atol + rtol*|value| "
        "(default 1e-7, calcml.testing.DEFAULT_RTOL)."),
    atol: Optional[float] = typer.Option(
        None, "--atol", help="Absolute tolerance of success (default 0, calcml.testing.DEFAULT_ATOL)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the lesson-1 figure (f and f') to this PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Differentiate an expression: the rules, the steps, and a numeric check at a point."""
    from ..derivatives import derivative
    from ..results import jsonable

    plot = _plot_path(plot)
    x0 = _number(at, "--at") if at is not None else None
    r = derivative(expr, var, order, at=x0, method=method, rtol=rtol, atol=atol)
    variable = r.variable
    out = {
        "input": expr,
        "variable": variable,
        "order": order,
        "derivative": str(r.derivative),
        "latex": r.latex,
        "steps": [row for s in r.steps for row in _steps_json(s)],
    }
    if x0 is not None:
        # The library's comparison, presented: the numeric estimate's figures, the exact
        # value, the overall status, the verdict, and every lens's own answer.
        est = r.estimate
        sym = r.lenses.get("symbolic")
        exact = sym.value if sym is not None and sym.ok else None
        out.update({"at": x0,
                    # the trusted value (the one `status` speaks of); the numeric lens's own in "lenses"
                    "value": jsonable(r.value),
                    "error": jsonable(est.error if est is not None else None),
                    "method": est.method if est is not None else "",
                    "status": r.status.value,
                    "evaluations": est.evaluations if est is not None else 0,
                    "message": r.message,
                    "exact": jsonable(exact),
                    "agree": r.agree,
                    "lenses": jsonable(r.lenses)})
    if plot:
        _plot_rate_vs_rule(r.expression, r, variable, plot)
        out["plot"] = plot
    if as_json:
        _emit_json(out)
    else:
        con = _console()
        prime = "'" * order if order <= 3 else f"^({order})"
        con.print(f"f({_esc(variable)}) = {_esc(r.expression)}")
        con.print(f"[bold]f{prime}({_esc(variable)}) = {_esc(r.derivative)}[/bold]")
        if steps:
            for i, s in enumerate(r.steps, 1):
                title = "Steps" if len(r.steps) == 1 else f"Steps, derivative {i}"
                con.print(_steps_tree(s, title))
        if x0 is not None:
            est = r.estimate
            num = r.lenses.get("numeric")
            lead = f"at {variable} = {x0:g}:  "
            if est is not None:
                con.print(f"{lead}numeric {_esc(_show(est.value))} \u00b1 {est.error:.1e} "
                          f"({est.method}, {est.evaluations} evaluations, {est.status.value})")
                lead = " " * len(lead)
            elif num is not None:
                con.print(f"{lead}numeric {num.status.value}")
                lead = " " * len(lead)
            sym = r.lenses.get("symbolic")
            shown = _show(sym.value) if sym is not None and sym.ok else "undefined at this point"
            verdict = {True: "yes", False: "NO", None: "n/a (one lens)"}[r.agree]
            con.print(f"{lead}symbolic {_esc(shown)}   agree: {verdict}")
            auto = r.lenses.get("automatic")
            if auto is not None:
                con.print(f"{' ' * len(lead)}automatic {_esc(_show(auto.value) if auto.ok else auto.status.value)}")
            if r.message and r.ok:  # a failure's message is printed once, as the error
                con.print(f"[yellow]{_esc(r.message)}[/yellow]")
        if plot:
            con.print(f"figure written to {_esc(plot)}")
    if x0 is not None and not r.ok:
        raise _Failed(r.message or f"the derivative could not be computed ({r.status.value})",
                      reported=False)  # the text output leaves a failure's message to the error line


def _show(value) -> str:
    """A number as Python writes a float (17 significant digits at most), never a NumPy repr."""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def _plot_rate_vs_rule(expression, r, variable: str, path: str) -> None:
    from ..plots import save
    from ..plots.figures import rate_vs_rule_figure

    axes = rate_vs_rule_figure(expression, r.derivative, variable)  # r: the DerivativeResult
    save(axes[0].figure, path)


# --- lesson 2: integrate ----------------------------------------------------------------------

def integrate(
    expr: str = typer.Argument(..., help="The integrand, e.g. '3x^2 - 4x'."),
    var: Optional[str] = typer.Option(None, "--var", help="Variable of integration (default: the only one)."),
    a: Optional[str] = typer.Option(None, "--from", help="Lower limit, for a definite integral."),
    b: Optional[str] = typer.Option(None, "--to", help="Upper limit, for a definite integral."),
    method: str = typer.Option(
        "adaptive", "--method", help="left, right, midpoint, trapezoid, simpson or adaptive."),
    n: Optional[int] = typer.Option(None, "--n", min=1, help="Number of subintervals for the fixed rules."),
    table: bool = typer.Option(False, "--table", help="Convergence table of the rules (needs --from/--to)."),
    rtol: Optional[float] = typer.Option(
        None, "--rtol", help="Relative tolerance of success: error estimate <= atol + rtol*|value| "
        "(default 1e-7, calcml.testing.DEFAULT_RTOL)."),
    atol: Optional[float] = typer.Option(
        None, "--atol", help="Absolute tolerance of success (default 0, calcml.testing.DEFAULT_ATOL)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Write the lesson-2 figure (running sum vs F) to PNG."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Integrate an expression: the antiderivative with steps, and definite integrals numerically.

    With --from/--to, a verified antiderivative F checks the quadrature: F(b) - F(a)
    (with F continuous between the limits) is compared with it; a disagreement
    is reported and exits 1, and a fixed rule that misses --rtol/--atol exits 1
    (not_converged) with the --n that should do.
    """
    from ..derivatives import antiderivative, as_function, check_definite, convergence_table
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
    lo = hi = None
    if a is not None:  # read the limits before the symbolic work, so a typo fails at once
        lo, hi = _number(a, "--from", allow_infinite=True), _number(b, "--to", allow_infinite=True)
    try:
        anti = antiderivative(expression, var)
    except ComputationError as err:
        no_closed_form = str(err)
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
    est = check = None
    if a is not None:
        from ._errors import translate

        f = as_function(expression, var)
        est = integral(f, lo, hi, method=method, n=n, rtol=rtol, atol=atol)
        if anti is not None:  # the second opinion of lesson 2's theorem: F(b) - F(a), never hidden
            check = check_definite(expression, var, a, b, est, rtol=rtol, atol=atol, anti=anti)
            est = check.estimate
        out.update({"from": lo, "to": hi, **est.to_dict()})
        out["message"] = translate(est.message, "integrate")
        out["antiderivative_check"] = None if check is None else {
            "difference": None if check.difference is None else str(check.difference),
            "value": check.value, "naive": check.naive, "quadrature": est.value, "agree": check.agree,
            "message": translate(check.message, "integrate")}
        if table:
            tab = convergence_table(expression, lo, hi, var)
            out["table"] = tab.to_records()
            out["exact"] = tab.exact
            out["exact_source"] = tab.exact_source
    if plot:
        _plot_running_sum(expression, anti, plot, -10.0 if lo is None else lo, 10.0 if hi is None else hi)
        out["plot"] = plot
    if as_json:
        _emit_json(out)
    else:
        _render_integral(out, anti, est, table, check)
    if anti is None and est is None:  # no closed form, and no limits for a numeric answer
        raise _Failed(no_closed_form, reported=True)
    if est is not None and not est.ok:
        raise _Failed(est.message or f"the numeric integral did not succeed ({est.status.value})",
                      reported=as_json)  # text output: main prints the message as the error line


def _render_integral(out: dict, anti, est, table: bool, check=None) -> None:
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
        if check is not None and check.agree is True:
            con.print(f"F(b) \u2212 F(a) = {_esc(check.difference)} = {check.value!r}: "
                      "agrees with the quadrature")
        elif check is not None and check.message and check.message not in est.message:
            con.print(f"[yellow]{_esc(out['antiderivative_check']['message'])}[/yellow]")
        if est.message and est.ok:  # a failure's message is printed once, as the error line
            con.print(f"[yellow]{_esc(out['message'])}[/yellow]")
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


def _plot_running_sum(expression, anti, path, lo: float, hi: float) -> None:
    from ..errors import ComputationError
    from ..plots import save
    from ..plots.figures import running_sum_figure

    if anti is None:
        raise ComputationError("the running-sum figure needs a closed-form antiderivative")
    ax = running_sum_figure(expression, anti.antiderivative, anti.variable.name, lo, hi)
    save(ax.figure, path)


def register(app: typer.Typer) -> None:
    """Add this group's commands to `app`."""
    app.command("diff")(diff)
    app.command("integrate")(integrate)
